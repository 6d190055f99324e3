"""Python's cyclic garbage collection, run on the UI thread only.

Why: the collector runs on whichever thread happens to allocate when a threshold is crossed — often a worker here.
If that pass frees a cycle holding a QObject (a model with its timers, a dialog and its lambdas), Qt objects are
deleted on the wrong thread; their timers stay registered with the UI thread and the next tick crashes the process
(seen in this project: a segfault in QTimerInfoList::activateTimers). So automatic collection is switched off and
this object collects from a UI-thread timer, following the same generation thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 500


class UiThreadGarbageCollector(QObject):
    """Disables automatic gc while alive; collects on the UI thread when a generation's threshold is crossed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self, interval=CHECK_MS)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        if counts[0] <= self._threshold[0]:
            return
        generation = 0
        if counts[1] > self._threshold[1]:
            generation = 1
            if counts[2] > self._threshold[2]:
                generation = 2
        gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
