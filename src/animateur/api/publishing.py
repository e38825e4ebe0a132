"""Publishing in the API: publications, drafted, sent for approval, approved, commented, scheduled and
published through publishing's actions, as the pages do; each channel's outcome with its address or the
network's own message; the calendar's publications between two days; the workspace's approval setting;
the best hours to publish, from when the audience answers."""

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.publishing import actions, images, selectors
from animateur.publishing.models import Publication, StepKind

router = Router(tags=["publishing"])
MAX_LIMIT = 100


class VariantIn(Schema):
    """A channel's own text (by its id or its name), checked against that channel's limits; "" for none."""

    channel_id: int | None = None
    channel_name: str = ""
    text: str


class PublicationIn(Schema):
    text: str
    # Channels by id, or by name (as the command line names them): the blog, Mastodon and Bluesky channels.
    channel_ids: list[int] = []
    channel_names: list[str] = []
    # Who must approve it: "", "manager", "owner" or "client"; left out, the workspace's setting.
    approval: str | None = None
    # A text too long for Mastodon or Bluesky goes out there as a thread of numbered replies.
    thread: bool = False
    # A chosen channel's own text instead of `text` (threads cut it; limits are checked against it).
    variants: list[VariantIn] = []


class PublicationChangeIn(Schema):
    """An edit of a draft or a scheduled publication (it goes back to draft); what is left out is unchanged.
    `variants`, when given, are all of them: a chosen channel left out sends the publication's text."""

    text: str | None = None
    channel_ids: list[int] | None = None
    channel_names: list[str] | None = None
    approval: str | None = None
    thread: bool | None = None
    variants: list[VariantIn] | None = None


class ImageOrderIn(Schema):
    id: int
    alt: str = ""


class ImagesIn(Schema):
    """All the publication's images, in their order, each with its alt text: one left out is removed."""

    images: list[ImageOrderIn]


class ImageOut(Schema):
    id: int
    name: str
    alt: str
    content_type: str
    size: int
    width: int
    height: int


class StepIn(Schema):
    """`requested`: send for approval (optionally to go out `at`); `approved`: approve (a team member of the
    role asked); `commented`: a comment (`text`)."""

    kind: Literal["requested", "approved", "commented"]
    text: str = ""
    at: datetime | None = None


class StepOut(Schema):
    kind: str
    by: str
    name: str
    text: str
    at: datetime


class CalendarEntryOut(Schema):
    id: int
    text: str
    state: str
    at: datetime
    channels: list[str]


class SettingsIn(Schema):
    approval: str
    # The links of a publication go out as tracked links of the workspace's own domain (left out: unchanged).
    track_links: bool | None = None
    # Every image of a publication must have its alt text (left out: unchanged).
    alt_required: bool | None = None


class SettingsOut(Schema):
    approval: str
    track_links: bool
    alt_required: bool


class ScheduleIn(Schema):
    at: datetime


class PartOut(Schema):
    """What went (or goes) to the channel: one part, or each part of a thread, as sent (links tracked)."""

    text: str
    remote_id: str
    url: str


class TargetOut(Schema):
    channel_id: int
    channel: str
    text: str  # its own text (a variant), "" when it sends the publication's
    state: str
    attempts: int
    remote_id: str
    url: str
    error: str
    message_id: int | None
    sent_at: datetime | None
    parts: list[PartOut]


class PublicationOut(Schema):
    id: int
    text: str
    state: str
    scheduled_at: datetime | None
    created_at: datetime
    approval: str
    approved_at: datetime | None
    approved_by: str
    thread: bool
    targets: list[TargetOut]
    steps: list[StepOut]
    images: list[ImageOut]


class Refused(Schema):
    detail: str


def _out(publication: Publication) -> dict[str, Any]:
    return {
        "id": publication.pk,
        "text": publication.text,
        "state": publication.state,
        "scheduled_at": publication.scheduled_at,
        "created_at": publication.created_at,
        "approval": publication.approval,
        "approved_at": publication.approved_at,
        "approved_by": publication.approved_by,
        "thread": publication.thread,
        "images": [
            {
                "id": image.pk,
                "name": image.name,
                "alt": image.alt,
                "content_type": image.content_type,
                "size": image.size,
                "width": image.width,
                "height": image.height,
            }
            for image in publication.images.all()
        ],
        "steps": [
            {"kind": step.kind, "by": step.by, "name": step.name, "text": step.text, "at": step.at}
            for step in publication.steps.all()
        ],
        "targets": [
            {
                "channel_id": t.channel_id,
                "channel": t.channel.name,
                "text": t.text,
                "state": t.state,
                "attempts": t.attempts,
                "remote_id": t.remote_id,
                "url": t.url,
                "error": t.error,
                "message_id": t.message_id,
                "sent_at": t.sent_at,
                "parts": [
                    {
                        "text": str(part.get("text") or ""),
                        "remote_id": str(part.get("remote_id") or ""),
                        "url": str(part.get("url") or ""),
                    }
                    for part in t.parts
                ],
            }
            for t in publication.targets.select_related("channel").order_by("channel__name")
        ],
    }


