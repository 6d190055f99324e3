"""Outage mode: the local edit commit, the outbox drain after an outage, and the UI thread while a backlog drains.

- ``edit_commit_p99``: one local edit as the console's database worker makes it (``services.incident_actions.
  apply_action``: the detail read, the workflow check, then row + timeline event + outbox entry in ONE
  ``synchronous=FULL`` commit) on a real store file, p99 over many edits (assign / hold / assign / resume), against
  the bare durable commit: a plain sqlite3 INSERT of one row into a WAL database with ``synchronous=FULL`` in the same
  directory. The absolute goal (p99 <= 2 ms) is printed as a note, with the p50 and the store call alone.
- ``outbox_drain_1000``: 1,000 queued edits (priority changes, assignments and comments on synced incidents, a few
  creates) drained against a real simulator on loopback by the console's own drain steps
  (``services.outbox_drain.drain_step``: ``take_next``, ``send``, ``record_outcome``, run in a row on one thread),
  against the same edits sent online (each committed locally, then sent at once). The harness wants "lower is
  better", so the table shows ms per edit; the note gives edits/s and the drain/online throughput ratio. Both runs
  are checked afterwards: every edit on the server exactly once (update notes, comments, creates, versions), or the
  metric raises.
- ``ui_stall_during_sync``: a real console window (MainWindow + ConsoleController with the embedded simulator, full
  HD, the four chart docks on screen and drawing live) with a backlog of edits made during an Open311 outage; the
  fault is cleared and "sync now" pressed, and a 5 ms QTimer heartbeat records the longest gap (minus the interval)
  until the outbox is empty, against one 60 Hz frame (the goal, <= 50 ms, is three frames). The same heartbeat on
  the idle window is printed in the note.
"""

from __future__ import annotations

import gc
import itertools
import os
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.harness import BenchContext, metric
from benchmarks.outage_edits import ACTOR, ROLE, check_delivered, edit_steps, outbox_states, synced_incidents
from maps.scheme_handler import register_scheme
from services.sla import SlaPolicy
from services.store import Store, open_store

# The console window of ui_stall_during_sync embeds QtWebEngine: the scheme must exist before any QApplication.
register_scheme()

EDIT_P99_GOAL_MS = 2.0
STALL_GOAL_MS = 50.0
HEARTBEAT_MS = 5
_SIM_START = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
_PRIORITIES = ("P1", "P2", "P3", "P4")


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _NoAutomaticGc:
    """Automatic garbage collection off while timing a worker-side path, as in the console: it disables it and
    collects on the UI thread only (console/ui_garbage_collector.py), so the database worker never pays for it."""

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()

    def __exit__(self, *_exc: object) -> None:
        if self._was_enabled:
            gc.enable()


# --- edit_commit_p99 ---------------------------------------------------------------------------------------------

def _seed_incidents(path: Path, n: int) -> None:
    """``n`` acknowledged local incidents written with sqlite3 (a generator, not a measurement)."""
    open_store(path).close()
    t0 = int(_SIM_START.timestamp())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO incidents (service_code, service_name, status, workflow_state, priority, description, lat, lon, "
        "address, district_code, requested_at, updated_at, source, version) "
        "VALUES ('road', 'ถนนชำรุด', 'open', 'acknowledged', ?, ?, ?, ?, ?, ?, ?, ?, 'hotline', 1)",
        [(_PRIORITIES[k % 4], f"หลุมบ่อ หมายเลข {k} บริเวณถนนห้วยแก้ว", 18.7 + k % 100 / 1000,
          98.9 + k % 70 / 1000, f"{k} หมู่ {k % 12}", f"50{1 + k % 25:02d}", t0 - k * 60, t0 - k * 60)
         for k in range(n)],
    )
    conn.execute("COMMIT")
    conn.close()


