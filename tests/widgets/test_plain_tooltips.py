"""Every tooltip that can carry server or user text shows that text literally, never as rich text.

Qt shows a tooltip as rich text whenever ``Qt.mightBeRichText`` guesses so, so a reason, error body, name or filename
holding HTML would render (images, links, formatting). Each path below pushes hostile strings through a real widget or
model and reads the tooltip back as Qt would display it; a sweep over each widget's tree also checks that no tooltip
anywhere in it is unescaped rich text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtGui import Qt as GuiQt  # mightBeRichText lives in QtGui's part of the Qt namespace
from PySide6.QtWidgets import QAbstractItemView, QWidget

from tests.widgets.incident_fakes import T0, Attachment, Detail, Event, FakeFetcher, Row
from tests.widgets.record_fakes import Air, Attribute, Conflict, Refused, River, Service, Value
from tests.widgets.record_fakes import ConflictField as Merge
from widgets.attachment_viewer import AttachmentViewer
from widgets.conflicts_panel import MINE_COLUMN, ConflictsPanel
from widgets.connection_indicator import ConnectionIndicator
from widgets.display_format import plain_tooltip
from widgets.feed_status_panel import FeedStatusPanel
from widgets.i18n import set_language
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel
from widgets.overview_panel import OverviewPanel
from widgets.refused_edits_panel import RefusedEditsPanel
from widgets.table_rows import FeedStatusRow

HOSTILES = [
    "<img src=x onerror=alert(1)><b>bold</b>",
    '<a href="file:///etc/passwd">x</a>',
    "<qt><h1>big</h1></qt>  two  spaces\tand a tab &amp; &lt;",
    "ไฟป่าดอยสุเทพ <i>ด่วน</i> & น้ำท่วม",
    "<table><tr><td>" + "ก" * 5_000 + "x" * 5_000 + "</td></tr></table>",  # over 10 kB
]
TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture(autouse=True)
def thai() -> Iterator[None]:
    set_language("th")
    yield
    set_language("th")


def shown(tooltip: str) -> str:
    """The text Qt's tooltip label displays for ``tooltip`` (rich text when Qt guesses so)."""
    if not GuiQt.mightBeRichText(tooltip):
        return tooltip
    document = QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText()


def assert_literal(tooltip: Any, text: str) -> None:
    """``text`` is displayed verbatim in the tooltip, with nothing rendered as markup."""
    assert isinstance(tooltip, str) and tooltip
    assert text in shown(tooltip)
    assert_plain(tooltip)


def assert_plain(tooltip: str) -> None:
    """Either Qt shows the tooltip as plain text, or it is exactly the escaped form of what it shows."""
    assert tooltip == shown(tooltip) or tooltip == plain_tooltip(shown(tooltip)), tooltip[:300]


def every_tooltip(root: QWidget) -> Iterator[str]:
    """Every widget's tooltip under ``root`` and every item tooltip of every view (lists, tables, combo popups)."""
    for widget in (root, *root.findChildren(QWidget)):
        if widget.toolTip():
            yield widget.toolTip()
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            row = 0
            while row < 200 and model.hasIndex(row, 0, QModelIndex()):  # list models keep columnCount private
                column = 0
                while model.hasIndex(row, column, QModelIndex()):
                    tip = model.index(row, column).data(TOOLTIP)
                    if tip:
                        yield str(tip)
                    column += 1
                row += 1


def assert_tree_plain(root: QWidget) -> None:
    for tip in every_tooltip(root):
        assert_plain(tip)


# --- the helper ----------------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=200))
def test_plain_tooltip_shows_any_text_literally(text: str) -> None:
    # QTextDocument.toPlainText reports line breaks as "\n" and a no-break space as a space: those are its own
    # spellings of what it displays, not a change to the text. CR and CRLF are shown as line breaks.
    expected = (text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
                .replace("\xa0", " "))
    tooltip = plain_tooltip(text)
    assert shown(tooltip) == expected
    assert tooltip == "" or GuiQt.mightBeRichText(tooltip)  # never left to Qt's guess


@pytest.mark.parametrize("text", HOSTILES)
def test_plain_tooltip_hostile_corpus(text: str) -> None:
    tooltip = plain_tooltip(text)
    assert shown(tooltip) == text
    document = QTextDocument()
    document.setHtml(tooltip)
    html = document.toHtml()
    assert "<img" not in html and "<a " not in html and "<table" not in html and "<h1" not in html
    assert plain_tooltip("") == ""  # nothing to say: no empty tooltip box


