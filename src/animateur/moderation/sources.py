"""Hiding, deleting or answering a message at its source, where the channel's connector can.

Connectors declare capabilities (animateur.channels.connectors.base). A decision here is taken at
once; what the source must do is asked after the transaction commits, by a task, so that a slow or
failing source never holds a database transaction nor loses the decision. Every outcome is an
audit event on the message (verbs below), which the message's page and the queue show:

- `moderation.source.local_only`: the channel cannot do it; the message is hidden here only;
- `moderation.source.done`: the source did it;
- `moderation.source.failed`: the source refused or failed (`error`, `cause`; `retry_at` while
  another attempt is planned).

Our own site is its own source: its visibility is the decision itself, nothing is asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from animateur.channels.connectors.base import Capability, Connector, connector_for, kinds
from animateur.channels.runner import remember_learned
from animateur.core.actions import SystemActor, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import AuditEvent
from animateur.stream.models import Message

log = logging.getLogger(__name__)
ACTOR = SystemActor("moderation")

DONE, FAILED, LOCAL_ONLY = (
    AuditVerb.MODERATION_SOURCE_DONE,
    AuditVerb.MODERATION_SOURCE_FAILED,
    AuditVerb.MODERATION_SOURCE_LOCAL_ONLY,
)
VERBS = (DONE, FAILED, LOCAL_ONLY)
# hide: out of sight, reversible; spam: the source's spam folder where it has one; restore: undo either.
WHAT = ("hide", "delete", "spam", "restore")
RETRY_SECONDS = (60, 600)  # before the 2nd and 3rd attempts when the source is down
MAX_ATTEMPTS = len(RETRY_SECONDS) + 1

WHAT_LABELS = {
    "hide": gettext_lazy("hide"),
    "delete": gettext_lazy("delete"),
    "spam": gettext_lazy("mark as spam"),
    "restore": gettext_lazy("restore"),
}
DONE_SENTENCES = {
    "hide": gettext_lazy("Hidden at the source too (%(channel)s)."),
    "delete": gettext_lazy("Deleted at the source too (%(channel)s)."),
    "spam": gettext_lazy("Marked as spam at the source too (%(channel)s)."),
    "restore": gettext_lazy("Restored at the source too (%(channel)s)."),
}
LOCAL_SENTENCES = {
    "hide": gettext_lazy("Hidden here only, not at the source: %(why)s (%(channel)s)."),
    "delete": gettext_lazy("Deleted here only, not at the source: %(why)s (%(channel)s)."),
    "spam": gettext_lazy("Marked as spam here only, not at the source: %(why)s (%(channel)s)."),
    "restore": gettext_lazy("Restored here only, not at the source: %(why)s (%(channel)s)."),
}
FAILED_SENTENCE = gettext_lazy("Could not %(what)s at the source (%(channel)s): %(error)s")
RETRYING_SENTENCE = gettext_lazy(
    "Could not %(what)s at the source yet (%(channel)s): %(error)s. Another attempt will follow."
)
OBSTACLES = {
    "no_connector": gettext_lazy("this kind of channel has no connector"),
    "no_capability": gettext_lazy("this kind of channel cannot do it at the source"),
    "own_posts_only": gettext_lazy("this kind of channel only lets us delete our own posts"),
    "no_credentials": gettext_lazy("the channel has no credentials to moderate at the source"),
}


def connector(message: Message) -> Connector | None:
    """The connector of the message's channel; None only for a kind that has none (the site's own).

    Building one that exists may fail (its settings unreadable, a bug): that failure is raised for the
    caller to record, never read as « no connector »."""
    if message.channel.kind not in kinds():
        return None
    return connector_for(message.channel)


def can(message: Message, capability: str) -> bool:
    found = connector(message)
    return found is not None and found.can(Capability(capability))


def obstacle(message: Message, what: str, found: Connector | None = None) -> str:
    """Why the source cannot do `what` to this message (a key of OBSTACLES), or "" if it can be asked."""
    found = found if found is not None else connector(message)
    if found is None:
        return "no_connector"
    if what in ("hide", "spam", "restore"):
        if not found.can(Capability.HIDE) or (what == "restore" and not found.can(Capability.MODERATE)):
            return "no_capability"
    elif what == "delete":
        if not found.can(Capability.DELETE):
            return "no_capability"
        if Capability.DELETE in found.own_posts_only and not message.from_organisation:
            return "own_posts_only"
    if not found.authenticated:
        return "no_credentials"
    return ""


def _call(found: Connector, message: Message, what: str) -> None:
    moderates = found.can(Capability.MODERATE)
    if what == "hide":
        found.hide(message)
    elif what == "delete":
        found.delete(message)
    elif what == "spam":
        found.moderate(message, "spam") if moderates else found.hide(message)
    elif what == "restore" and moderates:
        found.moderate(message, "approved")


def request(messages: list[Message], what: str, *, requested_by: str = "") -> list[tuple[Message, str]]:
    """Ask the messages' sources to do `what`, once the current transaction (if any) commits.

    Returns the messages whose source cannot, with why: they are decided here only, and the audit
    trail says so at once.
    """
    if what not in WHAT:
        raise ValueError(f"unknown action at the source {what!r}")
    local: list[tuple[Message, str]] = []
    asked: list[int] = []
    for message in messages:
        if message.channel.kind == "site":
            continue
        try:
            why = obstacle(message, what)
        except Exception:  # its connector cannot be built: asked anyway, so the attempt records why
            log.exception("channel %s: no connector could be built to %s at the source", message.channel_id, what)
            why = ""
        if why:
            local.append((message, why))
            record(
                message.workspace,
                ACTOR,
                LOCAL_ONLY,
                message,
                {"what": what, "channel": message.channel.kind, "why": why, "requested_by": requested_by},
            )
        else:
            asked.append(message.pk)
    if asked:
        from animateur.moderation.tasks import act_at_source_task

        def enqueue() -> None:
            for pk in asked:
                act_at_source_task(pk, what, 1, requested_by)

        transaction.on_commit(enqueue)
    return local


def perform(message_id: int, what: str, attempt: int = 1, requested_by: str = "") -> float | None:
    """Attempt `what` at the message's source and record the outcome; returns seconds before a retry, if any."""
    message = Message.objects.select_related("channel", "workspace").filter(pk=message_id).first()
    if message is None:
        return None
    from animateur.channels.errors import ConnectorError, TransientError

    data: dict[str, Any] = {
        "what": what,
        "channel": message.channel.kind,
        "attempt": attempt,
        "requested_by": requested_by,
    }
    with translation.override(message.workspace.language or None):
        try:
            found = connector(message)
            why = obstacle(message, what, found)
            if why or found is None:  # the channel changed since the decision (credentials removed, kind gone)
                record(message.workspace, ACTOR, LOCAL_ONLY, message, {**data, "why": why or "no_connector"})
                return None
            try:
                _call(found, message, what)
            finally:  # what the call taught the connector (a quota spent) is kept, whatever came of it
                remember_learned(message.channel, found)
        except TransientError as exc:
            retry: float | None = RETRY_SECONDS[attempt - 1] if attempt < MAX_ATTEMPTS else None
            if retry is not None:
                retry = max(retry, exc.retry_after or 0.0)  # never sooner than the source asked (Retry-After)
                data["retry_at"] = (timezone.now() + timedelta(seconds=retry)).isoformat()
            record(message.workspace, ACTOR, FAILED, message, {**data, "error": str(exc), "cause": exc.cause})
            return retry
        except ConnectorError as exc:
            record(message.workspace, ACTOR, FAILED, message, {**data, "error": str(exc), "cause": exc.cause})
        except Exception as exc:  # a connector's bug must not lose the record of the attempt
            log.exception("could not %s message %s at its source", what, message.pk)
            record(
                message.workspace,
                ACTOR,
                FAILED,
                message,
                {**data, "error": _("unexpected error: %(error)s") % {"error": exc}, "cause": "error"},
            )
        else:
            record(message.workspace, ACTOR, DONE, message, data)
    return None


