"""The alerts extension (JSON only), beside the Open311 routes under ``/open311/v2``, over
:class:`services.simulator.alert_board.AlertBoard`. Not part of GeoReport v2: a plain Open311 server answers 404
on these paths, and the console then keeps its alerts to itself (services.alert_writer, services.sync.alert_feed).

- ``POST /alerts.json`` (the alert: ``uid``, ``rule_id``, ``kind``, ``severity``, ``scope_kind``, ``scope_key``,
  ``first_at``, ``last_at``, ``cleared_at``, ``occurrences``, ``value``, names, messages, ``lat``/``lon``): the
  episode's one alert, 201 when new, 200 with the one kept (its ``uid`` is the first console's);
- ``POST /alerts/{uid}/acknowledgements.json`` (``acknowledged_by``, ``comment``, ``acknowledged_at``): 200 with the
  alert; 409 when another acknowledgement was first, as ``[{"code": 409, "description", "alert"}]`` with the one
  kept;
- ``POST /alert_silences.json`` (``uid``, ``rule_id``, ``scope_key``, ``starts_at``, ``until``, ``reason``,
  ``actor``) and ``POST /alert_silences/{uid}/end.json`` (``ended_by``, ``ended_at``);
- ``GET /alerts.json`` and ``GET /alert_silences.json`` with ``updated_after`` (ISO; the answer's ``updated_at``
  values are the cursor), oldest change first. Reads need no token, as GeoReport v2's do.

Writes need ``Authorization: Bearer`` of an operator or supervisor (viewer 403, none 401) and replay on
``Idempotency-Key`` as the workflow extension's do (a repeat answers the first success; the same key with another
body 422). Errors are Open311 error lists (``[{"code", "description"}]``), as for every path under ``/open311``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from services.simulator.alert_board import AlertBoard
from services.simulator.incident_fields import IncidentError
from services.simulator.incidents import IncidentStore

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _fingerprint() -> str:
    return hashlib.sha256(request.method.encode() + request.path.encode() + request.get_data(cache=True)).hexdigest()


def make_blueprint(board: AlertBoard, incidents: IncidentStore) -> Blueprint:
    """The alerts extension's routes, prefix ``/open311/v2``; roles and idempotency are the incident store's."""
    bp = Blueprint("open311_alerts", __name__, url_prefix="/open311/v2")

    @bp.errorhandler(IncidentError)
    def on_error(exc: IncidentError) -> Response:
        return _json(exc.body, exc.status, exc.headers)

    def write(action: Callable[[str, Any], tuple[int, Any]]) -> Response:
        role = incidents.writer_role(request.headers.get("Authorization"))
        body = request.get_json(silent=True)

        def run() -> tuple[int, Any, dict[str, str]]:
            status, answer = action(role, body)
            return status, answer, {}

        status, answer, headers = incidents.idempotent(request.headers.get("Idempotency-Key"), _fingerprint(), run)
        return _json(answer, status, headers)

    @bp.post("/alerts.json")
    def upsert_alert() -> Response:
        return write(lambda role, body: board.upsert(body, role))

    @bp.post("/alerts/<uid>/acknowledgements.json")
    def acknowledge(uid: str) -> Response:
        return write(lambda role, body: (200, board.acknowledge(uid, body, role)))

    @bp.post("/alert_silences.json")
    def silence() -> Response:
        return write(lambda role, body: board.silence(body, role))

    @bp.post("/alert_silences/<uid>/end.json")
    def end_silence(uid: str) -> Response:
        return write(lambda role, body: (200, board.end_silence(uid, body, role)))

    @bp.get("/alerts.json")
    def list_alerts() -> Response:
        return _json(board.alerts(request.args.get("updated_after")))

    @bp.get("/alert_silences.json")
    def list_silences() -> Response:
        return _json(board.silences(request.args.get("updated_after")))

    return bp
