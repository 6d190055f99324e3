"""Local link edits: merge and split, related peers, a major incident and its children.

Each is the rows, a timeline event on every incident it touches and ONE outbox entry, in one FULL-synchronous
transaction (services.store.local_edits). The entry sits on the target (the keeper, the major incident, the
incident the link is made from) with ``other_ids`` (local ids): the writer sends it to the backend's link endpoint
with the server id and If-Match of each. Every incident it names counts the entry in ``local_changes`` until the
outbox is done with it, so a poll never undoes the link before the server has it (services.store.link_sync).

Ops and their fields: ``merge`` / ``split`` ({"keep_id", "other_ids"}); ``relate`` / ``unrelate`` / ``promote`` /
``attach`` / ``detach`` ({"target_id", "other_ids"}). The store does not judge a link (services.workflow does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from services.store.database import write_transaction
from services.store.local_edits import _current, add_event, add_outbox
from services.store.schema import to_unix
from services.workflow import LinkView


def link_views(engine: Engine, ids: Sequence[int]) -> dict[int, LinkView]:
    """The link rules' view of each incident in ``ids`` (local ids; unknown ids are left out)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT id, coalesce(workflow_state, 'new'), merged_into, major_incident, "
            f"(SELECT l.incident_id FROM incident_links AS l WHERE l.other_id = incidents.id AND l.kind = 'parent') "
            f"FROM incidents WHERE id IN ({marks})", tuple(wanted)).all()
        related: dict[int, set[int]] = {i: set() for i in wanted}
        for a, b in conn.exec_driver_sql(
                f"SELECT incident_id, other_id FROM incident_links WHERE kind = 'related' AND (incident_id IN "
                f"({marks}) OR other_id IN ({marks}))", (*wanted, *wanted)).all():
            for x, y in ((a, b), (b, a)):
                if x in related:
                    related[x].add(int(y))
    return {int(r[0]): LinkView(id=int(r[0]), state=r[1], merged_into=r[2], major=bool(r[3]), parent=r[4],
                                related=tuple(sorted(related[int(r[0])]))) for r in rows}


def _queue(conn: Connection, op: str, target: int, others: Sequence[int], actor: str, now: datetime,
           target_key: str = "target_id", note: str | None = None) -> None:
    """The outbox entry of a link op on ``target``, counted on every other incident it names too."""
    version = _current(conn, target, [])["version"]
    fields: dict[str, Any] = {target_key: target, "other_ids": list(others)}
    if note:
        fields["note"] = note
    add_outbox(conn, target, op, version, fields, now, actor)
    if others:
        conn.exec_driver_sql(f"UPDATE incidents SET local_changes = local_changes + 1, updated_at = ? "
                             f"WHERE id IN ({','.join('?' * len(others))})", (to_unix(now), *others))
    conn.exec_driver_sql("UPDATE incidents SET updated_at = ? WHERE id = ?", (to_unix(now), target))


def _others(target: int, other_ids: Sequence[int], what: str) -> list[int]:
    others = list(dict.fromkeys(int(i) for i in other_ids if int(i) != target))
    if not others:
        raise ValueError(f"nothing to {what}")
    return others


