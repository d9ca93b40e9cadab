"""The public directory: nearby services, services, organisations, categories and places."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.permissions import OrgAdmin, SignedIn
from harbour_gateway.problems import (
    Forbidden,
    NotFound,
    Problem,
    ValidationProblem,
    invalid,
    outage,
    typed,
)
from harbour_gateway.schema.relay import (
    Connection,
    Edge,
    PageInfo,
    offset_after,
    offset_cursor,
    page_window,
)
from harbour_gateway.schema.search_arguments import (
    MAX_PREFIX,
    ServiceFilter,
    search_params,
    too_long,
)
from harbour_gateway.schema.selection import selected
from harbour_gateway.schema.travel import NearbyOrder, TravelMode, travel_mode


@strawberry.type(description="Too many searches from this address; wait and try again.")
class RateLimited(Problem):
    retry_after_seconds: int


@strawberry.type(description="A partner organisation.")
class Organization:
    id: strawberry.ID
    name: str
    description: str | None
    email: str | None
    website: str | None

    @staticmethod
    def of(record: dict[str, Any]) -> Organization:
        """An organisation from a directory record."""
        return Organization(
            id=strawberry.ID(record["id"]),
            name=record.get("name") or "",
            description=record.get("description"),
            email=record.get("email"),
            website=record.get("website"),
        )


@strawberry.type(description="How a referral reaches the service, and how soon it answers.")
class ReferralPathway:
    method: str | None
    instructions: str | None
    response_days: int | None


@strawberry.type(description="One opening period in the week (HSDS schedule).")
class OpeningHours:
    days: str | None = strawberry.field(description="RFC 5545 days, e.g. MO,TU,WE")
    opens_at: str | None
    closes_at: str | None
    description: str | None


# The record key each Service field reads; a list that selects one its records lack loads them.
SERVICE_KEYS = {
    "name": "name",
    "description": "description",
    "status": "status",
    "categories": "categories",
    "fees": "fees_description",
    "applicationProcess": "application_process",
    "eligibility": "eligibility",
    "acceptingReferrals": "intake",
    "waitlistWeeks": "intake",
    "intakeUpdatedAt": "intake",
    "referralPathway": "referral_pathway",
    "lastVerified": "assured_date",
    "version": "version",
    "organization": "organization_id",
}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def _opening_hours(root: Service, info: Info) -> list[OpeningHours]:
    schedules = root.record.get("schedules")
    if schedules is None:
        full = await _get(info, f"/services/{segment(root.id)}", {"locale": root.locale or "en"})
        schedules = full.get("schedules") or []
    return [
        OpeningHours(
            days=s.get("byday"),
            opens_at=s.get("opens_at"),
            closes_at=s.get("closes_at"),
            description=s.get("description"),
        )
        for s in schedules
    ]


@strawberry.type(description="A service a partner offers; fields load from the directory on use.")
class Service:
    # Plain attributes, filled once per object by `services()`: no resolver runs per field.
    id: strawberry.ID
    name: str
    description: str | None
    status: str | None = strawberry.field(
        description="active, inactive, defunct or temporarily closed"
    )
    categories: list[str] = strawberry.field(
        description="Category codes, e.g. legal.protection-claim"
    )
    fees: str | None = strawberry.field(description="What it costs, in words")
    application_process: str | None = strawberry.field(description="How to apply, in words")
    eligibility: JSON | None = strawberry.field(
        description="Who may use it: immigration status, age, gender, documents"
    )
    accepting_referrals: bool | None = strawberry.field(
        description="Whether it takes referrals now (null when unknown)"
    )
    waitlist_weeks: int | None = strawberry.field(
        description="Weeks a new client waits, where the partner says"
    )
    intake_updated_at: str | None = strawberry.field(
        description="When the partner last updated its intake figures"
    )
    referral_pathway: ReferralPathway | None
    last_verified: str | None = strawberry.field(
        description="When the listing was last checked with the partner"
    )
    version: int | None = strawberry.field(description="The listing's version, for change tracking")
    opening_hours: list[OpeningHours] = strawberry.field(
        resolver=_opening_hours, description="Weekly opening hours (from the full listing)"
    )
    organization: Organization | None = None
    record: strawberry.Private[dict[str, Any]]
    locale: strawberry.Private[str | None] = None

    @staticmethod
    def of(
        id: str,
        record: dict[str, Any],
        *,
        locale: str | None = None,
        organization: Organization | None = None,
    ) -> Service:
        """A service from a directory record (as much of it as the query needs)."""
        intake = record.get("intake") or {}
        pathway = record.get("referral_pathway")
        accepting = intake.get("accepting_referrals")
        version = record.get("version")
        return Service(
            id=strawberry.ID(id),
            name=str(record.get("name") or ""),
            description=_text(record.get("description")),
            status=_text(record.get("status")),
            categories=list(record.get("categories") or []),
            fees=_text(record.get("fees_description")),
            application_process=_text(record.get("application_process")),
            eligibility=record.get("eligibility"),
            accepting_referrals=None if accepting is None else bool(accepting),
            waitlist_weeks=intake.get("waitlist_weeks"),
            intake_updated_at=intake.get("updated_at"),
            referral_pathway=ReferralPathway(
                method=pathway.get("method"),
                instructions=pathway.get("instructions"),
                response_days=pathway.get("response_days"),
            )
            if pathway
            else None,
            last_verified=_text(record.get("assured_date")),
            version=None if version is None else int(version),
            organization=organization,
            record=record,
            locale=locale,
        )


def _lacks(fields: set[str], record: dict[str, Any]) -> bool:
    """Whether `record` misses a key one of the selected fields reads."""
    return any(SERVICE_KEYS[f] not in record for f in fields if f in SERVICE_KEYS)


def _organization_id(record: dict[str, Any]) -> str | None:
    org_id = record.get("organization_id")
    if org_id is None:
        org_id = (record.get("organization") or {}).get("id")
    return None if org_id is None else str(org_id)


async def directory_batch(
    pending: Awaitable[list[dict[str, Any] | None]],
) -> list[dict[str, Any] | None]:
    """A batch of directory records; an outage is the directory's, named as such."""
    try:
        return await pending
    except DownstreamError as exc:
        raise outage(exc) from exc


