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
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import NullType

#: The newest Alembic revision this build knows; ``open_store`` compares it with the database before loading Alembic.
HEAD_REVISION = "0015_alert_outbox"  # update with every new migration (a test checks it)


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
    # 0013: the river chart's covering index (services.store.chart_queries)
    Index("ix_river_readings_chart", "station_id", "observed_at", "level_m"),
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
    # 0013: by time, covering the hotspot bars (it replaced ix_fire_hotspots_acquired_at, its first column)
    Index("ix_fire_hotspots_days", "acquired_at", "lat", "lon", "confidence_text", "confidence_pct"),
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
    # 0008_service_attributes: the service definition's attributes (JSON list, by order); NULL = never fetched
    Column("attributes_json", Text),
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
    # 0005_incident_workflow
    Column("reporter_name", Text),
    Column("reporter_contact", Text),
    Column("sla_paused_s", Integer, nullable=False, server_default="0"),
    Column("sla_paused_since", UtcSeconds),
    Column("resumed_state", Text),
    Column("merged_into", Integer, ForeignKey("incidents.id")),
    # 0012_major_incidents: promoted to a major incident (its children are 'parent' links)
    Column("major_incident", Integer, nullable=False, server_default="0"),
    CheckConstraint("status IN ('open', 'closed')", name="ck_incidents_status"),
    Index("ix_incidents_updated", "updated_at", "id"),
    Index("ix_incidents_status_updated", "status", "updated_at", "id"),
    # The queue's sort/filter indexes, partial: merged incidents never show in the queue (see 0005).
    *(Index(f"ix_incidents_q_{name}", *columns, sqlite_where=text("merged_into IS NULL"))
      for name, columns in (("requested", ("requested_at",)), ("priority", ("priority", "requested_at")),
                            ("category", ("service_code", "requested_at")), ("status", ("status", "requested_at")),
                            ("state", ("workflow_state", "requested_at")),
                            ("district", ("district_code", "requested_at")), ("expected", ("expected_at",)),
                            ("assignee", ("assignee", "requested_at")), ("source", ("source", "requested_at")))),
    Index("ix_incidents_latlon", "lat", "lon"),
    Index("ix_incidents_merged_into", "merged_into"),
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
    # 0013: SLA escalations per bucket, and a window's events (the charts' incident load and annotations)
    Index("ix_incident_events_kind_at", "kind", "at", "incident_id"),
    Index("ix_incident_events_at", "at", "incident_id"),
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
    Column("actor", Text),  # 0007: who made the change ("user (role)"): it is sent with that role's credentials
    Column("acknowledged_at", UtcSeconds),  # 0010: a person has seen why the server refused this entry
    Column("backend", Text),  # 0011: the identity key of the backend this entry was made for
    CheckConstraint("state IN ('pending', 'sending', 'sent', 'conflict', 'failed')", name="ck_outbox_state"),
    Index("ix_outbox_state_id", "state", "id"),
    Index("ix_outbox_incident_state", "incident_id", "state"),  # 0009
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
    Index("ix_air_hourly_chart", "station_id", "observed_at", "pm25"),  # 0013: the PM2.5 chart's covering index
    sqlite_with_rowid=False,
)

# --- 0005_incident_workflow --------------------------------------------------------------------------------------

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("media_type", Text),
    Column("sha256", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("thumbnail", LargeBinary),  # PNG, at most 160 px on its longer side; NULL when not an image
    Column("created_at", UtcSeconds, nullable=False),
    Column("actor", Text),
    Column("server_url", Text),
    Column("synced", Integer, nullable=False, server_default="0"),
    # 0006_attachment_upload: the backend's media id and when the upload was confirmed (server_url is its URL)
    Column("server_media_id", Text),
    Column("sent_at", UtcSeconds),
    CheckConstraint("kind IN ('photo', 'after_photo', 'file')", name="ck_attachments_kind"),
    Index("ix_attachments_incident", "incident_id", "id"),
)

