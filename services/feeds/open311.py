"""Open311 GeoReport v2 JSON (plus the updates extension and our workflow fields) → service records.

Plain GeoReport v2 servers stay readable: every extension field is optional, and keys we do not know are kept in
``ServiceRequest.extra`` rather than dropped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.payload import excerpt, guess_kind, load_json, to_float, to_int, to_str
from services.feeds.thai_time import parse_w3c
from services.records import ParseResult, Rejection, ServiceDefinition, ServiceRequest, ServiceRequestUpdate

# Richer statuses (GeoReport extensions, Traffy Fondue states) that mean the request is finished.
_CLOSED_STATES = frozenset(
    {"closed", "fixed", "duplicate", "no_further_action", "finish", "irrelevant", "resolved", "rejected", "cancelled"}
)
_REQUEST_FIELDS = frozenset(
    {
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address", "lat",
        "long", "media_url", "version", "priority", "assignee", "workflow_state",
    }
)
_NO_MARKERS = ("",)


def services_url(base: str) -> str:
    """URL of the service list."""
    return base.rstrip("/") + "/services.json"


def service_definition_url(base: str, service_code: str) -> str:
    """URL of one service's attribute definition."""
    return f"{base.rstrip('/')}/services/{quote(service_code, safe='')}.json"


def requests_url(base: str) -> str:
    """URL of the request list (GET with filters) and of new requests (POST)."""
    return base.rstrip("/") + "/requests.json"


def request_url(base: str, request_id: str) -> str:
    """URL of one request."""
    return f"{base.rstrip('/')}/requests/{quote(request_id, safe='')}.json"


def request_updates_url(base: str) -> str:
    """URL of the ``servicerequestupdates`` extension."""
    return base.rstrip("/") + "/servicerequestupdates.json"


def _error_pairs(doc: Any) -> list[tuple[int | str, str]]:
    items = doc if isinstance(doc, list) else [doc]
    pairs: list[tuple[int | str, str]] = []
    for item in items:
        if not (isinstance(item, dict) and "code" in item and "description" in item) or len(item) > 3:
            return []
        code = item["code"]
        try:
            code = to_int(code, _NO_MARKERS) if code is not None else ""
        except ValueError:
            code = str(code)
        pairs.append((code if code is not None else "", str(item.get("description") or "")))
    return pairs


def parse_error(body: bytes | str) -> list[tuple[int | str, str]]:
    """The ``(code, description)`` pairs of an Open311 error body; ``[]`` when the body is not one (never raises)."""
    try:
        return _error_pairs(load_json(body, "Open311 error"))
    except MalformedPayload:
        return []


def _list(body: bytes | str, what: str, wrapper_keys: tuple[str, ...]) -> list[Any]:
    doc = load_json(body, what)
    if isinstance(doc, dict):
        for key in wrapper_keys:  # paginating servers wrap the list
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
    errors = _error_pairs(doc) if doc else []
    if errors:
        listed = "; ".join(f"{code}: {text}" for code, text in errors)
        raise MalformedPayload(f"{what}: server error {excerpt(listed, 160)}")
    if not isinstance(doc, list):
        raise WrongPayloadKind(f"{what}: expected a JSON list, got {guess_kind(doc)}")
    return doc


def _time(item: dict[str, Any], key: str, where: str, rejected: list[Rejection]) -> Any:
    raw = to_str(item.get(key))
    if raw is None:
        return None
    try:
        return parse_w3c(raw)
    except ValueError as exc:
        rejected.append(Rejection(where, f"{key} dropped: {exc}"))
        return None


def detect_kind(body: bytes | str) -> str:
    """"services", "requests" or "updates" for an Open311 list; anything else raises ``WrongPayloadKind``."""
    doc = load_json(body, "Open311")
    first = doc[0] if isinstance(doc, list) and doc else None
    if isinstance(first, dict):
        if "update_id" in first:
            return "updates"
        if "service_request_id" in first and "status" in first:
            return "requests"
        if "service_code" in first and "service_name" in first and "service_request_id" not in first:
            return "services"
    raise WrongPayloadKind(f"Open311: cannot tell the kind of {guess_kind(doc)}")


