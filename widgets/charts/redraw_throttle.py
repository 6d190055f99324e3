"""At most a few redraws a second, however often new data arrives.

New data is drawn at once when the last drawing is older than the interval, otherwise when the interval is up, and
then only the latest data (what came between is never drawn). The sync can store a feed's pages in quick
succession; the chart draws the last of them, four times a second at most.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

REDRAW_INTERVAL_MS = 250  # at most four redraws a second


class RedrawThrottle(QObject):
    """Calls ``draw(*payload)`` with the latest payload, at most once per ``interval_ms``."""

    def __init__(self, parent: QObject, draw: Callable[..., None], interval_ms: int = REDRAW_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._draw = draw
        self._interval_ms = interval_ms
        self._pending: tuple[Any, ...] | None = None
        self._since = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def submit(self, *payload: Any) -> None:
        """New data: drawn now if the last drawing is old enough, else when the interval is up."""
        self._pending = payload
        if self._timer.isActive():
            return
        elapsed = self._since.elapsed() if self._since.isValid() else self._interval_ms
        if elapsed >= self._interval_ms:
            self.flush()
        else:
            self._timer.start(int(self._interval_ms - elapsed))

    def flush(self) -> None:
        """Draw the waiting data now (nothing when none waits)."""
        self._timer.stop()
        if self._pending is None:
            return
        payload, self._pending = self._pending, None
        self._since.start()
        self._draw(*payload)

    def pending(self) -> bool:
        return self._pending is not None
