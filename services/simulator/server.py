"""``SimulatorServer``: the simulator on a loopback port, served by werkzeug's threaded server in a daemon thread.

Usage::

    with SimulatorServer(seed=2026) as sim:
        requests.get(sim.feed_base("air4thai") + "/services/getNewAQI_JSON.php")
        sim.faults.add("firms", "down", count=1)
        sim.clock.advance(3600)
"""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import threading
from collections.abc import Iterable
from datetime import datetime

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from services.simulator.air_quality import AirQualityModel
from services.simulator.alert_board import AlertBoard
from services.simulator.app import FEED_PREFIXES, create_app
from services.simulator.clock import SimClock
from services.simulator.faults import FaultBoard
from services.simulator.fires import FireModel
from services.simulator.incidents import ROLES, IncidentStore, TransitionValidator
from services.simulator.river import RiverModel
from services.simulator.scenarios import DEFAULT_SCENARIO, scenario_world

log = logging.getLogger(__name__)

class _Handler(WSGIRequestHandler):
    """werkzeug's handler, quiet, and registering its connection so stop() can cut it."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        registry: _Connections = self.server.sim_connections  # type: ignore[attr-defined]
        registry.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sim_connections.discard(self.connection)  # type: ignore[attr-defined]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Request lines are not logged (errors still are)."""


