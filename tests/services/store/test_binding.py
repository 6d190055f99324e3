"""A store belongs to one backend: bound on first open, refused for another, and its outbox only ever lists (and the
writer only ever sends) entries made for that backend."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from services.backend_identity import BackendIdentity, backend_identity, normalise_url
from services.errors import StoreBindingError
from services.feeds import open311
from services.incident_writer import IncidentWriter
from services.simulator.server import SimulatorServer
from services.store.database import alembic_config, make_engine, open_store
from services.store.store import Store
from services.store.unsent_export import export_unsent

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
TRAINING = BackendIdentity("demo", "embedded_simulator", "", 2026)
LIVE = BackendIdentity("live", "open311", "https://cm-pao.example/open311/v2")


def _with_comment(store: Store, simulator: SimulatorServer, text: str) -> int:
    """Cache the simulator's incidents and queue a comment on the first; returns the local incident id."""
    body = requests.get(f"{simulator.feed_base('open311')}/requests.json", timeout=10).content
    store.ingest_service_requests(open311.parse_requests(body).records)
    incident = store.incident_id_for_server_id("1001")
    assert incident is not None
    store.add_comment_local(incident, text, "somchai (operator)", NOW)
    return incident


def _server_comments(simulator: SimulatorServer, server_id: str) -> list[str]:
    r = requests.get(f"{simulator.feed_base('open311')}/requests/{server_id}/comments.json",
                     headers={"Authorization": f"Bearer {simulator.tokens['supervisor']}"}, timeout=10)
    if r.status_code == 404:
        return [u.get("description", "") for u in simulator.incidents.updates()]
    r.raise_for_status()
    return [c.get("text", "") for c in r.json()]


def test_identity_is_normalised_and_round_trips() -> None:
    assert normalise_url("HTTPS://CM-PAO.example:443/open311/v2/") == "https://cm-pao.example/open311/v2"
    assert normalise_url("http://127.0.0.1:8311/") == "http://127.0.0.1:8311"
    a = backend_identity("live", "https://CM-PAO.example/open311/v2/", None)
    assert a == backend_identity("live", "https://cm-pao.example:443/open311/v2", "ignored in live mode")
    assert backend_identity("demo", "https://cm-pao.example", None).kind == "embedded_simulator"
    assert backend_identity("demo", "", "http://127.0.0.1:8311").kind == "simulator"
    for identity in (TRAINING, LIVE, backend_identity("demo", "", "http://[::1]:8311")):
        assert BackendIdentity.from_key(identity.key) == identity
    assert TRAINING.key != LIVE.key


