"""The map page's palette and band words, handed to the page as data (the ``style`` message), Qt-free.

The page keeps no colour table of its own for the scales the rest of the console shows: the Thai AQI bands (colours,
ranges, words) come from ``services/feeds/thai_aqi.py`` and the river bands (colours, glyphs, words) from
``services/river_status.py``, the same sources the situation tables and the situation strip use. So a station is
the same colour on the map as in the air table, and a gauge has the same word on the map as in the river table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services import river_status
from services.feeds.thai_aqi import BANDS as AQI_BANDS


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(rgb: tuple[int, int, int]) -> str:
    """Black or white, whichever reads better on ``rgb`` (the higher contrast ratio)."""
    return "#000000" if contrast(rgb, (0, 0, 0)) >= contrast(rgb, (255, 255, 255)) else "#ffffff"


def page_style(alert_rgb: Mapping[str, tuple[int, int, int]] | None = None) -> dict[str, Any]:
    """The ``style`` message's body: ``aqi`` (one entry per Thai AQI band), ``river`` (one per river band) and
    ``alert`` (one per alert severity: the Alerts dock's colours, handed over by the console as ``alert_rgb``
    (widgets/alert_words.py SEVERITY_RGB); without them the page keeps its own defaults, the same colours)."""
    aqi = [{"band": b.number, "colour": _hex(b.rgb), "text": text_on(b.rgb), "min": b.aqi_min, "max": b.aqi_max,
            "label_th": b.label_th, "label_en": b.label_en} for b in AQI_BANDS]
    river = [{"band": name, "colour": _hex(river_status.COLOURS[name]), "text": text_on(river_status.COLOURS[name]),
              "glyph": river_status.GLYPHS[name], "label_th": river_status.LABELS[name][0],
              "label_en": river_status.LABELS[name][1], "severity": river_status.SEVERITY[name]}
             for name in river_status.BANDS]
    alert = [{"severity": name, "colour": _hex(tuple(rgb))} for name, rgb in (alert_rgb or {}).items()]
    return {"aqi": aqi, "river": river, "alert": alert}
