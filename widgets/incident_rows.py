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

VIEWER_REASON = ("ผู้ดูข้อมูลอ่านได้อย่างเดียว: เปลี่ยนบทบาทที่ “ทำงานในบทบาท” ในแถบสถานะ",
                 "A viewer reads only: change the role under “Acting as” in the status bar")
"""Why a viewer's edit is refused, and where the role changes (Thai, English)."""

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
    priorities: frozenset[str] | None = None
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


# One word per state, everywhere it is shown (detail, queue, timeline, conflicts, dialogs; the console hands the same
# words to the map with ``state_words``). A state reads as where the incident is ("ส่งทีมแล้ว"), never as the button
# that put it there, nor as a dialog's "Cancel" / "ยกเลิก".
_STATE_WORDS = {
    "new": ("ใหม่", "new"),
    "acknowledged": ("รับเรื่องแล้ว", "acknowledged"),
    "dispatched": ("ส่งทีมแล้ว", "dispatched"),
    "on_scene": ("ถึงที่เกิดเหตุ", "on scene"),
    "resolved": ("แก้ไขแล้ว", "resolved"),
    "closed": ("ปิดเรื่องแล้ว", "closed"),
    "forwarded": ("ส่งต่อหน่วยงานแล้ว", "forwarded"),
    "on_hold": ("พักเรื่อง", "on hold"),
    "reopened": ("เปิดใหม่", "reopened"),
    "cancelled": ("ยกเลิกแล้ว", "cancelled"),
}


def state_label(state: str | None) -> str:
    """A workflow state in the current language (unknown codes are shown as they are)."""
    pair = _STATE_WORDS.get(state or "")
    return t(*pair) if pair else state or "—"


def state_words() -> dict[str, str]:
    """Every workflow state's word in the current language (for the console to hand to the map page)."""
    return {state: t(*pair) for state, pair in _STATE_WORDS.items()}


def action_label(action: str) -> str:
    """The button text of a workflow action. "cancel" has its own words ("Cancel incident…"), never a dialog's
    "Cancel" / "ยกเลิก", and the "…" says that it asks before it is done."""
    labels = {
        "acknowledge": t("รับเรื่อง", "Acknowledge"),
        "dispatch": t("ส่งทีม", "Dispatch"),
        "arrive": t("แจ้งถึงที่เกิดเหตุ", "Arrived on scene"),
        "resolve": t("แก้ไขเสร็จ", "Resolve"),
        "close": t("ปิดเรื่อง", "Close"),
        "forward": t("ส่งต่อหน่วยงาน", "Forward"),
        "hold": t("พักไว้ก่อน", "Put on hold"),
        "resume": t("ดำเนินการต่อ", "Resume"),
        "reopen": t("เปิดเรื่องใหม่", "Reopen"),
        "cancel": t("ยกเลิกเหตุการณ์…", "Cancel incident…"),
        "assign": t("มอบหมาย", "Assign"),
        "set_priority": t("เปลี่ยนความเร่งด่วน", "Set priority"),
        "comment": t("เพิ่มความเห็น", "Add comment"),
        "describe": t("แก้ไขรายละเอียด…", "Edit description…"),
    }
    return labels.get(action, action)


#: The keys of the common workflow actions (shown in their tooltips and in the *Incidents* menu).
ACTION_KEYS = {
    "acknowledge": "Ctrl+Shift+A",
    "dispatch": "Ctrl+Shift+D",
    "arrive": "Ctrl+Shift+O",
    "resolve": "Ctrl+Shift+R",
    "assign": "Ctrl+Shift+G",
    "comment": "Ctrl+Shift+C",
}


def role_label(role: str | None) -> str:
    """An acting role in the current language."""
    labels = {"operator": t("เจ้าหน้าที่", "operator"), "supervisor": t("หัวหน้าเวร", "supervisor"),
              "viewer": t("ผู้ดูข้อมูล", "viewer")}
    return labels.get(role or "", role or "—")


