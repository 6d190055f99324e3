"""The river chart's words: levels, rates of rise and the projection sentence, Thai and English.

A projection is worded as one ("… at the current rate (projection)"), never as a forecast: it only says where the
current rate would take the gauge.
"""

from __future__ import annotations

import math

from services import river_status
from widgets.i18n import t

# The chart math names a projection's threshold by its river band; older callers may use the threshold's field name.
_THRESHOLD_BANDS = {"bank_full": "bank_full", "bank_full_m": "bank_full", "flooding": "flooding",
                    "flood": "flooding", "flood_m": "flooding"}


def threshold_words(name: str) -> tuple[str, str]:
    """(Thai, English) name of a threshold (``bank_full`` → เต็มตลิ่ง / bank-full, ``flooding`` → น้ำท่วมเมือง /
    city flooding)."""
    band = _THRESHOLD_BANDS.get(name, name)
    return river_status.LABELS.get(band, (name, name))


def level_text(metres: float) -> str:
    return t(f"{metres:.2f} ม.", f"{metres:.2f} m")


def rate_text(metres_per_hour: float) -> str:
    return t(f"{metres_per_hour:+.2f} ม./ชม.", f"{metres_per_hour:+.2f} m/h")


def hours_text(hours: float) -> tuple[str, str]:
    """(Thai, English) "about how long": whole hours from 1 h, else tens of minutes (at least 10)."""
    if hours >= 1:
        whole = math.floor(hours + 0.5)
        return f"{whole} ชม.", f"{whole} h"
    minutes = max(10, math.floor(hours * 6 + 0.5) * 10)
    if minutes >= 60:
        return "1 ชม.", "1 h"
    return f"{minutes} นาที", f"{minutes} min"


def projection_sentence(threshold_name: str, hours: float) -> str:
    """``ถึงระดับเต็มตลิ่งในราว 5 ชม. ตามอัตราปัจจุบัน (คาดการณ์)`` / ``bank-full in about 5 h at the current rate
    (projection)``."""
    th_name, en_name = threshold_words(threshold_name)
    th_hours, en_hours = hours_text(hours)
    return t(f"ถึงระดับ{th_name}ในราว {th_hours} ตามอัตราปัจจุบัน (คาดการณ์)",
             f"{en_name} in about {en_hours} at the current rate (projection)")
