"""The status bar's message line, which keeps what it said.

One line shows the newest message; a message that arrives a moment later (an SLA escalation from a timer) would
otherwise wipe one the operator had not read yet. The line keeps the recent messages with their Bangkok times and
lists them, newest first, in its tooltip. A message longer than the line ends in "…" rather than being cut off
mid-word; the tooltip has it whole.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from widgets.display_format import format_datetime, plain_tooltip
from widgets.i18n import current_language

KEPT = 30
"""Messages kept for the tooltip: a bad night's worth of notices without growing without end."""


class ActivityLine(QLabel):
    """Shows the newest message; ``recent()`` and the tooltip hold the ones before it."""

    def __init__(self, parent: QWidget | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(parent)
        self._clock = clock
        self._said: deque[tuple[datetime, str]] = deque(maxlen=KEPT)
        self.setTextFormat(Qt.TextFormat.PlainText)
        # The status bar gives the line what the role, mode and connection leave; a long message never takes theirs.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def say(self, message: str) -> None:
        """Show ``message`` now and keep it; the same message said again is kept once, with its newer time."""
        if self._said and self._said[-1][1] == message:
            self._said.pop()
        self._said.append((self._clock(), message))
        self.setText(message)
        self._show_recent()

    def recent(self) -> list[str]:
        """The kept messages, newest first."""
        return [message for _when, message in reversed(self._said)]

    def shown_text(self) -> str:
        """The message as it fits the line now: whole, or cut with "…"."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)  # takes the line's font and text colour
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())

    def retranslate(self) -> None:
        """Dates in the tooltip follow the language (Buddhist Era in Thai); the messages stay as they were said."""
        self._show_recent()

    def _show_recent(self) -> None:
        language = current_language()
        lines = [f"{format_datetime(when, language, seconds=True)}  {message}"
                 for when, message in reversed(self._said)]
        self.setToolTip(plain_tooltip("\n".join(lines)))
