"""Console A and console B on one simulator, and a model of what A's user set, for the round-trip property
(tests/services/test_round_trip_property.py).

Everything is the product's own path: A acts through the incident use cases (services.incident_actions), its outbox
drains through services.outbox_drain with services.incident_writer, and A and B read the server through the sync
service's Open311 feeds (the requests list with ``updated_after``, then ``servicerequestupdates``), as the console
polls them. B never edits. :class:`Expected` is what the user set on one incident; :meth:`RoundTrip.mismatches`
compares it with the server, A and B, and :meth:`RoundTrip.duplicates` checks that every edit reached the server
exactly once.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from services import workflow
from services.feeds.http_client import FeedHttpClient
from services.incident_actions import apply_action, create_incident, link_incidents
from services.incident_writer import IncidentWriter
from services.outbox_drain import DrainBackoff, DrainedEntry, drain_step
from services.settings import Settings
from services.simulator.server import SimulatorServer
from services.sla import SlaPolicy
from services.store.database import open_store
from services.store.store import Store
from services.sync.feed_catalog import build_catalog
from services.sync.sync_service import SyncService
from tests.support.after_photo import png

POLICY = SlaPolicy()
#: The Open311 feeds a console polls for incidents, in the order the round trip polls them.
POLLED = ("open311_requests", "open311_updates")
TERMINAL = frozenset({"resolved", "closed", "cancelled"})
#: The state each workflow action leads to (README "Workflow"); "resume" goes back to where hold/forward left.
STATE_AFTER = {"acknowledge": "acknowledged", "dispatch": "dispatched", "arrive": "on_scene", "resolve": "resolved",
               "close": "closed", "forward": "forwarded", "hold": "on_hold", "reopen": "reopened",
               "cancel": "cancelled"}
#: Where a resume goes when the record does not say (services.workflow: the first state someone owns).
RESUME_DEFAULT = "acknowledged"
#: The fields compared across the server, A and B for every incident (``version`` only across the three).
FIELDS = ("state", "priority", "assignee", "agency", "description", "merged_into", "related", "parent", "major",
          "children", "category", "source")


@dataclass
class Expected:
    """What the user set on one incident (or what it was when the run began). ``handle`` is the model's name for it;
    links name other incidents by handle. ``agency`` None with ``agency_known`` False: nobody chose one (a new
    incident gets the category's default from the server), so only server == A == B is checked."""

    handle: int
    a_id: int
    state: str
    priority: str
    assignee: str | None
    agency: str | None
    agency_known: bool
    description: str
    category: str
    source: str | None
    resume_to: str | None = None
    merged_into: int | None = None
    related: set[int] = field(default_factory=set)
    parent: int | None = None
    major: bool = False
    comments: list[str] = field(default_factory=list)
    after_photos: int = 0


@dataclass(frozen=True)
class Intake:
    """What the intake form hands services.incident_actions.create_incident."""

    category: str
    priority: str
    description: str
    source: str
    lat: float
    lon: float
    reporter_name: str = "สมศรี ใจดี"
    reporter_contact: str = "0812345678"
    attributes: dict[str, Any] = field(default_factory=dict)
    category_name: str = ""
    address: str = ""
    district_code: str | None = None


def _quick_client(name: str) -> FeedHttpClient:
    # The console's clients back off 0.5 s, 1 s, 2 s between connection attempts; a test that cuts the network
    # would sit through that on every call. Same client, shorter waits.
    return FeedHttpClient(name, connect_timeout=2.0, read_timeout=5.0, deadline=10.0, backoff_factor=0.01)


class Console:
    """One console's store and its Open311 polls."""

    def __init__(self, name: str, path: Path, settings: Settings) -> None:
        self.name = name
        self.store = open_store(path)
        specs = [spec for spec in build_catalog(settings) if spec.name.startswith("open311")]
        self.sync = SyncService(specs, settings, client_factory=_quick_client)

    def poll(self, feeds: tuple[str, ...] = POLLED) -> list[str]:
        """Poll ``feeds`` now, as the console's schedule does; returns the errors (empty when every poll went)."""
        self.sync.request_all()
        errors = []
        for feed in feeds:
            state = self.sync.run_feed(self.store, feed)
            if state.consecutive_failures:
                errors.append(f"{feed}: {state.last_error}")
        return errors

    def local_id(self, server_id: str) -> int | None:
        return self.store.incident_id_for_server_id(server_id)

    def close(self) -> None:
        self.sync.close()
        self.store.close()


class RoundTrip:
    """A fresh simulator with console A and console B, the model, and the checks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sim = SimulatorServer(port=0).start()
        base = self.sim.url
        self.settings = Settings.model_validate({"endpoints": {
            "air4thai": f"{base}/air4thai", "firms": f"{base}/firms", "thaiwater": f"{base}/thaiwater",
            "open311": f"{base}/open311/v2"}})
        self.a = Console("A", root / "a.sqlite3", self.settings)
        self.b = Console("B", root / "b.sqlite3", self.settings)
        client = FeedHttpClient("open311_writes", connect_timeout=2.0, read_timeout=5.0, deadline=10.0,
                                backoff_factor=0.01)
        # Each entry goes with the token of the role that made it (a supervisor's cancel as the supervisor's).
        self.writer = IncidentWriter(self.sim.feed_base("open311"), self.sim.tokens["operator"], client,
                                     role_tokens=self.sim.tokens)
        self.backoff = DrainBackoff()
        self.model: dict[int, Expected] = {}
        self.log: list[str] = []
        self.photo = root / "after.png"
        self.photo.write_bytes(png())
        self.drained: list[DrainedEntry] = []

    def close(self) -> None:
        self.writer.close()
        self.a.close()
        self.b.close()
        self.sim.stop()

    # --- set-up -----------------------------------------------------------------------------------------------

    def start(self, pool_size: int) -> list[int]:
        """Both consoles poll (A also the categories, for intake); the model takes ``pool_size`` of the server's
        unlinked incidents, one per state where it can, as they are. Returns their handles."""
        assert not self.a.poll(("open311_services", *POLLED)), "A's first poll failed"
        assert not self.b.poll(), "B's first poll failed"
        by_state: dict[str, list[dict]] = {}
        for record in self._server_list():
            if not any(record[f] for f in ("merged_into", "merged_request_ids", "parent_request_id",
                                           "child_request_ids", "related_request_ids", "major_incident")):
                by_state.setdefault(record["workflow_state"], []).append(record)
        chosen: list[dict] = []
        while len(chosen) < pool_size and any(by_state.values()):
            for state in sorted(by_state):
                if by_state[state] and len(chosen) < pool_size:
                    chosen.append(by_state[state].pop(0))
        for record in chosen:
            a_id = self.a.local_id(record["service_request_id"])
            assert a_id is not None, record["service_request_id"]
            self.add(Expected(handle=0, a_id=a_id, state=record["workflow_state"], priority=record["priority"],
                              assignee=record["assignee"], agency=record["agency_responsible"], agency_known=True,
                              description=record["description"], category=record["service_code"],
                              source=record.get("source"), resume_to=record.get("resumed_state")))
        return list(self.model)

    def add(self, expected: Expected) -> int:
        expected.handle = len(self.model)
        self.model[expected.handle] = expected
        return expected.handle

    # --- what A's user does (the model follows only what the use case accepted) -------------------------------

    def act(self, handle: int, action: str, params: dict[str, Any], role: str) -> None:
        """A workflow action on A; raises services.workflow.WorkflowError (or a typed problem) when refused."""
        exp = self.model[handle]
        apply_action(self.a.store, exp.a_id, action, params, role, f"op-{role} ({role})", POLICY)
        if action == "comment":  # the text, or the note when the comment comes as an action with one
            exp.comments.append(params.get("text") or params.get("note") or "")
            return
        if action == "assign":
            exp.assignee = params.get("assignee") or None
        elif action == "set_priority":
            exp.priority = params["priority"]
        elif action == "describe":
            exp.description = params["description"].strip()
        if action == "forward" and params.get("agency"):
            exp.agency, exp.agency_known = params["agency"], True
        if action == "resolve" and params.get("after_photo_path"):
            exp.after_photos += 1
        if action in ("hold", "forward"):
            exp.resume_to = exp.state
        before = exp.state
        if action == "resume":
            exp.state = exp.resume_to or RESUME_DEFAULT
        elif action in STATE_AFTER:
            exp.state = STATE_AFTER[action]
        if exp.state in TERMINAL and before not in TERMINAL and params.get("children") == "close":
            for child in self.children(handle):
                if child.state not in TERMINAL:
                    child.state = exp.state

    def link(self, action: str, target: int, others: list[int], role: str) -> None:
        """A link action on A; raises services.workflow.WorkflowError when refused."""
        link_incidents(self.a.store, action, self.model[target].a_id, [self.model[o].a_id for o in others], role,
                       f"op-{role} ({role})")
        self._model_link(action, target, others)

    def _model_link(self, action: str, target: int, others: list[int]) -> None:
        for o in others:
            other = self.model[o]
            if action == "merge":
                for moved in self.model.values():  # merges never nest: its duplicates move up with it
                    if moved.merged_into == o:
                        moved.merged_into = target
                other.merged_into = target
            elif action == "split":
                other.merged_into = None
            elif action == "relate":
                other.related.add(target)
                self.model[target].related.add(o)
            elif action == "unrelate":
                other.related.discard(target)
                self.model[target].related.discard(o)
            elif action in ("promote", "attach"):
                other.parent = target
            elif action == "detach":
                other.parent = None
        if action == "promote":
            self.model[target].major = True

    def intake(self, draft: Intake, role: str, merge_into: int | None, parent: int | None) -> int:
        """A new incident from A's intake (merged into, or a child of, an existing one); its handle."""
        a_id = create_incident(self.a.store, draft, f"op-{role} ({role})", POLICY,
                               None if merge_into is None else self.model[merge_into].a_id,
                               parent=None if parent is None else self.model[parent].a_id, role=role)
        handle = self.add(Expected(handle=0, a_id=a_id, state="new", priority=draft.priority, assignee=None,
                                   agency=None, agency_known=False, description=draft.description,
                                   category=draft.category, source=draft.source))
        if merge_into is not None:
            self._model_link("merge", merge_into, [handle])
        if parent is not None:
            self._model_link("attach" if self.model[parent].major else "promote", parent, [handle])
        return handle

    def children(self, handle: int) -> list[Expected]:
        return [e for e in self.model.values() if e.parent == handle]

    # --- the outbox and the polls -------------------------------------------------------------------------------

    def drain(self, limit: int | None = None) -> list[str]:
        """A's drain as the outbox controller runs it: entry after entry until the outbox is empty, ``limit`` entries
        went, or :class:`DrainBackoff` says stop and wait (the backend could not be reached). The outcome kinds."""
        kinds: list[str] = []
        while limit is None or len(kinds) < limit:
            turn = drain_step(self.a.store, self.writer)
            if turn is None:
                self.backoff.reset()
                break
            self.drained.append(turn)
            kinds.append(turn.kind)
            if self.backoff.after(turn.kind) is not None:
                break
        return kinds

    def drain_all(self, rounds: int = 5) -> list[str]:
        """Drain until nothing is pending, giving a failed round (a connection the cut left dead) a few tries."""
        kinds: list[str] = []
        for _ in range(rounds):
            kinds += self.drain()
            if not self.a.store.outbox_pending(1):
                break
        return kinds

    def pending(self) -> int:
        return self.a.store.outbox_states().get("pending", 0)

    # --- reading the server -------------------------------------------------------------------------------------

    def _get(self, path: str, **params: str) -> Any:
        resp = requests.get(self.sim.feed_base("open311") + path, params=params, timeout=10,
                            headers={"Authorization": f"Bearer {self.sim.tokens['supervisor']}"})
        resp.raise_for_status()
        return resp.json()

    def _server_list(self) -> list[dict]:
        return self._get("/requests.json", status="open,closed", page_size="1000")

    def server_ids(self) -> dict[int, str]:
        """handle -> server id, from A (each incident must have one once the outbox is empty)."""
        found = {}
        for handle, exp in self.model.items():
            server_id = self.a.store.incident_detail(exp.a_id).row.server_id
            assert server_id, f"#{handle} (A's {exp.a_id}) has no server id after the drain"
            found[handle] = server_id
        return found

    # --- the checks -----------------------------------------------------------------------------------------------

    def mismatches(self) -> list[str]:
        """Every field where the server, A or B differs from the model (or, for a field nobody set, from each other),
        every comment not exactly once where it belongs, and every after-photo missing."""
        sids = self.server_ids()
        handle_of_sid = {sid: h for h, sid in sids.items()}
        problems: list[str] = []
        a_handle = {exp.a_id: h for h, exp in self.model.items()}
        b_ids = {h: self.b.local_id(sid) for h, sid in sids.items()}
        b_handle = {b_id: h for h, b_id in b_ids.items() if b_id is not None}
        for handle, exp in self.model.items():
            sid = sids[handle]
            record = self._get(f"/requests/{sid}.json")[0]
            seen = {"server": _server_fields(record, handle_of_sid)}
            seen["A"] = _store_fields(self.a.store, exp.a_id, a_handle)
            if b_ids[handle] is None:
                problems.append(f"#{handle} ({sid}): not in B after its poll")
            else:
                seen["B"] = _store_fields(self.b.store, b_ids[handle], b_handle)
            wanted = _expected_fields(exp, self.model)
            for name in (*FIELDS, "version"):
                if name in wanted:
                    for where, values in seen.items():
                        if values[name] != wanted[name]:
                            problems.append(f"#{handle} ({sid}) {name}: {where} has {values[name]!r}, "
                                            f"the user set {wanted[name]!r}")
                elif len({repr(values[name]) for values in seen.values()}) > 1:
                    problems.append(f"#{handle} ({sid}) {name} differs: " +
                                    ", ".join(f"{where} {values[name]!r}" for where, values in seen.items()))
            problems += self._comments(handle, exp, sid, b_ids[handle])
            problems += self._photos(handle, exp, sid)
            local_changes = self.a.store.incident_detail(exp.a_id).local_changes
            if local_changes:
                problems.append(f"#{handle} ({sid}): A still counts {local_changes} unsent change(s)")
        return problems

    def _comments(self, handle: int, exp: Expected, sid: str, b_id: int | None) -> list[str]:
        problems = []
        wanted = Counter(text.strip() for text in exp.comments)
        on_server = Counter(c["text"] for c in self._get(f"/requests/{sid}/comments.json"))
        if on_server != wanted:
            problems.append(f"#{handle} ({sid}) comments on the server {dict(on_server)}, made {dict(wanted)}")
        a_events = [e for e in self.a.store.incident_detail(exp.a_id).events if e.incident_id == exp.a_id]
        on_a = Counter((e.after or {}).get("text", "").strip() for e in a_events if e.kind == "comment")
        if on_a != wanted:
            problems.append(f"#{handle} ({sid}) comments on A's timeline {dict(on_a)}, made {dict(wanted)}")
        echoed = [e for e in a_events if e.kind == "server_update"
                  and str((e.after or {}).get("description", "")).startswith("comment: ")]
        if echoed:
            problems.append(f"#{handle} ({sid}) A's own comments came back on its timeline: {echoed}")
        if b_id is not None:
            b_events = [e for e in self.b.store.incident_detail(b_id).events if e.incident_id == b_id]
            on_b = Counter(str((e.after or {}).get("description", "")).removeprefix("comment: ") for e in b_events
                           if e.kind == "server_update"
                           and str((e.after or {}).get("description", "")).startswith("comment: "))
            if on_b != wanted:
                problems.append(f"#{handle} ({sid}) comments on B's timeline {dict(on_b)}, made {dict(wanted)}")
        return problems

    def _photos(self, handle: int, exp: Expected, sid: str) -> list[str]:
        media = self._get(f"/requests/{sid}/media.json")
        on_server = sum(1 for m in media if m["kind"] == workflow.AFTER_PHOTO)
        local = [a for a in self.a.store.incident_detail(exp.a_id).attachments
                 if a.incident_id == exp.a_id and a.kind == workflow.AFTER_PHOTO]
        problems = []
        if on_server != exp.after_photos or len(local) != exp.after_photos:
            problems.append(f"#{handle} ({sid}) after-photos: {on_server} on the server, {len(local)} on A, "
                            f"{exp.after_photos} taken")
        if not all(a.synced for a in local):
            problems.append(f"#{handle} ({sid}) an after-photo on A is not marked uploaded")
        return problems

    def duplicates(self) -> list[str]:
        """Exactly once: no write made two changes on one request (its idempotency key names each request's change
        once), every entry A sent is on the server, and each create made one request."""
        updates: list[dict] = []
        while chunk := self._get("/servicerequestupdates.json", after_update_id=str(len(updates))):
            updates += chunk  # update ids count from 1 in the order recorded
        by_key = Counter((u["idempotency_key"], u["service_request_id"]) for u in updates if u["idempotency_key"])
        problems = [f"write {key} changed request {rid} {n} times" for (key, rid), n in by_key.items() if n > 1]
        requests_of: dict[str, set[str]] = {}
        for key, rid in by_key:
            requests_of.setdefault(key, set()).add(rid)
        with self.a.store.edit_engine.connect() as conn:
            sent = conn.exec_driver_sql("SELECT o.idempotency_key, o.op, o.fields_json, i.server_id FROM outbox AS o "
                                        "JOIN incidents AS i ON i.id = o.incident_id").all()
        for key, op, fields_json, server_id in sent:
            fields = json.loads(fields_json or "{}")
            if op == "update" and not IncidentWriter.patch_body(fields):
                continue  # bookkeeping only (the SLA clock): nothing for the server
            if key not in requests_of:
                problems.append(f"A's {op} {key} is not on the server ({fields})")
            elif op == "create" and requests_of[key] != {server_id}:
                problems.append(f"A's create {key} made requests {sorted(requests_of[key])}, A knows {server_id}")
        return problems

    def outbox_left(self) -> list[str]:
        """A's outbox entries that did not end as sent, with why."""
        states = self.a.store.outbox_states()
        if set(states) <= {"sent"}:
            return []
        left = [f"A's outbox {states}"]
        left += [f"refused: {r}" for r in self.a.store.refused_edits()]
        left += [f"conflict: {c.action} on {c.server_id}: {c.reason}" for c in self.a.store.open_conflicts()]
        return left


def _server_fields(record: dict, handle_of: dict[str, int]) -> dict[str, Any]:
    def h(sid: str | None) -> Any:
        return None if sid is None else handle_of.get(sid, f"server {sid}")

    return {"state": record["workflow_state"], "priority": record["priority"], "assignee": record["assignee"],
            "agency": record["agency_responsible"], "description": record["description"],
            "merged_into": h(record["merged_into"]), "related": frozenset(map(h, record["related_request_ids"])),
            "parent": h(record["parent_request_id"]), "major": bool(record["major_incident"]),
            "children": frozenset(map(h, record["child_request_ids"])), "category": record["service_code"],
            # A request without a source is stored as "open311" (services.store.ingest): the same thing.
            "source": record.get("source") or "open311", "version": record["version"]}


def _store_fields(store: Store, incident_id: int, handle_of: dict[int, int]) -> dict[str, Any]:
    def h(local: int | None) -> Any:
        return None if local is None else handle_of.get(local, f"local {local}")

    d = store.incident_detail(incident_id)
    return {"state": d.row.state, "priority": d.row.priority, "assignee": d.row.assignee, "agency": d.agency,
            "description": d.description, "merged_into": h(d.merged_into),
            "related": frozenset(h(link.other_id) for link in d.links if link.kind == "related"),
            "parent": h(d.parent_id), "major": d.major, "children": frozenset(h(c.other_id) for c in d.child_links),
            "category": d.row.category, "source": d.row.source, "version": d.version}


def _expected_fields(exp: Expected, model: dict[int, Expected]) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "state": exp.state, "priority": exp.priority, "assignee": exp.assignee, "description": exp.description,
        "merged_into": exp.merged_into, "related": frozenset(exp.related), "parent": exp.parent,
        "major": exp.major, "children": frozenset(e.handle for e in model.values() if e.parent == exp.handle),
        "category": exp.category}
    if exp.agency_known:
        wanted["agency"] = exp.agency
    if exp.source is not None:
        wanted["source"] = exp.source
    return wanted


@contextmanager
def round_trip() -> Iterator[RoundTrip]:
    """A fresh simulator and two fresh stores in a temporary directory, closed afterwards."""
    with tempfile.TemporaryDirectory(prefix="round-trip-") as root:
        world = RoundTrip(Path(root))
        try:
            yield world
        finally:
            world.close()
