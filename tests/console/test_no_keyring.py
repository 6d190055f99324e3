"""A workstation without a usable OS keyring: ``pao-console secret`` says so instead of "removed" or "not set", and a
console started with ``--simulator-url`` takes the tokens the standalone simulator printed, through a dialog, into
memory only — its status bar never advises a ``pao-console secret set`` that cannot work there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import requests
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtGui import QGuiApplication

from console.controller import ConsoleController
from services.credentials import CredentialStore, KeyringUnavailableError
from services.settings import Settings
from services.writer_setup import build_writer
from tests.support.child_process import ROOT, Child
from tests.support.file_keyring import process_env

FAIL_BACKEND = "keyring.backends.fail.Keyring"
FIRST_SYNC_MS = 60_000


def secret(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", "secret", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def no_keyring_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = FAIL_BACKEND
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


@pytest.mark.parametrize("action", ["delete", "status", "set"])
def test_secret_command_without_a_keyring_says_so_and_fails(action: str) -> None:
    done = secret(action, "simulator-token-operator", env=no_keyring_env(), stdin="abc123\n")
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert "keyring is not available" in done.stderr
    assert "Traceback" not in done.stderr and "abc123" not in done.stderr + done.stdout
    assert "removed" not in done.stdout and "not set" not in done.stdout and "stored" not in done.stdout
    assert "Enter simulator tokens" in done.stderr  # the way that does work for a simulator token


def test_secret_command_with_a_keyring(tmp_path: Path) -> None:
    env = process_env(tmp_path / "keyring.json")
    assert secret("delete", "firms-map-key", env=env).stdout.strip() == "firms-map-key was not set"
    assert secret("set", "firms-map-key", env=env, stdin="k3y-value\n").returncode == 0
    status = secret("status", "firms-map-key", env=env)
    assert status.returncode == 0 and status.stdout.strip() == "firms-map-key: stored"
    removed = secret("delete", "firms-map-key", env=env)
    assert removed.returncode == 0 and removed.stdout.strip() == "firms-map-key removed from the OS keyring"
    assert secret("status", "firms-map-key", env=env).stdout.strip() == "firms-map-key: not set"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)


def test_credential_store_tells_unavailable_from_not_set(no_keyring) -> None:  # type: ignore[no-untyped-def]
    store = CredentialStore()
    assert store.get("open311-token") is None  # optional secrets: quietly absent
    for call in (lambda: store.read("open311-token"), lambda: store.delete("open311-token"),
                 lambda: store.set("open311-token", "x")):
        with pytest.raises(KeyringUnavailableError):
            call()


def test_writer_takes_session_tokens_and_never_asks_a_missing_keyring(no_keyring) -> None:  # type: ignore[no-untyped-def]
    settings = Settings().model_copy(update={"mode": "demo"})
    with pytest.raises(KeyringUnavailableError):
        build_writer(settings, None, "operator", "http://127.0.0.1:9")
    writer = build_writer(settings, None, "operator", "http://127.0.0.1:9", {"operator": "op-token-123"})
    try:
        assert writer is not None and writer._token == "op-token-123"
    finally:
        writer.close()
    live = Settings().model_copy(update={"mode": "live"})
    live = live.model_copy(update={"endpoints": live.endpoints.model_copy(
        update={"open311": "https://open311.example.invalid/v2"})})
    with pytest.raises(KeyringUnavailableError):  # live: the token would have to come from the keyring
        build_writer(live, None, "operator", None)


@pytest.fixture
def printed_simulator(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``pao-console simulator`` with no keyring: its URL and everything it printed (the tokens among it)."""
    env = no_keyring_env()
    env["PYTHONUNBUFFERED"] = "1"
    child = Child([sys.executable, "-m", "console", "simulator", "--port", "0"], env, tmp_path / "sim.stderr")
    try:
        assert child.wait_for(lambda line: "Press Ctrl-C" in line, 30) is not None, child.describe()
        printed = "\n".join(child.lines)
        match = re.search(r"http://127\.0\.0\.1:\d+", printed)
        assert match is not None and "no OS keyring" in printed, printed
        yield match.group(0), printed
    finally:
        child.proc.terminate()
        child.proc.wait(timeout=15)
        child.close()


def _token(printed: str, role: str) -> str:
    match = re.search(rf"{role}\s+token: (\S+)", printed)
    assert match is not None
    return match.group(1)


def test_console_without_a_keyring_takes_the_printed_tokens(qtbot, no_keyring, printed_simulator,  # type: ignore[no-untyped-def]
                                                            console_factory) -> None:
    # (Fixture order: the console shuts down before the simulator stops and the keyring comes back.)
    url, printed = printed_simulator
    controller: ConsoleController = console_factory(simulator_url=url)
    window, session = controller.window, controller.session_tokens
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: session.button.isVisible(), timeout=30_000)
    notice = next(m for m in window.activity.recent() if "keyring" in m)  # (an SLA escalation may have followed it)
    assert "pao-console secret" not in notice  # no advice that cannot work here
    assert session.action.isVisible() and controller.outbox._writer is None
    assert session.action in window.training_outage_action.associatedObjects()[0].actions()  # the Sync menu

    session.button.click()
    dialog = session.dialog
    assert dialog is not None and dialog.isVisible()
    QGuiApplication.clipboard().setText(printed)
    dialog.paste_button.click()
    assert all(dialog.fields[r].text() == _token(printed, r) for r in ("operator", "supervisor", "viewer"))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert not dialog.isVisible() and all(not f.text() for f in dialog.fields.values())
    qtbot.waitUntil(lambda: controller.outbox._writer is not None, timeout=30_000)
    assert controller.outbox._writer._token == _token(printed, "operator")
    assert not session.button.isVisible()

    # An edit reaches the simulator with the entered operator token.
    incident_id, server_id = next(
        (r.id, r.server_id) for r in controller.store.incidents_page(limit=50) if r.server_id)
    text = "บันทึกจากเครื่องที่ไม่มี keyring"
    controller.incidents.detail.sig_comment_requested.emit(incident_id, text)
    supervisor = {"Authorization": f"Bearer {_token(printed, 'supervisor')}"}

    def comments() -> list[str]:
        answer = requests.get(f"{url}/open311/v2/requests/{server_id}/comments.json", headers=supervisor, timeout=10)
        answer.raise_for_status()
        return [c["text"] for c in answer.json()]

    qtbot.waitUntil(lambda: text in comments(), timeout=30_000)

    # The training switch uses the entered supervisor token on the /_sim routes.
    action = window.training_outage_action
    action.trigger()
    qtbot.waitUntil(lambda: controller.training_outage.cut, timeout=10_000)
    faults = requests.get(f"{url}/_sim/faults", headers=supervisor, timeout=5).json()
    assert [f["kind"] for f in faults] == ["down"]
    action.trigger()
    qtbot.waitUntil(lambda: not controller.training_outage.cut, timeout=10_000)
    assert requests.get(f"{url}/_sim/faults", headers=supervisor, timeout=5).json() == []
    # Back online, and no poll still running: a call in flight at shutdown would outlive the console's workers.
    sync = controller.sync_controller.sync
    qtbot.waitUntil(lambda: window.connection.state in ("online", "degraded") and not sync.snapshot().in_flight,
                    timeout=60_000)
