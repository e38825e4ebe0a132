from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from animateur.inbox.business_time import (
    Calendar,
    add_business_seconds,
    business_seconds_between,
    is_open,
    parse_hours,
)

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS_9_18 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def cal(hours=None, holidays=()):
    return Calendar("Europe/Paris", parse_hours(WEEKDAYS_9_18 if hours is None else hours), frozenset(holidays))


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def test_two_business_hours_from_monday_morning_end_the_same_morning():
    assert add_business_seconds(cal(), paris(2024, 3, 4, 10, 0), 2 * 3600) == paris(2024, 3, 4, 12, 0)


def test_a_friday_evening_message_is_due_on_monday_after_the_opening():
    # Friday 17:00 + 2 h: one hour on Friday, one on Monday from 09:00.
    assert add_business_seconds(cal(), paris(2024, 3, 8, 17, 0), 2 * 3600) == paris(2024, 3, 11, 10, 0)


def test_a_message_arriving_at_night_waits_for_the_opening():
    assert add_business_seconds(cal(), paris(2024, 3, 5, 23, 30), 30 * 60) == paris(2024, 3, 6, 9, 30)
    assert not is_open(cal(), paris(2024, 3, 5, 23, 30))
    assert is_open(cal(), paris(2024, 3, 5, 9, 0))
    assert not is_open(cal(), paris(2024, 3, 5, 18, 0))


def test_a_holiday_is_skipped_like_a_weekend():
    holiday = cal(holidays=[date(2024, 5, 1)])  # a Wednesday
    assert add_business_seconds(holiday, paris(2024, 4, 30, 17, 0), 2 * 3600) == paris(2024, 5, 2, 10, 0)
    assert business_seconds_between(holiday, paris(2024, 4, 30, 17, 0), paris(2024, 5, 2, 10, 0)) == 2 * 3600


def test_dst_spring_forward_in_paris_keeps_local_opening_hours():
    # 31 March 2024 is a Sunday (clocks go forward); Monday opens at 09:00 local, 07:00 UTC.
    due = add_business_seconds(cal(), paris(2024, 3, 29, 17, 30), 3600)
    assert due == paris(2024, 4, 1, 9, 30)
    assert due.astimezone(UTC).hour == 7


def test_dst_autumn_day_with_an_interval_across_the_change_counts_real_time():
    # Open all Sunday 27 Oct 2024 from 00:00 to 06:00 local: 7 real hours (02:00-03:00 happens twice).
    sunday = cal({"sun": [["00:00", "06:00"]]})
    start, end = paris(2024, 10, 27, 0, 0), paris(2024, 10, 27, 6, 0)
    assert business_seconds_between(sunday, start, end) == 7 * 3600


def test_business_seconds_between_counts_only_open_time_and_is_negative_backwards():
    c = cal()
    assert business_seconds_between(c, paris(2024, 3, 8, 17, 0), paris(2024, 3, 11, 10, 0)) == 2 * 3600
    assert business_seconds_between(c, paris(2024, 3, 11, 10, 0), paris(2024, 3, 8, 17, 0)) == -2 * 3600
    assert business_seconds_between(c, paris(2024, 3, 9, 10, 0), paris(2024, 3, 10, 10, 0)) == 0


def test_split_days_and_a_calendar_without_hours_is_always_open():
    lunch = cal({"mon": [["09:00", "12:00"], ["14:00", "18:00"]]})
    assert add_business_seconds(lunch, paris(2024, 3, 4, 11, 0), 2 * 3600) == paris(2024, 3, 4, 15, 0)
    always = Calendar("Europe/Paris", {})
    start = paris(2024, 3, 9, 23, 0)
    assert add_business_seconds(always, start, 3600) == start + timedelta(hours=1)
    assert is_open(always, start)


@pytest.mark.parametrize(
    "bad",
    [
        {"mon": [["18:00", "09:00"]]},
        {"funday": [["09:00", "10:00"]]},
        {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
        {"mon": [["9h", "10h"]]},
    ],
)
def test_invalid_hours_are_refused(bad):
    with pytest.raises(ValueError):
        parse_hours(bad)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_seconds(cal(), datetime(2024, 3, 4, 10), 60)
