"""The Qt-free outbox drain (services.outbox_drain): its steps against the real simulator and a real store, and the
backoff policy the console's outbox controller follows (5 s doubling to 2 min; reset by a success or a reconnect)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from services.feeds import open311
from services.incident_actions import apply_action
from services.incident_writer import IncidentWriter
from services.outbox_drain import DrainBackoff, drain_step, take_next
from services.simulator.server import SimulatorServer
from services.sla import SlaPolicy
from services.store.incident_rows import IncidentDraft
from services.store.store import Store

ACTOR = "nida (operator)"


def _synced_open_incident(simulator: SimulatorServer, store: Store) -> int:
    body = requests.get(f"{simulator.url}/open311/v2/requests.json", params={"status": "open"}, timeout=10).content
    store.ingest_service_requests(open311.parse_requests(body).records)
    with store.edit_engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT id FROM incidents WHERE server_id IS NOT NULL AND workflow_state IN ('acknowledged', "
            "'dispatched', 'on_scene') ORDER BY id LIMIT 1").first()
    assert row is not None, "the simulator's seed has no open incident in work"
    return int(row[0])


def test_the_steps_send_every_queued_edit_in_order_and_count_what_is_left(simulator: SimulatorServer,
                                                                         store: Store) -> None:
    incident = _synced_open_incident(simulator, store)
    apply_action(store, incident, "assign", {"assignee": "ทีมดับไฟ 3", "note": "drain test"}, "operator", ACTOR,
                 SlaPolicy())
    apply_action(store, incident, "comment", {"text": "ถึงที่เกิดเหตุแล้ว (drain test)"}, "operator", ACTOR,
                 SlaPolicy())
    store.create_incident_local(IncidentDraft(category="road", priority="P3", description="drain test create",
                                              lat=18.79, lon=98.98, source="hotline"), ACTOR, datetime.now(UTC))

    first = take_next(store)
    assert first.pending == 3 and first.entry is not None and first.entry.op == "update"
    assert take_next(store).entry.id == first.entry.id  # taking does not consume: only a recorded outcome does

    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    try:
        *turns, last = [drain_step(store, writer, "operator") for _ in range(4)]
    finally:
        writer.close()
    assert last is None  # three entries, three turns
    assert [t.kind for t in turns] == ["sent", "sent", "sent"]
    assert [t.entry.op for t in turns] == ["update", "comment", "create"]
    assert take_next(store).entry is None and take_next(store).pending == 0
    server_id = store.incident_detail(incident).row.server_id
    record = simulator.incidents.get(server_id)
    assert record["assignee"] == "ทีมดับไฟ 3"
    assert [c["text"] for c in simulator.incidents.comments(server_id)].count("ถึงที่เกิดเหตุแล้ว (drain test)") == 1


def test_an_unreachable_backend_leaves_the_entry_pending_and_says_retry(simulator: SimulatorServer,
                                                                        store: Store) -> None:
    incident = _synced_open_incident(simulator, store)
    apply_action(store, incident, "comment", {"text": "offline comment"}, "operator", ACTOR, SlaPolicy())
    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    try:
        simulator.set_offline(True)
        turn = drain_step(store, writer, "operator")
        assert turn is not None and turn.kind == "retry"
        assert take_next(store).entry.id == turn.entry.id  # still first in line, nothing lost
        assert DrainBackoff().after(turn.kind) == 5.0  # the drain stops and waits
        simulator.set_offline(False)
        assert drain_step(store, writer, "operator").kind == "sent"  # the same entry, once
        assert drain_step(store, writer, "operator") is None
    finally:
        writer.close()


def test_the_backoff_doubles_to_two_minutes_and_starts_again_after_a_success() -> None:
    backoff = DrainBackoff()
    assert [backoff.after("retry") for _ in range(7)] == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 120.0]
    for kind in ("sent", "local", "merged", "conflict", "rejected"):  # the drain goes on with the next entry
        assert backoff.after(kind) is None
    assert backoff.delay_s == 5.0
    backoff.failed()
    backoff.failed()
    assert backoff.delay_s == 20.0
    backoff.reset()  # a reconnect: the backend answered a feed poll
    assert backoff.failed() == 5.0
