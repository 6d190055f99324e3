"""Child processes for the multi-process tests: a standalone simulator and console drivers, their stdout read line
by line against deadlines (select on the pipe, never sleep), and a hard kill that takes the whole process group
(the console and its QtWebEngine helpers) down at once, as a power cut would."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.file_keyring import process_env

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR_START_S = 30.0


def console_env(keyring_file: Path) -> dict[str, str]:
    """Environment for simulator and console children sharing ``keyring_file`` as their OS keyring."""
    env = process_env(keyring_file)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Child:
    """One child process; ``lines`` holds every stdout line read so far."""

    def __init__(self, args: list[str], env: dict[str, str], stderr_file: Path, *, stdin: bool = False) -> None:
        self.stderr_file = stderr_file
        with stderr_file.open("ab") as err:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err,
                                         stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                         start_new_session=True)  # its own group: the kill takes its helpers too
        assert self.proc.stdout is not None
        self._fd = self.proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fd, selectors.EVENT_READ)
        self._partial = b""
        self._checked = 0
        self.lines: list[str] = []
        self.eof = False

    def _read_some(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for output; False at the timeout or end of file."""
        if self.eof or not self._selector.select(max(timeout, 0.0)):
            return False
        chunk = os.read(self._fd, 65536)
        if not chunk:
            self.eof = True
            return False
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        self.lines.extend(line.decode("utf-8", "replace") for line in complete)
        return True

    def wait_for(self, predicate: Callable[[str], bool], timeout: float) -> str | None:
        """The next line (not yet looked at by an earlier wait) for which ``predicate`` holds, or None when the
        timeout passes or the child's output ends first."""
        deadline = time.monotonic() + timeout
        while True:
            while self._checked < len(self.lines):
                line = self.lines[self._checked]
                self._checked += 1
                if predicate(line):
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read_some(remaining):
                return None

    def read_for(self, seconds: float) -> None:
        """Keep reading output for ``seconds`` (the random moment before a kill)."""
        self.wait_for(lambda _line: False, seconds)

    def kill_hard(self) -> int:
        """SIGKILL the console, then the rest of its process group; read what it wrote; returns its exit status."""
        os.kill(self.proc.pid, signal.SIGKILL)
        with_group_kill(self.proc.pid)
        code = self.proc.wait(timeout=30)
        self.drain_output()
        return code

    def drain_output(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._read_some(deadline - time.monotonic())
        if self._partial:
            self.lines.append(self._partial.decode("utf-8", "replace"))
            self._partial = b""

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def close(self) -> None:
        """Make sure nothing of it is left running (after a normal exit this only closes the pipes)."""
        if self.proc.returncode is None:  # not reaped yet, so its id still names our process group
            os.kill(self.proc.pid, signal.SIGKILL)
            with_group_kill(self.proc.pid)
            self.proc.wait(timeout=30)
        self._selector.close()
        for pipe in (self.proc.stdout, self.proc.stdin):
            if pipe is not None:
                pipe.close()

    def stderr_tail(self, lines: int = 30) -> str:
        text = self.stderr_file.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def describe(self) -> str:
        return (f"exit status {self.proc.poll()}; stdout tail: {self.lines[-8:]}\nstderr tail "
                f"({self.stderr_file}):\n{self.stderr_tail()}")


def with_group_kill(pgid: int) -> None:
    """SIGKILL what is left of the process group ``pgid`` (one we created with start_new_session)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def standalone_simulator(env: dict[str, str], log_dir: Path, seed: int = 2026) -> Iterator[str]:
    """``pao-console simulator --port 0`` as a child; yields its base URL; stopped with SIGTERM at the end."""
    child = Child([sys.executable, "-m", "console", "simulator", "--port", "0", "--seed", str(seed)], env,
                  log_dir / "simulator.stderr")
    try:
        line = child.wait_for(lambda text: "listening on" in text, SIMULATOR_START_S)
        assert line is not None, f"the simulator did not start: {child.describe()}"
        match = re.search(r"http://[\d.]+:\d+", line)
        assert match is not None, line
        yield match.group(0)
    finally:
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)  # run_standalone stops cleanly on SIGTERM
            try:
                child.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        child.close()


def driver_args(data_dir: Path, url: str, *extra: str) -> list[str]:
    """Command line of ``tests.support.console_driver`` for one data directory."""
    return [sys.executable, "-m", "tests.support.console_driver", "--data-dir", str(data_dir),
            "--simulator-url", url, *extra]
