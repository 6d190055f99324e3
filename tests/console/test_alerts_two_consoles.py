"""Two consoles see one acknowledgement (issue 13): two real consoles (real controllers, stores, outbox drain and
feeds) on one standalone simulator. An alert the backend has reaches both Alerts docks; console A acknowledges it
with a comment through its dock's controller; console B's dock shows A's acknowledgement, by A's operator with A's
comment. Then, with the simulator offline, A acknowledges another: it waits in A's outbox and reaches B once the
simulator is back."""

from __future__ import annotations

import json

import requests

from console.controller import ConsoleController
from services.paths import DataPaths
from services.simulator.server import SimulatorServer

FIRST_SYNC_MS = 60_000
CADENCE_S = 10  # the shortest the settings allow: the alerts feed polls at the updates' cadence
WAIT_MS = (CADENCE_S * 3 + 30) * 1000


def _raise(sim: SimulatorServer, scope: str) -> str:
    """A third console raised this alert: the backend has it."""
    body = {"rule_id": "flood", "kind": "river", "severity": "critical", "scope_kind": "gauge", "scope_key": scope,
            "first_at": "2026-03-01T01:00:00Z", "last_at": "2026-03-01T03:00:00Z", "occurrences": 1,
            "message_th": "ระดับน้ำเกินระดับวิกฤต", "message_en": f"{scope} above its flood level",
            "rule_name_th": "น้ำล้นตลิ่ง", "rule_name_en": "River flood", "scope_name_th": scope,
            "scope_name_en": scope}
    resp = requests.post(f"{sim.url}/open311/v2/alerts.json", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {sim.tokens['supervisor']}"})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uid"])


def _console(qtbot, console_factory, paths: DataPaths, url: str) -> ConsoleController:  # type: ignore[no-untyped-def]
    paths.settings_file.write_text(json.dumps({"cadences": {"open311_updates": CADENCE_S}}))
    controller: ConsoleController = console_factory(simulator_url=url, paths=paths)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=60_000)
    return controller


def _alert(controller: ConsoleController, scope: str):  # type: ignore[no-untyped-def]
    return next((a for a in controller.alerts.alerts() if a.rule_id == "flood" and a.scope_key == scope), None)


def test_two_consoles_see_one_acknowledgement(qtbot, console_factory, simulator: SimulatorServer,  # type: ignore[no-untyped-def]
                                              simulator_tokens_in_keyring, tmp_path, english) -> None:
    _raise(simulator, "P.1")
    a = _console(qtbot, console_factory, DataPaths(tmp_path / "a").ensure(), simulator.url)
    b = _console(qtbot, console_factory, DataPaths(tmp_path / "b").ensure(), simulator.url)
    for console in (a, b):
        qtbot.waitUntil(lambda c=console: _alert(c, "P.1") is not None, timeout=WAIT_MS)

    comment = "ทีมกู้ภัยกำลังไปสะพานนวรัฐ / rescue team on its way"
    a.alerts._acknowledge(_alert(a, "P.1").id, comment)  # what the dock's Acknowledge dialog calls
    qtbot.waitUntil(lambda: (_alert(b, "P.1") or _alert(a, "P.1")).state == "acknowledged"
                    and _alert(b, "P.1").ack_comment == comment, timeout=WAIT_MS)
    seen = _alert(b, "P.1")
    assert seen.acknowledged_by == a.incidents.actor()
    [kept] = [x for x in requests.get(f"{simulator.url}/open311/v2/alerts.json", timeout=10).json()
              if x["scope_key"] == "P.1"]
    assert (kept["acknowledgement"]["by"], kept["acknowledgement"]["comment"]) == (a.incidents.actor(), comment)

    # Offline: A's acknowledgement waits in its outbox, nothing lost, and goes when the simulator is back.
    _raise(simulator, "P.67")
    for console in (a, b):
        qtbot.waitUntil(lambda c=console: _alert(c, "P.67") is not None, timeout=WAIT_MS)
    simulator.set_offline(True)
    try:
        a.alerts._acknowledge(_alert(a, "P.67").id, "seen while the network is down")
        qtbot.waitUntil(lambda: _alert(a, "P.67").state == "acknowledged", timeout=20_000)
        pending = a.startup.store.outbox_states()
        assert pending.get("pending", 0) >= 1
    finally:
        simulator.set_offline(False)
    a.outbox.reconnected()
    qtbot.waitUntil(lambda: _alert(b, "P.67").ack_comment == "seen while the network is down", timeout=WAIT_MS)
