"""The situation overview in the side dock: the river gauges (every one on screen, worst first), then air quality
and the fire hotspots of the last 24 hours as tabs, with a line of totals.

The river table is as tall as its rows, so no gauge hides behind a scroll bar; the air list shows the home
province's stations (Chiang Mai), worst first, and the other provinces' stations only when asked, below them.
Every row shows its age and turns grey when it is out of date (widgets.readings_models); a timer moves the ages on.
Each station's hourly PM2.5 and each gauge's level over the last 24 hours are drawn as sparklines beside the latest
hourly value and the rate of rise (widgets.sparkline_delegate), when the console hands the series with the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from services.river_status import worst_first
from widgets.column_fit import ColumnsFitContents
from widgets.i18n import t
from widgets.readings_models import AirQualityModel, HotspotModel, RiverLevelModel
from widgets.sparkline_delegate import SparklineDelegate
from widgets.staggered_timer import StaggeredTimer

AGE_TICK_MS = 30_000  # ages are shown in minutes: twice a minute is enough
HOME_PROVINCE = ("เชียงใหม่", "Chiang Mai")  # (Thai, English): the province this console serves


def _table(model: Any, parent: QWidget, name: str, *stretch: int) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(False)
    view.setWordWrap(False)
    # A long name keeps its start and its end; columns whose start says what differs take _ElideEndDelegate.
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)  # compact rows
    header = view.horizontalHeader()
    # A few dozen rows at most: columns fit their text, the ``stretch`` columns share what is left (elided, their
    # tooltips have them whole), so nothing scrolls sideways in a dock of about 450 px.
    header.setMinimumSectionSize(24)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    ColumnsFitContents(view, (c for c in range(model.columnCount()) if c not in stretch))
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


class _ElideEndDelegate(QStyledItemDelegate):
    """Cuts a cell's text at its end, for text whose start says what matters: a band's words ("เริ่มมีผล…",
    "starting to…", where middle elision would keep only the end they share, "…สุขภาพ"), a gauge's code before its
    name ("CHM004 Chiang…", never "CHM00…Dao") and an air station's short name ("Chiang Dao Dis…")."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Any) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


def province_of(row: Any) -> tuple[str | None, str | None]:
    """(Thai, English) province of an Air4Thai station, from its area text ("…, Mueang, Lamphun" /
    "ต.… อ.…, จ.ลำพูน"); None where the area does not say."""
    area_th = (getattr(row, "area_th", None) or "").strip()
    area_en = (getattr(row, "area_en", None) or "").strip()
    th = area_th.rsplit(",", 1)[-1].strip().removeprefix("จ.").strip() if area_th else None
    en = area_en.rsplit(",", 1)[-1].strip() if area_en else None
    return th or None, en or None


def in_home_province(row: Any) -> bool:
    """True for a station of the home province, and for one whose area does not name a province."""
    th, en = province_of(row)
    if th is None and en is None:
        return True
    return th == HOME_PROVINCE[0] or (en or "").casefold() == HOME_PROVINCE[1].casefold()