async def services(
    info: Info,
    items: list[tuple[str, dict[str, Any]]],
    fields: set[str],
    *,
    locale: str | None = None,
    full: bool = False,
) -> list[Service]:
    """Services from (id, record on hand), with one batch of loads for what `fields` need."""
    loaders = info.context.loaders
    records = [record for _, record in items]
    if not full and fields:
        missing = [i for i, record in enumerate(records) if _lacks(fields, record)]
        if missing:
            ids = [items[i][0] for i in missing]
            loaded = await directory_batch(loaders.services(locale).load_many(ids))
            for i, found in zip(missing, loaded, strict=True):
                if found is not None:
                    records[i] = {**found, **records[i]}
    organizations: list[Organization | None] = [None] * len(records)
    if "organization" in fields:
        org_ids = [_organization_id(record) for record in records]
        wanted = [o for o in org_ids if o is not None]
        loaded = await directory_batch(loaders.organizations(locale).load_many(wanted))
        # One object per organisation: a page of one partner's services shares it.
        by_id = {o: Organization.of(f) if f else None for o, f in zip(wanted, loaded, strict=True)}
        organizations = [None if o is None else by_id[o] for o in org_ids]
    return [
        Service.of(id, record, locale=locale, organization=organization)
        for (id, _), record, organization in zip(items, records, organizations, strict=True)
    ]


@strawberry.type(description="A district of Hong Kong.")
class District:
    id: str | None
    name: str | None


@strawberry.type(
    description="Where a service is given; a confidential place shows only its district."
)
class Place:
    name: str
    latitude: float | None
    longitude: float | None
    address: str | None
    transportation: str | None = strawberry.field(description="MTR exit, bus, walking directions")


