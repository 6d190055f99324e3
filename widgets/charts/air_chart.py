"""PM2.5 per station: the hourly values (solid) and the 24-hour mean (dashed) of each chosen station, over the Thai
AQI 2023 bands.

The y axis starts at 0 and reaches at least into the moderate band, so a clean day reads as clean against the bands
rather than being stretched to fill the plot. The read-out names the band of the 24-hour mean: the Thai AQI is
defined on that mean, not on single hours.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from widgets.charts.aqi_bands import AqiBandLayer, band_words, pm25_band_of
from widgets.charts.chart_style import chart_font, hex_colour, series_colour
from widgets.charts.series_curve import make_curve, series_has_values_in, show_series, value_at, visible_extent
from widgets.charts.station_picker import StationPicker
from widgets.charts.time_chart import Clock, Readout, ReadoutRow, TimeChart
from widgets.i18n import t

if TYPE_CHECKING:
    from services.chart_series import AirStationChart, ChartStations

PM_UNIT = "µg/m³"
MIN_TOP = 50.0  # the y axis shows at least 0–50 µg/m³: very good, good and the start of moderate
HEADROOM = 1.1
NAME_CHARS = 28  # legend names are cut here (the read-out and the picker have them whole)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


class AirQualityChart(TimeChart):
    """PM2.5 per station over the AQI bands (see the module)."""

    sig_stations_changed = Signal(list)
    """The user picked other stations: their codes (ask for their data)."""

    def __init__(self, parent: QWidget | None = None, *, preset: str = "7d", clock: Clock | None = None) -> None:
        super().__init__(parent, preset=preset, clock=clock)
        # attributes
        self._charts: list[AirStationChart] = []
        self._curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        # child widgets
        self.bands = AqiBandLayer(self.view)
        self.station_picker = StationPicker(self)
        # setup
        self.setObjectName("airQualityChart")
        self.add_tool(self.station_picker)
        self.plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        # connections
        self.station_picker.sig_stations_changed.connect(self.sig_stations_changed)
        self.retranslate()

    # -- public ----------------------------------------------------------------------------------------------------
    def set_stations(self, stations: ChartStations) -> None:
        """The stations the picker offers (``ChartStations.air``)."""
        self.station_picker.set_stations(stations.air)

    def set_selected_stations(self, codes: Sequence[str]) -> None:
        """Tick these stations in the picker (no signal)."""
        self.station_picker.set_selected(codes)

    def selected_stations(self) -> list[str]:
        return self.station_picker.selected()

    def add_station(self, code: str) -> None:
        """Add a station (clicked on the map or in the situation table); ``sig_stations_changed`` follows."""
        self.station_picker.add(code)

    def set_data(self, charts: Sequence[AirStationChart]) -> None:
        """The stations' series to draw (drawn at the chart's redraw rate)."""
        self._submit(list(charts))

    def charts(self) -> list[AirStationChart]:
        """The series drawn now."""
        return list(self._charts)

    def curves_of(self, code: str) -> tuple[pg.PlotDataItem, pg.PlotDataItem] | None:
        """(hourly, 24-hour mean) curves of a station, None before it was first drawn."""
        return self._curves.get(code)

    # -- TimeChart -------------------------------------------------------------------------------------------------
    def _apply(self, charts: list[AirStationChart]) -> None:
        self._charts = charts
        drawn = set()
        for chart in charts:
            hourly, mean = self._curves_for(chart.code)
            show_series(hourly, chart.hourly)
            show_series(mean, chart.mean24)
            drawn.add(chart.code)
        for code, (hourly, mean) in self._curves.items():
            if code not in drawn:  # kept for when the station comes back, drawn empty meanwhile
                show_series(hourly, None)
                show_series(mean, None)

    def _curves_for(self, code: str) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        if code not in self._curves:
            colour = series_colour(len(self._curves))  # a station keeps its colour while the chart lives
            self._curves[code] = (make_curve(self.view, colour, z=2), make_curve(self.view, colour, dashed=True, z=1))
        return self._curves[code]

    def _colour_of(self, code: str) -> QColor:
        return self._curves[code][0].opts["pen"].color()

    def _has_data_in(self, t0: float, t1: float) -> bool:
        return any(series_has_values_in(c.hourly, t0, t1) or series_has_values_in(c.mean24, t0, t1)
                   for c in self._charts)

    def _y_range_for(self, t0: float, t1: float) -> tuple[float, float] | None:
        top = MIN_TOP
        for chart in self._charts:
            for series in (chart.hourly, chart.mean24):
                extent = visible_extent(series, t0, t1)
                if extent is not None:
                    top = max(top, extent[1] * HEADROOM)
        return 0.0, top

    def _readout(self, x: float) -> Readout | None:
        at: float | None = None
        rows: list[ReadoutRow] = []
        for chart in self._charts:
            hourly, mean = value_at(chart.hourly, x), value_at(chart.mean24, x)
            if hourly is None and mean is None:
                continue
            at = (hourly or mean)[0] if at is None else at  # type: ignore[index]
            rows.append(ReadoutRow(self._colour_of(chart.code), self._readout_line(chart, hourly, mean)))
        return Readout(at, rows) if at is not None else None

    @staticmethod
    def _readout_line(chart: AirStationChart, hourly: tuple[float, float] | None,
                      mean: tuple[float, float] | None) -> str:
        name = t(chart.name_th or chart.name_en, chart.name_en or chart.name_th)
        no_data = t("ไม่มีข้อมูล", "no data")
        value = hourly[1] if hourly is not None else math.nan
        text = f"{name}: {value:.1f} {PM_UNIT}" if math.isfinite(value) else f"{name}: {no_data}"
        average = mean[1] if mean is not None else math.nan
        if math.isfinite(average):
            text += f" · {t('เฉลี่ย 24 ชม.', '24-h mean')} {average:.1f} ({band_words(pm25_band_of(average))})"
        return text

    def _legend_html(self) -> str:
        if not self._charts:
            return ""
        items = []
        for chart in self._charts:
            name = _short(t(chart.name_th or chart.name_en, chart.name_en or chart.name_th))
            items.append(f'<span style="color:{hex_colour(self._colour_of(chart.code))}">■</span>&nbsp;'
                         f"{html.escape(name)}")
        key = t("เส้นทึบ รายชั่วโมง · เส้นประ เฉลี่ย 24 ชม.", "solid hourly · dashed 24-h mean")
        return " &nbsp; ".join(items) + f' &nbsp; <span style="color:#616161">({html.escape(key)})</span>'

    def _retranslate_extra(self) -> None:
        left = self.plot.getPlotItem().getAxis("left")
        left.setLabel(f"PM2.5 ({PM_UNIT})")
        left.label.setFont(chart_font())
        self.station_picker.retranslate()
        self.legend.setToolTip(t("สีพื้นหลังคือระดับดัชนีคุณภาพอากาศของไทย (พ.ศ. 2566) ของ PM2.5",
                                 "The background colours are the Thai AQI (2023) bands of PM2.5"))
