"""Where the docks go, composed as ``pao-console`` composes them (the window sized and shown first, then the
controller adds its docks): the default layout for a short and for a full-HD window, and the operator's own layout
coming back at the next start, docks added late included, with the sizes they left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QComboBox, QToolBar

from console.controller import ConsoleController
from console.main_window import MainWindow
from services.paths import DataPaths

MAP_READY_MS = 60_000
CHART_DOCKS = ("riverChart", "airChart", "hotspotChart", "incidentLoad")


@pytest.fixture
def compose(qtbot, data_paths: DataPaths) -> Iterator:  # type: ignore[no-untyped-def]
    made: list[tuple[MainWindow, ConsoleController]] = []

    def make(width: int, height: int, settings: QSettings | None = None) -> ConsoleController:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        window.resize(width, height)
        window.restore_layout()
        window.show()
        qtbot.waitExposed(window)
        controller = ConsoleController(window, data_paths)
        controller.start()
        made.append((window, controller))
        qtbot.waitUntil(lambda: controller.map.ready, timeout=MAP_READY_MS)
        qtbot.wait(100)  # the default dock sizes follow the map into the centre on the next turn
        return controller

    yield make
    for window, controller in made:
        controller.shutdown(timeout=15)
        window.close()


def _shown(window: MainWindow, name: str) -> bool:
    dock = window.dock(name)
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def test_a_short_window_keeps_every_chart_behind_the_queue(qtbot, compose) -> None:  # type: ignore[no-untyped-def]
    window = compose(1366, 768).window
    queue = window.dock("incidents")
    behind = window.tabifiedDockWidgets(queue)
    assert all(window.dock(name) in behind for name in CHART_DOCKS)
    assert _shown(window, "incidents") and _shown(window, "overview")
    assert not any(_shown(window, name) for name in CHART_DOCKS)

    # Online, no toolbar row sits between the menus and the situation strip: the role selector is in the status bar.
    assert not [bar.objectName() for bar in window.findChildren(QToolBar) if bar.isVisible()]
    role = window.findChild(QComboBox, "roleCombo")
    assert role.isVisible() and window.statusBar().isAncestorOf(role)
    assert window.situation_strip.mapTo(window, QPoint(0, 0)).y() <= window.menuBar().geometry().bottom() + 2
    # ...and it spans the window, over the side docks too: its chips have the room of one row at 1366 px.
    assert window.situation_strip.width() == window.width()
    assert window.centre.mapTo(window, QPoint(0, 0)).y() >= window.situation_strip.mapTo(window, QPoint(0, 0)).y() \
        + window.situation_strip.height()


def test_a_full_hd_window_shows_the_river_and_pm25_charts(qtbot, compose) -> None:  # type: ignore[no-untyped-def]
    window = compose(1920, 1080).window
    river, air, overview, queue = (window.dock(n) for n in ("riverChart", "airChart", "overview", "incidents"))
    # The river chart under the situation in the side column, PM2.5 beside the queue: both on screen with them.
    assert window.dockWidgetArea(river) == Qt.DockWidgetArea.RightDockWidgetArea
    assert river not in window.tabifiedDockWidgets(overview)
    assert river.geometry().top() >= overview.geometry().bottom()
    assert window.dockWidgetArea(air) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert air not in window.tabifiedDockWidgets(queue)
    assert air.geometry().left() >= queue.geometry().right()
    assert all(_shown(window, n) for n in ("riverChart", "airChart", "incidents", "overview"))
    # The situation keeps the larger part of its column, the queue of its row.
    assert overview.height() > river.height() and queue.width() > air.width()
    assert {window.dock(n) for n in ("hotspotChart", "incidentLoad")} <= set(window.tabifiedDockWidgets(queue))


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen, a floating dock's window
def test_the_operators_layout_comes_back_with_docks_added_late(  # type: ignore[no-untyped-def]
        qtbot, compose, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = compose(1366, 768, settings).window
    # The operator floats the PM2.5 chart (onto another screen), puts the incident load in front of the queue
    # and widens the side column; then closes the console.
    air, load, overview = window.dock("airChart"), window.dock("incidentLoad"), window.dock("overview")
    air.setFloating(True)
    air.setGeometry(40, 40, 640, 420)
    load.raise_()
    qtbot.waitUntil(lambda: _shown(window, "incidentLoad"), timeout=5_000)
    window.resizeDocks([overview], [620], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(overview.width() - 620) <= 8, timeout=5_000)
    width = overview.width()
    window.save_layout()
    # The offscreen screen is smaller than the window: its saved geometry would come back shrunk to fit, and the
    # docks with it. The layout is what is tested here.
    settings.remove("window/geometry")
    settings.sync()

    again = compose(1366, 768, QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)).window
    # The chart docks are added after the layout is restored, and still go where the operator left them; the
    # map arriving does not put the default sizes back.
    assert again.dock("airChart").isFloating()
    assert _shown(again, "incidentLoad") and not _shown(again, "incidents")
    assert abs(again.dock("overview").width() - width) <= 8


def test_a_screenshot_can_show_a_panel_in_front(qtbot, compose, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from console.cli import SCREENSHOT_PANELS
    from console.screenshot import ScreenshotJob

    controller = compose(1366, 768)
    window = controller.window
    assert window.dock("alerts") in window.tabifiedDockWidgets(window.dock("incidents"))
    shot = tmp_path / "shot.png"
    # The console is up already: the job does not wait for a first sync (it has passed) but for its deadline.
    job = ScreenshotJob(window, controller, shot, 0.5, [SCREENSHOT_PANELS["alerts"]])
    with qtbot.waitSignal(job.sig_done, timeout=30_000) as done:
        job.start()
    assert done.args == [True] and shot.stat().st_size > 0
    assert _shown(window, "alerts") and not _shown(window, "incidents")