@dataclass
class Outcome:
    """The latest word on one action at the source, as the message's page shows it."""

    what: str
    state: str  # done, failed, retrying, local_only
    channel: str
    at: Any
    error: str = ""
    why: str = ""

    @property
    def sentence(self) -> str:
        """In the reader's language, whatever the language of the worker that recorded it."""
        values = {
            "channel": channel_label(self.channel),
            "what": WHAT_LABELS.get(self.what, self.what),
            "why": OBSTACLES.get(self.why, self.why),
            "error": self.error,
        }
        if self.state == "done":
            return str(DONE_SENTENCES.get(self.what, DONE_SENTENCES["hide"])) % values
        if self.state == "local_only":
            return str(LOCAL_SENTENCES.get(self.what, LOCAL_SENTENCES["hide"])) % values
        return str(RETRYING_SENTENCE if self.state == "retrying" else FAILED_SENTENCE) % values


def channel_label(kind: str) -> str:
    from animateur.channels.connectors.base import get_kind

    try:
        return str(get_kind(kind).label) or kind
    except KeyError:
        return kind


def outcomes(workspace_id: int, message_ids: list[int]) -> dict[int, list[Outcome]]:
    """Per message, the latest outcome of each action asked of its source, newest first: one query."""
    events = AuditEvent.objects.filter(
        workspace_id=workspace_id,
        target_type=Message._meta.label_lower,
        target_id__in=[str(pk) for pk in message_ids],
        verb__in=VERBS,
    ).order_by("-created_at", "-id")
    found: dict[int, list[Outcome]] = {}
    seen: set[tuple[int, str]] = set()
    for event in events:
        pk, what = int(event.target_id), str(event.data.get("what", ""))
        if (pk, what) in seen:
            continue
        seen.add((pk, what))
        if event.verb == DONE:
            state = "done"
        elif event.verb == LOCAL_ONLY:
            state = "local_only"
        else:
            state = "retrying" if event.data.get("retry_at") else "failed"
        found.setdefault(pk, []).append(
            Outcome(
                what,
                state,
                str(event.data.get("channel", "")),
                event.created_at,
                str(event.data.get("error", "")),
                str(event.data.get("why", "")),
            )
        )
    return found


