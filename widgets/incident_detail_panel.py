"""Everything about one incident: its actions first, then its details, timeline, attachments and links in tabs.

The actions stay on top (:class:`widgets.incident_action_bar.IncidentActionBar`), where they are seen without
scrolling on a 1366×768 screen; what is read rather than acted on sits in tabs below (details, the timeline with the
comment box, attachments, links), each scrolling on its own. A list with nothing in it says so and what to do
(:class:`widgets.empty_state.EmptyState`).

The panel decides nothing about the workflow: the console gives it the allowed action set (from
``services.workflow.allowed_actions`` for the user's role) with, for the rest, why not (``services.workflow.refusals``);
the bar enables a button only when its action is allowed and its input is ready, and says why otherwise.

Resolve and the after-photo (decided here): "resolve" is enabled only when the incident already has an attachment of
kind ``after_photo`` or one has been chosen in the panel. ``sig_action_requested(id, "resolve", params)`` then
carries ``params["after_photo_path"]`` (the chosen file, or None when one is already attached); the console stores
that file as an ``after_photo`` attachment and applies the resolve in the same DB-worker task, so no resolve lands
without its photo. The panel only handles the path; it never reads the file (no disk on the UI thread).

Other extras: "split" and attachments are gated by the pseudo-actions ``"split"`` and ``"comment"`` in the allowed
set (the console adds "split" for operator and supervisor). The links — merged duplicates, related peers, a major
incident and its children — are :class:`widgets.incident_links_box.IncidentLinksBox`, gated by its pseudo-actions
("promote", "attach_to", "detach", "detach_self", "unrelate"). Every text from data is shown as plain text.

Keys: the common workflow actions (``IncidentActionBar.key_actions``) and *Show on map* (``map_action``, Ctrl+M) are
QActions the console also lists in its *Incidents* menu.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.description_dialog import DescriptionDialog
from widgets.display_format import format_datetime, plain_tooltip
from widgets.empty_state import EmptyState
from widgets.i18n import current_language, t
from widgets.incident_action_bar import IncidentActionBar
from widgets.incident_links_box import IncidentLinksBox
from widgets.incident_rows import ACTION_ORDER, action_label, category_label, source_label, state_label
from widgets.incident_sla_label import SlaCountdownLabel
from widgets.incident_timeline import IncidentTimelineModel

THUMBNAIL_PX = 96
MAP_KEY = "Ctrl+M"  # show the incident on show on the map (the keyboard's way to the map)


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
    sig_incident_shown = Signal(int)
    """The panel shows this incident (its id), with its actions up to date: new, or the same one refreshed."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._detail: Any = None
        self.file_dialog: QFileDialog | None = None  # the open picker, if any (tests answer it)
        self._file_kind = ""

        self.title = _plain_label(self, "incidentTitle")
        self.state = _plain_label(self, "incidentState")
        self.summary = _plain_label(self, "incidentSummary")
        self.sla = SlaCountdownLabel(self, clock=clock or (lambda: datetime.now(UTC)))
        self.fields: dict[str, QLabel] = {}
        self.field_names: dict[str, QLabel] = {}
        self.jump_button = QPushButton(self)
        self.describe_button = QPushButton(self)  # opens DescriptionDialog: the "describe" action
        self.description_dialog: DescriptionDialog | None = None
        self.action_bar = IncidentActionBar(self)
        bar = self.action_bar  # its parts, as the console and the tests name them
        self.buttons, self.note, self.assignee, self.agency = bar.buttons, bar.note, bar.assignee, bar.agency
        self.priority, self.comment, self.comment_box = bar.priority, bar.comment, bar.comment_box
        self.after_photo_button, self.after_photo_label = bar.after_photo_button, bar.after_photo_label
        self.actions_box = bar
        self.map_action = QAction(self)
        self.attachments = QListWidget(self)
        self.add_photo_button = QPushButton(self)
        self.links_box = IncidentLinksBox(self)
        box = self.links_box
        self.links, self.split_button, self.major_label = box.links, box.split_button, box.major_label
        self.parent_button, self.unlink_button, self.promote_button = box.parent_button, box.unlink_button, \
            box.promote_button
        self.attach_to, self.attach_to_button = box.attach_to, box.attach_to_button
        self.timeline_model = IncidentTimelineModel(self)
        self.timeline = QTableView(self)
        self.tabs = QTabWidget(self)

        self.sla.setObjectName("incidentSla")
        self.state.setWordWrap(False)
        font = self.state.font()
        font.setBold(True)
        self.state.setFont(font)
        self.tabs.setObjectName("incidentTabs")
        self.map_action.setObjectName("showOnMapAction")
        self.map_action.setShortcut(QKeySequence(MAP_KEY))
        self.map_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.map_action)
        self.attachments.setViewMode(QListWidget.ViewMode.IconMode)
        self.attachments.setIconSize(QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        self.attachments.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.timeline.setObjectName("incidentTimeline")
        self.timeline.setMinimumHeight(3 * self.timeline.fontMetrics().height())  # the tab may be short: it scrolls
        self.timeline.setModel(self.timeline_model)
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.horizontalHeader().setStretchLastSection(True)
        self.timeline.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.timeline_empty = EmptyState(self.timeline, self._timeline_empty_text)
        self.attachments_empty = EmptyState(self.attachments, self._attachments_empty_text)
        self._build_layout()
        self.retranslate()
        self._update_enabled()

        bar.sig_action_requested.connect(self.sig_action_requested)
        bar.sig_comment_requested.connect(self.sig_comment_requested)
        bar.sig_after_photo_requested.connect(lambda: self._pick_file("after_photo"))
        bar.sig_comment_box_requested.connect(lambda: self.tabs.setCurrentWidget(self.timeline_page))
        self.attachments.itemDoubleClicked.connect(
            lambda item: self.sig_attachment_open_requested.emit(int(item.data(Qt.ItemDataRole.UserRole))))
        self.jump_button.clicked.connect(self._on_jump)
        self.map_action.triggered.connect(self._on_jump)
        self.describe_button.clicked.connect(self._edit_description)
        box.sig_split_requested.connect(self.sig_split_requested)
        box.sig_linked_incident_requested.connect(self.sig_linked_incident_requested)
        box.sig_link_requested.connect(self.sig_link_requested)
        box.sig_attach_to_requested.connect(self.sig_attach_to_requested)
        self.add_photo_button.clicked.connect(lambda: self._pick_file("photo"))

    def _build_layout(self) -> None:
        # Details: the reported facts, in a scroll area of their own (the tab never pushes the actions away).
        info_page = QWidget(self)
        info = QFormLayout(info_page)
        for key in ("description", "category", "priority", "location", "district", "reporter", "source",
                    "assignee", "requested_at", "sla_target"):
            self.field_names[key] = QLabel(info_page)
            self.fields[key] = _plain_label(info_page, f"field_{key}")
            if key == "description":
                row_layout = QHBoxLayout()
                row_layout.addWidget(self.fields[key], 1)
                row_layout.addWidget(self.describe_button, 0, Qt.AlignmentFlag.AlignTop)
                info.addRow(self.field_names[key], row_layout)
                continue
            info.addRow(self.field_names[key], self.fields[key])
        self.details_page = QScrollArea(self)
        self.details_page.setObjectName("incidentDetailsPage")
        self.details_page.setWidgetResizable(True)
        self.details_page.setFrameShape(QFrame.Shape.NoFrame)
        self.details_page.setWidget(info_page)
        # Timeline, with the comment box under it (a comment goes on the timeline).
        self.timeline_page = QWidget(self)
        timeline_layout = QVBoxLayout(self.timeline_page)
        timeline_layout.setContentsMargins(0, 0, 0, 0)
        timeline_layout.addWidget(self.timeline, 1)
        timeline_layout.addWidget(self.comment_box)
        self.attachments_page = QWidget(self)
        attachments_layout = QVBoxLayout(self.attachments_page)
        attachments_layout.setContentsMargins(0, 0, 0, 0)
        attachments_layout.addWidget(self.attachments, 1)
        attachments_layout.addWidget(self.add_photo_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.links_box.setFlat(True)
        self.links_page = QScrollArea(self)
        self.links_page.setWidgetResizable(True)
        self.links_page.setFrameShape(QFrame.Shape.NoFrame)
        self.links_page.setWidget(self.links_box)
        for page in (self.details_page, self.timeline_page, self.attachments_page, self.links_page):
            self.tabs.addTab(page, "")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.sla)
        head.addWidget(self.jump_button)
        facts = QHBoxLayout()
        facts.addWidget(self.state, 0, Qt.AlignmentFlag.AlignTop)
        facts.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addLayout(facts)
        layout.addWidget(self.action_bar)
        layout.addWidget(self.tabs, 1)

    # --- state from the console ------------------------------------------------------------------------------------

    @property
    def incident_id(self) -> int | None:
        return None if self._detail is None else int(self._detail.id)

    def show_incident(self, detail: Any, allowed_actions: Iterable[str], sla: Any = None,
                      refusals: Mapping[str, Any] | None = None) -> None:
        """Show ``detail`` with the actions the user may take; ``sla`` is a ``SlaStatus`` (or None: from the row);
        ``refusals`` says why each other workflow action is not open (``services.workflow.refusals``).

        A new incident clears the inputs; the same incident again (after an update) keeps what is being typed and the
        tab on show."""
        same = self._detail is not None and int(self._detail.id) == int(detail.id)
        self._detail = detail
        self._fill_fields(detail)
        self._fill_attachments(detail)
        self.links_box.show_incident(detail, same=same)
        self.timeline_model.set_events(list(getattr(detail, "events", ()) or ()))
        self.set_sla(sla)
        self.action_bar.show_incident(detail, allowed_actions, refusals, same=same)
        self._update_enabled()
        self.sig_incident_shown.emit(int(detail.id))

    def set_allowed_actions(self, allowed_actions: Iterable[str], refusals: Mapping[str, Any] | None = None) -> None:
        """Replace the allowed action set (e.g. after a role change or a transition)."""
        self.action_bar.set_allowed(allowed_actions, refusals)
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
        self.action_bar.set_after_photo_path(path)

    def clear(self) -> None:
        """Show nothing (no incident selected)."""
        self._detail = None
        self.title.clear()
        self.state.clear()
        self.summary.clear()
        for label in self.fields.values():
            label.clear()
        self.attachments.clear()
        self.links_box.clear()
        self.timeline_model.set_events([])
        self.sla.set_target(None)
        self.action_bar.clear()
        self._update_enabled()

    def has_after_photo(self) -> bool:
        return self.action_bar.has_after_photo()

    def _first_action(self) -> QWidget:
        return next((self.buttons[a] for a in ACTION_ORDER if self.buttons[a].isEnabled()), self.tabs)

    def focus_actions(self) -> None:
        """Give the keyboard to the first action that can be taken now (else to the tabs), e.g. after Enter on a
        queue row. Focus given to the panel itself (Alt+2) goes there too: it is the panel's focus proxy."""
        self._first_action().setFocus(Qt.FocusReason.ShortcutFocusReason)

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
        self.jump_button.setText(t("ดูบนแผนที่", "Show on map"))
        self.jump_button.setToolTip(t(f"แสดงเหตุการณ์นี้บนแผนที่ ({MAP_KEY})", f"Show this incident on the map ({MAP_KEY})"))
        self.map_action.setText(t("ดูเหตุการณ์บนแผนที่", "Show incident on &map"))
        self.describe_button.setText(action_label("describe"))
        self.add_photo_button.setText(t("แนบรูป…", "Attach photo…"))
        self.action_bar.retranslate()
        self.links_box.retranslate()
        self.timeline_model.retranslate()
        self._retitle_tabs()
        self.sla.refresh()
        if self._detail is not None:
            self._fill_fields(self._detail)
        self.timeline_empty.refresh()
        self.attachments_empty.refresh()

    def _retitle_tabs(self) -> None:
        d = self._detail
        events = len(getattr(d, "events", ()) or ()) if d is not None else 0
        files = len(getattr(d, "attachments", ()) or ()) if d is not None else 0
        links = len(getattr(d, "links", ()) or ()) if d is not None else 0
        for page, text in ((self.details_page, t("รายละเอียด", "Details")),
                           (self.timeline_page, t(f"ลำดับเหตุการณ์ ({events})", f"Timeline ({events})")),
                           (self.attachments_page, t(f"ไฟล์แนบ ({files})", f"Attachments ({files})")),
                           (self.links_page, t(f"เรื่องที่เกี่ยวข้อง ({links})", f"Links ({links})"))):
            self.tabs.setTabText(self.tabs.indexOf(page), text)

    def _timeline_empty_text(self) -> str:
        if self._detail is None:
            return t("เลือกเหตุการณ์ในคิวหรือบนแผนที่เพื่อดูลำดับเหตุการณ์",
                     "Select an incident in the queue or on the map to see its timeline")
        return t("ยังไม่มีอะไรในลำดับเหตุการณ์: การดำเนินการและความเห็นจะแสดงที่นี่ (เขียนความเห็นได้ด้านล่าง)",
                 "Nothing on the timeline yet: actions and comments appear here (write a comment below)")

    def _attachments_empty_text(self) -> str:
        if self._detail is None:
            return t("เลือกเหตุการณ์เพื่อดูไฟล์แนบ", "Select an incident to see its attachments")
        return t("ยังไม่มีไฟล์แนบ: กด “แนบรูป…” เพื่อเพิ่มรูปจากที่เกิดเหตุ",
                 "No attachments yet: use “Attach photo…” to add a photo of the scene")

    # --- filling ---------------------------------------------------------------------------------------------------

    def _fill_fields(self, d: Any) -> None:
        lang = current_language()
        category = category_label(getattr(d, "category", None), d.service_name)
        self.title.setText(f"#{d.server_id or d.id}  {category}")
        self.state.setText(state_label(d.state))
        location = ", ".join(x for x in (d.address or "",) if x)
        if d.lat is not None and d.lon is not None:
            location = f"{location} ({d.lat:.5f}, {d.lon:.5f})".strip()
        reporter = " · ".join(x for x in (d.reporter_name or "", d.reporter_contact or "") if x)
        assignee = " · ".join(x for x in (d.assignee or "", getattr(d, "agency", None) or "") if x)
        district = getattr(d, "district_name", None) or d.district_code or "—"
        values = {
            "description": d.description or "", "category": category,
            "priority": d.priority or "", "location": location or "—", "district": district,
            "reporter": reporter or "—", "source": source_label(d.source), "assignee": assignee or "—",
            "requested_at": format_datetime(d.requested_at, lang), "sla_target": format_datetime(d.expected_at, lang),
        }
        for key, value in values.items():
            self.fields[key].setText(value)
        # What the operator acts on at a glance: priority, where, and who to call back.
        caller = t(f"ผู้แจ้ง {reporter}", f"reported by {reporter}") if reporter else t("ไม่ทราบผู้แจ้ง",
                                                                                      "reporter unknown")
        self.summary.setText("· " + " · ".join(x for x in (d.priority or "", district, caller) if x))
        self._retitle_tabs()

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
        self.attachments_empty.refresh()  # its words depend on whether an incident is on show

    # --- enable rules and reactions --------------------------------------------------------------------------------

    def _update_enabled(self) -> None:
        d = self._detail
        allowed = self.action_bar.allowed if d is not None else frozenset()
        self.add_photo_button.setEnabled("comment" in allowed)
        self.links_box.set_allowed(allowed)
        on_map = d is not None and d.lat is not None and d.lon is not None
        self.jump_button.setEnabled(on_map)
        self.map_action.setEnabled(on_map)
        self.describe_button.setEnabled("describe" in allowed)
        self.timeline_empty.refresh()
        self.setFocusProxy(self._first_action())

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
        if self._detail is not None and self.jump_button.isEnabled():
            self.sig_jump_to_map_requested.emit(int(self._detail.id))
