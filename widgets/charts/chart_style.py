"""How every chart looks: a light background like the rest of the console, dark axes, the application's font (Thai
glyphs), pens of width 1, and the colours that tell curves apart.

The font: pyqtgraph paints axis text with a QPainter on a QPicture, which does not follow the widget's font, so each
axis is handed the application's font (``console.app`` sets Thai-capable families on it) explicitly; the scene's own
text items get it too.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QSizePolicy, QToolButton

RGB = tuple[int, int, int]

BACKGROUND: RGB = (255, 255, 255)
FOREGROUND: RGB = (66, 66, 66)  # axes, ticks and their text
GRID: RGB = (226, 226, 226)  # opaque: a see-through grid costs about 40% of every frame
GRID_LEVELS = 1  # the grid follows the labelled tick levels (0 and 1), not the unlabelled finest one
CROSSHAIR: RGB = (97, 97, 97)

# Dark, saturated colours for curves, distinct from the pale AQI band fills behind them and from each other in
# lightness too; the first is near-black, readable on every band.
SERIES: tuple[RGB, ...] = (
    (33, 33, 33), (21, 101, 192), (173, 20, 87), (0, 105, 92), (106, 27, 154), (230, 81, 0), (93, 64, 55),
    (55, 71, 79), (130, 119, 23), (194, 24, 91),
)


def series_colour(index: int) -> QColor:
    """The colour of the ``index``-th curve of a chart (cycling)."""
    return QColor(*SERIES[index % len(SERIES)])


def pen(colour: QColor | RGB, *, dashed: bool = False, dotted: bool = False) -> QPen:
    """A cosmetic pen of width 1: width 2 draws about four times slower, and a chart redraws all the time."""
    result = pg.mkPen(colour if isinstance(colour, QColor) else QColor(*colour), width=1)
    if dashed:
        result.setStyle(Qt.PenStyle.DashLine)
    elif dotted:
        result.setStyle(Qt.PenStyle.DotLine)
    return result


def chart_font() -> QFont:
    """The application's font (Thai-capable families, as the console sets it)."""
    return QFont(QApplication.font())


def style_axis(axis: pg.AxisItem) -> None:
    """Dark axis pens and the application's font for the tick text."""
    axis.setPen(pg.mkPen(QColor(*FOREGROUND), width=1))
    axis.setTextPen(pg.mkPen(QColor(*FOREGROUND)))
    axis.setTickFont(chart_font())


def style_plot(widget: pg.PlotWidget) -> None:
    """A plot as the console draws it: light background, styled axes, a pale grid behind the data, no pyqtgraph
    menu or "A" button (the chart's own toolbar does presets, following and export).

    The grid is the axes' ticks drawn across the plot (so it lines up with the Bangkok time ticks) in an opaque pale
    grey, with the axes stacked behind the view box: the curves, and the AQI bands' fills, lie over it."""
    widget.setBackground(QColor(*BACKGROUND))
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    for name in ("left", "bottom", "right"):
        style_axis(item.getAxis(name))
    item.showGrid(x=True, y=True)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setTickPen(pg.mkPen(QColor(*GRID), width=1))
        axis.setStyle(tickAlpha=255, maxTickLevel=GRID_LEVELS)
        axis.setZValue(-1000)


def hex_colour(colour: QColor | RGB) -> str:
    """``#rrggbb`` of a colour, for the rich-text legends."""
    return (colour if isinstance(colour, QColor) else QColor(*colour)).name()


def style_toolbar_parts(export_button: QToolButton, export_menu: QMenu, legend: QLabel) -> None:
    """The export button (a menu: PNG or CSV) and the legend above the plot, the same on every chart."""
    export_button.setObjectName("chartExport")
    export_button.setMenu(export_menu)
    export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    export_button.setAutoRaise(True)
    legend.setObjectName("chartLegend")
    legend.setTextFormat(Qt.TextFormat.RichText)
    legend.setWordWrap(True)
    legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
