"""The console's side of the simulator's ``/_sim`` control routes: cut the network off for a training outage and
restore it."""

from __future__ import annotations

import requests

CONTROL_TIMEOUT_S = 5.0


def cut_network(base_url: str) -> int:
    """Add a ``down`` fault on every feed and write (never on ``/_sim`` itself); returns the fault's id."""
    answer = requests.post(f"{base_url.rstrip('/')}/_sim/faults", json={"feed": "*", "kind": "down"},
                           timeout=CONTROL_TIMEOUT_S)
    answer.raise_for_status()
    return int(answer.json()["id"])


def restore_network(base_url: str, fault_id: int) -> None:
    """Remove the fault :func:`cut_network` added (a trainer's other faults stay); gone already is fine."""
    answer = requests.delete(f"{base_url.rstrip('/')}/_sim/faults/{fault_id}", timeout=CONTROL_TIMEOUT_S)
    if answer.status_code not in (204, 404):
        answer.raise_for_status()
