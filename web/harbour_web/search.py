"""The claimant's search: form values in, result cards out, through the gateway only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date

from harbour_web.gateway import Gateway, GatewayError
from harbour_web.i18n import Locale, Messages

NEARBY = """
query Nearby($near: String, $lat: Float, $lng: Float, $filter: ServiceFilter,
             $first: Int!, $after: String, $locale: String, $orderBy: NearbyOrder! = DISTANCE,
             $place: String! = "", $named: Boolean! = false) {
  nearbyServices(near: $near, lat: $lat, lng: $lng, filter: $filter, first: $first,
                 after: $after, locale: $locale, orderBy: $orderBy) {
    __typename
    ... on NearbyServiceConnection {
      totalCount
      closedCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id distance openNow hoursToday languages free fees confidential phones howToGetThere
        travelMinutes travelMode route lastVerified
        district { name }
        place { name address transportation latitude longitude }
        service { id name organization { name } }
      } }
    }
    ... on ValidationProblem { code message fields { field message } }
    ... on RateLimited { code retryAfterSeconds }
  }
  origin: places(prefix: $place, limit: 8) @include(if: $named) {
    nameEn nameZh latitude longitude
  }
}
"""
CATEGORIES = "query Categories($locale: String) { categories(locale: $locale) { code name } }"
PLACES = "query Places($prefix: String!) { places(prefix: $prefix, limit: 8) { id nameEn nameZh } }"

# Spoken languages offered in the picker: the ones claimants in Hong Kong speak most.
SPOKEN = ("en", "yue", "cmn", "ur", "bn", "hi", "ne", "pa", "ar", "fa", "fr", "so", "sw", "vi")
# The top categories, in the order the need picker shows them.
TOP_NEEDS = (
    "legal",
    "medical",
    "housing",
    "food",
    "mental-health",
    "social-welfare",
    "children-family",
    "education",
    "interpretation",
    "employment",
    "speech-therapy",
)


@dataclass(frozen=True)
class Query:
    """What a claimant asked for, as read from the form (never stored, never logged)."""

    need: str = ""
    near: str = ""
    lat: float | None = None
    lng: float | None = None
    speaks: str = ""
    free: bool = False
    open_now: bool = False
    after: str = ""
    quickest: bool = False  # ordered by travel time rather than distance

    @property
    def asked(self) -> bool:
        """Whether the form was submitted with somewhere to search."""
        return bool(self.near) or (self.lat is not None and self.lng is not None)

    @property
    def by_point(self) -> bool:
        """Whether the search is around coordinates (a typed place wins over them)."""
        return self.lat is not None and self.lng is not None and not self.near

    def summary(self, t: Messages, needs: list[tuple[str, str]]) -> list[str]:
        """The search in a few words for the folded form: need, place, language, filters."""
        words = dict(needs).get(self.need) or t.category(self.need, self.need)
        parts = [words if self.need else t("need_any")]
        if self.asked:
            parts.append(t("summary_near", place=self.near or t("your_location")))
        if self.speaks:
            parts.append(t("summary_speaks", language=t.language(self.speaks)))
        if self.free:
            parts.append(t("summary_free"))
        if self.open_now:
            parts.append(t("summary_open"))
        if self.quickest:
            parts.append(t("summary_quickest"))
        return parts


def _number(value: str | None, low: float, high: float) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def read_query(params: dict[str, str]) -> Query:
    """The search from the query string; anything malformed is dropped, not echoed."""
    need = params.get("need", "")
    speaks = params.get("speaks", "")
    return Query(
        need=need if need in TOP_NEEDS else "",
        near=params.get("near", "").strip()[:80],
        lat=_number(params.get("lat"), -90, 90),
        lng=_number(params.get("lng"), -180, 180),
        speaks=speaks if speaks in SPOKEN else "",
        free=params.get("free") in {"1", "on", "true"},
        open_now=params.get("open") in {"1", "on", "true"},
        after=params.get("after", "")[:40],
        quickest=params.get("order") == "quickest",
    )


@dataclass
class Card:
    """One result as the page shows it."""

    service_id: str
    name: str
    organization: str
    distance: str
    metres: float | None
    open_now: bool | None
    hours_today: list[str]
    free: bool
    fees: str
    languages: list[str]
    how_to_get_there: str
    address: str
    district: str
    confidential: bool
    phones: list[tuple[str, str, str]]  # shown, tel: link, WhatsApp link
    map_url: str
    directions_url: str = ""  # on foot from the search point, when that point is known
    geo_url: str = ""  # the phone's own maps app
    travel: str = ""  # "about 14 min by MTR"
    minutes: int | None = None
    route: str = ""
    checked: str = ""  # "Checked on 12 Nov 2026": when the partner last confirmed the listing


@dataclass
class Results:
    """A page of results, or the reason there is none."""

    cards: list[Card] = field(default_factory=list)
    total: int = 0
    closed: int = 0  # with "open now": how many more matched but are closed
    next_url: str = ""
    problem: str = ""
    origin: tuple[float, float] | None = None  # the search point, where it is known


def distance_text(metres: float | None, t: Messages) -> str:
    """`240 m away` under a kilometre, `1.2 km away` beyond."""
    if metres is None:
        return ""
    if metres < 1000:
        return t("distance_m", n=int(round(metres / 10) * 10))
    return t("distance_km", n=f"{metres / 1000:.1f}")


def travel_text(minutes: int | None, mode: str | None, t: Messages) -> str:
    """`14 min walk`, `about 14 min by MTR` or `about 50 min by ferry`; empty when unknown."""
    if minutes is None or mode is None:
        return ""
    key = {"WALK": "travel_walk", "FERRY": "travel_ferry"}.get(mode, "travel_mtr")
    return t(key, n=minutes)


# English dates as Hong Kong writes them ("12 Nov 2026"); the others in their language's own form.
DATE_LOCALES = {"en": "en_HK", "zh-Hant": "zh_Hant_HK"}


def checked_text(value: str | None, t: Messages) -> str:
    """When a listing was last confirmed, in the page's language; empty if never or unreadable."""
    try:
        day = date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return ""
    if day is None:
        return ""
    where = DATE_LOCALES.get(t.locale.code, t.locale.code.replace("-", "_"))
    return t("checked_on", date=format_date(day, format="medium", locale=where))


