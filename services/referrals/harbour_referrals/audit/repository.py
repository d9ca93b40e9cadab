"""The audit log in the database: entries queued during a unit of work, chained at its commit.

`record` only queues an entry on the session. Just before the transaction commits, the queued
entries are chained and written under one lock, so the chain has one order. On PostgreSQL one
call of `harbour_audit_append` (a function of the migrations) takes the transaction-scoped
advisory lock, reads the last link and inserts the entries, so the lock is held for that statement
and the commit alone; the entries' canonical heads are hashed in Python beforehand. SQLite already
has one writer at a time: the entries are chained in Python there.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, bindparam, event, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.db import execute
from harbour_referrals.audit import chain
from harbour_referrals.models import AuditEntry

LOCK_KEY = 7_102_301  # advisory lock id of the audit chain, also in harbour_audit_append
PAGE = 1000
PENDING = "harbour_audit_pending"
TABLE = AuditEntry.__table__  # type: ignore[attr-defined]
APPEND = text("SELECT harbour_audit_append(:entries)").bindparams(bindparam("entries", type_=JSON))


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
    content: chain.Content = {
        "action": action,
        "actor": sub,
        "at": datetime.now(UTC).isoformat(),
        "detail": detail or {},
        "entity": entity,
        "entity_id": entity_id,
        "organization_id": org,
    }
    session.info.setdefault(PENDING, []).append(content)


def _append_in_postgresql(connection: Connection, pending: list[chain.Content]) -> None:
    """One statement: the lock, the last link and the inserts happen in the database."""
    entries = [
        {
            **item,
            "detail": chain.canonical_detail(item["detail"]),
            "head": chain.head(**item),
        }
        for item in pending
    ]
    connection.execute(APPEND, {"entries": entries})


def _append_in_python(connection: Connection, pending: list[chain.Content]) -> None:
    """The last link read and the entries chained here, in one multi-row insert."""
    last = connection.execute(select(TABLE).order_by(TABLE.c.seq.desc()).limit(1)).first()
    previous = _entry(last) if last is not None else None
    rows = []
    for item in pending:
        previous = chain.next_entry(previous, **item)
        rows.append(dataclasses.asdict(previous))
    connection.execute(insert(TABLE), rows)


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Writes the queued entries as the next links of the chain, in the committing transaction."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()  # the unit of work's other rows first, so the lock covers only the chain
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _append_in_postgresql(connection, pending)
    else:
        _append_in_python(connection, pending)


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
