"""Outage drill: the REAL console (embedded simulator, real Qt, real store) loses the network for a scripted 8-hour
shift (simulated clock), keeps taking a realistic stream of operator and supervisor work, then reconnects — and the
server ends with exactly what the operators did.

The script and its model are in ``drill_script.py`` (seeded, Qt-free). During the outage:
- every feed and every write fails (a ``down`` fault on ``*``): the status bar says offline, edits keep being saved;
- intakes are made through the intake dialog, then worked further while still offline;
- workflow actions and comments go through the detail panel's own signals (the supervisor's through its buttons,
  after switching the toolbar's acting role), each waited for until the console says it is saved;
- another operator elsewhere changes some of the same incidents on the server: other fields (merged automatically on
  reconnect) and, twice, the same field (a conflict the supervisor decides in the Conflicts dock).

On reconnect ("Sync now", the supervisor acting) the outbox drains, the two conflicts are decided (keep mine, keep
theirs), and then the server (read over HTTP) must hold exactly the model's state, every comment and note exactly
once, every intake exactly once; and the store must agree with the server, with nothing pending and no conflict.

Below the drill: minimal reproductions of the product bugs the drill ran into, kept as regression tests: a comment
sent first must not hide a same-field change made elsewhere; a poll landing between a create and its outcome must not
block the outbox; a refused intake must not block the rest; a supervisor's offline close goes as the supervisor's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from console.controller import ConsoleController
from services.feeds import open311
from services.incident_writer import IncidentWriter
from services.outbox_drain import record_outcome
from services.store.incident_rows import IncidentDraft
from tests.console import drill_script
from tests.console.drill_script import MARKER_PREFIX, OUTAGE_S, Drill, Step

FIRST_SYNC_MS = 60_000
EDIT_MS = 20_000
OFFLINE_MS = 60_000
DRAIN_MS = 90_000
SEED = 20260311
ACTION_EVENT_KINDS = frozenset(drill_script.OPERATOR_WEIGHTS) | set(drill_script.SUPERVISOR_ACTIONS)
OPEN_OUTBOX_STATES = ("pending", "sending", "conflict", "failed")


# --- the console's hands ---------------------------------------------------------------------------------------


class Hands:
    """Drives one console the way its widgets do, and waits for each edit to be confirmed saved."""

    def __init__(self, qtbot: Any, controller: ConsoleController, caplog: pytest.LogCaptureFixture) -> None:
        self.qtbot, self.controller, self.caplog = qtbot, controller, caplog
        self.saved = 0
        self.local_ids: dict[str, int] = {}
        controller.incidents.sig_local_edit_saved.connect(self._on_saved)

    def _on_saved(self) -> None:
        self.saved += 1

    def _refusals(self) -> list[str]:
        # IncidentController._failed logs every refused or failed edit (and shows it in the status bar).
        return [r.getMessage() for r in self.caplog.records if r.name == "console.incident_controller"]

    @contextmanager
    def one_save(self, what: str) -> Iterator[None]:
        """The edit started in the block is committed (row + event + outbox entry) before this returns."""
        before, refused = self.saved, len(self._refusals())
        yield
        self.qtbot.waitUntil(lambda: self.saved > before or len(self._refusals()) > refused, timeout=EDIT_MS)
        assert self.saved == before + 1, f"{what}: not saved: {self._refusals()[refused:]}"

    def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(store, *args)`` on the console's database worker (the one owner of the store) and wait."""
        box: dict[str, Any] = {}
        store = self.controller.store
        self.controller.runner.run_db(fn, store, *args, on_done=lambda r: box.setdefault("ok", r),
                                      on_error=lambda e: box.setdefault("error", e))
        self.qtbot.waitUntil(lambda: bool(box), timeout=EDIT_MS)
        if "error" in box:
            raise box["error"]
        return box["ok"]

    def wait_db(self, fn: Callable[..., Any], done: Callable[[Any], bool], timeout: int, what: str) -> Any:
        """Ask the database worker again and again (never two at a time) until ``done(answer)``."""
        state: dict[str, Any] = {"busy": False, "last": None}

        def answered(result: Any) -> None:
            state.update(busy=False, last=result)

        def check() -> bool:
            if not state["busy"]:
                state["busy"] = True
                self.controller.runner.run_db(fn, self.controller.store, on_done=answered)
            return state["last"] is not None and done(state["last"])

        try:
            self.qtbot.waitUntil(check, timeout=timeout)
        except AssertionError:
            raise AssertionError(f"{what}: still {state['last']!r}") from None
        return state["last"]

    # --- steps ---------------------------------------------------------------------------------------------------

    def set_role(self, role: str) -> None:
        combo = self.controller.incidents.role_combo
        combo.setCurrentIndex(combo.findData(role))
        assert self.controller.incidents.role == role

    def intake(self, step: Step) -> None:
        incidents, form = self.controller.incidents, step.params
        self.controller.map.sig_new_incident_requested.emit(form["lat"], form["lon"])  # right-click on the map
        self.qtbot.waitUntil(lambda: incidents.intake is not None and incidents.intake.category.count() > 1,
                             timeout=EDIT_MS)
        dialog = incidents.intake
        category = dialog.category.findData(form["category"])
        assert category > 0, form["category"]
        dialog.category.setCurrentIndex(category)
        dialog.priority.setCurrentIndex(dialog.priority.findData(form["priority"]))
        dialog.description.setPlainText(form["description"])
        dialog.reporter_name.setText(form["reporter_name"])
        dialog.reporter_contact.setText(form["reporter_contact"])
        self.qtbot.waitUntil(dialog.create_button.isEnabled, timeout=EDIT_MS)
        with self.one_save(f"intake {step.key}"):
            dialog.create_button.click()
        self.qtbot.waitUntil(lambda: incidents.intake is None, timeout=EDIT_MS)
        marker = form["description"].split(" ", 1)[0]
        [local_id] = self.db(_ids_with_description_prefix, marker)
        self.local_ids[step.key] = local_id

    def action(self, step: Step) -> None:
        local_id = self.local_ids[step.key]
        if step.role == "supervisor":
            self._click(local_id, step)
            return
        with self.one_save(f"{step.action} on {step.key}"):
            self.controller.incidents.detail.sig_action_requested.emit(local_id, step.action, dict(step.params))

    def _click(self, local_id: int, step: Step) -> None:
        """The supervisor opens the incident in the detail panel and presses the action's button."""
        incidents = self.controller.incidents
        detail = incidents.detail
        incidents.show_incident(local_id)
        self.qtbot.waitUntil(lambda: detail.incident_id == local_id and detail.buttons[step.action].isEnabled(),
                             timeout=EDIT_MS)
        detail.note.setText(step.params.get("note") or "")
        with self.one_save(f"{step.action} on {step.key} (supervisor)"):
            detail.buttons[step.action].click()
            confirm = detail.action_bar.cancel_confirmation
            if step.action == "cancel":  # "Cancel incident…" asks first: the supervisor confirms
                assert confirm is not None
                next(b for b in confirm.buttons() if b.objectName() == "confirmCancel").click()

    def comment(self, step: Step) -> None:
        with self.one_save(f"comment on {step.key}"):
            self.controller.incidents.detail.sig_comment_requested.emit(self.local_ids[step.key], step.params["text"])


