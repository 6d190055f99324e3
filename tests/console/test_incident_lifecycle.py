"""An incident's whole life through the console, UI driven: intake from the map (with duplicates shown), assign,
dispatch, arrive, resolve with an after-photo, a supervisor closes it — on the timeline, the server and the map."""

from __future__ import annotations

from pathlib import Path

import requests
from PIL import Image

from console.controller import ConsoleController

FIRST_SYNC_MS = 60_000


def _click_action(qtbot, controller: ConsoleController, action: str) -> None:  # type: ignore[no-untyped-def]
    detail = controller.incidents.detail
    qtbot.waitUntil(lambda: detail.buttons[action].isEnabled(), timeout=20_000)
    before = controller.incidents.detail._detail
    detail.buttons[action].click()
    # The detail panel reloads with the new state once the local edit is committed.
    qtbot.waitUntil(lambda: detail._detail is not before and detail._detail.row.state != before.row.state
                    if action not in ("assign", "set_priority") else detail._detail is not before, timeout=20_000)


def _server_record(controller: ConsoleController, server_id: str) -> dict:
    sim = controller.simulator
    token = sim.tokens["supervisor"]
    r = requests.get(f"{sim.url}/open311/v2/requests/{server_id}.json",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)
    r.raise_for_status()
    return r.json()[0]


def test_full_lifecycle_from_the_map(qtbot, console_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()  # embedded simulator: the authority for incidents
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready and controller.outbox._writer is not None, timeout=60_000)
    incidents = controller.incidents

    # Intake from a right-click at Tha Phae Gate.
    controller.map.view.sig_new_incident_requested.emit(18.7877, 98.9933)
    qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1, timeout=20_000)
    dialog = incidents.intake
    assert "เมืองเชียงใหม่" in dialog.district.text()
    dialog.category.setCurrentIndex(dialog.category.findData("flooding"))
    dialog.priority.setCurrentIndex(dialog.priority.findData("P1"))
    dialog.description.setPlainText("น้ำท่วมขังหน้าประตูท่าแพ สูงประมาณ 30 ซม. / Flooding at Tha Phae Gate")
    dialog.reporter_name.setText("สมชาย ใจดี")
    dialog.reporter_contact.setText("081-234-5678")
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=10_000)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None, timeout=20_000)

    # It is shown, queued locally, then the outbox sends it and it gets the server's id.
    qtbot.waitUntil(lambda: incidents.detail._detail is not None
                    and "Tha Phae" in (incidents.detail._detail.description or ""), timeout=20_000)
    incident_id = incidents.detail._detail.row.id
    qtbot.waitUntil(lambda: (incidents.show_incident(incident_id) or True)
                    and incidents.detail._detail.row.server_id is not None, timeout=30_000)
    server_id = incidents.detail._detail.row.server_id
    assert _server_record(controller, server_id)["workflow_state"] == "new"

    # The operator works it.
    _click_action(qtbot, controller, "acknowledge")
    incidents.detail.assignee.setText("ทีมกู้ภัย 1 / Rescue team 1")
    _click_action(qtbot, controller, "assign")
    _click_action(qtbot, controller, "dispatch")
    _click_action(qtbot, controller, "arrive")
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (320, 240), (30, 140, 60)).save(photo)
    incidents.detail.set_after_photo_path(str(photo))
    _click_action(qtbot, controller, "resolve")
    detail = incidents.detail._detail
    assert any(a.kind == "after_photo" and a.thumbnail for a in detail.attachments)

    # An operator may not close a resolved P1; a supervisor can.
    if detail.row.priority in ("P1", "P2"):
        assert not incidents.detail.buttons["close"].isEnabled()
    incidents.role_combo.setCurrentIndex(incidents.role_combo.findData("supervisor"))
    _click_action(qtbot, controller, "close")

    # Everything reached the server, in order, and the timeline shows every step with who did it.
    qtbot.waitUntil(lambda: _server_record(controller, server_id)["workflow_state"] == "closed", timeout=30_000)
    record = _server_record(controller, server_id)
    assert record["status"] == "closed" and record["assignee"] == "ทีมกู้ภัย 1 / Rescue team 1"
    kinds = [e.kind for e in incidents.detail._detail.events]
    for step in ("created", "acknowledge", "assign", "dispatch", "arrive", "resolve", "close"):
        assert step in kinds, (step, kinds)
    assert any("supervisor" in (e.actor or "") for e in incidents.detail._detail.events if e.kind == "close")

    # The map has it, by its server id, in its closed colour, once the layers refresh.
    controller.map.refresh()
    # A refresh already running when this one was asked sends the older state first: wait for the closed one.
    qtbot.waitUntil(lambda: controller.map._sent.get("incidents", {}).get(server_id, {}).get(
        "properties", {}).get("state") == "closed", timeout=20_000)
    feature = controller.map._sent["incidents"][server_id]
    assert feature["properties"]["state"] == "closed" and feature["properties"]["priority"] == "P1"
    answer: dict = {}

    def map_count() -> int:
        answer.clear()
        controller.map.view.query("state", answer.update)
        qtbot.waitUntil(lambda: bool(answer), timeout=10_000)
        return answer["layers"]["incidents"]["count"]

    qtbot.waitUntil(lambda: map_count() > 0, timeout=20_000)


