"""The KPIs: each defined once, here, with the words that say what it counts wherever it is shown.

Every KPI reads a period of one workspace and answers a number (or None when there is nothing to
measure: no answered conversation has no response time, which is not a zero). Objectives, the home
page, reports, their PDF and CSV, the API and the command line all read these definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Count, Min, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.channels.models import Channel
from animateur.core.models import AuditEvent, Workspace
from animateur.inbox.models import Conversation
from animateur.members.models import Profile
from animateur.moderation.models import RuleHit
from animateur.reports.counts import Kind, Members
from animateur.reports.periods import Period, period_start_of_day
from animateur.reports.rollup import Scope, current_scope, recent_figures
from animateur.space.models import Post, PostStatus
from animateur.stream.models import Message


class Unit(StrEnum):
    COUNT = "count"
    SECONDS = "seconds"
    SHARE = "share"  # 0..1, shown as a percentage


class ScopeKind(StrEnum):
    """What an objective's KPI can be narrowed to."""

    CHANNELS = "channels"
    SEARCHES = "searches"
    SEGMENTS = "segments"


SCOPE_WORDS: dict[ScopeKind, Promise] = {
    ScopeKind.CHANNELS: _("some channels"),
    ScopeKind.SEARCHES: _("some saved searches"),
    ScopeKind.SEGMENTS: _("some segments"),
}
ALL_SCOPES = frozenset(ScopeKind)
CHANNELS_ONLY = frozenset({ScopeKind.CHANNELS})
NO_SCOPE: frozenset[ScopeKind] = frozenset()


class Section(StrEnum):
    """The report's sections, in their order."""

    RESPONSE = "response"
    MEMBERS = "members"
    LISTENING = "listening"
    PUBLISHING = "publishing"
    MODERATION = "moderation"


# A context of their own: « Response times » is « Délais de réponse » in the inbox, while the report's
# section is named « Temps de réponse ».
SECTION_TITLES: dict[Section, Promise] = {
    Section.RESPONSE: pgettext_lazy("report section", "Response times"),
    Section.MEMBERS: pgettext_lazy("report section", "Members"),
    Section.LISTENING: pgettext_lazy("report section", "Listening"),
    Section.PUBLISHING: pgettext_lazy("report section", "Publishing"),
    Section.MODERATION: pgettext_lazy("report section", "Moderation"),
}


@dataclass(frozen=True)
class Kpi:
    key: str
    label: Promise
    definition: Promise
    unit: Unit
    section: Section
    higher_is_better: bool
    compute: Callable[[Workspace, Period], float | None]
    scopes: frozenset[ScopeKind] = ALL_SCOPES  # what an objective on it may be narrowed to


def _inbound(workspace: Workspace, period: Period) -> Q:
    return Q(workspace=workspace, from_organisation=False, created_at__gte=period.start, created_at__lt=period.end)


def volume(workspace: Workspace, period: Period) -> float:
    return recent_figures(workspace, period).inbound


def _response_percentile(q: float, in_hours: bool | None = None) -> Callable[[Workspace, Period], float | None]:
    # Business hours' time for every conversation, or those started in hours; out of hours nobody
    # is at work: the clock's time is what the member waited.
    kinds = {None: (Kind.IN_HOURS, Kind.OUT_BUSINESS), True: (Kind.IN_HOURS,), False: (Kind.OUT_CLOCK,)}[in_hours]

    def compute(workspace: Workspace, period: Period) -> float | None:
        return recent_figures(workspace, period).responses.percentile(q, *kinds)

    return compute


def within_target(workspace: Workspace, period: Period) -> float | None:
    responses = recent_figures(workspace, period).responses
    return responses.on_time / responses.judged if responses.judged else None


def share_answered(workspace: Workspace, period: Period) -> float | None:
    opened = Conversation.objects.filter(
        current_scope().messages("root__"), workspace=workspace, started_at__gte=period.start, started_at__lt=period.end
    )
    # Counting a column of the inbox_started index (never null), not the key: the index alone answers.
    counts = opened.aggregate(
        total=Count("started_at"),
        answered=Count("started_at", filter=Q(first_response_at__isnull=False) | Q(answered_elsewhere=True)),
    )
    return counts["answered"] / counts["total"] if counts["total"] else None


def _sentiment_share(wanted: str) -> Callable[[Workspace, Period], float | None]:
    def compute(workspace: Workspace, period: Period) -> float | None:
        sentiments = recent_figures(workspace, period).sentiments
        total = sum(sentiments.values())
        return sentiments.get(wanted, 0) / total if total else None

    return compute