# --- store reads (database worker) -----------------------------------------------------------------------------


def _ids_with_description_prefix(store: Any, prefix: str) -> list[int]:
    with store.edit_engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM incidents WHERE substr(description, 1, ?) = ?", (len(prefix), prefix))]


def _local_ids(store: Any, server_ids: list[str]) -> dict[str, int | None]:
    return {sid: store.incident_id_for_server_id(sid) for sid in server_ids}


def _details(store: Any, ids: list[int]) -> dict[int, Any]:
    return {i: store.incident_detail(i) for i in ids}


def _outbox_states(store: Any) -> dict[str, int]:
    with store.edit_engine.connect() as conn:
        return {state: n for state, n in conn.exec_driver_sql("SELECT state, count(*) FROM outbox GROUP BY state")}


def _open_conflicts(store: Any) -> list[Any]:
    return store.open_conflicts()


# --- the server (read over HTTP, as any client would) ------------------------------------------------------------


def _get(sim: Any, path: str, **params: str) -> Any:
    r = requests.get(f"{sim.url}/open311/v2{path}", params=params, timeout=10,
                     headers={"Authorization": f"Bearer {sim.tokens['supervisor']}"})
    r.raise_for_status()
    return r.json()


def _intake_categories(sim: Any) -> list[str]:
    """Categories the intake form can file: it has no attribute fields, so none with a required attribute."""
    codes = [s["service_code"] for s in _get(sim, "/services.json")]
    return [c for c in codes if not any(a.get("required") for a in _get(sim, f"/services/{c}.json")["attributes"])]


