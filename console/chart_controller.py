"""The chart docks: PM2.5 per station, the Ping River per gauge, fire hotspots per day and the incident load.

Each chart asks for the window it shows (``sig_range_changed``: a preset, the user's zoom or pan) and the data comes
from the store on the database worker (services.chart_loads); the widgets only draw. Live data: a feed's spec names
the charts its data changes (``FeedSpec.charts``), and what arrives within ``CHART_REFRESH_MS`` makes one query per
chart — a fixed UI rate, not a redraw per message. A chart the user zoomed keeps its window (the widget decides).
A load that holds what its chart shows already is not drawn again, and loads that land together are drawn one chart
at a time (``DRAW_SPACING_MS``): four charts redrawn and painted in one frame held the window for tens of ms during a
sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from console.main_window import MainWindow
from console.task_runner import TaskRunner
from services import chart_loads
from services.chart_series import ChartStations, HotspotDays, same_values
from widgets.charts.air_chart import AirQualityChart
from widgets.charts.hotspot_chart import HotspotBarsChart
from widgets.charts.incident_load_chart import IncidentLoadChart
from widgets.charts.river_chart import RiverLevelChart
from widgets.i18n import current_language, t

if TYPE_CHECKING:
    from services.store.store import Store

CHART_REFRESH_MS = 2000  # live data: one query per chart at most every 2 s, however many polls land meanwhile
DRAW_SPACING_MS = 50  # loads landing together: one chart drawn per interval, each painted in a frame of its own
HOTSPOT_DAYS = 30  # the hotspot bars always show the last 30 Bangkok days
DEFAULT_AIR_STATIONS = 3  # charted until the operator picks: the first Chiang Mai stations
AIR_STATIONS_KEY = "charts/air_stations"  # the operator's picks, kept with the window layout
CHARTS = ("river", "air", "hotspots", "incidents")
TALL_WINDOW = 1000  # a maximised full-HD window: room for the river chart under the situation tables
WIDE_WINDOW = 1800  # and for the PM2.5 chart beside the incident queue
SIDE_SHARE = 0.42  # of the side column's height, by default
BOTTOM_SHARE = 0.36  # of the bottom row's width, by default
DOCK_NAMES = {"river": "riverChart", "air": "airChart", "hotspots": "hotspotChart", "incidents": "incidentLoad"}


def _save_image(image: QImage, path: str) -> str:
    """On a worker: QImage (unlike QPixmap) may be written outside the UI thread."""
    if not image.save(path, "PNG"):
        raise OSError(t(f"บันทึกภาพ {path} ไม่ได้", f"could not write the PNG {path}"))
    return path


class ChartController(QObject):
    """Builds the chart docks and keeps them filled from the store."""

    sig_incident_requested = Signal(int)
    """An incident annotation was clicked: select the incident in the queue and on the map."""

    sig_alert_requested = Signal(int)
    """An alert marker was clicked on a chart (the alert's id): select it in the Alerts dock."""

    sig_notice = Signal(str)
    """A message for the status bar (an export written, or why it was not)."""

    def __init__(self, runner: TaskRunner, window: MainWindow, ui_settings: QSettings | None,
                 parent: QObject | None = None, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self._runner = runner
        self._window = window
        self._ui_settings = ui_settings
        self._clock = clock
        self._store: Store | None = None
        self._stations: ChartStations | None = None
        self._dirty: set[str] = set()
        self._closed = False
        self._alerts: list[Any] = []
        self._shown: dict[str, Any] = {}  # the last load each chart was given
        self._draws: dict[str, Callable[[], None]] = {}  # charts waiting for their turn to draw, oldest first
        self._loads: dict[str, int] = {}  # each chart's latest load (a task id), for settled()
        self._pace = QTimer(self, singleShot=True, interval=DRAW_SPACING_MS)
        self._pace.timeout.connect(self._draw_next)
        self.river = RiverLevelChart(window, clock=clock)
        self.air = AirQualityChart(window, clock=clock)
        self.hotspots = HotspotBarsChart(window)
        self.incidents = IncidentLoadChart(window, clock=clock)
        self._widgets: dict[str, QWidget] = {"river": self.river, "air": self.air, "hotspots": self.hotspots,
                                             "incidents": self.incidents}
        self._timer = QTimer(self, singleShot=True, interval=CHART_REFRESH_MS)
        self._timer.timeout.connect(lambda: self.refresh(()))
        self._add_docks()
        for name in ("river", "air", "incidents"):
            chart = self._widgets[name]
            chart.sig_range_changed.connect(lambda *_r, n=name: self.refresh([n]))  # type: ignore[attr-defined]
            chart.sig_incident_clicked.connect(self.sig_incident_requested)  # type: ignore[attr-defined]
        for name, widget in self._widgets.items():
            widget.sig_export_requested.connect(partial(self._export, name))  # type: ignore[attr-defined]
        self.air.sig_stations_changed.connect(self._stations_picked)
        for name in ("river", "air", "hotspots"):
            self._widgets[name].sig_alert_clicked.connect(self.sig_alert_requested)  # type: ignore[attr-defined]
        self.retranslate()

    def _add_docks(self) -> None:
        window = self._window
        # By default the charts are tabs behind the incident queue, which stays in front (triage first). A tall
        # window has room for the river chart in the side column under the situation tables (the flood trend beside
        # the latest gauge readings); a tall and wide one also for the PM2.5 chart beside the queue. Each can be torn
        # off to another screen or dragged elsewhere from its title bar, and the layout is kept.
        tall = window.height() >= TALL_WINDOW
        wide = tall and window.width() >= WIDE_WINDOW
        for name in CHARTS:
            dock_name = DOCK_NAMES[name]
            if name == "river" and tall:
                window.add_dock(dock_name, self._widgets[name], Qt.DockWidgetArea.RightDockWidgetArea,
                                share=("overview", SIDE_SHARE))
            elif name == "air" and wide:
                window.add_dock(dock_name, self._widgets[name], Qt.DockWidgetArea.BottomDockWidgetArea,
                                share=("incidents", BOTTOM_SHARE))
            else:
                window.add_dock(dock_name, self._widgets[name], Qt.DockWidgetArea.BottomDockWidgetArea,
                                tab_with="incidents")

    # --- the store -------------------------------------------------------------------------------------------------

    def set_store(self, store: Store) -> None:
        self._store = store
        self._runner.run_db(chart_loads.load_stations, store, on_done=self._show_stations, key="chart:stations")
        self.refresh()

    def _show_stations(self, stations: ChartStations) -> None:
        if self._closed or stations == self._stations:
            return
        self._stations = stations
        self.air.set_stations(stations)
        known = [code for code, _th, _en, _province in stations.air]
        saved = self._ui_settings.value(AIR_STATIONS_KEY) if self._ui_settings is not None else None
        picked = [code for code in (saved if isinstance(saved, list) else []) if code in known]
        picked = picked or [code for code in self.air.selected_stations() if code in known]
        if not picked:
            picked = [code for code, _th, _en, province in stations.air if province == "Chiang Mai"]
            picked = (picked or known)[:DEFAULT_AIR_STATIONS]
        self.air.set_selected_stations(picked)
        self._show_alerts()
        self.refresh(["air"])

    def _stations_picked(self, codes: list[str]) -> None:
        if self._ui_settings is not None:
            self._ui_settings.setValue(AIR_STATIONS_KEY, list(codes))
        self._show_alerts()
        self.refresh(["air"])

    def add_station(self, layer: str, code: str) -> None:
        """A station clicked on the map or in the situation table: chart it too (air stations; every gauge is)."""
        if layer == "air" and self._stations is not None and code not in self.air.selected_stations():
            if any(code == known for known, *_rest in self._stations.air):
                self.air.add_station(code)

    # --- alerts --------------------------------------------------------------------------------------------------

    def set_alerts(self, alerts: Iterable[Any]) -> None:
        """The Alerts dock's list (services.alerts.model.AlertView): the open and acknowledged ones are marked on the
        charts that show their data — PM2.5 alerts of the stations charted, river alerts, fire alerts."""
        self._alerts = list(alerts)
        self._show_alerts()

    def _show_alerts(self) -> None:
        if self._closed:
            return
        shown = set(self.air.selected_stations())
        live = [a for a in self._alerts if a.state != "cleared"]
        self.air.set_alerts([a for a in live if a.kind == "pm25" and (a.scope_key in shown
                                                                      or a.scope_kind == "province")])
        self.river.set_alerts([a for a in live if a.kind == "river"])
        self.hotspots.set_alerts([a for a in live if a.kind == "fire"])

    # --- loading ---------------------------------------------------------------------------------------------------

    def schedule(self, parts: Iterable[str] | None = None) -> None:
        """New data for ``parts`` (every chart when None): refresh them at the next tick of the chart rate."""
        self._dirty |= set(CHARTS if parts is None else parts) & set(CHARTS)
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def refresh(self, parts: Iterable[str] | None = None) -> None:
        """Load ``parts`` (every chart when None) now, with whatever was scheduled."""
        self._dirty |= set(CHARTS if parts is None else parts) & set(CHARTS)
        if self._store is None or self._closed or not self._dirty:
            return
        self._timer.stop()
        parts, self._dirty = self._dirty, set()
        store, now = self._store, self._clock()
        for name in parts:
            key = f"chart:{name}"  # latest wins: a newer window drops the result of an older one still on its way
            if name == "air":
                t0, t1 = self.air.visible_range()
                task = self._runner.run_db(chart_loads.load_air, store, self.air.selected_stations(), t0, t1,
                                           on_done=self._show_air, key=key)
            elif name == "river":
                t0, t1 = self.river.visible_range()
                task = self._runner.run_db(chart_loads.load_river, store, t0, t1, now, on_done=self._show_river,
                                           key=key)
            elif name == "incidents":
                t0, t1 = self.incidents.visible_range()
                task = self._runner.run_db(chart_loads.load_incidents, store, t0, t1, on_done=self._show_incidents,
                                           key=key)
            else:
                task = self._runner.run_db(chart_loads.load_hotspots, store, now - HOTSPOT_DAYS * 86400, now + 1,
                                           on_done=self._show_hotspots, key=key)
            self._loads[name] = task

    def settled(self) -> bool:
        """Every chart shows the store as of its last load: no refresh scheduled, no load on its way, no draw waiting
        for its turn (a screenshot waits for this)."""
        return not (self._dirty or self._timer.isActive() or self._draws
                    or any(self._runner.pending(task) for task in self._loads.values()))

    def _unchanged(self, name: str, result: Any) -> bool:
        """Whether ``result`` holds what the chart was last given. During a sync every feed landing reloads the
        charts, mostly with what they show already."""
        if self._closed:
            return True
        if name in self._shown and same_values(self._shown[name], result):
            return True
        self._shown[name] = result
        return False

    def _draw_in_turn(self, name: str, draw: Callable[[], None]) -> None:
        """Draw now when no other chart drew within the spacing, else at this chart's turn (its latest load)."""
        self._draws.pop(name, None)
        self._draws[name] = draw
        if not self._pace.isActive():
            self._draw_next()

    def _draw_next(self) -> None:
        if self._closed or not self._draws:
            return
        name = next(iter(self._draws))
        self._draws.pop(name)()
        self._pace.start()  # the next one after this one's frame, even if it comes later

    def _show_air(self, result: chart_loads.AirLoad) -> None:
        if not self._unchanged("air", result):
            self._draw_in_turn("air", lambda: self._draw_air(result))

    def _draw_air(self, result: chart_loads.AirLoad) -> None:
        self.air.set_data(result.charts)
        self.air.set_annotations(result.annotations)
        self._show_stations(result.stations)  # the first sync brings the stations: pick and load them

    def _show_river(self, result: chart_loads.RiverLoad) -> None:
        if not self._unchanged("river", result):
            self._draw_in_turn("river", lambda: self._draw_river(result))

    def _draw_river(self, result: chart_loads.RiverLoad) -> None:
        self.river.set_data(result.charts, result.projections, result.rates)
        self.river.set_annotations(result.annotations)

    def _show_incidents(self, result: chart_loads.IncidentLoadResult) -> None:
        if not self._unchanged("incidents", result):
            self._draw_in_turn("incidents", lambda: self._draw_incidents(result))

    def _draw_incidents(self, result: chart_loads.IncidentLoadResult) -> None:
        self.incidents.set_data(result.load)
        self.incidents.set_annotations(result.annotations)

    def _show_hotspots(self, days: HotspotDays) -> None:
        if not self._unchanged("hotspots", days):
            self._draw_in_turn("hotspots", lambda: self.hotspots.set_data(days, self.hotspots.district()))

    # --- export ----------------------------------------------------------------------------------------------------

    def _export(self, name: str, kind: str) -> None:
        """Ask where, then write on a worker: the picture as on screen, or the data of the visible window."""
        stem = {"river": "ping-river", "air": "pm25", "hotspots": "hotspots", "incidents": "incident-load"}[name]
        stamp = time.strftime("%Y%m%d-%H%M", time.localtime(self._clock()))
        if kind == "png":
            path, _filter = QFileDialog.getSaveFileName(self._window, t("ส่งออกภาพ", "Export image"),
                                                        f"{stem}-{stamp}.png", "PNG (*.png)")
            if path:
                self.export_png(name, path)
            return
        path, _filter = QFileDialog.getSaveFileName(self._window, t("ส่งออกข้อมูล", "Export data"),
                                                    f"{stem}-{stamp}.csv", "CSV (*.csv)")
        if path:
            self.export_csv(name, path)

    def export_png(self, name: str, path: str) -> None:
        image = self._widgets[name].export_image()  # type: ignore[attr-defined]
        self._runner.run_net(_save_image, image, path, lane="control", on_done=self._exported,
                             on_error=self._export_failed)

    def export_csv(self, name: str, path: str) -> None:
        """The CSV of exactly what the chart shows: its visible window (the hotspot bars: their 30 days)."""
        language = current_language()
        if name == "hotspots":
            days = self.hotspots.days()
            if days is None:
                return
            data = chart_loads.hotspot_csv(days, self.hotspots.district(), language)
        else:
            widget: Any = self._widgets[name]
            t0, t1 = widget.visible_range()
            if name == "air":
                data = chart_loads.air_csv(widget.charts(), t0, t1, language)
            elif name == "river":
                data = chart_loads.river_csv(widget.charts(), t0, t1, language)
            else:
                load = widget.load()
                if load is None:
                    return
                data = chart_loads.incident_load_csv(load, t0, t1, language)
        self._runner.run_net(chart_loads.write_export, path, data, lane="control", on_done=self._exported,
                             on_error=self._export_failed)

    def _exported(self, path: str) -> None:
        self.sig_notice.emit(t(f"ส่งออกแล้ว: {path}", f"Exported: {path}"))

    def _export_failed(self, error: BaseException) -> None:
        self.sig_notice.emit(t(f"ส่งออกไม่สำเร็จ: {error}", f"Export failed: {error}"))

    # --- language and shutdown -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        titles = {"river": t("กราฟระดับน้ำปิง", "Ping River levels"), "air": t("กราฟ PM2.5", "PM2.5 chart"),
                  "hotspots": t("กราฟจุดความร้อน", "Fire hotspots chart"),
                  "incidents": t("กราฟภาระงานเหตุการณ์", "Incident load")}
        for name, title in titles.items():
            self._window.dock(DOCK_NAMES[name]).setWindowTitle(title)
            self._widgets[name].retranslate()  # type: ignore[attr-defined]

    def stop(self) -> None:
        self._closed = True
        self._pace.stop()
        self._draws.clear()
        self._timer.stop()
