"""Door-to-door minutes from a searched point: walk, ride the network, walk; or walk all the way.

An `Origin` is made once per search: the walk to its nearest stops, then the best minutes from
the point to every stop, read off the all-pairs table. After that a candidate costs a few
additions: the stops near it come from a grid of cells over the network's area, filled with the
first origin of the process (about 0.15 s). Walking all the way
uses the search's own geodesic distance; walks to and from stops use a flat approximation whose
scale factors are geopy's WGS 84 geodesic at Hong Kong's latitude (within 0.2 % of the geodesic
across the territory), because a geodesic per stop would cost more than the whole ranking.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from geopy.distance import geodesic

from harbour_directory.travel.model import Journey, Network, Stop, network

HK = (22.35, 114.15)
_STEP = 0.01
METRES_PER_DEGREE_LAT = geodesic((HK[0] - _STEP / 2, HK[1]), (HK[0] + _STEP / 2, HK[1])).m / _STEP
METRES_PER_DEGREE_LNG = geodesic((HK[0], HK[1] - _STEP / 2), (HK[0], HK[1] + _STEP / 2)).m / _STEP
CELL = 0.005  # degrees; about 550 by 510 metres
BLOCK = 0.02  # degrees; a block of 4 by 4 cells
MAX_CELLS = 50_000  # far more than Hong Kong's land needs; points elsewhere are not kept
_CELLS: dict[tuple[int, int], tuple[tuple[int, float, float], ...]] = {}
_BLOCKS: dict[tuple[int, int], tuple[int, ...]] = {}


def flat_metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance in metres on Hong Kong's local flat approximation of the ellipsoid."""
    dy = (lat1 - lat2) * METRES_PER_DEGREE_LAT
    dx = (lng1 - lng2) * METRES_PER_DEGREE_LNG
    return math.sqrt(dx * dx + dy * dy)


def _candidates(
    net: Network, lat: float, lng: float, size: float, among: Iterable[int]
) -> list[int]:
    """Stops `among` these that can be nearest to a point of the `size`° square at (lat, lng)."""
    # Within the centre's `nearest`-th distance plus the square's diagonal, by the triangle rule.
    metres = sorted((flat_metres(lat, lng, net.stops[i].lat, net.stops[i].lng), i) for i in among)
    reach = metres[min(net.nearest, len(metres)) - 1][0] + 2 * flat_metres(0, 0, size / 2, size / 2)
    return [i for m, i in metres if m <= reach]


def _near_cell(net: Network, lat: float, lng: float) -> tuple[tuple[int, float, float], ...]:
    """Stops that can be among the nearest for any point of the cell holding (lat, lng)."""
    key = (math.floor(lat / CELL), math.floor(lng / CELL))
    found = _CELLS.get(key)
    if found is None:
        centre = ((key[0] + 0.5) * CELL, (key[1] + 0.5) * CELL)
        block_key = (math.floor(centre[0] / BLOCK), math.floor(centre[1] / BLOCK))
        block = _BLOCKS.get(block_key)
        if block is None:
            middle = ((block_key[0] + 0.5) * BLOCK, (block_key[1] + 0.5) * BLOCK)
            block = tuple(_candidates(net, *middle, BLOCK, range(len(net.stops))))
            _BLOCKS[block_key] = block
        found = tuple(
            (i, net.stops[i].lat, net.stops[i].lng) for i in _candidates(net, *centre, CELL, block)
        )
        if len(_CELLS) < MAX_CELLS:
            _CELLS[key] = found
    return found


def _prepare(net: Network) -> None:
    """Fills the cells over the network's area once, so a search never meets an empty one."""
    if _CELLS:
        return
    margin = 2 * BLOCK
    south, north = min(s.lat for s in net.stops) - margin, max(s.lat for s in net.stops) + margin
    west, east = min(s.lng for s in net.stops) - margin, max(s.lng for s in net.stops) + margin
    for row in range(math.floor(south / CELL), math.floor(north / CELL) + 1):
        for column in range(math.floor(west / CELL), math.floor(east / CELL) + 1):
            _near_cell(net, (row + 0.5) * CELL, (column + 0.5) * CELL)


@dataclass(frozen=True, slots=True)
class Trip:
    """How a claimant gets from the searched point to a place, and how long it takes."""

    minutes: int
    mode: str  # walk, mtr or ferry
    walk_to: float  # minutes on foot to the first stop (or the whole walk)
    journey: Journey | None
    board: Stop | None
    walk_from: float  # minutes on foot from the last stop
    approximate: bool = False


class Origin:
    """A searched point, with the best minutes from it to alighting at every stop."""

    def __init__(self, lat: float, lng: float) -> None:
        self.net = network()
        _prepare(self.net)
        self.lat, self.lng = lat, lng
        walking = self.net.walking
        ranked = sorted(
            (flat_metres(lat, lng, s.lat, s.lng), i) for i, s in enumerate(self.net.stops)
        )
        self.reach = [math.inf] * len(self.net.stops)
        self.via = [-1] * len(self.net.stops)
        self.walk_to: dict[int, float] = {}
        for metres, a in ranked[: self.net.nearest]:
            walk = walking.minutes(metres)
            self.walk_to[a] = walk
            for b, ride in enumerate(self.net.minutes[a]):
                if walk + ride < self.reach[b]:
                    self.reach[b], self.via[b] = walk + ride, a

    def minutes(self, lat: float, lng: float, metres: float | None = None) -> tuple[float, int]:
        """Door-to-door minutes to (lat, lng) and the stop alighted at (-1: walking is quicker).

        `metres` is the straight-line distance from the origin when already known (geodesic).
        """
        walking = self.net.walking
        if metres is None:
            metres = flat_metres(self.lat, self.lng, lat, lng)
        best, alight = walking.minutes(metres), -1
        per_metre = walking.detour / walking.metres_per_minute
        reach = self.reach
        for i, slat, slng in _near_cell(self.net, lat, lng):
            dy = (lat - slat) * METRES_PER_DEGREE_LAT
            dx = (lng - slng) * METRES_PER_DEGREE_LNG
            total = reach[i] + math.sqrt(dx * dx + dy * dy) * per_metre
            if total < best:
                best, alight = total, i
        return best, alight

    def trip(
        self, lat: float, lng: float, metres: float | None = None, *, approximate: bool = False
    ) -> Trip:
        """The whole trip to (lat, lng): minutes, mode and the legs to word it."""
        best, alight = self.minutes(lat, lng, metres)
        net = self.net
        board = self.via[alight] if alight >= 0 else -1
        journey = net.journey(board, alight) if board >= 0 else None
        if journey is None or not journey.legs:
            if metres is None:
                metres = flat_metres(self.lat, self.lng, lat, lng)
            walk = net.walking.minutes(metres)
            return Trip(max(1, round(walk)), "walk", walk, None, None, 0.0, approximate)
        stop = net.stops[alight]
        walk_from = net.walking.minutes(flat_metres(lat, lng, stop.lat, stop.lng))
        by_ferry = any(leg.line is not None and leg.line.mode == "ferry" for leg in journey.legs)
        return Trip(
            max(1, round(best)),
            "ferry" if by_ferry else "mtr",
            self.walk_to[board],
            journey,
            net.stops[board],
            walk_from,
            approximate,
        )
