"""The queue for triage: the triage order by default (and back to it after a column sort), P1 with its colour and
glyph, district names in the UI language, and SLA text and counts that fit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from tests.widgets.incident_fakes import T0, FakeFetcher, Row
from widgets.i18n import set_language
from widgets.incident_queue_model import PRIORITY_COLOURS, SLA_COLOURS, IncidentQueueModel
from widgets.incident_queue_panel import TRIAGE_SORT, IncidentQueuePanel


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


ROWS = [Row(id=1, priority="P1", district_code="5001", expected_at=T0 - timedelta(hours=23, minutes=59)),
        Row(id=2, priority="P2", district_code="5011", expected_at=T0 + timedelta(minutes=10)),
        Row(id=3, priority="P3", district_code="9999", expected_at=T0 + timedelta(hours=5))]


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    model = IncidentQueueModel(FakeFetcher(immediate=True), clock=lambda: T0)
    panel = IncidentQueuePanel(model, current_user="somchai")
    qtbot.addWidget(panel)
    panel.set_districts([("5001", "เมืองเชียงใหม่", "Mueang Chiang Mai"), ("5011", "ฝาง", "Fang")])
    model.set_ids([1, 2, 3], first_rows=ROWS)
    panel.resize(886, 300)  # the bottom dock under the map at 1366x768
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_triage_is_the_default_and_comes_back_after_a_column_sort(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    header = panel.table.horizontalHeader()
    assert panel.triage_button.isChecked() and header.sortIndicatorSection() == -1
    with qtbot.waitSignal(panel.sig_sort_requested) as blocker:
        header.setSortIndicator(panel.model.COLUMNS.index("age"), Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["age", True] and not panel.triage_button.isChecked()
    with qtbot.waitSignal(panel.sig_sort_requested) as blocker:
        qtbot.mouseClick(panel.triage_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [TRIAGE_SORT, False]
    assert panel.triage_button.isChecked() and header.sortIndicatorSection() == -1


def test_p1_glyph_and_colour_and_district_names(panel) -> None:  # type: ignore[no-untyped-def]
    model = panel.model
    priority, district, sla = (model.COLUMNS.index(c) for c in ("priority", "district", "sla"))
    assert model.index(0, priority).data() == "▲ P1"
    assert model.index(0, priority).data(Qt.ItemDataRole.BackgroundRole).color() == PRIORITY_COLOURS["P1"]
    assert model.index(1, priority).data() == "P2"
    assert model.index(0, sla).data().startswith("⚠ ")
    assert model.index(0, sla).data(Qt.ItemDataRole.BackgroundRole).color() == SLA_COLOURS["breached"]
    assert SLA_COLOURS["breached"] != PRIORITY_COLOURS["P1"]
    assert model.index(0, district).data() == "เมืองเชียงใหม่"
    assert model.index(1, district).data() == "ฝาง"
    assert model.index(2, district).data() == "9999"  # unknown code: shown as it is
    set_language("en")
    panel.retranslate()
    assert model.index(0, district).data() == "Mueang Chiang Mai"
    assert panel.district.itemText(panel.district.findData("5011")) == "Fang"


@pytest.mark.parametrize("language", ["th", "en"])
def test_sla_text_and_the_count_are_not_clipped(panel, qtbot, language: str) -> None:  # type: ignore[no-untyped-def]
    set_language(language)
    panel.retranslate()
    panel.model.set_ids(range(1, 1_000_001), first_rows=ROWS)  # a seven-digit count
    qtbot.wait(10)
    metrics = panel.table.fontMetrics()
    for name in ("sla", "district", "status", "age", "priority"):
        column = panel.model.COLUMNS.index(name)
        for row in range(3):
            text = panel.model.index(row, column).data()
            assert metrics.horizontalAdvance(text) + 8 <= panel.table.columnWidth(column), (name, text)
    label = panel.count_label
    assert label.text() == ("1,000,000 เรื่อง" if language == "th" else "1,000,000 incidents")
    for width in (886, 760):  # the filters give way, the count does not
        panel.resize(width, 300)
        qtbot.waitUntil(lambda w=width: panel.width() == w)
        panel.layout().activate()
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
        assert label.geometry().right() <= panel.width()
