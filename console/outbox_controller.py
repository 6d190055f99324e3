"""Drains the outbox: one entry at a time, in order — read it (database worker), send it (network pool), record the
outcome (database worker). A failure to reach the backend stops the drain and retries with backoff; nothing is lost,
because the entry stays pending in the store until the server has it. A refused update is first merged field by field
with the server's record (services.store.conflicts): a clean merge is re-queued and the drain goes on; anything else
waits as a conflict for a person (:class:`ConflictActions` wires the Conflicts panel to the store)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.task_runner import TaskRunner
from services.workflow import role_of_actor

if TYPE_CHECKING:
    from services.incident_writer import IncidentWriter, WriteOutcome
    from services.store.store import Store

log = logging.getLogger(__name__)

RETRY_MIN_MS = 5_000
RETRY_MAX_MS = 120_000
IDLE_CHECK_MS = 30_000  # also drain now and then: edits saved while the backend was unreachable


def record_outcome(store: Store, entry: Any, outcome: WriteOutcome, role: str | None = None) -> str:
    """Database worker: write the outcome of sending ``entry`` to the store; returns the outcome kind ("merged"
    when a refused update merged cleanly with the server's record and is queued again)."""
    role = role_of_actor(getattr(entry, "actor", None)) or role  # a merge re-sends only what its author may do
    if outcome.kind in ("sent", "local"):
        store.outbox_mark_sent(entry.id, outcome.record)
    elif outcome.kind == "conflict" and entry.op == "update" and outcome.record is not None:
        return store.merge_or_conflict(entry.id, outcome.record, outcome.error or "conflict", role=role)
    elif outcome.kind == "conflict":
        store.outbox_mark_conflict(entry.id, outcome.record, outcome.error or "conflict")
    elif outcome.kind == "rejected":
        store.outbox_mark_failed(entry.id, outcome.error or "rejected", retry=False, server_record=outcome.record)
    else:
        store.outbox_mark_failed(entry.id, outcome.error or "will retry", retry=True)
    return outcome.kind


def next_pending(store: Store) -> tuple[list[Any], dict[str, int]]:
    """Database worker: the next entry to send (if any) and the outbox's counts per state, in one task."""
    return store.outbox_pending(1), store.outbox_states()


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
        self._retry_ms = RETRY_MIN_MS
        self._done_in_run = 0  # entries finished since this drain started, for "N of M"
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.kick)
        self._idle = QTimer(self, interval=IDLE_CHECK_MS)
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
            self._retry_ms = RETRY_MIN_MS
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
        self._runner.run_db(next_pending, self._store, on_done=self._got, on_error=self._stop_with_error)

    def _got(self, step: tuple[list[Any], dict[str, int]]) -> None:
        entries, states = step
        self._counted(states)
        if not entries or self._writer is None or self._closed:
            self._running = False
            self._retry_ms = RETRY_MIN_MS
            self._end_run()
            return
        self.sig_progress.emit(self._done_in_run + 1, self._done_in_run + states.get("pending", 0))
        entry, writer = entries[0], self._writer
        # The backend lane: an edit never waits behind tiles or another feed's poll.
        self._runner.run_net(writer.send, entry, lane="backend", on_done=lambda outcome: self._sent(entry, outcome),
                             on_error=self._stop_with_error)

    def _sent(self, entry: Any, outcome: WriteOutcome) -> None:
        assert self._store is not None
        self._runner.run_db(record_outcome, self._store, entry, outcome, self._role,
                            on_done=lambda kind: self._recorded(kind), on_error=self._stop_with_error)

    def _recorded(self, kind: str) -> None:
        self.sig_entry_done.emit(kind)
        if kind == "retry":
            self._running = False
            self._timer.start(self._retry_ms)
            self._retry_ms = min(self._retry_ms * 2, RETRY_MAX_MS)
            self._end_run()
            self.refresh_counts()
            return
        self._done_in_run += 1
        self._retry_ms = RETRY_MIN_MS
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
        self._timer.start(self._retry_ms)
        self._retry_ms = min(self._retry_ms * 2, RETRY_MAX_MS)

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._idle.stop()
        if self._writer is not None:
            self._writer.close()


