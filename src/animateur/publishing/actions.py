"""Every write of publishing: compose and save, schedule, publish (and publish again what failed).

Publishing is never done twice. Before any network call, the targets' intent is committed
(state « sending », the attempt counted); each target's idempotency key was made with its row and
never changes, and is sent on every attempt. After a crash or an answer lost on the network, the
next attempt sends the same key, and Mastodon answers with the status it made the first time.
What the network answered is then stored, with the one audit event, in one transaction.
Bluesky takes no key: its record key is made once from the intent, and a retry reads the account's
records back first (sending.py). The workspace's own blog is written in that same transaction.

Approvals: a publication may need approval by a role (manager, owner) or by the client, who holds a
signed link and needs no account (approval.py makes and reads it). Each step is an action of its own
(sent for approval, approved, commented), kept as an ApprovalStep, with its audit event and its
domain event. Once approved, it is published at its time (at once when it has none).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.errors import ConnectorError
from animateur.channels.models import Channel
from animateur.core.actions import ActionError, Actor, SystemActor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.models import User, Workspace
from animateur.core.permissions import has_permission
from animateur.core.roles import Role
from animateur.links.actions import URL_IN_TEXT, short_url, track_links_in_text
from animateur.links.models import CODE_LENGTH, TrackedLink
from animateur.publishing import blog, images, sending
from animateur.publishing.limits import MAX_THREAD_PARTS, broken_rule, split_thread, threads
from animateur.publishing.models import (
    Approval,
    ApprovalStep,
    Publication,
    PublicationImage,
    PublicationState,
    PublicationTarget,
    QueueSlot,
    StepKind,
    TargetState,
)
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

MAX_TEXT = 20_000
# A publication « sending » for longer than this was left by a crash: it may be sent again (same keys).
STALE_SENDING = timedelta(minutes=5)
EDITABLE = (PublicationState.DRAFT, PublicationState.SCHEDULED, PublicationState.AWAITING_APPROVAL)
# The workspace setting (Workspace.settings) for the approval a new publication needs.
APPROVAL_SETTING = "publishing_approval"
# The workspace setting: whether the links of a publication go out as tracked links of the workspace's own
# domain, with the channel's UTM. On unless turned off: counting the clicks is why a team publishes links,
# and the address stays the workspace's own (no third-party shortener).
TRACK_LINKS_SETTING = "publishing_track_links"
MAX_COMMENT = 5000


def publishable_channels(workspace: Workspace) -> Any:
    """The workspace's channels a publication can go to: its own blog, Mastodon and Bluesky."""
    return Channel.objects.filter(workspace=workspace, kind__in=sending.PUBLISHABLE_KINDS).order_by("name")


def channels_named(workspace: Workspace, names: Sequence[str], among: Any = None) -> list[int]:
    """The ids of the channels with these names (as the API and the command line name them), among the
    publishable channels unless told which."""
    among = publishable_channels(workspace) if among is None else among
    ids = []
    for name in names:
        found = list(among.filter(name=name).values_list("pk", flat=True)[:2])
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


def tracks_links(workspace: Workspace) -> bool:
    return bool((workspace.settings or {}).get(TRACK_LINKS_SETTING, True))


def _tracked(channel: Channel) -> bool:
    """Whether the links going to this channel become tracked links (not on the workspace's own blog)."""
    return channel.kind != sending.SITE and tracks_links(channel.workspace)


def _as_counted(channel: Channel, text: str) -> str:
    """The text as the network will count it: each link as long as the tracked link that replaces it."""
    if not _tracked(channel):
        return text
    placeholder = short_url(TrackedLink(workspace=channel.workspace, code="x" * CODE_LENGTH))
    return URL_IN_TEXT.sub(placeholder, text)


def _channel_rule(channel: Channel, text: str, thread: bool) -> str | None:
    counted = _as_counted(channel, text)
    if thread and threads(channel):
        if split_thread(channel, counted) is None:
            return _(
                "%(channel)s: this text cannot be cut into a thread of at most %(max)d posts (a word alone is "
                "longer than a post, or the thread would be longer)."
            ) % {"channel": channel.name, "max": MAX_THREAD_PARTS}
        return None
    return broken_rule(channel, counted)


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise ActionError(_("The text has more than %(max)d characters.") % {"max": MAX_TEXT})
    return text


