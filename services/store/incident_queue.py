"""The incident queue in SQL: filters, sorts, full-text search, the ordered ID list, pages and counts.

Built to stay fast at a million incidents:
- every sortable column has a partial index that orders it completely (``(column, requested_at)`` + rowid)
  (``WHERE merged_into IS NULL``; every query here repeats that condition so SQLite may use them), so an ORDER BY
  is an index walk, never a sort of a million rows;
- the ordered ID list leaves SQLite as ONE text value built by ``group_concat`` in C and is parsed by numpy:
  fetching a million one-column rows as Python tuples costs several times the index walk itself;
- text search goes through ``incidents_fts`` (FTS5, trigram tokenizer, so Thai substrings match); words shorter
  than three characters cannot use trigrams and fall back to LIKE on the incident's columns;
- an area (a drawn polygon) takes the incidents in its bounding box from ``ix_incidents_latlon`` alone (the index
  covers id, lat and lon, in latitude order), tests them exactly with numpy (services.point_in_polygon), and keeps
  those ids in the ordered list the rest of the filter gives. Adding the box to the ordered query instead makes
  SQLite read every row in the box from the table and sort them: 1.3-3x slower for an area the size of a district,
  5-7x for one around the whole province (benchmarks/incident_bench.py ``incidents_area_1m``);
- the triage order (``QueueSort("triage")``: SLA breached first, then priority, then oldest) has no index (whether
  an incident is breached depends on the time): the matching ids come as for any filter, their rank and age from
  one read of the table, and numpy's lexsort orders them. An ORDER BY over the computed rank sorted in SQLite, and
  index walks per group looked every row up in index order: 5-14x slower at 1M (0.9 s for the open queue).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from services.point_in_polygon import bounding_box, inside_mask
from services.sla import PRIORITIES
from services.store.incident_rows import SLA_STOPPED_STATES, SORT_COLUMNS, QueueFilter, QueueRow, QueueSort
from services.store.schema import to_unix

#: The SELECT list behind :class:`QueueRow` (same order as its fields, without distance_m).
ROW_COLUMNS = (
    "id", "server_id", "service_code", "service_name", "priority", "status", "workflow_state", "district_code",
    "requested_at", "expected_at", "sla_paused_s", "sla_paused_since", "resumed_state", "assignee", "source",
    "local_changes", "lat", "lon", "description",
    # major incidents (0012): the flag, this one's major incident and how many children it has (index lookups)
    "major_incident",
    "(SELECT l.incident_id FROM incident_links AS l WHERE l.other_id = incidents.id AND l.kind = 'parent')",
    "(SELECT count(*) FROM incident_links AS l WHERE l.incident_id = incidents.id AND l.kind = 'parent')",
)
ROW_SELECT = f"SELECT {', '.join(ROW_COLUMNS)} FROM incidents"
_TEXT_COLUMNS = ("description", "service_name", "address", "reporter_name", "server_id")
_fromts = datetime.fromtimestamp

#: The triage order for ``QueueSort.column``: incidents past their SLA first, then by priority (P1 first, none
#: last), then oldest first. It is not a column of the table, so it is not in ``SORT_COLUMNS``; ``descending`` is
#: ignored (triage has one direction).
TRIAGE = "triage"
_TRIAGE_SCAN_FROM = 20_000  # from this many matches, the triage order reads the whole table once (see _triage_ids)


def row_from_tuple(r: Sequence[Any]) -> QueueRow:
    """A :class:`QueueRow` from a tuple selected with :data:`ROW_COLUMNS`."""
    return QueueRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
        None if r[8] is None else _fromts(r[8], UTC),
        None if r[9] is None else _fromts(r[9], UTC),
        r[10] or 0,
        None if r[11] is None else _fromts(r[11], UTC),
        r[12], r[13], r[14], bool(r[15]), r[16], r[17], r[18],
        major=bool(r[19]), parent_id=r[20], children=r[21] or 0,
    )


def where_clause(flt: QueueFilter) -> tuple[str, list[Any]]:
    """The WHERE text and its parameters for a filter; always excludes merged incidents.

    The area is not in it: :func:`queue_ids`, :func:`queue_count` and :func:`queue_first_page` apply it."""
    parts = ["merged_into IS NULL"]
    args: list[Any] = []
    if flt.status:
        parts.append(f"status IN ({','.join('?' * len(flt.status))})")
        args.extend(sorted(flt.status))
    if flt.states:
        parts.append(f"workflow_state IN ({','.join('?' * len(flt.states))})")
        args.extend(sorted(flt.states))
    if flt.assignee is not None:
        parts.append("assignee = ?")
        args.append(flt.assignee)
    if flt.unassigned:
        parts.append("(assignee IS NULL OR assignee = '')")
    if flt.priorities:
        parts.append(f"priority IN ({','.join('?' * len(flt.priorities))})")
        args.extend(sorted(flt.priorities))
    if flt.district is not None:
        parts.append("district_code = ?")
        args.append(flt.district)
    if flt.category is not None:
        parts.append("service_code = ?")
        args.append(flt.category)
    if flt.breaching:
        breach_sql, breach_args = _breached_clause(flt.now)
        parts.append(breach_sql)
        args.extend(breach_args)
    if flt.text and flt.text.strip():
        text_sql, text_args = _text_clause(flt.text)
        parts.append(text_sql)
        args.extend(text_args)
    return " AND ".join(parts), args


def _breached_clause(now: datetime | None) -> tuple[str, list[Any]]:
    """Past the SLA target at ``now`` (the current time when None), open, the clock running and not stopped."""
    at = to_unix(now) if now is not None else int(time.time())
    sql = ("expected_at < ? AND status = 'open' AND sla_paused_since IS NULL "
           f"AND coalesce(workflow_state, '') NOT IN ({','.join('?' * len(SLA_STOPPED_STATES))})")
    return sql, [at, *SLA_STOPPED_STATES]


def _text_clause(text: str) -> tuple[str, list[Any]]:
    words = text.split()
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]
    parts: list[str] = []
    args: list[Any] = []
    if long_words:
        # Each word as an FTS5 string (double quotes doubled): a substring match, never query syntax.
        query = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
        parts.append("id IN (SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH ?)")
        args.append(query)
    for word in short_words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        parts.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _TEXT_COLUMNS) + ")")
        args.extend([pattern] * len(_TEXT_COLUMNS))
    return " AND ".join(parts), args


def order_clause(sort: QueueSort) -> str:
    """ORDER BY text for a sort; the column name comes from :data:`SORT_COLUMNS` only, never from the caller."""
    try:
        column = SORT_COLUMNS[sort.column]
    except KeyError:
        raise ValueError(f"unknown sort column {sort.column!r}; choose one of {sorted(SORT_COLUMNS)}") from None
    direction = "DESC" if sort.descending else "ASC"
    if column == "id":
        return f"id {direction}"
    if column in ("requested_at", "expected_at"):
        return f"{column} {direction}, id {direction}"
    # Ties by age then id, in the same direction: exactly the order of the (column, requested_at) index + rowid.
    return f"{column} {direction}, requested_at {direction}, id {direction}"


def _parse_ids(text: str | None) -> np.ndarray:
    if not text:
        return np.empty(0, dtype=np.int64)
    # numpy's text parser: about 8x faster than int() over text.split(",") at a million ids.
    return np.fromstring(text, dtype=np.int64, sep=",")


def _exact_scale(low: float, high: float) -> float | None:
    """A power of two 2**s such that every double in [low, high] times it is an integer below 2**62, or None.

    Why: SQLite prints a REAL with 15 significant digits (not enough to give the stored double back) and slowly,
    while fetching a million coordinates as Python tuples costs twice the time. x * 2**s is exact in binary floating
    point, and for |x| >= 2**e every double is a multiple of 2**(e - 52), so x * 2**(52 - e) is an integer: printed
    as one and parsed by numpy, it carries the stored coordinate exactly (the map gets the same double in JSON).
    """
    if low > 0:
        smallest, largest = low, high
    elif high < 0:
        smallest, largest = -high, -low
    else:
        return None  # a range around 0 has no smallest magnitude
    scale = 2.0 ** (53 - math.frexp(smallest)[1])  # frexp: smallest = m * 2**E with 0.5 <= m < 1, so e = E - 1
    return scale if largest * scale < 2.0 ** 62 else None


def area_ids(conn: Connection, ring: Sequence[Sequence[float]]) -> np.ndarray:
    """Ids of the incidents (merged ones too) whose location lies inside ``ring`` ([(lon, lat), ...]), in latitude
    order."""
    if len(ring) < 3:
        raise ValueError("an area needs at least 3 points")
    west, south, east, north = bounding_box(ring)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError("an area's points must be finite numbers")
    box = (south, north, west, east)
    # Only the (lat, lon) index is read (it holds the rowid, which is id), in latitude order: no table row is read.
    in_box = "lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? ORDER BY lat"
    lon_scale, lat_scale = _exact_scale(west, east), _exact_scale(south, north)
    if lon_scale is not None and lat_scale is not None:
        sql = (f"SELECT group_concat(id), group_concat(CAST(lon * {lon_scale!r} AS INTEGER)), "
               f"group_concat(CAST(lat * {lat_scale!r} AS INTEGER)) FROM (SELECT id, lon, lat FROM incidents "
               f"WHERE {in_box})")
        ids_text, lon_text, lat_text = conn.exec_driver_sql(sql, box).one()
        ids = _parse_ids(ids_text)
        lons = _parse_ids(lon_text).astype(np.float64) / lon_scale
        lats = _parse_ids(lat_text).astype(np.float64) / lat_scale
    else:
        rows = conn.exec_driver_sql(f"SELECT id, lon, lat FROM incidents WHERE {in_box}", box).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        lons = np.array([r[1] for r in rows], dtype=np.float64)
        lats = np.array([r[2] for r in rows], dtype=np.float64)
    return ids[inside_mask(lons, lats, ring, ys_sorted=True)]


def _matching_ids(conn: Connection, flt: QueueFilter, sort: QueueSort | None) -> np.ndarray:
    """The ids the filter matches, area included, in queue order (any order when ``sort`` is None)."""
    inside = None
    if flt.area is not None:
        inside = area_ids(conn, flt.area)
        if not len(inside):
            return inside
    where, args = where_clause(flt)
    if sort is not None and sort.column == TRIAGE:
        ids = _triage_ids(conn, where, args, flt.now)
    else:
        ids = _ordered_ids(conn, where, args, order_clause(sort) if sort is not None else None)
    if inside is not None:
        ids = ids[np.isin(ids, inside, assume_unique=True)]  # keeps the queue's order
    return ids


def _ordered_ids(conn: Connection, where: str, args: Sequence[Any], order: str | None) -> np.ndarray:
    # group_concat keeps the order of the ordered subquery it reads (SQLite walks the subquery's rows in order).
    order_by = f" ORDER BY {order}" if order is not None else ""
    sql = f"SELECT group_concat(id) FROM (SELECT id FROM incidents WHERE {where}{order_by})"
    return _parse_ids(conn.exec_driver_sql(sql, tuple(args)).scalar())


def _triage_ids(conn: Connection, where: str, args: Sequence[Any], now: datetime | None) -> np.ndarray:
    """The matching ids in triage order (see :data:`TRIAGE`): the set from the planner's fastest path, each id's
    rank (breached, priority) and age from one read of the table, then one numpy lexsort."""
    ids = _ordered_ids(conn, where, args, None)
    if not len(ids):
        return ids
    breach_sql, breach_args = _breached_clause(now)
    ranks = " ".join(f"WHEN priority = '{p}' THEN {i}" for i, p in enumerate(PRIORITIES, 1))  # known constants
    key = (f"(CASE WHEN {breach_sql} THEN 0 ELSE 100 END "
           f"+ CASE WHEN priority IS NULL THEN 99 {ranks} ELSE 98 END)")
    columns = f"group_concat(id), group_concat({key}), group_concat(coalesce(requested_at, 0))"
    if len(ids) > _TRIAGE_SCAN_FROM:
        # Most of the queue: one pass over the table in rowid order. Reading the rows through the filter's own
        # index (status, say) visits them in that index's order, all over the file: 5-10x slower at 1M.
        sql = f"SELECT {columns} FROM incidents NOT INDEXED WHERE merged_into IS NULL"
        params: list[Any] = list(breach_args)
    else:
        sql = f"SELECT {columns} FROM incidents WHERE id IN (SELECT id FROM incidents WHERE {where})"
        params = [*breach_args, *args]
    id_text, key_text, age_text = conn.exec_driver_sql(sql, tuple(params)).one()
    every, keys, ages = _parse_ids(id_text), _parse_ids(key_text), _parse_ids(age_text)
    if len(every) != len(ids):
        wanted = np.isin(every, ids, assume_unique=True)
        every, keys, ages = every[wanted], keys[wanted], ages[wanted]
    return every[np.lexsort((every, ages, keys))]


def queue_ids(engine: Engine, flt: QueueFilter, sort: QueueSort) -> np.ndarray:
    """Every matching incident id in queue order, as an int64 array (the model's ID list)."""
    with engine.connect() as conn:  # one read transaction: the area and the ordered list see the same rows
        return _matching_ids(conn, flt, sort)


def queue_first_page(engine: Engine, flt: QueueFilter, sort: QueueSort, limit: int) -> list[QueueRow]:
    """The first ``limit`` rows in queue order (one LIMIT query: an index walk that stops early)."""
    if flt.area is not None or sort.column == TRIAGE:
        return rows_by_id(engine, queue_ids(engine, flt, sort)[:limit].tolist())
    where, args = where_clause(flt)
    sql = f"{ROW_SELECT} WHERE {where} ORDER BY {order_clause(sort)} LIMIT ?"
    with engine.connect() as conn:
        return [row_from_tuple(r) for r in conn.exec_driver_sql(sql, (*args, int(limit)))]


def queue_count(engine: Engine, flt: QueueFilter) -> int:
    """How many incidents match."""
    if flt.area is not None:
        with engine.connect() as conn:
            return len(_matching_ids(conn, flt, None))
    where, args = where_clause(flt)
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM incidents WHERE {where}", tuple(args)).scalar_one())


def rows_by_id(engine: Engine, ids: Sequence[int]) -> list[QueueRow]:
    """Rows for ``ids`` in the order given; ids that no longer exist are left out."""
    wanted = [int(i) for i in ids]
    found: dict[int, QueueRow] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            sql = f"{ROW_SELECT} WHERE id IN ({','.join('?' * len(chunk))})"
            found.update((r[0], row_from_tuple(r)) for r in conn.exec_driver_sql(sql, tuple(chunk)))
    return [found[i] for i in wanted if i in found]


def fetch_rows(conn: Connection, where: str, args: Sequence[Any]) -> list[QueueRow]:
    """Rows matching a WHERE text (for the other incident modules)."""
    return [row_from_tuple(r) for r in conn.exec_driver_sql(f"{ROW_SELECT} WHERE {where}", tuple(args))]
