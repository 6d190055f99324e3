"""Incident load over time: incidents opened and closed per bucket (side-by-side bars), the backlog still open at
each bucket's end (a line on its own axis, right: it runs in the hundreds while a bucket opens a handful) and the
SLA breaches escalated in each bucket (✕ markers at their count).

Opened outrunning closed, and a backlog line that keeps climbing, is the load outrunning the crews.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from widgets.charts.chart_style import chart_font, hex_colour, pen, style_axis
from widgets.charts.series_curve import bucket_index, make_curve
from widgets.charts.time_chart import Clock, Readout, ReadoutRow, TimeChart
from widgets.i18n import t

if TYPE_CHECKING:
    from services.chart_series import IncidentLoad

OPENED = QColor(30, 136, 229)
CLOSED = QColor(0, 137, 123)
BACKLOG = QColor(106, 27, 154)
BREACH = QColor(33, 33, 33)  # the console's SLA-breached near-black (widgets.table_colours.SLA)
BAR_SHARE = 0.4  # of a bucket, each of the two bars
MIN_TOP = 5.0
HEADROOM = 1.15


class IncidentLoadChart(TimeChart):
    """Opened / closed bars, backlog line (right axis) and SLA breach markers (see the module)."""

    def __init__(self, parent: QWidget | None = None, *, preset: str = "24h", clock: Clock | None = None) -> None:
        super().__init__(parent, preset=preset, clock=clock)
        # attributes
        self._load: IncidentLoad | None = None
        self._bucket_s = 3600.0
        # child widgets
        self.backlog_view = pg.ViewBox()
        self.opened_bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=OPENED, pen=pen(OPENED.darker(130)))
        self.closed_bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=CLOSED, pen=pen(CLOSED.darker(130)))
        self.breach_markers = pg.ScatterPlotItem(symbol="x", size=10, pxMode=True, brush=pg.mkBrush(BREACH),
                                                 pen=pen(BREACH))
        # setup
        self.setObjectName("incidentLoadChart")
        item = self.plot.getPlotItem()
        item.showAxis("right")
        right = item.getAxis("right")
        style_axis(right)
        right.setGrid(False)  # the left axis draws the grid; two sets of lines would not line up
        right.enableAutoSIPrefix(False)
        item.getAxis("left").enableAutoSIPrefix(False)
        # The backlog has its own y axis: a second view box over the plot's, x linked, drawn beneath it so the
        # mouse (zoom, pan, crosshair, annotation clicks) stays with the main view.
        item.scene().addItem(self.backlog_view)
        right.linkToView(self.backlog_view)
        self.backlog_view.setXLink(self.view)
        self.backlog_view.setMouseEnabled(x=False, y=False)
        self.backlog_view.setZValue(self.view.zValue() - 10)
        self.backlog_view.disableAutoRange()
        self.backlog_curve = make_curve(self.backlog_view, BACKLOG)
        for bars in (self.opened_bars, self.closed_bars):
            self.view.addItem(bars)
        self.view.addItem(self.breach_markers)
        self.breach_markers.setZValue(10)
        # connections
        self.view.sigResized.connect(self._sync_views)
        self.retranslate()
        self._sync_views()

    # -- public ----------------------------------------------------------------------------------------------------
    def set_data(self, load: IncidentLoad) -> None:
        """The load per bucket to draw (at the chart's redraw rate)."""
        self._submit(load)

    def load(self) -> IncidentLoad | None:
        return self._load

    # -- TimeChart -------------------------------------------------------------------------------------------------
    def _sync_views(self) -> None:
        self.backlog_view.setGeometry(self.view.sceneBoundingRect())
        self.backlog_view.linkedViewChanged(self.view, self.backlog_view.XAxis)

    def _apply(self, load: IncidentLoad) -> None:
        self._load = load
        stamps = np.asarray(load.t, dtype=np.float64)
        self._bucket_s = float(stamps[1] - stamps[0]) if len(stamps) > 1 else 3600.0
        width = self._bucket_s * BAR_SHARE
        # Opened in the first half of the bucket, closed in the second: the two bars of a bucket stand side by side.
        self.opened_bars.setOpts(x=stamps + self._bucket_s * 0.3, height=np.asarray(load.opened, dtype=np.float64),
                                 width=width)
        self.closed_bars.setOpts(x=stamps + self._bucket_s * 0.7, height=np.asarray(load.closed, dtype=np.float64),
                                 width=width)
        self.backlog_curve.setData(stamps + self._bucket_s, np.asarray(load.backlog, dtype=np.float64))  # at its end
        breaches = np.asarray(load.breaches, dtype=np.float64)
        hit = breaches > 0
        self.breach_markers.setData(x=stamps[hit] + self._bucket_s / 2, y=breaches[hit])

    def _visible(self, t0: float, t1: float) -> slice | None:
        load = self._load
        if load is None or len(load.t) == 0:
            return None
        i0, i1 = np.searchsorted(np.asarray(load.t, dtype=np.float64), [t0 - self._bucket_s, t1], side="left")
        return slice(int(i0), int(i1)) if i1 > i0 else None

    def _has_data_in(self, t0: float, t1: float) -> bool:
        part = self._visible(t0, t1)
        load = self._load
        if part is None or load is None:
            return False
        # A bucket with nothing opened or closed but a backlog still shows the load: only all zeros is empty.
        return any(np.asarray(a)[part].any() for a in (load.opened, load.closed, load.backlog, load.breaches))

    def _y_range_for(self, t0: float, t1: float) -> tuple[float, float] | None:
        # The left axis's range is returned; the backlog's own axis is fitted here too, to the same window.
        part = self._visible(t0, t1)
        load = self._load
        top, backlog_top = MIN_TOP, MIN_TOP
        if part is not None and load is not None:
            for counts in (load.opened, load.closed, load.breaches):
                values = np.asarray(counts)[part]
                if values.size:
                    top = max(top, float(values.max()) * HEADROOM)
            backlog = np.asarray(load.backlog)[part]
            if backlog.size:
                backlog_top = max(backlog_top, float(backlog.max()) * HEADROOM)
        self.backlog_view.setYRange(0, backlog_top, padding=0)
        return 0.0, top

    def _readout(self, x: float) -> Readout | None:
        load = self._load
        if load is None:
            return None
        stamps = np.asarray(load.t, dtype=np.float64)
        i = bucket_index(stamps, x)
        if i is None:
            return None
        rows = [
            ReadoutRow(OPENED, t("เปิดใหม่", "opened") + f" {int(load.opened[i])}"),
            ReadoutRow(CLOSED, t("ปิดแล้ว", "closed") + f" {int(load.closed[i])}"),
            ReadoutRow(BACKLOG, t("ค้างอยู่ตอนท้ายช่วง", "open at the end") + f" {int(load.backlog[i])}"),
            ReadoutRow(BREACH, t("เกิน SLA", "SLA breaches") + f" {int(load.breaches[i])}"),
        ]
        return Readout(float(stamps[i]), rows)

    def _legend_html(self) -> str:
        parts = [
            (OPENED, "■", t("เปิดใหม่", "opened")),
            (CLOSED, "■", t("ปิดแล้ว", "closed")),
            (BACKLOG, "━", t("ค้างอยู่ (แกนขวา)", "open backlog (right axis)")),
            (BREACH, "✕", t("เกิน SLA", "SLA breaches")),
        ]
        return " &nbsp; ".join(f'<span style="color:{hex_colour(c)}">{glyph}</span>&nbsp;{html.escape(text)}'
                               for c, glyph, text in parts)

    def _retranslate_extra(self) -> None:
        item = self.plot.getPlotItem()
        for name, words in (("left", ("เรื่องต่อช่วงเวลา", "Incidents per bucket")), ("right", ("ค้างอยู่", "Open"))):
            axis = item.getAxis(name)
            axis.setLabel(t(*words))
            axis.label.setFont(chart_font())
