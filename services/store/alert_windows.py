"""The alert evaluation's reads of feed data: bounded time windows through indexes, never whole tables.

Each read is one contiguous index range per station (``air_hourly``'s covering chart index; ``river_readings``'
primary key) or one range of the hotspots' time index, between the evaluation's window edges. Rows come out as
numpy arrays straight from the driver's cursor, as services.store.chart_queries reads its series; NULLs become NaN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from services.store.database import translate_errors


@dataclass(frozen=True, slots=True)
class StationRow:
    """A station as the rules see it: its place, its province (from Air4Thai's areaEN) and thresholds."""

    id: int
    kind: str
    code: str
    name_th: str
    name_en: str
    lat: float | None
    lon: float | None
    province_en: str | None
    province_th: str | None
    thresholds: dict[str, float]


def stations(conn: Connection, kind: str) -> list[StationRow]:
    """Every station of ``kind`` ("air" or "river"), in id order (the order their readings come in)."""
    rows = conn.exec_driver_sql(
        "SELECT id, code, name_th, name_en, lat, lon, area_en, area_th, thresholds_json FROM stations "
        "WHERE kind = ? ORDER BY id", (kind,)).all()
    return [StationRow(sid, kind, code, _name(th, code), _name(en, code), lat, lon, _last_part(area_en),
                       _last_part(area_th), _thresholds(limits))
            for sid, code, th, en, lat, lon, area_en, area_th, limits in rows]


def _name(value: str | None, code: str) -> str:
    return (value or "").strip() or code


def _last_part(area: str | None) -> str | None:
    """Air4Thai's ``areaEN`` / ``areaTH`` end with the province ("Chang Phueak, Mueang, Chiang Mai")."""
    if not area:
        return None
    return area.rsplit(",", 1)[-1].strip() or None


def _thresholds(text: str | None) -> dict[str, float]:
    """A station's thresholds (local gauge metres); anything unreadable or not a finite number counts as absent."""
    try:
        raw = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: float(v) for k, v in raw.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}


#: What a nullable column is read as (``ifnull(column, 9e999)``: SQLite's infinity), so every row is numbers that
#: numpy reads in one pass of C; no reading is infinite, so infinity becomes NaN after.
MISSING = "9e999"


def _fetch(conn: Connection, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """Rows straight from the driver, in the connection's transaction: a read per station, a hundred per
    evaluation, where SQLAlchemy's own statement handling would cost more than SQLite's reading."""
    driver = conn.connection.driver_connection
    assert driver is not None
    with translate_errors(Path(conn.engine.url.database or "")):
        return driver.execute(sql, args).fetchall()


def _array(conn: Connection, sql: str, args: tuple[object, ...], columns: int) -> np.ndarray:
    rows = _fetch(conn, sql, args)
    out = np.fromiter(chain.from_iterable(rows), np.float64, columns * len(rows)).reshape(-1, columns)
    out[np.isinf(out)] = np.nan
    return out


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def air_hourly(conn: Connection, station_ids: Sequence[int], t0: int, t1: int) -> np.ndarray:
    """The stations' hourly rows in (t0, t1] as an (n, 3) array ordered by station and time: station id, hour end,
    PM2.5 (NaN where the row has none). One range of the covering chart index per station."""
    if not station_ids:
        return np.empty((0, 3))
    sql = (f"SELECT station_id, observed_at, ifnull(pm25, {MISSING}) FROM air_hourly INDEXED BY ix_air_hourly_chart "
           f"WHERE station_id IN ({_marks(station_ids)}) AND observed_at > ? AND observed_at <= ? "
           "ORDER BY station_id, observed_at")
    return _array(conn, sql, (*station_ids, t0, t1), 3)


def river_readings(conn: Connection, station_ids: Sequence[int], t0: int, t1: int) -> np.ndarray:
    """The gauges' readings in (t0, t1] as an (n, 5) array ordered by gauge and time: station id, time, local
    level, level above sea level, distance to the bank (positive = overbank); NaN where a reading lacks one. One
    range of the primary key per gauge."""
    if not station_ids:
        return np.empty((0, 5))
    sql = (f"SELECT station_id, observed_at, ifnull(level_m, {MISSING}), ifnull(level_msl, {MISSING}), "
           f"ifnull(bank_diff_m, {MISSING}) FROM river_readings WHERE station_id IN ({_marks(station_ids)}) "
           "AND observed_at > ? AND observed_at <= ? ORDER BY station_id, observed_at")
    return _array(conn, sql, (*station_ids, t0, t1), 5)


def last_reading_at(conn: Connection, table: str, value: str, station_ids: Sequence[int], t: int
                    ) -> dict[int, int | None]:
    """Each station's newest reading time at or before ``t`` in ``table`` with ``value`` not NULL (the callers'
    constants, never input: "air_hourly" and "pm25", "river_readings" and "coalesce(level_m, level_msl)")."""
    sql = (f"SELECT observed_at FROM {table} WHERE station_id = ? AND observed_at <= ? AND {value} IS NOT NULL "
           "ORDER BY observed_at DESC LIMIT 1")
    return {sid: next(iter(_fetch(conn, sql, (sid, t))), (None,))[0] for sid in station_ids}


# FIRMS' confidence classes (0 low, 1 nominal, 2 high), as services.store.chart_queries reads them for the bars.
_HOTSPOTS = (
    "SELECT acquired_at, lat, lon, "
    "CASE WHEN confidence_text IS NOT NULL THEN "
    "  CASE lower(confidence_text) WHEN 'low' THEN 0 WHEN 'l' THEN 0 WHEN 'high' THEN 2 WHEN 'h' THEN 2 ELSE 1 END "
    "WHEN confidence_pct IS NOT NULL THEN "
    "  CASE WHEN confidence_pct < 30 THEN 0 WHEN confidence_pct < 80 THEN 1 ELSE 2 END "
    "ELSE 1 END AS class "
    "FROM fire_hotspots INDEXED BY ix_fire_hotspots_days WHERE acquired_at > ? AND acquired_at <= ? "
    "ORDER BY acquired_at"
)


def hotspots(conn: Connection, t0: int, t1: int) -> np.ndarray:
    """Hotspots acquired in (t0, t1] as an (n, 4) array: time, latitude, longitude, confidence class."""
    return _array(conn, _HOTSPOTS, (t0, t1), 4)


@dataclass(frozen=True, slots=True)
class FeedHealthRow:
    feed: str
    last_success_at: int | None
    consecutive_failures: int


def feed_health(conn: Connection) -> list[FeedHealthRow]:
    """Every recorded feed's last success and how many polls in a row have failed since."""
    rows = conn.exec_driver_sql(
        "SELECT feed, last_success_at, consecutive_failures FROM feed_state ORDER BY feed").all()
    return [FeedHealthRow(feed, last, failures) for feed, last, failures in rows]
