"""Closing the console ends the process within seconds and loses nothing committed, even while every request hangs.

Everything is a real process: a standalone simulator, and ``pao-console --demo`` itself on a data directory that
holds an edit the backend has not got. Every request to the simulator hangs (the feeds, the tiles, the outbox's send
of that edit); SIGTERM closes the window as the operator's close does. Before the fix the process outlived its window
by up to a call's deadline: concurrent.futures joined the network threads at exit, and the task runner waited for
them. Afterwards the edit is still in the store, pending (the send was abandoned, not recorded), and a later run sends
it exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from services.paths import resolve_paths
from tests.support.child_process import Child, console_env, driver_args, standalone_simulator
from tests.support.outbox_audit import audit_store, server_comments

pytestmark = pytest.mark.timeout(420)

MARKER = "SHUTDOWNE0001Z"  # matches itself as the audit's pattern: unique, never part of another text
START_TIMEOUT_S = 90.0
EXIT_WITHIN_S = 8.0  # "a few seconds": Python and QtWebEngine teardown on a busy 2-core machine; the hang is 60 s
CONTROL_TIMEOUT_S = 10.0


class SimulatorControl:
    """The standalone simulator's ``/_sim/faults`` routes, with the supervisor token it left in the keyring file."""

    def __init__(self, url: str, keyring_file: Path) -> None:
        tokens = json.loads(keyring_file.read_text(encoding="utf-8"))
        self._url = url
        self._headers = {"Authorization": f"Bearer {tokens['pao-console' + chr(31) + 'simulator-token-supervisor']}"}

    def add(self, **spec: object) -> int:
        answer = requests.post(f"{self._url}/_sim/faults", json=spec, headers=self._headers, timeout=CONTROL_TIMEOUT_S)
        answer.raise_for_status()
        return int(answer.json()["id"])

    def remaining(self, fault_id: int) -> int | None:
        answer = requests.get(f"{self._url}/_sim/faults", headers=self._headers, timeout=CONTROL_TIMEOUT_S)
        answer.raise_for_status()
        return next(f["remaining"] for f in answer.json() if f["id"] == fault_id)

    def clear(self) -> None:
        requests.delete(f"{self._url}/_sim/faults", headers=self._headers,
                        timeout=CONTROL_TIMEOUT_S).raise_for_status()


def _open_incident(url: str) -> str:
    answer = requests.get(f"{url}/open311/v2/requests.json", timeout=CONTROL_TIMEOUT_S)
    answer.raise_for_status()
    return next(r["service_request_id"] for r in answer.json() if r.get("status") == "open")


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_closing_while_every_request_hangs_exits_within_seconds_and_keeps_the_edit(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    env = console_env(keyring_file)
    data_dir = tmp_path / "data"
    store = resolve_paths(data_dir).database
    with standalone_simulator(env, tmp_path) as url:
        control = SimulatorControl(url, keyring_file)
        server_id = _open_incident(url)

        # 1. An edit the backend has not got: made through the console's widgets while every write is refused,
        #    then the console is killed (kill -9 keeps what was committed; tests/console/test_kill9.py).
        control.add(feed="open311", kind="down", methods=["POST", "PATCH"])
        script = tmp_path / "script.json"
        script.write_text(json.dumps([{"incident": server_id, "action": "comment", "marker": MARKER}]),
                          encoding="utf-8")
        driver = Child(driver_args(data_dir, url, "--script", str(script)), env, tmp_path / "driver.stderr",
                       stdin=True)
        try:
            assert driver.wait_for(lambda line: line == "LOADED", START_TIMEOUT_S), driver.describe()
            driver.send("GO\n")
            assert driver.wait_for(lambda line: line == f"CONFIRMED comment {MARKER}", START_TIMEOUT_S), \
                driver.describe()
            driver.kill_hard()
        finally:
            driver.close()
        control.clear()

        # 2. Every request hangs: the outbox's send of the edit (counted by its own fault), the feeds and the tiles.
        send = control.add(feed="open311", kind="hang", methods=["POST"], count=1000)
        control.add(feed="*", kind="hang")
        console = Child([sys.executable, "-m", "console", "--demo", "--simulator-url", url, "--data-dir",
                         str(data_dir), "--lang", "en"], env, tmp_path / "console.stderr")
        try:
            qtbot.waitUntil(lambda: control.remaining(send) != 1000 or console.proc.poll() is not None,
                            timeout=int(START_TIMEOUT_S * 1000))
            assert console.proc.poll() is None, console.describe()  # up, and its send is hanging at the server

            console.proc.send_signal(signal.SIGTERM)  # as a logout or a service manager closes it
            began = time.monotonic()
            try:
                code = console.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the console was still running 60 s after SIGTERM\n{console.describe()}")
            took = time.monotonic() - began
            assert code == 0, console.describe()
            assert took < EXIT_WITHIN_S, f"the process outlived its window by {took:.1f} s\n{console.describe()}"
            qtbot.waitUntil(lambda: _group_gone(console.proc.pid), timeout=10_000)  # QtWebEngine's helpers too
        finally:
            console.close()
        log = (data_dir / "logs" / "console.log").read_text(encoding="utf-8", errors="replace")
        assert "network calls abandoned at shutdown" in log  # the hanging send was there, and was not waited for

        # 3. Nothing committed is lost: the edit is whole and still pending (its send was never recorded).
        audit = audit_store(store, MARKER)
        assert audit.integrity == ["ok"], audit.integrity
        assert not audit.problems, audit.problems
        assert [kind for _incident, kind in audit.events[MARKER]] == ["comment"]
        assert [state for _incident, _op, state in audit.outbox[MARKER]] == ["pending"]

        # 4. The network is back: the next run sends it, and the server has it exactly once.
        control.clear()
        drain = Child(driver_args(data_dir, url, "--drain-only"), env, tmp_path / "drain.stderr")
        try:
            line = drain.wait_for(lambda text: text.startswith(("DRAINED", "TIMEOUT", "FATAL")), START_TIMEOUT_S)
            assert line is not None and line.startswith("DRAINED"), drain.describe()
            assert drain.proc.wait(timeout=30) == 0, drain.describe()
        finally:
            drain.close()
        assert sum(MARKER in text for text in server_comments(url, server_id)) == 1
