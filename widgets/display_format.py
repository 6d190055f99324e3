"""How times, ages and numbers are shown: stored UTC, shown in Asia/Bangkok, Buddhist-Era years in Thai."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543  # Buddhist Era = Common Era + 543

_TH_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_time(value: datetime) -> datetime:
    """An aware UTC time as Bangkok wall-clock time."""
    return value.astimezone(BANGKOK)


def format_datetime(value: datetime | None, language: str = "th", *, seconds: bool = False) -> str:
    """``25 พ.ย. 2569 14:05`` (Thai, BE year) or ``25 Nov 2026 14:05`` (English); empty for None."""
    if value is None:
        return ""
    t = local_time(value)
    clock = t.strftime("%H:%M:%S" if seconds else "%H:%M")
    if language == "th":
        return f"{t.day} {_TH_MONTHS[t.month - 1]} {t.year + BE_OFFSET} {clock}"
    return f"{t.day} {_EN_MONTHS[t.month - 1]} {t.year} {clock}"


def format_clock(value: datetime | None) -> str:
    """Bangkok ``HH:MM`` for dense tables where the date is implied."""
    return "" if value is None else local_time(value).strftime("%H:%M")


def format_age(seconds: float | None, language: str = "th") -> str:
    """A short age: ``45 s``, ``12 min``, ``3 h 5 min``, ``2 d``; Thai units in Thai."""
    if seconds is None:
        return "—"
    s = int(seconds)
    units = ("วิ", "นาที", "ชม.", "วัน") if language == "th" else ("s", "min", "h", "d")
    if s < 60:
        return f"{s} {units[0]}"
    if s < 3600:
        return f"{s // 60} {units[1]}"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} {units[2]} {m} {units[1]}" if m else f"{h} {units[2]}"
    return f"{s // 86400} {units[3]}"


def plain_tooltip(text: str) -> str:
    """A tooltip that Qt shows as exactly ``text``; empty text gives no tooltip.

    Qt treats a tooltip as rich text whenever ``Qt.mightBeRichText`` guesses so, and server reasons, error bodies,
    names and filenames can hold HTML. Escaped rich text (rather than plain text) keeps Qt's word wrap for long text;
    ``pre-wrap`` keeps runs of spaces and tabs, ``<br>`` keeps leading and trailing line breaks.
    """
    if not text:
        return ""
    lines = html.escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")
    return f'<qt><p style="white-space:pre-wrap">{lines}</p></qt>'


def format_number(value: float | None, decimals: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.{decimals}f}"
    return f"{text} {unit}" if unit else text
