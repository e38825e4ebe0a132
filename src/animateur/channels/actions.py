"""Every write on channels: add, change, pause, resume, poll now, and answer a message at its source."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.connectors import Capability, connector_for, get_kind
from animateur.channels.errors import ConnectorError
from animateur.channels.labels import CAUSE_LABELS
from animateur.channels.models import Channel, RejectedItem
from animateur.core.actions import ActionError, Actor, record, refuse_nesting, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

MIN_INTERVAL = 60
# The reason of a RejectedItem kept for a reply the source has and we could not store: a poll that
# reads the reply back (see the Mastodon connector) stores it and drops this record.
UNSTORED_REPLY = "reply sent at the source but not stored"


def learned_keys(kind: str) -> tuple[str, ...]:
    """The config keys a kind's connector finds out itself (e.g. which Mastodon account we are)."""
    return get_kind(kind).learned_keys


def _settings(config: dict[str, Any], learned: tuple[str, ...]) -> dict[str, Any]:
    # What the user set: a field left empty is the same as one the config never had.
    return {k: v for k, v in config.items() if k not in learned and v not in ("", None)}


def source_fields(kind: str) -> tuple[str, ...]:
    """The config fields of a kind that each name a source the channel reads (a hashtag, a search...)."""
    return get_kind(kind).source_fields


