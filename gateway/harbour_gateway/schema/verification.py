"""Listing verification: confirming a listing is still right, and the network's freshness report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.permissions import ListingAdmin, NetworkAdmin, SignedIn
from harbour_gateway.problems import Forbidden, NotFound, ValidationProblem, invalid, typed

MAX_PAGE, MAX_PER_PAGE = 10_000, 200


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


@strawberry.type(description="How fresh a listing is: when its organisation last confirmed it.")
class ListingVerification:
    service_id: strawberry.ID
    organization_id: strawberry.ID
    name: str
    assured_date: date | None = strawberry.field(description="Last confirmed; null if never")
    stale: bool = strawberry.field(description="Not confirmed within the verification period")
    due_on: date | None = strawberry.field(description="The last day it counts as fresh")

    @staticmethod
    def of(record: dict[str, Any]) -> ListingVerification:
        """A verification from the directory's answer."""
        return ListingVerification(
            service_id=strawberry.ID(record["service_id"]),
            organization_id=strawberry.ID(record["organization_id"]),
            name=record.get("name") or "",
            assured_date=_day(record.get("assured_date")),
            stale=bool(record.get("stale")),
            due_on=_day(record.get("due_on")),
        )


@strawberry.type(description="How many listings are fresh, stale, or were never confirmed.")
class FreshnessCounts:
    fresh: int
    stale: int = strawberry.field(description="Confirmed once, but not within the period")
    never_confirmed: int


@strawberry.type(description="A listing its organisation should confirm.")
class StaleListing:
    service_id: strawberry.ID
    name: str
    organization_id: strawberry.ID
    organization_name: str
    assured_date: date | None = strawberry.field(description="Null if it was never confirmed")


@strawberry.type(description="Listing freshness across the network; stale ones by organisation.")
class ListingFreshness:
    period_days: int
    counts: FreshnessCounts
    listings: list[StaleListing]
    total_items: int
    page_number: int
    total_pages: int

    @staticmethod
    def of(data: dict[str, Any]) -> ListingFreshness:
        """The report from the directory's answer."""
        counts = data["counts"]
        return ListingFreshness(
            period_days=int(data["period_days"]),
            counts=FreshnessCounts(
                fresh=counts["fresh"],
                stale=counts["stale"],
                never_confirmed=counts["never_confirmed"],
            ),
            listings=[
                StaleListing(
                    service_id=strawberry.ID(item["service_id"]),
                    name=item.get("name") or "",
                    organization_id=strawberry.ID(item["organization"]["id"]),
                    organization_name=item["organization"].get("name") or "",
                    assured_date=_day(item.get("assured_date")),
                )
                for item in data["contents"]
            ],
            total_items=int(data["total_items"]),
            page_number=int(data["page_number"]),
            total_pages=int(data["total_pages"]),
        )


ListingVerificationChange = Annotated[
    ListingVerification | NotFound | Forbidden, strawberry.union("ListingVerificationChange")
]
ListingFreshnessResult = Annotated[
    ListingFreshness | Forbidden | ValidationProblem, strawberry.union("ListingFreshnessResult")
]


@strawberry.type
class VerificationQuery:
    @strawberry.field(
        description="How fresh the network's listings are, stale ones by organisation.",
        permission_classes=[SignedIn, NetworkAdmin],
    )
    async def listing_freshness(
        self, info: Info, page: int = 1, per_page: int = 50
    ) -> ListingFreshnessResult:
        if not 1 <= page <= MAX_PAGE:
            return invalid("page", f"must be between 1 and {MAX_PAGE}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            return invalid("perPage", f"must be between 1 and {MAX_PER_PAGE}")
        try:
            data = await info.context.downstream.get(
                "directory",
                "/verification/report",
                token=info.context.token,
                params={"page": str(page), "per_page": str(per_page)},
            )
        except DownstreamError as exc:
            problem = typed(exc)
            if isinstance(problem, Forbidden | ValidationProblem):
                return problem
            return Forbidden(code=problem.code, message=problem.message)
        return ListingFreshness.of(data)


@strawberry.type
class VerificationMutation:
    @strawberry.mutation(
        description="Confirm a listing is still right (its organisation's admins, network admins).",
        permission_classes=[SignedIn, ListingAdmin],
    )
    async def confirm_listing(
        self, info: Info, service_id: strawberry.ID
    ) -> ListingVerificationChange:
        try:
            record = await info.context.downstream.request(
                "POST",
                "directory",
                f"/services/{segment(service_id)}/verification",
                token=info.context.token,
                body=None,
            )
        except DownstreamError as exc:
            problem = typed(exc)
            if isinstance(problem, NotFound | Forbidden):
                return problem
            return Forbidden(code=problem.code, message=problem.message)
        return ListingVerification.of(record)
