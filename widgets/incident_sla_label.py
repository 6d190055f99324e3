"""A label that counts down to an SLA target once a second: red once breached, grey while the clock is paused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from widgets.incident_rows import sla_band, sla_remaining, sla_text
from widgets.staggered_timer import StaggeredTimer

BAND_STYLES = {
    "breached": "color: rgb(200, 0, 0); font-weight: bold;",
    "warning": "color: rgb(190, 110, 0);",
    "paused": "color: rgb(128, 128, 128);",
    "ok": "",
    "none": "",
}


class SlaCountdownLabel(QLabel):
    """Shows the time left to ``target_at`` from the clock; the timer runs only while a running target is shown.

    ``band`` (and the Qt property ``slaBand``) is ok | warning | breached | paused | none.
    """

    def __init__(self, parent: QWidget | None, *, clock: Callable[[], datetime]) -> None:
        super().__init__(parent)
        self._clock = clock
        self._target: datetime | None = None
        self._paused = False
        self._frozen_s: float | None = None
        self.band = "none"
        self.timer = StaggeredTimer(self, 1000)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.timer.timeout.connect(self.refresh)
        self.refresh()

    def set_target(self, target_at: datetime | None, *, paused: bool = False, remaining_s: float | None = None) -> None:
        """Count down to ``target_at``; when paused, show ``remaining_s`` frozen (the clock does not run)."""
        self._target = target_at
        self._paused = paused
        self._frozen_s = remaining_s if paused else None
        if target_at is not None and not paused:
            self.timer.start()
        else:
            self.timer.stop()
        self.refresh()

    def refresh(self) -> None:
        """Recompute the text and colour from the clock."""
        if self._target is None and not self._paused:
            remaining = None
        else:
            remaining = sla_remaining(self._target, self._clock(), paused=self._paused,
                                      frozen_remaining_s=self._frozen_s)
        band = sla_band(remaining, paused=self._paused)
        self.setText(sla_text(remaining, paused=self._paused))
        if band != self.band:
            self.band = band
            self.setProperty("slaBand", band)
            self.setStyleSheet(BAND_STYLES[band])