@strawberry.type(description="A service at one place, as a search finds it.")
class NearbyService:
    id: strawberry.ID = strawberry.field(description="The HSDS service_at_location id")
    service: Service
    place: Place
    district: District
    distance: float | None = strawberry.field(description="Metres from the searched point")
    open_now: bool | None = strawberry.field(description="Null when the hours are not known")
    hours_today: list[str]
    languages: list[str]
    free: bool
    fees: str | None
    eligibility: JSON | None
    accepting_referrals: bool | None
    wheelchair_accessible: bool | None
    confidential: bool
    phones: list[str]
    last_verified: str | None
    travel_minutes: int | None = strawberry.field(
        default=None,
        description="Typical minutes door to door from the searched point: MTR, ferry, walking",
    )
    travel_mode: TravelMode | None = strawberry.field(
        default=None, description="The main way there (null without a searched point)"
    )
    route: str | None = strawberry.field(
        default=None, description="The way there in words, in the request's language"
    )

    @strawberry.field(description="How to get there: the directions, else the address")
    def how_to_get_there(self) -> str | None:
        return self.place.transportation or self.place.address

    @staticmethod
    def of(item: dict[str, Any], service: Service) -> NearbyService:
        """A search result from the directory's service_at_locations item and its service."""
        location = item.get("location") or {}
        addresses = location.get("addresses") or []
        district = item.get("district") or {}
        return NearbyService(
            id=strawberry.ID(item["id"]),
            service=service,
            place=Place(
                name=location.get("name") or "",
                latitude=location.get("latitude"),
                longitude=location.get("longitude"),
                address=addresses[0].get("address_1") if addresses else None,
                transportation=location.get("transportation"),
            ),
            district=District(id=district.get("id"), name=district.get("name")),
            distance=item.get("distance"),
            open_now=item.get("open_now"),
            hours_today=list(item.get("hours_today") or []),
            languages=list(item.get("languages") or []),
            free=bool(item.get("free")),
            fees=item.get("fees"),
            eligibility=item.get("eligibility"),
            accepting_referrals=item.get("accepting_referrals"),
            wheelchair_accessible=item.get("wheelchair_accessible"),
            confidential=bool(item.get("confidential")),
            phones=list(item.get("phones") or []),
            last_verified=item.get("last_verified"),
            travel_minutes=item.get("travel_minutes"),
            travel_mode=travel_mode(item.get("travel_mode")),
            route=item.get("route"),
        )


@strawberry.type(description="A category of help, with its sub-categories.")
class Category:
    code: str
    name: str
    children: list[Category]


@strawberry.type(description="A place name Harbour knows: a district, MTR station or landmark.")
class Gazetteer:
    id: str
    kind: str
    name_en: str
    name_zh: str | None
    district: str | None
    latitude: float
    longitude: float


@strawberry.input(description="A service's intake capacity.")
class IntakeInput:
    accepting_referrals: bool | None = None
    waitlist_weeks: int | None = None
    waitlist_length: int | None = None


@strawberry.input(description="One weekly opening period.")
class OpeningHoursInput:
    days: str = strawberry.field(description="RFC 5545 days, e.g. MO,TU,WE,TH,FR")
    opens_at: str = strawberry.field(description="HH:MM, local time")
    closes_at: str = strawberry.field(description="HH:MM; earlier than opensAt for overnight")
    description: str | None = None


@strawberry.type(name="NearbyServiceConnection")
class NearbyServices(Connection[NearbyService]):
    closed_count: int | None = strawberry.field(
        default=None,
        description="With openNow: how many more matched but are closed now (why a list is short)",
    )


