"""One wording per state in the tables: river bands, Thai AQI bands and feed conditions.

River and AQI band words come from their one source (``services.river_status.LABELS``,
``services.feeds.thai_aqi.BANDS``), which the map page is handed too, so a band reads the same in the river table,
the situation strip and on the map. A feed's freshness is worded here once, for the Feed status table, its summary
and anything else that shows it (``FRESHNESS_WORDS`` can be handed to the map's badges). Workflow states are worded
by ``widgets.incident_rows.state_label``.
"""

from __future__ import annotations

from services import river_status
from services.feeds.thai_aqi import BANDS
from widgets.i18n import t

_AQI_BANDS = {band.number: band for band in BANDS}

#: (Thai, English) words of a feed's freshness (services.sync.sync_service.FeedHealth) and of a failing poll.
FRESHNESS_WORDS: dict[str, tuple[str, str]] = {
    "fresh": ("ข้อมูลสด", "fresh"),
    "late": ("ล่าช้า", "late"),
    "stale": ("ข้อมูลเก่า", "stale"),
    "never": ("ยังไม่มีข้อมูล", "no data yet"),
    "failing": ("ดึงข้อมูลไม่สำเร็จ", "failing"),
}


def river_band_label(band: str | None) -> str:
    """A river gauge's band (services.river_status.BANDS) in the current language."""
    return t(*river_status.LABELS.get(band or "unknown", river_status.LABELS["unknown"]))


def aqi_band_label(band: int | None) -> str:
    """A Thai AQI band (1-5) in the current language; "no data" without one."""
    info = _AQI_BANDS.get(band or 0)
    if info is None:
        return t("ไม่มีข้อมูล", "no data")
    return t(info.label_th, info.label_en)


def freshness_label(freshness: str) -> str:
    """A feed's freshness (fresh | late | stale | never) or ``failing``, in the current language."""
    words = FRESHNESS_WORDS.get(freshness)
    return t(*words) if words else freshness
