"""Every write of publishing: compose and save, schedule, publish (and publish again what failed).

Publishing is never done twice. Before any network call, the targets' intent is committed
(state « sending », the attempt counted); each target's idempotency key was made with its row and
never changes, and is sent on every attempt. After a crash or an answer lost on the network, the
next attempt sends the same key, and Mastodon answers with the status it made the first time.
What the network answered is then stored, with the one audit event, in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.errors import ConnectorError
from animateur.channels.models import Channel
from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.models import User, Workspace
from animateur.publishing import sending
from animateur.publishing.limits import broken_rule
from animateur.publishing.models import Publication, PublicationState, PublicationTarget, TargetState
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

MAX_TEXT = 20_000
# A publication « sending » for longer than this was left by a crash: it may be sent again (same keys).
STALE_SENDING = timedelta(minutes=5)
EDITABLE = (PublicationState.DRAFT, PublicationState.SCHEDULED)


def publishable_channels(workspace: Workspace) -> Any:
    """The workspace's channels a publication can go to (Mastodon, in this slice)."""
    return Channel.objects.filter(workspace=workspace, kind__in=sending.PUBLISHABLE_KINDS).order_by("name")


def channels_named(workspace: Workspace, names: Sequence[str]) -> list[int]:
    """The ids of the publishable channels with these names (as the API and the command line name them)."""
    ids = []
    for name in names:
        found = list(publishable_channels(workspace).filter(name=name).values_list("pk", flat=True)[:2])
        if not found:
            raise ActionError(_("No channel is called « %(name)s ».") % {"name": name})
        if len(found) > 1:
            raise ActionError(_("Several channels are called « %(name)s »: give its id.") % {"name": name})
        ids.append(found[0])
    return ids


