"""Alerts in the real console on the haze-flood demo (issue 13): the rules raise their alerts once each after the
sync, the critical one sounds once, the strip counts what waits for acknowledging, an operator acknowledges one with a
comment, a viewer cannot, and "Open incident" takes in an incident from an alert (the form filled from it) or adds the
alert to the open incident of its area and category, linked both ways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.controller import ConsoleController
from console.main_window import MainWindow
from services.paths import DataPaths

FIRST_SYNC_MS = 90_000


@pytest.fixture
def haze_flood(qtbot, data_paths: DataPaths) -> Iterator[tuple[ConsoleController, list]]:  # type: ignore[no-untyped-def]
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.restore_layout()
    window.show()
    qtbot.waitExposed(window)
    controller = ConsoleController(window, data_paths, scenario="haze-flood")
    told: list[tuple[str, str]] = []
    controller.alerts.notifier.sig_told.connect(lambda title, text: told.append((title, text)))
    controller.start()
    yield controller, told
    controller.shutdown(timeout=15)
    window.close()


def _by(alerts, rule_id: str, scope_key: str):  # type: ignore[no-untyped-def]
    return next((a for a in alerts.alerts() if a.rule_id == rule_id and a.scope_key == scope_key), None)


def test_the_bad_night_raises_its_alerts_once_and_operators_handle_them(  # type: ignore[no-untyped-def]
        qtbot, haze_flood, english) -> None:
    controller, told = haze_flood
    alerts, incidents, window = controller.alerts, controller.incidents, controller.window
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: _by(alerts, "river_city_flooding", "P.1") is not None, timeout=60_000)
    qtbot.waitUntil(lambda: any(a.kind == "pm25" for a in alerts.alerts()), timeout=30_000)

    # Once each: one alert per rule and scope; the one critical alert sounded once.
    listed = alerts.alerts()
    assert len({(a.rule_id, a.scope_key) for a in listed}) == len(listed)
    assert [a.scope_key for a in listed if a.severity == "critical"] == ["P.1"]
    qtbot.waitUntil(lambda: len(told) == 1, timeout=10_000)
    assert "River at the city-flooding level" in told[0][0]
    assert {"P.1", "P.103"} <= {a.scope_key for a in listed if a.rule_id == "river_bank_full"}

    # Another sync evaluates again. History still arriving may raise the alerts it shows (each for a rule and place
    # that has none yet); once it is in, a sync raises nothing and nothing sounds again.
    with qtbot.waitSignal(alerts.sig_evaluated, timeout=60_000):
        controller.sync_controller.sync_now()
    with qtbot.waitSignal(alerts.sig_evaluated, timeout=60_000) as evaluated:
        controller.sync_controller.sync_now()
    assert not evaluated.args[0].raised and not evaluated.args[0].reopened
    assert len(told) == 1
    listed = alerts.alerts()
    assert len({(a.rule_id, a.scope_key) for a in listed if a.state != "cleared"}) == sum(
        a.state != "cleared" for a in listed)

    # The strip counts the alerts nobody has acknowledged, urgent while a critical one is open.
    chip = window.situation_strip.chip("alerts")
    qtbot.waitUntil(lambda: chip.count == sum(a.state == "open" for a in alerts.alerts()), timeout=10_000)

    # An operator acknowledges the flood alert with a comment; the strip counts one fewer.
    flood = _by(alerts, "river_city_flooding", "P.1")
    before = chip.count
    alerts.panel.sig_acknowledge.emit(flood.id, "  ทีมกู้ภัยรับทราบแล้ว / rescue team informed  ")
    qtbot.waitUntil(lambda: _by(alerts, "river_city_flooding", "P.1").state == "acknowledged", timeout=20_000)
    acked = _by(alerts, "river_city_flooding", "P.1")
    assert acked.ack_comment == "ทีมกู้ภัยรับทราบแล้ว / rescue team informed"
    assert "operator" in acked.acknowledged_by
    qtbot.waitUntil(lambda: chip.count == before - 1, timeout=10_000)

    # A viewer: the buttons are off, and the store refuses what gets through anyway.
    incidents.role_combo.setCurrentIndex(incidents.role_combo.findData("viewer"))
    # The haze is one alert for the province, placed at its worst station.
    [haze] = [a for a in alerts.alerts() if a.kind == "pm25"]
    assert (haze.scope_kind, haze.state) == ("province", "open") and haze.lat is not None
    alerts.panel.select_alert(haze.id)
    assert not alerts.panel.ack_button.isEnabled()
    with qtbot.waitSignal(alerts.sig_notice, timeout=20_000) as notice:
        alerts.panel.sig_acknowledge.emit(haze.id, "viewer tries")
    assert "Not done" in notice.args[0]
    assert next(a for a in alerts.alerts() if a.id == haze.id).state == "open"
    incidents.role_combo.setCurrentIndex(incidents.role_combo.findData("operator"))

    # "Open incident" on a haze alert: the intake form comes filled from it (smoke, P2, the alert's words, sensor);
    # saving it links the two both ways.
    alerts.panel.sig_open_incident.emit(haze.id)
    qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1, timeout=20_000)
    dialog = incidents.intake
    assert dialog.category.currentData() == "smoke" and dialog.priority.currentData() == "P2"
    assert haze.message_en in dialog.description.toPlainText()
    assert dialog.source.currentData() == "sensor"
    qtbot.waitUntil(dialog.create_button.isEnabled, timeout=10_000)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: next(a for a in alerts.alerts() if a.id == haze.id).incident_id is not None,
                    timeout=30_000)
    incident_id = next(a for a in alerts.alerts() if a.id == haze.id).incident_id
    qtbot.waitUntil(lambda: incidents.detail._detail is not None and incidents.detail._detail.row.id == incident_id,
                    timeout=20_000)
    detail = incidents.detail._detail
    assert detail.row.category == "smoke" and detail.row.priority == "P2" and detail.row.source == "sensor"
    said = f"Alert: {haze.rule_name_th} · {haze.scope_name_th}"  # named by its words: its id is this console's
    assert any(e.kind == "comment" and said in str(e.after) for e in detail.events)

    # The fire by Doi Suthep updates the forest-fire incident already open there (a citizen's report of it) instead of
    # opening a second one.
    suthep = _by(alerts, "fire_near_landmarks", "doi_suthep")
    assert suthep is not None and suthep.incident_id is None
    alerts.panel.sig_open_incident.emit(suthep.id)
    qtbot.waitUntil(lambda: _by(alerts, "fire_near_landmarks", "doi_suthep").incident_id is not None, timeout=30_000)
    assert incidents.intake is None
    fire_id = _by(alerts, "fire_near_landmarks", "doi_suthep").incident_id
    said = f"Alert: {suthep.rule_name_th} · {suthep.scope_name_th}"
    qtbot.waitUntil(lambda: incidents.detail._detail is not None and incidents.detail._detail.row.id == fire_id
                    and any(e.kind == "comment" and said in str(e.after)
                            for e in incidents.detail._detail.events), timeout=20_000)
    fire = incidents.detail._detail.row
    assert fire.category == "forest_fire" and "Doi Suthep" in fire.description and fire.source == "citizen_app"

    # A click on the strip's chip shows the alerts waiting for acknowledging)
    window.situation_strip.sig_chip_activated.emit("alerts")
    assert alerts.panel.model.filter == "unacked" and not window.dock("alerts").visibleRegion().isEmpty()


def test_a_supervisor_changes_the_rules_and_they_apply(  # type: ignore[no-untyped-def]
        qtbot, console_factory, english, data_paths) -> None:
    controller: ConsoleController = console_factory()
    alerts, incidents = controller.alerts, controller.incidents
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: alerts._rules is not None, timeout=30_000)

    # An operator reads the rules; only a supervisor saves them.
    alerts.rules_action.trigger()
    qtbot.waitUntil(lambda: alerts.rules_dialog is not None, timeout=10_000)
    assert not alerts.rules_dialog.save_button.isEnabled()
    alerts.rules_dialog.close()
    qtbot.waitUntil(lambda: alerts.rules_dialog is None, timeout=10_000)
    incidents.role_combo.setCurrentIndex(incidents.role_combo.findData("supervisor"))
    alerts.rules_action.trigger()
    qtbot.waitUntil(lambda: alerts.rules_dialog is not None, timeout=10_000)
    dialog = alerts.rules_dialog
    dialog.select_rule("pm25_unhealthy")

    # A clearing level above the raising one breaks the hysteresis: refused, named, nothing written.
    dialog.fields["clear_below"].setValue(90.0)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "pm25_unhealthy" in dialog.error.text(), timeout=10_000)
    assert not data_paths.alert_rules.exists() and dialog.isVisible()

    dialog.fields["clear_below"].setValue(40.0)
    dialog.fields["above"].setValue(150.0)
    with qtbot.waitSignal(alerts.sig_evaluated, timeout=30_000):  # the saved rules are read again and evaluated
        dialog.save_button.click()
    qtbot.waitUntil(lambda: alerts.rules_dialog is None, timeout=10_000)
    assert alerts._rules.rule("pm25_unhealthy").above == 150.0
    assert '"above": 150.0' in data_paths.alert_rules.read_text(encoding="utf-8")
