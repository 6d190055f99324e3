"""How an alert is said and painted: severity (colour, glyph and word), state, history actions, silences, times.

One wording for the Alerts dock's table, its dialogs and its silences strip. Severity never rests on colour alone:
each has a glyph and a word too (critical ⚠ red, warning ▲ amber, info ℹ blue: the red and amber of the feed and
priority cells in ``widgets.table_colours``, so an alert reads like the rest of the console). Everything built here
from alert data (names, messages, comments, reasons, actors) is plain text for plain-text widgets.
"""

from __future__ import annotations

from datetime import datetime

from services.alerts.model import AlertView, Silence
from widgets import table_colours
from widgets.display_format import format_age, format_clock, format_datetime, local_time
from widgets.i18n import current_language, t
from widgets.incident_rows import role_label

# Backgrounds of the severity cell; black or white text on each reaches 4.5:1 (tests check).
SEVERITY_RGB: dict[str, table_colours.RGB] = {
    "critical": table_colours.FEED["problem"],
    "warning": table_colours.FEED["warning"],
    "info": (30, 136, 229),  # the console's blue (the river's "normal" band)
}
SEVERITY_GLYPHS = {"critical": "⚠", "warning": "▲", "info": "ℹ"}
_SEVERITY_WORDS = {"critical": ("วิกฤต", "critical"), "warning": ("เตือน", "warning"), "info": ("แจ้งเพื่อทราบ", "info")}
_ACTION_WORDS = {
    "raised": ("เกิดการแจ้งเตือน", "raised"),
    "occurred": ("เกิดซ้ำ", "occurred again"),
    "cleared": ("คลี่คลาย", "cleared"),
    "reopened": ("กลับมาอีก", "reopened"),
    "acknowledged": ("รับทราบ", "acknowledged"),
    "silenced": ("ปิดเสียงกฎ", "rule silenced"),
    "unsilenced": ("เลิกปิดเสียงกฎ", "silence ended"),
    "incident_opened": ("เปิดเหตุการณ์", "incident opened"),
    "incident_linked": ("ผูกกับเหตุการณ์", "linked to an incident"),
    "refusal_acknowledged": ("รับทราบว่าเซิร์ฟเวอร์ไม่รับ", "server's refusal seen"),
}


def severity_label(severity: str) -> str:
    """``⚠ วิกฤต`` / ``⚠ critical``: the glyph and the word (unknown severities as they are)."""
    words = _SEVERITY_WORDS.get(severity)
    word = t(*words) if words else severity
    glyph = SEVERITY_GLYPHS.get(severity)
    return f"{glyph} {word}" if glyph else word


def action_label(action: str) -> str:
    """An alert history action (``services.alerts.model.ACTIONS``) in the current language."""
    words = _ACTION_WORDS.get(action)
    return t(*words) if words else action


def rule_name(alert: AlertView) -> str:
    return t(alert.rule_name_th, alert.rule_name_en) or alert.rule_id


def scope_name(alert: AlertView) -> str:
    return t(alert.scope_name_th, alert.scope_name_en) or alert.scope_key


def message(alert: AlertView) -> str:
    """The latest occurrence in words (the value alone when the rule gave no message)."""
    text = t(alert.message_th, alert.message_en)
    if text:
        return text
    return "—" if alert.value is None else f"{alert.value:g}"


def when_text(value: datetime | None, now: datetime) -> str:
    """Bangkok ``HH:MM`` on the same Bangkok day as ``now``, else the date too (BE year in Thai)."""
    if value is None:
        return ""
    if local_time(value).date() == local_time(now).date():
        return format_clock(value)
    return format_datetime(value, current_language())


def since_text(alert: AlertView, now: datetime) -> str:
    """``3 ชม. 5 นาทีที่แล้ว · 14:05``: how long since it was raised, and when (Bangkok)."""
    age = format_age(max((now - alert.first_at).total_seconds(), 0), current_language())
    return t(f"{age}ที่แล้ว", f"{age} ago") + f" · {when_text(alert.first_at, now)}"


def state_text(alert: AlertView, now: datetime) -> str:
    """open / acknowledged by X / cleared at HH:MM."""
    if alert.state == "cleared":
        return t(f"คลี่คลายเมื่อ {when_text(alert.cleared_at, now)}", f"cleared at {when_text(alert.cleared_at, now)}")
    if alert.state == "acknowledged":
        who = alert.acknowledged_by or "—"
        return t(f"รับทราบแล้วโดย {who}", f"acknowledged by {who}")
    return t("เปิด รอรับทราบ", "open")


def silence_scope_text(silence: Silence, scope_names: dict[str, str]) -> str:
    """Where the silence holds: the scope's name (or key), or every place of the rule."""
    if silence.scope_key is None:
        return t("ทุกพื้นที่", "everywhere")
    return scope_names.get(silence.scope_key) or silence.scope_key


def silenced_text(until: datetime, now: datetime, silence: Silence | None) -> str:
    """``silenced until 14:30 — burning permit (by somchai)``; the reason and who when the silence is known."""
    head = t(f"ปิดเสียงถึง {when_text(until, now)}", f"silenced until {when_text(until, now)}")
    if silence is None:
        return head
    return head + f" — {silence.reason} " + t(f"(โดย {silence.actor})", f"(by {silence.actor})")


def history_line(at: datetime, action: str, actor: str, role: str, comment: str | None) -> str:
    """``25 พ.ย. 2569 14:05 รับทราบ — somchai (เจ้าหน้าที่): comment``."""
    if actor == "system":
        who = t("ระบบ", "system")
    else:
        who = f"{actor} ({role_label(role)})" if role else actor
    line = f"{format_datetime(at, current_language())}  {action_label(action)} — {who}"
    return f"{line}: {comment}" if comment else line