def _check_text(
    text: str,
    channels: Sequence[Channel],
    thread: bool = False,
    variants: Mapping[int, str] | None = None,
    pictures: Sequence[images.ImageLike] = (),
) -> str:
    """The text as kept, or ActionError with every channel's broken rule: each channel is checked against
    the text it will send (its variant, else the publication's), and the images against its rules."""
    text = _clean_text(text)
    if not text:
        raise ActionError(_("The text is empty."))
    variants = variants or {}
    broken = [
        rule for channel in channels if (rule := _channel_rule(channel, variants.get(channel.pk) or text, thread))
    ]
    if pictures and channels:
        if missing := images.missing_alt(channels[0].workspace, pictures):
            broken.insert(0, missing)
        broken += [rule for channel in channels if (rule := images.broken_media_rule(channel, pictures))]
    if broken:
        raise ActionError(" ".join(broken))
    return text


def _clean_variants(variants: Mapping[int, str], channels: Sequence[Channel]) -> dict[int, str]:
    """Each channel's own text, cleaned; a blank one is no variant (the publication's text goes)."""
    chosen = {channel.pk: channel for channel in channels}
    cleaned: dict[int, str] = {}
    for channel_id, variant in variants.items():
        if int(channel_id) not in chosen:
            raise ActionError(_("A variant is given for a channel the publication does not go to."))
        try:
            text = _clean_text(variant)
        except ActionError:
            raise ActionError(
                _("The text for %(channel)s has more than %(max)d characters.")
                % {"channel": chosen[int(channel_id)].name, "max": MAX_TEXT}
            ) from None
        if text:
            cleaned[int(channel_id)] = text
    return cleaned


def variants_of(publication: Publication) -> dict[int, str]:
    return {t.channel_id: t.text for t in publication.targets.all() if t.text}


def _check_publication(publication: Publication, channels: Sequence[Channel]) -> None:
    """A stored publication checked again before it goes (a rule learned or a setting changed since)."""
    _check_text(
        publication.text, channels, publication.thread, variants_of(publication), list(publication.images.all())
    )


def _checked_images(publication: Publication | None, wanted: Sequence[images.ImageIn]) -> list[images.ImageLike]:
    """The images as they will be, in order: the stored ones named kept (their alt text changed), the new
    files checked by their content. Bad input raises ActionError naming the image."""
    stored = {image.pk: image for image in publication.images.all()} if publication is not None else {}
    result: list[images.ImageLike] = []
    seen: set[int] = set()
    if len(wanted) > images.MAX_IMAGES:
        raise ActionError(_("A publication has at most %(max)d images.") % {"max": images.MAX_IMAGES})
    for item in wanted:
        if item.image_id is not None:
            image = stored.get(int(item.image_id))
            if image is None or image.pk in seen:
                raise ActionError(_("This image is not one of this publication's."))
            seen.add(image.pk)
            image.alt = images.checked_alt(item.alt, image.name)
            result.append(image)
        elif item.data is not None:
            result.append(images.checked_image(item.data, item.name, item.alt))
        else:
            raise ActionError(_("An image is missing its file."))
    return result


def _keep_images(publication: Publication, wanted: Sequence[images.ImageLike]) -> dict[str, Any]:
    """Store the images as wanted, in the caller's transaction; what changed, for the audit."""
    before = {image.pk: image.alt for image in publication.images.all()}
    kept: list[int] = []
    added: list[str] = []
    for position, item in enumerate(wanted):
        if isinstance(item, PublicationImage):
            PublicationImage.objects.filter(pk=item.pk).update(alt=item.alt, position=position)
            kept.append(item.pk)
            continue
        assert isinstance(item, images.CheckedImage)
        image = PublicationImage(
            publication=publication,
            position=position,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            width=item.width,
            height=item.height,
            alt=item.alt,
        )
        image.file.save(image.key, ContentFile(item.data), save=False)
        image.save()
        kept.append(image.pk)
        added.append(item.name)
    gone = list(publication.images.exclude(pk__in=kept))
    files = [image.file for image in gone if image.file]
    PublicationImage.objects.filter(pk__in=[image.pk for image in gone]).delete()
    if files:  # once the removal is committed: a rollback keeps them

        def delete_files() -> None:
            for stored in files:
                stored.delete(save=False)

        transaction.on_commit(delete_files)
    return {
        "added": added,
        "removed": [image.name for image in gone],
        "alt_changed": [i.name for i in wanted if isinstance(i, PublicationImage) and before.get(i.pk) != i.alt],
        "count": len(kept),
    }


