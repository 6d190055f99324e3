"""The chart docks during a sync: a reload holding what a chart shows is not drawn again, and loads that land
together are drawn one chart at a time, each in a frame of its own (ui_stall_during_sync)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from console.chart_controller import DRAW_SPACING_MS, ChartController
from console.main_window import MainWindow
from console.task_runner import TaskRunner
from services.chart_loads import AirLoad, RiverLoad
from services.chart_series import ChartStations
from tests.widgets.charts.chart_data import NOW, air_station, clock, hourly_grid, river_gauge


@pytest.fixture
def charts(qtbot) -> Iterator[ChartController]:  # type: ignore[no-untyped-def]
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.add_dock("incidents", QWidget(), Qt.DockWidgetArea.BottomDockWidgetArea)  # the charts tab behind it
    runner = TaskRunner()
    controller = ChartController(runner, window, None, clock=clock(NOW))
    yield controller
    controller.stop()
    runner.shutdown(timeout=5)


def _river(level: float) -> RiverLoad:
    t = hourly_grid(24)
    return RiverLoad([river_gauge("P.1", 2, t, np.linspace(level - 0.5, level, 24), 3.70, 4.20)], {}, {}, [])


def _air(pm25: float) -> AirLoad:
    stations = ChartStations(air=(("35t", "ศาลากลาง", "City Hall", "Chiang Mai"),), river=())
    return AirLoad([air_station("35t", hourly_grid(24), pm25)], [], stations)


def _drawn(chart) -> list[float]:  # type: ignore[no-untyped-def]
    chart.flush()  # past the widget's own redraw throttle
    return [float(np.nanmax(c.level.v if hasattr(c, "level") else c.hourly.v)) for c in chart.charts()]


def test_loads_landing_together_are_drawn_one_chart_per_frame(qtbot, charts: ChartController) -> None:  # type: ignore[no-untyped-def]
    charts._show_river(_river(3.9))  # as the task runner delivers each load
    charts._show_air(_air(80.0))
    assert _drawn(charts.river) == [pytest.approx(3.9)]
    assert charts.air.charts() == [] and not charts.air.has_pending_data()  # its turn has not come yet
    qtbot.waitUntil(lambda: bool(charts.air.charts()) or charts.air.has_pending_data(),
                    timeout=DRAW_SPACING_MS * 20)
    assert _drawn(charts.air) == [pytest.approx(80.0)]


def test_a_reload_of_what_is_shown_is_not_drawn_again(qtbot, charts: ChartController) -> None:  # type: ignore[no-untyped-def]
    charts._show_river(_river(3.9))
    assert _drawn(charts.river) == [pytest.approx(3.9)]
    shown = charts.river.charts()
    charts._show_river(_river(3.9))  # new objects, the same values
    qtbot.wait(DRAW_SPACING_MS * 3)
    assert not charts.river.has_pending_data() and charts.river.charts()[0] is shown[0]
    charts._show_river(_river(4.3))  # the river rose: drawn at its turn
    qtbot.waitUntil(lambda: charts.river.has_pending_data() or _drawn(charts.river) == [pytest.approx(4.3)],
                    timeout=DRAW_SPACING_MS * 20)
    assert _drawn(charts.river) == [pytest.approx(4.3)]


def test_settled_waits_for_loads_and_draws_still_due(qtbot, store, charts: ChartController) -> None:  # type: ignore[no-untyped-def]
    # A screenshot waits for this: a chart caught between its load and its draw shows the store as it was.
    import threading

    charts.set_store(store)  # every chart loads
    assert not charts.settled()
    qtbot.waitUntil(charts.settled, timeout=10_000)
    release = threading.Event()
    charts._runner.run_db(release.wait, 10)  # the database worker is busy: the next load waits behind this
    charts.refresh(["river"])
    assert not charts.settled()  # a load on its way
    release.set()
    qtbot.waitUntil(charts.settled, timeout=10_000)

    charts._show_air(_air(80.0))  # drawn now
    charts._show_river(_river(3.9))  # drawn at its turn
    assert not charts.settled()  # a draw waiting for its turn
    qtbot.waitUntil(charts.settled, timeout=10_000)
    assert _drawn(charts.river) == [pytest.approx(3.9)]
    charts.schedule(["air"])  # new data: a refresh at the next tick of the chart rate
    assert not charts.settled()
