"""Which backend a console talks to, as a value a store can be bound to (services.store.binding).

A store's incidents and outbox entries only mean something on the backend they came from: incident 1001 on the
training simulator is not incident 1001 on the province's Open311 server. The identity is computed from settings and
command-line options alone, so it is known offline, before any request:

- demo with the embedded simulator: the simulator's seed and scenario (its port changes every run; the seed and the
  scenario decide its world: the haze-flood scenario's incident 1001 is not the default world's);
- demo with a standalone simulator (``--simulator-url``): that simulator's URL;
- live: the Open311 endpoint's URL (empty while incidents are not configured).

URLs are normalised (scheme and host in lower case, default port dropped, no trailing slash), so spelling the same
server differently is still the same backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# The embedded simulator's world; services.simulator.server.SimulatorServer is started with it.
EMBEDDED_SIMULATOR_SEED = 2026

KINDS = ("embedded_simulator", "simulator", "open311")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class BackendIdentity:
    """One backend: ``mode`` (demo | live), ``kind`` (see :data:`KINDS`), its normalised ``url`` and, for the
    embedded simulator, its ``seed`` and its ``scenario`` (None for the default world)."""

    mode: str
    kind: str
    url: str = ""
    seed: int | None = None
    scenario: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("demo", "live"):
            raise ValueError(f"unknown mode {self.mode!r}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown backend kind {self.kind!r}")

    @property
    def key(self) -> str:
        """The identity as one string: stored with the binding and with every outbox entry."""
        seed = "" if self.seed is None else f"#seed={self.seed}"
        scenario = "" if self.scenario is None else f"#scenario={self.scenario}"
        return f"{self.mode}:{self.kind}:{self.url}{seed}{scenario}"

    @classmethod
    def from_key(cls, key: str) -> BackendIdentity:
        mode, kind, rest = key.split(":", 2)
        rest, _, scenario = rest.partition("#scenario=")
        url, _, seed = rest.partition("#seed=")
        return cls(mode, kind, url, int(seed) if seed else None, scenario or None)

    def describe(self) -> str:
        """A short English description for logs and the command line (the console words it in Thai too)."""
        if self.kind == "embedded_simulator":
            scenario = f", scenario {self.scenario}" if self.scenario else ""
            return f"the embedded training simulator (seed {self.seed}{scenario})"
        if self.kind == "simulator":
            return f"the training simulator at {self.url}"
        return f"the live Open311 server at {self.url}" if self.url else "live feeds without an Open311 server"


def normalise_url(url: str) -> str:
    """``HTTPS://Example.org:443/open311/v2/`` → ``https://example.org/open311/v2``."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, ""))


def backend_identity(mode: str, open311_url: str, simulator_url: str | None,
                     seed: int = EMBEDDED_SIMULATOR_SEED, scenario: str | None = None) -> BackendIdentity:
    """The identity of the backend a console started with these options talks to. ``scenario`` is the embedded
    simulator's (None or "default": the default world, whose key stays as it was before scenarios)."""
    if mode == "demo":
        if simulator_url:
            return BackendIdentity("demo", "simulator", normalise_url(simulator_url))
        return BackendIdentity("demo", "embedded_simulator", "", seed,
                               scenario if scenario and scenario != "default" else None)
    return BackendIdentity("live", "open311", normalise_url(open311_url))
