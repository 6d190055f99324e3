"""Thai names and one wording per state: a category and its questions in the UI language (the backend names them
in both), and each workflow state worded the same in the detail panel, the queue, the timeline, the conflicts, the
links and the intake's duplicates — never as an action's button nor as a dialog's "Cancel"."""

from __future__ import annotations

import pytest

from services import workflow
from services.feeds.open311 import parse_services
from tests.widgets.incident_fakes import T0, Detail, Event, FakeFetcher, Row
from tests.widgets.record_fakes import Conflict
from tests.widgets.record_fakes import ConflictField as Field
from widgets.conflicts_panel import MINE_COLUMN, ConflictsPanel
from widgets.i18n import set_language
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_rows import (
    action_label,
    category_label,
    in_language,
    link_text,
    set_category_names,
    state_label,
    state_words,
)
from widgets.incident_timeline import IncidentTimelineModel


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    set_category_names(())
    yield
    set_language("th")
    set_category_names(())


@pytest.mark.parametrize("text, th, en", [
    ("น้ำท่วม (Flooding)", "น้ำท่วม", "Flooding"),
    ("How deep is the water? / ระดับน้ำลึกประมาณ", "ระดับน้ำลึกประมาณ", "How deep is the water?"),
    ("Small (< 1 rai) / เล็ก", "เล็ก", "Small (< 1 rai)"),
    ("ไฟฟ้า/ไฟถนน (Electricity and streetlights)", "ไฟฟ้า/ไฟถนน", "Electricity and streetlights"),
    ("Approximate depth", "Approximate depth", "Approximate depth"),  # one language only: as it is
    ("ถนน (สายหลัก)", "ถนน (สายหลัก)", "ถนน (สายหลัก)"),  # both halves Thai: not a translation
    ("A / B / ค", "A / B / ค", "A / B / ค"),
])
def test_a_text_written_in_both_languages_shows_the_ui_languages_half(text: str, th: str, en: str) -> None:
    assert in_language(text) == th
    set_language("en")
    assert in_language(text) == en


def test_categories_are_named_from_the_service_list_in_the_ui_language(qtbot) -> None:  # type: ignore[no-untyped-def]
    # Our backend names each category in both languages (service_name_th / _en); the parser keeps both.
    services = parse_services(b'[{"service_code": "flooding", "service_name": "Flooding", '
                              b'"service_name_th": "\\u0e19\\u0e49\\u0e33\\u0e17\\u0e48\\u0e27\\u0e21", '
                              b'"service_name_en": "Flooding"}, {"service_code": "road", "service_name": "Road"}]')
    assert [s.service_name for s in services.records] == ["น้ำท่วม (Flooding)", "Road"]
    set_category_names(services.records)
    # An incident's own service_name is whatever the backend wrote on the request (English here).
    assert category_label("flooding", "Flooding") == "น้ำท่วม"
    assert category_label("road", "Road") == "Road" and category_label("unknown", None) == "unknown"
    model = IncidentQueueModel(FakeFetcher(immediate=True))
    model.set_ids([1], first_rows=[Row(id=1, category="flooding", service_name="Flooding")])
    column = IncidentQueueModel.COLUMNS.index("category")
    assert model.index(0, column).data() == "น้ำท่วม"
    set_language("en")
    assert model.index(0, column).data() == "Flooding"


def test_the_detail_title_names_the_category_in_the_ui_language(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_category_names([("flooding", "น้ำท่วม (Flooding)")])
    panel = IncidentDetailPanel(clock=lambda: T0)
    qtbot.addWidget(panel)
    panel.show_incident(Detail(id=3, server_id="1003", category="flooding", service_name="Flooding"), ())
    assert panel.title.text() == "#1003  น้ำท่วม" and panel.fields["category"].text() == "น้ำท่วม"
    set_language("en")
    panel.retranslate()
    assert panel.title.text() == "#1003  Flooding"


def test_each_state_has_one_word_everywhere(qtbot) -> None:  # type: ignore[no-untyped-def]
    for language in ("th", "en"):
        set_language(language)
        words = state_words()
        assert set(words) == set(workflow.STATES) and len(set(words.values())) == len(words)  # none shared
        actions = {action_label(a).rstrip("…") for a in workflow.ACTIONS}
        assert not set(words.values()) & actions  # a state never reads as the button that leads there
        assert words["cancelled"] not in ("ยกเลิก", "Cancel")  # nor as a dialog's Cancel
    set_language("th")
    panel = IncidentDetailPanel(clock=lambda: T0)
    qtbot.addWidget(panel)
    timeline = IncidentTimelineModel()
    queue = IncidentQueueModel(FakeFetcher(immediate=True))
    conflicts = ConflictsPanel()
    qtbot.addWidget(conflicts)
    status = IncidentQueueModel.COLUMNS.index("status")
    for state in workflow.STATES:
        word = state_label(state)
        panel.show_incident(Detail(id=1, state=state), ())
        timeline.set_events([Event(1, "state", "somchai", T0, "new", state)])
        queue.set_ids([1], first_rows=[Row(id=1, state=state)])
        conflicts.set_conflicts([Conflict(1, 1, "1", (Field("workflow_state", "new", state, "new", "x"),), "409",
                                          T0)])

        class Linked:
            other_id, kind, other_state = 2, "related", state

        dialog = IncidentIntakeDialog([], lat=18.8, lon=98.9, now=T0)
        qtbot.addWidget(dialog)
        dialog.set_duplicates([Row(id=2, state=state)])
        assert panel.state.text() == word
        assert timeline.index(0, 3).data() == f"ใหม่ → {word}"
        assert queue.index(0, status).data() == word
        assert conflicts.table.item(0, MINE_COLUMN).text() == word
        assert link_text(Linked()).endswith(f" · {word}")
        assert dialog.duplicates.item(0, 2).text() == word
        dialog.close()
