"""Reads of members shared by the pages, the API and the command line; every one within one workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from animateur.core.models import Workspace
from animateur.members import search
from animateur.members.models import (
    MembersSettings,
    Merge,
    MergeSuggestion,
    Note,
    Profile,
    Segment,
    SuggestionStatus,
    Tag,
)
from animateur.stream.models import Identity, Member, Message, Visibility

PER_PAGE = 50
# Ready-made cohorts: newcomers (first seen in the last 30 days), rising (promoted in the last 30
# days), slipping away (engaged, then silent for 14 days or more), ambassadors (marked by the team),
# bridges (the top 5 % by betweenness in the interaction graph).
COHORTS = ("newcomers", "rising", "slipping", "ambassadors", "bridges")
SILENT_DAYS = 14
TIMELINE_PAGE = 50
TRUST_CHUNK = 150
# What the page and the API show of a timeline's message (its text, not its HTML, raw payload or scores).
TIMELINE_FIELDS = (
    *("id", "workspace_id", "channel__name", "author_id", "kind"),
    *("created_at", "title", "text", "url", "visibility"),
)
SORTS: dict[str, tuple[Any, ...]] = {
    "engagement": (F("profile__engagement").desc(nulls_last=True), "id"),
    "last_seen": (F("profile__last_seen_at").desc(nulls_last=True), "id"),
    "messages": (F("profile__message_count").desc(nulls_last=True), "id"),
    "name": ("display_name", "id"),
}


@dataclass(frozen=True)
class MemberFilters:
    channel_id: int | None = None
    language: str = ""
    level: int | None = None
    tag: str = ""
    seen_within_days: int | None = None  # last seen within so many days
    silent_for_days: int | None = None  # not seen for so many days
    ambassador: str = ""  # "marked", "candidate" or ""
    cohort: str = ""  # one of COHORTS
    q: str = ""
    sort: str = "engagement"
    page: int = 1
    # A custom field's id and the value it must hold (a text field: containing it), as clean_value keeps it.
    custom_field_id: int | None = None
    custom_value: str = ""


def settings_of(workspace: Workspace) -> MembersSettings:
    found = MembersSettings.objects.filter(workspace=workspace).first()
    return found or MembersSettings(workspace=workspace)


def members(workspace: Workspace) -> QuerySet[Member]:
    """The workspace's members as people: not the ones folded into another."""
    return Member.objects.filter(workspace=workspace, merged_into=None)


