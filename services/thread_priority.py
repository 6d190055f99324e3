"""Background threads run at a lower scheduling priority than the UI thread (Linux; elsewhere these are no-ops).

Why: on a 2-core workstation the UI thread competes for the cores with the database worker, the network lanes, the
embedded simulator's request threads, QtWebEngine's compositor thread and its renderer process. The operator's stalls
were the UI thread ready to run, or ready to take the interpreter lock, while those had the cores
(ui_stall_during_sync, traced with perf). With every thread but the UI thread at nice 10, the full run's longest
stall went from a median of 32 ms to 24 ms, and with another process busy on one core from 26-55 ms to 20-24 ms (the
README's performance notes). The background work loses nothing measurable: it waits on SQLite, sockets and the
interpreter lock, and a lower priority only matters while the cores are all busy.

On Linux, nice is a property of each thread (``setpriority`` takes a thread id) and a new thread inherits its
creator's. So our own threads lower themselves as they start (:func:`lower_this_thread`), and whatever they create
inherits it (the simulator's request threads). Threads others create from the UI thread (Qt's, QtWebEngine's) and
QtWebEngine's helper processes are lowered by a sweep (:func:`lower_other_threads`) the console runs now and then.

Nothing here raises a priority (that needs privileges): a thread already at or below the background priority is left.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10  # half-way to the lowest (19): the UI thread wins the cores, and background work still runs
_PROC = Path("/proc")


def supported() -> bool:
    """True where a thread's priority can be set on its own (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "setpriority")


def thread_nice(native_id: int) -> int | None:
    """A thread's (or process's) nice value; None where unsupported or when it has ended."""
    if not supported():
        return None
    try:
        return os.getpriority(os.PRIO_PROCESS, native_id)
    except OSError:
        return None


def _lower(native_id: int) -> bool:
    """Lower one thread to the background priority; True when it was higher before."""
    try:
        if os.getpriority(os.PRIO_PROCESS, native_id) >= BACKGROUND_NICE:
            return False
        os.setpriority(os.PRIO_PROCESS, native_id, BACKGROUND_NICE)
        return True
    except OSError:  # it ended meanwhile, or is not ours to change
        return False


def lower_this_thread() -> None:
    """Run the calling thread, and every thread it creates from now on, at the background priority."""
    if supported():
        _lower(threading.get_native_id())


def _tasks(pid: int) -> list[int]:
    try:
        return [int(entry.name) for entry in (_PROC / str(pid) / "task").iterdir() if entry.name.isdigit()]
    except OSError:  # the process ended
        return []


def _children(pid: int, tasks: Iterable[int]) -> set[int]:
    """The child processes of ``pid`` (``/proc/PID/task/TID/children``: one file per thread that forked)."""
    found: set[int] = set()
    for tid in tasks:
        try:
            text = (_PROC / str(pid) / "task" / str(tid) / "children").read_text()
        except OSError:  # the thread ended, or the kernel was built without the file
            continue
        found.update(int(word) for word in text.split())
    return found


def _name(pid: int) -> str:
    try:
        return (_PROC / str(pid) / "comm").read_text().strip()
    except OSError:  # the process ended
        return ""


def lower_other_threads(keep: int, helpers: tuple[str, ...] = ()) -> int:
    """Lower every thread of this process except ``keep`` (the UI thread's native id), and every thread of each
    helper process: a child whose name starts with one of ``helpers`` (QtWebEngine's are ``QtWebEngineProc``, the
    kernel's 15 characters), and the children of those (its zygote's renderers). Other children (a program the
    operator opened from the console) keep their priority. Returns how many threads were lowered; 0 where
    unsupported."""
    if not supported():
        return 0
    lowered = 0
    pid = os.getpid()
    pending, seen = [pid], {pid}
    while pending:
        current = pending.pop()
        tasks = _tasks(current)
        for tid in tasks:
            if tid != keep and _lower(tid):
                lowered += 1
        for child in _children(current, tasks) - seen:
            seen.add(child)
            if current != pid or _name(child).startswith(helpers):
                pending.append(child)
    if lowered:
        log.debug("lowered %d background threads to nice %d", lowered, BACKGROUND_NICE)
    return lowered
