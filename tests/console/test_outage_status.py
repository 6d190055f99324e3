"""Outage as an operator meets it, in demo mode: the training switch cuts the embedded simulator off, the status bar
says offline and counts the edits waiting, an edit made meanwhile is kept; restoring the network syncs it ("syncing
edits 1 of 1") exactly once. Also the status-bar texts and the standalone simulator's tokens in the keyring."""

from __future__ import annotations


import keyring
import pytest
import requests
from keyring.errors import NoKeyringError

from console.controller import ConsoleController
from services.credentials import simulator_token_name
from services.settings import Settings
from services.simulator.server import standalone_tokens
from services.writer_setup import build_writer
from widgets.connection_indicator import ConnectionIndicator
from widgets.i18n import current_language, set_language
from tests.support.memory_keyring import MemoryKeyring

FIRST_SYNC_MS = 60_000


def _comments(controller: ConsoleController, server_id: str) -> list[str]:
    sim = controller.simulator
    r = requests.get(f"{sim.url}/open311/v2/requests/{server_id}/comments.json",
                     headers={"Authorization": f"Bearer {sim.tokens['supervisor']}"}, timeout=10)
    r.raise_for_status()
    return [c["text"] for c in r.json()]


def test_training_outage_keeps_edits_and_syncs_them_once_restored(qtbot, console_factory) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    window, connection = controller.window, controller.window.connection
    action = window.training_outage_action
    qtbot.waitUntil(lambda: action.isVisible() and controller.outbox._writer is not None, timeout=30_000)
    qtbot.waitUntil(lambda: connection.state in ("online", "degraded"), timeout=30_000)
    # The embedded simulator hands its tokens over in memory: nothing to enter, no keyring notice.
    assert not controller.session_tokens.action.isVisible() and not controller.session_tokens.button.isVisible()
    incident_id, server_id = next(
        (r.id, r.server_id) for r in controller.store.incidents_page(limit=50) if r.server_id)

    progress: list[tuple[int, int]] = []
    controller.outbox.sig_progress.connect(lambda done, total: progress.append((done, total)))

    action.trigger()  # cut the network off
    qtbot.waitUntil(lambda: controller.training_outage.cut, timeout=10_000)
    qtbot.waitUntil(lambda: connection.state == "offline", timeout=60_000)

    text = "ตรวจพบน้ำท่วมขังระหว่างตัดเครือข่าย <b>not bold</b>"
    controller.incidents.detail.sig_comment_requested.emit(incident_id, text)
    qtbot.waitUntil(lambda: connection._pending == 1, timeout=20_000)
    assert ("รอส่ง 1 รายการ" if current_language() == "th" else "1 edits waiting") in connection.text()
    # The server is cut off from the console, not from the test: it has not got the comment.
    assert text not in [c["text"] for c in controller.simulator.incidents.comments(server_id)]

    action.trigger()  # restore
    qtbot.waitUntil(lambda: not controller.training_outage.cut, timeout=10_000)
    qtbot.waitUntil(lambda: connection._pending == 0 and connection.state in ("online", "degraded"), timeout=60_000)
    assert _comments(controller, server_id).count(text) == 1
    assert (1, 1) in progress and progress[-1] == (0, 0)
    assert "1 of 1" not in connection.text() and "1 จาก 1" not in connection.text()




def test_status_bar_counts_edits_and_says_n_of_m(qtbot, english) -> None:  # type: ignore[no-untyped-def]
    indicator = ConnectionIndicator()
    qtbot.addWidget(indicator)
    indicator.set_state("offline")
    indicator.set_edits(12, 2, 1)
    assert "Offline · 12 edits waiting · 2 conflicts · 1 refused" in indicator.text()
    indicator.set_state("online")
    indicator.set_progress(3, 12)
    assert "syncing edits 3 of 12" in indicator.text() and "waiting" not in indicator.text()
    indicator.set_progress(0, 0)
    indicator.set_edits(0, 0, 0)
    assert indicator.text() == "● Online"
    set_language("th")
    indicator.set_edits(5, 0, 0)
    indicator.retranslate()
    assert "รอส่ง 5 รายการ" in indicator.text()


class _NoKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise NoKeyringError("no keyring here")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NoKeyringError("no keyring here")




def test_standalone_simulator_tokens_go_to_the_keyring_and_the_console_reads_them(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    tokens, stored = standalone_tokens()
    assert stored and set(tokens) == {"operator", "supervisor", "viewer"}
    assert memory_keyring.values[("pao-console", simulator_token_name("operator"))] == tokens["operator"]
    again, _ = standalone_tokens()
    assert again == tokens  # a restarted simulator keeps the tokens consoles already use

    settings = Settings().model_copy(update={"mode": "demo"})
    writer = build_writer(settings, None, "supervisor", "http://127.0.0.1:9/")
    try:
        assert writer is not None and writer._token == tokens["supervisor"]
        assert writer._base == "http://127.0.0.1:9/open311/v2"
    finally:
        writer.close()
    memory_keyring.values.clear()
    assert build_writer(settings, None, "operator", "http://127.0.0.1:9") is None  # no token: edits stay queued


def test_without_a_keyring_the_simulator_still_serves_with_fresh_tokens() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(_NoKeyring())
    try:
        tokens, stored = standalone_tokens()
    finally:
        keyring.set_keyring(previous)
    assert not stored and all(len(v) >= 16 for v in tokens.values())


def test_the_training_switch_uses_only_the_supervisor_token(simulator, memory_keyring, english) -> None:  # type: ignore[no-untyped-def]
    from console.training_outage import SupervisorTokenMissing, failure_text, set_network_cut
    from services.errors import FeedHTTPError

    for role, status in (("operator", 403), ("viewer", 403)):
        with pytest.raises(FeedHTTPError) as refused:
            set_network_cut(simulator.url, simulator.tokens[role], True, None)
        assert refused.value.status == status
        assert failure_text(refused.value).startswith("The simulator needs its supervisor token")
    with pytest.raises(SupervisorTokenMissing) as missing:  # none entered, none in the keyring
        set_network_cut(simulator.url, None, True, None)
    assert not missing.value.keyring_unavailable
    keyring.set_keyring(_NoKeyring())
    with pytest.raises(SupervisorTokenMissing) as missing:
        set_network_cut(simulator.url, None, True, None)
    assert missing.value.keyring_unavailable and "no OS keyring" in failure_text(missing.value)
    keyring.set_keyring(memory_keyring)
    assert simulator.faults.list() == []

    memory_keyring.set_password("pao-console", simulator_token_name("supervisor"), simulator.tokens["supervisor"])
    fault_id = set_network_cut(simulator.url, None, True, None)  # a standalone simulator's token, from the keyring
    assert [f.kind for f in simulator.faults.list()] == ["down"]
    assert set_network_cut(simulator.url, simulator.tokens["supervisor"], False, fault_id) is None
    assert simulator.faults.list() == []
