"""The console window against the real simulator: feed status, overview, offline and failure handling."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from console.controller import ConsoleController
from services.paths import DataPaths
from services.simulator.server import SimulatorServer
from services.store.database import open_store

FIRST_SYNC_MS = 60_000


def test_window_opens_with_every_feed_fresh(qtbot, console_factory) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()  # embedded simulator, as in demo mode
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.window.overview.air_model.rowCount() >= 10, timeout=10_000)
    rows = controller.feed_rows()
    assert len(rows) == 11  # air4thai_history, thaiwater_history, open311_updates and open311_alerts included
    assert all(r.freshness == "fresh" and not r.failing and r.last_error is None for r in rows), rows
    # FIRMS may legitimately report no hotspots, the backend no alerts yet; the other feeds always carry data.
    assert all(r.records_total > 0 for r in rows if not r.feed.startswith("firms_") and r.feed != "open311_alerts")
    window = controller.window
    assert window.feed_status.model.rowCount() == 11
    assert window.connection.state == "online"
    river_codes = {r.code for r in window.overview.river_model.rows()}
    assert {"P.1", "P.67", "P.103", "P.73"} <= river_codes
    # Status column shows freshness text; the source column names the publisher.
    model = window.feed_status.model
    sources = {model.index(i, model.COLUMNS.index("source")).data() for i in range(model.rowCount())}
    assert {"Air4Thai (PCD)", "NASA FIRMS", "ThaiWater (HII)", "Open311"} <= sources


def test_offline_keeps_cached_data_and_recovers(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.window.overview.air_model.rowCount() >= 10, timeout=10_000)
    cached = controller.window.overview.air_model.rows()

    simulator.set_offline(True)
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: controller.window.connection.state == "offline", timeout=60_000)
    rows = controller.feed_rows()
    assert all(r.failing and r.last_error for r in rows)
    assert all(r.last_success_at is not None for r in rows)  # the last success is kept
    assert controller.window.overview.air_model.rows() == cached  # the last good data stays on screen

    simulator.set_offline(False)
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: controller.window.connection.state == "online", timeout=60_000)


def test_malformed_feed_shows_its_error_and_keeps_data(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.window.overview.air_model.rowCount() >= 10, timeout=10_000)
    simulator.faults.add("air4thai", "malformed", variant="html")
    controller.sync_controller.sync_now()

    def air_failing() -> bool:
        row = next(r for r in controller.feed_rows() if r.feed == "air4thai")
        return bool(row.last_error) and "html" in row.last_error.lower()

    qtbot.waitUntil(air_failing, timeout=30_000)
    # The status bar and table follow within one coalesced redraw.
    qtbot.waitUntil(lambda: controller.window.connection.state == "degraded", timeout=5_000)
    model = controller.window.feed_status.model
    error = model.COLUMNS.index("last_error")
    # In words, in the UI language (Thai here), the reason first; what the server sent is in the tooltip.
    qtbot.waitUntil(lambda: str(model.index(0, error).data()).startswith("เซิร์ฟเวอร์ส่งหน้าเว็บมาแทนข้อมูล"),
                    timeout=5_000)
    assert "HTML" in model.index(0, error).data(Qt.ItemDataRole.ToolTipRole)
    assert controller.window.overview.air_model.rowCount() >= 10


def test_newer_store_is_refused_with_a_clear_message(qtbot, console_factory, data_paths: DataPaths,  # type: ignore[no-untyped-def]
                                                     simulator: SimulatorServer) -> None:
    open_store(data_paths.database).close()
    with sqlite3.connect(data_paths.database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sig_fatal, timeout=10_000) as blocker:
        pass
    assert "newer" in blocker.args[0]


def test_language_switch_retranslates(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    from widgets.i18n import set_language

    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    window = controller.window
    try:
        window.change_language("en")
        assert window.windowTitle() == "Chiang Mai PAO Operations Console"
        assert window.feed_status.model.headerData(0, Qt.Orientation.Horizontal) == "Feed"
        assert window.feed_status.sync_button.text() == "Sync now"
        window.change_language("th")
        assert "เชียงใหม่" in window.windowTitle()
    finally:
        set_language("th")


def test_broken_settings_file_is_reported(qtbot, console_factory, data_paths: DataPaths) -> None:  # type: ignore[no-untyped-def]
    data_paths.settings_file.write_text('{"language": "th", "cadences": {"air4thai": "soon"}}', encoding="utf-8")
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sig_fatal, timeout=10_000) as blocker:
        pass
    assert "settings.json" in blocker.args[0]


def test_map_shows_layers_over_tiles(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    view = controller.map.view
    assert view is not None and view.parentWidget() is controller.window.centralWidget()  # under the strip
    controller.map.refresh()  # the layers as of the first sync

    def counts() -> dict:
        answer: dict = {}
        view.query("state", answer.update)
        qtbot.waitUntil(lambda: bool(answer), timeout=10_000)
        return answer

    qtbot.waitUntil(lambda: counts().get("layers", {}).get("incidents", {}).get("count", 0) > 0, timeout=20_000)
    state = counts()
    for layer in ("incidents", "air", "river", "districts"):
        assert state["layers"][layer]["count"] > 0, (layer, state)
    assert view.remote_requests_blocked == 0


def test_save_area_for_offline_fills_the_tile_cache(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    qtbot.waitUntil(lambda: controller.offline_area._tiles is not None, timeout=60_000)
    controller.window.offline_area_action.trigger()
    qtbot.waitUntil(lambda: controller.offline_area.dialog is not None, timeout=10_000)
    dialog = controller.offline_area.dialog
    dialog.province_choice.setChecked(True)  # not the detailed default: a small save for the test
    dialog.zmin_spin.setValue(8)
    dialog.zmax_spin.setValue(9)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=20_000)
    assert "ไทล์" in dialog.estimate_label.text() or "tiles" in dialog.estimate_label.text()
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    from services.tile_cache import tile_of

    tiles = controller.offline_area._tiles
    assert tiles.cache.count() > 0
    simulator.set_offline(True)  # the saved tiles now come from the cache
    x, y = tile_of(98.98, 18.79, 9)  # Mueang Chiang Mai, inside the saved area
    assert tiles.cache.get(9, x, y) is not None
    assert tiles.tile(9, x, y) is not None
    dialog.close()


def test_map_labels_follow_the_console_language(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    from widgets.i18n import set_language

    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    view = controller.map.view

    def controls_text() -> str:
        answer: dict = {}
        view.query("dom_text", answer.update)
        qtbot.waitUntil(lambda: bool(answer), timeout=10_000)
        return " ".join(answer["controls"]) if isinstance(answer["controls"], list) else str(answer["controls"])

    try:
        controller.window.change_language("en")
        qtbot.waitUntil(lambda: "Incidents" in controls_text(), timeout=10_000)
        controller.window.change_language("th")
        qtbot.waitUntil(lambda: "เหตุการณ์" in controls_text() and "Incidents" not in controls_text(),
                        timeout=10_000)
    finally:
        set_language("th")


def test_map_clicks_reach_the_console(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready and controller.window.overview.air_model.rowCount() > 0,
                    timeout=60_000)
    view = controller.map.view
    with qtbot.waitSignal(controller.map.sig_incident_selected, timeout=5_000) as clicked:
        view.sig_feature_clicked.emit("incidents", "1001")
    assert clicked.args == ["1001"]
    view.sig_feature_clicked.emit("air", "35t")
    table = controller.window.overview.air_table
    [row] = table.selectionModel().selectedRows()
    assert controller.window.overview.air_model.rows()[row.row()].code == "35t"
    view.sig_new_incident_requested.emit(18.7877, 98.9933)  # right-click: intake at that spot
    qtbot.waitUntil(lambda: controller.incidents.intake is not None, timeout=10_000)
    assert "เมืองเชียงใหม่" in controller.incidents.intake.district.text()
    controller.incidents.intake.close()
