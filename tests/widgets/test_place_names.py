"""Short station names: the part that tells stations apart fits a side-dock column."""

from __future__ import annotations

import pytest

from widgets.place_names import short_station_name


@pytest.mark.parametrize(("name", "short"), [
    ("ที่ว่าการอำเภออมก๋อย", "อ.อมก๋อย"),
    ("โรงพยาบาลฝาง", "รพ.ฝาง"),
    ("สถานีตำรวจภูธรแม่สาย", "สภ.แม่สาย"),
    ("เทศบาลตำบลสันกำแพง", "ทต.สันกำแพง"),
    ("โรงเรียนยุพราชวิทยาลัย", "ร.ร.ยุพราชวิทยาลัย"),  # "วิทยาลัย" is the school's name, not "มหาวิทยาลัย"
    ("ศาลากลางจังหวัดเชียงใหม่", "ศาลากลาง จ.เชียงใหม่"),
    ("สำนักงานทรัพยากรธรรมชาติและสิ่งแวดล้อมจังหวัดเชียงราย", "ทสจ.เชียงราย"),
    ("Omkoi District Office", "Omkoi District"),
    ("San Kamphaeng Municipality ", "San Kamphaeng Mun."),
    ("Chiang Rai Natural Resources and Environment Office", "Chiang Rai Environment Office"),
    ("Mae Sai Police Station", "Mae Sai Police"),
    ("City Hall, Chiang Mai", "City Hall, Chiang Mai"),  # nothing to shorten: as it is
    ("สถานี <b>ใหม่</b>", "สถานี <b>ใหม่</b>"),  # an unknown name is left alone (and shown as text by the table)
])
def test_offices_take_their_standard_abbreviations(name: str, short: str) -> None:
    assert short_station_name(name) == short