NearbyServicesResult = Annotated[
    NearbyServices | ValidationProblem | RateLimited, strawberry.union("NearbyServicesResult")
]
ServiceResult = Annotated[Service | NotFound, strawberry.union("ServiceResult")]
OrganizationResult = Annotated[Organization | NotFound, strawberry.union("OrganizationResult")]
ServiceChange = Annotated[
    Service | NotFound | Forbidden | ValidationProblem, strawberry.union("ServiceChange")
]


def _card(item: dict[str, Any]) -> dict[str, Any]:
    """What a search result tells of its service (more loads only if the query asks)."""
    card = item["service"]
    return {
        "name": card.get("name"),
        "description": card.get("description"),
        "status": card.get("status"),
        "categories": item.get("categories"),
        "organization_id": (card.get("organization") or {}).get("id"),
    }


async def _get(info: Info, path: str, params: dict[str, str] | None = None) -> Any:
    try:
        return await info.context.downstream.get(
            "directory", path, token=info.context.token, params=params
        )
    except DownstreamError as exc:
        raise outage(exc) from exc


async def _one(info: Info, path: str, locale: str | None) -> dict[str, Any] | NotFound:
    """One directory record in the caller's language, or NotFound; outages raise."""
    try:
        record: dict[str, Any] = await info.context.downstream.get(
            "directory",
            path,
            token=info.context.token,
            params={"locale": locale or info.context.locale},
        )
    except DownstreamError as exc:
        problem = typed(exc)
        if isinstance(problem, NotFound):
            return problem
        raise outage(exc) from exc
    return record


