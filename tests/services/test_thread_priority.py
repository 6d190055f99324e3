"""Background threads run below the UI thread: a thread lowers itself and what it creates, the sweep lowers every
other thread and child process, and the UI thread is never touched. (Linux: the ``ui_nice`` fixture skips
elsewhere.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from services import thread_priority
from services.daemon_pool import DaemonThreadPool
from services.thread_priority import BACKGROUND_NICE, lower_other_threads, lower_this_thread, thread_nice


def _in_thread(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` on a new thread made by this one (so at this one's priority); its result."""
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join(10)
    return out[0]


def test_a_thread_that_lowers_itself_and_the_threads_it_makes_run_below_the_ui_thread(ui_nice: int) -> None:
    def worker() -> tuple[int | None, int | None]:
        lower_this_thread()
        own = thread_nice(threading.get_native_id())
        return own, _in_thread(lambda: thread_nice(threading.get_native_id()))

    assert _in_thread(worker) == (BACKGROUND_NICE, BACKGROUND_NICE)
    assert _in_thread(lambda: thread_nice(threading.get_native_id())) == ui_nice  # a new thread of ours: untouched
    assert thread_nice(threading.get_native_id()) == ui_nice


def test_the_sweep_lowers_every_other_thread_and_helper_process_but_keeps_the_ui_thread(ui_nice: int) -> None:
    release = threading.Event()
    started = threading.Event()
    ids: list[int] = []

    def waiting() -> None:
        ids.append(threading.get_native_id())
        started.set()
        release.wait(10)

    thread = threading.Thread(target=waiting, daemon=True)
    thread.start()
    started.wait(10)
    # A helper with a thread of its own and a child (QtWebEngine's zygote starts the renderers), and a child that is
    # no helper (a program the operator opened).
    script = ("import subprocess, sys, threading; t = threading.Thread(target=sys.stdin.read); t.start();"
              " c = subprocess.Popen(['cat'], stdin=subprocess.PIPE); print(c.pid, flush=True); t.join();"
              " c.stdin.close(); c.wait()")
    helper = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    other = subprocess.Popen(["cat"], stdin=subprocess.PIPE)
    try:
        assert helper.stdout is not None
        grandchild = int(helper.stdout.readline())
        assert Path(f"/proc/{helper.pid}/comm").read_text().startswith("python")
        assert {thread_nice(ids[0]), thread_nice(helper.pid), thread_nice(grandchild)} == {ui_nice}
        assert lower_other_threads(keep=threading.get_native_id(), helpers=("python",)) >= 4
        assert thread_nice(ids[0]) == BACKGROUND_NICE
        helper_threads = [int(tid) for tid in os.listdir(f"/proc/{helper.pid}/task")]
        assert len(helper_threads) >= 2
        assert {thread_nice(tid) for tid in helper_threads} == {BACKGROUND_NICE}
        assert thread_nice(grandchild) == BACKGROUND_NICE
        assert thread_nice(other.pid) == ui_nice  # not a helper: left alone
        assert thread_nice(threading.get_native_id()) == ui_nice  # kept
        # Nothing left to lower, nothing raised.
        assert lower_other_threads(keep=threading.get_native_id(), helpers=("python",)) == 0
    finally:
        release.set()
        helper.communicate("", timeout=10)
        other.communicate(b"", timeout=10)
    assert helper.returncode == 0


def test_a_daemon_pool_worker_runs_at_the_background_priority(ui_nice: int) -> None:
    pool = DaemonThreadPool("priority-test", 2)
    try:
        nices = [pool.submit(lambda: thread_nice(threading.get_native_id())).result(10) for _ in range(3)]
    finally:
        pool.close()
    assert nices == [BACKGROUND_NICE] * 3
    assert thread_nice(threading.get_native_id()) == ui_nice


def test_where_threads_have_no_priority_of_their_own_nothing_is_changed(monkeypatch, ui_nice: int) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "platform", "win32")
    assert not thread_priority.supported()
    assert thread_nice(threading.get_native_id()) is None
    assert lower_other_threads(keep=threading.get_native_id()) == 0

    def worker() -> int:
        lower_this_thread()
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert _in_thread(worker) == ui_nice
