"""Major incidents through the real console, driven by its widgets against its embedded simulator: promoted with a
child from the queue's multi-selection, a child attached to the incident selected on the map, the glyphs in the
queue and the marker data on the map, the parent and children in the detail panel, closing the parent with its open
children after the non-blocking question, and a report added as a child from the intake's duplicate list."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QPushButton

from console.controller import ConsoleController

FIRST_SYNC_MS = 60_000


def _started(qtbot, console_factory) -> ConsoleController:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready and controller.outbox._writer is not None, timeout=60_000)
    return controller


def _open_rows(controller: ConsoleController, n: int) -> list[int]:
    """Queue rows (their positions) of open incidents on the server, not linked to anything."""
    model = controller.incidents.model
    found = []
    for position in range(min(model.rowCount(), 100)):
        row = model.row_data(position)
        if row is not None and row.server_id and row.state in ("new", "acknowledged", "dispatched") \
                and not row.major and row.parent_id is None:
            found.append(position)
        if len(found) == n:
            return found
    raise AssertionError("the simulator's seed has too few open incidents in the queue")


def _queue_text(controller: ConsoleController, server_id: str) -> str:
    model = controller.incidents.model
    return next((model.index(r, 0).data() for r in range(model.rowCount())
                 if (model.row_data(r) is not None and model.row_data(r).server_id == server_id)), "")


def test_promote_attach_show_and_close_a_major_incident(qtbot, console_factory) -> None:  # type: ignore
    controller = _started(qtbot, console_factory)
    incidents, sim = controller.incidents, controller.simulator
    qtbot.waitUntil(lambda: incidents.model.rowCount() > 10, timeout=20_000)
    parent_row, child_row, other_row = _open_rows(controller, 3)
    model = incidents.model
    parent_sid, child_sid, other_sid = (model.row_data(r).server_id for r in (parent_row, child_row, other_row))

    # The queue: select two rows, the parent current, and promote it with the other as its child.
    selection = incidents.queue.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.clearSelection()
    selection.select(model.index(child_row, 0), flags)
    selection.setCurrentIndex(model.index(parent_row, 0), flags)
    menu = incidents.links.queue_menu.menu_for_selection()
    (promote,) = [a for a in menu.actions() if a.objectName() == "link_promote"]
    promote.trigger()
    qtbot.waitUntil(lambda: sim.incidents.get(parent_sid)["child_request_ids"] == [child_sid], timeout=30_000)
    assert sim.incidents.get(parent_sid)["major_incident"] is True
    qtbot.waitUntil(lambda: _queue_text(controller, parent_sid).startswith(f"{parent_sid} ★1"), timeout=20_000)
    assert _queue_text(controller, child_sid).startswith(f"{child_sid} ↳")

    # The map: a click on another incident selects it; the detail panel attaches it to the major incident.
    controller.map.sig_incident_selected.emit(other_sid)
    qtbot.waitUntil(lambda: incidents.detail._detail is not None
                    and incidents.detail._detail.row.server_id == other_sid
                    and incidents.detail.attach_to.isEnabled(), timeout=20_000)
    incidents.detail.attach_to.setText(f"#{parent_sid}")
    incidents.detail.attach_to_button.click()
    qtbot.waitUntil(lambda: sim.incidents.get(parent_sid)["child_request_ids"] == sorted(
        [child_sid, other_sid], key=lambda i: (len(i), i)), timeout=30_000)
    controller.map.refresh(["incidents"])
    qtbot.waitUntil(lambda: controller.map._sent.get("incidents", {}).get(parent_sid, {}).get(
        "properties", {}).get("children") == 2, timeout=20_000)
    sent = controller.map._sent["incidents"]
    assert sent[parent_sid]["properties"]["major"] is True
    assert sent[other_sid]["properties"]["parent"] == parent_sid and sent[other_sid]["properties"]["major"] is False

    # The child shows its parent, and a click opens it with its children.
    qtbot.waitUntil(lambda: incidents.detail.parent_button.isVisibleTo(incidents.detail.links_box), timeout=20_000)
    assert parent_sid in incidents.detail.major_label.text()
    incidents.detail.parent_button.click()
    qtbot.waitUntil(lambda: incidents.detail._detail.row.server_id == parent_sid
                    and len(incidents.detail._detail.child_links) == 2, timeout=20_000)

    # Closing the parent: the console asks, without blocking, and the children close with it on the server.
    incidents.role_combo.setCurrentIndex(incidents.role_combo.findData("supervisor"))
    qtbot.waitUntil(lambda: incidents.detail.buttons["cancel"].isEnabled(), timeout=20_000)
    incidents.detail.buttons["cancel"].click()
    confirm = incidents.detail.action_bar.cancel_confirmation  # "Cancel incident" asks first
    assert confirm is not None and confirm.isVisible()
    confirm.findChild(QPushButton, "confirmCancel").click()
    qtbot.waitUntil(lambda: incidents.links.dialog is not None and incidents.links.dialog.isVisible(),
                    timeout=20_000)
    assert "2 open child" in incidents.links.dialog.message.text() or "2 เรื่อง" in incidents.links.dialog.message.text()
    assert sim.incidents.get(parent_sid)["workflow_state"] != "cancelled"  # nothing done before the answer
    incidents.links.dialog.close_button.click()
    qtbot.waitUntil(lambda: [sim.incidents.get(s)["workflow_state"] for s in (parent_sid, child_sid, other_sid)]
                    == ["cancelled"] * 3, timeout=30_000)
    incidents.show_incident(incidents.detail._detail.row.id)
    qtbot.waitUntil(lambda: any(e.kind == "cancel" and (e.after or {}).get("children") == "close"
                                for e in incidents.detail._detail.events), timeout=20_000)


def test_a_report_is_added_as_a_child_from_the_intakes_duplicates(qtbot, console_factory) -> None:  # type: ignore
    controller = _started(qtbot, console_factory)
    incidents, sim = controller.incidents, controller.simulator

    def intake(text: str):  # type: ignore[no-untyped-def]
        controller.map.view.sig_new_incident_requested.emit(18.8049, 98.9216)  # Doi Suthep road
        qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1,
                        timeout=20_000)
        dialog = incidents.intake
        dialog.category.setCurrentIndex(dialog.category.findData("garbage"))
        dialog.description.setPlainText(text)
        return dialog

    first = intake("ขยะกองใหญ่ริมถนน / A big pile of rubbish by the road")
    qtbot.waitUntil(first.create_button.isEnabled, timeout=10_000)
    first.create_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None and incidents.detail._detail is not None
                    and "big pile" in (incidents.detail._detail.description or ""), timeout=20_000)
    first_id = incidents.detail._detail.row.id

    second = intake("ขยะกองเดิม มีคนแจ้งซ้ำ / The same pile, reported again")
    qtbot.waitUntil(lambda: second.duplicates.rowCount() >= 1, timeout=20_000)
    second.duplicates.selectRow(0)
    qtbot.waitUntil(second.child_button.isEnabled, timeout=10_000)
    second.child_button.click()
    qtbot.waitUntil(lambda: incidents.intake is None, timeout=20_000)

    def server_children() -> list[str]:
        incidents.show_incident(first_id)
        shown = incidents.detail._detail
        if shown is None or shown.row.id != first_id or not shown.row.server_id:
            return []
        return sim.incidents.get(shown.row.server_id)["child_request_ids"]

    qtbot.waitUntil(lambda: len(server_children()) == 1, timeout=40_000)
    (child_sid,) = server_children()
    assert sim.incidents.get(child_sid)["description"].startswith("ขยะกองเดิม")
