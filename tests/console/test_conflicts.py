"""Stale writes end to end against the real simulator: another client changes the incident between my local edit
and its send. Different fields merge and both changes reach the server; the same field becomes an open conflict,
and keep-mine / keep-theirs end with server and local row agreeing. Also the console wiring (OutboxController +
ConflictActions + ConflictsPanel) on the real task runner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from console.conflicts_dock import ConflictActions
from console.outbox_controller import OutboxController
from console.task_runner import TaskRunner
from services.feeds import open311
from services.incident_writer import IncidentWriter
from services.outbox_drain import record_outcome
from services.simulator.server import SimulatorServer
from services.store.store import Store
from widgets.conflicts_panel import ConflictsPanel

PRIORITIES = ("P1", "P2", "P3", "P4")


def _api(sim: SimulatorServer) -> str:
    return f"{sim.url}/open311/v2"


def _server(sim: SimulatorServer, server_id: str) -> dict:
    r = requests.get(f"{_api(sim)}/requests/{server_id}.json",
                     headers={"Authorization": f"Bearer {sim.tokens['supervisor']}"}, timeout=10)
    r.raise_for_status()
    return r.json()[0]


def _other_client_patch(sim: SimulatorServer, server_id: str, changes: dict) -> dict:
    """Another console changes the incident on the server (with the current ETag, so it succeeds)."""
    current = _server(sim, server_id)
    r = requests.patch(f"{_api(sim)}/requests/{server_id}.json", json=changes, timeout=10, headers={
        "Authorization": f"Bearer {sim.tokens['supervisor']}", "If-Match": f'"{server_id}-v{current["version"]}"'})
    r.raise_for_status()
    return r.json()[0]


def _drain(store: Store, writer: IncidentWriter) -> list[str]:
    """Send everything pending in order, as the outbox controller does (synchronously)."""
    kinds = []
    while entries := store.outbox_pending(1):
        kind = record_outcome(store, entries[0], writer.send(entries[0]), "operator")
        kinds.append(kind)
        assert kind != "retry", kinds
    return kinds


@pytest.fixture
def setup(simulator: SimulatorServer, store: Store) -> Iterator[tuple[int, str, str, IncidentWriter]]:
    """The server's incidents in the store; one open incident to work on: (local id, server id, its priority)."""
    body = requests.get(f"{_api(simulator)}/requests.json", timeout=10,
                        headers={"Authorization": f"Bearer {simulator.tokens['supervisor']}"}).content
    records = open311.parse_requests(body).records
    store.ingest_service_requests(records)
    target = next(r for r in records if r.status_detail in ("acknowledged", "dispatched", "on_scene"))
    incident_id = store.incident_id_for_server_id(target.id)
    assert incident_id is not None and target.priority is not None
    writer = IncidentWriter(_api(simulator), simulator.tokens["operator"])
    yield incident_id, target.id, target.priority, writer
    writer.close()


def _local(store: Store, incident_id: int) -> Any:
    return store.incident_detail(incident_id)


def test_edits_to_different_fields_merge_and_both_reach_the_server(  # type: ignore[no-untyped-def]
        simulator, store, setup) -> None:
    incident_id, server_id, priority, writer = setup
    theirs = next(p for p in PRIORITIES if p != priority)
    store.apply_action_local(incident_id, {"assignee": "ทีมกู้ภัย 1"}, "op (operator)", datetime.now(UTC),
                             action="assign")
    _other_client_patch(simulator, server_id, {"priority": theirs})
    assert _drain(store, writer) == ["merged", "sent"]
    server = _server(simulator, server_id)
    assert (server["priority"], server["assignee"]) == (theirs, "ทีมกู้ภัย 1")
    local = _local(store, incident_id)
    assert (local.priority, local.assignee, local.version, local.local_changes) == (
        theirs, "ทีมกู้ภัย 1", server["version"], 0)
    assert store.open_conflicts() == []
    assert [e.kind for e in local.events].count("sync_merged") == 1


