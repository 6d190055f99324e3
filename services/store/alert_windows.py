"""The alert evaluation's reads of feed data: bounded time windows through indexes, never whole tables.

Each read is one contiguous index range per station (``air_hourly``'s covering chart index; ``river_readings``'
primary key) or one range of the hotspots' time index, between the evaluation's window edges. Rows come out as
numpy arrays straight from the driver's cursor, as services.store.chart_queries reads its series; NULLs become NaN.
The driver's cost is per value it hands over (a week of 10-minute levels of 150 gauges is 150,000 rows), so the
readings are read one statement per station, without the station on every row, and only the columns a rule
reads.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection

from services.store.chart_queries import station_thresholds
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
                       _last_part(area_th), station_thresholds(limits))
            for sid, code, th, en, lat, lon, area_en, area_th, limits in rows]


def _name(value: str | None, code: str) -> str:
    return (value or "").strip() or code


def _last_part(area: str | None) -> str | None:
    """Air4Thai's ``areaEN`` / ``areaTH`` end with the province ("Chang Phueak, Mueang, Chiang Mai")."""
    if not area:
        return None
    return area.rsplit(",", 1)[-1].strip() or None


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


def _per_station(conn: Connection, sql: str, station_ids: Sequence[int], t0: int, t1: int, columns: int
                 ) -> np.ndarray:
    """``sql`` (one station's rows in (t0, t1], ``columns`` numbers each) run for every station, as one
    (n, 1 + columns) array: station id, then the row. One statement per station, so no row carries its station
    (the driver's cost is per value it hands over) and each is one range of the station's index."""
    driver = conn.connection.driver_connection
    assert driver is not None
    with translate_errors(Path(conn.engine.url.database or "")):
        parts = [driver.execute(sql, (sid, t0, t1)).fetchall() for sid in station_ids]
    counts = [len(part) for part in parts]
    total = sum(counts)
    out = np.empty((total, 1 + columns))
    out[:, 0] = np.repeat(np.asarray(station_ids, dtype=np.float64), counts)
    out[:, 1:] = np.fromiter(chain.from_iterable(chain.from_iterable(parts)), np.float64,
                             columns * total).reshape(-1, columns)
    out[np.isinf(out)] = np.nan
    return out


def air_hourly(conn: Connection, station_ids: Sequence[int], t0: int, t1: int) -> np.ndarray:
    """The stations' hourly rows in (t0, t1] as an (n, 3) array ordered by station and time: station id, hour end,
    PM2.5 (NaN where the row has none). One range of the covering chart index per station."""
    if not station_ids:
        return np.empty((0, 3))
    sql = (f"SELECT observed_at, ifnull(pm25, {MISSING}) FROM air_hourly INDEXED BY ix_air_hourly_chart "
           "WHERE station_id = ? AND observed_at > ? AND observed_at <= ? ORDER BY observed_at")
    return _per_station(conn, sql, station_ids, t0, t1, 2)


_RIVER = ("SELECT observed_at, ifnull(level_m, {missing}), ifnull(level_msl, {missing}){bank} FROM river_readings "
          "WHERE station_id = ? AND observed_at > ? AND observed_at <= ? ORDER BY observed_at")


def river_readings(conn: Connection, station_ids: Sequence[int], t0: int, t1: int, *,
                   bank_ids: Collection[int] | None = None) -> np.ndarray:
    """The gauges' readings in (t0, t1] as an (n, 5) array, each gauge's rows together and in time order: station
    id, time, local level, level above sea level, distance to the bank (positive = overbank); NaN where a reading
    lacks one. The distance to the bank is read only for the gauges in ``bank_ids`` (all when None), NaN for the
    others. One range of the primary key per gauge."""
    if not station_ids:
        return np.empty((0, 5))
    with_bank = list(station_ids) if bank_ids is None else [s for s in station_ids if s in bank_ids]
    without = [] if bank_ids is None else [s for s in station_ids if s not in bank_ids]
    parts = []
    if without:
        levels = _per_station(conn, _RIVER.format(missing=MISSING, bank=""), without, t0, t1, 3)
        parts.append(np.column_stack((levels, np.full(len(levels), np.nan))))
    if with_bank:
        parts.append(_per_station(conn, _RIVER.format(missing=MISSING, bank=f", ifnull(bank_diff_m, {MISSING})"),
                                  with_bank, t0, t1, 4))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def last_reading_at(conn: Connection, table: str, value: str, station_ids: Sequence[int], t: int
                    ) -> dict[int, int | None]:
    """Each station's newest reading time at or before ``t`` in ``table`` with ``value`` not NULL (the callers'
    constants, never input: "air_hourly" and "pm25", "river_readings" and "coalesce(level_m, level_msl)")."""
    sql = (f"SELECT observed_at FROM {table} WHERE station_id = ? AND observed_at <= ? AND {value} IS NOT NULL "
           "ORDER BY observed_at DESC LIMIT 1")
    driver = conn.connection.driver_connection
    assert driver is not None
    with translate_errors(Path(conn.engine.url.database or "")):  # once: a seek per station
        return {sid: next(iter(driver.execute(sql, (sid, t)).fetchall()), (None,))[0] for sid in station_ids}


# FIRMS' confidence classes (0 low, 1 nominal, 2 high), as services.store.chart_queries reads them for the bars:
# VIIRS' "l"/"n"/"h" (or the words, any case), MODIS' percentage below 30 / 80, nominal without either. Each is the
# condition for a class or above (the same mapping as a comparison: no per-row text is made or handed over).
_CLASS_AT_LEAST = (
    "1",
    ("CASE WHEN confidence_text IS NOT NULL THEN confidence_text COLLATE NOCASE NOT IN ('low', 'l') "
     "ELSE confidence_pct IS NULL OR confidence_pct >= 30 END"),
    ("CASE WHEN confidence_text IS NOT NULL THEN confidence_text COLLATE NOCASE IN ('high', 'h') "
     "ELSE confidence_pct >= 80 END"),
)


def hotspots(conn: Connection, t0: int, t1: int, min_class: int = 0) -> np.ndarray:
    """Hotspots acquired in (t0, t1] of confidence class ``min_class`` or above, as an (n, 3) array: time,
    latitude, longitude; in time order."""
    sql = ("SELECT acquired_at, lat, lon FROM fire_hotspots INDEXED BY ix_fire_hotspots_days "
           f"WHERE acquired_at > ? AND acquired_at <= ? AND ({_CLASS_AT_LEAST[min_class]}) ORDER BY acquired_at")
    return _array(conn, sql, (t0, t1), 3)


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
