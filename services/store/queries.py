"""Read queries for the console, written to stay fast at ten million readings.

- Latest per station is a correlated ``max(observed_at)`` per station, which SQLite answers with one primary-key
  seek per station; ``GROUP BY station_id`` over the readings took 11-17 s at 10M rows.
- Series are bucketed in SQL by integer division of unix seconds (buckets aligned to the epoch, i.e. UTC).
- Incident pages use keyset pagination on (updated_at, id) descending: no OFFSET, so page 1000 costs what page 1 does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Integer, bindparam, func, select, tuple_

from services.records import FireHotspot
from services.store.database import write_transaction
from services.store.row_counts import read_count
from services.store.rows import INCIDENT_ROW_COLUMNS, AirLatest, IncidentRow, RiverLatest, as_json_dict
from services.store.schema import incidents, outbox, stations, to_unix

_fromts = datetime.fromtimestamp

_LATEST_AIR = """
SELECT s.code, s.name_th, s.name_en, s.lat, s.lon, s.area_en, s.area_th,
       r.observed_at, r.pm25, r.pm10, r.o3, r.co, r.no2, r.so2, r.aqi, r.aqi_band
FROM stations AS s
JOIN air_readings AS r
  ON r.station_id = s.id
 AND r.observed_at = (SELECT max(observed_at) FROM air_readings WHERE station_id = s.id)
WHERE s.kind = 'air'
ORDER BY s.code
"""


def latest_air(engine: Engine) -> list[AirLatest]:
    """One row per air station that has readings: its newest reading, ordered by station code."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_LATEST_AIR).all()
    return [AirLatest(*row[:7], _fromts(row[7], UTC), *row[8:]) for row in rows]


_LATEST_RIVER = """
SELECT s.code, s.name_th, s.name_en, s.lat, s.lon, s.province_code,
       r.observed_at, r.level_m, r.level_msl, r.bank_diff_m, r.situation_level, r.flow_m3s,
       p.observed_at, p.level_m, s.thresholds_json
FROM stations AS s
JOIN river_readings AS r
  ON r.station_id = s.id
 AND r.observed_at = (SELECT max(observed_at) FROM river_readings WHERE station_id = s.id)
LEFT JOIN river_readings AS p
  ON p.station_id = s.id
 AND p.observed_at = (SELECT max(observed_at) FROM river_readings WHERE station_id = s.id
                        AND observed_at < r.observed_at)
WHERE s.kind = 'river'
ORDER BY s.code
"""


