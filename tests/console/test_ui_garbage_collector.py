"""Cyclic garbage collection runs on the UI thread only, and cheaply once the console has settled: what exists after
start-up is frozen out of later collections, and full collections come at most once a minute."""

from __future__ import annotations

import gc

from console import ui_garbage_collector
from console.ui_garbage_collector import UiThreadGarbageCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_settle_freezes_the_survivors_and_full_collections_are_rationed(qapp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    was_enabled = gc.isenabled()
    collector = UiThreadGarbageCollector(qapp)
    try:
        assert not gc.isenabled()  # automatic (any-thread) collection is off while it lives
        collector.settle()
        frozen = gc.get_freeze_count()
        assert frozen > 1000
        made_since = [_Cycle() for _ in range(1000)]
        collector.settle()  # once only: what was made since stays in the collections
        # Not "== frozen": a frozen object another thread lets go of leaves the count (xdist's own threads do).
        assert gc.get_freeze_count() < frozen + len(made_since)

        calls: list[int] = []
        monkeypatch.setattr(ui_garbage_collector.gc, "collect", lambda generation=2: calls.append(generation) or 0)
        monkeypatch.setattr(ui_garbage_collector.gc, "get_count", lambda: (10_000, 100, 100))
        collector.check()  # every threshold crossed, but the last full collection was just now (settle)
        assert calls == [1]
        collector._last_full -= ui_garbage_collector.FULL_COLLECTION_MIN_S
        collector.check()
        assert calls == [1, 2]
    finally:
        monkeypatch.undo()
        collector.stop()
        assert gc.get_freeze_count() == 0 and gc.isenabled()
        if not was_enabled:
            gc.disable()
    cycle = _Cycle()
    del cycle
    assert gc.collect() >= 1  # unfrozen and collectable again once stopped
