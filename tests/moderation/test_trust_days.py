"""Days active count local days of the current time zone, whatever the database stores."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from animateur.moderation.trust import member_stats
from animateur.stream.models import Message

from .factories import post


def _member_with_messages_at(
    workspace, instants: list[datetime], *, visible: bool = True, email: str = "days@example.org"
):
    messages = [
        post(workspace, f"Message {n}", email=email, source_visibility="visible" if visible else "spam")
        for n in range(len(instants))
    ]
    for message, at in zip(messages, instants, strict=True):
        Message.objects.filter(pk=message.pk).update(created_at=at)
    return messages[0].author.member_id


def test_days_active_are_the_workspace_zones_days_not_utc_days(workspace):
    # 22:30 and 23:30 UTC on 1 March: one UTC day, two days in Paris (23:30 on the 1st, 00:30 on the 2nd).
    member_id = _member_with_messages_at(
        workspace, [datetime(2026, 3, 1, 22, 30, tzinfo=UTC), datetime(2026, 3, 1, 23, 30, tzinfo=UTC)]
    )
    with timezone.override("Europe/Paris"):
        assert member_stats(workspace.pk, [member_id])[member_id].days_active == 2
    with timezone.override("UTC"):
        assert member_stats(workspace.pk, [member_id])[member_id].days_active == 1


def test_an_hour_that_spans_local_midnight_is_split_by_message(workspace):
    # India is 5:30 ahead: 18:10 UTC is 23:40 there, 18:40 UTC already 00:10 the next day.
    member_id = _member_with_messages_at(
        workspace, [datetime(2026, 3, 1, 18, 10, tzinfo=UTC), datetime(2026, 3, 1, 18, 40, tzinfo=UTC)]
    )
    with timezone.override("Asia/Kolkata"):
        assert member_stats(workspace.pk, [member_id])[member_id].days_active == 2
    with timezone.override("Europe/Paris"):
        assert member_stats(workspace.pk, [member_id])[member_id].days_active == 1


def test_days_active_follow_each_change_of_clocks_over_the_years(workspace):
    # For each zone, pairs of messages 20 minutes before and after a local midnight, in summer and in
    # winter of several years: two days each, and one if the offset in force were taken wrong.
    rng = random.Random(4)
    for zone_name in ("Europe/Paris", "America/Santiago", "America/St_Johns", "Asia/Kathmandu"):
        zone = ZoneInfo(zone_name)
        instants = []
        for year in rng.sample(range(2012, 2027), 3):
            for month in (1, 7):
                before = datetime(year, month, rng.randrange(1, 28), 23, 40, tzinfo=zone).astimezone(UTC)
                instants += [before, before + timedelta(minutes=40)]
        member_id = _member_with_messages_at(workspace, instants, email=f"{zone_name}@example.org")
        with timezone.override(zone):
            expected = len({at.astimezone(zone).date() for at in instants})
            assert expected == len(instants)
            assert member_stats(workspace.pk, [member_id])[member_id].days_active == expected, zone_name


def test_hidden_messages_add_no_day(workspace):
    member_id = _member_with_messages_at(workspace, [datetime(2026, 3, 1, 12, tzinfo=UTC)], visible=False)
    stats = member_stats(workspace.pk, [member_id])[member_id]
    assert (stats.approved, stats.rejected, stats.days_active) == (0, 1, 0)