def _worst_air_first(rows: Sequence[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: (-(r.aqi if r.aqi is not None else -1), r.code))


class OverviewPanel(QWidget):
    """River table, air and hotspot tabs and a line of totals; fed by ``set_air`` / ``set_river`` /
    ``set_hotspots`` / ``set_counts`` from the console."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.air_model = AirQualityModel(self)
        self.river_model = RiverLevelModel(self)
        self.hotspot_model = HotspotModel(self)
        self.totals = QLabel(self)
        self.river_box = QGroupBox(self)
        self.tabs = QTabWidget(self)
        self.air_page = QWidget(self.tabs)
        self.other_provinces = QCheckBox(self.air_page)
        self.river_table = _table(self.river_model, self.river_box, "riverLevelTable", 0)
        # The band's words are long ("เริ่มมีผลกระทบต่อสุขภาพ"): in a narrow dock they share the room with the station's
        # name rather than squeeze it out; the AQI beside them says the band in its number and colour.
        band = AirQualityModel.COLUMNS.index("band")
        self.air_table = _table(self.air_model, self.air_page, "airQualityTable", 0, band)
        self._elide_end = _ElideEndDelegate(self)
        self.hotspot_table = _table(self.hotspot_model, self.tabs, "hotspotTable", 1)
        self._counts: dict[str, int] = {}
        self._air_rows: list[Any] = []
        self._air_charts: list[Any] = []
        self._others = 0  # stations of other provinces in the latest air rows
        self._ticker = StaggeredTimer(self, AGE_TICK_MS)

        self.totals.setObjectName("overviewTotals")
        self.totals.setTextFormat(Qt.TextFormat.PlainText)
        # Wrapped, so its width never sets the dock's: a count that grows a digit must not resize the map.
        self.totals.setWordWrap(True)
        self.tabs.setObjectName("overviewTabs")
        self.other_provinces.setObjectName("airOtherProvinces")
        self.air_model.province_of = self._province_shown
        self.sparklines = SparklineDelegate(self)
        self.river_table.setItemDelegateForColumn(self.river_model.COLUMNS.index("trend"), self.sparklines)
        self.air_table.setItemDelegateForColumn(self.air_model.COLUMNS.index("hourly"), self.sparklines)
        self.air_table.setItemDelegateForColumn(band, self._elide_end)
        # Named short (widgets.place_names), air stations differ at their start: "Chiang Dao Dis…", "อ.เชียงดาว".
        self.air_table.setItemDelegateForColumn(AirQualityModel.COLUMNS.index("station"), self._elide_end)
        self.river_table.setItemDelegateForColumn(self.river_model.COLUMNS.index("gauge"), self._elide_end)

        # Every gauge on screen: the table is exactly as tall as its rows, and never scrolls.
        self.river_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        river_layout = QVBoxLayout(self.river_box)
        river_layout.setContentsMargins(4, 4, 4, 4)
        river_layout.addWidget(self.river_table)
        air_layout = QVBoxLayout(self.air_page)
        air_layout.setContentsMargins(2, 2, 2, 2)
        air_layout.addWidget(self.other_provinces)
        air_layout.addWidget(self.air_table, 1)
        self.tabs.addTab(self.air_page, "")
        self.tabs.addTab(self.hotspot_table, "")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.totals)
        layout.addWidget(self.river_box)
        layout.addWidget(self.tabs, 1)

        self.other_provinces.toggled.connect(lambda _on: self._show_air())
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()
        self._fit_river()
        self.retranslate()

    # --- data from the console -------------------------------------------------------------------------------------

    def set_air(self, rows: Sequence[Any], charts: Sequence[Any] | None = None) -> None:
        """The latest reading per station; the home province's first, worst first (operators look for red).
        ``charts``: the stations' last 24 hours (services.chart_series.AirStationChart), for the sparklines."""
        self._air_rows = list(rows)
        self._air_charts = list(charts or ())
        self._show_air()

    def set_river(self, rows: Sequence[Any], charts: Sequence[Any] | None = None) -> None:
        """The latest level per gauge, shown worst first on the one river scale (services.river_status).
        ``charts``: the gauges' last 24 hours (services.chart_series.RiverGaugeChart), for the sparklines."""
        self.river_model.set_rows(worst_first(list(rows)), charts)
        self._fit_river()

    def set_hotspots(self, rows: Sequence[Any]) -> None:
        """The last 24 hours' detections, newest first (services.overview.HotspotRow)."""
        self.hotspot_model.set_rows(sorted(rows, key=lambda r: r.acquired_at, reverse=True))
        self._title_tabs()

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self._counts = dict(counts)
        self._render_totals()

    def tick(self) -> None:
        """Ages move on (the timer calls this; so can a test)."""
        for model in (self.air_model, self.river_model, self.hotspot_model):
            model.tick()

    def select_station(self, layer: str, code: str) -> bool:
        """Select and show the station's row ("air" or "river" table); False when the station is not listed."""
        if layer == "air":
            if not any(r.code == code for r in self.air_model.rows()) and any(r.code == code
                                                                              for r in self._air_rows):
                self.other_provinces.setChecked(True)  # a station of another province asked for by name
            self.tabs.setCurrentWidget(self.air_page)
        table, model = ((self.air_table, self.air_model) if layer == "air" else (self.river_table, self.river_model))
        for row, item in enumerate(model.rows()):
            if item.code == code:
                table.selectRow(row)
                table.scrollTo(model.index(row, 0))
                table.setFocus()
                return True
        return False

    # --- showing ---------------------------------------------------------------------------------------------------

    def _show_air(self) -> None:
        home = [r for r in self._air_rows if in_home_province(r)]
        others = [r for r in self._air_rows if not in_home_province(r)]
        shown = _worst_air_first(home)
        if self.other_provinces.isChecked() or not home:
            shown += _worst_air_first(others)  # apart: below the home province's, each group worst first
        self.air_model.set_rows(shown, self._air_charts)
        self._others = len(others)
        self.other_provinces.setVisible(bool(others) and bool(home))
        self._title_tabs()

    def _province_shown(self, row: Any) -> str | None:
        """The province named after a station of another province (none for the home province's)."""
        if in_home_province(row):
            return None
        th, en = province_of(row)
        return t(th or en or "", en or th or "") or None

    def _fit_river(self) -> None:
        table = self.river_table
        rows = max(self.river_model.rowCount(), 1)
        height = (table.horizontalHeader().sizeHint().height() + rows * table.verticalHeader().defaultSectionSize()
                  + 2 * table.frameWidth())
        table.setFixedHeight(height)

    def retranslate(self) -> None:
        self.river_box.setTitle(t("ระดับน้ำแม่น้ำปิง (วิกฤตสุดก่อน)", "Ping River levels (worst first)"))
        for model in (self.air_model, self.river_model, self.hotspot_model):
            model.retranslate()
        self._title_tabs()
        self._render_totals()

    def _title_tabs(self) -> None:
        self.other_provinces.setText(t(f"แสดงสถานีจังหวัดอื่นด้วย ({self._others})",
                                       f"Also show other provinces' stations ({self._others})"))
        self.tabs.setTabText(0, t(f"คุณภาพอากาศ จ.{HOME_PROVINCE[0]} (AQI)", f"Air quality, {HOME_PROVINCE[1]} (AQI)"))
        n = self.hotspot_model.rowCount()
        self.tabs.setTabText(1, t(f"จุดความร้อน 24 ชม. ({n:,})", f"Hotspots 24 h ({n:,})"))

    def _render_totals(self) -> None:
        c = self._counts
        if not c:
            self.totals.setText(t("กำลังโหลดข้อมูลจากคลังในเครื่อง…", "Loading the local store…"))
            return
        self.totals.setText(t(
            f"จุดความร้อน 24 ชม.: {c.get('hotspots_24h', 0):,}   ·   เรื่องที่เปิดอยู่: {c.get('incidents_open', 0):,}"
            f"   ·   สถานีอากาศ: {c.get('air_stations', 0)}   ·   สถานีวัดน้ำ: {c.get('river_stations', 0)}"
            f"   ·   รอส่ง: {c.get('outbox_pending', 0)}",
            f"Hotspots 24 h: {c.get('hotspots_24h', 0):,}   ·   Open incidents: {c.get('incidents_open', 0):,}"
            f"   ·   Air stations: {c.get('air_stations', 0)}   ·   River gauges: {c.get('river_stations', 0)}"
            f"   ·   Pending edits: {c.get('outbox_pending', 0)}",
        ))