incident_links = Table(
    "incident_links",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("other_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("created_at", UtcSeconds, nullable=False),
    PrimaryKeyConstraint("incident_id", "other_id", "kind"),
    # 0012: 'parent' = incident_id is a major incident and other_id one of its children
    CheckConstraint("kind IN ('merged', 'related', 'parent')", name="ck_incident_links_kind"),
    Index("ix_incident_links_other", "other_id"),
)

# The FTS5 table and the shadow tables SQLite makes for it, described only so that the schema comparison in the
# tests sees the whole database. They are created by 0005's CREATE VIRTUAL TABLE: never create them from here.
FTS_TABLES = ("incidents_fts", "incidents_fts_data", "incidents_fts_idx", "incidents_fts_config")
incidents_fts = Table(
    "incidents_fts",
    metadata,
    *(Column(name, NullType) for name in ("description", "service_name", "address", "reporter_name", "server_id")),
    info={"virtual": True},
)
Table("incidents_fts_data", metadata, Column("id", Integer, primary_key=True, nullable=True),
      Column("block", LargeBinary), info={"virtual": True})
Table("incidents_fts_idx", metadata, Column("segid", NullType, primary_key=True),
      Column("term", NullType, primary_key=True), Column("pgno", NullType), sqlite_with_rowid=False,
      info={"virtual": True})
Table("incidents_fts_config", metadata, Column("k", NullType, primary_key=True), Column("v", NullType),
      sqlite_with_rowid=False, info={"virtual": True})


# --- 0011_backend_binding -----------------------------------------------------------------------------------------

# The one backend this store belongs to (services.store.binding); one row, id 1.
backend_binding = Table(
    "backend_binding",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("seed", Integer),
    Column("bound_at", UtcSeconds, nullable=False),
    CheckConstraint("id = 1", name="ck_backend_binding_single"),
)


# --- 0014_alerts ---------------------------------------------------------------------------------------------------

_ALERT_STATES = "'open', 'acknowledged', 'cleared'"

# One row per rule+scope episode (services.alerts.model.AlertView); occurrences are counted on it, never repeated.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", Text, nullable=False, unique=True),  # uuid4 hex: the backend's idempotency key for it
    Column("rule_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("scope_kind", Text, nullable=False),
    Column("scope_key", Text, nullable=False),
    Column("scope_name_th", Text),
    Column("scope_name_en", Text),
    Column("rule_name_th", Text),
    Column("rule_name_en", Text),
    Column("first_at", UtcSeconds, nullable=False),
    Column("last_at", UtcSeconds, nullable=False),
    Column("cleared_at", UtcSeconds),
    Column("occurrences", Integer, nullable=False, server_default="1"),
    Column("value", Float),
    Column("message_th", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("acknowledged_by", Text),
    Column("acknowledged_role", Text),
    Column("acknowledged_at", UtcSeconds),
    Column("ack_comment", Text),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("updated_at", UtcSeconds, nullable=False),
    CheckConstraint(f"state IN ({_ALERT_STATES})", name="ck_alerts_state"),
    CheckConstraint("severity IN ('info', 'warning', 'critical')", name="ck_alerts_severity"),
    Index("ix_alerts_state_last", "state", "last_at", "id"),  # the dock's list, newest first
    Index("ix_alerts_last", "last_at", "id"),
    Index("ix_alerts_rule_scope", "rule_id", "scope_key", "first_at"),
    Index("ix_alerts_cleared", "cleared_at"),  # the evaluation's window: alerts cleared since its start
    Index("ix_alerts_incident", "incident_id"),
    # One alert open (or acknowledged) per rule and scope: the evaluation counts occurrences on it.
    Index("uq_alerts_one_open", "rule_id", "scope_key", unique=True, sqlite_where=text("state != 'cleared'")),
)

# Each alert's history: evaluation lines (actor "system", at = the data's time) and people's actions (wall clock).
alert_actions = Table(
    "alert_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("action", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("role", Text),
    Column("at", UtcSeconds, nullable=False),
    Column("comment", Text),
    Index("ix_alert_actions_alert", "alert_id", "at", "id"),
)

# A rule silenced for a while, for one scope (scope_key) or all of them (NULL); ended early by ended_* (until then
# moves to the end).
alert_silences = Table(
    "alert_silences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_id", Text, nullable=False),
    Column("scope_key", Text),
    Column("starts_at", UtcSeconds, nullable=False),
    Column("until", UtcSeconds, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("created_at", UtcSeconds, nullable=False),
    Column("ended_by", Text),
    Column("ended_at", UtcSeconds),
    Column("uid", Text),  # 0015: what the backend and every console know it by
    CheckConstraint("until > starts_at", name="ck_alert_silences_window"),
    Index("ix_alert_silences_until", "until", "rule_id"),
    Index("uq_alert_silences_uid", "uid", unique=True),
)

# The rules the evaluation last ran (ids, names, kind, severity): silences name a known rule, the dock its words.
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("rule_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("name_th", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("enabled", Integer, nullable=False),
    Column("updated_at", UtcSeconds, nullable=False),
)

# Each rule+scope's state machine at UTC day boundaries (services.alerts.machine), for replays that start there.
alert_checkpoints = Table(
    "alert_checkpoints",
    metadata,
    Column("rule_id", Text, nullable=False),
    Column("scope_key", Text, nullable=False),
    Column("at", Integer, nullable=False),  # unix seconds of the day boundary: the state after the hour ending then
    Column("fingerprint", Text, nullable=False),  # the rule's parameters when it was saved
    Column("state_json", Text, nullable=False),
    PrimaryKeyConstraint("rule_id", "scope_key", "at"),
    Index("ix_alert_checkpoints_at", "at"),
    sqlite_with_rowid=False,
)

# --- 0015_alert_outbox -------------------------------------------------------------------------------------------

# The outbox's alert side (services.store.alert_outbox): alerts raised / updated / cleared, acknowledgements,
# silences and their ends, sent by the same drain as the incident outbox, in order, with their idempotency keys.
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("op", Text, nullable=False),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE")),
    Column("silence_id", Integer, ForeignKey("alert_silences.id", ondelete="CASCADE")),
    Column("fields_json", Text),
    Column("created_at", UtcSeconds, nullable=False),
    Column("state", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("last_attempt_at", UtcSeconds),
    Column("actor", Text),
    Column("acknowledged_at", UtcSeconds),
    Column("backend", Text),
    CheckConstraint("state IN ('pending', 'sent', 'failed')", name="ck_alert_outbox_state"),
    CheckConstraint("op IN ('alert', 'acknowledge', 'silence', 'end_silence')", name="ck_alert_outbox_op"),
    Index("ix_alert_outbox_state_id", "state", "id"),
    Index("ix_alert_outbox_alert", "alert_id", "state"),
    sqlite_autoincrement=True,
)
