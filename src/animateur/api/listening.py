"""Listening in the API: saved searches, their messages and figures, backtests, share of voice,
spikes and crisis rooms. Writes go through listening's actions, as the pages do."""

from datetime import date, datetime, timedelta
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.listening import actions, selectors
from animateur.listening.matcher import compile_query
from animateur.listening.models import SavedSearch, SearchRole, Spike
from animateur.listening.query import QueryError

router = Router(tags=["listening"])
MAX_LIMIT = 100


class SearchIn(Schema):
    name: str
    query: str
    role: str = SearchRole.OWN


class SearchOut(Schema):
    id: int
    name: str
    query: str
    role: str
    match_count: int
    history_total: int
    history_read: int
    history_done_at: datetime | None
    created_at: datetime


class MessageOut(Schema):
    id: int
    channel: str
    kind: str
    author: str
    text: str
    url: str
    language: str
    sentiment: str
    created_at: datetime


class FiguresOut(Schema):
    total: int
    days: list[tuple[date, int]]
    sentiments: list[tuple[str, int]]
    languages: list[tuple[str, int]]
    channels: list[tuple[str, int]]
    authors: list[tuple[str, int]]
    terms: list[tuple[str, int]]
    links: list[tuple[str, int]]
    sampled: int


class BacktestIn(Schema):
    query: str


class BacktestOut(Schema):
    matched: int
    read: int
    candidates: int
    seconds: float
    days: list[tuple[date, int]]
    examples: list[MessageOut]


class ShareOut(Schema):
    search_id: int
    name: str
    role: str
    messages: int
    share: float


class SpikeOut(Schema):
    id: int
    search_id: int
    starts_at: datetime
    ends_at: datetime
    count: int
    expected: float
    explanation: dict[str, Any]
    state: str


class CrisisOut(Schema):
    id: int
    spike_id: int
    opened_at: datetime
    closed_at: datetime | None


class Refused(Schema):
    detail: str


def _message(message: Any) -> dict[str, Any]:
    return {
        "id": message.pk,
        "channel": message.channel.name,
        "kind": message.kind,
        "author": message.author_name,
        "text": message.text,
        "url": message.url,
        "language": message.language,
        "sentiment": message.sentiment,
        "created_at": message.created_at,
    }


def _search(request: TokenRequest, search_id: int) -> SavedSearch:
    return get_object_or_404(SavedSearch, pk=search_id, workspace=request.auth.workspace)


@router.get("/searches", response=list[SearchOut])
@needs("listening.view")
def list_searches(request: TokenRequest) -> Any:
    return SavedSearch.objects.filter(workspace=request.auth.workspace).order_by("name")


@router.post("/searches", response={201: SearchOut, 400: Refused})
@needs("listening.search.edit")
def create_search(request: TokenRequest, payload: SearchIn) -> Any:
    """The whole history is matched in the background: `history_read` of `history_total` says how far."""
    try:
        search = actions.do_create_search(
            request.auth.workspace, payload.name, payload.query, role=payload.role, actor=request.auth.user
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, search


@router.get("/searches/{search_id}", response=SearchOut)
@needs("listening.view")
def get_search(request: TokenRequest, search_id: int) -> Any:
    return _search(request, search_id)


@router.post("/searches/{search_id}/query", response={200: SearchOut, 400: Refused})
@needs("listening.search.edit")
def update_search(request: TokenRequest, search_id: int, payload: SearchIn) -> Any:
    """A new name, kind or query; a new query matches the whole history again."""
    found = _search(request, search_id)
    try:
        return 200, actions.do_update_search(
            found, payload.name, payload.query, role=payload.role, actor=request.auth.user
        )
    except ActionError as error:
        return 400, {"detail": str(error)}


@router.delete("/searches/{search_id}", response={204: None})
@needs("listening.search.edit")
def delete_search(request: TokenRequest, search_id: int) -> Any:
    actions.do_delete_search(_search(request, search_id), actor=request.auth.user)
    return 204, None


def _filters(sentiment: str, language: str, since: date | None, until: date | None) -> selectors.ResultFilters:
    return selectors.ResultFilters(sentiment=sentiment, language=language, since=since, until=until)


@router.get("/searches/{search_id}/messages", response=list[MessageOut])
@needs("listening.view")
def search_messages(
    request: TokenRequest,
    search_id: int,
    sentiment: str = "",
    language: str = "",
    since: date | None = None,
    until: date | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> Any:
    """Newest first; pass the last `id` as `before_id` for the next page."""
    found = _search(request, search_id)
    qs = selectors.newest_first(selectors.matched_messages(found, _filters(sentiment, language, since, until)))
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return [_message(m) for m in qs.order_by("-pk")[: max(1, min(limit, MAX_LIMIT))]]


@router.get("/searches/{search_id}/figures", response=FiguresOut)
@needs("listening.view")
def search_figures(
    request: TokenRequest,
    search_id: int,
    sentiment: str = "",
    language: str = "",
    since: date | None = None,
    until: date | None = None,
) -> Any:
    """Volume per day, sentiment, languages, channels, authors, words and sites of the matches."""
    found = _search(request, search_id)
    return selectors.figures(found, selectors.matched_messages(found, _filters(sentiment, language, since, until)))


@router.post("/backtest", response={200: BacktestOut, 400: Refused})
@needs("listening.view")
def backtest(request: TokenRequest, payload: BacktestIn) -> Any:
    """A query over the whole history, saved nowhere: to tune it before saving it."""
    try:
        compiled = compile_query(payload.query)
    except QueryError as error:
        return 400, {"detail": str(error)}
    result = selectors.backtest(request.auth.workspace, compiled)
    return 200, {
        "matched": result.matched,
        "read": result.read,
        "candidates": result.candidates,
        "seconds": round(result.seconds, 3),
        "days": result.days,
        "examples": [_message(m) for m in result.examples],
    }


@router.get("/share-of-voice", response=list[ShareOut])
@needs("listening.view")
def share_of_voice(request: TokenRequest, days: int = 30) -> Any:
    since = timezone.now() - timedelta(days=max(1, min(days, 3660)))
    return [
        {"search_id": s.pk, "name": s.name, "role": s.role, "messages": n, "share": round(share, 4)}
        for s, n, share in selectors.share_of_voice(request.auth.workspace, since)
    ]


@router.get("/spikes", response=list[SpikeOut])
@needs("listening.view")
def list_spikes(request: TokenRequest, search_id: int | None = None) -> Any:
    spikes = Spike.objects.filter(workspace=request.auth.workspace)
    if search_id is not None and not 0 < search_id < 2**63:  # an id no database row can have
        return []
    if search_id is not None:
        spikes = spikes.filter(search_id=search_id)
    return spikes.order_by("-starts_at")[:MAX_LIMIT]


@router.post("/spikes/{spike_id}/crisis", response={201: CrisisOut})
@needs("listening.crisis")
def open_crisis(request: TokenRequest, spike_id: int) -> Any:
    """Turn a spike into a crisis room (the same room when it is already open)."""
    spike = get_object_or_404(Spike, pk=spike_id, workspace=request.auth.workspace)
    return 201, actions.do_open_crisis(spike, actor=request.auth.user)
