"""The offline transit network: MTR lines and ferries from `hk_transit.json`, all pairs precomputed.

Stops are gazetteer places (MTR stations, ferry piers), so names and coordinates come from one
file. The graph has one node per line at each stop: riding along a line costs the line's typical
minutes, changing line at a station costs the station's interchange walk plus half the new line's
headway, and walking between two stops a few hundred metres apart costs the walk plus that wait.
Dijkstra from every stop gives the minutes between every pair of stops (boarding wait included)
and keeps the predecessors, so the legs of any trip can be worded later without searching again.
"""

from __future__ import annotations

import heapq
import itertools
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geopy.distance import geodesic

from harbour_directory.geo.gazetteer import PLACES, in_language

DATA = Path(__file__).with_name("hk_transit.json")
RIDE, CHANGE, WALK = 0, 1, 2
METRES_PER_DEGREE = 100_000.0  # less than a degree of latitude or of longitude in Hong Kong


@dataclass(frozen=True, slots=True)
class Stop:
    """A station or pier, as the gazetteer has it."""

    id: str
    name_en: str
    name_zh: str
    lat: float
    lng: float

    def name(self, locale: str | None) -> str:
        """The stop's name in `locale` (Chinese for zh*, else English)."""
        return in_language(self.name_en, self.name_zh, locale)


@dataclass(frozen=True, slots=True)
class Line:
    """An MTR line or a ferry route, with the wait to board it."""

    id: str
    mode: str
    name_en: str
    name_zh: str
    wait: float

    def name(self, locale: str | None) -> str:
        """The line's name in `locale` (Chinese for zh*, else English)."""
        return in_language(self.name_en, self.name_zh, locale)


@dataclass(frozen=True, slots=True)
class Leg:
    """One part of a journey: a ride of `stops` stops on `line`, or a walk, ending at `to`."""

    line: Line | None
    to: Stop
    stops: int
    minutes: float


@dataclass(frozen=True, slots=True)
class Journey:
    """Stop to stop: total minutes (first boarding wait included), that wait, and the legs."""

    minutes: float
    wait: float
    legs: tuple[Leg, ...]


@dataclass(frozen=True, slots=True)
class Walking:
    """How walking is timed: speed and the factor from straight line to streets."""

    metres_per_minute: float
    detour: float
    transfer_metres: float

    def minutes(self, metres: float) -> float:
        """Minutes to walk between two points `metres` apart in a straight line."""
        return metres * self.detour / self.metres_per_minute


