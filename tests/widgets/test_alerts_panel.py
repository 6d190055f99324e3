"""The Alerts dock: filters and order, severity in colour, glyph and word, roles, the acknowledge and silence dialogs,
plain text, a refresh that keeps the selection, the counts, silences and history, Thai and English."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt, QTime

from services.alerts.model import AlertAction, AlertView, Silence
from widgets import i18n, table_colours
from widgets.alert_dialogs import COMMENT_MAX, next_bangkok_time
from widgets.alert_words import SEVERITY_RGB
from widgets.alerts_model import ALERT_ROLE, AlertsModel
from widgets.alerts_panel import AlertsPanel

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # 15:00 in Bangkok
HOSTILE = "<b>x</b><img src=x>"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def alert(alert_id: int, **changes: object) -> AlertView:
    base = AlertView(
        id=alert_id, rule_id="pm25_band4", rule_name_th="PM2.5 เฉลี่ย 24 ชม.", rule_name_en="PM2.5 24-hour mean",
        kind="pm25", severity="critical", state="open", scope_kind="station", scope_key=f"35t{alert_id}",
        scope_name_th=f"สถานี {alert_id}", scope_name_en=f"Station {alert_id}",
        first_at=NOW - timedelta(minutes=10), last_at=NOW - timedelta(minutes=10), cleared_at=None, occurrences=1,
        value=82.4, message_th="PM2.5 เฉลี่ย 24 ชม. 82.4 มคก./ลบ.ม. เกิน 75.0 มา 3 ชม.",
        message_en="PM2.5 24-hour mean 82.4 µg/m³ above 75.0 for 3 h", acknowledged_by=None, acknowledged_at=None,
        ack_comment=None, incident_id=None, lat=18.79, lon=98.98, silenced_until=None)
    return replace(base, **changes)  # type: ignore[arg-type]


CRITICAL = alert(1)  # open, 10 min ago
ACKED = alert(2, severity="warning", state="acknowledged", last_at=NOW - timedelta(minutes=5), occurrences=3,
              acknowledged_by="somchai", acknowledged_at=NOW - timedelta(minutes=4), ack_comment="checked")
CLEARED = alert(3, severity="info", state="cleared", last_at=NOW - timedelta(minutes=1), cleared_at=NOW - timedelta(
    minutes=1), incident_id=42, incident_ref="1042")  # the incident's server id, as the queue numbers it
OLD = alert(4, severity="info", first_at=NOW - timedelta(hours=3, minutes=5), last_at=NOW - timedelta(hours=1),
            rule_id="feed_stale", kind="data", scope_kind="feed", scope_key="air4thai", lat=None, lon=None)
ALL = [OLD, CRITICAL, CLEARED, ACKED]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("th")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def panel(qtbot, clock: Clock) -> AlertsPanel:  # type: ignore[no-untyped-def]
    widget = AlertsPanel(clock=clock)
    qtbot.addWidget(widget)
    widget.set_role("operator")
    widget.resize(1100, 600)
    widget.show()
    return widget


def shown_ids(panel: AlertsPanel) -> list[int]:
    return [panel.model.alert_at(row).id for row in range(panel.model.rowCount())]  # type: ignore[union-attr]


def cell(panel: AlertsPanel, alert_id: int, column: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    model = panel.model
    return model.data(model.index(model.row_of_id(alert_id), model.COLUMNS.index(column)), role)


def test_filters_and_newest_first(panel: AlertsPanel, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    panel.set_alerts(ALL)
    qtmodeltester.check(panel.model)
    assert shown_ids(panel) == [2, 1, 4]  # Open (open + acknowledged) is the default, newest last_at first
    assert panel.filter_buttons["open"].isChecked() and panel.filter_buttons["open"].text() == "Open (3)"
    expected = {"unacked": [1, 4], "cleared": [3], "all": [3, 2, 1, 4], "open": [2, 1, 4]}
    for name, ids in expected.items():
        panel.filter_buttons[name].click()
        assert shown_ids(panel) == ids, name
    assert [b.text() for b in panel.filter_buttons.values()] == [
        "Open (3)", "Needs acknowledging (2)", "Cleared (1)", "All (4)"]


def test_severity_in_colour_glyph_and_word(panel: AlertsPanel) -> None:
    panel.filter_buttons["all"].click()
    panel.set_alerts(ALL)
    assert cell(panel, 1, "severity") == "⚠ critical"
    assert cell(panel, 2, "severity") == "▲ warning"
    assert cell(panel, 3, "severity") == "ℹ info"
    for alert_id, severity in ((1, "critical"), (2, "warning"), (3, "info")):
        background = cell(panel, alert_id, "severity", Qt.ItemDataRole.BackgroundRole)
        text = cell(panel, alert_id, "severity", Qt.ItemDataRole.ForegroundRole)
        rgb = table_colours.rgb_of(background.color())  # type: ignore[attr-defined]
        assert rgb == SEVERITY_RGB[severity]
        assert table_colours.contrast_ratio(rgb, table_colours.rgb_of(text.color())) >= 4.5  # type: ignore[attr-defined]
    assert SEVERITY_RGB["critical"][0] > 150 > SEVERITY_RGB["critical"][1]  # red
    assert SEVERITY_RGB["info"][2] > 200 > SEVERITY_RGB["info"][0]  # blue
    # Open and nobody has acknowledged it: bold; acknowledged or cleared: not.
    assert cell(panel, 1, "what", Qt.ItemDataRole.FontRole).bold()  # type: ignore[attr-defined]
    assert cell(panel, 2, "what", Qt.ItemDataRole.FontRole) is None
    assert cell(panel, 3, "what", Qt.ItemDataRole.FontRole) is None


def test_columns_say_where_since_how_often_state_and_incident(panel: AlertsPanel) -> None:
    panel.filter_buttons["all"].click()
    panel.set_alerts(ALL)
    assert cell(panel, 1, "where") == "Station 1"
    assert cell(panel, 1, "since") == "10 min ago · 14:50"
    assert cell(panel, 4, "since") == "3 h 5 min ago · 11:55"
    assert cell(panel, 2, "occurrences") == "×3"
    assert cell(panel, 1, "latest") == "PM2.5 24-hour mean 82.4 µg/m³ above 75.0 for 3 h"
    assert cell(panel, 1, "state") == "open"
    assert cell(panel, 2, "state") == "acknowledged by somchai"
    assert cell(panel, 3, "state") == "cleared at 14:59"
    assert cell(panel, 3, "incident") == "#1042" and cell(panel, 1, "incident") == ""
    # A day earlier, the date is shown too, with the Buddhist-Era year in Thai.
    panel.set_alerts([replace(CRITICAL, first_at=NOW - timedelta(days=2))])
    assert cell(panel, 1, "since") == "2 d ago · 27 Feb 2026 15:00"
    i18n.set_language("th")
    panel.retranslate()
    assert cell(panel, 1, "since") == "2 วันที่แล้ว · 27 ก.พ. 2569 15:00"


def test_a_viewer_sees_everything_but_cannot_acknowledge_or_silence(qtbot, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    panel = AlertsPanel(clock=clock)
    qtbot.addWidget(panel)
    panel.set_alerts(ALL)
    panel.set_silences([Silence(5, "pm25_band4", None, NOW - timedelta(hours=1), NOW + timedelta(hours=1),
                                "burning permit", "somchai")])
    assert panel.select_alert(1)
    assert shown_ids(panel) == [2, 1, 4]  # everything is shown
    for button in (panel.ack_button, panel.silence_button, panel.incident_button):  # viewer until told otherwise
        assert not button.isEnabled()
        assert "A viewer reads only" in button.toolTip()
    end = panel.silences.rows[0][2]
    assert not end.isEnabled() and "A viewer reads only" in end.toolTip()
    assert panel.map_button.isEnabled()
    panel.set_role("operator")
    assert panel.ack_button.isEnabled() and panel.silence_button.isEnabled() and end.isEnabled()
    with qtbot.waitSignal(panel.sig_end_silence) as ended:
        end.click()
    assert ended.args == [5]
    panel.set_role("viewer")
    panel.select_alert(3)  # linked: a viewer may still look at the incident
    assert panel.incident_button.text() == "Show incident #1042" and panel.incident_button.isEnabled()
    with pytest.raises(ValueError):
        panel.set_role("admin")


def test_acknowledge_needs_a_comment_and_sends_it_stripped(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_alerts(ALL)
    panel.select_alert(2)
    assert not panel.ack_button.isEnabled() and "Acknowledged already by somchai" in panel.ack_button.toolTip()
    panel.select_alert(1)
    panel.ack_button.click()
    dialog = panel.ack_dialog
    assert dialog is not None and dialog.isVisible()
    assert "⚠ critical · PM2.5 24-hour mean · Station 1" in dialog.summary.text()
    assert not dialog.ok_button.isEnabled()
    dialog.comment.setPlainText("   \n\t ")
    assert not dialog.ok_button.isEnabled() and "required" in dialog.ok_button.toolTip()
    dialog.comment.setPlainText("x" * (COMMENT_MAX + 1))
    assert not dialog.ok_button.isEnabled()
    dialog.comment.setPlainText("x" * COMMENT_MAX)
    assert dialog.ok_button.isEnabled()
    dialog.comment.setPlainText("  called the district office \n")
    with qtbot.waitSignal(panel.sig_acknowledge) as acknowledged:
        dialog.ok_button.click()
    assert acknowledged.args == [1, "called the district office"]
    qtbot.waitUntil(lambda: panel.ack_dialog is None)


def test_silence_dialog_sends_until_now_plus_period_in_utc_and_the_reason(qtbot, panel: AlertsPanel,  # type: ignore[no-untyped-def]
                                                                          clock: Clock) -> None:
    panel.set_alerts(ALL)
    panel.select_alert(1)
    panel.silence_button.click()
    dialog = panel.silence_dialog
    assert dialog is not None and dialog.this_scope.isChecked()
    dialog.period.setCurrentIndex(dialog.period.findData("4h"))
    assert not dialog.ok_button.isEnabled()  # no reason yet
    dialog.reason.setText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.reason.setText(" controlled burn, permit 12/2569 ")
    dialog.whole_rule.setChecked(True)
    clock.now = NOW + timedelta(minutes=2)  # "now" is when OK is pressed
    with qtbot.waitSignal(panel.sig_silence) as silenced:
        dialog.ok_button.click()
    rule_id, scope, until, reason = silenced.args
    assert (rule_id, scope, reason) == ("pm25_band4", None, "controlled burn, permit 12/2569")
    assert until == NOW + timedelta(hours=4, minutes=2) and until.utcoffset() == timedelta(0)

    panel.silence_button.click()
    dialog = panel.silence_dialog
    assert dialog is not None
    dialog.period.setCurrentIndex(dialog.period.findData("until"))
    dialog.until_time.setTime(QTime(6, 30))  # Bangkok 06:30 is tomorrow: it is 15:02 there now
    assert dialog.until_label.text() == "Silenced until 2 Mar 2026 06:30"
    dialog.reason.setText("night shift knows")
    with qtbot.waitSignal(panel.sig_silence) as silenced:
        dialog.ok_button.click()
    assert silenced.args == ["pm25_band4", "35t1", datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "night shift knows"]
    assert next_bangkok_time(QTime(16, 0), NOW) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # later today


def test_hostile_text_is_shown_literally(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    hostile = alert(9, rule_name_en=HOSTILE, scope_name_en=HOSTILE, message_en=HOSTILE, state="acknowledged",
                    acknowledged_by=HOSTILE, ack_comment=HOSTILE)
    panel.set_alerts([hostile])
    panel.set_silences([Silence(1, "pm25_band4", "35t9", NOW, NOW + timedelta(hours=1), HOSTILE, HOSTILE)])
    for column in ("what", "where", "latest"):
        assert cell(panel, 9, column) == HOSTILE
    assert cell(panel, 9, "state") == f"acknowledged by {HOSTILE} · silenced until 16:00 — {HOSTILE} (by {HOSTILE})"
    tooltip = str(cell(panel, 9, "latest", Qt.ItemDataRole.ToolTipRole))
    assert "&lt;b&gt;x&lt;/b&gt;&lt;img src=x&gt;" in tooltip and "<img" not in tooltip
    panel.select_alert(9)
    assert HOSTILE in panel.summary.text() and panel.summary.textFormat() == Qt.TextFormat.PlainText
    label = panel.silences.rows[0][1]
    assert HOSTILE in label.text() and label.textFormat() == Qt.TextFormat.PlainText
    panel.set_history(9, [AlertAction(9, "acknowledged", HOSTILE, "operator", NOW, HOSTILE)])
    assert panel.history.item(0).text().endswith(f"acknowledged — {HOSTILE} (operator): {HOSTILE}")
    panel.silence_button.click()
    assert panel.silence_dialog is not None and HOSTILE in panel.silence_dialog.summary.text()
    assert panel.silence_dialog.summary.textFormat() == Qt.TextFormat.PlainText


def test_refresh_keeps_the_selection_and_resets_only_when_the_ids_change(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    many = [alert(i, last_at=NOW - timedelta(minutes=i)) for i in range(10, 70)]
    panel.set_alerts(many)
    wanted: list[int] = []
    resets: list[int] = []
    panel.sig_history_wanted.connect(wanted.append)
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.select_alert(50)
    assert wanted == [50]
    scroll = panel.table.verticalScrollBar()
    assert scroll.maximum() > 0
    scroll.setValue(scroll.maximum() // 2)
    position = scroll.value()

    panel.set_alerts(many)  # the same alerts again: nothing moves, no history asked for
    assert resets == [] and wanted == [50] and panel.selected_alert() == many[40]
    changed = [replace(a, occurrences=5) if a.id == 50 else a for a in many]
    panel.set_alerts(changed)  # the selected one occurred again: its history is asked for again
    assert resets == [] and wanted == [50, 50] and scroll.value() == position
    assert cell(panel, 50, "occurrences") == "×5"

    newest = replace(changed[40], last_at=NOW)  # a new occurrence moves it to the top: the selection follows it
    reordered = [newest if a.id == 50 else a for a in changed]
    panel.set_alerts(reordered)
    assert resets == [] and shown_ids(panel)[0] == 50
    assert panel.selected_alert() == newest and panel.table.currentIndex().row() == 0

    panel.set_alerts([*reordered, alert(99, last_at=NOW - timedelta(hours=5))])  # another id: one reset
    assert resets == [1]
    assert panel.selected_alert() is not None and panel.selected_alert().id == 50  # type: ignore[union-attr]
    assert panel.table.selectionModel().isRowSelected(panel.model.row_of_id(50))
    assert wanted == [50, 50, 50]  # asked once per change of the selected alert (occurred, moved), not per refresh


def test_counts_of_unacknowledged_and_critical(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    counts: list[tuple[int, int]] = []
    panel.sig_counts_changed.connect(lambda unacked, critical: counts.append((unacked, critical)))
    panel.set_alerts(ALL)
    assert counts == [(2, 1)]  # open: #1 (critical) and #4; critical not cleared: #1
    panel.set_alerts(ALL)
    assert counts == [(2, 1)]  # unchanged: no signal
    acked = replace(CRITICAL, state="acknowledged", acknowledged_by="somchai")
    panel.set_alerts([OLD, acked, CLEARED, ACKED])
    assert counts[-1] == (1, 1)  # acknowledged, still critical and not cleared
    panel.set_alerts([OLD, replace(acked, state="cleared", cleared_at=NOW), CLEARED, ACKED])
    assert counts[-1] == (1, 0)


def test_silenced_alerts_are_dimmed_and_say_until_when_why_and_by_whom(qtbot, panel: AlertsPanel,  # type: ignore[no-untyped-def]
                                                                     clock: Clock) -> None:
    panel.set_alerts(ALL)
    assert not panel.silences.isVisibleTo(panel)
    silence = Silence(7, "pm25_band4", "35t1", NOW - timedelta(minutes=30), NOW + timedelta(minutes=30),
                      "controlled burn", "somchai")
    over = Silence(8, "pm25_band4", None, NOW - timedelta(hours=2), NOW - timedelta(hours=1), "old", "nok")
    panel.set_silences([silence, over])
    assert cell(panel, 1, "state") == "open · silenced until 15:30 — controlled burn (by somchai)"
    assert cell(panel, 1, "what", Qt.ItemDataRole.FontRole) is None  # dimmed, not bold
    grey = cell(panel, 1, "what", Qt.ItemDataRole.ForegroundRole).color()  # type: ignore[attr-defined]
    assert table_colours.rgb_of(grey) == table_colours.OUT_OF_DATE_TEXT
    assert cell(panel, 4, "what", Qt.ItemDataRole.ForegroundRole) is None  # another rule: not silenced
    assert panel.silences.isVisibleTo(panel) and panel.silences.shown_ids() == [7]
    assert panel.silences.rows[0][1].text() == (
        "🔇 PM2.5 24-hour mean · Station 1: silenced until 15:30 — controlled burn (by somchai)")

    clock.now = NOW + timedelta(minutes=31)  # the silence ends
    panel.refresh_times()
    assert cell(panel, 1, "state") == "open"
    assert cell(panel, 1, "what", Qt.ItemDataRole.FontRole).bold()  # type: ignore[attr-defined]
    assert not panel.silences.isVisibleTo(panel)
    # The store's own word for it (silenced_until) dims too, without a known silence to say why.
    panel.set_alerts([replace(OLD, silenced_until=NOW + timedelta(hours=2))])
    assert cell(panel, 4, "state") == "open · silenced until 17:00"


def test_history_of_the_selected_alert_only(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_alerts(ALL)
    with qtbot.waitSignal(panel.sig_history_wanted) as wanted:
        panel.table.setCurrentIndex(panel.model.index(panel.model.row_of_id(2), 0))
    assert wanted.args == [2]
    history = [AlertAction(2, "raised", "system", "", NOW - timedelta(minutes=20), None),
               AlertAction(2, "acknowledged", "somchai", "operator", NOW - timedelta(minutes=4), "checked")]
    panel.set_history(1, history)  # a late answer for another alert
    assert panel.history.count() == 0
    panel.set_history(2, history)
    assert [panel.history.item(i).text() for i in range(2)] == [
        "1 Mar 2026 14:56  acknowledged — somchai (operator): checked", "1 Mar 2026 14:40  raised — system"]
    panel.select_alert(1)
    assert panel.history.count() == 0


def test_incident_and_map_buttons(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_alerts(ALL)
    assert not panel.map_button.isEnabled() and "Select an alert first" in panel.map_button.toolTip()
    panel.select_alert(4)  # a feed: nowhere on the map
    assert not panel.map_button.isEnabled() and "no place on the map" in panel.map_button.toolTip()
    panel.select_alert(1)
    assert panel.incident_button.text() == "Open incident"
    with qtbot.waitSignal(panel.sig_open_incident) as opened:
        panel.incident_button.click()
    assert opened.args == [1]
    with qtbot.waitSignal(panel.sig_show_on_map) as shown:
        panel.map_button.click()
    assert shown.args == [1]
    assert panel.select_alert(3)  # cleared: shown under All
    assert panel.filter_buttons["all"].isChecked() and panel.incident_button.text() == "Show incident #1042"
    assert not panel.select_alert(1234)


def test_empty_states_say_so_in_words(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    assert panel.empty_state.showing and panel.empty_state.text() == "Loading alerts…"
    panel.set_alerts([])
    assert panel.empty_state.text() == "No alerts: every rule is quiet. New alerts show here, newest first."
    panel.set_alerts([CLEARED])
    assert panel.empty_state.showing and panel.empty_state.text() == "No open alerts: nothing needs action now"
    panel.filter_buttons["cleared"].click()
    assert not panel.empty_state.showing


def test_thai_and_english_switch_on_retranslate(qtbot, panel: AlertsPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_alerts(ALL)
    panel.select_alert(2)
    header = panel.model.headerData(0, Qt.Orientation.Horizontal)
    assert (header, cell(panel, 1, "severity"), panel.ack_button.text()) == ("Severity", "⚠ critical",
                                                                            "Acknowledge…")
    i18n.set_language("th")
    panel.retranslate()
    assert panel.model.headerData(0, Qt.Orientation.Horizontal) == "ระดับ"
    assert cell(panel, 1, "severity") == "⚠ วิกฤต"
    assert cell(panel, 2, "state") == "รับทราบแล้วโดย somchai"
    assert cell(panel, 1, "latest") == "PM2.5 เฉลี่ย 24 ชม. 82.4 มคก./ลบ.ม. เกิน 75.0 มา 3 ชม."
    assert panel.ack_button.text() == "รับทราบ…" and panel.filter_buttons["open"].text() == "เปิดอยู่ (3)"
    assert "รับทราบแล้วโดย somchai" in panel.ack_button.toolTip()
    i18n.set_language("en")
    panel.retranslate()
    assert panel.filter_buttons["unacked"].text() == "Needs acknowledging (2)"


def test_model_alone_refuses_an_unknown_filter(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = AlertsModel(clock=Clock())
    model.set_alerts(ALL)
    assert model.data(model.index(0, 0), ALERT_ROLE) == ACKED
    with pytest.raises(ValueError):
        model.set_filter("urgent")