def _raw_commit_samples(path: Path, n: int) -> list[float]:
    """Seconds per plain sqlite3 INSERT of one row, each its own commit, WAL + synchronous=FULL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS edits (id INTEGER PRIMARY KEY, incident_id INTEGER, fields TEXT)")
    samples = []
    try:
        for k in range(n + n // 20):  # the first 5% warm the page cache and the WAL file, untimed
            start = time.perf_counter()
            conn.execute("INSERT INTO edits (incident_id, fields) VALUES (?, ?)", (k % 500, '{"assignee": "x"}'))
            if k >= n // 20:
                samples.append(time.perf_counter() - start)
    finally:
        conn.close()
    return samples


# The goal is absolute (p99 <= 2 ms, in the note); a bare durable commit's p99 is 0.4-0.5 ms on the 2-core machine, so
# 5x is about the same budget as a ratio.
@metric("edit_commit_p99", goal_ratio=8.0, unit="ms")  # the goal proper: p99 <= 2 ms (note)
def edit_commit_p99(ctx: BenchContext) -> tuple[float, float]:
    """p99 of ``incident_actions.apply_action`` (assign / hold / assign / resume, round-robin over 500 incidents of a
    10,000-incident store) vs p99 of a bare sqlite3 one-row INSERT commit (WAL, synchronous=FULL), same directory."""
    from services import incident_actions

    n = 1000 if ctx.quick else 2000  # a p99 needs many samples: an edit costs ~1 ms, so even quick can afford them
    path = ctx.workdir / "edit_commit.sqlite3"
    _seed_incidents(path, 10_000)
    store = open_store(path)
    policy = SlaPolicy()
    cycle = ("assign", "hold", "assign", "resume")  # state changes both ways, and assignments in between
    rounds: Counter[int] = Counter()
    serial = itertools.count()

    def edit(incident_id: int) -> None:
        action = cycle[rounds[incident_id] % len(cycle)]
        rounds[incident_id] += 1
        k = next(serial)
        params = {"assignee": f"ทีม {k}", "note": f"edit {k}"} if action == "assign" else {"note": f"edit {k}"}
        incident_actions.apply_action(store, incident_id, action, params, ROLE, ACTOR, policy)

    ours, commit_only = [], []
    try:
        with _NoAutomaticGc():
            for k in range(100):  # warm-up: imports, statement caches, the WAL file
                edit(1 + k % 500)
            for k in range(n):
                start = time.perf_counter()
                edit(1 + k % 500)
                ours.append(time.perf_counter() - start)
            # The store's transaction alone (the edit's read and workflow step left out), for the note.
            for k in range(n // 2):
                start = time.perf_counter()
                store.apply_action_local(501 + k % 500, {"assignee": f"ทีม {k}"}, ACTOR, datetime.now(UTC),
                                         f"edit {k}", action="assign")
                commit_only.append(time.perf_counter() - start)
        with store.edit_engine.connect() as conn:
            queued = conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE state = 'pending'").scalar()
    finally:
        store.close()
    if queued != 100 + n + n // 2:
        raise RuntimeError(f"expected {100 + n + n // 2} queued edits, the outbox holds {queued}")
    with _NoAutomaticGc():
        raw = _raw_commit_samples(ctx.workdir / "edit_commit_raw.sqlite3", 2000)
    p99, raw_p99 = _percentile(ours, 0.99) * 1000, _percentile(raw, 0.99) * 1000
    ctx.notes.append(
        f"edit_commit_p99: apply_action p50 {statistics.median(ours) * 1000:.2f} ms, p99 {p99:.2f} ms, max "
        f"{max(ours) * 1000:.1f} ms over {n} edits (absolute goal p99 <= {EDIT_P99_GOAL_MS:g} ms: "
        f"{'pass' if p99 <= EDIT_P99_GOAL_MS else 'FAIL'}); Store.apply_action_local alone p50 "
        f"{statistics.median(commit_only) * 1000:.2f} / p99 {_percentile(commit_only, 0.99) * 1000:.2f} ms; bare "
        f"sqlite3 FULL commit p50 {statistics.median(raw) * 1000:.2f} / p99 {raw_p99:.2f} ms")
    return p99, raw_p99


# --- outbox_drain_1000 -------------------------------------------------------------------------------------------

class _DrainRig:
    """A frozen-clock simulator (no new arrivals: the server changes only by what we send) and a store that has
    synced its Open311 incidents through the console's own SyncService."""

    def __init__(self, path: Path) -> None:
        from services.incident_writer import IncidentWriter
        from services.settings import Settings
        from services.simulator.clock import SimClock
        from services.simulator.server import SimulatorServer
        from services.startup import build_sync

        self.sim = SimulatorServer(clock=SimClock(_SIM_START, speed=0)).start()
        self.store = open_store(path)
        sync = build_sync(Settings(), [], self.sim, None)
        try:  # the incidents with their server ids are all the edits need
            state = sync.run_feed(self.store, "open311_requests")
        finally:
            sync.close()
        if state.last_error:
            raise RuntimeError(f"the Open311 sync failed: {state.last_error}")
        self.versions = {rid: self.sim.incidents.get(rid)["version"] for _i, rid, _s, _p in
                         synced_incidents(self.store)}
        self.writer = IncidentWriter(f"{self.sim.url}/open311/v2", self.sim.tokens[ROLE])

    def send_one(self) -> bool:
        """One turn of the console's drain: the steps the outbox controller runs on its threads, here in a row.
        False when nothing is pending. Anything but "sent" is an error here: only this store writes to this
        simulator."""
        from services.outbox_drain import drain_step

        turn = drain_step(self.store, self.writer, ROLE)
        if turn is None:
            return False
        if turn.kind != "sent":
            raise RuntimeError(f"outbox entry {turn.entry.op} came back {turn.kind}: {turn.outcome.error}")
        return True

    def close(self) -> None:
        self.writer.close()
        self.store.close()
        self.sim.stop()


