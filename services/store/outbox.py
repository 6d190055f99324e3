"""The outbox read and marked by the sender: pending local changes in send order, and what became of each.

- ``sent``: the server accepted; the incident takes the server's id, version and fields (the fields only when no
  other local change is still waiting, so a later unsent edit is never overwritten) and ``local_changes`` drops by 1.
  For an uploaded attachment the attachment row also takes the server's media id and URL (``UPLOADED_MEDIA_KEY``).
- ``failed`` with ``retry=True``: stays pending with the error and one more attempt. Without retry the server has
  refused the change for good (a validation error, a role it may not act in, a file too large): the entry stops
  (state 'failed'), a "sync_refused" event on the timeline keeps what was refused and why, ``local_changes`` drops by 1
  and the incident follows the server again (its current copy, when the writer could read it) — the refused values
  are not left on screen as if the server had them. The status bar counts refused entries.
- ``conflict``: the server refused the base version; the entry is kept (state 'conflict') for a person to resolve.
  A link op refused only because a request moved on (412) is rebased instead (:func:`outbox_rebase_links`): a link
  changes no field, so sending it again on the current versions loses nothing; the backend still judges it.

An entry that names other incidents (``other_ids``: a link op's others, or the children closed with a major incident)
is listed with each one's server id and the version to send (``OutboxEntry.others``), and is held until each of
them is on the server. When it is done (sent, refused, dropped) every one of them counts it off ``local_changes``;
when it is sent they take the server's copies (``LINKED_RECORDS_KEY``) and links, and when it is refused the local
link change is taken back (services.store.link_edits.undo_link_local) so the incidents follow the server again.
All marks run on the edit engine, one transaction each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from services.records import LINKED_RECORDS_KEY, UPLOADED_MEDIA_KEY, ServiceRequest
from services.store.database import write_transaction
from services.store.incident_rows import LinkedIncident, OutboxEntry
from services.store.link_edits import undo_link_local
from services.store.link_sync import LINK_OPS, link_busy, local_ids, sync_links
from services.store.local_edits import EDITABLE, add_event
from services.store.schema import from_unix, to_unix

#: Attachment bytes one ``outbox_pending`` call loads at most (beyond the first entry, which always comes): the list
#: ends before the attachment that would pass it, and the next call continues from there.
MAX_PENDING_BYTES = 64 * 1024 * 1024


# An entry can go once its incident exists on the server, or when it is the create itself, or while that create is
# still waiting ahead of it. Anything else (an incident with no create to wait for) stays pending, nothing lost,
# without holding up the rest of the outbox behind it. Edits behind a refused create are stopped with it.
_SENDABLE = ("(i.server_id IS NOT NULL OR o.op = 'create' OR EXISTS (SELECT 1 FROM outbox AS c "
             "WHERE c.incident_id = o.incident_id AND c.op = 'create' AND c.state = 'pending'))")
# The same for every other incident an entry names (a merge of an incident taken in offline waits for its create).
_OTHERS_SENDABLE = ("NOT EXISTS (SELECT 1 FROM json_each(o.fields_json, '$.other_ids') AS j "
                    "JOIN incidents AS x ON x.id = j.value WHERE x.server_id IS NULL AND NOT EXISTS ("
                    "SELECT 1 FROM outbox AS c WHERE c.incident_id = x.id AND c.op = 'create' "
                    "AND c.state = 'pending'))")


# Only entries made for the backend this store is bound to are ever sent (services.store.binding). In a store that
# was never bound (the Qt-free tests, the CLI) both sides are NULL.
_FOR_THIS_BACKEND = "o.backend IS (SELECT key FROM backend_binding WHERE id = 1)"


def outbox_pending(engine: Engine, limit: int = 100) -> list[OutboxEntry]:
    """Pending entries in send order (oldest first), with the incident's current server id; an "attachment" entry
    carries its file (``data``), since the sender cannot read the store. See :data:`MAX_PENDING_BYTES`."""
    sql = ("SELECT o.id, o.idempotency_key, o.incident_id, i.server_id, o.op, o.base_version, o.fields_json, "
           "o.attempts, o.last_error, o.actor, o.created_at, o.backend "
           "FROM outbox AS o JOIN incidents AS i ON i.id = o.incident_id "
           "WHERE o.state = 'pending' AND " + _FOR_THIS_BACKEND + " AND " + _SENDABLE + " AND " + _OTHERS_SENDABLE +
           " ORDER BY o.id LIMIT ?")
    entries: list[OutboxEntry] = []
    loaded = 0
    with engine.connect() as conn:  # one read transaction: the files belong to the entries listed
        for r in conn.exec_driver_sql(sql, (int(limit),)).all():
            fields = json.loads(r[6]) if r[6] else {}
            data: bytes | None = None
            if r[4] == "attachment":
                attachment_id = fields.get("attachment_id")
                size = conn.exec_driver_sql("SELECT length(data) FROM attachments WHERE id = ?",
                                            (attachment_id,)).scalar() or 0
                if entries and loaded + size > MAX_PENDING_BYTES:
                    break
                loaded += size
                blob = conn.exec_driver_sql("SELECT data FROM attachments WHERE id = ?", (attachment_id,)).scalar()
                data = None if blob is None else bytes(blob)
            entries.append(OutboxEntry(r[0], r[1], r[2], r[3], r[4], r[5], fields, r[7], r[8], data, r[9],
                                       from_unix(r[10]), r[11], _others(conn, fields)))
    return entries


def _others(conn, fields: dict[str, Any]) -> tuple[LinkedIncident, ...]:  # type: ignore[no-untyped-def]
    """The other incidents an entry names, each with its server id and the version its If-Match names: the one a
    rebase recorded (``if_match``, by server id), else the incident's own."""
    ids = [int(i) for i in fields.get("other_ids") or ()]
    if not ids:
        return ()
    pinned = fields.get("if_match") or {}
    rows = dict((r[0], (r[1], r[2])) for r in conn.exec_driver_sql(
        f"SELECT id, server_id, version FROM incidents WHERE id IN ({','.join('?' * len(ids))})", tuple(ids)))
    found = []
    for i in ids:
        server_id, version = rows.get(i, (None, None))
        found.append(LinkedIncident(i, server_id, pinned.get(server_id, version) if server_id else version))
    return tuple(found)


