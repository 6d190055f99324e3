"""Alerts on the map and the charts in the real console on the haze-flood demo (issue 13): the alerts the bad night
raises are outlined on the map's alerts layer (the flooding gauge ringed in red, the critical on top) and marked on
the river and PM2.5 charts; a click on the outline, or on a chart's marker, selects that alert in the Alerts dock."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console.test_alerts_console import FIRST_SYNC_MS, _by, haze_flood  # noqa: F401 (the fixture)
from tests.maps.conftest import ask, js

pytestmark = pytest.mark.webengine


def test_haze_flood_alerts_are_outlined_on_the_map_and_a_click_selects_them(  # type: ignore[no-untyped-def]
        qtbot, haze_flood, english) -> None:  # noqa: F811 (the fixture)
    controller, _told = haze_flood
    alerts, window = controller.alerts, controller.window
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: _by(alerts, "river_city_flooding", "P.1") is not None, timeout=60_000)
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    flood = _by(alerts, "river_city_flooding", "P.1")
    view = controller.map.view

    # The layer the console sent holds every open alert with a place; the page draws each.
    def shapes() -> dict[str, Any]:
        return ask(qtbot, view, "state")["alerts"]["shapes"]

    qtbot.waitUntil(lambda: str(flood.id) in shapes(), timeout=20_000)

    def placed_now() -> set[str]:
        return {str(a.id) for a in alerts.alerts()
                if a.state != "cleared" and a.scope_kind != "feed" and a.lat is not None}

    # The haze, at its worst station: the air feed's alert may come a poll after the river's.
    qtbot.waitUntil(lambda: any(a.scope_kind == "province" for a in alerts.alerts() if str(a.id) in placed_now()),
                    timeout=60_000)
    qtbot.waitUntil(lambda: set(shapes()) == placed_now(), timeout=20_000)
    placed = placed_now()
    assert set(controller.map.alert_features()) == placed
    ring = shapes()[str(flood.id)]
    assert ring["shape"] == "ring" and ring["severity"] == "critical" and ring["dash"] is None
    assert ask(qtbot, view, "state")["alerts"]["order"][-1] == str(flood.id)  # the critical on top
    assert ring["tooltip"].startswith("⚠ critical · River at the city-flooding level")
    text = ask(qtbot, view, "dom_text")["controls"]
    assert f"Alerts ({len(placed)})" in text

    # A click on the ring's line selects the alert in the Alerts dock.
    window.dock("incidents").raise_()
    js(qtbot, view, f"ConsoleMap.app.alertShapes.get('{flood.id}').line.fire('click'); return true;")
    qtbot.waitUntil(lambda: (alerts.panel.selected_alert() or flood).id == flood.id
                    and alerts.panel.selected_alert() is not None, timeout=10_000)
    assert not window.dock("alerts").visibleRegion().isEmpty()

    # The charts mark them too: the flood alert on the river chart; a click there selects it as well.
    river = controller.charts.river
    qtbot.waitUntil(lambda: flood.id in [a.id for a in river.alert_markers.alerts()], timeout=10_000)
    assert all(a.kind == "river" for a in river.alert_markers.alerts())
    shown = controller.charts.air.selected_stations()
    assert all(a.kind == "pm25" and (a.scope_kind == "province" or a.scope_key in shown)
               for a in controller.charts.air.alert_markers.alerts())
    haze = next(a for a in alerts.alerts() if a.kind == "pm25")
    alerts.panel.select_alert(haze.id)
    with qtbot.waitSignal(controller.charts.sig_alert_requested, timeout=5_000):
        river.sig_alert_clicked.emit(flood.id)
    qtbot.waitUntil(lambda: alerts.panel.selected_alert() is not None
                    and alerts.panel.selected_alert().id == flood.id, timeout=10_000)

    # Acknowledged, it stays outlined (fainter); the layer changed by a diff, not a new set.
    sets = ask(qtbot, view, "state")["counters"]["sets"]
    alerts.panel.sig_acknowledge.emit(flood.id, "rescue team informed")
    qtbot.waitUntil(lambda: shapes().get(str(flood.id), {}).get("state") == "acknowledged", timeout=30_000)
    assert shapes()[str(flood.id)]["opacity"] < 1
    assert ask(qtbot, view, "state")["counters"]["sets"] == sets