def merge_incidents_local(engine: Engine, keep_id: int, other_ids: Sequence[int], actor: str, now: datetime,
                          note: str | None = None) -> None:
    """Merge ``other_ids`` into ``keep_id``: they get ``merged_into`` and leave the queue, but keep their rows,
    reporters, attachments and events (the detail of ``keep_id`` shows them all), so a split restores them exactly."""
    others = _others(keep_id, other_ids, "merge")
    with write_transaction(engine) as conn:
        keep = _current(conn, keep_id, ["merged_into"])
        if keep["merged_into"] is not None:
            raise ValueError(f"incident {keep_id} is itself merged into {keep['merged_into']}")
        for other in others:
            row = _current(conn, other, ["merged_into"])
            if row["merged_into"] is not None:
                raise ValueError(f"incident {other} is already merged into {row['merged_into']}")
            # Incidents already merged into ``other`` move up to ``keep_id`` (merges never nest).
            for (child,) in conn.exec_driver_sql("SELECT id FROM incidents WHERE merged_into = ?", (other,)).all():
                add_event(conn, child, "merged_into", actor, now, {"merged_into": other}, {"merged_into": keep_id})
            conn.exec_driver_sql("UPDATE incidents SET merged_into = ? WHERE merged_into = ?", (keep_id, other))
            conn.exec_driver_sql("UPDATE incident_links SET incident_id = ? WHERE incident_id = ? AND kind = 'merged'",
                                 (keep_id, other))
            conn.exec_driver_sql("UPDATE incidents SET merged_into = ? WHERE id = ?", (keep_id, other))
            conn.exec_driver_sql("INSERT OR IGNORE INTO incident_links (incident_id, other_id, kind, created_at) "
                                 "VALUES (?, ?, 'merged', ?)", (keep_id, other, to_unix(now)))
            add_event(conn, other, "merged_into", actor, now, {"merged_into": None}, {"merged_into": keep_id})
        add_event(conn, keep_id, "merged", actor, now, None, {"merged": others, **({"note": note} if note else {})})
        _queue(conn, "merge", keep_id, others, actor, now, "keep_id", note)


def split_incident_local(engine: Engine, merged_id: int, actor: str, now: datetime, note: str | None = None) -> int:
    """Undo the merge of ``merged_id``: it returns to the queue with everything it had; returns the kept id."""
    with write_transaction(engine) as conn:
        keep_id = _current(conn, merged_id, ["merged_into"])["merged_into"]
        if keep_id is None:
            raise ValueError(f"incident {merged_id} is not merged")
        _unmerge(conn, keep_id, merged_id)
        add_event(conn, merged_id, "split", actor, now, {"merged_into": keep_id}, {"merged_into": None})
        add_event(conn, keep_id, "split", actor, now, {"merged": [merged_id]}, {"split": [merged_id]})
        _queue(conn, "split", keep_id, [merged_id], actor, now, "keep_id", note)
    return int(keep_id)


def _unmerge(conn: Connection, keep_id: int, merged_id: int) -> None:
    conn.exec_driver_sql("UPDATE incidents SET merged_into = NULL WHERE id = ? AND merged_into = ?",
                         (merged_id, keep_id))
    conn.exec_driver_sql("DELETE FROM incident_links WHERE incident_id = ? AND other_id = ? AND kind = 'merged'",
                         (keep_id, merged_id))


def relate_local(engine: Engine, target: int, other_ids: Sequence[int], actor: str, now: datetime, *,
                 unrelate: bool = False, note: str | None = None) -> None:
    """Relate ``other_ids`` to ``target`` as peers (``unrelate``: stop relating them)."""
    others = _others(target, other_ids, "unrelate" if unrelate else "relate")
    kind = "unrelated" if unrelate else "related"
    with write_transaction(engine) as conn:
        for other in others:
            _current(conn, other, [])
            _set_related(conn, target, other, not unrelate, to_unix(now))
            add_event(conn, other, kind, actor, now, None, {kind: [target]})
        add_event(conn, target, kind, actor, now, None, {kind: others, **({"note": note} if note else {})})
        _queue(conn, "unrelate" if unrelate else "relate", target, others, actor, now, note=note)


def _set_related(conn: Connection, a: int, b: int, linked: bool, now: int | None) -> None:
    conn.exec_driver_sql("DELETE FROM incident_links WHERE kind = 'related' AND ((incident_id = ? AND other_id = ?) "
                         "OR (incident_id = ? AND other_id = ?))", (a, b, b, a))
    if linked:
        conn.exec_driver_sql("INSERT INTO incident_links (incident_id, other_id, kind, created_at) "
                             "VALUES (?, ?, 'related', ?)", (a, b, now))


