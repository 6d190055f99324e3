"""The situation strip's chips (glyph + number + words, contrast, clicks, added by key), the offline banner's words
and visibility, and the queue preset a chip opens."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMainWindow

from widgets.i18n import set_language
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel
from widgets.incident_rows import QueueFilterData
from widgets.offline_banner import BACKGROUND, TEXT, OfflineBanner
from widgets.situation_strip import LEVELS, SituationStrip, contrast_ratio


def test_chips_show_glyph_number_and_words_and_keep_their_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = SituationStrip()
    qtbot.addWidget(strip)
    strip.set_chip("p1", None, "unknown", "open P1")
    strip.set_chip("breaches", 0, "calm", "past SLA")
    strip.set_chip("p1", 3, "urgent", "open P1")  # updated in place, not added again
    strip.set_chip("alert:wind", 1, "watch", "R&D wind alert")  # a later source's own chip
    assert strip.keys() == ("p1", "breaches", "alert:wind")
    assert strip.chip("p1").text() == "⚠ 3  open P1"
    assert strip.chip("breaches").text() == "✓ 0  past SLA"
    assert strip.chip("alert:wind").text() == "▲ 1  R&&D wind alert"  # "&" shown as written, not a mnemonic
    strip.set_chip("breaches", 12, "urgent", "past SLA")
    assert strip.chip("breaches").text() == "⚠ 12  past SLA" and strip.chip("breaches").level == "urgent"
    strip.remove_chip("alert:wind")
    assert strip.keys() == ("p1", "breaches")


def test_levels_differ_by_glyph_and_meet_contrast(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert len({level.glyph for level in LEVELS.values()}) == len(LEVELS)  # never colour alone
    for name, level in LEVELS.items():
        assert contrast_ratio(level.text, level.background) >= 4.5, name
    assert contrast_ratio(TEXT, BACKGROUND) >= 4.5
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0


def test_chip_is_painted_in_its_level(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = SituationStrip()
    qtbot.addWidget(strip)
    strip.resize(600, 40)
    strip.show()
    qtbot.waitExposed(strip)
    for level in ("calm", "watch", "urgent"):
        chip = strip.set_chip("p1", 1, level, "open P1")
        image = chip.grab().toImage()
        inside = image.pixelColor(QPoint(4, image.height() // 2))
        assert inside == QColor(LEVELS[level].background), (level, inside.name())


def test_a_click_or_enter_asks_for_the_items(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = SituationStrip()
    qtbot.addWidget(strip)
    strip.set_chip("p1", 2, "urgent", "open P1")
    strip.set_chip("pm25", 0, "calm", "PM2.5")
    strip.show()
    with qtbot.waitSignal(strip.sig_chip_activated) as blocker:
        qtbot.mouseClick(strip.chip("pm25"), Qt.MouseButton.LeftButton)
    assert blocker.args == ["pm25"]
    strip.chip("p1").setFocus()
    with qtbot.waitSignal(strip.sig_chip_activated) as blocker:
        qtbot.keyClick(strip.chip("p1"), Qt.Key.Key_Space)
    assert blocker.args == ["p1"]


def test_offline_banner_says_when_the_data_is_from(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    banner = OfflineBanner(window)
    window.addToolBar(banner)
    window.show()
    assert banner.isHidden()
    when = datetime(2026, 12, 4, 19, 5, tzinfo=UTC)  # 02:05 on 5 Dec in Bangkok
    try:
        set_language("th")
        banner.set_offline(True, when)
        assert banner.isVisible()
        assert "ออฟไลน์" in banner.label.text() and "5 ธ.ค. 2569 02:05" in banner.label.text()
        window.resize(700, 300)  # narrower than the text: one line across, cut at the end, never a tall block
        qtbot.waitUntil(lambda: banner.width() == window.width(), timeout=5_000)
        assert banner.height() < 3 * banner.label.fontMetrics().height()
        assert banner.label.width() > 600 and banner.label.toolTip()
        set_language("en")
        banner.retranslate()
        assert "Offline" in banner.label.text() and "5 Dec 2026 02:05 (Bangkok time)" in banner.label.text()
        banner.set_offline(True, None)
        assert "no data has been received yet" in banner.label.text()
    finally:
        set_language("th")
    banner.set_offline(False)
    assert banner.isHidden() and banner.label.text() == ""
    banner.setVisible(True)  # a restored layout saved while offline
    banner.apply()
    assert banner.isHidden()
    assert not banner.toggleViewAction().isVisible()  # not in the toolbar menu: it goes by itself


def test_the_p1_preset_a_chip_opens(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = IncidentQueueModel(lambda ids, done: done([]))
    panel = IncidentQueuePanel(model, current_user="somchai")
    qtbot.addWidget(panel)
    panel.set_districts([("5001", "เมืองเชียงใหม่")])
    panel.district.setCurrentIndex(1)
    panel.search.setText("ถนน")
    emitted: list[QueueFilterData] = []
    panel.sig_filter_changed.connect(emitted.append)
    panel.show_preset("p1")
    assert emitted == [QueueFilterData(priorities=frozenset({"P1"}))]  # open P1 alone: search and district cleared
    panel.show_preset("breaching")
    assert emitted[-1] == QueueFilterData(breaching=True) and len(emitted) == 2
    with qtbot.assertNotEmitted(panel.sig_filter_changed, wait=400):  # past the search debounce
        pass  # clearing the search box asked for nothing more


def test_a_narrow_strip_wraps_instead_of_widening_the_centre(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = SituationStrip()
    qtbot.addWidget(strip)
    for key in ("p1", "breaches", "bank_full", "flooding", "pm25", "feeds"):
        strip.set_chip(key, 123, "urgent", f"{key} counted here")
    widest = max(strip.chip(k).sizeHint().width() for k in strip.keys())
    assert strip.minimumSizeHint().width() <= widest + 6  # one chip wide at least, never all of them
    one_row = strip.layout().heightForWidth(10_000)
    assert strip.layout().heightForWidth(widest + 6) > 2 * one_row  # a row per chip when that narrow
    strip.resize(widest + 6, strip.layout().heightForWidth(widest + 6))
    strip.show()
    qtbot.waitExposed(strip)
    tops = sorted({strip.chip(k).geometry().top() for k in strip.keys()})
    assert len(tops) == len(strip.keys())
    assert all(strip.rect().contains(strip.chip(k).geometry()) for k in strip.keys())
