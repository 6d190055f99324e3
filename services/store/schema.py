"""SQLAlchemy Core description of the store's tables, for Core queries and for checking the migrations.

The migrations in ``services/store/migrations/versions`` are the history that builds the schema; this module is the
current picture of it. ``tests/services/store`` compares the two, so they cannot drift apart silently.

Times are INTEGER unix seconds (UTC). :class:`UtcSeconds` converts aware datetimes at the Core/ORM boundary; the bulk
ingest path binds the integers directly because a per-value Python hook costs too much at a million rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

#: The newest Alembic revision this build knows; ``open_store`` compares it with the database before loading Alembic.
HEAD_REVISION = "0004_air_hourly"  # update with every new migration (a test checks it)


class UtcSeconds(TypeDecorator[datetime]):
    """Aware datetime in, aware UTC datetime out, stored as INTEGER unix seconds."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> int | None:
        return to_unix(value)

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        return from_unix(value)


def to_unix(value: datetime | None) -> int | None:
    """Unix seconds of an aware datetime; naive datetimes are refused because their zone is a guess."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
    return int(value.timestamp())


def from_unix(value: int | None) -> datetime | None:
    """Aware UTC datetime from unix seconds."""
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC)


metadata = MetaData()

stations = Table(
    "stations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("name_th", Text),
    Column("name_en", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("province_code", Text),
    Column("area_en", Text),
    Column("area_th", Text),
    Column("thresholds_json", Text),
    Column("updated_at", UtcSeconds),
    UniqueConstraint("kind", "code", name="uq_stations_kind_code"),
    CheckConstraint("kind IN ('air', 'river')", name="ck_stations_kind"),
)

air_readings = Table(
    "air_readings",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("observed_at", UtcSeconds, nullable=False),
    Column("pm25", Float),
    Column("pm10", Float),
    Column("o3", Float),
    Column("co", Float),
    Column("no2", Float),
    Column("so2", Float),
    Column("aqi", Integer),
    Column("aqi_band", Integer),
    PrimaryKeyConstraint("station_id", "observed_at"),
    sqlite_with_rowid=False,
)

river_readings = Table(
    "river_readings",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("observed_at", UtcSeconds, nullable=False),
    Column("level_m", Float),
    Column("level_msl", Float),
    Column("bank_diff_m", Float),
    Column("situation_level", Integer),
    Column("flow_m3s", Float),
    PrimaryKeyConstraint("station_id", "observed_at"),
    sqlite_with_rowid=False,
)

fire_hotspots = Table(
    "fire_hotspots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("satellite", Text),
    Column("instrument", Text),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("acquired_at", UtcSeconds, nullable=False),
    Column("confidence_text", Text),
    Column("confidence_pct", Integer),
    Column("frp", Float),
    Column("daynight", Text),
    Column("brightness_k", Float),
    Column("scan", Float),
    Column("track", Float),
    Column("version", Text),
    Column("fire_type", Integer),
    UniqueConstraint("source", "lat", "lon", "acquired_at", name="uq_fire_hotspots_identity"),
    Index("ix_fire_hotspots_acquired_at", "acquired_at"),
)

feed_state = Table(
    "feed_state",
    metadata,
    Column("feed", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("cursor", Text),
    Column("last_attempt_at", UtcSeconds),
    Column("last_success_at", UtcSeconds),
    Column("last_error", Text),
    Column("last_error_at", UtcSeconds),
    Column("records_total", Integer, nullable=False, server_default="0"),
    Column("records_last", Integer, nullable=False, server_default="0"),
    Column("rejected_last", Integer, nullable=False, server_default="0"),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
)

feed_rejections = Table(
    "feed_rejections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed", Text, nullable=False),
    Column("at", UtcSeconds, nullable=False),
    Column("where_", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_feed_rejections_feed_id", "feed", "id"),
)

boundaries = Table(
    "boundaries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("layer", Text, nullable=False),
    Column("feature_id", Text, nullable=False),
    Column("name", Text),
    Column("name_th", Text),
    Column("geometry_type", Text, nullable=False),
    Column("properties_json", Text, nullable=False),
    Column("geometry_json", Text, nullable=False),
    UniqueConstraint("layer", "feature_id", name="uq_boundaries_layer_feature"),
)

# --- 0002_incidents ----------------------------------------------------------------------------------------------

services = Table(
    "services",
    metadata,
    Column("service_code", Text, primary_key=True),
    Column("service_name", Text, nullable=False),
    Column("description", Text),
    Column("group_", Text),
    Column("keywords", Text),  # comma-separated, as Open311 sends them
    Column("metadata", Integer, nullable=False, server_default="0"),
    Column("type", Text),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("server_id", Text, unique=True),
    Column("service_code", Text),
    Column("service_name", Text),
    Column("status", Text, nullable=False),
    Column("workflow_state", Text),
    Column("priority", Text),
    Column("description", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("address", Text),
    Column("district_code", Text),
    Column("requested_at", UtcSeconds),
    Column("updated_at", UtcSeconds, nullable=False),
    Column("expected_at", UtcSeconds),
    Column("agency", Text),
    Column("assignee", Text),
    Column("media_url", Text),
    Column("source", Text),
    Column("version", Integer),
    Column("local_changes", Integer, nullable=False, server_default="0"),
    CheckConstraint("status IN ('open', 'closed')", name="ck_incidents_status"),
    Index("ix_incidents_updated", "updated_at", "id"),
    Index("ix_incidents_status_updated", "status", "updated_at", "id"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("actor", Text),
    Column("at", UtcSeconds, nullable=False),
    Column("before_json", Text),
    Column("after_json", Text),
    Column("server_update_id", Text, unique=True),
    Index("ix_incident_events_incident_at", "incident_id", "at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("op", Text, nullable=False),
    Column("base_version", Integer),
    Column("fields_json", Text),
    Column("created_at", UtcSeconds, nullable=False),
    Column("state", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("last_attempt_at", UtcSeconds),
    CheckConstraint("state IN ('pending', 'sending', 'sent', 'conflict', 'failed')", name="ck_outbox_state"),
    Index("ix_outbox_state_id", "state", "id"),
    sqlite_autoincrement=True,  # ids are the send order and must never be reused after a delete
)

# --- 0003_row_counts ---------------------------------------------------------------------------------------------

row_counts = Table(
    "row_counts",
    metadata,
    Column("table_name", Text, primary_key=True),
    Column("n", Integer, nullable=False),
)

# --- 0004_air_hourly ---------------------------------------------------------------------------------------------

# Hourly values from Air4Thai's history endpoint; air_readings keeps the latest endpoint's 24 h / 8 h means.
air_hourly = Table(
    "air_hourly",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("observed_at", UtcSeconds, nullable=False),
    Column("pm25", Float),
    Column("pm10", Float),
    Column("o3", Float),
    Column("co", Float),
    Column("no2", Float),
    Column("so2", Float),
    PrimaryKeyConstraint("station_id", "observed_at"),
    sqlite_with_rowid=False,
)
