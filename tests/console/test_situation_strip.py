"""The situation strip and the offline banner in the real console against its embedded simulator (issue 11, sections
2 and 3): the chips count what the store holds (read here with sqlite3, independently of the console's queries),
follow an edit, and lead to the items behind them; the banner comes when the simulator goes offline, says how old
the data is, and goes when it is back."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from console.controller import ConsoleController
from services.paths import DataPaths
from widgets.display_format import format_datetime

FIRST_SYNC_MS = 60_000


def _ids(paths: DataPaths, where: str, *args: object) -> list[int]:
    conn = sqlite3.connect(f"file:{paths.database}?mode=ro", uri=True)
    try:
        return sorted(r[0] for r in conn.execute(f"SELECT id FROM incidents WHERE merged_into IS NULL AND {where}",
                                                 args))
    finally:
        conn.close()


def _open_p1(paths: DataPaths) -> list[int]:
    return _ids(paths, "status = 'open' AND priority = 'P1'")


def _breached(paths: DataPaths) -> list[int]:
    return _ids(paths, "status = 'open' AND expected_at < ? AND sla_paused_since IS NULL AND coalesce(workflow_state, "
                       "'') NOT IN ('resolved', 'closed', 'cancelled')", int(datetime.now(UTC).timestamp()))


def _in_front(controller: ConsoleController, dock: str) -> bool:
    return not controller.window.dock(dock).visibleRegion().isEmpty()


def _click(qtbot, controller: ConsoleController, key: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(controller.window.situation_strip.chip(key), Qt.MouseButton.LeftButton)


def test_chips_count_the_store_follow_an_edit_and_open_their_items(  # type: ignore[no-untyped-def]
        qtbot, console_factory, data_paths: DataPaths, english) -> None:
    # The haze-and-flood night: P.1 above city flooding, PM2.5 24-hour means of 86-125 µg/m³ in the province.
    data_paths.settings_file.write_text(json.dumps({"demo_scenario": "haze-flood"}), encoding="utf-8")
    controller: ConsoleController = console_factory()
    window, strip, incidents = controller.window, controller.window.situation_strip, controller.incidents
    window.resize(1366, 768)
    assert strip.keys() == ("p1", "breaches", "bank_full", "flooding", "pm25", "feeds", "alerts")
    assert strip.chip("p1").level == "unknown" and "–" in strip.chip("p1").text()  # nothing counted yet
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: strip.chip("p1").count == len(_open_p1(data_paths)), timeout=20_000)
    p1 = strip.chip("p1")
    assert p1.level == ("urgent" if p1.count else "calm") and p1.text().startswith("⚠ " if p1.count else "✓ ")
    assert strip.chip("breaches").count == len(_breached(data_paths))
    situation = controller.situation.situation
    assert situation is not None and strip.chip("pm25").count == len(situation.pm25_high) > 0
    assert strip.chip("bank_full").count == len(situation.bank_full) > 0
    assert "P.1" in situation.flooding and strip.chip("flooding").level == "urgent"
    qtbot.waitUntil(lambda: strip.chip("feeds").count == 0, timeout=20_000)

    # An edit: an open P3/P4 incident raised to P1 counts at once (the recount follows the local commit).
    target = _ids(data_paths, "status = 'open' AND priority IN ('P3', 'P4')")[0]
    before = strip.chip("p1").count
    incidents.request_action(target, "set_priority", {"priority": "P1"})
    qtbot.waitUntil(lambda: strip.chip("p1").count == before + 1, timeout=20_000)
    assert target in _open_p1(data_paths) and strip.chip("p1").level == "urgent"

    # The P1 chip opens the queue on the open P1 incidents, brought forward.
    window.dock("feedStatus").raise_()
    _click(qtbot, controller, "p1")
    qtbot.waitUntil(lambda: sorted(incidents.model.ids.tolist()) == _open_p1(data_paths), timeout=20_000)
    assert incidents.queue.preset.currentData() == "p1" and _in_front(controller, "incidents")
    # The breaches chip: the queue on the incidents past their SLA.
    _click(qtbot, controller, "breaches")
    qtbot.waitUntil(lambda: sorted(incidents.model.ids.tolist()) == _breached(data_paths), timeout=20_000)
    assert incidents.queue.preset.currentData() == "breaching"

    # PM2.5 and the gauges: their rows selected in the situation tables, the dock in front.
    window.dock("conflicts").raise_()
    overview = window.overview
    _click(qtbot, controller, "pm25")
    assert _in_front(controller, "overview") and overview.air_table.isVisibleTo(overview)  # its tab in front
    selected = {overview.air_model.rows()[i.row()].code for i in overview.air_table.selectionModel().selectedRows()}
    assert selected == set(situation.pm25_high)
    _click(qtbot, controller, "bank_full")
    selected = {overview.river_model.rows()[i.row()].code
                for i in overview.river_table.selectionModel().selectedRows()}
    assert selected == set(controller.situation.situation.bank_full)
    _click(qtbot, controller, "flooding")
    selected = {overview.river_model.rows()[i.row()].code
                for i in overview.river_table.selectionModel().selectedRows()}
    assert selected == set(controller.situation.situation.flooding)


def test_offline_banner_comes_with_the_outage_and_goes_when_back(  # type: ignore[no-untyped-def]
        qtbot, console_factory, english) -> None:
    controller: ConsoleController = console_factory()
    window, banner = controller.window, controller.window.offline_banner
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: window.connection.state in ("online", "degraded"), timeout=30_000)
    assert banner.isHidden()
    feeds = window.situation_strip.chip("feeds")

    controller.simulator.set_offline(True)  # connection refused, for every feed and every write
    window.sync_now_action.trigger()
    qtbot.waitUntil(lambda: window.connection.state == "offline", timeout=60_000)
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=10_000)
    newest = max(r.last_success_at for r in controller.feed_rows() if r.last_success_at is not None)
    assert banner.data_from == newest
    assert f"showing data from {format_datetime(newest, 'en')} (Bangkok time)" in banner.label.text()
    assert banner.geometry().width() >= window.width() - 2  # across the window
    qtbot.waitUntil(lambda: feeds.count and feeds.level == "watch", timeout=10_000)  # the failing feeds, counted
    window.change_language("th")
    assert "ออฟไลน์" in banner.label.text() and format_datetime(newest, "th") in banner.label.text()
    window.change_language("en")

    controller.simulator.set_offline(False)
    window.sync_now_action.trigger()
    qtbot.waitUntil(lambda: window.connection.state in ("online", "degraded") and banner.isHidden(), timeout=60_000)
    qtbot.waitUntil(lambda: feeds.count == 0 and feeds.level == "calm", timeout=60_000)
