"""Live coverage in the API: start one (its networks, its hashtag or saved search), post quick updates to its
running thread (each answering the last post on each network, sent never twice), send a failed one again,
end it; read the thread with each network's outcome, and the event's hashtag stream beside it."""

from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.listening.models import SavedSearch
from animateur.publishing import live
from animateur.publishing.models import LiveCoverage, LiveUpdate

router = Router(tags=["publishing"])
MAX_LIMIT = 100


class Refused(Schema):
    detail: str


class CoverageIn(Schema):
    title: str
    # Mastodon and Bluesky channels of the workspace, by id, or by name (as the command line names them)
    channel_ids: list[int] = []
    channel_names: list[str] = []
    hashtag: str = ""  # « #rsCCI » or « rsCCI »
    search_id: int | None = None  # a saved search, for the stream beside the thread


class UpdateIn(Schema):
    text: str


class PostOut(Schema):
    channel_id: int
    channel_name: str
    state: str
    url: str
    error: str
    attempts: int


class UpdateOut(Schema):
    id: int
    coverage_id: int
    text: str
    state: str  # sending, published, failed
    created_at: datetime
    posts: list[PostOut]


class CoverageOut(Schema):
    id: int
    title: str
    hashtag: str
    search_id: int | None
    channel_ids: list[int]
    started_at: datetime
    ended_at: datetime | None
    live: bool
    updates: int


class StreamMessageOut(Schema):
    id: int
    channel_id: int
    author: str
    text: str
    url: str
    created_at: datetime


def _coverage_out(coverage: LiveCoverage) -> dict[str, Any]:
    return {
        "id": coverage.pk,
        "title": coverage.title,
        "hashtag": coverage.hashtag,
        "search_id": coverage.search_id,
        "channel_ids": sorted(c.pk for c in coverage.channels.all()),
        "started_at": coverage.started_at,
        "ended_at": coverage.ended_at,
        "live": coverage.live,
        "updates": coverage.updates.count(),
    }


def _update_out(update: LiveUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "coverage_id": update.coverage_id,
        "text": update.text,
        "state": update.state,
        "created_at": update.created_at,
        "posts": [
            {
                "channel_id": p.channel_id,
                "channel_name": p.channel.name,
                "state": p.state,
                "url": p.url,
                "error": p.error,
                "attempts": p.attempts,
            }
            for p in update.posts.select_related("channel")
        ],
    }


def _coverage(request: TokenRequest, coverage_id: int) -> LiveCoverage:
    return get_object_or_404(LiveCoverage, pk=coverage_id, workspace=request.auth.workspace)


@router.get("/coverages", response=list[CoverageOut])
@needs("publishing.view")
def list_coverages(request: TokenRequest, limit: int = 50) -> Any:
    qs = LiveCoverage.objects.filter(workspace=request.auth.workspace).prefetch_related("channels")
    return [_coverage_out(c) for c in qs[: max(1, min(limit, MAX_LIMIT))]]


@router.post("/coverages", response={201: CoverageOut, 400: Refused})
@needs("publishing.publish")
def start_coverage(request: TokenRequest, payload: CoverageIn) -> Any:
    workspace = request.auth.workspace
    search = None
    if payload.search_id is not None:
        search = SavedSearch.objects.filter(workspace=workspace, pk=payload.search_id).first()
        if search is None:
            return 400, {"detail": "search_id: no such saved search in this workspace"}
    try:
        coverage = live.do_start_live_coverage(
            workspace,
            payload.title,
            [*payload.channel_ids, *live.channels_named(workspace, payload.channel_names)],
            hashtag=payload.hashtag,
            search=search,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _coverage_out(coverage)


@router.get("/coverages/{coverage_id}", response=CoverageOut)
@needs("publishing.view")
def get_coverage(request: TokenRequest, coverage_id: int) -> Any:
    return _coverage_out(_coverage(request, coverage_id))


@router.post("/coverages/{coverage_id}/end", response={200: CoverageOut, 400: Refused})
@needs("publishing.publish")
def end_coverage(request: TokenRequest, coverage_id: int) -> Any:
    try:
        coverage = live.do_end_live_coverage(_coverage(request, coverage_id), actor=request.auth.user)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _coverage_out(coverage)


@router.get("/coverages/{coverage_id}/updates", response=list[UpdateOut])
@needs("publishing.view")
def list_updates(request: TokenRequest, coverage_id: int) -> Any:
    """The running thread, oldest first, each update with each network's outcome."""
    coverage = _coverage(request, coverage_id)
    return [_update_out(u) for u in coverage.updates.order_by("created_at", "pk")]


@router.post("/coverages/{coverage_id}/updates", response={201: UpdateOut, 400: Refused})
@needs("publishing.publish")
def post_update(request: TokenRequest, coverage_id: int, payload: UpdateIn) -> Any:
    """Post an update: the first starts the thread on each network, each next answers the last post there.
    Answers once every network has answered; `state` « failed » names each network's error, and
    POST …/updates/{id}/retry sends it again with the same keys."""
    try:
        update = live.do_post_live_update(_coverage(request, coverage_id), payload.text, actor=request.auth.user)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _update_out(update)


@router.post("/updates/{update_id}/retry", response={200: UpdateOut, 400: Refused})
@needs("publishing.publish")
def retry_update(request: TokenRequest, update_id: int) -> Any:
    update = get_object_or_404(LiveUpdate, pk=update_id, coverage__workspace=request.auth.workspace)
    try:
        done = live.do_retry_live_update(update, actor=request.auth.user)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _update_out(done)


@router.get("/coverages/{coverage_id}/stream", response=list[StreamMessageOut])
@needs("publishing.view")
def hashtag_stream(request: TokenRequest, coverage_id: int, after: int = 0, limit: int = 50) -> Any:
    """The event's messages, newest first (`after`: only those with a greater id, for polling)."""
    coverage = _coverage(request, coverage_id)
    found = live.hashtag_stream(coverage, after=min(max(0, after), 2**62), size=max(1, min(limit, MAX_LIMIT)))
    return [
        {
            "id": m.pk,
            "channel_id": m.channel_id,
            "author": m.author_name,
            "text": m.text,
            "url": m.url,
            "created_at": m.created_at,
        }
        for m in found
    ]
