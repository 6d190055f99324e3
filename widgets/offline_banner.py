"""The offline banner: a row across the top of the window while the backend cannot be reached, saying so and how
old the data on screen is (Asia/Bangkok; Buddhist-Era year in Thai). Hidden while online.

It is a fixed toolbar of its own row (not movable, not floatable, not in the toolbar menu) so it spans the window
above the docks and the map. A restored window layout may carry its visibility from an earlier run: the console calls
:meth:`OfflineBanner.apply` after restoring, so the banner shows exactly when the console is offline now.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar, QWidget

from widgets.display_format import format_datetime, plain_tooltip
from widgets.i18n import current_language, t

BACKGROUND = "#8c1d18"  # with white text: 8.9:1
TEXT = "#ffffff"


class OfflineBanner(QToolBar):
    """``set_offline(True, data_from)`` shows it; ``set_offline(False)`` hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._offline = False
        self._data_from: datetime | None = None
        self.label = QLabel(self)

        self.setObjectName("offlineBanner")
        self.setMovable(False)
        self.setFloatable(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.toggleViewAction().setVisible(False)  # not something to switch off: it goes when the console is online
        self.label.setObjectName("offlineBannerText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        # One line: a wrapped label in a toolbar row takes the height of its narrowest guess. Its text never sets the
        # window's width either (a small minimum): in a narrow window the end is cut off; the tooltip holds it all.
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setMinimumWidth(120)
        self.setStyleSheet(f"QToolBar#offlineBanner {{ background: {BACKGROUND}; border: none; padding: 2px 8px; }}"
                           f"QLabel#offlineBannerText {{ color: {TEXT}; font-weight: bold; }}")
        self.addWidget(self.label)
        self.setVisible(False)

    @property
    def offline(self) -> bool:
        return self._offline

    @property
    def data_from(self) -> datetime | None:
        return self._data_from

    def set_offline(self, offline: bool, data_from: datetime | None = None) -> None:
        """Offline or not; ``data_from`` is the time of the newest data the console holds (UTC)."""
        self._offline = offline
        self._data_from = data_from if offline else None
        self._render()
        self.apply()

    def apply(self) -> None:
        """Show the banner exactly when offline (after a saved layout was restored, say)."""
        if self.isHidden() == self._offline:  # hidden while offline, or shown while online
            self.setVisible(self._offline)

    def retranslate(self) -> None:
        self._render()

    def _render(self) -> None:
        if not self._offline:
            self.label.clear()
            self.label.setToolTip("")
            return
        if self._data_from is None:
            since = t("ยังไม่เคยได้รับข้อมูลจากแหล่งใดเลย", "no data has been received yet")
        else:
            when = format_datetime(self._data_from, current_language())
            since = t(f"ข้อมูลที่แสดงเป็นข้อมูลเมื่อ {when} น. (เวลาประเทศไทย)",
                      f"showing data from {when} (Bangkok time)")
        self.label.setText(text := t(
            f"⚠ ออฟไลน์: ติดต่อระบบหลักไม่ได้ — {since} · งานที่บันทึกจะเก็บไว้ในเครื่องและส่งเมื่อกลับมาออนไลน์",
            f"⚠ Offline: the backend cannot be reached — {since} · edits are kept on this computer and sent "
            f"when the console is back online"))
        self.label.setToolTip(plain_tooltip(text))
