"""``pao-console import`` with bad input (issue 9 §4): one clear line, never a traceback, and the store unchanged.

The cases that used to end in a traceback run the real entry point as a subprocess; the rest call it in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from console.__main__ import main
from console.import_command import EXIT_NOT_USABLE, EXIT_STORE, EXIT_UNREADABLE
from services.map_layers import district_features
from services.paths import resolve_paths
from services.store.database import open_store

DATA = Path(__file__).resolve().parent.parent / "services" / "feeds" / "data"
EXE = Path(sys.executable).with_name("pao-console")
SAMPLES = [("air4thai", "air4thai_latest.json"), ("air4thai-history", "air4thai_history.json"),
           ("firms", "firms_viirs_snpp.csv"), ("thaiwater", "thaiwater_waterlevel.json"),
           ("open311", "open311_services.json"), ("open311", "open311_requests.json"),
           ("open311", "open311_updates.json"), ("geojson", "cm_districts.geojson")]
Capsys = pytest.CaptureFixture[str]
FIRMS_HEADER = ("latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,"
                "bright_ti5,frp,daynight")


def firms_rows(count: int, start: int = 0) -> list[str]:
    """Distinct, valid VIIRS rows inside Chiang Mai province."""
    return [f"{18.0 + (start + i) % 1000 / 1000:.5f},{98.5 + (start + i) // 1000 / 1000:.5f},345.62,0.39,0.36,"
            f"2026-03-15,41,N,VIIRS,n,2.0NRT,291.34,6.12,N" for i in range(count)]


def store_digest(data_dir: Path) -> str | None:
    """A hash of the store's logical content (every table's rows, the schema), or None when there is no store."""
    database = resolve_paths(data_dir).database
    if not database.exists():
        return None
    with sqlite3.connect(database) as conn:
        dump = "\n".join(conn.iterdump())
    conn.close()
    return hashlib.sha256(dump.encode("utf-8", "backslashreplace")).hexdigest()


def populate(data_dir: Path) -> None:
    """A store holding every kind of sample data, so that "unchanged" means something."""
    for kind, name in SAMPLES:
        assert main(["import", kind, str(DATA / name), "--data-dir", str(data_dir)]) == 0


def run_cli(*argv: str, preexec_fn: Callable[[], None] | None = None,
            stdin: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), "import", *argv], capture_output=True, text=True, timeout=120,
                          preexec_fn=preexec_fn, stdin=stdin)


def assert_refused(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """Exactly one line on stderr naming the problem, nothing on stdout, no traceback, the expected exit."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("pao-console import: ")
    for needle in needles:
        assert needle in line
    return line


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("populated")
    populate(data_dir)
    return data_dir


# --- what used to end in a traceback: the real command, as a subprocess -------------------------------------------

def test_deeply_nested_json_is_one_line(populated: Path, tmp_path: Path) -> None:
    before = store_digest(populated)
    path = tmp_path / "nested.json"
    path.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert_refused(run_cli("geojson", str(path), "--data-dir", str(populated)), EXIT_NOT_USABLE,
                   "nested too deeply", "Nothing was stored")
    assert store_digest(populated) == before


def test_csv_field_over_the_csv_limit_is_one_line(populated: Path, tmp_path: Path) -> None:
    before = store_digest(populated)
    path = tmp_path / "huge_field.csv"
    path.write_text("\n".join([FIRMS_HEADER, *firms_rows(2), "19.0," + "9" * 200_000 + ",1"]) + "\n")
    assert_refused(run_cli("firms", str(path), "--data-dir", str(populated)), EXIT_NOT_USABLE,
                   "line 4", "longer than 131072 characters", "Nothing was stored")
    assert store_digest(populated) == before


