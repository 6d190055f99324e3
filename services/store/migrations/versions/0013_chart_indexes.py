"""Covering indexes for the charts' time-bucketed reads (services.store.chart_queries).

- ``air_hourly`` (station, time, PM2.5) and ``river_readings`` (station, time, local level): a chart's series is one
  contiguous range of an index that holds every column the query reads, a fraction of the width of the table's own
  rows (which carry every pollutant, or both levels, the bank distance, the situation and the flow).
- ``fire_hotspots`` (time, place, confidence): the hotspot bars read a month of detections without touching the
  rows. It starts with ``acquired_at``, so it also serves everything ``ix_fire_hotspots_acquired_at`` served, which
  goes.
- ``incident_events`` by (kind, time) for the SLA escalations per bucket, and by time for the annotations of a
  window.

``air_readings`` (the latest endpoint's 24-hour means) gets none: its chart reads one row an hour per station, a short
range of its primary key, and it is the table the bulk ingest writes most; an index there would cost every ingest
more than it saves the chart.

Revision ID: 0013_chart_indexes
Revises: 0012_major_incidents
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_chart_indexes"
down_revision: str | None = "0012_major_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_air_hourly_chart", "air_hourly", ["station_id", "observed_at", "pm25"])
    op.create_index("ix_river_readings_chart", "river_readings", ["station_id", "observed_at", "level_m"])
    op.create_index("ix_fire_hotspots_days", "fire_hotspots",
                    ["acquired_at", "lat", "lon", "confidence_text", "confidence_pct"])
    op.drop_index("ix_fire_hotspots_acquired_at", table_name="fire_hotspots")
    op.create_index("ix_incident_events_kind_at", "incident_events", ["kind", "at", "incident_id"])
    op.create_index("ix_incident_events_at", "incident_events", ["at", "incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_events_at", table_name="incident_events")
    op.drop_index("ix_incident_events_kind_at", table_name="incident_events")
    op.create_index("ix_fire_hotspots_acquired_at", "fire_hotspots", ["acquired_at"])
    op.drop_index("ix_fire_hotspots_days", table_name="fire_hotspots")
    op.drop_index("ix_river_readings_chart", table_name="river_readings")
    op.drop_index("ix_air_hourly_chart", table_name="air_hourly")
