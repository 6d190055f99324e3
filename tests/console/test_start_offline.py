"""The console starts with the backend already unreachable and works from its cache: the incidents it saw before are
listed, a new intake is accepted, shown pending (✎ in the queue, counted in the status bar) and kept through a
restart; when the backend answers again the incident reaches it exactly once and takes the server's id.

The console talks to a standalone simulator here (``--simulator-url``), so it finds the role tokens in the keyring,
as a workstation does (an in-memory keyring stands in for the OS one)."""

from __future__ import annotations


import requests

from console.controller import ConsoleController
from services.simulator.server import SimulatorServer

FIRST_SYNC_MS = 60_000
MARKER = "ต้นไม้ล้มขวางถนนห้วยแก้ว (start-offline test)"




def _server_matches(simulator: SimulatorServer) -> list[dict]:
    r = requests.get(f"{simulator.url}/open311/v2/requests.json", params={"status": "open,closed"},
                     headers={"Authorization": f"Bearer {simulator.tokens['supervisor']}"}, timeout=10)
    r.raise_for_status()
    return [rec for rec in r.json() if MARKER in (rec.get("description") or "")]


def _stop(controller: ConsoleController) -> None:
    controller.shutdown(timeout=15)
    controller.window.close()


def test_starts_offline_from_the_cache_and_syncs_intake_once(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator: SimulatorServer, simulator_tokens_in_keyring) -> None:
    # A first session fills the cache.
    first: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(first.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: first.incidents.model.rowCount() > 0, timeout=20_000)
    cached = first.incidents.model.rowCount()
    _stop(first)

    # The network is gone before the console starts.
    fault = simulator.faults.add(feed="*", kind="down")
    offline: ConsoleController = console_factory(simulator_url=simulator.url)
    incidents, connection = offline.incidents, offline.window.connection
    qtbot.waitUntil(lambda: incidents.model.rowCount() == cached, timeout=20_000)  # readable from the cache
    qtbot.waitUntil(lambda: connection.state == "offline", timeout=FIRST_SYNC_MS)
    qtbot.waitUntil(lambda: offline.outbox._writer is not None, timeout=20_000)  # token from the keyring

    incidents.open_intake(18.7905, 98.9700)
    qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1, timeout=20_000)
    dialog = incidents.intake
    dialog.category.setCurrentIndex(dialog.category.findData("fallen_tree"))
    if dialog.category.currentIndex() < 0:
        dialog.category.setCurrentIndex(1)
    dialog.description.setPlainText(MARKER)
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=10_000)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None, timeout=20_000)

    qtbot.waitUntil(lambda: incidents.model.rowCount() == cached + 1, timeout=20_000)
    pending_ids = [incidents.model.data(incidents.model.index(r, 0)) for r in range(incidents.model.rowCount())]
    assert sum(1 for text in pending_ids if str(text).endswith("✎")) == 1
    qtbot.waitUntil(lambda: connection._pending == 1, timeout=20_000)
    # Nothing reached the server (asked past the cut: the test is not behind it).
    assert not [r for r in simulator.incidents.query(statuses=["open", "closed"])
                if MARKER in (r.get("description") or "")]
    _stop(offline)

    # Restarted while still offline: the edit is still there, still pending.
    again: ConsoleController = console_factory(simulator_url=simulator.url)
    qtbot.waitUntil(lambda: again.incidents.model.rowCount() == cached + 1, timeout=20_000)
    qtbot.waitUntil(lambda: again.window.connection._pending == 1, timeout=20_000)
    qtbot.waitUntil(lambda: again.window.connection.state == "offline", timeout=FIRST_SYNC_MS)

    # The network is back: a feed answering again sends the queued intake at once, exactly once.
    simulator.faults.remove(fault.id)
    again.window.sig_sync_requested.emit()
    qtbot.waitUntil(lambda: again.window.connection._pending == 0, timeout=FIRST_SYNC_MS)
    matches = _server_matches(simulator)
    assert len(matches) == 1
    row = next(r for r in again.store.incidents_page(limit=500) if r.server_id == matches[0]["service_request_id"])
    assert row.server_id is not None