def do_save_publication(
    workspace: Workspace,
    text: str,
    channel_ids: Sequence[int],
    *,
    publication: Publication | None = None,
    approval: str | None = None,
    thread: bool | None = None,
    variants: Mapping[int, str] | None = None,
    pictures: Sequence[images.ImageIn] | None = None,
    actor: Actor,
) -> Publication:
    """Save a draft (a new one, or an edit of a draft or of a scheduled one, which goes back to draft: an
    edit also undoes an approval, given to the text as it was). `approval`: who must approve it (None:
    the workspace's setting for a new one, unchanged for an edit). `thread`: a text too long for a network
    that threads goes out as a thread (None: unchanged for an edit, no for a new one). `variants`: a
    channel's own text, by channel id, blank for the publication's (None: unchanged for an edit). `pictures`:
    the images in their order, stored ones by id and new files (None: unchanged for an edit)."""
    require(actor, workspace, "publishing.write")
    if publication is not None and (publication.workspace_id != workspace.pk or publication.state not in EDITABLE):
        raise ActionError(_("Only a draft or a scheduled publication can be changed."))
    if approval is None:
        approval = publication.approval if publication is not None else default_approval(workspace)
    if approval not in Approval.values:
        raise ActionError(_("Unknown approval: %(approval)s.") % {"approval": approval})
    if thread is None:
        thread = publication.thread if publication is not None else False
    channels = _channels(workspace, channel_ids)
    if variants is None:
        variants = variants_of(publication) if publication is not None else {}
    variants = _clean_variants(variants, channels)
    wanted: list[images.ImageLike]
    if pictures is None:
        wanted = list(publication.images.all()) if publication is not None else []
    else:
        wanted = _checked_images(publication, pictures)
    text = _check_text(text, channels, thread, variants, wanted)
    before_variants = variants_of(publication) if publication is not None else {}
    with transaction.atomic(durable=True):
        created = publication is None
        if publication is None:
            publication = Publication.objects.create(
                workspace=workspace,
                text=text,
                thread=thread,
                approval=approval,
                created_by=actor if isinstance(actor, User) else None,
            )
        else:
            publication.text = text
            publication.state = PublicationState.DRAFT
            publication.scheduled_at = None
            publication.approval = approval
            publication.approved_at = None
            publication.approved_by = ""
            publication.thread = thread
            publication.save(
                update_fields=[
                    "text",
                    "state",
                    "scheduled_at",
                    "approval",
                    "approved_at",
                    "approved_by",
                    "thread",
                    "updated_at",
                ]
            )
        keep = [c.pk for c in channels]
        publication.targets.exclude(channel_id__in=keep).delete()
        have = set(publication.targets.values_list("channel_id", flat=True))
        PublicationTarget.objects.bulk_create(
            [PublicationTarget(publication=publication, channel=c) for c in channels if c.pk not in have]
        )
        for channel in channels:
            PublicationTarget.objects.filter(publication=publication, channel=channel).update(
                text=variants.get(channel.pk, "")
            )
        image_changes = _keep_images(publication, wanted) if pictures is not None else None
        details: dict[str, Any] = {
            "channels": keep,
            "created": created,
            "length": len(text),
            "approval": approval,
            "thread": thread,
            # the channels whose own text changed, each with its text before and after ("": the publication's)
            "variants": {
                str(pk): [before_variants.get(pk, ""), variants.get(pk, "")]
                for pk in sorted(set(before_variants) | set(variants))
                if before_variants.get(pk, "") != variants.get(pk, "")
            },
        }
        if image_changes is not None:
            details["images"] = image_changes
        record(workspace, actor, AuditVerb.PUBLISHING_PUBLICATION_SAVE, publication, details)
        emit(
            workspace,
            "publishing.publication.saved",
            {
                "publication_id": publication.pk,
                "channels": keep,
                "created": created,
                "thread": thread,
                "variants": {str(pk): value for pk, value in sorted(variants.items())},
                "images": [
                    {"image_id": image.pk, "name": image.name, "alt": image.alt} for image in publication.images.all()
                ],
                "by": actor_label(actor),
            },
        )
    return publication


