"""Edits the server refused for good, under the open conflicts: which incident or alert, what change, the server's
reason.

A refusal (a validation error, a role that may not do it, a file too large) cannot be retried as it is. The operator
sees it here, opens the incident to act on it (a new intake, a smaller photo, a supervisor's hand) or the alert in
the Alerts dock, and acknowledges it. Everything shown is plain text: reasons come from the server and descriptions
from citizens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, \
    QVBoxLayout, QWidget

from widgets.display_format import format_datetime
from widgets.i18n import current_language, t

_SOURCE_ROLE = Qt.ItemDataRole.UserRole + 1  # "incident" or "alert": the two outboxes' ids overlap
_OUTBOX_ID_ROLE = Qt.ItemDataRole.UserRole + 2

Key = tuple[str, int]  # (source, outbox id)


def op_label(op: str, source: str = "incident") -> str:
    """What kind of change an entry of ``source``'s outbox was, in the current language."""
    if source == "alert":
        alert_labels = {"alert": t("การแจ้งเตือน (เกิดขึ้น/เปลี่ยนแปลง)", "alert raised or changed"),
                        "acknowledge": t("การรับทราบการแจ้งเตือน", "alert acknowledgement"),
                        "silence": t("การปิดเสียงกฎ", "rule silence"),
                        "end_silence": t("การเลิกปิดเสียงกฎ", "end of silence")}
        return alert_labels.get(op, op)
    labels = {"create": t("รับเรื่องใหม่", "new incident"), "update": t("การเปลี่ยนแปลง", "change"),
              "comment": t("ความเห็น", "comment"), "attachment": t("ไฟล์แนบ", "attachment"),
              "merge": t("รวมเรื่องซ้ำ", "merge"), "split": t("แยกเรื่องที่รวมไว้", "split"),
              "relate": t("เชื่อมโยงเรื่อง", "relate"), "unrelate": t("ยกเลิกการเชื่อมโยง", "unrelate"),
              "promote": t("ยกเป็นเหตุการณ์ใหญ่", "promote to major incident"),
              "attach": t("ผูกกับเหตุการณ์ใหญ่", "attach to major incident"),
              "detach": t("แยกออกจากเหตุการณ์ใหญ่", "detach from major incident")}
    return labels.get(op, op)


def _key(edit: Any) -> Key:
    return edit.source, edit.outbox_id


def _named(th: str | None, en: str | None, key: str | None) -> str:
    # The UI language's name, else the other language's, else the key: never a blank.
    return t(th or "", en or "") or en or th or key or "—"


def _alert_names(edit: Any) -> tuple[str, str]:
    """The rule and the scope of a refused alert entry in the UI language (a silence may hold everywhere)."""
    rule = _named(edit.rule_name_th, edit.rule_name_en, edit.rule_id)
    if edit.scope_key is None and edit.rule_id is not None and edit.op in ("silence", "end_silence"):
        return rule, t("ทุกพื้นที่", "everywhere")
    return rule, _named(edit.scope_name_th, edit.scope_name_en, edit.scope_key)


