"""Incidents and their status changes as markers along the bottom of a time chart; a click names the incident.

One scatter item holds every marker (up to the store's limit of 500) and is refilled with ``setData`` only when the
annotations change (the same list again costs nothing): per-spot symbols and brushes make a refill cost tens of
milliseconds at 500 markers. The markers sit just above the bottom of the visible y range, whatever it is, so they
read as marks on the time axis: their y is 0 and the item itself is moved to that height when the range changes,
which costs nothing per marker. They are left out of the y auto-range so a marker never stretches the chart. Shape
and colour say what happened (▲ opened, ◆ status change; P1 red, P2 orange, others grey), and the tooltip says it in
words with the Bangkok time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath

from widgets.charts.chart_style import pen
from widgets.charts.time_axis import format_instant
from widgets.i18n import t
from widgets.incident_rows import category_label, state_label

if TYPE_CHECKING:
    from services.chart_series import ChartAnnotation

BOTTOM_FRACTION = 0.05  # markers sit this far up from the bottom of the visible y range
SIZE_PX = 11
PRIORITY_COLOURS: dict[str, tuple[int, int, int]] = {"P1": (183, 28, 28), "P2": (239, 108, 0)}
OTHER_COLOUR = (96, 125, 139)
SYMBOLS = {"opened": "t1", "state": "d"}  # ▲ opened, ◆ a status change
_COLOURS = {**PRIORITY_COLOURS, "": OTHER_COLOUR}


class AnnotationMarkers:
    """The markers of one chart's view box; ``on_click(incident_id)`` is called when one is clicked."""

    def __init__(self, view: pg.ViewBox, on_click: Callable[[int], None]) -> None:
        self._view = view
        self._on_click = on_click
        self._annotations: list[ChartAnnotation] = []
        self.scatter = pg.ScatterPlotItem(size=SIZE_PX, pxMode=True, hoverable=True, hoverSize=SIZE_PX + 4,
                                          tip=self._tip)
        self.scatter.setZValue(20)  # above curves and bars
        view.addItem(self.scatter, ignoreBounds=True)
        self.scatter.sigClicked.connect(self._clicked)
        view.sigYRangeChanged.connect(self._place)

    def set_annotations(self, annotations: Sequence[ChartAnnotation]) -> None:
        """Show these annotations (replacing the ones before)."""
        items = list(annotations)
        if items == self._annotations:
            return
        self._annotations = items
        brushes = {key: pg.mkBrush(QColor(*rgb)) for key, rgb in _COLOURS.items()}  # shared: one atlas entry each
        pens = {key: pen(QColor(*rgb).darker(150)) for key, rgb in _COLOURS.items()}
        keys = [a.priority if a.priority in PRIORITY_COLOURS else "" for a in items]
        self.scatter.setData(
            x=np.array([a.at for a in items], dtype=np.float64),
            y=np.zeros(len(items), dtype=np.float64),
            data=[a.incident_id for a in items],
            symbol=[SYMBOLS.get(a.kind, "d") for a in items],
            brush=[brushes[k] for k in keys],
            pen=[pens[k] for k in keys],
        )
        self._place()

    def height(self) -> float:
        """Where the markers are drawn on the y axis (view coordinates)."""
        return float(self.scatter.pos().y())

    def annotations(self) -> list[ChartAnnotation]:
        return list(self._annotations)

    def _place(self, *_args: object) -> None:
        (_x0, _x1), (y0, y1) = self._view.viewRange()
        self.scatter.setPos(0.0, y0 + (y1 - y0) * BOTTOM_FRACTION)

    def _tip(self, x: float, y: float, data: Any) -> str:
        # Several markers can share a spot; name the incident under the pointer by what happened there and when.
        for a in self._annotations:
            if a.incident_id == data and abs(a.at - x) < 1:
                return annotation_text(a)
        return f"#{data}"

    def _clicked(self, _item: object, points: Sequence[Any], _event: object) -> None:
        if len(points):
            self._on_click(int(points[0].data()))


def annotation_text(a: ChartAnnotation) -> str:
    """``#42 · เปิดเรื่อง · P1 · ไฟป่า · 5 ธ.ค. 2569 14:05`` in the current language."""
    what = t("เปิดเรื่อง", "opened") if a.kind == "opened" else state_label(a.state)
    parts = [f"#{a.incident_id}", what]
    if a.priority:
        parts.append(a.priority)
    if a.category:
        parts.append(category_label(a.category))
    parts.append(format_instant(a.at))
    return " · ".join(parts)


# --- alerts ------------------------------------------------------------------------------------------------------