def do_schedule_publication(publication: Publication, at: datetime, *, actor: Actor) -> Publication:
    """Publish at `at` (the periodic task sends it when due). One awaiting approval keeps waiting, at its new
    time (the calendar's drag); one that needs an approval not yet asked for is refused."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.publish")
    if publication.state not in EDITABLE:
        raise ActionError(_("Only a draft or a scheduled publication can be scheduled."))
    awaiting = publication.state == PublicationState.AWAITING_APPROVAL
    if publication.needs_approval and not awaiting:
        raise ActionError(_("This publication needs an approval first: send it for approval."))
    if timezone.is_naive(at):
        raise ActionError(_("The time has no time zone."))
    if at <= timezone.now():
        raise ActionError(_("Choose a time in the future, or publish now."))
    channels = [t.channel for t in publication.targets.select_related("channel")]
    _check_publication(publication, channels)
    if not channels:
        raise ActionError(_("Choose at least one channel."))
    with transaction.atomic(durable=True):
        publication.state = PublicationState.AWAITING_APPROVAL if awaiting else PublicationState.SCHEDULED
        publication.scheduled_at = at
        publication.save(update_fields=["state", "scheduled_at", "updated_at"])
        record(workspace, actor, AuditVerb.PUBLISHING_PUBLICATION_SCHEDULE, publication, {"at": at.isoformat()})
        emit(
            workspace,
            "publishing.publication.scheduled",
            {"publication_id": publication.pk, "scheduled_at": at.isoformat(), "by": actor_label(actor)},
        )
    return publication


def default_approval(workspace: Workspace) -> str:
    value = str((workspace.settings or {}).get(APPROVAL_SETTING) or "")
    return value if value in Approval.values else Approval.NONE


def do_set_publishing_settings(
    workspace: Workspace,
    approval: str,
    *,
    track_links: bool | None = None,
    alt_required: bool | None = None,
    actor: Actor,
) -> Workspace:
    """The approval a new publication needs, unless its author chooses otherwise; whether its links go out
    as tracked links, and whether each of its images must have its alt text (None: unchanged)."""
    require(actor, workspace, "workspace.settings")
    if approval not in Approval.values:
        raise ActionError(_("Unknown approval: %(approval)s.") % {"approval": approval})
    with transaction.atomic(durable=True):
        locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
        before = default_approval(locked)
        tracked_before = tracks_links(locked)
        track = tracked_before if track_links is None else bool(track_links)
        alt_before = images.alt_required(locked)
        alt = alt_before if alt_required is None else bool(alt_required)
        locked.settings = {
            **(locked.settings or {}),
            APPROVAL_SETTING: approval,
            TRACK_LINKS_SETTING: track,
            images.ALT_REQUIRED_SETTING: alt,
        }
        locked.save(update_fields=["settings"])
        workspace.settings = locked.settings
        record(
            workspace,
            actor,
            AuditVerb.PUBLISHING_SETTINGS,
            workspace,
            {"approval": [before, approval], "track_links": [tracked_before, track], "alt_required": [alt_before, alt]},
        )
        emit(
            workspace,
            "publishing.settings.changed",
            {
                "approval": approval,
                "track_links": track,
                "alt_required": alt,
                "channel_id": None,
                "by": actor_label(actor),
            },
        )
    return workspace


def do_set_queue_slots(channel: Channel, slots: Sequence[tuple[int, time]], *, actor: Actor) -> list[QueueSlot]:
    """A channel's regular times to publish (weekday 0 = Monday, local time of the workspace)."""
    workspace = channel.workspace
    require(actor, workspace, "publishing.publish")
    if channel.kind not in sending.PUBLISHABLE_KINDS:
        raise ActionError(_("One of the chosen channels is not a channel this workspace can publish to."))
    wanted = sorted({(int(day), at.replace(second=0, microsecond=0)) for day, at in slots})
    if any(not 0 <= day <= 6 for day, _at in wanted):
        raise ActionError(_("A day of the week is between Monday and Sunday."))
    if len(wanted) > 100:
        raise ActionError(_("At most %(max)d times a week.") % {"max": 100})
    with transaction.atomic(durable=True):
        QueueSlot.objects.filter(channel=channel).delete()
        made = QueueSlot.objects.bulk_create([QueueSlot(channel=channel, weekday=d, time=t) for d, t in wanted])
        shown = [f"{d} {t:%H:%M}" for d, t in wanted]
        record(workspace, actor, AuditVerb.PUBLISHING_QUEUE_SET, channel, {"slots": shown})
        emit(
            workspace,
            "publishing.settings.changed",
            {
                "approval": default_approval(workspace),
                "track_links": tracks_links(workspace),
                "alt_required": images.alt_required(workspace),
                "channel_id": channel.pk,
                "by": actor_label(actor),
            },
        )
    return made


