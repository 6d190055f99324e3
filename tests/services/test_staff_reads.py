"""A staff console reads its Open311 backend as staff: synced incidents come with their reporters (a hotline caller
can be called back), the token goes as ``Authorization: Bearer`` and never reaches a log line, and records polled
before the console had a token get their reporters with the next poll."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from services.settings import Settings
from services.simulator.server import SimulatorServer
from services.startup import build_sync
from services.store.store import Store
from services.sync.feed_catalog import FeedContext, build_catalog
from services.sync.staff_token import OPEN311_READ_TOKEN, least_privileged, staff_read_token
from services.sync.sync_service import SyncService
from tests.support.memory_keyring import MemoryKeyring


def _reporters(store: Store) -> tuple[int, int]:
    """(synced incidents, how many of them name their reporter), read from the store's file."""
    with sqlite3.connect(store.path) as db:
        total, named = db.execute("SELECT count(*), count(reporter_name) FROM incidents "
                                  "WHERE server_id IS NOT NULL").fetchone()
    return int(total), int(named)


def _server_reporters(sim: SimulatorServer) -> int:
    """How many of the simulator's requests have a reporter (as staff sees them)."""
    return sum(1 for r in sim.incidents.query(staff=True) if r.get("reporter_name"))


def test_an_embedded_simulator_is_read_as_staff_and_reporters_land(simulator: SimulatorServer, store: Store,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    expected = _server_reporters(simulator)
    assert expected > 0  # the seed has hotline callers
    sync = build_sync(Settings(), [], simulator, None)  # demo mode: the embedded simulator hands its tokens over
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's request lines too
    try:
        state = sync.run_feed(store, "open311_requests")
    finally:
        sync.close()
    assert state.last_error is None
    total, named = _reporters(store)
    assert total > 0 and named == expected
    token = simulator.tokens["viewer"]  # reads need no more than a viewer may do
    assert all(token not in record.getMessage() for record in caplog.records)
    assert token not in caplog.text


def test_the_token_goes_in_a_header_that_no_repr_shows(simulator: SimulatorServer) -> None:
    settings = Settings.model_validate({"endpoints": {"open311": f"{simulator.url}/open311/v2"}})
    specs = {spec.name: spec for spec in build_catalog(settings)}
    context = FeedContext(settings, {OPEN311_READ_TOKEN: "s3cret-token"}, cursor="2026-01-01T00:00:00Z")
    for name in ("open311_requests", "open311_updates"):
        request = specs[name].build_request(context)
        assert request.headers == {"Authorization": "Bearer s3cret-token"}
        assert "s3cret-token" not in request.url + str(request.params)  # never in a URL, which is logged
        assert "s3cret-token" not in repr(request) and "s3cret-token" not in repr(context)
    anonymous = specs["open311_requests"].build_request(FeedContext(settings, {}))
    assert anonymous.headers == {}


def test_a_token_given_later_brings_the_reporters_of_incidents_polled_before(simulator: SimulatorServer,
                                                                            store: Store) -> None:
    settings = Settings.model_validate({"endpoints": {"open311": f"{simulator.url}/open311/v2"}})
    sync = SyncService(build_catalog(settings), settings, {})
    try:
        sync.run_feed(store, "open311_requests")  # anonymous: GeoReport v2 gives no reporters to anyone
        total, named = _reporters(store)
        assert total > 0 and named == 0
        assert store.get_feed_state("open311_requests").cursor  # the next poll would ask only for changes...
        sync.set_secret(OPEN311_READ_TOKEN, simulator.tokens["operator"])
        assert "open311_requests" in sync.take_due()  # ...but a new token makes it due at once, for the whole window
        sync.release("open311_requests", None)
        sync.run_feed(store, "open311_requests")
        assert _reporters(store) == (total, _server_reporters(simulator))
    finally:
        sync.close()


def test_the_first_poll_of_a_run_rereads_what_an_earlier_run_polled_without_a_token(
        simulator: SimulatorServer, store: Store) -> None:
    settings = Settings.model_validate({"endpoints": {"open311": f"{simulator.url}/open311/v2"}})
    earlier = SyncService(build_catalog(settings), settings, {})
    earlier.run_feed(store, "open311_requests")  # a build that read anonymously stored its cursor
    earlier.close()
    assert _reporters(store)[1] == 0
    later = SyncService(build_catalog(settings), settings, {OPEN311_READ_TOKEN: simulator.tokens["supervisor"]})
    later.restore(store.get_feed_states())
    try:
        later.run_feed(store, "open311_requests")
        assert _reporters(store)[1] == _server_reporters(simulator)
    finally:
        later.close()


def test_where_the_read_token_comes_from(simulator: SimulatorServer, memory_keyring: MemoryKeyring) -> None:
    assert least_privileged({"supervisor": "s", "operator": "o"}) == "o"
    assert least_privileged({}) is None
    demo = Settings()
    assert staff_read_token(demo, simulator, None) == simulator.tokens["viewer"]
    standalone = simulator.url
    assert staff_read_token(demo, None, standalone) is None  # nothing in the keyring, nothing typed in
    assert staff_read_token(demo, None, standalone, {"operator": "typed"}) == "typed"
    memory_keyring.set_password("pao-console", "simulator-token-supervisor", "from-keyring")
    assert staff_read_token(demo, None, standalone) == "from-keyring"
    live = Settings.model_validate({"mode": "live", "endpoints": {"open311": "https://open311.example.org/v2"}})
    assert staff_read_token(live, None, None) is None
    memory_keyring.set_password("pao-console", "open311-token", "live-token")
    assert staff_read_token(live, None, None) == "live-token"


def test_a_failing_keyring_never_stops_the_polls(simulator: SimulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Broken(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            raise KeyError("PAO_TEST_KEYRING")  # not a KeyringError: a backend failing its own way

        def set_password(self, service: str, username: str, password: str) -> None:
            raise KeyError(service)

        def delete_password(self, service: str, username: str) -> None:
            raise KeyError(service)

    previous = keyring.get_keyring()
    keyring.set_keyring(Broken())
    try:
        assert staff_read_token(Settings(), None, simulator.url) is None
        sync = build_sync(Settings(), [], None, simulator.url)  # the console still starts and polls
        sync.close()
    finally:
        keyring.set_keyring(previous)
    assert "the OS keyring failed (KeyError)" in caplog.text