class RefusedEditsPanel(QWidget):
    """The list of refused edits (incident and alert entries), the selected one's reason, and *Show incident* (or
    *Show alert*) / *Acknowledge*."""

    sig_show_incident_requested = Signal(int)
    """Open this incident (its local id) in the detail dock."""
    sig_show_alert_requested = Signal(int)
    """Select this alert (its local id) in the Alerts dock."""
    sig_acknowledge_requested = Signal(str, int)
    """The operator has seen this refusal: (source "incident" | "alert", its outbox id)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._refused: dict[Key, Any] = {}
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.reason = QLabel(self)
        self.show_button = QPushButton(self)
        self.acknowledge_button = QPushButton(self)

        self.setObjectName("refusedEditsPanel")
        for label in (self.title, self.reason):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMaximumHeight(110)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.acknowledge_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)

        self.list.currentItemChanged.connect(lambda _cur, _prev: self._show_selected())
        self.show_button.clicked.connect(self._ask_show)
        self.acknowledge_button.clicked.connect(self._ask_acknowledge)
        self.retranslate()

    def set_refused(self, refused: Sequence[Any]) -> None:
        """Show these refused edits (services.store.refusals.RefusedEdit / RefusedAlertEdit); the selection stays
        where it can."""
        selected = self.selected_key()
        self._refused = {_key(r): r for r in refused}
        self.list.blockSignals(True)
        self.list.clear()
        for edit in refused:
            item = QListWidgetItem(self._list_text(edit))
            item.setData(_SOURCE_ROLE, edit.source)
            item.setData(_OUTBOX_ID_ROLE, edit.outbox_id)
            self.list.addItem(item)
        keys = [_key(r) for r in refused]
        if keys:
            self.list.setCurrentRow(keys.index(selected) if selected in keys else 0)
        self.list.blockSignals(False)
        self._show_selected()
        self.setVisible(bool(refused))  # nothing refused: the conflicts get the whole dock

    def selected_key(self) -> Key | None:
        """(source, outbox id) of the selected refusal."""
        item = self.list.currentItem()
        return None if item is None else (str(item.data(_SOURCE_ROLE)), int(item.data(_OUTBOX_ID_ROLE)))

    def retranslate(self) -> None:
        self.acknowledge_button.setText(t("รับทราบ", "Acknowledge"))
        self.set_refused(list(self._refused.values()))

    @staticmethod
    def _list_text(edit: Any) -> str:
        when = format_datetime(edit.refused_at, current_language()) if edit.refused_at is not None else ""
        if edit.source == "alert":
            rule, scope = _alert_names(edit)
            who = edit.actor or t("ระบบ", "system")  # an alert entry is the evaluation's
            return f"{rule} · {scope} · {op_label(edit.op, 'alert')} · {who} · {when}"
        who = edit.server_id or t(f"ในเครื่อง {edit.incident_id}", f"local {edit.incident_id}")
        return f"#{who} · {op_label(edit.op)} · {edit.actor or '—'} · {when}"

    def _selected(self) -> Any:
        key = self.selected_key()
        return None if key is None else self._refused.get(key)

    def _show_selected(self) -> None:
        edit = self._selected()
        self.title.setText(t(f"การแก้ไขที่เซิร์ฟเวอร์ไม่รับ: {len(self._refused)}",
                             f"Edits the server refused: {len(self._refused)}"))
        self.acknowledge_button.setEnabled(edit is not None)
        self._show_button_for(edit)
        if edit is None:
            self.reason.setText("")
            return
        if edit.source == "alert":
            what = " · ".join(_alert_names(edit))
        else:
            what = (edit.description or "").strip()
        self.reason.setText(f"{what}\n{t('เหตุผล', 'Reason')}: {edit.reason or '—'}".strip())

    def _show_button_for(self, edit: Any) -> None:
        """*Show incident* for an incident edit; *Show alert* for an alert entry, disabled (saying why) for a
        silence, which belongs to no one alert, or an entry whose alert is gone."""
        if edit is None or edit.source != "alert":
            self.show_button.setText(t("เปิดเรื่อง", "Show incident"))
            self.show_button.setToolTip("")
            self.show_button.setEnabled(edit is not None)
            return
        self.show_button.setText(t("แสดงการแจ้งเตือน", "Show alert"))
        self.show_button.setEnabled(edit.alert_id is not None)
        if edit.alert_id is not None:
            self.show_button.setToolTip("")
        elif edit.op in ("silence", "end_silence"):
            self.show_button.setToolTip(t("การปิดเสียงไม่ได้เป็นของการแจ้งเตือนใดรายการเดียว: ดูได้ในแผงการแจ้งเตือน",
                                          "A silence belongs to no single alert: the Alerts dock lists the silences"))
        else:  # its alert was lost (a salvaged store)
            self.show_button.setToolTip(t("ไม่มีการแจ้งเตือนนี้ในเครื่องแล้ว",
                                          "This alert is no longer on this workstation"))

    def _ask_show(self) -> None:
        edit = self._selected()
        if edit is None:
            return
        if edit.source != "alert":
            self.sig_show_incident_requested.emit(edit.incident_id)
        elif edit.alert_id is not None:
            self.sig_show_alert_requested.emit(edit.alert_id)

    def _ask_acknowledge(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.sig_acknowledge_requested.emit(*key)