def new_members(workspace: Workspace, period: Period) -> float:
    """Whose first message falls in the period: read from the messages, not from when animateur met
    the member (an imported history's members were all « met » on the day of the import)."""
    writers = recent_figures(workspace, period).members
    scope = current_scope()
    if scope:  # of this period's writers, those who wrote in the scope before it
        before = Message.objects.filter(
            scope.messages(),
            workspace=workspace,
            from_organisation=False,
            created_at__lt=period.start,
            author__member_id__in=sorted(writers),
        )
        return len(writers - Members.of(before.values_list("author__member_id", flat=True).distinct()))
    first = Message.objects.filter(workspace=workspace, from_organisation=False).aggregate(at=Min("created_at"))["at"]
    if first is None or first >= period.start:
        return len(writers)
    history = Period(period_start_of_day(workspace, first), period.start)
    return len(writers - recent_figures(workspace, history).members)


def active_members(workspace: Workspace, period: Period) -> float:
    return len(recent_figures(workspace, period).members)


def ambassadors(workspace: Workspace, period: Period) -> float:
    """Ambassadors (marked by the team) who wrote in the period."""
    marked = Members.of(
        Profile.objects.filter(workspace=workspace, ambassador=True).values_list("member_id", flat=True)
    )
    return len(marked & recent_figures(workspace, period).members)


def slipping_members(workspace: Workspace, period: Period) -> float:
    """Members active in the previous period who wrote nothing in this one."""
    before = recent_figures(workspace, period.previous()).members
    return len(before - recent_figures(workspace, period).members)


def posts_published(workspace: Workspace, period: Period) -> float:
    return Post.objects.filter(
        workspace=workspace, status=PostStatus.PUBLISHED, published_at__gte=period.start, published_at__lt=period.end
    ).count()


def comments_received(workspace: Workspace, period: Period) -> float:
    """Comments written on the site's posts in the period (the engagement of what was published)."""
    return recent_figures(workspace, period).site_comments


def link_clicks(workspace: Workspace, period: Period) -> float:
    """Visits of the workspace's tracked links (links app), counted by UTC day: the days the period covers."""
    from datetime import UTC, timedelta

    from django.db.models import Sum

    from animateur.links.models import LinkClickDay

    first = period.start.astimezone(UTC).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(UTC).date()
    found = LinkClickDay.objects.filter(link__workspace=workspace, day__gte=first, day__lte=last).aggregate(
        total=Sum("count")
    )
    return float(found["total"] or 0)


def _published_targets(workspace: Workspace) -> Any:
    """What publishing sent and stored in the stream, on the scope's channels."""
    from animateur.publishing.models import PublicationTarget, TargetState

    targets = PublicationTarget.objects.filter(
        publication__workspace=workspace, state=TargetState.SENT, message__isnull=False
    )
    channels = current_scope().channels
    return targets.filter(channel_id__in=sorted(channels)) if channels else targets


def reach(workspace: Workspace, period: Period) -> float | None:
    """The followers each post's account had when it was published, as the network answered then
    (Mastodon's `account.followers_count`), summed over the posts published in the period: who could
    have seen them, at most. Networks that do not say (Bluesky, the blog) are not counted; None when
    no post of the period says."""
    raws = _published_targets(workspace).filter(sent_at__gte=period.start, sent_at__lt=period.end)
    total, told = 0, False
    for raw in raws.values_list("message__raw", flat=True):
        account = raw.get("account") if isinstance(raw, dict) else None
        followers = account.get("followers_count") if isinstance(account, dict) else None
        if isinstance(followers, int) and not isinstance(followers, bool) and followers >= 0:
            total, told = total + followers, True
    return float(total) if told else None


