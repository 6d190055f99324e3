"""``pao-console store salvage``: a really damaged store is replaced by what could be read, its unsent edits and
local incidents first; the output names what was lost; the console then opens the store as usual."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.__main__ import main
from console.single_instance import SingleInstance
from services.paths import DataPaths
from services.startup import load_startup

from tests.services.store.damaged_store import (
    TRAINING,
    build_store,
    crash_image,
    file_digests,
    overwrite_pages,
    pages,
    table_rows,
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.fixture
def damaged(tmp_path: Path) -> DataPaths:
    """A demo data directory whose store crashed with edits in its WAL, then lost pages of feed data."""
    paths = DataPaths(tmp_path / "data").ensure()
    build_store(tmp_path / "before" / "console.sqlite3")
    crash_image(tmp_path / "before" / "console.sqlite3", paths.database)
    readings = pages(paths.database, "air_readings")
    overwrite_pages(paths.database, readings[5:9])
    return paths


def test_salvage_brings_the_edits_back_and_the_console_opens_the_store(
        capsys: pytest.CaptureFixture[str], damaged: DataPaths) -> None:
    expected = table_rows(damaged.database)
    before = file_digests(damaged.database)

    code, lines, err = _run(capsys, "store", "salvage", "--data-dir", str(damaged.root))

    assert code == 1, err  # in place, but something could not be read
    assert err.splitlines()[:3] == ["reading backend_binding", "reading outbox", "reading incidents"]
    summary = json.loads(lines[-1])
    kept = Path(summary["kept_as"])
    assert kept.parent == damaged.store_dir and file_digests(kept) == before
    assert lines[:2] == [f"salvaged the demo store at {damaged.database}",
                         f"the damaged store is kept as {kept} (with its -wal and -shm, unchanged)"]
    pending = sum(1 for row in expected["outbox"] if row[7] == "pending")
    assert lines[2] == f"unsent edits: {pending} pending, 1 in conflict; incidents: 45 (45 never sent)"
    lost = lines[lines.index("could not be read or kept:") + 1: -1]
    assert len(lost) == 1 and lost[0].startswith("  air_readings: rows after station_id ")
    assert summary["mode"] == "demo" and summary["complete"] is False
    assert summary["unsent"] == {"pending": pending, "conflict": 1} and summary["unsent_lost"] == []
    assert summary["copied"]["outbox"] == len(expected["outbox"]) and summary["lost"] == [lost[0].strip()]
    assert table_rows(damaged.database) == expected

    startup = load_startup(damaged, None, None)  # what the console does on the database worker at start-up
    try:
        assert startup.backend == TRAINING and startup.store.backend() == TRAINING
        assert startup.store.outbox_states()["pending"] == pending
    finally:
        startup.store.close()

    code, lines, _ = _run(capsys, "store", "salvage", "--data-dir", str(damaged.root))  # nothing left to lose
    assert code == 0 and "nothing was lost: every row was read" in lines
    assert json.loads(lines[-1])["complete"] is True and table_rows(damaged.database) == expected


def test_salvage_waits_for_the_console_to_close(capsys: pytest.CaptureFixture[str], damaged: DataPaths) -> None:
    before = file_digests(damaged.database)
    console = SingleInstance(damaged)
    assert console.acquire() is None
    try:
        code, lines, err = _run(capsys, "store", "salvage", "--data-dir", str(damaged.root))
    finally:
        console.release()
    assert code == 5 and lines == []
    assert "a console (process " in err and "close it, then salvage again" in err
    assert file_digests(damaged.database) == before
    assert sorted(p.name for p in damaged.store_dir.iterdir()) == ["console.sqlite3", "console.sqlite3-shm",
                                                                 "console.sqlite3-wal"]


def test_no_store_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, lines, err = _run(capsys, "store", "salvage", "--live", "--data-dir", str(tmp_path))
    assert code == 2 and lines == []
    missing = tmp_path / "live" / "console.sqlite3"
    assert err.strip() == f"pao-console store salvage: there is no live store at {missing}"
