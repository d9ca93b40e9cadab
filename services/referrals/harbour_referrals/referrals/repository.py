"""Every query on referrals, their history and the idempotency keys of creates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import and_, insert, or_, text, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from harbour_kit.db import dialect_of, execute
from harbour_referrals import lifecycle
from harbour_referrals.lifecycle import Status
from harbour_referrals.models import IdempotencyKey, Referral, ReferralHistory

Box = Literal["sent", "inbox"]
Row = TypeVar("Row")
AWAITING_RECIPIENT = (Status.REQUESTED.value, Status.RECEIVED.value)


async def get(*, session: AsyncSession, referral_id: str, lock: bool = False) -> Referral | None:
    """A referral by its id; with `lock`, held until the transaction ends."""
    return await session.get(Referral, referral_id, with_for_update=lock)


async def add(*, session: AsyncSession, row: Referral | IdempotencyKey) -> None:
    """Adds a row to the unit of work (written when it flushes)."""
    session.add(row)


async def insert_new(*, session: AsyncSession, referral: Referral) -> None:
    """Writes a new referral with one INSERT, then keeps it in the session as a loaded row."""
    table = Referral.__table__  # type: ignore[attr-defined]
    await execute(session, insert(table), {c.name: getattr(referral, c.name) for c in table.c})
    # What the ORM's flush would leave, without its unit-of-work bookkeeping.
    make_transient_to_detached(referral)
    session.add(referral)


async def update_if_version(
    *, session: AsyncSession, referral: Referral, version: int, changes: dict[str, Any]
) -> bool:
    """Applies `changes` only if the referral is still at `version`; the object takes them on."""
    table = Referral.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == referral.id, table.c.version == version)
        .values(**changes)
        .returning(*(table.c[name] for name in changes))
    )
    row = (await execute(session, statement)).mappings().first()
    if row is None:
        return False
    # The values as stored, without marking the object changed: no reload, no second UPDATE.
    for name, value in row.items():
        set_committed_value(referral, name, value)
    return True


async def add_history(*, session: AsyncSession, values: dict[str, Any]) -> None:
    """Writes one history row at once, without the ORM's unit of work."""
    await execute(session, insert(ReferralHistory.__table__), values)  # type: ignore[attr-defined]


async def history(*, session: AsyncSession, referral_id: str) -> list[ReferralHistory]:
    """A referral's changes, oldest first."""
    query = (
        select(ReferralHistory)
        .where(ReferralHistory.referral_id == referral_id)
        .order_by(col(ReferralHistory.version))
    )
    return list((await session.exec(query)).all())


async def page(
    *,
    session: AsyncSession,
    organization_id: str | None,
    box: Box,
    statuses: Sequence[str] | None,
    ids: Sequence[str] | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Referral]:
    """Up to `limit` referrals an organisation sent or received, newest first, after a cursor."""
    sent = box == "sent"
    column = Referral.referrer_organization_id if sent else Referral.recipient_organization_id
    query = select(Referral).where(column == organization_id)
    if not sent:
        query = query.where(col(Referral.status) != Status.DRAFT.value)
    if statuses is not None:
        query = query.where(col(Referral.status).in_(statuses))
    if ids is not None:
        query = query.where(col(Referral.id).in_(ids))
    if after is not None:
        created, referral_id = after
        query = query.where(
            or_(
                col(Referral.created_at) < created,
                and_(col(Referral.created_at) == created, col(Referral.id) < referral_id),
            )
        )
    query = query.order_by(col(Referral.created_at).desc(), col(Referral.id).desc())
    return list((await session.exec(query.limit(limit))).all())


async def open_under_consent(*, session: AsyncSession, consent_id: str) -> list[Referral]:
    """The open referrals sent under a consent, every row locked first, in one order."""
    query = (
        select(Referral)
        .where(
            Referral.consent_id == consent_id,
            col(Referral.status).in_([s.value for s in lifecycle.OPEN]),
        )
        .order_by(col(Referral.id))
        .with_for_update()
    )
    return list((await session.exec(query)).all())


async def idempotency_key(
    *, session: AsyncSession, organization_id: str, key: str
) -> IdempotencyKey | None:
    """A create already answered under this key, waiting for one still in flight to commit.

    SQLite's write units of work already run one at a time (`BEGIN IMMEDIATE`); on PostgreSQL a
    transaction-scoped advisory lock on the key does the same for just that key.
    """
    if dialect_of(session) == "postgresql":
        await execute(
            session,
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": f"idempotency:{organization_id}:{key}"},
        )
    return await session.get(IdempotencyKey, (organization_id, key))


def _skip_locked(*, session: AsyncSession, query: SelectOfScalar[Row]) -> SelectOfScalar[Row]:
    """On PostgreSQL, leaves rows another replica holds to that replica."""
    if dialect_of(session) == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


async def near_deadline(*, session: AsyncSession, horizon: datetime) -> list[Referral]:
    """Referrals awaiting the recipient with a deadline before `horizon`."""
    query = select(Referral).where(
        col(Referral.status).in_(AWAITING_RECIPIENT),
        or_(col(Referral.ack_due_at) < horizon, col(Referral.accept_due_at) < horizon),
    )
    return list((await session.exec(query)).all())


async def claim(*, session: AsyncSession, referral_id: str) -> Referral | None:
    """A referral to work on in this transaction, unless another replica has it."""
    query = select(Referral).where(Referral.id == referral_id)
    return (await session.exec(_skip_locked(session=session, query=query))).first()


async def next_overdue(*, session: AsyncSession, now: datetime) -> str | None:
    """One referral past its acknowledgement or decision deadline that no replica holds."""
    overdue = or_(
        and_(col(Referral.status) == Status.REQUESTED.value, col(Referral.ack_due_at) < now),
        and_(col(Referral.status).in_(AWAITING_RECIPIENT), col(Referral.accept_due_at) < now),
    )
    query = select(Referral.id).where(overdue).limit(1)
    return (await session.exec(_skip_locked(session=session, query=query))).first()
