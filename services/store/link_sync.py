"""The server's links in the store: what a polled or sent record says about merges, related peers and major incidents
becomes ``incident_links`` rows, ``merged_into`` and ``major_incident``.

A record's links (services.records.RequestLinks, server ids) describe the links of that one request; both ends of
a link report it, so the store converges whichever end it reads first. Local link changes not yet on the server
win: an incident with an unfinished link edit in the outbox (pending, being sent or in conflict: :func:`link_busy`)
keeps its links, and a link to it is left as it is, until the server has the edit (or a person drops it). A server
id the store does not hold yet is skipped; its own record brings the link when it arrives.

Called inside the caller's write transaction (ingest, outbox marks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection

from services.records import RequestLinks

#: Outbox ops that change links (the writer sends them to the backend's link endpoints).
LINK_OPS = ("merge", "split", "relate", "unrelate", "promote", "attach", "detach")
_UNFINISHED = ("pending", "sending", "conflict")


def link_busy(conn: Connection) -> set[int]:
    """Incidents with an unfinished outbox entry that changes links (the entry's incident and its ``other_ids``)."""
    marks = ",".join("?" * len(_UNFINISHED))
    rows = conn.exec_driver_sql(
        f"SELECT incident_id, op, fields_json FROM outbox WHERE state IN ({marks}) "
        "AND (op IN ('merge', 'split', 'relate', 'unrelate', 'promote', 'attach', 'detach') "
        "OR fields_json LIKE '%\"other_ids\"%')", _UNFINISHED).all()
    busy: set[int] = set()
    for incident_id, _op, fields_json in rows:
        busy.add(int(incident_id))
        others = json.loads(fields_json or "{}").get("other_ids") or ()
        busy.update(int(i) for i in others)
    return busy


def local_ids(conn: Connection, server_ids: Iterable[str]) -> dict[str, int]:
    """server id -> local id for the ones the store holds."""
    wanted = sorted({s for s in server_ids if s})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(conn.exec_driver_sql(
            f"SELECT server_id, id FROM incidents WHERE server_id IN ({','.join('?' * len(chunk))})",
            tuple(chunk)).all())
    return found


def mentioned(links: RequestLinks) -> set[str]:
    """Every server id ``links`` names."""
    return {i for i in (links.merged_into, links.parent, *links.merged, *links.children, *links.related) if i}


def has_local_links(conn: Connection, incident_id: int) -> bool:
    return conn.exec_driver_sql(
        "SELECT 1 FROM incidents WHERE id = ? AND (major_incident != 0 OR merged_into IS NOT NULL) UNION ALL "
        "SELECT 1 FROM incident_links WHERE incident_id = ? OR other_id = ? LIMIT 1",
        (incident_id, incident_id, incident_id)).first() is not None


def _rows(conn: Connection, sql: str, *args: object) -> set[int]:
    return {int(r[0]) for r in conn.exec_driver_sql(sql, args).all()}


def _ensure(conn: Connection, parent: int, child: int, kind: str, now: int) -> None:
    conn.exec_driver_sql("INSERT OR IGNORE INTO incident_links (incident_id, other_id, kind, created_at) "
                         "VALUES (?, ?, ?, ?)", (parent, child, kind, now))


def _drop(conn: Connection, parent: int, child: int, kind: str) -> None:
    conn.exec_driver_sql("DELETE FROM incident_links WHERE incident_id = ? AND other_id = ? AND kind = ?",
                         (parent, child, kind))


def sync_links(conn: Connection, x: int, links: RequestLinks, ids: Mapping[str, int], busy: set[int],
               now: int) -> None:
    """Make incident ``x``'s links what the server says (``ids``: server id -> local id; ``now``: unix seconds for
    new rows). Leaves ``x`` alone when busy, and each link whose other end is busy."""
    if x in busy:
        return

    def local(server_id: str | None) -> int | None:
        found = ids.get(server_id) if server_id else None
        return None if found == x else found

    conn.exec_driver_sql("UPDATE incidents SET major_incident = ? WHERE id = ? AND major_incident != ?",
                         (int(links.major), x, int(links.major)))
    # This one merged into a keeper.
    keeper = local(links.merged_into)
    current = conn.exec_driver_sql("SELECT merged_into FROM incidents WHERE id = ?", (x,)).scalar()
    if current != keeper and current not in busy and keeper not in busy:
        conn.exec_driver_sql("UPDATE incidents SET merged_into = ? WHERE id = ?", (keeper, x))
        if current is not None:
            _drop(conn, current, x, "merged")
    if keeper is not None and keeper not in busy:
        _ensure(conn, keeper, x, "merged", now)
    # Duplicates merged into this one.
    wanted = {i for i in map(local, links.merged) if i is not None and i not in busy}
    have = _rows(conn, "SELECT other_id FROM incident_links WHERE incident_id = ? AND kind = 'merged'", x)
    for y in wanted:
        conn.exec_driver_sql("DELETE FROM incident_links WHERE other_id = ? AND kind = 'merged' AND incident_id != ?",
                             (y, x))  # merges never nest: one keeper
        conn.exec_driver_sql("UPDATE incidents SET merged_into = ? WHERE id = ?", (x, y))
        _ensure(conn, x, y, "merged", now)
    for y in have - wanted - busy - {i for i in map(local, links.merged) if i is not None}:
        _drop(conn, x, y, "merged")
        conn.exec_driver_sql("UPDATE incidents SET merged_into = NULL WHERE id = ? AND merged_into = ?", (y, x))
    # Its major incident, and its children if it is one.
    parent = local(links.parent)
    for k in _rows(conn, "SELECT incident_id FROM incident_links WHERE other_id = ? AND kind = 'parent'", x):
        if k != parent and k not in busy:
            _drop(conn, k, x, "parent")
    if parent is not None and parent not in busy:
        _ensure(conn, parent, x, "parent", now)
    children = {i for i in map(local, links.children) if i is not None}
    for c in children - busy:
        for k in _rows(conn, "SELECT incident_id FROM incident_links WHERE other_id = ? AND kind = 'parent'", c):
            if k != x and k not in busy:
                _drop(conn, k, c, "parent")  # a child has one major incident
        _ensure(conn, x, c, "parent", now)
    for c in _rows(conn, "SELECT other_id FROM incident_links WHERE incident_id = ? AND kind = 'parent'", x):
        if c not in children and c not in busy:
            _drop(conn, x, c, "parent")
    # Related peers (one row per pair, either direction).
    related = {i for i in map(local, links.related) if i is not None}
    have = _rows(conn, "SELECT other_id FROM incident_links WHERE incident_id = ? AND kind = 'related' UNION "
                       "SELECT incident_id FROM incident_links WHERE other_id = ? AND kind = 'related'", x, x)
    for y in related - have - busy:
        _ensure(conn, x, y, "related", now)
    for y in have - related - busy:
        _drop(conn, x, y, "related")
        _drop(conn, y, x, "related")


def sync_records_links(conn: Connection, records: Iterable[tuple[int, RequestLinks]], now: int) -> None:
    """:func:`sync_links` for several (local id, links) pairs, with one look-up of ids and busy incidents."""
    pairs = list(records)
    if not pairs:
        return
    ids = local_ids(conn, {s for _x, links in pairs for s in mentioned(links)})
    busy = link_busy(conn)
    for x, links in pairs:
        if not mentioned(links) and not links.major and not has_local_links(conn, x):
            continue  # nothing linked on either side: the common case, one index probe
        sync_links(conn, x, links, ids, busy, now)
