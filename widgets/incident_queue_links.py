"""Links from the incident queue: select several rows, right-click, and make the current row a major incident with
the others as its children, attach them to it, detach a child, merge the others into it or relate them to it.

It attaches to the queue's table (rows selectable with Ctrl/Shift) and decides nothing: each menu entry says what
the rows it was built from allow, and asks with ``sig_link_requested``; the console checks the link rules and the
role again on the worker. The current row (the one clicked last) is the target; the other selected rows are the
others. Every text of the menu is ours (numbers of the incidents, never their descriptions).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTableView

from widgets.i18n import t
from widgets.incident_queue_model import ROW_ROLE


class QueueLinkMenu(QObject):
    """The queue's link menu (``menu_for_selection`` builds it; a right-click pops it up, non-blocking)."""

    sig_link_requested = Signal(str, int, list)
    """The operator asked for a link action: (action, target incident id, the other incident ids)."""

    def __init__(self, table: QTableView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self._enabled = True
        self.menu: QMenu | None = None  # the last menu shown (tests trigger its actions)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_menu)

    def set_enabled(self, enabled: bool) -> None:
        """Offer the link entries (False for a role that may not change links: the menu says so instead)."""
        self._enabled = enabled

    def selection(self) -> tuple[Any | None, list[Any]]:
        """The current row's data and the other selected rows' (loaded rows only: one not loaded yet has nothing
        to judge it by)."""
        model = self._table.model()
        current = self._table.selectionModel().currentIndex()
        target = current.data(ROW_ROLE) if current.isValid() else None
        others = []
        for index in self._table.selectionModel().selectedRows():
            if current.isValid() and index.row() == current.row():
                continue
            row = model.index(index.row(), 0).data(ROW_ROLE)
            if row is not None:
                others.append(row)
        return target, others

    def menu_for_selection(self) -> QMenu:
        """The menu for what is selected now (entries each carry their object name, ``link_<action>``)."""
        menu = QMenu(self._table)
        target, others = self.selection()
        if target is None:
            menu.addAction(t("เลือกเรื่องก่อน", "Select an incident first")).setEnabled(False)
            return menu
        if not self._enabled:
            menu.addAction(t("บทบาทนี้เชื่อมโยงเรื่องไม่ได้", "This role cannot link incidents")).setEnabled(False)
            return menu
        name = f"#{target.server_id or target.id}"
        free = [o for o in others if not getattr(o, "major", False) and getattr(o, "parent_id", None) is None]
        n = len(others)
        if not getattr(target, "major", False) and getattr(target, "parent_id", None) is None:
            text = (t(f"ยกระดับ {name} เป็นเหตุการณ์ใหญ่ พร้อมเรื่องย่อย {len(free)} เรื่อง",
                      f"Promote {name} to major incident with {len(free)} selected as children") if free
                    else t(f"ยกระดับ {name} เป็นเหตุการณ์ใหญ่", f"Promote {name} to major incident"))
            self._add(menu, "promote", text, int(target.id), [int(o.id) for o in free])
        if getattr(target, "major", False) and free:
            self._add(menu, "attach", t(f"ผูก {len(free)} เรื่องที่เลือกกับเหตุการณ์ใหญ่ {name}",
                                        f"Attach {len(free)} selected to major incident {name}"),
                      int(target.id), [int(o.id) for o in free])
        children = [o for o in others if getattr(o, "parent_id", None) == int(target.id)]
        if children:
            self._add(menu, "detach", t(f"ถอด {len(children)} เรื่องที่เลือกออกจาก {name}",
                                        f"Detach {len(children)} selected from {name}"),
                      int(target.id), [int(o.id) for o in children])
        parent_id = getattr(target, "parent_id", None)
        if parent_id is not None and not others:
            self._add(menu, "detach", t(f"ถอด {name} ออกจากเหตุการณ์ใหญ่", f"Detach {name} from its major incident"),
                      int(parent_id), [int(target.id)])
        if n:
            mergeable = [o for o in others if not getattr(o, "major", False)]
            if mergeable:
                self._add(menu, "merge", t(f"รวม {len(mergeable)} เรื่องที่เลือกเข้ากับ {name} (เรื่องซ้ำ)",
                                           f"Merge {len(mergeable)} selected into {name} (duplicates)"),
                          int(target.id), [int(o.id) for o in mergeable])
            self._add(menu, "relate", t(f"เชื่อม {n} เรื่องที่เลือกกับ {name} เป็นเรื่องที่เกี่ยวข้อง",
                                        f"Relate {n} selected to {name}"), int(target.id), [int(o.id) for o in others])
        if not menu.actions():
            menu.addAction(t("ไม่มีการเชื่อมโยงที่ทำได้", "No link to make from this selection")).setEnabled(False)
        return menu

    def _add(self, menu: QMenu, action: str, text: str, target: int, others: list[int]) -> QAction:
        entry = menu.addAction(text)
        entry.setObjectName(f"link_{action}")
        entry.triggered.connect(lambda _checked=False: self.sig_link_requested.emit(action, target, others))
        return entry

    def _on_menu(self, pos: QPoint) -> None:
        if self.menu is not None:
            self.menu.close()
        self.menu = self.menu_for_selection()
        self.menu.popup(self._table.viewport().mapToGlobal(pos))