# Draining a backlog must cost no more per edit than sending each edit as it is made (which also pays its commit).
@metric("outbox_drain_1000", goal_ratio=1.0, unit="ms/edit")
def outbox_drain_1000(ctx: BenchContext) -> tuple[float, float]:
    """Wall time per edit draining N queued edits vs per edit sent online (commit, then send at once)."""
    n = 300 if ctx.quick else 1000
    drain = _DrainRig(ctx.workdir / "drain.sqlite3")
    try:
        plan, make = edit_steps(drain.store, n, "drain")
        for k in range(n):
            make(k)
        if outbox_states(drain.store) != {"pending": n}:
            raise RuntimeError(f"expected {n} queued edits, the outbox holds {outbox_states(drain.store)}")
        with _NoAutomaticGc():
            start = time.perf_counter()
            sent = 0
            while drain.send_one():
                sent += 1
            drained_s = time.perf_counter() - start
        check_delivered(drain.sim, drain.store, plan, drain.versions, "drain")
    finally:
        drain.close()

    online = _DrainRig(ctx.workdir / "online.sqlite3")
    try:
        plan, make = edit_steps(online.store, n, "online")
        with _NoAutomaticGc():
            start = time.perf_counter()
            for k in range(n):
                make(k)
                if not online.send_one():
                    raise RuntimeError("an edit made online was not in the outbox")
            online_s = time.perf_counter() - start
        check_delivered(online.sim, online.store, plan, online.versions, "online")
    finally:
        online.close()
    if sent != n:
        raise RuntimeError(f"the drain sent {sent} of {n} edits")
    ctx.notes.append(
        f"outbox_drain_1000: {n} edits ({len(plan.notes)} updates, {len(plan.comments)} comments, "
        f"{len(plan.creates)} creates) drained at {n / drained_s:.0f} edits/s ({drained_s:.2f} s) vs sent online "
        f"at {n / online_s:.0f} edits/s ({online_s:.2f} s): drain/online throughput {online_s / drained_s:.2f}; "
        f"the server has each edit exactly once in both runs")
    return drained_s / n * 1000, online_s / n * 1000


# --- ui_stall_during_sync ----------------------------------------------------------------------------------------

