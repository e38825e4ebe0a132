"""Publishing in the API: publications, drafted, scheduled and published through publishing's actions,
as the pages do; each channel's outcome with its address or the network's own message."""

from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.publishing import actions
from animateur.publishing.models import Publication

router = Router(tags=["publishing"])
MAX_LIMIT = 100


class PublicationIn(Schema):
    text: str
    # Channels by id, or by name (as the command line names them): Mastodon channels of the workspace.
    channel_ids: list[int] = []
    channel_names: list[str] = []


class ScheduleIn(Schema):
    at: datetime


class TargetOut(Schema):
    channel_id: int
    channel: str
    state: str
    attempts: int
    remote_id: str
    url: str
    error: str
    message_id: int | None
    sent_at: datetime | None


class PublicationOut(Schema):
    id: int
    text: str
    state: str
    scheduled_at: datetime | None
    created_at: datetime
    targets: list[TargetOut]


class Refused(Schema):
    detail: str


def _out(publication: Publication) -> dict[str, Any]:
    return {
        "id": publication.pk,
        "text": publication.text,
        "state": publication.state,
        "scheduled_at": publication.scheduled_at,
        "created_at": publication.created_at,
        "targets": [
            {
                "channel_id": t.channel_id,
                "channel": t.channel.name,
                "state": t.state,
                "attempts": t.attempts,
                "remote_id": t.remote_id,
                "url": t.url,
                "error": t.error,
                "message_id": t.message_id,
                "sent_at": t.sent_at,
            }
            for t in publication.targets.select_related("channel").order_by("channel__name")
        ],
    }


def _publication(request: TokenRequest, publication_id: int) -> Publication:
    return get_object_or_404(Publication, pk=publication_id, workspace=request.auth.workspace)


def _channel_ids(request: TokenRequest, payload: PublicationIn) -> list[int]:
    return [*payload.channel_ids, *actions.channels_named(request.auth.workspace, payload.channel_names)]


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
            request.auth.workspace, payload.text, _channel_ids(request, payload), actor=request.auth.user
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _out(saved)


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
