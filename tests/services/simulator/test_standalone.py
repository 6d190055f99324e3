"""``python -m services.simulator`` serves, prints its URL and tokens, and exits cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]


def _read_until(proc: subprocess.Popen, pattern: str, deadline: float) -> str:
    text = ""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline and not re.search(pattern, text):
        if selector.select(timeout=max(0.0, deadline - time.monotonic())):
            chunk = os.read(proc.stdout.fileno(), 4096).decode()
            if not chunk:
                break
            text += chunk
    selector.close()
    return text


def test_standalone_run_and_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.simulator", "--port", "0", "--seed", "5"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        out = _read_until(proc, r"Press Ctrl-C", time.monotonic() + 15)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", out).group(1)
        assert re.search(r"operator\s+token: \S+", out) and "DEMO_KEY" in out
        supervisor = re.search(r"supervisor\s+token: (\S+)", out).group(1)
        assert requests.get(url + "/_sim/clock", timeout=5).status_code == 401  # the control routes need it
        clock = requests.get(url + "/_sim/clock", headers={"Authorization": f"Bearer {supervisor}"}, timeout=5)
        assert clock.status_code == 200 and "now" in clock.json()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
