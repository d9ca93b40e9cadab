"""Rules of listing verification: who may confirm, when a listing is stale, the freshness report.

A listing is stale when its `assured_date` (a Hong Kong date) is more than the verification
period before today, or when it was never confirmed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import jwt
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.listings import repository as listings_repository
from harbour_directory.listings import service as listings
from harbour_directory.search import projection
from harbour_directory.verification import repository
from harbour_directory.verification.repository import Listing
from harbour_directory.verification.schemas import (
    FreshnessCounts,
    FreshnessReport,
    OrganizationRef,
    StaleListing,
    Verification,
)
from harbour_kit.auth import Principal
from harbour_kit.errors import NotFound
from harbour_kit.events.outbox import Outbox


def local_today(*, now: datetime, time_zone: str) -> date:
    """The date it is at `now` where the directory is (Hong Kong)."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def cutoff(*, today: date, period_days: int) -> str:
    """The earliest assured date still fresh today, as stored (ISO 8601)."""
    return (today - timedelta(days=period_days)).isoformat()


def assured_on(value: str | None) -> date | None:
    """A stored assured date as a date; None when missing or not a date."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def is_stale(assured_date: str | None, *, today: date, period_days: int) -> bool:
    """Whether a listing with this assured date needs confirming today."""
    checked = assured_on(assured_date)
    return checked is None or checked.isoformat() < cutoff(today=today, period_days=period_days)


def _email(principal: Principal) -> str | None:
    """The `email` claim of the caller's (already verified) token, if it has one."""
    if not principal.token:
        return None
    claims = jwt.decode(principal.token, options={"verify_signature": False})
    email = claims.get("email")
    return email if isinstance(email, str) and "@" in email else None


async def view(
    *,
    session: AsyncSession,
    service_id: str,
    principal: Principal,
    today: date,
    period_days: int,
) -> Verification:
    """How fresh a listing is, for its organisation's admins and network admins."""
    service = await listings.owned_service(
        session=session, service_id=service_id, principal=principal
    )
    checked = assured_on(service.get("assured_date"))
    return Verification(
        service_id=service_id,
        organization_id=service.get("organization_id") or "",
        name=service.get("name") or "",
        assured_date=checked,
        assurer_email=service.get("assurer_email") or None,
        stale=is_stale(service.get("assured_date"), today=today, period_days=period_days),
        due_on=None if checked is None else checked + timedelta(days=period_days),
    )


async def confirm(
    *,
    session: AsyncSession,
    outbox: Outbox,
    service_id: str,
    principal: Principal,
    now: datetime,
    time_zone: str,
    period_days: int,
) -> Verification:
    """Records that the listing is still right today, refreshes its results and publishes it."""
    await listings.owned_service(session=session, service_id=service_id, principal=principal)
    today = local_today(now=now, time_zone=time_zone)
    before = await listings_repository.profiles(session=session, service_ids=[service_id])
    profile = before.get(service_id)
    if profile is None:
        raise NotFound("No such service.")
    await repository.set_assurance(
        session=session,
        service_id=service_id,
        assured_date=today.isoformat(),
        assurer_email=_email(principal),
    )
    await listings_repository.update_profile(
        session=session,
        service_id=service_id,
        changes={"version": int(profile["version"]) + 1, "updated_at": now},
    )
    await projection.refresh(session, [service_id])
    await listings.publish_upserts(
        session=session, outbox=outbox, service_ids=[service_id], before=before
    )
    return await view(
        session=session,
        service_id=service_id,
        principal=principal,
        today=today,
        period_days=period_days,
    )


def _order(listing: Listing, organizations: dict[str, str]) -> tuple[str, str, str, str]:
    """Organisation name, then never-confirmed and oldest first, then id."""
    name = organizations.get(listing.organization_id, "")
    return (name.casefold(), listing.organization_id, listing.assured_date or "", listing.id)


async def report(
    *, session: AsyncSession, today: date, period_days: int, number: int, per_page: int
) -> FreshnessReport:
    """Counts of fresh, stale and never-confirmed listings, and a page of those to confirm."""
    every = await repository.listings(session=session)
    stale = [x for x in every if is_stale(x.assured_date, today=today, period_days=period_days)]
    never = sum(1 for x in stale if assured_on(x.assured_date) is None)
    organizations = {
        org_id: row.get("name") or ""
        for org_id, row in (
            await hsds_repository.by_ids(
                session=session, table="organization", ids={x.organization_id for x in stale}
            )
        ).items()
    }
    stale.sort(key=lambda x: _order(x, organizations))
    total = len(stale)
    pages = max(1, -(-total // per_page))
    chosen = stale[(number - 1) * per_page : number * per_page]
    return FreshnessReport(
        total_items=total,
        total_pages=pages,
        page_number=number,
        size=len(chosen),
        first_page=number == 1,
        last_page=number >= pages,
        empty=not chosen,
        period_days=period_days,
        counts=FreshnessCounts(
            fresh=len(every) - len(stale), stale=len(stale) - never, never_confirmed=never
        ),
        contents=[
            StaleListing(
                service_id=x.id,
                name=x.name,
                organization=OrganizationRef(
                    id=x.organization_id, name=organizations.get(x.organization_id, "")
                ),
                assured_date=assured_on(x.assured_date),
            )
            for x in chosen
        ],
    )