def engagement(workspace: Workspace, period: Period) -> float:
    """Replies people wrote in the period, at any depth, under the posts published through « Publier »
    (on the networks and the blog), as the channels' polls brought them into the stream; and the
    reactions and shares of the posts published in the period, as their networks last counted them
    (stream/counts.py: read with the post, then again for a week)."""
    from django.db.models import Sum

    targets = _published_targets(workspace)
    posts = list(targets.values_list("message_id", flat=True))
    if not posts:
        return 0.0
    # Every message under the posts in the period, by the threads' index (thread_root, visibility,
    # created_at) alone, less the organisation's own (its few messages, by the partial index on them)
    # and the posts themselves if written by someone else: the same count as filtering the replies on
    # from_organisation, without reading each of them from the table (0.55 s → 0.06 s over a year at
    # a million messages). The posts are the workspace's own: naming the workspace would lead the
    # database to read every message of the period instead.
    under = Message.objects.filter(thread_root_id__in=posts, created_at__gte=period.start, created_at__lt=period.end)
    ours = under.filter(channel_id__in=Channel.objects.values("pk"), from_organisation=True)
    replies = under.count() - ours.count() - under.filter(pk__in=posts, from_organisation=False).count()
    published = targets.filter(sent_at__gte=period.start, sent_at__lt=period.end).values("message_id")
    counted = Message.objects.filter(pk__in=published).aggregate(
        reactions=Sum("reaction_count"), shares=Sum("share_count")
    )
    return float(replies + (counted["reactions"] or 0) + (counted["shares"] or 0))


def share_of_voice(workspace: Workspace, period: Period) -> float | None:
    """Messages heard in the period matched by the organisation's saved searches, as a share of those
    matched by its searches or its competitors' (each message counted once on each side)."""
    from animateur.listening.models import SavedSearch, SearchMatch, SearchRole

    scope = current_scope()
    searches = SavedSearch.objects.filter(workspace=workspace, role__in=[SearchRole.OWN, SearchRole.COMPETITOR])
    if scope.searches:
        searches = searches.filter(pk__in=sorted(scope.searches))
    roles = dict(searches.values_list("pk", "role"))
    own = [pk for pk, role in roles.items() if role == SearchRole.OWN]
    others = [pk for pk, role in roles.items() if role == SearchRole.COMPETITOR]
    if not own or not others:
        return None
    narrowed = Scope(channels=scope.channels, members=scope.members)

    def heard(ids: list[int]) -> int:
        matches = SearchMatch.objects.filter(search_id__in=ids, created_at__gte=period.start, created_at__lt=period.end)
        if narrowed:
            matches = matches.filter(narrowed.messages("message__"))
        elif len(ids) == 1:  # a message is matched once by a search: a range of the (search, created_at) index
            return matches.count()
        return matches.values("message_id").distinct().count()

    ours, theirs = heard(own), heard(others)
    return ours / (ours + theirs) if ours + theirs else None


MODERATION_VERBS = ("moderation.approve", "moderation.reject", "moderation.spam", "moderation.delete")


def moderation_actions(workspace: Workspace, period: Period) -> float:
    return AuditEvent.objects.filter(
        workspace=workspace, verb__in=MODERATION_VERBS, created_at__gte=period.start, created_at__lt=period.end
    ).count()


def rule_reversals(workspace: Workspace, period: Period) -> float | None:
    hits = RuleHit.objects.filter(workspace=workspace, created_at__gte=period.start, created_at__lt=period.end)
    if current_scope().channels:
        hits = hits.filter(message__channel_id__in=sorted(current_scope().channels))
    counts = hits.aggregate(total=Count("pk"), reversed=Count("pk", filter=Q(reversed_at__isnull=False)))
    return counts["reversed"] / counts["total"] if counts["total"] else None


