"""Secrets in the OS keyring only: never in settings files, never in logs.

Demo mode does not touch the keyring at all (the embedded simulator hands its tokens over in memory).
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from services.errors import ServiceError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "pao-console"
FIRMS_MAP_KEY = "firms-map-key"
OPEN311_TOKEN = "open311-token"
SIMULATOR_ROLES = ("operator", "supervisor", "viewer")


def simulator_token_name(role: str) -> str:
    """The keyring entry holding a standalone training simulator's bearer token for ``role``: the simulator stores
    it there when it starts, and consoles pointed at it with ``--simulator-url`` read it from there."""
    return f"simulator-token-{role}"


class KeyringUnavailableError(ServiceError, KeyringError):
    """There is no usable OS keyring on this machine (none installed, locked, or its service not running), so a
    secret can be neither read, stored nor removed. The message is the backend's, and never holds a secret.

    It is also a ``keyring.errors.KeyringError``, so callers that catch those keep working."""


class CredentialStore:
    """Reads and writes named secrets in the OS keyring. Call off the UI thread: backends may block on D-Bus."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    def get(self, name: str) -> str | None:
        """The secret, or None when it is not set *or the keyring is unavailable* (logged): for optional secrets.
        Use :meth:`read` where the difference matters."""
        try:
            return self.read(name)
        except KeyringUnavailableError as exc:
            # The message names the secret, never its value.
            log.warning("keyring unavailable while reading %s: %s", name, exc)
            return None

    def read(self, name: str) -> str | None:
        """The secret, or None when it is not set; raises :class:`KeyringUnavailableError` when there is no keyring
        to ask."""
        try:
            return keyring.get_password(self._service, name)
        except KeyringError as exc:
            raise KeyringUnavailableError(str(exc)) from exc

    def set(self, name: str, value: str) -> None:
        """Store the secret; raises :class:`KeyringUnavailableError` when there is no keyring to store it in."""
        try:
            keyring.set_password(self._service, name, value)
        except KeyringError as exc:
            raise KeyringUnavailableError(str(exc)) from exc

    def delete(self, name: str) -> bool:
        """Remove the secret: True when one was stored, False when there was none. Raises
        :class:`KeyringUnavailableError` when there is no keyring to remove it from."""
        try:
            stored = keyring.get_password(self._service, name) is not None
            if stored:
                keyring.delete_password(self._service, name)
            return stored
        except PasswordDeleteError as exc:
            if self.read(name) is None:
                return False  # gone between the read and the delete
            raise KeyringUnavailableError(str(exc)) from exc
        except KeyringError as exc:
            raise KeyringUnavailableError(str(exc)) from exc
