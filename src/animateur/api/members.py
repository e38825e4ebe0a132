"""Members endpoints: the list with the page's filters, a member, merge suggestions and their
decisions, undo of a merge, and the GDPR export and erasure; all through members' selectors and actions."""

# No `from __future__ import annotations`: ninja reads the body schema through `needs`, whose
# globals are api.inbox's, so the annotations must be objects, not names.
from datetime import datetime
from typing import Any

from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.members import actions, selectors
from animateur.members.forms import MemberFilterForm
from animateur.members.models import SuggestionStatus

router = Router(tags=["members"])


class IdentityOut(Schema):
    id: int
    channel: str
    kind: str
    external_id: str
    handle: str
    name: str
    url: str


class MemberOut(Schema):
    id: int
    display_name: str
    messages: int
    first_seen: datetime | None
    last_seen: datetime | None
    engagement: float
    level: int | None
    reach: float
    betweenness: float
    bridge: bool
    ambassador: bool
    candidate_reasons: list[str]


class MemberPageOut(Schema):
    members: list[MemberOut]
    total: int
    page: int
    has_next: bool


class MessageOut(Schema):
    id: int
    channel: str
    kind: str
    created_at: datetime
    text: str
    url: str


class MemberDetailOut(MemberOut):
    identities: list[IdentityOut]
    tags: list[str]
    timeline: list[MessageOut]
    conversations: list[dict[str, Any]]


class SuggestionOut(Schema):
    id: int
    first: int
    second: int
    evidence: list[dict[str, Any]]
    confidence: float
    same_source: bool
    status: str


class DecisionIn(Schema):
    decision: str
    snooze_days: int = 30


class Errors(Schema):
    detail: str


def _member(member: Any) -> dict[str, Any]:
    profile = getattr(member, "profile", None) if selectors._has_profile(member) else None
    return {
        "id": member.pk,
        "display_name": member.display_name,
        "messages": profile.message_count if profile else 0,
        "first_seen": profile.first_seen_at if profile else None,
        "last_seen": profile.last_seen_at if profile else None,
        "engagement": profile.engagement if profile else 0.0,
        "level": profile.level if profile else None,
        "reach": profile.reach if profile else 0.0,
        "betweenness": profile.betweenness if profile else 0.0,
        "bridge": bool(profile and profile.bridge),
        "ambassador": bool(profile and profile.ambassador),
        "candidate_reasons": list(profile.candidate_reasons) if profile else [],
    }


@router.get("/", response={200: MemberPageOut, 400: Errors})
@needs("members.view")
def list_members(
    request: TokenRequest,
    q: str = "",
    channel: str = "",
    language: str = "",
    level: str = "",
    tag: str = "",
    seen: str = "",
    ambassador: str = "",
    cohort: str = "",
    sort: str = "",
    page: str = "",
) -> tuple[int, dict[str, Any]]:
    """Members, the most engaged first (or `sort`: last_seen, messages, name), 50 a page.

    `seen`: 7, 30, 90, 365 (seen within so many days) or -14, -90 (silent for so many days);
    `ambassador`: marked or candidate; `cohort`: newcomers, rising, slipping, ambassadors or bridges.
    """
    params = {"q": q, "channel": channel, "language": language, "level": level, "tag": tag, "seen": seen,
              "ambassador": ambassador, "cohort": cohort, "sort": sort, "page": page}  # fmt: skip
    form = MemberFilterForm({k: v for k, v in params.items() if v}, workspace=request.auth.workspace)
    if not form.is_valid():
        return 400, {"detail": "invalid filters: " + ", ".join(form.errors)}
    result = selectors.page_of(request.auth.workspace, form.filters())
    return 200, {
        "members": [_member(m) for m in result.rows],
        "total": result.total,
        "page": result.page,
        "has_next": result.has_next,
    }


@router.get("/suggestions", response=list[SuggestionOut])
@needs("members.view")
def list_suggestions(request: TokenRequest, status: str = "open") -> list[dict[str, Any]]:
    if status not in SuggestionStatus.values:
        status = SuggestionStatus.OPEN
    return [
        {"id": s.pk, "first": s.first_id, "second": s.second_id, "evidence": s.evidence,
         "confidence": s.confidence, "same_source": s.same_source, "status": s.status}
        for s in selectors.suggestions(request.auth.workspace, status=status)[:500]
    ]  # fmt: skip


@router.post("/suggestions/{suggestion_id}/decide", response={200: dict, 400: Errors})
@needs("members.merge")
def decide_suggestion(request: TokenRequest, suggestion_id: int, body: DecisionIn) -> tuple[int, dict[str, Any]]:
    """`decision`: accept (merge), reject (not the same person, remembered) or snooze (`snooze_days`)."""
    workspace = request.auth.workspace
    suggestion = selectors.get_suggestion(workspace, suggestion_id)
    try:
        merge = actions.do_decide_suggestion(
            workspace, suggestion, body.decision, actor=request.auth.user, snooze_days=body.snooze_days
        )
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return 200, {"status": suggestion.status, "merge": merge.pk if merge else None}


@router.post("/merges/{merge_id}/revert", response={200: dict, 400: Errors})
@needs("members.merge")
def revert_merge(request: TokenRequest, merge_id: int) -> tuple[int, dict[str, Any]]:
    workspace = request.auth.workspace
    merge = selectors.get_merge(workspace, merge_id)
    try:
        restored = actions.do_revert_merge(workspace, merge, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return 200, {"restored_member": restored.pk}


@router.get("/{member_id}", response=MemberDetailOut)
@needs("members.view")
def get_member(request: TokenRequest, member_id: int) -> dict[str, Any]:
    info = selectors.detail(request.auth.workspace, member_id)
    return {
        **_member(info.member),
        "identities": [
            {"id": i.pk, "channel": i.channel.name, "kind": i.origin, "external_id": i.external_id,
             "handle": i.handle, "name": i.display_name, "url": i.url}
            for i in info.identities
        ],
        "tags": info.tags,
        "timeline": [
            {"id": m.pk, "channel": m.channel.name, "kind": m.kind, "created_at": m.created_at, "text": m.text,
             "url": m.url}
            for m in info.timeline
        ],
        "conversations": [{"id": c.pk, "subject": c.subject, "state": c.state} for c in info.conversations],
    }  # fmt: skip


@router.post("/{member_id}/export", response=dict)
@needs("members.export")
def export_member(request: TokenRequest, member_id: int) -> dict[str, Any]:
    """What the workspace holds on the person (GDPR), across every member merged into them."""
    member = selectors.get_member(request.auth.workspace, member_id)
    return actions.do_export_member(request.auth.workspace, member, actor=request.auth.user)


@router.post("/{member_id}/erase", response=dict)
@needs("members.erase")
def erase_member(request: TokenRequest, member_id: int) -> dict[str, int]:
    """Erase the person through every merged identity; the audit record keeps only the counts."""
    member = selectors.get_member(request.auth.workspace, member_id)
    return actions.do_erase_member(request.auth.workspace, member, actor=request.auth.user)