def hidden_at_source(messages: list[Message]) -> list[Message]:
    """Those of `messages` that their source last hid (or put in spam) at our request: restoring them there
    makes sense; a message the source held by itself is the source's own decision and stays so."""
    if not messages:
        return []
    events = AuditEvent.objects.filter(
        workspace_id=messages[0].workspace_id,
        target_type=Message._meta.label_lower,
        target_id__in=[str(m.pk) for m in messages],
        verb=DONE,
        data__what__in=["hide", "spam", "restore"],
    ).order_by("created_at", "id")
    last: dict[str, str] = {}
    for target_id, data in events.values_list("target_id", "data"):
        last[target_id] = data.get("what", "")
    return [m for m in messages if last.get(str(m.pk)) in ("hide", "spam")]


def auto_reply(message_id: int, text: str, rule_id: int | None) -> None:
    """A rule's automatic answer at the message's source; the outcome is recorded either way."""
    from animateur.channels.errors import ConnectorError

    message = Message.objects.select_related("channel", "workspace").filter(pk=message_id).first()
    found = connector(message) if message is not None else None
    if message is None or found is None:
        return
    with translation.override(message.workspace.language or None):
        try:
            external_id = found.reply(message, text)
        except ConnectorError as exc:
            record(
                message.workspace,
                ACTOR,
                AuditVerb.MODERATION_AUTO_REPLY_FAILED,
                message,
                {"rule": rule_id, "error": str(exc), "cause": exc.cause},
            )
            return
    record(
        message.workspace, ACTOR, AuditVerb.MODERATION_AUTO_REPLY, message, {"rule": rule_id, "at_source": external_id}
    )
