"""Public corrections: anyone reports a wrong listing; admins work reports and review history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.permissions import ListingAdmin, NetworkAdmin, SignedIn
from harbour_gateway.problems import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationProblem,
    invalid,
    outage,
    typed,
)
from harbour_gateway.schema.directory import RateLimited
from harbour_kit.contracts.vocabulary import ReportKind

TEXT_LIMIT, MAX_PAGE, MAX_PER_PAGE = 500, 10_000, 200

strawberry.enum(ReportKind, description="What is wrong with a listing.")


@strawberry.enum(description="Where a report stands.")
class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


@strawberry.type(description="A report was received; the listing's organisation will check it.")
class ReportReceipt:
    id: strawberry.ID


@strawberry.type(description="A report that a listing is wrong.")
class ListingReport:
    id: strawberry.ID
    service_id: strawberry.ID
    organization_id: strawberry.ID
    service_name: str
    kind: ReportKind
    text: str
    status: ReportStatus
    created_at: datetime
    closed_at: datetime | None
    note: str | None

    @staticmethod
    def of(record: dict[str, Any]) -> ListingReport:
        """A report from the directory's answer."""
        closed = record.get("closed_at")
        return ListingReport(
            id=strawberry.ID(record["id"]),
            service_id=strawberry.ID(record["service_id"]),
            organization_id=strawberry.ID(record["organization_id"]),
            service_name=record.get("service_name") or "",
            kind=ReportKind(record["kind"]),
            text=record.get("text") or "",
            status=ReportStatus(record["status"]),
            created_at=datetime.fromisoformat(record["created_at"]),
            closed_at=datetime.fromisoformat(closed) if closed else None,
            note=record.get("note"),
        )


@strawberry.type(description="A page of reports, oldest first.")
class ListingReports:
    reports: list[ListingReport]
    total_items: int
    page_number: int
    total_pages: int


@strawberry.type(description="One field of a listing a change touched.")
class FieldChange:
    field: str
    before: JSON | None = strawberry.field(description="As it was; null if it was not set")
    after: JSON | None = strawberry.field(description="As it became; null if it was removed")


@strawberry.type(description="One change of a listing: who, when, which fields.")
class ListingChange:
    id: strawberry.ID
    service_id: strawberry.ID
    subject: str = strawberry.field(description="The subject id of the admin who made it")
    actor_organization_id: strawberry.ID | None
    role: str
    action: str = strawberry.field(description="edit or revert")
    reverts: strawberry.ID | None
    changed_at: datetime
    fields: list[FieldChange]

    @staticmethod
    def of(record: dict[str, Any]) -> ListingChange:
        """A change from the directory's answer."""
        before, after = record.get("before") or {}, record.get("after") or {}
        actor, reverts = record.get("actor_organization_id"), record.get("reverts")
        return ListingChange(
            id=strawberry.ID(record["id"]),
            service_id=strawberry.ID(record["service_id"]),
            subject=record["subject"],
            actor_organization_id=strawberry.ID(actor) if actor else None,
            role=record["role"],
            action=record["action"],
            reverts=strawberry.ID(reverts) if reverts else None,
            changed_at=datetime.fromisoformat(record["changed_at"]),
            fields=[
                FieldChange(field=name, before=before.get(name), after=after.get(name))
                for name in sorted(set(before) | set(after))
            ],
        )


@strawberry.type(description="A listing's changes, newest first.")
class ListingHistory:
    service_id: strawberry.ID
    changes: list[ListingChange]


ReportListingResult = Annotated[
    ReportReceipt | NotFound | ValidationProblem | RateLimited,
    strawberry.union("ReportListingResult"),
]
ListingReportsResult = Annotated[
    ListingReports | Forbidden | ValidationProblem, strawberry.union("ListingReportsResult")
]
ReportChange = Annotated[
    ListingReport | NotFound | Forbidden | Conflict | ValidationProblem,
    strawberry.union("ReportChange"),
]
ListingHistoryResult = Annotated[
    ListingHistory | NotFound | Forbidden, strawberry.union("ListingHistoryResult")
]
ListingChangeResult = Annotated[
    ListingChange | NotFound | Forbidden | ValidationProblem,
    strawberry.union("ListingChangeResult"),
]


def _refused(exc: DownstreamError, *allowed: type) -> Any:
    """The typed problem when the operation can answer it, else a Forbidden saying so."""
    problem = typed(exc)
    if isinstance(problem, allowed):
        return problem
    return Forbidden(code=problem.code, message=problem.message)


