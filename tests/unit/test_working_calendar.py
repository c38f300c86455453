"""The office's working calendar: national holidays and adjusted weekends, office days, unknown years.

Kept over the API, the administrator's page and the CLI: tests/http/test_office_calendar.py.
"""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.kernel.office_calendar import LIBRARY_YEARS, NATIONAL, WorkingCalendar

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
UNKNOWN_YEAR = LIBRARY_YEARS.stop  # the first year the pinned schedule does not cover


@pytest.mark.parametrize("day, working", [
    (dt.date(2026, 10, 1), False),   # National Day
    (dt.date(2026, 10, 7), False),   # the last day of the Golden Week
    (dt.date(2026, 10, 8), True),    # back at work, a Thursday
    (dt.date(2026, 10, 10), True),   # a Saturday the State Council made a working day
    (dt.date(2026, 2, 14), True),    # the working Saturday before the Spring Festival
    (dt.date(2026, 2, 17), False),   # Spring Festival, a Tuesday
    (dt.date(2026, 6, 19), False),   # Dragon Boat Festival, a Friday
    (dt.date(2026, 12, 5), False),   # an ordinary Saturday
    (dt.date(2026, 12, 7), True),    # an ordinary Monday
    (dt.date(2025, 10, 1), False),   # earlier years too
    (dt.date(2025, 9, 28), True),    # a working Sunday of 2025
])
def test_working_days_follow_the_state_councils_schedule(day, working):
    assert NATIONAL.is_working_day(day) is working


def test_a_due_time_that_crosses_the_spring_festival_lands_after_it():
    friday = dt.datetime(2026, 2, 13, 16, 0, tzinfo=SHANGHAI)
    # Saturday the 14th is a working day, then nine days off: the second working day is the 24th.
    assert NATIONAL.add_working_days(friday, 2, SHANGHAI) == dt.datetime(2026, 2, 24, 16, 0, tzinfo=SHANGHAI)
    assert NATIONAL.add_working_days(friday, 1, SHANGHAI) == dt.datetime(2026, 2, 14, 16, 0, tzinfo=SHANGHAI)


def test_a_due_time_that_crosses_national_day_lands_after_the_golden_week():
    tuesday = dt.datetime(2026, 9, 29, 9, 30, tzinfo=SHANGHAI)
    # 30 September counts, 1-7 October are off, 8 October counts.
    assert NATIONAL.add_working_days(tuesday, 2, SHANGHAI) == dt.datetime(2026, 10, 8, 9, 30, tzinfo=SHANGHAI)


def test_office_days_override_the_national_schedule():
    calendar = WorkingCalendar({dt.date(2026, 6, 10): False, dt.date(2026, 6, 13): True})
    assert not calendar.is_working_day(dt.date(2026, 6, 10))  # a closure on a Wednesday
    assert calendar.is_working_day(dt.date(2026, 6, 13))  # an extra working Saturday
    tuesday = dt.datetime(2026, 6, 9, 10, 0, tzinfo=SHANGHAI)
    # Wednesday closed, Thursday 1, Friday is the Dragon Boat Festival? no: that is the 19th; Friday 2.
    assert calendar.add_working_days(tuesday, 2, SHANGHAI) == dt.datetime(2026, 6, 12, 10, 0, tzinfo=SHANGHAI)
    assert calendar.add_working_days(tuesday, 3, SHANGHAI) == dt.datetime(2026, 6, 13, 10, 0, tzinfo=SHANGHAI)


def test_a_year_beyond_the_schedule_is_unknown_until_the_office_confirms_it():
    assert NATIONAL.source(2026) == "national"
    assert NATIONAL.source(UNKNOWN_YEAR) == "unknown"
    assert WorkingCalendar({}, frozenset({UNKNOWN_YEAR})).source(UNKNOWN_YEAR) == "office"
    new_year = dt.date(UNKNOWN_YEAR, 1, 1)
    assert WorkingCalendar({new_year: False}).is_working_day(new_year) is False


def test_working_days_skip_the_weekend():
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    assert NATIONAL.add_working_days(friday, 2, SHANGHAI) == dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert NATIONAL.add_working_days(monday, 2, SHANGHAI) == dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
