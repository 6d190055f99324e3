"""A flat table model with named columns and (Thai, English) headers: the plumbing every table here shares."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QModelRoleDataSpan, QPersistentModelIndex, Qt

from widgets.i18n import t

Index = QModelIndex | QPersistentModelIndex


class ColumnTableModel(QAbstractTableModel):
    """Subclasses name their columns in ``COLUMNS``, give each a (Thai, English) header in ``HEADERS`` and say how
    many rows there are in ``row_total``; ``data`` is theirs."""

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N803 - Qt's signature
        """Every role a view asks of one cell in one call from Qt (a delegate asks for seven or more per cell
        painted). Qt's own multiData calls ``data`` once per role, each a crossing from C++ into Python that has to
        take the interpreter lock: while the sync's workers hold it, a table's repaint waited on it hundreds of
        times (ui_stall_during_sync). Here the lock is taken once per cell."""
        for k in range(len(roleDataSpan)):
            slot = roleDataSpan[k]
            value = self.data(index, slot.role())
            if value is None:
                slot.clearData()
            else:
                slot.setData(value)

    COLUMNS: tuple[str, ...] = ()
    HEADERS: dict[str, tuple[str, str]] = {}

    def row_total(self) -> int:
        raise NotImplementedError

    def retranslate(self) -> None:
        """Headers and every cell re-read their text (the language changed)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        rows = self.row_total()
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, len(self.COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return t(*self.HEADERS[self.COLUMNS[section]])
