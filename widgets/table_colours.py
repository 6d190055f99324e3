"""The coloured cells of the console's tables: every background a table paints, and the text drawn on it.

Every background is listed here (``BACKGROUNDS``) and the text on it is black or white, whichever has the higher
WCAG 2 contrast; each pair reaches 4.5:1 (tests/widgets/test_table_colours.py computes it over every colour). The
band colours come from their one source: Thai AQI from ``services.feeds.thai_aqi.BANDS``, river gauges from
``services.river_status.COLOURS``, so the map and the tables paint a band alike. Colour is never the only cue: every
coloured cell also says its state in words or a glyph.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor

from services import river_status
from services.feeds.thai_aqi import BANDS

RGB = tuple[int, int, int]

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text

AQI: dict[int, RGB] = {band.number: band.rgb for band in BANDS}
RIVER: dict[str, RGB] = dict(river_status.COLOURS)
# Incident priority: P1 saturated red with a glyph (widgets.incident_queue_model), P2 a light orange.
PRIORITY: dict[str, RGB] = {"P1": (183, 28, 28), "P2": (255, 183, 77)}
# SLA: breached is near-black (the map rings a breached incident in black), never P1's red.
SLA: dict[str, RGB] = {"breached": (33, 33, 33), "warning": (255, 213, 79), "paused": (224, 224, 224)}
# A feed's condition: ok (green), warning (amber: late, or failing while its data is still fresh), problem (red:
# stale, or failing with old or no data), none (grey: not polled yet).
FEED: dict[str, RGB] = {"ok": (200, 230, 201), "warning": (255, 213, 79), "problem": (183, 28, 28),
                        "none": (224, 224, 224)}
# A situation row older than twice its expected cadence: its coloured cells turn this grey, its text OUT_OF_DATE_TEXT.
OUT_OF_DATE: RGB = (224, 224, 224)
OUT_OF_DATE_TEXT: RGB = (97, 97, 97)
# The plain backgrounds an out-of-date row's grey text sits on (the view's base and alternate rows).
PLAIN: tuple[RGB, ...] = (WHITE, (245, 245, 245), OUT_OF_DATE)

BACKGROUNDS: tuple[RGB, ...] = (*AQI.values(), *RIVER.values(), *PRIORITY.values(), *SLA.values(), *FEED.values(),
                                OUT_OF_DATE)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black … 1 white)."""
    r, g, b = (_linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio of two colours (1 … 21)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: RGB) -> RGB:
    """Black or white, whichever reads better on ``background``."""
    return BLACK if contrast_ratio(BLACK, background) >= contrast_ratio(WHITE, background) else WHITE


def brush(rgb: RGB) -> QBrush:
    return QBrush(QColor(*rgb))


def text_brush_on(background: RGB) -> QBrush:
    return QBrush(QColor(*text_on(background)))


def rgb_of(colour: QColor) -> RGB:
    return (colour.red(), colour.green(), colour.blue())