def get_member(workspace: Workspace, member_id: int | str) -> Member:
    try:
        return members(workspace).select_related("profile").get(pk=int(member_id))
    except (Member.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such member") from None


def family_ids(member: Member) -> list[int]:
    """The member and every member merged into it, at any depth (others' records still name them)."""
    ids = [member.pk]
    frontier = [member.pk]
    while frontier:
        frontier = list(Member.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        frontier = [i for i in frontier if i not in ids]
        ids.extend(frontier)
    return ids


def _member_and_family(workspace: Workspace, member_id: int | str) -> tuple[Member, list[int]]:
    """`get_member` and `family_ids` in one query for a member nobody was merged into twice over
    (the member's row and the rows merged into it come together; deeper merges read on)."""
    try:
        pk = int(member_id)
        rows = list(
            Member.objects.filter(workspace=workspace)
            .filter(Q(pk=pk, merged_into=None) | Q(merged_into=pk))
            .select_related("profile")
            .order_by("id")
        )
    except (ValueError, TypeError, OverflowError):
        raise Http404("no such member") from None
    member = next((m for m in rows if m.pk == pk), None)
    if member is None:
        raise Http404("no such member")
    ids = [pk]
    frontier = [m.pk for m in rows if m.pk != pk]
    while frontier:
        frontier = [i for i in frontier if i not in ids]
        ids.extend(frontier)
        frontier = (
            list(Member.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)) if frontier else []
        )
    return member, ids


def filtered(workspace: Workspace, filters: MemberFilters, *, found: Found | None = None) -> QuerySet[Member]:
    """The members the filters keep, in the list's order (`found`: the search's matches, when read already)."""
    qs = members(workspace)
    if filters.channel_id is not None:
        qs = qs.filter(Exists(Identity.objects.filter(member_id=OuterRef("pk"), channel_id=filters.channel_id)))
    if filters.language:
        qs = qs.filter(profile__language=filters.language)
    if filters.level is not None:
        qs = qs.filter(profile__level=filters.level)
    if filters.tag:
        qs = qs.filter(member_tags__name=filters.tag)
    now = timezone.now()
    if filters.seen_within_days is not None:
        qs = qs.filter(profile__last_seen_at__gte=now - timedelta(days=filters.seen_within_days))
    if filters.silent_for_days is not None:
        qs = qs.filter(profile__last_seen_at__lt=now - timedelta(days=filters.silent_for_days))
    if filters.ambassador == "marked":
        qs = qs.filter(profile__ambassador=True)
    elif filters.ambassador == "candidate":
        qs = qs.exclude(profile__candidate_reasons=[]).filter(profile__ambassador=False)
    if filters.cohort:
        qs = qs.filter(_cohort(filters.cohort, now)).exclude(profile__is_team=True)
    if filters.q:
        qs = qs.filter(_searched(workspace, filters.q, found))
    if filters.custom_field_id is not None and filters.custom_value:
        qs = qs.filter(custom_field_filter(filters.custom_field_id, filters.custom_value))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["engagement"]))


@dataclass(frozen=True)
class Found:
    """The members a search matches, read from the search index once for a page (None: the index
    cannot say, or more than search.CANDIDATES match, and the filter compares row by row)."""

    ids: list[int] | None


def find(workspace: Workspace, q: str) -> Found:
    ids = search.candidates(workspace.pk, q)
    return Found(ids if ids is None or len(ids) <= search.CANDIDATES else None)


def _searched(workspace: Workspace, q: str, found: Found | None, *, through_member: bool = False) -> Q:
    """The search by name or handle (accents and case aside), from the index's matches when it has them."""
    ids = (found or find(workspace, q)).ids
    if ids is None:
        return search.matching(q, through_member=through_member)
    return Q(member_id__in=ids) if through_member else Q(pk__in=ids)


def _cohort(name: str, now: Any) -> Q:
    month = now - timedelta(days=30)
    if name == "newcomers":
        return Q(profile__first_seen_at__gte=month)
    if name == "rising":
        return Q(profile__level_since__gte=month, profile__level__in=[1, 2, 3], profile__first_seen_at__lt=month)
    if name == "slipping":
        return Q(profile__level__in=[1, 2, 3], profile__last_seen_at__lt=now - timedelta(days=SILENT_DAYS))
    if name == "ambassadors":
        return Q(profile__ambassador=True)
    if name == "bridges":
        return Q(profile__bridge=True)
    return Q()


@dataclass
class MemberPage:
    rows: list[Member]
    page: int
    has_next: bool
    total: int
    # The total was counted only up to `count_limit`: there are more than `total` members.
    total_is_more: bool = False


# The list's sorts on a profile figure, and the figure's column.
PROFILE_SORTS = {"engagement": "engagement", "last_seen": "last_seen_at", "messages": "message_count"}


