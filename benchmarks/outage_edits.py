"""The edits the outage benchmarks queue and drain: a realistic mix on synced incidents (priority changes,
assignments, comments, a few intakes) made as the console makes them, and the check that the server got each exactly
once. Shared by ``outbox_drain_1000`` and ``ui_stall_during_sync`` (benchmarks/outage_bench.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.sla import SlaPolicy
from services.store import IncidentDraft, Store

_TERMINAL = frozenset({"resolved", "closed", "cancelled"})
_PRIORITIES = ("P1", "P2", "P3", "P4")
ROLE = "operator"
ACTOR = "bench (operator)"

@dataclass
class Edits:
    """What a batch of edits should leave on the server: markers by kind, and how many edits each incident got."""

    notes: list[tuple[str, str]]  # (server id, status note of an update)
    comments: list[tuple[str, str]]  # (server id, comment text)
    creates: list[str]  # description of each new incident
    per_incident: Counter[str]

    @property
    def total(self) -> int:
        return len(self.notes) + len(self.comments) + len(self.creates)


def synced_incidents(store: Store) -> list[tuple[int, str, str, str]]:
    """(id, server id, state, priority) of every incident the sync brought in."""
    with store.edit_engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, server_id, workflow_state, priority FROM incidents WHERE server_id IS NOT NULL "
            "AND merged_into IS NULL AND local_changes = 0 ORDER BY id").all()
    return [(int(r[0]), str(r[1]), str(r[2] or "new"), str(r[3] or "P3")) for r in rows]


def edit_steps(store: Store, n: int, tag: str) -> tuple[Edits, Callable[[int], None]]:
    """A plan of ``n`` edits and a function that makes edit ``k`` as the console does (one committed transaction
    each): per 10 edits, 3 priority changes and 3 assignments on open incidents and 4 comments on any, through
    ``services.incident_actions.apply_action``; every 100th edit is a new incident instead
    (``Store.create_incident_local``)."""
    from services import incident_actions

    synced = synced_incidents(store)
    open_ones = [r for r in synced if r[2] not in _TERMINAL]
    if not open_ones:
        raise RuntimeError("the sync brought no open incidents to edit")
    priority = {r[0]: r[3] for r in synced}
    server_id = {r[0]: r[1] for r in synced}
    policy = SlaPolicy()
    pattern = ("set_priority", "comment", "assign", "comment", "set_priority", "assign", "comment", "set_priority",
               "comment", "assign")
    plan = Edits([], [], [], Counter())
    steps: list[Callable[[], None]] = []
    updates = comments = 0
    for k in range(n):
        marker = f"{tag} #{k} ทดสอบ"
        if k % 100 == 50:
            plan.creates.append(marker)
            draft = IncidentDraft(category="road", priority="P2", description=marker, lat=18.7883, lon=98.9853,
                                  source="hotline", reporter_name="สมชาย", reporter_contact="081-234-5678",
                                  address="ประตูท่าแพ")
            steps.append(lambda d=draft: create_incident(store, d))
            continue
        action = pattern[k % len(pattern)]
        if action == "comment":
            incident = synced[comments % len(synced)][0]
            comments += 1
            params: dict[str, Any] = {"text": marker}
            plan.comments.append((server_id[incident], marker))
        else:
            incident = open_ones[updates % len(open_ones)][0]
            updates += 1
            if action == "set_priority":
                current = priority[incident]
                priority[incident] = _PRIORITIES[(_PRIORITIES.index(current) + 1) % 4] if current in _PRIORITIES \
                    else "P2"
                params = {"priority": priority[incident], "note": marker}
            else:
                params = {"assignee": f"ทีม {k}", "note": marker}
            plan.notes.append((server_id[incident], marker))
        plan.per_incident[server_id[incident]] += 1
        steps.append(lambda i=incident, a=action, p=params:
                     incident_actions.apply_action(store, i, a, p, ROLE, ACTOR, policy))
    return plan, lambda k: steps[k]()


def create_incident(store: Store, draft: IncidentDraft) -> None:
    store.create_incident_local(draft, ACTOR, datetime.now(UTC))


def outbox_states(store: Store) -> dict[str, int]:
    with store.edit_engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT state, count(*) FROM outbox GROUP BY state").all())


def check_delivered(sim: Any, store: Store, plan: Edits, versions_before: dict[str, int], what: str) -> None:
    """Raise unless the server holds every edit of ``plan`` exactly once and the store knows it."""
    problems: list[str] = []
    states = outbox_states(store)
    if states != {"sent": plan.total}:
        problems.append(f"outbox states {states}, expected {{'sent': {plan.total}}}")
    incidents = sim.incidents  # the simulator's own records: what any client would read back
    notes_by_rid: dict[str, Counter[str]] = {}
    for rid in plan.per_incident:
        notes_by_rid[rid] = Counter(u["description"] for u in incidents.updates(request_id=rid))
        version = incidents.get(rid)["version"]
        expected = versions_before[rid] + plan.per_incident[rid]
        if version != expected:
            problems.append(f"request {rid}: server version {version}, expected {expected}")
    for rid, note in plan.notes:
        if notes_by_rid[rid][note] != 1:
            problems.append(f"update {note!r} on {rid} is on the server {notes_by_rid[rid][note]} times")
    texts = {rid: Counter(c["text"] for c in incidents.comments(rid)) for rid in plan.per_incident}
    for rid, text in plan.comments:
        if texts[rid][text] != 1 or notes_by_rid[rid][f"comment: {text}"] != 1:
            problems.append(f"comment {text!r} on {rid} is on the server {texts[rid][text]} times")
    described = Counter(r.get("description") for r in incidents.query(staff=True))
    for marker in plan.creates:
        if described[marker] != 1:
            problems.append(f"created incident {marker!r} is on the server {described[marker]} times")
    with store.edit_engine.connect() as conn:
        unsynced = conn.exec_driver_sql("SELECT count(*) FROM incidents WHERE server_id IS NULL "
                                        "OR local_changes != 0").scalar()
    if unsynced:
        problems.append(f"{unsynced} incidents still without a server id or with local changes")
    if problems:
        raise RuntimeError(f"{what}: the server did not get every edit exactly once: " + "; ".join(problems[:5])
                           + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
