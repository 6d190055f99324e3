"""Hourly Air4Thai history in its own table, apart from the latest endpoint's rolling means.

Revision ID: 0004_air_hourly
Revises: 0003_row_counts
Create Date: 2026-11-26

``air_readings`` holds what getNewAQI_JSON.php reports: PM2.5/PM10 as 24 h rolling means, O3/CO as 8 h means.
getHistoryData.php reports hourly values for the same (station, hour); stored in the same columns they would
overwrite the means. ``air_hourly`` keeps them apart, keyed and laid out like ``air_readings`` (WITHOUT ROWID, the
primary key is the b-tree) but without an AQI: the Thai AQI is defined on the means, not on hourly samples.

Rows already in ``air_readings`` stay where they are: nothing records which of them came from history imports.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_air_hourly"
down_revision: str | None = "0003_row_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "air_hourly",
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("observed_at", sa.Integer, nullable=False),
        sa.Column("pm25", sa.Float),
        sa.Column("pm10", sa.Float),
        sa.Column("o3", sa.Float),
        sa.Column("co", sa.Float),
        sa.Column("no2", sa.Float),
        sa.Column("so2", sa.Float),
        sa.PrimaryKeyConstraint("station_id", "observed_at"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.execute("DELETE FROM row_counts WHERE table_name = 'air_hourly'")
    op.drop_table("air_hourly")