class ConflictActions(QObject):
    """Wires a Conflicts panel to the store: loads open conflicts on the database worker, runs the panel's
    keep-mine / keep-theirs / edit requests there (one transaction each, with the actor), then refreshes the panel
    and kicks the outbox so a resolved edit is sent at once."""

    sig_conflicts_loaded = Signal(int)
    """The panel was given the open conflicts: how many there are (for a status-bar count)."""

    sig_conflict_resolved = Signal(int, str)
    """A person's decision is stored: (outbox id, "keep_mine" | "keep_theirs" | "edit")."""

    sig_refused_loaded = Signal(int)
    """The refused-edits list was given the unacknowledged refusals: how many there are."""

    def __init__(self, runner: TaskRunner, store: Store, panel: Any, outbox: OutboxController,
                 actor: Callable[[], str], parent: QObject | None = None, refused_panel: Any = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._panel = panel
        self._refused_panel = refused_panel
        self._outbox = outbox
        self._actor = actor
        self._views: dict[int, Any] = {}

        panel.sig_keep_mine_requested.connect(self.keep_mine)
        panel.sig_keep_theirs_requested.connect(self.keep_theirs)
        panel.sig_edit_requested.connect(self.edit)
        if refused_panel is not None:
            refused_panel.sig_acknowledge_requested.connect(self.acknowledge_refusal)
        outbox.sig_entry_done.connect(self._on_entry_done)

    def refresh(self) -> None:
        """Reload the open conflicts and refused edits into the panels (latest wins)."""
        store = self._store
        self._runner.run_db(lambda: (store.open_conflicts(), store.refused_edits()), on_done=self._loaded,
                            key="open-conflicts")

    def acknowledge_refusal(self, outbox_id: int) -> None:
        self._runner.run_db(self._store.acknowledge_refusal, outbox_id, self._actor(),
                            on_done=lambda _r: (self.refresh(), self._outbox.refresh_counts()),
                            on_error=self._failed)

    def keep_mine(self, outbox_id: int) -> None:
        view = self._views.get(outbox_id)
        version = None if view is None else view.server_version
        self._resolve(outbox_id, "keep_mine", self._store.resolve_keep_mine, outbox_id, version, self._actor())

    def keep_theirs(self, outbox_id: int) -> None:
        self._resolve(outbox_id, "keep_theirs", self._store.resolve_keep_theirs, outbox_id, None, self._actor())

    def edit(self, outbox_id: int, values: dict) -> None:
        view = self._views.get(outbox_id)
        version = None if view is None else view.server_version
        self._resolve(outbox_id, "edit", self._store.resolve_edit, outbox_id, dict(values), version, self._actor())

    def _resolve(self, outbox_id: int, decision: str, fn: Callable[..., None], *args: Any) -> None:
        self._runner.run_db(fn, *args, on_done=lambda _r: self._resolved(outbox_id, decision),
                            on_error=self._failed)

    def _resolved(self, outbox_id: int, decision: str) -> None:
        self.sig_conflict_resolved.emit(outbox_id, decision)
        self.refresh()
        self._outbox.kick()

    def _failed(self, exc: BaseException) -> None:
        # Already resolved elsewhere (another click, another window): the refresh shows what is left.
        log.warning("conflict resolution failed: %s", exc)
        self.refresh()

    def _loaded(self, loaded: tuple[list[Any], list[Any]]) -> None:
        views, refused = loaded
        self._views = {v.outbox_id: v for v in views}
        self._panel.set_conflicts(views)
        if self._refused_panel is not None:
            self._refused_panel.set_refused(refused)
        self.sig_conflicts_loaded.emit(len(views))
        self.sig_refused_loaded.emit(len(refused))

    def _on_entry_done(self, kind: str) -> None:
        if kind in ("conflict", "merged", "rejected"):
            self.refresh()
