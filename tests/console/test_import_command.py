"""``pao-console import``: normalised records, a JSON summary, and nothing stored from a file of the wrong kind."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.__main__ import main
from services.paths import resolve_paths

DATA = Path(__file__).resolve().parent.parent / "services" / "feeds" / "data"

PRINT_KEYS = {
    "air4thai": ["station_id", "name_en", "name_th", "lat", "lon", "observed_at", "pm25", "pm10", "o3", "co", "no2",
                 "so2", "aqi", "aqi_band"],
    "firms": ["source", "satellite", "lat", "lon", "acquired_at", "confidence", "frp", "daynight"],
    "thaiwater": ["station_code", "name_th", "name_en", "lat", "lon", "observed_at", "level_m", "level_msl",
                  "bank_diff_m", "situation_level", "province_code"],
    "open311": ["id", "status", "service_code", "description", "lat", "lon", "requested_at", "updated_at"],
    "geojson": ["id", "name", "geometry_type"],
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return code, lines, err


@pytest.mark.parametrize(
    ("kind", "filename", "keys"),
    [
        ("air4thai", "air4thai_latest.json", "air4thai"),
        ("air4thai-history", "air4thai_history.json", "air4thai"),
        ("firms", "firms_viirs_snpp.csv", "firms"),
        ("firms", "firms_modis_archive.csv", "firms"),
        ("thaiwater", "thaiwater_waterlevel.json", "thaiwater"),
        ("open311", "open311_requests.json", "open311"),
        ("geojson", "cm_districts.geojson", "geojson"),
    ],
)
def test_import_prints_normalised_records(capsys, tmp_path: Path, kind: str, filename: str, keys: str) -> None:  # type: ignore[no-untyped-def]
    code, lines, err = run(capsys, "import", kind, str(DATA / filename), "--print", "--data-dir", str(tmp_path))
    assert code == 0, err
    *records, summary = lines
    assert set(summary) >= {"kind", "accepted", "rejected", "errors"} and summary["kind"] == kind
    assert summary["accepted"] == len(records) > 0
    for record in records:
        assert list(record) == PRINT_KEYS[keys]
        for key, value in record.items():
            if key.endswith("_at") and value is not None:
                assert value.endswith("Z") and "T" in value
    # A second import of the same file changes nothing and succeeds.
    code, lines, _ = run(capsys, "import", kind, str(DATA / filename), "--data-dir", str(tmp_path))
    assert code == 0 and lines[-1]["accepted"] == summary["accepted"]


def test_firms_values(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, lines, _ = run(capsys, "import", "firms", str(DATA / "firms_viirs_snpp.csv"), "--print",
                      "--data-dir", str(tmp_path))
    records = lines[:-1]
    assert {r["confidence"] for r in records} <= {"low", "nominal", "high"}
    assert all(r["daynight"] in ("D", "N") for r in records)
    assert all(17.0 < r["lat"] < 21 and 97.5 < r["lon"] < 100 for r in records)
    with sqlite3.connect(resolve_paths(tmp_path).database) as conn:
        assert conn.execute("SELECT count(*) FROM fire_hotspots").fetchone()[0] == len(records)


@pytest.mark.parametrize(
    ("kind", "filename"),
    [
        ("firms", "air4thai_latest.json"),
        ("air4thai", "firms_viirs_snpp.csv"),
        ("thaiwater", "open311_requests.json"),
        ("firms", "firms_invalid_key.txt"),
        ("open311", "thaiwater_waterlevel.json"),
        ("geojson", "air4thai_latest.json"),
    ],
)
def test_wrong_kind_exits_non_zero_and_stores_nothing(capsys, tmp_path: Path, kind: str, filename: str) -> None:  # type: ignore[no-untyped-def]
    code, lines, err = run(capsys, "import", kind, str(DATA / filename), "--data-dir", str(tmp_path))
    assert code != 0
    assert lines == []
    assert "Nothing was stored" in err
    assert not resolve_paths(tmp_path).database.exists()


def test_missing_file_is_a_clear_error(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "import", "firms", str(tmp_path / "nope.csv"), "--data-dir", str(tmp_path))
    assert code == 2 and "no such file" in err


def test_open311_updates_need_their_requests(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, lines, _ = run(capsys, "import", "open311", str(DATA / "open311_updates.json"), "--data-dir", str(tmp_path))
    assert code == 0 and lines[-1]["accepted"] == 0 and lines[-1]["rejected"] > 0
    run(capsys, "import", "open311", str(DATA / "open311_requests.json"), "--data-dir", str(tmp_path))
    code, lines, _ = run(capsys, "import", "open311", str(DATA / "open311_updates.json"), "--data-dir", str(tmp_path))
    assert code == 0 and lines[-1]["accepted"] > 0


def test_entry_point_runs_as_a_command(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("pao-console")
    result = subprocess.run([str(exe), "import", "firms", str(DATA / "firms_modis_archive.csv"), "--print",
                             "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["kind"] == "firms" and summary["accepted"] > 0


def test_import_goes_to_the_store_of_the_mode(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Demo and live keep separate stores: the import lands in the one asked for, else the one the settings use."""
    (tmp_path / "settings.json").write_text(json.dumps({"mode": "live"}))
    code, _, err = run(capsys, "import", "firms", str(DATA / "firms_modis_archive.csv"), "--data-dir", str(tmp_path))
    assert code == 0, err
    assert resolve_paths(tmp_path, "live").database.exists() and not resolve_paths(tmp_path, "demo").database.exists()
    code, _, err = run(capsys, "import", "firms", str(DATA / "firms_modis_archive.csv"), "--data-dir", str(tmp_path),
                       "--demo")
    assert code == 0, err
    assert resolve_paths(tmp_path, "demo").database.exists()
