"""Drives a REAL console in its own process for the multi-process tests (kill -9, two consoles on one simulator).

It starts the console the way ``console/app.py`` does (QApplication offscreen, the pao scheme registered first,
MainWindow, then ConsoleController with ``--simulator-url`` after the first event-loop turn) and works it through
the same widgets and signals an operator uses: the intake dialog for new incidents, the detail panel's inputs and
buttons for workflow actions, comments and description corrections, the queue's right-click link menu and the
detail panel's links box for merges, related incidents and major incidents, "Sync now" (F5) for ingest. Each edit
carries a unique marker, and the driver prints one line per fact on stdout (flushed, so a parent killing the
process still reads every line):

    HELD                        another console holds the data directory (the exit code is then 6)
    RAISED                      another start asked this console to bring its window forward
    READY                       the store is open and the sync schedule started (ConsoleController.sig_ready)
    LOADED                      the first sync finished (incidents are in the store and the queue)
    CONFIRMED <kind> <marker>   the console said the edit is saved (IncidentController.sig_local_edit_saved,
                                emitted after the row + event + outbox commit); kind: create, comment, assign,
                                set_priority, a workflow action (acknowledge, dispatch, arrive, forward, hold, ...),
                                describe, merge, relate, promote, attach, split
    CONFLICTS <n>               the Conflicts dock was given n open conflicts (ConflictActions.sig_conflicts_loaded)
    DRAINED <n>                 nothing is pending in the outbox; n = the count in the Conflicts dock title
    SHOWN <json>                (--watch) what the operator sees of one incident, see below
    POLLED                      (--watch) every incident a POLL named has been SHOWN
    TIMEOUT <what>              something the driver waited for never came (the exit code is then 3)

Modes: edits at ``--edits-per-second`` until killed (the default); ``--drain-only`` (no edits: print DRAINED and
exit once the outbox has nothing pending); ``--script FILE`` (wait for a line "GO" on stdin, run the JSON list of
steps in order, then drain like ``--drain-only``); ``--watch`` (no edits: after LOADED, wait for lines on stdin).

A script step is ``{"incident": SERVER_ID, "action": ACTION, "marker": TEXT, ...}``; the incident is opened in the
detail panel first, as a click in the queue does. The comment's text is "note " + the marker; a workflow action
carries the marker as its note. Extra keys:
- ``"assignee"`` for assign, ``"priority"`` for set_priority, ``"agency"`` for forward (typed into the agency field);
- describe: ``"description"``, typed into the dialog that "Edit description…" opens, then "Save description";
- merge, relate, promote, attach with ``"via": "queue"`` (the default for merge and relate): ``"others"`` (server
  ids) are selected in the queue with the incident as the current row, and the entry ``link_<action>`` of the
  right-click menu is chosen (promote takes the others as children; attach needs a major incident);
- promote with ``"via": "panel"``: the links box's "Promote to major incident";
- attach with ``"via": "panel"``: ``"major"`` (server id) is typed into the links box's major incident number,
  then "Attach to major incident";
- split: ``"others"`` (one server id) is picked in the incident's link list (on the keeper its merged duplicate,
  on a duplicate its keeper), then "Split out".

``--watch`` reads lines on stdin: ``POLL ID,ID,...`` presses Sync now (F5), waits until every feed it asked has
finished a poll begun after the press (``SyncController.sig_feed_polled``; a poll already running at the press is
asked again) and the queue has reloaded after the incidents poll, then opens each incident in the detail panel and
prints ``SHOWN {"id", "title", "state_label", "assignee_text", "description", "links": [...], "major",
"in_queue", "queue": {"id", "status", "assignee"} or null}``: the texts of the panel's labels, its link list and
major-incident line, and the incident's cells in the queue (``in_queue`` false when the queue does not list it),
then ``POLLED``. ``QUIT`` (or the end of stdin) exits with 0. Test support only: the product never runs it.

Only public attributes and signals of the console are used. Two gaps shape the driver: "saved" says neither which
edit nor that anything changed, so edits go one at a time; and a refused edit has no signal (only the activity
text), so each step has a watchdog that prints TIMEOUT.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.app import THAI_CAPABLE_FONTS, prepare_environment
from console.runtime_guard import check_runtime
from services.logging_setup import setup_logging
from services.paths import resolve_paths
from tests.support.console_driver_steps import LinkSteps

EDIT_TIMEOUT_MS = 30_000  # a confirmation slower than this is a hang worth failing on
WAIT_POLL_MS = 25  # how often a "wait until" condition is looked at (the pytest-qt waitUntil rhythm)
PRIORITIES = ("P1", "P2", "P3", "P4")
EDIT_KINDS = {"create": 2, "comment": 3, "assign": 2, "set_priority": 2, "transition": 2}  # kind -> weight
TRANSITIONS = ("acknowledge", "dispatch", "arrive")  # the forward path an operator takes without a photo
# Categories without required attributes (the intake form has no attribute fields).
INTAKE_CATEGORIES = ("flooding", "road", "streetlight", "garbage", "tree", "traffic", "water_supply")
CHIANG_MAI = (18.70, 18.86, 98.90, 99.06)  # lat/lon box around the city for intake locations
LINK_ACTIONS = ("merge", "relate", "promote", "attach")  # the queue menu's entries (link_<action>)
QUEUE_CELLS = ("id", "status", "assignee")  # the queue cells a SHOWN line reports


def say(line: str) -> None:
    print(line, flush=True)


@dataclass
class _Watch:
    """One POLL being answered (--watch)."""

    ids: list[str]  # server ids still to show
    asked: set[str] = field(default_factory=set)  # the feeds the press set polling
    stale: set[str] = field(default_factory=set)  # of those, already polling at the press: their next answer is old
    fresh: set[str] = field(default_factory=set)  # the feeds that finished a poll begun after the press
    resets_at: int | None = None  # queue resets counted when the fresh incidents poll came in
    synced: bool = False


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="console_driver")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--simulator-url", required=True)
    parser.add_argument("--role", default="operator", choices=("operator", "supervisor"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edits-per-second", type=float, default=8.0)
    parser.add_argument("--sync-every", type=float, default=2.0, help="seconds between 'Sync now' (0: never)")
    parser.add_argument("--marker-prefix", default="MK", help="markers are PREFIX + E + number + Z")
    parser.add_argument("--lane", type=int, default=0, help="edit only incidents whose server id %% lanes == lane")
    parser.add_argument("--lanes", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(EDIT_KINDS), help="edit kinds to draw from (comma-separated)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--drain-only", action="store_true")
    mode.add_argument("--script", type=Path)
    mode.add_argument("--watch", action="store_true", help="after LOADED, answer POLL lines on stdin")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_runtime()  # as console/app.py: refuse a Qt/Python pair known to crash
    paths = resolve_paths(args.data_dir).ensure()
    setup_logging(paths.log_file)
    prepare_environment(headless=True)

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from console.main_window import MainWindow
    from console.qt_messages import route_qt_messages_to_log
    from console.ui_garbage_collector import UiThreadGarbageCollector
    from maps.scheme_handler import register_scheme
    from widgets.i18n import set_language

    route_qt_messages_to_log()
    register_scheme()  # before the QApplication, as console/app.py does
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = UiThreadGarbageCollector(app)  # lives as the app's child
    app.setApplicationName("pao-console")
    font = QFont(app.font())
    font.setFamilies(THAI_CAPABLE_FONTS)
    app.setFont(font)
    set_language("en")
    from console.single_instance import SingleInstance

    instance = SingleInstance(paths, app)  # one console per data directory, as console/app.py
    if instance.acquire() is not None:
        say("HELD")
        return 6
    window = MainWindow(None)  # no saved layout: each run starts from the default docks
    window.resize(1440, 900)
    window.restore_layout()
    window.show()
    made: dict[str, Any] = {}

    def compose() -> None:
        # After the first paint, as console/app.py composes the controller.
        from console.controller import ConsoleController

        controller = ConsoleController(window, paths, mode="demo", language="en", simulator_url=args.simulator_url)
        made["controller"] = controller
        controller.sync_controller.sig_first_sync_finished.connect(collector.settle)  # as console/app.py
        made["driver"] = Driver(controller, args, app.quit)
        controller.sig_fatal.connect(lambda message: (say(f"FATAL {message}"), made["driver"].finish(4)))
        controller.start()
        instance.listen()
        instance.sig_raise_requested.connect(lambda: say("RAISED"))

    QTimer.singleShot(0, compose)
    app.exec()
    controller = made.get("controller")
    if controller is not None:
        controller.shutdown()
    driver = made.get("driver")
    return 0 if driver is None else driver.exit_code


class Driver(LinkSteps):
    """The operator: waits for the console, then edits (or runs a script, or only waits for the drain)."""

    def __init__(self, controller: Any, args: argparse.Namespace, quit_app: Callable[[], None]) -> None:
        from PySide6.QtCore import QSocketNotifier, QTimer

        from widgets.incident_queue_model import ROW_ROLE

        self._row_role = ROW_ROLE  # a queue row's loaded data (None while its page is loading)
        self.c = controller
        self.incidents = controller.incidents
        self.detail = controller.incidents.detail
        self.args = args
        self.rng = random.Random(args.seed)
        self.exit_code = 0
        self._quit = quit_app
        self._count = 0
        self._pending: tuple[str, str] | None = None  # (kind, marker) of the edit waiting for its "saved"
        self._wait: tuple[Callable[[], bool], Callable[[], None]] | None = None
        self._after_show: tuple[int, Callable[[], None]] | None = None
        self._script: list[dict[str, Any]] = []
        self._draining = False
        self._finished = False
        self._waiting_for = ""  # what a TIMEOUT names when no edit is pending
        self._loaded = False
        self._watch: _Watch | None = None
        self._watch_lines: list[str] = []
        self._resets = 0  # how many times the queue model was reset (reloaded)
        self._poll = QTimer(interval=WAIT_POLL_MS)
        self._poll.timeout.connect(self._check_wait)
        self._next_timer = QTimer(singleShot=True, interval=max(1, int(1000 / max(args.edits_per_second, 0.01))))
        self._next_timer.timeout.connect(self._next_edit)
        self._watchdog = QTimer(singleShot=True, interval=EDIT_TIMEOUT_MS)
        self._watchdog.timeout.connect(self._timed_out)
        self._sync_timer = QTimer(interval=int(args.sync_every * 1000))
        self._sync_timer.timeout.connect(controller.window.sync_now_action.trigger)  # F5, "Sync now"
        self._stdin: Any = None

        self.incidents.role_combo.setCurrentIndex(self.incidents.role_combo.findData(args.role))  # "Acting as"
        controller.sig_ready.connect(self._on_ready)
        controller.sync_controller.sig_first_sync_finished.connect(self._on_loaded)
        self.incidents.sig_local_edit_saved.connect(self._on_saved)
        self.incidents.sig_incident_shown.connect(self._on_shown)
        controller.outbox.sig_drained.connect(self._on_drained)
        if args.script is not None:
            self._script = json.loads(args.script.read_text(encoding="utf-8"))
        if args.script is not None or args.watch:
            self._stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
            self._stdin.activated.connect(self._on_stdin)
        if args.watch:
            controller.sync_controller.sig_feed_polled.connect(self._on_feed_polled)
            self.incidents.model.modelReset.connect(self._on_queue_reset)

    # --- start-up ----------------------------------------------------------------------------------------------

    def _on_ready(self) -> None:
        say("READY")
        actions = self.c.conflict_actions  # made when the store opened, before sig_ready
        if actions is not None:
            actions.sig_conflicts_loaded.connect(lambda n: say(f"CONFLICTS {n}"))
        say(f"CONFLICTS {self._dock_count()}")  # its first load may have come before this connection

    def _on_loaded(self) -> None:
        say("LOADED")
        self._loaded = True
        if self.args.drain_only:
            self._draining = True
            self.c.outbox.kick()
        elif self.args.watch:
            self._next_watch()
        elif self.args.script is None:
            if self.args.sync_every > 0:
                self._sync_timer.start()
            self._next_timer.start()

    def _on_stdin(self) -> None:
        line = sys.stdin.readline()
        if not line:  # the parent closed our stdin: nothing more will come
            self._stdin.setEnabled(False)
            if self.args.watch:
                self._watch_lines.append("QUIT")
                self._next_watch()
            return
        if self.args.watch:
            self._watch_lines.append(line.strip())
            self._next_watch()
        elif line.strip() == "GO" and self._script:
            self._stdin.setEnabled(False)
            self._next_edit()

    # --- waiting without sleeping ------------------------------------------------------------------------------

    def _wait_until(self, condition: Callable[[], bool], then: Callable[[], None]) -> None:
        self._wait = (condition, then)
        self._poll.start()

    def _check_wait(self) -> None:
        if self._wait is None:
            self._poll.stop()
            return
        condition, then = self._wait
        if condition():
            self._wait = None
            self._poll.stop()
            then()

    def _show(self, incident_id: int, then: Callable[[], None]) -> None:
        """Open the incident in the detail panel (as a queue click does); ``then`` runs on the first detail load
        that follows, so the panel shows the store as it is after every earlier commit."""
        self._after_show = (incident_id, then)
        self.incidents.show_incident(incident_id)

    def _on_shown(self, _feature_id: str) -> None:
        if self._after_show is not None and self.detail.incident_id == self._after_show[0]:
            then, self._after_show = self._after_show[1], None
            then()

    # --- edits -------------------------------------------------------------------------------------------------

    def _marker(self) -> str:
        self._count += 1
        return f"{self.args.marker_prefix}E{self._count:04d}Z"

    def _next_edit(self) -> None:
        if self._finished or self._pending is not None:
            return
        self._watchdog.start()  # every step ends in a confirmation, a skip or a TIMEOUT
        if self.args.script is not None:
            if not self._script:
                self._watchdog.stop()
                self._draining = True
                self.c.outbox.kick()
                return
            step = self._script.pop(0)
            self._find_then(step["incident"], lambda incident_id: self._show(
                incident_id, lambda: self._scripted(step)))
            return
        kinds = self.args.kinds.split(",")
        kind = self.rng.choices(kinds, weights=[EDIT_KINDS[k] for k in kinds])[0]
        target = self._pick_target()
        if kind == "create" or (target is None and "create" in kinds):
            self._intake()
        elif target is None:
            self._schedule_next()  # nothing of this lane in the queue yet
        else:
            self._show(target, lambda: self._act(kind))

    def _pick_target(self) -> int | None:
        """An incident of this lane from the loaded queue rows (server ids split between lanes, so lanes sharing
        a simulator never edit the same incident)."""
        model = self.incidents.model
        mine = []
        for row in range(model.rowCount()):
            data = model.row_data(row)
            if data is not None and data.server_id and data.server_id.isdigit() \
                    and int(data.server_id) % self.args.lanes == self.args.lane:
                mine.append(data.id)
        return self.rng.choice(mine) if mine else None

    def _find_then(self, server_id: str, then: Callable[[int], None]) -> None:
        # Worker-side lookup, as a map click does (IncidentController.show_feature).
        store = self.c.store
        self.c.runner.run_db(store.incident_id_for_server_id, server_id,
                             on_done=lambda found: then(found) if found is not None else self._fail(
                                 f"TIMEOUT incident {server_id} not in the store"))

    def _act(self, kind: str) -> None:
        """Fill the detail panel's input for ``kind`` and press its button (a comment when it is not enabled)."""
        marker = self._marker()
        buttons = self.detail.buttons
        if kind == "transition":
            kind = next((a for a in TRANSITIONS if buttons[a].isEnabled()), "comment")
        if kind == "assign":
            self.detail.assignee.setText(f"team {marker}")
        elif kind == "set_priority":
            choices = [p for p in PRIORITIES if p != self.detail.priority.currentText()]  # shows the current one
            self.detail.priority.setCurrentIndex(self.detail.priority.findText(self.rng.choice(choices)))
        if kind != "comment" and not buttons[kind].isEnabled():
            kind = "comment"
        self._press(kind, marker)

    def _scripted(self, step: dict[str, Any]) -> None:
        kind, marker = step["action"], step["marker"]
        if kind == "describe":
            self._describe(step)
            return
        if kind == "split":
            self._split(step)
            return
        if kind in LINK_ACTIONS:
            via = step.get("via", "queue")
            if via == "queue":
                self._link_from_queue(step)
            elif via == "panel" and kind == "promote":
                self._click(step, self.detail.promote_button)
            elif via == "panel" and kind == "attach":
                self.detail.attach_to.setText(f"#{step['major']}")  # the major incident's number, as shown
                self._click(step, self.detail.attach_to_button)
            else:
                self._fail(f"TIMEOUT {kind} has no way via {via!r} in this driver")
            return
        if kind == "assign":
            self.detail.assignee.setText(step["assignee"])
        elif kind == "set_priority":
            self.detail.priority.setCurrentIndex(self.detail.priority.findText(step["priority"]))
        elif kind == "forward":
            self.detail.agency.setText(step["agency"])
        self._press(kind, marker, lambda: self._fail(f"TIMEOUT {kind} not enabled on {step['incident']}"))

    def _press(self, kind: str, marker: str, disabled: Callable[[], None] | None = None) -> None:
        if kind == "comment":
            self.detail.comment.setPlainText(f"note {marker}")
        else:
            self.detail.note.setText(marker)  # the note rides along as the server's status_notes
        if not self.detail.buttons[kind].isEnabled():
            self._watchdog.stop()
            (disabled or self._schedule_next)()  # unattended: nothing this role may do here now, next edit
            return
        self._pending = (kind, marker)
        self._watchdog.start()
        self.detail.buttons[kind].click()
        box = self.detail.action_bar.cancel_confirmation
        if kind == "cancel" and box is not None:  # "Cancel incident…" asks first: the operator confirms
            next(b for b in box.buttons() if b.objectName() == "confirmCancel").click()

    def _intake(self) -> None:
        south, north, west, east = CHIANG_MAI
        lat, lon = self.rng.uniform(south, north), self.rng.uniform(west, east)
        self.incidents.open_intake(lat, lon)  # what a right-click "new incident here" on the map does
        self._wait_until(lambda: self.incidents.intake is not None and self.incidents.intake.category.count() > 1,
                         self._fill_intake)

    def _fill_intake(self) -> None:
        dialog = self.incidents.intake
        marker = self._marker()
        dialog.category.setCurrentIndex(dialog.category.findData(self.rng.choice(INTAKE_CATEGORIES)))
        dialog.priority.setCurrentIndex(dialog.priority.findData(self.rng.choice(PRIORITIES)))
        dialog.description.setPlainText(f"outage drill {marker}")
        dialog.reporter_name.setText("drill")
        self._wait_until(lambda: dialog.create_button.isEnabled(), lambda: self._create(dialog, marker))

    def _create(self, dialog: Any, marker: str) -> None:
        self._pending = ("create", marker)
        dialog.create_button.click()

    def _on_saved(self) -> None:
        if self._pending is None:
            return
        kind, marker = self._pending
        self._pending = None
        self._watchdog.stop()
        say(f"CONFIRMED {kind} {marker}")
        self._schedule_next()

    def _schedule_next(self) -> None:
        if self.args.script is not None:
            self._next_edit()
        else:
            self._next_timer.start()

    def _timed_out(self) -> None:
        what = " ".join(self._pending) if self._pending else (
            self._waiting_for or "next step (intake dialog or detail panel)")
        self._fail(f"TIMEOUT {what} (activity: {self.c.window.activity.text()})")

    # --- watch: what another console's changes look like here after a poll -------------------------------------

    def _next_watch(self) -> None:
        if not self._loaded or self._watch is not None or not self._watch_lines or self._finished:
            return
        line = self._watch_lines.pop(0)
        if line == "QUIT":
            self.finish(0)
        elif line.startswith("POLL"):
            self._start_poll([sid for sid in line.removeprefix("POLL").strip().split(",") if sid])
        else:
            self._next_watch()

    def _start_poll(self, server_ids: list[str]) -> None:
        sync = self.c.sync_controller.sync
        if sync is None:
            self._fail("TIMEOUT POLL: the sync schedule has not started")
            return
        watch = self._watch = _Watch(server_ids)
        watch.stale = set(sync.snapshot().in_flight)
        self.c.window.sync_now_action.trigger()  # F5: every feed due now (sync_now takes them at once)
        watch.asked = set(sync.snapshot().in_flight)
        self._waiting_for = f"the sync after POLL (feeds still to finish: {sorted(watch.asked)})"
        self._watchdog.start()

    def _on_queue_reset(self) -> None:
        self._resets += 1

    def _on_feed_polled(self, state: Any) -> None:
        watch = self._watch
        if watch is None or watch.synced or state.feed not in watch.asked:
            return
        if state.feed in watch.stale:  # this poll began before the press: ask again, as an operator would
            watch.stale.discard(state.feed)
            self.c.window.sync_now_action.trigger()
            return
        watch.fresh.add(state.feed)
        if state.feed == "open311_requests":
            watch.resets_at = self._resets  # the console reloads its queue after this poll (schedule_reload)
        self._waiting_for = f"the sync after POLL (feeds still to finish: {sorted(watch.asked - watch.fresh)})"
        if watch.fresh >= watch.asked:
            watch.synced = True
            self._waiting_for = "the queue reloaded after the incidents poll"
            self._wait_until(lambda: watch.resets_at is None or self._resets > watch.resets_at, self._show_next)

    def _show_next(self) -> None:
        watch = self._watch
        assert watch is not None
        if not watch.ids:
            self._watch = None
            self._watchdog.stop()
            say("POLLED")
            self._next_watch()
            return
        server_id = watch.ids.pop(0)
        self._waiting_for = f"incident {server_id} in the detail panel"
        self._watchdog.start()
        self._find_then(server_id, lambda incident_id: self._show(
            incident_id, lambda: self._when_queue_row_loaded(server_id, incident_id)))

    def _when_queue_row_loaded(self, server_id: str, incident_id: int) -> None:
        model = self.incidents.model

        def loaded() -> bool:  # asking for the row's data loads its page, as painting it does
            row = model.row_of_id(incident_id)
            return row < 0 or model.index(row, 0).data(self._row_role) is not None

        self._waiting_for = f"incident {server_id}'s row in the queue"
        self._wait_until(loaded, lambda: self._say_shown(server_id, incident_id))

    def _say_shown(self, server_id: str, incident_id: int) -> None:
        if self.detail.incident_id != incident_id:  # something else was opened meanwhile: open it again
            self._show(incident_id, lambda: self._when_queue_row_loaded(server_id, incident_id))
            return
        d, model = self.detail, self.incidents.model
        row = model.row_of_id(incident_id)
        queue = None if row < 0 else {
            cell: model.index(row, model.COLUMNS.index(cell)).data() for cell in QUEUE_CELLS}
        say("SHOWN " + json.dumps({
            "id": server_id, "title": d.title.text(), "state_label": d.state.text(),
            "assignee_text": d.fields["assignee"].text(), "description": d.fields["description"].text(),
            "links": [d.links.item(i).text() for i in range(d.links.count())], "major": d.major_label.text(),
            "in_queue": row >= 0, "queue": queue}))
        self._show_next()

    # --- drain -------------------------------------------------------------------------------------------------

    def _on_drained(self) -> None:
        if self._draining and not self._finished:
            self.c.runner.run_db(self.c.store.outbox_pending, 1, on_done=self._pending_checked)

    def _pending_checked(self, entries: list[Any]) -> None:
        if entries or self._finished:
            return  # the outbox retries on its own timer and says sig_drained again
        say(f"DRAINED {self._dock_count()}")
        self.finish(0)

    def _dock_count(self) -> int:
        """The number in the Conflicts dock's title ("Conflicts (3)"; no number when there are none)."""
        count = re.search(r"\((\d+)\)", self.c.window.dock("conflicts").windowTitle())
        return int(count.group(1)) if count else 0

    def _fail(self, line: str) -> None:
        say(line)
        self.finish(3)

    def finish(self, code: int) -> None:
        if self._finished:
            return
        self._finished = True
        self.exit_code = code
        for timer in (self._poll, self._next_timer, self._watchdog, self._sync_timer):
            timer.stop()
        self.c.window.close()
        self._quit()


if __name__ == "__main__":
    sys.exit(main())
