"""Drains the outbox: one entry at a time, in order — read it (database worker), send it (network pool), record the
outcome (database worker). A failure to reach the backend stops the drain and retries with backoff; nothing is lost,
because the entry stays pending in the store until the server has it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.task_runner import TaskRunner

if TYPE_CHECKING:
    from services.incident_writer import IncidentWriter, WriteOutcome
    from services.store.store import Store

log = logging.getLogger(__name__)

RETRY_MIN_MS = 5_000
RETRY_MAX_MS = 120_000
IDLE_CHECK_MS = 30_000  # also drain now and then: edits saved while the backend was unreachable


def _record(store: Store, entry: Any, outcome: WriteOutcome) -> str:
    """Database worker: write the outcome of sending ``entry`` to the store; returns the outcome kind."""
    if outcome.kind in ("sent", "local"):
        store.outbox_mark_sent(entry.id, outcome.record)
    elif outcome.kind == "conflict":
        store.outbox_mark_conflict(entry.id, outcome.record, outcome.error or "conflict")
    elif outcome.kind == "rejected":
        store.outbox_mark_failed(entry.id, outcome.error or "rejected", retry=False)
    else:
        store.outbox_mark_failed(entry.id, outcome.error or "will retry", retry=True)
    return outcome.kind


class OutboxController(QObject):
    """Sends queued local edits with the acting role's token; reports progress for the status bar."""

    sig_entry_done = Signal(str)
    """One outbox entry finished: its outcome kind (sent, local, conflict, rejected, retry)."""

    sig_drained = Signal()
    """The outbox has nothing pending (or the drain stopped to retry later)."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Store | None = None
        self._writer: IncidentWriter | None = None
        self._running = False
        self._closed = False
        self._retry_ms = RETRY_MIN_MS
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.kick)
        self._idle = QTimer(self, interval=IDLE_CHECK_MS)
        self._idle.timeout.connect(self.kick)

    def start(self, store: Store, writer: IncidentWriter | None) -> None:
        self._store, self._writer = store, writer
        self._idle.start()
        self.kick()

    def set_writer(self, writer: IncidentWriter | None) -> None:
        old, self._writer = self._writer, writer
        if old is not None and old is not writer:
            self._runner.run_net(old.close)
        self.kick()

    @property
    def running(self) -> bool:
        return self._running

    def kick(self) -> None:
        """Drain now (no-op while a drain runs or no backend credentials are known: edits stay queued)."""
        if self._running or self._closed or self._store is None or self._writer is None:
            return
        self._running = True
        self._next()

    def _next(self) -> None:
        if self._closed or self._store is None:
            self._running = False
            return
        self._runner.run_db(self._store.outbox_pending, 1, on_done=self._got, on_error=self._stop_with_error)

    def _got(self, entries: list[Any]) -> None:
        if not entries or self._writer is None:
            self._running = False
            self._retry_ms = RETRY_MIN_MS
            self.sig_drained.emit()
            return
        entry, writer = entries[0], self._writer
        self._runner.run_net(writer.send, entry, on_done=lambda outcome: self._sent(entry, outcome),
                             on_error=self._stop_with_error)

    def _sent(self, entry: Any, outcome: WriteOutcome) -> None:
        assert self._store is not None
        self._runner.run_db(_record, self._store, entry, outcome,
                            on_done=lambda kind: self._recorded(kind), on_error=self._stop_with_error)

    def _recorded(self, kind: str) -> None:
        self.sig_entry_done.emit(kind)
        if kind == "retry":
            self._running = False
            self._timer.start(self._retry_ms)
            self._retry_ms = min(self._retry_ms * 2, RETRY_MAX_MS)
            self.sig_drained.emit()
            return
        self._retry_ms = RETRY_MIN_MS
        self._next()

    def _stop_with_error(self, exc: BaseException) -> None:
        log.error("outbox drain stopped: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
        self._running = False
        self._timer.start(self._retry_ms)

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._idle.stop()
        if self._writer is not None:
            self._writer.close()
