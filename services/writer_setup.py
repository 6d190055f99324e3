"""The outbox's writer: the Open311 backend client acting with a role's token, Qt-free (network lane ``control``).

Where the token comes from depends on the backend: the embedded simulator hands its tokens over in memory; a
standalone one left them in the OS keyring when it started, or the operator entered them for this session (for a
workstation without a keyring); live endpoints use the token stored with ``pao-console secret set``.
"""

from __future__ import annotations

from services.incident_writer import IncidentWriter
from services.settings import Settings
from services.simulator.server import SimulatorServer
from services.startup import identity_of


def build_writer(settings: Settings, simulator: SimulatorServer | None, role: str,
                 simulator_url: str | None = None, session_tokens: dict[str, str] | None = None
                 ) -> IncidentWriter | None:
    """The Open311 writer acting with ``role``'s token, or None when no credentials are known (edits then stay
    queued in the outbox). ``session_tokens`` are the tokens entered for this session. Raises
    services.credentials.KeyringUnavailableError when the token would have to come from a keyring there is not."""
    backend_key = identity_of(settings, simulator_url).key  # the writer sends nothing made for another backend
    if settings.mode == "demo" and simulator is not None:
        token = simulator.tokens.get(role)
        return IncidentWriter(f"{simulator.url}/open311/v2", token, role_tokens=simulator.tokens,
                              backend_key=backend_key) if token else None
    from services.credentials import OPEN311_TOKEN, SIMULATOR_ROLES, CredentialStore, simulator_token_name

    if settings.mode == "demo" and simulator_url:
        tokens = dict(session_tokens or {})
        if role not in tokens:
            creds = CredentialStore()
            tokens.update({r: tok for r in SIMULATOR_ROLES
                           if r not in tokens and (tok := creds.read(simulator_token_name(r)))})
        token = tokens.get(role)
        return IncidentWriter(f"{simulator_url.rstrip('/')}/open311/v2", token, role_tokens=tokens,
                              backend_key=backend_key) if token else None
    if settings.endpoints.open311:
        token = CredentialStore().read(OPEN311_TOKEN)
        return IncidentWriter(settings.endpoints.open311, token, backend_key=backend_key) if token else None
    return None