def next_queue_time(publication: Publication, now: datetime | None = None) -> datetime | None:
    """The first queue slot of the publication's channels still free (no publication of the workspace
    scheduled at that minute) within four weeks; None when its channels have no queue."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    now = now or timezone.now()
    slots = list(QueueSlot.objects.filter(channel__publication_targets__publication=publication).distinct())
    if not slots:
        return None
    try:
        tz: Any = ZoneInfo(publication.workspace.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    taken = set(
        Publication.objects.filter(
            workspace=publication.workspace, scheduled_at__gte=now, scheduled_at__lte=now + timedelta(days=29)
        )
        .exclude(pk=publication.pk)
        .exclude(state=PublicationState.DRAFT)
        .values_list("scheduled_at", flat=True)
    )
    taken_minutes = {t.replace(second=0, microsecond=0) for t in taken if t}
    for offset in range(29):
        day = (local + timedelta(days=offset)).date()
        for slot in sorted(s.time for s in slots if s.weekday == day.weekday()):
            when = datetime.combine(day, slot, tzinfo=tz)
            if when > now and when not in taken_minutes:
                return when
    return None


def _approval_step(publication: Publication, kind: str, actor: Actor, name: str, text: str = "") -> ApprovalStep:
    return ApprovalStep.objects.create(
        publication=publication, kind=kind, by=actor_label(actor), name=name[:200], text=text
    )


def _name_of(actor: Actor, client_name: str) -> str:
    if isinstance(actor, User):
        return actor.name or actor.email
    return (client_name or "").strip()[:200] or _("The client")


def may_approve(user: User, publication: Publication) -> bool:
    """A team member may approve when the approval asked is their role's (an owner may always)."""
    role = user.role_in(publication.workspace)
    if role is None or not has_permission(user, publication.workspace, "publishing.approve"):
        return False
    return role == Role.OWNER or (publication.approval == Approval.MANAGER and role == Role.MANAGER)