def latest_river(engine: Engine) -> list[RiverLatest]:
    """One row per river station: newest level, the previous one (for a trend) and the station's thresholds."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_LATEST_RIVER).all()
    return [
        RiverLatest(
            *row[:6],
            _fromts(row[6], UTC),
            *row[7:12],
            previous_observed_at=None if row[12] is None else _fromts(row[12], UTC),
            previous_level_m=row[13],
            thresholds=as_json_dict(json.loads(row[14])) if row[14] else {},
        )
        for row in rows
    ]


AIR_METRICS = frozenset({"pm25", "pm10", "o3", "co", "no2", "so2", "aqi"})
AIR_HOURLY_METRICS = AIR_METRICS - {"aqi"}  # hourly values have no AQI (it is defined on the means)
RIVER_METRICS = frozenset({"level_m", "level_msl", "bank_diff_m", "situation_level", "flow_m3s"})


def air_series(
    engine: Engine,
    station_code: str,
    metric: str,
    start: datetime,
    end: datetime,
    bucket_s: int,
    *,
    hourly: bool = False,
) -> list[tuple[datetime, float]]:
    """Averages of ``metric`` per ``bucket_s``-second bucket over [start, end) at one air station.

    ``hourly=False`` reads the latest endpoint's rolling means (``air_readings``); ``hourly=True`` reads the hourly
    history values (``air_hourly``), which have no ``aqi``.
    """
    if hourly:
        return _series(engine, "air", "air_hourly", AIR_HOURLY_METRICS, station_code, metric, start, end, bucket_s)
    return _series(engine, "air", "air_readings", AIR_METRICS, station_code, metric, start, end, bucket_s)


def river_series(
    engine: Engine, station_code: str, metric: str, start: datetime, end: datetime, bucket_s: int
) -> list[tuple[datetime, float]]:
    """Averages of ``metric`` per ``bucket_s``-second bucket over [start, end) at one river station."""
    return _series(engine, "river", "river_readings", RIVER_METRICS, station_code, metric, start, end, bucket_s)


def _series(
    engine: Engine,
    kind: str,
    table: str,
    allowed: frozenset[str],
    station_code: str,
    metric: str,
    start: datetime,
    end: datetime,
    bucket_s: int,
) -> list[tuple[datetime, float]]:
    if metric not in allowed:  # the column name goes into the SQL text, so only known names pass
        raise ValueError(f"unknown metric {metric!r}; choose one of {sorted(allowed)}")
    if bucket_s <= 0:
        raise ValueError("bucket_s must be positive")
    sql = (
        f"SELECT (r.observed_at / ?) * ? AS bucket, avg(r.{metric}) FROM {table} AS r "
        "WHERE r.station_id = (SELECT id FROM stations WHERE kind = ? AND code = ?) "
        f"AND r.observed_at >= ? AND r.observed_at < ? AND r.{metric} IS NOT NULL "
        "GROUP BY bucket ORDER BY bucket"
    )
    args = (int(bucket_s), int(bucket_s), kind, station_code, to_unix(start), to_unix(end))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, args).all()
    return [(_fromts(bucket, UTC), float(value)) for bucket, value in rows]


_HOTSPOT_SELECT = (
    "SELECT source, satellite, lat, lon, acquired_at, confidence_text, confidence_pct, frp, daynight, instrument,"
    " brightness_k, scan, track, version, fire_type FROM fire_hotspots"
)


def hotspots_between(engine: Engine, start: datetime, end: datetime, limit: int) -> list[FireHotspot]:
    """Detections acquired in [start, end), newest first, at most ``limit``."""
    sql = f"{_HOTSPOT_SELECT} WHERE acquired_at >= ? AND acquired_at < ? ORDER BY acquired_at DESC, id DESC LIMIT ?"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (to_unix(start), to_unix(end), int(limit))).all()
    return [
        FireHotspot(
            source=r[0], satellite=r[1], lat=r[2], lon=r[3], acquired_at=_fromts(r[4], UTC),
            confidence=r[5] if r[5] is not None else r[6], frp=r[7], daynight=r[8], instrument=r[9],
            brightness_k=r[10], scan=r[11], track=r[12], version=r[13], fire_type=r[14],
        )
        for r in rows
    ]


def hotspot_count_since(engine: Engine, since: datetime) -> int:
    """How many detections were acquired at or after ``since``."""
    with engine.connect() as conn:
        sql = "SELECT count(*) FROM fire_hotspots WHERE acquired_at >= ?"
        return int(conn.exec_driver_sql(sql, (to_unix(since),)).scalar_one())


def incidents_page(
    engine: Engine, *, after: tuple[datetime, int] | None, limit: int, status: str | None
) -> list[IncidentRow]:
    """Up to ``limit`` incidents ordered by (updated_at, id) descending, strictly after the key ``after``.

    Pass the last row's :attr:`IncidentRow.page_key` as ``after`` for the next page; ``status`` filters on
    'open' / 'closed'.
    """
    query = select(*[incidents.c[name] for name in INCIDENT_ROW_COLUMNS])
    if status is not None:
        query = query.where(incidents.c.status == status)
    if after is not None:
        updated_at, last_id = after
        # A row-value comparison, not "a < x OR (a = x AND b < y)": SQLite turns only the former into an index range.
        query = query.where(tuple_(incidents.c.updated_at, incidents.c.id) < tuple_(
            bindparam(None, updated_at, type_=incidents.c.updated_at.type), bindparam(None, last_id, type_=Integer)
        ))
    query = query.order_by(incidents.c.updated_at.desc(), incidents.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [IncidentRow(*row) for row in conn.execute(query)]


def outbox_states(engine: Engine) -> dict[str, int]:
    """How many outbox entries wait (pending), wait for a person (conflict) or were refused and not yet acknowledged
    (failed): the status bar's edit counts. Sent entries are not counted: they pile up, and this runs once per edit
    drained."""
    waiting = outbox.c.state.in_(("pending", "conflict")) | ((outbox.c.state == "failed")
                                                              & outbox.c.acknowledged_at.is_(None))
    query = select(outbox.c.state, func.count()).where(waiting).group_by(outbox.c.state)
    with engine.connect() as conn:
        return {state: int(n) for state, n in conn.execute(query)}


def counts(engine: Engine) -> dict[str, int]:
    """Row counts for the status bar. Readings and hotspots come from maintained counts (see ``row_counts``)."""
    with write_transaction(engine) as conn:  # writes when a maintained count is taken for the first time
        result = {
            "stations": _scalar(conn, select(func.count()).select_from(stations)),
            "air_readings": read_count(conn, "air_readings"),
            "air_hourly": read_count(conn, "air_hourly"),
            "river_readings": read_count(conn, "river_readings"),
            "hotspots": read_count(conn, "fire_hotspots"),
            "incidents_open": _scalar(conn, select(func.count()).where(incidents.c.status == "open")),
            "outbox_pending": _scalar(conn, select(func.count()).where(outbox.c.state == "pending")),
        }
    return result


def _scalar(conn: Connection, query) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(query).scalar_one())
