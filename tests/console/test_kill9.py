"""Outage mode, proof 1: kill -9 of the console process during ingest, sync and local edits, at least 100 times in
one run. After every kill the store passes integrity_check, every edit the UI confirmed is there (timeline event
and outbox row, one transaction), and no transaction is half there; then a restart sends everything, and the server
has each confirmed edit exactly once.

Everything is a real process: one standalone simulator, and per lane a console (tests/support/console_driver.py)
started, worked and SIGKILLed over and over on the same data directory. Two lanes run side by side to halve the
wall time; they edit disjoint incidents (server ids split by parity) so they never conflict with each other.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.child_process import Child, console_env, driver_args, standalone_simulator
from tests.support.outbox_audit import audit_store, read_server, server_comments

# About 2.5 minutes on 2 cores; the suite's 300 s default leaves too little room on a busy machine.
pytestmark = pytest.mark.timeout(600)

LANES = 2
KILLS_PER_LANE = 50
MIN_KILLS = 100  # what the issue asks for, in one run
SEED = 20260509
MARKER = r"L\dR\d{3}E\d{4}Z"  # lane, round, edit: unique across the run, never a substring of another
START_TIMEOUT_S = 60.0  # generous: two consoles start on two cores while a third process serves them
EDIT_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 120.0


@dataclass
class Lane:
    index: int
    data_dir: Path
    logs: Path
    confirmed: dict[str, str] = field(default_factory=dict)  # marker -> kind, every round so far
    kills: int = 0
    server_copies: set[str] = field(default_factory=set)  # creates seen twice after a kill (until their resend)
    moments: list[str] = field(default_factory=list)


def _confirmed(child: Child) -> dict[str, str]:
    found = {}
    for line in child.lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "CONFIRMED":
            found[parts[2]] = parts[1]
    return found


def _fail_on_driver_trouble(child: Child, where: str) -> None:
    trouble = [line for line in child.lines if line.startswith(("TIMEOUT", "FATAL"))]
    assert not trouble, f"{where}: the console reported {trouble}\n{child.describe()}"


def _one_round(lane: Lane, url: str, env: dict[str, str], round_no: int, rng: random.Random) -> None:
    """Start the console on the lane's data directory, let it ingest, sync and edit, and SIGKILL it at a random
    moment: during start-up (store open, first ingest, the outbox draining what the last round left), after the
    n-th confirmed edit (mid-commit of the next one, mid-send), or a little after the first sync."""
    child = Child(driver_args(lane.data_dir, url, "--seed", str(SEED + 1000 * lane.index + round_no),
                              "--marker-prefix", f"L{lane.index}R{round_no:03d}", "--lane", str(lane.index),
                              "--lanes", str(LANES), "--edits-per-second", "12", "--sync-every", "1.5"),
                  env, lane.logs / f"round-{round_no:03d}.stderr")
    try:
        moment = rng.choices(("start-up", "edits", "after-sync"), weights=(3, 5, 2))[0]
        if moment == "start-up":
            child.read_for(rng.uniform(0.3, 2.5))
        elif moment == "after-sync":
            assert child.wait_for(lambda line: line == "LOADED", START_TIMEOUT_S), child.describe()
            child.read_for(rng.uniform(0.0, 0.4))
        else:
            wanted = rng.randint(1, 10)
            seen = 0

            def nth_confirmed(line: str) -> bool:
                nonlocal seen
                seen += line.startswith("CONFIRMED")
                return seen >= wanted

            got = child.wait_for(nth_confirmed, START_TIMEOUT_S + EDIT_TIMEOUT_S)
            _fail_on_driver_trouble(child, f"lane {lane.index} round {round_no}")
            assert got is not None, f"lane {lane.index} round {round_no}: {wanted} edits never confirmed\n" \
                                    f"{child.describe()}"
            child.read_for(rng.uniform(0.0, 0.25))
        assert child.proc.poll() is None, f"lane {lane.index} round {round_no}: the console died on its own\n" \
                                          f"{child.describe()}"
        child.kill_hard()
        lane.kills += 1
        lane.moments.append(moment)
        _fail_on_driver_trouble(child, f"lane {lane.index} round {round_no}")
    finally:
        child.close()
    lane.confirmed.update(_confirmed(child))
    audit = audit_store(lane.data_dir / "demo" / "console.sqlite3", MARKER)
    where = f"lane {lane.index} after kill {lane.kills} ({moment})"
    assert audit.integrity == ["ok"], f"{where}: integrity_check {audit.integrity}"
    assert not audit.problems, f"{where}: store invariants broken: {audit.problems[:10]}"
    lost = audit.check_confirmed(lane.confirmed)
    assert not lost, f"{where}: confirmed edits not stored whole: {lost[:10]}"
    lane.server_copies.update(audit.server_copies)


def _run_lane(lane: Lane, url: str, env: dict[str, str], failed: threading.Event) -> Lane:
    rng = random.Random(SEED + lane.index)
    try:
        for round_no in range(KILLS_PER_LANE):
            if failed.is_set():
                break  # the other lane failed: report it now rather than after all our rounds
            _one_round(lane, url, env, round_no, rng)
    except BaseException:
        failed.set()
        raise
    return lane


def _drain(lane: Lane, url: str, env: dict[str, str]) -> None:
    """Restart the console on the lane's store and let it send everything that is queued."""
    child = Child(driver_args(lane.data_dir, url, "--drain-only"), env, lane.logs / "drain.stderr")
    try:
        line = child.wait_for(lambda text: text.startswith(("DRAINED", "TIMEOUT", "FATAL")), DRAIN_TIMEOUT_S)
        assert line is not None and line.startswith("DRAINED"), f"lane {lane.index}: no drain\n{child.describe()}"
        assert child.proc.wait(timeout=30) == 0, child.describe()
    finally:
        child.close()


