"""The screen stays where the operator put it (issue 11, section 1), in the real console against its embedded
simulator, with the real map page read through its bridge.

The operator opens an incident, scrolls the queue, pans the map and brings the Conflicts tab forward. Then two polls
(F5) and an outbox send land, and another console changes the incident on show: the detail panel shows that change,
and nothing else moved: not the map's centre or zoom, not the tab in front, not the queue's selection or scroll.
A click of the operator's own (in the queue, on the map) still moves them."""

from __future__ import annotations

import json
from typing import Any

import requests
from PySide6.QtCore import Qt

from console.controller import ConsoleController
from services.paths import DataPaths

FIRST_SYNC_MS = 60_000
RIGHT_DOCKS = ("overview", "incidentDetail", "conflicts")
THEIRS = "น้ำลดลงแล้ว ทีมยังเฝ้าระวัง (another console, stay-put test)"
OURS = "ประสานเทศบาลแล้ว (this console, stay-put test)"


def _page(qtbot, controller: ConsoleController, what: str) -> Any:  # type: ignore[no-untyped-def]
    box: list[Any] = []
    controller.map.view.query(what, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=15_000)
    return box[0]


def _js(qtbot, controller: ConsoleController, code: str) -> Any:  # type: ignore[no-untyped-def]
    box: list[Any] = []
    controller.map.view.page.runJavaScript(f"JSON.stringify((function(){{ {code} }})())", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=15_000)
    return json.loads(box[0])


def _view(qtbot, controller: ConsoleController) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """The map's centre (lat, lon, 5 decimals) and zoom, as the page has them."""
    zoom = _page(qtbot, controller, "state")["zoom"]  # through the bridge: earlier messages are all applied
    centre = _js(qtbot, controller, "const c = ConsoleMap.app.map.getCenter(); return [c.lat, c.lng];")
    return round(centre[0], 5), round(centre[1], 5), zoom


def _front(controller: ConsoleController) -> list[str]:
    """The right-hand docks whose tab is in front."""
    return [n for n in RIGHT_DOCKS if not controller.window.dock(n).visibleRegion().isEmpty()]


def _queue_view(controller: ConsoleController) -> tuple[int | None, int | None, int]:
    """(selected incident, incident in the top row, scroll value) of the queue."""
    queue, table = controller.incidents.queue, controller.incidents.queue.table
    return queue.selected_id(), controller.incidents.model.id_at(table.rowAt(0)), table.verticalScrollBar().value()


def _click_row(qtbot, controller: ConsoleController, row: int) -> None:  # type: ignore[no-untyped-def]
    table = controller.incidents.queue.table
    index = controller.incidents.model.index(row, 1)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())


def _start(qtbot, console_factory, data_paths: DataPaths) -> ConsoleController:  # type: ignore[no-untyped-def]
    # Polls come when the test presses F5 (or the short updates cadence), not at random moments.
    data_paths.settings_file.write_text(json.dumps({"cadences": {"open311_requests": 86400,
                                                                 "open311_updates": 86400}}))
    controller: ConsoleController = console_factory()
    controller.window.resize(1366, 768)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready and controller.outbox._writer is not None, timeout=60_000)
    queue = controller.incidents.queue
    with qtbot.waitSignal(controller.incidents.sig_queue_loaded, timeout=20_000):
        queue.preset.setCurrentIndex(queue.preset.findData("all"))  # enough rows to scroll
    return controller


def _f5_lands(qtbot, controller: ConsoleController) -> None:  # type: ignore[no-untyped-def]
    """Press F5 and wait until the incidents poll it started is stored and the queue has reloaded after it."""
    events: list[str] = []
    polled, loaded = (lambda state: events.append(state.feed)), (lambda: events.append("queue loaded"))
    controller.sync_controller.sig_feed_polled.connect(polled)
    controller.incidents.sig_queue_loaded.connect(loaded)
    controller.window.sync_now_action.trigger()
    try:
        qtbot.waitUntil(lambda: "open311_updates" in events and "open311_requests" in events
                        and "queue loaded" in events[events.index("open311_requests"):], timeout=60_000)
    finally:
        controller.sync_controller.sig_feed_polled.disconnect(polled)
        controller.incidents.sig_queue_loaded.disconnect(loaded)


