"""Bulk upserts of normalised feed records, through SQLAlchemy Core at driver level.

Why driver level: the ORM (``session.add_all``) measured 31x slower than ``sqlite3.executemany`` for a million
readings, so records become plain tuples bound with ``exec_driver_sql(sql, list_of_tuples)`` (one executemany).
Every upsert ends in ``WHERE <some column differs>``: importing the same payload twice writes nothing.

Air readings go to one of two tables by ``AirReading.averaging``: the latest endpoint's 24 h / 8 h means to
``air_readings``, hourly history to ``air_hourly``; the same (station, hour) in both means two different numbers.

Merging rules:
- station metadata (names, coordinates, area, province) keeps the stored value when a record has None;
- reading values likewise keep the stored value when the new record has None (the Air4Thai history endpoint only
  returns the parameters asked for, and must not blank out the others);
- incidents follow the server, except that an incident with unsent local edits (``local_changes > 0``) keeps its
  fields; such records are counted as ``deferred``;
- a record's links (merged into a keeper, duplicates, related peers, a major incident and its children) become
  ``incident_links`` rows, ``merged_into`` and ``major_incident`` (services.store.link_sync), except where a local
  link change is still on its way to the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Connection, Engine

from services.districts import nearest_district
from services.feeds.thai_time import parse_w3c
from services.records import AirReading, BoundaryFeature, FireHotspot, RiverReading, ServiceDefinition, ServiceRequest
from services.store.database import write_transaction
from services.store.link_sync import local_ids, sync_records_links
from services.store.row_counts import add_to_count
from services.store.rows import IngestSummary
from services.store.schema import to_unix

#: Known river thresholds (local gauge, m), written when a station is first seen; editable per station afterwards.
#: P.1 Nawarat Bridge: bank-full 3.70 m (RID); city zones flood above 4.20 m since the 2022 levee works.
DEFAULT_RIVER_THRESHOLDS: dict[str, dict[str, float]] = {"P.1": {"bank_full_m": 3.70, "flood_m": 4.20}}

_STATION_META = ("name_th", "name_en", "lat", "lon", "province_code", "area_en", "area_th")
_STATION_UPSERT = (
    "INSERT INTO stations (kind, code, name_th, name_en, lat, lon, province_code, area_en, area_th, thresholds_json,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (kind, code) DO UPDATE SET "
    + ", ".join(f"{c} = coalesce(excluded.{c}, {c})" for c in _STATION_META)
    + ", updated_at = excluded.updated_at WHERE "
    + " OR ".join(f"coalesce(excluded.{c}, {c}) IS NOT {c}" for c in _STATION_META)
)


def _reading_upsert(table: str, columns: Sequence[str]) -> str:
    values = ", ".join(f"{c} = coalesce(excluded.{c}, {c})" for c in columns)
    differs = " OR ".join(f"coalesce(excluded.{c}, {c}) IS NOT {c}" for c in columns)
    placeholders = ",".join("?" * len(columns))
    # observed_at arrives as float unix seconds (datetime.timestamp, the cheapest conversion there is) and is
    # truncated to whole seconds here, in C, instead of with int() in the Python loop.
    return (
        f"INSERT INTO {table} (station_id, observed_at, {', '.join(columns)}) "
        f"VALUES (?, CAST(? AS INTEGER), {placeholders}) "
        f"ON CONFLICT (station_id, observed_at) DO UPDATE SET {values} WHERE {differs}"
    )


_AIR_VALUES = ("pm25", "pm10", "o3", "co", "no2", "so2", "aqi", "aqi_band")
_AIR_UPSERT = _reading_upsert("air_readings", _AIR_VALUES)
_HOURLY_VALUES = ("pm25", "pm10", "o3", "co", "no2", "so2")  # no AQI: it is defined on the means only
_HOURLY_UPSERT = _reading_upsert("air_hourly", _HOURLY_VALUES)
_AVERAGING_AND_TZ = attrgetter("averaging", "observed_at.tzinfo")
_RIVER_VALUES = ("level_m", "level_msl", "bank_diff_m", "situation_level", "flow_m3s")
_RIVER_UPSERT = _reading_upsert("river_readings", _RIVER_VALUES)


def ingest_air(engine: Engine, records: Sequence[AirReading]) -> IngestSummary:
    """Upsert Air4Thai readings (and their stations) in one transaction.

    Records are routed by ``averaging``: "24h" (the latest endpoint's rolling means) to ``air_readings``, "1h"
    (hourly history) to ``air_hourly``, so neither overwrites the other at the same (station, hour). A mixed list
    works; the summary adds up both tables.
    """
    if not records:
        return IngestSummary(0, 0, 0, 0)
    # One C-speed pass for both checks (the hot path has no room for two): each record's averaging and whether its
    # time is aware. datetime.timestamp() would read a naive time as the machine's local time, so those are refused.
    seen = set(map(_AVERAGING_AND_TZ, records))
    if any(tz is None for _, tz in seen):
        _refuse_naive(records)
    kinds = {averaging for averaging, _ in seen}
    unknown = kinds - {"24h", "1h"}
    if unknown:
        raise ValueError(f"unknown AirReading.averaging {sorted(unknown)!r}: expected '24h' or '1h'")
    if len(kinds) == 1:
        means, hourly = (records, ()) if "24h" in kinds else ((), records)
    else:
        means = [r for r in records if r.averaging == "24h"]
        hourly = [r for r in records if r.averaging == "1h"]
    with write_transaction(engine) as conn:
        ids = _upsert_stations(conn, "air", records, code_of=attrgetter("station_id"))
        stamp = datetime.timestamp
        summaries = []
        if means:
            # The hot loop of the whole store: attribute loads, one dict lookup and one C call per record.
            rows = [
                (ids[r.station_id], stamp(r.observed_at), r.pm25, r.pm10, r.o3, r.co, r.no2, r.so2, r.aqi, r.aqi_band)
                for r in means
            ]
            summaries.append(_upsert_readings(conn, "air_readings", _AIR_UPSERT, rows, ids.values()))
        if hourly:
            rows = [
                (ids[r.station_id], stamp(r.observed_at), r.pm25, r.pm10, r.o3, r.co, r.no2, r.so2) for r in hourly
            ]
            summaries.append(_upsert_readings(conn, "air_hourly", _HOURLY_UPSERT, rows, ids.values()))
    if len(summaries) == 1:
        return summaries[0]
    a, b = summaries
    return IngestSummary(a.accepted + b.accepted, a.inserted + b.inserted, a.updated + b.updated,
                         a.unchanged + b.unchanged)


def ingest_river(engine: Engine, records: Sequence[RiverReading]) -> IngestSummary:
    """Upsert ThaiWater water levels (and their stations) in one transaction."""
    if not records:
        return IngestSummary(0, 0, 0, 0)
    _refuse_naive(records)
    with write_transaction(engine) as conn:
        ids = _upsert_stations(conn, "river", records, code_of=attrgetter("station_code"))
        stamp = datetime.timestamp
        rows = [
            (ids[r.station_code], stamp(r.observed_at), r.level_m, r.level_msl, r.bank_diff_m, r.situation_level,
             r.flow_m3s)
            for r in records
        ]
        return _upsert_readings(conn, "river_readings", _RIVER_UPSERT, rows, ids.values())


def _refuse_naive(records: Sequence[AirReading] | Sequence[RiverReading]) -> None:
    # datetime.timestamp() would read a naive time as the machine's local time: refuse it instead.
    if None in map(_TZINFO, records):
        bad = next(r.observed_at for r in records if r.observed_at.tzinfo is None)
        raise ValueError(f"naive datetime {bad!r}: the store only takes aware datetimes")


_TZINFO = attrgetter("observed_at.tzinfo")


def _upsert_stations(conn: Connection, kind: str, records: Sequence[Any], *, code_of: attrgetter) -> dict[str, int]:
    """Upsert the stations the records name and return code -> id for every station of this kind."""
    # The last record of each station carries the freshest metadata (zip/map: C speed over a million records).
    latest = dict(zip(map(code_of, records), records))
    metas = {code: [getattr(record, name, None) for name in _STATION_META] for code, record in latest.items()}
    # Only names and coordinates are worth a search; the area fields simply keep their stored values.
    incomplete = {code: meta for code, meta in metas.items() if None in meta[:4]}
    if incomplete:
        _fill_missing_meta(records, code_of, incomplete)
    now = int(time.time())
    rows = []
    for code, meta in metas.items():
        thresholds = DEFAULT_RIVER_THRESHOLDS.get(code) if kind == "river" else None
        rows.append((kind, code, *meta, json.dumps(thresholds) if thresholds else None, now))
    conn.exec_driver_sql(_STATION_UPSERT, rows)
    return dict(conn.exec_driver_sql("SELECT code, id FROM stations WHERE kind = ?", (kind,)).all())


def _fill_missing_meta(records: Sequence[Any], code_of: attrgetter, incomplete: dict[str, list[Any]]) -> None:
    # Some records carry no names (history endpoints): take each missing field from the newest record that has
    # it. One backwards pass at most, stopping once every station is complete.
    for record in reversed(records):
        meta = incomplete.get(code_of(record))
        if meta is None:
            continue
        for i, name in enumerate(_STATION_META):
            if meta[i] is None:
                meta[i] = getattr(record, name, None)
        if None not in meta[:4]:
            del incomplete[code_of(record)]
            if not incomplete:
                return


_SECOND = itemgetter(1)


def _upsert_readings(
    conn: Connection, table: str, sql: str, rows: list[tuple[Any, ...]], station_ids: Any
) -> IngestSummary:
    # Inserted rows = growth of the batch's key range; the range is empty (so counting is free) for new data.
    id_list = ",".join(str(int(i)) for i in station_ids)
    count_sql = f"SELECT count(*) FROM {table} WHERE station_id IN ({id_list}) AND observed_at BETWEEN ? AND ?"
    window = (int(min(map(_SECOND, rows))) - 1, int(max(map(_SECOND, rows))) + 1)
    before = conn.exec_driver_sql(count_sql, window).scalar_one()
    changed = conn.exec_driver_sql(sql, rows).rowcount
    inserted = conn.exec_driver_sql(count_sql, window).scalar_one() - before
    add_to_count(conn, table, inserted)
    return IngestSummary(len(rows), inserted, changed - inserted, len(rows) - changed)


_HOTSPOT_COLUMNS = (
    "source", "satellite", "instrument", "lat", "lon", "acquired_at", "confidence_text", "confidence_pct", "frp",
    "daynight", "brightness_k", "scan", "track", "version", "fire_type",
)
_HOTSPOT_KEY = ("source", "lat", "lon", "acquired_at")
_HOTSPOT_UPSERT = (
    f"INSERT INTO fire_hotspots ({', '.join(_HOTSPOT_COLUMNS)}) VALUES ({','.join('?' * len(_HOTSPOT_COLUMNS))}) "
    "ON CONFLICT (source, lat, lon, acquired_at) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _HOTSPOT_COLUMNS if c not in _HOTSPOT_KEY)
    + " WHERE "
    + " OR ".join(f"excluded.{c} IS NOT {c}" for c in _HOTSPOT_COLUMNS if c not in _HOTSPOT_KEY)
)


def ingest_hotspots(engine: Engine, records: Sequence[FireHotspot]) -> IngestSummary:
    """Upsert FIRMS detections keyed by (source, lat, lon, acquired_at) in one transaction."""
    if not records:
        return IngestSummary(0, 0, 0, 0)
    rows = []
    for r in records:
        text = r.confidence if isinstance(r.confidence, str) else None
        pct = r.confidence if isinstance(r.confidence, int) and not isinstance(r.confidence, bool) else None
        rows.append((r.source, r.satellite, r.instrument, r.lat, r.lon, to_unix(r.acquired_at), text, pct, r.frp,
                     r.daynight, r.brightness_k, r.scan, r.track, r.version, r.fire_type))
    times = [row[5] for row in rows]
    count_sql = "SELECT count(*) FROM fire_hotspots WHERE acquired_at BETWEEN ? AND ?"
    window = (min(times), max(times))
    with write_transaction(engine) as conn:
        before = conn.exec_driver_sql(count_sql, window).scalar_one()
        changed = conn.exec_driver_sql(_HOTSPOT_UPSERT, rows).rowcount
        inserted = conn.exec_driver_sql(count_sql, window).scalar_one() - before
        add_to_count(conn, "fire_hotspots", inserted)
    return IngestSummary(len(rows), inserted, changed - inserted, len(rows) - changed)


_INCIDENT_COLUMNS = (
    "server_id", "service_code", "service_name", "status", "workflow_state", "priority", "description", "lat", "lon",
    "address", "requested_at", "updated_at", "expected_at", "agency", "assignee", "media_url", "source", "version",
    "district_code", "reporter_name", "reporter_contact", "sla_paused_s", "sla_paused_since", "resumed_state",
)
# Only staff callers see reporters: a payload without them must not blank what the store already has.
_KEEP_WHEN_MISSING = frozenset({"reporter_name", "reporter_contact", "district_code"})


def _set_clause(column: str) -> str:
    return f"{column} = coalesce(excluded.{column}, {column})" if column in _KEEP_WHEN_MISSING \
        else f"{column} = excluded.{column}"


def _differs(column: str) -> str:
    value = f"coalesce(excluded.{column}, {column})" if column in _KEEP_WHEN_MISSING else f"excluded.{column}"
    return f"{value} IS NOT {column}"


def _extension_time(record: ServiceRequest, key: str) -> int | None:
    value = record.extra.get(key)
    if not value:
        return None
    try:
        return to_unix(parse_w3c(str(value)))
    except ValueError:
        return None


def _district_of(record: ServiceRequest) -> str | None:
    if record.lat is None or record.lon is None:
        return None
    return nearest_district(record.lat, record.lon).code


_INCIDENT_UPSERT = (
    f"INSERT INTO incidents ({', '.join(_INCIDENT_COLUMNS)}) VALUES ({','.join('?' * len(_INCIDENT_COLUMNS))}) "
    "ON CONFLICT (server_id) DO UPDATE SET "
    + ", ".join(_set_clause(c) for c in _INCIDENT_COLUMNS[1:])
    + " WHERE local_changes = 0 AND ("
    + " OR ".join(_differs(c) for c in _INCIDENT_COLUMNS[1:])
    + ")"
)


def ingest_service_requests(engine: Engine, records: Sequence[ServiceRequest]) -> IngestSummary:
    """Upsert Open311 service requests as incidents (by ``server_id``) in one transaction.

    Incidents with unsent local edits keep their fields (counted as ``deferred``); the sync resolves them.
    """
    if not records:
        return IngestSummary(0, 0, 0, 0)
    latest = {r.id: r for r in records}  # a repeated id in one payload: the last copy wins
    now = int(time.time())
    rows = [
        (
            r.id, r.service_code, r.service_name, r.status, r.status_detail, r.priority, r.description, r.lat, r.lon,
            r.address, to_unix(r.requested_at), to_unix(r.updated_at or r.requested_at) or now,
            to_unix(r.expected_at), r.agency_responsible, r.assignee, r.media_url,
            r.extra.get("source") or "open311", r.version, _district_of(r), r.extra.get("reporter_name"),
            r.extra.get("reporter_contact"), int(r.extra.get("sla_paused_s") or 0),
            _extension_time(r, "sla_paused_since"), r.extra.get("resumed_state"),
        )
        for r in latest.values()
    ]
    with write_transaction(engine) as conn:
        existing: dict[str, int] = {}
        ids = list(latest)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            existing.update(
                conn.exec_driver_sql(
                    f"SELECT server_id, local_changes FROM incidents WHERE server_id IN ({marks})", tuple(chunk)
                ).all()
            )
        changed = conn.exec_driver_sql(_INCIDENT_UPSERT, rows).rowcount
        linked = [r for r in latest.values() if r.links is not None]
        if linked:
            ids = local_ids(conn, [r.id for r in linked])
            sync_records_links(conn, [(ids[r.id], r.links) for r in linked if r.id in ids], now)  # type: ignore
    inserted = len(rows) - len(existing)
    deferred = sum(1 for pending in existing.values() if pending > 0)
    updated = changed - inserted
    return IngestSummary(len(records), inserted, updated, len(records) - inserted - updated - deferred, deferred)


_SERVICE_COLUMNS = ("service_code", "service_name", "description", "group_", "keywords", "metadata", "type")
# attributes_json NULL in a record = the definition was not fetched this time: the stored one stays (coalesce).
_SERVICE_UPSERT = (
    f"INSERT INTO services ({', '.join(_SERVICE_COLUMNS)}, attributes_json) "
    f"VALUES ({','.join('?' * (len(_SERVICE_COLUMNS) + 1))}) "
    "ON CONFLICT (service_code) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _SERVICE_COLUMNS[1:])
    + ", attributes_json = coalesce(excluded.attributes_json, attributes_json) WHERE "
    + " OR ".join(f"excluded.{c} IS NOT {c}" for c in _SERVICE_COLUMNS[1:])
    + " OR coalesce(excluded.attributes_json, attributes_json) IS NOT attributes_json"
)


def _attributes_json(service: ServiceDefinition) -> str | None:
    if service.attributes is None:
        return None
    attributes = sorted(service.attributes, key=lambda a: (a.order, a.code))
    # sort_keys: the same definition must serialise to the same text, or every poll would count as an update
    return json.dumps([a.to_json() for a in attributes], ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def ingest_services(engine: Engine, records: Sequence[ServiceDefinition]) -> IngestSummary:
    """Upsert the Open311 service list (incident categories) in one transaction, with each service's attributes
    when the record carries them (``attributes`` None keeps the stored definition)."""
    rows = [
        (s.service_code, s.service_name, s.description, s.group, ",".join(s.keywords) or None, int(s.metadata), s.type,
         _attributes_json(s))
        for s in {s.service_code: s for s in records}.values()
    ]
    return _upsert_small(engine, "SELECT count(*) FROM services", (), _SERVICE_UPSERT, rows, len(records))


_BOUNDARY_COLUMNS = ("layer", "feature_id", "name", "name_th", "geometry_type", "properties_json", "geometry_json")
_BOUNDARY_UPSERT = (
    f"INSERT INTO boundaries ({', '.join(_BOUNDARY_COLUMNS)}) VALUES ({','.join('?' * len(_BOUNDARY_COLUMNS))}) "
    "ON CONFLICT (layer, feature_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _BOUNDARY_COLUMNS[2:])
    + " WHERE "
    + " OR ".join(f"excluded.{c} IS NOT {c}" for c in _BOUNDARY_COLUMNS[2:])
)


def ingest_boundaries(engine: Engine, layer: str, records: Sequence[BoundaryFeature]) -> IngestSummary:
    """Upsert the features of one boundary layer (keyed by layer and feature id) in one transaction."""

    def dump(value: Any) -> str:
        # sort_keys: the same feature must serialise to the same text, or re-imports would count as updates
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    rows = [
        (layer, f.id, f.name, f.name_th, f.geometry_type, dump(f.properties), dump(f.geometry))
        for f in {f.id: f for f in records}.values()
    ]
    count_sql = "SELECT count(*) FROM boundaries WHERE layer = ?"
    return _upsert_small(engine, count_sql, (layer,), _BOUNDARY_UPSERT, rows, len(records))


def _upsert_small(
    engine: Engine, count_sql: str, count_args: tuple[Any, ...], sql: str, rows: list[tuple[Any, ...]], accepted: int
) -> IngestSummary:
    if not rows:
        return IngestSummary(0, 0, 0, 0)
    with write_transaction(engine) as conn:
        before = conn.exec_driver_sql(count_sql, count_args).scalar_one()
        changed = conn.exec_driver_sql(sql, rows).rowcount
        inserted = conn.exec_driver_sql(count_sql, count_args).scalar_one() - before
    return IngestSummary(accepted, inserted, changed - inserted, accepted - changed)