def page_of(workspace: Workspace, filters: MemberFilters, *, count_limit: int | None = None) -> MemberPage:
    """A page of the list, and how many members match: all of them, or with `count_limit` no more than
    that many (the page then says « more than »; counting a million members takes longer than the page)."""
    matched = find(workspace, filters.q) if filters.q else None
    qs = filtered(workspace, filters, found=matched).select_related("profile")
    start = (filters.page - 1) * PER_PAGE
    found = _page_by_profile(workspace, filters, start, qs, matched=matched)
    counted: QuerySet[Any] = qs
    known: QuerySet[Any] | None = None
    sample: QuerySet[Any] | None = None
    if found is None:
        rows = list(qs[start : start + PER_PAGE + 1])
    else:
        ids, counted, known, sample = found
        by_id = Member.objects.select_related("profile").in_bulk(ids)
        rows = [by_id[i] for i in ids]
    members_page = rows[:PER_PAGE]
    channels = identities_by_member([m.pk for m in members_page])
    for member in members_page:
        member.channel_list = channels.get(member.pk, [])  # type: ignore[attr-defined]
    if count_limit is None:
        return MemberPage(members_page, filters.page, len(rows) > PER_PAGE, qs.count())
    total = -1
    if sample is not None and known is not None:
        # Counted among a sample of one filter's members first (an index's range, PostgreSQL joined
        # the tag's 10,000 members with every profile to count a thousand of them); twice the limit
        # at most, as a subquery: 2,002 ids written into the query cost PostgreSQL 8 ms to plan,
        # more to send, and the page's slowest query (up to 360 ms under load).
        sampled = sample[: 2 * (count_limit + 1)]
        total = known.filter(member_id__in=sampled).order_by().values("pk")[: count_limit + 1].count()
        if total <= count_limit:
            total = -1
    if total == -1 and known is not None and counted is not known:
        # The profiles first: when they alone pass the limit, the members without one cannot matter.
        total = known.values("pk")[: count_limit + 1].count()
    if total <= count_limit:
        # The profiles keep the order _page_by_profile gave them (its index); the members drop theirs.
        total = (counted if counted is known else counted.order_by()).values("pk")[: count_limit + 1].count()
    more = total > count_limit
    return MemberPage(members_page, filters.page, len(rows) > PER_PAGE, min(total, count_limit), more)