def test_csv_with_cr_only_line_ends_is_read_as_lines(tmp_path: Path) -> None:
    # Old Mac line ends are line ends (the csv module's newline="" reading): the file lands as it would with LF.
    path = tmp_path / "cr.csv"
    path.write_bytes("\r".join([FIRMS_HEADER, *firms_rows(3)]).encode() + b"\r")
    result = run_cli("firms", str(path), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 0 and result.stderr == ""
    summary = json.loads(result.stdout)
    assert (summary["accepted"], summary["rejected"]) == (3, 0)


def test_endless_device_is_one_line(populated: Path) -> None:
    before = store_digest(populated)
    assert_refused(run_cli("firms", "/dev/zero", "--data-dir", str(populated)), EXIT_UNREADABLE,
                   "/dev/zero is a device, not a file", "Nothing was stored")
    assert store_digest(populated) == before


def test_endless_pipe_is_read_up_to_the_cap_and_refused(populated: Path, tmp_path: Path) -> None:
    """A FIFO fed forever (``cat /dev/zero > fifo``) is read in bounded chunks up to the cap, then refused."""
    before = store_digest(populated)
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    stop = threading.Event()

    def feed() -> None:
        chunk = b"\0" * 65536
        with open(fifo, "wb") as pipe:  # blocks until the command opens the other end
            try:
                while not stop.is_set():
                    pipe.write(chunk)
            except BrokenPipeError:  # the command stopped reading: what is asserted below
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        assert_refused(run_cli("firms", str(fifo), "--data-dir", str(populated)), EXIT_UNREADABLE,
                       "goes on past 256 MiB", "Nothing was stored")
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not writer.is_alive()
    assert store_digest(populated) == before


def test_fifo_nobody_writes_to_does_not_hang(populated: Path, tmp_path: Path) -> None:
    before = store_digest(populated)
    fifo = tmp_path / "silent"
    os.mkfifo(fifo)
    assert_refused(run_cli("firms", str(fifo), "--data-dir", str(populated)), EXIT_NOT_USABLE, "empty body")
    assert store_digest(populated) == before


def test_store_write_refused_by_a_file_size_limit_is_one_line_without_sql(tmp_path: Path) -> None:
    """RLIMIT_FSIZE (or a quota) makes SQLite's write fail with EFBIG, a "disk I/O error": the command says the
    store refused, in one line without the statement or its values, and the transaction leaves nothing behind."""
    data_dir = tmp_path / "data"
    populate(data_dir)
    before = store_digest(data_dir)
    database = resolve_paths(data_dir).database
    limit = max(p.stat().st_size for p in database.parent.iterdir()) + 65536
    path = tmp_path / "many.csv"
    path.write_text("\n".join([FIRMS_HEADER, *firms_rows(20_000)]) + "\n")

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    line = assert_refused(run_cli("firms", str(path), "--data-dir", str(data_dir), preexec_fn=limit_file_size),
                          EXIT_STORE, str(database.parent))
    for leak in ("INSERT", "SQL", "[parameters", "sqlalche.me", "98.5"):
        assert leak not in line
    assert store_digest(data_dir) == before


# --- silently accepted before: refused with the reason, the rest lands ----------------------------------------------

def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(["import", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_geojson_nan_and_far_coordinates_are_rejected_and_the_map_still_draws(capsys: Capsys, tmp_path: Path) -> None:
    ring = [[98.93, 18.74], [99.03, 18.74], [99.03, 18.84], [98.93, 18.74]]
    def point(fid: str, lon: float, lat: float, **properties: str) -> dict:
        return {"type": "Feature", "id": fid, "properties": properties,
                "geometry": {"type": "Point", "coordinates": [lon, lat]}}

    features = [
        {"type": "Feature", "id": "TH5001", "properties": {"name": "Mueang"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}},
        point("nan", float("nan"), 18.7), point("inf", 98.9, float("inf")), point("k", 1000, 18.7),
        point("e308", 1e308, 18.7), point("bkk", 100.5, 13.75), point("nul", 98.9, 18.9, name="Mae\x00Rim"),
    ]
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True))
    code, out, err = run(capsys, "geojson", str(path), "--data-dir", str(tmp_path / "data"))
    assert code == 0 and err == []
    [line] = out
    summary = json.loads(line)
    assert (summary["accepted"], summary["rejected"]) == (1, 6)
    assert [e.split(":")[0] for e in summary["errors"]] == [f"features[{i}] ({f['id']})"
                                                            for i, f in enumerate(features) if i]
    with open_store(resolve_paths(tmp_path / "data").database) as store:
        drawn = district_features(store.boundary_features("districts"))
    assert [f["id"] for f in drawn] == ["TH5001"]
    json.dumps(drawn, allow_nan=False)  # what failed every start when a NaN had been stored


def test_firms_cut_after_a_comma_and_far_hotspots_are_rejected(capsys: Capsys, tmp_path: Path) -> None:
    good = firms_rows(2)
    far = good[0].replace("18.00000,98.50000", "13.75000,100.50000")
    impossible = good[0].replace("18.00000,98.50000", "1e308,98.5")
    cut = good[1][: good[1].rindex(",") + 1]
    path = tmp_path / "firms.csv"
    path.write_text("\n".join([FIRMS_HEADER, good[0], far, impossible, cut]))
    code, out, _ = run(capsys, "firms", str(path), "--data-dir", str(tmp_path / "data"))
    summary = json.loads(out[-1])
    assert code == 0 and (summary["accepted"], summary["rejected"]) == (1, 3)
    assert "outside northern Thailand" in summary["errors"][0]
    assert "not on Earth" in summary["errors"][1]
    assert "cut off" in summary["errors"][2]


def test_field_notes_are_not_counted_as_rejected_records(capsys: Capsys, tmp_path: Path) -> None:
    """open311_requests.json has one request without an id (rejected) and two with a dropped field (kept)."""
    code, out, _ = run(capsys, "open311", str(DATA / "open311_requests.json"), "--data-dir", str(tmp_path))
    summary = json.loads(out[-1])
    assert code == 0 and (summary["accepted"], summary["rejected"]) == (4, 1)
    assert summary["errors"] == ["[4]: no service_request_id or status"]
    assert len(summary["notes"]) == 2 and all("dropped" in note for note in summary["notes"])


def test_nul_text_is_rejected_per_record(capsys: Capsys, tmp_path: Path) -> None:
    requests = [{"service_request_id": "1", "status": "open", "description": "ok"},
                {"service_request_id": "2", "status": "open", "description": "bad\x00"}]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests))
    code, out, _ = run(capsys, "open311", str(path), "--data-dir", str(tmp_path / "data"))
    summary = json.loads(out[-1])
    assert code == 0 and (summary["accepted"], summary["rejected"]) == (1, 1)
    assert summary["errors"] == ["[1] (2): description: contains a NUL character"]


