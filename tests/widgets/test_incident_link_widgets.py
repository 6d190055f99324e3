"""The link widgets through real Qt: the queue's glyphs and link menu, the detail panel's major-incident view and
link actions, the intake's "add as child", and the non-blocking close-a-major-incident question."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt

from tests.widgets.incident_fakes import Detail, Row
from widgets.close_parent_dialog import CloseParentDialog
from widgets.i18n import set_language
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.incident_queue_links import QueueLinkMenu
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")
    yield
    set_language("th")


@dataclass
class LinkedRow(Row):
    major: bool = False
    children: int = 0
    parent_id: int | None = None


@dataclass
class DetailLink:
    other_id: int
    kind: str
    direction: str = "from"
    other_server_id: str | None = None
    other_state: str | None = "new"


@dataclass
class LinkedDetail(Detail):
    major: bool = False
    links: list = field(default_factory=list)


ROWS = {1: LinkedRow(1, "1001", major=True, children=2), 2: LinkedRow(2, "1002", parent_id=1),
        3: LinkedRow(3, "1003"), 4: LinkedRow(4, "1004")}


def _queue(qtbot):  # type: ignore[no-untyped-def]
    def fetch(ids, done):  # type: ignore[no-untyped-def]
        done([ROWS[i] for i in ids])

    model = IncidentQueueModel(fetch)
    panel = IncidentQueuePanel(model)
    qtbot.addWidget(panel)
    model.set_ids([1, 2, 3, 4], list(ROWS.values()))
    menu = QueueLinkMenu(panel.table)
    return panel, model, menu


def _select(panel: IncidentQueuePanel, current: int, *others: int) -> None:
    from PySide6.QtCore import QItemSelectionModel

    selection = panel.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.clearSelection()
    for row in others:
        selection.select(panel.model.index(row, 0), flags)
    selection.setCurrentIndex(panel.model.index(current, 0), flags)


def _entries(menu) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {a.objectName(): a for a in menu.actions() if a.objectName()}


def test_the_queue_marks_major_incidents_and_their_children(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel, model, _menu = _queue(qtbot)
    assert model.index(0, 0).data() == "1001 ★2"
    assert model.index(1, 0).data() == "1002 ↳"
    assert model.index(2, 0).data() == "1003"
    assert "2 child" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_the_queue_menu_promotes_the_current_row_with_the_others_as_children(qtbot) -> None:  # type: ignore
    panel, _model, menu = _queue(qtbot)
    _select(panel, 2, 3)  # current: 1003; also selected: 1004
    entries = _entries(menu.menu_for_selection())
    assert set(entries) == {"link_promote", "link_merge", "link_relate"}
    with qtbot.waitSignal(menu.sig_link_requested) as asked:
        entries["link_promote"].trigger()  # type: ignore[attr-defined]
    assert asked.args == ["promote", 3, [4]]


def test_the_queue_menu_attaches_to_a_major_incident_and_detaches_its_children(qtbot) -> None:  # type: ignore
    panel, _model, menu = _queue(qtbot)
    _select(panel, 0, 1, 2)  # current: the major incident 1001; also its child 1002 and the free 1003
    entries = _entries(menu.menu_for_selection())
    assert "link_promote" not in entries
    with qtbot.waitSignal(menu.sig_link_requested) as attached:
        entries["link_attach"].trigger()  # type: ignore[attr-defined]
    assert attached.args == ["attach", 1, [3]]  # the child it already has is not attached twice
    with qtbot.waitSignal(menu.sig_link_requested) as detached:
        entries["link_detach"].trigger()  # type: ignore[attr-defined]
    assert detached.args == ["detach", 1, [2]]
    menu.set_enabled(False)  # a viewer
    assert not _entries(menu.menu_for_selection())


def test_the_detail_panel_shows_a_major_incidents_children_and_a_childs_parent(qtbot) -> None:  # type: ignore
    panel = IncidentDetailPanel()
    qtbot.addWidget(panel)
    major = LinkedDetail(1, "1001", major=True, links=[DetailLink(2, "parent", "from", "1002", "dispatched"),
                                                        DetailLink(3, "parent", "from", "1003", "resolved"),
                                                        DetailLink(4, "related", "from", "1004")])
    panel.show_incident(major, {"comment", "detach", "unrelate"})
    assert panel.major_label.text() == "Major incident · 2 children (1 open)"
    assert [panel.links.item(i).text() for i in range(3)] == ["#1002 · child · dispatched",
                                                              "#1003 · child · resolved", "#1004 · related · new"]
    assert not panel.parent_button.isVisibleTo(panel.links_box) and not panel.promote_button.isEnabled()
    panel.links.setCurrentRow(0)
    with qtbot.waitSignal(panel.sig_link_requested) as detach:
        panel.unlink_button.click()
    assert detach.args == ["detach", 1, [2]]
    panel.links.setCurrentRow(2)
    with qtbot.waitSignal(panel.sig_link_requested) as unrelate:
        panel.unlink_button.click()
    assert unrelate.args == ["unrelate", 1, [4]]
    with qtbot.waitSignal(panel.sig_linked_incident_requested) as opened:
        panel.links.itemDoubleClicked.emit(panel.links.item(1))
    assert opened.args == [3]

    child = LinkedDetail(2, "1002", links=[DetailLink(1, "parent", "into", "1001", "new")])
    panel.show_incident(child, {"comment", "detach_self"})
    assert panel.major_label.text() == "Part of major incident #1001"
    assert panel.parent_button.isVisibleTo(panel.links_box)
    with qtbot.waitSignal(panel.sig_linked_incident_requested) as parent:
        panel.parent_button.click()
    assert parent.args == [1]
    panel.links.setCurrentRow(0)
    with qtbot.waitSignal(panel.sig_link_requested) as detach_self:
        panel.unlink_button.click()
    assert detach_self.args == ["detach", 1, [2]]


def test_the_detail_panel_promotes_and_attaches_to_a_typed_major_incident(qtbot) -> None:  # type: ignore
    panel = IncidentDetailPanel()
    qtbot.addWidget(panel)
    panel.show_incident(LinkedDetail(3, "1003"), {"comment", "promote", "attach_to"})
    with qtbot.waitSignal(panel.sig_link_requested) as promote:
        panel.promote_button.click()
    assert promote.args == ["promote", 3, []]
    assert not panel.attach_to_button.isEnabled()  # nothing typed yet
    panel.attach_to.setText("#1001")
    with qtbot.waitSignal(panel.sig_attach_to_requested) as attach:
        panel.attach_to_button.click()
    assert attach.args == [3, "#1001"]
    panel.show_incident(LinkedDetail(3, "1003"), {"comment"})  # a viewer's or a child's set: not offered
    assert not panel.promote_button.isEnabled() and not panel.attach_to.isEnabled()


def test_the_intake_adds_a_report_as_a_child_of_the_selected_duplicate(qtbot) -> None:  # type: ignore
    service = type("Service", (), {"service_code": "forest_fire", "service_name": "Forest fire", "attributes": ()})
    dialog = IncidentIntakeDialog([service()], lat=18.8, lon=98.9)
    qtbot.addWidget(dialog)
    dialog.category.setCurrentIndex(1)
    dialog.description.setPlainText("Smoke on Doi Suthep")
    dialog.set_duplicates([ROWS[1]])
    assert not dialog.child_button.isEnabled()
    dialog.duplicates.selectRow(0)
    qtbot.waitUntil(dialog.child_button.isEnabled)
    with qtbot.waitSignal(dialog.sig_child_requested) as asked:
        dialog.child_button.click()
    assert asked.args[0] == 1 and asked.args[1].description == "Smoke on Doi Suthep"
    assert not dialog.child_button.isEnabled()  # busy until the console answers


@pytest.mark.parametrize(("button", "choice"), [("close_button", "close"), ("leave_button", "leave")])
def test_the_close_question_is_answered_without_blocking(qtbot, button: str, choice: str) -> None:  # type: ignore
    dialog = CloseParentDialog("1001", "close", ["1002", "1003"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.isModal() and "2 open child" in dialog.message.text() and "#1002, #1003" in dialog.message.text()
    with qtbot.waitSignal(dialog.sig_choice_made) as chosen:
        getattr(dialog, button).click()
    assert chosen.args == [choice] and not dialog.isVisible()


def test_cancelling_the_close_question_sends_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = CloseParentDialog("1001", "cancel", ["1002"])
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.assertNotEmitted(dialog.sig_choice_made):
        dialog.cancel_button.click()
    assert not dialog.isVisible()



def test_split_out_names_the_duplicate_from_its_own_panel_and_from_the_keepers(qtbot) -> None:  # type: ignore
    panel = IncidentDetailPanel()
    qtbot.addWidget(panel)
    allowed = frozenset({"split", "comment"})
    # On the duplicate itself, its "merged into" link names the keeper (7): the split is of the duplicate (9).
    panel.show_incident(LinkedDetail(id=9, links=[DetailLink(7, "merged", "into", "1007")]), allowed)
    panel.links.setCurrentRow(0)
    with qtbot.waitSignal(panel.sig_split_requested) as blocker:
        panel.split_button.click()
    assert blocker.args == [9]
    # On the keeper, the selected link names the duplicate to bring back.
    panel.show_incident(LinkedDetail(id=7, links=[DetailLink(9, "merged", "from", "1009"),
                                                  DetailLink(8, "merged", "from", "1008")]), allowed)
    panel.links.setCurrentRow(1)
    with qtbot.waitSignal(panel.sig_split_requested) as blocker:
        panel.split_button.click()
    assert blocker.args == [8]
