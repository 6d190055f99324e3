"""Sparklines in the situation tables: the delegate draws a gap where the series has none (never a zero, never a
line joined across), the trend column and the hourly PM2.5 column say the rate's arrow from the same 24-hour series,
and the models hand the series, the reference level and the words to the view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem, QTableView

from services import river_status
from services.chart_series import AirStationChart, RiverGaugeChart, Series
from tests.widgets.record_fakes import Air, River
from widgets.i18n import set_language
from widgets.overview_panel import OverviewPanel
from widgets.readings_models import AirQualityModel, RiverLevelModel
from widgets.sparkline_delegate import (
    MIN_SPAN_ROLE,
    REFERENCE_ROLE,
    SERIES_ROLE,
    SPARK_WIDTH,
    SparklineDelegate,
    spark_runs,
)
from widgets.table_colours import OUT_OF_DATE_TEXT

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 14:00 in Bangkok: "now" for every model here
NOW = T0.timestamp()
HALF_HOURS = NOW - 86400 + 1800 * np.arange(48, dtype=np.float64)  # the river table's 24 h, the last bucket at now
HOURS = NOW - 86400 + 3600 * np.arange(24, dtype=np.float64) + 3600  # the air table's 24 h
P1_LIMITS = {"bank_full_m": 3.70, "flood_m": 4.20}
TIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture(autouse=True)
def thai() -> Iterator[None]:
    set_language("th")
    yield
    set_language("th")


def level(rate_m_per_h: float, latest_m: float) -> Series:
    return Series(HALF_HOURS, latest_m + rate_m_per_h * (HALF_HOURS - HALF_HOURS[-1]) / 3600.0)


def gauge_chart(code: str, series: Series, bank_full: float | None = 3.70, flood: float | None = 4.20
                ) -> RiverGaugeChart:
    return RiverGaugeChart(code, code, code, 0, series, bank_full, flood)


def p1_row(level_m: float) -> River:
    return River("P.1", "สะพานนวรัฐ", "Nawarat Bridge", T0, level_m, level_m - 3.70, 4, None, P1_LIMITS)


# --- the delegate -----------------------------------------------------------------------------------------------


def test_runs_break_at_every_gap_and_a_lone_value_is_a_run_of_one() -> None:
    v = np.array([1.0, 2.0, 3.0, np.nan, np.nan, 4.0, 5.0, np.nan, 6.0, np.nan])
    runs = spark_runs(np.arange(10.0), v, QRectF(0, 0, 90, 20))
    assert [len(run) for run in runs] == [3, 2, 1]
    assert [x for x, _y in runs[0]] == [0.0, 10.0, 20.0] and runs[2][0][0] == 80.0  # x keeps the time, gaps and all
    assert runs[0][0][1] == 20.0 and runs[2][0][1] == 0.0  # lowest at the bottom, highest at the top
    flat = spark_runs(np.arange(3.0), np.full(3, 2.5), QRectF(0, 0, 30, 20))
    assert [y for _x, y in flat[0]] == [10.0, 10.0, 10.0]  # a flat day is a line in the middle
    assert spark_runs(np.arange(3.0), np.full(3, np.nan), QRectF(0, 0, 30, 20)) == []


def test_a_day_that_barely_moves_draws_nearly_flat_not_as_noise_at_full_height() -> None:
    noise = 1.70 + np.array([0.0, 0.01, -0.01, 0.005, 0.0, -0.005])  # a gauge steady within a centimetre
    rect = QRectF(0, 0, 50, 20)
    stretched = [y for _x, y in spark_runs(np.arange(6.0), noise, rect)[0]]
    assert max(stretched) - min(stretched) == 20.0  # without a span: the centimetre fills the cell
    flat = [y for _x, y in spark_runs(np.arange(6.0), noise, rect, min_span=0.5)[0]]
    assert max(flat) - min(flat) == pytest.approx(20.0 * 0.02 / 0.5)  # 2 cm of half a metre
    assert min(flat) > 9 and max(flat) < 11  # about the middle
    rise = 1.0 + np.linspace(0.0, 2.0, 6)  # a real rise is drawn at full height whatever the span
    ys = [y for _x, y in spark_runs(np.arange(6.0), rise, rect, min_span=0.5)[0]]
    assert (ys[0], ys[-1]) == (20.0, 0.0)


def _painted(series: Series, text: str = "") -> QImage:
    """One cell (SPARK_WIDTH + padding wide) painted by the delegate on white."""
    model = QStandardItemModel(1, 1)
    item = QStandardItem(text)
    item.setData(series, SERIES_ROLE)
    model.setItem(0, 0, item)
    image = QImage(SPARK_WIDTH + 6 + (60 if text else 0), 24, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, image.width(), image.height())
    option.palette.setColor(option.palette.ColorRole.Text, QColor("black"))
    painter = QPainter(image)
    SparklineDelegate().paint(painter, option, model.index(0, 0))
    painter.end()
    return image


def _inked_columns(image: QImage, x0: int, x1: int) -> list[int]:
    """The x of the columns in [x0, x1) with any pixel darker than light grey."""
    return [x for x in range(x0, x1) if any(QColor(image.pixel(x, y)).lightness() < 200 for y in range(image.height()))]


def test_the_delegate_paints_a_gap_where_the_series_has_no_data(qtbot) -> None:  # type: ignore[no-untyped-def]
    t = np.arange(24, dtype=np.float64) * 3600
    v = 50.0 + 10 * np.sin(np.arange(24) / 3)
    holed = v.copy()
    holed[8:16] = np.nan  # eight hours without data
    # Bucket k is drawn at x = 3 + k * SPARK_WIDTH / 23; the gap lies strictly between buckets 7 and 16.
    x_of = [3 + k * SPARK_WIDTH / 23 for k in range(24)]
    gap_x0, gap_x1 = int(x_of[7]) + 4, int(x_of[16]) - 3
    with_gap = _painted(Series(t, holed))
    assert _inked_columns(with_gap, gap_x0, gap_x1) == []  # nothing drawn in the gap: no zero, no joining line
    assert len(_inked_columns(with_gap, 3, int(x_of[7]))) > 10  # the runs either side are drawn
    assert len(_inked_columns(with_gap, int(x_of[16]), 3 + SPARK_WIDTH)) > 10
    # The same day without the gap draws across it (so the check above can fail).
    assert len(_inked_columns(_painted(Series(t, v)), gap_x0, gap_x1)) == gap_x1 - gap_x0
    # Zeros are values, not gaps: drawn (as a dip) where NaN is not.
    zeros = v.copy()
    zeros[8:16] = 0.0
    assert len(_inked_columns(_painted(Series(t, zeros)), gap_x0, gap_x1)) > 0


def test_the_delegate_draws_the_text_beside_the_line_and_asks_room_for_both(qtbot) -> None:  # type: ignore[no-untyped-def]
    t = np.arange(24, dtype=np.float64) * 3600
    image = _painted(Series(t, np.full(24, np.nan)), "↑ 86")
    assert _inked_columns(image, 0, 3 + SPARK_WIDTH) == []  # all gaps: no line at all
    assert _inked_columns(image, 3 + SPARK_WIDTH, image.width())  # the text is drawn
    view = QTableView()
    qtbot.addWidget(view)
    model = QStandardItemModel(1, 1)
    model.setItem(0, 0, QStandardItem("↑ 0.12"))
    delegate = SparklineDelegate(view)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    hint = delegate.sizeHint(option, model.index(0, 0))
    assert hint.width() >= SPARK_WIDTH + view.fontMetrics().horizontalAdvance("↑ 0.12")


# --- the river table's trend ------------------------------------------------------------------------------------


def test_the_trend_column_is_the_rate_of_the_last_three_hours_with_its_arrow(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RiverLevelModel(clock=lambda: T0)
    rows = [p1_row(3.2), River("P.67", "บ้านแม่แต", "Ban Mae Tae", T0, 2.0, -1.7, 3, None, {"bank_full_m": 3.7}),
            River("P.73", "บ้านสบสอย", "Ban Sop Soi", T0, 1.5, -2.2, 3, None),
            River("CHM002", "ฮอด", "Hot", T0, 1.0, None, 3, None)]
    charts = [gauge_chart("P.1", level(0.12, 3.2)), gauge_chart("P.67", level(-0.05, 2.0), 3.7, None),
              gauge_chart("P.73", level(0.004, 1.5), None, None)]  # CHM002: no series at all
    model.set_rows(rows, charts)
    qtmodeltester.check(model)
    trend = model.COLUMNS.index("trend")
    assert [model.index(r, trend).data() for r in range(4)] == ["↑ 0.12", "↓ 0.05", "→", "—"]
    assert model.index(0, trend).data(SERIES_ROLE) is charts[0].level
    assert model.index(0, trend).data(REFERENCE_ROLE) == 3.70  # bank-full, dashed where the day crosses it
    assert model.index(0, trend).data(MIN_SPAN_ROLE) == 0.5 and model.index(0, 0).data(MIN_SPAN_ROLE) is None
    assert model.index(3, trend).data(SERIES_ROLE) is None
    assert model.index(0, 0).data(SERIES_ROLE) is None  # only the trend cell carries the series
    tip = model.index(0, trend).data(TIP)
    assert "0.12 ม./ชม." in tip and "ถึงระดับเต็มตลิ่งในราว 4 ชม. ตามอัตราปัจจุบัน (คาดการณ์)" in tip
    assert "คาดการณ์" not in model.index(1, trend).data(TIP)  # falling: no projection
    set_language("en")
    tip = model.index(0, trend).data(TIP)
    assert "rising 0.12 m/h" in tip and "bank-full in about 4 h at the current rate (projection)" in tip
    assert model.headerData(trend, Qt.Orientation.Horizontal) == "Trend m/h"


def test_new_series_for_the_same_rows_change_the_cells_without_a_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = RiverLevelModel(clock=lambda: T0)
    rows = [p1_row(3.2)]
    model.set_rows(rows, [gauge_chart("P.1", level(0.12, 3.2))])
    trend = model.COLUMNS.index("trend")
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.dataChanged):
        model.set_rows(list(rows), [gauge_chart("P.1", level(-0.2, 3.2))])
    assert model.index(0, trend).data() == "↓ 0.20" and not resets


def test_the_same_day_reloaded_changes_nothing_on_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    # During a sync every feed landing reloads the overview, mostly with the day it shows: no repaint for that
    # (its columns fit their contents, so each repaint measures every cell again).
    model = RiverLevelModel(clock=lambda: T0)
    model.set_rows([p1_row(3.2)], [gauge_chart("P.1", level(0.12, 3.2))])
    changes: list[object] = []
    model.dataChanged.connect(lambda *args: changes.append(args))
    model.modelReset.connect(lambda: changes.append("reset"))
    model.set_rows([p1_row(3.2)], [gauge_chart("P.1", level(0.12, 3.2))])  # new objects, the same values
    assert changes == []
    model.set_rows([p1_row(3.2)], [gauge_chart("P.1", level(0.12, 3.2), bank_full=3.80)])
    assert len(changes) == 1 and changes[0] != "reset"


def test_an_out_of_date_row_draws_its_line_and_text_in_the_grey_of_its_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = RiverLevelModel(clock=lambda: T0 + timedelta(hours=3))
    model.set_rows([p1_row(3.2)], [gauge_chart("P.1", level(0.12, 3.2))])
    trend = model.COLUMNS.index("trend")
    assert model.index(0, trend).data(Qt.ItemDataRole.ForegroundRole).color() == QColor(*OUT_OF_DATE_TEXT)
    assert model.index(0, trend).data(Qt.ItemDataRole.BackgroundRole) is None  # on the row's own background
    # Three hours on, the last three hours hold one value: no rate to claim.
    assert model.index(0, trend).data() == "—"


# --- the air table's hourly PM2.5 -------------------------------------------------------------------------------


def test_the_hourly_column_shows_the_latest_hourly_value_and_its_arrow(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = AirQualityModel(clock=lambda: T0)
    rising = Series(HOURS, np.linspace(20, 86, 24))
    steady = Series(HOURS, np.r_[np.full(20, 30.0), [31.0, 30.0, 31.0, 30.0]])
    none = Series(HOURS, np.full(24, np.nan))
    rows = [Air("35t", "ศาลากลาง", "City Hall", T0, 60.0, 120, 4), Air("36t", "ยุพราช", "Yupparaj", T0, 30.0, 60, 3),
            Air("37t", "แม่ริม", "Mae Rim", T0, 20.0, 40, 2), Air("38t", "ฝาง", "Fang", T0, 20.0, 40, 2)]
    charts = [AirStationChart(code, code, code, "Chiang Mai", hourly, hourly)
              for code, hourly in (("35t", rising), ("36t", steady), ("37t", none))]
    model.set_rows(rows, charts)
    qtmodeltester.check(model)
    hourly = model.COLUMNS.index("hourly")
    assert [model.index(r, hourly).data() for r in range(4)] == ["↑ 86", "→ 30", "—", "—"]
    assert model.index(0, hourly).data(SERIES_ROLE) is rising
    assert model.index(2, hourly).data(SERIES_ROLE) is none  # drawn as nothing: all gaps
    assert model.index(3, hourly).data(SERIES_ROLE) is None
    assert model.index(0, hourly).data(MIN_SPAN_ROLE) == 20.0
    tip = model.index(0, hourly).data(TIP)
    assert "86 µg/m³" in tip and "14:00" in tip  # the latest hourly value and its hour, in Bangkok
    set_language("en")
    assert model.headerData(hourly, Qt.Orientation.Horizontal) == "PM2.5 hourly"
    assert "rising" in model.index(0, hourly).data(TIP)


# --- the panel ---------------------------------------------------------------------------------------------------


def test_the_panel_draws_sparklines_and_keeps_worst_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.river_model._clock = lambda: T0  # the rows are from T0
    rows = [River("P.67", "บ้านแม่แต", "Ban Mae Tae", T0, 2.0, -1.7, 3, None, {"bank_full_m": 3.7}), p1_row(4.3)]
    panel.set_river(rows, [gauge_chart("P.1", level(0.12, 4.3)), gauge_chart("P.67", level(-0.05, 2.0))])
    model = panel.river_model
    assert [r.code for r in model.rows()] == ["P.1", "P.67"]  # worst first, as without the series
    assert river_status.status_of(model.rows()[0]).band == "flooding"
    trend = model.COLUMNS.index("trend")
    assert isinstance(panel.river_table.itemDelegateForColumn(trend), SparklineDelegate)
    assert model.index(0, trend).data() == "↑ 0.12"
    hourly = panel.air_model.COLUMNS.index("hourly")
    assert isinstance(panel.air_table.itemDelegateForColumn(hourly), SparklineDelegate)
    panel.set_river(rows)  # rows without series: no line, no claim
    assert model.index(0, trend).data() == "—" and model.index(0, trend).data(SERIES_ROLE) is None


def test_station_names_keep_room_beside_the_sparklines_in_the_side_dock(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.air_model._clock = lambda: T0  # the rows are from T0
    rows = [Air(f"cm{i:02d}t", f"ที่ว่าการอำเภอเมืองเชียงใหม่ {i}", f"Mueang Chiang Mai District Office {i}", T0,
                60.0, 120, 4) for i in range(6)]
    charts = [AirStationChart(r.code, r.code, r.code, "Chiang Mai", Series(HOURS, np.linspace(20, 86, 24)),
                              Series(HOURS, np.full(24, np.nan))) for r in rows]
    panel.set_air(rows, charts)
    panel.resize(455, 640)  # the side dock at 1366x768
    panel.show()
    qtbot.waitExposed(panel)
    table, model = panel.air_table, panel.air_model
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width() + 1  # nothing scrolls sideways
    hourly = model.COLUMNS.index("hourly")
    assert table.columnWidth(hourly) >= SPARK_WIDTH + table.fontMetrics().horizontalAdvance("↑ 86")
    assert table.columnWidth(0) >= 80  # the band's long words share the room, they do not squeeze the name out
    band = model.COLUMNS.index("band")
    option = QStyleOptionViewItem()
    table.itemDelegateForColumn(band).initStyleOption(option, model.index(0, band))
    assert option.textElideMode == Qt.TextElideMode.ElideRight  # "เริ่มมีผล…": the start says the band
    gauge = QStyleOptionViewItem()
    panel.river_table.itemDelegateForColumn(0).initStyleOption(gauge, panel.river_model.index(0, 0))
    assert gauge.textElideMode == Qt.TextElideMode.ElideRight  # "CHM004 Chiang…": the gauge's code stays whole
    station = QStyleOptionViewItem()
    table.itemDelegateForColumn(0).initStyleOption(station, model.index(0, 0))
    assert station.textElideMode == Qt.TextElideMode.ElideRight  # "Chiang Dao Dis…": short names differ at the start


def test_the_hourly_trend_reads_the_hours_up_to_the_newest_value_and_claims_nothing_from_old_ones() -> None:
    # Air4Thai publishes an hour about 20 minutes after it ends: at 14:10 the newest value is the hour to 13:00.
    lagging = np.linspace(20, 86, 24)
    lagging[-1] = np.nan
    model = AirQualityModel(clock=lambda: T0 + timedelta(minutes=10))
    rows = [Air("35t", "ศาลากลาง", "City Hall", T0, 60.0, 120, 4), Air("36t", "ยุพราช", "Yupparaj", T0, 60.0, 120, 4)]
    old = np.linspace(20, 86, 24)
    old[-4:] = np.nan  # nothing for the last four hours
    model.set_rows(rows, [AirStationChart("35t", "a", "b", None, Series(HOURS, lagging), Series(HOURS, lagging)),
                          AirStationChart("36t", "a", "b", None, Series(HOURS, old), Series(HOURS, old))])
    hourly = model.COLUMNS.index("hourly")
    assert model.index(0, hourly).data() == f"↑ {lagging[-2]:.0f}"
    assert model.index(1, hourly).data() == f"{old[-5]:.0f}"  # the value, no arrow from four hours ago
