"""Open311 service definitions end to end, Qt-free: the service-list poll fetches every definition and the store keeps
them (a definition that fails keeps the stored one and shows in the feed's error); a new incident's attribute answers
go through the outbox to the backend as ``attribute[code]`` (``attribute[code][]`` for a list)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.incident_writer import IncidentWriter
from services.records import AttributeValue, ServiceAttribute, ServiceDefinition
from services.simulator.incidents import IncidentError
from services.simulator.server import SimulatorServer
from services.store.incident_rows import IncidentDraft
from services.store.store import Store
from tests.services.test_sync_service import make_sync

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
FEED = "open311_services"


def by_code(store: Store) -> dict[str, ServiceDefinition]:
    return {s.service_code: s for s in store.service_definitions()}


def test_the_poll_stores_every_definition(simulator: SimulatorServer, store: Store) -> None:
    sync = make_sync(simulator)
    try:
        state = sync.run_feed(store, FEED)
        assert state.last_error is None and state.consecutive_failures == 0 and state.rejected_last == 0
        services = by_code(store)
        fire = services["forest_fire"].attributes
        assert fire is not None and len(fire) == 1
        assert (fire[0].code, fire[0].datatype, fire[0].required, fire[0].variable) == (
            "fire_size", "singlevaluelist", True, True)
        assert fire[0].description == "How large is the fire? / ขนาดของไฟ"
        assert fire[0].values[0] == AttributeValue("small", "Small (< 1 rai) / เล็ก")
        assert [a.code for a in services["flooding"].attributes or ()] == ["water_depth"]
        assert services["road"].attributes == ()  # metadata false: known, nothing to ask

        # Polling again (the definitions unchanged) writes nothing.
        outcome = sync.fetch(FEED)
        assert outcome.ok and not outcome.partial_error
        summary = store.ingest_services(list(outcome.records))
        assert summary.inserted == 0 and summary.updated == 0
        assert by_code(store) == services
    finally:
        sync.close()


def test_a_failing_definition_keeps_the_stored_one_and_is_the_feeds_error(
        simulator: SimulatorServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    sync = make_sync(simulator)
    try:
        first = sync.run_feed(store, FEED)
        before = by_code(store)
        real_definition, real_services = simulator.incidents.service_definition, simulator.incidents.services

        def broken_definition(code: str) -> dict[str, Any]:
            if code == "forest_fire":
                raise IncidentError(404, "definition withdrawn")
            if code == "flooding":
                return {"service_code": "flooding", "fields": []}  # not a definition
            return real_definition(code)

        def more_services() -> list[dict[str, Any]]:
            return [*real_services(), {"service_code": "landslide", "service_name": "ดินถล่ม (Landslide)",
                                       "metadata": True, "type": "realtime", "keywords": "", "group": "Disaster"}]

        monkeypatch.setattr(simulator.incidents, "service_definition", broken_definition)
        monkeypatch.setattr(simulator.incidents, "services", more_services)
        state = sync.run_feed(store, FEED)

        # The list still landed; the two definitions that failed kept what the store had.
        after = by_code(store)
        assert "landslide" in after and after["landslide"].attributes is None  # its definition: unknown (404)
        assert after["forest_fire"].attributes == before["forest_fire"].attributes
        assert after["flooding"].attributes == before["flooding"].attributes
        assert after["road"].attributes == ()
        # ... and the feed says what went wrong, is failing (retried soon), and last succeeded now.
        assert state.last_success_at is not None and state.last_success_at >= first.last_success_at
        assert state.consecutive_failures == 1
        error = state.last_error or ""
        assert "forest_fire" in error and "404" in error and "flooding" in error and "landslide" in error
        assert sync.snapshot().failing == (FEED,)
        assert state.etag is None  # the next poll asks for the whole list again, and with it the definitions

        monkeypatch.undo()
        state = sync.run_feed(store, FEED)
        assert state.consecutive_failures == 0 and sync.snapshot().failing == ()
        assert by_code(store)["forest_fire"].attributes == before["forest_fire"].attributes
    finally:
        sync.close()


def test_never_fetched_definitions_stay_unknown_and_known_ones_survive_a_list_without_them(store: Store) -> None:
    fire_size = ServiceAttribute("fire_size", "singlevaluelist", "Size", required=True, order=1,
                                 values=(AttributeValue("small", "Small"),))
    assert store.ingest_services([ServiceDefinition("forest_fire", "Forest fire", metadata=True)]).inserted == 1
    assert by_code(store)["forest_fire"].attributes is None
    store.ingest_services([ServiceDefinition("forest_fire", "Forest fire", metadata=True, attributes=(fire_size,))])
    assert by_code(store)["forest_fire"].attributes == (fire_size,)
    summary = store.ingest_services([ServiceDefinition("forest_fire", "Forest fire", metadata=True)])
    assert summary.updated == 0 and by_code(store)["forest_fire"].attributes == (fire_size,)
    store.ingest_services([ServiceDefinition("forest_fire", "Forest fire", metadata=True, attributes=())])
    assert by_code(store)["forest_fire"].attributes == ()


def _create(store: Store, category: str, attributes: dict[str, Any]) -> Any:
    draft = IncidentDraft(category=category, priority="P1", description="ไฟไหม้ป่า / forest fire", lat=18.80,
                          lon=98.92, source="hotline", attributes=attributes)
    incident_id = store.create_incident_local(draft, "nida (operator)", NOW)
    entry = next(e for e in store.outbox_pending() if e.incident_id == incident_id)
    return incident_id, entry


def test_attributes_travel_from_the_draft_to_the_server(simulator: SimulatorServer, store: Store) -> None:
    incident_id, entry = _create(store, "forest_fire", {"fire_size": "medium"})
    assert entry.op == "create" and entry.fields["attributes"] == {"fire_size": "medium"}
    created = next(e for e in store.incident_detail(incident_id).events if e.kind == "created")
    assert created.after is not None and created.after["attributes"] == {"fire_size": "medium"}

    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    try:
        outcome = writer.send(entry)
        assert outcome.kind == "sent" and outcome.record is not None, outcome.error
        assert simulator.incidents._records[outcome.record.id]["attributes"] == {"fire_size": "medium"}

        # Without the required answer the server refuses it for good (the console's intake never queues that).
        _, bare = _create(store, "forest_fire", {})
        refused = writer.send(bare)
        assert refused.kind == "rejected" and "attribute[fire_size] is required" in (refused.error or "")
    finally:
        writer.close()


def test_a_multivaluelist_is_sent_as_repeated_fields(simulator: SimulatorServer, store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = simulator.incidents.service_definition

    def with_fuel(code: str) -> dict[str, Any]:
        definition = real(code)
        if code == "open_burning":
            fuel = {"variable": True, "code": "fuel", "datatype": "multivaluelist", "required": False, "order": 2,
                    "description": "Fuel / เชื้อเพลิง", "values": [{"key": "grass", "name": "Grass"},
                                                                 {"key": "trees", "name": "Trees"}]}
            definition = {**definition, "attributes": [*definition["attributes"], fuel]}
        return definition

    monkeypatch.setattr(simulator.incidents, "service_definition", with_fuel)
    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    try:
        _, entry = _create(store, "open_burning", {"burning_type": "crop", "fuel": ["grass", "trees"]})
        outcome = writer.send(entry)
        assert outcome.kind == "sent" and outcome.record is not None, outcome.error
        assert simulator.incidents._records[outcome.record.id]["attributes"] == {
            "burning_type": "crop", "fuel": ["grass", "trees"]}
        _, wrong = _create(store, "open_burning", {"burning_type": ["crop", "waste"]})  # a list for a single value
        refused = writer.send(wrong)
        assert refused.kind == "rejected" and "burning_type" in (refused.error or "")
    finally:
        writer.close()
