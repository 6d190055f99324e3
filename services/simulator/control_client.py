"""The console's side of the simulator's ``/_sim`` control routes: cut the network off for a training outage and
restore it. The routes take only the supervisor's bearer token (see ``control_routes``)."""

from __future__ import annotations

import requests

from services.errors import FeedHTTPError, FeedUnavailable

CONTROL_TIMEOUT_S = 5.0


def _call(method: str, url: str, token: str, **kwargs: object) -> requests.Response:
    """One control request; FeedUnavailable when the simulator cannot be reached."""
    try:
        return requests.request(method, url, headers={"Authorization": f"Bearer {token}"},
                                timeout=CONTROL_TIMEOUT_S, **kwargs)  # type: ignore[arg-type]
    except requests.RequestException as exc:
        raise FeedUnavailable(f"the simulator at {url.split('/_sim', 1)[0]} cannot be reached: "
                              f"{type(exc).__name__}") from exc


def _refused(answer: requests.Response) -> FeedHTTPError:
    try:
        body = answer.json()
    except ValueError:
        body = None
    reason = str(body.get("error", ""))[:200] if isinstance(body, dict) else ""
    return FeedHTTPError(answer.status_code, reason or answer.reason or "refused")


def cut_network(base_url: str, token: str) -> int:
    """Add a ``down`` fault on every feed and write (never on ``/_sim`` itself); returns the fault's id."""
    answer = _call("POST", f"{base_url.rstrip('/')}/_sim/faults", token, json={"feed": "*", "kind": "down"})
    if answer.status_code != 201:
        raise _refused(answer)
    return int(answer.json()["id"])


def restore_network(base_url: str, token: str, fault_id: int) -> None:
    """Remove the fault :func:`cut_network` added (a trainer's other faults stay); gone already is fine."""
    answer = _call("DELETE", f"{base_url.rstrip('/')}/_sim/faults/{fault_id}", token)
    if answer.status_code not in (204, 404):
        raise _refused(answer)