class Network:
    """Stops, lines and the all-pairs table of stop-to-stop minutes."""

    def __init__(self, data: dict[str, Any]) -> None:
        places = {p.id: p for p in PLACES}
        walk = data["walking"]
        self.walking = Walking(
            walk["km_per_hour"] * 1000 / 60, walk["detour"], walk["transfer_metres"]
        )
        self.nearest = int(data["access"]["nearest"])
        self.sources: tuple[str, ...] = tuple(data["sources"])
        self.lines = tuple(
            Line(x["id"], x["mode"], x["name_en"], x["name_zh"], x["headway"] / 2)
            for x in data["lines"]
        )
        ids = sorted({s for x in data["lines"] for run in x["runs"] for s in run["stops"]})
        self.stops = tuple(
            Stop(i, places[i].name_en, places[i].name_zh, places[i].lat, places[i].lng) for i in ids
        )
        self.index = {s.id: n for n, s in enumerate(self.stops)}
        self._build_graph(data)
        self.minutes, self._pred, self._end = self._all_pairs()

    def _build_graph(self, data: dict[str, Any]) -> None:
        """Nodes (line, stop) and their edges: rides, interchanges, short walks between stops."""
        self.node_of: dict[tuple[int, int], int] = {}
        self.nodes: list[tuple[int, int]] = []
        for li, line in enumerate(data["lines"]):
            for run in line["runs"]:
                for stop in run["stops"]:
                    key = (li, self.index[stop])
                    if key not in self.node_of:
                        self.node_of[key] = len(self.nodes)
                        self.nodes.append(key)
        self.edges: list[list[tuple[int, float, int]]] = [[] for _ in self.nodes]
        for li, line in enumerate(data["lines"]):
            for run in line["runs"]:
                path = [self.node_of[(li, self.index[s])] for s in run["stops"]]
                for a, b, minutes in zip(path[:-1], path[1:], run["minutes"], strict=True):
                    self.edges[a].append((b, float(minutes), RIDE))
                    self.edges[b].append((a, float(minutes), RIDE))
        interchange = data["interchange"]
        at_stop: dict[int, list[int]] = {}
        for n, (_, stop) in enumerate(self.nodes):
            at_stop.setdefault(stop, []).append(n)
        for stop, nodes in at_stop.items():
            change = float(interchange["stations"].get(self.stops[stop].id, interchange["default"]))
            for a in nodes:
                for b in nodes:
                    if a != b:
                        wait = self.lines[self.nodes[b][0]].wait
                        self.edges[a].append((b, change + wait, CHANGE))
        reach = self.walking.transfer_metres / METRES_PER_DEGREE  # degrees, a generous box
        for s, here in enumerate(self.stops):
            for t, there in enumerate(self.stops):
                if s == t or abs(here.lat - there.lat) > reach or abs(here.lng - there.lng) > reach:
                    continue
                metres = geodesic((here.lat, here.lng), (there.lat, there.lng)).meters
                if metres > self.walking.transfer_metres:
                    continue
                walk = self.walking.minutes(metres)
                for a in at_stop[s]:
                    for b in at_stop[t]:
                        self.edges[a].append((b, walk + self.lines[self.nodes[b][0]].wait, WALK))

    def _all_pairs(self) -> tuple[list[list[float]], list[list[int]], list[list[int]]]:
        """Dijkstra from every stop: minutes to every stop, predecessors and the arrival node."""
        count = len(self.stops)
        table: list[list[float]] = []
        preds: list[list[int]] = []
        ends: list[list[int]] = []
        for source in range(count):
            best = [float("inf")] * len(self.nodes)
            pred = [-1] * len(self.nodes)
            queue: list[tuple[float, int]] = []
            for n, (line, stop) in enumerate(self.nodes):
                if stop == source:
                    best[n] = self.lines[line].wait
                    heapq.heappush(queue, (best[n], n))
            while queue:
                cost, n = heapq.heappop(queue)
                if cost > best[n]:
                    continue
                for m, weight, _ in self.edges[n]:
                    if cost + weight < best[m]:
                        best[m] = cost + weight
                        pred[m] = n
                        heapq.heappush(queue, (best[m], m))
            row = [float("inf")] * count
            end = [-1] * count
            for n, (_, stop) in enumerate(self.nodes):
                if best[n] < row[stop]:
                    row[stop], end[stop] = best[n], n
            row[source], end[source] = 0.0, -1
            table.append(row)
            preds.append(pred)
            ends.append(end)
        return table, preds, ends

    def journey(self, start: int, finish: int) -> Journey:
        """The legs from stop `start` to stop `finish` (indices into `stops`)."""
        node = self._end[start][finish]
        if node < 0:
            return Journey(0.0, 0.0, ())
        pred = self._pred[start]
        path = [node]
        while pred[path[-1]] >= 0:
            path.append(pred[path[-1]])
        path.reverse()
        first_line = self.lines[self.nodes[path[0]][0]]
        legs: list[Leg] = []
        ride_stops, ride_minutes = 0, 0.0
        for a, b in itertools.pairwise(path):
            kind, weight = next((k, w) for m, w, k in self.edges[a] if m == b)
            if kind == RIDE:
                ride_stops, ride_minutes = ride_stops + 1, ride_minutes + weight
                continue
            if ride_stops:
                legs.append(self._ride(a, ride_stops, ride_minutes))
            ride_stops, ride_minutes = 0, 0.0
            if kind == WALK:
                walked = weight - self.lines[self.nodes[b][0]].wait
                if legs and legs[-1].line is None:  # one walk past another stop
                    walked += legs.pop().minutes
                legs.append(Leg(None, self.stops[self.nodes[b][1]], 0, walked))
        if ride_stops:
            legs.append(self._ride(path[-1], ride_stops, ride_minutes))
        return Journey(self.minutes[start][finish], first_line.wait, tuple(legs))

    def _ride(self, node: int, stops: int, minutes: float) -> Leg:
        """A ride of `stops` stops ending at `node`."""
        line, stop = self.nodes[node]
        return Leg(self.lines[line], self.stops[stop], stops, minutes)


@cache
def network() -> Network:
    """The network, built once per process (a few tens of milliseconds)."""
    return Network(json.loads(DATA.read_text(encoding="utf-8")))