def _publication(request: TokenRequest, publication_id: int) -> Publication:
    return get_object_or_404(Publication, pk=publication_id, workspace=request.auth.workspace)


def _channel_ids(request: TokenRequest, payload: PublicationIn | PublicationChangeIn) -> list[int]:
    return [*(payload.channel_ids or []), *actions.channels_named(request.auth.workspace, payload.channel_names or [])]


def _variants(request: TokenRequest, variants: list[VariantIn]) -> dict[int, str]:
    found: dict[int, str] = {}
    for variant in variants:
        if variant.channel_id is not None:
            channel_id = variant.channel_id
        elif variant.channel_name:
            channel_id = actions.channels_named(request.auth.workspace, [variant.channel_name])[0]
        else:
            raise ActionError(_("A variant names no channel (channel_id or channel_name)."))
        found[channel_id] = variant.text
    return found


@router.get("/publications", response=list[PublicationOut])
@needs("publishing.view")
def list_publications(request: TokenRequest, state: str = "", limit: int = 50) -> Any:
    qs = Publication.objects.filter(workspace=request.auth.workspace).order_by("-created_at")
    if state:
        qs = qs.filter(state=state)
    return [_out(p) for p in qs[: max(1, min(limit, MAX_LIMIT))]]


@router.post("/publications", response={201: PublicationOut, 400: Refused})
@needs("publishing.write")
def create_publication(request: TokenRequest, payload: PublicationIn) -> Any:
    """A draft; its text is checked against each channel's own limit (its server's)."""
    try:
        saved = actions.do_save_publication(
            request.auth.workspace,
            payload.text,
            _channel_ids(request, payload),
            approval=payload.approval,
            thread=payload.thread,
            variants=_variants(request, payload.variants),
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _out(saved)


@router.put("/publications/{publication_id}", response={200: PublicationOut, 400: Refused})
@needs("publishing.write")
def change_publication(request: TokenRequest, publication_id: int, payload: PublicationChangeIn) -> Any:
    """Edit a draft, a scheduled publication or one awaiting approval: it goes back to draft (an approval
    was given to it as it was). Its text, channels and variants are checked as on creation."""
    publication = _publication(request, publication_id)
    try:
        chosen = (
            _channel_ids(request, payload)
            if payload.channel_ids is not None or payload.channel_names is not None
            else list(publication.targets.values_list("channel_id", flat=True))
        )
        saved = actions.do_save_publication(
            request.auth.workspace,
            payload.text if payload.text is not None else publication.text,
            chosen,
            publication=publication,
            approval=payload.approval,
            thread=payload.thread,
            variants=_variants(request, payload.variants) if payload.variants is not None else None,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _out(saved)


def _save_images(request: TokenRequest, publication: Publication, pictures: list[images.ImageIn]) -> Publication:
    return actions.do_save_publication(
        request.auth.workspace,
        publication.text,
        list(publication.targets.values_list("channel_id", flat=True)),
        publication=publication,
        pictures=pictures,
        actor=request.auth.user,
    )


def _stored(publication: Publication) -> list[images.ImageIn]:
    return [images.ImageIn(alt=image.alt, image_id=image.pk) for image in publication.images.all()]


@router.post("/publications/{publication_id}/images", response={201: PublicationOut, 400: Refused})
@needs("publishing.write")
def add_image(request: TokenRequest, publication_id: int, file: File[UploadedFile], alt: Form[str] = "") -> Any:
    """Add an image (multipart: `file`, and its alt text `alt`) after the others: JPEG, PNG, WebP or GIF,
    told by its content, at most 10 MB, at most 4 images; each chosen channel's rules apply (a Mastodon
    server's own, Bluesky's 1 MB; Reddit takes none). The publication goes back to draft."""
    publication = _publication(request, publication_id)
    data = file.read(images.MAX_IMAGE_BYTES + 1)
    new = images.ImageIn(alt=alt, data=data, name=file.name or "")
    try:
        saved = _save_images(request, publication, [*_stored(publication), new])
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _out(saved)


@router.put("/publications/{publication_id}/images", response={200: PublicationOut, 400: Refused})
@needs("publishing.write")
def set_images(request: TokenRequest, publication_id: int, payload: ImagesIn) -> Any:
    """The images in a new order, with their alt text; one left out is removed."""
    publication = _publication(request, publication_id)
    pictures = [images.ImageIn(alt=item.alt, image_id=item.id) for item in payload.images]
    try:
        saved = _save_images(request, publication, pictures)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _out(saved)


@router.delete("/publications/{publication_id}/images/{image_id}", response={200: PublicationOut, 400: Refused})
@needs("publishing.write")
def remove_image(request: TokenRequest, publication_id: int, image_id: int) -> Any:
    publication = _publication(request, publication_id)
    get_object_or_404(publication.images, pk=image_id)
    pictures = [item for item in _stored(publication) if item.image_id != image_id]
    try:
        saved = _save_images(request, publication, pictures)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _out(saved)


@router.get("/publications/{publication_id}", response=PublicationOut)
@needs("publishing.view")
def get_publication(request: TokenRequest, publication_id: int) -> Any:
    return _out(_publication(request, publication_id))


@router.post("/publications/{publication_id}/schedule", response={200: PublicationOut, 400: Refused})
@needs("publishing.publish")
def schedule_publication(request: TokenRequest, publication_id: int, payload: ScheduleIn) -> Any:
    try:
        done = actions.do_schedule_publication(
            _publication(request, publication_id), payload.at, actor=request.auth.user
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _out(done)


@router.post("/publications/{publication_id}/publish", response={200: PublicationOut, 400: Refused})
@needs("publishing.publish")
def publish_publication(request: TokenRequest, publication_id: int) -> Any:
    """Publish now, or again on the channels that failed, with the same idempotency keys: never twice.
    Answers once every channel has answered; `state` is « published » or « failed » (each target's
    `error` holds the network's message)."""
    try:
        done = actions.do_publish_publication(_publication(request, publication_id), actor=request.auth.user)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _out(done)


@router.post("/publications/{publication_id}/steps", response={200: PublicationOut, 400: Refused})
@needs("publishing.write")
def add_step(request: TokenRequest, publication_id: int, payload: StepIn) -> Any:
    """A step of the approval: send for approval, approve (only a team member of the role asked, or an
    owner; 403 otherwise), or comment. The client approves through the signed link, not the API."""
    publication = _publication(request, publication_id)
    user = request.auth.user
    try:
        if payload.kind == StepKind.REQUESTED:
            actions.do_request_approval(publication, at=payload.at, actor=user)
        elif payload.kind == StepKind.APPROVED:
            actions.do_approve_publication(publication, actor=user, note=payload.text)
        else:
            actions.do_comment_publication(publication, payload.text, actor=user)
    except ActionError as error:
        return 400, {"detail": str(error)}
    publication.refresh_from_db()
    return 200, _out(publication)


@router.get("/calendar", response={200: list[CalendarEntryOut], 400: Refused})
@needs("publishing.view")
def calendar(request: TokenRequest, start: date | None = None, end: date | None = None) -> Any:
    """The publications with a time in [start, end] (days in the workspace's time zone; default: the next
    31 days from today), in time order, at most 92 days at once."""
    workspace = request.auth.workspace
    tz = selectors.workspace_tz(workspace)
    first = start or datetime.now(tz).date()
    last = end or first + timedelta(days=30)
    if last < first or (last - first).days > 92:
        return 400, {"detail": "end must follow start, at most 92 days later"}
    entries = selectors.entries_between(
        workspace,
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )
    return 200, [{"id": e.pk, "text": e.text, "state": e.state, "at": e.at, "channels": e.channels} for e in entries]


class BestHourOut(Schema):
    weekday: int  # 0 Monday … 6 Sunday, in the workspace's time zone
    hour: int
    answers: int
    share: float


class BestHoursOut(Schema):
    days: int
    answers: int
    hours: list[BestHourOut]


@router.get("/best-hours", response={200: BestHoursOut, 404: Refused})
@needs("publishing.view")
def best_hours(request: TokenRequest, channel_id: int | None = None) -> Any:
    """The weekly hours at which the audience answered most (replies and comments in the stream over the
    last 90 days, of one channel if given), best first; empty when there are too few answers to say."""
    workspace = request.auth.workspace
    if channel_id is not None and not (
        0 < channel_id < 2**63 and Channel.objects.filter(workspace=workspace, pk=channel_id).exists()
    ):
        return 404, {"detail": "no such channel in this workspace"}
    hours, answers = selectors.best_hours(workspace, channel_id=channel_id)
    return 200, {
        "days": selectors.BEST_HOURS_DAYS,
        "answers": answers,
        "hours": [{"weekday": h.weekday, "hour": h.hour, "answers": h.answers, "share": h.share} for h in hours],
    }


@router.get("/publishing-settings", response=SettingsOut)
@needs("publishing.view")
def get_settings(request: TokenRequest) -> Any:
    workspace = request.auth.workspace
    return _settings_out(workspace)


def _settings_out(workspace: Any) -> dict[str, Any]:
    return {
        "approval": actions.default_approval(workspace),
        "track_links": actions.tracks_links(workspace),
        "alt_required": images.alt_required(workspace),
    }


@router.put("/publishing-settings", response={200: SettingsOut, 400: Refused})
@needs("workspace.settings")
def set_settings(request: TokenRequest, payload: SettingsIn) -> Any:
    """The approval a new publication needs: "", "manager", "owner" or "client"; whether the links of a
    publication go out as tracked links (`track_links`)."""
    workspace = request.auth.workspace
    try:
        actions.do_set_publishing_settings(
            workspace,
            payload.approval,
            track_links=payload.track_links,
            alt_required=payload.alt_required,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _settings_out(workspace)
