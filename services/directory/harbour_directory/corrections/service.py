"""Rules of listing reports: who may send one, spam resistance, and who may act on it.

Reports need no account, so they are limited per client address (kept only as a keyed hash),
a filled-in honeypot is taken and dropped, and the same open report is not queued twice. The
text never leaves the directory: the event names the kind only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.corrections import repository
from harbour_directory.corrections.schemas import (
    ReportClose,
    ReportCreate,
    ReportPage,
    ReportPublic,
    ReportReceipt,
    ReportStatus,
)
from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.listings.service import is_network_admin
from harbour_kit.auth import Principal
from harbour_kit.contracts import ListingReportReceived
from harbour_kit.errors import Conflict, Forbidden, HarbourError, NotFound, ValidationFailed
from harbour_kit.events.outbox import Outbox

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# Eight or more digits, however spaced: Hong Kong numbers have eight.
PHONE = re.compile(r"(?:\+?\d[\s().-]*){8,}")
OWN_ONLY = "You can only act on reports about your own organisation's listings."


def client_key(address: str, *, salt: str) -> str:
    """A keyed hash of a client address: counts a client without keeping where it is."""
    return hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest()


def _clean(text: str) -> str:
    """The report's text with its whitespace tidied."""
    return " ".join(text.split())


def _check_text(text: str) -> None:
    """Refuses text carrying contact details: a report is about the listing, not a person."""
    if EMAIL.search(text) or PHONE.search(text):
        raise ValidationFailed(
            "Please leave out phone numbers and e-mail addresses.",
            errors=[
                {"field": "text", "message": "must not contain a phone number or e-mail address"}
            ],
        )


def _fingerprint(service_id: str, kind: str, text: str) -> str:
    """Says what a report says, so the same open report is queued once."""
    said = f"{service_id}\n{kind}\n{text.casefold()}"
    return hashlib.sha256(said.encode()).hexdigest()


async def receive(
    *,
    session: AsyncSession,
    outbox: Outbox,
    service_id: str,
    report: ReportCreate,
    client: str,
    limit: int,
    window: float,
    now: datetime,
) -> ReportReceipt:
    """Queues a report on a listing for its organisation's admins, and tells them it came."""
    if report.website:
        return ReportReceipt(id=str(uuid.uuid4()))  # a robot: look accepted, keep nothing
    text = _clean(report.text)
    _check_text(text)
    found = await hsds_repository.by_ids(session=session, table="service", ids=[service_id])
    service = found.get(service_id)
    if service is None:
        raise NotFound("No such service.")
    since = now - timedelta(seconds=window)
    if await repository.sent_since(session=session, client_key=client, since=since) >= limit:
        raise HarbourError(
            "Too many reports from here; please try again later.",
            code="rate-limited",
            status=429,
            headers={"Retry-After": str(int(window))},
        )
    fingerprint = _fingerprint(service_id, report.kind, text)
    duplicate = await repository.open_duplicate(session=session, fingerprint=fingerprint)
    if duplicate is not None:
        return ReportReceipt(id=duplicate)
    report_id = str(uuid.uuid4())
    organization_id = service.get("organization_id") or ""
    await repository.add(
        session=session,
        values={
            "id": report_id,
            "service_id": service_id,
            "organization_id": organization_id,
            "kind": report.kind,
            "text": text,
            "status": "open",
            "client_key": client,
            "fingerprint": fingerprint,
            "created_at": now,
        },
    )
    await outbox.add(
        session,
        ListingReportReceived(
            report_id=report_id,
            service_id=service_id,
            organization_id=organization_id,
            name=service.get("name") or "",
            kind=report.kind,
            occurred_at=now,
        ),
        subject=service_id,
    )
    return ReportReceipt(id=report_id)


def _public(row: dict[str, object]) -> ReportPublic:
    return ReportPublic.model_validate({**row, "service_name": row.get("service_name") or ""})


def _scope(principal: Principal) -> str | None:
    """Network admins see every organisation's reports; org admins their own."""
    if is_network_admin(principal):
        return None
    if not principal.org_id:
        raise Forbidden(OWN_ONLY)
    return principal.org_id


async def queue(
    *,
    session: AsyncSession,
    principal: Principal,
    status: ReportStatus | None,
    number: int,
    per_page: int,
) -> ReportPage:
    """A page of reports the principal may act on, oldest first."""
    rows, total = await repository.page(
        session=session,
        status=status,
        organization_id=_scope(principal),
        number=number,
        per_page=per_page,
    )
    pages = max(1, -(-total // per_page))
    return ReportPage(
        total_items=total,
        total_pages=pages,
        page_number=number,
        size=len(rows),
        first_page=number == 1,
        last_page=number >= pages,
        empty=not rows,
        contents=[_public(r) for r in rows],
    )


async def close(
    *,
    session: AsyncSession,
    report_id: str,
    principal: Principal,
    outcome: ReportStatus,
    body: ReportClose,
    now: datetime,
) -> ReportPublic:
    """Resolves or dismisses an open report, with a note."""
    found = await repository.report(session=session, report_id=report_id)
    if found is None:
        raise NotFound("No such report.")
    scope = _scope(principal)
    if scope is not None and found["organization_id"] != scope:
        raise Forbidden(OWN_ONLY)
    closed = await repository.close(
        session=session,
        report_id=report_id,
        values={
            "status": outcome,
            "closed_at": now,
            "closed_by": principal.sub,
            "note": _clean(body.note) or None,
        },
    )
    if not closed:
        raise Conflict(f"The report was already {found['status']}.", code="report-closed")
    updated = await repository.report(session=session, report_id=report_id)
    assert updated is not None
    return _public(updated)
