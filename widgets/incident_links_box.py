"""The detail panel's links: merged duplicates, related peers, a major incident and its children.

It says whether the incident is a major incident (its children, the open ones counted) or part of one (a button
opens that one), lists every link (a double-click opens the other incident), and offers: split a merged duplicate
back out ("split" in the allowed set), unlink the selected link — a related peer ("unrelate"), a child ("detach"),
or this incident's own major incident ("detach_self") — "promote" (make it a major incident) and "attach_to" (make it
a child of the major incident whose number is typed in). It decides nothing: each is gated by that pseudo-action in
the allowed set the console gives. Text from data is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, \
    QWidget

from widgets.empty_state import EmptyState
from widgets.i18n import t
from widgets.incident_rows import link_action_label, link_text

_OTHER = Qt.ItemDataRole.UserRole
_KIND = Qt.ItemDataRole.UserRole + 1
_DIRECTION = Qt.ItemDataRole.UserRole + 2


class IncidentLinksBox(QGroupBox):
    """The links of one incident (see the module text)."""

    sig_split_requested = Signal(int)
    """The user asked to split a merged incident back out (the id of the incident that was merged in)."""
    sig_linked_incident_requested = Signal(int)
    """The user asked to open a linked incident (its id)."""
    sig_link_requested = Signal(str, int, list)
    """The user asked for a link action: (action, target incident id, other incident ids)."""
    sig_attach_to_requested = Signal(int, str)
    """The user asked to make this incident a child of a major incident: (incident id, that one's number as typed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: Any = None
        self._allowed: frozenset[str] = frozenset()
        self._parent_id: int | None = None
        self.links = QListWidget(self)
        self.split_button = QPushButton(self)
        self.major_label = QLabel(self)
        self.parent_button = QPushButton(self)
        self.unlink_button = QPushButton(self)
        self.promote_button = QPushButton(self)
        self.attach_to = QLineEdit(self)
        self.attach_to_button = QPushButton(self)

        self.major_label.setObjectName("majorIncidentLabel")
        self.major_label.setTextFormat(Qt.TextFormat.PlainText)
        self.major_label.setWordWrap(True)
        for name, widget in (("parentButton", self.parent_button), ("unlinkButton", self.unlink_button),
                             ("promoteButton", self.promote_button), ("attachToButton", self.attach_to_button),
                             ("attachTo", self.attach_to), ("splitButton", self.split_button)):
            widget.setObjectName(name)
        self.parent_button.setVisible(False)
        self.links_empty = EmptyState(self.links, self._empty_text)

        grid = QGridLayout(self)
        grid.addWidget(self.major_label, 0, 0, 1, 2)
        grid.addWidget(self.parent_button, 0, 2)
        grid.addWidget(self.links, 1, 0, 3, 2)
        grid.addWidget(self.split_button, 1, 2)
        grid.addWidget(self.unlink_button, 2, 2)
        grid.addWidget(self.promote_button, 4, 0)
        grid.addWidget(self.attach_to, 4, 1)
        grid.addWidget(self.attach_to_button, 4, 2)
        self.retranslate()
        self._update_enabled()

        self.links.currentRowChanged.connect(self._update_enabled)
        self.links.itemDoubleClicked.connect(
            lambda item: self.sig_linked_incident_requested.emit(int(item.data(_OTHER))))
        self.split_button.clicked.connect(self._on_split)
        self.unlink_button.clicked.connect(self._on_unlink)
        self.parent_button.clicked.connect(self._on_parent)
        self.promote_button.clicked.connect(self._on_promote)
        self.attach_to_button.clicked.connect(self._on_attach_to)
        self.attach_to.textChanged.connect(self._update_enabled)

    # --- state from the panel --------------------------------------------------------------------------------------

    def show_incident(self, detail: Any, *, same: bool) -> None:
        """Show ``detail``'s links; ``same``: the same incident again (what is typed stays)."""
        self._detail = detail
        if not same:
            self.attach_to.clear()
        self._fill(detail)
        self._update_enabled()

    def set_allowed(self, allowed: Iterable[str]) -> None:
        self._allowed = frozenset(allowed)
        self._update_enabled()

    def clear(self) -> None:
        self._detail = None
        self._parent_id = None
        self.links.clear()
        self.links_empty.refresh()
        self.major_label.clear()
        self.parent_button.setVisible(False)
        self._update_enabled()

    def retranslate(self) -> None:
        self.setTitle(t("เรื่องที่เกี่ยวข้อง", "Linked incidents"))
        self.split_button.setText(t("แยกเรื่องออก", "Split out"))
        self.unlink_button.setText(link_action_label("unrelate"))
        self.promote_button.setText(link_action_label("promote"))
        self.attach_to_button.setText(link_action_label("attach"))
        self.parent_button.setText(t("เปิดเหตุการณ์ใหญ่", "Open major incident"))
        self.attach_to.setPlaceholderText(t("เลขที่เหตุการณ์ใหญ่", "Major incident number"))
        if self._detail is not None:
            self._fill(self._detail)
        self.links_empty.refresh()

    def _empty_text(self) -> str:
        if self._detail is None:
            return t("เลือกเหตุการณ์เพื่อดูเรื่องที่เกี่ยวข้อง", "Select an incident to see its links")
        return t("ไม่มีเรื่องที่เกี่ยวข้อง: รวมเรื่องซ้ำหรือเชื่อมโยงเรื่องได้จากเมนูคลิกขวาในคิว "
                 "หรือผูกกับเหตุการณ์ใหญ่ด้านล่าง",
                 "No linked incidents: merge or relate duplicates from the queue's right-click menu, or attach this "
                 "one to a major incident below")

    # --- filling and enabling --------------------------------------------------------------------------------------

    def _fill(self, d: Any) -> None:
        self.links.clear()
        self.links_empty.refresh()  # its words depend on the incident on show
        links = list(getattr(d, "links", ()) or ())
        for link in links:
            item = QListWidgetItem(link_text(link))
            item.setData(_OTHER, int(link.other_id))
            item.setData(_KIND, link.kind)
            item.setData(_DIRECTION, getattr(link, "direction", "from"))
            self.links.addItem(item)
        children = [k for k in links if k.kind == "parent" and getattr(k, "direction", "from") == "from"]
        parent = next((k for k in links if k.kind == "parent" and getattr(k, "direction", "") == "into"), None)
        self._parent_id = None if parent is None else int(parent.other_id)
        if getattr(d, "major", False):
            still_open = sum(1 for k in children
                             if getattr(k, "other_state", None) not in ("resolved", "closed", "cancelled"))
            self.major_label.setText(t(f"เหตุการณ์ใหญ่ · เรื่องย่อย {len(children)} (ยังเปิด {still_open})",
                                       f"Major incident · {len(children)} children ({still_open} open)"))
        elif parent is not None:
            name = getattr(parent, "other_server_id", None) or parent.other_id
            self.major_label.setText(t(f"ส่วนหนึ่งของเหตุการณ์ใหญ่ #{name}", f"Part of major incident #{name}"))
        else:
            self.major_label.setText("")
        self.parent_button.setVisible(parent is not None)

    def _update_enabled(self) -> None:
        allowed = self._allowed if self._detail is not None else frozenset()
        link = self.links.currentItem()
        self.split_button.setEnabled("split" in allowed and link is not None and link.data(_KIND) == "merged")
        self.unlink_button.setEnabled(self._unlink_request() is not None)
        self.promote_button.setEnabled("promote" in allowed)
        self.attach_to.setEnabled("attach_to" in allowed)
        self.attach_to_button.setEnabled("attach_to" in allowed and bool(self.attach_to.text().strip()))

    def _unlink_request(self) -> tuple[str, int, list[int]] | None:
        """What "unlink" asks for the selected link, when the allowed actions let it: (action, target, others)."""
        item, d = self.links.currentItem(), self._detail
        if item is None or d is None:
            return None
        other, kind, direction = int(item.data(_OTHER)), item.data(_KIND), item.data(_DIRECTION)
        if kind == "related" and "unrelate" in self._allowed:
            return "unrelate", int(d.id), [other]
        if kind == "parent" and direction == "from" and "detach" in self._allowed:
            return "detach", int(d.id), [other]
        if kind == "parent" and direction == "into" and "detach_self" in self._allowed:
            return "detach", other, [int(d.id)]
        return None

    # --- reactions -------------------------------------------------------------------------------------------------

    def _on_split(self) -> None:
        item, d = self.links.currentItem(), self._detail
        if item is not None and d is not None and self.split_button.isEnabled():
            # On the keeper the link names the duplicate; on the duplicate itself ("into") it names the keeper.
            into = item.data(_DIRECTION) == "into"
            self.sig_split_requested.emit(int(d.id) if into else int(item.data(_OTHER)))

    def _on_unlink(self) -> None:
        request = self._unlink_request()
        if request is not None and self.unlink_button.isEnabled():
            self.sig_link_requested.emit(*request)

    def _on_parent(self) -> None:
        if self._parent_id is not None:
            self.sig_linked_incident_requested.emit(self._parent_id)

    def _on_promote(self) -> None:
        if self._detail is not None and self.promote_button.isEnabled():
            self.sig_link_requested.emit("promote", int(self._detail.id), [])

    def _on_attach_to(self) -> None:
        text = self.attach_to.text().strip()
        if self._detail is not None and text and self.attach_to_button.isEnabled():
            self.sig_attach_to_requested.emit(int(self._detail.id), text)