def _page_by_profile(
    workspace: Workspace, filters: MemberFilters, start: int, qs: QuerySet[Member], *, matched: Found | None = None
) -> tuple[list[int], QuerySet[Any], QuerySet[Any], QuerySet[Any] | None] | None:
    """The ids of `filtered`'s page (PER_PAGE + 1 from `start`), read from the profiles' indexes, the
    query to count them with (the profiles alone when a filter on the profile leaves no others), and
    the matching profiles.

    `filtered` orders members by a profile figure (nulls last), then id: the database reads every
    member of the workspace and sorts them, whatever the page. Here the members whose figure is
    known come from the profile index in that very order, (workspace, [level,] -figure), stopping
    at the page; the others (no profile yet, or no figure) follow by id, read only once the first are
    exhausted. The filters on a member's other records (channel, tag, custom field, search) are
    checked profile by profile along that order, or, for a search the index answers, on its matches.
    None when the list is sorted by name: `filtered` itself then.
    """
    field = PROFILE_SORTS.get(filters.sort)
    if field is None:
        return None
    now = timezone.now()
    merged = Member.objects.filter(workspace=workspace, merged_into__isnull=False).values("pk")
    known = Profile.objects.filter(workspace=workspace, **{f"{field}__isnull": False}).exclude(member_id__in=merged)
    if filters.language:
        known = known.filter(language=filters.language)
    order = [f"-{field}", "member_id"]
    if filters.level is not None and field == "engagement":
        # A range, not an equality, and the level first in the order: PostgreSQL then reads the
        # (workspace, level, -engagement, member) index. With `level = 4` it walked the engagement
        # index instead, expecting most members at level 4 as they are, but not among the most
        # engaged (38,000 rows read for page 20 of level 4).
        known = known.filter(level__gte=filters.level, level__lte=filters.level)
        order.insert(0, "level")
    elif filters.level is not None:
        known = known.filter(level=filters.level)
    if filters.tag:
        # Checked member by member along the index's order through the (member, name) unique index,
        # as the channel is: with `member_id IN (the tag's members)` SQLite started from the tag,
        # read all 10,000 « vip » profiles and sorted them for one page (200 ms).
        known = known.filter(Exists(Tag.objects.filter(member_id=OuterRef("member_id"), name=filters.tag)))
    if filters.channel_id is not None:
        # Checked member by member along the index's order: a channel most members use (the common
        # case) stops after a page's worth, where a join reads every identity of the channel first.
        on_channel = Identity.objects.filter(member_id=OuterRef("member_id"), channel_id=filters.channel_id)
        known = known.filter(Exists(on_channel))
    if filters.custom_field_id is not None and filters.custom_value:
        known = known.filter(custom_field_filter(filters.custom_field_id, filters.custom_value))
    if filters.q:
        known = known.filter(_searched(workspace, filters.q, matched, through_member=True))
    if filters.seen_within_days is not None:
        known = known.filter(last_seen_at__gte=now - timedelta(days=filters.seen_within_days))
    if filters.silent_for_days is not None:
        known = known.filter(last_seen_at__lt=now - timedelta(days=filters.silent_for_days))
    if filters.ambassador == "marked":
        known = known.filter(ambassador=True)
    elif filters.ambassador == "candidate":
        known = known.exclude(candidate_reasons=[]).filter(ambassador=False)
    if filters.cohort:
        cohort = _cohort(filters.cohort, now)
        cohort.children = [(name.removeprefix("profile__"), value) for name, value in cohort.children]  # type: ignore[misc]
        known = known.filter(cohort).exclude(is_team=True)
    few, sample = _fewest(workspace, filters, matched, now)
    if few is not None:
        known = known.filter(member_id__in=few)
    wanted = PER_PAGE + 1
    ids = list(known.order_by(*order).values_list("member_id", flat=True)[start : start + wanted])
    # Past the members with a figure: the rest of `filtered`, by id. A filter on the profile leaves
    # none when the figure is never empty (every profile has an engagement and a message count).
    on_profile = (
        bool(filters.language or filters.cohort or filters.ambassador)
        or filters.level is not None
        or filters.seen_within_days is not None
        or filters.silent_for_days is not None
    )
    alone = on_profile and field != "last_seen_at"
    # Counted in the page's order too (the index walked for the page then serves the count, where
    # SQLite counted level 3 and English from the 107,000 English profiles); not when a set of ids
    # drives, which PK lookups read best.
    known = known.order_by(*order) if few is None and sample is None else known.order_by()
    if alone or len(ids) == wanted:
        return ids, known if alone else qs, known, sample
    before = start + len(ids) if ids else known.count()
    rest = qs.filter(Q(profile__isnull=True) | Q(**{f"profile__{field}__isnull": True})).order_by("id")
    offset = max(0, start - before)
    return ids + list(rest.values_list("pk", flat=True)[offset : offset + wanted - len(ids)]), qs, known, sample


# A filter that an index enumerates, matching this many members or fewer, gives the list its
# members, then sorted; one matching more is checked along the list's order instead, where a page's
# worth comes within about PER_PAGE × members / FEW rows.
FEW = 5000


