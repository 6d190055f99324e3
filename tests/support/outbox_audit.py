"""Read-only audits for the multi-process tests: a console's SQLite file opened directly (no console code), and the
simulator's Open311 log read over HTTP. Edits are recognised by their driver markers (tests.support.console_driver)."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

#: Timeline kinds a local edit writes (with its outbox row, in the same transaction).
EDIT_EVENTS = {"created": "create", "comment": "comment", "acknowledge": "update", "dispatch": "update",
               "arrive": "update", "assign": "update", "set_priority": "update"}
# Outbox states that still count in local_changes (a refused, 'failed', entry releases the incident to the server).
OPEN_STATES = ("pending", "sending", "conflict")


@dataclass
class StoreAudit:
    """What one store file holds, and every broken invariant found in it (``problems``, empty when sound)."""

    integrity: list[str]
    events: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # marker -> [(incident id, kind)]
    outbox: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # marker -> [(incident, op, state)]
    descriptions: dict[str, list[int]] = field(default_factory=dict)  # marker -> incident ids whose description
    server_copies: list[str] = field(default_factory=list)  # creates also in the store as the server's copy
    server_ids: dict[int, str | None] = field(default_factory=dict)
    outbox_states: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def check_confirmed(self, confirmed: dict[str, str]) -> list[str]:
        """Problems with edits the UI confirmed (marker -> kind): each must be stored once, event and outbox row."""
        problems = []
        for marker, kind in confirmed.items():
            events, rows = self.events.get(marker, []), self.outbox.get(marker, [])
            wanted_event = "created" if kind == "create" else kind
            if [k for _i, k in events] != [wanted_event] or len(rows) != 1:
                problems.append(f"confirmed {kind} {marker}: events {events}, outbox rows {rows}")
            elif kind == "create" and events[0][0] not in self.descriptions.get(marker, []):
                problems.append(f"confirmed create {marker}: incident rows {self.descriptions.get(marker)}")
        return problems


def audit_store(db: Path, marker: str) -> StoreAudit:
    """Open ``db`` read-only and check that every local edit is whole: its event and its outbox row both there,
    on the same incident; every outbox row has its incident; ``local_changes`` counts the unfinished outbox rows."""
    pattern = re.compile(marker)
    if not db.exists():
        return StoreAudit(["ok"])  # killed before the store was created
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        audit = StoreAudit([row[0] for row in con.execute("PRAGMA integrity_check")])
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "incidents" not in tables:  # killed before the first migration committed: it must have left nothing
            if tables:
                audit.problems.append(f"half-migrated store: tables {sorted(tables)} without incidents")
            return audit
        incidents = {i: (sid, desc or "", lc) for i, sid, desc, lc in con.execute(
            "SELECT id, server_id, description, local_changes FROM incidents")}
        events = con.execute("SELECT incident_id, kind, at, after_json FROM incident_events").fetchall()
        outbox = con.execute("SELECT incident_id, op, state, created_at, fields_json FROM outbox").fetchall()
    finally:
        con.close()
    audit.server_ids = {i: sid for i, (sid, _d, _l) in incidents.items()}
    found_events: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    edit_events: Counter[tuple[int, str, int]] = Counter()
    for incident_id, kind, at, after_json in events:
        if kind in EDIT_EVENTS:
            edit_events[(incident_id, EDIT_EVENTS[kind], at)] += 1
            for m in set(pattern.findall(after_json or "")):
                found_events[m].append((incident_id, kind))
    found_rows: defaultdict[str, list[tuple[int, str, str]]] = defaultdict(list)
    unfinished: Counter[int] = Counter()
    outbox_keys: Counter[tuple[int, str, int]] = Counter()
    for incident_id, op, state, created_at, fields_json in outbox:
        audit.outbox_states[state] += 1
        outbox_keys[(incident_id, op, created_at)] += 1
        if incident_id not in incidents:
            audit.problems.append(f"outbox row {op} for missing incident {incident_id}")
        if state in OPEN_STATES:
            unfinished[incident_id] += 1
        for m in set(pattern.findall(fields_json or "")):
            found_rows[m].append((incident_id, op, state))
    audit.events, audit.outbox = dict(found_events), dict(found_rows)
    for incident_id, (_sid, description, _lc) in incidents.items():
        for m in set(pattern.findall(description)):
            audit.descriptions.setdefault(m, []).append(incident_id)
    # A create whose send was not recorded yet (the response lost, here to a kill) may meet its own server copy:
    # the incident poll stores it under the server id. The product adopts that copy into the local row when the
    # resend is recorded (outbox_mark_sent); until then both rows are allowed, never more.
    creates_waiting = {i for i, op, state, _at, _f in outbox if op == "create" and state == "pending"}
    for m, ids in audit.descriptions.items():
        local = [i for i in ids if incidents[i][0] is None and i in creates_waiting]
        if len(ids) == 2 and len(local) == 1:
            audit.server_copies.append(m)
        elif len(ids) > 1:
            rows = {i: (incidents[i][0], incidents[i][2]) for i in ids}
            audit.problems.append(f"one create ({m}) is {len(ids)} incident rows, id: (server_id, local_changes) "
                                  f"{rows}")

    # One transaction wrote each event with its outbox row: same incident, same second, matching kind.
    for key, count in edit_events.items():
        if outbox_keys[key] < count:
            audit.problems.append(f"edit event without its outbox row: incident {key[0]} {key[1]} at {key[2]}")
    for key, count in outbox_keys.items():
        if edit_events[key] < count:
            audit.problems.append(f"outbox row without its edit event: incident {key[0]} {key[1]} at {key[2]}")
    for m in set(found_events) | set(found_rows):
        e_ids = sorted(i for i, _k in found_events.get(m, []))
        o_ids = sorted(i for i, _o, _s in found_rows.get(m, []))
        if e_ids != o_ids:
            audit.problems.append(f"{m}: events on {e_ids} but outbox rows on {o_ids}")
    for incident_id, (sid, _desc, local_changes) in incidents.items():
        if local_changes != unfinished[incident_id]:
            audit.problems.append(f"incident {incident_id}: local_changes {local_changes} but "
                                  f"{unfinished[incident_id]} unfinished outbox rows")
        if sid is None and outbox_keys_for(outbox_keys, incident_id, "create") == 0:
            audit.problems.append(f"local incident {incident_id} without its create outbox row")
    return audit


def outbox_keys_for(keys: Counter[tuple[int, str, int]], incident_id: int, op: str) -> int:
    return sum(n for (i, o, _at), n in keys.items() if i == incident_id and o == op)


@dataclass
class ServerLog:
    """What the simulator holds: request descriptions and the change log (service request updates)."""

    requests: list[dict]
    updates: list[dict]

    def creates(self, marker: str) -> Counter[str]:
        return Counter(m for r in self.requests for m in set(re.findall(marker, r.get("description") or "")))

    def changes(self, marker: str) -> Counter[str]:
        return Counter(m for u in self.updates for m in set(re.findall(marker, u.get("description") or "")))


def read_server(url: str) -> ServerLog:
    api = f"{url}/open311/v2"
    requests_seen: list[dict] = []
    page = 1
    while True:
        chunk = requests.get(f"{api}/requests.json", params={"page": page, "page_size": 1000}, timeout=30).json()
        requests_seen.extend(chunk)
        if len(chunk) < 1000:
            break
        page += 1
    updates: list[dict] = []
    after = 0
    while True:
        chunk = requests.get(f"{api}/servicerequestupdates.json",
                             params={"after_update_id": after, "page_size": 1000}, timeout=30).json()
        updates.extend(chunk)
        if len(chunk) < 1000:
            break
        after = int(chunk[-1]["update_id"])
    return ServerLog(requests_seen, updates)


def server_comments(url: str, server_id: str) -> list[str]:
    r = requests.get(f"{url}/open311/v2/requests/{server_id}/comments.json", timeout=30)
    r.raise_for_status()
    return [c["text"] for c in r.json()]