@strawberry.type
class CorrectionsQuery:
    @strawberry.field(
        description="Reports on listings (network admins: all; org admins: their own).",
        permission_classes=[SignedIn, ListingAdmin],
    )
    async def listing_reports(
        self,
        info: Info,
        status: ReportStatus | None = ReportStatus.OPEN,
        page: int = 1,
        per_page: int = 50,
    ) -> ListingReportsResult:
        if not 1 <= page <= MAX_PAGE:
            return invalid("page", f"must be between 1 and {MAX_PAGE}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            return invalid("perPage", f"must be between 1 and {MAX_PER_PAGE}")
        params = {"page": str(page), "per_page": str(per_page)}
        if status is not None:
            params["status"] = status.value
        try:
            data = await info.context.downstream.get(
                "directory", "/reports", token=info.context.token, params=params
            )
        except DownstreamError as exc:
            return _refused(exc, Forbidden, ValidationProblem)
        return ListingReports(
            reports=[ListingReport.of(r) for r in data["contents"]],
            total_items=int(data["total_items"]),
            page_number=int(data["page_number"]),
            total_pages=int(data["total_pages"]),
        )

    @strawberry.field(
        description="A listing's change history (its organisation's admins, network admins).",
        permission_classes=[SignedIn, ListingAdmin],
    )
    async def listing_history(self, info: Info, service_id: strawberry.ID) -> ListingHistoryResult:
        try:
            data = await info.context.downstream.get(
                "directory", f"/services/{segment(service_id)}/history", token=info.context.token
            )
        except DownstreamError as exc:
            return _refused(exc, NotFound, Forbidden)
        return ListingHistory(
            service_id=strawberry.ID(data["service_id"]),
            changes=[ListingChange.of(c) for c in data["changes"]],
        )


async def _close(info: Info, report_id: strawberry.ID, outcome: str, note: str) -> ReportChange:
    if len(note) > TEXT_LIMIT:
        return invalid("note", f"must be at most {TEXT_LIMIT} characters")
    try:
        record = await info.context.downstream.request(
            "POST",
            "directory",
            f"/reports/{segment(report_id)}/{outcome}",
            token=info.context.token,
            body={"note": note},
        )
    except DownstreamError as exc:
        return _refused(exc, NotFound, Forbidden, Conflict, ValidationProblem)
    return ListingReport.of(record)


@strawberry.type
class CorrectionsMutation:
    @strawberry.mutation(description="Report that a listing is wrong (anyone; no account).")
    async def report_listing(
        self,
        info: Info,
        service_id: strawberry.ID,
        kind: ReportKind,
        text: Annotated[
            str, strawberry.argument(description="What is wrong; no contact details")
        ] = "",
    ) -> ReportListingResult:
        if len(text) > TEXT_LIMIT:
            return invalid("text", f"must be at most {TEXT_LIMIT} characters")
        try:
            record = await info.context.downstream.request(
                "POST",
                "directory",
                f"/services/{segment(service_id)}/reports",
                body={"kind": kind.value, "text": text},
                headers={"x-forwarded-for": info.context.client_address},
            )
        except DownstreamError as exc:
            if exc.status == 429:
                return RateLimited(
                    code="rate-limited",
                    message="Too many reports from here; please try again later.",
                    retry_after_seconds=3600,
                )
            problem = typed(exc)
            if isinstance(problem, NotFound | ValidationProblem):
                return problem
            raise outage(exc) from exc
        return ReportReceipt(id=strawberry.ID(record["id"]))

    @strawberry.mutation(
        description="Resolve a report: the listing was put right.",
        permission_classes=[SignedIn, ListingAdmin],
    )
    async def resolve_report(
        self, info: Info, report_id: strawberry.ID, note: str = ""
    ) -> ReportChange:
        return await _close(info, report_id, "resolve", note)

    @strawberry.mutation(
        description="Dismiss a report: nothing to change.",
        permission_classes=[SignedIn, ListingAdmin],
    )
    async def dismiss_report(
        self, info: Info, report_id: strawberry.ID, note: str = ""
    ) -> ReportChange:
        return await _close(info, report_id, "dismiss", note)

    @strawberry.mutation(
        description="Restore a listing's fields from before a change (network admins).",
        permission_classes=[SignedIn, NetworkAdmin],
    )
    async def revert_listing_change(
        self, info: Info, service_id: strawberry.ID, change_id: strawberry.ID
    ) -> ListingChangeResult:
        try:
            record = await info.context.downstream.request(
                "POST",
                "directory",
                f"/services/{segment(service_id)}/history/{segment(change_id)}/revert",
                token=info.context.token,
                body=None,
            )
        except DownstreamError as exc:
            return _refused(exc, NotFound, Forbidden, ValidationProblem)
        return ListingChange.of(record)
