"""Every write on channels: add, change, pause, resume, poll now, and answer a message at its source."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from animateur.channels.connectors import Capability, connector_for, get_kind
from animateur.channels.errors import ConnectorError
from animateur.channels.models import Channel
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.models import Workspace
from animateur.stream.models import Kind, Message

MIN_INTERVAL = 60


def _check(kind: str, name: str, poll_interval_seconds: int) -> None:
    try:
        get_kind(kind)
    except KeyError:
        raise ActionError(f"unknown channel kind {kind!r}") from None
    if not name.strip():
        raise ActionError("a channel needs a name")
    if poll_interval_seconds < MIN_INTERVAL:
        raise ActionError(f"the poll interval must be at least {MIN_INTERVAL} seconds")


def do_create_channel(
    workspace: Workspace,
    kind: str,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    *,
    poll_interval_seconds: int | None = None,
    actor: Actor,
) -> Channel:
    require(actor, workspace, "channel.manage")
    _check(kind, name, MIN_INTERVAL)
    interval = poll_interval_seconds or get_kind(kind).default_poll_interval
    _check(kind, name, interval)
    with transaction.atomic():
        channel = Channel.objects.create(
            workspace=workspace,
            kind=kind,
            name=name.strip(),
            config=config,
            credentials=json.dumps(secrets) if secrets else "",
            poll_interval_seconds=interval,
            next_poll_at=timezone.now(),
        )
        # Never the secrets: only which ones are set.
        record(
            workspace,
            actor,
            "channel.create",
            channel,
            {"kind": kind, "name": channel.name, "config": config, "secrets": sorted(secrets)},
        )
    return channel


def do_update_channel(
    channel: Channel,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    *,
    poll_interval_seconds: int,
    actor: Actor,
) -> Channel:
    """Change a channel; secrets left empty keep their stored value (forms never show them)."""
    require(actor, channel.workspace, "channel.manage")
    _check(channel.kind, name, poll_interval_seconds)
    stored = json.loads(channel.credentials) if channel.credentials else {}
    changed_secrets = sorted(k for k, v in secrets.items() if v)
    stored.update({k: v for k, v in secrets.items() if v})
    with transaction.atomic():
        channel.name, channel.config, channel.poll_interval_seconds = (
            name.strip(),
            config,
            poll_interval_seconds,
        )
        channel.credentials = json.dumps(stored) if stored else ""
        if changed_secrets:
            channel.needs_reconnection = False
            channel.next_poll_at = timezone.now()
        channel.save()
        record(
            channel.workspace,
            actor,
            "channel.update",
            channel,
            {"name": channel.name, "config": config, "secrets_changed": changed_secrets},
        )
    return channel


def do_pause_channel(channel: Channel, *, actor: Actor) -> None:
    require(actor, channel.workspace, "channel.manage")
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(paused=True)
        channel.paused = True
        record(channel.workspace, actor, "channel.pause", channel)


def do_resume_channel(channel: Channel, *, actor: Actor) -> None:
    require(actor, channel.workspace, "channel.manage")
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(paused=False, next_poll_at=timezone.now())
        channel.paused = False
        record(channel.workspace, actor, "channel.resume", channel)


def do_poll_channel_now(channel: Channel, *, actor: Actor) -> None:
    from animateur.channels.tasks import poll_channel_task

    require(actor, channel.workspace, "channel.manage")
    record(channel.workspace, actor, "channel.poll_now", channel)
    transaction.on_commit(lambda: poll_channel_task(channel.pk))


def do_reply_to_message(message: Message, text: str, *, actor: Actor) -> Message:
    """Send an answer at the message's source and put it in the stream, threaded under the message."""
    from animateur.core.models import User
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline

    channel = message.channel
    require(actor, channel.workspace, "inbox.reply")
    if not text.strip():
        raise ActionError("an answer cannot be empty")
    connector = connector_for(channel)
    if not connector.can(Capability.REPLY):
        raise ActionError(f"{channel.kind} channels cannot send answers")
    try:
        external_id = connector.reply(message, text)
    except ConnectorError as exc:
        raise ActionError(f"the answer could not be sent: {exc}") from exc
    user = actor if isinstance(actor, User) else None
    item = Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=timezone.now(),
        kind=Kind.REPLY,
        parent_external_id=message.external_id,
        from_organisation=True,
        sent_by_id=user.pk if user else None,
        source_visibility="visible",
        author=AuthorInfo(external_id=f"organisation:{channel.pk}", display_name=channel.workspace.name),
    )
    with transaction.atomic():
        result = run_pipeline([item])
        answer = result.messages[0]
        record(channel.workspace, actor, "message.reply", answer, {"to": message.pk, "channel": channel.pk})
    return answer


def test_connection(
    workspace: Workspace,
    kind: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    channel: Channel | None = None,
) -> tuple[bool, str, str]:
    """Reach the source with these settings, writing nothing: (ok, what was found or why not, cause)."""
    stored = json.loads(channel.credentials) if channel and channel.credentials else {}
    stored.update({k: v for k, v in secrets.items() if v})
    probe = Channel(
        workspace=workspace,
        kind=kind,
        name="test",
        config=dict(config),
        credentials=json.dumps(stored) if stored else "",
    )
    probe.pk = channel.pk if channel else None
    try:
        return True, connector_for(probe).test_connection(), ""
    except ConnectorError as exc:
        return False, str(exc), exc.cause
