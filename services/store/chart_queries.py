"""The charts' reads: time-bucketed SQL through covering indexes, shaped into services.chart_series.

A series is one statement per station and table, reading one contiguous range of a covering index
(``0013_chart_indexes``) that holds every column it needs. Buckets coarser than the readings' cadence are averaged in
SQL (``observed_at / bucket * bucket``: epoch-aligned, as ``queries._series``); finer ones hold a reading at most and
are placed on the grid by numpy (:func:`services.chart_series.on_grid`). Rows go into numpy in one conversion
straight from the driver; nothing loops over readings in Python. The other charts are one statement each.

- PM2.5: the hourly values (``air_hourly``, the Air4Thai history feed) and the 24-hour rolling means (``air_readings``,
  the latest endpoint).
- River levels: the local gauge level (``level_m``) of each gauge, upstream to downstream.
- Hotspots: detections per Asia/Bangkok day and district, split by confidence; the day and the class in SQL, the
  district (the nearest centroid, as services.districts.nearest_district places a hotspot) vectorised in numpy.
- Incident load: opened / closed per bucket, the backlog at each bucket's end and the SLA escalations per bucket.
- Annotations: incidents' reports and workflow-state changes, newest first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import chain

import numpy as np
from sqlalchemy import Connection, Engine

from services.chart_series import (
    AirStationChart,
    ChartAnnotation,
    ChartStations,
    HotspotDays,
    IncidentLoad,
    RiverGaugeChart,
    Series,
    grid,
    on_grid,
)
from services.districts import districts
from services.feeds.thai_time import BANGKOK
from services.store.escalation import ESCALATED
from services.store.incident_rows import SLA_STOPPED_STATES
from services.store.schema import to_unix

BANGKOK_OFFSET_S = 7 * 3600  # Asia/Bangkok has kept UTC+7 without daylight saving since 1920
DAY_S = 86400
CHIANG_MAI = "Chiang Mai"



def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _province_en(area_en: str | None) -> str | None:
    """Air4Thai's ``areaEN`` ends with the province ("Chang Phueak, Mueang, Chiang Mai")."""
    if not area_en:
        return None
    return area_en.rsplit(",", 1)[-1].strip() or None


def _name(value: str | None, code: str) -> str:
    return (value or "").strip() or code


# --- station pickers ---------------------------------------------------------------------------------------------

_AIR_STATIONS = "SELECT code, name_th, name_en, area_en FROM stations WHERE kind = 'air'"
# The Ping flows south through the province: its gauges' order downstream is their order from north to south
# (CHM004 Chiang Dao, P.67, P.103, P.1 Nawarat, LPN003, P.73, CHM002 Hot). Gauges without a place come last.
_RIVER_STATIONS = ("SELECT id, code, name_th, name_en, thresholds_json FROM stations WHERE kind = 'river' "
                   "ORDER BY lat IS NULL, lat DESC, code")


def chart_stations(engine: Engine) -> ChartStations:
    """Every air station (Chiang Mai's first, then by province and code) and every gauge (upstream first)."""
    with engine.connect() as conn:
        air = conn.exec_driver_sql(_AIR_STATIONS).all()
        river = conn.exec_driver_sql(_RIVER_STATIONS).all()
    listed = [(code, _name(th, code), _name(en, code), _province_en(area)) for code, th, en, area in air]
    listed.sort(key=lambda s: (s[3] != CHIANG_MAI, s[3] is None, s[3] or "", s[0]))
    return ChartStations(tuple(listed), tuple((code, _name(th, code), _name(en, code))
                                              for _id, code, th, en, _thresholds in river))


# --- PM2.5 -------------------------------------------------------------------------------------------------------

# The readings' own cadence: a bucket no coarser than it holds one reading at most.
AIR_CADENCE_S = 3600  # Air4Thai: hourly values, and the 24-hour mean republished every hour
RIVER_CADENCE_S = 600  # ThaiWater telemetry: every 10 minutes


def _series_sql(table: str, column: str, bucket_s: int, cadence_s: int) -> str:
    """One station's series of ``column``: (time, value) rows of station ?2 in [?3, ?4).

    A bucket coarser than the readings' cadence is averaged in SQL (``observed_at / ?1 * ?1``), so fewer rows come
    out. A bucket no coarser holds one reading at most: the rows are read straight off the covering index, already in
    order (grouping them would only add a sort of every row), and :func:`on_grid` places them on their buckets.
    One statement per station: each is one contiguous range of the covering index, and two columns a row cost the
    driver a third less than three (the station's id again on every row). ``table`` and ``column`` are this
    module's constants, never input."""
    where = f"WHERE station_id = ?2 AND observed_at >= ?3 AND observed_at < ?4 AND {column} IS NOT NULL"
    if bucket_s <= cadence_s:
        return f"SELECT observed_at, {column} FROM {table} {where}"
    return f"SELECT observed_at / ?1 * ?1 AS bucket, avg({column}) FROM {table} {where} GROUP BY bucket"


