"""The simulated backend's alerts, acknowledgements and silences (the alerts extension's authority; the routes are
services.simulator.alert_routes).

- An alert is one episode of one rule in one scope: its natural key is (``rule_id``, ``scope_key``, ``first_at``).
  Two consoles evaluating the same data raise the same episode: the server keeps ONE alert, under the uid of the
  first console that sent it; the later sender gets that uid back and adopts it. A known ``uid`` is matched first
  (a later first time, found by a late import, is the same alert).
- Later snapshots of the same alert only move it forward: ``occurrences`` and ``last_at`` take the larger (the
  latest occurrence's value and messages with it); ``cleared_at`` once set stays, unless a snapshot with an
  occurrence after it and no clearing reopens the alert (then its acknowledgement goes too: a reopened alert takes
  a new one). A clearing older than the alert's latest occurrence is stale and ignored.
- The first acknowledgement wins: a second from elsewhere is refused (409) and the refusal carries the one kept.
- A silence is known by the uid the console made it with; ending it moves ``until`` to its end, never later.
- ``updated_at`` (ISO UTC with microseconds, strictly increasing on this server's wall clock, not the simulated
  clock: it only orders changes for ``updated_after``) moves on every change a console should hear of.

Thread-safe; every method takes the board's lock.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.simulator.incident_fields import IncidentError

TEXT_MAX = 1000
_ALERT_TEXT = ("rule_id", "kind", "severity", "scope_kind", "scope_key")
_ALERT_OPTIONAL_TEXT = ("scope_name_th", "scope_name_en", "rule_name_th", "rule_name_en", "message_th",
                        "message_en")
SEVERITIES = ("info", "warning", "critical")


def parse_time(value: Any, name: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 time with a zone (400 otherwise)."""
    if value in (None, ""):
        if required:
            raise IncidentError(400, f"{name} is required")
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise IncidentError(400, f"{name} must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise IncidentError(400, f"{name} must name its time zone")
    return moment.astimezone(UTC).replace(microsecond=0)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(body: dict[str, Any], name: str, *, required: bool = True, limit: int = 200) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise IncidentError(400, f"{name} is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise IncidentError(400, f"{name} must be text of at most {limit} characters")
    return value


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IncidentError(400, f"{name} must be a number")
    return float(value)


class AlertBoard:
    """The alerts, acknowledgements and silences every console shares."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._alerts: dict[str, dict[str, Any]] = {}
        self._by_key: dict[tuple[str, str, datetime], str] = {}
        self._silences: dict[str, dict[str, Any]] = {}
        self._stamp = datetime.min.replace(tzinfo=UTC)

    def _next_stamp(self) -> str:
        now = datetime.now(UTC)
        self._stamp = max(now, self._stamp + timedelta(microseconds=1))
        return self._stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    # --- alerts ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _public(alert: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in alert.items() if not k.startswith("_")}
        for name in ("first_at", "last_at", "cleared_at"):
            out[name] = _iso(alert[name])
        ack = alert["acknowledgement"]
        out["acknowledgement"] = None if ack is None else dict(ack)
        out["state"] = "cleared" if alert["cleared_at"] else "acknowledged" if ack else "open"
        return out

    def upsert(self, body: Any, role: str) -> tuple[int, dict[str, Any]]:
        """POST /alerts.json: 201 with a new alert, 200 with the one kept (see the module text)."""
        if not isinstance(body, dict):
            raise IncidentError(400, "Body must be a JSON object: the alert")
        fields = {name: _text(body, name) for name in _ALERT_TEXT}
        if fields["severity"] not in SEVERITIES:
            raise IncidentError(400, f"severity must be one of {list(SEVERITIES)}")
        fields.update({name: _text(body, name, required=False, limit=TEXT_MAX) for name in _ALERT_OPTIONAL_TEXT})
        first = parse_time(body.get("first_at"), "first_at")
        last = parse_time(body.get("last_at"), "last_at")
        cleared = parse_time(body.get("cleared_at"), "cleared_at", required=False)
        assert first is not None and last is not None
        if last < first:
            raise IncidentError(400, "last_at is before first_at")
        occurrences = body.get("occurrences", 1)
        if isinstance(occurrences, bool) or not isinstance(occurrences, int) or occurrences < 1:
            raise IncidentError(400, "occurrences must be a whole number of at least 1")
        value, lat, lon = _number(body, "value"), _number(body, "lat"), _number(body, "lon")
        uid = _text(body, "uid", required=False, limit=64)
        with self._lock:
            key = (str(fields["rule_id"]), str(fields["scope_key"]), first)
            found = self._alerts.get(uid or "") or self._alerts.get(self._by_key.get(key, ""))
            if found is None:
                if not uid or uid in self._alerts:
                    uid = uuid.uuid4().hex
                alert = {"uid": uid, **fields, "first_at": first, "last_at": last, "cleared_at": cleared,
                         "occurrences": occurrences, "value": value, "lat": lat, "lon": lon,
                         "acknowledgement": None, "raised_by": role, "updated_at": self._next_stamp()}
                self._alerts[uid] = alert
                self._by_key[key] = uid
                return 201, self._public(alert)
            before = self._public(found)
            for name in ("severity", "scope_name_th", "scope_name_en", "rule_name_th", "rule_name_en"):
                if fields[name] is not None:
                    found[name] = fields[name]
            if lat is not None:
                found["lat"], found["lon"] = lat, lon
            found["occurrences"] = max(found["occurrences"], occurrences)
            if last > found["last_at"]:
                found.update(last_at=last, value=value, message_th=fields["message_th"] or found["message_th"],
                             message_en=fields["message_en"] or found["message_en"])
            if cleared is None:
                if found["cleared_at"] is not None and last > found["cleared_at"]:
                    found["cleared_at"] = None  # reopened: an occurrence after the clearing
                    found["acknowledgement"] = None
            elif cleared >= found["last_at"] and (found["cleared_at"] is None or cleared > found["cleared_at"]):
                found["cleared_at"] = cleared
            self._by_key.setdefault(key, found["uid"])
            if self._public(found) != before:
                found["updated_at"] = self._next_stamp()
            return 200, self._public(found)

    def acknowledge(self, uid: str, body: Any, role: str) -> dict[str, Any]:
        """POST /alerts/{uid}/acknowledgements.json: the alert with its acknowledgement; 409 when another was first
        (the error carries the alert with the one kept)."""
        if not isinstance(body, dict):
            raise IncidentError(400, "Body must be a JSON object: acknowledged_by, comment")
        by = _text(body, "acknowledged_by")
        comment = (_text(body, "comment", limit=TEXT_MAX) or "").strip()
        if not comment:
            raise IncidentError(400, "comment is required")
        at = parse_time(body.get("acknowledged_at"), "acknowledged_at", required=False)
        with self._lock:
            alert = self._alerts.get(uid)
            if alert is None:
                raise IncidentError(404, f"alert {uid[:80]!r} was not found")
            kept = alert["acknowledgement"]
            if kept is not None:
                raise IncidentError(409, f"alert already acknowledged by {kept['by']}",
                                    body=[{"code": 409, "description": f"alert already acknowledged by "
                                                                       f"{kept['by']}", "alert": self._public(alert)}])
            alert["acknowledgement"] = {"by": by, "role": role, "comment": comment,
                                        "at": _iso(at or datetime.now(UTC).replace(microsecond=0))}
            alert["updated_at"] = self._next_stamp()
            return self._public(alert)

    def alerts(self, updated_after: str | None) -> list[dict[str, Any]]:
        """GET /alerts.json: changed after ``updated_after`` (a stamp this server gave, or any ISO time), oldest
        change first."""
        after = _normal(updated_after)
        with self._lock:
            rows = [self._public(a) for a in self._alerts.values() if after is None or a["updated_at"] > after]
        return sorted(rows, key=lambda a: a["updated_at"])

    # --- silences -------------------------------------------------------------------------------------------------

    def silence(self, body: Any, role: str) -> tuple[int, dict[str, Any]]:
        """POST /alert_silences.json: 201 with the silence (200 when its uid is known: it is kept as it is)."""
        if not isinstance(body, dict):
            raise IncidentError(400, "Body must be a JSON object: the silence")
        uid = _text(body, "uid", limit=64)
        rule_id = _text(body, "rule_id")
        scope_key = _text(body, "scope_key", required=False)
        reason = (_text(body, "reason", limit=TEXT_MAX) or "").strip()
        if not reason:
            raise IncidentError(400, "reason is required")
        starts = parse_time(body.get("starts_at"), "starts_at")
        until = parse_time(body.get("until"), "until")
        assert starts is not None and until is not None
        if until <= starts:
            raise IncidentError(400, "until must be after starts_at")
        actor = _text(body, "actor")
        with self._lock:
            if uid in self._silences:
                return 200, dict(self._silences[str(uid)])
            silence = {"uid": uid, "rule_id": rule_id, "scope_key": scope_key, "starts_at": _iso(starts),
                       "until": _iso(until), "reason": reason, "actor": actor, "role": role, "ended": None,
                       "updated_at": self._next_stamp()}
            self._silences[str(uid)] = silence
            return 201, dict(silence)

    def end_silence(self, uid: str, body: Any, role: str) -> dict[str, Any]:
        """POST /alert_silences/{uid}/end.json: the silence ends at ``ended_at`` (or now), never later than it was
        to."""
        if not isinstance(body, dict):
            raise IncidentError(400, "Body must be a JSON object: ended_by")
        by = _text(body, "ended_by")
        at = parse_time(body.get("ended_at"), "ended_at", required=False) or datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            silence = self._silences.get(uid)
            if silence is None:
                raise IncidentError(404, f"silence {uid[:80]!r} was not found")
            if silence["ended"] is None:
                starts = parse_time(silence["starts_at"], "starts_at")
                until = parse_time(silence["until"], "until")
                assert starts is not None and until is not None
                end = max(min(at, until), starts + timedelta(seconds=1))
                silence.update(until=_iso(end), ended={"by": by, "role": role, "at": _iso(at)},
                               updated_at=self._next_stamp())
            return dict(silence)

    def silences(self, updated_after: str | None) -> list[dict[str, Any]]:
        """GET /alert_silences.json, oldest change first."""
        after = _normal(updated_after)
        with self._lock:
            rows = [dict(s) for s in self._silences.values() if after is None or s["updated_at"] > after]
        return sorted(rows, key=lambda s: s["updated_at"])


def _normal(stamp: str | None) -> str | None:
    """``updated_after`` in this server's stamp form (microseconds), so the string order is the time order."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise IncidentError(400, "updated_after must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise IncidentError(400, "updated_after must name its time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
