"""Audit append in one call on PostgreSQL: lock, read the last link, hash and insert

Revision ID: 37d5d87b3892
Revises: 1296945dad17
Create Date: 2026-12-02 07:00:00.000000

`harbour_audit_append(entries json)` takes the entries a unit of work queued, each with its
canonical head (`audit.chain.head`), and chains them under the audit lock
(`audit.repository.LOCK_KEY`) exactly as `audit.chain.next_entry` would: the lock is then held
for this one statement and the commit, not for round trips to the application. Every statement
in the function reads a fresh snapshot, so it sees the link the previous holder committed.
SQLite keeps appending from Python (it has one writer at a time anyway).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "37d5d87b3892"
down_revision: str | None = "1296945dad17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND = """
CREATE OR REPLACE FUNCTION harbour_audit_append(entries json) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    last_seq integer;
    last_hash text;
    next_hash text;
    item json;
BEGIN
    PERFORM pg_advisory_xact_lock(7102301::bigint);
    SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_hash := repeat('0', 64);
    END IF;
    FOR item IN SELECT value FROM json_array_elements(entries) LOOP
        last_seq := last_seq + 1;
        next_hash := encode(sha256(convert_to(
            (item ->> 'head') || '"prev_hash":"' || last_hash || '","seq":' || last_seq || '}',
            'UTF8')), 'hex');
        INSERT INTO audit_log (seq, at, actor, organization_id, action, entity, entity_id,
                               detail, prev_hash, hash)
        VALUES (last_seq, item ->> 'at', item ->> 'actor', item ->> 'organization_id',
                item ->> 'action', item ->> 'entity', item ->> 'entity_id',
                (item ->> 'detail')::json, last_hash, next_hash);
        last_hash := next_hash;
    END LOOP;
    RETURN last_seq;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS harbour_audit_append(json)")