def _fewest(
    workspace: Workspace, filters: MemberFilters, matched: Found | None, now: Any
) -> tuple[list[int] | None, QuerySet[Any] | None]:
    """The members matched by the filter that an index enumerates with the fewest (FEW at most).

    Walking the list's order checks each profile against every filter: a filter few members match
    (a tag, a channel, a quiet month, a rare name) reads most of the workspace for one page. Each
    such filter is read from its own index up to FEW + 1 members, and the smallest set drives.
    Also the first filter that matches more, as a query: a sample of it that counting the list
    may start from (when more than the count's limit of them pass every filter, so does the list).
    """
    sets: list[Any] = []
    if filters.q and matched is not None and matched.ids is not None:
        return matched.ids, None  # already at most search.CANDIDATES (the index's answer)
    if filters.tag:
        sets.append(Tag.objects.filter(workspace=workspace, name=filters.tag).values_list("member_id", flat=True))
    if filters.channel_id is not None:
        sets.append(Identity.objects.filter(channel_id=filters.channel_id).values_list("member_id", flat=True))
    # Sorted by last visit, a range of last visits is where the walk starts: nothing to enumerate.
    by_visit = filters.sort == "last_seen"
    if filters.seen_within_days is not None and not by_visit:
        since = now - timedelta(days=filters.seen_within_days)
        recent = Profile.objects.filter(workspace=workspace, last_seen_at__gte=since)
        sets.append(recent.values_list("member_id", flat=True))
    if filters.silent_for_days is not None and not by_visit:
        quiet = Profile.objects.filter(
            workspace=workspace, last_seen_at__lt=now - timedelta(days=filters.silent_for_days)
        )
        sets.append(quiet.values_list("member_id", flat=True))
    smallest: list[int] | None = None
    sample: QuerySet[Any] | None = None
    for found in sets:
        ids = list(found.order_by()[: FEW + 1])
        if len(ids) <= FEW and (smallest is None or len(ids) < len(smallest)):
            smallest = ids
        elif len(ids) > FEW and sample is None:
            sample = found.order_by()
    return smallest, sample


def identities_by_member(member_ids: list[int]) -> dict[int, list[Identity]]:
    found: dict[int, list[Identity]] = {}
    for identity in Identity.objects.filter(member_id__in=member_ids).select_related("channel").order_by("id"):
        found.setdefault(identity.member_id, []).append(identity)
    return found


@dataclass
class MemberDetail:
    member: Member
    profile: Profile | None
    identities: list[Identity]
    timeline: list[Message]
    timeline_more: bool
    conversations: list[Any]
    trust: str
    sanctions: list[Any]
    notes: list[Note]
    tags: list[str]
    merges: list[Merge]
    suggestions: list[MergeSuggestion]
    channels: list[Any] = field(default_factory=list)


def timeline(
    member: Member, *, before: int | None = None, limit: int | None = None, identity_ids: list[int] | None = None
) -> tuple[list[Message], bool]:
    """Every message of the member across channels, newest first: the `limit` after the message `before`.

    Keyset pagination on (created_at, id): each of the member's identities gives its `limit + 1`
    newest through the (author, created_at, id) index (members migration 0005), merged here; a page
    never reads the member's whole history, however long.
    """
    limit = limit or TIMELINE_PAGE
    qs = Message.objects.filter(workspace_id=member.workspace_id)
    if before is not None:
        at = _time_of(before, member)
        # The redundant bound first: the index range then starts at `at` (an OR alone is read as a
        # filter over every newer message of the member, 9,000 of them for the last pages).
        qs = qs.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=before))
    rows: list[Message] = []
    if identity_ids is None:
        identity_ids = list(Identity.objects.filter(member=member).values_list("pk", flat=True))
    for identity in identity_ids:
        rows.extend(
            qs.filter(author_id=identity)
            .select_related("channel")
            .only(*TIMELINE_FIELDS)
            .order_by("-created_at", "-id")[: limit + 1]
        )
    rows.sort(key=lambda m: (m.created_at, m.pk), reverse=True)
    return rows[:limit], len(rows) > limit


def _time_of(message_id: int, member: Member) -> Any:
    found = Message.objects.filter(pk=message_id, author__member=member).values_list("created_at", flat=True).first()
    if found is None:
        raise Http404("no such message")
    return found


