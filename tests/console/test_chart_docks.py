"""The chart docks in the real console against its embedded simulator (issue 12): data appears after the sync
(through the real feeds), a live update keeps the user's zoom, a clicked annotation selects the incident, a station
clicked on the map is charted, and the exports write exactly what is shown."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from console.controller import ConsoleController

FIRST_SYNC_MS = 90_000


def _synced(qtbot, console_factory) -> ConsoleController:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    controller.window.resize(1920, 1080)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    charts = controller.charts
    qtbot.waitUntil(lambda: len(charts.river.charts()) >= 6, timeout=30_000)
    qtbot.waitUntil(lambda: any(c.hourly.has_data for c in charts.air.charts()), timeout=30_000)
    return controller


def test_charts_fill_from_the_sync_and_keep_the_users_zoom(qtbot, console_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    controller = _synced(qtbot, console_factory)
    charts = controller.charts
    # Upstream to downstream, each with data; P.1's thresholds come with it.
    river = charts.river.charts()
    assert [c.rank for c in river] == sorted(c.rank for c in river)
    assert all(c.level.has_data for c in river if c.code in ("P.67", "P.103", "P.1", "P.73"))
    p1 = next(c for c in river if c.code == "P.1")
    assert p1.bank_full_m == 3.70 and p1.flood_m == 4.20
    assert 1 <= len(charts.air.selected_stations()) <= 3
    qtbot.waitUntil(lambda: (charts.hotspots.days() is not None and charts.hotspots.days().total > 0), timeout=30_000)
    qtbot.waitUntil(lambda: charts.incidents.load() is not None and int(charts.incidents.load().opened.sum()) > 0,
                    timeout=30_000)

    # The user zooms the river chart onto an old day; the next sync's data must not move it.
    t0, t1 = charts.river.visible_range()
    old = (t0 - 3 * 86400, t0 - 2 * 86400)
    charts.river.set_visible_range(*old)
    with qtbot.waitSignal(controller.sync_controller.sig_feed_polled, timeout=60_000):
        controller.sync_controller.sync_now()
    charts.schedule(["river"])
    charts.refresh()
    qtbot.wait(600)  # past the widget's redraw interval (250 ms): a redraw, had one moved the window, has happened
    charts.river.flush()
    now0, now1 = charts.river.visible_range()
    assert abs(now0 - old[0]) < 1 and abs(now1 - old[1]) < 1 and not charts.river.is_following()

    # CSV: exactly the points in the visible window, BOM, ISO 8601 with +07:00.
    path = tmp_path / "river.csv"
    with qtbot.waitSignal(charts.sig_notice, timeout=20_000):
        charts.export_csv("river", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    shown = charts.river.charts()
    stamps = np.unique(np.concatenate([c.level.visible(*old).t for c in shown]))
    assert len(rows) - 1 == len(stamps) > 0
    assert all(r[0].endswith("+07:00") for r in rows[1:])

    # PNG: the chart as on screen.
    png = tmp_path / "river.png"
    with qtbot.waitSignal(charts.sig_notice, timeout=20_000):
        charts.export_png("river", str(png))
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= charts.river.plot.width() - 2


def test_annotation_selects_the_incident_and_a_map_station_is_charted(  # type: ignore[no-untyped-def]
        qtbot, console_factory) -> None:
    controller = _synced(qtbot, console_factory)
    charts, incidents = controller.charts, controller.incidents
    qtbot.waitUntil(lambda: incidents.model.rowCount() > 3 and incidents.model.row_data(2) is not None,
                    timeout=20_000)
    target = int(incidents.model.id_at(2))
    charts.river.sig_incident_clicked.emit(target)  # the widget tests click a real marker
    qtbot.waitUntil(lambda: incidents.detail.incident_id == target, timeout=20_000)

    stations = charts._stations
    assert stations is not None
    other = next(code for code, *_rest in stations.air if code not in charts.air.selected_stations())
    controller.map.sig_station_selected.emit("air", other)
    qtbot.waitUntil(lambda: other in charts.air.selected_stations(), timeout=5_000)
    qtbot.waitUntil(lambda: any(c.code == other for c in charts.air.charts()), timeout=30_000)
