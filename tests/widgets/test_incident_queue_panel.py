"""The queue panel: every filter control, the sort request, selection by the user and by request."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.widgets.incident_fakes import FakeFetcher, Row
from widgets.i18n import set_language
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel
from widgets.incident_rows import QueueFilterData


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    model = IncidentQueueModel(FakeFetcher(immediate=True))
    panel = IncidentQueuePanel(model, current_user="somchai")
    qtbot.addWidget(panel)
    panel.set_districts([("5001", "เมืองเชียงใหม่"), ("5002", "จอมทอง")])
    panel.set_categories([("road", "ถนนชำรุด"), ("flood", "น้ำท่วม")])
    model.set_ids(range(1, 1001), first_rows=[Row(id=i) for i in range(1, 201)])
    panel.resize(900, 500)
    panel.show()
    return panel


def test_presets_emit_filters(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    expected = {
        "mine": QueueFilterData(assignee="somchai"),
        "unassigned": QueueFilterData(unassigned=True),
        "breaching": QueueFilterData(breaching=True),
        "all": QueueFilterData(status=None),
        "closed": QueueFilterData(status=frozenset({"closed"})),
        "open": QueueFilterData(),
    }
    for key, wanted in expected.items():
        with qtbot.waitSignal(panel.sig_filter_changed) as blocker:
            panel.preset.setCurrentIndex(panel.preset.findData(key))
        assert blocker.args == [wanted]


def test_district_category_and_debounced_search(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.sig_filter_changed) as blocker:
        panel.district.setCurrentIndex(panel.district.findData("5002"))
    assert blocker.args[0].district == "5002"
    with qtbot.waitSignal(panel.sig_filter_changed) as blocker:
        panel.category.setCurrentIndex(panel.category.findData("flood"))
    assert blocker.args[0] == QueueFilterData(district="5002", category="flood")
    emitted: list[QueueFilterData] = []
    panel.sig_filter_changed.connect(emitted.append)
    for char in "น้ำท่วม":  # typed one character at a time: one emission after typing stops, not one per key
        panel.search.insert(char)
    qtbot.waitUntil(lambda: len(emitted) == 1)
    assert emitted[0].text == "น้ำท่วม"
    panel.set_categories([("flood", "น้ำท่วม")])  # a new list keeps the choice, silently
    assert panel.category.currentData() == "flood" and len(emitted) == 1


def test_sort_request_from_header(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    header = panel.table.horizontalHeader()
    with qtbot.waitSignal(panel.sig_sort_requested) as blocker:
        header.setSortIndicator(panel.model.COLUMNS.index("priority"), Qt.SortOrder.AscendingOrder)
    assert blocker.args == ["priority", False]
    assert panel.model.row_data(0).id == 1  # the view did not sort anything itself


def test_user_selection_emits_and_requested_selection_does_not(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.sig_incident_selected) as blocker:
        panel.table.selectRow(4)
    assert blocker.args == [5]
    with qtbot.assertNotEmitted(panel.sig_incident_selected):
        assert panel.select_incident(900)
    assert panel.selected_id() == 900
    assert not panel.select_incident(5000)  # filtered out
    assert "1,000" in panel.count_label.text()