def _wait_for(arm: Callable[[Callable[..., None]], None], timeout_s: float, what: str) -> Any:
    """Run a local QEventLoop until ``arm``'s callback is called (its first argument is returned); the UI thread
    keeps handling events meanwhile, as it would in the console."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    box: list[Any] = []

    def done(*value: Any) -> None:
        if not box:
            box.append(value[0] if value else None)
            loop.quit()

    arm(done)
    timer = QTimer(singleShot=True)
    timer.timeout.connect(loop.quit)
    timer.start(int(timeout_s * 1000))
    if not box:
        loop.exec()
    timer.stop()
    if not box:
        raise TimeoutError(f"ui_stall_during_sync: {what} did not happen within {timeout_s:.0f} s")
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def _run_events_for(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class _StallSampler:
    """With PAO_BENCH_STALL_STACKS=1: a thread that, while the UI thread's heartbeat is late by more than
    ``late_ms``, samples the UI thread's Python stack every millisecond, to say where long stalls are spent (a stack
    ending in the event loop's exec means Qt's own C++ code, painting or waiting for the interpreter lock), and how
    much of that time the UI thread was on the CPU (painting) rather than waiting."""

    def __init__(self, beat: _Heartbeat, late_ms: float = 25.0) -> None:
        import threading

        self._beat, self._late_s = beat, late_ms / 1000
        self._main = threading.main_thread().ident
        self.samples: dict[str, int] = {}
        self.stalled_s = self.on_cpu_s = 0.0  # time sampled inside long stalls, and the UI thread's CPU in it
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        import sys
        import traceback

        clock = time.pthread_getcpuclockid(self._main)  # the UI thread's CPU time: working, or waiting?
        before: tuple[float, float] | None = None
        while not self._stop.wait(0.001):
            wall, cpu = time.perf_counter(), time.clock_gettime(clock)
            if wall - self._beat.last <= self._late_s:
                before = None
                continue
            if before is not None:
                self.stalled_s += wall - before[0]
                self.on_cpu_s += cpu - before[1]
            before = (wall, cpu)
            frame = sys._current_frames().get(self._main)
            if frame is None:
                continue
            where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                               for f in reversed(traceback.extract_stack(frame)[-4:]))
            self.samples[where] = self.samples.get(where, 0) + 1

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(timeout=2)
        top = sorted(self.samples.items(), key=lambda kv: -kv[1])[:8]
        share = self.on_cpu_s / self.stalled_s if self.stalled_s else 0.0
        return [f"UI thread on the CPU {share:.0%} of {self.stalled_s * 1000:.0f} ms inside long stalls (the rest "
                "waiting: for the interpreter lock, or the CPU)", *(f"{n} ms in {where}" for where, n in top)]


class _Heartbeat:
    """A precise QTimer on the UI thread; every gap between ticks beyond the interval is a stall."""

    @property
    def last(self) -> float:
        return self._last

    def __init__(self, interval_ms: int = HEARTBEAT_MS) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval_s = interval_ms / 1000
        self.gaps: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = self.started = self._cpu = 0.0

    def start(self) -> None:
        self.gaps.clear()
        self._cpu = time.thread_time()
        self.started = self._last = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def stop(self) -> tuple[float, float]:
        """Stop; returns (seconds measured, UI-thread CPU seconds in them). A stall still running counts too."""
        self._tick()
        self._timer.stop()
        return self._last - self.started, time.thread_time() - self._cpu

    def stalls_ms(self) -> list[float]:
        return [max(0.0, gap - self.interval_s) * 1000 for gap in self.gaps]


def _backlog(store: Store, n: int) -> int:
    """Database worker: ``n`` edits as the console makes them, during the outage."""
    _plan, make = edit_steps(store, n, "outage")
    for k in range(n):
        make(k)
    return len(store.outbox_pending(n + 1))


# The goal is absolute (<= 50 ms, in the note); an idle window's longest gap is ~2.5 ms on the 2-core machine, so 20x
# is the same budget as a ratio.
FRAME_MS = 1000 / 60


@metric("ui_stall_during_sync", goal_ratio=STALL_GOAL_MS / FRAME_MS, unit="ms")
def ui_stall_during_sync(ctx: BenchContext) -> tuple[float, float]:
    """Longest UI-thread stall from "sync now" after an outage until a backlog of N edits has drained, vs one 60 Hz
    frame (the goal, 50 ms, is three frames). The same heartbeat on the idle window is in the note."""
    from PySide6.QtWidgets import QApplication

    from console.controller import ConsoleController
    from console.main_window import MainWindow
    from console.qt_messages import route_qt_messages_to_log
    from console.ui_garbage_collector import UiThreadGarbageCollector
    from services.interpreter_lock import favour_ui_thread
    from services.paths import DataPaths

    n = 400 if ctx.quick else 1500
    route_qt_messages_to_log()  # as console/app.py: Qt's platform chatter goes to the log, not the table
    app = QApplication.instance() or QApplication(["outage-bench"])
    collector = UiThreadGarbageCollector(app)  # as console/app.py: cyclic gc on the UI thread only
    switch_interval = favour_ui_thread()  # as console/app.py
    window = MainWindow(None)
    window.resize(1920, 1080)  # full HD: the river and PM2.5 charts are on screen by default
    window.show()
    controller = ConsoleController(window, DataPaths(ctx.workdir / "ui-console").ensure(), mode="demo")
    for name in ("hotspotChart", "incidentLoad"):  # the other two charts torn off: all four drawn live
        dock = window.dock(name)
        dock.setFloating(True)
        dock.resize(640, 400)
        dock.show()
    try:
        def started(done: Callable[..., None]) -> None:
            waiting = {"sync", "map"}  # every feed polled once, and the map page up with its first layers

            def arrived(what: str) -> None:
                waiting.discard(what)
                if not waiting:
                    done()
            controller.sync_controller.sig_first_sync_finished.connect(collector.settle)  # as console/app.py
            controller.sync_controller.sig_first_sync_finished.connect(lambda: arrived("sync"))
            controller.map.sig_map_ready.connect(lambda: arrived("map"))
            controller.sig_fatal.connect(lambda message: done(RuntimeError(message)))
            controller.start()

        _wait_for(started, 120, "the first sync and the map page")
        charts = controller.charts

        def charts_drawn(done: Callable[..., None]) -> None:  # the first draw builds each chart's items, once
            from PySide6.QtCore import QTimer

            poll = QTimer(window, interval=50)
            poll.timeout.connect(lambda: (charts.river.charts() and charts.air.charts()
                                          and charts.incidents.load() is not None
                                          and charts.hotspots.days() is not None
                                          and (poll.stop(), done())))
            poll.start()

        _wait_for(charts_drawn, 60, "the charts' first data")
        _run_events_for(2)  # their first redraws
        hidden = [name for name in ("riverChart", "airChart", "hotspotChart", "incidentLoad")
                  if window.dock(name).visibleRegion().isEmpty()]
        if hidden:
            raise RuntimeError(f"ui_stall_during_sync: chart docks not on screen: {hidden}")
        store, sim, runner = controller.store, controller.simulator, controller.runner
        assert store is not None and sim is not None

        # The outage: Open311 drops every connection while the operator goes on working (edits on the database
        # worker, as the console makes them); nothing is sent, since only the outbox's own timers would try.
        outage = sim.faults.add("open311", "down")
        queued = _wait_for(lambda done: runner.run_db(_backlog, store, n, on_done=done, on_error=done), 300,
                           "the backlog of edits")
        if queued < n * 0.9:  # the outbox's idle check may have tried one during the outage; it stays queued
            raise RuntimeError(f"only {queued} of {n} edits were queued when the outage ended")

        # The backend is back and the operator presses "sync now": every feed polls and the outbox drains.
        busy_beat = _Heartbeat()
        sampler = _StallSampler(busy_beat) if os.environ.get("PAO_BENCH_STALL_STACKS") == "1" else None

        def drained(done: Callable[..., None]) -> None:
            def check() -> None:  # sig_drained also means "stopped to retry later": only an empty outbox ends it
                runner.run_db(store.outbox_pending, 1, on_done=lambda left: None if left else done())
            controller.outbox.sig_drained.connect(check)
            sim.faults.remove(outage.id)
            busy_beat.start()
            if sampler is not None:
                sampler.start()
            window.sig_sync_requested.emit()

        _wait_for(drained, 300, "the outbox drain")
        busy_s, busy_cpu = busy_beat.stop()
        if sampler is not None:
            ctx.notes.extend(f"ui_stall_during_sync stall stack: {line}" for line in sampler.stop())
        states = _wait_for(lambda done: runner.run_db(outbox_states, store, on_done=done), 30, "the outbox states")
        if states != {"sent": n}:
            raise RuntimeError(f"the drain left the outbox as {states}, expected {{'sent': {n}}}")

        _run_events_for(3)  # what the drain scheduled settles (queue reload 0.8 s, map 1 s, overview 0.5 s)
        idle_beat = _Heartbeat()
        idle_beat.start()
        _run_events_for(busy_s)
        idle_beat.stop()
    finally:
        controller.shutdown(timeout=15)
        window.close()
        window.deleteLater()
        collector.stop()
        collector.deleteLater()
        sys.setswitchinterval(switch_interval)
    busy, idle = busy_beat.stalls_ms(), idle_beat.stalls_ms()
    stall, idle_stall = max(busy), max(idle)
    ctx.notes.append(
        f"ui_stall_during_sync: {n} queued edits drained in {busy_s:.1f} s ({n / busy_s:.0f} edits/s, every feed "
        f"syncing too); longest UI stall {stall:.1f} ms (absolute goal <= {STALL_GOAL_MS:g} ms: "
        f"{'pass' if stall <= STALL_GOAL_MS else 'FAIL'}), the five longest "
        f"{', '.join(f'{s:.0f}' for s in sorted(busy, reverse=True)[:5])} ms, {sum(s > STALL_GOAL_MS for s in busy)} "
        f"over the goal, p99 tick gap {_percentile(busy_beat.gaps, 0.99) * 1000:.1f} ms, UI thread busy "
        f"{busy_cpu / busy_s:.0%} of the time; idle window: longest {idle_stall:.1f} ms")
    return stall, FRAME_MS
