"""webhook endpoint description

Endpoints get an optional description, in the admin's words, shown beside the URL. Endpoints
stored before have none.

Revision ID: 47d1b2f5b172
Revises: 0ec773ab8845
Create Date: 2026-12-02 06:24:15.624077
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '47d1b2f5b172'
down_revision: str | None = '0ec773ab8845'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_column('description')
