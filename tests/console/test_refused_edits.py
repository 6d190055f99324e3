"""A refused edit as the operator meets it: a file the backend will not take (415) is kept on the workstation, the
status bar counts it as refused, the Conflicts dock lists it with the server's reason (as text), *Show incident*
opens it, and *Acknowledge* takes it off the list and the count, on the timeline."""

from __future__ import annotations

from pathlib import Path

from console.controller import ConsoleController
from widgets.i18n import t

FIRST_SYNC_MS = 60_000


def test_a_refused_attachment_is_listed_shown_and_acknowledged(  # type: ignore[no-untyped-def]
        qtbot, console_factory, tmp_path: Path) -> None:
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=30_000)
    incident_id = next(r.id for r in controller.store.incidents_page(limit=50)
                       if r.server_id and r.status == "open")
    notes = tmp_path / "notes.txt"
    notes.write_text("<script>alert(1)</script> บันทึกภาคสนาม", encoding="utf-8")

    refused = controller.refused_panel
    controller.incidents.detail.sig_attachment_requested.emit(incident_id, "file", str(notes))
    qtbot.waitUntil(lambda: refused.list.count() == 1, timeout=30_000)
    connection = controller.window.connection
    qtbot.waitUntil(lambda: connection._refused == 1, timeout=10_000)
    assert refused.isVisible() and "415" in refused.reason.text()
    assert t("ไม่รับ 1", "1 refused") in controller.window.dock("conflicts").windowTitle()
    assert controller.store.attachment_data(  # nothing local is lost
        next(a.id for a in controller.store.incident_detail(incident_id).attachments)) is not None

    refused.show_button.click()
    qtbot.waitUntil(lambda: controller.incidents.detail._detail is not None
                    and controller.incidents.detail._detail.row.id == incident_id, timeout=10_000)

    refused.acknowledge_button.click()
    qtbot.waitUntil(lambda: refused.list.count() == 0 and not refused.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: connection._refused == 0, timeout=10_000)
    kinds = [e.kind for e in controller.store.incident_detail(incident_id).events]
    assert kinds[-2:] == ["sync_refused", "refusal_acknowledged"]
    # The incident on show gets the line too (the refusal seen changes nothing else about it).
    detail = controller.incidents.detail
    qtbot.waitUntil(lambda: any(e.kind == "refusal_acknowledged" for e in detail._detail.events), timeout=10_000)
