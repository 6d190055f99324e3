"""The timeline of one incident: every event with when (Asia/Bangkok, BE year in Thai), who, what and the change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt

from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_datetime, plain_tooltip
from widgets.i18n import current_language, t
from widgets.incident_rows import state_label



def event_kind_label(kind: str) -> str:
    """An event kind in the current language (unknown kinds as they are)."""
    labels = {
        "created": t("สร้างเรื่อง", "created"),
        "state": t("เปลี่ยนสถานะ", "status change"),
        "action": t("เปลี่ยนสถานะ", "status change"),
        "comment": t("ความเห็น", "comment"),
        "assign": t("มอบหมาย", "assigned"),
        "assigned": t("มอบหมาย", "assigned"),
        "priority": t("ความเร่งด่วน", "priority"),
        "set_priority": t("ความเร่งด่วน", "priority"),
        "merge": t("รวมเรื่อง", "merged"),
        "merged": t("รวมเรื่อง", "merged"),
        "split": t("แยกเรื่อง", "split"),
        "attachment": t("ไฟล์แนบ", "attachment"),
        "sync": t("ซิงก์กับเซิร์ฟเวอร์", "synced"),
        "conflict": t("ข้อมูลขัดแย้ง", "conflict"),
        "sync_merged": t("รวมการแก้ไขกับเซิร์ฟเวอร์", "merged with server changes"),
        "conflict_resolved": t("แก้ข้อขัดแย้งแล้ว", "conflict resolved"),
        "sync_refused": t("เซิร์ฟเวอร์ไม่รับการแก้ไข", "refused by the server"),
        "refusal_acknowledged": t("รับทราบว่าเซิร์ฟเวอร์ไม่รับ", "refusal acknowledged"),
        "escalated": t("แจ้งหัวหน้าเวร (เกิน SLA)", "escalated (SLA breached)"),
        "server_update": t("อัปเดตจากเซิร์ฟเวอร์", "server update"),
    }
    return labels.get(kind, kind)


def _value(field: str | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field in (None, "state", "workflow_state") and isinstance(value, str):
        return state_label(value)
    return str(value)


def change_text(before: Any, after: Any) -> str:
    """``รับเรื่องแล้ว → ส่งทีมแล้ว`` or ``priority: P3 → P1; assignee: — → somchai`` (dicts of field → value)."""
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        b = before if isinstance(before, Mapping) else {}
        a = after if isinstance(after, Mapping) else {}
        fields = [k for k in (*b.keys(), *(k for k in a if k not in b))]
        return "; ".join(f"{k}: {_value(k, b.get(k))} → {_value(k, a.get(k))}" for k in fields if b.get(k) != a.get(k))
    if before is None and after is None:
        return ""
    if before is None:
        return _value(None, after)
    return f"{_value(None, before)} → {_value(None, after)}"


def _event_text(event: Any) -> str:
    # A comment's text is the citizen's or operator's words: shown verbatim, never read as a state code.
    if event.kind == "comment":
        return str(event.after if isinstance(event.after, str) else (event.after or {}).get("text", ""))
    return change_text(event.before, event.after)


class IncidentTimelineModel(ColumnTableModel):
    """Events oldest first; ``set_events`` replaces them (an incident has tens to hundreds of events)."""

    COLUMNS = ("at", "actor", "kind", "change")
    HEADERS = {
        "at": ("เวลา", "Time"),
        "actor": ("ผู้ดำเนินการ", "By"),
        "kind": ("เหตุการณ์", "Event"),
        "change": ("การเปลี่ยนแปลง", "Change"),
    }

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._events: list[Any] = []

    def set_events(self, events: Sequence[Any]) -> None:
        self.beginResetModel()
        self._events = sorted(events, key=lambda e: (e.at, e.id))
        self.endResetModel()

    def event_at(self, row: int) -> Any | None:
        return self._events[row] if 0 <= row < len(self._events) else None

    def row_total(self) -> int:
        return len(self._events)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "at":
                return format_datetime(event.at, current_language(), seconds=True)
            if column == "actor":
                return event.actor or "—"
            if column == "kind":
                return event_kind_label(event.kind)
            return _event_text(event).replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole and column == "change":
            text = _event_text(event)
            return plain_tooltip(text) if text else None
        if role == Qt.ItemDataRole.UserRole:
            return event.id
        return None
