"""verification reminder

Revision ID: 8c4e2a7d1f36
Revises: 3b7d1c9e4f20
Create Date: 2026-12-02 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4e2a7d1f36"
down_revision: str | None = "3b7d1c9e4f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verification_reminder",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("assured_date", sa.Text(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id"),
    )


def downgrade() -> None:
    op.drop_table("verification_reminder")
