"""Open311 GeoReport v2 routes (prefix ``/open311/v2``) over the :class:`~services.simulator.incidents.IncidentStore`.

Plain v2: ``GET /services.json``, ``GET /services/<code>.json``, ``GET /requests.json`` (``service_code``,
``start_date``, ``end_date``, ``status``; extensions ``page``/``page_size`` with an ``X-Total-Count`` header and
``updated_after``), ``GET /requests/<id>.json``, ``POST /requests.json`` (form-encoded; 201 with
``[{"service_request_id", "service_notice", "account_id"}]``) and ``GET /servicerequestupdates.json``
(``start_date``, ``after_update_id``, ``service_request_id``). The workflow extension (PATCH, comments, ETags,
idempotency) is documented in :mod:`services.simulator.incidents`. Errors: ``[{"code", "description"}]`` with the
same HTTP status. Reads with a valid ``Authorization: Bearer`` token (any role) also carry the reporter fields.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, request

from services.simulator.incident_fields import PRIORITIES, reporter_from_form
from services.simulator.incidents import MAX_DESCRIPTION, IncidentError, IncidentStore, etag_of
from services.simulator.timefmt import THAI

_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
MAX_PAGE_SIZE = 1000


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _w3c_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace(" ", "+"))  # a '+' left unescaped in a query is a space
    except ValueError:
        raise IncidentError(400, f"{name} is not a W3C datetime") from None
    # A time without an offset is read as Thai local time, as Traffy Fondue writes it.
    return (value if value.tzinfo else value.replace(tzinfo=THAI)).astimezone(UTC)


def _int_arg(name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise IncidentError(400, f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        raise IncidentError(400, f"{name} out of range")
    return value


def _list_arg(name: str) -> list[str] | None:
    raw = request.args.get(name)
    return [v.strip() for v in raw.split(",") if v.strip()] if raw else None


def _fingerprint() -> str:
    """What makes two requests "the same" for Idempotency-Key: method, path and body (form fields, sorted)."""
    if request.form:
        body = json.dumps(sorted(request.form.items(multi=True)), ensure_ascii=False).encode()
    else:
        body = request.get_data(cache=True)
    return hashlib.sha256(request.method.encode() + request.path.encode() + body).hexdigest()


def _attributes(store: IncidentStore, code: str) -> dict[str, Any]:
    """``attribute[code]=value`` form fields, and ``attribute[code][]`` (repeated) for a multivaluelist's keys."""
    attributes: dict[str, Any] = {}
    for key in request.form:
        if (m := _ATTRIBUTE.match(key)) is None:
            continue
        values = request.form.getlist(key)
        attributes[m.group(1)] = values if m.group(2) else values[0]
    try:
        datatypes = {a["code"]: a for a in store.service_definition(code)["attributes"]}
    except IncidentError:
        datatypes = {}  # an unknown service_code: the create answers that (404)
    for name, value in attributes.items():
        attr = datatypes.get(name)
        if attr is None:
            continue  # attributes the service does not define are kept as given, as before
        if isinstance(value, list) != (attr["datatype"] == "multivaluelist"):
            raise IncidentError(400, f"attribute[{name}] is a {attr['datatype']}: send "
                                     + ("attribute[code][] once per key" if attr["datatype"] == "multivaluelist"
                                        else "attribute[code]=value"))
        if isinstance(value, list) and set(value) - {v["key"] for v in attr["values"]}:
            raise IncidentError(400, f"attribute[{name}] must be one of the listed keys")
    return attributes


def _float_form(name: str) -> float | None:
    raw = request.form.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise IncidentError(400, f"{name} must be a number") from None


