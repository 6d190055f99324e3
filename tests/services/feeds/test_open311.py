"""Open311 GeoReport v2 lists, the updates extension and our workflow fields (FORMATS.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.open311 import (
    detect_kind,
    parse_create_response,
    parse_error,
    parse_request_updates,
    parse_requests,
    parse_services,
    request_url,
    request_updates_url,
    requests_url,
    service_definition_url,
    services_url,
)


@pytest.fixture
def requests_(sample):
    result = parse_requests(sample("open311_requests.json"))
    return result, {r.id: r for r in result.records}


def test_services_list(sample):
    result = parse_services(sample("open311_services.json"))
    by_code = {s.service_code: s for s in result.records}
    assert by_code["flood"].metadata is True and by_code["flood"].keywords == ("flood", "water", "น้ำท่วม")
    assert by_code["201"].metadata is False and by_code["201"].keywords == ("fire", "smoke")  # number code → text
    assert by_code["pm25"].service_name == "ฝุ่นควัน&กลิ่น&PM2.5"
    assert [str(r) for r in result.rejected] == ["[3]: no service_code or service_name"]


def test_service_request_id_always_text(requests_):
    _, by_id = requests_
    assert "124" in by_id and isinstance(by_id["124"].id, str)


def test_lat_long_numbers_or_strings(requests_):
    _, by_id = requests_
    assert (by_id["CM-2026-000123"].lat, by_id["CM-2026-000123"].lon) == (18.79, 99.0)
    assert (by_id["124"].lat, by_id["124"].lon) == (18.8063, 98.9511)
    assert by_id["125"].lat is None  # empty strings


def test_w3c_datetimes_with_offset_to_utc(requests_):
    _, by_id = requests_
    r = by_id["CM-2026-000123"]
    assert r.requested_at == datetime(2026, 9, 28, 7, 5, tzinfo=UTC)
    assert r.updated_at == datetime(2026, 9, 28, 7, 30, tzinfo=UTC)
    assert r.expected_at == datetime(2026, 9, 29, 7, 5, tzinfo=UTC)


def test_naive_datetime_read_as_thai_local(requests_):
    _, by_id = requests_
    assert by_id["124"].updated_at == datetime(2026, 9, 28, 3, 0, tzinfo=UTC)


def test_workflow_extension_fields(requests_):
    _, by_id = requests_
    r = by_id["CM-2026-000123"]
    assert (r.version, r.priority, r.assignee) == (4, "high", "somchai")
    assert (r.status_detail, r.status) == ("IN_PROGRESS", "open")


def test_richer_statuses_map_to_open_or_closed(requests_):
    _, by_id = requests_
    assert (by_id["125"].status, by_id["125"].status_detail) == ("closed", "FIXED")
    assert (by_id["126"].status, by_id["126"].status_detail) == ("open", "inprogress")  # Traffy state


def test_unknown_keys_kept_in_extra(requests_):
    _, by_id = requests_
    extra = by_id["CM-2026-000123"].extra
    assert extra == {"service_notice": "", "address_id": "", "zipcode": "50300", "x_channel": "traffy"}


def test_hostile_description_unchanged(requests_):
    _, by_id = requests_
    assert by_id["CM-2026-000123"].description == (
        'น้ำท่วมถนนหน้าตลาดวโรรส สูง 30 ซม. "urgent" <script>alert(1)</script>'
    )


def test_bad_fields_dropped_bad_records_rejected(requests_):
    result, by_id = requests_
    # A field that cannot be used is dropped with a note and its request lands: a note is not a rejected record.
    notes = [str(r) for r in result.notes]
    assert "[2] (125): requested_datetime dropped: 'yesterday' is not a W3C datetime" in notes
    assert by_id["125"].requested_at is None
    assert any("126" in r and "not on Earth" in r for r in notes)
    assert by_id["126"].lat is None and by_id["126"].lon is None
    assert [str(r) for r in result.rejected] == ["[4]: no service_request_id or status"]
    assert len(result.records) == 4


def test_single_request_and_paginated_wrapper():
    assert parse_requests(b'[{"service_request_id": 7, "status": "open"}]').records[0].id == "7"
    wrapped = parse_requests(b'{"requests": [{"service_request_id": "8", "status": "closed"}], "next": null}')
    assert wrapped.records[0].id == "8"


def test_request_updates(sample):
    result = parse_request_updates(sample("open311_updates.json"))
    pairs = [(u.update_id, u.service_request_id) for u in result.records]
    assert pairs == [("9001", "CM-2026-000123"), ("9002", "124")]
    assert result.records[0].updated_at == datetime(2026, 9, 28, 8, 0, tzinfo=UTC)
    assert result.records[0].description == "ส่งทีมสูบน้ำแล้ว"
    assert len(result.rejected) == 1


def test_error_body(sample):
    assert parse_error(sample("open311_error.json")) == [(403, "Invalid api_key")]
    assert parse_error(b"<html>oops</html>") == []
    assert parse_error(b'[{"service_request_id": "1", "status": "open"}]') == []
    with pytest.raises(MalformedPayload, match="403: Invalid api_key"):
        parse_requests(sample("open311_error.json"))


def test_detect_kind(sample):
    assert detect_kind(sample("open311_services.json")) == "services"
    assert detect_kind(sample("open311_requests.json")) == "requests"
    assert detect_kind(sample("open311_updates.json")) == "updates"
    for body in (sample("open311_error.json"), sample("air4thai_latest.json"), b"[]"):
        with pytest.raises(WrongPayloadKind):
            detect_kind(body)


def test_wrong_and_malformed_payloads(sample):
    with pytest.raises(WrongPayloadKind, match="Air4Thai"):
        parse_requests(sample("air4thai_latest.json"))
    with pytest.raises(MalformedPayload, match="truncated JSON"):
        parse_services(b'[{"service_code": "flood", "service_na')


def test_create_response():
    assert parse_create_response(b'[{"service_request_id": 301, "service_notice": "ok", "account_id": null}]') == (
        "301", None, "ok"
    )
    assert parse_create_response(b'[{"token": "abc123"}]') == (None, "abc123", None)
    with pytest.raises(MalformedPayload):
        parse_create_response(b'[{"code": 400, "description": "lat is required"}]')


def test_urls():
    assert services_url("http://h/") == "http://h/services.json"
    assert service_definition_url("http://h", "flood") == "http://h/services/flood.json"
    assert requests_url("http://h") == "http://h/requests.json"
    assert request_url("http://h", "CM/1") == "http://h/requests/CM%2F1.json"
    assert request_updates_url("http://h") == "http://h/servicerequestupdates.json"