# --- the drill ---------------------------------------------------------------------------------------------------


def _run_drill(qtbot: Any, console_factory: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, *,
               seed: int, actions: int, creates: int, merges: int) -> dict[str, int]:
    caplog.set_level("WARNING")
    controller: ConsoleController = console_factory()  # demo mode: the embedded simulator, its role tokens
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=FIRST_SYNC_MS)
    sim, hands, window = controller.simulator, Hands(qtbot, controller, caplog), controller.window

    # What the console has synced: the server's records that are in the store at the same version.
    records = _get(sim, "/requests.json", status="open,closed")
    locals_ = hands.db(_local_ids, [r["service_request_id"] for r in records])
    versions = {d.row.server_id: d.version for d in hands.db(_details, [i for i in locals_.values() if i]).values()}
    synced = [r for r in records if versions.get(r["service_request_id"]) == r["version"]]
    assert len(synced) >= 30, (len(synced), len(records))
    hands.local_ids.update({r["service_request_id"]: locals_[r["service_request_id"]] for r in synced})
    drill = drill_script.build(seed, synced, _intake_categories(sim), actions=actions, creates=creates,
                               merges=merges)
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (320, 240), (30, 140, 60)).save(photo)

    # The network goes: every feed and every write fails. The console says so, and keeps working.
    fault = sim.faults.add("*", "down")
    window.sync_now_action.trigger()
    qtbot.waitUntil(lambda: window.connection.state == "offline", timeout=OFFLINE_MS)

    clock = 0
    for step in drill.steps:
        sim.clock.advance(step.at_s - clock)
        clock = step.at_s
        if step.kind == "role":
            hands.set_role(step.role)
        elif step.kind == "create":
            hands.intake(step)
        elif step.kind == "action":
            hands.action(drill_script.with_photo(step, str(photo)))
        elif step.kind == "comment":
            hands.comment(step)
        elif step.kind == "elsewhere":  # another operator, whose network still works
            sim.incidents.patch(step.key, dict(step.params), "*", "supervisor")
        elif step.kind == "elsewhere_comment":
            sim.incidents.add_comment(step.key, step.params["text"], "operator")
        else:
            raise AssertionError(step)
    sim.clock.advance(OUTAGE_S - clock)
    assert window.connection.state == "offline"
    assert hands.db(_outbox_states).get("pending") == drill.counts()["outbox_entries"]  # nothing got out

    # Reconnect with the supervisor at the console (who will decide the conflicts): "Sync now". The outbox has no
    # public accessor for its writer; its token says the role switch reached it (as the lifecycle test reads it).
    hands.set_role("supervisor")
    qtbot.waitUntil(lambda: controller.outbox._writer is not None
                    and controller.outbox._writer._token == sim.tokens["supervisor"], timeout=EDIT_MS)
    sync = controller.sync_controller.sync
    qtbot.waitUntil(lambda: not controller.outbox.running and not sync.snapshot().in_flight, timeout=OFFLINE_MS)
    assert sim.faults.remove(fault.id)
    window.sync_now_action.trigger()
    hands.wait_db(_outbox_states, lambda s: not s.get("pending") and not s.get("sending")
                  and s.get("conflict") == len(drill.conflicts), DRAIN_MS, "the outbox after reconnect")
    qtbot.waitUntil(lambda: not controller.outbox.running, timeout=DRAIN_MS)

    _decide_conflicts(qtbot, controller, drill)
    final = hands.wait_db(_outbox_states, lambda s: not any(s.get(k) for k in OPEN_OUTBOX_STATES), DRAIN_MS,
                          "the outbox after the decisions")
    qtbot.waitUntil(lambda: not controller.outbox.running, timeout=DRAIN_MS)
    assert final == {"sent": drill.counts()["outbox_entries"]}, final
    assert hands.db(_open_conflicts) == []

    _check(hands, drill, "after the drain", polled=False)
    # With the next poll of the incident feed the store holds every field as the server has it (a description
    # changed elsewhere arrives with it).
    with qtbot.waitSignal(controller.sync_controller.sig_feed_polled, timeout=FIRST_SYNC_MS,
                          check_params_cb=lambda state: state.feed == "open311_requests"):
        window.sync_now_action.trigger()
    qtbot.waitUntil(lambda: window.connection.state == "online", timeout=OFFLINE_MS)
    _check(hands, drill, "after the next poll", polled=True)
    return drill.counts()