def test_background_refreshes_leave_the_screen_where_the_operator_put_it(  # type: ignore[no-untyped-def]
        qtbot, console_factory, data_paths: DataPaths, english) -> None:
    controller = _start(qtbot, console_factory, data_paths)
    incidents, window, model = controller.incidents, controller.window, controller.incidents.model
    table = incidents.queue.table
    bar = table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() >= 3, timeout=10_000)

    # The operator opens a synced incident from the queue (a click), then scrolls, pans and raises Conflicts.
    row = next(r for r in range(model.rowCount()) if model.row_data(r) is not None and model.row_data(r).server_id
               and model.row_data(r).status == "open" and model.row_data(r).lat is not None)
    with qtbot.waitSignal(incidents.sig_incident_shown, timeout=20_000):
        _click_row(qtbot, controller, row)
    shown = incidents.detail._detail
    rid, incident_id = shown.row.server_id, shown.row.id
    assert _front(controller) == ["incidentDetail"]
    # The click took the map to the incident (the page's select): let that land before the operator pans.
    qtbot.waitUntil(lambda: _page(qtbot, controller, "state")["selected"] == {"layer": "incidents", "id": rid},
                    timeout=10_000)
    bar.setValue(2)
    before_queue = _queue_view(controller)
    assert before_queue[0] == incident_id and before_queue[2] == 2
    window.dock("conflicts").raise_()  # first: the dock area takes the width of the tab in front
    qtbot.waitUntil(lambda: _front(controller) == ["conflicts"], timeout=5_000)
    _js(qtbot, controller, "ConsoleMap.app.map.setView([18.95, 98.80], 11, {animate: false}); return 0;")
    qtbot.waitUntil(lambda: _view(qtbot, controller) == (18.95, 98.8, 11), timeout=10_000)
    before_view = _view(qtbot, controller)
    qtbot.waitUntil(lambda: controller.map.view_bbox is not None and controller.map.view_bbox[1] < 18.95
                    < controller.map.view_bbox[3], timeout=10_000)  # the page told the console (view.changed)
    bbox = controller.map.view_bbox
    size = controller.map.view.size()

    # An outbox send lands: this console's comment on the incident on show.
    with qtbot.waitSignal(controller.outbox.sig_entry_done, timeout=30_000,
                          check_params_cb=lambda kind: kind == "sent"):
        incidents.detail.sig_comment_requested.emit(incident_id, OURS)
    # Another console changes the incident; two polls bring it in.
    sim = controller.simulator
    assert requests.post(f"{sim.url}/open311/v2/requests/{rid}/comments.json", json={"text": THEIRS}, timeout=10,
                         headers={"Authorization": f"Bearer {sim.tokens['operator']}"}).status_code == 201
    _f5_lands(qtbot, controller)
    _f5_lands(qtbot, controller)

    # The detail panel shows the change, in place ...
    qtbot.waitUntil(lambda: any(THEIRS in str(e.after) for e in incidents.detail._detail.events), timeout=20_000)
    assert incidents.detail._detail.row.id == incident_id
    # ... and nothing the operator arranged moved.
    assert controller.map.view.size() == size
    assert _view(qtbot, controller) == before_view
    assert controller.map.view_bbox == bbox
    assert _page(qtbot, controller, "state")["selected"] == {"layer": "incidents", "id": rid}
    assert _front(controller) == ["conflicts"]
    assert _queue_view(controller) == before_queue

    # A list the operator asks for (another order, as a header click asks) starts at its top.
    table.selectionModel().clear()
    assert bar.value() == 2
    with qtbot.waitSignal(incidents.sig_queue_loaded, timeout=20_000):
        incidents.queue.sig_sort_requested.emit("id", False)
    assert bar.value() == 0


def test_the_operators_own_clicks_still_move_the_screen(  # type: ignore[no-untyped-def]
        qtbot, console_factory, data_paths: DataPaths, english) -> None:
    controller = _start(qtbot, console_factory, data_paths)
    incidents, model = controller.incidents, controller.incidents.model
    located = [r for r in range(model.rowCount()) if model.row_data(r) is not None and model.row_data(r).server_id
               and model.row_data(r).lat is not None]
    assert len(located) >= 2
    _js(qtbot, controller, "ConsoleMap.app.map.setView([18.95, 98.80], 10, {animate: false}); return 0;")
    qtbot.waitUntil(lambda: _view(qtbot, controller) == (18.95, 98.8, 10), timeout=10_000)
    controller.window.dock("conflicts").raise_()
    qtbot.waitUntil(lambda: _front(controller) == ["conflicts"], timeout=5_000)

    # A click in the queue: the detail comes forward and the map goes to the incident.
    first = model.row_data(located[0])
    with qtbot.waitSignal(incidents.sig_incident_shown, timeout=20_000):
        _click_row(qtbot, controller, located[0])
    assert _front(controller) == ["incidentDetail"]
    qtbot.waitUntil(lambda: _page(qtbot, controller, "state")["selected"] == {"layer": "incidents",
                                                                              "id": first.server_id}, timeout=10_000)

    def at(row: Any) -> bool:  # the map went to the incident: moved, not zoomed out, the incident in view
        moved = _view(qtbot, controller) != (18.95, 98.8, 10) and _view(qtbot, controller)[2] >= 10
        return moved and _js(qtbot, controller, f"return ConsoleMap.app.map.getBounds().contains([{row.lat}, "
                                                f"{row.lon}]);")

    qtbot.waitUntil(lambda: at(first), timeout=10_000)

    # A click on the map (the page's message for it): the queue selects and shows that row.
    second = model.row_data(located[-1])
    _js(qtbot, controller, "ConsoleMap.app.map.setView([18.95, 98.80], 10, {animate: false}); return 0;")
    qtbot.waitUntil(lambda: _view(qtbot, controller) == (18.95, 98.8, 10), timeout=10_000)
    controller.window.dock("conflicts").raise_()
    with qtbot.waitSignal(incidents.sig_incident_shown, timeout=20_000):
        _js(qtbot, controller, "ConsoleMap.app.post({type: 'feature.clicked', layer: 'incidents', "
                               f"id: {json.dumps(second.server_id)}}}); return 0;")
    assert incidents.queue.selected_id() == second.id
    assert incidents.detail._detail.row.id == second.id and _front(controller) == ["incidentDetail"]
    qtbot.waitUntil(lambda: _page(qtbot, controller, "state")["selected"] == {"layer": "incidents",
                                                                              "id": second.server_id}, timeout=10_000)
    qtbot.waitUntil(lambda: at(second), timeout=10_000)
