"""The Conflicts panel: lists conflicts, shows base / mine / theirs side by side, asks for each decision, plain text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from tests.widgets.record_fakes import Conflict
from tests.widgets.record_fakes import ConflictField as Field

from widgets import i18n
from widgets.conflicts_panel import BASE_COLUMN, FIELD_COLUMN, MINE_COLUMN, THEIRS_COLUMN, ConflictsPanel






AT = datetime(2026, 3, 1, 5, tzinfo=UTC)
ONE = Conflict(7, 1, "5001", (Field("priority", "P3", "P2", "P1", "changed on both sides"),
                              Field("assignee", None, "ทีม 1", None)), "stale", AT, 4, "น้ำท่วม")
TWO = Conflict(9, 2, None, (Field("workflow_state", "acknowledged", "dispatched", "resolved", "both"),), "409", AT)


@pytest.fixture
def panel(qtbot) -> Iterator[ConflictsPanel]:  # type: ignore[no-untyped-def]
    i18n.set_language("en")
    widget = ConflictsPanel()
    qtbot.addWidget(widget)
    yield widget
    i18n.set_language("th")


def _cells(panel: ConflictsPanel, row: int) -> list[str]:
    return [panel.table.item(row, c).text() for c in (FIELD_COLUMN, BASE_COLUMN, MINE_COLUMN, THEIRS_COLUMN)]


def test_lists_conflicts_and_shows_the_selected_side_by_side(panel: ConflictsPanel) -> None:
    assert not panel.keep_mine_button.isEnabled()
    panel.set_conflicts([ONE, TWO])
    assert panel.list.count() == 2 and panel.selected_outbox_id() == 7
    assert "Open conflicts: 2" == panel.title.text()
    assert _cells(panel, 0) == ["≠ Priority", "P3", "P2", "P1"]
    assert _cells(panel, 1) == ["= Assignee", "—", "ทีม 1", "—"]
    assert panel.table.item(0, MINE_COLUMN).font().bold() and not panel.table.item(1, MINE_COLUMN).font().bold()
    panel.list.setCurrentRow(1)
    assert _cells(panel, 0) == ["≠ State", "acknowledged", "dispatched", "resolved"]
    assert "local 2" in panel.list.item(1).text()
    # A refresh keeps the selection on the same conflict while it is open, and moves on when it is gone.
    panel.set_conflicts([ONE, TWO])
    assert panel.selected_outbox_id() == 9
    panel.set_conflicts([ONE])
    assert panel.selected_outbox_id() == 7
    panel.set_conflicts([])
    assert panel.selected_outbox_id() is None and not panel.edit_button.isEnabled()


def test_each_button_asks_for_its_decision(qtbot, panel: ConflictsPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_conflicts([ONE, TWO])
    with qtbot.waitSignal(panel.sig_keep_mine_requested) as mine:
        panel.keep_mine_button.click()
    assert mine.args == [7]
    panel.list.setCurrentRow(1)
    with qtbot.waitSignal(panel.sig_keep_theirs_requested) as theirs:
        panel.keep_theirs_button.click()
    assert theirs.args == [9]


def test_edit_opens_only_the_conflicting_values(qtbot, panel: ConflictsPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_conflicts([ONE])
    assert not panel.send_edit_button.isVisibleTo(panel)
    panel.edit_button.click()
    assert panel.send_edit_button.isVisibleTo(panel)
    priority, assignee = panel.table.item(0, MINE_COLUMN), panel.table.item(1, MINE_COLUMN)
    assert priority.flags() & priority.flags().ItemIsEditable
    assert not assignee.flags() & assignee.flags().ItemIsEditable
    priority.setText("P1")
    with qtbot.waitSignal(panel.sig_edit_requested) as edit:
        panel.send_edit_button.click()
    assert edit.args == [7, {"priority": "P1"}]
    priority.setText("  ")
    assert panel.edited_values() == {"priority": None}  # an emptied value clears the field


def test_text_is_plain_and_thai_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("th")
    widget = ConflictsPanel()
    qtbot.addWidget(widget)
    hostile = Conflict(3, 4, "<b>x</b>", (Field("description", "<img src=x onerror=alert(1)>", "<i>m</i>", "t",
                                                "r"),), "<script>alert(1)</script>", AT, 1, "<h1>big</h1>")
    widget.set_conflicts([hostile])
    assert widget.keep_mine_button.text() == "ใช้ค่าของฉัน"
    assert widget.reason.textFormat() == widget.reason.textFormat().PlainText
    assert "<script>alert(1)</script>" in widget.reason.text()
    assert _cells(widget, 0)[1] == "<img src=x onerror=alert(1)>"
    i18n.set_language("en")
    widget.retranslate()
    assert widget.keep_theirs_button.text() == "Keep theirs"
    assert widget.table.horizontalHeaderItem(THEIRS_COLUMN).text() == "Theirs"
    i18n.set_language("th")
