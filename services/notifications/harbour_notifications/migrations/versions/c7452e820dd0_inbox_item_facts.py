"""inbox item facts

Each inbox item keeps the public facts its title is worded from, so it can be read in the
reader's locale. Items stored before have none and keep their English title.

Revision ID: c7452e820dd0
Revises: 29522a9bc5bc
Create Date: 2026-12-02 03:23:12.221813
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c7452e820dd0'
down_revision: str | None = '29522a9bc5bc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.drop_column("facts")
