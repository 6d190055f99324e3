"""widgets.column_fit: columns fit their contents, and a change re-measures only the columns it names."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QTableView

from widgets.column_fit import ColumnsFitContents
from widgets.column_model import ColumnTableModel


class _Texts(ColumnTableModel):
    COLUMNS = ("name", "value", "age")
    HEADERS = {"name": ("ชื่อ", "Name"), "value": ("ค่า", "Value"), "age": ("อายุ", "Age")}

    def __init__(self) -> None:
        super().__init__()
        self.cells = [["ศาลากลางจังหวัดเชียงใหม่", "86", "5 นาที"], ["ยุพราช", "40", "6 นาที"]]

    def row_total(self) -> int:
        return len(self.cells)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self.cells[index.row()][index.column()]
        return None

    def change(self, row: int, column: int, text: str) -> None:
        self.cells[row][column] = text
        self.dataChanged.emit(self.index(row, column), self.index(row, column))


class _Counting(QStyledItemDelegate):
    def __init__(self) -> None:
        super().__init__()
        self.measured = 0

    def sizeHint(self, option: Any, index: Any) -> Any:  # noqa: N802 - Qt's name
        self.measured += 1
        return super().sizeHint(option, index)


def test_columns_fit_their_widest_text_and_a_change_measures_only_its_column(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _Texts()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    name_cells = _Counting()
    view.setItemDelegateForColumn(0, name_cells)
    ColumnsFitContents(view, (0, 1, 2))
    view.resize(600, 200)
    view.show()
    qtbot.waitExposed(view)
    header = view.horizontalHeader()
    assert all(header.sectionResizeMode(c) == QHeaderView.ResizeMode.Fixed for c in range(3))
    metrics = view.fontMetrics()
    assert view.columnWidth(0) >= metrics.horizontalAdvance("ศาลากลางจังหวัดเชียงใหม่")

    name_cells.measured = 0
    before = view.columnWidth(2)
    model.change(1, 2, "2 ชม. 15 นาที (ข้อมูลเก่า)")  # the age column grows
    assert view.columnWidth(2) > before
    assert view.columnWidth(2) >= metrics.horizontalAdvance("2 ชม. 15 นาที (ข้อมูลเก่า)")
    assert name_cells.measured == 0  # the names were not measured again for a change of age
    grown = view.columnWidth(2)

    model.beginResetModel()
    model.cells = [["ที่ว่าการอำเภอเมืองเชียงใหม่ สถานีวัดคุณภาพอากาศ", "12", "1 นาที"]]
    model.endResetModel()
    assert name_cells.measured > 0  # new rows: every column fits again
    assert view.columnWidth(0) >= metrics.horizontalAdvance("ที่ว่าการอำเภอเมืองเชียงใหม่ สถานีวัดคุณภาพอากาศ")
    assert view.columnWidth(2) < grown  # and shrinks to what it holds now