# --- every path where server or user text reaches a tooltip --------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILES)
def test_queue_category_tooltip(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    model = IncidentQueueModel(FakeFetcher(immediate=True), clock=lambda: T0)
    panel = IncidentQueuePanel(model, current_user=text)
    qtbot.addWidget(panel)
    model.set_ids([1, 2], first_rows=[Row(id=1, service_name=text, assignee=text, pending=1),
                                      Row(id=2, service_name="", category=text)])
    category = model.COLUMNS.index("category")
    assert_literal(model.index(0, category).data(TOOLTIP), text)
    assert_literal(model.index(1, category).data(TOOLTIP), text)
    assert_tree_plain(panel)


@pytest.mark.parametrize("text", HOSTILES)
def test_timeline_and_attachment_tooltips(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    panel = IncidentDetailPanel(clock=lambda: T0)
    qtbot.addWidget(panel)
    events = [Event(1, "comment", text, T0, None, text),
              Event(2, "assign", "supervisor", T0 + timedelta(minutes=1), {"assignee": None}, {"assignee": text})]
    panel.show_incident(Detail(id=3, description=text, address=text, reporter_name=text, events=events,
                               attachments=[Attachment(11, "photo", text)]), frozenset({"comment"}))
    change = panel.timeline_model.COLUMNS.index("change")
    assert shown(panel.timeline_model.index(0, change).data(TOOLTIP)) == text
    assert_literal(panel.timeline_model.index(1, change).data(TOOLTIP), text)
    assert_literal(panel.attachments.item(0).toolTip(), text)
    assert_tree_plain(panel)






@pytest.mark.parametrize("text", HOSTILES)
def test_readings_tooltips(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.set_air([Air(text, text, text, T0, 80.2, 203, 5)])
    panel.set_river([River("P.1", text, text, T0, 3.8, 0.1, 3, 3.6, {"bank": 3.7})])
    for model in (panel.air_model, panel.river_model):
        for column in range(model.columnCount()):
            assert_literal(model.index(0, column).data(TOOLTIP), text)
    assert_tree_plain(panel)


@pytest.mark.parametrize("text", HOSTILES)
def test_feed_status_tooltips(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    panel = FeedStatusPanel()
    qtbot.addWidget(panel)
    panel.model.set_rows([FeedStatusRow(
        feed="thaiwater", source=text, title_en=text, title_th=text, cadence_s=600, last_attempt_at=T0,
        last_success_at=None, age_s=None, freshness="stale", last_error=text, last_error_at=T0, records_total=0,
        records_last=0, rejected_last=3, failing=True)])
    error = panel.model.COLUMNS.index("last_error")
    assert_literal(panel.model.index(0, error).data(TOOLTIP), text)
    assert_tree_plain(panel)








@pytest.mark.parametrize("text", HOSTILES)
def test_intake_tooltips(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    attributes = (Attribute("size", "singlevaluelist", text, True, datatype_description=text,
                            values=(Value("a", text),)),
                  Attribute("depth", "number", text, order=1, datatype_description=text))
    dialog = IncidentIntakeDialog([Service("flood", text, attributes)], lat=18.7883, lon=98.9853,
                                  district_code="5001", district_name=text, now=T0)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_duplicates_requested):
        dialog.category.setCurrentIndex(dialog.category.findData("flood"))
        dialog.description.setPlainText(text)
    dialog.set_duplicates([Row(id=31, service_name=text, requested_at=T0 - timedelta(hours=1))],
                          category="flood", lat=18.7883, lon=98.9853)
    assert dialog.duplicates.rowCount() == 1
    for column in range(dialog.duplicates.columnCount()):
        assert_literal(dialog.duplicates.item(0, column).toolTip(), text)
    for code in ("size", "depth"):
        widget = dialog.attribute_fields.field(code)
        assert_literal(widget.toolTip(), text)
        assert_literal(dialog.form.labelForField(widget).toolTip(), text)
    assert_tree_plain(dialog)






@pytest.mark.parametrize("text", HOSTILES)
def test_conflict_reason_tooltip(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    panel = ConflictsPanel()
    qtbot.addWidget(panel)
    panel.set_conflicts([Conflict(7, 1, text, (Merge("priority", text, text, text, text),
                                               Merge(text, None, text, None)), text, T0, 4, text)])
    for column in range(4):
        assert_literal(panel.table.item(0, column).toolTip(), text)
    assert panel.table.item(0, MINE_COLUMN).text() == text
    assert_tree_plain(panel)




@pytest.mark.parametrize("text", HOSTILES)
def test_refused_edits_and_attachment_viewer_carry_no_rich_tooltip(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    panel = RefusedEditsPanel()
    qtbot.addWidget(panel)
    panel.set_refused([Refused(5, 1, text, text, {"description": text}, text, text, T0, T0, text)])
    assert panel.reason.textFormat() == Qt.TextFormat.PlainText and text in panel.reason.text()
    assert_tree_plain(panel)
    viewer = AttachmentViewer(text, b"<html><img src=x onerror=alert(1)>" + text.encode())
    qtbot.addWidget(viewer)
    assert viewer.windowTitle() == text
    assert_tree_plain(viewer)


@pytest.mark.parametrize("text", HOSTILES)
def test_connection_indicator_failing_feeds_tooltip(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    indicator = ConnectionIndicator()
    qtbot.addWidget(indicator)
    indicator.set_state("degraded", failing=(text, "firms"), last_success=datetime(2026, 1, 1, tzinfo=UTC))
    assert_literal(indicator.toolTip(), text)
    indicator.set_state("online")
    assert indicator.toolTip() == ""
