"""Columns that fit their contents, re-measured only where the contents changed.

QHeaderView's ResizeToContents mode re-measures every cell of every such column whenever any cell changes: a
situation table told that its age column moved on measured its sparklines and station names again (800 calls into
the model to repaint 20 cells, on the UI thread, three tables at a time). Here those columns are Fixed and fitted as
the model changes: all of them after a reset, a layout change, new rows, new headers (the language) or a resize of
the table (more rows in sight), and only the columns a dataChanged names otherwise. Stretch columns keep sharing what
is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QHeaderView, QTableView


class ColumnsFitContents(QObject):
    """Keeps ``columns`` of ``view`` as wide as their widest visible cell or their header, whichever is wider."""

    #: The table's own events after which its cells measure differently, or more of them are in sight.
    REFIT_EVENTS = frozenset({QEvent.Type.Show, QEvent.Type.Resize, QEvent.Type.FontChange, QEvent.Type.StyleChange,
                              QEvent.Type.Polish})

    def __init__(self, view: QTableView, columns: Iterable[int]) -> None:
        super().__init__(view)
        self._view = view
        self._columns = tuple(columns)
        self._later = QTimer(self, singleShot=True, interval=0)  # a burst of resizes (a dock dragged): one fit
        self._later.timeout.connect(self.fit_all)
        header = view.horizontalHeader()
        for column in self._columns:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.headerDataChanged):
            signal.connect(self.fit_all)
        model.dataChanged.connect(self._changed)
        view.installEventFilter(self)
        self.fit_all()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in self.REFIT_EVENTS:
            self._later.start()
        return False

    def fit_all(self, *_args: Any) -> None:
        self._fit(self._columns)

    def _changed(self, top_left: Any, bottom_right: Any, *_roles: Any) -> None:
        self._fit(c for c in self._columns if top_left.column() <= c <= bottom_right.column())

    def _fit(self, columns: Iterable[int]) -> None:
        for column in columns:
            self._view.resizeColumnToContents(column)
