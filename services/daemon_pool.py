"""A bounded pool of daemon threads, for network work that must never hold the process open.

Why not ``concurrent.futures.ThreadPoolExecutor``: its workers are joined when the interpreter exits (the module
registers that join, with no way out), so one request hanging until its deadline kept the process alive for that long
after the window had closed. Work here must be safe to abandon: network results only reach the store through the
database worker, so nothing is half-written when a call is cut off at exit.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from services.thread_priority import lower_this_thread


class DaemonThreadPool:
    """A bounded FIFO pool of daemon threads (the console's network lanes, the tile prefetch): see the module text."""

    def __init__(self, name: str, size: int, *, prefix: str = "net-") -> None:
        """``size`` threads at most, started as work arrives, named ``{prefix}{name}-N``."""
        self.name = name
        self.prefix = prefix
        self.size = size
        self._queue: collections.deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = collections.deque()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError(f"thread pool {self.name} is shut down")
            self._queue.append((future, fn, args))
            # More queued than idle threads (a woken thread stays counted as idle until it takes its task): start
            # another thread while the pool has room, so a second task never waits behind a running one needlessly.
            if len(self._queue) > self._idle and len(self._threads) < self.size:
                name = f"{self.prefix}{self.name}-{len(self._threads) + 1}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._threads.append(thread)
                thread.start()
            self._cond.notify()
        return future

    def _work(self) -> None:
        lower_this_thread()  # the UI thread first when the cores are busy (services/thread_priority.py)
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
                if not self._queue:
                    return  # closed and nothing left
                future, fn, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def close(self) -> None:
        """Take no more work and cancel what has not started; running calls go on (see :meth:`join`)."""
        with self._cond:
            self._closed = True
            while self._queue:
                self._queue.popleft()[0].cancel()
            self._cond.notify_all()

    def join(self, deadline: float) -> list[str]:
        """Wait until ``deadline`` (monotonic) for the threads to end; the names of those still running."""
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t.name for t in self._threads if t.is_alive()]