def test_a_new_store_is_bound_and_opens_again_for_the_same_backend(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        assert store.backend() is None
        assert store.bind_backend(TRAINING) == "bound"
        assert store.bind_backend(TRAINING) == "same"
        assert store.backend() == TRAINING


def test_a_store_holding_another_backends_edits_is_refused_and_left_as_it_was(
        tmp_path: Path, simulator: SimulatorServer) -> None:
    path = tmp_path / "s.sqlite3"
    with open_store(path) as store:
        store.bind_backend(TRAINING)
        _with_comment(store, simulator, "TRAINING EXERCISE")
        before = store.outbox_pending()
    assert [e.backend for e in before] == [TRAINING.key]
    with open_store(path) as store:
        with pytest.raises(StoreBindingError) as refused:
            store.bind_backend(LIVE)
        assert refused.value.stored == TRAINING and refused.value.wanted == LIVE
        assert refused.value.unsent == 1 and refused.value.incidents > 0
        assert store.backend() == TRAINING
        assert store.outbox_pending() == before
        # The other direction is refused the same way.
    with open_store(path) as store:
        store.adopt_backend(TRAINING)  # adopting its own backend is harmless
        with pytest.raises(StoreBindingError):
            store.adopt_backend(LIVE)  # but never re-assigning a bound store


def test_an_empty_store_moves_to_another_backend(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        store.bind_backend(TRAINING)
        assert store.bind_backend(LIVE) == "rebound"
        assert store.backend() == LIVE


def test_a_store_from_before_binding_with_edits_waits_for_a_person(tmp_path: Path,
                                                                   simulator: SimulatorServer) -> None:
    path = tmp_path / "legacy.sqlite3"
    engine = make_engine(path, synchronous="FULL")
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0010_refusal_acknowledged")
    engine.dispose()
    with open_store(path) as store:  # upgraded to 0011: no binding yet; this edit is queued as the old console did
        _with_comment(store, simulator, "made before binding")
    with sqlite3.connect(path) as plain:
        plain.execute("UPDATE outbox SET backend = NULL")  # what 0011 leaves on entries written before it
    with open_store(path) as store:
        with pytest.raises(StoreBindingError) as refused:
            store.bind_backend(TRAINING)
        assert refused.value.stored is None and refused.value.unsent == 1
        store.adopt_backend(TRAINING)
        assert store.bind_backend(TRAINING) == "same"
        assert [e.backend for e in store.outbox_pending()] == [TRAINING.key]


def test_the_outbox_never_lists_an_entry_made_for_another_backend(tmp_path: Path,
                                                                  simulator: SimulatorServer) -> None:
    path = tmp_path / "s.sqlite3"
    with open_store(path) as store:
        store.bind_backend(TRAINING)
        _with_comment(store, simulator, "for the simulator")
        _with_comment(store, simulator, "somehow for the live server")
    with sqlite3.connect(path) as plain:
        plain.execute("UPDATE outbox SET backend = ? WHERE id = (SELECT max(id) FROM outbox)", (LIVE.key,))
    with open_store(path) as store:
        pending = store.outbox_pending()
        assert [e.fields.get("text") for e in pending] == ["for the simulator"]
        assert store.contents().unsent == 2  # still counted and kept: nothing is lost


def test_the_writer_sends_nothing_made_for_another_backend(tmp_path: Path, simulator: SimulatorServer) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        store.bind_backend(TRAINING)
        _with_comment(store, simulator, "TRAINING EXERCISE for 1001")
        entry = store.outbox_pending()[0]
    live_writer = IncidentWriter(simulator.feed_base("open311"), simulator.tokens["operator"], backend_key=LIVE.key)
    try:
        outcome = live_writer.send(entry)
    finally:
        live_writer.close()
    assert outcome.kind == "retry" and "another backend" in (outcome.error or "")
    assert not any("TRAINING EXERCISE" in text for text in _server_comments(simulator, "1001"))
    own_writer = IncidentWriter(simulator.feed_base("open311"), simulator.tokens["operator"],
                                backend_key=TRAINING.key)
    try:
        assert own_writer.send(entry).kind == "sent"
    finally:
        own_writer.close()
    assert any("TRAINING EXERCISE" in text for text in _server_comments(simulator, "1001"))


def test_unsent_edits_export_with_their_incident_and_files(tmp_path: Path, simulator: SimulatorServer) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        store.bind_backend(LIVE)
        incident = _with_comment(store, simulator, "ไฟดับ ถนนนิมมานเหมินท์ <b>x</b>")
        store.add_attachment_local(incident, "photo", "scene.png", b"\x89PNG\r\n\x1a\nabc", "somchai (operator)", NOW)
        count = export_unsent(store.edit_engine, tmp_path / "out" / "unsent.json", NOW)
    document = json.loads((tmp_path / "out" / "unsent.json").read_text(encoding="utf-8"))
    assert count == 2 and document["format"] == "pao-console-unsent-edits"
    assert document["store_backend"] == LIVE.key
    comment, photo = document["edits"]
    assert comment["op"] == "comment" and comment["fields"]["text"] == "ไฟดับ ถนนนิมมานเหมินท์ <b>x</b>"
    assert comment["backend"] == LIVE.key and comment["actor"] == "somchai (operator)"
    assert photo["op"] == "attachment" and photo["file"]["filename"] == "scene.png" and photo["file"]["size"] == 11
    assert [i["server_id"] for i in document["incidents"]] == ["1001"]
