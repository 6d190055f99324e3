"""Secrets in the OS keyring only: never in settings files, never in logs.

Demo mode does not touch the keyring at all (the embedded simulator hands its tokens over in memory).
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "pao-console"
FIRMS_MAP_KEY = "firms-map-key"
OPEN311_TOKEN = "open311-token"
SIMULATOR_ROLES = ("operator", "supervisor", "viewer")


def simulator_token_name(role: str) -> str:
    """The keyring entry holding a standalone training simulator's bearer token for ``role``: the simulator stores
    it there when it starts, and consoles pointed at it with ``--simulator-url`` read it from there."""
    return f"simulator-token-{role}"


class CredentialStore:
    """Reads and writes named secrets in the OS keyring. Call off the UI thread: backends may block on D-Bus."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    def get(self, name: str) -> str | None:
        try:
            return keyring.get_password(self._service, name)
        except KeyringError as exc:
            # The message names the secret, never its value.
            log.warning("keyring unavailable while reading %s: %s", name, exc)
            return None

    def set(self, name: str, value: str) -> None:
        keyring.set_password(self._service, name, value)

    def delete(self, name: str) -> None:
        try:
            keyring.delete_password(self._service, name)
        except KeyringError:
            pass
