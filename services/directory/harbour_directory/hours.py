"""Opening hours from HSDS 3.0 `schedule` rows: is a service location open at a given instant?

Which days a period starts on is an RFC 5545 recurrence rule evaluated by `dateutil.rrule`: the
HSDS fields `freq`, `interval`, `byday` (with ordinals such as `1MO` or `-1FR` in monthly rules),
`bymonthday`, `byweekno`, `byyearday`, `count` and `wkst`, counted from `dtstart` (where an
interval or a count starts; without one, from a fixed Monday). Hours are read in the service's own
IANA time zone; the HSDS numeric `timezone` offset is ignored. A period whose closing time is not
after its opening time runs overnight into the next day, and belongs to the day it starts on:
holidays and validity dates are checked against that day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

DEFAULT_TZ = "Asia/Hong_Kong"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
END_OF_DAY = ("24:00", "24:00:00", "23:59:59")
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Where a rule without `dtstart` counts its intervals from: a Monday long past.
EPOCH = date(2001, 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """One recurring opening period; `closes <= opens` means it ends the next day."""

    rule: str  # an RRULE without DTSTART, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    anchor: date  # the rule's DTSTART
    opens: time
    closes: time
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class Closure:
    """A temporary closure, such as typhoon signal 8; no `ends_at` means until further notice."""

    starts_at: datetime
    ends_at: datetime | None
    reason: str


@lru_cache(maxsize=8192)
def _days_in_year(rule: str, anchor: date, year: int) -> frozenset[date]:
    """The days of `year` on which the rule starts a period (computed once per rule and year)."""
    recurrence = rrulestr(f"RRULE:{rule}", dtstart=datetime.combine(anchor, time()))
    first, last = datetime(year, 1, 1), datetime(year, 12, 31)
    return frozenset(d.date() for d in recurrence.between(first, last, inc=True))


# --- parsing HSDS rows -------------------------------------------------------------------


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    return value.strip() or None


def _time(value: str, *, closing: bool) -> time:
    if closing and value in END_OF_DAY:
        return time(0, 0)  # midnight at the end of the day: an "overnight" period ending at 00:00
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) <= 2 for p in parts):
        raise ValueError(f"bad time {value!r}")
    hour, minute, second = (int(p) for p in [*parts, "0"][:3])
    return time(hour, minute, second)  # time() itself rejects 25:99


def _date(row: Mapping[str, Any], *keys: str) -> date | None:
    for key in keys:
        value = row.get(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(row, key)
        if text is not None:
            return date.fromisoformat(text[:10])
    return None


def _number(row: Mapping[str, Any], key: str) -> int | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{key} is not a number")
    number = float(value)
    if not number.is_integer() or number < 1:
        raise ValueError(f"{key} must be a whole number from 1")
    return int(number)


# RFC 5545 bounds of the numeric lists (each value non-zero, negative counting from the end).
_BOUNDS = {"bymonthday": 31, "byweekno": 53, "byyearday": 366}


def _bounded(key: str, text: str) -> str:
    """`text` unchanged when every number in it is within RFC 5545's bounds for `key`."""
    high = _BOUNDS.get(key)
    if high is not None:
        for part in text.split(","):
            number = int(part)  # ValueError for anything but an integer
            if number == 0 or abs(number) > high:
                raise ValueError(f"{key} out of range")
    return text


def _rule(row: Mapping[str, Any], start: date | None) -> str | None:
    """The RRULE text for a row, or None when the row does not say which days."""
    byday = _text(row, "byday")
    freq = (_text(row, "freq") or ("WEEKLY" if byday else "DAILY")).upper()
    if freq not in FREQUENCIES:
        return None
    parts = [f"FREQ={freq}"]
    for key in ("interval", "count"):
        number = _number(row, key)
        if number is not None:
            parts.append(f"{key.upper()}={number}")
    for key in ("byday", "bymonthday", "byweekno", "byyearday", "wkst"):
        text = _text(row, key)
        if text is not None:
            value = _bounded(key, text.replace(" ", "").upper())
            parts.append(f"{key.upper()}={value}")
    said = {p.split("=")[0] for p in parts}
    # A weekly or monthly rule that names no day repeats its start day: without one, no days.
    names_no_day = said.isdisjoint({"BYDAY", "BYMONTHDAY", "BYWEEKNO", "BYYEARDAY"})
    if start is None and names_no_day and freq != "DAILY":
        return None
    return ";".join(parts)


