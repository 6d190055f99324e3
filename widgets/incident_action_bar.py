"""The workflow actions of the incident on show: the buttons, the inputs some of them need, their keys, and why a
disabled one is disabled.

The bar decides nothing about the workflow: a button is enabled only when its action is in the allowed set the
console gives (``services.workflow.allowed_actions`` for the acting role) and its input is ready (assign needs a new
assignee, forward an agency, set_priority a different priority, comment some text, resolve an after-photo). A
disabled button says why in its tooltip: the workflow's refusal (``services.workflow.refusals``, worded here by its
reason) or the input still missing. Each tooltip names the action's key.

The common actions have keys (``widgets.incident_rows.ACTION_KEYS``), as QActions the console also lists in the
*Incidents* menu, so they work wherever the focus is. The key of an action that needs input and has none yet goes to
that input (the assignee field, the comment box, the after-photo picker) instead.

"Cancel incident…" asks first (a non-blocking message box, :attr:`cancel_confirmation`): only "Cancel incident" in
it sends the action; "Keep the incident", Escape or closing it does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from widgets.display_format import plain_tooltip
from widgets.i18n import t
from widgets.incident_rows import ACTION_KEYS, ACTION_ORDER, DESCRIPTION_MAX, PRIORITIES, action_label, refusal_text

# The buttons in the grid (the others sit next to their input, and "comment" with the comment box).
_GRID_ACTIONS = ("acknowledge", "dispatch", "arrive", "hold", "resume", "close", "reopen", "cancel")
# Actions whose key goes to their input while it is not ready.
_INPUT_KEYS = ("assign", "comment", "resolve")


class IncidentActionBar(QWidget):
    """The actions of one incident (see the module text)."""

    sig_action_requested = Signal(int, str, object)
    """The user asked for a workflow action: (incident id, action, params dict — always "note")."""
    sig_comment_requested = Signal(int, str)
    """The user wrote a comment: (incident id, text)."""
    sig_after_photo_requested = Signal()
    """The user wants to choose the after-photo that resolving needs (the panel opens the picker)."""
    sig_comment_box_requested = Signal()
    """The comment key was pressed with nothing written: show the comment box (the panel raises its tab)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: Any = None
        self._allowed: frozenset[str] = frozenset()
        self._refusals: Mapping[str, Any] = {}
        self._after_photo_path: str | None = None
        self.cancel_confirmation: QMessageBox | None = None  # the open "Cancel incident?" question, if any
        self.buttons: dict[str, QPushButton] = {a: QPushButton(self) for a in ACTION_ORDER}
        self.note = QLineEdit(self)
        self.assignee = QLineEdit(self)
        self.agency = QLineEdit(self)
        self.priority = QComboBox(self)
        self.after_photo_button = QPushButton(self)
        self.after_photo_label = QLabel(self)
        self.comment_box = QWidget(self)  # placed by the panel, under the timeline
        self.comment = QPlainTextEdit(self.comment_box)
        self.key_actions: dict[str, QAction] = {a: QAction(self) for a in ACTION_KEYS}

        self.setObjectName("incidentActions")
        for action, button in self.buttons.items():
            button.setObjectName(f"action_{action}")
        for action, key_action in self.key_actions.items():
            key_action.setObjectName(f"key_{action}")
            key_action.setShortcut(QKeySequence(ACTION_KEYS[action]))
            key_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(key_action)  # works while the bar is on show; the console also puts it in a menu
        self.priority.addItems(PRIORITIES)
        self.after_photo_label.setObjectName("afterPhotoLabel")
        self.after_photo_label.setTextFormat(Qt.TextFormat.PlainText)
        self.after_photo_label.setVisible(False)
        self.comment.setObjectName("incidentComment")
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(48)  # two lines: the tab above it keeps the room for the timeline
        self._build_layout()
        self.retranslate()

        for action, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, a=action: self._on_action(a))
        for action, key_action in self.key_actions.items():
            key_action.triggered.connect(lambda _checked=False, a=action: self._on_key(a))
        for edit in (self.assignee, self.agency):
            edit.textChanged.connect(self._update_enabled)
        self.comment.textChanged.connect(self._update_enabled)
        self.priority.currentIndexChanged.connect(self._update_enabled)
        self.assignee.returnPressed.connect(lambda: self._on_action("assign"))
        self.agency.returnPressed.connect(lambda: self._on_action("forward"))
        self.after_photo_button.clicked.connect(self.sig_after_photo_requested)
        send = QAction(self.comment)
        send.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        send.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        send.triggered.connect(lambda: self._on_action("comment"))
        self.comment.addAction(send)
        self._update_enabled()

    def _build_layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        for i, action in enumerate(_GRID_ACTIONS):
            grid.addWidget(self.buttons[action], i // 4, i % 4)
        row = (len(_GRID_ACTIONS) + 3) // 4
        grid.addWidget(self.note, row, 0, 1, 4)
        grid.addWidget(self.assignee, row + 1, 0)
        grid.addWidget(self.buttons["assign"], row + 1, 1)
        grid.addWidget(self.priority, row + 1, 2)
        grid.addWidget(self.buttons["set_priority"], row + 1, 3)
        grid.addWidget(self.agency, row + 2, 0)
        grid.addWidget(self.buttons["forward"], row + 2, 1)
        grid.addWidget(self.after_photo_button, row + 2, 2)
        grid.addWidget(self.buttons["resolve"], row + 2, 3)
        grid.addWidget(self.after_photo_label, row + 3, 2, 1, 2)
        for column in range(4):
            grid.setColumnStretch(column, 1)
        comment_layout = QHBoxLayout(self.comment_box)
        comment_layout.setContentsMargins(0, 0, 0, 0)
        comment_layout.addWidget(self.comment, 1)
        comment_layout.addWidget(self.buttons["comment"], 0, Qt.AlignmentFlag.AlignBottom)

    # --- state from the panel --------------------------------------------------------------------------------------

    def show_incident(self, detail: Any, allowed: Iterable[str], refusals: Mapping[str, Any] | None = None, *,
                      same: bool) -> None:
        """Show ``detail``'s actions; ``same``: the same incident again (what is being typed stays)."""
        self._detail = detail
        if not same:
            self._after_photo_path = None
            self.after_photo_label.clear()
            self.after_photo_label.setVisible(False)
            for edit in (self.note, self.assignee, self.agency):
                edit.clear()
            self.comment.clear()
            if self.cancel_confirmation is not None:  # it asked about the incident no longer on show
                self.cancel_confirmation.close()
        self.priority.blockSignals(True)
        self.priority.setCurrentText(detail.priority or "P3")
        self.priority.blockSignals(False)
        self.set_allowed(allowed, refusals)

    def set_allowed(self, allowed: Iterable[str], refusals: Mapping[str, Any] | None = None) -> None:
        """The allowed actions and, for the others, why not (``services.workflow.Refusal`` per action)."""
        self._allowed = frozenset(allowed)
        self._refusals = dict(refusals or {})
        self._update_enabled()

    @property
    def allowed(self) -> frozenset[str]:
        """The allowed actions last given (pseudo-actions included)."""
        return self._allowed

    def set_after_photo_path(self, path: str | None) -> None:
        """The after-photo to send with "resolve" (chosen in the picker, or given by the console)."""
        self._after_photo_path = path or None
        self.after_photo_label.setText(path.replace("\\", "/").rsplit("/", 1)[-1] if path else "")
        self.after_photo_label.setVisible(bool(path))
        self._update_enabled()

    def has_after_photo(self) -> bool:
        attached = any(a.kind == "after_photo" for a in getattr(self._detail, "attachments", ()) or ())
        return attached or self._after_photo_path is not None

    def clear(self) -> None:
        self._detail = None
        self.set_allowed(())

    def retranslate(self) -> None:
        self.setAccessibleName(t("การดำเนินการ", "Actions"))
        for action, button in self.buttons.items():
            button.setText(action_label(action))
        for action, key_action in self.key_actions.items():
            key_action.setText(action_label(action))
        self.note.setPlaceholderText(t("หมายเหตุประกอบการดำเนินการ (ไม่บังคับ)", "Note for the action (optional)"))
        self.assignee.setPlaceholderText(t("ผู้รับผิดชอบคนใหม่", "New assignee"))
        self.agency.setPlaceholderText(t("หน่วยงานที่ส่งต่อ", "Agency to forward to"))
        self.comment.setPlaceholderText(t("เขียนความเห็นลงในลำดับเหตุการณ์ (Ctrl+Enter ส่ง)",
                                          "Write a comment on the timeline (Ctrl+Enter sends)"))
        self.after_photo_button.setText(t("รูปหลังแก้ไข…", "After-photo…"))
        self.after_photo_button.setToolTip(t("เลือกรูปถ่ายที่เกิดเหตุหลังแก้ไข (ต้องมีก่อนกด “แก้ไขเสร็จ”)",
                                             "Choose a photo of the scene after the work (resolving needs one)"))
        self._update_enabled()

    # --- enable rules and their reasons ----------------------------------------------------------------------------

    def _update_enabled(self) -> None:
        d = self._detail
        allowed = self._allowed if d is not None else frozenset()
        for action, button in self.buttons.items():
            why = self._why_not(action, allowed)
            button.setEnabled(why is None)
            button.setToolTip(plain_tooltip(self._tooltip(action, why)))
        for action, key_action in self.key_actions.items():
            # The key of an action that waits for its input still works: it goes to that input.
            why = self._why_not(action, allowed)
            key_action.setEnabled(why is None or (action in _INPUT_KEYS and self._refusal_text(action, allowed)
                                                  is None))
            key_action.setToolTip(self._tooltip(action, why))
            key_action.setStatusTip(why or "")
        self.after_photo_button.setEnabled("resolve" in allowed)

    def _tooltip(self, action: str, why: str | None) -> str:
        key = ACTION_KEYS.get(action)
        head = action_label(action).rstrip("…") + (f" ({key})" if key else "")
        return head if why is None else f"{head}\n{why}"

    def _why_not(self, action: str, allowed: frozenset[str]) -> str | None:
        """Why ``action`` cannot be taken now, in words (None: it can)."""
        refused = self._refusal_text(action, allowed)
        return refused if refused is not None else self._input_missing(action)

    def _refusal_text(self, action: str, allowed: frozenset[str]) -> str | None:
        if self._detail is None:
            return t("เลือกเหตุการณ์ในคิวหรือบนแผนที่ก่อน", "Select an incident in the queue or on the map first")
        if action in allowed:
            return None
        refusal = self._refusals.get(action)
        return refusal_text(refusal) if refusal is not None else t("ทำไม่ได้ในขณะนี้", "Not possible now")

    def _input_missing(self, action: str) -> str | None:
        d = self._detail
        if action == "assign":
            name = self.assignee.text().strip()
            if not name:
                return t("พิมพ์ชื่อผู้รับผิดชอบคนใหม่ก่อน", "Type the new assignee first")
            if name == (d.assignee or ""):
                return t("เรื่องนี้มอบหมายให้คนนี้อยู่แล้ว", "The incident is assigned to them already")
        elif action == "forward" and not self.agency.text().strip():
            return t("พิมพ์ชื่อหน่วยงานที่จะส่งต่อก่อน", "Type the agency to forward to first")
        elif action == "set_priority" and self.priority.currentText() == (d.priority or ""):
            return t("เลือกความเร่งด่วนใหม่ก่อน", "Choose a different priority first")
        elif action == "comment":
            text = self.comment.toPlainText().strip()
            if not text:
                return t("เขียนความเห็นก่อน", "Write the comment first")
            if len(text) > DESCRIPTION_MAX:
                return t(f"ความเห็นยาวได้ไม่เกิน {DESCRIPTION_MAX:,} ตัวอักษร",
                         f"A comment is at most {DESCRIPTION_MAX:,} characters")
        elif action == "resolve" and not self.has_after_photo():
            return t("ต้องมีรูปถ่ายหลังแก้ไข: กด “รูปหลังแก้ไข…” เลือกรูปก่อน",
                     "Resolving needs an after-photo: choose one with “After-photo…” first")
        return None

    # --- reactions -------------------------------------------------------------------------------------------------

    def _on_key(self, action: str) -> None:
        """A workflow key: the action when it can be taken, else its input (when only that is missing)."""
        if self._detail is None:
            return
        if self.buttons[action].isEnabled():
            self._on_action(action)
        elif self._refusal_text(action, self._allowed) is None:
            if action == "assign":
                self.assignee.setFocus(Qt.FocusReason.ShortcutFocusReason)
            elif action == "comment":
                self.sig_comment_box_requested.emit()
                self.comment.setFocus(Qt.FocusReason.ShortcutFocusReason)
            elif action == "resolve":
                self.sig_after_photo_requested.emit()

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
        elif action == "cancel":
            self._confirm_cancel(incident_id, params)
            return
        self.note.clear()
        self.sig_action_requested.emit(incident_id, action, params)

    def _confirm_cancel(self, incident_id: int, params: dict[str, Any]) -> None:
        """Ask before cancelling: the incident leaves the work, and only a supervisor brings it back."""
        if self.cancel_confirmation is not None:
            self.cancel_confirmation.close()
        d = self._detail
        number = d.server_id or d.id
        box = QMessageBox(QMessageBox.Icon.Warning, t(f"ยกเลิกเหตุการณ์ #{number}?", f"Cancel incident #{number}?"),
                          t(f"ยกเลิกเหตุการณ์ #{number} ใช่หรือไม่? เรื่องจะออกจากคิวงานพร้อมสถานะ “ยกเลิกแล้ว” "
                            "นาฬิกา SLA หยุด และมีเพียงหัวหน้าเวรที่เปิดกลับมาได้",
                            f"Cancel incident #{number}? It leaves the work queue as “cancelled”, its SLA clock "
                            "stops, and only a supervisor can reopen it."), parent=self)
        box.setObjectName("cancelIncidentConfirmation")
        box.setTextFormat(Qt.TextFormat.PlainText)
        confirm = box.addButton(t("ยกเลิกเหตุการณ์", "Cancel incident"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(t("เก็บเหตุการณ์ไว้", "Keep the incident"), QMessageBox.ButtonRole.RejectRole)
        confirm.setObjectName("confirmCancel")
        keep.setObjectName("keepIncident")
        box.setDefaultButton(keep)  # Enter keeps it: cancelling takes a deliberate choice
        box.setEscapeButton(keep)

        def answered(button: Any) -> None:
            if button is confirm:
                self.note.clear()
                self.sig_action_requested.emit(incident_id, "cancel", params)

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _r: setattr(self, "cancel_confirmation", None))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.cancel_confirmation = box
        box.open()
