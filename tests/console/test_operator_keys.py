"""What an operator needs to act, in a real console on the embedded simulator: reporters on synced incidents, the
detail panel's actions in view at 1366×768, Thai category names, and the console worked from the keyboard alone
(menus with mnemonics, Ctrl+F, Alt+N for the docks, Enter on a queue row, the workflow keys, Ctrl+M for the map)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QScrollArea

from console.controller import ConsoleController
from widgets.i18n import set_language
from widgets.incident_queue_model import ID_ROLE, IncidentQueueModel
from widgets.incident_rows import state_label

FIRST_SYNC_MS = 60_000


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


def _started(qtbot, console_factory, size: tuple[int, int] = (1366, 768)) -> ConsoleController:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    controller.window.resize(*size)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.incidents.model.rowCount() > 0, timeout=20_000)
    return controller


def _row_where(controller: ConsoleController, column: str, text: str) -> int:
    model = controller.incidents.model
    col = IncidentQueueModel.COLUMNS.index(column)
    return next(r for r in range(model.rowCount()) if model.index(r, col).data() == text)


def test_synced_incidents_show_their_reporters_and_the_actions_are_in_view(  # type: ignore[no-untyped-def]
        qtbot, console_factory) -> None:
    controller = _started(qtbot, console_factory)
    incidents, window = controller.incidents, controller.window
    sim = controller.simulator
    staff = {r["service_request_id"]: r for r in sim.incidents.query(staff=True)}
    # The hotline callers can be called back: the console read the incidents as staff.
    server_id = next(rid for rid, r in staff.items() if r.get("reporter_name") and r.get("reporter_contact"))
    store_id = None

    def found(value: int | None) -> None:
        nonlocal store_id
        store_id = value

    controller.runner.run_db(controller.store.incident_id_for_server_id, server_id, on_done=found)
    qtbot.waitUntil(lambda: store_id is not None, timeout=10_000)
    incidents.show_incident(store_id)
    detail = incidents.detail
    qtbot.waitUntil(lambda: detail.incident_id == store_id, timeout=10_000)
    name, contact = staff[server_id]["reporter_name"], staff[server_id]["reporter_contact"]
    assert detail.fields["reporter"].text() == f"{name} · {contact}"
    assert contact in detail.summary.text()  # at a glance, above the actions

    # At 1366×768 every action button is on screen in the dock, without scrolling, in Thai and in English.
    dock = window.dock("incidentDetail")
    assert not isinstance(dock.widget(), QScrollArea)  # nothing around the panel to scroll
    for language in ("th", "en"):
        window.change_language(language)
        qtbot.waitUntil(lambda: dock.isVisible() and detail.buttons["acknowledge"].isVisible())
        qtbot.wait(50)  # the retranslated texts laid out
        area = dock.rect()
        for action, button in detail.buttons.items():
            if action == "comment":
                continue  # it sits with the comment box, under the timeline tab
            top_left = button.mapTo(dock, QPoint(0, 0))
            assert button.isVisible(), action
            assert area.contains(top_left) and area.contains(top_left + QPoint(button.width() - 1,
                                                                                button.height() - 1)), action
            assert button.visibleRegion().boundingRect() == button.rect(), action  # not covered, not cut off
        assert detail.tabs.isVisible() and detail.tabs.height() >= 120  # room left for the tabs


def test_categories_in_thai_and_the_console_from_the_keyboard(qtbot, console_factory) -> None:  # type: ignore[no-untyped-def]
    controller = _started(qtbot, console_factory)
    incidents, window, queue = controller.incidents, controller.window, controller.incidents.queue
    # Category names in the UI language, from the backend's Thai/English service list.
    qtbot.waitUntil(lambda: queue.category.count() > 1, timeout=10_000)
    _row_where(controller, "category", "ไฟป่า")
    assert queue.category.itemText(queue.category.findData("forest_fire")) == "ไฟป่า"
    window.change_language("en")
    _row_where(controller, "category", "Forest fire")
    assert queue.category.itemText(queue.category.findData("forest_fire")) == "Forest fire"
    window.change_language("th")

    # Every menu has a mnemonic, in Thai as in English (the same letter).
    letters = {}
    for language in ("en", "th"):
        window.change_language(language)
        titles = [a.text() for a in window.menuBar().actions()]
        assert all("&" in title for title in titles), titles
        letters[language] = [title[title.index("&") + 1].upper() for title in titles]
    assert letters["th"] == letters["en"]

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # Ctrl+F: the search box.
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(queue.search.hasFocus)
    # Alt+1: the queue's table; the arrow keys select, Enter opens the incident ready to act on.
    qtbot.keyClick(queue.search, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(queue.table.hasFocus)
    row = _row_where(controller, "status", state_label("new"))
    queue.table.setCurrentIndex(incidents.model.index(max(row - 1, 0), 0))
    if row > 0:
        qtbot.keyClick(queue.table, Qt.Key.Key_Down)
    wanted = incidents.model.index(row, 0).data(ID_ROLE)
    assert queue.selected_id() == wanted
    qtbot.keyClick(queue.table, Qt.Key.Key_Return)
    detail = incidents.detail
    qtbot.waitUntil(lambda: detail.incident_id == wanted and detail.buttons["acknowledge"].isEnabled(),
                    timeout=10_000)
    qtbot.waitUntil(lambda: isinstance(window.focusWidget(), QPushButton)
                    and window.focusWidget() in detail.buttons.values())
    # Ctrl+M: the incident on the map (the map selects it and pans there).
    with qtbot.waitSignal(incidents.sig_incident_shown, timeout=5_000) as shown:
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert shown.args[0] == (detail._detail.row.server_id or f"local-{wanted}")
    # A workflow key: acknowledge, as the button would.
    with qtbot.waitSignal(incidents.sig_local_edit_saved, timeout=10_000):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_A,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: detail.state.text() == state_label("acknowledged"), timeout=10_000)
    # Alt+2: the detail panel, on its first open action; Alt+0: the map.
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(queue.table.hasFocus)
    qtbot.keyClick(queue.table, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.focusWidget() in detail.buttons.values())
    assert window.focusWidget().isEnabled()
    goto = [a.shortcut().toString() for a in window.findChildren(type(detail.map_action))
            if a.objectName().startswith("goto_")]
    assert {"Alt+0", "Alt+1", "Alt+2", "Alt+3", "Alt+4", "Alt+5", "Alt+6", "Alt+9"} <= set(goto)