def _period(row: Mapping[str, Any]) -> Period | None:
    opens_at, closes_at = _text(row, "opens_at"), _text(row, "closes_at")
    if opens_at is None or closes_at is None:
        return None
    start = _date(row, "dtstart")
    rule = _rule(row, start)
    if rule is None:
        return None
    anchor = start or EPOCH
    _days_in_year(rule, anchor, anchor.year)  # raises ValueError for a rule rrule refuses
    return Period(
        rule=rule,
        anchor=anchor,
        opens=_time(opens_at, closing=False),
        closes=_time(closes_at, closing=True),
        valid_from=_date(row, "valid_from", "dtstart"),
        valid_to=_date(row, "valid_to", "until"),
    )


def parse_schedules(rows: Iterable[Mapping[str, Any]]) -> list[Period]:
    """Periods from HSDS schedule rows, skipping rows without usable hours or with bad values."""
    periods: list[Period] = []
    for row in rows:
        try:
            period = _period(row)
        except ValueError:
            continue
        if period is not None:
            periods.append(period)
    return periods


# --- compact form, for a search index ----------------------------------------------------


def to_compact(periods: Sequence[Period]) -> list[list[Any]]:
    """A JSON-serialisable form of the periods: strings only ("" for no bound)."""
    return [
        [
            p.rule,
            p.anchor.isoformat(),
            p.opens.isoformat(),
            p.closes.isoformat(),
            p.valid_from.isoformat() if p.valid_from else "",
            p.valid_to.isoformat() if p.valid_to else "",
        ]
        for p in periods
    ]


def _legacy_rule(days: Sequence[int], monthdays: Sequence[int]) -> str:
    """The rule of a period stored before rules were kept (weekdays or days of the month)."""
    if days:
        return "FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAYS[d] for d in sorted(days))
    if monthdays:
        return "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(str(d) for d in sorted(monthdays))
    return "FREQ=DAILY"


def from_compact(data: Sequence[Sequence[Any]]) -> list[Period]:
    """The periods that `to_compact` turned into `data` (older stored forms are read too)."""
    periods = []
    for rule, anchor, opens, closes, valid_from, valid_to in data:
        if isinstance(rule, list):  # stored as [days, monthdays, …] before rules were kept
            rule, anchor = _legacy_rule(rule, anchor), EPOCH.isoformat()
        periods.append(
            Period(
                rule=rule,
                anchor=date.fromisoformat(anchor),
                opens=time.fromisoformat(opens),
                closes=time.fromisoformat(closes),
                valid_from=date.fromisoformat(valid_from) if valid_from else None,
                valid_to=date.fromisoformat(valid_to) if valid_to else None,
            )
        )
    return periods


# --- questions ---------------------------------------------------------------------------


def _starts_on(period: Period, day: date) -> bool:
    if period.valid_from is not None and day < period.valid_from:
        return False
    if period.valid_to is not None and day > period.valid_to:
        return False
    return day in _days_in_year(period.rule, period.anchor, day.year)


def _span(period: Period, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, period.opens)
    end_day = day + timedelta(days=1) if period.closes <= period.opens else day
    return start, datetime.combine(end_day, period.closes)


def is_open(
    periods: Sequence[Period],
    at: datetime,
    *,
    tz: str = DEFAULT_TZ,
    holidays: Collection[date] = (),
    closes_on_holidays: bool = True,
    closures: Sequence[Closure] = (),
) -> bool | None:
    """Whether the location is open at `at`: False during a closure, None if hours are unknown."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be timezone-aware")
    if any(c.starts_at <= at and (c.ends_at is None or at < c.ends_at) for c in closures):
        return False
    if not periods:
        return None
    local = at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    for day in (local.date(), local.date() - timedelta(days=1)):
        if closes_on_holidays and day in holidays:
            continue
        for period in periods:
            if _starts_on(period, day):
                start, end = _span(period, day)
                if start <= local < end:
                    return True
    return False


def hours_on(periods: Sequence[Period], day: date) -> list[tuple[time, time]]:
    """The (opens, closes) pairs of the periods starting on `day`, sorted by opening time."""
    return sorted({(p.opens, p.closes) for p in periods if _starts_on(p, day)})
