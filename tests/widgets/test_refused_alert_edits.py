"""The refused-edits list shows refused alert entries beside incident edits: the rule and scope in the UI language,
the op in words, who and why; *Show alert* for an alert entry (disabled for a silence, which belongs to no one
alert); items are told apart by outbox and id, since the two outboxes' ids overlap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.store.alert_outbox import ALERT_OPS
from services.store.refusals import RefusedAlertEdit, RefusedEdit
from widgets.i18n import set_language
from widgets.refused_edits_panel import RefusedEditsPanel, op_label

T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def language() -> Iterator[None]:
    yield
    set_language("en")


def _incident(outbox_id: int) -> RefusedEdit:
    return RefusedEdit(outbox_id, 40, "CM-77", "comment", {"text": "x"}, "HTTP 400: too short", "nida (operator)",
                       T0, T0, "น้ำท่วม")


def _alert(outbox_id: int, op: str = "acknowledge", alert_id: int | None = 12,
           scope_key: str | None = "P.1") -> RefusedAlertEdit:
    named = scope_key is not None
    return RefusedAlertEdit(outbox_id, op, alert_id, None if alert_id else 3, "flood", "กฎน้ำท่วม", "<b>Flood</b>",
                            scope_key, "สถานี P.1" if named else None, "Gauge P.1" if named else None, {},
                            "HTTP 403: viewer", "wichai (operator)", T0, T0)


def _select(panel: RefusedEditsPanel, key: tuple[str, int]) -> None:
    """Select the item of ``key`` as a click would."""
    for row in range(panel.list.count()):
        panel.list.setCurrentRow(row)
        if panel.selected_key() == key:
            return
    raise AssertionError(f"{key} is not listed")


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_alert_op_has_its_own_words(lang: str, language: None) -> None:
    set_language(lang)
    labels = {op: op_label(op, "alert") for op in ALERT_OPS}
    assert all(label != op for op, label in labels.items()), labels
    assert len(set(labels.values())) == len(ALERT_OPS)
    assert op_label("acknowledge", "alert") != op_label("acknowledge")  # not an incident op's words


def test_an_alert_entry_is_listed_with_its_words_and_shows_its_alert(qtbot, language: None) -> None:  # type: ignore[no-untyped-def]
    panel = RefusedEditsPanel()
    qtbot.addWidget(panel)
    set_language("th")
    panel.set_refused([_incident(1), _alert(1), _alert(2, "silence", alert_id=None, scope_key=None)])
    assert panel.list.count() == 3  # the same id 1 twice: an incident edit and an alert entry

    _select(panel, ("alert", 1))
    assert panel.list.currentItem().text().startswith("กฎน้ำท่วม · สถานี P.1 · การรับทราบการแจ้งเตือน · "
                                                      "wichai (operator) · ")
    assert panel.show_button.text() == "แสดงการแจ้งเตือน" and panel.show_button.isEnabled()
    assert "HTTP 403: viewer" in panel.reason.text()

    set_language("en")
    panel.retranslate()
    assert panel.selected_key() == ("alert", 1)  # the selection stays through a retranslation
    assert panel.list.currentItem().text().startswith("<b>Flood</b> · Gauge P.1 · alert acknowledgement · ")
    assert panel.reason.text().startswith("<b>Flood</b> · Gauge P.1\n")  # plain text, never markup
    with qtbot.waitSignal(panel.sig_show_alert_requested) as shown:
        panel.show_button.click()
    assert shown.args == [12]
    with qtbot.waitSignal(panel.sig_acknowledge_requested) as acknowledged:
        panel.acknowledge_button.click()
    assert acknowledged.args == ["alert", 1]

    _select(panel, ("alert", 2))
    assert "everywhere" in panel.list.currentItem().text() and "silence" in panel.list.currentItem().text()
    assert panel.show_button.text() == "Show alert" and not panel.show_button.isEnabled()
    assert panel.show_button.toolTip()  # says why
    assert panel.acknowledge_button.isEnabled()

    _select(panel, ("incident", 1))
    assert panel.show_button.text() == "Show incident" and panel.show_button.isEnabled()
    assert panel.show_button.toolTip() == ""
    with qtbot.waitSignal(panel.sig_show_incident_requested) as opened:
        panel.show_button.click()
    assert opened.args == [40]
    with qtbot.waitSignal(panel.sig_acknowledge_requested) as acknowledged:
        panel.acknowledge_button.click()
    assert acknowledged.args == ["incident", 1]

    panel.set_refused([_incident(1), _alert(2, "silence", alert_id=None, scope_key=None)])  # the alert's is gone
    assert panel.selected_key() == ("incident", 1) and panel.list.count() == 2


def test_an_alert_entry_of_the_evaluation_says_the_system_made_it(qtbot, language: None) -> None:  # type: ignore[no-untyped-def]
    panel = RefusedEditsPanel()
    qtbot.addWidget(panel)
    raised = RefusedAlertEdit(5, "alert", 12, None, "flood", None, None, "P.1", None, None, {}, "HTTP 422: x", None,
                              T0, T0)
    panel.set_refused([raised])
    assert panel.list.currentItem().text().startswith("flood · P.1 · alert raised or changed · system · ")
    assert panel.show_button.isEnabled()
