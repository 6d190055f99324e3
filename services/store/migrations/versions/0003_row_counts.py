"""Maintained row counts of the reading and hotspot tables (``count(*)`` took about a second at 10M readings).

Revision ID: 0003_row_counts
Revises: 0002_incidents
Create Date: 2026-02-02

No rows are written here: ``services.store.row_counts`` takes each count lazily the first time it is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_row_counts"
down_revision: str | None = "0002_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "row_counts",
        sa.Column("table_name", sa.Text, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("row_counts")
