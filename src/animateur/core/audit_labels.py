"""Words for what the audit trail stores (verbs, system actors), as the team reads them in a history.

Verbs and actors stay codes in the data (`space.post.create`, `system:inbox`) so that the API,
webhooks and exports keep them stable; pages show these phrases instead, in the reader's language.
Every verb of the registry (core/audit_verbs.py) has its words here; a test checks none is missing.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.core.audit_verbs import AuditVerb

# What the actor did, as it follows their name: « Camille Martin · a créé l’article ».
VERB_LABELS: dict[str, Promise] = {
    # the workspace and its team
    AuditVerb.WORKSPACE_CREATE: _("created the workspace"),
    AuditVerb.WORKSPACE_REQUIRE_TOTP: _("changed the two-factor requirement"),
    AuditVerb.USER_UPDATE_ACCOUNT: _("updated their account"),
    AuditVerb.USER_TOTP_ENABLE: _("turned on two-factor login"),
    AuditVerb.USER_TOTP_DISABLE: _("turned off two-factor login"),
    AuditVerb.USER_TOTP_SETUP_START: _("started setting up two-factor login"),
    AuditVerb.USER_RECOVERY_CODES_REGENERATE: _("made new recovery codes"),
    AuditVerb.USER_RECOVERY_CODE_USE: _("logged in with a recovery code"),
    AuditVerb.TEAM_INVITE: _("invited a teammate"),
    AuditVerb.TEAM_REVOKE_INVITATION: _("revoked an invitation"),
    AuditVerb.TEAM_ACCEPT_INVITATION: _("accepted an invitation"),
    AuditVerb.TEAM_ADD_MEMBER: _("added a teammate"),
    AuditVerb.TEAM_CHANGE_ROLE: _("changed a teammate's role"),
    AuditVerb.TEAM_REMOVE_MEMBER: _("removed a teammate"),
    AuditVerb.API_TOKEN_CREATE: _("created an API token"),
    AuditVerb.API_TOKEN_REVOKE: _("revoked an API token"),
    AuditVerb.DEMO_LOAD: _("loaded the demo"),
    # the community space
    AuditVerb.SPACE_POST_CREATE: _("created the post"),
    AuditVerb.SPACE_POST_UPDATE: _("edited the post"),
    AuditVerb.SPACE_POST_PUBLISH: _("published the post"),
    AuditVerb.SPACE_POST_SCHEDULE: _("scheduled the post"),
    AuditVerb.SPACE_POST_UNPUBLISH: _("took the post back to draft"),
    AuditVerb.SPACE_POST_TRASH: _("moved the post to the trash"),
    AuditVerb.SPACE_POST_RESTORE: _("restored the post from the trash"),
    AuditVerb.SPACE_POST_APPROVE: _("approved this version of the post"),
    AuditVerb.SPACE_AUTHOR_CREATE: _("created an author"),
    AuditVerb.SPACE_AUTHOR_UPDATE: _("edited an author"),
    AuditVerb.SPACE_CATEGORY_CREATE: _("created a category"),
    AuditVerb.SPACE_CATEGORY_UPDATE: _("edited a category"),
    AuditVerb.SPACE_CATEGORY_DELETE: _("deleted a category"),
    AuditVerb.SPACE_TAG_CREATE: _("created a tag"),
    AuditVerb.SPACE_TAG_UPDATE: _("edited a tag"),
    AuditVerb.SPACE_TAG_DELETE: _("deleted a tag"),
    AuditVerb.SPACE_IMPORT_WORDPRESS: _("imported a WordPress export"),
    AuditVerb.SPACE_EXPORT_WORDPRESS: _("exported the site for WordPress"),
    AuditVerb.SPACE_COMMENT_POST: _("received a comment"),
    AuditVerb.SPACE_COMMENT_REPLY_AS_ORGANISATION: _("replied as the organisation"),
    AuditVerb.CHANNEL_MESSAGE_REPLY: _("replied"),
    AuditVerb.STREAM_MESSAGE_SET_VISIBILITY: _("changed the message's visibility"),
    # channels
    AuditVerb.CHANNEL_CREATE: _("connected the channel"),
    AuditVerb.CHANNEL_UPDATE: _("changed the channel's settings"),
    AuditVerb.CHANNEL_PAUSE: _("paused the channel"),
    AuditVerb.CHANNEL_RESUME: _("resumed the channel"),
    AuditVerb.CHANNEL_POLL_NOW: _("asked for a poll now"),
    AuditVerb.CHANNEL_NEEDS_RECONNECTION: _("found that the channel needs reconnecting"),
    AuditVerb.CHANNEL_FAILING: _("found that the channel keeps failing"),
    AuditVerb.CHANNEL_OAUTH_APP_SAVE: _("registered the workspace's app with a network"),
    AuditVerb.CHANNEL_OAUTH_CONNECT: _("connected channels through a network's consent screen"),
    AuditVerb.CHANNEL_TOKEN_REFRESH: _("renewed the channel's access token"),
    AuditVerb.CHANNEL_TOKEN_EXPIRING: _("warned that the channel's access will end soon"),
    # the inbox
    AuditVerb.INBOX_CONVERSATION_OPEN: _("opened the conversation"),
    AuditVerb.INBOX_CONVERSATION_REOPEN: _("reopened by a new message"),
    AuditVerb.INBOX_CONVERSATION_ASSIGN: _("assigned"),
    AuditVerb.INBOX_CONVERSATION_STATE: _("changed the state"),
    AuditVerb.INBOX_CONVERSATION_PRIORITY: _("changed the priority"),
    AuditVerb.INBOX_CONVERSATION_LABELS: _("changed the labels"),
    AuditVerb.INBOX_CONVERSATION_UPDATE: _("changed"),
    AuditVerb.INBOX_CONVERSATIONS_BULK: _("changed several conversations at once"),
    AuditVerb.INBOX_NOTE_ADD: _("added a note"),
    AuditVerb.INBOX_REPLY: _("replied"),
    AuditVerb.INBOX_FIRST_RESPONSE: _("first response: the clock stopped"),
    AuditVerb.INBOX_ANSWERED_ELSEWHERE: _("marked as answered elsewhere"),
    AuditVerb.INBOX_LABEL_CREATE: _("created a label"),
    AuditVerb.INBOX_SAVED_REPLY_SAVE: _("saved a saved reply"),
    AuditVerb.INBOX_SAVED_REPLY_DELETE: _("deleted a saved reply"),
    AuditVerb.INBOX_VIEW_SAVE: _("saved a view"),
    AuditVerb.INBOX_VIEW_DELETE: _("deleted a view"),
    AuditVerb.INBOX_TARGET_SET: _("set a response-time target"),
    AuditVerb.INBOX_TARGET_DELETE: _("deleted a response-time target"),
    AuditVerb.INBOX_BUSINESS_HOURS_SET: _("changed the business hours"),
    AuditVerb.INBOX_HOLIDAY_ADD: _("added a holiday"),
    AuditVerb.INBOX_HOLIDAY_DELETE: _("deleted a holiday"),
    AuditVerb.INBOX_NOTIFICATIONS_READ: _("read their notifications"),
    AuditVerb.INBOX_NOTIFICATION_PREFERENCE: _("changed their notification emails"),
    # moderation
    AuditVerb.MODERATION_APPROVE: _("approved"),
    AuditVerb.MODERATION_REJECT: _("hid"),
    AuditVerb.MODERATION_DELETE: _("deleted"),
    AuditVerb.MODERATION_SPAM: _("marked as spam"),
    AuditVerb.MODERATION_ESCALATE: _("escalated to a manager"),
    AuditVerb.MODERATION_FLAG: _("flagged"),
    AuditVerb.MODERATION_ALERT: _("alerted a teammate"),
    AuditVerb.MODERATION_ASSIGN: _("assigned by a rule"),
    AuditVerb.MODERATION_AUTO_REPLY: _("replied automatically"),
    AuditVerb.MODERATION_AUTO_REPLY_FAILED: _("could not reply automatically"),
    AuditVerb.MODERATION_AUTO_REPLY_UNSUPPORTED: _("could not reply automatically on this channel"),
    AuditVerb.MODERATION_SOURCE_DONE: _("applied the decision at the source"),
    AuditVerb.MODERATION_SOURCE_FAILED: _("could not apply the decision at the source"),
    AuditVerb.MODERATION_SOURCE_LOCAL_ONLY: _("applied the decision here only"),
    AuditVerb.MODERATION_SANCTION_WARN: _("warned the author"),
    AuditVerb.MODERATION_SANCTION_MUTE: _("muted the author"),
    AuditVerb.MODERATION_SANCTION_BAN: _("banned the author"),
    AuditVerb.MODERATION_SANCTION_LIFT: _("lifted a sanction"),
    AuditVerb.MODERATION_WORD_ADD: _("added a watched word"),
    AuditVerb.MODERATION_WORD_REMOVE: _("removed a watched word"),
    AuditVerb.MODERATION_RULE_CREATE: _("created a rule"),
    AuditVerb.MODERATION_RULE_UPDATE: _("edited a rule"),
    AuditVerb.MODERATION_RULE_DELETE: _("deleted a rule"),
    AuditVerb.MODERATION_RULE_WEBHOOK_SECRET: _("renewed a rule's webhook secret"),
    AuditVerb.MODERATION_SETTINGS: _("changed the moderation settings"),
    # webhooks and exports
    AuditVerb.WEBHOOK_CREATE: _("subscribed a webhook"),
    AuditVerb.WEBHOOK_UPDATE: _("edited a webhook"),
    AuditVerb.WEBHOOK_RENEW_SECRET: _("renewed a webhook's secret"),
    AuditVerb.WEBHOOK_PAUSE: _("paused a webhook"),
    AuditVerb.WEBHOOK_RESUME: _("resumed a webhook"),
    AuditVerb.WEBHOOK_DELETE: _("deleted a webhook"),
    AuditVerb.WEBHOOK_REPLAY: _("replayed a webhook delivery"),
    AuditVerb.WEBHOOK_TEST: _("sent a test event to a webhook"),
    AuditVerb.STREAM_EXPORT: _("exported every message"),
    # objectives and reports
    AuditVerb.REPORT_OBJECTIVE_CREATE: _("set an objective"),
    AuditVerb.REPORT_OBJECTIVE_UPDATE: _("changed an objective"),
    AuditVerb.REPORT_OBJECTIVE_DELETE: _("removed an objective"),
    AuditVerb.REPORT_SCHEDULE_CREATE: _("scheduled a report by email"),
    AuditVerb.REPORT_SCHEDULE_DELETE: _("stopped a scheduled report"),
    AuditVerb.REPORT_SCHEDULE_SEND: _("sent a scheduled report"),
    AuditVerb.REPORT_BRANDING_SET: _("changed the reports' logo and colour"),
    AuditVerb.REPORT_SAVED_SAVE: _("saved a report"),
    AuditVerb.REPORT_SAVED_DELETE: _("deleted a saved report"),
    # publishing
    AuditVerb.PUBLISHING_PUBLICATION_SAVE: _("saved a publication"),
    AuditVerb.PUBLISHING_PUBLICATION_SCHEDULE: _("scheduled a publication"),
    AuditVerb.PUBLISHING_PUBLICATION_PUBLISH: _("published a publication"),
    AuditVerb.PUBLISHING_APPROVAL_REQUEST: _("sent a publication for approval"),
    AuditVerb.PUBLISHING_APPROVAL_APPROVE: _("approved a publication"),
    AuditVerb.PUBLISHING_APPROVAL_COMMENT: _("commented on a publication awaiting approval"),
    AuditVerb.PUBLISHING_SETTINGS: _("changed the publishing settings"),
    AuditVerb.PUBLISHING_QUEUE_SET: _("changed a channel's publishing queue"),
    AuditVerb.PUBLISHING_LIVE_START: _("started a live coverage"),
    AuditVerb.PUBLISHING_LIVE_END: _("ended a live coverage"),
    AuditVerb.PUBLISHING_LIVE_POST: _("posted a live update"),
    AuditVerb.PUBLISHING_LIVE_RETRY: _("sent a live update again"),
    # tracked links
    AuditVerb.LINKS_LINK_CREATE: _("created a tracked link"),
    AuditVerb.LINKS_LINK_DELETE: _("deleted a tracked link"),
    AuditVerb.LINKS_TEXT_TRACK: _("replaced a text's links with tracked links"),
    # listening
    AuditVerb.LISTENING_SEARCH_CREATE: _("saved a listening search"),
    AuditVerb.LISTENING_SEARCH_UPDATE: _("edited a listening search"),
    AuditVerb.LISTENING_SEARCH_DELETE: _("deleted a listening search"),
    AuditVerb.LISTENING_SPIKE_FOUND: _("found a spike of a listening search"),
    AuditVerb.LISTENING_SPIKE_SEEN: _("marked a spike as seen"),
    AuditVerb.LISTENING_CRISIS_OPEN: _("opened a crisis room"),
    AuditVerb.LISTENING_CRISIS_NOTE: _("wrote in a crisis room's log"),
    AuditVerb.LISTENING_CRISIS_CLOSE: _("closed a crisis room"),
    AuditVerb.MEMBER_MERGE: _("merged two members"),
    AuditVerb.MEMBER_MERGE_REVERT: _("undid a merge of members"),
    AuditVerb.MEMBER_SPLIT: _("split an identity out of a member"),
    AuditVerb.MEMBER_SUGGESTION_DECIDE: _("decided on a merge suggestion"),
    AuditVerb.MEMBER_NOTE: _("wrote a note on a member"),
    AuditVerb.MEMBER_TAGS: _("changed a member's tags"),
    AuditVerb.MEMBER_AMBASSADOR: _("changed a member's ambassador mark"),
    AuditVerb.MEMBER_EXPORT: _("exported a member's data"),
    AuditVerb.MEMBER_ERASE: _("erased a member"),
    AuditVerb.MEMBERS_SETTINGS: _("changed the engagement settings"),
    AuditVerb.MEMBERS_RECOMPUTE: _("recomputed the members"),
    AuditVerb.MEMBERS_EXPORT: _("exported the list of members"),
    AuditVerb.MEMBERS_SEGMENT_SAVE: _("saved a segment of members"),
    AuditVerb.MEMBERS_SEGMENT_DELETE: _("deleted a segment of members"),
    AuditVerb.MEMBERS_LINKS_VERIFY: _("checked members' profile links"),
    AuditVerb.MEMBERS_FIELD_SAVE: _("saved a custom field of members"),
    AuditVerb.MEMBERS_FIELD_DELETE: _("deleted a custom field of members"),
    AuditVerb.MEMBER_FIELDS: _("changed a member's custom fields"),
    AuditVerb.MEMBERS_ALERT_SET: _("changed the alert of a segment of members"),
    AuditVerb.MEMBERS_ALERT_FIRE: _("told the managers of members entering a segment"),
    AuditVerb.MEMBER_INTRODUCTION_DISMISS: _("dismissed a suggested introduction"),
}

# `system:<component>`: the part of animateur that acted on its own.
SYSTEM_ACTORS = {
    "inbox": pgettext_lazy("actor", "animateur (inbox)"),
    "moderation": pgettext_lazy("actor", "animateur (automatic moderation)"),
    "site": pgettext_lazy("actor", "animateur (community site)"),
    "scheduler": pgettext_lazy("actor", "animateur (scheduled publishing)"),
    "channels": pgettext_lazy("actor", "animateur (channel monitoring)"),
    "cli": pgettext_lazy("actor", "animateur (command line)"),
    "api": pgettext_lazy("actor", "animateur (API)"),
    "importer": pgettext_lazy("actor", "animateur (import)"),
    "demo": pgettext_lazy("actor", "animateur (demo)"),
    "listening": pgettext_lazy("actor", "animateur (listening)"),
    "members": pgettext_lazy("actor", "animateur (members)"),
    "publishing": pgettext_lazy("actor", "animateur (publishing)"),
    "client": pgettext_lazy("actor", "the client (signed approval link)"),
}


def verb_label(verb: str) -> str:
    """A verb in words; an unknown one is shown as it is, so that a missing label is seen and added."""
    label = VERB_LABELS.get(verb)
    return str(label) if label is not None else verb


def actor_label(event: Any) -> str:
    """Who acted: the teammate's name, or the part of animateur that acted on its own."""
    user = getattr(event, "actor_user", None)
    if user is not None:
        return str(user.name)
    actor = str(getattr(event, "actor", "") or "")
    kind, _sep, name = actor.partition(":")
    if kind == "system":
        label = SYSTEM_ACTORS.get(name)
        return str(label) if label is not None else str(pgettext_lazy("actor", "animateur (%(part)s)") % {"part": name})
    if kind == "user":
        return str(pgettext_lazy("actor", "a former teammate"))
    return actor
