"""A line of text over an item view while it lists nothing: what is (not) there and what to do about it.

Qt's item views have no placeholder text of their own (line and text edits do), so this label sits on the view's
viewport, centred, shows while the model has no rows and hides as soon as one arrives (model reset, rows inserted
or removed, layout changes). The text is a callable, so the owner words it for the current state (a filter that
matches nothing reads differently from a list that is empty) and in the current language: ``refresh`` re-reads it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel

_MARGIN = 12


class EmptyState(QLabel):
    """The placeholder of one item view (see the module text); a child of its viewport."""

    def __init__(self, view: QAbstractItemView, text: Callable[[], str]) -> None:
        super().__init__(view.viewport())
        self._view = view
        self._text = text
        self._model: QAbstractItemModel | None = None
        self.setObjectName("emptyState")
        self.setTextFormat(Qt.TextFormat.PlainText)  # the words may quote what the operator typed
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # clicks reach the view behind it
        view.viewport().installEventFilter(self)
        self.watch(view.model())

    @property
    def showing(self) -> bool:
        """True while the view lists nothing and the text stands in for it."""
        return not self.isHidden()

    def watch(self, model: QAbstractItemModel | None) -> None:
        """Follow ``model`` (the view's, when the view is given another one)."""
        if self._model is not None:
            for signal in self._signals(self._model):
                signal.disconnect(self.refresh)
        self._model = model
        if model is not None:
            for signal in self._signals(model):
                signal.connect(self.refresh)
        self.refresh()

    @staticmethod
    def _signals(model: QAbstractItemModel) -> tuple:  # type: ignore[type-arg]
        return (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged)

    def refresh(self, *_args: object) -> None:
        """Show or hide, and re-read the words (after a language or filter change, say)."""
        model = self._model
        empty = model is None or model.rowCount() == 0
        if empty:
            self.setText(self._text())
            self._fit()
        self.setVisible(empty)

    def _fit(self) -> None:
        area = self._view.viewport().rect().adjusted(_MARGIN, _MARGIN, -_MARGIN, -_MARGIN)
        self.setGeometry(area)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return False
