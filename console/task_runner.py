"""The one way background work is done: a single database worker, and bounded network lanes, one per kind of work.

Why one database worker: SQLite serialises writers anyway, and one thread owning every database session means the
store needs no locking and never sees a connection from another thread (Anki's taskman does the same).

Why lanes: network work of different kinds must not queue behind each other. With one shared pool, a basemap server
trickling its tiles held every thread for 30 s at a time and one hanging FIRMS source delayed the first Open311 poll
by a minute. Each lane is its own bounded pool (:data:`LANES` says why each is the size it is):

- ``tiles``: basemap tiles, on demand for the map and "save area for offline";
- ``backend``: the Open311 backend: its feed polls and the outbox's sends;
- ``control``: start-up and control work (simulator start, map page build, sync / tile / writer build, the training
  switch);
- ``feed:<name>``: one single-thread lane per other feed, made on first use (:func:`feed_lane`).

Tasks take plain data and return plain data. Their results come back to the UI thread through ONE signal and are
handed to the callbacks there. ``key`` gives "latest wins": a newer task with the same key makes the older one's
result be dropped (and cancels it if it has not started), whatever lane either ran on.

Every worker runs at a lower scheduling priority than the UI thread (:mod:`services.thread_priority`), so on a busy
machine the operator's frames come first.

Workers import the heavy service modules themselves, the first time they need them (so the window appears first);
:func:`first_imports` serialises those first imports.

Shutdown stops taking work, lets the database worker finish what is queued (an operator's edit being committed) up
to a timeout, and gives network calls only a short grace: their results are dropped, and their threads are daemon
threads, so a request hanging until its deadline cannot keep the process alive after the window has closed.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from services.daemon_pool import DaemonThreadPool
from services.thread_priority import lower_this_thread
from widgets.failure_text import describe_failure

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]

LANES: dict[str, int] = {
    # As many threads as the tile fetcher keeps connections to its server (TileFetcher.max_concurrent, 4): more would
    # only wait on its semaphore. A trickling tile server can hold this lane, and nothing else.
    "tiles": 4,
    # The backend's two feeds (open311_services, open311_requests; each has at most one poll in flight) plus the
    # outbox, which sends one edit at a time: 3, so an edit never waits behind a poll nor a poll behind an edit.
    "backend": 3,
    # Start-up runs up to four of these at once (simulator start and page build, then the sync, tile and writer
    # builds); later only the rare training switch or a writer's close. All are short and bounded.
    "control": 4,
}
FEED_LANE_PREFIX = "feed:"
# One thread per feed: each feed has at most one poll in flight (SyncService.take_due), so its lane never queues,
# and a feed that hangs until its deadline holds only its own thread.
FEED_LANE_SIZE = 1
NETWORK_GRACE_S = 1.0  # at shutdown, how long running network calls may still finish before they are abandoned


# Reentrant: a worker-side function that holds it may call another that takes it too.
_FIRST_IMPORTS = threading.RLock()


@contextmanager
def first_imports() -> Iterator[None]:
    """Hold around a worker's first imports of heavy modules (``with first_imports(): from services import startup``).

    Why: two workers importing the same package for the first time at once can see it half-initialised. CPython
    raised "cannot import name ... from partially initialized module 'pydantic._internal._validators'" here when the
    database worker (settings) and the network lane (simulator) started together. One lock around the first imports
    fixes it; the imports themselves stay real statements, so import-linter and readers see every arrow.
    """
    with _FIRST_IMPORTS:
        yield


def feed_lane(feed: str) -> str:
    """The lane a feed's poll runs on: the backend's feeds share the ``backend`` lane with the outbox's sends (the
    same server: when it hangs, both wait for it anyway); every other feed has a lane of its own."""
    return "backend" if feed.startswith("open311") else FEED_LANE_PREFIX + feed


@dataclass(slots=True)
class _Pending:
    task_id: int
    key: str | None
    on_done: Callback | None
    on_error: ErrorCallback | None
    future: Future[Any] | None = None


class TaskRunner(QObject):
    """Runs callables on the database worker or a network lane and delivers results on the UI thread."""

    sig_task_finished = Signal(int, bool, object)
    """A task ended: (task id, succeeded, result or exception). Internal; use the callbacks."""

    sig_task_failed = Signal(str)
    """A task without its own error callback failed: one line in words for the notification area."""

    sig_busy_changed = Signal(int)
    """How many tasks are queued or running changed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Made on the first task, from the UI thread: it lowers itself, or it would inherit the UI thread's priority.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db", initializer=lower_this_thread)
        self._lanes = {name: DaemonThreadPool(name, size) for name, size in LANES.items()}
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._latest_by_key: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        # After shutdown: the lanes whose calls were still running at the end of the grace, and were abandoned.
        self.abandoned_lanes: frozenset[str] = frozenset()
        self.sig_task_finished.connect(self._deliver)

    # --- submitting (UI thread) ------------------------------------------------------------------------------------

    def run_db(self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
               on_error: ErrorCallback | None = None, key: str | None = None) -> int:
        """Run ``fn(*args)`` on the single database worker."""
        return self._submit(self._db.submit, fn, args, on_done, on_error, key)

    def run_net(self, fn: Callable[..., Any], *args: Any, lane: str, on_done: Callback | None = None,
                on_error: ErrorCallback | None = None, key: str | None = None) -> int:
        """Run ``fn(*args)`` on the network lane ``lane``: ``tiles``, ``backend``, ``control``, or a feed's own lane
        (:func:`feed_lane`). ``ValueError`` for any other name, so work never lands on a lane made by a typo."""
        return self._submit(self._lane(lane).submit, fn, args, on_done, on_error, key)

    def _lane(self, name: str) -> DaemonThreadPool:
        with self._lock:
            found = self._lanes.get(name)
            if found is None:
                if not name.startswith(FEED_LANE_PREFIX) or name == FEED_LANE_PREFIX:
                    raise ValueError(f"unknown network lane {name!r}: use one of {sorted(LANES)} or feed_lane(feed)")
                found = self._lanes[name] = DaemonThreadPool(name, FEED_LANE_SIZE)
            return found

    def _submit(self, submit: Callable[..., Future[Any]], fn: Callable[..., Any], args: tuple[Any, ...],
                on_done: Callback | None, on_error: ErrorCallback | None, key: str | None) -> int:
        if self._closed:
            raise RuntimeError("task runner is shut down")
        task_id = next(self._ids)
        pending = _Pending(task_id, key, on_done, on_error)
        with self._lock:
            if key is not None:
                older = self._latest_by_key.get(key)
                if older is not None and older in self._pending:
                    stale = self._pending[older]
                    if stale.future is not None and stale.future.cancel():
                        del self._pending[older]  # never runs, so it will never be delivered
                self._latest_by_key[key] = task_id
            self._pending[task_id] = pending
        pending.future = submit(self._call, task_id, fn, args)
        self.sig_busy_changed.emit(len(self._pending))
        return task_id

    def _call(self, task_id: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        # Worker thread: emitting a signal of a QObject living on the UI thread queues the delivery there.
        try:
            result = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach a callback or the notification area
            if not self._closed:
                self.sig_task_finished.emit(task_id, False, exc)
            return
        if not self._closed:
            self.sig_task_finished.emit(task_id, True, result)

    # --- delivering (UI thread) ------------------------------------------------------------------------------------

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, payload: object) -> None:
        with self._lock:
            pending = self._pending.pop(task_id, None)
            superseded = (pending is not None and pending.key is not None
                          and self._latest_by_key.get(pending.key) != task_id)
            if pending is not None and pending.key is not None and not superseded:
                del self._latest_by_key[pending.key]
            busy = len(self._pending)
        self.sig_busy_changed.emit(busy)
        if pending is None or superseded or self._closed:
            return  # late results after shutdown are dropped: their owners are being torn down
        if ok:
            if pending.on_done is not None:
                pending.on_done(payload)
            return
        assert isinstance(payload, BaseException)
        if pending.on_error is not None:
            pending.on_error(payload)
        else:
            # The details (an untyped exception's text may be SQL with its values) go to the log; the operator
            # gets words.
            log.error("background task failed", exc_info=(type(payload), payload, payload.__traceback__))
            self.sig_task_failed.emit(describe_failure(payload))

    # --- lifetime --------------------------------------------------------------------------------------------------

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._pending)

    def pending(self, task_id: int) -> bool:
        """Whether the task has not been delivered yet (False once its callback ran, or when it was superseded)."""
        with self._lock:
            return task_id in self._pending

    def shutdown(self, timeout: float = 10.0, *, network_grace: float = NETWORK_GRACE_S) -> bool:
        """Stop taking work; cancel what has not started on the network lanes; let the database worker finish what
        is queued, waiting up to ``timeout`` s; give running network calls ``network_grace`` s, then abandon them
        (their results are dropped, and their daemon threads cannot hold the process).

        Returns True when the database worker has finished (the caller may close the store), False at the timeout.
        """
        started = time.monotonic()
        self._closed = True
        with self._lock:
            lanes = list(self._lanes.values())
        for lane in lanes:
            lane.close()
        db_done = threading.Event()

        def _wait_db() -> None:
            # Queued database work is finished, not cancelled: it may be an operator's edit being committed.
            self._db.shutdown(wait=True, cancel_futures=False)
            db_done.set()

        threading.Thread(target=_wait_db, name="task-runner-shutdown", daemon=True).start()
        finished = db_done.wait(timeout)
        if not finished:
            log.warning("database work still running after %.1f s at shutdown", timeout)
        grace_until = started + network_grace
        abandoned = {lane.name: running for lane in lanes if (running := lane.join(grace_until))}
        self.abandoned_lanes = frozenset(abandoned)
        if abandoned:
            log.warning("network calls abandoned at shutdown (their results are dropped): %s",
                        ", ".join(name for running in abandoned.values() for name in running))
        return finished