KPIS: dict[str, Kpi] = {
    k.key: k
    for k in (
        Kpi(
            "first_response_p50",
            _("First response, median"),
            _("Half of the conversations answered in the period had a first answer within this time (business hours)."),
            Unit.SECONDS,
            Section.RESPONSE,
            False,
            _response_percentile(50),
        ),
        Kpi(
            "first_response_p90",
            _("First response, 90th percentile"),
            _("Nine conversations in ten answered in the period had a first answer within this time (business hours)."),
            Unit.SECONDS,
            Section.RESPONSE,
            False,
            _response_percentile(90),
        ),
        Kpi(
            "first_response_p90_in_hours",
            _("First response in business hours, 90th percentile"),
            _("As the 90th percentile, for the conversations that started while the team was at work."),
            Unit.SECONDS,
            Section.RESPONSE,
            False,
            _response_percentile(90, in_hours=True),
        ),
        Kpi(
            "first_response_p90_out_of_hours",
            _("First response out of hours, 90th percentile"),
            _("Conversations started outside business hours: the time until the first answer, on the clock."),
            Unit.SECONDS,
            Section.RESPONSE,
            False,
            _response_percentile(90, in_hours=False),
        ),
        Kpi(
            "within_target",
            _("Answered on time"),
            _("The share of first answers given before the conversation's response-time target."),
            Unit.SHARE,
            Section.RESPONSE,
            True,
            within_target,
        ),
        Kpi(
            "share_answered",
            _("Conversations answered"),
            _("The share of the conversations opened in the period that got an answer, here or elsewhere."),
            Unit.SHARE,
            Section.RESPONSE,
            True,
            share_answered,
        ),
        Kpi(
            "new_members",
            _("New members"),
            _("People seen for the first time in the period, on any channel."),
            Unit.COUNT,
            Section.MEMBERS,
            True,
            new_members,
        ),
        Kpi(
            "active_members",
            _("Active members"),
            _("People who wrote at least once in the period."),
            Unit.COUNT,
            Section.MEMBERS,
            True,
            active_members,
        ),
        Kpi(
            "slipping_members",
            _("Slipping members"),
            _("People who wrote in the previous period and not in this one."),
            Unit.COUNT,
            Section.MEMBERS,
            False,
            slipping_members,
        ),
        Kpi(
            "ambassadors",
            _("Active ambassadors"),
            _("Members the team marked as ambassadors who wrote in the period."),
            Unit.COUNT,
            Section.MEMBERS,
            True,
            ambassadors,
        ),
        Kpi(
            "volume",
            _("Messages received"),
            _("Messages written to or about the organisation in the period, on every channel (not the team's own)."),
            Unit.COUNT,
            Section.LISTENING,
            True,
            volume,
        ),
        Kpi(
            "positive_share",
            _("Positive messages"),
            _("The share of positive messages among those whose sentiment is known."),
            Unit.SHARE,
            Section.LISTENING,
            True,
            _sentiment_share("positive"),
        ),
        Kpi(
            "negative_share",
            _("Negative messages"),
            _("The share of negative messages among those whose sentiment is known."),
            Unit.SHARE,
            Section.LISTENING,
            False,
            _sentiment_share("negative"),
        ),
        Kpi(
            "posts_published",
            _("Posts published"),
            _("Posts of the community space published in the period."),
            Unit.COUNT,
            Section.PUBLISHING,
            True,
            posts_published,
            NO_SCOPE,
        ),
        Kpi(
            "comments_received",
            _("Comments on the site"),
            _("Comments that visitors wrote on the community space in the period."),
            Unit.COUNT,
            Section.PUBLISHING,
            True,
            comments_received,
        ),
        Kpi(
            "link_clicks",
            _("Clicks on tracked links"),
            _(
                "Visits of the workspace's tracked links (/l/…) in the period, by UTC day; link-preview "
                "fetchers and robots are not counted."
            ),
            Unit.COUNT,
            Section.PUBLISHING,
            True,
            link_clicks,
            NO_SCOPE,
        ),
        Kpi(
            "share_of_voice",
            _("Share of voice"),
            _(
                "Of the messages heard in the period that the saved searches following the organisation or a "
                "competitor matched (Listen, « What it follows »), the share that the organisation's matched."
            ),
            Unit.SHARE,
            Section.LISTENING,
            True,
            share_of_voice,
        ),
        Kpi(
            "engagement",
            _("Engagement of published posts"),
            _(
                "Replies people wrote in the period under the posts published from « Publish », on the networks "
                "and the blog, as the channels brought them in; and the reactions (likes, favourites …) and shares "
                "(boosts, reposts) of the posts published in the period, as their networks last counted them, "
                "read again for a week after publishing. The blog counts neither."
            ),
            Unit.COUNT,
            Section.PUBLISHING,
            True,
            engagement,
            CHANNELS_ONLY,
        ),
        Kpi(
            "reach",
            _("Reach of published posts"),
            _(
                "For each post published from « Publish » in the period, the followers its account had when it "
                "was published, as the network said then, added up: who could have seen them at most. Only "
                "Mastodon says; posts on Bluesky and the blog are not counted."
            ),
            Unit.COUNT,
            Section.PUBLISHING,
            True,
            reach,
            CHANNELS_ONLY,
        ),
        Kpi(
            "moderation_actions",
            _("Moderation decisions"),
            _("Messages approved, hidden, marked as spam or deleted by the team in the period."),
            Unit.COUNT,
            Section.MODERATION,
            False,
            moderation_actions,
            NO_SCOPE,
        ),
        Kpi(
            "rule_reversals",
            _("Rule decisions reversed"),
            _("The share of the automatic rules' decisions of the period that a moderator undid."),
            Unit.SHARE,
            Section.MODERATION,
            False,
            rule_reversals,
            CHANNELS_ONLY,
        ),
    )
}
