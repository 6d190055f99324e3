"""Python's cyclic garbage collection, run on the UI thread only.

Why: the collector runs on whichever thread happens to allocate when a threshold is crossed — often a worker here.
If that pass frees a cycle holding a QObject (a model with its timers, a dialog and its lambdas), Qt objects are
deleted on the wrong thread; their timers stay registered with the UI thread and the next tick crashes the process
(seen in this project: a segfault in QTimerInfoList::activateTimers). So automatic collection is switched off and
this object collects from a UI-thread timer, following the same generation thresholds.

A full collection walks every tracked object: about 140,000 once the console runs, 60–150 ms of UI thread. So once
start-up has settled (:meth:`settle`: the modules, widgets and caches that live as long as the process), those objects
are frozen out of later collections, and full collections come at most once a minute (CPython's own heuristic, which
skips most of them, is not available to a manual collector); in between, the older generations are collected.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

CHECK_MS = 500
FULL_COLLECTION_MIN_S = 60.0


class UiThreadGarbageCollector(QObject):
    """Disables automatic gc while alive; collects on the UI thread when a generation's threshold is crossed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._last_full = time.monotonic()
        self._settled = False
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
            if counts[2] > self._threshold[2] and time.monotonic() - self._last_full >= FULL_COLLECTION_MIN_S:
                generation = 2
        gc.collect(generation)
        if generation == 2:
            self._last_full = time.monotonic()

    def settle(self) -> None:
        """Start-up is done: collect once, then keep everything alive now out of later collections (gc.freeze)."""
        if self._settled:
            return
        self._settled = True
        started = time.perf_counter()
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()
        log.info("start-up settled: %d objects frozen out of garbage collection (%.0f ms)", gc.get_freeze_count(),
                 (time.perf_counter() - started) * 1000)

    def stop(self) -> None:
        self._timer.stop()
        gc.unfreeze()
        gc.enable()