ALERT_TOP_FRACTION = 0.92  # alert markers sit this far up the visible y range: apart from the incidents' at the bottom
ALERT_SIZES = {"critical": 17, "warning": 14, "info": 12}  # the critical marker the largest
_ALERT_RANK = {"info": 0, "warning": 1, "critical": 2}


def _alert_symbol() -> QPainterPath:
    """A disc with an "!" cut out of it (a warning sign that reads at 12 px, not a shape the charts use otherwise).
    Symbol paths are in a unit square round the origin, y down."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    path.addEllipse(QRectF(-0.5, -0.5, 1.0, 1.0))
    path.addRect(QRectF(-0.08, -0.34, 0.16, 0.40))
    path.addEllipse(QRectF(-0.09, 0.13, 0.18, 0.18))
    return path


ALERT_SYMBOL = _alert_symbol()


class AlertMarkers:
    """Alert markers of one chart's view box (issue 13): an "!" disc at each alert's ``first_at``, coloured by
    severity (widgets.alert_words.SEVERITY_RGB) and sized by it (the critical largest, and drawn on top), near the
    top of the visible y range; the tooltip says the severity, rule, place, message and time in words.
    ``on_click(alert_id)`` is called when one is clicked.

    The cost stays low as for the incident markers: one scatter item, refilled with ``setData`` only when what it
    shows changes (an alert's id, time, severity or state), moved with ``setPos`` when the y range changes."""

    def __init__(self, view: pg.ViewBox, on_click: Callable[[int], None]) -> None:
        self._view = view
        self._on_click = on_click
        self._alerts: list[Any] = []
        self._key: tuple[Any, ...] = ()
        self.fills = 0  # setData calls (tests: not one per frame)
        self.scatter = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=self._tip)
        self.scatter.setZValue(21)  # above the incident markers
        view.addItem(self.scatter, ignoreBounds=True)
        self.scatter.sigClicked.connect(self._clicked)
        view.sigYRangeChanged.connect(self._place)

    def set_alerts(self, alerts: Sequence[Any]) -> None:
        """Show these alerts (services.alerts.model.AlertView), replacing the ones before; cleared ones are left out."""
        from widgets.alert_words import SEVERITY_RGB

        items = sorted((a for a in alerts if a.state != "cleared"),
                       key=lambda a: (_ALERT_RANK.get(a.severity, 0), a.first_at, a.id))
        key = tuple((a.id, a.first_at, a.severity, a.state) for a in items)
        self._alerts = items
        if key == self._key:
            return
        self._key = key
        brushes = {s: pg.mkBrush(QColor(*rgb)) for s, rgb in SEVERITY_RGB.items()}
        pens = {s: pen(QColor(*rgb).darker(220)) for s, rgb in SEVERITY_RGB.items()}
        default = "info"
        self.fills += 1
        self.scatter.setData(
            x=np.array([a.first_at.timestamp() for a in items], dtype=np.float64),
            y=np.zeros(len(items), dtype=np.float64),
            data=[a.id for a in items],
            symbol=[ALERT_SYMBOL] * len(items),
            size=[ALERT_SIZES.get(a.severity, ALERT_SIZES[default]) for a in items],
            brush=[brushes.get(a.severity, brushes[default]) for a in items],
            pen=[pens.get(a.severity, pens[default]) for a in items],
        )
        self._place()

    def alerts(self) -> list[Any]:
        return list(self._alerts)

    def height(self) -> float:
        """Where the markers are drawn on the y axis (view coordinates)."""
        return float(self.scatter.pos().y())

    def _place(self, *_args: object) -> None:
        (_x0, _x1), (y0, y1) = self._view.viewRange()
        self.scatter.setPos(0.0, y0 + (y1 - y0) * ALERT_TOP_FRACTION)

    def _tip(self, x: float, y: float, data: Any) -> str:
        for a in self._alerts:
            if a.id == data:
                return alert_text(a)
        return f"#{data}"

    def _clicked(self, _item: object, points: Sequence[Any], _event: object) -> None:
        if len(points):
            # Where markers overlap, the most severe (drawn on top) is the one meant.
            best = max(points, key=lambda p: ALERT_SIZES.get(self._severity(p.data()), 0))
            self._on_click(int(best.data()))

    def _severity(self, alert_id: Any) -> str:
        return next((a.severity for a in self._alerts if a.id == alert_id), "info")


def alert_text(a: Any) -> str:
    """``⚠ วิกฤต · ระดับน้ำถึงเกณฑ์น้ำท่วมเมือง · สะพานนวรัฐ · <message> · 5 ธ.ค. 2569 14:05`` (plain text)."""
    from widgets.alert_words import message, rule_name, scope_name, severity_label

    return " · ".join([severity_label(a.severity), rule_name(a), scope_name(a), message(a),
                       format_instant(a.first_at.timestamp())])
