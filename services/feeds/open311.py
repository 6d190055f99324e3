"""Open311 GeoReport v2 JSON (plus the updates extension and our workflow fields) → service records.

Plain GeoReport v2 servers stay readable: every extension field is optional, and keys we do not know are kept in
``ServiceRequest.extra`` rather than dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from services.errors import MalformedPayload, WrongPayloadKind
from services.feeds.payload import excerpt, guess_kind, load_json, to_float, to_int, to_str
from services.feeds.thai_time import parse_w3c
from services.feeds.validation import NORTHERN_THAILAND, admit, read_coordinate, time_problem
from services.records import (
    ATTRIBUTE_DATATYPES,
    LIST_DATATYPES,
    AttributeValue,
    ParseResult,
    Rejection,
    RequestLinks,
    ServiceAttribute,
    ServiceDefinition,
    ServiceRequest,
    ServiceRequestUpdate,
)

# Richer statuses (GeoReport extensions, Traffy Fondue states) that mean the request is finished.
_CLOSED_STATES = frozenset(
    {"closed", "fixed", "duplicate", "no_further_action", "finish", "irrelevant", "resolved", "rejected", "cancelled"}
)
_REQUEST_FIELDS = frozenset(
    {
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address", "lat",
        "long", "media_url", "version", "priority", "assignee", "workflow_state",
        # the workflow extension's links (RequestLinks)
        "merged_into", "merged_request_ids", "parent_request_id", "child_request_ids", "related_request_ids",
        "major_incident",
    }
)
_LINK_IDS = ("merged_into", "parent_request_id")
_LINK_LISTS = ("merged_request_ids", "child_request_ids", "related_request_ids")
_NO_MARKERS = ("",)
_WRAPPER_KEYS = ("services", "requests", "service_requests", "service_request_updates", "updates")
# Workflow-extension fields the store and the merge read from ``ServiceRequest.extra``: text ones, and the paused
# SLA seconds (at most ten years; a request is never on hold longer).
_EXTENSION_TEXT = ("source", "reporter_name", "reporter_contact", "resumed_state", "sla_paused_since")
_MAX_PAUSED_S = 10 * 366 * 24 * 3600


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
            code = to_str(code) or ""
        pairs.append((code if code is not None else "", to_str(item.get("description")) or ""))
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


def _time(item: dict[str, Any], key: str, where: str, notes: list[Rejection]) -> Any:
    raw = to_str(item.get(key))
    if raw is None:
        return None
    try:
        value = parse_w3c(raw)
    except ValueError as exc:
        notes.append(Rejection(where, f"{key} dropped: {exc}"))
        return None
    problem = time_problem(value)
    if problem:
        notes.append(Rejection(where, f"{key} dropped: {problem}"))
        return None
    return value


def detect_kind(body: bytes | str) -> str:
    """"services", "requests" or "updates" for an Open311 list; anything else raises ``WrongPayloadKind``."""
    doc = load_json(body, "Open311")
    if isinstance(doc, dict):  # the lists as paginating servers wrap them (the parsers below unwrap them too)
        doc = next((doc[key] for key in _WRAPPER_KEYS if isinstance(doc.get(key), list)), doc)
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
    """Parse ``GET /services.json``; a name given in both languages by our extension (``service_name_th`` /
    ``service_name_en``) is kept as 'ไทย (English)'."""
    result: ParseResult[ServiceDefinition] = ParseResult()
    for index, item in enumerate(_list(body, "Open311 services", ("services",))):
        where = f"[{index}]"
        if not isinstance(item, dict):
            result.rejected.append(Rejection(where, "entry is not an object"))
            continue
        code, name = to_str(item.get("service_code")), to_str(item.get("service_name"))
        name_th, name_en = to_str(item.get("service_name_th")), to_str(item.get("service_name_en"))
        if name_th and name_en:
            # Our extension names a category in both languages: kept as Thai backends write a name in both,
            # "ไทย (English)", so the console shows the half of the UI language (widgets.incident_rows.in_language).
            name = f"{name_th} ({name_en})"
        if code is None or name is None:
            result.rejected.append(Rejection(where, "no service_code or service_name"))
            continue
        keywords = item.get("keywords")
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        metadata = item.get("metadata")
        admit(
            result,
            ServiceDefinition(
                service_code=code,
                service_name=name,
                description=to_str(item.get("description")),
                metadata=metadata is True or (to_str(metadata) or "").lower() == "true",
                type=to_str(item.get("type")),
                keywords=tuple(k for k in map(to_str, keywords) if k) if isinstance(keywords, list) else (),
                group=to_str(item.get("group")),
            ),
            f"{where} ({code})",
        )
    return result


def _flag(value: Any, default: bool) -> bool | None:
    """A GeoReport boolean (JSON true/false or the text "true"/"false"); None when it is neither."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = (to_str(value) or "").lower()
    return {"true": True, "false": False}.get(text)


