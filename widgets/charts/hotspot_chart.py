"""Fire hotspots per day (Asia/Bangkok days), stacked by detection confidence, for all districts or one.

Three bar items (low, nominal, high confidence) are created once and refilled; each day's bar is the three stacked,
high confidence on top where the eye lands first. The district selector lists the districts with detections in the
window, most first, and redraws from the data already here (no new query); ``sig_district_changed`` tells the
console, which may keep the choice. The x axis shows the whole window (30 days fit a dock), so there is no zoom to
lose when new detections arrive.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from widgets.charts.annotation_markers import AlertMarkers
from widgets.charts.chart_export import save_png, stacked_image
from widgets.charts.chart_overlays import ChartEmptyState, ReadoutBox
from widgets.charts.chart_style import chart_font, hex_colour, pen, style_plot, style_toolbar_parts
from widgets.charts.crosshair import Crosshair
from widgets.charts.redraw_throttle import RedrawThrottle
from widgets.charts.time_axis import DAY_S, BangkokAxis, format_date
from widgets.i18n import t

if TYPE_CHECKING:
    from services.chart_series import HotspotDays

# Low, nominal, high confidence (MODIS 0-29 / 30-79 / 80-100, VIIRS l / n / h): pale to dark, so the split reads
# without telling hues apart.
CONFIDENCE_COLOURS: tuple[tuple[int, int, int], ...] = ((255, 213, 128), (245, 124, 0), (150, 40, 10))
CONFIDENCE_WORDS: tuple[tuple[str, str], ...] = (("ต่ำ", "low"), ("ปานกลาง", "nominal"), ("สูง", "high"))
BAR_SHARE = 0.8  # of a day
MIN_TOP = 5
HEADROOM = 1.15


class HotspotBarsChart(QWidget):
    """Hotspots per day and confidence (see the module)."""

    sig_district_changed = Signal(object)
    """The user chose a district (its code) or all districts (None)."""
    sig_export_requested = Signal(str)
    """The user asked to export: ``"png"`` or ``"csv"``."""
    sig_alert_clicked = Signal(int)
    """A fire alert's marker was clicked (the alert's id): select that alert in the Alerts dock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # attributes
        self._days: HotspotDays | None = None
        self._district: str | None = None
        self._per_day = np.zeros((0, 3), dtype=np.int64)
        self._readout_plain = ""
        # child widgets
        self.district_box = QComboBox(self)
        self.export_button = QToolButton(self)
        self._export_menu = QMenu(self)
        self._export_png = self._export_menu.addAction("")
        self._export_csv = self._export_menu.addAction("")
        self.legend = QLabel(self)
        self.axis = BangkokAxis("bottom")
        self.plot = pg.PlotWidget(self, axisItems={"bottom": self.axis})
        self.view: pg.ViewBox = self.plot.getPlotItem().getViewBox()
        self.bars = [pg.BarGraphItem(x=[], height=[], width=BAR_SHARE * DAY_S, brush=QColor(*rgb),
                                     pen=pen(QColor(*rgb).darker(140))) for rgb in CONFIDENCE_COLOURS]
        self.empty_state = ChartEmptyState(self.plot, lambda: t("ไม่มีจุดความร้อนในช่วงเวลานี้",
                                                                "No hotspots in this window"))
        self.readout = ReadoutBox(self.plot)
        self.crosshair = Crosshair(self.plot)
        self.alert_markers = AlertMarkers(self.view, self.sig_alert_clicked.emit)
        self._throttle = RedrawThrottle(self, self._draw)
        # setup
        self.setObjectName("hotspotBarsChart")
        style_plot(self.plot)
        self.plot.getPlotItem().setMouseEnabled(x=False, y=False)
        self.plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        for bar in self.bars:
            self.view.addItem(bar)
        self.district_box.setObjectName("hotspotDistrict")
        self.district_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        style_toolbar_parts(self.export_button, self._export_menu, self.legend)
        # layout
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.addWidget(self.district_box)
        toolbar.addStretch(1)
        toolbar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(toolbar)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        # connections
        self.district_box.activated.connect(self._district_chosen)
        self._export_png.triggered.connect(lambda: self.sig_export_requested.emit("png"))
        self._export_csv.triggered.connect(lambda: self.sig_export_requested.emit("csv"))
        self.crosshair.sig_moved.connect(self._pointer_moved)
        self.crosshair.sig_left.connect(self._pointer_left)
        self.retranslate()
        self.empty_state.set_empty(True)

    # -- public ----------------------------------------------------------------------------------------------------
    def set_data(self, days: HotspotDays, district: str | None = None) -> None:
        """Detections per day, district and confidence, shown for ``district`` (a code) or all (None)."""
        self._throttle.submit(days, district)

    def set_alerts(self, alerts: Sequence[Any]) -> None:
        """Fire alerts (services.alerts.model.AlertView) as "!" markers at their first time near the top of the bars
        (clicking one emits ``sig_alert_clicked``)."""
        self.alert_markers.set_alerts(alerts)

    def flush(self) -> None:
        """Draw the data waiting for the next redraw now."""
        self._throttle.flush()

    def district(self) -> str | None:
        return self._district

    def days(self) -> HotspotDays | None:
        """The data drawn (the last one handed over, once drawn)."""
        self.flush()
        return self._days

    def set_district(self, code: str | None) -> None:
        """Show one district (its code) or all (None), from the data already here; no signal."""
        self._district = code
        self._sync_box()
        self._redraw()

    def per_day(self) -> np.ndarray:
        """The counts drawn: shape (days, 3), low / nominal / high confidence."""
        return self._per_day.copy()

    def readout_text(self) -> str:
        return self._readout_plain if self.readout.isVisible() else ""

    def read_at(self, x: float) -> str:
        """Read the day holding time ``x`` as the crosshair would; returns the read-out as plain text."""
        px = self.plot.mapFromScene(self.view.mapViewToScene(pg.Point(x, 0))).x()
        self._pointer_moved(x, 0.0, float(px))
        return self.readout_text()

    def export_png(self, path: str) -> None:
        """Save the chart as on screen (legend over plot) as a PNG; ``OSError`` if it cannot be written."""
        self.flush()
        save_png([self.legend, self.plot], path)

    def export_image(self) -> QImage:
        """The picture :meth:`export_png` writes, for a worker to save (the UI thread never waits on the disk)."""
        self.flush()
        return stacked_image([self.legend, self.plot])

    def retranslate(self) -> None:
        self.export_button.setText(t("ส่งออก", "Export"))
        self._export_png.setText(t("ภาพ PNG…", "PNG image…"))
        self._export_csv.setText(t("ข้อมูล CSV…", "CSV data…"))
        self.district_box.setToolTip(t("อำเภอที่แสดง", "The district shown"))
        left = self.plot.getPlotItem().getAxis("left")
        left.setLabel(t("จุดความร้อนต่อวัน", "Hotspots per day"))
        left.label.setFont(chart_font())
        self.axis.refresh()
        self._sync_box()
        swatches = [f'<span style="color:{hex_colour(rgb)}">■</span>&nbsp;{html.escape(t(*words))}'
                    for rgb, words in zip(CONFIDENCE_COLOURS, CONFIDENCE_WORDS, strict=True)]
        title = t("ความเชื่อมั่น:", "confidence:")
        self.legend.setText(f'<span style="color:#616161">{html.escape(title)}</span> ' + " &nbsp; ".join(swatches))
        if self.empty_state.showing:
            self.empty_state.set_empty(True)
        self._pointer_left()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationFontChange:
            self.axis.refresh()
        super().changeEvent(event)

    # -- internals -------------------------------------------------------------------------------------------------
    def _draw(self, days: HotspotDays, district: str | None) -> None:
        self._days = days
        self._district = district if district in {d[0] for d in days.districts} else None
        self._sync_box()
        self._redraw()

    def _redraw(self) -> None:
        days = self._days
        if days is None:
            return
        counts = np.asarray(days.counts, dtype=np.int64)
        if counts.ndim != 3 or counts.shape[1] == 0:
            per_day = np.zeros((len(days.day_starts), 3), dtype=np.int64)
        elif self._district is None:
            per_day = counts.sum(axis=1)
        else:
            codes = [d[0] for d in days.districts]
            per_day = counts[:, codes.index(self._district), :]
        self._per_day = per_day
        starts = np.asarray(days.day_starts, dtype=np.float64)
        centres = starts + DAY_S / 2
        below = np.zeros(len(starts))
        for k, bar in enumerate(self.bars):
            bar.setOpts(x=centres, y0=below.copy(), height=per_day[:, k].astype(np.float64),
                        width=BAR_SHARE * DAY_S)
            below = below + per_day[:, k]
        if len(starts):
            self.view.setXRange(starts[0], starts[-1] + DAY_S, padding=0.01)
        top = float(below.max()) if below.size else 0.0
        self.view.setYRange(0, max(MIN_TOP, top * HEADROOM), padding=0)
        self.empty_state.set_empty(int(per_day.sum()) == 0)

    def _sync_box(self) -> None:
        self.district_box.blockSignals(True)
        self.district_box.clear()
        self.district_box.addItem(t("ทุกอำเภอ", "All districts"), None)
        days = self._days
        if days is not None:
            totals = np.asarray(days.counts).sum(axis=(0, 2)) if np.asarray(days.counts).ndim == 3 else []
            for i, (code, name_th, name_en) in enumerate(days.districts):
                total = int(totals[i]) if len(totals) > i else 0
                self.district_box.addItem(f"{t(name_th or name_en, name_en or name_th)} ({total})", code)
        index = self.district_box.findData(self._district) if self._district is not None else 0
        self.district_box.setCurrentIndex(max(0, index))
        self.district_box.blockSignals(False)

    def _district_chosen(self, index: int) -> None:
        code = self.district_box.itemData(index)
        if code == self._district:
            return
        self._district = code
        self._redraw()
        self.sig_district_changed.emit(code)

    def _pointer_moved(self, x: float, _y: float, px: float) -> None:
        days = self._days
        if days is None or not len(days.day_starts):
            self._pointer_left()
            return
        starts = np.asarray(days.day_starts, dtype=np.float64)
        i = int(np.searchsorted(starts, x, side="right")) - 1
        if i < 0 or x >= starts[i] + DAY_S:
            self._pointer_left()
            return
        low, nominal, high = (int(c) for c in self._per_day[i])
        words = [f"{t(*CONFIDENCE_WORDS[k])} {n}" for k, n in enumerate((low, nominal, high))]
        total = t(f"{low + nominal + high} จุด", f"{low + nominal + high} hotspots")
        when = format_date(float(starts[i]))
        self._readout_plain = f"{when}\n{total} ({' · '.join(words)})"
        self.crosshair.place(float(starts[i]) + DAY_S / 2)
        self.readout.show_at(f"<b>{html.escape(when)}</b><br>{html.escape(total)} ({html.escape(' · '.join(words))})",
                             px)

    def _pointer_left(self) -> None:
        self.crosshair.hide()
        self.readout.hide()
        self._readout_plain = ""
