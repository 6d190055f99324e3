"""Telling the operator of a new critical alert when their eyes are elsewhere: a sound, a desktop notification
(through the system tray where the desktop has one), the taskbar asking for attention, and a line in the status bar.

Each alert is told once: a later pass that finds it still open, or the list read again, does not sound again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMainWindow, QStyle, QSystemTrayIcon

from widgets.i18n import t

if TYPE_CHECKING:
    from services.alerts.model import AlertView

NOTIFY_MS = 15_000  # how long the desktop shows the notification
MAX_TOLD = 10_000  # ids remembered as told (a long shift's worth)


def _title_and_text(alerts: Sequence[AlertView]) -> tuple[str, str]:
    first = alerts[0]
    name = t(first.rule_name_th, first.rule_name_en)
    where = t(first.scope_name_th, first.scope_name_en)
    message = t(first.message_th, first.message_en)
    if len(alerts) == 1:
        return t(f"แจ้งเตือนวิกฤต: {name}", f"Critical alert: {name}"), f"{where} — {message}"
    more = len(alerts) - 1
    return (t(f"แจ้งเตือนวิกฤตใหม่ {len(alerts)} รายการ", f"{len(alerts)} new critical alerts"),
            t(f"{name} · {where} และอีก {more} รายการ", f"{name} · {where} and {more} more"))


class AlertNotifier(QObject):
    """Sounds and notifies for new critical alerts (see the module)."""

    sig_activated = Signal(int)
    """The operator clicked the notification: show this alert."""
    sig_told = Signal(str, str)
    """A notification went out: (title, text), also shown in the status bar."""

    def __init__(self, window: QMainWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._told: set[int] = set()
        self._last: int | None = None
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.windowIcon()
            if icon.isNull():
                icon = QIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.messageClicked.connect(self._clicked)
            self._tray.activated.connect(lambda _reason: self._clicked())
            self._tray.show()
        self.retranslate()

    @property
    def has_tray(self) -> bool:
        return self._tray is not None

    def notify(self, alerts: Sequence[AlertView]) -> list[int]:
        """Tell the operator of those of ``alerts`` not told yet; returns their ids (empty: nothing sounded)."""
        new = [a for a in alerts if a.id not in self._told]
        if not new:
            return []
        if len(self._told) > MAX_TOLD:
            self._told.clear()
        self._told.update(a.id for a in new)
        self._last = new[0].id
        title, text = _title_and_text(new)
        QApplication.beep()
        QApplication.alert(self._window)  # the taskbar entry asks for attention until the window is activated
        if self._tray is not None:
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Critical, NOTIFY_MS)
        self.sig_told.emit(title, text)
        return [a.id for a in new]

    def _clicked(self) -> None:
        self._window.showNormal() if self._window.isMinimized() else self._window.show()
        self._window.raise_()
        self._window.activateWindow()
        if self._last is not None:
            self.sig_activated.emit(self._last)

    def retranslate(self) -> None:
        if self._tray is not None:
            self._tray.setToolTip(t("คอนโซลปฏิบัติการ อบจ.เชียงใหม่", "Chiang Mai PAO operations console"))
