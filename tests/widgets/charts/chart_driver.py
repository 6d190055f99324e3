"""Showing a chart offscreen and pointing at it: view coordinates to viewport pixels, rendering to an image."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QColor, QImage


def show_chart(qtbot: Any, chart: Any, width: int = 800, height: int = 450) -> Any:
    qtbot.addWidget(chart)
    chart.resize(width, height)
    chart.show()
    qtbot.waitExposed(chart)
    chart.flush()
    return chart


def viewport_point(chart: Any, x: float, y: float, view: Any = None) -> QPoint:
    """The viewport pixel of view coordinates (x, y)."""
    scene = (view or chart.view).mapViewToScene(QPointF(x, y))
    return chart.plot.mapFromScene(scene)


def render(chart: Any) -> QImage:
    """The plot as drawn now (its viewport), one image pixel per viewport pixel."""
    image = chart.plot.viewport().grab().toImage()
    assert image.width() == chart.plot.viewport().width()  # device pixel ratio 1 offscreen
    return image


def is_dark(colour: QColor, limit: int = 110) -> bool:
    return max(colour.red(), colour.green(), colour.blue()) < limit
