"""Short forms of station names for narrow table columns; the full name stays in the tooltip.

Air4Thai names its stations by the building they stand on ("ที่ว่าการอำเภออมก๋อย"), so in a side-dock column
every name elided to "ที่ว่าการ…" and the part that tells them apart was lost. Thai officials write these offices in
their standard abbreviations (อ., รพ., สภ.), which is what the column shows.
"""

from __future__ import annotations

# Longest first: a longer phrase is never cut by a shorter one inside it.
_TH = (
    ("สำนักงานทรัพยากรธรรมชาติและสิ่งแวดล้อมจังหวัด", "ทสจ."),
    ("องค์การบริหารส่วนตำบล", "อบต."),
    ("ศูนย์ราชการจังหวัด", "ศูนย์ราชการ จ."),
    ("ศาลากลางจังหวัด", "ศาลากลาง จ."),
    ("สถานีตำรวจภูธร", "สภ."),
    ("ที่ว่าการอำเภอ", "อ."),
    ("เทศบาลเมือง", "ทม."),
    ("เทศบาลตำบล", "ทต."),
    ("เทศบาลนคร", "ทน."),
    ("มหาวิทยาลัย", "ม."),
    ("โรงพยาบาล", "รพ."),
    ("โรงเรียน", "ร.ร."),
)
_EN = (
    (" Natural Resources and Environment Office", " Environment Office"),
    (" Government Center", " Gov. Center"),
    (" District Office", " District"),
    (" Municipality", " Mun."),
    (" Police Station", " Police"),
)


def short_station_name(name: str) -> str:
    """``name`` with the standard abbreviations of the offices stations stand on (Thai or English)."""
    short = " ".join(name.split())
    for long, abbreviation in _TH if _is_thai(short) else _EN:
        short = short.replace(long, abbreviation)
    return short


def _is_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)
