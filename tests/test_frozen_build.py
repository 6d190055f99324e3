"""The PyInstaller workstation build starts, syncs, writes a screenshot and imports a file (slow: --run-slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_frozen_build_smoke(tmp_path: Path) -> None:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    subprocess.run([str(pyinstaller), "--noconfirm", "--distpath", str(tmp_path / "dist"), "--workpath",
                    str(tmp_path / "build"), str(ROOT / "build.spec")], cwd=ROOT, check=True, timeout=1200,
                   capture_output=True)
    exe = tmp_path / "dist" / "pao-console" / "pao-console"
    shot = tmp_path / "shot.png"
    run = subprocess.run([str(exe), "--demo", "--data-dir", str(tmp_path / "data"), "--screenshot", str(shot),
                          "--wait", "60"], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert shot.stat().st_size > 10_000
    assert "taking the screenshot anyway" not in run.stderr
    imported = subprocess.run([str(exe), "import", "firms",
                               str(ROOT / "tests" / "services" / "feeds" / "data" / "firms_modis_archive.csv"),
                               "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout.splitlines()[-1])["accepted"] > 0
