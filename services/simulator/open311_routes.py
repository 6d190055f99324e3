"""Open311 GeoReport v2 routes (prefix ``/open311/v2``) over the :class:`~services.simulator.incidents.IncidentStore`.

GeoReport v2 (wiki.open311.org/GeoReport_v2), every method in both formats, ``.json`` and ``.xml``
(:mod:`services.simulator.georeport_xml`):
- ``GET /services.{format}``, ``GET /services/{service_code}.{format}`` (404 for an unknown code);
- ``POST /requests.{format}`` (form-encoded; 201 with ``[{"service_request_id", "service_notice", "account_id"}]``;
  403 "Missing api_key" / "Invalid api_key"). Every service is ``realtime``, so the answer carries the id, never a
  token, and ``GET /tokens/{token}.{format}`` answers 404 for any token, as the spec says of one not found;
- ``GET /requests.{format}`` with ``service_request_id``, ``service_code``, ``start_date``, ``end_date``, ``status``
  and ``jurisdiction_id`` as the spec defines them (:mod:`services.simulator.georeport_query`), plus the extensions
  ``updated_after`` and ``page``/``page_size`` (``X-Total-Count`` header);
- ``GET /requests/{id}.{format}`` (a list of one, with its ``ETag``; 404 for an unknown id);
- ``GET /open311/discovery.{format}``: the Service Discovery file that GeoReport v2 requires.
``jurisdiction_id`` is accepted on every GeoReport method (ours, or none; another one is 404).

Extensions: ``GET /servicerequestupdates.{format}`` (``start_date``, ``after_update_id``, ``service_request_id``,
``page_size``; with ``start_date`` oldest first by ``updated_datetime``; each update names its ``author`` and the
``idempotency_key`` of the write that made it); in JSON only, the workflow extension (PATCH, comments; see
:mod:`services.simulator.incidents`; merge, split and links: :mod:`services.simulator.link_routes`).

Errors, for every path under ``/open311`` (an unknown path, a wrong method, a server fault included): the HTTP status
with ``[{"code", "description"}]`` (XML: ``<errors><error><code>…``), one error per problem; the path's format
decides which (JSON where it names none). Reads with a valid ``Authorization: Bearer`` token (any role) also carry the
reporter fields.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from services.simulator import georeport_xml as gx
from services.simulator.georeport_query import (
    DEFAULT_LIMIT,
    check_jurisdiction,
    errors,
    int_arg,
    read_requests_query,
    w3c_arg,
)
from services.simulator.incident_fields import PRIORITIES, reporter_from_form
from services.simulator.incidents import MAX_DESCRIPTION, IncidentError, IncidentStore, etag_of
from services.simulator.timefmt import w3c

_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
_FORMAT = "<any(json, xml):fmt>"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MAX_PAGE_SIZE = DEFAULT_LIMIT
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _wants_xml() -> bool:
    return request.path.endswith(".xml")


def _respond(body: Any, status: int = 200, headers: dict[str, str] | None = None, *,
             xml: tuple[str, str | None] = gx.SERVICE_REQUESTS) -> Response:
    """``body`` in the format the path names: JSON, or XML with ``xml`` = (root element, item element)."""
    if _wants_xml():
        resp = Response(gx.document(body, *xml), status=status, content_type=gx.CONTENT_TYPE)
    else:
        resp = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _error(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    # A stale write's 412 carries the current record, not an error list.
    return _respond(body, status, headers, xml=gx.ERRORS if gx.is_error_list(body) else gx.SERVICE_REQUESTS)


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more)"


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """werkzeug's own errors (no route, wrong method, a body it could not read, a fault in a handler) under
    ``/open311`` as Open311 errors; elsewhere unchanged."""
    if exc.code is None or exc.code < 400 or not request.path.startswith("/open311/"):
        return exc
    headers: dict[str, str] = {}
    if isinstance(exc, NotFound):
        description = f"{_cut(request.path)} was not found (GeoReport v2 resources end in .json or .xml)"
    elif isinstance(exc, MethodNotAllowed):
        allowed = sorted(exc.valid_methods or ())
        headers["Allow"] = ", ".join(allowed)
        description = f"{_cut(request.method, 20)} is not allowed on {_cut(request.path)}; allowed: {headers['Allow']}"
    elif exc.code >= 500:
        description = "Internal server error"
    else:
        description = exc.description or exc.name
    return _error([{"code": exc.code, "description": description}], exc.code, headers)


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


def _staff(store: IncidentStore) -> bool:
    return store.is_staff(request.headers.get("Authorization"))


def make_blueprint(store: IncidentStore) -> Blueprint:
    """The ``/open311`` routes: Service Discovery, and GeoReport v2 under ``/open311/v2``."""
    root = Blueprint("open311", __name__, url_prefix="/open311")
    bp = Blueprint("v2", __name__, url_prefix="/v2")
    changeset = w3c(store.clock.now())  # services and their definitions never change while the simulator runs

    @root.errorhandler(IncidentError)
    def on_error(exc: IncidentError) -> Response:
        return _error(exc.body, exc.status, exc.headers)

    root.app_errorhandler(HTTPException)(_http_error)

    @root.get(f"/discovery.{_FORMAT}")
    def discovery(fmt: str) -> Response:
        body = {
            "changeset": changeset,
            "contact": "Chiang Mai PAO Operations Console training simulator (not a live service)",
            "key_service": "Role tokens are printed by `pao-console simulator` and kept in the OS keyring",
            "endpoints": [{"specification": SPECIFICATION, "url": request.host_url + "open311/v2",
                           "changeset": changeset, "type": "test", "formats": [gx.CONTENT_TYPE.split(";")[0],
                                                                                JSON_CONTENT_TYPE.split(";")[0]]}],
        }
        return _respond(body, xml=("discovery", None))

    @bp.get(f"/services.{_FORMAT}")
    def services(fmt: str) -> Response:
        check_jurisdiction(request.args.get("jurisdiction_id"))
        return _respond(store.services(), xml=gx.SERVICES)

    @bp.get(f"/services/<code>.{_FORMAT}")
    def service_definition(code: str, fmt: str) -> Response:
        check_jurisdiction(request.args.get("jurisdiction_id"))
        return _respond(store.service_definition(code), xml=("service_definition", None))

    @bp.get(f"/requests.{_FORMAT}")
    def list_requests(fmt: str) -> Response:
        query = read_requests_query(request.args, store.clock.now(), {s["service_code"] for s in store.services()})
        staff = _staff(store)
        if query.ids is not None:
            rows, missing = [], []
            for rid in query.ids:
                try:
                    rows.append(store.get(rid, staff=staff))
                except IncidentError as exc:
                    if exc.status != 404:
                        raise
                    missing.append(rid)
            if missing:
                raise errors(404, [f"service_request_id {_cut(rid, 80)!r} was not found" for rid in missing])
            return _respond(rows, headers={"X-Total-Count": str(len(rows))})
        rows = store.query(service_codes=list(query.service_codes or ()) or None,
                           statuses=list(query.statuses or ()) or None, start=query.start, end=query.end,
                           updated_after=query.updated_after, staff=staff)
        chunk = rows[(query.page - 1) * query.page_size: query.page * query.page_size]
        return _respond(chunk, headers={"X-Total-Count": str(len(rows))})

    @bp.get(f"/requests/<rid>.{_FORMAT}")
    def get_request(rid: str, fmt: str) -> Response:
        check_jurisdiction(request.args.get("jurisdiction_id"))
        record = store.get(rid, staff=_staff(store))
        return _respond([record], headers={"ETag": etag_of(record)})

    @bp.get(f"/tokens/<token>.{_FORMAT}")
    def token(token: str, fmt: str) -> Response:
        check_jurisdiction(request.args.get("jurisdiction_id"))
        # Every service is realtime: a POST answers the service_request_id at once and never hands out a token.
        raise IncidentError(404, f"token {_cut(token, 80)!r} was not found")

    @bp.post(f"/requests.{_FORMAT}")
    def create_request(fmt: str) -> Response:
        form = request.form
        check_jurisdiction(form.get("jurisdiction_id"))
        if not form.get("api_key") and not request.headers.get("Authorization"):
            raise IncidentError(403, "Missing api_key")
        author = store.api_key_role(form.get("api_key"), request.headers.get("Authorization"))
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
                                  reporter_name=reporter_name, reporter_contact=reporter_contact, priority=priority,
                                  author=author, key=request.headers.get("Idempotency-Key"))
            body = [{"service_request_id": record["service_request_id"],
                     "service_notice": record["service_notice"], "account_id": None}]
            return 201, body, {"ETag": etag_of(record)}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), action)
        return _respond(body, status, headers)

    @bp.patch("/requests/<rid>.json")
    def patch_request(rid: str) -> Response:
        role = store.writer_role(request.headers.get("Authorization"))
        changes = request.get_json(silent=True)

        def action() -> tuple[int, Any, dict[str, str]]:
            records = store.patch_all(rid, changes, request.headers.get("If-Match"), role,
                                      request.headers.get("Idempotency-Key"))
            return 200, records, {"ETag": etag_of(records[0])}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), action)
        return _respond(body, status, headers)

    @bp.get("/requests/<rid>/comments.json")
    def list_comments(rid: str) -> Response:
        return _respond(store.comments(rid))

    @bp.post("/requests/<rid>/comments.json")
    def add_comment(rid: str) -> Response:
        role = store.writer_role(request.headers.get("Authorization"))
        payload = request.get_json(silent=True)
        text = payload.get("text") if isinstance(payload, dict) else request.form.get("text")

        def action() -> tuple[int, Any, dict[str, str]]:
            comment = store.add_comment(rid, text or "", role, request.headers.get("Idempotency-Key"))
            return 201, comment, {"ETag": etag_of(store.get(rid))}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), action)
        return _respond(body, status, headers)

    @bp.get(f"/servicerequestupdates.{_FORMAT}")
    def updates(fmt: str) -> Response:
        check_jurisdiction(request.args.get("jurisdiction_id"))
        start = w3c_arg(request.args, "start_date")
        rows = store.updates(start=start, after_id=int_arg(request.args, "after_update_id", None, 0),
                             request_id=(request.args.get("service_request_id") or "").strip() or None)
        if start is not None:
            # A time window is paged by time, oldest first: the list itself is in the order the changes were
            # recorded, and seeded history was recorded request by request.
            rows.sort(key=lambda u: (datetime.fromisoformat(u["updated_datetime"]), int(u["update_id"])))
        size = int_arg(request.args, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        return _respond(rows[:size], xml=gx.UPDATES)

    from services.simulator.link_routes import register_link_routes  # merge, split and link (the extension)

    register_link_routes(bp, store, respond=_respond, fingerprint=_fingerprint)
    root.register_blueprint(bp)
    return root
