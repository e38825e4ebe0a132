"""Every write of the inbox, by noun: `do_<verb>_<noun>(..., *, actor)` checks the permission, changes
things in one transaction and writes one audit event. Import from the module of the noun.

- conversations: assignee, state, priority, all at once, several conversations at once
- replies: answering a conversation, or marking it answered elsewhere
- labels, notes, saved_replies, saved_views
- expectations: response-time targets, business hours, holidays
- notifications: writing notifications, a person's choices, reading them
"""
