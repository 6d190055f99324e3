"""StaggeredTimer: the window's clock-driven timers tick in frames of their own, not in one instant."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

from widgets.staggered_timer import PHASE_STEP_MS, StaggeredTimer

INTERVAL_MS = 400


def _first_ticks(qtbot, timers: list[QTimer]) -> list[float]:  # type: ignore[no-untyped-def]
    ticks: dict[int, float] = {}
    for k, timer in enumerate(timers):
        timer.timeout.connect(lambda k=k: ticks.setdefault(k, time.monotonic()))
    started = time.monotonic()
    for timer in timers:
        timer.start()
    qtbot.waitUntil(lambda: len(ticks) == len(timers), timeout=5000)
    for timer in timers:
        timer.stop()
    return [ticks[k] - started for k in range(len(timers))]


def test_timers_started_together_tick_apart(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    timers = [StaggeredTimer(owner, INTERVAL_MS) for _ in range(3)]
    first = sorted(_first_ticks(qtbot, timers))
    gaps = [b - a for a, b in zip(first, first[1:])]
    # each phase is a step (137 ms) from the last, folded into the interval: never in the same frame
    assert min(gaps) * 1000 >= 50, first
    assert all(t * 1000 < 2 * INTERVAL_MS + 100 for t in first)  # each within its interval plus its phase


def test_it_is_precise_and_repeats_at_its_interval(qtbot) -> None:  # type: ignore[no-untyped-def]
    timer = StaggeredTimer(None, 150)
    assert timer.timerType() == Qt.TimerType.PreciseTimer  # a coarse one of >= 1 s would be rounded to the second
    assert not timer.isSingleShot()
    ticks: list[float] = []
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    qtbot.waitUntil(lambda: len(ticks) >= 4, timeout=5000)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert all(0.1 <= g <= 0.4 for g in gaps), gaps


def test_stop_during_the_phase_cancels_the_first_tick(qtbot) -> None:  # type: ignore[no-untyped-def]
    timers = [StaggeredTimer(None, 300) for _ in range(2)]
    timer = next(t for t in timers if t.phase_ms)  # at most one of two consecutive ones has no phase
    ticks: list[float] = []
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    assert timer.isActive()  # waiting its phase counts as running (callers start it only when not)
    timer.stop()
    assert not timer.isActive()
    other = QTimer(singleShot=True, interval=timer.phase_ms + 2 * timer.interval())
    with qtbot.waitSignal(other.timeout, timeout=5000):
        other.start()
    assert ticks == []


def test_start_with_an_interval_starts_at_once_like_qtimer(qtbot) -> None:  # type: ignore[no-untyped-def]
    timers = [StaggeredTimer(None, 5000) for _ in range(2)]
    timer = next(t for t in timers if t.phase_ms)
    started = time.monotonic()
    with qtbot.waitSignal(timer.timeout, timeout=2000):
        timer.start(50)
    assert time.monotonic() - started < 1.0 and timer.interval() == 50
    timer.stop()


def test_phases_differ_and_stay_inside_the_interval() -> None:
    timers = [StaggeredTimer(None, 30_000) for _ in range(12)]
    phases = [t.phase_ms for t in timers]
    assert len(set(phases)) == len(phases)
    assert all(0 <= p < 2000 for p in phases)
    short = [StaggeredTimer(None, 1000) for _ in range(7)]
    assert len({t.phase_ms for t in short}) == 7 and all(p < 1000 for p in (t.phase_ms for t in short))
    assert PHASE_STEP_MS > 100  # more than a busy frame (about 15 ms) apart, with room for a late one