def _decide_conflicts(qtbot: Any, controller: ConsoleController, drill: Drill) -> None:
    """The supervisor works through the Conflicts dock: the side-by-side table, then keep mine / keep theirs."""
    panel, actions = controller.conflicts_panel, controller.conflict_actions
    assert actions is not None
    qtbot.waitUntil(lambda: panel.list.count() == len(drill.conflicts), timeout=EDIT_MS)
    assert f"({len(drill.conflicts)})" in controller.window.dock("conflicts").windowTitle()
    for key, (field, decision) in drill.conflicts.items():
        rows = [i for i in range(panel.list.count()) if panel.list.item(i).text().startswith(f"#{key} ")]
        assert len(rows) == 1, (key, [panel.list.item(i).text() for i in range(panel.list.count())])
        panel.list.setCurrentRow(rows[0])
        tracked = drill.incidents[key]
        cells = {panel.table.item(r, 0).text(): [panel.table.item(r, c).text() for c in (1, 2, 3)]
                 for r in range(panel.table.rowCount())}
        [(label, (_base, mine, theirs))] = [(k, v) for k, v in cells.items() if k.startswith("≠")]
        mine_value = tracked.view.priority if field == "priority" else tracked.assignee
        assert mine_value in mine and tracked.elsewhere[field] in theirs, (label, mine, theirs)
        button = panel.keep_mine_button if decision == "keep_mine" else panel.keep_theirs_button
        with qtbot.waitSignal(actions.sig_conflict_resolved, timeout=EDIT_MS,
                              check_params_cb=lambda _outbox_id, made, d=decision: made == d):
            button.click()
        qtbot.waitUntil(lambda k=key: not any(panel.list.item(i).text().startswith(f"#{k} ")
                                              for i in range(panel.list.count())), timeout=EDIT_MS)


def _check(hands: Hands, drill: Drill, when: str, *, polled: bool) -> None:
    """The server holds exactly the intended state; the store agrees with it (every field once ``polled``)."""
    sim = hands.controller.simulator
    touched = {k: t for k, t in drill.incidents.items() if t.touched}
    details = hands.db(_details, [hands.local_ids[k] for k in touched])

    # Every intake exactly once, with its marker, nowhere else.
    listed = _get(sim, "/requests.json", status="open,closed")
    drill_records = Counter((r.get("description") or "").split(" ", 1)[0] for r in listed
                            if (r.get("description") or "").startswith(MARKER_PREFIX))
    created = {t.marker for t in touched.values() if t.marker}
    assert drill_records == Counter(created), f"{when}: intakes on the server {drill_records}"

    conflict_events = 0
    for key, tracked in touched.items():
        local = details[hands.local_ids[key]]
        where = f"{when}: {key} (local {local.row.id})"
        server_id = local.row.server_id
        assert server_id is not None, where
        if tracked.marker is None:
            assert server_id == key, where
        server = _get(sim, f"/requests/{server_id}.json")[0]
        got = {name: server[name] for name in ("workflow_state", "priority", "assignee", "description")}
        assert got == tracked.expected(), (where, got, tracked.expected(), tracked.actions)
        if tracked.intake is not None:
            assert server["service_code"] == tracked.intake["category"], where

        # Exactly-once: comments (mine in my order, and the other operator's), notes, comment updates.
        comments = [c["text"] for c in _get(sim, f"/requests/{server_id}/comments.json")]
        assert Counter(comments) == Counter(tracked.comments + tracked.elsewhere_comments), (where, comments)
        assert [c for c in comments if c in tracked.comments] == tracked.comments, where
        updates = Counter(u["description"] for u in _get(sim, "/servicerequestupdates.json",
                                                             service_request_id=server_id))
        for note in tracked.notes:
            assert updates[note] == 1, (where, note, updates[note])
        for note in tracked.dropped_notes:
            assert updates[note] == 0, (where, note, updates[note])
        for text in tracked.comments:
            assert updates[f"comment: {text}"] == 1, (where, text)

        # The store agrees with the server, with nothing left to send. Right after the drain the outbox has copied
        # the workflow fields of the server's answers; a description changed elsewhere arrives with the next poll.
        row = local.row
        assert (row.state, row.priority, row.assignee, local.local_changes) == (
            server["workflow_state"], server["priority"], server["assignee"], 0), where
        if polled:
            assert (local.description, local.version) == (server["description"], server["version"]), where

        # The timeline: every action and comment once, in order; merges and conflicts where they belong.
        events = sorted(local.events, key=lambda e: e.id)
        kinds = [e.kind for e in events]
        assert [k for k in kinds if k in ACTION_EVENT_KINDS] == tracked.actions, (where, kinds)
        assert [e.after["text"] for e in events if e.kind == "comment"] == tracked.comments, where
        assert kinds.count("created") == (1 if tracked.marker else 0), where
        conflict_events += kinds.count("conflict")
        if tracked.expects_merge:
            merged = [e for e in events if e.kind == "sync_merged"]
            assert merged and all(e.actor == "sync" for e in merged), (where, kinds)
        if key in drill.conflicts:
            field, decision = drill.conflicts[key]
            [conflict] = [e for e in events if e.kind == "conflict"]
            assert field in conflict.after["reasons"], (where, conflict.after)
            [resolved] = [e for e in events if e.kind == "conflict_resolved"]
            assert resolved.after["decision"] == decision and resolved.actor.endswith("(supervisor)"), where
    assert conflict_events == len(drill.conflicts), f"{when}: {conflict_events} conflict events"


