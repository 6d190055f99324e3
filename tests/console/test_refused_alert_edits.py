"""A refused alert entry as the operator meets it in the console: the Conflicts dock lists it under the refused edits
with its rule and scope, *Show alert* selects the alert in the Alerts dock, and *Acknowledge* takes it off the list
and the status bar's count, with a line in the alert's history."""

from __future__ import annotations

from datetime import UTC, datetime

from console import alert_controller
from console.controller import ConsoleController
from services.store.alerts import insert_alert
from services.store.database import write_transaction
from services.store.schema import to_unix
from widgets.i18n import t

FIRST_SYNC_MS = 60_000


def _refused_alert(controller: ConsoleController, days_ago: int = 0, feed: str = "air4thai") -> int:
    """An alert whose raise the backend refused for good, written in one transaction: the console's drain never
    sees its entry pending (it would send it)."""
    now = to_unix(datetime.now(UTC)) - days_ago * 86400
    fields = {"rule_id": "test_refused", "kind": "data", "severity": "warning", "state": "open",
              "scope_kind": "feed", "scope_key": feed, "scope_name_th": "ข้อมูลคุณภาพอากาศ",
              "scope_name_en": "Air quality feed", "rule_name_th": "ทดสอบการไม่รับ", "rule_name_en": "Refusal test",
              "first_at": now, "last_at": now, "occurrences": 1, "message_th": "ทดสอบ", "message_en": "test",
              "updated_at": now}
    with write_transaction(controller.store.edit_engine) as conn:
        alert_id = insert_alert(conn, fields)
        conn.exec_driver_sql("UPDATE alert_outbox SET state = 'failed', attempts = 1, last_error = ?, "
                             "last_attempt_at = ? WHERE alert_id = ?", ("HTTP 422: test refusal", now, alert_id))
    return alert_id


def test_a_refused_alert_is_listed_shown_and_acknowledged(qtbot, console_factory, english) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.conflicts.actions is not None, timeout=10_000)
    alert_id = _refused_alert(controller)
    controller.alerts.reload()
    controller.conflicts.actions.refresh()
    controller.outbox.refresh_counts()

    refused = controller.refused_panel
    qtbot.waitUntil(lambda: refused.list.count() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: controller.window.connection._refused == 1, timeout=10_000)
    assert refused.list.item(0).text().startswith("Refusal test · Air quality feed · alert raised or changed · ")
    assert "HTTP 422: test refusal" in refused.reason.text()
    assert t("ไม่รับ 1", "1 refused") in controller.window.dock("conflicts").windowTitle()

    qtbot.waitUntil(lambda: any(a.id == alert_id for a in controller.alerts.alerts()), timeout=20_000)
    assert refused.show_button.text() == "Show alert" and refused.show_button.isEnabled()
    refused.show_button.click()
    selected = controller.alerts.panel.selected_alert()
    assert selected is not None and selected.id == alert_id

    refused.acknowledge_button.click()
    qtbot.waitUntil(lambda: refused.list.count() == 0 and not refused.isVisible(), timeout=20_000)
    qtbot.waitUntil(lambda: controller.window.connection._refused == 0, timeout=10_000)
    history = controller.store.alert_history(alert_id)
    assert [h.action for h in history][-1] == "refusal_acknowledged" and "(" in history[-1].actor
    # The Alerts dock, with the alert still selected, shows the new line: the alert itself did not change.
    lines = controller.alerts.panel.history
    qtbot.waitUntil(lambda: lines.count() > 0 and "server's refusal seen" in lines.item(0).text(), timeout=10_000)


def test_show_alert_finds_an_alert_older_than_the_list_reaches(  # type: ignore[no-untyped-def]
        qtbot, console_factory, english, monkeypatch) -> None:
    monkeypatch.setattr(alert_controller, "ALERT_LIST_LIMIT", 1)  # the dock lists only the newest alert
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.conflicts.actions is not None, timeout=10_000)
    old = _refused_alert(controller, days_ago=20)
    newer = _refused_alert(controller, feed="firms")
    controller.alerts.reload()
    qtbot.waitUntil(lambda: [a.id for a in controller.alerts.alerts()] == [newer], timeout=10_000)

    controller.alerts.show_alert(old)  # as the refused list's Show alert asks
    qtbot.waitUntil(lambda: getattr(controller.alerts.panel.selected_alert(), "id", None) == old, timeout=10_000)
    assert controller.window.dock("alerts").isVisible()
    with qtbot.waitSignal(controller.alerts.sig_alerts_read, timeout=10_000):
        controller.alerts.reload()  # the next read keeps it listed and selected
    assert controller.alerts.panel.selected_alert().id == old
    assert sorted(a.id for a in controller.alerts.alerts()) == sorted([old, newer])

    controller.alerts.show_alert(987_654)  # gone: said in words, nothing else changes
    qtbot.waitUntil(lambda: any("no longer in this store" in m for m in controller.window.activity.recent()),
                    timeout=10_000)
    assert controller.alerts.panel.selected_alert().id == old
