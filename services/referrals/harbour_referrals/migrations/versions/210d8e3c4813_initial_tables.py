"""initial tables

Revision ID: 210d8e3c4813
Revises: 
Create Date: 2026-11-22 02:53:52.925941
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from harbour_kit.events.migrations import create_event_tables_v1, drop_event_tables_v1

revision: str = '210d8e3c4813'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables_v1()

    op.create_table('referral_target',
    sa.Column('service_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('organization_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('accepting_referrals', sa.Boolean(), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('service_id')
    )
    with op.batch_alter_table('referral_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_target_organization_id'), ['organization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_target_organization_id'))

    op.drop_table('referral_target')
    drop_event_tables_v1()