def _intake(qtbot, controller: ConsoleController, text: str):  # type: ignore[no-untyped-def]
    incidents = controller.incidents
    controller.map.view.sig_new_incident_requested.emit(18.7855, 98.9997)  # Night Bazaar
    qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1, timeout=20_000)
    dialog = incidents.intake
    dialog.category.setCurrentIndex(dialog.category.findData("garbage"))
    dialog.priority.setCurrentIndex(dialog.priority.findData("P3"))
    dialog.description.setPlainText(text)
    dialog.reporter_name.setText(text[:10])
    return dialog


def test_intake_shows_duplicates_and_merges_then_splits(qtbot, console_factory) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    incidents = controller.incidents

    first = _intake(qtbot, controller, "ขยะล้นถังหน้าไนท์บาซาร์ / Overflowing bins at the Night Bazaar")
    qtbot.waitUntil(lambda: first.create_button.isEnabled(), timeout=10_000)
    first.create_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None and incidents.detail._detail is not None
                    and "Night Bazaar" in (incidents.detail._detail.description or ""), timeout=20_000)
    kept_id = incidents.detail._detail.row.id

    second = _intake(qtbot, controller, "ขยะส่งกลิ่นเหม็น ไนท์บาซาร์ / Rubbish smell, Night Bazaar (walk-in)")
    qtbot.waitUntil(lambda: second.duplicates.rowCount() >= 1, timeout=20_000)  # the first one, a few metres away
    second.duplicates.selectRow(0)
    qtbot.waitUntil(lambda: second.merge_button.isEnabled(), timeout=10_000)
    second.merge_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None, timeout=20_000)

    incidents.show_incident(kept_id)
    qtbot.waitUntil(lambda: incidents.detail._detail is not None and incidents.detail._detail.row.id == kept_id
                    and any(link.kind == "merged" for link in incidents.detail._detail.links), timeout=20_000)
    detail = incidents.detail._detail
    assert len(detail.reporters) >= 2  # every reporter is kept
    incidents.detail.links.setCurrentRow(0)
    qtbot.waitUntil(lambda: incidents.detail.split_button.isEnabled(), timeout=10_000)
    incidents.detail.split_button.click()

    def split_back() -> bool:
        shown = incidents.detail._detail
        return shown is not None and shown.row.id == kept_id and not any(l.kind == "merged" for l in shown.links)

    qtbot.waitUntil(lambda: (incidents.show_incident(kept_id) or True) and split_back(), timeout=20_000)
    kinds = [e.kind for e in incidents.detail._detail.events]
    assert "merge" in " ".join(kinds) and "split" in " ".join(kinds), kinds


def test_breached_incidents_are_escalated_on_start(qtbot, console_factory) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    # The simulator's seed has P1 incidents already past their SLA; the check after each queue load escalates them.
    controller.incidents._escalate()
    qtbot.waitUntil(lambda: any("shift supervisor" in m or "หัวหน้าเวร" in m
                                for m in controller.window.activity.recent()), timeout=20_000)
