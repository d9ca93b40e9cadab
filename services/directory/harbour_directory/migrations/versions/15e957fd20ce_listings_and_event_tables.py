"""listings and event tables

Revision ID: 15e957fd20ce
Revises: 
Create Date: 2026-11-22 02:53:05.207400
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '15e957fd20ce'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Geosearch runs on PostGIS in production.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('event_dead_letter',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('stream', sa.String(length=100), nullable=False),
    sa.Column('stream_seq', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('event_type', sa.String(length=200), nullable=True),
    sa.Column('nats_subject', sa.String(length=250), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('dead_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redriven_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('redrive_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consumer', 'stream', 'stream_seq', name='uq_event_dead_letter_message')
    )
    op.create_table('event_inbox',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name='pk_event_inbox')
    )
    op.create_table('event_outbox',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('nats_subject', sa.String(length=250), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('traceparent', sa.String(length=55), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('position'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('event_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_event_outbox_pending', ['position'], unique=False, postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))

    op.create_table('organization',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_name'), ['name'], unique=False)

    op.create_table('service',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('organization_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('accepting_referrals', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_organization_id'), ['organization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_organization_id'))

    op.drop_table('service')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_name'))

    op.drop_table('organization')
    with op.batch_alter_table('event_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_event_outbox_pending', postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))

    op.drop_table('event_outbox')
    op.drop_table('event_inbox')
    op.drop_table('event_dead_letter')