def parse_services(body: bytes | str) -> ParseResult[ServiceDefinition]:
    """Parse ``GET /services.json``."""
    result: ParseResult[ServiceDefinition] = ParseResult()
    for index, item in enumerate(_list(body, "Open311 services", ("services",))):
        where = f"[{index}]"
        if not isinstance(item, dict):
            result.rejected.append(Rejection(where, "entry is not an object"))
            continue
        code, name = to_str(item.get("service_code")), to_str(item.get("service_name"))
        if code is None or name is None:
            result.rejected.append(Rejection(where, "no service_code or service_name"))
            continue
        keywords = item.get("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in (part.strip() for part in keywords.split(",")) if k]
        metadata = item.get("metadata")
        result.records.append(
            ServiceDefinition(
                service_code=code,
                service_name=name,
                description=to_str(item.get("description")),
                metadata=metadata is True or str(metadata).strip().lower() == "true",
                type=to_str(item.get("type")),
                keywords=tuple(str(k) for k in keywords) if isinstance(keywords, list) else (),
                group=to_str(item.get("group")),
            )
        )
    return result


def _request(item: Any, where: str, rejected: list[Rejection]) -> ServiceRequest | None:
    if not isinstance(item, dict):
        rejected.append(Rejection(where, "entry is not an object"))
        return None
    request_id = to_str(item.get("service_request_id"))
    raw_status = to_str(item.get("status"))
    if request_id is None or raw_status is None:
        rejected.append(Rejection(where, "no service_request_id or status"))
        return None
    where = f"{where} ({request_id})"
    # GeoReport v2 says open|closed; richer statuses keep their word in status_detail.
    status = raw_status.lower()
    detail = to_str(item.get("workflow_state"))
    if status not in ("open", "closed"):
        detail = detail or raw_status
        status = "closed" if status in _CLOSED_STATES else "open"
    try:
        lat, lon = to_float(item.get("lat"), _NO_MARKERS), to_float(item.get("long"), _NO_MARKERS)
    except ValueError as exc:
        rejected.append(Rejection(where, f"coordinate dropped: {exc}"))
        lat = lon = None
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        rejected.append(Rejection(where, f"coordinate dropped: ({lat}, {lon}) is not on Earth"))
        lat = lon = None
    try:
        version = to_int(item.get("version"), _NO_MARKERS)
    except ValueError as exc:
        rejected.append(Rejection(where, f"version dropped: {exc}"))
        version = None
    return ServiceRequest(
        id=request_id,
        status=status,
        service_code=to_str(item.get("service_code")),
        description=item.get("description") if isinstance(item.get("description"), str) else None,
        lat=lat if lon is not None else None,
        lon=lon if lat is not None else None,
        requested_at=_time(item, "requested_datetime", where, rejected),
        updated_at=_time(item, "updated_datetime", where, rejected),
        service_name=to_str(item.get("service_name")),
        status_notes=to_str(item.get("status_notes")),
        status_detail=detail,
        agency_responsible=to_str(item.get("agency_responsible")),
        expected_at=_time(item, "expected_datetime", where, rejected),
        address=to_str(item.get("address")),
        media_url=to_str(item.get("media_url")),
        version=version,
        priority=to_str(item.get("priority")),
        assignee=to_str(item.get("assignee")),
        extra={key: value for key, value in item.items() if key not in _REQUEST_FIELDS},
    )


def parse_requests(body: bytes | str) -> ParseResult[ServiceRequest]:
    """Parse ``GET /requests.json`` or ``GET /requests/{id}.json``."""
    result: ParseResult[ServiceRequest] = ParseResult()
    for index, item in enumerate(_list(body, "Open311 requests", ("requests", "service_requests"))):
        request = _request(item, f"[{index}]", result.rejected)
        if request is not None:
            result.records.append(request)
    return result


def parse_request_updates(body: bytes | str) -> ParseResult[ServiceRequestUpdate]:
    """Parse ``GET /servicerequestupdates.json``."""
    result: ParseResult[ServiceRequestUpdate] = ParseResult()
    items = _list(body, "Open311 request updates", ("service_request_updates", "updates"))
    for index, item in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, dict):
            result.rejected.append(Rejection(where, "entry is not an object"))
            continue
        update_id, request_id = to_str(item.get("update_id")), to_str(item.get("service_request_id"))
        if update_id is None or request_id is None:
            result.rejected.append(Rejection(where, "no update_id or service_request_id"))
            continue
        result.records.append(
            ServiceRequestUpdate(
                update_id=update_id,
                service_request_id=request_id,
                status=to_str(item.get("status")),
                description=item.get("description") if isinstance(item.get("description"), str) else None,
                updated_at=_time(item, "updated_datetime", f"{where} ({update_id})", result.rejected),
            )
        )
    return result


def parse_create_response(body: bytes | str) -> tuple[str | None, str | None, str | None]:
    """``(service_request_id, token, service_notice)`` from the answer to ``POST /requests.json``."""
    items = _list(body, "Open311 create response", ())
    first = items[0] if items and isinstance(items[0], dict) else None
    if first is None or ("service_request_id" not in first and "token" not in first):
        raise WrongPayloadKind(f"Open311 create response: neither service_request_id nor token in {guess_kind(items)}")
    return to_str(first.get("service_request_id")), to_str(first.get("token")), to_str(first.get("service_notice"))
