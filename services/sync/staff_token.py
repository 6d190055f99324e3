"""The staff token a console reads its Open311 backend with (Qt-free).

A staff console reads incidents as staff, so the backend includes what only staff may see: the reporter's name and
contact, without which a hotline caller cannot be called back. The token travels as the workflow extension's writes
send theirs (``Authorization: Bearer``, see services.sync.feed_catalog.open311_read_headers), never in a URL, a
setting or the log. Reads need no more than a viewer may do, so the least-privileged role's token is used when the
workstation holds several (training).

Where it comes from is where the outbox's writer finds its tokens (services.writer_setup): the embedded simulator
hands them over in memory; a standalone simulator left them in the OS keyring, or the operator types them in for the
session; live endpoints use the token stored with ``pao-console secret set open311-token``. Without one the console
still polls, as anyone may, and the incidents come without their reporters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.settings import Settings

log = logging.getLogger(__name__)

#: The secret under which the sync service keeps the staff token its Open311 reads are made with.
OPEN311_READ_TOKEN = "open311_read_token"
#: The roles whose tokens may read, least privileged first.
READ_ROLES = ("viewer", "operator", "supervisor")


def least_privileged(tokens: Mapping[str, str]) -> str | None:
    """The token of the least-privileged role among ``tokens`` (role → token), or None."""
    return next((tokens[role] for role in READ_ROLES if tokens.get(role)), None)


def staff_read_token(settings: Settings, simulator: Any, simulator_url: str | None,
                     session_tokens: Mapping[str, str] | None = None) -> str | None:
    """The token to read the Open311 backend with, or None (network lane ``control``: it may ask the keyring).

    ``simulator`` is the embedded SimulatorServer (demo mode), ``simulator_url`` a standalone one's, and
    ``session_tokens`` the tokens typed in this session. A keyring that cannot be asked, or fails, means no token
    (logged, without any secret): the polls go on without one."""
    from services.credentials import OPEN311_TOKEN, CredentialStore, KeyringUnavailableError, simulator_token_name

    if settings.mode == "demo" and simulator is not None:
        return least_privileged(simulator.tokens)
    try:
        if settings.mode == "demo" and simulator_url:
            tokens = dict(session_tokens or {})
            if not least_privileged(tokens):
                creds = CredentialStore()
                tokens.update({role: token for role in READ_ROLES
                               if (token := creds.read(simulator_token_name(role)))})
            return least_privileged(tokens)
        if settings.endpoints.open311:
            return CredentialStore().read(OPEN311_TOKEN)
    except KeyringUnavailableError as exc:
        log.warning("no OS keyring: Open311 reads go without a staff token, so without reporters (%s)", exc)
    except Exception as exc:  # a keyring backend failing its own way must not stop the polls: they go on anonymous
        log.warning("the OS keyring failed (%s): Open311 reads go without a staff token, so without reporters",
                    type(exc).__name__)
    return None
