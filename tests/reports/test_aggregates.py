"""The pre-computed figures (reports/counts.py, the closed days' rows) answer exactly what a direct
count over the messages, conversations and first responses answers: random histories, each KPI
computed by the reports (the first time, counting the days; then from the kept rows) and again here
in plain Python from the rows of the stream and the inbox."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from animateur.channels.models import Channel
from animateur.channels.site import site_channel
from animateur.inbox.models import Conversation, FirstResponse
from animateur.inbox.stats import percentile
from animateur.members.models import Profile
from animateur.reports.counts import Counts, Kind, Members, Responses
from animateur.reports.kpis import KPIS
from animateur.reports.models import DayFigures, MonthFigures
from animateur.reports.periods import Period, last_days
from animateur.reports.rollup import Scope, one_reading, scoped
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Identity, Member, Message
from animateur.stream.pipeline import run_pipeline

pytestmark = pytest.mark.django_db


def test_a_bitmap_of_members_answers_as_a_set_of_ids():
    rng = random.Random(3)
    for _ in range(200):
        a = {rng.randrange(10_000, 10_400) for _ in range(rng.randrange(0, 60))}
        b = {rng.randrange(9_900, 10_500) for _ in range(rng.randrange(0, 60))}
        ma, mb = Members.of(a), Members.of(b)
        stored = Members.stored(*ma.packed())
        assert set(stored) == a and len(stored) == len(a)
        assert set(ma | mb) == a | b and set(ma & mb) == a & b and set(ma - mb) == a - b
        assert len(ma - mb) == len(a - b) and bool(ma) == bool(a)
        assert all(i in ma for i in a) and not any(i in ma for i in b - a)


def test_a_days_few_writers_spread_among_other_workspaces_ids_are_kept_small():
    # On an instance shared by several workspaces, one's members have ids far apart: a day's three
    # writers must not be kept as a bitmap of ten million bits.
    spread = {12, 4_000_321, 9_999_937}
    base, kept = Members.of(spread).packed()
    assert len(kept) <= 1 + 4 * len(spread)
    assert set(Members.stored(base, kept)) == spread
    dense = set(range(50_000, 70_000, 2))
    base, kept = Members.of(dense).packed()
    assert len(kept) <= 1 + 20_000 // 8 + 8  # close together: the bitmap, an eighth of the offsets
    assert set(Members.stored(base, kept)) == dense
    assert set(Members.stored(*Members().packed())) == set()


def test_the_response_percentiles_are_the_exact_nearest_rank_ones():
    rng = random.Random(5)
    for _ in range(200):
        data = [
            {
                "seconds": rng.choice([60.0, 1800.0, rng.uniform(0, 90_000)]),
                "business_seconds": rng.choice([None, 60.0, 1800, rng.uniform(0, 40_000)]),
                "in_hours": rng.random() < 0.6,
                "within_target": rng.choice([None, True, False]),
                "elsewhere": rng.random() < 0.1,
            }
            for _ in range(rng.randrange(0, 40))
        ]
        # Kept per day, then read back and added up, as a period reads its days.
        days = [Responses.of(data[i : i + 7]) for i in range(0, len(data), 7)]
        summed = Responses()
        for day in days:
            summed.add(Responses.stored(day.packed(), day.judged, day.on_time))
        counted = [d for d in data if not d["elsewhere"]]
        timed = [d for d in counted if d["business_seconds"] is not None]
        every = [float(d["business_seconds"]) for d in timed]
        in_hours = [float(d["business_seconds"]) for d in timed if d["in_hours"]]
        out_of_hours = [float(d["seconds"]) for d in timed if not d["in_hours"]]
        for q in (50, 90, 95, 100, 1):
            assert summed.percentile(q, Kind.IN_HOURS, Kind.OUT_BUSINESS) == percentile(every, q)
            assert summed.percentile(q, Kind.IN_HOURS) == percentile(in_hours, q)
            assert summed.percentile(q, Kind.OUT_CLOCK) == percentile(out_of_hours, q)
        judged = [d["within_target"] for d in counted if d["within_target"] is not None]
        assert (summed.judged, summed.on_time) == (len(judged), sum(judged))


def test_a_channels_counts_survive_their_json():
    counted = Counts(
        3, {"positive": 2}, 1, Members.of({5, 70, 900}), Responses.of([{"seconds": 9, "business_seconds": 4}])
    )
    back = Counts.of_json(counted.as_json())
    assert (back.inbound, back.sentiments, back.site_comments, set(back.members)) == (
        3,
        {"positive": 2},
        1,
        {5, 70, 900},
    )
    assert back.responses.percentile(50, Kind.OUT_CLOCK) == 9.0


@pytest.fixture
def history(workspace):
    """60 days of messages by 40 members on two channels, conversations half answered, some ambassadors."""
    rng = random.Random(11)
    now = timezone.now()
    site = site_channel(workspace)
    social = Channel.objects.create(workspace=workspace, kind="mastodon", name="Mastodon", config={})
    members = Member.objects.bulk_create(Member(workspace=workspace, display_name=f"m{i}") for i in range(40))
    Profile.objects.bulk_create(
        Profile(member=m, workspace=workspace, ambassador=i % 7 == 0) for i, m in enumerate(members)
    )
    identities = {
        channel.pk: Identity.objects.bulk_create(
            Identity(
                workspace=workspace, channel=channel, external_id=f"{channel.pk}-{i}", display_name=f"m{i}", member=m
            )
            for i, m in enumerate(members)
        )
        for channel in (site, social)
    }
    messages = Message.objects.bulk_create(
        Message(
            workspace=workspace,
            channel=channel,
            external_id=f"h{n}",
            text="x",
            author=rng.choice(identities[channel.pk]) if rng.random() < 0.95 else None,
            created_at=now - timedelta(seconds=rng.randrange(60 * 86400)),
            sentiment=rng.choice(["positive", "neutral", "negative", ""]),
            from_organisation=rng.random() < 0.05,
        )
        for n in range(900)
        for channel in [rng.choice((site, social))]
    )
    inbound = [m for m in messages if not m.from_organisation]
    conversations = Conversation.objects.bulk_create(
        Conversation(
            workspace=workspace,
            root=m,
            channel=m.channel,
            channel_kind=m.channel.kind,
            started_at=m.created_at,
            last_message_at=m.created_at,
            last_inbound_at=m.created_at,
            first_response_at=m.created_at + timedelta(minutes=rng.randrange(1, 3000)) if i % 2 else None,
            answered_elsewhere=i % 9 == 0,
        )
        for i, m in enumerate(inbound[::3])
    )
    FirstResponse.objects.bulk_create(
        FirstResponse(
            workspace=workspace,
            conversation=c,
            data={
                "seconds": (c.first_response_at - c.started_at).total_seconds(),
                "business_seconds": rng.choice([None, float(rng.randrange(0, 50_000)), 1800.0]),
                "in_hours": rng.random() < 0.6,
                "within_target": rng.choice([None, True, False]),
                "elsewhere": rng.random() < 0.1,
            },
            recorded_at=c.first_response_at,
        )
        for c in conversations
        if c.first_response_at and c.first_response_at < now
    )
    return site, social


def direct(workspace, kpi: str, period: Period, channels: frozenset[int] = frozenset()) -> float | None:
    """The KPI counted here from the stream's and the inbox's rows, with nothing pre-computed."""
    every = [
        (at, channel_id, kind, member_id, sentiment)
        for at, channel_id, kind, member_id, sentiment in Message.objects.filter(
            workspace=workspace, from_organisation=False
        ).values_list("created_at", "channel_id", "channel__kind", "author__member_id", "sentiment")
        if not channels or channel_id in channels
    ]

    def inbound(p: Period) -> list[tuple]:
        return [m for m in every if p.start <= m[0] < p.end]

    def writers(p: Period) -> set[int]:
        return {m[3] for m in inbound(p) if m[3] is not None}

    messages = inbound(period)
    if kpi == "volume":
        return len(messages)
    if kpi == "comments_received":
        return sum(m[2] == "site" for m in messages)
    if kpi in ("positive_share", "negative_share"):
        known = [m[4] for m in messages if m[4]]
        return known.count(kpi.split("_")[0]) / len(known) if known else None
    if kpi == "active_members":
        return len(writers(period))
    if kpi == "slipping_members":
        return len(writers(period.previous()) - writers(period))
    if kpi == "ambassadors":
        marked = set(Profile.objects.filter(workspace=workspace, ambassador=True).values_list("member_id", flat=True))
        return len(writers(period) & marked)
    if kpi == "new_members":
        before = writers(Period(period.start - timedelta(days=3650), period.start))
        return len(writers(period) - before)
    responses = [
        r.data
        for r in FirstResponse.objects.filter(
            workspace=workspace, recorded_at__gte=period.start, recorded_at__lt=period.end
        ).select_related("conversation")
        if not r.data.get("elsewhere") and (not channels or r.conversation.channel_id in channels)
    ]
    timed = [d for d in responses if d["business_seconds"] is not None]
    if kpi == "first_response_p50":
        return percentile([float(d["business_seconds"]) for d in timed], 50)
    if kpi == "first_response_p90":
        return percentile([float(d["business_seconds"]) for d in timed], 90)
    if kpi == "first_response_p90_in_hours":
        return percentile([float(d["business_seconds"]) for d in timed if d["in_hours"]], 90)
    if kpi == "first_response_p90_out_of_hours":
        return percentile([float(d["seconds"]) for d in timed if not d["in_hours"]], 90)
    if kpi == "within_target":
        judged = [d["within_target"] for d in responses if d["within_target"] is not None]
        return sum(judged) / len(judged) if judged else None
    if kpi == "share_answered":
        opened = [
            c
            for c in Conversation.objects.filter(workspace=workspace)
            if period.start <= c.started_at < period.end and (not channels or c.channel_id in channels)
        ]
        answered = [c for c in opened if c.first_response_at is not None or c.answered_elsewhere]
        return len(answered) / len(opened) if opened else None
    raise AssertionError(kpi)


COMPARED = [
    "volume",
    "comments_received",
    "positive_share",
    "negative_share",
    "active_members",
    "slipping_members",
    "ambassadors",
    "new_members",
    "first_response_p50",
    "first_response_p90",
    "first_response_p90_in_hours",
    "first_response_p90_out_of_hours",
    "within_target",
    "share_answered",
]


@pytest.mark.parametrize("days", [1, 7, 30, 90])
def test_every_kpi_from_the_kept_days_is_the_direct_count_from_the_messages(workspace, history, days):
    periods = [last_days(workspace, days), last_days(workspace, days).previous()]
    for reading in ("counting the days", "from the kept rows"):
        for period in periods:
            with one_reading():
                for kpi in COMPARED:
                    assert KPIS[kpi].compute(workspace, period) == direct(workspace, kpi, period), (kpi, reading)
        assert DayFigures.objects.filter(workspace=workspace).exists()
    # 90 days hold two whole months at least, each kept as one row
    assert MonthFigures.objects.filter(workspace=workspace).count() >= (2 if days == 90 else 0)


def test_a_late_message_makes_its_month_stale_and_the_figures_stay_exact(workspace, history):
    site, _social = history
    quarter = last_days(workspace, 90)
    assert KPIS["volume"].compute(workspace, quarter) == direct(workspace, "volume", quarter)
    month = MonthFigures.objects.filter(workspace=workspace).order_by("month").first()
    assert month is not None
    late = timezone.make_aware(datetime.combine(month.month + timedelta(days=3), time(12)))
    writer = Identity.objects.filter(channel=site).last()
    item = Incoming(
        channel=site,
        external_id="late",
        text="En retard",
        created_at=late,
        author=AuthorInfo(external_id=writer.external_id, display_name="Nouvelle"),
        kind="comment",
        source_visibility="visible",
    )
    assert not run_pipeline([item]).rejected
    assert not MonthFigures.objects.filter(pk=month.pk).exists()
    for kpi in ("volume", "active_members", "new_members", "comments_received"):
        assert KPIS[kpi].compute(workspace, quarter) == direct(workspace, kpi, quarter), kpi


@pytest.mark.parametrize("days", [30, 90])
def test_a_channels_kpis_from_the_kept_days_are_the_direct_count_on_that_channel(workspace, history, days):
    site, social = history
    month = last_days(workspace, days)
    for channel in (site, social):
        for _reading in range(2):
            with scoped(Scope(channels=frozenset({channel.pk}))), one_reading():
                for kpi in COMPARED:
                    expected = direct(workspace, kpi, month, frozenset({channel.pk}))
                    assert KPIS[kpi].compute(workspace, month) == expected, (kpi, channel.kind)


def test_the_report_volume_by_day_is_the_count_of_each_day(workspace, history):
    from animateur.reports.report import build

    month = last_days(workspace, 90)
    report = build(workspace, month, now=timezone.now())
    for start, count in report.volume_by_day:
        day = Period(start, start + timedelta(days=1))
        assert count == direct(workspace, "volume", Period(day.start, min(day.end, month.end)))


def test_a_first_report_over_years_of_quiet_days_counts_only_the_days_that_have_messages(workspace, history):
    """An imported blog's comments of years ago: the first report read each day since one by one (two
    queries a day, half a minute for the demo's 2010 comments); the quiet days are now found together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site, _social = history
    old = timezone.now() - timedelta(days=3 * 365)
    writer = Identity.objects.filter(channel=site).first()
    Message.objects.create(
        workspace=workspace, channel=site, external_id="old", text="Vieux commentaire", author=writer, created_at=old
    )
    years = last_days(workspace, 3 * 365 + 5)
    with CaptureQueriesContext(connection) as queries, one_reading():
        for kpi in ("volume", "new_members"):
            assert KPIS[kpi].compute(workspace, years) == direct(workspace, kpi, years), kpi
    # some 1,100 days, 60 of them with messages: not two queries for each quiet day
    assert len(queries) < 600, len(queries)
    assert DayFigures.objects.filter(workspace=workspace, day__lt=(old + timedelta(days=40)).date()).exists()
