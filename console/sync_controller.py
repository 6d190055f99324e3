"""Drives the Qt-free SyncService from the UI thread: a timer picks due feeds, the task runner does the work.

Fetch (HTTP + parse) runs on the feed's own network lane (the Open311 feeds on the ``backend`` lane, see
console.task_runner.feed_lane), so a feed that hangs never delays another; apply (ingest + feed state) runs on the
database worker, and the outcome comes back to the UI thread as ``sig_feed_polled``. The UI thread itself only decides
and displays.

Feeds due together ("sync now", the start, a shared cadence) start one per ``START_SPACING_MS``. Started in the same
instant, their fetches and parses (and, in demo mode, the simulator's request threads) made some 25 threads want
the interpreter lock at once; the UI thread lost it to them again and again, and a frame took 100-180 ms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from console.task_runner import TaskRunner, feed_lane
from widgets.failure_text import describe_failure
from widgets.i18n import t
from widgets.staggered_timer import StaggeredTimer

if TYPE_CHECKING:  # imported on the workers; the window does not wait for them
    from services.store.feed_state import FeedState
    from services.store.store import Store
    from services.sync.sync_service import FetchOutcome, SyncService

log = logging.getLogger(__name__)

TICK_MS = 1000
START_SPACING_MS = 50  # feeds due together start one per 50 ms: all eleven are under way within about 0.5 s


class SyncController(QObject):
    """Schedules polls; remembers which feeds have finished at least one poll since start."""

    sig_feed_polled = Signal(object)
    """A poll finished and its state is stored: the feed's FeedState."""

    sig_first_sync_finished = Signal()
    """Every feed has finished one poll (successfully or not) since the console started."""

    sig_activity_changed = Signal()
    """Feeds started or finished polling (for the status bar)."""

    sig_poll_failed = Signal(str, str)
    """A poll could not finish (feed, what failed in words): e.g. the store refused the write. Feed errors are in
    FeedState."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sync: SyncService | None = None
        self._store: Store | None = None
        self._polled_once: set[str] = set()
        self._first_sync_done = False
        self._timer = StaggeredTimer(self, TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._waiting: list[str] = []  # due feeds (in flight for the service) not started yet, in the order taken
        self._spacing = QTimer(self, singleShot=True, interval=START_SPACING_MS)
        self._spacing.timeout.connect(self._start_next)

    @property
    def sync(self) -> SyncService | None:
        return self._sync

    @property
    def first_sync_done(self) -> bool:
        return self._first_sync_done

    def start(self, sync: SyncService, store: Store) -> None:
        self._sync, self._store = sync, store
        self._timer.start()
        self._tick()

    def stop(self) -> None:
        self._timer.stop()
        self._spacing.stop()
        self._waiting.clear()

    def sync_now(self) -> None:
        if self._sync is not None:
            self._sync.request_all()
            self._tick()

    def _tick(self) -> None:
        sync, store = self._sync, self._store
        if sync is None or store is None:
            return
        due = sync.take_due()
        if not due:
            return
        self._waiting.extend(due)
        self.sig_activity_changed.emit()
        if not self._spacing.isActive():
            self._start_next()

    def _start_next(self) -> None:
        """Start the next due feed's fetch; the one after it in ``START_SPACING_MS``."""
        sync = self._sync
        if sync is None or not self._waiting:
            return
        feed = self._waiting.pop(0)
        self._runner.run_net(sync.fetch, feed, lane=feed_lane(feed),
                             on_done=lambda outcome, f=feed: self._fetched(f, outcome),
                             on_error=self._failed_step(feed, "fetch"))
        self._spacing.start()  # also after the last: a feed due next tick still waits its turn

    def _fetched(self, feed: str, outcome: FetchOutcome) -> None:
        assert self._sync is not None and self._store is not None
        self._runner.run_db(self._sync.apply, self._store, outcome,
                            on_done=lambda state: self._applied(feed, outcome, state),
                            on_error=self._failed_step(feed, "store", outcome))

    def _applied(self, feed: str, outcome: FetchOutcome, state: FeedState) -> None:
        assert self._sync is not None
        self._sync.release(feed, outcome)
        self._finished(feed)
        self.sig_feed_polled.emit(state)

    def _failed_step(self, feed: str, step: str, outcome: FetchOutcome | None = None
                     ) -> Callable[[BaseException], None]:
        def handler(exc: BaseException) -> None:
            # A store failure (disk full, say) must not stop the schedule: the feed retries with backoff and the
            # data it fetched is simply fetched again next time.
            log.error("feed %s: %s step failed: %s", feed, step, exc, exc_info=(type(exc), exc, exc.__traceback__))
            if self._sync is not None:
                self._sync.release(feed, None)
            reason = describe_failure(exc)
            if step == "store":
                message = t(f"บันทึกข้อมูลใหม่ลงคลังข้อมูลในเครื่องไม่ได้: {reason}",
                            f"new data could not be saved to the local store: {reason}")
            else:
                message = t(f"ดึงข้อมูลไม่สำเร็จ: {reason}", f"the poll could not run: {reason}")
            self.sig_poll_failed.emit(feed, message)
            self._finished(feed)
        return handler

    def _finished(self, feed: str) -> None:
        self._polled_once.add(feed)
        self.sig_activity_changed.emit()
        if not self._first_sync_done and self._sync is not None \
                and self._polled_once >= {spec.name for spec in self._sync.specs}:
            self._first_sync_done = True
            self.sig_first_sync_finished.emit()