@strawberry.type
class DirectoryQuery:
    @strawberry.field(
        description="Services near a place or point, nearest first or quickest to reach (public)."
    )
    async def nearby_services(
        self,
        info: Info,
        near: str | None = None,
        lat: float | None = None,
        lng: float | None = None,
        radius: Annotated[float | None, strawberry.argument(description="Metres")] = None,
        filter: ServiceFilter | None = None,
        first: int = 20,
        after: str | None = None,
        locale: str | None = None,
        order_by: Annotated[
            NearbyOrder,
            strawberry.argument(description="TRAVEL_TIME: quickest first, looking wider"),
        ] = NearbyOrder.DISTANCE,
    ) -> NearbyServicesResult:
        context = info.context
        if context.principal is None and not await context.limiter.allow(context.client_address):
            return RateLimited(
                code="rate-limited",
                message="Too many searches from here; wait a minute and try again.",
                retry_after_seconds=60,
            )
        if not 1 <= first <= 100:
            return invalid("first", "must be between 1 and 100")
        if refused := too_long(near=near, filter=filter, locale=locale):
            return refused
        start = offset_after(after)
        if isinstance(start, ValidationProblem):
            return start
        page, per_page, skip = page_window(start, first)
        locale = locale or context.locale
        params = search_params(
            near=near, lat=lat, lng=lng, radius=radius, filter=filter, locale=locale
        )
        params.update(page=str(page), per_page=str(per_page))
        if order_by is NearbyOrder.TRAVEL_TIME:
            params["order"] = order_by.value
        try:
            data = await context.downstream.get(
                "directory", "/service_at_locations", token=context.token, params=params
            )
        except DownstreamError as exc:
            problem = typed(exc)
            if isinstance(problem, ValidationProblem):
                return problem
            raise outage(exc) from exc
        items = data["contents"][skip:]
        found = await services(
            info,
            [(item["service"]["id"], _card(item)) for item in items],
            selected(info, "edges", "node", "service"),
            locale=locale,
        )
        edges = [
            Edge(cursor=offset_cursor(start + i), node=NearbyService.of(item, service))
            for i, (item, service) in enumerate(zip(items, found, strict=True))
        ]
        total = int(data["total_items"])
        return NearbyServices(
            edges=edges,
            page_info=PageInfo(
                has_next_page=start + len(edges) < total,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
            closed_count=data.get("closed_count"),
        )

    @strawberry.field(description="One service (public).")
    async def service(
        self, info: Info, id: strawberry.ID, locale: str | None = None
    ) -> ServiceResult:
        record = await _one(info, f"/services/{segment(id)}", locale)
        if isinstance(record, NotFound):
            return record
        (found,) = await services(
            info, [(record["id"], record)], selected(info), locale=locale or None, full=True
        )
        return found

    @strawberry.field(description="One organisation (public).")
    async def organization(
        self, info: Info, id: strawberry.ID, locale: str | None = None
    ) -> OrganizationResult:
        record = await _one(info, f"/organizations/{segment(id)}", locale)
        return record if isinstance(record, NotFound) else Organization.of(record)

    @strawberry.field(description="The category tree, in the caller's language (public).")
    async def categories(self, info: Info, locale: str | None = None) -> list[Category]:
        data = await _get(
            info, "/taxonomy_terms", {"per_page": "500", "locale": locale or info.context.locale}
        )
        terms = [t for t in data["contents"] if t.get("taxonomy") == "harbour-categories"]
        children: dict[str | None, list[dict[str, Any]]] = {}
        for term in terms:
            children.setdefault(term.get("parent_id"), []).append(term)

        def tree(parent: str | None) -> list[Category]:
            return [
                Category(code=t["code"], name=t["name"], children=tree(t["id"]))
                for t in sorted(children.get(parent, []), key=lambda t: str(t["code"]))
            ]

        return tree(None)

    @strawberry.field(
        description="Place names starting with `prefix`, English or Chinese (public)."
    )
    async def places(self, info: Info, prefix: str, limit: int = 10) -> list[Gazetteer]:
        if not prefix.strip() or len(prefix) > MAX_PREFIX:
            return []  # no place name is that long
        data = await _get(info, "/places", {"prefix": prefix, "limit": str(max(1, min(limit, 50)))})
        return [
            Gazetteer(
                id=p["id"],
                kind=p["kind"],
                name_en=p["name_en"],
                name_zh=p.get("name_zh"),
                district=p.get("district"),
                latitude=p["latitude"],
                longitude=p["longitude"],
            )
            for p in data["contents"]
        ]


async def _change(info: Info, method: str, path: str, body: Any) -> ServiceChange:
    try:
        record = await info.context.downstream.request(
            method, "directory", path, token=info.context.token, body=body
        )
    except DownstreamError as exc:
        problem = typed(exc)
        if isinstance(problem, NotFound | Forbidden | ValidationProblem):
            return problem
        return ValidationProblem(code=problem.code, message=problem.message, fields=[])
    service_id = record.get("id") or path.split("/")[2]
    (found,) = await services(info, [(service_id, record)], selected(info))
    return found


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(
        description="Update a service's intake capacity (your organisation's admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def update_intake(
        self, info: Info, service_id: strawberry.ID, intake: IntakeInput
    ) -> ServiceChange:
        body = {k: v for k, v in vars(intake).items() if v is not None}
        if not body:
            return invalid("intake", "give at least one intake field")
        return await _change(info, "PATCH", f"/services/{segment(service_id)}/intake", body)

    @strawberry.mutation(
        description="Replace a service's weekly opening hours (your organisation's admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def update_opening_hours(
        self, info: Info, service_id: strawberry.ID, hours: list[OpeningHoursInput]
    ) -> ServiceChange:
        try:
            record = await info.context.downstream.get(
                "directory", f"/services/{segment(service_id)}", token=info.context.token
            )
        except DownstreamError as exc:
            problem = typed(exc)
            return problem if isinstance(problem, NotFound | Forbidden) else invalid("id", str(exc))
        record["schedules"] = [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"harbour:{service_id}:hours:{i}")),
                "service_id": str(service_id),
                "freq": "WEEKLY",
                "byday": h.days,
                "opens_at": h.opens_at,
                "closes_at": h.closes_at,
                # HSDS text fields are strings: an absent description is left out, not null.
                **({"description": h.description} if h.description is not None else {}),
            }
            for i, h in enumerate(hours)
        ]
        return await _change(info, "PUT", f"/services/{segment(service_id)}", record)
