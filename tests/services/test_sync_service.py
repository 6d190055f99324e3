"""SyncService against the real simulator: every feed lands, every failure kind keeps the last good data."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.settings import Settings
from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer
from services.store.store import Store
from services.sync.feed_catalog import build_catalog
from services.sync.sync_service import FeedHealth, SyncService


def demo_settings(sim: SimulatorServer, **overrides: object) -> Settings:
    base = sim.url
    endpoints = {"air4thai": f"{base}/air4thai", "firms": f"{base}/firms", "thaiwater": f"{base}/thaiwater",
                 "open311": f"{base}/open311/v2"}
    return Settings.model_validate({"endpoints": endpoints, **overrides})


def make_sync(sim: SimulatorServer, **overrides: object) -> SyncService:
    settings = demo_settings(sim, **overrides)
    return SyncService(build_catalog(settings), settings, {"firms_map_key": sim.map_key})


def test_every_feed_lands_in_the_store(simulator: SimulatorServer, store: Store) -> None:
    sync = make_sync(simulator)
    names = [spec.name for spec in sync.specs]
    assert names == ["air4thai", "air4thai_history", "thaiwater", "thaiwater_history", "firms_viirs_snpp_nrt",
                     "firms_viirs_noaa20_nrt", "firms_modis_nrt", "open311_services", "open311_requests",
                     "open311_updates", "open311_alerts"]
    for name in names:
        state = sync.run_feed(store, name)
        assert state.last_error is None, (name, state.last_error)
        assert state.last_success_at is not None
    counts = store.counts()
    assert len(store.latest_air()) >= 10
    assert {r.code for r in store.latest_river()} >= {"P.1", "P.67", "P.103", "P.73"}
    assert counts["incidents_open"] > 0
    assert sync.snapshot().state == "online"
    sync.close()


def test_importing_the_same_poll_twice_changes_nothing(store: Store) -> None:
    # Frozen simulated time, so both polls see the same payload.
    with SimulatorServer(clock=SimClock(speed=0)) as simulator:
        _poll_twice(simulator, store)


def _poll_twice(simulator: SimulatorServer, store: Store) -> None:
    sync = make_sync(simulator)
    sync.run_feed(store, "air4thai")
    before = store.latest_air()
    second = sync.fetch("air4thai")
    summary = store.ingest_air(list(second.records))
    assert summary.inserted == 0 and summary.updated == 0
    assert store.latest_air() == before
    sync.close()


def test_open311_cursor_advances(simulator: SimulatorServer, store: Store) -> None:
    sync = make_sync(simulator)
    state = sync.run_feed(store, "open311_requests")
    assert state.cursor and state.cursor.endswith("Z")
    sync.close()


def test_a_change_in_the_cursors_own_second_is_not_missed(store: Store) -> None:
    """Server times have whole seconds: a change made in the second the last poll ended on (a create, then its
    acknowledge) must still come with the next incremental poll."""
    import requests

    def patch(sim: SimulatorServer, rid: str, body: dict) -> None:
        url = f"{sim.feed_base('open311')}/requests/{rid}.json"
        etag = requests.get(url, timeout=5).headers["ETag"]
        answer = requests.patch(url, json=body, timeout=5, headers={
            "Authorization": f"Bearer {sim.tokens['supervisor']}", "If-Match": etag})
        assert answer.status_code == 200, answer.text

    with SimulatorServer(port=0, clock=SimClock(speed=0)) as sim:  # frozen: every change lands in the same second
        sync = make_sync(sim)
        try:
            rows = requests.get(sim.feed_base("open311") + "/requests.json", params={"status": "open"}, timeout=5)
            first, second = [r["service_request_id"] for r in rows.json()
                             if r["workflow_state"] in ("new", "acknowledged", "dispatched")][:2]
            patch(sim, first, {"status_notes": "first change this second"})
            cursor = sync.run_feed(store, "open311_requests").cursor
            assert cursor == sim.now().strftime("%Y-%m-%dT%H:%M:%SZ")  # the poll ended on this very second
            patch(sim, second, {"assignee": "ทีมเดียวกันวินาทีเดียวกัน"})
            sync.request_all()
            sync.run_feed(store, "open311_requests")
            local = store.incident_id_for_server_id(second)
            assert local is not None and store.incident_detail(local).row.assignee == "ทีมเดียวกันวินาทีเดียวกัน"
        finally:
            sync.close()


@pytest.mark.parametrize(
    ("fault", "kind", "needle"),
    [
        ({"kind": "down"}, "unavailable", ""),
        ({"kind": "error", "status": 503, "retry_after": 1}, "unavailable", "503"),
        ({"kind": "malformed", "variant": "html"}, "malformed", "HTML"),
        ({"kind": "malformed", "variant": "truncated"}, "malformed", ""),
        ({"kind": "malformed", "variant": "wrong_kind"}, "malformed", ""),
    ],
)
def test_failures_keep_the_last_good_data(simulator: SimulatorServer, store: Store, fault: dict, kind: str,
                                          needle: str) -> None:
    sync = make_sync(simulator, call_deadline_s=8.0)
    good = sync.run_feed(store, "air4thai")
    rows_before = store.latest_air()
    simulator.faults.add("air4thai", **fault)
    state = sync.run_feed(store, "air4thai")
    assert state.last_error and needle.lower() in state.last_error.lower()
    assert state.last_success_at == good.last_success_at
    assert store.latest_air() == rows_before
    assert sync.snapshot().failing == ("air4thai",)
    simulator.faults.clear()
    assert sync.fetch("air4thai").ok
    sync.close()


def test_firms_bad_key_is_a_malformed_payload(simulator: SimulatorServer, store: Store) -> None:
    settings = demo_settings(simulator)
    sync = SyncService(build_catalog(settings), settings, {"firms_map_key": "WRONG"})
    outcome = sync.fetch("firms_modis_nrt")
    assert outcome.error_kind == "malformed" and "MAP_KEY" in (outcome.error or "")
    assert "WRONG" not in (outcome.error or "")
    sync.close()


def test_slow_and_trickling_servers_end_at_the_deadline(simulator: SimulatorServer, store: Store) -> None:
    sync = make_sync(simulator, call_deadline_s=2.0, read_timeout_s=1.0)
    simulator.faults.add("thaiwater", "trickle", interval=0.5, chunk=1)
    started = time.monotonic()
    outcome = sync.fetch("thaiwater")
    assert outcome.error_kind == "unavailable"
    assert time.monotonic() - started < 6
    simulator.faults.clear()
    simulator.faults.add("thaiwater", "slow", seconds=5)
    started = time.monotonic()
    assert sync.fetch("thaiwater").error_kind == "unavailable"
    assert time.monotonic() - started < 6
    sync.close()


def test_offline_backend_reads_as_offline_and_backs_off(simulator: SimulatorServer, store: Store) -> None:
    clock = [1000.0]
    settings = demo_settings(simulator)
    sync = SyncService(build_catalog(settings), settings, {"firms_map_key": simulator.map_key},
                       clock=lambda: clock[0])
    simulator.set_offline(True)
    due = sync.take_due()
    with ThreadPoolExecutor(len(due)) as pool:  # in parallel, as the console's network pool does
        outcomes = list(pool.map(sync.fetch, due))
    for outcome in outcomes:
        sync.apply(store, outcome)
        sync.release(outcome.feed, outcome)
    assert sync.snapshot().state == "offline"
    assert sync.take_due() == []  # backing off, not hammering
    clock[0] += 15
    assert sync.take_due()  # first retry after 15 s


def test_sync_now_during_a_poll_polls_that_feed_again_after_it(simulator: SimulatorServer, store: Store) -> None:
    # A feed was already polling when the operator pressed "sync now" (the backend went down meanwhile, say): what it
    # fetched was asked before the press, so it polls again as soon as it is done, not a cadence later.
    clock = [1000.0]
    settings = demo_settings(simulator)
    sync = SyncService(build_catalog(settings), settings, {"firms_map_key": simulator.map_key},
                       clock=lambda: clock[0])
    assert "air4thai" in sync.take_due()  # every feed in flight now
    outcome = sync.fetch("air4thai")
    sync.request_all()  # pressed while air4thai was polling
    sync.apply(store, outcome)
    sync.release("air4thai", outcome)
    assert outcome.ok and "air4thai" in sync.take_due()  # due again at once
    sync.release("air4thai", sync.fetch("air4thai"))
    clock[0] += 1
    assert "air4thai" not in sync.take_due()  # and then on its cadence as usual


def test_freshness_against_cadence(simulator: SimulatorServer, store: Store) -> None:
    from datetime import timedelta

    sync = make_sync(simulator)
    state = sync.run_feed(store, "air4thai")
    spec = sync.specs[0]
    assert FeedHealth(state, spec, state.last_success_at).freshness == "fresh"
    later = state.last_success_at + timedelta(seconds=3 * spec.cadence_s)
    assert FeedHealth(state, spec, later).freshness == "late"
    much_later = state.last_success_at + timedelta(seconds=7 * spec.cadence_s)
    assert FeedHealth(state, spec, much_later).freshness == "stale"
    sync.close()


def test_live_firms_without_a_key_says_how_to_configure_it(simulator: SimulatorServer, store: Store) -> None:
    settings = demo_settings(simulator, mode="live")
    sync = SyncService(build_catalog(settings), settings, {})
    state = sync.run_feed(store, "firms_modis_nrt")
    assert "MAP_KEY" in (state.last_error or "") and "keyring" in (state.last_error or "")
    sync.close()


def test_a_poll_running_at_shutdown_makes_no_further_request(simulator: SimulatorServer, store: Store) -> None:
    # The water-level history asks one request per gauge. Once the console is closing, the gauges after the one in
    # flight are not asked (each would wait out its retries against a backend that is going away).
    sync = make_sync(simulator)
    gauges = sync.fetch("thaiwater_history")
    assert gauges.error is None and gauges.partial_error is None
    sync.cancel()
    closing = sync.fetch("thaiwater_history")
    first = Settings().thaiwater_history_gauges[0].code
    assert closing.partial_error is not None and "closing" in closing.partial_error
    assert {r.station_code for r in closing.records} == {first}  # what the first request brought is kept
    assert len({r.station_code for r in gauges.records}) > 1
    sync.close()