def _channels(workspace: Workspace, channel_ids: Sequence[int]) -> list[Channel]:
    wanted = {int(i) for i in channel_ids}
    if not wanted:
        raise ActionError(_("Choose at least one channel."))
    found = list(publishable_channels(workspace).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ActionError(_("One of the chosen channels is not a channel this workspace can publish to."))
    return found


def _check_text(text: str, channels: Sequence[Channel]) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ActionError(_("The text is empty."))
    if len(text) > MAX_TEXT:
        raise ActionError(_("The text has more than %(max)d characters.") % {"max": MAX_TEXT})
    broken = [rule for channel in channels if (rule := broken_rule(channel, text))]
    if broken:
        raise ActionError(" ".join(broken))
    return text


def do_save_publication(
    workspace: Workspace,
    text: str,
    channel_ids: Sequence[int],
    *,
    publication: Publication | None = None,
    actor: Actor,
) -> Publication:
    """Save a draft (a new one, or an edit of a draft or of a scheduled one, which goes back to draft)."""
    require(actor, workspace, "publishing.write")
    if publication is not None and (publication.workspace_id != workspace.pk or publication.state not in EDITABLE):
        raise ActionError(_("Only a draft or a scheduled publication can be changed."))
    channels = _channels(workspace, channel_ids)
    text = _check_text(text, channels)
    with transaction.atomic():
        created = publication is None
        if publication is None:
            publication = Publication.objects.create(
                workspace=workspace, text=text, created_by=actor if isinstance(actor, User) else None
            )
        else:
            publication.text = text
            publication.state = PublicationState.DRAFT
            publication.scheduled_at = None
            publication.save(update_fields=["text", "state", "scheduled_at", "updated_at"])
        keep = [c.pk for c in channels]
        publication.targets.exclude(channel_id__in=keep).delete()
        have = set(publication.targets.values_list("channel_id", flat=True))
        PublicationTarget.objects.bulk_create(
            [PublicationTarget(publication=publication, channel=c) for c in channels if c.pk not in have]
        )
        record(
            workspace,
            actor,
            AuditVerb.PUBLISHING_PUBLICATION_SAVE,
            publication,
            {"channels": keep, "created": created, "length": len(text)},
        )
        emit(
            workspace,
            "publishing.publication.saved",
            {"publication_id": publication.pk, "channels": keep, "created": created, "by": actor_label(actor)},
        )
    return publication


def do_schedule_publication(publication: Publication, at: datetime, *, actor: Actor) -> Publication:
    """Publish at `at` (the periodic task sends it when due)."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.publish")
    if publication.state not in EDITABLE:
        raise ActionError(_("Only a draft or a scheduled publication can be scheduled."))
    if timezone.is_naive(at):
        raise ActionError(_("The time has no time zone."))
    if at <= timezone.now():
        raise ActionError(_("Choose a time in the future, or publish now."))
    channels = [t.channel for t in publication.targets.select_related("channel")]
    _check_text(publication.text, channels)
    if not channels:
        raise ActionError(_("Choose at least one channel."))
    with transaction.atomic():
        publication.state = PublicationState.SCHEDULED
        publication.scheduled_at = at
        publication.save(update_fields=["state", "scheduled_at", "updated_at"])
        record(workspace, actor, AuditVerb.PUBLISHING_PUBLICATION_SCHEDULE, publication, {"at": at.isoformat()})
        emit(
            workspace,
            "publishing.publication.scheduled",
            {"publication_id": publication.pk, "scheduled_at": at.isoformat(), "by": actor_label(actor)},
        )
    return publication


def can_send(publication: Publication, now: datetime | None = None) -> bool:
    """Whether publishing (again) is possible now: not yet all published, and nobody sending it now."""
    if publication.state == PublicationState.PUBLISHED:
        return False
    if publication.state == PublicationState.SENDING:
        return publication.updated_at <= (now or timezone.now()) - STALE_SENDING
    return True


def _claim(publication: Publication) -> list[PublicationTarget]:
    """Commit the intent: the targets still to send are « sending », their attempt counted."""
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if not can_send(locked):
            if locked.state == PublicationState.PUBLISHED:
                raise ActionError(_("This publication is already published."))
            raise ActionError(_("This publication is being sent right now."))
        targets = list(locked.targets.select_related("channel").exclude(state=TargetState.SENT))
        if not targets:
            raise ActionError(_("Choose at least one channel."))
        if locked.state in EDITABLE:
            _check_text(locked.text, [t.channel for t in targets])
        locked.state = PublicationState.SENDING
        locked.save(update_fields=["state", "updated_at"])
        PublicationTarget.objects.filter(pk__in=[t.pk for t in targets]).update(
            state=TargetState.SENDING, attempts=F("attempts") + 1
        )
    return targets


def do_publish_publication(publication: Publication, *, actor: Actor) -> Publication:
    """Publish now on every channel not yet published to: a first time, a retry after a failure, or the
    scheduled time come. Each channel's outcome is stored; a failure keeps the network's own message."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.publish")
    targets = _claim(publication)
    outcomes: list[tuple[PublicationTarget, sending.Sent | None, str]] = []
    for target in targets:  # outside any transaction: the network may take its time
        try:
            outcomes.append((target, sending.send(target.channel, publication.text, target.idempotency_key), ""))
        except ConnectorError as exc:
            log.warning("publication %s to channel %s failed: %s", publication.pk, target.channel_id, exc)
            outcomes.append((target, None, str(exc)))
    sent_by = actor.pk if isinstance(actor, User) else None
    with transaction.atomic():
        for target, sent, error in outcomes:
            if sent is not None:
                target.state = TargetState.SENT
                target.remote_id = sent.remote_id[:255]
                target.url = sent.url[:1000]
                target.error = ""
                target.sent_at = timezone.now()
                target.message = _store(target.channel, publication.text, sent, sent_by)
            else:
                target.state = TargetState.FAILED
                target.error = error
            target.save(update_fields=["state", "remote_id", "url", "error", "sent_at", "message"])
        states = set(publication.targets.values_list("state", flat=True))
        publication.state = PublicationState.PUBLISHED if states == {TargetState.SENT} else PublicationState.FAILED
        publication.save(update_fields=["state", "updated_at"])
        results = [
            {"channel_id": t.channel_id, "state": t.state, "url": t.url, "error": t.error} for t, _s, _e in outcomes
        ]
        record(workspace, actor, AuditVerb.PUBLISHING_PUBLICATION_PUBLISH, publication, {"targets": results})
        emit(
            workspace,
            "publishing.publication.published",
            {
                "publication_id": publication.pk,
                "state": publication.state,
                "targets": results,
                "by": actor_label(actor),
            },
        )
    return publication


def _store(channel: Channel, text: str, sent: sending.Sent, sent_by: int | None) -> Message | None:
    """The published status in the stream as the organisation's own post, under its id at the source, so
    that the replies a poll brings attach to it."""
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline

    item = Incoming(
        channel=channel,
        external_id=sent.remote_id,
        text=text,
        created_at=sent.created_at or timezone.now(),
        kind=Kind.POST,
        url=sent.url,
        from_organisation=True,
        sent_by_id=sent_by,
        source_visibility="visible",
        author=AuthorInfo(external_id=f"organisation:{channel.pk}", display_name=channel.workspace.name),
        raw=sent.payload,
    )
    result = run_pipeline([item])
    if result.messages:
        return result.messages[0]
    stored = Message.objects.filter(channel=channel, external_id=sent.remote_id).first()
    if stored is None:  # published all the same: the target keeps the remote id and address
        log.error("published status %s not stored: %s", sent.remote_id, result.rejected[:1])
    return stored


def due_publications(now: datetime | None = None) -> Any:
    """Scheduled ones whose time has come, and those a crash left « sending » (sent again with their keys)."""
    now = now or timezone.now()
    due = Publication.objects.filter(state=PublicationState.SCHEDULED, scheduled_at__lte=now)
    stale = Publication.objects.filter(state=PublicationState.SENDING, updated_at__lte=now - STALE_SENDING)
    return (due | stale).select_related("workspace").order_by("scheduled_at", "pk")
