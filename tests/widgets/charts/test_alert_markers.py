"""Alert markers on the charts (issue 13): an "!" disc at each open or acknowledged alert's first time, coloured and
sized by severity near the top of the plot, a text tooltip, a click naming the alert, and no refill per frame."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from tests.maps.alert_views import alert_view
from tests.widgets.charts.chart_data import HOUR, NOW, air_station, clock, hourly_grid
from tests.widgets.charts.chart_driver import render, show_chart, viewport_point
from tests.widgets.charts.test_hotspot_chart import _days
from widgets.alert_words import SEVERITY_RGB
from widgets.charts.air_chart import AirQualityChart
from widgets.charts.annotation_markers import ALERT_SIZES, alert_text
from widgets.charts.hotspot_chart import HotspotBarsChart
from widgets.charts.river_chart import RiverLevelChart
from widgets.i18n import set_language


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _air(qtbot) -> AirQualityChart:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, AirQualityChart(clock=clock(NOW)))
    t = hourly_grid(48)
    chart.set_data([air_station("35t", t, 40.0)])
    chart.set_visible_range(t[0], NOW)
    chart.flush()
    return chart


def _click(qtbot, chart, x: float, y: float) -> None:  # type: ignore[no-untyped-def]
    QTest.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     viewport_point(chart, x, y))


def test_alert_markers_sit_at_first_time_near_the_top_and_a_click_names_the_alert(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _air(qtbot)
    chart.set_alerts([alert_view(11, first_at=_at(NOW - 30 * HOUR)),
                      alert_view(12, severity="critical", first_at=_at(NOW - 10 * HOUR), state="acknowledged"),
                      alert_view(13, first_at=_at(NOW - 20 * HOUR), state="cleared")])
    markers = chart.alert_markers
    assert [a.id for a in markers.alerts()] == [11, 12]  # the cleared one is not shown; the critical drawn last
    data = markers.scatter.data
    assert data["x"].tolist() == [NOW - 30 * HOUR, NOW - 10 * HOUR]
    assert data["size"].tolist() == [ALERT_SIZES["warning"], ALERT_SIZES["critical"]]
    assert [QColor(b.color()).getRgb()[:3] for b in data["brush"]] == [SEVERITY_RGB["warning"],
                                                                          SEVERITY_RGB["critical"]]
    y0, y1 = chart.view.viewRange()[1]
    assert y0 + 0.8 * (y1 - y0) <= markers.height() <= y1  # near the top, apart from incident markers
    with qtbot.waitSignal(chart.sig_alert_clicked, timeout=2000) as clicked:
        _click(qtbot, chart, NOW - 10 * HOUR, markers.height())
    assert clicked.args == [12]
    with qtbot.assertNotEmitted(chart.sig_alert_clicked, wait=300):
        _click(qtbot, chart, NOW - 20 * HOUR, markers.height())  # where the cleared one would be
    # The marker is drawn in the severity's colour at its place.
    image = render(chart)
    p = viewport_point(chart, NOW - 10 * HOUR, markers.height())
    found = [QColor(image.pixel(p.x() + dx, p.y() + dy)).getRgb()[:3] for dx in range(-7, 8) for dy in range(-7, 8)]
    assert SEVERITY_RGB["critical"] in found


def test_alert_markers_are_filled_once_not_per_frame(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _air(qtbot)
    alerts = [alert_view(i, first_at=_at(NOW - i * HOUR)) for i in range(1, 40)]
    chart.set_alerts(alerts)
    fills = chart.alert_markers.fills
    chart.set_alerts(list(alerts))  # the same alerts read again after an evaluation
    for k in range(5):  # live data and range changes move the markers without refilling them
        chart.set_data([air_station("35t", hourly_grid(48), 40.0 + 50 * k)])
        chart.flush()
        chart.view.setYRange(0, 100 + 40 * k)
    assert chart.alert_markers.fills == fills
    y0, y1 = chart.view.viewRange()[1]
    assert chart.alert_markers.height() >= y0 + 0.8 * (y1 - y0)
    chart.set_alerts(alerts[:-1])  # one cleared: one refill
    assert chart.alert_markers.fills == fills + 1


def test_the_tooltip_is_text_in_the_ui_language(qtbot) -> None:  # type: ignore[no-untyped-def]
    alert = alert_view(5, severity="critical", rule_name_en="River at the city-flooding level",
                       scope_name_en="Nawarat Bridge", message_en="<b>4.37 m</b>")
    set_language("en")
    try:
        text = alert_text(alert)
    finally:
        set_language("th")
    assert text.startswith("⚠ critical · River at the city-flooding level · Nawarat Bridge · <b>4.37 m</b>")
    assert alert_text(alert).startswith("⚠ วิกฤต · ")


def test_river_and_hotspot_charts_mark_their_alerts(qtbot) -> None:  # type: ignore[no-untyped-def]
    river = show_chart(qtbot, RiverLevelChart(clock=clock(NOW)))
    river.set_alerts([alert_view(21, kind="river", first_at=_at(NOW - 3 * HOUR))])
    assert river.alert_markers.scatter.data["x"].tolist() == [NOW - 3 * HOUR]
    bars = show_chart(qtbot, HotspotBarsChart())
    bars.set_data(_days(), None)
    bars.flush()
    bars.set_alerts([alert_view(31, kind="fire", severity="warning", first_at=_at(NOW - 2 * HOUR))])
    with qtbot.waitSignal(bars.sig_alert_clicked, timeout=2000) as clicked:
        _click(qtbot, bars, NOW - 2 * HOUR, bars.alert_markers.height())
    assert clicked.args == [31]
    assert np.isfinite(bars.alert_markers.height())