def trust_level(workspace: Workspace, member: Member, identity_ids: list[int]) -> str:
    """The member's trust level (moderation's, from their history), its figures read only as far
    as the levels' thresholds: the level compares the approved messages and the days with one with
    the thresholds (« at least »), so counting past the highest of them changes nothing. A member with
    10,000 messages costs a few index reads, where moderation's full count reads them all."""
    from animateur.moderation.models import Flag
    from animateur.moderation.prefs import settings_for, trust_thresholds
    from animateur.moderation.trust import TrustStats, level_for

    thresholds = trust_thresholds(settings_for(workspace.pk))
    need_approved = max((t.get("approved", 0) for t in thresholds.values()), default=0)
    need_days = max((t.get("days_active", 0) for t in thresholds.values()), default=0)
    approved, days = 0, set[Any]()
    zone = timezone.get_current_timezone()
    for identity in identity_ids:
        mine = Message.objects.filter(author_id=identity, visibility=Visibility.VISIBLE, from_organisation=False)
        want = max(0, need_approved - approved)
        if len(days) >= need_days:
            approved += mine[:want].count() if want else 0
            continue
        # Newest first through the (author, created_at, id) index, a few at a time, each read going
        # on from before the oldest day it saw (a loose index scan over days), until this identity
        # alone shows enough days (the union of every identity's days is then enough too). The
        # first read also counts the approved messages: it reads at least as many as are wanted.
        # Each read twice as long as the one before: a few days of messages fill 150 rows, and each
        # read is a round trip (30 days of a member writing 14 messages a day took three).
        own: set[Any] = set()
        before: Any = None
        size = max(TRUST_CHUNK, want)
        while True:
            chunk = mine if before is None else mine.filter(created_at__lt=before)
            rows = list(chunk.order_by("-created_at").values_list("created_at", flat=True)[:size])
            if before is None:
                approved += min(want, len(rows))
            own.update(at.astimezone(zone).date() for at in rows)
            if len(rows) < size or len(own) >= need_days:
                break
            oldest = rows[-1].astimezone(zone)
            before = oldest.replace(hour=0, minute=0, second=0, microsecond=0)
            size = min(2 * size, 64 * TRUST_CHUNK)
        days |= own
    flags = (
        Flag.objects.filter(workspace=workspace, flagged_member_id=member.pk, outcome=Flag.Outcome.UPHELD)
        .values("message")
        .distinct()
        .count()
    )
    return level_for(TrustStats(approved=approved, days_active=len(days), upheld_flags=flags), thresholds)


def detail(workspace: Workspace, member_id: int | str, *, before: int | None = None) -> MemberDetail:
    from animateur.inbox.models import Conversation
    from animateur.moderation.models import Sanction

    member, family = _member_and_family(workspace, member_id)
    identities = list(Identity.objects.filter(member=member).select_related("channel").order_by("id"))
    identity_ids = [i.pk for i in identities]
    messages, more = timeline(member, before=before, identity_ids=identity_ids)
    conversations = list(
        Conversation.objects.filter(workspace=workspace, member_id__in=family).order_by("-last_message_at")[:50]
    )
    sanctions = list(Sanction.objects.filter(workspace=workspace, member_id__in=family).order_by("-starts_at"))
    merges = list(
        Merge.objects.filter(workspace=workspace)
        .filter(Q(into=member) | Q(merged=member))
        .select_related("merged", "into")
        .prefetch_related("identities__channel")
        .order_by("-created_at")
    )
    suggestions = list(
        MergeSuggestion.objects.filter(workspace=workspace, status=SuggestionStatus.OPEN)
        .filter(Q(first=member) | Q(second=member))
        .select_related("first", "second")
        .order_by("-confidence")[:20]
    )
    return MemberDetail(
        member=member,
        profile=getattr(member, "profile", None) if _has_profile(member) else None,
        identities=identities,
        timeline=messages,
        timeline_more=more,
        conversations=conversations,
        trust=trust_level(workspace, member, identity_ids),
        sanctions=sanctions,
        notes=list(Note.objects.filter(member=member).select_related("author").order_by("-created_at")),
        tags=list(Tag.objects.filter(member=member).order_by("name").values_list("name", flat=True)),
        merges=merges,
        suggestions=suggestions,
    )


def _has_profile(member: Member) -> bool:
    try:
        member.profile  # noqa: B018 - the reverse one-to-one raises when absent
    except Profile.DoesNotExist:
        return False
    return True


