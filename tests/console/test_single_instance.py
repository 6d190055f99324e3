"""One console per data directory: a second start says which process holds it and asks that console to bring its
window forward; a lock left by a console that was killed is taken over. Real processes: the first console is the
test driver (it holds the directory as console/app.py does and prints RAISED when asked for its window), the later
starts are ``pao-console`` itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from services.paths import DataPaths
from tests.support.child_process import ROOT, Child, console_env, driver_args, standalone_simulator

START_S = 90.0


def _second_start(data_dir: Path, url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", "--demo", "--simulator-url", url, "--lang", "en",
                           "--data-dir", str(data_dir), "--exit-when-shown"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)


def test_a_second_start_names_the_holder_and_brings_its_window_forward(tmp_path: Path) -> None:
    env = console_env(tmp_path / "keyring.json")
    data_dir = tmp_path / "data"
    idle = tmp_path / "idle.json"
    idle.write_text(json.dumps([]), encoding="utf-8")  # a script never started: the console only waits
    with standalone_simulator(env, tmp_path) as url:
        first = Child(driver_args(data_dir, url, "--script", str(idle)), env, tmp_path / "first.stderr", stdin=True)
        try:
            assert first.wait_for(lambda line: line == "READY", START_S), first.describe()
            second = _second_start(data_dir, url, env)
            assert second.returncode == 6, second.stderr
            assert f"process {first.proc.pid}" in second.stderr and str(data_dir) in second.stderr
            assert "asked it to bring its window forward" in second.stderr
            assert "window-shown" not in second.stdout  # it never opened a window of its own
            assert first.wait_for(lambda line: line == "RAISED", 30), first.describe()
            assert first.proc.poll() is None  # the first console goes on
        finally:
            first.kill_hard()
            first.close()

        # Killed, it left its lock file behind: the next start takes the directory over.
        assert DataPaths(data_dir).lock_file.exists()
        third = _second_start(data_dir, url, env)
        assert third.returncode == 0, third.stderr
        assert "window-shown" in third.stdout
