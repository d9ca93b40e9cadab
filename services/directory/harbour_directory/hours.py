"""Opening hours from HSDS 3.0 `schedule` rows: is a service location open at a given instant?

Hours are read in the service's own IANA time zone; the HSDS numeric `timezone` offset is ignored.
A period whose closing time is not after its opening time runs overnight into the next day, and
belongs to the day it starts on: holidays and validity dates are checked against that day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Hong_Kong"
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
END_OF_DAY = ("24:00", "24:00:00", "23:59:59")


@dataclass(frozen=True, slots=True)
class Period:
    """One recurring opening period; `closes <= opens` means it ends the next day."""

    days: frozenset[int]  # 0 = Monday … 6 = Sunday; empty (with monthdays empty) = every day
    monthdays: frozenset[int]  # days of the month, for MONTHLY rules; empty otherwise
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


def _numbers(text: str | None, *, low: int, high: int) -> frozenset[int]:
    if text is None:
        return frozenset()
    numbers = frozenset(int(n) for n in text.split(",") if n.strip())
    if any(not low <= n <= high for n in numbers):
        raise ValueError(f"out of range: {text!r}")
    return numbers


def _weekdays(text: str | None) -> frozenset[int]:
    if text is None:
        return frozenset()
    return frozenset(WEEKDAYS[d.strip().upper()] for d in text.split(",") if d.strip())


def _period(row: Mapping[str, Any]) -> Period | None:
    opens_at, closes_at = _text(row, "opens_at"), _text(row, "closes_at")
    if opens_at is None or closes_at is None:
        return None
    days = _weekdays(_text(row, "byday"))
    freq = (_text(row, "freq") or ("WEEKLY" if days else "DAILY")).upper()
    monthdays: frozenset[int] = frozenset()
    start = _date(row, "dtstart")
    if freq == "MONTHLY":
        monthdays = _numbers(_text(row, "bymonthday"), low=1, high=31)
        if not monthdays and not days:
            if start is None:
                return None
            monthdays = frozenset({start.day})
    elif freq == "WEEKLY":
        if not days:
            if start is None:
                return None
            days = frozenset({start.weekday()})
    elif freq != "DAILY":
        return None
    return Period(
        days=days,
        monthdays=monthdays,
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
        except (ValueError, KeyError):
            continue
        if period is not None:
            periods.append(period)
    return periods


# --- compact form, for a search index ----------------------------------------------------


def to_compact(periods: Sequence[Period]) -> list[list[Any]]:
    """A JSON-serialisable form of the periods: lists of ints and strings ("" for no bound)."""
    return [
        [
            sorted(p.days),
            sorted(p.monthdays),
            p.opens.isoformat(),
            p.closes.isoformat(),
            p.valid_from.isoformat() if p.valid_from else "",
            p.valid_to.isoformat() if p.valid_to else "",
        ]
        for p in periods
    ]


def from_compact(data: Sequence[Sequence[Any]]) -> list[Period]:
    """The periods that `to_compact` turned into `data`."""
    return [
        Period(
            days=frozenset(days),
            monthdays=frozenset(monthdays),
            opens=time.fromisoformat(opens),
            closes=time.fromisoformat(closes),
            valid_from=date.fromisoformat(valid_from) if valid_from else None,
            valid_to=date.fromisoformat(valid_to) if valid_to else None,
        )
        for days, monthdays, opens, closes, valid_from, valid_to in data
    ]


# --- questions ---------------------------------------------------------------------------


def _starts_on(period: Period, day: date) -> bool:
    if period.valid_from is not None and day < period.valid_from:
        return False
    if period.valid_to is not None and day > period.valid_to:
        return False
    if period.days and day.weekday() not in period.days:
        return False
    return not period.monthdays or day.day in period.monthdays


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
