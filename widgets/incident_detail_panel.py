"""Everything about one incident, its allowed next actions, the live SLA countdown, attachments, links and timeline.

The panel decides nothing about the workflow: the console gives it the allowed action set (from
``services.workflow.allowed_actions`` for the user's role) and a button is enabled only when its action is in the
set — a viewer gets an empty set and sees every action disabled. Local rules on top: assign needs a new assignee,
forward an agency, set_priority a different priority, comment some text, and resolve an after-photo.

Resolve and the after-photo (decided here): "resolve" is enabled only when the incident already has an attachment of
kind ``after_photo`` or one has been chosen in the panel. ``sig_action_requested(id, "resolve", params)`` then
carries ``params["after_photo_path"]`` (the chosen file, or None when one is already attached); the console stores
that file as an ``after_photo`` attachment and applies the resolve in the same DB-worker task, so no resolve lands
without its photo. The panel only handles the path; it never reads the file (no disk on the UI thread).

Other extras: "split" and attachments are gated by the pseudo-actions ``"split"`` and ``"comment"`` in the allowed
set (the console adds "split" for operator and supervisor). The links — merged duplicates, related peers, a major
incident and its children — are :class:`widgets.incident_links_box.IncidentLinksBox`, gated by its pseudo-actions
("promote", "attach_to", "detach", "detach_self", "unrelate"). Every text from data is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets.description_dialog import DescriptionDialog
from widgets.display_format import format_datetime, plain_tooltip
from widgets.i18n import current_language, t
from widgets.incident_rows import (
    ACTION_ORDER,
    DESCRIPTION_MAX,
    PRIORITIES,
    action_label,
    source_label,
    state_label,
)
from widgets.incident_links_box import IncidentLinksBox
from widgets.incident_sla_label import SlaCountdownLabel
from widgets.incident_timeline import IncidentTimelineModel

# Actions with their own input next to the button; the others are plain buttons in the action row.
_INPUT_ACTIONS = ("assign", "set_priority", "forward", "resolve", "comment")
THUMBNAIL_PX = 96


def _plain_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class IncidentDetailPanel(QWidget):
    """Shows one ``IncidentDetail`` (see ``widgets.incident_rows`` for the attributes read)."""

    sig_action_requested = Signal(int, str, object)
    """The user asked for a workflow action: (incident id, action, params dict — always "note")."""
    sig_comment_requested = Signal(int, str)
    """The user wrote a comment: (incident id, text)."""
    sig_attachment_requested = Signal(int, str, str)
    """The user picked a file to attach: (incident id, kind photo|file, path)."""
    sig_attachment_open_requested = Signal(int)
    """The user asked to open an attachment in full (attachment id)."""
    sig_jump_to_map_requested = Signal(int)
    """The user asked to show the incident on the map."""
    sig_split_requested = Signal(int)
    """The user asked to split a merged incident back out (the id of the incident that was merged in)."""
    sig_linked_incident_requested = Signal(int)
    """The user asked to open a linked incident (its id)."""
    sig_link_requested = Signal(str, int, list)
    """The user asked for a link action: (action, target incident id, other incident ids)."""
    sig_attach_to_requested = Signal(int, str)
    """The user asked to make this incident a child of a major incident: (incident id, that one's number as typed)."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._detail: Any = None
        self._allowed: frozenset[str] = frozenset()
        self._after_photo_path: str | None = None
        self.file_dialog: QFileDialog | None = None  # the open picker, if any (tests answer it)
        self._file_kind = ""

        self.title = _plain_label(self, "incidentTitle")
        self.state = _plain_label(self, "incidentState")
        self.sla = SlaCountdownLabel(self, clock=clock or (lambda: datetime.now(UTC)))
        self.fields: dict[str, QLabel] = {}
        self.field_names: dict[str, QLabel] = {}
        self.jump_button = QPushButton(self)
        self.describe_button = QPushButton(self)  # opens DescriptionDialog: the "describe" action
        self.description_dialog: DescriptionDialog | None = None
        self.buttons: dict[str, QPushButton] = {a: QPushButton(self) for a in ACTION_ORDER}
        self.note = QLineEdit(self)
        self.assignee = QLineEdit(self)
        self.agency = QLineEdit(self)
        self.priority = QComboBox(self)
        self.after_photo_button = QPushButton(self)
        self.after_photo_label = _plain_label(self, "afterPhotoLabel")
        self.comment = QPlainTextEdit(self)
        self.attachments = QListWidget(self)
        self.add_photo_button = QPushButton(self)
        self.links_box = IncidentLinksBox(self)
        box = self.links_box  # its parts, as the console and the tests name them
        self.links, self.split_button, self.major_label = box.links, box.split_button, box.major_label
        self.parent_button, self.unlink_button, self.promote_button = box.parent_button, box.unlink_button, \
            box.promote_button
        self.attach_to, self.attach_to_button = box.attach_to, box.attach_to_button
        self.timeline_model = IncidentTimelineModel(self)
        self.timeline = QTableView(self)

        self.sla.setObjectName("incidentSla")
        for action, button in self.buttons.items():
            button.setObjectName(f"action_{action}")
        self.priority.addItems(PRIORITIES)
        self.comment.setMaximumHeight(70)
        self.attachments.setViewMode(QListWidget.ViewMode.IconMode)
        self.attachments.setIconSize(QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        self.attachments.setMaximumHeight(THUMBNAIL_PX + 48)
        self.attachments.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.timeline.setModel(self.timeline_model)
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.horizontalHeader().setStretchLastSection(True)
        self.timeline.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._build_layout()
        self.retranslate()
        self._update_enabled()

        for action, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, a=action: self._on_action(a))
        for edit in (self.assignee, self.agency):
            edit.textChanged.connect(self._update_enabled)
        self.comment.textChanged.connect(self._update_enabled)
        self.priority.currentIndexChanged.connect(self._update_enabled)
        self.attachments.itemDoubleClicked.connect(
            lambda item: self.sig_attachment_open_requested.emit(int(item.data(Qt.ItemDataRole.UserRole))))
        self.jump_button.clicked.connect(self._on_jump)
        self.describe_button.clicked.connect(self._edit_description)
        box.sig_split_requested.connect(self.sig_split_requested)
        box.sig_linked_incident_requested.connect(self.sig_linked_incident_requested)
        box.sig_link_requested.connect(self.sig_link_requested)
        box.sig_attach_to_requested.connect(self.sig_attach_to_requested)
        self.after_photo_button.clicked.connect(lambda: self._pick_file("after_photo"))
        self.add_photo_button.clicked.connect(lambda: self._pick_file("photo"))

    def _build_layout(self) -> None:
        info = QFormLayout()
        for key in ("description", "category", "priority", "location", "district", "reporter", "source",
                    "assignee", "requested_at", "sla_target"):
            self.field_names[key] = QLabel(self)
            self.fields[key] = _plain_label(self, f"field_{key}")
            if key == "description":
                row_layout = QHBoxLayout()
                row_layout.addWidget(self.fields[key], 1)
                row_layout.addWidget(self.describe_button, 0, Qt.AlignmentFlag.AlignTop)
                info.addRow(self.field_names[key], row_layout)
                continue
            info.addRow(self.field_names[key], self.fields[key])
        info.addRow(QLabel(self), self.jump_button)
        self.actions_box = QGroupBox(self)
        grid = QGridLayout(self.actions_box)
        plain = [a for a in ACTION_ORDER if a not in _INPUT_ACTIONS]
        for i, action in enumerate(plain):
            grid.addWidget(self.buttons[action], i // 4, i % 4)
        row = (len(plain) + 3) // 4
        grid.addWidget(self.note, row, 0, 1, 4)
        for r, (edit, action) in enumerate(((self.assignee, "assign"), (self.agency, "forward"),
                                            (self.priority, "set_priority")), start=row + 1):
            grid.addWidget(edit, r, 0, 1, 3)
            grid.addWidget(self.buttons[action], r, 3)
        grid.addWidget(self.after_photo_button, row + 4, 0)
        grid.addWidget(self.after_photo_label, row + 4, 1, 1, 2)
        grid.addWidget(self.buttons["resolve"], row + 4, 3)
        self.comment_box = QGroupBox(self)
        comment_layout = QHBoxLayout(self.comment_box)
        comment_layout.addWidget(self.comment, 1)
        comment_layout.addWidget(self.buttons["comment"])
        self.attachments_box = QGroupBox(self)
        att = QVBoxLayout(self.attachments_box)
        att.addWidget(self.attachments)
        att.addWidget(self.add_photo_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.timeline_box = QGroupBox(self)
        QVBoxLayout(self.timeline_box).addWidget(self.timeline)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.state)
        head.addWidget(self.sla)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(info)
        for box in (self.actions_box, self.comment_box, self.attachments_box, self.links_box):
            layout.addWidget(box)
        layout.addWidget(self.timeline_box, 1)

    # --- state from the console ------------------------------------------------------------------------------------

    @property
    def incident_id(self) -> int | None:
        return None if self._detail is None else int(self._detail.id)

    def show_incident(self, detail: Any, allowed_actions: Iterable[str], sla: Any = None) -> None:
        """Show ``detail`` with the actions the user may take; ``sla`` is a ``SlaStatus`` (or None: from the row).

        A new incident clears the inputs; the same incident again (after an update) keeps what is being typed."""
        same = self._detail is not None and int(self._detail.id) == int(detail.id)
        self._detail = detail
        if not same:
            self._after_photo_path = None
            for edit in (self.note, self.assignee, self.agency):
                edit.clear()
            self.comment.clear()
        self.priority.blockSignals(True)
        self.priority.setCurrentText(detail.priority or "P3")
        self.priority.blockSignals(False)
        self._fill_fields(detail)
        self._fill_attachments(detail)
        self.links_box.show_incident(detail, same=same)
        self.timeline_model.set_events(list(getattr(detail, "events", ()) or ()))
        self.set_sla(sla)
        self.set_allowed_actions(allowed_actions)

    def set_allowed_actions(self, allowed_actions: Iterable[str]) -> None:
        """Replace the allowed action set (e.g. after a role change or a transition)."""
        self._allowed = frozenset(allowed_actions)
        self._update_enabled()

    def set_sla(self, sla: Any) -> None:
        """Show an ``SlaStatus`` (target_at, remaining_s, breached, paused); None derives it from the detail."""
        d = self._detail
        if d is not None and d.state in ("resolved", "closed", "cancelled"):
            self.sla.set_target(None)
        elif sla is not None:
            self.sla.set_target(sla.target_at, paused=bool(sla.paused), remaining_s=sla.remaining_s)
        elif d is not None:
            paused = getattr(d, "sla_paused_since", None) is not None
            self.sla.set_target(d.expected_at, paused=paused, remaining_s=getattr(d, "sla_remaining_s", None))
        else:
            self.sla.set_target(None)

    def set_after_photo_path(self, path: str | None) -> None:
        """The after-photo to send with "resolve" (chosen in the picker, or given by the console)."""
        self._after_photo_path = path or None
        self.after_photo_label.setText(path.rsplit("/", 1)[-1] if path else "")
        self._update_enabled()

    def clear(self) -> None:
        """Show nothing (no incident selected)."""
        self._detail = None
        self.title.clear()
        self.state.clear()
        for label in self.fields.values():
            label.clear()
        self.attachments.clear()
        self.links_box.clear()
        self.timeline_model.set_events([])
        self.sla.set_target(None)
        self.set_allowed_actions(())

    def has_after_photo(self) -> bool:
        attached = any(a.kind == "after_photo" for a in getattr(self._detail, "attachments", ()) or ())
        return attached or self._after_photo_path is not None

    def retranslate(self) -> None:
        names = {
            "description": t("รายละเอียด", "Description"), "category": t("ประเภท", "Category"),
            "priority": t("ความเร่งด่วน", "Priority"), "location": t("ตำแหน่ง", "Location"),
            "district": t("อำเภอ", "District"), "reporter": t("ผู้แจ้ง", "Reporter"),
            "source": t("ช่องทาง", "Source"), "assignee": t("ผู้รับผิดชอบ / หน่วยงาน", "Assignee / agency"),
            "requested_at": t("แจ้งเมื่อ", "Reported"), "sla_target": t("กำหนดเสร็จ (SLA)", "SLA target"),
        }
        for key, label in self.field_names.items():
            label.setText(names[key])
        for action, button in self.buttons.items():
            button.setText(action_label(action))
        self.jump_button.setText(t("ดูบนแผนที่", "Show on map"))
        self.describe_button.setText(action_label("describe"))
        self.note.setPlaceholderText(t("หมายเหตุประกอบการดำเนินการ", "Note for the action"))
        self.assignee.setPlaceholderText(t("ผู้รับผิดชอบ", "Assignee"))
        self.agency.setPlaceholderText(t("หน่วยงานที่ส่งต่อ", "Agency to forward to"))
        self.comment.setPlaceholderText(t("เขียนความเห็น", "Write a comment"))
        self.after_photo_button.setText(t("เลือกรูปหลังแก้ไข…", "Choose after-photo…"))
        self.add_photo_button.setText(t("แนบรูป…", "Attach photo…"))
        self.links_box.retranslate()
        self.actions_box.setTitle(t("การดำเนินการ", "Actions"))
        self.comment_box.setTitle(t("ความเห็น", "Comment"))
        self.attachments_box.setTitle(t("ไฟล์แนบ", "Attachments"))
        self.timeline_box.setTitle(t("ลำดับเหตุการณ์", "Timeline"))
        self.timeline_model.retranslate()
        self.sla.refresh()
        if self._detail is not None:
            self._fill_fields(self._detail)

    # --- filling ---------------------------------------------------------------------------------------------------

    def _fill_fields(self, d: Any) -> None:
        lang = current_language()
        self.title.setText(f"#{d.server_id or d.id}  {d.service_name or d.category or ''}")
        self.state.setText(state_label(d.state))
        location = ", ".join(x for x in (d.address or "",) if x)
        if d.lat is not None and d.lon is not None:
            location = f"{location} ({d.lat:.5f}, {d.lon:.5f})".strip()
        reporter = " · ".join(x for x in (d.reporter_name or "", d.reporter_contact or "") if x)
        assignee = " · ".join(x for x in (d.assignee or "", getattr(d, "agency", None) or "") if x)
        values = {
            "description": d.description or "", "category": d.service_name or d.category or "",
            "priority": d.priority or "", "location": location or "—",
            "district": getattr(d, "district_name", None) or d.district_code or "—",
            "reporter": reporter or "—", "source": source_label(d.source), "assignee": assignee or "—",
            "requested_at": format_datetime(d.requested_at, lang), "sla_target": format_datetime(d.expected_at, lang),
        }
        for key, value in values.items():
            self.fields[key].setText(value)

    def _fill_attachments(self, d: Any) -> None:
        self.attachments.clear()
        for attachment in getattr(d, "attachments", ()) or ():
            item = QListWidgetItem(attachment.filename or "")
            pixmap = QPixmap()
            thumbnail = getattr(attachment, "thumbnail", None)
            if thumbnail and pixmap.loadFromData(bytes(thumbnail), "PNG"):
                item.setIcon(QIcon(pixmap))
            kind = {"after_photo": t("รูปหลังแก้ไข", "after-photo"), "photo": t("รูปภาพ", "photo")}.get(
                attachment.kind, t("ไฟล์", "file"))
            item.setToolTip(plain_tooltip(f"{attachment.filename}\n{kind} · {attachment.size:,} B\n"
                                          f"{format_datetime(attachment.created_at, current_language())}"))
            item.setData(Qt.ItemDataRole.UserRole, int(attachment.id))
            item.setData(Qt.ItemDataRole.UserRole + 1, attachment.kind)
            self.attachments.addItem(item)

    # --- enable rules and reactions --------------------------------------------------------------------------------

    def _update_enabled(self) -> None:
        d = self._detail
        allowed = self._allowed if d is not None else frozenset()
        for action, button in self.buttons.items():
            button.setEnabled(action in allowed and self._inputs_ready(action))
        self.after_photo_button.setEnabled("resolve" in allowed)
        self.add_photo_button.setEnabled("comment" in allowed)
        self.links_box.set_allowed(allowed)
        self.jump_button.setEnabled(d is not None and d.lat is not None and d.lon is not None)
        self.describe_button.setEnabled("describe" in allowed)

    def _inputs_ready(self, action: str) -> bool:
        d = self._detail
        if action == "assign":
            name = self.assignee.text().strip()
            return bool(name) and name != (d.assignee or "")
        if action == "forward":
            return bool(self.agency.text().strip())
        if action == "set_priority":
            return self.priority.currentText() != (d.priority or "")
        if action == "comment":
            text = self.comment.toPlainText().strip()
            return bool(text) and len(text) <= DESCRIPTION_MAX
        if action == "resolve":
            return self.has_after_photo()
        return True

    def _on_action(self, action: str) -> None:
        if self._detail is None or not self.buttons[action].isEnabled():
            return
        incident_id = int(self._detail.id)
        if action == "comment":
            text = self.comment.toPlainText().strip()
            self.comment.clear()
            self.sig_comment_requested.emit(incident_id, text)
            return
        params: dict[str, Any] = {"note": self.note.text().strip()}
        if action == "assign":
            params["assignee"] = self.assignee.text().strip()
        elif action == "forward":
            params["agency"] = self.agency.text().strip()
        elif action == "set_priority":
            params["priority"] = self.priority.currentText()
        elif action == "resolve":
            params["after_photo_path"] = self._after_photo_path
        self.note.clear()
        self.sig_action_requested.emit(incident_id, action, params)

    def _pick_file(self, kind: str) -> None:
        """Open a (non-blocking) file picker; the answer arrives in ``_on_file_selected``."""
        if self.file_dialog is not None:
            self.file_dialog.close()
        dialog = QFileDialog(self, t("เลือกไฟล์", "Choose a file"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(t("รูปภาพ (*.png *.jpg *.jpeg)", "Images (*.png *.jpg *.jpeg)")
                             if kind != "file" else "*")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(self._on_file_selected)
        self._file_kind = kind
        self.file_dialog = dialog
        dialog.open()

    def _on_file_selected(self, path: str) -> None:
        if not path or self._detail is None:
            return
        if self._file_kind == "after_photo":
            self.set_after_photo_path(path)
        else:
            self.sig_attachment_requested.emit(int(self._detail.id), self._file_kind, path)

    def _edit_description(self) -> None:
        d = self._detail
        if d is None or not self.describe_button.isEnabled():
            return
        if self.description_dialog is not None:
            self.description_dialog.close()
        dialog = DescriptionDialog(str(d.server_id or d.id), d.description or "", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        incident_id = int(d.id)
        dialog.sig_saved.connect(lambda text: self.sig_action_requested.emit(
            incident_id, "describe", {"description": text, "note": ""}))
        dialog.destroyed.connect(lambda: setattr(self, "description_dialog", None))
        self.description_dialog = dialog
        dialog.show()

    def _on_jump(self) -> None:
        if self._detail is not None:
            self.sig_jump_to_map_requested.emit(int(self._detail.id))
