"""The map's area filter through the real console: drawing on the real map (bridge) filters the queue to what the
map shows; the area is named from the queue's Areas menu, is applied again after a restart, is picked again from
the Map menu, and clearing it clears the map and the queue; a drawing that cannot be an area is taken off the map.

The queue's contents are checked against the store itself, read with sqlite3 and tested point by point."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from PySide6.QtWidgets import QInputDialog

from console.controller import ConsoleController
from services.paths import DataPaths
from tests.support.pnpoly import brute_inside

FIRST_SYNC_MS = 60_000
NAME = "ริมน้ำปิง & old city"


def _page(qtbot, controller: ConsoleController, what: str, **args: Any) -> Any:  # type: ignore[no-untyped-def]
    box: list[Any] = []
    controller.map.view.query(what, box.append, **args)
    qtbot.waitUntil(lambda: bool(box), timeout=15_000)
    return box[0]


def _located(paths: DataPaths) -> dict[int, tuple[float, float, str]]:
    """Every incident the queue may list that has a location: id -> (lon, lat, map feature id)."""
    conn = sqlite3.connect(f"file:{paths.database}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT id, lon, lat, coalesce(server_id, 'local-' || id) FROM incidents "
                            "WHERE merged_into IS NULL AND lat IS NOT NULL AND lon IS NOT NULL").fetchall()
    finally:
        conn.close()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _concave_area(located: dict[int, tuple[float, float, str]]) -> list[list[float]]:
    """A "C" opening east over the middle of where the incidents are: some inside, most not."""
    lons = sorted(p[0] for p in located.values())
    lats = sorted(p[1] for p in located.values())
    w, e = lons[len(lons) // 5], lons[4 * len(lons) // 5]
    s, n = lats[len(lats) // 5], lats[4 * len(lats) // 5]
    dx, dy = (e - w) / 3, (n - s) / 3
    return [[w, s], [e, s], [e, s + dy], [w + dx, s + dy], [w + dx, n - dy], [e, n - dy], [e, n], [w, n]]


def _filtered_as_drawn(qtbot, controller: ConsoleController, paths: DataPaths,  # type: ignore[no-untyped-def]
                       ring: list[list[float]] | None) -> None:
    """Wait until the queue lists exactly the incidents inside ``ring`` (all when None), and the map shows them."""
    model = controller.incidents.model

    def expected() -> dict[int, str]:
        return {i: fid for i, (x, y, fid) in _located(paths).items() if ring is None or brute_inside(x, y, ring)}

    if ring is None:
        qtbot.waitUntil(lambda: set(expected()) <= set(model.ids.tolist()), timeout=20_000)
        return
    qtbot.waitUntil(lambda: sorted(model.ids.tolist()) == sorted(expected()), timeout=20_000)
    wanted = sorted(expected().values())
    qtbot.waitUntil(lambda: sorted(_page(qtbot, controller, "shown", layer="incidents")) == wanted, timeout=20_000)


def _start(qtbot, console_factory, url: str) -> ConsoleController:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready and controller.incidents.model.rowCount() > 0, timeout=60_000)
    queue = controller.incidents.queue
    queue.preset.setCurrentIndex(queue.preset.findData("all"))  # open and closed: what the map's layer holds
    return controller


def _menu_action(controller: ConsoleController, object_name: str, data: str | None = None) -> Any:
    menu = controller.incidents.queue.areas_menu
    assert menu.menuAction() in controller.window.map_menu.actions()  # the same menu is under Map
    return next(a for a in menu.actions() if a.objectName() == object_name and (data is None or a.data() == data))


def _settings_areas(paths: DataPaths) -> dict[str, Any]:
    if not paths.settings_file.exists():
        return {}
    return json.loads(paths.settings_file.read_text(encoding="utf-8")).get("map_areas", {})


def test_drawn_area_filters_the_queue_is_named_kept_across_a_restart_and_cleared(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator, data_paths: DataPaths) -> None:
    controller = _start(qtbot, console_factory, simulator.url)
    located = _located(data_paths)
    assert len(located) > 20
    ring = _concave_area(located)
    inside = [i for i, (x, y, _f) in located.items() if brute_inside(x, y, ring)]
    assert 0 < len(inside) < len(located)

    # Drawn on the real map: the page filters its layer and the queue follows, through the bridge.
    latlngs = json.dumps([[lat, lon] for lon, lat in ring])
    with qtbot.waitSignal(controller.areas.sig_area_applied) as applied:
        controller.map.view.page.runJavaScript(
            f"ConsoleMap.app.map.fire('draw:created', {{layerType: 'polygon', layer: L.polygon({latlngs})}});")
    assert applied.args[0].name is None
    _filtered_as_drawn(qtbot, controller, data_paths, ring)
    queue = controller.incidents.queue
    assert queue.area_label.isVisible() and queue.area_clear.isVisible()
    qtbot.waitUntil(lambda: (_settings_areas(data_paths).get("active") or {}).get("polygon") == ring)

    # Named from the queue's Areas menu.
    _menu_action(controller, "areaSave").trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in queue.findChildren(QInputDialog, "areaNameDialog")))
    dialog = next(d for d in queue.findChildren(QInputDialog, "areaNameDialog") if d.isVisible())
    dialog.setTextValue(NAME)
    dialog.accept()
    assert queue.area_name == NAME and NAME in queue.area_label.text()
    qtbot.waitUntil(lambda: [a["name"] for a in _settings_areas(data_paths).get("saved", [])] == [NAME])
    assert _settings_areas(data_paths)["active"] == {"name": NAME, "polygon": ring}
    assert _page(qtbot, controller, "state")["area_name"] == NAME

    # A drawing that cannot be an area (outside the north) is refused in words and leaves the map.
    with qtbot.waitSignal(controller.areas.sig_area_applied):
        controller.map.view.page.runJavaScript(
            "ConsoleMap.app.map.fire('draw:created', {layerType: 'polygon', "
            "layer: L.polygon([[13.7, 100.4], [13.7, 100.6], [13.9, 100.5]])});")
    said = " ".join(controller.window.activity.recent()[:3])
    assert "Chiang Mai" in said or "เชียงใหม่" in said
    qtbot.waitUntil(lambda: _page(qtbot, controller, "state")["polygon"] == ring)
    assert queue.area_name == NAME

    # Restarted on the same data directory: the named area filters the map and the queue again.
    controller.shutdown()
    controller.window.close()
    controller = _start(qtbot, console_factory, simulator.url)
    queue = controller.incidents.queue
    qtbot.waitUntil(lambda: queue.area_name == NAME, timeout=20_000)
    _filtered_as_drawn(qtbot, controller, data_paths, ring)
    state = _page(qtbot, controller, "state")
    assert state["polygon"] == ring and state["area_name"] == NAME

    # Cleared from the queue: the map and the queue both show everything, and the next start has no area.
    with qtbot.waitSignal(controller.areas.sig_area_applied) as applied:
        queue.area_clear.click()
    assert applied.args == [None] and not queue.area_label.isVisible()
    _filtered_as_drawn(qtbot, controller, data_paths, None)
    qtbot.waitUntil(lambda: _page(qtbot, controller, "state")["polygon"] is None)
    assert _page(qtbot, controller, "state")["layers"]["incidents"]["shown"] >= len(located)
    qtbot.waitUntil(lambda: "active" in _settings_areas(data_paths) and _settings_areas(data_paths)["active"] is None)

    # Picked again from the Map menu: redrawn on the map, with its name, and the queue follows.
    _menu_action(controller, "areaApply", NAME).trigger()
    _filtered_as_drawn(qtbot, controller, data_paths, ring)
    assert _page(qtbot, controller, "state")["area_name"] == NAME

    # Cleared with the map's own delete tool: the queue follows.
    with qtbot.waitSignal(controller.areas.sig_area_applied) as applied:
        controller.map.view.page.runJavaScript("const a = ConsoleMap.app; a.drawn.clearLayers(); "
                                               "a.map.fire('draw:deleted', {layers: L.layerGroup()});")
    assert applied.args == [None] and queue.area_name is None and queue.current_filter().area is None

    # The operator breaks settings.json by hand while the console runs: the area still filters, the file is left as
    # it is, and the status bar says the area could not be kept.
    data_paths.settings_file.write_text('{"language": "th",', encoding="utf-8")
    with qtbot.waitSignal(controller.areas.sig_area_applied):
        controller.map.view.page.runJavaScript(
            f"ConsoleMap.app.map.fire('draw:created', {{layerType: 'polygon', layer: L.polygon({latlngs})}});")
    # Kept among the status bar's recent messages: an SLA escalation said a moment later cannot wipe it.
    qtbot.waitUntil(lambda: any("settings.json" in m for m in controller.window.activity.recent()), timeout=10_000)
    _filtered_as_drawn(qtbot, controller, data_paths, ring)
    assert data_paths.settings_file.read_text(encoding="utf-8") == '{"language": "th",'
