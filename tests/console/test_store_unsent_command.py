"""``pao-console store info`` and ``store export-unsent``: which backend a store belongs to, what it holds, and its
unsent edits written to a file, for the store of the mode asked (``--demo``/``--live``, else the settings')."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from console.__main__ import main
from services.backend_identity import BackendIdentity
from services.feeds import open311
from services.paths import DataPaths
from services.simulator.server import SimulatorServer
from services.store.database import open_store

LIVE = BackendIdentity("live", "open311", "https://open311.example.go.th/v2")


def _live_store_with_an_edit(root: Path, simulator: SimulatorServer) -> None:
    database = DataPaths(root, "live").database
    database.parent.mkdir(parents=True)
    with open_store(database) as store:
        store.bind_backend(LIVE)
        body = requests.get(f"{simulator.feed_base('open311')}/requests.json", timeout=10).content
        store.ingest_service_requests(open311.parse_requests(body).records)
        incident = store.incident_id_for_server_id("1002")
        assert incident is not None
        store.add_comment_local(incident, "โทรกลับผู้แจ้งแล้ว", "somchai (operator)",
                                datetime(2026, 12, 4, 9, 0, tzinfo=UTC))


def _summary(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_info_and_export_unsent_of_the_live_store(tmp_path: Path, simulator: SimulatorServer,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    _live_store_with_an_edit(root, simulator)

    assert main(["store", "info", "--data-dir", str(root), "--live"]) == 0
    out = capsys.readouterr().out
    assert "the live Open311 server at https://open311.example.go.th/v2" in out
    info = _summary(out)
    assert info["backend"] == LIVE.key and info["unsent"] == 1 and info["incidents"] > 0

    target = tmp_path / "out" / "unsent.json"
    assert main(["--live", "store", "export-unsent", str(target), "--data-dir", str(root)]) == 0
    assert _summary(capsys.readouterr().out)["exported"] == 1
    edits = json.loads(target.read_text(encoding="utf-8"))["edits"]
    assert [(e["op"], e["fields"]["text"]) for e in edits] == [("comment", "โทรกลับผู้แจ้งแล้ว")]

    # The settings' mode is the default; a demo data directory has no such store.
    (root / "settings.json").write_text(json.dumps({"mode": "live"}), encoding="utf-8")
    assert main(["store", "info", "--data-dir", str(root)]) == 0
    assert _summary(capsys.readouterr().out)["backend"] == LIVE.key
    assert main(["store", "info", "--data-dir", str(root), "--demo"]) == 2
    assert "there is no demo store" in capsys.readouterr().err


def test_export_unsent_needs_a_file(tmp_path: Path, simulator: SimulatorServer,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    _live_store_with_an_edit(root, simulator)
    assert main(["store", "export-unsent", "--data-dir", str(root), "--live"]) == 2
    assert "name the JSON file" in capsys.readouterr().err
