"""initial tables

Revision ID: 32d8b7578b6b
Revises: 
Create Date: 2026-11-22 02:53:58.847812
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from harbour_kit.events.migrations import create_event_tables_v1, drop_event_tables_v1

revision: str = '32d8b7578b6b'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables_v1()

    op.create_table('inbox_item',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('organization_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('audience_role', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'organization_id', 'kind', name='uq_inbox_item_event')
    )
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_item_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_item_organization_id'), ['organization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_item_organization_id'))
        batch_op.drop_index(batch_op.f('ix_inbox_item_created_at'))

    op.drop_table('inbox_item')
    drop_event_tables_v1()