def do_request_approval(publication: Publication, *, at: datetime | None = None, actor: Actor) -> Publication:
    """Send for approval: it waits (at its time, `at` if given, if it has one) until approved."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.write")
    if publication.state not in EDITABLE:
        raise ActionError(_("Only a draft or a scheduled publication can be sent for approval."))
    if not publication.approval:
        raise ActionError(_("This publication needs no approval: choose who must approve it first."))
    channels = [t.channel for t in publication.targets.select_related("channel")]
    if not channels:
        raise ActionError(_("Choose at least one channel."))
    _check_publication(publication, channels)
    if at is not None:
        require(actor, workspace, "publishing.publish")
        if timezone.is_naive(at):
            raise ActionError(_("The time has no time zone."))
        if at <= timezone.now():
            raise ActionError(_("Choose a time in the future, or publish now."))
    with transaction.atomic(durable=True):
        publication.state = PublicationState.AWAITING_APPROVAL
        publication.scheduled_at = at or publication.scheduled_at
        publication.approved_at = None
        publication.approved_by = ""
        publication.save(update_fields=["state", "scheduled_at", "approved_at", "approved_by", "updated_at"])
        _approval_step(publication, StepKind.REQUESTED, actor, _name_of(actor, ""))
        when = publication.scheduled_at.isoformat() if publication.scheduled_at else None
        record(
            workspace,
            actor,
            AuditVerb.PUBLISHING_APPROVAL_REQUEST,
            publication,
            {"approval": publication.approval, "scheduled_at": when},
        )
        emit(
            workspace,
            "publishing.publication.approval_requested",
            {"publication_id": publication.pk, "approval": publication.approval, "by": actor_label(actor)},
        )
    return publication


def do_approve_publication(
    publication: Publication, *, actor: Actor, client_name: str = "", note: str = ""
) -> Publication:
    """Approve: it is then published at its time, or at once when it has none (by the periodic task).
    A team member must hold the role asked; the client acts through the signed link (the view checks it
    and acts as `SystemActor("client")`), naming themselves."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.approve")
    if publication.state != PublicationState.AWAITING_APPROVAL:
        raise ActionError(_("This publication is not awaiting approval."))
    if isinstance(actor, User) and not may_approve(actor, publication):
        raise PermissionDenied("publishing.approve")
    note = (note or "").strip()
    if len(note) > MAX_COMMENT:
        raise ActionError(_("The comment has more than %(max)d characters.") % {"max": MAX_COMMENT})
    name = _name_of(actor, client_name)
    now = timezone.now()
    with transaction.atomic(durable=True):
        publication.state = PublicationState.SCHEDULED
        publication.scheduled_at = publication.scheduled_at if publication.scheduled_at else now
        publication.approved_at = now
        publication.approved_by = name
        publication.save(update_fields=["state", "scheduled_at", "approved_at", "approved_by", "updated_at"])
        _approval_step(publication, StepKind.APPROVED, actor, name, note)
        when = publication.scheduled_at.isoformat()
        record(
            workspace,
            actor,
            AuditVerb.PUBLISHING_APPROVAL_APPROVE,
            publication,
            {"name": name, "note": note, "scheduled_at": when},
        )
        emit(
            workspace,
            "publishing.publication.approved",
            {"publication_id": publication.pk, "scheduled_at": when, "by": actor_label(actor), "name": name},
        )
    return publication


