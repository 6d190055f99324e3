"""ThaiWater water-level history (``waterlevel_graph``) into ``river_readings``, below what the latest endpoint wrote.

The history gives levels above mean sea level only; the charts draw the local gauge level (``level_m``), so each
reading is converted with the gauge's zero: what the station's own readings imply (``level_msl - level_m`` of its
newest reading that has both: RID gauges publish both) or, for a gauge that publishes no local level (most HII
telemetry), the ground level the history answer names. A gauge the latest endpoint has not described yet (no
station row with a name or a place) has no known zero: its readings are handed back to wait for it (the sync's
``hold``), so they are never converted with a guess that the real zero would later contradict.

A history row never overwrites a stored one: the latest endpoint's rows are richer (situation level, the bank
distance ThaiWater states, its own local level). The history only fills what a row lacks, and adds the rows the
console never polled (before its first start, or during an outage). For a gauge without a local level of its own,
the same zero then fills the latest endpoint's rows too, so its chart does not stop where the history does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from operator import attrgetter

from sqlalchemy import Connection, Engine

from services.records import RiverReading
from services.store.database import write_transaction
from services.store.ingest import _RIVER_VALUES, _refuse_naive, _upsert_readings, _upsert_stations
from services.store.rows import IngestSummary

_FILL_UPSERT = (
    f"INSERT INTO river_readings (station_id, observed_at, {', '.join(_RIVER_VALUES)}) "
    f"VALUES (?, CAST(? AS INTEGER), {','.join('?' * len(_RIVER_VALUES))}) "
    "ON CONFLICT (station_id, observed_at) DO UPDATE SET "
    + ", ".join(f"{c} = coalesce({c}, excluded.{c})" for c in _RIVER_VALUES)
    + " WHERE " + " OR ".join(f"({c} IS NULL AND excluded.{c} IS NOT NULL)" for c in _RIVER_VALUES)
)
# The newest reading that has both levels tells the gauge's zero exactly (rounded: both levels have 2 decimals).
_STATION_ZERO = (
    "SELECT round(level_msl - level_m, 3) FROM river_readings WHERE station_id = ? AND level_m IS NOT NULL "
    "AND level_msl IS NOT NULL ORDER BY observed_at DESC LIMIT 1"
)
_DESCRIBED = ("SELECT code, id FROM stations WHERE kind = 'river' AND (name_th IS NOT NULL OR name_en IS NOT NULL "
              "OR lat IS NOT NULL)")
_FILL_LATEST = (
    "UPDATE river_readings SET level_m = round(level_msl - ?, 2) WHERE station_id = ? AND observed_at >= ? "
    "AND level_m IS NULL AND level_msl IS NOT NULL"
)


def ingest_river_history(engine: Engine, records: Sequence[RiverReading]
                         ) -> tuple[IngestSummary, list[RiverReading]]:
    """Store history readings (levels above sea level) with their local level; returns the summary and the readings
    of gauges the latest endpoint has not described yet (not stored: they wait for it)."""
    if not records:
        return IngestSummary(0, 0, 0, 0), []
    _refuse_naive(records)
    with write_transaction(engine) as conn:
        described = dict(conn.exec_driver_sql(_DESCRIBED).all())
        waiting = [r for r in records if r.station_code not in described]
        ready = [r for r in records if r.station_code in described]
        if not ready:
            return IngestSummary(0, 0, 0, 0), waiting
        converted = _with_local_levels(conn, ready, described)
        ids = _upsert_stations(conn, "river", converted, code_of=attrgetter("station_code"))
        stamp = datetime.timestamp
        rows = [(ids[r.station_code], stamp(r.observed_at), r.level_m, r.level_msl, r.bank_diff_m,
                 r.situation_level, r.flow_m3s) for r in converted]
        summary = _upsert_readings(conn, "river_readings", _FILL_UPSERT, rows, ids.values())
    return summary, waiting


def _with_local_levels(conn: Connection, records: Sequence[RiverReading], ids: dict[str, int]
                       ) -> list[RiverReading]:
    """``records`` with ``level_m`` from ``level_msl`` and each gauge's zero (None where no zero is known)."""
    zeros: dict[str, float | None] = {}
    for code in {r.station_code for r in records}:
        exact = conn.exec_driver_sql(_STATION_ZERO, (ids[code],)).scalar()
        if exact is not None:
            zeros[code] = float(exact)
            continue
        ground = next((r.ground_level_msl for r in records if r.station_code == code
                       and r.ground_level_msl is not None), None)
        zeros[code] = ground
        if ground is not None:  # no local level of its own: its latest rows get the same one
            first = min(r.observed_at for r in records if r.station_code == code)
            conn.exec_driver_sql(_FILL_LATEST, (ground, ids[code], int(first.timestamp())))
    return [replace(r, level_m=round(r.level_msl - zero, 2))
            if r.level_m is None and r.level_msl is not None and (zero := zeros[r.station_code]) is not None else r
            for r in records]