def phone_links(phone: str) -> tuple[str, str, str]:
    """A number as shown, its tel: link and its WhatsApp link (wa.me takes digits only)."""
    digits = re.sub(r"\D", "", phone)
    tel = "+" + digits if phone.strip().startswith("+") else digits
    return phone, f"tel:{tel}", f"https://wa.me/{digits}"


def map_link(latitude: float | None, longitude: float | None) -> str:
    """An OpenStreetMap page centred on the place; no map library on the page itself."""
    if latitude is None or longitude is None:
        return ""
    lat, lng = f"{latitude:.5f}", f"{longitude:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}"


def directions_link(origin: tuple[float, float] | None, latitude: Any, longitude: Any) -> str:
    """OpenStreetMap's walking directions from the search point to the place."""
    if origin is None or latitude is None or longitude is None:
        return ""
    route = f"{origin[0]:.5f},{origin[1]:.5f};{latitude:.5f},{longitude:.5f}"
    return f"https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route={route}"


def geo_link(latitude: Any, longitude: Any) -> str:
    """A `geo:` URI (RFC 5870), which a phone opens in its maps app."""
    if latitude is None or longitude is None:
        return ""
    return f"geo:{latitude:.5f},{longitude:.5f}"


def _folded(name: str) -> str:
    """A place name as the gazetteer compares them: width, case and punctuation folded."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def origin_of(query: Query, named: list[dict[str, Any]]) -> tuple[float, float] | None:
    """The search point: the coordinates searched, or the gazetteer place named exactly."""
    if query.by_point and query.lat is not None and query.lng is not None:
        return query.lat, query.lng
    wanted = _folded(query.near)
    for place in named:
        # Suggestions come in the gazetteer's own order of precedence, so the first exact name
        # is the place the search resolved; a partial match could be another place.
        if wanted and wanted in {
            _folded(place.get("nameEn") or ""),
            _folded(place.get("nameZh") or ""),
        }:
            return float(place["latitude"]), float(place["longitude"])
    return None


def card(node: dict[str, Any], t: Messages, origin: tuple[float, float] | None = None) -> Card:
    """A result card from a `NearbyService`; a confidential place gets no link to its point."""
    place = node.get("place") or {}
    service = node.get("service") or {}
    confidential = bool(node.get("confidential"))
    latitude, longitude = (
        (None, None) if confidential else (place.get("latitude"), place.get("longitude"))
    )
    return Card(
        service_id=str(service.get("id", "")),
        name=str(service.get("name") or place.get("name") or ""),
        organization=str((service.get("organization") or {}).get("name") or ""),
        distance=distance_text(node.get("distance"), t),
        metres=node.get("distance"),
        open_now=node.get("openNow"),
        hours_today=list(node.get("hoursToday") or []),
        free=bool(node.get("free")),
        fees=str(node.get("fees") or ""),
        languages=[t.language(code) for code in node.get("languages") or []],
        how_to_get_there=str(place.get("transportation") or ""),
        address=str(place.get("address") or ""),
        district=str((node.get("district") or {}).get("name") or ""),
        confidential=confidential,
        phones=[phone_links(p) for p in node.get("phones") or []],
        map_url=map_link(latitude, longitude),
        directions_url=directions_link(origin, latitude, longitude),
        geo_url=geo_link(latitude, longitude),
        travel=travel_text(node.get("travelMinutes"), node.get("travelMode"), t),
        minutes=node.get("travelMinutes"),
        route=str(node.get("route") or ""),
        checked=checked_text(node.get("lastVerified"), t),
    )


def _page_url(query: Query, locale: Locale, after: str) -> str:
    params = {
        "lang": locale.code,
        "need": query.need,
        "near": query.near,
        "lat": "" if query.lat is None else str(query.lat),
        "lng": "" if query.lng is None else str(query.lng),
        "speaks": query.speaks,
        "free": "1" if query.free else "",
        "open": "1" if query.open_now else "",
        "order": "quickest" if query.quickest else "",
        "after": after,
    }
    return "/?" + urlencode({k: v for k, v in params.items() if v})


async def search(
    gateway: Gateway, query: Query, locale: Locale, t: Messages, *, first: int, client: str | None
) -> Results:
    """Asks the gateway for services near the place or point, nearest or quickest first."""
    if not query.asked:
        return Results(problem=t("need_place"))
    filter_: dict[str, Any] = {"freeOnly": query.free, "openNow": query.open_now}
    if query.need:
        filter_["categories"] = [query.need]
    if query.speaks:
        filter_["languages"] = [query.speaks]
    use_point = query.by_point
    variables: dict[str, Any] = {
        "near": None if use_point else query.near,
        "lat": query.lat if use_point else None,
        "lng": query.lng if use_point else None,
        "filter": filter_,
        "first": first,
        "after": query.after or None,
        "locale": locale.content_locale,
        "orderBy": "TRAVEL_TIME" if query.quickest else "DISTANCE",
        "place": query.near,
        "named": not use_point,  # the place's own point, for directions from it
    }
    try:
        data = await gateway.data(NEARBY, variables, forwarded_for=client)
    except GatewayError:
        return Results(problem=t("unavailable"))
    found = data["nearbyServices"]
    kind = found["__typename"]
    if kind == "RateLimited":
        return Results(problem=t("rate_limited"))
    if kind == "ValidationProblem":
        if found["code"] == "unknown-place" or any(f["field"] == "near" for f in found["fields"]):
            return Results(problem=t("unknown_place", place=query.near))
        return Results(problem=t("unavailable"))
    info = found["pageInfo"]
    origin = origin_of(query, data.get("origin") or [])
    return Results(
        cards=[card(edge["node"], t, origin) for edge in found["edges"]],
        total=int(found.get("totalCount") or len(found["edges"])),
        closed=int(found.get("closedCount") or 0),
        next_url=_page_url(query, locale, info["endCursor"]) if info["hasNextPage"] else "",
        origin=origin,
    )


async def needs(gateway: Gateway, locale: Locale, t: Messages) -> list[tuple[str, str]]:
    """The need picker: top categories as (code, words), worded for this language."""
    names: dict[str, str] = {}
    try:
        data = await gateway.data(CATEGORIES, {"locale": locale.content_locale})
        names = {c["code"]: c["name"] for c in data["categories"]}
    except GatewayError:
        pass  # the picker still works from the catalogue's own words
    codes = [c for c in TOP_NEEDS if c in names] if names else list(TOP_NEEDS)
    return [(code, t.category(code, names.get(code, code))) for code in codes]


async def places(gateway: Gateway, prefix: str) -> list[str]:
    """Place names starting with `prefix`, English and Chinese, each once."""
    prefix = prefix.strip()[:40]
    if not prefix:
        return []
    data = await gateway.data(PLACES, {"prefix": prefix})
    seen: dict[str, None] = {}
    for place in data["places"]:
        for name in (place["nameEn"], place.get("nameZh")):
            if name and name not in seen:
                seen[name] = None
    return list(seen)
