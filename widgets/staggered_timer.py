"""A repeating timer for the window's clock-driven work (ages, following charts, the minute's checks) that does not
fire in the same instant as the others.

Qt's default (coarse) timers of a second or more are rounded to whole seconds of the monotonic clock, so the
dozen started with the window fired together: every 30 seconds the situation tables' ages, four charts sliding to
now, the alerts' ages and the outbox's idle check ran in one go, and the window froze for 60-130 ms (twice the
three-frame budget) while the operator worked. Each of these timers is precise instead, and its first tick waits a
phase that differs from the timers made before it, so their work comes in separate frames.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

from PySide6.QtCore import QObject, Qt, QTimer

PHASE_STEP_MS = 137  # between phases: more than a busy frame, and prime, so phases of different intervals differ
PHASE_SPAN_MS = 2000  # all phases of long timers within two seconds: ticks of 30 s or more come no later than that


class StaggeredTimer(QTimer):
    """A precise repeating ``QTimer`` whose ``start()`` (again, as QTimer's, when running) waits its phase, then
    ticks every interval. ``start(msec)`` starts at once with that interval, like QTimer's."""

    _made: ClassVar[itertools.count[int]] = itertools.count()

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer of >= 1 s is put on the whole second again
        self.setInterval(interval_ms)
        self._slot = next(StaggeredTimer._made)
        self._phase_timer = QTimer(self)
        self._phase_timer.setSingleShot(True)
        self._phase_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._phase_timer.timeout.connect(self._begin)

    @property
    def phase_ms(self) -> int:
        """How long after ``start()`` the first tick's schedule begins (shorter than the interval)."""
        return (self._slot * PHASE_STEP_MS) % max(1, min(self.interval(), PHASE_SPAN_MS))

    def start(self, msec: int | None = None) -> None:  # type: ignore[override]
        if msec is not None:
            self._phase_timer.stop()
            super().start(msec)
            return
        super().stop()  # as QTimer's: start() on a running timer starts it again
        self._phase_timer.stop()
        if self.phase_ms == 0:
            super().start()
        else:
            self._phase_timer.start(self.phase_ms)

    def stop(self) -> None:
        self._phase_timer.stop()
        super().stop()

    def isActive(self) -> bool:
        return super().isActive() or self._phase_timer.isActive()

    def _begin(self) -> None:
        super().start()
