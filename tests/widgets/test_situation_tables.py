"""The situation tables: the river table worst first on the one river scale, every gauge on screen; the air list
with the home province apart from the others and PM2.5 in µg/m³; the hotspot list; every row's age, and the grey of
a row past twice its expected cadence, moving on with the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from services import river_status
from services.overview import HotspotRow
from tests.widgets.record_fakes import Air, River
from widgets.i18n import set_language
from widgets.overview_panel import OverviewPanel
from widgets.readings_models import AirQualityModel, HotspotModel, RiverLevelModel
from widgets.table_colours import AQI, OUT_OF_DATE, OUT_OF_DATE_TEXT, RIVER

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
BG, FG, TIP = Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole
P1_LIMITS = {"bank_full_m": 3.70, "flood_m": 4.20}


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


def gauges(at: datetime = T0) -> list[River]:
    """One gauge in each band of services.river_status, in code order (not worst first)."""
    return [
        River("CHM002", "ฮอด", "Hot", at, None, None, None, None),  # unknown
        River("CHM004", "เชียงดาว", "Chiang Dao", at, 0.9, -3.8, 2, 0.9),  # low
        River("P.1", "สะพานนวรัฐ", "Nawarat Bridge", at, 4.37, 0.67, 5, 4.20, P1_LIMITS),  # flooding
        River("P.103", "สะพานวงแหวนรอบ 3", "3rd Ring Road Bridge", at, 1.5, -2.7, 3, 1.5, {"bank_full_m": 4.2}),
        River("P.67", "บ้านแม่แต", "Ban Mae Tae", at, 3.4, -0.4, 4, 3.3, {"bank_full_m": 3.7}),  # high
        River("P.73", "บ้านสบสอย", "Ban Sop Soi", at, 3.9, 0.1, 5, 3.8, {"bank_full_m": 3.7, "flood_m": 4.6}),
        River("LPN003", "บ้านหนองล่อง", "Ban Nong Long", at, 1.0, -3.5, 3, 1.0),  # normal (situation 3)
    ]


def test_river_table_is_worst_first_with_the_one_scales_words_and_colours(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.river_model._clock = lambda: T0  # noqa: SLF001 - the rows are from T0
    panel.set_river(gauges())
    model = panel.river_model
    codes = [r.code for r in model.rows()]
    assert codes == ["P.1", "P.73", "P.67", "P.103", "LPN003", "CHM004", "CHM002"]
    band = model.COLUMNS.index("band")
    for row, gauge in enumerate(model.rows()):
        key = river_status.status_of(gauge).band
        assert model.index(row, band).data() == river_status.LABELS[key][0]  # the map is handed the same words
        assert model.index(row, band).data(BG).color() == QColor(*RIVER[key])  # ...and the same colours
    assert model.index(0, band).data() == "น้ำท่วมเมือง"
    set_language("en")
    assert model.index(0, band).data() == "city flooding" and model.index(1, band).data() == "bank-full"
    assert "P.1 Nawarat Bridge: city flooding" in model.index(0, 0).data(TIP)


def test_every_gauge_is_on_screen_without_scrolling(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.set_river(gauges())
    panel.set_air([Air(f"cm{i:02d}t", f"สถานี {i}", f"Station {i}", T0, 30.0 + i, 60 + i, 3) for i in range(11)])
    panel.resize(455, 640)  # the side dock at 1366x768
    panel.show()
    qtbot.waitExposed(panel)
    table = panel.river_table
    last = table.model().rowCount() - 1
    assert last == 6
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    assert not table.verticalScrollBar().isVisible()
    # The columns fit the dock: no sideways scrolling hides the band or the age.
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width() + 1


def test_air_list_keeps_other_provinces_apart_and_pm25_has_its_unit(qtbot) -> None:  # type: ignore[no-untyped-def]
    home = [Air("35t", "ศาลากลางจังหวัดเชียงใหม่", "City Hall, Chiang Mai", T0, 86.0, 150, 4,
                "ต.ช้างเผือก อ.เมือง, จ.เชียงใหม่", "Chang Phueak, Mueang, Chiang Mai"),
            Air("cm03t", "โรงพยาบาลฝาง", "Fang Hospital", T0, 125.0, 190, 4, "ต.เวียง อ.ฝาง, จ.เชียงใหม่",
                "Wiang, Fang, Chiang Mai")]
    others = [Air("73t", "สถานีตำรวจภูธรแม่สาย", "Mae Sai Police Station", T0, 140.0, 240, 5,
                  "ต.เวียงพางคำ อ.แม่สาย, จ.เชียงราย", "Wiang Phang Kham, Mae Sai, Chiang Rai"),
              Air("68t", "ศาลากลางจังหวัดลำพูน", "Lamphun City Hall", T0, 40.0, 70, 3, "ต.ในเมือง อ.เมือง, จ.ลำพูน",
                  "Nai Mueang, Mueang, Lamphun")]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.set_air(others + home)
    model = panel.air_model
    # By default the province's stations only, worst first: Mae Sai (worse than both) is not among them.
    assert [r.code for r in model.rows()] == ["cm03t", "35t"]
    assert model.index(0, model.COLUMNS.index("pm25")).data() == "125.0 µg/m³"
    assert "(2)" in panel.other_provinces.text() and not panel.other_provinces.isChecked()
    panel.other_provinces.setChecked(True)
    # Then the other provinces below, apart and worst first, each named with its province.
    assert [r.code for r in model.rows()] == ["cm03t", "35t", "73t", "68t"]
    # Named short, as Thai officials write the offices (the full name is in the tooltip).
    assert model.index(2, 0).data() == "สภ.แม่สาย · เชียงราย"
    assert model.index(0, 0).data() == "รพ.ฝาง"
    assert model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole).count("สถานีตำรวจภูธรแม่สาย") == 1
    set_language("en")
    assert model.index(3, 0).data() == "Lamphun City Hall · Lamphun"
    panel.other_provinces.setChecked(False)
    assert panel.select_station("air", "68t")  # asked for by name: shown, with the others
    assert panel.other_provinces.isChecked()
    assert panel.air_table.selectionModel().selectedRows()[0].row() == 3


def test_rows_show_their_age_and_turn_grey_past_twice_the_cadence(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = {"t": T0 + timedelta(minutes=40)}
    model = AirQualityModel(clock=lambda: now["t"])
    model.set_rows([Air("35t", "ศาลากลาง", "City Hall", T0, 86.0, 150, 4)])
    age, aqi = model.COLUMNS.index("age"), model.COLUMNS.index("aqi")
    assert model.index(0, age).data() == "40 นาที"
    assert model.index(0, aqi).data(BG).color() == QColor(*AQI[4])
    assert model.index(0, 0).data(FG) is None  # plain text
    now["t"] = T0 + timedelta(hours=2, minutes=1)  # past twice Air4Thai's hourly cadence
    with qtbot.waitSignal(model.dataChanged):
        model.tick()
    assert model.index(0, age).data() == "2 ชม. 1 นาที"
    assert model.index(0, aqi).data(BG).color() == QColor(*OUT_OF_DATE)
    for column in range(model.columnCount()):
        assert model.index(0, column).data(FG).color() == QColor(*OUT_OF_DATE_TEXT)
    assert "ข้อมูลเก่า" in model.index(0, age).data(TIP)
    assert model.index(0, 3).data() == "เริ่มมีผลกระทบต่อสุขภาพ"  # the band is still said in words

    river = RiverLevelModel(clock=lambda: T0 + timedelta(minutes=59))
    river.set_rows(gauges()[2:3])
    band = river.COLUMNS.index("band")
    assert river.index(0, band).data(BG).color() == QColor(*RIVER["flooding"])
    river.set_expected_cadence(600)  # settings with a shorter cadence: 59 min is past twice 10 min
    assert river.index(0, band).data(BG).color() == QColor(*OUT_OF_DATE)


def hotspot(minutes_ago: int, confidence: str | int, district: tuple[str, str] = ("แม่แจ่ม", "Mae Chaem"),
            source: str = "VIIRS_SNPP_NRT", satellite: str | None = "N") -> HotspotRow:
    return HotspotRow(T0 - timedelta(minutes=minutes_ago), 18.5, 98.4, source, satellite, confidence, 12.34, "D",
                      "5004", *district)


def test_hotspot_list_newest_first_with_age_district_and_words(qtbot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    model: HotspotModel = panel.hotspot_model
    model._clock = lambda: T0  # noqa: SLF001
    panel.set_hotspots([hotspot(13 * 60, 80, ("อมก๋อย", "Omkoi"), "MODIS_NRT", "Aqua"), hotspot(30, "high")])
    assert "(2)" in panel.tabs.tabText(1)
    qtmodeltester.check(model)
    column = model.COLUMNS.index
    assert model.index(0, column("age")).data() == "30 นาที"
    assert model.index(0, column("district")).data() == "แม่แจ่ม"
    assert model.index(0, column("confidence")).data() == "สูง"
    assert model.index(0, column("frp")).data() == "12.3 MW"
    assert model.index(0, column("source")).data() == "VIIRS S-NPP"
    assert model.index(1, column("source")).data() == "MODIS Aqua" and model.index(1, column("confidence")).data() \
        == "80%"
    assert model.index(0, 0).data(FG) is None
    assert model.index(1, 0).data(FG).color() == QColor(*OUT_OF_DATE_TEXT)  # 13 h: past twice 6 h
    set_language("en")
    assert model.index(0, column("district")).data() == "Mae Chaem"
    assert model.index(0, column("confidence")).data() == "high"


def test_a_tick_announces_only_the_cells_whose_text_or_grey_changed(qtbot) -> None:  # type: ignore[no-untyped-def]
    # A table told of a change re-measures and repaints those cells: the 30-s age tick must not tell of every cell.
    now = {"t": T0 + timedelta(minutes=40, seconds=5)}
    model = AirQualityModel(clock=lambda: now["t"])
    model.set_rows([Air("35t", "ศาลากลาง", "City Hall", T0, 86.0, 150, 4),
                    Air("36t", "ยุพราช", "Yupparaj", T0 - timedelta(minutes=30), 40.0, 60, 2)])
    age = model.COLUMNS.index("age")
    told: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda a, b, *_r: told.append((a.row(), a.column(), b.row(), b.column())))

    now["t"] += timedelta(seconds=30)  # 40 min 35 s: every age still says "40 นาที" / "70 นาที"
    model.tick()
    assert told == []

    now["t"] += timedelta(seconds=30)  # a minute on: the age column changes, nothing else
    model.tick()
    assert told == [(0, age, 1, age)]
    assert model.index(0, age).data() == "41 นาที"

    told.clear()
    now["t"] = T0 + timedelta(minutes=90, seconds=30)  # the second row (2 h old) turns grey: its whole row
    model.tick()
    assert told == [(0, 0, 1, len(model.COLUMNS) - 1)]
    assert model.index(1, 0).data(FG).color() == QColor(*OUT_OF_DATE_TEXT)
    assert model.index(0, 0).data(FG) is None


def test_after_a_language_change_a_tick_still_announces_nothing_new(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = {"t": T0 + timedelta(minutes=40, seconds=5)}
    model = AirQualityModel(clock=lambda: now["t"])
    model.set_rows([Air("35t", "ศาลากลาง", "City Hall", T0, 86.0, 150, 4)])
    set_language("en")
    with qtbot.waitSignal(model.dataChanged):
        model.retranslate()  # every cell in English
    assert model.index(0, model.COLUMNS.index("age")).data() == "40 min"
    told: list[object] = []
    model.dataChanged.connect(lambda *_a: told.append(_a))
    now["t"] += timedelta(seconds=20)
    model.tick()
    assert told == []  # the English words are what was said last
