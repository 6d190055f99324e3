"""The redraw throttle: the first data at once, then at most one drawing per interval, of the latest data only."""

from __future__ import annotations

from PySide6.QtCore import QObject

from widgets.charts.redraw_throttle import RedrawThrottle


def test_the_first_is_drawn_at_once_and_a_burst_collapses_to_its_last(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    drawn: list[str] = []
    throttle = RedrawThrottle(owner, drawn.append, interval_ms=60_000)  # an interval no test run outlasts
    throttle.submit("a")
    assert drawn == ["a"] and not throttle.pending()
    for name in ("b", "c", "d"):
        throttle.submit(name)
    assert drawn == ["a"] and throttle.pending()  # within the interval: waiting
    throttle.flush()
    assert drawn == ["a", "d"] and not throttle.pending()  # only the latest, once
    throttle.flush()
    assert drawn == ["a", "d"]


def test_waiting_data_is_drawn_when_the_interval_is_up(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    drawn: list[int] = []
    throttle = RedrawThrottle(owner, drawn.append, interval_ms=1000)
    throttle.submit(1)
    throttle.submit(2)
    throttle.submit(3)
    qtbot.waitUntil(lambda: drawn == [1, 3], timeout=5000)