def _series(conn: Connection, sql: str, station_id: int, t0: int, t1: int, bucket_s: int) -> Series:
    """:func:`_series_sql`'s rows of one station on the window's grid. Fetched straight from the driver's cursor and
    read by numpy in one pass: SQLAlchemy's rows (and numpy probing them as sequences) cost more than the query."""
    result = conn.exec_driver_sql(sql, (int(bucket_s), int(station_id), t0, t1))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    pairs = np.fromiter(chain.from_iterable(rows), np.float64, 2 * len(rows)).reshape(-1, 2)
    return on_grid(pairs, t0, t1, bucket_s)


def _fetch(conn: Connection, sql: str, args: tuple[object, ...], columns: int) -> np.ndarray:
    """The rows of ``sql`` as an (n, ``columns``) float64 array, fetched straight from the driver's cursor."""
    result = conn.exec_driver_sql(sql, args)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return np.array(rows, dtype=np.float64).reshape(-1, columns)


def air_charts(engine: Engine, codes: Sequence[str], start: datetime, end: datetime,
               bucket_s: int) -> list[AirStationChart]:
    """PM2.5 of the air stations ``codes`` (in that order; unknown codes left out) over [start, end): the hourly
    values (``air_hourly``) and the 24-hour means (``air_readings``)."""
    if not codes:
        return []
    t0, t1 = _window(start, end, bucket_s)
    hourly_sql = _series_sql("air_hourly", "pm25", bucket_s, AIR_CADENCE_S)
    means_sql = _series_sql("air_readings", "pm25", bucket_s, AIR_CADENCE_S)
    charts = []
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            f"SELECT code, id, name_th, name_en, area_en FROM stations WHERE kind = 'air' AND code IN "
            f"({_marks(codes)})", tuple(codes)).all()
        by_code = {row[0]: row for row in found}
        for code in codes:
            if code not in by_code:
                continue
            _code, sid, name_th, name_en, area_en = by_code[code]
            charts.append(AirStationChart(code, _name(name_th, code), _name(name_en, code), _province_en(area_en),
                                          _series(conn, hourly_sql, sid, t0, t1, bucket_s),
                                          _series(conn, means_sql, sid, t0, t1, bucket_s)))
    return charts


# --- river levels ------------------------------------------------------------------------------------------------

def river_charts(engine: Engine, codes: Sequence[str] | None, start: datetime, end: datetime,
                 bucket_s: int) -> list[RiverGaugeChart]:
    """The local gauge level of the gauges ``codes`` (None: every gauge) over [start, end), upstream to
    downstream whatever order ``codes`` names them in; ``rank`` counts from 0 along that order."""
    t0, t1 = _window(start, end, bucket_s)
    sql = _series_sql("river_readings", "level_m", bucket_s, RIVER_CADENCE_S)
    charts = []
    with engine.connect() as conn:
        gauges = conn.exec_driver_sql(_RIVER_STATIONS).all()
        if codes is not None:
            wanted = set(codes)
            gauges = [g for g in gauges if g[1] in wanted]
        for rank, (sid, code, name_th, name_en, thresholds_json) in enumerate(gauges):
            limits = station_thresholds(thresholds_json)
            charts.append(RiverGaugeChart(code, _name(name_th, code), _name(name_en, code), rank,
                                          _series(conn, sql, sid, t0, t1, bucket_s), limits.get("bank_full_m"),
                                          limits.get("flood_m")))
    return charts


def station_thresholds(text: str | None) -> dict[str, float]:
    """A station's thresholds (local gauge metres); anything unreadable or not a finite number counts as absent."""
    try:
        raw = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: float(v) for k, v in raw.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}


# --- hotspots per day and district -------------------------------------------------------------------------------