def _entry(conn, outbox_id: int) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    row = conn.exec_driver_sql("SELECT incident_id, state FROM outbox WHERE id = ?", (outbox_id,)).first()
    if row is None:
        raise LookupError(f"no outbox entry {outbox_id}")
    return int(row[0]), row[1]


def outbox_mark_sent(engine: Engine, outbox_id: int, server_record: ServiceRequest | None,
                     now: datetime | None = None) -> None:
    """The backend accepted entry ``outbox_id``; ``server_record`` is the incident as the server now has it (and,
    under ``LINKED_RECORDS_KEY``, the other requests the write changed)."""
    at = to_unix(now or datetime.now(UTC))
    with write_transaction(engine) as conn:
        incident_id, state = _entry(conn, outbox_id)
        if state == "sent":
            return  # marked twice (a retried callback): the count must drop only once
        fields = _fields(conn, outbox_id)
        pinned = fields.get("if_match") or {}
        other_bases = {int(r[0]): (r[1], pinned.get(r[1], r[2])) for r in _other_rows(conn, fields)}
        conn.exec_driver_sql("UPDATE outbox SET state = 'sent', last_attempt_at = ?, attempts = attempts + 1, "
                             "last_error = NULL WHERE id = ?", (at, outbox_id))
        conn.exec_driver_sql("UPDATE incidents SET local_changes = max(local_changes - 1, 0) WHERE id = ?",
                             (incident_id,))
        _release_others(conn, fields)
        if server_record is None:
            return
        media = server_record.extra.get(UPLOADED_MEDIA_KEY)
        if isinstance(media, dict):
            _record_upload(conn, outbox_id, media, at)
        r = server_record
        _adopt_server_copy(conn, incident_id, r.id)
        conn.exec_driver_sql("UPDATE incidents SET server_id = coalesce(server_id, ?) WHERE id = ?",
                             (r.id, incident_id))
        base = conn.exec_driver_sql("SELECT base_version FROM outbox WHERE id = ?", (outbox_id,)).scalar()
        _take_version(conn, incident_id, outbox_id, base, r)
        linked = [x for x in r.extra.get(LINKED_RECORDS_KEY) or () if isinstance(x, ServiceRequest)]
        by_server = {server_id: (local, version) for local, (server_id, version) in other_bases.items() if server_id}
        for other in linked:
            if other.id in by_server:
                local, version = by_server[other.id]
                _take_version(conn, local, outbox_id, version, other)
        _take_links(conn, [(incident_id, r), *((by_server[o.id][0], o) for o in linked if o.id in by_server)], at)