def _conflicting_edit(simulator, store, setup) -> tuple[Any, str, str]:  # type: ignore[no-untyped-def]
    incident_id, server_id, priority, writer = setup
    mine, theirs = [p for p in PRIORITIES if p != priority][:2]
    store.apply_action_local(incident_id, {"priority": mine}, "op (operator)", datetime.now(UTC),
                             action="set_priority")
    _other_client_patch(simulator, server_id, {"priority": theirs})
    assert _drain(store, writer) == ["conflict"]
    [view] = store.open_conflicts()
    assert view.conflicting == ("priority",)
    assert (view.fields[0].base, view.fields[0].mine, view.fields[0].theirs) == (priority, mine, theirs)
    assert view.server_version == _server(simulator, server_id)["version"]
    assert _server(simulator, server_id)["priority"] == theirs  # nothing overwritten
    return view, mine, theirs


def test_same_field_conflict_then_keep_mine(simulator, store, setup) -> None:  # type: ignore[no-untyped-def]
    incident_id, server_id, _priority, writer = setup
    view, mine, _theirs = _conflicting_edit(simulator, store, setup)
    store.resolve_keep_mine(view.outbox_id, view.server_version, "หัวหน้าเวร (supervisor)")
    assert _drain(store, writer) == ["sent"]
    assert _server(simulator, server_id)["priority"] == mine
    local = _local(store, incident_id)
    assert (local.priority, local.local_changes) == (mine, 0)
    assert store.open_conflicts() == []


def test_same_field_conflict_then_keep_theirs(simulator, store, setup) -> None:  # type: ignore[no-untyped-def]
    incident_id, server_id, _priority, writer = setup
    view, mine, theirs = _conflicting_edit(simulator, store, setup)
    store.resolve_keep_theirs(view.outbox_id, None, "หัวหน้าเวร (supervisor)")
    assert _drain(store, writer) == []
    server = _server(simulator, server_id)
    local = _local(store, incident_id)
    assert server["priority"] == theirs
    assert (local.priority, local.version, local.local_changes) == (theirs, server["version"], 0)
    decision = [e for e in local.events if e.kind == "conflict_resolved"][0]
    assert decision.actor == "หัวหน้าเวร (supervisor)" and decision.after["dropped"] == {"priority": mine}


def test_console_wiring_drains_merges_and_resolves(  # type: ignore[no-untyped-def]
        qtbot, simulator, store, setup) -> None:
    incident_id, server_id, priority, writer = setup
    mine, theirs = [p for p in PRIORITIES if p != priority][:2]
    runner = TaskRunner()
    outbox = OutboxController(runner)
    panel = ConflictsPanel()
    qtbot.addWidget(panel)
    actions = ConflictActions(runner, store, panel, outbox, lambda: "sup (supervisor)")
    outbox.set_role("operator")
    try:
        store.apply_action_local(incident_id, {"priority": mine}, "op", datetime.now(UTC), action="set_priority")
        _other_client_patch(simulator, server_id, {"priority": theirs})
        with qtbot.waitSignal(actions.sig_conflicts_loaded, timeout=20_000,
                              check_params_cb=lambda n: n == 1):
            outbox.start(store, writer)
        assert panel.selected_outbox_id() is not None
        assert panel.table.item(0, 2).text() == mine
        with qtbot.waitSignal(outbox.sig_drained, timeout=20_000):
            with qtbot.waitSignal(actions.sig_conflict_resolved, timeout=20_000):
                panel.keep_mine_button.click()
        qtbot.waitUntil(lambda: _server(simulator, server_id)["priority"] == mine, timeout=20_000)
        qtbot.waitUntil(lambda: panel.list.count() == 0, timeout=20_000)
    finally:
        outbox.shutdown()  # closes the writer (closing it again in the fixture is harmless)
        assert runner.shutdown(timeout=10)
