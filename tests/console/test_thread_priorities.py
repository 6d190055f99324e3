"""The console keeps every thread but the UI thread at the background priority: its own workers, the embedded
simulator's threads, and QtWebEngine's threads and processes, which it sweeps."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from console.controller import ConsoleController
from console.task_runner import TaskRunner
from console.thread_priorities import BackgroundPriority
from services.thread_priority import BACKGROUND_NICE, thread_nice


def _descendants(pid: int) -> list[int]:
    """Every process started by ``pid`` and by those, from ``/proc/PID/task/TID/children``."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").iterdir():
            try:
                children = [int(w) for w in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            pending += children
    return found


def _threads(pid: int) -> list[int]:
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_the_task_runners_workers_run_below_the_ui_thread(qtbot, ui_nice: int) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    seen: list[int | None] = []
    try:
        runner.run_db(lambda: thread_nice(threading.get_native_id()), on_done=seen.append)
        for lane in ("control", "backend", "tiles", "feed:air4thai"):
            runner.run_net(lambda: thread_nice(threading.get_native_id()), lane=lane, on_done=seen.append)
        qtbot.waitUntil(lambda: len(seen) == 5, timeout=5000)
    finally:
        assert runner.shutdown(timeout=10)
    assert seen == [BACKGROUND_NICE] * 5
    assert thread_nice(threading.get_native_id()) == ui_nice


def test_the_sweep_lowers_threads_made_from_the_ui_thread_and_leaves_other_programs(qtbot, ui_nice: int) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    priority = BackgroundPriority(runner)
    release = threading.Event()
    ids: list[int] = []
    thread = threading.Thread(target=lambda: (ids.append(threading.get_native_id()), release.wait(10)), daemon=True)
    thread.start()  # made by the UI thread: at its priority
    child = subprocess.Popen(["cat"], stdin=subprocess.PIPE)  # a program the operator opened: not QtWebEngine's
    try:
        qtbot.waitUntil(lambda: bool(ids), timeout=5000)
        assert thread_nice(ids[0]) == ui_nice
        priority.start()
        qtbot.waitUntil(lambda: thread_nice(ids[0]) == BACKGROUND_NICE, timeout=5000)
        assert thread_nice(threading.get_native_id()) == ui_nice
        assert thread_nice(child.pid) == ui_nice
    finally:
        priority.stop()
        release.set()
        child.communicate(b"", timeout=10)
        assert runner.shutdown(timeout=10)


def test_the_running_console_keeps_only_the_ui_thread_at_its_priority(qtbot, console_factory, ui_nice: int) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()  # demo: the embedded simulator, started on the control lane
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    ours = os.getpid()

    def web_engine_threads() -> list[int]:
        return [tid for pid in _descendants(ours) if _comm(pid).startswith("QtWebEngine") for tid in _threads(pid)]

    # The map page's renderer and its other processes, swept once the page is up.
    qtbot.waitUntil(lambda: bool(web_engine_threads())
                    and {thread_nice(tid) for tid in web_engine_threads()} <= {BACKGROUND_NICE, None}, timeout=10_000)
    workers = [t for t in threading.enumerate() if t.name.startswith(("db_", "net-", "simulator-"))]
    assert {t.name.split("-")[0].split("_")[0] for t in workers} >= {"db", "net", "simulator"}
    assert {t.name: thread_nice(t.native_id) for t in workers if t.native_id is not None} \
        == {t.name: BACKGROUND_NICE for t in workers if t.native_id is not None}
    assert thread_nice(threading.get_native_id()) == ui_nice
