"""What the incident widgets emit (frozen dataclasses), what they read, and how workflow codes read in Thai/English.

The widgets never import ``services``; the console adapts these to the store's ``QueueFilter`` / ``IncidentDraft``.

Attributes the widgets READ from the objects they are given (duck-typed; ``getattr`` with a default marks optional):

- queue rows (``QueueRow``): ``id``, ``server_id``, ``category``, ``service_name``, ``priority``, ``state``,
  ``status``, ``district_code``, ``requested_at`` (aware UTC), ``expected_at`` (aware UTC SLA target, or None),
  ``assignee``, ``source``, ``pending`` (int/bool: unsent local changes); optional ``district_name``,
  ``sla_paused_since`` (aware UTC or None; not None = the SLA clock is paused), ``sla_remaining_s`` (the remaining
  time frozen at the pause), ``distance_m`` (duplicate candidates only).
- the detail (``IncidentDetail``): the queue-row attributes plus ``description``, ``address``, ``lat``, ``lon``,
  ``reporter_name``, ``reporter_contact``; optional ``agency``, ``district_name``, ``version``;
  ``events`` (each: ``id``, ``kind``, ``actor``, ``at``, ``before``, ``after`` — before/after are None, a str, or a
  dict of field → value); ``attachments`` (each: ``id``, ``kind`` photo|after_photo|file, ``filename``,
  ``media_type``, ``size``, ``created_at``, ``thumbnail`` PNG bytes or None); ``links`` (each: ``other_id``,
  ``kind`` merged|related|parent, ``created_at``; optional ``other_server_id``, ``other_state``, ``direction``
  "from" (the other was merged into this one / is a child of this major incident) or "into" (this one was merged
  into the other / the other is its major incident)); optional ``major`` (a major incident) and ``merged_into``.
- queue rows may also carry ``major``, ``children`` (a major incident's child count) and ``parent_id``.
- SLA (``SlaStatus``): ``target_at``, ``remaining_s``, ``breached``, ``paused``.
- Open311 services: ``service_code``, ``service_name``; optional ``attributes`` (see
  ``widgets.service_attribute_fields`` for what is read of each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services import workflow
from widgets.display_format import format_age
from widgets.i18n import current_language, t

SOURCES = ("hotline", "walk_in", "citizen_app", "sensor", "patrol")
PRIORITIES = ("P1", "P2", "P3", "P4")
# The order of the action buttons in the detail panel (the workflow order first, then the side steps).
ACTION_ORDER = ("acknowledge", "dispatch", "arrive", "resolve", "close", "forward", "hold", "resume", "reopen",
                "cancel", "assign", "set_priority", "comment")
DESCRIPTION_MAX = workflow.DESCRIPTION_MAX


@dataclass(frozen=True, slots=True)
class QueueFilterData:
    """The queue filter as the panel emits it; field names follow the store's ``QueueFilter``.

    ``status`` is a set of Open311 statuses ("open" / "closed") or None for all; ``assignee`` is set for "mine";
    ``area`` is the map's area filter, a ring of (lon, lat) points, or None.
    """

    status: frozenset[str] | None = frozenset({"open"})
    states: frozenset[str] | None = None
    assignee: str | None = None
    unassigned: bool = False
    breaching: bool = False
    district: str | None = None
    category: str | None = None
    text: str | None = None
    area: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, slots=True)
class IncidentDraftData:
    """A new incident from the intake dialog; ``lat``/``lon`` WGS84, ``category`` is the Open311 service_code."""

    category: str
    category_name: str
    priority: str
    description: str
    reporter_name: str
    reporter_contact: str
    source: str
    lat: float
    lon: float
    district_code: str | None
    address: str
    # The category's Open311 attribute answers: code -> key or text, or a list of keys (multivaluelist).
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


def state_label(state: str | None) -> str:
    """A workflow state in the current language (unknown codes are shown as they are)."""
    labels = {
        "new": t("ใหม่", "new"),
        "acknowledged": t("รับเรื่องแล้ว", "acknowledged"),
        "dispatched": t("ส่งทีมแล้ว", "dispatched"),
        "on_scene": t("ถึงที่เกิดเหตุ", "on scene"),
        "resolved": t("แก้ไขแล้ว", "resolved"),
        "closed": t("ปิดเรื่อง", "closed"),
        "forwarded": t("ส่งต่อหน่วยงาน", "forwarded"),
        "on_hold": t("พักเรื่อง", "on hold"),
        "reopened": t("เปิดใหม่", "reopened"),
        "cancelled": t("ยกเลิก", "cancelled"),
    }
    return labels.get(state or "", state or "—")


def action_label(action: str) -> str:
    """The button text of a workflow action."""
    labels = {
        "acknowledge": t("รับเรื่อง", "Acknowledge"),
        "dispatch": t("ส่งทีม", "Dispatch"),
        "arrive": t("ถึงที่เกิดเหตุ", "Arrived"),
        "resolve": t("แก้ไขเสร็จ", "Resolve"),
        "close": t("ปิดเรื่อง", "Close"),
        "forward": t("ส่งต่อหน่วยงาน", "Forward"),
        "hold": t("พักเรื่อง", "Hold"),
        "resume": t("ดำเนินการต่อ", "Resume"),
        "reopen": t("เปิดเรื่องใหม่", "Reopen"),
        "cancel": t("ยกเลิก", "Cancel"),
        "assign": t("มอบหมาย", "Assign"),
        "set_priority": t("เปลี่ยนความเร่งด่วน", "Set priority"),
        "comment": t("เพิ่มความเห็น", "Add comment"),
        "describe": t("แก้ไขรายละเอียด…", "Edit description…"),
    }
    return labels.get(action, action)


def source_label(source: str | None) -> str:
    """Where an incident came from."""
    labels = {
        "hotline": t("สายด่วน", "hotline"),
        "walk_in": t("มาติดต่อเอง", "walk-in"),
        "citizen_app": t("แอปประชาชน", "citizen app"),
        "sensor": t("เซนเซอร์", "sensor"),
        "patrol": t("สายตรวจ", "patrol"),
        "open311": t("Open311", "Open311"),
        "traffy": t("ทราฟฟี่ ฟองดูว์", "Traffy Fondue"),
    }
    return labels.get(source or "", source or "—")


def sla_remaining(target_at: datetime | None, now: datetime, *, paused: bool = False,
                  frozen_remaining_s: float | None = None) -> float | None:
    """Seconds left to the SLA target (negative once breached); while paused, the remaining time does not move."""
    if paused and frozen_remaining_s is not None:
        return frozen_remaining_s
    if target_at is None:
        return None
    return (target_at - now).total_seconds()


def sla_text(remaining_s: float | None, *, paused: bool = False) -> str:
    """``เหลือ 2 ชม. 5 นาที`` / ``เกิน 40 นาที`` / ``หยุดนับ (เหลือ …)``; "—" without a target."""
    lang = current_language()
    if remaining_s is None:
        return t("หยุดนับ", "paused") if paused else "—"
    if paused:
        return t(f"หยุดนับ (เหลือ {format_age(max(remaining_s, 0), 'th')})",
                 f"paused ({format_age(max(remaining_s, 0), 'en')} left)")
    if remaining_s < 0:
        return t(f"เกิน {format_age(-remaining_s, lang)}", f"over by {format_age(-remaining_s, lang)}")
    return t(f"เหลือ {format_age(remaining_s, lang)}", f"{format_age(remaining_s, lang)} left")


def sla_band(remaining_s: float | None, *, paused: bool = False, warn_s: float = 3600.0) -> str:
    """``paused`` | ``breached`` | ``warning`` (under ``warn_s`` left) | ``ok`` | ``none`` — drives the colours."""
    if paused:
        return "paused"
    if remaining_s is None:
        return "none"
    if remaining_s < 0:
        return "breached"
    return "warning" if remaining_s < warn_s else "ok"


def link_action_label(action: str) -> str:
    """The words of a link action (menus, buttons, the close dialog)."""
    labels = {
        "promote": t("ยกระดับเป็นเหตุการณ์ใหญ่", "Promote to major incident"),
        "attach": t("ผูกเป็นเรื่องย่อยของเหตุการณ์ใหญ่", "Attach to major incident"),
        "attach_to": t("ผูกกับเหตุการณ์ใหญ่…", "Attach to major incident…"),
        "detach": t("ถอดออกจากเหตุการณ์ใหญ่", "Detach from major incident"),
        "merge": t("รวมเรื่องซ้ำ", "Merge duplicates"),
        "split": t("แยกเรื่องออก", "Split out"),
        "relate": t("เชื่อมเป็นเรื่องที่เกี่ยวข้อง", "Relate"),
        "unrelate": t("ยกเลิกการเชื่อมโยง", "Unlink"),
    }
    return labels.get(action, action)


def link_glyph(row: object) -> str:
    """The queue's mark of a major incident (★ and its child count) or of a child (↳)."""
    if getattr(row, "major", False):
        children = int(getattr(row, "children", 0) or 0)
        return f"★{children}" if children else "★"
    if getattr(row, "parent_id", None) is not None:
        return "↳"
    return ""


def link_text(link: object) -> str:
    """One line of the detail panel's link list: what the other incident is to this one."""
    kind, direction = getattr(link, "kind", ""), getattr(link, "direction", "from")
    if kind == "merged":
        what = t("รวมเข้ามา", "merged in") if direction == "from" else t("รวมเข้ากับเรื่องนี้", "merged into")
    elif kind == "parent":
        what = t("เรื่องย่อย", "child") if direction == "from" else t("เหตุการณ์ใหญ่", "major incident")
    else:
        what = t("เกี่ยวข้อง", "related")
    state = getattr(link, "other_state", None)
    name = getattr(link, "other_server_id", None) or getattr(link, "other_id", "")
    return f"#{name} · {what}" + (f" · {state_label(state)}" if state else "")