def _take_version(conn, incident_id: int, outbox_id: int, base: int | None,  # type: ignore[no-untyped-def]
                  r: ServiceRequest) -> None:
    if base is None or (r.version is not None and r.version == base + 1):
        # Our write landed directly on the version our edit was made on (If-Match guarantees it for updates;
        # a comment or upload has no precondition, hence the check). Later edits queued on top of this one were
        # made on the same local state, so their base is now the version our write produced: rebase them, or
        # each would conflict with its predecessor.
        conn.exec_driver_sql("UPDATE incidents SET version = ? WHERE id = ?", (r.version, incident_id))
        conn.exec_driver_sql(
            "UPDATE outbox SET base_version = ? WHERE incident_id = ? AND state = 'pending' AND id > ? "
            "AND (base_version IS ? OR base_version IS NULL)", (r.version, incident_id, outbox_id, base))
    else:
        # Someone else changed the incident between our base and our (unconditional) write: the version it
        # produced includes their change, which this workstation has not seen. Queued edits keep their base so
        # they meet that change as a 412 (merged field by field or shown as a conflict), and the local version
        # moves only together with the server's fields (below), never ahead of them.
        conn.exec_driver_sql("UPDATE incidents SET version = ? WHERE id = ? AND local_changes = 0",
                             (r.version, incident_id))
    _take_server_fields(conn, incident_id, r)


def _take_links(conn, pairs: Sequence[tuple[int, ServiceRequest]], at: int | None) -> None:  # type: ignore[no-untyped-def]
    """The server's links of the records a write answered with (services.store.link_sync)."""
    with_links = [(local, r) for local, r in pairs if r.links is not None]
    if not with_links:
        return
    ids = local_ids(conn, {s for _l, r in with_links for s in (r.links.merged_into, r.links.parent,  # type: ignore
                                                                *r.links.merged, *r.links.children, *r.links.related)})
    busy = link_busy(conn)
    for local, r in with_links:
        sync_links(conn, local, r.links, ids, busy, at or 0)  # type: ignore[arg-type]


