"""Training and live never mix, in either direction, through the real console.

Two simulators stand in for the two backends: ``training`` (demo mode, ``--simulator-url``) and ``live`` (an Open311
server in live mode, every feed pointed at it in settings.json). An edit queued for one must never reach the other:
- demo and live keep separate stores in one data directory, so a live run never even opens the training store;
- a store that ends up where the other mode looks (copied, or from before stores were kept per mode) is refused with
  the dialog, which exports the unsent edits, sets the store aside, or closes with the store untouched;
- a store from before binding whose backend nobody recorded is used only when a person says it belongs here.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from console.controller import ConsoleController
from services.backend_identity import backend_identity
from services.credentials import FIRMS_MAP_KEY, OPEN311_TOKEN
from services.feeds import open311
from services.paths import DataPaths
from services.simulator.server import SimulatorServer
from services.store.database import open_store
from services.tiles.tile_sources import SIMULATOR_TILE_PATH
from tests.support.memory_keyring import MemoryKeyring

FIRST_SYNC_MS = 60_000
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
TRAINING_TEXT = "TRAINING EXERCISE: ไฟป่าดอยสุเทพ (ฝึกซ้อม)"
LIVE_TEXT = "ผู้แจ้งโทรกลับ: น้ำท่วมสูง 40 ซม. (live edit)"


@pytest.fixture
def live() -> Iterator[SimulatorServer]:
    server = SimulatorServer(port=0, seed=7).start()
    try:
        yield server
    finally:
        server.stop()




pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def keyring_for_both(simulator_tokens_in_keyring: MemoryKeyring, live: SimulatorServer) -> MemoryKeyring:
    """The training simulator's role tokens, and the live server's token and FIRMS key."""
    simulator_tokens_in_keyring.set_password("pao-console", OPEN311_TOKEN, live.tokens["operator"])
    simulator_tokens_in_keyring.set_password("pao-console", FIRMS_MAP_KEY, live.map_key)
    return simulator_tokens_in_keyring


def _live_settings(root: Path, live: SimulatorServer) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "settings.json").write_text(json.dumps({
        "mode": "live", "language": "en",
        "endpoints": {"air4thai": live.feed_base("air4thai"), "firms": live.feed_base("firms"),
                      "thaiwater": live.feed_base("thaiwater"), "open311": live.feed_base("open311")},
        "tile_url": live.url + SIMULATOR_TILE_PATH,
    }), encoding="utf-8")


def _queue_comment(database: Path, server: SimulatorServer, identity, text: str) -> None:  # type: ignore[no-untyped-def]
    """A store bound to ``identity`` holding the server's incidents and one unsent comment on 1001."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with open_store(database) as store:
        if identity is not None:
            store.bind_backend(identity)
        body = requests.get(f"{server.feed_base('open311')}/requests.json", timeout=10).content
        store.ingest_service_requests(open311.parse_requests(body).records)
        incident = store.incident_id_for_server_id("1001")
        assert incident is not None
        store.add_comment_local(incident, text, "somchai (operator)", NOW)


def _comments(server: SimulatorServer) -> list[str]:
    return [c.get("text", "") for c in server.incidents.comments("1001")]


def _outbox(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as conn:
        return [(json.loads(f)["text"], state) for f, state in
                conn.execute("SELECT fields_json, state FROM outbox WHERE op = 'comment' ORDER BY id")]


def _ready(qtbot, controller: ConsoleController) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox.running is False, timeout=20_000)


def test_a_training_edit_never_reaches_the_live_server(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator: SimulatorServer, live: SimulatorServer, keyring_for_both,
        tmp_path: Path) -> None:
    training = backend_identity("demo", "", simulator.url)
    root = tmp_path / "workstation"
    _queue_comment(DataPaths(root, "demo").database, simulator, training, TRAINING_TEXT)
    _live_settings(root, live)

    # A live run on the same data directory opens the live store: the training edit is not in it.
    console: ConsoleController = console_factory(mode="live", paths=DataPaths(root, "live"))
    _ready(qtbot, console)
    assert console.backend is not None and console.backend.kind == "open311"
    assert console.store is not None and console.store.path == DataPaths(root, "live").database
    assert _outbox(DataPaths(root, "live").database) == []
    assert TRAINING_TEXT not in _comments(live)
    assert _outbox(DataPaths(root, "demo").database) == [(TRAINING_TEXT, "pending")]

    # The training store copied to where live looks is refused: nothing opens, nothing is sent.
    other = tmp_path / "copied"
    _live_settings(other, live)
    (other / "live").mkdir(parents=True)
    shutil.copy(DataPaths(root, "demo").database, DataPaths(other, "live").database)
    refused: ConsoleController = console_factory(mode="live", paths=DataPaths(other, "live"))
    qtbot.waitUntil(lambda: refused.store_refusal is not None, timeout=20_000)
    dialog = refused.store_refusal.dialog
    assert refused.store is None and refused.sync_controller.sync is None
    assert dialog.isVisible() and not dialog.adopt_button.isVisible()
    assert simulator.url in dialog.message.text() and live.feed_base("open311") in dialog.message.text()
    assert "1 unsent edits" in dialog.message.text()

    # Export the unsent edits through the dialog's own file picker.
    exported = tmp_path / "exports" / "training-edits.json"
    exported.parent.mkdir()
    qtbot.mouseClick(dialog.export_button, qtbot_left())
    qtbot.waitUntil(lambda: dialog.file_dialog is not None and dialog.file_dialog.isVisible(), timeout=5_000)
    dialog.file_dialog.selectFile(str(exported))
    dialog.file_dialog.accept()
    qtbot.waitUntil(lambda: "exported" in dialog.result_label.text(), timeout=20_000)
    edits = json.loads(exported.read_text(encoding="utf-8"))["edits"]
    assert [e["fields"]["text"] for e in edits] == [TRAINING_TEXT] and edits[0]["backend"] == training.key

    # Set it aside: a new live store starts and syncs; the training edit stays in the set-aside file only.
    qtbot.mouseClick(dialog.set_aside_button, qtbot_left())
    _ready(qtbot, refused)
    assert refused.backend is not None and refused.backend.kind == "open311"
    assert _outbox(DataPaths(other, "live").database) == []
    aside = [p for p in (other / "live").iterdir() if ".set-aside-" in p.name and p.suffix == ".sqlite3"]
    assert len(aside) == 1 and _outbox(aside[0]) == [(TRAINING_TEXT, "pending")]
    assert TRAINING_TEXT not in _comments(live)


