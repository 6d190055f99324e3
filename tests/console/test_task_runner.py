"""The task runner: database work on one thread, network work on bounded lanes that never wait for each other,
results on the UI thread, and a shutdown that a hanging request cannot hold up."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from console.task_runner import LANES, TaskRunner, feed_lane
from services.errors import StoreBusyError
from widgets.i18n import current_language, set_language


@pytest.fixture
def runner(qtbot):  # type: ignore[no-untyped-def]
    r = TaskRunner()
    yield r
    assert r.shutdown(timeout=10)


def test_results_arrive_on_the_ui_thread(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    ui_thread = threading.get_ident()
    seen: list[tuple[int, int]] = []
    runner.run_db(threading.get_ident, on_done=lambda worker: seen.append((worker, threading.get_ident())))
    runner.run_net(threading.get_ident, lane="control",
                   on_done=lambda worker: seen.append((worker, threading.get_ident())))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    for worker, delivered_on in seen:
        assert worker != ui_thread
        assert delivered_on == ui_thread


def test_database_work_is_serialised_on_one_thread(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    threads: list[int] = []
    for _ in range(20):
        runner.run_db(threading.get_ident, on_done=threads.append)
    qtbot.waitUntil(lambda: len(threads) == 20, timeout=5000)
    assert len(set(threads)) == 1


def test_errors_reach_the_error_callback_or_the_failure_signal(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("disk says no")

    runner.run_db(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    with qtbot.waitSignal(runner.sig_task_failed, timeout=5000) as blocker:
        runner.run_net(boom, lane="control")
    assert blocker.args[0]


def test_latest_wins(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    delivered: list[str] = []
    runner.run_db(gate.wait, 5)  # holds the single database worker so the next ones queue
    for label in ("first", "second", "third"):
        runner.run_db(lambda v=label: v, on_done=delivered.append, key="overview")
    gate.set()
    qtbot.waitUntil(lambda: runner.busy == 0, timeout=5000)
    assert delivered == ["third"]


def test_shutdown_finishes_queued_database_work(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    done = threading.Event()
    gate = threading.Event()
    runner.run_db(gate.wait, 5)
    runner.run_db(done.set)
    gate.set()
    assert runner.shutdown(timeout=10)
    assert done.is_set()
    with pytest.raises(RuntimeError):
        runner.run_db(done.set)


def test_results_after_shutdown_are_dropped(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    delivered: list[int] = []
    gate = threading.Event()
    runner.run_db(lambda: (gate.wait(5), 1)[1], on_done=delivered.append)
    gate.set()
    assert runner.shutdown(timeout=10)
    qtbot.wait(50)  # let any queued delivery run: it must be ignored
    assert delivered == []


# --- lanes -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def gate():  # type: ignore[no-untyped-def]
    """An event that blocked tasks wait on; set at the end so no thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()


def _hold(runner: TaskRunner, lane: str, gate: threading.Event, n: int) -> list[str]:
    """Start ``n`` tasks on ``lane`` that wait for ``gate`` (a server that hangs); returns the list they append to
    when they start."""
    started: list[str] = []
    for _ in range(n):
        runner.run_net(lambda: (started.append(threading.current_thread().name), gate.wait(30)), lane=lane)
    return started


def test_no_lane_waits_behind_a_blocked_one(qtbot, runner: TaskRunner, gate: threading.Event) -> None:  # type: ignore[no-untyped-def]
    # Tiles fill their lane and queue more; one feed hangs; two backend polls hang.
    tiles = _hold(runner, "tiles", gate, LANES["tiles"] + 5)
    firms = _hold(runner, feed_lane("firms_viirs_snpp_nrt"), gate, 1)
    requests_poll = _hold(runner, feed_lane("open311_requests"), gate, 1)
    services_poll = _hold(runner, feed_lane("open311_services"), gate, 1)
    qtbot.waitUntil(lambda: len(tiles) == LANES["tiles"] and len(firms) == len(requests_poll) == len(services_poll)
                    == 1, timeout=5000)
    done: list[str] = []
    runner.run_net(lambda: "send", lane="backend", on_done=done.append)  # the outbox's send
    for feed in ("air4thai", "thaiwater", "firms_modis_nrt"):
        runner.run_net(lambda f=feed: f, lane=feed_lane(feed), on_done=done.append)
    runner.run_net(lambda: "control", lane="control", on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 5, timeout=5000)
    assert sorted(done) == ["air4thai", "control", "firms_modis_nrt", "send", "thaiwater"]
    assert len(tiles) == LANES["tiles"]  # bounded: the extra tile requests still wait their turn


