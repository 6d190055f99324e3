"""The detail panel: enable rules per allowed set, every signal, the SLA countdown, thumbnails, timeline, plain text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage

from tests.widgets.incident_fakes import HOSTILE, T0, Attachment, Detail, Event, Link
from widgets.i18n import set_language
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_rows import ACTION_ORDER

OPERATOR = frozenset({"acknowledge", "assign", "comment", "forward", "hold", "set_priority", "resolve", "split"})


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def panel(qtbot, clock):  # type: ignore[no-untyped-def]
    panel = IncidentDetailPanel(clock=clock)
    qtbot.addWidget(panel)
    return panel


def png(colour: str = "red") -> bytes:
    image = QImage(20, 10, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def enabled(panel: IncidentDetailPanel) -> set[str]:
    return {a for a, b in panel.buttons.items() if b.isEnabled()}


def test_viewer_sees_no_action_enabled(panel) -> None:  # type: ignore[no-untyped-def]
    panel.show_incident(Detail(id=1, attachments=[Attachment(1, "after_photo", "after.png")],
                               links=[Link(2, "merged")]), frozenset())
    panel.assignee.setText("somchai")
    panel.agency.setText("การประปา")
    panel.comment.setPlainText("x")
    panel.priority.setCurrentText("P1")
    panel.links.setCurrentRow(0)
    assert enabled(panel) == set()
    assert not panel.split_button.isEnabled() and not panel.add_photo_button.isEnabled()
    assert not panel.after_photo_button.isEnabled()
    assert panel.jump_button.isEnabled()  # reading is allowed


def test_only_allowed_actions_with_their_inputs(panel) -> None:  # type: ignore[no-untyped-def]
    panel.show_incident(Detail(id=1, priority="P3"), OPERATOR)
    assert enabled(panel) == {"acknowledge", "hold"}  # the others wait for their input
    panel.assignee.setText("somchai")
    panel.agency.setText("การประปา")
    panel.comment.setPlainText("ตรวจแล้ว")
    panel.priority.setCurrentText("P1")
    assert enabled(panel) == OPERATOR - {"resolve", "split"}
    panel.comment.setPlainText("ก" * 4001)
    assert not panel.buttons["comment"].isEnabled()
    panel.set_allowed_actions(frozenset(ACTION_ORDER))
    assert "close" in enabled(panel) and "reopen" in enabled(panel)
    panel.clear()
    assert enabled(panel) == set() and not panel.jump_button.isEnabled()


def test_resolve_needs_after_photo_and_sends_path(panel, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    panel.show_incident(Detail(id=7, state="on_scene"), {"resolve"})
    assert not panel.buttons["resolve"].isEnabled()
    panel.after_photo_button.click()  # the picker opens without blocking; the user picks a file
    assert panel.file_dialog is not None and panel.file_dialog.isVisible()
    photo = str(tmp_path / "after.png")
    panel.file_dialog.fileSelected.emit(photo)
    assert panel.after_photo_label.text() == "after.png"
    panel.note.setText("ซ่อมเสร็จ")
    with qtbot.waitSignal(panel.sig_action_requested) as blocker:
        panel.buttons["resolve"].click()
    assert blocker.args == [7, "resolve", {"note": "ซ่อมเสร็จ", "after_photo_path": photo}]
    panel.file_dialog.close()
    # Already attached: resolve is enabled, and no path is sent.
    panel.show_incident(Detail(id=8, attachments=[Attachment(3, "after_photo", "a.png")]), {"resolve"})
    with qtbot.waitSignal(panel.sig_action_requested) as blocker:
        panel.buttons["resolve"].click()
    assert blocker.args == [8, "resolve", {"note": "", "after_photo_path": None}]


def test_action_signals_carry_their_params(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.show_incident(Detail(id=3), OPERATOR | {"dispatch"})
    cases = [
        ("assign", lambda: panel.assignee.setText(" somchai "), {"note": "", "assignee": "somchai"}),
        ("forward", lambda: panel.agency.setText("การประปา"), {"note": "", "agency": "การประปา"}),
        ("set_priority", lambda: panel.priority.setCurrentText("P1"), {"note": "", "priority": "P1"}),
        ("dispatch", lambda: panel.note.setText("ทีม 2"), {"note": "ทีม 2"}),
    ]
    for action, prepare, params in cases:
        prepare()
        with qtbot.waitSignal(panel.sig_action_requested) as blocker:
            panel.buttons[action].click()
        assert blocker.args == [3, action, params]
    panel.comment.setPlainText("  ตรวจแล้ว  ")
    with qtbot.waitSignal(panel.sig_comment_requested) as blocker:
        panel.buttons["comment"].click()
    assert blocker.args == [3, "ตรวจแล้ว"] and panel.comment.toPlainText() == ""
    with qtbot.waitSignal(panel.sig_jump_to_map_requested) as blocker:
        panel.jump_button.click()
    assert blocker.args == [3]


def test_attachments_links_split_and_open(panel, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    detail = Detail(id=4, attachments=[Attachment(11, "photo", HOSTILE, thumbnail=png()),
                                       Attachment(12, "file", "report.pdf", thumbnail=None)],
                    links=[Link(20, "related"), Link(21, "merged")])
    panel.show_incident(detail, OPERATOR)
    first = panel.attachments.item(0)
    assert first.text() == HOSTILE and not first.icon().isNull()
    assert first.icon().pixmap(96, 96).toImage().pixelColor(5, 5) == QColor("red")
    assert panel.attachments.item(1).icon().isNull()
    assert "&lt;img" in first.toolTip()
    with qtbot.waitSignal(panel.sig_attachment_open_requested) as blocker:
        panel.attachments.itemDoubleClicked.emit(first)
    assert blocker.args == [11]
    panel.links.setCurrentRow(0)
    assert not panel.split_button.isEnabled()  # only a merged link splits
    panel.links.setCurrentRow(1)
    with qtbot.waitSignal(panel.sig_split_requested) as blocker:
        panel.split_button.click()
    assert blocker.args == [21]
    with qtbot.waitSignal(panel.sig_linked_incident_requested) as blocker:
        panel.links.itemDoubleClicked.emit(panel.links.item(0))
    assert blocker.args == [20]
    panel.add_photo_button.click()
    with qtbot.waitSignal(panel.sig_attachment_requested) as blocker:
        panel.file_dialog.fileSelected.emit(str(tmp_path / "p.jpg"))
    assert blocker.args == [4, "photo", str(tmp_path / "p.jpg")]
    panel.file_dialog.close()


def test_sla_countdown_ticks_and_colours(panel, qtbot, clock) -> None:  # type: ignore[no-untyped-def]
    panel.show_incident(Detail(id=5, expected_at=T0 + timedelta(seconds=90)), OPERATOR)
    assert panel.sla.text() == "เหลือ 1 นาที" and panel.sla.band == "warning"
    assert panel.sla.timer.isActive() and panel.sla.timer.interval() == 1000
    clock.now = T0 + timedelta(minutes=5)
    qtbot.waitUntil(lambda: panel.sla.band == "breached", timeout=2500)  # by the 1 s timer, not by a call
    assert panel.sla.text() == "เกิน 3 นาที" and "rgb(200, 0, 0)" in panel.sla.styleSheet()

    class Sla:
        target_at = T0 + timedelta(hours=2)
        remaining_s = 5400.0
        breached = False
        paused = True

    panel.set_sla(Sla())
    assert panel.sla.band == "paused" and "หยุดนับ" in panel.sla.text()
    assert "rgb(128, 128, 128)" in panel.sla.styleSheet() and not panel.sla.timer.isActive()
    panel.show_incident(Detail(id=5, state="closed"), OPERATOR)
    assert panel.sla.text() == "—" and not panel.sla.timer.isActive()


def test_timeline_fields_and_plain_text(panel) -> None:  # type: ignore[no-untyped-def]
    events = [
        Event(2, "state", "somchai", T0 + timedelta(minutes=5), "new", "acknowledged"),
        Event(1, "created", "hotline", T0),
        Event(3, "comment", HOSTILE, T0 + timedelta(minutes=6), None, "new"),
        Event(4, "assign", "supervisor", T0 + timedelta(minutes=7), {"assignee": None}, {"assignee": "somchai"}),
    ]
    panel.show_incident(Detail(id=6, description=HOSTILE, events=events), frozenset())
    model = panel.timeline_model
    assert [model.index(r, 1).data() for r in range(4)] == ["hotline", "somchai", HOSTILE, "supervisor"]
    assert model.index(1, 0).data() == "25 พ.ย. 2569 14:05:00"  # Bangkok time, BE year
    assert model.index(1, 3).data() == "ใหม่ → รับเรื่องแล้ว"
    assert model.index(2, 3).data() == "new"  # a comment's words are not read as a state
    assert model.index(3, 3).data() == "assignee: — → somchai"
    label = panel.fields["description"]
    assert label.text() == HOSTILE and label.textFormat() == Qt.TextFormat.PlainText
    assert panel.fields["requested_at"].text() == "25 พ.ย. 2569 13:00"
    set_language("en")
    panel.retranslate()
    assert model.index(1, 0).data() == "25 Nov 2026 14:05:00" and panel.buttons["close"].text() == "Close"


def test_correcting_the_description_sends_the_describe_action_only_for_a_real_change(  # type: ignore[no-untyped-def]
        panel, qtbot) -> None:
    panel.show_incident(Detail(id=4, description="ถนนยุบ"), frozenset())
    assert not panel.describe_button.isEnabled()  # a viewer reads only
    panel.show_incident(Detail(id=4, description="ถนนยุบ"), OPERATOR | {"describe"})
    panel.describe_button.click()  # opens without blocking
    dialog = panel.description_dialog
    assert dialog is not None and dialog.isVisible() and dialog.editor.toPlainText() == "ถนนยุบ"
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    dialog.editor.setPlainText("   ")
    assert not dialog.save_button.isEnabled()
    dialog.editor.setPlainText("ก" * 4001)
    assert not dialog.save_button.isEnabled() and dialog.count.text() == "4,001 / 4,000"
    dialog.editor.setPlainText("  ถนนยุบ หน้าโรงเรียน <b>x</b> ")
    with qtbot.waitSignal(panel.sig_action_requested) as blocker:
        dialog.save_button.click()
    assert blocker.args == [4, "describe", {"description": "ถนนยุบ หน้าโรงเรียน <b>x</b>", "note": ""}]
    qtbot.waitUntil(lambda: panel.description_dialog is None)  # closed and gone once saved
