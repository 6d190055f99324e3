"""Labels over a chart's plot: the empty state in the middle, and the crosshair's read-out in a corner.

They are widgets on the plot's viewport rather than pyqtgraph text items: they take the application's font (Thai),
stay the same size whatever the zoom, let the mouse through to the chart, and never move the plot's layout when they
appear (a read-out that grew a line above the plot would make the plot jump under the pointer).
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel

MARGIN_PX = 6


class ChartEmptyState(QLabel):
    """"No data in this window", centred over the plot while there is nothing to draw."""

    def __init__(self, plot: pg.PlotWidget, text: Callable[[], str]) -> None:
        super().__init__(plot.viewport())
        self._plot = plot
        self._text = text
        self.setObjectName("chartEmptyState")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        # On a white box: the AQI bands behind it would swallow grey placeholder text.
        self.setStyleSheet("QLabel#chartEmptyState { background: rgba(255, 255, 255, 235); color: #616161;"
                           " border: 1px solid #bdbdbd; padding: 6px 10px; }")
        plot.viewport().installEventFilter(self)
        self.hide()

    @property
    def showing(self) -> bool:
        return not self.isHidden()

    def set_empty(self, empty: bool) -> None:
        """Show the text (re-read in the current language) while ``empty``."""
        if empty:
            self.setText(self._text())
            self._fit()
        self.setVisible(empty)

    def _fit(self) -> None:
        # A box around the words, centred; as wide as the words up to the plot's width, wrapping beyond it.
        area = self._plot.viewport().rect().adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX)
        self.setWordWrap(False)
        width = min(self.sizeHint().width(), max(40, area.width()))
        self.setWordWrap(width < self.sizeHint().width())
        height = min(area.height(), self.heightForWidth(width) if self.wordWrap() else self.sizeHint().height())
        self.setGeometry(QRect(0, 0, width, height).translated(area.center() - QRect(0, 0, width, height).center()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return False


class ReadoutBox(QLabel):
    """The crosshair's read-out: exact values and the Bangkok time, in the top corner away from the pointer."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        super().__init__(plot.viewport())
        self._plot = plot
        self.setObjectName("chartReadout")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel#chartReadout { background: rgba(255, 255, 255, 225); color: #212121;"
                           " border: 1px solid #9e9e9e; padding: 3px 5px; }")
        self.hide()

    def show_at(self, html: str, pointer_x: float) -> None:
        """Show ``html`` in the top corner of the data area on the other side from ``pointer_x`` (viewport px)."""
        self.setText(html)
        area = self._data_rect()
        # As wide as its longest line, but never wider than the data area: long lines wrap instead.
        self.setWordWrap(False)
        widest = max(40, area.width() - 2 * MARGIN_PX)
        width = min(self.sizeHint().width(), widest)
        self.setWordWrap(width < self.sizeHint().width())
        self.resize(width, self.heightForWidth(width) if self.wordWrap() else self.sizeHint().height())
        left_half = pointer_x < area.center().x()
        x = area.right() - self.width() - MARGIN_PX if left_half else area.left() + MARGIN_PX
        self.move(QPoint(max(0, x), area.top() + MARGIN_PX))
        self.show()
        self.raise_()

    def _data_rect(self) -> QRect:
        view = self._plot.getPlotItem().getViewBox()
        return self._plot.mapFromScene(view.sceneBoundingRect()).boundingRect()
