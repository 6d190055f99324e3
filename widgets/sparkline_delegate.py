"""Sparklines in table cells: a station's or gauge's last 24 hours drawn with QPainter, small enough for a row, with
the cell's text (the latest value and a trend arrow) beside it.

One QPainter polyline per run of values; a gap in the series (NaN) is a gap in the line, never a dip to zero or a
line joined across it; a value alone between gaps is a dot. The line takes the row's text colour (the selection's
when the row is selected, the model's grey when the row is out of date), so it reads on whatever the row's background
is, as the row's text does. A reference level (a gauge's bank-full) is drawn dashed when the day's values cross it.

The model gives the series under :data:`SERIES_ROLE` (services.chart_series.Series, or anything with ``t`` and ``v``
arrays) and the reference under :data:`REFERENCE_ROLE`; the cell's DisplayRole text is drawn right-aligned after the
line, in the same colour (the text a screen reader or a test reads is the model's, as in any other cell). Plain
Python over a day's few dozen values, no numpy: this module loads with the window, before numpy is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

SERIES_ROLE = int(Qt.ItemDataRole.UserRole) + 40
"""The cell's series: an object with ``t`` (unix seconds, ascending) and ``v`` (NaN = no data) arrays, or None."""
REFERENCE_ROLE = int(Qt.ItemDataRole.UserRole) + 41
"""A level drawn as a dashed line where the values cross it (float), or None."""
MIN_SPAN_ROLE = int(Qt.ItemDataRole.UserRole) + 42
"""The smallest range of values the line's height stands for (float), or None: a day that barely moves draws nearly
flat, instead of its centimetres of sensor noise stretched to the full height."""

SPARK_WIDTH = 48  # px: 24 hourly values 2 px apart, 48 half-hourly ones 1 px apart; narrow enough for the side dock
PADDING = 3  # px around the line inside the cell
GAP = 6  # px between the line and the text
DOT_RADIUS = 1.6  # px: a lone value, and the newest value

Index = QModelIndex | QPersistentModelIndex


def value_range(v: Sequence[float], min_span: float | None = None) -> tuple[float, float] | None:
    """(bottom, top) values of the line: the lowest and highest value, widened about their middle to ``min_span``
    when they lie closer together; None when there is no value."""
    finite = [float(y) for y in v if math.isfinite(y)]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    if min_span and high - low < min_span:
        middle = (low + high) / 2
        low, high = middle - min_span / 2, middle + min_span / 2
    return low, high


def spark_runs(t: Sequence[float], v: Sequence[float], rect: QRectF,
               min_span: float | None = None) -> list[list[tuple[float, float]]]:
    """The points of each run of finite values, in ``rect``'s pixels: x from the first to the last bucket of the
    series, y from the bottom of :func:`value_range` to its top (a flat series sits in the middle)."""
    times = [float(x) for x in t]
    values = [float(y) for y in v]
    extent = value_range(values, min_span)
    if not times or extent is None:
        return []
    x_span = (times[-1] - times[0]) or 1.0
    low, high = extent
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for at, value in zip(times, values, strict=True):
        if not (math.isfinite(value) and math.isfinite(at)):
            if current:
                runs.append(current)
                current = []
            continue
        x = rect.left() + (at - times[0]) / x_span * rect.width()
        y = rect.center().y() if high == low else rect.bottom() - (value - low) / (high - low) * rect.height()
        current.append((x, y))
    if current:
        runs.append(current)
    return runs


def reference_y(v: Sequence[float], reference: float | None, rect: QRectF,
                min_span: float | None = None) -> float | None:
    """The pixel row of ``reference`` when the values cross it (lie on both sides); None otherwise."""
    finite = [float(y) for y in v if math.isfinite(y)]
    extent = value_range(finite, min_span)
    if reference is None or extent is None or not min(finite) < reference < max(finite):
        return None
    low, high = extent
    return rect.bottom() - (reference - low) / (high - low) * rect.height()


class SparklineDelegate(QStyledItemDelegate):
    """Paints :data:`SERIES_ROLE` of a cell as a sparkline over the cell's usual background and selection."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)  # background, selection, focus
        colour = self._line_colour(opt, index)
        cell = QRectF(opt.rect)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        painter.save()
        if text:
            painter.setPen(colour)
            painter.setFont(opt.font)
            text_rect = cell.adjusted(PADDING + SPARK_WIDTH + GAP, 0, -PADDING, 0)
            painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(text))
        series = index.data(SERIES_ROLE)
        if series is not None:
            rect = QRectF(cell.left() + PADDING, cell.top() + PADDING + 1, SPARK_WIDTH, cell.height() - 2 * PADDING - 2)
            self._draw_line(painter, series, index.data(REFERENCE_ROLE), index.data(MIN_SPAN_ROLE), rect, colour)
        painter.restore()

    @staticmethod
    def _draw_line(painter: QPainter, series: Any, reference: float | None, min_span: float | None, rect: QRectF,
                   colour: QColor) -> None:
        runs = spark_runs(series.t, series.v, rect, min_span)
        if not runs:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        ref_y = reference_y(series.v, reference, rect, min_span)
        if ref_y is not None:
            faint = QColor(colour)
            faint.setAlphaF(0.6)
            dashed = QPen(faint, 1, Qt.PenStyle.DashLine)
            painter.setPen(dashed)
            painter.drawLine(QPointF(rect.left(), ref_y), QPointF(rect.right(), ref_y))
        pen = QPen(colour, 1.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(QBrush(colour))
        for run in runs:
            if len(run) == 1:
                painter.drawEllipse(QPointF(*run[0]), DOT_RADIUS, DOT_RADIUS)
            else:
                painter.drawPolyline(QPolygonF([QPointF(x, y) for x, y in run]))
        painter.drawEllipse(QPointF(*runs[-1][-1]), DOT_RADIUS, DOT_RADIUS)  # the newest value

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = super().sizeHint(option, index)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        text_width = option.fontMetrics.horizontalAdvance(str(text)) + GAP if text else 0
        return QSize(2 * PADDING + SPARK_WIDTH + text_width, base.height())

    @staticmethod
    def _line_colour(opt: QStyleOptionViewItem, index: Index) -> QColor:
        """The colour the row's text has here: the selection's text colour, else the model's foreground (an
        out-of-date row's grey), else the view's text colour."""
        if opt.state & QStyle.StateFlag.State_Selected:
            return opt.palette.color(QPalette.ColorRole.HighlightedText)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if isinstance(foreground, QBrush):
            return foreground.color()
        if isinstance(foreground, QColor):
            return foreground
        return opt.palette.color(QPalette.ColorRole.Text)