def test_outage_drill_eight_hours(  # type: ignore[no-untyped-def]
        qtbot, console_factory, tmp_path: Path, caplog) -> None:
    counts = _run_drill(qtbot, console_factory, tmp_path, caplog, seed=SEED, actions=200, creates=14, merges=8)
    assert counts["creates"] >= 10 and counts["conflicts"] == 2 and counts["expected_merges"] >= 3, counts
    print(f"outage drill: {counts}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_outage_drill_long_shift(  # type: ignore[no-untyped-def]
        qtbot, console_factory, tmp_path: Path, caplog, seed: int) -> None:
    """The same drill, three times the work in the same eight hours, other seeds."""
    counts = _run_drill(qtbot, console_factory, tmp_path, caplog, seed=seed, actions=600, creates=40, merges=16)
    print(f"outage drill (seed {seed}): {counts}")


# --- product bugs the drill ran into: minimal reproductions, kept as regression tests ----------------------------


def _api(sim: Any) -> str:
    return f"{sim.url}/open311/v2"


def _sync_incidents(sim: Any, store: Any) -> list[Any]:
    """The server's incidents in the store, as the incident feed brings them."""
    body = requests.get(f"{_api(sim)}/requests.json", params={"status": "open,closed"}, timeout=10,
                        headers={"Authorization": f"Bearer {sim.tokens['supervisor']}"}).content
    records = open311.parse_requests(body).records
    store.ingest_service_requests(records)
    return records


def _patch_elsewhere(sim: Any, server_id: str, changes: dict[str, Any]) -> None:
    """Another console changes the incident (with the current ETag, so it succeeds)."""
    current = _get(sim, f"/requests/{server_id}.json")[0]
    requests.patch(f"{_api(sim)}/requests/{server_id}.json", json=changes, timeout=10, headers={
        "Authorization": f"Bearer {sim.tokens['supervisor']}", "If-Match": f'"{server_id}-v{current["version"]}"',
    }).raise_for_status()


def _drain(store: Any, writer: Any, rounds: int = 1) -> list[str]:
    """Send what is pending in order, as the outbox controller does: a "retry" ends a round (the controller then
    waits for its backoff timer and starts again from the first pending entry)."""
    kinds: list[str] = []
    for _ in range(rounds):
        for _ in range(50):
            entries = store.outbox_pending(1)
            if not entries:
                return kinds
            kinds.append(record_outcome(store, entries[0], writer.send(entries[0]), "operator"))
            if kinds[-1] == "retry":
                break
    return kinds


@pytest.fixture
def writer(simulator: Any) -> Iterator[IncidentWriter]:
    w = IncidentWriter(_api(simulator), simulator.tokens["operator"])
    yield w
    w.close()


