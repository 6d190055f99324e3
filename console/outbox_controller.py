"""Drives the Qt-free outbox drain (services.outbox_drain) from the UI thread: one entry at a time, in order — take
it (database worker), send it (network lane ``backend``), record the outcome (database worker). What happens after
each entry, and how long a stopped drain waits, is :class:`services.outbox_drain.DrainBackoff`'s decision; this
object keeps only the timers, the signals and the task submission."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.task_runner import TaskRunner
from services import outbox_drain
from services.outbox_drain import DrainBackoff, NextEntry
from widgets.staggered_timer import StaggeredTimer

if TYPE_CHECKING:
    from services.incident_writer import IncidentWriter, WriteOutcome
    from services.store.store import Store

log = logging.getLogger(__name__)

IDLE_CHECK_MS = 30_000  # also drain now and then: edits saved while the backend was unreachable


class OutboxController(QObject):
    """Sends queued local edits with the acting role's token; reports progress for the status bar."""

    sig_entry_done = Signal(str)
    """One outbox entry finished: its outcome kind (sent, local, merged, conflict, rejected, retry)."""

    sig_drained = Signal()
    """The outbox has nothing pending (or the drain stopped to retry later)."""

    sig_counts_changed = Signal(int, int, int)
    """Edits waiting to be sent, open conflicts, and edits the server refused for good (pending, conflict, failed)."""

    sig_progress = Signal(int, int)
    """The drain is sending edit N of M (M grows when edits are made meanwhile); (0, 0) when it is not sending."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Store | None = None
        self._writer: IncidentWriter | None = None
        self._role: str | None = None  # the acting role, for the merge's workflow check (None: state rules only)
        self._running = False
        self._closed = False
        self._backoff = DrainBackoff()
        self._done_in_run = 0  # entries finished since this drain started, for "N of M"
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.kick)
        self._idle = StaggeredTimer(self, IDLE_CHECK_MS)
        self._idle.timeout.connect(self.kick)

    def start(self, store: Store, writer: IncidentWriter | None) -> None:
        self._store, self._writer = store, writer
        self._idle.start()
        self.refresh_counts()
        self.kick()

    def set_writer(self, writer: IncidentWriter | None) -> None:
        old, self._writer = self._writer, writer
        if old is not None and old is not writer:
            self._runner.run_net(old.close, lane="control")
        self.kick()

    def set_role(self, role: str | None) -> None:
        """The acting role whose token the writer uses: a merge only re-sends what this role may do."""
        self._role = role

    @property
    def running(self) -> bool:
        return self._running

    def refresh_counts(self) -> None:
        """Recount pending / conflict / failed entries (after a local edit, say) for the status bar."""
        if self._store is None or self._closed:
            return
        self._runner.run_db(self._store.outbox_states, key="outbox-states", on_done=self._counted)

    def reconnected(self) -> None:
        """The backend answered again (a feed poll succeeded): drain now instead of waiting out the backoff."""
        if self._timer.isActive():
            self._timer.stop()
            self._backoff.reset()
        self.kick()

    def _counted(self, states: dict[str, int]) -> None:
        if not self._closed:
            self.sig_counts_changed.emit(states.get("pending", 0), states.get("conflict", 0), states.get("failed", 0))

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
        self._runner.run_db(outbox_drain.take_next, self._store, on_done=self._got, on_error=self._stop_with_error)

    def _got(self, found: NextEntry) -> None:
        self._counted(found.counts)
        if found.entry is None or self._writer is None or self._closed:
            self._running = False
            self._backoff.reset()
            self._end_run()
            return
        self.sig_progress.emit(self._done_in_run + 1, self._done_in_run + found.pending)
        entry = found.entry
        # The backend lane: an edit never waits behind tiles or another feed's poll.
        self._runner.run_net(outbox_drain.send, self._writer, entry, lane="backend",
                             on_done=lambda outcome: self._sent(entry, outcome), on_error=self._stop_with_error)

    def _sent(self, entry: Any, outcome: WriteOutcome) -> None:
        assert self._store is not None
        self._runner.run_db(outbox_drain.record_outcome, self._store, entry, outcome, self._role,
                            on_done=self._recorded, on_error=self._stop_with_error)

    def _recorded(self, kind: str) -> None:
        self.sig_entry_done.emit(kind)
        wait_s = self._backoff.after(kind)
        if wait_s is not None:  # the backend could not take it: stop, and try again after the wait
            self._running = False
            self._timer.start(round(wait_s * 1000))
            self._end_run()
            self.refresh_counts()
            return
        self._done_in_run += 1
        self._next()

    def _end_run(self) -> None:
        self._done_in_run = 0
        self.sig_progress.emit(0, 0)
        self.sig_drained.emit()

    def _stop_with_error(self, exc: BaseException) -> None:
        # A store or programming error, not the network: retried with the same backoff, so a persistent one
        # (a full disk, say) is logged at a falling rate rather than every few seconds.
        log.error("outbox drain stopped: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
        self._running = False
        self._done_in_run = 0
        self.sig_progress.emit(0, 0)
        self._timer.start(round(self._backoff.failed() * 1000))

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._idle.stop()
        if self._writer is not None:
            self._writer.close()
