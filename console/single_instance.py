"""One console per data directory.

Two consoles on one data directory would drain the same outbox and write the same window layout. The first start
holds a lock file in the data directory (QLockFile: it records the process id, and a lock whose process is gone —
after a crash or kill -9 — is taken over) and listens on a local socket named after the directory. A second start
finds the lock held, says which process holds it, and can ask that console to bring its window forward.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

from services.paths import DataPaths

if TYPE_CHECKING:  # QtNetwork loads after the window is shown (start-up time)
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

RAISE_REQUEST = b"raise\n"
CONNECT_TIMEOUT_MS = 2000  # a local socket; the holder answers within its next event-loop turn


@dataclass(frozen=True, slots=True)
class Holder:
    """The console holding a data directory."""

    pid: int
    hostname: str


def server_name(paths: DataPaths) -> str:
    """A local socket name per data directory (short: socket paths are limited to about 100 bytes)."""
    digest = hashlib.sha256(str(paths.root).encode("utf-8")).hexdigest()[:20]
    return f"pao-console-{digest}"


class SingleInstance(QObject):
    """Holds the data directory for this process; ``sig_raise_requested`` when another start asks for the window."""

    sig_raise_requested = Signal()
    """Another start on this data directory asked to bring this console's window forward."""

    def __init__(self, paths: DataPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._paths = paths
        self._lock = QLockFile(str(paths.lock_file))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never because it is old
        self._server: QLocalServer | None = None

    def acquire(self) -> Holder | None:
        """Take the data directory; returns None on success, else the console holding it. Call :meth:`listen` once
        the window is up."""
        if self._lock.tryLock(0):
            return None
        holder = self._holder()
        if holder is None:
            # The lock file is being written by a start at this very moment, or is unreadable: one more try.
            if self._lock.tryLock(200):
                return None
            holder = self._holder()
        return holder or Holder(0, "")

    def _holder(self) -> Holder | None:
        info = self._lock.getLockInfo()  # PySide6: (pid, hostname, appname); empty or None when unreadable
        if not info or len(info) < 2 or not info[0]:
            return None
        return Holder(int(info[0]), str(info[1]))

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()

    def listen(self) -> None:
        """Answer other starts on this data directory (after acquire succeeded)."""
        from PySide6.QtNetwork import QLocalServer

        name = server_name(self._paths)
        QLocalServer.removeServer(name)  # a socket left by a crashed holder; we hold the lock, so it is not live
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this user's processes only
        if not server.listen(name):
            log.warning("cannot listen for other starts on %s: %s", name, server.errorString())
            return
        server.newConnection.connect(self._on_connection)
        self._server = server
        log.info("data directory %s held by this console", self._paths.root)

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_request(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_request(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(RAISE_REQUEST.strip()):
            log.info("another start on this data directory asked for the window")
            self.sig_raise_requested.emit()
        socket.disconnectFromServer()


def ask_holder_to_raise(paths: DataPaths) -> bool:
    """From a second start: ask the console holding ``paths`` to bring its window forward. True when it was asked.
    Waits at most about two seconds (at start-up, before this process shows any window)."""
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(server_name(paths))
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(RAISE_REQUEST)
    sent = socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return sent
