"""Members endpoints: the list with the page's filters, a member, merge suggestions and their
decisions, undo of a merge, and the GDPR export and erasure; all through members' selectors and actions."""

# No `from __future__ import annotations`: ninja reads the body schema through `needs`, whose
# globals are api.inbox's, so the annotations must be objects, not names.
from datetime import datetime
from typing import Any

from django.http import Http404
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.members import actions, selectors
from animateur.members.forms import MemberFilterForm
from animateur.members.models import CustomField, FieldKind, Segment, SegmentAlert, SuggestionStatus

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
    custom_fields: dict[str, Any]


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


def _member(member: Any, custom: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    profile = getattr(member, "profile", None) if selectors._has_profile(member) else None
    if custom is None:
        custom = actions.custom_values_by_member([member.pk])
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
        "custom_fields": custom.get(member.pk, {}),
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
    field: str = "",
    value: str = "",
) -> tuple[int, dict[str, Any]]:
    """Members, the most engaged first (or `sort`: last_seen, messages, name), 50 a page.

    `seen`: 7, 30, 90, 365 (seen within so many days) or -14, -90 (silent for so many days);
    `ambassador`: marked or candidate; `cohort`: newcomers, rising, slipping, ambassadors or bridges;
    `field` (a custom field's name) and `value`: members whose field holds it (a text field: contains it).
    """
    workspace = request.auth.workspace
    field_id = ""
    if field:
        found = CustomField.objects.filter(workspace=workspace, name=field).first()
        if found is None:
            return 400, {"detail": f"unknown custom field: {field}"}
        field_id = str(found.pk)
    params = {"q": q, "channel": channel, "language": language, "level": level, "tag": tag, "seen": seen,
              "ambassador": ambassador, "cohort": cohort, "sort": sort, "page": page, "field": field_id,
              "value": value}  # fmt: skip
    form = MemberFilterForm({k: v for k, v in params.items() if v}, workspace=workspace)
    if not form.is_valid():
        return 400, {"detail": "invalid filters: " + ", ".join(form.errors)}
    result = selectors.page_of(workspace, form.filters())
    custom = actions.custom_values_by_member([m.pk for m in result.rows])
    return 200, {
        "members": [_member(m, custom) for m in result.rows],
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


class FieldIn(Schema):
    name: str
    kind: str = FieldKind.TEXT
    choices: list[str] = []


class FieldOut(Schema):
    id: int
    name: str
    kind: str
    choices: list[str]


class FieldsIn(Schema):
    custom_fields: dict[str, Any] = {}


class AlertIn(Schema):
    cohort: str = ""
    segment_id: int | None = None
    enabled: bool = True


class AlertOut(Schema):
    id: int
    cohort: str
    segment_id: int | None
    segment: str


class IntroductionOut(Schema):
    member: int
    other: int
    topics: list[str]
    score: float


def _field(f: CustomField) -> dict[str, Any]:
    return {"id": f.pk, "name": f.name, "kind": f.kind, "choices": f.choices}


@router.get("/fields", response=list[FieldOut])
@needs("members.view")
def list_fields(request: TokenRequest) -> list[dict[str, Any]]:
    """The workspace's custom fields of members: `kind` text, number, date (YYYY-MM-DD) or choice."""
    return [_field(f) for f in CustomField.objects.filter(workspace=request.auth.workspace).order_by("name")]


@router.post("/fields", response={201: FieldOut, 400: Errors})
@needs("members.settings")
def create_field(request: TokenRequest, body: FieldIn) -> tuple[int, dict[str, Any]]:
    try:
        field = actions.do_save_custom_field(
            request.auth.workspace, body.name, body.kind, body.choices, actor=request.auth.user
        )
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return 201, _field(field)


@router.delete("/fields/{field_id}", response={204: None})
@needs("members.settings")
def delete_field(request: TokenRequest, field_id: int) -> tuple[int, None]:
    """Delete a custom field and every member's value of it."""
    field = CustomField.objects.filter(workspace=request.auth.workspace, pk=field_id).first()
    if field is None:
        raise Http404("no such field")
    actions.do_delete_custom_field(request.auth.workspace, field, actor=request.auth.user)
    return 204, None


@router.get("/alerts", response=list[AlertOut])
@needs("members.view")
def list_alerts(request: TokenRequest) -> list[dict[str, Any]]:
    """Cohorts and saved segments with an alert: the managers are told of members who enter them."""
    alerts = SegmentAlert.objects.filter(workspace=request.auth.workspace).select_related("segment").order_by("id")
    return [
        {"id": a.pk, "cohort": a.cohort, "segment_id": a.segment_id, "segment": a.segment.name if a.segment else ""}
        for a in alerts
    ]


@router.post("/alerts", response={200: dict, 400: Errors})
@needs("members.settings")
def set_alert(request: TokenRequest, body: AlertIn) -> tuple[int, dict[str, Any]]:
    """Turn on (`enabled`: true) or off the alert of a `cohort` (newcomers, rising, slipping,
    ambassadors, bridges) or of a saved segment (`segment_id`)."""
    workspace = request.auth.workspace
    segment = None
    if body.segment_id is not None:
        segment = Segment.objects.filter(workspace=workspace, pk=body.segment_id).first()
        if segment is None:
            return 400, {"detail": "no such segment"}
    try:
        alert = actions.do_set_segment_alert(
            workspace, cohort=body.cohort, segment=segment, enabled=body.enabled, actor=request.auth.user
        )
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return 200, {"alert": alert.pk if alert else None}


@router.post("/links/verify", response={200: dict, 400: Errors})
@needs("members.settings")
def verify_links(request: TokenRequest, limit: int = 50) -> tuple[int, dict[str, Any]]:
    """Check the profile links their server did not verify: the page must link back to the profile with rel=me."""
    try:
        return 200, actions.do_verify_profile_links(request.auth.workspace, actor=request.auth.user, limit=limit)
    except ActionError as exc:
        return 400, {"detail": str(exc)}


@router.get("/introductions", response=list[IntroductionOut])
@needs("members.view")
def list_introductions(request: TokenRequest, member: int | None = None) -> list[dict[str, Any]]:
    """Members who share topics (`topics`, the rarest first) but have never answered each other."""
    from animateur.members import introductions

    workspace = request.auth.workspace
    who = selectors.get_member(workspace, member) if member is not None else None
    return [
        {"member": i.member.pk, "other": i.other.pk, "topics": i.topics, "score": i.score}
        for i in introductions.suggestions(workspace, member=who, limit=100)
    ]


@router.post("/{member_id}/introductions/{other_id}/dismiss", response={200: dict, 400: Errors})
@needs("members.edit")
def dismiss_introduction(request: TokenRequest, member_id: int, other_id: int) -> tuple[int, dict[str, Any]]:
    """Do not propose introducing these two members again."""
    workspace = request.auth.workspace
    member, other = selectors.get_member(workspace, member_id), selectors.get_member(workspace, other_id)
    try:
        actions.do_dismiss_introduction(workspace, member, other, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return 200, {"dismissed": True}


@router.put("/{member_id}/custom-fields", response={200: dict, 400: Errors})
@needs("members.edit")
def set_custom_fields(request: TokenRequest, member_id: int, body: FieldsIn) -> tuple[int, dict[str, Any]]:
    """Set custom fields by name (`null` or "" clears one); the fields not named stay as they are."""
    workspace = request.auth.workspace
    member = selectors.get_member(workspace, member_id)
    try:
        values = actions.do_set_member_fields(workspace, member, body.custom_fields, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return 200, {"custom_fields": values}


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
