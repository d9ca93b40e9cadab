"""Opening hours from HSDS schedule rows: split, overnight, holidays, closures, time zones."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from harbour_directory.hours import (
    EPOCH,
    Closure,
    Period,
    from_compact,
    hours_on,
    is_open,
    parse_schedules,
    to_compact,
)

HKT = ZoneInfo("Asia/Hong_Kong")
WEEKDAYS = "MO,TU,WE,TH,FR"

# 2026-11-24 is a Tuesday; 2026-11-27 a Friday, 11-28 a Saturday, 11-29 a Sunday.
TUESDAY = date(2026, 11, 24)
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)


def hk(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HKT)


def row(opens: str | None, closes: str | None, **extra: Any) -> dict[str, Any]:
    return {"opens_at": opens, "closes_at": closes, **extra}


SPLIT = parse_schedules(
    [
        row("09:00", "12:00", freq="WEEKLY", byday=WEEKDAYS),
        row("14:00:00", "18:00:00", freq="WEEKLY", byday=WEEKDAYS),
    ]
)
FRIDAY_NIGHTS = parse_schedules([row("22:00", "06:00", byday="FR")])


def test_the_weekdays_follow_the_calendar() -> None:
    assert [d.weekday() for d in (TUESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY)] == [1, 3, 4, 5, 6]


def test_split_weekday_hours() -> None:
    assert is_open(SPLIT, hk(TUESDAY, 9)) is True  # opening is inclusive
    assert is_open(SPLIT, hk(TUESDAY, 10)) is True
    assert is_open(SPLIT, hk(TUESDAY, 13)) is False
    assert is_open(SPLIT, hk(TUESDAY, 15)) is True
    assert is_open(SPLIT, hk(TUESDAY, 18)) is False  # closing is exclusive
    assert is_open(SPLIT, hk(TUESDAY, 8, 59)) is False


def test_closed_at_the_weekend() -> None:
    assert is_open(SPLIT, hk(SATURDAY, 10)) is False
    assert is_open(SPLIT, hk(SUNDAY, 15)) is False


def test_overnight_period_belongs_to_the_day_it_starts() -> None:
    assert is_open(FRIDAY_NIGHTS, hk(FRIDAY, 23)) is True
    assert is_open(FRIDAY_NIGHTS, hk(SATURDAY, 3)) is True
    assert is_open(FRIDAY_NIGHTS, hk(SATURDAY, 6)) is False
    assert is_open(FRIDAY_NIGHTS, hk(SATURDAY, 7)) is False
    assert is_open(FRIDAY_NIGHTS, hk(THURSDAY, 3)) is False
    assert is_open(FRIDAY_NIGHTS, hk(SATURDAY, 23)) is False


def test_all_day() -> None:
    periods = parse_schedules([row("00:00", "00:00", byday="sa, su")])
    assert is_open(periods, hk(SATURDAY, 0)) is True
    assert is_open(periods, hk(SUNDAY, 23, 59)) is True
    assert is_open(periods, hk(TUESDAY, 12)) is False


def test_closing_at_end_of_day() -> None:
    for closes in ("24:00", "23:59:59"):
        periods = parse_schedules([row("9:00", closes, byday="TU")])
        assert is_open(periods, hk(TUESDAY, 23, 59)) is True
        assert is_open(periods, hk(date(2026, 11, 25), 0)) is False


def test_daily_without_byday() -> None:
    periods = parse_schedules([row("08:00", "20:00")])
    for day in (TUESDAY, SATURDAY, SUNDAY):
        assert is_open(periods, hk(day, 12)) is True
        assert is_open(periods, hk(day, 21)) is False


def test_monthly_on_given_days_of_the_month() -> None:
    periods = parse_schedules([row("10:00", "16:00", freq="MONTHLY", bymonthday="1,15")])
    assert is_open(periods, hk(date(2026, 12, 1), 11)) is True
    assert is_open(periods, hk(date(2026, 12, 15), 11)) is True
    assert is_open(periods, hk(date(2026, 12, 16), 11)) is False
    assert is_open(periods, hk(date(2026, 12, 2), 11)) is False


def test_valid_from_and_valid_to_are_inclusive() -> None:
    periods = parse_schedules(
        [row("09:00", "17:00", valid_from="2026-11-24", valid_to="2026-11-27", byday=WEEKDAYS)]
    )
    assert is_open(periods, hk(date(2026, 11, 23), 10)) is False
    assert is_open(periods, hk(TUESDAY, 10)) is True
    assert is_open(periods, hk(FRIDAY, 10)) is True
    assert is_open(periods, hk(date(2026, 11, 30), 10)) is False


def test_dtstart_and_until_stand_in_for_validity() -> None:
    periods = parse_schedules([row("09:00", "17:00", dtstart="2026-11-25", until="2026-11-26")])
    assert is_open(periods, hk(TUESDAY, 10)) is False
    assert is_open(periods, hk(THURSDAY, 10)) is True
    assert is_open(periods, hk(FRIDAY, 10)) is False


def test_holiday_closure_on_and_off() -> None:
    holidays = {TUESDAY}
    assert is_open(SPLIT, hk(TUESDAY, 10), holidays=holidays) is False
    assert is_open(SPLIT, hk(TUESDAY, 10), holidays=holidays, closes_on_holidays=False) is True
    assert is_open(SPLIT, hk(THURSDAY, 10), holidays=holidays) is True


def test_overnight_from_the_evening_before_a_holiday_stays_open() -> None:
    assert is_open(FRIDAY_NIGHTS, hk(SATURDAY, 3), holidays={SATURDAY}) is True
    assert is_open(FRIDAY_NIGHTS, hk(SATURDAY, 3), holidays={FRIDAY}) is False


def test_typhoon_closure_until_further_notice() -> None:
    signal_8 = Closure(starts_at=hk(TUESDAY, 11), ends_at=None, reason="typhoon-signal-8")
    assert is_open(SPLIT, hk(TUESDAY, 10), closures=[signal_8]) is True
    assert is_open(SPLIT, hk(TUESDAY, 11), closures=[signal_8]) is False
    assert is_open(SPLIT, hk(THURSDAY, 10), closures=[signal_8]) is False


def test_bounded_closure() -> None:
    rain = Closure(starts_at=hk(TUESDAY, 9), ends_at=hk(TUESDAY, 15), reason="black-rainstorm")
    assert is_open(SPLIT, hk(TUESDAY, 10), closures=[rain]) is False
    assert is_open(SPLIT, hk(TUESDAY, 14, 59), closures=[rain]) is False
    assert is_open(SPLIT, hk(TUESDAY, 15), closures=[rain]) is True
    assert is_open(SPLIT, hk(THURSDAY, 10), closures=[rain]) is True


def test_instants_are_converted_to_the_service_time_zone() -> None:
    assert is_open(SPLIT, datetime(2026, 11, 24, 2, 0, tzinfo=UTC)) is True  # 10:00 in Hong Kong
    assert is_open(SPLIT, datetime(2026, 11, 24, 10, 0, tzinfo=UTC)) is False  # 18:00
    london = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London in winter
    assert is_open(SPLIT, london, tz="Europe/London") is True


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        is_open(SPLIT, datetime(2026, 11, 24, 10, 0))


def test_unknown_hours_are_not_closed() -> None:
    assert is_open([], hk(TUESDAY, 10)) is None
    assert is_open(parse_schedules([row(None, None, byday="MO"), {}]), hk(TUESDAY, 10)) is None


def test_garbage_rows_are_skipped() -> None:
    rows: list[dict[str, Any]] = [
        row("25:99", "18:00"),
        row("09:00", "XX"),
        row("09:00", "18:00", byday="XX"),
        row("09:00", "18:00", freq="HOURLY"),
        row("09:00", "18:00", freq="MONTHLY", bymonthday="0,32"),
        row("09:00", "18:00", valid_from="someday"),
        row("09:00", "18:00", byday=7),
        row("09:00", None),
        row("10:00", "11:00", byday="TU", timezone=8, description="Tuesday clinic"),
    ]
    assert parse_schedules(rows) == [
        Period(
            rule="FREQ=WEEKLY;BYDAY=TU",
            anchor=EPOCH,
            opens=time(10, 0),
            closes=time(11, 0),
            valid_from=None,
            valid_to=None,
        )
    ]


def test_compact_round_trip() -> None:
    periods = [
        *SPLIT,
        *FRIDAY_NIGHTS,
        *parse_schedules(
            [
                row("10:00", "16:00", freq="MONTHLY", bymonthday="1,15", valid_to="2027-01-31"),
                row("00:00", "24:00", valid_from="2026-01-01"),
            ]
        ),
    ]
    stored = json.loads(json.dumps(to_compact(periods)))
    assert from_compact(stored) == periods


def test_hours_on_returns_sorted_pairs() -> None:
    periods = [*reversed(SPLIT), *FRIDAY_NIGHTS]
    assert hours_on(periods, TUESDAY) == [(time(9), time(12)), (time(14), time(18))]
    assert hours_on(periods, FRIDAY) == [
        (time(9), time(12)),
        (time(14), time(18)),
        (time(22), time(6)),
    ]
    assert hours_on(periods, SUNDAY) == []


def test_fortnightly_counts_from_its_start() -> None:
    # A clinic every other Tuesday from 17 Nov 2026: open on the 17th and 1 Dec, not the 24th.
    fortnightly = parse_schedules(
        [row("10:00", "13:00", freq="WEEKLY", interval=2, byday="TU", dtstart="2026-11-17")]
    )
    assert is_open(fortnightly, hk(date(2026, 11, 17), 11)) is True
    assert is_open(fortnightly, hk(TUESDAY, 11)) is False
    assert is_open(fortnightly, hk(date(2026, 12, 1), 11)) is True
    assert is_open(fortnightly, hk(date(2026, 11, 10), 11)) is False  # before it started
    assert hours_on(fortnightly, TUESDAY) == []


def test_nth_weekday_of_the_month() -> None:
    # The first Monday and the last Friday of each month.
    monthly = parse_schedules(
        [
            row("09:00", "12:00", freq="MONTHLY", byday="1MO"),
            row("14:00", "17:00", freq="MONTHLY", byday="-1FR"),
        ]
    )
    assert is_open(monthly, hk(date(2026, 12, 7), 10)) is True  # first Monday of December
    assert is_open(monthly, hk(date(2026, 12, 14), 10)) is False  # the second
    assert is_open(monthly, hk(date(2026, 11, 27), 15)) is True  # last Friday of November
    assert is_open(monthly, hk(date(2026, 11, 20), 15)) is False
    assert is_open(monthly, hk(date(2027, 1, 29), 15)) is True  # and in January


def test_a_counted_rule_ends_after_its_occurrences() -> None:
    three = parse_schedules(
        [row("10:00", "12:00", freq="WEEKLY", byday="TU", count=3, dtstart="2026-11-10")]
    )
    opened = [is_open(three, hk(date(2026, 11, d), 11)) for d in (10, 17, 24)]
    assert opened == [True, True, True]
    assert is_open(three, hk(date(2026, 12, 1), 11)) is False


def test_fortnightly_overnight_on_a_holiday_eve() -> None:
    # Every other Friday night, 22:00 to 06:00; Christmas Day 2026 is a Friday and a holiday.
    nights = parse_schedules(
        [row("22:00", "06:00", freq="WEEKLY", interval=2, byday="FR", dtstart="2026-12-11")]
    )
    christmas = date(2026, 12, 25)
    assert is_open(nights, hk(date(2026, 12, 12), 3)) is True  # from the night of the 11th
    assert is_open(nights, hk(date(2026, 12, 19), 3)) is False  # the off week
    assert is_open(nights, hk(christmas, 23), holidays={christmas}) is False
    assert is_open(nights, hk(christmas, 23), holidays={christmas}, closes_on_holidays=False)


def test_periods_stored_before_rules_are_read() -> None:
    old = [[[1], [], "10:00:00", "11:00:00", "", ""], [[], [1, 15], "09:00:00", "12:00:00", "", ""]]
    tuesday, monthly = from_compact(old)
    assert is_open([tuesday], hk(TUESDAY, 10, 30)) is True
    assert is_open([monthly], hk(date(2026, 12, 15), 10)) is True
    assert is_open([monthly], hk(date(2026, 12, 14), 10)) is False
