"""A vertical crosshair that follows the pointer over a plot, at a limited rate.

The scene reports every mouse move; a SignalProxy passes on at most ``RATE_HZ`` of them, so reading values under the
pointer never costs a redraw per pixel. Leaving the plot hides the line at once.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Signal

from widgets.charts.chart_style import CROSSHAIR, pen

RATE_HZ = 30


class Crosshair(QObject):
    """The crosshair of one plot; says where the pointer is in view coordinates, and when it left."""

    sig_moved = Signal(float, float, float)
    """The pointer is over the data area at (x, y) in view coordinates; the third value is its viewport x (px)."""
    sig_left = Signal()
    """The pointer left the data area."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        super().__init__(plot)
        self._plot = plot
        self._view = plot.getPlotItem().getViewBox()
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pen(CROSSHAIR, dashed=True))
        self.line.setZValue(30)
        self.line.hide()
        self._view.addItem(self.line, ignoreBounds=True)
        self._proxy = pg.SignalProxy(plot.scene().sigMouseMoved, rateLimit=RATE_HZ, slot=self._moved,
                                     threadSafe=False)
        plot.viewport().installEventFilter(self)

    def place(self, x: float) -> None:
        """Put the line at ``x`` (view coordinates), e.g. on the start of the bucket being read."""
        self.line.setPos(x)
        self.line.show()

    def hide(self) -> None:
        self.line.hide()

    def _moved(self, args: tuple[object, ...]) -> None:
        scene_pos = args[0]
        if not isinstance(scene_pos, QPointF) or not self._view.sceneBoundingRect().contains(scene_pos):
            self.hide()
            self.sig_left.emit()
            return
        point = self._view.mapSceneToView(scene_pos)
        self.sig_moved.emit(point.x(), point.y(), self._plot.mapFromScene(scene_pos).x())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._proxy.args = None  # a move still waiting in the proxy must not bring the line back
            self.hide()
            self.sig_left.emit()
        return False