def _fields(conn, outbox_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    text = conn.exec_driver_sql("SELECT fields_json FROM outbox WHERE id = ?", (outbox_id,)).scalar()
    return json.loads(text) if text else {}


def _other_rows(conn, fields: dict[str, Any]) -> list[Any]:  # type: ignore[no-untyped-def]
    ids = [int(i) for i in fields.get("other_ids") or ()]
    if not ids:
        return []
    return conn.exec_driver_sql(f"SELECT id, server_id, version FROM incidents WHERE id IN "
                                f"({','.join('?' * len(ids))})", tuple(ids)).all()


def _release_others(conn, fields: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The entry is done: the other incidents it named count it off ``local_changes``."""
    ids = [int(i) for i in fields.get("other_ids") or ()]
    if ids:
        conn.exec_driver_sql(f"UPDATE incidents SET local_changes = max(local_changes - 1, 0) WHERE id IN "
                             f"({','.join('?' * len(ids))})", tuple(ids))


def release_entry(conn, incident_id: int, op: str, fields: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """An entry the server will not have (refused for good, or a person kept the server's side): the other incidents
    it named count it off, and what it changed locally beyond its own incident's fields is taken back: the link
    op, or the children that were closed with their major incident."""
    _release_others(conn, fields)
    others = [int(i) for i in fields.get("other_ids") or ()]
    if op in LINK_OPS:
        undo_link_local(conn, op, incident_id, others)
        return
    for child in others:  # an update that closed a major incident's children with it
        rows = conn.exec_driver_sql("SELECT before_json, after_json FROM incident_events WHERE incident_id = ? AND "
                                    "kind = 'closed_with_parent' ORDER BY id DESC", (child,)).all()
        for before_json, after_json in rows:
            after = json.loads(after_json or "{}")
            if after.get("parent") != incident_id:
                continue
            before = {k: v for k, v in json.loads(before_json or "{}").items() if k in EDITABLE}
            if before:
                sets = ", ".join(f"{c} = ?" for c in before)
                conn.exec_driver_sql(f"UPDATE incidents SET {sets} WHERE id = ? AND local_changes = 0 AND "
                                     "workflow_state IS ?", (*before.values(), child, after.get("workflow_state")))
            break


def _take_server_fields(conn, incident_id: int, r: ServiceRequest) -> None:  # type: ignore[no-untyped-def]
    """The server's fields, only when nothing else local is waiting: a later unsent edit must not be overwritten."""
    conn.exec_driver_sql(
        "UPDATE incidents SET status = ?, workflow_state = coalesce(?, workflow_state), "
        "priority = coalesce(?, priority), assignee = ?, expected_at = coalesce(?, expected_at), "
        "updated_at = coalesce(?, updated_at), media_url = coalesce(?, media_url), agency = coalesce(?, agency) "
        "WHERE id = ? AND local_changes = 0",
        (r.status, r.status_detail, r.priority, r.assignee, to_unix(r.expected_at), to_unix(r.updated_at),
         r.media_url, r.agency_responsible, incident_id),
    )


def _adopt_server_copy(conn, incident_id: int, server_id: str) -> None:  # type: ignore[no-untyped-def]
    """An incident created here may already be in the store under its server id: the incident feed's poll can land
    between the create's POST and this mark. That copy is the same incident: its events (server updates) and any
    references move to the local row, which keeps its id (selections, links, the outbox all use it), and the copy
    goes. Without this the server id would be taken and marking the create sent would fail on every retry."""
    found = conn.exec_driver_sql("SELECT id, local_changes FROM incidents WHERE server_id = ? AND id != ?",
                                 (server_id, incident_id)).first()
    if found is None:
        return
    copy_id, copy_changes = int(found[0]), int(found[1] or 0)
    if copy_changes:
        # Someone already worked the copy (its edits are queued, and move below): it shows the newer values.
        columns = sorted(EDITABLE | {"version"})
        sets = ", ".join(f"{c} = (SELECT {c} FROM incidents WHERE id = ?)" for c in columns)
        conn.exec_driver_sql(f"UPDATE incidents SET {sets}, local_changes = local_changes + ? WHERE id = ?",
                             (*([copy_id] * len(columns)), copy_changes, incident_id))
    for table, column in (("incident_events", "incident_id"), ("attachments", "incident_id"),
                          ("outbox", "incident_id"), ("incident_links", "incident_id"),
                          ("incident_links", "other_id"), ("incidents", "merged_into")):
        conn.exec_driver_sql(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (incident_id, copy_id))
    conn.exec_driver_sql("DELETE FROM incidents WHERE id = ?", (copy_id,))


def _record_upload(conn, outbox_id: int, media: dict, at: int | None) -> None:  # type: ignore[no-untyped-def]
    """The attachment of an "attachment" entry takes the backend's media id and URL: it is on the server now."""
    row = conn.exec_driver_sql("SELECT op, fields_json FROM outbox WHERE id = ?", (outbox_id,)).first()
    if row is None or row[0] != "attachment" or not row[1]:
        return
    attachment_id = json.loads(row[1]).get("attachment_id")
    conn.exec_driver_sql(
        "UPDATE attachments SET server_media_id = ?, server_url = ?, sent_at = ?, synced = 1 WHERE id = ?",
        (str(media.get("media_id") or "") or None, media.get("url"), at, attachment_id),
    )


def outbox_mark_failed(engine: Engine, outbox_id: int, error: str, retry: bool, now: datetime | None = None,
                       server_record: ServiceRequest | None = None) -> None:
    """Sending failed: keep it pending for another try (``retry``) or stop it as refused (see the module text);
    ``server_record`` is the server's current copy of the incident, when known."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        incident_id, state = _entry(conn, outbox_id)
        if state == "failed":
            return  # marked twice (a retried callback): the count must drop only once
        conn.exec_driver_sql(
            "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, last_attempt_at = ? WHERE id = ?",
            ("pending" if retry else "failed", error, to_unix(when), outbox_id),
        )
        if retry:
            return
        op, fields_json = conn.exec_driver_sql("SELECT op, fields_json FROM outbox WHERE id = ?", (outbox_id,)).one()
        fields = json.loads(fields_json) if fields_json else {}
        add_event(conn, incident_id, "sync_refused", "sync", when, None,
                  {"op": op, "reason": error, "refused": fields})
        conn.exec_driver_sql("UPDATE incidents SET local_changes = max(local_changes - 1, 0) WHERE id = ?",
                             (incident_id,))
        release_entry(conn, incident_id, op, fields)
        if op == "create":
            _stop_links_naming(conn, incident_id, error, when)
            # The incident never reached the server, so nothing queued on it can: each stops with the create's reason
            # (the create's "sync_refused" event says it once) instead of waiting for ever. The incident and
            # everything done to it stay here.
            behind = conn.exec_driver_sql("SELECT id FROM outbox WHERE incident_id = ? AND state = 'pending' "
                                          "AND id > ?", (incident_id, outbox_id)).scalars().all()
            for other in behind:
                conn.exec_driver_sql("UPDATE outbox SET state = 'failed', last_error = ?, last_attempt_at = ? "
                                     "WHERE id = ?", (f"not sent: the incident was refused ({error})",
                                                      to_unix(when), other))
            conn.exec_driver_sql("UPDATE incidents SET local_changes = max(local_changes - ?, 0) WHERE id = ?",
                                 (len(behind), incident_id))
        if server_record is not None and server_record.id:
            conn.exec_driver_sql("UPDATE incidents SET version = ? WHERE id = ? AND local_changes = 0",
                                 (server_record.version, incident_id))
            _take_server_fields(conn, incident_id, server_record)
            _take_links(conn, [(incident_id, server_record)], to_unix(when))


def _stop_links_naming(conn, incident_id: int, error: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """A refused create: the pending entries of other incidents that name it (a merge into a keeper, say) can never
    be sent either; each stops with the reason, and its local change is taken back."""
    rows = conn.exec_driver_sql(
        "SELECT DISTINCT o.id, o.incident_id, o.op, o.fields_json FROM outbox AS o, json_each(o.fields_json, "
        "'$.other_ids') AS j WHERE o.state = 'pending' AND j.value = ? AND o.incident_id != ?",
        (incident_id, incident_id)).all()
    for outbox_id, target, op, fields_json in rows:
        fields = json.loads(fields_json or "{}")
        reason = f"not sent: incident {incident_id} was refused ({error})"
        conn.exec_driver_sql("UPDATE outbox SET state = 'failed', last_error = ?, last_attempt_at = ? WHERE id = ?",
                             (reason, to_unix(when), outbox_id))
        add_event(conn, target, "sync_refused", "sync", when, None, {"op": op, "reason": reason, "refused": fields})
        conn.exec_driver_sql("UPDATE incidents SET local_changes = max(local_changes - 1, 0) WHERE id = ?", (target,))
        release_entry(conn, target, op, fields)


def outbox_mark_conflict(engine: Engine, outbox_id: int, server_record: ServiceRequest | None, reason: str,
                         now: datetime | None = None) -> None:
    """The backend refused the change (its version moved on); keep the entry and say so on the timeline."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        incident_id, _state = _entry(conn, outbox_id)
        conn.exec_driver_sql(
            "UPDATE outbox SET state = 'conflict', attempts = attempts + 1, last_error = ?, last_attempt_at = ? "
            "WHERE id = ?", (reason, to_unix(when), outbox_id),
        )
        server = None if server_record is None else {
            "server_id": server_record.id, "version": server_record.version, "status": server_record.status,
            "state": server_record.status_detail, "priority": server_record.priority,
            "assignee": server_record.assignee,
        }
        add_event(conn, incident_id, "conflict", "sync", when, None,
                  {"outbox_id": outbox_id, "reason": reason, "server": server})


def outbox_rebase_links(engine: Engine, outbox_id: int, server_records: Sequence[ServiceRequest], reason: str,
                        now: datetime | None = None) -> str:
    """A link op refused as stale (412): someone changed one of its requests since. A link changes no field of
    theirs, so it goes again on the versions the server has now (``server_records``: its current copies); the
    backend still judges the link itself (409 then: a conflict for a person). Returns "merged"."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        incident_id, state = _entry(conn, outbox_id)
        if state == "sent":
            return "sent"
        fields = _fields(conn, outbox_id)
        versions = {r.id: r.version for r in server_records if r.id}
        target = conn.exec_driver_sql("SELECT server_id, version FROM incidents WHERE id = ?", (incident_id,)).one()
        base = versions.get(target[0], target[1])
        fields["if_match"] = {k: v for k, v in versions.items() if k != target[0]}
        conn.exec_driver_sql(
            "UPDATE outbox SET state = 'pending', base_version = ?, fields_json = ?, attempts = attempts + 1, "
            "last_error = ?, last_attempt_at = ? WHERE id = ?",
            (base, json.dumps(fields, ensure_ascii=False, sort_keys=True), reason, to_unix(when), outbox_id))
        add_event(conn, incident_id, "sync_merged", "sync", when, None,
                  {"outbox_id": outbox_id, "op": conn.exec_driver_sql("SELECT op FROM outbox WHERE id = ?",
                                                                      (outbox_id,)).scalar(),
                   "server_version": base, "versions": versions, "reason": reason})
    return "merged"
