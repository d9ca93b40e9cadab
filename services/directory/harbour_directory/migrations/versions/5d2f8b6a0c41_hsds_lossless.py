"""hsds lossless: fields kept as sent, profile defaults only when given

Revision ID: 5d2f8b6a0c41
Revises: 8c4e2a7d1f36
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2f8b6a0c41"
down_revision: str | None = "8c4e2a7d1f36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The HSDS tables as this revision knows them (fields.py may grow later).
TABLES = (
    "organization",
    "program",
    "service",
    "attribute",
    "service_at_location",
    "location",
    "phone",
    "contact",
    "address",
    "schedule",
    "funding",
    "service_area",
    "required_document",
    "language",
    "accessibility",
    "taxonomy_term",
    "metadata",
    "meta_table_description",
    "cost_option",
    "organization_identifier",
    "taxonomy",
)


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("extra", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("service_profile") as batch:
        batch.alter_column("time_zone", existing_type=sa.String(length=60), nullable=True)
        batch.alter_column("closes_on_public_holidays", existing_type=sa.Boolean(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("service_profile") as batch:
        batch.alter_column("time_zone", existing_type=sa.String(length=60), nullable=False)
        batch.alter_column("closes_on_public_holidays", existing_type=sa.Boolean(), nullable=False)
    for table in TABLES:
        op.drop_column(table, "extra")