def test_every_message_is_one_line_even_for_odd_file_names(capsys: Capsys, tmp_path: Path) -> None:
    path = tmp_path / "two\nlines\u0085.json"
    path.write_text("<html><title>oops\nreally</title></html>")
    code, out, err = run(capsys, "air4thai", str(path), "--data-dir", str(tmp_path / "data"))
    assert code == EXIT_NOT_USABLE and out == []
    [line] = err
    assert "HTML page" in line and "two\\x0alines" in line


def test_a_file_past_the_cap_is_refused_before_it_is_read(capsys: Capsys, tmp_path: Path) -> None:
    path = tmp_path / "sparse.csv"
    with path.open("wb") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: takes no disk, and is refused by its size alone
    code, out, err = run(capsys, "firms", str(path), "--data-dir", str(tmp_path / "data"))
    assert code == EXIT_UNREADABLE and out == []
    assert err == [f"pao-console import: {path} is 300 MiB; the import reads files up to 256 MiB. Nothing was stored."]
    assert store_digest(tmp_path / "data") is None


def test_store_locked_by_another_program_is_one_line(capsys: Capsys, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    populate(data_dir)
    capsys.readouterr()
    before = store_digest(data_dir)
    path = tmp_path / "firms.csv"
    path.write_text("\n".join([FIRMS_HEADER, *firms_rows(5, start=500)]) + "\n")
    holder = sqlite3.connect(resolve_paths(data_dir).database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another program writing, for longer than the store's busy timeout
        code, out, err = run(capsys, "firms", str(path), "--data-dir", str(data_dir))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == EXIT_STORE and out == []
    [line] = err
    assert "in use by another program" in line and "INSERT" not in line and "SQL" not in line
    assert store_digest(data_dir) == before