def test_a_comment_sent_first_does_not_hide_a_same_field_change_made_elsewhere(  # type: ignore[no-untyped-def]
        simulator, store, writer) -> None:
    records = _sync_incidents(simulator, store)
    target = next(r for r in records if r.status_detail in ("acknowledged", "dispatched", "on_scene"))
    incident_id = store.incident_id_for_server_id(target.id)
    now = datetime.now(UTC)
    # Offline: a comment, then an assignment (both made on the version the console last saw).
    store.add_comment_local(incident_id, "on my way / กำลังเดินทาง", "op (operator)", now)
    store.apply_action_local(incident_id, {"assignee": "team-A"}, "op (operator)", now, action="assign")
    _patch_elsewhere(simulator, target.id, {"assignee": "team-B"})  # meanwhile, the same field elsewhere

    kinds = _drain(store, writer)
    server = _get(simulator, f"/requests/{target.id}.json")[0]
    # Before the fix: kinds == ["sent", "sent"] and the server said team-A: team-B overwritten without a trace.
    assert kinds == ["sent", "conflict"] and server["assignee"] == "team-B", (kinds, server["assignee"])
    [view] = store.open_conflicts()
    assert view.conflicting == ("assignee",)


def test_a_poll_between_a_create_and_its_record_does_not_block_the_outbox(  # type: ignore[no-untyped-def]
        simulator, store, writer) -> None:
    _sync_incidents(simulator, store)
    marker = "[RACE-1] ท่อประปาแตก / burst main"
    store.create_incident_local(IncidentDraft(category="water_supply", priority="P2", description=marker, lat=18.79,
                                              lon=98.98, source="hotline"), "op (operator)", datetime.now(UTC))
    entry = store.outbox_pending(1)[0]
    outcome = writer.send(entry)  # network pool: the server has the incident now
    assert outcome.kind == "sent"
    _sync_incidents(simulator, store)  # database worker: the incident feed's poll came back first
    record_outcome(store, entry, outcome, "operator")  # before the fix: IntegrityError, on every retry

    assert store.outbox_pending() == []
    with store.edit_engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT server_id FROM incidents WHERE description = ?", (marker,)).all()
    assert rows == [(outcome.record.id,)], rows


def test_a_refused_intake_does_not_block_the_rest_of_the_outbox(  # type: ignore[no-untyped-def]
        simulator, store, writer) -> None:
    now = datetime.now(UTC)
    fire = store.create_incident_local(IncidentDraft(
        category="forest_fire", priority="P1", description="ไฟป่าดอยสุเทพ กม. 7 / forest fire, Doi Suthep km 7",
        lat=18.80, lon=98.92, source="hotline"), "op (operator)", now)  # as the intake form files it
    store.add_comment_local(fire, "ทีมดับไฟป่ากำลังไป / fire crew on the way", "op (operator)", now)
    marker = "[BLOCK-1] ต้นไม้ล้ม / tree down"
    store.create_incident_local(IncidentDraft(category="tree", priority="P3", description=marker, lat=18.79,
                                              lon=98.98, source="hotline"), "op (operator)", now)

    kinds = _drain(store, writer, rounds=3)
    on_server = [r for r in _get(simulator, "/requests.json", status="open,closed") if r["description"] == marker]
    # Before the fix: ["rejected", "retry", "retry", "retry"], and the tree intake never left the workstation.
    assert len(on_server) == 1, kinds


def test_a_supervisors_offline_close_is_sent_as_the_supervisor(  # type: ignore[no-untyped-def]
        qtbot, console_factory, caplog) -> None:
    controller: ConsoleController = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=FIRST_SYNC_MS)
    sim, hands = controller.simulator, Hands(qtbot, controller, caplog)
    target = next(r for r in _get(sim, "/requests.json", status="open,closed")
                  if r["workflow_state"] == "resolved" and r["priority"] in ("P1", "P2"))
    key = target["service_request_id"]
    hands.local_ids[key] = hands.db(_local_ids, [key])[key]

    fault = sim.faults.add("*", "down")
    hands.set_role("supervisor")
    hands.action(Step(0, "action", key, "close", {"note": ""}, "supervisor"))  # the detail panel's Close button
    hands.set_role("operator")  # the operator takes the console back before the network returns
    qtbot.waitUntil(lambda: controller.outbox._writer is not None
                    and controller.outbox._writer._token == sim.tokens["operator"], timeout=EDIT_MS)
    qtbot.waitUntil(lambda: not controller.outbox.running, timeout=OFFLINE_MS)
    assert sim.faults.remove(fault.id)
    controller.window.sync_now_action.trigger()
    states = hands.wait_db(_outbox_states, lambda s: not s.get("pending"), DRAIN_MS, "the outbox")
    # Before the fix: {"conflict": 1} ("only a supervisor closes a resolved P2") and the server still said resolved.
    assert states == {"sent": 1} and _get(sim, f"/requests/{key}.json")[0]["workflow_state"] == "closed", states