def test_kill9_during_ingest_sync_and_edits(tmp_path: Path) -> None:
    env = console_env(tmp_path / "keyring.json")
    lanes = []
    for index in range(LANES):
        logs = tmp_path / f"lane{index}-logs"
        logs.mkdir()
        lanes.append(Lane(index, tmp_path / f"lane{index}", logs))
    with standalone_simulator(env, tmp_path) as url:
        failed = threading.Event()
        with ThreadPoolExecutor(LANES) as pool:
            list(pool.map(lambda lane: _run_lane(lane, url, env, failed), lanes))
        kills = sum(lane.kills for lane in lanes)
        assert kills >= MIN_KILLS, kills
        confirmed = {m: k for lane in lanes for m, k in lane.confirmed.items()}
        assert len(confirmed) >= MIN_KILLS, f"only {len(confirmed)} confirmed edits: the kills came too early"

        for lane in lanes:
            _drain(lane, url, env)
            audit = audit_store(lane.data_dir / "demo" / "console.sqlite3", MARKER)
            assert audit.integrity == ["ok"] and not audit.problems, audit.problems[:10]
            assert not audit.check_confirmed(lane.confirmed)
            assert set(audit.outbox_states) <= {"sent"}, f"lane {lane.index}: outbox left {audit.outbox_states}"
            assert not audit.server_copies, f"lane {lane.index}: creates still twice in the store"

        server = read_server(url)
        creates, changes = server.creates(MARKER), server.changes(MARKER)
        wrong = {m: (k, creates[m] if k == "create" else changes[m]) for m, k in confirmed.items()
                 if (creates[m] if k == "create" else changes[m]) != 1}
        assert not wrong, f"confirmed edits not on the server exactly once (marker: kind, count): {wrong}"
        twice = {m: n for m, n in (creates + changes).items() if n > 1}
        assert not twice, f"duplicates on the server: {twice}"
        for lane in lanes:  # each comment also once in its request's comment list
            audit = audit_store(lane.data_dir / "demo" / "console.sqlite3", MARKER)
            for marker, kind in lane.confirmed.items():
                if kind == "comment":
                    [(incident_id, _op, _state)] = audit.outbox[marker]
                    texts = server_comments(url, audit.server_ids[incident_id] or "")
                    assert sum(marker in text for text in texts) == 1, (marker, texts)
        moments = {m: sum(lane.moments.count(m) for lane in lanes) for m in ("start-up", "edits", "after-sync")}
        copies = sum(len(lane.server_copies) for lane in lanes)
        print(f"kills: {kills} ({[lane.kills for lane in lanes]} per lane), at {moments}; confirmed edits: "
              f"{len(confirmed)}; creates met their server copy after a kill: {copies}")
