"""The reads and writes behind a recompute: resolution over identities, engagement over messages.

Private helpers of members.actions (which checks the permission and records the audit event); they
read the stream in batches of values, never model instances, so a large workspace fits in memory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone

from animateur.core.models import Workspace
from animateur.members import engagement, graph, resolution
from animateur.members.models import Level, MembersSettings, MergeSuggestion, Profile, SuggestionStatus
from animateur.stream.models import Identity, Kind, Message

Progress = Callable[[int, int], None] | None
CHUNK = 5000


def identity_rows(workspace: Workspace) -> list[resolution.IdentityRow]:
    rows = Identity.objects.filter(workspace=workspace, member__merged_into=None, user=None).values_list(
        "member_id", "channel_id", "origin", "external_id", "handle", "display_name", "email", "url"
    )
    return [resolution.IdentityRow(*row) for row in rows]


def store_proposals(workspace: Workspace, proposals: list[resolution.Proposal]) -> tuple[int, list[MergeSuggestion]]:
    """Create or refresh the suggestions; rejected ones stay rejected (« not the same person », remembered)."""
    existing = {
        (s.first_id, s.second_id): s
        for s in MergeSuggestion.objects.filter(workspace=workspace, first_id__in={p.first for p in proposals})
    }
    created: list[MergeSuggestion] = []
    now = timezone.now()
    for proposal in proposals:
        found = existing.get((proposal.first, proposal.second))
        if found is None:
            created.append(
                MergeSuggestion(
                    workspace=workspace,
                    first_id=proposal.first,
                    second_id=proposal.second,
                    evidence=proposal.evidence,
                    confidence=proposal.confidence,
                    same_source=proposal.same_source,
                    created_at=now,
                )
            )
        elif found.status == SuggestionStatus.OPEN or (
            found.status == SuggestionStatus.SNOOZED and found.snoozed_until and found.snoozed_until <= now
        ):
            found.evidence, found.confidence, found.same_source = (
                proposal.evidence,
                proposal.confidence,
                proposal.same_source,
            )
            found.status, found.snoozed_until = SuggestionStatus.OPEN, None
            found.save(update_fields=["evidence", "confidence", "same_source", "status", "snoozed_until"])
    MergeSuggestion.objects.bulk_create(created, batch_size=1000)
    certain = [
        s
        for s in MergeSuggestion.objects.filter(workspace=workspace, status=SuggestionStatus.OPEN, same_source=False)
        if any(e.get("kind") == "same_email" for e in s.evidence)
    ]
    return len(created), certain


def reference_time(workspace: Workspace) -> datetime:
    """Now, or the stream's latest message when the stream stops earlier (an imported archive)."""
    latest = Message.objects.filter(workspace=workspace).aggregate(latest=Max("created_at"))["latest"]
    now = timezone.now()
    return min(now, latest) if latest else now


def activities(workspace: Workspace, progress: Progress = None) -> tuple[list[engagement.Activity], dict[int, dict]]:
    """Every message as an activity, and per member the plain figures (count, first and last seen, language)."""
    team_identities = set(Identity.objects.filter(workspace=workspace).exclude(user=None).values_list("pk", flat=True))
    rows = list(
        Message.objects.filter(workspace=workspace)
        .exclude(author=None)
        .values_list(
            "id",
            "author_id",
            "author__member_id",
            "kind",
            "parent_id",
            "thread_root_id",
            "created_at",
            "from_organisation",
            "sentiment",
            "language",
            "raw__accepted",
        )
        .order_by("id")
        .iterator(chunk_size=CHUNK)
    )
    total = len(rows)
    member_of = {r[0]: r[2] for r in rows}
    organisation = {r[0] for r in rows if r[7] or r[1] in team_identities}
    # Replies by the asker that thank: read the start of replies' texts only.
    thanked: set[int] = set()
    root_of = {r[0]: r[5] for r in rows}
    reply_ids = [r[0] for r in rows if r[4] is not None]
    for start in range(0, len(reply_ids), CHUNK):
        chunk = reply_ids[start : start + CHUNK]
        for message_id, parent_id, head in (
            Message.objects.filter(pk__in=chunk)
            .annotate(head=Substr("text", 1, 300))
            .values_list("id", "parent_id", "head")
        ):
            root = root_of.get(message_id)
            if (
                root is not None
                and member_of.get(root) == member_of.get(message_id)
                and engagement.is_thanks(head or "")
            ):
                thanked.add(parent_id)
    plain: dict[int, dict] = defaultdict(
        lambda: {"count": 0, "first": None, "last": None, "languages": Counter(), "team": False}
    )
    made: list[engagement.Activity] = []
    for done, (
        message_id,
        _author,
        member_id,
        kind,
        parent_id,
        root_id,
        created_at,
        _from_org,
        sentiment,
        language,
        accepted,
    ) in enumerate(rows, 1):
        figures = plain[member_id]
        figures["count"] += 1
        figures["first"] = created_at if figures["first"] is None else min(figures["first"], created_at)
        figures["last"] = created_at if figures["last"] is None else max(figures["last"], created_at)
        if language:
            figures["languages"][language] += 1
        if message_id in organisation:
            figures["team"] = True
            continue
        kinds: list[str] = []
        root_member = member_of.get(root_id) if root_id else None
        if kind == Kind.MENTION:
            kinds.append("mention")
        elif parent_id is None:
            kinds.append("post")
        elif (
            (parent_id == root_id or root_id is None)
            and root_member not in (None, member_id)
            and root_id not in organisation
        ):
            kinds.append("answer")
        else:
            kinds.append("comment")
        if accepted in (True, 1, "1", "true", "True", "yes"):
            kinds.append("accepted")
        if message_id in thanked:
            kinds.append("thanked")
        partner = member_of.get(parent_id) if parent_id else None
        others = (root_member,) if root_member is not None and root_member != partner else ()
        made.append(
            engagement.Activity(
                member_id=member_id,
                created_at=created_at,
                kinds=tuple(kinds),
                partner_id=partner,
                thread_partner_ids=others,
                sentiment=sentiment or "",
            )
        )
        if progress is not None and done % CHUNK == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    return made, plain


