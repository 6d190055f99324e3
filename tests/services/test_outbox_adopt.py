"""A create whose answer was lost (console killed, connection reset) while the incident feed already brought the
server's copy: the copy is the same incident. When the create's resend is recorded, the local row adopts it — its
server updates, queued edits and their values — and the store ends with one row, nothing lost, nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from services.feeds import open311
from services.incident_writer import IncidentWriter
from services.outbox_drain import record_outcome
from services.simulator.server import SimulatorServer
from services.store.incident_rows import IncidentDraft
from services.store.store import Store

MARKER = "ท่อประปาแตก ถนนช้างคลาน (adopt test)"


def _poll(simulator: SimulatorServer, store: Store) -> None:
    body = requests.get(f"{simulator.url}/open311/v2/requests.json", params={"status": "open,closed"},
                        timeout=10).content
    store.ingest_service_requests(open311.parse_requests(body).records)


def _rows(store: Store) -> list[tuple]:
    with store.edit_engine.connect() as conn:
        return conn.exec_driver_sql("SELECT id, server_id, assignee, local_changes FROM incidents "
                                    "WHERE description = ? ORDER BY id", (MARKER,)).all()


def test_the_server_copy_worked_meanwhile_is_adopted_with_its_edits(simulator: SimulatorServer,
                                                                    store: Store) -> None:
    now = datetime.now(UTC)
    local = store.create_incident_local(IncidentDraft(category="water_supply", priority="P2", description=MARKER,
                                                      lat=18.78, lon=99.0, source="hotline"), "nida (operator)", now)
    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    try:
        create = store.outbox_pending(1)[0]
        server_id = writer.send(create).record.id  # the server has it; the answer never reached the store
        _poll(simulator, store)  # the next run's poll brings the server's copy as a second row...
        [(_, none, _, _), (copy, sid, _, _)] = _rows(store)
        assert none is None and sid == server_id
        store.apply_action_local(copy, {"assignee": "ทีมประปา 2"}, "nida (operator)", now, action="assign")

        resent = store.outbox_pending(1)[0]  # ...and the create is sent again (same key: no second record)
        assert resent.id == create.id
        assert record_outcome(store, resent, writer.send(resent), "operator") == "sent"
        assert _rows(store) == [(local, server_id, "ทีมประปา 2", 1)]  # one row: the local id, the copy's edit
        while pending := store.outbox_pending(1):
            assert record_outcome(store, pending[0], writer.send(pending[0]), "operator") == "sent"
        assert _rows(store) == [(local, server_id, "ทีมประปา 2", 0)]
        server = requests.get(f"{simulator.url}/open311/v2/requests.json", params={"status": "open,closed"},
                              timeout=10).json()
        assert [r["assignee"] for r in server if r["description"] == MARKER] == ["ทีมประปา 2"]
    finally:
        writer.close()


def test_a_refused_create_stops_what_was_queued_on_it_and_says_why(simulator: SimulatorServer, store: Store) -> None:
    now = datetime.now(UTC)
    fire = store.create_incident_local(IncidentDraft(  # no fire_size: the backend requires it (HTTP 400)
        category="forest_fire", priority="P1", description="ไฟป่า ดอยสุเทพ (refusal test)", lat=18.80, lon=98.92,
        source="hotline"), "nida (operator)", now)
    store.add_comment_local(fire, "ทีมดับไฟป่ากำลังไป", "nida (operator)", now)
    store.apply_action_local(fire, {"assignee": "ทีมดับไฟป่า 1"}, "nida (operator)", now, action="assign")
    other = store.create_incident_local(IncidentDraft(category="tree", priority="P3", description=MARKER, lat=18.79,
                                                      lon=98.98, source="hotline"), "nida (operator)", now)
    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    try:
        kinds = []
        while pending := store.outbox_pending(1):
            kinds.append(record_outcome(store, pending[0], writer.send(pending[0]), "operator"))
    finally:
        writer.close()
    assert kinds == ["rejected", "sent"]  # the other intake is not held up
    assert store.incident_rows([other])[0].server_id is not None
    detail = store.incident_detail(fire)
    assert detail.local_changes == 0 and detail.row.server_id is None  # it stays here, with all that was done
    refusals = [e.after for e in detail.events if e.kind == "sync_refused"]
    assert refusals[0]["op"] == "create" and "fire_size" in refusals[0]["reason"]
    assert store.outbox_states() == {"failed": 3}
    with store.edit_engine.connect() as conn:
        reasons = conn.exec_driver_sql("SELECT last_error FROM outbox WHERE incident_id = ? AND op != 'create'",
                                       (fire,)).scalars().all()
    assert len(reasons) == 2 and all(r.startswith("not sent: the incident was refused") for r in reasons)
