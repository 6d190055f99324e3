"""The task runner: database work on one thread, network work on a pool, results on the UI thread."""

from __future__ import annotations

import threading

import pytest

from console.task_runner import TaskRunner


@pytest.fixture
def runner(qtbot):  # type: ignore[no-untyped-def]
    r = TaskRunner()
    yield r
    assert r.shutdown(timeout=10)


def test_results_arrive_on_the_ui_thread(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    ui_thread = threading.get_ident()
    seen: list[tuple[int, int]] = []
    runner.run_db(threading.get_ident, on_done=lambda worker: seen.append((worker, threading.get_ident())))
    runner.run_net(threading.get_ident, on_done=lambda worker: seen.append((worker, threading.get_ident())))
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
        runner.run_net(boom)
    assert "disk says no" in blocker.args[0]


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
