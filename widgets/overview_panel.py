"""Central situation overview: latest air quality by station and river levels by gauge, side by side, with totals.

The map (a later panel) takes the centre; this overview then moves into a dock of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets.i18n import t
from widgets.readings_models import AirQualityModel, RiverLevelModel


def _table(model: Any, parent: QWidget, name: str) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)  # compact rows, no ResizeToContents
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class OverviewPanel(QWidget):
    """Two tables and a line of totals; fed by ``set_air`` / ``set_river`` / ``set_counts`` from the console."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.air_model = AirQualityModel(self)
        self.river_model = RiverLevelModel(self)
        self.totals = QLabel(self)
        self.air_box = QGroupBox(self)
        self.river_box = QGroupBox(self)
        self.air_table = _table(self.air_model, self.air_box, "airQualityTable")
        self.river_table = _table(self.river_model, self.river_box, "riverLevelTable")
        self._counts: dict[str, int] = {}

        self.totals.setObjectName("overviewTotals")
        self.totals.setTextFormat(Qt.TextFormat.PlainText)
        for box, table in ((self.air_box, self.air_table), (self.river_box, self.river_table)):
            inner = QVBoxLayout(box)
            inner.setContentsMargins(4, 4, 4, 4)
            inner.addWidget(table)
        # Widths for a side dock of about 560 px: the name column gives way first.
        for column, width in enumerate((190, 72, 44, 150, 52)):
            self.air_table.setColumnWidth(column, width)
        for column, width in enumerate((170, 64, 84, 60, 80, 52)):
            self.river_table.setColumnWidth(column, width)

        splitter = QSplitter(Qt.Orientation.Vertical, self)  # a side dock: air above river
        splitter.addWidget(self.air_box)
        splitter.addWidget(self.river_box)
        splitter.setSizes([520, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.totals)
        layout.addWidget(splitter, 1)
        self.retranslate()

    def set_air(self, rows: Sequence[Any]) -> None:
        # Worst first: operators look for the red stations.
        self.air_model.set_rows(sorted(rows, key=lambda r: (-(r.aqi if r.aqi is not None else -1), r.code)))

    def set_river(self, rows: Sequence[Any]) -> None:
        self.river_model.set_rows(rows)

    def select_station(self, layer: str, code: str) -> bool:
        """Select and show the station's row ("air" or "river" table); False when the station is not listed."""
        table, model = ((self.air_table, self.air_model) if layer == "air" else (self.river_table, self.river_model))
        for row, item in enumerate(model.rows()):
            if item.code == code:
                table.selectRow(row)
                table.scrollTo(model.index(row, 0))
                table.setFocus()
                return True
        return False

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self._counts = dict(counts)
        self._render_totals()

    def retranslate(self) -> None:
        self.air_box.setTitle(t("คุณภาพอากาศล่าสุด (ดัชนี AQI ประเทศไทย)", "Latest air quality (Thai AQI)"))
        self.river_box.setTitle(t("ระดับน้ำแม่น้ำปิง", "Ping River levels"))
        self.air_model.retranslate()
        self.river_model.retranslate()
        self._render_totals()

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
