"""The one way background work is done: a single database worker and a small network pool.

Why two executors: SQLite serialises writers anyway, and one thread owning every database session means the store
needs no locking and never sees a connection from another thread (Anki's taskman does the same). The network pool is
small because feeds are few and each call has its own deadline.

Tasks take plain data and return plain data. Their results come back to the UI thread through ONE signal and are
handed to the callbacks there. ``key`` gives "latest wins": a newer task with the same key makes the older one's
result be dropped (and cancels it if it has not started).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


@dataclass(slots=True)
class _Pending:
    task_id: int
    key: str | None
    on_done: Callback | None
    on_error: ErrorCallback | None
    future: Future[Any] | None = None


class TaskRunner(QObject):
    """Runs callables on the database worker or the network pool and delivers results on the UI thread."""

    sig_task_finished = Signal(int, bool, object)
    """A task ended: (task id, succeeded, result or exception). Internal; use the callbacks."""

    sig_task_failed = Signal(str)
    """A task without its own error callback failed: a one-line description for the notification area."""

    sig_busy_changed = Signal(int)
    """How many tasks are queued or running changed."""

    def __init__(self, parent: QObject | None = None, *, network_workers: int = 4) -> None:
        super().__init__(parent)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self._net = ThreadPoolExecutor(max_workers=network_workers, thread_name_prefix="net")
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._latest_by_key: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.sig_task_finished.connect(self._deliver)

    # --- submitting (UI thread) ------------------------------------------------------------------------------------

    def run_db(self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
               on_error: ErrorCallback | None = None, key: str | None = None) -> int:
        """Run ``fn(*args)`` on the single database worker."""
        return self._submit(self._db, fn, args, on_done, on_error, key)

    def run_net(self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
                on_error: ErrorCallback | None = None, key: str | None = None) -> int:
        """Run ``fn(*args)`` on the network pool."""
        return self._submit(self._net, fn, args, on_done, on_error, key)

    def _submit(self, executor: ThreadPoolExecutor, fn: Callable[..., Any], args: tuple[Any, ...],
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
        pending.future = executor.submit(self._call, task_id, fn, args)
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
            log.error("background task failed", exc_info=(type(payload), payload, payload.__traceback__))
            self.sig_task_failed.emit(f"{type(payload).__name__}: {payload}")

    # --- lifetime --------------------------------------------------------------------------------------------------

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._pending)

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Stop taking work, cancel network tasks not yet started, finish database tasks; wait up to ``timeout`` s.

        Returns False if a worker was still busy at the timeout (it is a daemon-less pool thread, so the caller
        decides; the console logs it and exits anyway).
        """
        self._closed = True
        done = threading.Event()

        def _wait() -> None:
            self._net.shutdown(wait=True, cancel_futures=True)
            # Queued database work is finished, not cancelled: it may be an operator's edit being committed.
            self._db.shutdown(wait=True, cancel_futures=False)
            done.set()

        threading.Thread(target=_wait, name="task-runner-shutdown", daemon=True).start()
        finished = done.wait(timeout)
        if not finished:
            log.warning("background tasks still running after %.1f s at shutdown", timeout)
        return finished
