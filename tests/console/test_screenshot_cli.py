"""``pao-console --demo --screenshot FILE``: a real process, offscreen, writes a PNG of the synced window, exits 0."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import requests

from widgets.table_colours import PRIORITY, SLA

EXE = Path(sys.executable).with_name("pao-console")


def test_screenshot_shows_the_synced_window(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QImage

    shot = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([str(EXE), "--demo", "--data-dir", str(tmp_path / "data"), "--screenshot", str(shot),
                             "--wait", "60", "--size", "1280x800"], capture_output=True, text=True, timeout=180,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert "taking the screenshot anyway" not in result.stderr  # the first sync finished in time
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 800)
    # Pixel sampling, not a golden image: the AQI band colours and the "fresh" green must be on screen.
    colours = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
    assert len(colours) > 50, "the window looks blank"
    band_green = QColor(0, 166, 81).rgb()
    band_colours = {QColor(*rgb).rgb() for rgb in ((0, 191, 243), (0, 166, 81), (253, 192, 78), (242, 101, 34),
                                                   (205, 0, 0))}
    assert colours & band_colours, "no AQI band colour visible"
    # The incident queue is the tab on top (Feed status behind it): its triage colours show, P1 and past-SLA.
    triage = {QColor(*PRIORITY["P1"]).rgb(), QColor(*SLA["breached"]).rgb()}
    assert colours & triage, "the incident queue is not on top"
    del band_green
    log = (tmp_path / "data" / "logs" / "console.log").read_text(encoding="utf-8")
    assert "screenshot written" in log
    assert "DEMO_KEY" not in log  # the FIRMS key is redacted in every log line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_standalone_simulator_serves_several_consoles(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen([str(EXE), "simulator", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the port is listening
        assert f"127.0.0.1:{port}" in first, first + (proc.stderr.read() if proc.stderr else "")
        r = requests.get(f"http://127.0.0.1:{port}/air4thai/services/getNewAQI_JSON.php", timeout=10)
        assert r.status_code == 200 and r.json()["stations"]
        shot = tmp_path / "shot.png"
        result = subprocess.run([str(EXE), "--demo", "--simulator-url", f"http://127.0.0.1:{port}",
                                 "--data-dir", str(tmp_path / "data"), "--screenshot", str(shot), "--wait", "60"],
                                capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        assert shot.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
