"""Words for what the audit trail stores (verbs, system actors), as the team reads them in a history.

Verbs and actors stay codes in the data (`space.post.create`, `system:inbox`) so that the API,
webhooks and exports keep them stable; pages show these phrases instead, in the reader's language.
Every app's verbs are listed here, as plain strings: core imports no app to name them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# What the actor did, as it follows their name: « Camille Martin · a créé l’article ».
VERB_LABELS = {
    # the workspace and its team
    "workspace.create": _("created the workspace"),
    "workspace.require_totp": _("changed the two-factor requirement"),
    "user.update_account": _("updated their account"),
    "user.totp_enable": _("turned on two-factor login"),
    "user.totp_disable": _("turned off two-factor login"),
    "user.totp_setup_start": _("started setting up two-factor login"),
    "user.recovery_codes_regenerate": _("made new recovery codes"),
    "user.recovery_code_use": _("logged in with a recovery code"),
    "team.invite": _("invited a teammate"),
    "team.revoke_invitation": _("revoked an invitation"),
    "team.accept_invitation": _("accepted an invitation"),
    "team.add_member": _("added a teammate"),
    "team.change_role": _("changed a teammate's role"),
    "team.remove_member": _("removed a teammate"),
    "api.token.create": _("created an API token"),
    "api.token.revoke": _("revoked an API token"),
    "demo.load": _("loaded the demo"),
    # the community space
    "space.post.create": _("created the post"),
    "space.post.update": _("edited the post"),
    "space.post.publish": _("published the post"),
    "space.post.schedule": _("scheduled the post"),
    "space.post.unpublish": _("took the post back to draft"),
    "space.post.trash": _("moved the post to the trash"),
    "space.post.restore": _("restored the post from the trash"),
    "space.post.approve": _("approved this version of the post"),
    "space.author.create": _("created an author"),
    "space.author.update": _("edited an author"),
    "space.category.create": _("created a category"),
    "space.category.update": _("edited a category"),
    "space.category.delete": _("deleted a category"),
    "space.tag.create": _("created a tag"),
    "space.tag.update": _("edited a tag"),
    "space.tag.delete": _("deleted a tag"),
    "space.import_wordpress": _("imported a WordPress export"),
    "space.export_wordpress": _("exported the site for WordPress"),
    "comment.post": _("received a comment"),
    "comment.reply_as_organisation": _("replied as the organisation"),
    "message.reply": _("replied"),
    "message.set_visibility": _("changed the message's visibility"),
    # channels
    "channel.create": _("connected the channel"),
    "channel.update": _("changed the channel's settings"),
    "channel.pause": _("paused the channel"),
    "channel.resume": _("resumed the channel"),
    "channel.poll_now": _("asked for a poll now"),
    # the inbox
    "inbox.conversation.open": _("opened the conversation"),
    "inbox.conversation.reopen": _("reopened by a new message"),
    "inbox.conversation.assign": _("assigned"),
    "inbox.conversation.state": _("changed the state"),
    "inbox.conversation.priority": _("changed the priority"),
    "inbox.conversation.labels": _("changed the labels"),
    "inbox.conversation.update": _("changed"),
    "inbox.note.add": _("added a note"),
    "inbox.reply": _("replied"),
    "inbox.first_response": _("first response: the clock stopped"),
    "inbox.answered_elsewhere": _("marked as answered elsewhere"),
    "inbox.label.create": _("created a label"),
    "inbox.saved_reply.save": _("saved a saved reply"),
    "inbox.saved_reply.delete": _("deleted a saved reply"),
    "inbox.view.save": _("saved a view"),
    "inbox.view.delete": _("deleted a view"),
    "inbox.target.set": _("set a response-time target"),
    "inbox.target.delete": _("deleted a response-time target"),
    "inbox.business_hours.set": _("changed the business hours"),
    "inbox.holiday.add": _("added a holiday"),
    "inbox.holiday.delete": _("deleted a holiday"),
    "inbox.notifications.read": _("read their notifications"),
    "inbox.notification_preference": _("changed their notification emails"),
    # moderation
    "moderation.approve": _("approved"),
    "moderation.reject": _("hid"),
    "moderation.delete": _("deleted"),
    "moderation.spam": _("marked as spam"),
    "moderation.escalate": _("escalated to a manager"),
    "moderation.flag": _("flagged"),
    "moderation.alert": _("alerted a teammate"),
    "moderation.assign": _("assigned by a rule"),
    "moderation.auto_reply": _("replied automatically"),
    "moderation.auto_reply_failed": _("could not reply automatically"),
    "moderation.auto_reply_unsupported": _("could not reply automatically on this channel"),
    "moderation.source.done": _("applied the decision at the source"),
    "moderation.source.failed": _("could not apply the decision at the source"),
    "moderation.source.local_only": _("applied the decision here only"),
    "moderation.sanction.warn": _("warned the author"),
    "moderation.sanction.mute": _("muted the author"),
    "moderation.sanction.ban": _("banned the author"),
    "moderation.sanction.lift": _("lifted a sanction"),
    "moderation.word.add": _("added a watched word"),
    "moderation.word.remove": _("removed a watched word"),
    "moderation.rule.create": _("created a rule"),
    "moderation.rule.update": _("edited a rule"),
    "moderation.rule.delete": _("deleted a rule"),
    "moderation.rule.webhook_secret": _("renewed a rule's webhook secret"),
    "moderation.settings": _("changed the moderation settings"),
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
