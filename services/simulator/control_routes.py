"""Control routes under ``/_sim``: faults and the simulated clock (for tests and training sessions).

- ``GET /_sim/faults`` → list; ``POST /_sim/faults`` with ``{"feed", "kind", ...options}`` → 201 + the fault;
  ``DELETE /_sim/faults`` (optionally ``?feed=``) clears; ``DELETE /_sim/faults/<id>`` removes one.
- ``GET /_sim/clock`` → ``{"now", "speed", "offset_seconds"}``; ``POST /_sim/clock`` with ``{"advance": seconds}``
  moves simulated time forward.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from services.records import iso_utc
from services.simulator.clock import SimClock
from services.simulator.faults import FaultBoard


def make_blueprint(board: FaultBoard, clock: SimClock) -> Blueprint:
    """The ``/_sim`` routes."""
    bp = Blueprint("sim_control", __name__, url_prefix="/_sim")

    def clock_state():  # type: ignore[no-untyped-def]
        return jsonify({"now": iso_utc(clock.now()), "speed": clock.speed, "offset_seconds": clock.offset_seconds})

    @bp.get("/faults")
    def list_faults():  # type: ignore[no-untyped-def]
        return jsonify([f.to_json() for f in board.list()])

    @bp.post("/faults")
    def add_fault():  # type: ignore[no-untyped-def]
        try:
            fault = board.add_from_json(request.get_json(force=True, silent=True))
        except (ValueError, TypeError) as exc:
            return jsonify({"error": str(exc)}), 400
        return jsonify(fault.to_json()), 201

    @bp.delete("/faults")
    def clear_faults():  # type: ignore[no-untyped-def]
        board.clear(request.args.get("feed") or None)
        return "", 204

    @bp.delete("/faults/<int:fault_id>")
    def remove_fault(fault_id: int):  # type: ignore[no-untyped-def]
        return ("", 204) if board.remove(fault_id) else (jsonify({"error": "no such fault"}), 404)

    @bp.get("/clock")
    def get_clock():  # type: ignore[no-untyped-def]
        return clock_state()

    @bp.post("/clock")
    def advance_clock():  # type: ignore[no-untyped-def]
        body = request.get_json(force=True, silent=True) or {}
        try:
            seconds = float(body.get("advance", body.get("seconds")))
        except (TypeError, ValueError):
            return jsonify({"error": 'expected {"advance": seconds}'}), 400
        clock.advance(seconds)
        return clock_state()

    return bp
