"""Service request updates with our extension's fields (who made it, the write's key, the state and version it left)
read as such; a plain server's updates without them read as before; a field of the wrong type is dropped with a note
and its update lands."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.feeds.open311 import parse_request_updates
from services.records import ServiceRequestUpdate


def test_extension_fields_are_read_and_a_plain_update_has_none() -> None:
    body = json.dumps([
        {"update_id": "41", "service_request_id": "1007", "status": "open", "workflow_state": "acknowledged",
         "version": 3, "description": "workflow_state: new → acknowledged", "author": "operator",
         "idempotency_key": "5f0c9d4e-2b1a-4c3e-9f8d-7a6b5c4d3e2f", "updated_datetime": "2026-12-04T10:15:00+07:00"},
        {"update_id": 42, "service_request_id": 1007, "status": "closed", "status_detail": "resolved",
         "description": "fixed", "updated_datetime": "2026-12-04T04:00:00Z",
         "media_url": "https://city.example/photo.jpg"},
        {"update_id": "43", "service_request_id": "1008", "status": "open", "description": None,
         "updated_datetime": "2026-12-04T04:05:00Z"},
    ])
    result = parse_request_updates(body)
    assert not result.rejected and not result.notes
    assert result.records == [
        ServiceRequestUpdate("41", "1007", "open", "workflow_state: new → acknowledged",
                             datetime(2026, 12, 4, 3, 15, tzinfo=UTC), state="acknowledged", version=3,
                             author="operator", client_key="5f0c9d4e-2b1a-4c3e-9f8d-7a6b5c4d3e2f"),
        ServiceRequestUpdate("42", "1007", "closed", "fixed", datetime(2026, 12, 4, 4, 0, tzinfo=UTC),
                             state="resolved", media_url="https://city.example/photo.jpg"),
        ServiceRequestUpdate("43", "1008", "open", None, datetime(2026, 12, 4, 4, 5, tzinfo=UTC)),
    ]


def test_a_field_of_the_wrong_type_is_dropped_with_a_note_and_the_update_lands() -> None:
    body = json.dumps({"service_request_updates": [
        {"update_id": "1", "service_request_id": "9", "status": "open", "author": {"name": "x"},
         "idempotency_key": 12345, "version": "three", "updated_datetime": "2026-12-04T04:00:00Z"},
        {"update_id": "2", "service_request_id": "9", "status": "open", "version": -1,
         "updated_datetime": "2026-12-04T04:01:00Z"},
    ]})
    result = parse_request_updates(body)
    assert [(u.update_id, u.author, u.client_key, u.version) for u in result.records] == [
        ("1", None, None, None), ("2", None, None, None)]
    assert sorted(n.reason.split(" dropped")[0] for n in result.notes) == [
        "author", "idempotency_key", "version", "version"]
    assert all(n.where.startswith(("[0] (1)", "[1] (2)")) for n in result.notes) and not result.rejected
