"""Referral deadline reminders: the deadline a reminder last went out for

Revision ID: 1296945dad17
Revises: 6696c54453f9
Create Date: 2026-12-02 02:51:10.692571
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '1296945dad17'
down_revision: str | None = '6696c54453f9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('reminded_due_at')