def make_blueprint(store: IncidentStore) -> Blueprint:
    """The ``/open311/v2`` routes."""
    bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

    @bp.errorhandler(IncidentError)
    def on_error(exc: IncidentError) -> Response:
        return _json(exc.body, exc.status, exc.headers)

    @bp.get("/services.json")
    def services() -> Response:
        return _json(store.services())

    @bp.get("/services/<code>.json")
    def service_definition(code: str) -> Response:
        return _json(store.service_definition(code))

    @bp.get("/requests.json")
    def list_requests() -> Response:
        statuses = _list_arg("status")
        if statuses and set(statuses) - {"open", "closed"}:
            raise IncidentError(400, "status must be open, closed or both")
        rows = store.query(service_codes=_list_arg("service_code"), statuses=statuses, start=_w3c_arg("start_date"),
                           end=_w3c_arg("end_date"), updated_after=_w3c_arg("updated_after"),
                           staff=store.is_staff(request.headers.get("Authorization")))
        page = _int_arg("page", 1, 1)
        size = _int_arg("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        assert page is not None and size is not None
        chunk = rows[(page - 1) * size : page * size]
        return _json(chunk, headers={"X-Total-Count": str(len(rows))})

    @bp.get("/requests/<rid>.json")
    def get_request(rid: str) -> Response:
        record = store.get(rid, staff=store.is_staff(request.headers.get("Authorization")))
        return _json([record], headers={"ETag": etag_of(record)})

    @bp.post("/requests.json")
    def create_request() -> Response:
        form = request.form
        store.api_key_role(form.get("api_key"), request.headers.get("Authorization"))
        code = form.get("service_code")
        if not code:
            raise IncidentError(400, "service_code is required")
        lat, lon = _float_form("lat"), _float_form("long")
        address = form.get("address_string") or None
        if (lat is None) != (lon is None):
            raise IncidentError(400, "lat and long must be given together")
        if lat is None and not address and not form.get("address_id"):
            raise IncidentError(400, "A location is required: lat and long, address_string or address_id")
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise IncidentError(400, "lat/long out of range")
        description = form.get("description")
        if description and len(description) > MAX_DESCRIPTION:
            raise IncidentError(400, f"description is longer than {MAX_DESCRIPTION} characters")
        attributes = _attributes(store, code)
        reporter_name, reporter_contact, source = reporter_from_form(form)
        priority = form.get("priority") or None  # workflow extension: the intake's priority
        if priority is not None and priority not in PRIORITIES:
            raise IncidentError(400, f"priority must be one of {PRIORITIES}")

        def action() -> tuple[int, Any, dict[str, str]]:
            record = store.create(service_code=code, lat=lat, lon=lon, address=address,
                                  address_id=form.get("address_id"), description=description,
                                  media_url=form.get("media_url"), attributes=attributes, source=source,
                                  reporter_name=reporter_name, reporter_contact=reporter_contact, priority=priority)
            body = [{"service_request_id": record["service_request_id"],
                     "service_notice": record["service_notice"], "account_id": None}]
            return 201, body, {"ETag": etag_of(record)}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), action)
        return _json(body, status, headers)

    @bp.patch("/requests/<rid>.json")
    def patch_request(rid: str) -> Response:
        role = store.writer_role(request.headers.get("Authorization"))
        changes = request.get_json(silent=True)

        def action() -> tuple[int, Any, dict[str, str]]:
            record = store.patch(rid, changes, request.headers.get("If-Match"), role)
            return 200, [record], {"ETag": etag_of(record)}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), action)
        return _json(body, status, headers)

    @bp.get("/requests/<rid>/comments.json")
    def list_comments(rid: str) -> Response:
        return _json(store.comments(rid))

    @bp.post("/requests/<rid>/comments.json")
    def add_comment(rid: str) -> Response:
        role = store.writer_role(request.headers.get("Authorization"))
        payload = request.get_json(silent=True)
        text = payload.get("text") if isinstance(payload, dict) else request.form.get("text")

        def action() -> tuple[int, Any, dict[str, str]]:
            comment = store.add_comment(rid, text or "", role)
            return 201, comment, {"ETag": etag_of(store.get(rid))}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), action)
        return _json(body, status, headers)

    @bp.get("/servicerequestupdates.json")
    def updates() -> Response:
        rows = store.updates(start=_w3c_arg("start_date"), after_id=_int_arg("after_update_id", None, 0),
                             request_id=request.args.get("service_request_id") or None)
        size = _int_arg("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        return _json(rows[:size])

    return bp