def test_open311_feeds_share_the_backend_lane_and_others_have_their_own() -> None:
    assert feed_lane("open311_requests") == feed_lane("open311_services") == "backend"
    assert feed_lane("air4thai") != feed_lane("air4thai_history") != "backend"


def test_an_unknown_lane_is_refused(runner: TaskRunner) -> None:
    with pytest.raises(ValueError, match="lane"):
        runner.run_net(lambda: None, lane="tile")
    with pytest.raises(ValueError, match="lane"):
        runner.run_net(lambda: None, lane="feed:")


def test_latest_wins_on_a_lane(qtbot, runner: TaskRunner, gate: threading.Event) -> None:  # type: ignore[no-untyped-def]
    started = _hold(runner, "control", gate, LANES["control"])  # every control thread busy: the next ones queue
    qtbot.waitUntil(lambda: len(started) == LANES["control"], timeout=5000)
    delivered: list[str] = []
    for label in ("first", "second", "third"):
        runner.run_net(lambda v=label: v, lane="control", on_done=delivered.append, key="writer")
    gate.set()
    qtbot.waitUntil(lambda: runner.busy == 0, timeout=5000)
    assert delivered == ["third"]


# --- failures in words -----------------------------------------------------------------------------------------------


@pytest.fixture
def english():  # type: ignore[no-untyped-def]
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def test_a_failure_reaches_the_user_in_words(qtbot, runner: TaskRunner, english) -> None:  # type: ignore[no-untyped-def]
    sql_error = RuntimeError("(sqlite3.OperationalError) database is locked [SQL: UPDATE feed_state SET "
                             "last_attempt_at=? WHERE feed_state.feed = ?] [parameters: ('2026-01-01', 'air4thai')] "
                             "(Background on this error at: https://sqlalche.me/e/20/e3q8)")

    def untyped() -> None:
        raise sql_error

    def busy() -> None:
        raise StoreBusyError("the store is locked by another program")

    with qtbot.waitSignal(runner.sig_task_failed, timeout=5000) as blocker:
        runner.run_db(untyped)
    message = blocker.args[0]
    assert "SQL" not in message and "sqlalche.me" not in message and "RuntimeError" not in message
    assert "log" in message  # where the details went
    with qtbot.waitSignal(runner.sig_task_failed, timeout=5000) as blocker:
        runner.run_db(busy)
    assert "locked by another program" in blocker.args[0] and "StoreBusyError" not in blocker.args[0]


# --- shutdown --------------------------------------------------------------------------------------------------------


def test_shutdown_does_not_wait_for_a_hanging_network_call(qtbot, gate: threading.Event) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    delivered: list[object] = []
    started = _hold(runner, feed_lane("firms_modis_nrt"), gate, 1)
    queued = threading.Event()
    runner.run_net(queued.set, lane=feed_lane("firms_modis_nrt"))  # behind the hanging one: cancelled
    committed = threading.Event()
    db_gate = threading.Event()
    runner.run_db(db_gate.wait, 5)
    runner.run_db(committed.set, on_done=delivered.append)  # an edit being committed
    qtbot.waitUntil(lambda: bool(started), timeout=5000)
    db_gate.set()
    began = time.monotonic()
    assert runner.shutdown(timeout=10, network_grace=0.5)
    assert time.monotonic() - began < 3
    assert committed.is_set()  # queued database work was finished
    assert runner.abandoned_lanes == {feed_lane("firms_modis_nrt")}
    gate.set()
    qtbot.wait(100)
    assert not queued.is_set()  # never started
    assert delivered == []  # results after shutdown are dropped


def test_a_hanging_network_call_cannot_keep_the_process_alive(tmp_path: Path) -> None:
    # concurrent.futures joins its pool threads at interpreter exit; the lanes' threads must not be joined.
    script = tmp_path / "hang.py"
    script.write_text(textwrap.dedent("""
        import socket, sys, threading
        from PySide6.QtCore import QCoreApplication
        from console.task_runner import TaskRunner

        app = QCoreApplication([])
        server = socket.create_server(("127.0.0.1", 0))
        started = threading.Event()

        def hang():  # a request whose server never answers
            conn = socket.create_connection(server.getsockname())
            started.set()
            conn.recv(1)

        runner = TaskRunner()
        runner.run_net(hang, lane="backend")
        started.wait(10)
        ok = runner.shutdown(timeout=5, network_grace=0.2)
        print("shut down", ok, flush=True)
        sys.exit(0)
    """), encoding="utf-8")
    began = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "shut down True" in done.stdout
    assert time.monotonic() - began < 15  # the hang would last forever; Python + Qt start in a few seconds
