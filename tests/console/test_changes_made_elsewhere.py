"""Changes made elsewhere reach the console's timeline: another console's comment and state change appear in the
incident detail's timeline (real widgets, the real poll of service request updates), with where they came from,
exactly once; this console's own comment, which the server also lists as an update, is not shown twice.

The incidents feed is polled once only (a day's cadence), so it is the updates feed's own poll that refreshes the
timeline on show."""

from __future__ import annotations

import json

import requests

from console.controller import ConsoleController
from services.paths import DataPaths
from widgets.incident_timeline import IncidentTimelineModel

FIRST_SYNC_MS = 60_000
UPDATES_CADENCE_S = 10  # the shortest the settings allow
OURS = "รับแจ้งแล้ว กำลังประสานงาน (this console)"
THEIRS = "ทีมกู้ภัยอาสาถึงที่เกิดเหตุ (another console)"


def _rows(model: IncidentTimelineModel) -> list[tuple[str, str, str]]:
    """(by, event, change) of every timeline row, as the table shows them."""
    return [tuple(str(model.data(model.index(row, column))) for column in (1, 2, 3))  # type: ignore[misc]
            for row in range(model.rowCount())]


def test_another_consoles_changes_appear_once_with_their_source(qtbot, console_factory,  # type: ignore[no-untyped-def]
                                                                data_paths: DataPaths, english) -> None:
    data_paths.settings_file.write_text(json.dumps({"cadences": {"open311_requests": 86400,
                                                                 "open311_updates": UPDATES_CADENCE_S}}))
    controller: ConsoleController = console_factory()  # the embedded simulator is the backend
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=60_000)
    sim = controller.simulator
    api, bearer = f"{sim.url}/open311/v2", {"Authorization": f"Bearer {sim.tokens['operator']}"}
    state = next(r for r in controller.feed_rows() if r.feed == "open311_updates")
    assert state.last_success_at is not None and not state.failing

    rid = next(r["service_request_id"] for r in requests.get(f"{api}/requests.json", params={"status": "open"},
                                                             timeout=10).json() if r["workflow_state"] == "new")
    incidents = controller.incidents
    incidents.show_feature(rid)
    qtbot.waitUntil(lambda: incidents.detail._detail is not None and incidents.detail._detail.row.server_id == rid,
                    timeout=20_000)
    model = incidents.detail.timeline_model

    # This console comments; the outbox sends it and the server lists it among its updates.
    incidents.detail.comment.setPlainText(OURS)
    qtbot.waitUntil(lambda: incidents.detail.buttons["comment"].isEnabled(), timeout=10_000)
    incidents.detail.buttons["comment"].click()
    qtbot.waitUntil(lambda: OURS in [c["text"] for c in sim.incidents.comments(rid)], timeout=30_000)

    # Another console comments and acknowledges the incident, straight over HTTP.
    assert requests.post(f"{api}/requests/{rid}/comments.json", json={"text": THEIRS}, headers=bearer,
                         timeout=10).status_code == 201
    etag = requests.get(f"{api}/requests/{rid}.json", timeout=10).headers["ETag"]
    assert requests.patch(f"{api}/requests/{rid}.json", json={"workflow_state": "acknowledged"}, timeout=10,
                          headers={**bearer, "If-Match": etag}).status_code == 200

    elsewhere = ("an operator at another console", "change made elsewhere")
    qtbot.waitUntil(lambda: (*elsewhere, "workflow_state: new → acknowledged [acknowledged]") in _rows(model),
                    timeout=(UPDATES_CADENCE_S + 20) * 1000)
    rows = _rows(model)
    assert rows.count((*elsewhere, f"comment: {THEIRS} [new]")) == 1
    assert [r for r in rows if OURS in r[2]] == [(incidents.actor(), "comment", OURS)]  # ours once, as ours
    assert ("the backend itself", "change made elsewhere", "Request received / ได้รับเรื่องแล้ว [new]") in rows

    def updates_polled_at():  # type: ignore[no-untyped-def]
        return next(r for r in controller.feed_rows() if r.feed == "open311_updates").last_success_at

    before = updates_polled_at()  # the next poll asks the cursor's second again: nothing doubles
    qtbot.waitUntil(lambda: updates_polled_at() > before, timeout=(UPDATES_CADENCE_S + 20) * 1000)
    shown = incidents.detail._detail
    incidents.show_incident(shown.row.id)  # the detail as the store has it after that poll
    qtbot.waitUntil(lambda: incidents.detail._detail is not shown, timeout=10_000)
    assert _rows(model) == rows