class _Connections:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: set[socket.socket] = set()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._items.add(sock)

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._items.discard(sock)

    def cut_all(self) -> None:
        with self._lock:
            items = list(self._items)
        for sock in items:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimulatorServer:
    """The embedded simulator: Air4Thai, FIRMS, ThaiWater and Open311 (with the workflow extension) over HTTP."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 2026,
        clock: SimClock | None = None,
        map_keys: Iterable[str] = ("DEMO_KEY",),
        tokens: dict[str, str] | None = None,
        api_keys: Iterable[str] = (),
        transition_validator: TransitionValidator | None = None,
        scenario: str = DEFAULT_SCENARIO,
    ) -> None:
        """``tokens`` maps role (operator / supervisor / viewer) → bearer token; by default fresh random tokens.
        ``scenario`` names the situation the world is in at the clock's start (services.simulator.scenarios)."""
        self.host = host
        self.seed = seed
        self.clock = clock or SimClock()
        self.scenario = scenario
        world = scenario_world(scenario, seed, self.clock.now())
        self.faults = FaultBoard()
        self.map_keys = tuple(map_keys)
        self.tokens: dict[str, str] = dict(tokens) if tokens else {r: secrets.token_urlsafe(16) for r in ROLES}
        self.incidents = IncidentStore(seed, self.clock, tokens=self.tokens, api_keys=frozenset(api_keys),
                                       validator=transition_validator, extra_drafts=world.incidents)
        self.air = AirQualityModel(seed, haze=world.haze)
        self.fire = FireModel(seed, activity=world.fire_activity, fronts=world.fire_fronts)
        self.river = RiverModel(seed, flood=world.flood)
        self.alerts = AlertBoard()  # the alerts extension's alerts, acknowledgements and silences
        self._stopping = threading.Event()
        self._wsgi = create_app(clock=self.clock, faults=self.faults, air=self.air, fire=self.fire, water=self.river,
                                incidents=self.incidents, map_keys=frozenset(self.map_keys),
                                stopping=lambda: self._stopping, alerts=self.alerts)
        self._requested_port = port
        self._port: int | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        werkzeug_log = logging.getLogger("werkzeug")
        if werkzeug_log.level == logging.NOTSET:
            werkzeug_log.setLevel(logging.WARNING)

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> SimulatorServer:
        """Start serving in a daemon thread; returns once the port is listening."""
        with self._lock:
            if self._server is None:
                self._listen(self._port if self._port is not None else self._requested_port)
        return self

    def stop(self) -> None:
        """Stop promptly: slow and trickling responses are cut, open connections are closed."""
        with self._lock:
            self._close()

    def set_offline(self, offline: bool) -> None:
        """True closes the listening socket (clients get connection refused); False listens again on the same port."""
        with self._lock:
            if offline:
                self._close()
            elif self._server is None:
                if self._port is None:
                    raise RuntimeError("start() the simulator before bringing it back online")
                self._listen(self._port)

    @property
    def offline(self) -> bool:
        """True while the simulator is not listening."""
        return self._server is None

    def _listen(self, port: int) -> None:
        self._stopping = threading.Event()
        try:
            server = make_server(self.host, port, self._wsgi, threaded=True, request_handler=_Handler)
        except SystemExit:  # werkzeug exits the process when it cannot bind; a library must not
            raise OSError(f"simulator cannot listen on {self.host}:{port}") from None
        server.sim_connections = _Connections()  # type: ignore[attr-defined]
        self._server = server
        self._port = server.port
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"simulator-{server.port}", daemon=True
        )
        self._thread.start()

    def _close(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.sim_connections.cut_all()  # type: ignore[attr-defined]
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses --------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the same across set_offline cycles)."""
        if self._port is None:
            raise RuntimeError("the simulator has not been started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def feed_base(self, feed: str) -> str:
        """Base URL of one feed (``air4thai``, ``firms``, ``thaiwater``, ``open311``)."""
        return self.url + FEED_PREFIXES[feed]

    @property
    def map_key(self) -> str:
        """A FIRMS MAP_KEY the simulator accepts."""
        return self.map_keys[0]

    def now(self) -> datetime:
        """The simulated now (shortcut for ``clock.now()``)."""
        return self.clock.now()


def standalone_tokens() -> tuple[dict[str, str], bool]:
    """Role tokens for a standalone simulator, and whether they are in the OS keyring: the ones stored there by an
    earlier run (consoles already pointed at this simulator keep working), else fresh ones, stored for the consoles
    to read. Without a usable keyring the fresh tokens are only returned (for ``pao-console secret set``)."""
    from keyring.errors import KeyringError

    from services.credentials import CredentialStore, simulator_token_name

    store = CredentialStore()
    tokens: dict[str, str] = {}
    try:
        for role in ROLES:
            token = store.get(simulator_token_name(role)) or secrets.token_urlsafe(16)
            store.set(simulator_token_name(role), token)
            tokens[role] = token
        return tokens, True
    except KeyringError as exc:
        log.warning("simulator tokens not stored, the OS keyring is unavailable: %s", exc)
        return {role: tokens.get(role) or secrets.token_urlsafe(16) for role in ROLES}, False


def run_standalone(host: str = "127.0.0.1", port: int = 8765, seed: int = 2026,
                   scenario: str = DEFAULT_SCENARIO) -> None:
    """Serve until Ctrl-C (or SIGTERM), printing the URLs and the FIRMS key. The role tokens go to the OS keyring,
    where consoles started with ``--simulator-url`` find them; they are printed only when there is no keyring."""
    tokens, in_keyring = standalone_tokens()
    sim = SimulatorServer(host, port, seed=seed, tokens=tokens, scenario=scenario).start()
    world = "" if scenario == DEFAULT_SCENARIO else f", scenario {scenario}"
    print(f"PAO simulator listening on {sim.url} (seed {seed}{world})", flush=True)
    for feed in FEED_PREFIXES:
        print(f"  {feed:<10} {sim.feed_base(feed)}")
    print(f"  FIRMS MAP_KEY: {sim.map_key}")
    if in_keyring:
        print("  role tokens: in the OS keyring (simulator-token-operator, -supervisor, -viewer)")
    else:
        print("  no OS keyring: store these on each console's workstation with "
              "`pao-console secret set simulator-token-<role>`, or where it has no keyring either, "
              "enter them in the console (Sync > Enter simulator tokens…)")
        for role, token in sim.tokens.items():
            print(f"  {role:<10} token: {token}")
    print("Press Ctrl-C to stop.", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("stopping…", flush=True)
    finally:
        sim.stop()
