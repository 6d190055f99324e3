"""The demo console's clock-driven timers (ages, following charts, the minute's checks) do not tick together.

Qt puts a coarse timer of a second or more on the whole second: those made with the window fired in one instant
every 30 s, and the window froze for 60-130 ms (benchmarks: ui_stall_during_sync). Each is a StaggeredTimer now."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt, QTimer

from widgets.staggered_timer import StaggeredTimer


def test_every_repeating_timer_of_a_second_or_more_is_precise_and_in_a_phase_of_its_own(  # type: ignore[no-untyped-def]
        qtbot, console_factory) -> None:
    controller = console_factory()
    window = controller.window
    timers = {id(t): t for owner in (window, controller) for t in owner.findChildren(QTimer)}.values()
    clocks = [t for t in timers if not t.isSingleShot() and t.interval() >= 1000]
    names = {type(t.parent()).__name__ for t in clocks}
    # the situation tables' ages, the charts following now, the queue's SLA countdown, the periodic checks
    assert {"OverviewPanel", "RiverLevelChart", "SituationController", "OutboxController", "SyncController",
            "IncidentController", "AlertController", "FeedStatusView"} <= names, names
    coarse = [type(t.parent()).__name__ for t in clocks if not isinstance(t, StaggeredTimer)]
    assert coarse == []
    assert all(t.timerType() == Qt.TimerType.PreciseTimer for t in clocks)
    by_phase: dict[int, list[str]] = defaultdict(list)
    for t in clocks:
        by_phase[t.phase_ms].append(type(t.parent()).__name__)  # type: ignore[attr-defined]
    assert all(len(owners) == 1 for owners in by_phase.values()), dict(by_phase)