def do_comment_publication(publication: Publication, text: str, *, actor: Actor, client_name: str = "") -> ApprovalStep:
    """A comment on a publication not yet sent (a change asked for, by the client or a colleague); one
    awaiting approval keeps waiting."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.view")
    if publication.state in (PublicationState.PUBLISHED, PublicationState.SENDING):
        raise ActionError(_("This publication is already published."))
    text = (text or "").strip()
    if not text:
        raise ActionError(_("The comment is empty."))
    if len(text) > MAX_COMMENT:
        raise ActionError(_("The comment has more than %(max)d characters.") % {"max": MAX_COMMENT})
    name = _name_of(actor, client_name)
    with transaction.atomic(durable=True):
        step = _approval_step(publication, StepKind.COMMENTED, actor, name, text)
        Publication.objects.filter(pk=publication.pk).update(updated_at=timezone.now())
        record(workspace, actor, AuditVerb.PUBLISHING_APPROVAL_COMMENT, publication, {"name": name, "text": text})
        emit(
            workspace,
            "publishing.publication.commented",
            {"publication_id": publication.pk, "text": text, "by": actor_label(actor), "name": name},
        )
    return step


def can_send(publication: Publication, now: datetime | None = None) -> bool:
    """Whether publishing (again) is possible now: not yet all published, and nobody sending it now."""
    if publication.state == PublicationState.PUBLISHED:
        return False
    if publication.state == PublicationState.SENDING:
        return publication.updated_at <= (now or timezone.now()) - STALE_SENDING
    return True


def _parts(publication: Publication, target: PublicationTarget, actor: Actor) -> list[dict[str, Any]]:
    """What goes to the target's channel, fixed once: its text (its variant, else the publication's) with
    its links made tracked links (this channel's UTM), cut into a thread where asked and where the network
    threads. In the caller's transaction."""
    channel = target.channel
    original = target.text or publication.text
    text = original
    if _tracked(channel):
        text = track_links_in_text(publication.workspace, text, channel=channel, actor=actor)
    pieces = split_thread(channel, text) if publication.thread and threads(channel) else [text]
    if pieces is None:
        raise ActionError(str(_channel_rule(channel, original, True)))
    return [{"text": piece} for piece in pieces]


def _claim(publication: Publication, actor: Actor | None = None) -> list[PublicationTarget]:
    """Commit the intent: the targets still to send are « sending », their attempt counted, and what each
    one sends is fixed (the same on every retry). Durable: the sends that follow cannot be rolled back, so
    the intent must be committed, not part of a caller's transaction."""
    actor = actor if actor is not None else SystemActor("publishing")
    with transaction.atomic(durable=True):
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if not can_send(locked):
            if locked.state == PublicationState.PUBLISHED:
                raise ActionError(_("This publication is already published."))
            raise ActionError(_("This publication is being sent right now."))
        if locked.needs_approval:
            raise ActionError(_("This publication needs an approval first: send it for approval."))
        targets = list(locked.targets.select_related("channel", "channel__workspace").exclude(state=TargetState.SENT))
        if not targets:
            raise ActionError(_("Choose at least one channel."))
        if locked.state in EDITABLE:
            _check_publication(locked, [t.channel for t in targets])
        now = timezone.now()
        locked.state = PublicationState.SENDING
        # The calendar shows a publication at its time: one published now is shown now.
        locked.scheduled_at = locked.scheduled_at or now
        locked.save(update_fields=["state", "scheduled_at", "updated_at"])
        PublicationTarget.objects.filter(pk__in=[t.pk for t in targets]).update(
            state=TargetState.SENDING, attempts=F("attempts") + 1
        )
        PublicationTarget.objects.filter(pk__in=[t.pk for t in targets], prepared_at__isnull=True).update(
            prepared_at=now
        )
        for target in targets:
            if not target.parts and target.channel.kind != sending.SITE:
                target.parts = _parts(locked, target, actor)
                target.save(update_fields=["parts"])
    return list(locked.targets.select_related("channel", "channel__workspace").filter(pk__in=[t.pk for t in targets]))


def part_key(target: PublicationTarget, index: int) -> str:
    """The idempotency key of a thread's part: the target's own for the first, one of its own for each next."""
    return target.idempotency_key if index == 0 else f"{target.idempotency_key}-{index}"


def _keep_part(target: PublicationTarget, index: int, sent: sending.Sent) -> None:
    """A thread's part made by the network is committed at once: after a crash, the retry goes on from the
    next part, answering this one, and never sends this one again."""
    with transaction.atomic(durable=True):
        locked = PublicationTarget.objects.select_for_update().get(pk=target.pk)
        parts = list(locked.parts)
        parts[index] = {**parts[index], **sent.as_part()}
        locked.parts = parts
        locked.save(update_fields=["parts"])
        target.parts = parts


def _keep_media(target: PublicationTarget, image_id: int, media: dict[str, Any]) -> None:
    """An image the network took is committed at once, before the post that shows it is sent: the post's
    body is then the same on every attempt (a read-back finds it), and the image is not uploaded again."""
    with transaction.atomic(durable=True):
        locked = PublicationTarget.objects.select_for_update().get(pk=target.pk)
        kept = [m for m in locked.media if isinstance(m, dict) and m.get("image_id") != image_id]
        locked.media = [*kept, {**media, "image_id": image_id}]
        locked.save(update_fields=["media"])
        target.media = locked.media


def _pictures(target: PublicationTarget) -> list[sending.Picture]:
    """The publication's images as they go to the target's network, in order; those the network takes by
    an upload of their own (Mastodon, Discourse, WordPress) uploaded first, each kept once taken (an
    upload repeated after a crash is harmless: only the post must not be). Bluesky's are uploaded with its
    post, after its read-back (a blob is named by its content: the same one again)."""
    stored = list(PublicationImage.objects.filter(publication_id=target.publication_id))
    if not stored:
        return []
    kept = {m.get("image_id"): m for m in target.media if isinstance(m, dict)}
    pictures = []
    for image in stored:
        with image.file.open("rb") as file:
            data = file.read()
        picture = sending.Picture(
            data, image.content_type, image.name, image.alt, image.width, image.height, kept.get(image.pk) or {}
        )
        if target.channel.kind in sending.UPLOADING_KINDS and not picture.media:
            media = sending.upload(target.channel, picture)
            _keep_media(target, image.pk, media)
            picture = replace(picture, media=media)
        pictures.append(picture)
    return pictures


def _send_parts(target: PublicationTarget) -> list[sending.Sent]:
    """Every part of what goes to the target, each once: the parts made at an earlier attempt are kept,
    the next answers the one before it. The images go with the first part."""
    parts = list(target.parts)
    prepared_at = target.prepared_at or timezone.now()
    made: list[sending.Sent] = []
    for index, part in enumerate(parts):
        if part.get("remote_id"):
            made.append(sending.Sent.of_part(part))
            continue
        sent = sending.send(
            target.channel,
            str(part["text"]),
            part_key(target, index),
            prepared_at=prepared_at + timedelta(microseconds=index),
            retry=target.attempts > 1,
            reply_to=made[-1] if made else None,
            root=made[0] if made else None,
            pictures=_pictures(target) if index == 0 else (),
        )
        made.append(sent)
        if len(parts) > 1:
            _keep_part(target, index, sent)
    return made


def do_publish_publication(publication: Publication, *, actor: Actor) -> Publication:
    """Publish now on every channel not yet published to: a first time, a retry after a failure, or the
    scheduled time come. Each channel's outcome is stored; a failure keeps the network's own message.
    The links of the text go out as tracked links (the workspace's setting), made in the intent's
    transaction under this action; a thread's parts are sent in order, each answering the one before."""
    workspace = publication.workspace
    require(actor, workspace, "publishing.publish")
    targets = _claim(publication, actor)
    outcomes: list[tuple[PublicationTarget, list[sending.Sent] | None, str]] = []
    for target in targets:  # outside any transaction: the network may take its time
        if target.channel.kind == sending.SITE:
            outcomes.append((target, None, ""))  # the blog is written below, in the transaction
            continue
        try:
            outcomes.append((target, _send_parts(target), ""))
        except ConnectorError as exc:
            log.warning("publication %s to channel %s failed: %s", publication.pk, target.channel_id, exc)
            outcomes.append((target, None, str(exc)))
    sent_by = actor.pk if isinstance(actor, User) else None
    author = actor if isinstance(actor, User) else publication.created_by
    with transaction.atomic(durable=True):
        for target, made, error in outcomes:
            if target.channel.kind == sending.SITE:
                post = blog.publish_post(
                    publication.workspace, target.text or publication.text, author, list(publication.images.all())
                )
                target.state = TargetState.SENT
                target.remote_id = f"post:{post.pk}"
                target.url = blog.public_address(post)[:1000]
                target.error = ""
                target.sent_at = timezone.now()
                target.message = post.message
            elif made:
                target.state = TargetState.SENT
                target.remote_id = made[0].remote_id[:255]
                target.url = made[0].url[:1000]
                target.error = ""
                target.sent_at = timezone.now()
                target.parts = [{**part, **sent.as_part()} for part, sent in zip(target.parts, made, strict=False)]
                stored = [
                    _store(target.channel, str(part["text"]), sent, sent_by)
                    for part, sent in zip(target.parts, made, strict=False)
                ]
                target.message = stored[0]
            else:
                target.state = TargetState.FAILED
                target.error = error
            target.save(update_fields=["state", "remote_id", "url", "error", "sent_at", "message", "parts"])
        states = set(publication.targets.values_list("state", flat=True))
        publication.state = PublicationState.PUBLISHED if states == {TargetState.SENT} else PublicationState.FAILED
        publication.save(update_fields=["state", "updated_at"])
        results = [_result(target) for target, _m, _e in outcomes]
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


def _result(target: PublicationTarget) -> dict[str, Any]:
    result: dict[str, Any] = {
        "channel_id": target.channel_id,
        "state": target.state,
        "url": target.url,
        "error": target.error,
    }
    if len(target.parts) > 1:  # a thread: each part's address
        result["parts"] = [str(part.get("url") or "") for part in target.parts]
    return result


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