def test_a_live_edit_is_never_sent_to_the_simulator(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator: SimulatorServer, live: SimulatorServer, keyring_for_both,
        tmp_path: Path) -> None:
    live_identity = backend_identity("live", live.feed_base("open311"), None)
    root = tmp_path / "workstation"
    _queue_comment(DataPaths(root, "live").database, live, live_identity, LIVE_TEXT)

    # A demo run on the same data directory opens the demo store; the live edit stays pending for the live server.
    console: ConsoleController = console_factory(simulator_url=simulator.url, paths=DataPaths(root, "demo"))
    _ready(qtbot, console)
    assert console.store is not None and console.store.path == DataPaths(root, "demo").database
    assert _outbox(DataPaths(root, "demo").database) == []
    assert LIVE_TEXT not in _comments(simulator)
    assert _outbox(DataPaths(root, "live").database) == [(LIVE_TEXT, "pending")]

    # The live store where demo looks is refused; quitting leaves it exactly as it was.
    other = tmp_path / "copied"
    (other / "demo").mkdir(parents=True)
    shutil.copy(DataPaths(root, "live").database, DataPaths(other, "demo").database)
    refused: ConsoleController = console_factory(simulator_url=simulator.url, paths=DataPaths(other, "demo"))
    qtbot.waitUntil(lambda: refused.store_refusal is not None, timeout=20_000)
    dialog = refused.store_refusal.dialog
    with qtbot.waitSignal(refused.sig_declined, timeout=5_000):
        qtbot.mouseClick(dialog.quit_button, qtbot_left())
    assert refused.store is None
    assert _outbox(DataPaths(other, "demo").database) == [(LIVE_TEXT, "pending")]
    with open_store(DataPaths(other, "demo").database) as store:
        assert store.backend() == live_identity
    assert LIVE_TEXT not in _comments(simulator)


def test_a_store_from_before_binding_is_used_only_when_a_person_says_so(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator: SimulatorServer, keyring_for_both, tmp_path: Path) -> None:
    root = tmp_path / "workstation"
    legacy = DataPaths(root, "demo").legacy_database  # where stores lived before they were kept per mode
    _queue_comment(legacy, simulator, None, TRAINING_TEXT)
    with sqlite3.connect(legacy) as conn:
        conn.execute("UPDATE outbox SET backend = NULL")  # as migration 0011 leaves an older console's entries

    console: ConsoleController = console_factory(simulator_url=simulator.url, paths=DataPaths(root, "demo"))
    qtbot.waitUntil(lambda: console.store_refusal is not None, timeout=20_000)
    assert not legacy.exists() and DataPaths(root, "demo").database.exists()  # moved into the demo folder
    dialog = console.store_refusal.dialog
    assert dialog.adopt_button.isVisible() and "before stores were tied" in dialog.message.text()
    assert TRAINING_TEXT not in _comments(simulator)

    qtbot.mouseClick(dialog.adopt_button, qtbot_left())
    _ready(qtbot, console)
    qtbot.waitUntil(lambda: _outbox(DataPaths(root, "demo").database) == [(TRAINING_TEXT, "sent")], timeout=30_000)
    assert _comments(simulator).count(TRAINING_TEXT) == 1


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_a_screenshot_run_refuses_another_backends_store_at_once(simulator: SimulatorServer, tmp_path: Path) -> None:
    """No one is there to answer a dialog: the run ends with the reason in words, the store untouched."""
    import subprocess
    import sys

    from tests.support.child_process import ROOT, console_env

    root = tmp_path / "workstation"
    _queue_comment(DataPaths(root, "demo").database, simulator, backend_identity("demo", "", simulator.url),
                   TRAINING_TEXT)
    run = subprocess.run([sys.executable, "-m", "console", "--demo", "--lang", "en", "--data-dir", str(root),
                          "--screenshot", str(tmp_path / "shot.png"), "--wait", "30"],
                         cwd=ROOT, env=console_env(tmp_path / "keyring.json"), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 4, run.stderr
    assert f"the store belongs to the training simulator at {simulator.url}, not to the embedded training " \
           "simulator (seed 2026)" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "shot.png").exists()
    assert _outbox(DataPaths(root, "demo").database) == [(TRAINING_TEXT, "pending")]
