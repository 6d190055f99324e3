"""Status-bar indicator: online / degraded / offline, the local edits waiting or being synced (N of M), open
conflicts, and the time of the last success."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from widgets.display_format import format_datetime, plain_tooltip
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
        self._pending = self._conflicts = self._refused = 0
        self._progress = (0, 0)
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

    def set_edits(self, pending: int, conflicts: int, refused: int) -> None:
        """Local edits not yet on the server, open conflicts, and edits the server refused for good."""
        self._pending, self._conflicts, self._refused = pending, conflicts, refused
        self._render()

    def set_progress(self, done: int, total: int) -> None:
        """The outbox is sending edit ``done`` of ``total``; (0, 0) when it is not sending."""
        self._progress = (done, total)
        self._render()

    @property
    def edits_text(self) -> str:
        """The edits part of the text (tests and the tooltip read it)."""
        parts = []
        done, total = self._progress
        if total and self._state != "offline":  # offline, a send is only a probe: the edits are still waiting
            parts.append(t(f"กำลังซิงก์การแก้ไข {done} จาก {total}", f"syncing edits {done} of {total}"))
        elif self._pending:
            parts.append(t(f"รอส่ง {self._pending} รายการ", f"{self._pending} edits waiting"))
        if self._conflicts:
            parts.append(t(f"ขัดแย้ง {self._conflicts}", f"{self._conflicts} conflicts"))
        if self._refused:
            parts.append(t(f"ถูกปฏิเสธ {self._refused}", f"{self._refused} refused"))
        return " · ".join(parts)

    def retranslate(self) -> None:
        self._render()

    def _render(self) -> None:
        colour, (th, en) = _STYLES[self._state]
        text = t(th, en)
        if self.edits_text:
            text += " · " + self.edits_text
        if self._syncing:
            text += t(f" · กำลังดึงข้อมูล {self._syncing} แหล่ง", f" · updating {self._syncing} feeds")
        if self._last_success is not None:
            text += t(" · ล่าสุด ", " · last ") + format_datetime(self._last_success, current_language())
        self.setText(f"● {text}")
        style = f"QLabel {{ color: {colour}; font-weight: bold; padding: 0 6px; }}"
        if style != self.styleSheet():  # re-polishing on every edit synced would cost the UI thread for nothing
            self.setStyleSheet(style)
        failing = t("แหล่งที่ขัดข้อง: ", "Failing feeds: ") + ", ".join(self._failing) if self._failing else ""
        self.setToolTip(plain_tooltip(failing))
