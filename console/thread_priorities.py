"""Keeps the threads the console did not make itself (Qt's, QtWebEngine's compositor, its renderer and GPU
processes) at the background priority, below the UI thread (:mod:`services.thread_priority` says why).

Our own workers lower themselves as they start. The others are created by Qt from the UI thread, or by Chromium in
its own processes, so they are swept: at start, when the map page is up (its renderer has just started), and every
30 seconds, which catches a renderer restarted after a crash. The sweep reads ``/proc`` and runs on the control lane.
Other programs started from the console (none today) would keep their priority: only QtWebEngine's are helpers.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject

from console.task_runner import TaskRunner
from services.thread_priority import lower_other_threads
from widgets.staggered_timer import StaggeredTimer

log = logging.getLogger(__name__)

SWEEP_INTERVAL_MS = 30_000
HELPERS = ("QtWebEngineProc",)  # QtWebEngineProcess, as the kernel names it (15 characters)


class BackgroundPriority(QObject):
    """Sweeps every thread but the UI thread down to the background priority, now and then."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        """Made on the UI thread: the thread it keeps as it is."""
        super().__init__(parent)
        self._runner = runner
        self.ui_thread = threading.get_native_id()
        self._timer = StaggeredTimer(self, SWEEP_INTERVAL_MS)
        self._timer.timeout.connect(self.sweep)
        self._stopped = False

    def start(self) -> None:
        self.sweep()
        self._timer.start()

    def stop(self) -> None:
        """No more sweeps (at shutdown, before the task runner closes)."""
        self._stopped = True
        self._timer.stop()

    def sweep(self) -> None:
        if self._stopped:
            return
        self._runner.run_net(lower_other_threads, self.ui_thread, HELPERS, lane="control", key="thread-priority",
                             on_error=lambda exc: log.warning("could not lower background threads: %s", exc))
