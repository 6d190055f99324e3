"""The detail panel's actions: a disabled action says why (the workflow's refusal in the UI language, or the input
still missing), "Cancel incident…" has its own words and asks first, and the common actions have keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from services import workflow
from services.sla import SlaPolicy
from tests.widgets.incident_fakes import T0, Attachment, Detail
from widgets.i18n import set_language, t
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_rows import ACTION_KEYS, action_label, refusal_text, state_label


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    panel = IncidentDetailPanel(clock=lambda: T0)
    qtbot.addWidget(panel)
    return panel


def rules(detail: Detail, role: str) -> tuple[frozenset[str], dict[str, workflow.Refusal]]:
    """What the console hands the panel for ``role``: the allowed set and the refusals, from the real rules."""
    view = workflow.WorkflowView(detail.state, detail.priority, detail.category, detail.requested_at)
    allowed = workflow.allowed_actions(view, role, T0, SlaPolicy())
    return allowed | ({"comment"} if role != "viewer" else set()), workflow.refusals(view, role, T0, SlaPolicy())


def test_the_refusals_are_the_complement_of_the_allowed_actions() -> None:
    policy = SlaPolicy()
    for state in workflow.STATES:
        for priority in ("P1", "P4"):
            for age in (timedelta(minutes=5), timedelta(days=30)):  # within and past the SLA
                view = workflow.WorkflowView(state, priority, "road", T0 - age)
                for role in workflow.ROLES:
                    allowed = workflow.allowed_actions(view, role, T0, policy)
                    refused = workflow.refusals(view, role, T0, policy)
                    assert set(refused) == set(workflow.ACTIONS) - allowed
                    for action, refusal in refused.items():
                        with pytest.raises(workflow.WorkflowError) as error:
                            workflow.check(view, action, role, T0, policy)
                        assert (refusal.code, refusal.message) == (error.value.code, error.value.message)
                        assert refusal.reason in workflow.REFUSAL_REASONS
    merged = workflow.refusals(workflow.WorkflowView("new", "P3", "road", T0), "supervisor", T0, policy, merged=True)
    assert set(merged) == set(workflow.ACTIONS) and {r.reason for r in merged.values()} == {"merged"}


def test_a_disabled_action_says_why_in_the_ui_language(panel) -> None:  # type: ignore[no-untyped-def]
    resolved = Detail(id=1, state="resolved", priority="P1")
    allowed, refusals = rules(resolved, "operator")
    panel.show_incident(resolved, allowed, refusals=refusals)
    close, arrive, cancel = (panel.buttons[a] for a in ("close", "arrive", "cancel"))
    assert not close.isEnabled() and "เฉพาะหัวหน้าเวรปิดเรื่องความเร่งด่วน P1 ได้" in close.toolTip()
    assert not arrive.isEnabled() and "ทำไม่ได้เมื่อสถานะเป็น “แก้ไขแล้ว”: ทำได้เมื่อ ส่งทีมแล้ว" in arrive.toolTip()
    assert "เฉพาะหัวหน้าเวรทำ “ยกเลิกเหตุการณ์” ได้" in cancel.toolTip()
    assert "Ctrl+Shift+O" in arrive.toolTip()  # the key, whether the action is open or not
    set_language("en")
    panel.retranslate()
    assert "Only a supervisor closes a P1 incident" in close.toolTip()
    assert "Not while the incident is “resolved”: only when dispatched" in arrive.toolTip()
    # The input an action still waits for, and the viewer's read-only role, are said too.
    new = Detail(id=2, state="new", assignee="somchai")
    allowed, refusals = rules(new, "operator")
    panel.show_incident(new, allowed, refusals=refusals)
    assert "Type the new assignee first" in panel.buttons["assign"].toolTip()
    panel.assignee.setText("somchai")
    assert "assigned to them already" in panel.buttons["assign"].toolTip()
    panel.assignee.setText("arthit")
    assert panel.buttons["assign"].isEnabled() and "Assign (Ctrl+Shift+G)</p>" in panel.buttons["assign"].toolTip()
    assert "choose one with “After-photo…”" in panel.buttons["resolve"].toolTip()
    assert "Write the comment first" in panel.buttons["comment"].toolTip()
    allowed, refusals = rules(new, "viewer")
    panel.show_incident(Detail(id=3), allowed, refusals=refusals)
    assert all("A viewer reads only" in b.toolTip() for b in panel.buttons.values())


def test_every_refusal_reason_has_words_in_both_languages() -> None:
    policy = SlaPolicy()
    cases = {
        "role": (workflow.WorkflowView("new", "P3", "road", T0), "viewer", "acknowledge"),
        "state": (workflow.WorkflowView("new", "P3", "road", T0), "operator", "arrive"),
        "priority": (workflow.WorkflowView("resolved", "P2", "road", T0), "operator", "close"),
        "breached": (workflow.WorkflowView("resolved", "P4", "road", T0 - timedelta(days=30)), "operator", "close"),
        "reopen": (workflow.WorkflowView("closed", "P4", "road", T0), "operator", "reopen"),
    }
    for reason, (view, role, action) in cases.items():
        refusal = workflow.refusals(view, role, T0, policy)[action]
        assert refusal.reason == reason
        for language in ("th", "en"):
            set_language(language)
            words = refusal_text(refusal)
            assert words and words != refusal.message  # worded for people, not the rules' log text
            assert (any("\u0e00" <= ch <= "\u0e7f" for ch in words)) == (language == "th"), (reason, words)


def test_cancel_incident_has_its_own_words_and_asks_first(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    for language in ("th", "en"):
        set_language(language)
        label = action_label("cancel")
        assert label.rstrip("…") not in (t("ยกเลิก", "Cancel"), "ยกเลิก", "Cancel")
        assert state_label("cancelled") not in ("ยกเลิก", "Cancel")
    set_language("th")
    panel.retranslate()
    panel.show_incident(Detail(id=9, server_id="1042"), {"cancel"})
    emitted: list[list] = []
    panel.sig_action_requested.connect(lambda *args: emitted.append(list(args)))
    panel.note.setText("แจ้งซ้ำ")
    panel.buttons["cancel"].click()
    box = panel.action_bar.cancel_confirmation
    assert isinstance(box, QMessageBox) and box.isVisible() and "#1042" in box.text()
    assert emitted == []  # nothing is done before the answer
    keep = box.findChild(type(panel.buttons["cancel"]), "keepIncident")
    assert box.defaultButton() is keep and box.escapeButton() is keep  # Enter or Escape keeps the incident
    assert keep.text() != box.findChild(type(keep), "confirmCancel").text()
    keep.click()
    qtbot.waitUntil(lambda: panel.action_bar.cancel_confirmation is None)
    assert emitted == [] and panel.note.text() == "แจ้งซ้ำ"
    panel.buttons["cancel"].click()
    box = panel.action_bar.cancel_confirmation
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.action_bar.cancel_confirmation is None)
    assert emitted == []
    panel.buttons["cancel"].click()
    box = panel.action_bar.cancel_confirmation
    box.findChild(type(keep), "confirmCancel").click()
    assert emitted == [[9, "cancel", {"note": "แจ้งซ้ำ"}]] and panel.note.text() == ""
    # Showing another incident withdraws a question still open about this one.
    panel.buttons["cancel"].click()
    panel.show_incident(Detail(id=10), {"cancel"})
    qtbot.waitUntil(lambda: panel.action_bar.cancel_confirmation is None)
    assert len(emitted) == 1


def test_the_common_actions_have_keys(panel, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    keys = panel.action_bar.key_actions
    assert set(keys) == {"acknowledge", "dispatch", "arrive", "resolve", "assign", "comment"}
    assert all(keys[a].shortcut().toString() == ACTION_KEYS[a] for a in keys)
    assert panel.map_action.shortcut().toString() == "Ctrl+M"
    panel.show_incident(Detail(id=5, state="new"), {"acknowledge", "assign", "comment", "resolve"})
    panel.show()
    with qtbot.waitSignal(panel.sig_action_requested) as blocker:
        keys["acknowledge"].trigger()
    assert blocker.args == [5, "acknowledge", {"note": ""}]
    assert not keys["dispatch"].isEnabled()  # not open: its key does nothing, and its menu entry says why
    assert "ทำไม่ได้ในขณะนี้" in keys["dispatch"].toolTip()
    # A key whose action waits for input goes to that input.
    keys["assign"].trigger()
    qtbot.waitUntil(lambda: panel.assignee.hasFocus())
    panel.tabs.setCurrentIndex(0)
    keys["comment"].trigger()
    assert panel.tabs.currentWidget() is panel.timeline_page
    qtbot.waitUntil(lambda: panel.comment.hasFocus())
    panel.comment.setPlainText("ตรวจแล้ว")
    with qtbot.waitSignal(panel.sig_comment_requested) as blocker:
        qtbot.keyClick(panel.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter sends
    assert blocker.args == [5, "ตรวจแล้ว"]
    keys["resolve"].trigger()  # no after-photo yet: the picker opens
    assert panel.file_dialog is not None and panel.file_dialog.isVisible()
    panel.file_dialog.fileSelected.emit(str(tmp_path / "after.png"))
    panel.file_dialog.close()
    with qtbot.waitSignal(panel.sig_action_requested) as blocker:
        keys["resolve"].trigger()
    assert blocker.args[1] == "resolve" and blocker.args[2]["after_photo_path"].endswith("after.png")
    with qtbot.waitSignal(panel.sig_jump_to_map_requested) as blocker:
        panel.map_action.trigger()
    assert blocker.args == [5]


def test_keyboard_reaches_the_first_open_action(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.show_incident(Detail(id=6, state="dispatched",
                               attachments=[Attachment(1, "after_photo", "a.png")]), {"arrive", "resolve"})
    panel.show()
    panel.activateWindow()
    panel.setFocus()  # the dock gives the panel the keyboard (Alt+2): it goes on to the first open action
    qtbot.waitUntil(lambda: panel.buttons["arrive"].hasFocus())