def _attribute_values(raw: Any, where: str, notes: list[Rejection]) -> tuple[AttributeValue, ...]:
    if not isinstance(raw, list):
        return ()
    values: list[AttributeValue] = []
    for index, item in enumerate(raw):
        key = to_str(item.get("key")) if isinstance(item, dict) else None
        if key is None or any(v.key == key for v in values):
            notes.append(Rejection(f"{where}.values[{index}]", "no key, or a key listed twice"))
            continue
        values.append(AttributeValue(key, to_str(item.get("name")) or key))
    return tuple(values)


def _attribute(item: Any, index: int, result: ParseResult[ServiceAttribute]) -> ServiceAttribute | None:
    rejected = result.rejected
    where = f"attributes[{index}]"
    if not isinstance(item, dict):
        rejected.append(Rejection(where, "entry is not an object"))
        return None
    code = to_str(item.get("code"))
    if code is None:
        rejected.append(Rejection(where, "no code"))
        return None
    where = f"{where} ({excerpt(code, 40)})"
    datatype = (to_str(item.get("datatype")) or "").lower()
    if datatype not in ATTRIBUTE_DATATYPES:
        rejected.append(Rejection(where, f"unknown datatype {excerpt(to_str(item.get('datatype')) or '', 40)!r}"))
        return None
    variable, required = _flag(item.get("variable"), True), _flag(item.get("required"), False)
    if variable is None or required is None:
        rejected.append(Rejection(where, "variable / required are not true or false"))
        return None
    try:
        order = to_int(item.get("order"), _NO_MARKERS)
    except ValueError as exc:
        result.notes.append(Rejection(where, f"order dropped: {exc}"))
        order = None
    values = _attribute_values(item.get("values"), where, result.notes) if datatype in LIST_DATATYPES else ()
    if datatype in LIST_DATATYPES and variable and not values:
        rejected.append(Rejection(where, f"{datatype} without any usable values"))
        return None
    return ServiceAttribute(
        code=code,
        datatype=datatype,
        # Hostile text stays text: nothing here is markup; the form shows it as plain text.
        description=item["description"].strip() or code if isinstance(item.get("description"), str) else code,
        variable=variable,
        required=required and variable,  # an information-only attribute cannot be required of the operator
        order=order if order is not None else index + 1,
        datatype_description=to_str(item.get("datatype_description")),
        values=values,
    )


def parse_service_definition(body: bytes | str, service_code: str | None = None) -> ParseResult[ServiceAttribute]:
    """Parse ``GET /services/{service_code}.json``: the service's attributes, sorted by ``order``.

    Raises ``MalformedPayload`` for an error body or a definition of another service, ``WrongPayloadKind`` for
    anything that is not a definition (an object with an ``attributes`` list; a one-element list of it is taken).
    Attributes that cannot be asked (no code, unknown datatype, a list without values) are rejected one by one.
    """
    what = f"Open311 service definition{f' {excerpt(service_code, 40)}' if service_code else ''}"
    doc = load_json(body, what)
    errors = _error_pairs(doc) if doc else []
    if errors:
        listed = "; ".join(f"{code}: {text}" for code, text in errors)
        raise MalformedPayload(f"{what}: server error {excerpt(listed, 160)}")
    if isinstance(doc, list) and len(doc) == 1:
        doc = doc[0]
    if not isinstance(doc, dict) or not isinstance(doc.get("attributes"), list):
        raise WrongPayloadKind(f"{what}: expected an object with an attributes list, got {guess_kind(doc)}")
    code = to_str(doc.get("service_code"))
    if service_code is not None and code is not None and code != service_code:
        raise MalformedPayload(f"{what}: the server sent the definition of {excerpt(code, 40)!r}")
    result: ParseResult[ServiceAttribute] = ParseResult()
    codes: set[str] = set()
    for index, item in enumerate(doc["attributes"]):
        attribute = _attribute(item, index, result)
        if attribute is None:
            continue
        if attribute.code in codes:
            result.rejected.append(Rejection(f"attributes[{index}]", f"code {excerpt(attribute.code, 40)!r} twice"))
            continue
        if admit(result, attribute, f"attributes[{index}]"):
            codes.add(attribute.code)
    result.records.sort(key=lambda a: (a.order, a.code))
    return result