# Confidence classes as FIRMS defines them: VIIRS low / nominal / high; MODIS 0-29 / 30-79 / 80-100. A detection
# without any confidence (an empty field) counts as nominal, FIRMS' own middle class, so it still counts on its day.
_HOTSPOT_ROWS = (
    "SELECT (acquired_at + ?3) / ?4 AS day, lat, lon, "
    "CASE WHEN confidence_text IS NOT NULL THEN "
    "  CASE lower(confidence_text) WHEN 'low' THEN 0 WHEN 'l' THEN 0 WHEN 'high' THEN 2 WHEN 'h' THEN 2 ELSE 1 END "
    "WHEN confidence_pct IS NOT NULL THEN "
    "  CASE WHEN confidence_pct < 30 THEN 0 WHEN confidence_pct < 80 THEN 1 ELSE 2 END "
    "ELSE 1 END AS class "
    "FROM fire_hotspots WHERE acquired_at >= ?1 AND acquired_at < ?2"
)


def nearest_district_index(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Index into ``services.districts.districts()`` of each point's district: the nearest centroid with longitude
    scaled by cos(latitude), exactly as :func:`services.districts.nearest_district` decides one point."""
    table = districts()
    c_lat = np.array([d.lat for d in table])
    c_lon = np.array([d.lon for d in table])
    scale = np.cos(np.radians(lat))[:, None]
    distance = (c_lat[None, :] - lat[:, None]) ** 2 + ((c_lon[None, :] - lon[:, None]) * scale) ** 2
    return np.argmin(distance, axis=1)


def _bangkok_midnight(moment: datetime) -> datetime:
    local = moment.astimezone(BANGKOK)
    return datetime(local.year, local.month, local.day, tzinfo=BANGKOK)


def hotspot_days(engine: Engine, start: datetime, end: datetime) -> HotspotDays:
    """Detections acquired in [start, end) per Bangkok day (every day the window touches) and district."""
    first = _bangkok_midnight(start)
    days = max(0, math.ceil((end - first) / timedelta(days=1)))
    day_starts = np.array([(first + timedelta(days=i)).timestamp() for i in range(days)], dtype=np.float64)
    with engine.connect() as conn:
        data = _fetch(conn, _HOTSPOT_ROWS, (to_unix(start), to_unix(end), BANGKOK_OFFSET_S, DAY_S), 4)
    table = districts()
    if not len(data) or days == 0:
        return HotspotDays(day_starts, (), np.zeros((days, 0, 3), dtype=np.int64))
    day = data[:, 0].astype(np.int64) - int((first.timestamp() + BANGKOK_OFFSET_S) // DAY_S)
    where = nearest_district_index(data[:, 1], data[:, 2])
    cls = data[:, 3].astype(np.int64)
    counts = np.zeros((days, len(table), 3), dtype=np.int64)
    np.add.at(counts, (day, where, cls), 1)
    per_district = counts.sum(axis=(0, 2))
    order = [int(i) for i in np.lexsort((np.arange(len(table)), -per_district)) if per_district[i] > 0]
    named = tuple((table[i].code, table[i].name_th, table[i].name_en) for i in order)
    return HotspotDays(day_starts, named, np.ascontiguousarray(counts[:, order, :]))


# --- incident load -----------------------------------------------------------------------------------------------

# A stopped state named by an event: the workflow state a local action set, or the state a server update reports.
_EVENT_STATE = "coalesce(json_extract(e.after_json, '$.workflow_state'), json_extract(e.after_json, '$.state'))"
_STOPPED = ",".join(f"'{s}'" for s in SLA_STOPPED_STATES)
# An incident closes when it last entered a stopped state (its newest such event; the incident's own last update
# when the store has no such event, e.g. it was closed before this console first saw it). A reopened incident counts
# as open from its report to its final close: the store keeps its current state, not every past one. Merged
# incidents are not work of their own and are left out. Incidents closed before the window never reach the window's
# counts: their close is at or before their last update, so only those updated since the window's start are read.
# The indexes are named: without statistics SQLite would pick the merged_into index, a scan of every incident.
_INCIDENT_LOAD = f"""
WITH closed AS (
    SELECT i.id, i.requested_at AS opened_at,
           coalesce((SELECT max(e.at) FROM incident_events AS e
                     WHERE e.incident_id = i.id AND {_EVENT_STATE} IN ({_STOPPED})), i.updated_at) AS closed_at
    FROM incidents AS i INDEXED BY ix_incidents_updated
    WHERE i.merged_into IS NULL AND i.requested_at IS NOT NULL AND i.updated_at >= ?2
      AND (i.status = 'closed' OR i.workflow_state IN ({_STOPPED}))
)
SELECT 0, requested_at / ?1 * ?1 AS bucket, count(*) FROM incidents INDEXED BY ix_incidents_q_requested
 WHERE merged_into IS NULL AND requested_at >= ?2 AND requested_at < ?3 GROUP BY bucket
UNION ALL
SELECT 1, closed_at / ?1 * ?1 AS bucket, count(*) FROM closed
 WHERE closed_at >= ?2 AND closed_at < ?3 GROUP BY bucket
UNION ALL
SELECT 2, at / ?1 * ?1 AS bucket, count(*) FROM incident_events
 WHERE kind = '{ESCALATED}' AND at >= ?2 AND at < ?3 GROUP BY bucket
UNION ALL
SELECT 3, 0, (SELECT count(*) FROM incidents WHERE merged_into IS NULL AND requested_at < ?2
               AND status = 'open' AND coalesce(workflow_state, '') NOT IN ({_STOPPED}))
           + (SELECT count(*) FROM closed WHERE opened_at < ?2 AND closed_at >= ?2)
"""


def incident_load(engine: Engine, start: datetime, end: datetime, bucket_s: int) -> IncidentLoad:
    """Opened, closed, backlog (open at each bucket's end) and SLA breaches per ``bucket_s`` over [start, end)."""
    t0, t1 = _window(start, end, bucket_s)
    t = grid(t0, t1, bucket_s)
    g0 = int(t[0]) if len(t) else t0
    with engine.connect() as conn:
        data = _fetch(conn, _INCIDENT_LOAD, (int(bucket_s), g0, t1), 3).astype(np.int64)
    per_kind = []
    for kind in (0, 1, 2):
        mine = data[data[:, 0] == kind]
        counts = np.zeros(t.shape, dtype=np.int64)
        index = (mine[:, 1] - g0) // int(bucket_s)
        keep = (index >= 0) & (index < len(t))
        np.add.at(counts, index[keep], mine[keep, 2])
        per_kind.append(counts)
    opened, closed, breaches = per_kind
    base = int(data[data[:, 0] == 3][0, 2]) if (data[:, 0] == 3).any() else 0
    backlog = base + np.cumsum(opened - closed)
    return IncidentLoad(t, opened, closed, backlog.astype(np.int64), breaches)


# --- annotations -------------------------------------------------------------------------------------------------

# A state change is an event naming a workflow state other than the one the incident's previous state-naming event
# named (a server update repeats the current state with every comment); the first one counts unless it is "new",
# which the report itself already marks. The incident's creation event is its report, drawn as "opened".
_ANNOTATIONS = f"""
WITH named AS (
    SELECT e.id, e.incident_id, e.at, {_EVENT_STATE} AS state FROM incident_events AS e
    WHERE e.at < ?2 AND e.kind != 'created' AND e.after_json IS NOT NULL
      AND e.incident_id IN (SELECT incident_id FROM incident_events WHERE at >= ?1 AND at < ?2)
), changes AS (
    SELECT id, incident_id, at, state, lag(state) OVER (PARTITION BY incident_id ORDER BY at, id) AS before
    FROM named WHERE state IS NOT NULL
)
SELECT c.at, c.incident_id, 'state', c.state, i.priority, i.service_code, c.id FROM changes AS c
  JOIN incidents AS i ON i.id = c.incident_id
 WHERE c.at >= ?1 AND ((c.before IS NULL AND c.state != 'new') OR c.before != c.state)
UNION ALL
SELECT requested_at, id, 'opened', NULL, priority, service_code, 0 FROM incidents INDEXED BY ix_incidents_q_requested
 WHERE merged_into IS NULL AND requested_at >= ?1 AND requested_at < ?2
ORDER BY 1 DESC, 7 DESC, 2 DESC
LIMIT ?3
"""


def chart_annotations(engine: Engine, start: datetime, end: datetime, limit: int = 500) -> list[ChartAnnotation]:
    """The newest ``limit`` reports and state changes in [start, end), oldest first (the order a time axis draws)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_ANNOTATIONS, (to_unix(start), to_unix(end), int(limit))).all()
    return [ChartAnnotation(float(at), int(incident), kind, state, priority, category)
            for at, incident, kind, state, priority, category, _event in reversed(rows)]


def _window(start: datetime, end: datetime, bucket_s: int) -> tuple[int, int]:
    if bucket_s <= 0:
        raise ValueError("bucket_s must be positive")
    t0, t1 = to_unix(start), to_unix(end)
    assert t0 is not None and t1 is not None
    return t0, max(t0, t1)
