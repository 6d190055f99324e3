"""Ping River level per gauge, upstream to downstream, with each gauge's own thresholds, its rate of rise and a
projection to its next threshold.

Thresholds are dashed lines in their river band's colour (services.river_status, as the map and the river table
paint them), labelled with the gauge, the threshold's name and its level. A projection is a dashed segment from the
gauge's latest reading to the threshold at the time the current rate would reach it, tagged "projection" on the
plot where it starts and worded under it ("bank-full in about 5 h at the current rate (projection)"). Following now,
the window reaches a little into the future so the projection is on screen.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from services import river_status
from services.chart_math import RIVER_STEADY_M_PER_H, latest_value, trend_arrow
from widgets.charts.chart_style import chart_font, hex_colour, pen
from widgets.charts.river_words import level_text, projection_sentence, rate_text, threshold_words
from widgets.charts.series_curve import make_curve, series_has_values_in, show_series, value_at, visible_extent
from widgets.charts.time_chart import Clock, Readout, ReadoutRow, TimeChart
from widgets.i18n import t
from widgets.status_words import river_band_label

if TYPE_CHECKING:
    from services.chart_math import Projection
    from services.chart_series import RiverGaugeChart

# Gauge colours: blue, teal, purple, near-black, brown…; none of them the orange and red of the thresholds.
GAUGE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (21, 101, 192), (0, 105, 92), (106, 27, 154), (33, 33, 33), (93, 64, 55), (55, 71, 79), (130, 119, 23),
)
THRESHOLDS = ("bank_full", "flooding")
FUTURE_SHARE = 0.25  # following, up to this share of the window lies after now (where projections are drawn)
FUTURE_MAX_S = 12 * 3600
MIN_PAD_M = 0.1


@dataclass
class _GaugeItems:
    """What one gauge draws; created the first time the gauge is drawn and kept."""

    colour: QColor
    curve: pg.PlotDataItem
    lines: dict[str, pg.InfiniteLine]
    projection: pg.PlotDataItem
    projection_tag: pg.TextItem


class RiverLevelChart(TimeChart):
    """River levels per gauge (see the module)."""

    def __init__(self, parent: QWidget | None = None, *, preset: str = "24h", clock: Clock | None = None) -> None:
        super().__init__(parent, preset=preset, clock=clock)
        # attributes
        self._charts: list[RiverGaugeChart] = []
        self._projections: dict[str, Projection | None] = {}
        self._rates: dict[str, float | None] = {}
        self._items: dict[str, _GaugeItems] = {}
        # child widgets
        self.notes = QLabel(self)
        # setup
        self.setObjectName("riverLevelChart")
        self.notes.setObjectName("chartProjectionNotes")
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setWordWrap(True)
        self.notes.hide()
        self.plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        # layout
        self.layout().addWidget(self.notes)
        self.retranslate()

    # -- public ----------------------------------------------------------------------------------------------------
    def set_data(self, charts: Sequence[RiverGaugeChart], projections: Mapping[str, Projection | None] | None = None,
                 rates: Mapping[str, float | None] | None = None) -> None:
        """The gauges' levels (any order; drawn upstream to downstream), each gauge's projection to its next
        threshold and its rate of rise (m/h) by gauge code."""
        self._submit(sorted(charts, key=lambda c: c.rank), dict(projections or {}), dict(rates or {}))

    def charts(self) -> list[RiverGaugeChart]:
        return list(self._charts)

    def gauge_items(self, code: str) -> _GaugeItems | None:
        """The curve, threshold lines and projection of a gauge, None before it was first drawn."""
        return self._items.get(code)

    def projection_texts(self) -> dict[str, str]:
        """The worded projection of each gauge that has one (what the notes under the plot say)."""
        return {code: projection_sentence(p.threshold_name, p.hours)
                for code, p in self._projections.items() if p is not None}

    # -- TimeChart -------------------------------------------------------------------------------------------------
    def _export_parts(self) -> list[QWidget]:
        return [*super()._export_parts(), self.notes]

    def _lead_s(self, span: float) -> float:
        return max(super()._lead_s(span), min(span * FUTURE_SHARE, FUTURE_MAX_S))

    def _apply(self, charts: list[RiverGaugeChart], projections: dict[str, Projection | None],
               rates: dict[str, float | None]) -> None:
        self._charts, self._projections, self._rates = charts, projections, rates
        drawn = set()
        for chart in charts:
            items = self._items_for(chart.code)
            show_series(items.curve, chart.level)
            for name, level in zip(THRESHOLDS, (chart.bank_full_m, chart.flood_m), strict=True):
                self._place_threshold(items.lines[name], chart.code, name, level)
            self._place_projection(items, chart, projections.get(chart.code))
            drawn.add(chart.code)
        for code, items in self._items.items():
            if code not in drawn:
                show_series(items.curve, None)
                for line in items.lines.values():
                    line.hide()
                self._place_projection(items, None, None)
        self._refresh_notes()

    def _items_for(self, code: str) -> _GaugeItems:
        if code not in self._items:
            colour = QColor(*GAUGE_COLOURS[len(self._items) % len(GAUGE_COLOURS)])
            lines = {}
            for name in THRESHOLDS:
                band_colour = QColor(*river_status.COLOURS[name])
                line = pg.InfiniteLine(angle=0, movable=False, pen=pen(band_colour, dashed=True),
                                       label="", labelOpts={"position": 0.02, "color": band_colour.darker(130),
                                                            "anchors": [(0, 0), (0, 1)]})
                line.label.setFont(chart_font())
                line.setZValue(5)
                line.hide()
                self.view.addItem(line, ignoreBounds=True)
                lines[name] = line
            projection = pg.PlotDataItem(pen=pen(colour, dashed=True))
            projection.setZValue(3)
            self.view.addItem(projection, ignoreBounds=True)
            tag = pg.TextItem("", color=colour, anchor=(0, 0))
            tag.setFont(chart_font())
            tag.hide()
            self.view.addItem(tag, ignoreBounds=True)
            self._items[code] = _GaugeItems(colour, make_curve(self.view, colour, z=4), lines, projection, tag)
        return self._items[code]

    @staticmethod
    def _place_threshold(line: pg.InfiniteLine, code: str, name: str, level: float | None) -> None:
        if level is None or not math.isfinite(level):
            line.hide()
            return
        line.setPos(level)
        line.show()  # before the text: a hidden line's label does not take new text
        text = f"{code} {t(*threshold_words(name))} {level_text(level)}"
        line.label.setFormat(text.replace("{", "{{").replace("}", "}}"))  # the label formats it with {value}

    def _place_projection(self, items: _GaugeItems, chart: RiverGaugeChart | None,
                          projection: Projection | None) -> None:
        latest = latest_value(chart.level) if chart is not None else None
        if projection is None or latest is None:
            items.projection.setData(np.empty(0), np.empty(0))
            items.projection_tag.hide()
            return
        items.projection.setData(np.array([latest[0], projection.at]), np.array([latest[1], projection.threshold_m]))
        items.projection_tag.setText(t("คาดการณ์ ⇢", "projection ⇢"))
        # At the start of the segment, under it: on screen whenever the latest reading is, however far ahead the
        # threshold is reached.
        items.projection_tag.setPos(latest[0], latest[1])
        items.projection_tag.show()

    def _refresh_notes(self) -> None:
        lines = []
        for chart in self._charts:
            projection = self._projections.get(chart.code)
            if projection is None:
                continue
            colour = self._items[chart.code].colour
            sentence = projection_sentence(projection.threshold_name, projection.hours)
            lines.append(f'<span style="color:{hex_colour(colour)}">⇢</span>&nbsp;{html.escape(chart.code)}: '
                         f"{html.escape(sentence)}")
        self.notes.setText("<br>".join(lines))
        self.notes.setVisible(bool(lines))

    def _has_data_in(self, t0: float, t1: float) -> bool:
        return any(series_has_values_in(c.level, t0, t1) for c in self._charts)

    def _y_range_for(self, t0: float, t1: float) -> tuple[float, float] | None:
        values: list[float] = []
        for chart in self._charts:
            extent = visible_extent(chart.level, t0, t1)
            if extent is None:
                continue
            values.extend(extent)
            values.extend(m for m in (chart.bank_full_m, chart.flood_m) if m is not None and math.isfinite(m))
            projection = self._projections.get(chart.code)
            if projection is not None:
                values.append(projection.threshold_m)
        if not values:
            return None
        lo, hi = min(values), max(values)
        pad = max(MIN_PAD_M, (hi - lo) * 0.08)
        return lo - pad, hi + pad

    def _readout(self, x: float) -> Readout | None:
        at: float | None = None
        rows: list[ReadoutRow] = []
        for chart in self._charts:
            found = value_at(chart.level, x)
            if found is None:
                continue
            at = found[0] if at is None else at
            name = t(chart.name_th or chart.name_en, chart.name_en or chart.name_th)
            level = found[1]
            if not math.isfinite(level):
                text = f"{chart.code} {name}: {t('ไม่มีข้อมูล', 'no data')}"
            else:
                text = f"{chart.code} {name}: {level_text(level)}"
                if chart.bank_full_m is not None or chart.flood_m is not None:
                    limits = {k: v for k, v in (("bank_full_m", chart.bank_full_m), ("flood_m", chart.flood_m))
                              if v is not None}
                    band = river_status.river_status(level, limits, None, None).band
                    text += f" ({river_band_label(band)})"
            rows.append(ReadoutRow(self._items[chart.code].colour, text))
        return Readout(at, rows) if at is not None else None

    def _legend_html(self) -> str:
        if not self._charts:
            return ""
        items = []
        for chart in self._charts:
            colour = self._items[chart.code].colour
            text = chart.code
            latest = latest_value(chart.level)
            if latest is not None:
                text += f" {level_text(latest[1])}"
            rate = self._rates.get(chart.code)
            arrow = trend_arrow(rate, RIVER_STEADY_M_PER_H)
            if arrow:
                text += f" {arrow}"
            if rate is not None and math.isfinite(rate) and arrow != "→":
                text += f" {rate_text(rate)}"
            items.append(f'<span style="color:{hex_colour(colour)}">■</span>&nbsp;{html.escape(text)}')
        order = t("ต้นน้ำ → ท้ายน้ำ:", "upstream → downstream:")
        return f'<span style="color:#616161">{html.escape(order)}</span> ' + " &nbsp; ".join(items)

    def _retranslate_extra(self) -> None:
        left = self.plot.getPlotItem().getAxis("left")
        left.setLabel(t("ระดับน้ำ (ม.)", "Level (m)"))
        left.label.setFont(chart_font())
        for chart in self._charts:
            items = self._items[chart.code]
            for name, level in zip(THRESHOLDS, (chart.bank_full_m, chart.flood_m), strict=True):
                self._place_threshold(items.lines[name], chart.code, name, level)
            if items.projection_tag.isVisible():
                items.projection_tag.setText(t("คาดการณ์ ⇢", "projection ⇢"))
        self._refresh_notes()
