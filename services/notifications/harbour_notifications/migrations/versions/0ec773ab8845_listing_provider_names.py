"""Listings keep their provider's public name (from service.upserted.v2)

Revision ID: 0ec773ab8845
Revises: c7452e820dd0
Create Date: 2026-12-02 04:08:41.585489
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0ec773ab8845'
down_revision: str | None = 'c7452e820dd0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_listing_organization_id'), ['organization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_organization_id'))
        batch_op.drop_column('organization_name')