def compute_profiles(workspace: Workspace, settings: MembersSettings, progress: Progress = None) -> dict[str, int]:
    """Every member's profile recomputed from the stream; levels move as engagement.next_level says."""
    reference = reference_time(workspace)
    made, plain = activities(workspace, progress)
    weights = engagement.merged_weights(settings.weights)
    figures = engagement.compute(made, reference=reference, weights=weights, half_life_days=settings.half_life_days)
    current = {p.member_id: p for p in Profile.objects.filter(workspace=workspace)}
    members = set(plain) | set(
        Identity.objects.filter(workspace=workspace, member__merged_into=None).values_list("member_id", flat=True)
    )
    scored = [f for m, f in figures.items() if not plain[m]["team"]]
    centrality = graph.betweenness({m: f.ties for m, f in figures.items() if f.ties and not plain[m]["team"]})
    bridging = graph.bridges(centrality)
    engagement_cut = engagement.percentile([f.engagement for f in scored], 0.05)
    reach_cut = engagement.percentile([f.reach for f in scored], 0.10)
    now = timezone.now()
    profiles: list[Profile] = []
    candidates = 0
    for member_id in members:
        base = plain.get(member_id)
        fig = figures.get(member_id, engagement.Figures())
        old = current.get(member_id)
        is_team = bool(base and base["team"])
        if is_team:
            level, since = int(Level.TEAM), (old.level_since if old and old.level == Level.TEAM else now)
        else:
            computed = engagement.level_for(fig.engagement, len(fig.months))
            level, changed = engagement.next_level(
                old.level if old else None, old.level_since if old else None, computed, now
            )
            since = now if changed or old is None else old.level_since
        reasons = (
            [] if is_team else engagement.candidate_reasons(fig, engagement_cut=engagement_cut, reach_cut=reach_cut)
        )
        candidates += bool(reasons)
        profiles.append(
            Profile(
                member_id=member_id,
                workspace=workspace,
                message_count=base["count"] if base else 0,
                first_seen_at=base["first"] if base else None,
                last_seen_at=base["last"] if base else None,
                language=base["languages"].most_common(1)[0][0] if base and base["languages"] else "",
                engagement=round(fig.engagement, 4),
                level=level,
                level_since=since,
                reach=round(fig.reach, 4),
                betweenness=round(centrality.get(member_id, 0.0), 6),
                bridge=member_id in bridging,
                is_team=is_team,
                ambassador=old.ambassador if old else False,
                candidate_reasons=reasons,
                activity=dict(fig.counts),
                computed_at=now,
            )
        )
    Profile.objects.bulk_create(
        profiles,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=[
            "message_count", "first_seen_at", "last_seen_at", "language", "engagement", "level", "level_since",
            "reach", "betweenness", "bridge", "is_team", "candidate_reasons", "activity", "computed_at",
        ],
    )  # fmt: skip
    messages = sum(b["count"] for b in plain.values())
    return {"members": len(profiles), "candidates": candidates, "bridges": len(bridging), "messages": messages}


def refresh_counts(member_ids: list[int]) -> None:
    """After a merge, split or revert: the members' plain figures at once (the rest at the next recompute)."""
    from django.db.models import Count, Min

    for member_id in member_ids:
        agg = Message.objects.filter(author__member_id=member_id).aggregate(
            n=Count("id"), first=Min("created_at"), last=Max("created_at")
        )
        Profile.objects.filter(member_id=member_id).update(
            message_count=agg["n"], first_seen_at=agg["first"], last_seen_at=agg["last"]
        )


def snooze_until(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)
