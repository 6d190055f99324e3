"""The status bar's message line keeps what it said: a later message does not wipe an unread one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QSizePolicy

from widgets.activity_line import KEPT, ActivityLine
from widgets.i18n import set_language

T0 = datetime(2026, 12, 6, 1, 30, tzinfo=UTC)  # 08:30 in Bangkok


@pytest.fixture(autouse=True)
def thai() -> Iterator[None]:
    set_language("th")
    yield
    set_language("th")


def test_the_newest_message_shows_and_the_earlier_ones_stay_in_the_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = {"t": T0}
    line = ActivityLine(clock=lambda: now["t"])
    qtbot.addWidget(line)
    line.say("The area filter applies, but could not be kept: settings.json <b>broken</b>")
    now["t"] += timedelta(seconds=2)
    line.say("10 incident(s) past their SLA: escalated to the shift supervisor")
    assert line.text() == "10 incident(s) past their SLA: escalated to the shift supervisor"
    assert line.recent() == ["10 incident(s) past their SLA: escalated to the shift supervisor",
                             "The area filter applies, but could not be kept: settings.json <b>broken</b>"]
    tip = line.toolTip()
    assert tip.index("08:30:02") < tip.index("08:30:00")  # newest first, Bangkok time
    assert "2569" in tip  # Buddhist Era in Thai
    assert "&lt;b&gt;broken&lt;/b&gt;" in tip  # hostile text shown as text
    set_language("en")
    line.retranslate()
    assert "6 Dec 2026 08:30:02" in line.toolTip()


def test_a_repeated_message_is_kept_once_and_the_list_is_bounded(qtbot) -> None:  # type: ignore[no-untyped-def]
    line = ActivityLine(clock=lambda: T0)
    qtbot.addWidget(line)
    line.say("Feed air4thai: timed out")
    line.say("Feed air4thai: timed out")
    assert line.recent() == ["Feed air4thai: timed out"]
    for n in range(KEPT + 5):
        line.say(f"message {n}")
    assert len(line.recent()) == KEPT and line.recent()[0] == f"message {KEPT + 4}"


def test_a_message_longer_than_the_line_ends_in_an_ellipsis_and_is_whole_in_the_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    line = ActivityLine(clock=lambda: T0)
    qtbot.addWidget(line)
    line.resize(300, 24)
    line.show()
    qtbot.waitExposed(line)
    message = "ตัวกรองพื้นที่ใช้อยู่ แต่บันทึกไว้สำหรับครั้งหน้าไม่ได้: " * 4
    line.say(message)
    shown = line.shown_text()
    assert shown.endswith("…") and message.startswith(shown[:-1].rstrip())
    assert line.fontMetrics().horizontalAdvance(shown) <= line.contentsRect().width()
    assert line.text() == message and message.strip() in line.toolTip()
    assert line.sizeHint().width() > 300 and line.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored
    line.say("Store: /tmp/pao")
    assert line.shown_text() == "Store: /tmp/pao"
