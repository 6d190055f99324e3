"""Status-bar indicator: online / degraded / offline / syncing, with the time of the last success."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from widgets.display_format import format_datetime
from widgets.i18n import current_language, t

_STYLES = {
    "online": ("#1b7f3b", ("ออนไลน์", "Online")),
    "degraded": ("#b36b00", ("บางแหล่งขัดข้อง", "Degraded")),
    "offline": ("#b00020", ("ออฟไลน์", "Offline")),
    "unknown": ("#666666", ("กำลังเชื่อมต่อ…", "Connecting…")),
}


class ConnectionIndicator(QLabel):
    """A coloured dot and a word; the tooltip lists failing feeds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionIndicator")
        self.setTextFormat(Qt.TextFormat.PlainText)  # feed names and errors never render as rich text
        self._state = "unknown"
        self._syncing = 0
        self._last_success: datetime | None = None
        self._failing: tuple[str, ...] = ()
        self._render()

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str, *, failing: tuple[str, ...] = (), syncing: int = 0,
                  last_success: datetime | None = None) -> None:
        self._state = state if state in _STYLES else "unknown"
        self._failing, self._syncing = failing, syncing
        self._last_success = last_success or self._last_success
        self._render()

    def retranslate(self) -> None:
        self._render()

    def _render(self) -> None:
        colour, (th, en) = _STYLES[self._state]
        text = t(th, en)
        if self._syncing:
            text += t(f" · กำลังซิงก์ {self._syncing}", f" · syncing {self._syncing}")
        if self._last_success is not None:
            text += t(" · ล่าสุด ", " · last ") + format_datetime(self._last_success, current_language())
        self.setText(f"● {text}")
        self.setStyleSheet(f"QLabel {{ color: {colour}; font-weight: bold; padding: 0 6px; }}")
        self.setToolTip(t("แหล่งที่ขัดข้อง: ", "Failing feeds: ") + ", ".join(self._failing) if self._failing else "")
