"""Feed caches: stations, air and river readings, fire hotspots, feed state and rejections, boundary layers.

Revision ID: 0001_feeds
Revises:
Create Date: 2026-01-10

Times are INTEGER unix seconds (UTC). Readings are keyed by (station_id, observed_at) in WITHOUT ROWID tables, so the
primary key *is* the table's b-tree: "latest reading of a station" is one seek and there is no second index to keep.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_feeds"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name_th", sa.Text),
        sa.Column("name_en", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("province_code", sa.Text),
        sa.Column("area_en", sa.Text),
        sa.Column("area_th", sa.Text),
        sa.Column("thresholds_json", sa.Text),
        sa.Column("updated_at", sa.Integer),
        sa.UniqueConstraint("kind", "code", name="uq_stations_kind_code"),
        sa.CheckConstraint("kind IN ('air', 'river')", name="ck_stations_kind"),
    )
    op.create_table(
        "air_readings",
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("observed_at", sa.Integer, nullable=False),
        sa.Column("pm25", sa.Float),
        sa.Column("pm10", sa.Float),
        sa.Column("o3", sa.Float),
        sa.Column("co", sa.Float),
        sa.Column("no2", sa.Float),
        sa.Column("so2", sa.Float),
        sa.Column("aqi", sa.Integer),
        sa.Column("aqi_band", sa.Integer),
        sa.PrimaryKeyConstraint("station_id", "observed_at"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "river_readings",
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("observed_at", sa.Integer, nullable=False),
        sa.Column("level_m", sa.Float),
        sa.Column("level_msl", sa.Float),
        sa.Column("bank_diff_m", sa.Float),
        sa.Column("situation_level", sa.Integer),
        sa.Column("flow_m3s", sa.Float),
        sa.PrimaryKeyConstraint("station_id", "observed_at"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "fire_hotspots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("satellite", sa.Text),
        sa.Column("instrument", sa.Text),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("acquired_at", sa.Integer, nullable=False),
        sa.Column("confidence_text", sa.Text),
        sa.Column("confidence_pct", sa.Integer),
        sa.Column("frp", sa.Float),
        sa.Column("daynight", sa.Text),
        sa.Column("brightness_k", sa.Float),
        sa.Column("scan", sa.Float),
        sa.Column("track", sa.Float),
        sa.Column("version", sa.Text),
        sa.Column("fire_type", sa.Integer),
        sa.UniqueConstraint("source", "lat", "lon", "acquired_at", name="uq_fire_hotspots_identity"),
    )
    op.create_index("ix_fire_hotspots_acquired_at", "fire_hotspots", ["acquired_at"])
    op.create_table(
        "feed_state",
        sa.Column("feed", sa.Text, primary_key=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("cursor", sa.Text),
        sa.Column("last_attempt_at", sa.Integer),
        sa.Column("last_success_at", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", sa.Integer),
        sa.Column("records_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("records_last", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected_last", sa.Integer, nullable=False, server_default="0"),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "feed_rejections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("feed", sa.Text, nullable=False),
        sa.Column("at", sa.Integer, nullable=False),
        sa.Column("where_", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_feed_rejections_feed_id", "feed_rejections", ["feed", "id"])
    op.create_table(
        "boundaries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("layer", sa.Text, nullable=False),
        sa.Column("feature_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("name_th", sa.Text),
        sa.Column("geometry_type", sa.Text, nullable=False),
        sa.Column("properties_json", sa.Text, nullable=False),
        sa.Column("geometry_json", sa.Text, nullable=False),
        sa.UniqueConstraint("layer", "feature_id", name="uq_boundaries_layer_feature"),
    )


def downgrade() -> None:
    op.drop_table("boundaries")
    op.drop_index("ix_feed_rejections_feed_id", "feed_rejections")
    op.drop_table("feed_rejections")
    op.drop_table("feed_state")
    op.drop_index("ix_fire_hotspots_acquired_at", "fire_hotspots")
    op.drop_table("fire_hotspots")
    op.drop_table("river_readings")
    op.drop_table("air_readings")
    op.drop_table("stations")