def added_sources(
    kind: str, previous: dict[str, Any], config: dict[str, Any], times: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The channel's source times once `config` replaces `previous`: a source set or changed now is added now;
    one emptied is forgotten; the others keep their time."""
    times = dict(times or {})
    for name in source_fields(kind):
        value = config.get(name)
        if value in ("", None):
            times.pop(name, None)
        elif value != previous.get(name):
            times[name] = {"value": value, "added_at": now.isoformat()}
    return times


def _enqueue_poll(channel_id: int) -> None:
    from animateur.channels.tasks import poll_channel_task

    transaction.on_commit(lambda: poll_channel_task(channel_id))


def _check(kind: str, name: str, poll_interval_seconds: int) -> None:
    try:
        get_kind(kind)
    except KeyError:
        raise ActionError(_("Unknown kind of channel: %(kind)s.") % {"kind": kind}) from None
    if not name.strip():
        raise ActionError(_("A channel needs a name."))
    if poll_interval_seconds < MIN_INTERVAL:
        raise ActionError(_("The poll interval must be at least %(seconds)d seconds.") % {"seconds": MIN_INTERVAL})


def do_create_channel(
    workspace: Workspace,
    kind: str,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    *,
    poll_interval_seconds: int | None = None,
    learned: dict[str, Any] | None = None,
    actor: Actor,
) -> Channel:
    """Add a channel and poll it at once (on commit), so its messages arrive within one poll interval.

    `learned`: what a connection test found out (see `test_connection`), kept in config.
    """
    from animateur.channels.tasks import CLAIM_SECONDS

    require(actor, workspace, "channel.manage")
    _check(kind, name, MIN_INTERVAL)
    interval = poll_interval_seconds or get_kind(kind).default_poll_interval
    _check(kind, name, interval)
    keys = learned_keys(kind)
    config = {**config, **{k: v for k, v in (learned or {}).items() if k in keys}}
    with transaction.atomic(durable=True):
        channel = Channel.objects.create(
            workspace=workspace,
            kind=kind,
            name=name.strip(),
            config=config,
            credentials=json.dumps(secrets) if secrets else "",
            poll_interval_seconds=interval,
            # Claimed by the poll enqueued below, as the scheduler would: should that task be lost,
            # the claim expires and the scheduler polls the channel.
            next_poll_at=timezone.now() + timedelta(seconds=CLAIM_SECONDS),
        )
        # Never the secrets: only which ones are set.
        record(
            workspace,
            actor,
            AuditVerb.CHANNEL_CREATE,
            channel,
            {"kind": kind, "name": channel.name, "config": config, "secrets": sorted(secrets)},
        )
        _enqueue_poll(channel.pk)
    return channel


def do_update_channel(
    channel: Channel,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    *,
    poll_interval_seconds: int,
    learned: dict[str, Any] | None = None,
    actor: Actor,
) -> Channel:
    """Change a channel; secrets left empty keep their stored value (forms never show them).

    What the connector had learned (who we are at the source) is kept while the source and the
    credentials stay the same, replaced by `learned` from a connection test, and otherwise dropped
    for the next poll to find out again.
    """
    from animateur.channels.tasks import CLAIM_SECONDS

    require(actor, channel.workspace, "channel.manage")
    _check(channel.kind, name, poll_interval_seconds)
    stored = json.loads(channel.credentials) if channel.credentials else {}
    # Entering a secret again counts as reconnecting, even when it is the same one.
    changed_secrets = sorted(k for k, v in secrets.items() if v)
    same_secrets = all(stored.get(k) == v for k, v in secrets.items() if v)
    stored.update({k: v for k, v in secrets.items() if v})
    keys = learned_keys(channel.kind)
    previous = dict(channel.config or {})
    same_source = same_secrets and _settings(previous, keys) == _settings(config, keys)
    kept = {k: previous[k] for k in keys if k in previous} if same_source else {}
    config = {**config, **kept, **{k: v for k, v in (learned or {}).items() if k in keys}}
    with transaction.atomic(durable=True):
        channel.source_times = added_sources(channel.kind, previous, config, channel.source_times, timezone.now())
        channel.name, channel.config, channel.poll_interval_seconds = (
            name.strip(),
            config,
            poll_interval_seconds,
        )
        channel.credentials = json.dumps(stored) if stored else ""
        if changed_secrets:
            channel.needs_reconnection = False
            channel.next_poll_at = timezone.now() + timedelta(seconds=CLAIM_SECONDS)
        channel.save()
        record(
            channel.workspace,
            actor,
            AuditVerb.CHANNEL_UPDATE,
            channel,
            {"name": channel.name, "config": config, "secrets_changed": changed_secrets},
        )
        if changed_secrets:
            _enqueue_poll(channel.pk)  # reconnected: see at once whether it works (a paused one is skipped)
    return channel


def do_pause_channel(channel: Channel, *, actor: Actor) -> None:
    require(actor, channel.workspace, "channel.manage")
    with transaction.atomic(durable=True):
        Channel.objects.filter(pk=channel.pk).update(paused=True)
        channel.paused = True
        record(channel.workspace, actor, AuditVerb.CHANNEL_PAUSE, channel)


def do_resume_channel(channel: Channel, *, actor: Actor) -> None:
    require(actor, channel.workspace, "channel.manage")
    with transaction.atomic(durable=True):
        Channel.objects.filter(pk=channel.pk).update(paused=False, next_poll_at=timezone.now())
        channel.paused = False
        record(channel.workspace, actor, AuditVerb.CHANNEL_RESUME, channel)


def do_poll_channel_now(channel: Channel, *, actor: Actor) -> None:
    require(actor, channel.workspace, "channel.manage")
    with transaction.atomic(durable=True):
        record(channel.workspace, actor, AuditVerb.CHANNEL_POLL_NOW, channel)
        _enqueue_poll(channel.pk)


@dataclass(frozen=True)
class SentReply:
    """An answer the source has accepted, not yet in our stream."""

    channel: Channel
    parent: Message
    external_id: str
    text: str
    sent_by_id: int | None
    sent_at: datetime


def send_reply(message: Message, text: str) -> SentReply:
    """Send an answer to `message` at its source. A network call: call it outside any transaction
    (on SQLite one would hold the database's write lock for as long as the source takes). The caller
    has checked who may answer."""
    channel = message.channel
    if not text.strip():
        raise ActionError(_("The reply is empty."))
    connector = connector_for(channel)
    if not connector.can(Capability.REPLY):
        raise ActionError(_("This channel cannot send replies."))
    try:
        external_id = connector.reply(message, text)
    except ConnectorError as exc:
        # The team reads the cause in its language; the source's own words (often English) go to the log.
        log.warning("reply to %s on channel %s refused: %s (%s)", message.pk, channel.pk, exc, exc.cause)
        cause = CAUSE_LABELS.get(exc.cause, _("refused by the source"))
        raise ActionError(_("The reply could not be sent: %(cause)s.") % {"cause": cause}) from exc
    return SentReply(channel, message, external_id, text, None, timezone.now())


def store_reply(sent: SentReply) -> Message:
    """Put a sent answer in the stream, threaded under the message it answers (in the caller's transaction)."""
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline

    channel = sent.channel
    item = Incoming(
        channel=channel,
        external_id=sent.external_id,
        text=sent.text,
        created_at=sent.sent_at,
        kind=Kind.REPLY,
        parent_external_id=sent.parent.external_id,
        from_organisation=True,
        sent_by_id=sent.sent_by_id,
        source_visibility="visible",
        author=AuthorInfo(external_id=f"organisation:{channel.pk}", display_name=channel.workspace.name),
    )
    result = run_pipeline([item])
    # Unchanged: a poll read the answer back from the source first and stored it already.
    answer = (
        result.messages[0]
        if result.messages
        else Message.objects.filter(channel=channel, external_id=sent.external_id).first()
    )
    if answer is None:
        # The pipeline's reason is a developer's (English) words: the log has it, the caller says what to do.
        log.error("sent reply %s not stored: %s", sent.external_id, result.rejected[0].error if result.rejected else "")
        raise ActionError(_("The reply was sent but could not be stored."))
    return answer


def keep_unstored_reply(sent: SentReply, error: Exception) -> None:
    """A reply the source has but we could not store: logged with its id, and kept for inspection, so
    that nobody sends it twice and a later poll that reads it back stores it under the same key."""
    log.error(
        "reply %s sent on channel %s (to %s) but not stored: %s",
        sent.external_id,
        sent.channel.pk,
        sent.parent.external_id,
        error,
    )
    try:
        RejectedItem.objects.create(
            channel=sent.channel,
            external_id=sent.external_id[:255],
            reason=f"{UNSTORED_REPLY}: {type(error).__name__}: {error}",
            payload={
                "external_id": sent.external_id,
                "in_reply_to": sent.parent.external_id,
                "text": sent.text,
                "sent_by_id": sent.sent_by_id,
                "sent_at": sent.sent_at.isoformat(),
            },
        )
    except Exception:  # the database may be what failed: the log line above still holds the id
        log.exception("could not keep the unstored reply %s", sent.external_id)


def reply_at_source(message: Message, text: str, *, actor: Actor, audit: Callable[[Message], object]) -> Message:
    """Send an answer at the message's source, then put it in the stream, threaded under the message.

    Shared by do_reply_to_message and the inbox's reply, each of which checks the permission and
    writes its own one audit event with `audit(answer)`, inside the transaction that stores the answer.
    Sending happens outside any transaction; what the source accepted is then stored in one. If the
    source refuses, nothing is stored. If storing fails after sending, the answer's id is logged and
    kept (RejectedItem), and the error says it was sent, so that it is not sent again.
    """
    from animateur.core.models import User

    refuse_nesting()
    sent = send_reply(message, text)
    sent = replace(sent, sent_by_id=actor.pk if isinstance(actor, User) else None)
    try:
        with transaction.atomic(durable=True):
            answer = store_reply(sent)
            audit(answer)
    except Exception as exc:
        keep_unstored_reply(sent, exc)
        raise ActionError(
            _("The reply was sent but could not be saved here: do not send it again. Its id at the source: %(id)s.")
            % {"id": sent.external_id}
        ) from exc
    return answer


def do_reply_to_message(message: Message, text: str, *, actor: Actor) -> Message:
    """Answer a message at its source (see reply_at_source)."""
    channel = message.channel
    require(actor, channel.workspace, "inbox.reply")

    def audit(answer: Message) -> None:
        record(
            channel.workspace, actor, AuditVerb.CHANNEL_MESSAGE_REPLY, answer, {"to": message.pk, "channel": channel.pk}
        )

    return reply_at_source(message, text, actor=actor, audit=audit)


class ConnectionTest(NamedTuple):
    ok: bool
    detail: str  # what was found, or why it failed
    cause: str
    learned: dict[str, Any]  # config the connector found out (see `learned_keys`)


def effective_secrets(secrets: dict[str, str], channel: Channel | None = None) -> dict[str, str]:
    """The secrets a form's values stand for: those entered, else the channel's stored ones."""
    stored = json.loads(channel.credentials) if channel and channel.credentials else {}
    stored.update({k: v for k, v in secrets.items() if v})
    return stored


def test_connection(
    workspace: Workspace,
    kind: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    channel: Channel | None = None,
) -> ConnectionTest:
    """Reach the source with these settings, writing nothing."""
    stored = effective_secrets(secrets, channel)
    probe = Channel(
        workspace=workspace,
        kind=kind,
        name="test",
        config=dict(config),
        credentials=json.dumps(stored) if stored else "",
    )
    probe.pk = channel.pk if channel else None
    connector = connector_for(probe)
    try:
        detail = connector.test_connection()
    except ConnectorError as exc:
        return ConnectionTest(False, str(exc), exc.cause, {})
    learned = {k: connector.config[k] for k in learned_keys(kind) if k in connector.config}
    return ConnectionTest(True, detail, "", learned)
