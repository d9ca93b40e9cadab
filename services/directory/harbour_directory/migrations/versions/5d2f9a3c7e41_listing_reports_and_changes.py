"""listing reports and change history

Revision ID: 5d2f9a3c7e41
Revises: 5d2f8b6a0c41
Create Date: 2026-12-09 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2f9a3c7e41"
down_revision: str | None = "5d2f8b6a0c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_report",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_listing_report_service_id", "listing_report", ["service_id"])
    op.create_index("ix_listing_report_organization_id", "listing_report", ["organization_id"])
    op.create_index("ix_listing_report_client_key", "listing_report", ["client_key"])
    op.create_index("ix_listing_report_status_created", "listing_report", ["status", "created_at"])
    op.create_table(
        "listing_change",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("actor_organization_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reverts", sa.String(length=36), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_listing_change_service_id", "listing_change", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_listing_change_service_id", table_name="listing_change")
    op.drop_table("listing_change")
    op.drop_index("ix_listing_report_status_created", table_name="listing_report")
    op.drop_index("ix_listing_report_client_key", table_name="listing_report")
    op.drop_index("ix_listing_report_organization_id", table_name="listing_report")
    op.drop_index("ix_listing_report_service_id", table_name="listing_report")
    op.drop_table("listing_report")
