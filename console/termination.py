"""SIGTERM and SIGINT close the window the way the operator's close does, so a console stopped by the session
(logout, shutdown), a service manager or Ctrl-C in a terminal commits what is queued and closes its store, instead of
dying on the spot with Python's default handling.

Why a wakeup socket: Python runs a signal handler only when the main thread next executes Python code, and the Qt
event loop may sit in C++ for a long time. ``signal.set_wakeup_fd`` writes a byte to a socket the event loop watches,
so the handler runs at once.
"""

from __future__ import annotations

import logging
import signal
import socket
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class CloseOnTermination(QObject):
    """Closes ``window`` when the process gets SIGTERM or SIGINT (install on the main thread, before ``exec``)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        for signum in SIGNALS:
            signal.signal(signum, self._on_signal)

    def _drain(self) -> None:
        # Only wakes the event loop: Python has run the handler before this slot's first line.
        try:
            self._reader.recv(64)
        except OSError:
            pass

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("%s: closing the window", signal.Signals(signum).name)
        QTimer.singleShot(0, self._window.close)
