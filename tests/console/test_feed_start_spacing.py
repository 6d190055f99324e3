"""Feeds due together start one at a time (console.sync_controller.START_SPACING_MS), in the demo console.

Started in the same instant, every feed's fetch and parse (and the simulator's request threads) wanted the interpreter
lock at once, and the UI thread waited 100-180 ms for a frame (benchmarks: ui_stall_during_sync)."""

from __future__ import annotations

import time

from console import sync_controller
from console.task_runner import TaskRunner

START_MS = 60_000


def test_feeds_due_together_start_one_per_spacing_and_all_of_them_start(  # type: ignore[no-untyped-def]
        qtbot, console_factory, monkeypatch) -> None:
    starts: list[tuple[float, str]] = []
    run_net = TaskRunner.run_net

    def recording(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(fn, "__name__", "") == "fetch":
            starts.append((time.monotonic(), args[0]))
        return run_net(self, fn, *args, **kwargs)

    monkeypatch.setattr(TaskRunner, "run_net", recording)
    controller = console_factory()
    sync = controller.sync_controller
    with qtbot.waitSignal(sync.sig_first_sync_finished, timeout=START_MS):
        pass
    feeds = {spec.name for spec in sync.sync.specs}
    assert feeds <= {feed for _at, feed in starts}

    qtbot.waitUntil(lambda: not sync.sync.snapshot().in_flight, timeout=START_MS)
    starts.clear()
    sync.sync_now()  # the operator's "sync now": every feed due at once
    assert len(starts) == 1  # the first starts now, the others wait their turn
    qtbot.waitUntil(lambda: {feed for _at, feed in starts} == feeds, timeout=START_MS)
    assert len(starts) == len(feeds)  # each once
    gaps = [b - a for (a, _f), (b, _g) in zip(starts, starts[1:])]
    assert min(gaps) >= 0.8 * sync_controller.START_SPACING_MS / 1000  # a coarse timer may fire a little early