def promote_local(engine: Engine, target: int, child_ids: Sequence[int], actor: str, now: datetime,
                  note: str | None = None) -> None:
    """Make ``target`` a major incident, with ``child_ids`` (possibly none) attached to it at once."""
    children = list(dict.fromkeys(int(i) for i in child_ids if int(i) != target))
    with write_transaction(engine) as conn:
        _current(conn, target, [])
        conn.exec_driver_sql("UPDATE incidents SET major_incident = 1 WHERE id = ?", (target,))
        add_event(conn, target, "promoted", actor, now, {"major_incident": False},
                  {"major_incident": True, **({"note": note} if note else {})})
        _attach(conn, target, children, actor, now)
        _queue(conn, "promote", target, children, actor, now, note=note)


def attach_local(engine: Engine, parent: int, child_ids: Sequence[int], actor: str, now: datetime, *,
                 detach: bool = False, note: str | None = None) -> None:
    """Attach ``child_ids`` to the major incident ``parent`` (``detach``: take them off it)."""
    children = _others(parent, child_ids, "detach" if detach else "attach")
    with write_transaction(engine) as conn:
        _current(conn, parent, [])
        if detach:
            for child in children:
                _current(conn, child, [])
                conn.exec_driver_sql("DELETE FROM incident_links WHERE incident_id = ? AND other_id = ? AND "
                                     "kind = 'parent'", (parent, child))
                add_event(conn, child, "detached", actor, now, {"parent": parent}, {"parent": None})
            add_event(conn, parent, "detached", actor, now, {"children": children},
                      {"children": [], **({"note": note} if note else {})})
        else:
            _attach(conn, parent, children, actor, now, note)
        _queue(conn, "detach" if detach else "attach", parent, children, actor, now, note=note)


def _attach(conn: Connection, parent: int, children: Sequence[int], actor: str, now: datetime,
            note: str | None = None) -> None:
    if not children:
        return
    for child in children:
        _current(conn, child, [])
        conn.exec_driver_sql("INSERT OR IGNORE INTO incident_links (incident_id, other_id, kind, created_at) "
                             "VALUES (?, ?, 'parent', ?)", (parent, child, to_unix(now)))
        add_event(conn, child, "attached", actor, now, {"parent": None}, {"parent": parent})
    add_event(conn, parent, "attached", actor, now, None, {"children": list(children), **({"note": note} if note
                                                                                            else {})})


def undo_link_local(conn: Connection, op: str, target: int, others: Sequence[int]) -> None:
    """Take back a link op the server will not have (refused, or a person kept the server's side): the rows as
    they were before it, as far as the op itself changed them. The server's own links follow (link_sync)."""
    for other in others:
        if op == "merge":
            _unmerge(conn, target, other)
        elif op == "split":
            conn.exec_driver_sql("UPDATE incidents SET merged_into = ? WHERE id = ? AND merged_into IS NULL",
                                 (target, other))
            conn.exec_driver_sql("INSERT OR IGNORE INTO incident_links (incident_id, other_id, kind, created_at) "
                                 "VALUES (?, ?, 'merged', strftime('%s', 'now'))", (target, other))
        elif op in ("relate", "unrelate"):
            _set_related(conn, target, other, op == "unrelate", _unix_now(conn))
        elif op in ("promote", "attach"):
            conn.exec_driver_sql("DELETE FROM incident_links WHERE incident_id = ? AND other_id = ? AND "
                                 "kind = 'parent'", (target, other))
        elif op == "detach":
            conn.exec_driver_sql("INSERT OR IGNORE INTO incident_links (incident_id, other_id, kind, created_at) "
                                 "VALUES (?, ?, 'parent', strftime('%s', 'now'))", (target, other))
    if op == "promote":
        conn.exec_driver_sql("UPDATE incidents SET major_incident = 0 WHERE id = ?", (target,))


def _unix_now(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT CAST(strftime('%s', 'now') AS INTEGER)").scalar_one())
