"""Every change the team makes to the community space, one module per noun.

posts (writing posts and pages), publication (their status: publish, schedule, unpublish,
trash, restore), approval (a client's approval of a post), taxonomy (categories and tags),
authors. The organisation's answers to comments are in space.comments, with the comments.

Each action checks the permission, changes the rows in one transaction, writes one
AuditEvent, keeps the post's stream message and the search index in step, and, once
committed, expires the cached public pages when something the public sees changed.
"""
