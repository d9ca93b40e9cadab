"""The audit log in the database: entries queued during a unit of work, chained at its commit.

`record` only queues an entry on the session. Just before the transaction commits, the queued
entries are chained and written: on PostgreSQL under a transaction-scoped advisory lock (SQLite
already has one writer at a time), so the chain has one order and the lock is held only for those
inserts and the commit itself, not for the request's other work.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.db import execute
from harbour_referrals.audit import chain
from harbour_referrals.models import AuditEntry

LOCK_KEY = 7_102_301  # advisory lock id of the audit chain
PAGE = 1000
PENDING = "harbour_audit_pending"
TABLE = AuditEntry.__table__  # type: ignore[attr-defined]


def _entry(row: Any) -> chain.Entry:
    """A stored row as a link of the chain."""
    return chain.Entry(**{f.name: getattr(row, f.name) for f in dataclasses.fields(chain.Entry)})


async def record(
    *,
    session: AsyncSession,
    actor: Principal | str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Queues one entry (no personal data in `detail`); it is written when the session commits."""
    sub, org = (actor.sub, actor.org_id) if isinstance(actor, Principal) else (actor, None)
    session.info.setdefault(PENDING, []).append(
        {
            "at": datetime.now(UTC).isoformat(),
            "actor": sub,
            "organization_id": org,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": detail or {},
        }
    )


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Writes the queued entries as the next links of the chain, in the committing transaction."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    last = connection.execute(select(TABLE).order_by(TABLE.c.seq.desc()).limit(1)).first()
    previous = _entry(last) if last is not None else None
    for item in pending:
        previous = chain.next_entry(previous, **item)
        connection.execute(insert(TABLE).values(**dataclasses.asdict(previous)))


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    """A rolled-back unit of work leaves no audit entries behind."""
    session.info.pop(PENDING, None)


async def verify(*, session: AsyncSession) -> chain.Verification:
    """Checks the whole chain, page by page."""
    checked, start_hash, start_seq = 0, chain.GENESIS, 0
    while True:
        page = select(TABLE).where(TABLE.c.seq > start_seq).order_by(TABLE.c.seq).limit(PAGE)
        rows = (await execute(session, page)).all()
        if not rows:
            return chain.Verification(True, checked, None, None)
        result = chain.verify([_entry(r) for r in rows], start_hash=start_hash, start_seq=start_seq)
        checked += result.checked
        if not result.ok:
            return chain.Verification(False, checked, result.first_bad_seq, result.problem)
        start_hash, start_seq = rows[-1].hash, rows[-1].seq