def refusal_text(refusal: object) -> str:
    """Why a workflow action is not open now, in the current language, from a ``services.workflow.Refusal`` (read
    duck-typed: ``action``, ``reason``, ``state``, ``role``, ``priority``, ``from_states``, ``message``)."""
    reason = getattr(refusal, "reason", "")
    action = action_label(str(getattr(refusal, "action", ""))).rstrip("…")
    role, priority = getattr(refusal, "role", None), getattr(refusal, "priority", "")
    if reason == "role":
        if role == "viewer":
            return t(*VIEWER_REASON)
        return t(f"เฉพาะหัวหน้าเวรทำ “{action}” ได้ ({role_label(role)}ทำไม่ได้)",
                 f"Only a supervisor may do “{action}” (not an {role_label(role)})"
                 if (role or "").startswith(("a", "e", "i", "o", "u")) else
                 f"Only a supervisor may do “{action}” (not a {role_label(role)})")
    if reason == "state":
        now_word = state_label(getattr(refusal, "state", None))
        starts = ", ".join(state_label(s) for s in getattr(refusal, "from_states", ()) or ())
        return t(f"ทำไม่ได้เมื่อสถานะเป็น “{now_word}”" + (f": ทำได้เมื่อ {starts}" if starts else ""),
                 f"Not while the incident is “{now_word}”" + (f": only when {starts}" if starts else ""))
    if reason == "priority":
        return t(f"เฉพาะหัวหน้าเวรปิดเรื่องความเร่งด่วน {priority} ได้",
                 f"Only a supervisor closes a {priority} incident")
    if reason == "breached":
        return t("เฉพาะหัวหน้าเวรปิดเรื่องที่เกินกำหนด SLA ได้", "Only a supervisor closes an incident past its SLA")
    if reason == "reopen":
        return t(f"เฉพาะหัวหน้าเวรเปิดเรื่องที่{state_label(getattr(refusal, 'state', None))}ใหม่ได้",
                 f"Only a supervisor reopens an incident that is {state_label(getattr(refusal, 'state', None))}")
    if reason == "merged":
        return t("เรื่องนี้ถูกรวมเข้ากับเรื่องอื่นแล้ว: ดำเนินการที่เรื่องหลัก",
                 "This report is merged into another incident: act on that one")
    return str(getattr(refusal, "message", "") or "")


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


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def in_language(text: str | None) -> str:
    """The current language's half of a server text written in both, as Thai backends write names and questions:
    "English / ไทย" (either order), or "ไทย (English)". Text not written so comes back as it is.

    A half is Thai when it has Thai letters; a bracket inside one half ("Small (< 1 rai) / เล็ก") is part of it."""
    text = (text or "").strip()
    halves: list[str] = []
    if text.count(" / ") == 1:
        halves = [h.strip() for h in text.split(" / ")]
    elif text.endswith(")") and " (" in text:
        cut = text.rindex(" (")
        halves = [text[:cut].strip(), text[cut + 2:-1].strip()]
    if len(halves) != 2 or not all(halves) or _has_thai(halves[0]) == _has_thai(halves[1]):
        return text
    thai, english = (halves[0], halves[1]) if _has_thai(halves[0]) else (halves[1], halves[0])
    return t(thai, english)


_category_names: dict[str, str] = {}


def set_category_names(services: object) -> None:
    """The backend's names of its categories: Open311 services (``service_code``, ``service_name``) or
    (code, name) pairs, each name in both languages as the service list gives it. Every widget then names a
    category by :func:`category_label`, in the current language."""
    names: dict[str, str] = {}
    for item in services or ():  # type: ignore[attr-defined]
        code, name = item if isinstance(item, tuple) else (getattr(item, "service_code", None),
                                                          getattr(item, "service_name", None))
        if code and name:
            names[str(code)] = str(name)
    _category_names.clear()
    _category_names.update(names)


def category_label(code: str | None, name: str | None = None) -> str:
    """A category in the current language: the service list's name of ``code`` (see :func:`set_category_names`),
    else ``name`` (what the incident itself says), else the code."""
    known = _category_names.get(code or "")
    return in_language(known or name or code or "") or "—"


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
