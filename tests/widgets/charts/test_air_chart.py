"""The PM2.5 chart: the Thai AQI bands at their edges, gaps that stay gaps, a user's zoom kept through live data,
following now, the crosshair's exact read-out, annotation clicks, presets, PNG export, the empty state, languages and
the redraw rate."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from services.chart_math import PRESETS
from services.chart_series import ChartAnnotation, ChartStations
from services.feeds.thai_aqi import BANDS
from tests.widgets.charts.chart_data import HOUR, NOW, air_station, clock, hourly_grid
from tests.widgets.charts.chart_driver import is_dark, render, show_chart, viewport_point
from widgets.charts.air_chart import AirQualityChart
from widgets.charts.aqi_bands import pm25_band_of
from widgets.charts.time_chart import FOLLOW_LEAD
from widgets.i18n import set_language

BAND_RGB = {band.number: band.rgb for band in BANDS}
EDGES = [(15.0, 1, 15.1, 2), (25.0, 2, 25.1, 3), (37.5, 3, 37.6, 4), (75.0, 4, 75.1, 5)]


def _chart(qtbot, now: float = NOW, **size: int) -> AirQualityChart:  # type: ignore[no-untyped-def]
    return show_chart(qtbot, AirQualityChart(clock=clock(now)), **size)


# -- bands ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("below", "below_band", "above", "above_band"), EDGES)
def test_band_regions_hold_the_table_values_at_their_edges(qtbot, below: float, below_band: int, above: float,
                                                           above_band: int) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    for value, band in ((below, below_band), (above, above_band)):
        found = chart.bands.band_at(value)
        assert found is not None and found[0] == band, (value, found)
        colour = found[1]
        assert (colour.red(), colour.green(), colour.blue()) == BAND_RGB[band]  # thai_aqi's colour, drawn pale


def test_every_tenth_falls_in_the_band_the_table_gives_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    for k in range(1501):
        value = k / 10
        found = chart.bands.band_at(value)
        assert found is not None and found[0] == pm25_band_of(value), value
    assert [band for _item, band in chart.bands.regions] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("below", "below_band", "above", "above_band"), EDGES)
def test_the_drawn_pixels_change_colour_between_the_edge_values(qtbot, below: float, below_band: int, above: float,
                                                                above_band: int) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    chart.set_visible_range(NOW - 6 * HOUR, NOW)
    chart.view.setYRange(below - 0.05, above + 0.05, padding=0)  # 0.1 µg/m³ over the whole plot height
    image = render(chart)
    x = viewport_point(chart, NOW - 5 * HOUR, below).x()
    for value, band in ((below, below_band), (above, above_band)):
        pixel = QColor(image.pixel(x, viewport_point(chart, NOW - 5 * HOUR, value).y()))
        rgb = BAND_RGB[band]
        # A pale fill of the band's colour on white: its strongest channel is the band colour's strongest.
        assert pixel != QColor(255, 255, 255), value
        strongest = max(range(3), key=lambda i: rgb[i])
        weakest = min(range(3), key=lambda i: rgb[i])
        channels = (pixel.red(), pixel.green(), pixel.blue())
        assert channels[strongest] >= channels[weakest] + 15, (value, channels, rgb)
    assert image.pixel(x, viewport_point(chart, NOW - 5 * HOUR, below).y()) != image.pixel(
        x, viewport_point(chart, NOW - 5 * HOUR, above).y())


# -- gaps ----------------------------------------------------------------------------------------------------------
def test_a_gap_stays_a_gap_not_a_zero_and_not_a_joined_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    t = hourly_grid(48)
    values = np.full(t.shape, 60.0)
    values[20:30] = np.nan  # ten hours without data
    chart = _chart(qtbot)
    chart.set_data([air_station("35t", t, values, mean=np.full(t.shape, np.nan))])
    chart.flush()
    chart.set_visible_range(t[0], t[-1] + HOUR)
    hourly, _mean = chart.curves_of("35t")
    assert hourly.curve.opts["connect"] == "finite"
    _x, y = hourly.getData()
    assert np.isnan(y).sum() >= 10  # the gap reaches the drawing as NaN, never as 0
    assert not (np.nan_to_num(y, nan=1.0) == 0).any()
    image = render(chart)
    top, bottom = viewport_point(chart, t[0], chart.view.viewRange()[1][1]).y(), \
        viewport_point(chart, t[0], 0.0).y()

    def dark_in_column(x_time: float) -> bool:
        # The first station's near-black (33, 33, 33), down to the bottom edge where a zero would be drawn; the axis
        # and grid are lighter (66, 66, 66 and paler).
        x = viewport_point(chart, x_time, 60.0).x()
        return any(is_dark(QColor(image.pixel(x, y_px)), limit=50) for y_px in range(top + 2, bottom + 1))

    assert dark_in_column(t[10] + HOUR / 2)  # the curve is there before the gap…
    assert dark_in_column(t[40] + HOUR / 2)  # …and after it…
    assert not dark_in_column(t[25])  # …and nothing is drawn inside it, at 60 or at 0


# -- the window ----------------------------------------------------------------------------------------------------
def test_presets_show_the_last_span_up_to_now_and_follow(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    assert chart.preset() == "7d" and chart.is_following()
    for name in ("6h", "24h", "30d", "7d"):
        qtbot.mouseClick(chart.preset_buttons[name], Qt.MouseButton.LeftButton)
        t0, t1 = chart.visible_range()
        span = PRESETS[name]
        assert t0 == pytest.approx(NOW - span, abs=1) and t1 == pytest.approx(NOW + span * FOLLOW_LEAD, abs=1)
        assert chart.preset() == name and chart.preset_buttons[name].isChecked() and chart.is_following()


def _wheel(chart: AirQualityChart, at: QPoint, steps: int = 1) -> None:
    viewport = chart.plot.viewport()
    event = QWheelEvent(QPointF(at), QPointF(viewport.mapToGlobal(at)), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_live_data_keeps_the_users_zoom_and_following_moves_to_now(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = [NOW]
    chart = show_chart(qtbot, AirQualityChart(clock=lambda: now[0]))
    t = hourly_grid(24 * 7)
    chart.set_data([air_station("35t", t, 40.0)])
    chart.flush()
    with qtbot.waitSignal(chart.sig_follow_changed, timeout=2000) as follow:
        _wheel(chart, viewport_point(chart, NOW - 2 * 86400, 40.0))  # the user zooms in with the wheel
    assert follow.args == [False] and not chart.is_following() and chart.preset() is None
    zoomed = chart.visible_range()
    assert zoomed[1] - zoomed[0] < PRESETS["7d"]
    now[0] = NOW + 2 * HOUR  # time passes and new data arrives
    chart.set_data([air_station("35t", hourly_grid(24 * 7, end=now[0]), 45.0)])
    chart.flush()
    assert chart.visible_range() == pytest.approx(zoomed)  # the user's window is kept
    chart.follow_button.click()  # following again: the window moves to now
    _t0, t1 = chart.visible_range()
    span = zoomed[1] - zoomed[0]
    assert chart.is_following() and t1 == pytest.approx(now[0] + span * FOLLOW_LEAD, abs=1)
    now[0] += 3 * HOUR
    chart.set_data([air_station("35t", hourly_grid(24 * 7, end=now[0]), 50.0)])
    chart.flush()
    assert chart.visible_range()[1] == pytest.approx(now[0] + span * FOLLOW_LEAD, abs=1)  # and live data moves it on


def test_the_settled_window_is_reported_once_not_on_every_small_move(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    with qtbot.waitSignal(chart.sig_range_changed, timeout=2000) as reported:
        chart.set_visible_range(NOW - 3 * 86400, NOW - 86400)
    assert reported.args == pytest.approx([NOW - 3 * 86400, NOW - 86400])
    with qtbot.assertNotEmitted(chart.sig_range_changed, wait=500):
        chart.set_visible_range(NOW - 3 * 86400 + 60, NOW - 86400 + 60)  # a minute on a two-day window


# -- read-out ------------------------------------------------------------------------------------------------------
def test_the_crosshair_reads_the_exact_value_and_the_bangkok_time(qtbot) -> None:  # type: ignore[no-untyped-def]
    t = hourly_grid(24)
    values = np.linspace(20.0, 90.0, t.size)
    values[-1] = 57.34  # the bucket starting at 13:00 on 5 Dec (Bangkok)
    chart = _chart(qtbot)
    chart.set_data([air_station("35t", t, values, mean=np.full(t.shape, 64.1))])
    chart.flush()
    chart.set_visible_range(t[0], NOW + HOUR)
    point = viewport_point(chart, t[-1] + HOUR / 2, 50.0)
    QTest.mouseMove(chart.plot.viewport(), point)
    qtbot.waitUntil(lambda: chart.readout_text() != "", timeout=2000)
    text = chart.readout_text()
    assert text.splitlines()[0] == "5 ธ.ค. 2569 13:00"
    assert "ศาลากลางจังหวัดเชียงใหม่: 57.3 µg/m³" in text  # the value itself, not a downsampled one
    assert "เฉลี่ย 24 ชม. 64.1 (เริ่มมีผลกระทบต่อสุขภาพ)" in text
    assert chart.crosshair.line.isVisible() and chart.crosshair.line.value() == t[-1]
    QApplication.sendEvent(chart.plot.viewport(), QEvent(QEvent.Type.Leave))  # the pointer leaves the plot
    assert chart.readout_text() == "" and not chart.crosshair.line.isVisible()


def test_the_read_out_says_no_data_in_a_gap(qtbot) -> None:  # type: ignore[no-untyped-def]
    t = hourly_grid(24)
    values = np.full(t.shape, 30.0)
    values[5] = np.nan
    chart = _chart(qtbot)
    chart.set_data([air_station("35t", t, values, mean=np.full(t.shape, np.nan))])
    assert "ศาลากลางจังหวัดเชียงใหม่: ไม่มีข้อมูล" in chart.read_at(t[5] + 60)
    assert "30.0 µg/m³" in chart.read_at(t[6] + 60)


# -- annotations ---------------------------------------------------------------------------------------------------
def test_clicking_an_annotation_names_its_incident(qtbot) -> None:  # type: ignore[no-untyped-def]
    t = hourly_grid(48)
    chart = _chart(qtbot)
    chart.set_data([air_station("35t", t, 40.0)])
    chart.set_visible_range(t[0], NOW)
    chart.set_annotations([ChartAnnotation(NOW - 30 * HOUR, 41, "opened", None, "P1", "forest_fire"),
                           ChartAnnotation(NOW - 10 * HOUR, 42, "state", "dispatched", "P2", None)])
    y = chart.markers.height()
    point = viewport_point(chart, NOW - 10 * HOUR, y)
    with qtbot.waitSignal(chart.sig_incident_clicked, timeout=2000) as clicked:
        QTest.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert clicked.args == [42]
    with qtbot.assertNotEmitted(chart.sig_incident_clicked, wait=300):  # the empty plot is not an annotation
        QTest.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         viewport_point(chart, NOW - 20 * HOUR, 30.0))


def test_annotations_stay_at_the_bottom_of_whatever_y_range(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    chart.set_annotations([ChartAnnotation(NOW - HOUR, 7, "opened", None, "P3", None)])
    chart.set_data([air_station("35t", hourly_grid(24), 300.0)])
    chart.flush()
    y0, y1 = chart.view.viewRange()[1]
    assert y0 <= chart.markers.height() <= y0 + 0.1 * (y1 - y0)


# -- export, empty, language, stations -----------------------------------------------------------------------------
def test_export_png_writes_the_chart_at_its_size(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot, width=640, height=360)
    chart.set_data([air_station("35t", hourly_grid(24 * 7), 80.0)])
    path = tmp_path / "air.png"
    chart.export_png(str(path))
    image = QImage(str(path))
    # The legend over the plot, each at its size on screen (the toolbar is not part of the picture).
    assert chart.legend.isVisible() and chart.legend.height() > 0
    assert (image.width(), image.height()) == (chart.plot.width(), chart.legend.height() + chart.plot.height())
    plot = chart.plot.grab().toImage()
    middle = (plot.width() // 2, plot.height() // 2)
    assert image.pixel(middle[0], chart.legend.height() + middle[1]) == plot.pixel(*middle)
    with pytest.raises(OSError):
        chart.export_png(str(tmp_path / "missing-dir" / "air.png"))


def test_the_empty_state_shows_while_the_window_holds_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    qtbot.waitUntil(lambda: chart.empty_state.showing, timeout=2000)
    assert chart.empty_state.text() == "ไม่มีข้อมูลในช่วงเวลานี้"
    t = hourly_grid(24)
    chart.set_data([air_station("35t", t, np.nan)])  # stations with no values at all
    chart.flush()
    assert chart.empty_state.showing
    chart.set_data([air_station("35t", t, 33.0)])
    chart.flush()
    assert not chart.empty_state.showing
    chart.set_visible_range(NOW - 20 * 86400, NOW - 10 * 86400)  # a window before the data
    qtbot.waitUntil(lambda: chart.empty_state.showing, timeout=2000)


def test_thai_and_english(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    chart.set_data([air_station("35t", hourly_grid(24), 33.0)])
    chart.flush()
    assert chart.preset_buttons["24h"].text() == "24 ชม." and chart.follow_button.text() == "ตามเวลาปัจจุบัน"
    assert "ศาลากลางจังหวัดเชียงใหม่" in chart.legend.text()
    set_language("en")
    chart.retranslate()
    assert chart.preset_buttons["24h"].text() == "24 h" and chart.follow_button.text() == "Follow now"
    assert chart.export_button.text() == "Export" and chart.station_picker.text().startswith("Stations")
    assert "Chiang Mai City Hall" in chart.legend.text()
    spacing, values = chart.axis.tickValues(NOW - 86400, NOW, 700)[0]
    assert any(text.endswith("Dec 2026 00:00") for text in chart.axis.tickStrings(values, 1.0, spacing))
    assert "24-h mean 33.0" in chart.read_at(NOW - 2 * HOUR)
    chart.set_data([])
    chart.flush()
    assert chart.empty_state.text() == "No data in this window"


def test_stations_are_picked_from_the_list_or_added(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    chart.set_stations(ChartStations(air=(("35t", "ศาลากลาง", "City Hall", "Chiang Mai"),
                                          ("36t", "ยุพราช", "Yupparaj", "Chiang Mai"),
                                          ("50t", "ลำพูน", "Lamphun", "Lamphun")), river=()))
    chart.set_selected_stations(["35t"])
    picker = chart.station_picker
    menu = picker.menu()
    entries = [a for a in menu.actions() if a.isCheckable()]
    assert [a.data() for a in entries] == ["35t", "36t"]  # Chiang Mai's on the menu itself
    assert entries[0].isChecked() and not entries[1].isChecked()
    others = [a for a in menu.actions() if a.menu() is not None]
    assert len(others) == 1 and others[0].menu().actions()[0].menu().title() == "Lamphun"
    with qtbot.waitSignal(chart.sig_stations_changed, timeout=1000) as changed:
        entries[1].trigger()  # ticked in the menu
    assert changed.args == [["35t", "36t"]]
    with qtbot.waitSignal(chart.sig_stations_changed, timeout=1000) as changed:
        chart.add_station("50t")  # clicked on the map
    assert changed.args == [["35t", "36t", "50t"]] and chart.selected_stations() == ["35t", "36t", "50t"]
    with qtbot.assertNotEmitted(chart.sig_stations_changed, wait=100):
        chart.add_station("35t")  # already there


def test_bursts_of_new_data_end_with_the_latest_drawn(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    t = hourly_grid(24)
    for value in (10.0, 20.0, 30.0, 40.0):
        chart.set_data([air_station("35t", t, value)])
    qtbot.waitUntil(lambda: not chart.has_pending_data(), timeout=2000)
    assert chart.charts()[0].hourly.v[0] == 40.0
    hourly, _mean = chart.curves_of("35t")
    assert math.isclose(float(np.nanmax(hourly.getData()[1])), 40.0)


def test_axes_and_labels_take_the_applications_font(qtbot) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    before = QFont(app.font())
    thai = QFont(before)
    thai.setFamilies(["Noto Sans Thai", "Loma", "DejaVu Sans"])  # as console.app sets it
    app.setFont(thai)
    try:
        chart = _chart(qtbot)
        for name in ("bottom", "left"):
            font = chart.plot.getPlotItem().getAxis(name).style["tickFont"]
            assert font is not None and font.families() == thai.families()
        assert chart.plot.getPlotItem().getAxis("left").label.font().families() == thai.families()
    finally:
        app.setFont(before)


def test_export_menu_asks_for_png_or_csv(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    png, csv = chart.export_button.menu().actions()
    assert (png.text(), csv.text()) == ("ภาพ PNG…", "ข้อมูล CSV…")
    with qtbot.waitSignal(chart.sig_export_requested, timeout=1000) as asked:
        csv.trigger()
    assert asked.args == ["csv"]
