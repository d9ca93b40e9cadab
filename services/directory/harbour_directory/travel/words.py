"""A trip in words, English or Traditional Chinese: "Walk 4 min to Tsim Sha Tsui · …"."""

# Chinese text uses full-width punctuation, on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from harbour_directory.travel.model import Leg
from harbour_directory.travel.trips import Trip

SEPARATOR = " · "
ENGLISH = {
    "walk_only": "Walk {n} min",
    "walk_to": "Walk {n} min to {stop}",
    "walk_on": "walk {n} min to {stop}",
    "walk_last": "walk {n} min",
    "ride_one": "{line}, 1 stop to {stop}",
    "ride": "{line}, {n} stops to {stop}",
    "ferry": "{line} to {stop}",
    "approximate": " (approximate: the address is confidential)",
}
CHINESE = {
    "walk_only": "步行{n}分鐘",
    "walk_to": "步行{n}分鐘至{stop}",
    "walk_on": "步行{n}分鐘至{stop}",
    "walk_last": "步行{n}分鐘",
    "ride_one": "乘{line}1個站至{stop}",
    "ride": "乘{line}{n}個站至{stop}",
    "ferry": "乘{line}至{stop}",
    "approximate": "（約數：地址保密）",
}


def _n(minutes: float) -> int:
    """Whole minutes as shown: at least one."""
    return max(1, round(minutes))


def _leg(leg: Leg, words: dict[str, str], locale: str | None) -> str:
    """One ride or walk in words."""
    stop = leg.to.name(locale)
    if leg.line is None:
        return words["walk_on"].format(n=_n(leg.minutes), stop=stop)
    line = leg.line.name(locale)
    if leg.line.mode == "ferry":
        return words["ferry"].format(line=line, stop=stop)
    key = "ride_one" if leg.stops == 1 else "ride"
    return words[key].format(line=line, n=leg.stops, stop=stop)


def route(trip: Trip, locale: str | None) -> str:
    """The trip's legs in the reader's language (Chinese for zh*, else English)."""
    words = CHINESE if (locale or "").startswith("zh") else ENGLISH
    if trip.journey is None or trip.board is None:
        parts = [words["walk_only"].format(n=_n(trip.walk_to))]
    else:
        parts = [words["walk_to"].format(n=_n(trip.walk_to), stop=trip.board.name(locale))]
        parts += [_leg(leg, words, locale) for leg in trip.journey.legs]
        parts.append(words["walk_last"].format(n=_n(trip.walk_from)))
    text = SEPARATOR.join(parts)
    return text + words["approximate"] if trip.approximate else text