def suggestions(workspace: Workspace, *, status: str = SuggestionStatus.OPEN) -> QuerySet[MergeSuggestion]:
    qs = MergeSuggestion.objects.filter(workspace=workspace, status=status)
    if status == SuggestionStatus.OPEN:
        qs = qs.filter(first__merged_into=None, second__merged_into=None)
    return qs.select_related("first", "second").order_by("-confidence", "id")


def due_snoozed(workspace: Workspace) -> QuerySet[MergeSuggestion]:
    return MergeSuggestion.objects.filter(
        workspace=workspace, status=SuggestionStatus.SNOOZED, snoozed_until__lte=timezone.now()
    )


def get_suggestion(workspace: Workspace, suggestion_id: int | str) -> MergeSuggestion:
    try:
        return MergeSuggestion.objects.select_related("first", "second").get(workspace=workspace, pk=int(suggestion_id))
    except (MergeSuggestion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such suggestion") from None


def get_merge(workspace: Workspace, merge_id: int | str) -> Merge:
    try:
        return Merge.objects.select_related("into", "merged").get(workspace=workspace, pk=int(merge_id))
    except (Merge.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such merge") from None


def get_identity(member: Member, identity_id: int | str) -> Identity:
    try:
        return Identity.objects.select_related("channel").get(member=member, pk=int(identity_id))
    except (Identity.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such identity") from None


@dataclass
class Preview:
    """What a merge, a split or a revert would move: identities and their messages."""

    identities: list[Identity]
    messages: int


def preview_identities(identity_ids: list[int]) -> Preview:
    identities = list(Identity.objects.filter(pk__in=identity_ids).select_related("channel").order_by("id"))
    messages = Message.objects.filter(author__in=identities).count()
    return Preview(identities, messages)


def members_pair_counts(member_ids: list[int]) -> dict[int, int]:
    rows = Message.objects.filter(author__member_id__in=member_ids).values("author__member_id").annotate(n=Count("id"))
    return {r["author__member_id"]: r["n"] for r in rows}


def tags_in_use(workspace: Workspace) -> list[str]:
    """The workspace's tags, in order, from the (workspace, name, member) index."""
    return _distinct(Tag._meta.db_table, "name", workspace)


def languages_in_use(workspace: Workspace) -> list[str]:
    """The profiles' languages, in order, from the (workspace, language) index."""
    return _distinct(Profile._meta.db_table, "language", workspace)


def _distinct(table: str, column: str, workspace: Workspace) -> list[str]:
    """The non-empty values of `column` in the workspace's rows, in order: one seek in a (workspace,
    column) index per value, in one recursive query (a loose index scan), where DISTINCT reads every
    row (10,000 members tagged « vip », a million profiles for three languages)."""
    from django.db import connection

    table, column = connection.ops.quote_name(table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE v(n, x) AS (SELECT 0, min({column}) FROM {table} WHERE workspace_id = %s"  # noqa: S608
            f" AND {column} > '' UNION ALL SELECT n + 1, (SELECT min({column}) FROM {table} WHERE workspace_id = %s"
            f" AND {column} > v.x) FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL ORDER BY n",
            [workspace.pk, workspace.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def segments(workspace: Workspace) -> QuerySet[Segment]:
    return Segment.objects.filter(workspace=workspace).order_by("name")


def get_segment(workspace: Workspace, segment_id: int | str) -> Segment:
    try:
        return Segment.objects.get(workspace=workspace, pk=int(segment_id))
    except (Segment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such segment") from None


def custom_field_filter(field_id: int, value: str) -> Q:
    """Members whose custom field holds the value (a text field: contains it, case aside)."""
    from animateur.members.models import CustomField, CustomValue, FieldKind

    kind = CustomField.objects.filter(pk=field_id).values_list("kind", flat=True).first()
    values = CustomValue.objects.filter(field_id=field_id)
    matching = values.filter(value__icontains=value) if kind == FieldKind.TEXT else values.filter(value=value)
    return Q(pk__in=matching.values("member_id"))
