"""Control routes under ``/_sim``: faults and the simulated clock (for tests and training sessions).

- ``GET /_sim/faults`` → list; ``POST /_sim/faults`` with ``{"feed", "kind", ...options}`` → 201 + the fault;
  ``DELETE /_sim/faults`` (optionally ``?feed=``) clears; ``DELETE /_sim/faults/<id>`` removes one.
- ``GET /_sim/clock`` → ``{"now", "speed", "offset_seconds"}``; ``POST /_sim/clock`` with ``{"advance": seconds}``
  moves simulated time forward (0 to :data:`MAX_ADVANCE_S` at a time).

Every route needs ``Authorization: Bearer <the supervisor's token>`` (401 without a known token, 403 for another
role), and a POST needs ``Content-Type: application/json`` (415). A web page can send a "simple" cross-origin
``text/plain`` POST without a preflight, but it cannot add an ``Authorization`` header or a JSON content type without
one, and the simulator answers no preflight: so no page a trainer opens can forge a fault or move the clock.
Refusals carry a JSON body ``{"error": ...}``.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from services.records import iso_utc
from services.simulator.clock import SimClock
from services.simulator.faults import FaultBoard
from services.simulator.incidents import IncidentError, IncidentStore

CONTROL_ROLE = "supervisor"
MAX_ADVANCE_S = 30 * 86400.0
# However many advances add up, simulated time stays far inside what datetime can hold (an overflow there broke
# every route, feeds included).
MAX_OFFSET_S = 20 * 366 * 86400.0
MAX_BODY_BYTES = 64 * 1024


def _refuse(status: int, message: str, **headers: str) -> Response:
    answer = jsonify({"error": message})
    answer.status_code = status
    answer.headers.update(headers)
    return answer


def advance_seconds(body: Any) -> float:
    """The ``advance`` of a ``POST /_sim/clock`` body: a finite number of seconds, 0 to :data:`MAX_ADVANCE_S`.

    Raises ``ValueError`` with the reason otherwise."""
    if not isinstance(body, dict) or set(body) - {"advance", "seconds"} or len(body) != 1:
        raise ValueError('expected {"advance": seconds}')
    value = next(iter(body.values()))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("advance must be a number of seconds")
    try:
        seconds = float(value)
    except OverflowError:  # an integer too large for a float
        raise ValueError(f"advance must be between 0 and {MAX_ADVANCE_S:.0f} seconds") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_S:
        raise ValueError(f"advance must be between 0 and {MAX_ADVANCE_S:.0f} seconds")
    return seconds


def make_blueprint(board: FaultBoard, clock: SimClock, incidents: IncidentStore) -> Blueprint:
    """The ``/_sim`` routes; ``incidents`` knows the role of each bearer token."""
    bp = Blueprint("sim_control", __name__, url_prefix="/_sim")

    @bp.before_request
    def authorise():  # type: ignore[no-untyped-def]
        try:
            role = incidents.role_of(request.headers.get("Authorization"))
        except IncidentError:
            return _refuse(401, "the /_sim routes need the supervisor's bearer token", **{"WWW-Authenticate": "Bearer"})
        if role != CONTROL_ROLE:
            return _refuse(403, f"role {role!r} may not control the simulator; it needs the supervisor's token")
        if request.method == "POST":
            if request.mimetype != "application/json":
                return _refuse(415, "the /_sim routes take Content-Type: application/json")
            request.max_content_length = MAX_BODY_BYTES
            try:
                g.sim_body = request.get_json()
            except RequestEntityTooLarge:
                return _refuse(413, f"the body is over {MAX_BODY_BYTES} bytes")
            except (BadRequest, ValueError, RecursionError):  # RecursionError: JSON nested too deep
                return _refuse(400, "the body is not JSON")
        return None

    def clock_state():  # type: ignore[no-untyped-def]
        return jsonify({"now": iso_utc(clock.now()), "speed": clock.speed, "offset_seconds": clock.offset_seconds})

    @bp.get("/faults")
    def list_faults():  # type: ignore[no-untyped-def]
        return jsonify([f.to_json() for f in board.list()])

    @bp.post("/faults")
    def add_fault():  # type: ignore[no-untyped-def]
        try:
            fault = board.add_from_json(g.sim_body)
        except (ValueError, TypeError) as exc:
            return _refuse(400, str(exc))
        return jsonify(fault.to_json()), 201

    @bp.delete("/faults")
    def clear_faults():  # type: ignore[no-untyped-def]
        board.clear(request.args.get("feed") or None)
        return "", 204

    @bp.delete("/faults/<int:fault_id>")
    def remove_fault(fault_id: int):  # type: ignore[no-untyped-def]
        return ("", 204) if board.remove(fault_id) else _refuse(404, "no such fault")

    @bp.get("/clock")
    def get_clock():  # type: ignore[no-untyped-def]
        return clock_state()

    @bp.post("/clock")
    def advance_clock():  # type: ignore[no-untyped-def]
        try:
            seconds = advance_seconds(g.sim_body)
        except ValueError as exc:
            return _refuse(400, str(exc))
        if abs(clock.offset_seconds + seconds) > MAX_OFFSET_S:
            return _refuse(400, f"the simulated clock may run at most {MAX_OFFSET_S / 86400:.0f} days ahead")
        clock.advance(seconds)
        return clock_state()

    return bp
