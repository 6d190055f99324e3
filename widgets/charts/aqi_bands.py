"""The Thai AQI 2023 PM2.5 bands drawn behind a chart's curves, in the bands' own colours.

The edges come from ``services.feeds.thai_aqi``, the one source of truth, through its public rule rather than a
copy of its table: the table is published to one decimal (0–15.0, 15.1–25.0, 25.1–37.5, 37.6–75.0, ≥ 75.1) and a
value is rounded half up to that decimal before it is banded, so 15.04 is band 1 and 15.05 band 2. Scanning the
rule over tenths finds each change of band; the drawn edge is half a tenth below the first value of the new band
(15.05), so every value falls in the region of the band the table gives it, 15.0 in blue and 15.1 in green.
"""

from __future__ import annotations

import functools

import pyqtgraph as pg
from PySide6.QtGui import QColor

from services.feeds.thai_aqi import BANDS, AqiBand, band_for_aqi, sub_index
from widgets.i18n import t

FILL_ALPHA = 70  # pale enough for the curves on top to read, strong enough to tell the bands apart
OPEN_END = 1e6  # the first band reaches down and the last up to here (left out of the auto-range)
_SCAN_TENTHS = 5000  # 0.0 … 500.0 µg/m³, far past the start of the last band
_BAND_INFO = {band.number: band for band in BANDS}


def pm25_band_of(value: float) -> int:
    """The Thai AQI band (1–5) of a PM2.5 value (µg/m³), by the table's rule."""
    index = sub_index("pm25", value)
    if index is None:
        raise ValueError(f"no AQI band for {value!r}")
    return band_for_aqi(index)


@functools.cache
def pm25_band_edges() -> tuple[tuple[float, float, int], ...]:
    """(low, high, band) of each band's region, low inclusive, high exclusive, lowest first."""
    regions: list[tuple[float, float, int]] = []
    low, current = -OPEN_END, pm25_band_of(0.0)
    for k in range(1, _SCAN_TENTHS + 1):
        band = pm25_band_of(k / 10)
        if band != current:
            edge = (k - 0.5) / 10
            regions.append((low, edge, current))
            low, current = edge, band
    regions.append((low, OPEN_END, current))
    return tuple(regions)


def band_words(band: int) -> str:
    info: AqiBand = _BAND_INFO[band]
    return t(info.label_th, info.label_en)


class AqiBandLayer:
    """The band regions of one view box, behind everything else in it."""

    def __init__(self, view: pg.ViewBox) -> None:
        self.regions: list[tuple[pg.LinearRegionItem, int]] = []
        for low, high, band in pm25_band_edges():
            colour = QColor(*_BAND_INFO[band].rgb)
            colour.setAlpha(FILL_ALPHA)
            item = pg.LinearRegionItem(values=(low, high), orientation="horizontal", movable=False,
                                       brush=pg.mkBrush(colour), hoverBrush=pg.mkBrush(colour),
                                       pen=pg.mkPen(None), hoverPen=pg.mkPen(None))
            item.setZValue(-100)
            item.setAcceptHoverEvents(False)
            view.addItem(item, ignoreBounds=True)
            self.regions.append((item, band))

    def band_at(self, value: float) -> tuple[int, QColor] | None:
        """The band and fill colour of the drawn region that holds ``value`` (low ≤ value < high)."""
        for item, band in self.regions:
            low, high = item.getRegion()
            if low <= value < high:
                return band, QColor(item.brush.color())
        return None