def attribute_problems(attributes: Sequence[ServiceAttribute], values: Mapping[str, str | list[str]]) -> list[str]:
    """What is wrong with ``values`` (attribute code → text, or a list of keys for a multivaluelist) for a new
    request of a service with ``attributes``: missing required answers, keys that are not listed, numbers that are
    not numbers. Empty when the request can be sent."""
    problems: list[str] = []
    for attribute in attributes:
        if not attribute.variable:
            continue
        code, value = attribute.code, values.get(attribute.code)
        given = [str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")]
        if not given:
            if attribute.required:
                problems.append(f"attribute[{code}] is required")
        elif attribute.datatype == "singlevaluelist" and len(given) > 1:
            problems.append(f"attribute[{code}] takes one of the listed keys, not several")
        elif attribute.datatype in LIST_DATATYPES and set(given) - {v.key for v in attribute.values}:
            problems.append(f"attribute[{code}] must be one of the listed keys")
        elif attribute.datatype == "number" and not _is_number(given[0]):
            problems.append(f"attribute[{code}] must be a number")
    return problems


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def attribute_form(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The form fields of a request's attributes: ``attribute[code]=value``, and ``attribute[code][]`` once per key
    of a list (multivaluelist); empty answers are left out."""
    form: list[tuple[str, str]] = []
    for code, value in sorted(values.items()):
        if isinstance(value, list | tuple):
            form += [(f"attribute[{code}][]", str(v)) for v in value if v not in (None, "")]
        elif value not in (None, ""):
            form.append((f"attribute[{code}]", str(value)))
    return form


def _coordinate_value(raw: Any) -> float | None:
    return to_float(raw, _NO_MARKERS, keep_non_finite=True)


def _extension(item: dict[str, Any], where: str, notes: list[Rejection]) -> dict[str, Any]:
    """The keys GeoReport v2 does not define, kept as they came, except that the extension fields other code reads
    must have their type: text, or the paused seconds as a whole number in range (else dropped with a note)."""
    extra = {key: value for key, value in item.items() if key not in _REQUEST_FIELDS}
    for key in _EXTENSION_TEXT:
        value = extra.get(key)
        if value is not None and not isinstance(value, str):
            notes.append(Rejection(where, f"{key} dropped: a JSON {type(value).__name__} is not text"))
            del extra[key]
    if extra.get("sla_paused_s") is not None:
        try:
            paused = to_int(extra["sla_paused_s"], _NO_MARKERS)
            if paused is not None and not 0 <= paused <= _MAX_PAUSED_S:
                raise ValueError(f"{paused} seconds is not a time on hold")
        except ValueError as exc:
            notes.append(Rejection(where, f"sla_paused_s dropped: {exc}"))
            del extra["sla_paused_s"]
        else:
            extra["sla_paused_s"] = paused
    return extra


def _link_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"a JSON {type(value).__name__} is not a request id")
    return str(value)


def _links(item: dict[str, Any], where: str, notes: list[Rejection]) -> RequestLinks | None:
    """The request's links (None when it carries no link field: a plain GeoReport v2 backend). A link field that is
    not what the extension says is dropped with a note, as if the server had not sent it."""
    if not any(key in item for key in (*_LINK_IDS, *_LINK_LISTS, "major_incident")):
        return None
    values: dict[str, Any] = {}
    for key in _LINK_IDS:
        try:
            values[key] = _link_id(item.get(key))
        except ValueError as exc:
            notes.append(Rejection(where, f"{key} dropped: {exc}"))
            values[key] = None
    for key in _LINK_LISTS:
        raw = item.get(key)
        try:
            if raw is None:
                values[key] = ()
            elif not isinstance(raw, list):
                raise ValueError(f"a JSON {type(raw).__name__} is not a list of request ids")
            else:
                values[key] = tuple(i for i in (_link_id(v) for v in raw) if i is not None)
        except ValueError as exc:
            notes.append(Rejection(where, f"{key} dropped: {exc}"))
            values[key] = ()
    major = item.get("major_incident")
    if isinstance(major, str) and major.lower() in ("true", "false"):
        major = major.lower() == "true"
    if major is not None and not isinstance(major, bool):
        notes.append(Rejection(where, f"major_incident dropped: a JSON {type(major).__name__} is not true/false"))
        major = None
    return RequestLinks(merged_into=values["merged_into"], merged=values["merged_request_ids"],
                        parent=values["parent_request_id"], children=values["child_request_ids"],
                        related=values["related_request_ids"], major=bool(major))


def _request(item: Any, where: str, result: ParseResult[ServiceRequest]) -> ServiceRequest | None:
    rejected, notes = result.rejected, result.notes
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
    # The incident stands without its place (GeoReport allows a request with an address only): a location that is
    # impossible or far from the province is dropped with a note, and the request still lands.
    try:
        lat, lon = read_coordinate(item.get("lat"), item.get("long"), NORTHERN_THAILAND, _coordinate_value)
    except ValueError as exc:
        notes.append(Rejection(where, f"coordinate dropped: {exc}"))
        lat = lon = None
    try:
        version = to_int(item.get("version"), _NO_MARKERS)
        if version is not None and version < 0:
            raise ValueError(f"{version} is not a record version")
    except ValueError as exc:
        notes.append(Rejection(where, f"version dropped: {exc}"))
        version = None
    return ServiceRequest(
        id=request_id,
        status=status,
        service_code=to_str(item.get("service_code")),
        description=item.get("description") if isinstance(item.get("description"), str) else None,
        lat=lat,
        lon=lon,
        requested_at=_time(item, "requested_datetime", where, notes),
        updated_at=_time(item, "updated_datetime", where, notes),
        service_name=to_str(item.get("service_name")),
        status_notes=to_str(item.get("status_notes")),
        status_detail=detail,
        agency_responsible=to_str(item.get("agency_responsible")),
        expected_at=_time(item, "expected_datetime", where, notes),
        address=to_str(item.get("address")),
        media_url=to_str(item.get("media_url")),
        version=version,
        priority=to_str(item.get("priority")),
        assignee=to_str(item.get("assignee")),
        extra=_extension(item, where, notes),
        links=_links(item, where, notes),
    )


def parse_requests(body: bytes | str) -> ParseResult[ServiceRequest]:
    """Parse ``GET /requests.json`` or ``GET /requests/{id}.json``."""
    result: ParseResult[ServiceRequest] = ParseResult()
    for index, item in enumerate(_list(body, "Open311 requests", ("requests", "service_requests"))):
        request = _request(item, f"[{index}]", result)
        if request is not None:
            admit(result, request, f"[{index}] ({request.id})")
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
        where = f"{where} ({update_id})"
        admit(
            result,
            ServiceRequestUpdate(
                update_id=update_id,
                service_request_id=request_id,
                status=to_str(item.get("status")),
                description=item.get("description") if isinstance(item.get("description"), str) else None,
                updated_at=_time(item, "updated_datetime", where, result.notes),
                state=to_str(item.get("workflow_state")) or to_str(item.get("status_detail")),
                version=_update_version(item, where, result.notes),
                author=_update_text(item, "author", where, result.notes),
                client_key=_update_text(item, "idempotency_key", where, result.notes),
                media_url=_update_text(item, "media_url", where, result.notes),
            ),
            where,
        )
    return result


def _update_text(item: dict[str, Any], key: str, where: str, notes: list[Rejection]) -> str | None:
    """An optional text field of an update; anything but text (or null) is dropped with a note."""
    value = item.get(key)
    if value is None or isinstance(value, str):
        return to_str(value)
    notes.append(Rejection(where, f"{key} dropped: a JSON {type(value).__name__} is not text"))
    return None


def _update_version(item: dict[str, Any], where: str, notes: list[Rejection]) -> int | None:
    try:
        version = to_int(item.get("version"), _NO_MARKERS)
        if version is not None and version < 0:
            raise ValueError(f"{version} is not a record version")
    except ValueError as exc:
        notes.append(Rejection(where, f"version dropped: {exc}"))
        return None
    return version


def parse_create_response(body: bytes | str) -> tuple[str | None, str | None, str | None]:
    """``(service_request_id, token, service_notice)`` from the answer to ``POST /requests.json``."""
    items = _list(body, "Open311 create response", ())
    first = items[0] if items and isinstance(items[0], dict) else None
    if first is None or ("service_request_id" not in first and "token" not in first):
        raise WrongPayloadKind(f"Open311 create response: neither service_request_id nor token in {guess_kind(items)}")
    return to_str(first.get("service_request_id")), to_str(first.get("token")), to_str(first.get("service_notice"))
