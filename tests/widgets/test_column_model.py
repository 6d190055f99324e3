"""ColumnTableModel answers every role a delegate asks of a cell in one call (multiData): the view shows exactly
what ``data`` says, and Qt no longer calls into Python once per role."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView

from widgets.column_model import ColumnTableModel, Index


class _Codes(ColumnTableModel):
    COLUMNS = ("code", "level")
    HEADERS = {"code": ("รหัส", "Code"), "level": ("ระดับ", "Level")}

    def __init__(self) -> None:
        super().__init__()
        self.rows = [("P.1", 3.9), ("P.67", 2.1)]
        self.calls: list[int] = []
        self.asked_from: set[str] = set()  # the Python function each data() call came from

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        self.calls.append(role)
        caller = sys._getframe(1).f_code
        self.asked_from.add(f"{Path(caller.co_filename).name}:{caller.co_name}")
        code, level = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return code if index.column() == 0 else f"{level:.2f}"
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == 1 and level > 3.7:
            return QBrush(QColor(220, 30, 30))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _option(model: _Codes, row: int, column: int) -> QStyleOptionViewItem:
    view = QTableView()
    view.setModel(model)
    option = QStyleOptionViewItem()
    QStyledItemDelegate(view).initStyleOption(option, model.index(row, column))  # asks through multiData
    return option


def test_a_delegate_gets_every_role_as_data_says(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _Codes()
    option = _option(model, 0, 1)
    assert option.text == "3.90"
    assert option.backgroundBrush.color() == QColor(220, 30, 30)
    assert option.displayAlignment & Qt.AlignmentFlag.AlignRight
    calm = _option(model, 1, 1)
    assert calm.text == "2.10" and calm.backgroundBrush.style() == Qt.BrushStyle.NoBrush  # None stays "no value"
    assert _option(model, 1, 0).text == "P.67"


def test_one_call_from_qt_answers_all_the_roles_of_a_cell(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _Codes()
    _option(model, 0, 0)
    # Every role came through ColumnTableModel.multiData (one call from Qt per cell), none straight from Qt's own
    # multiData, which would come into Python once per role.
    assert len(model.calls) >= 5 and Qt.ItemDataRole.DisplayRole in model.calls
    assert model.asked_from == {"column_model.py:multiData"}
