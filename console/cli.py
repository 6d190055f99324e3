"""Command-line interface: the console (default), the standalone simulator, and the import command."""

from __future__ import annotations

import argparse

from services.import_kinds import IMPORT_KINDS
from services.simulator.scenarios import DEFAULT_SCENARIO, SCENARIOS

# services.credentials names them too (the simulator-token ones belong to a standalone training simulator)
SECRET_NAMES = ("firms-map-key", "open311-token", "simulator-token-operator", "simulator-token-supervisor",
                "simulator-token-viewer")


# --panel names (as an operator would say them) and the docks they are.
SCREENSHOT_PANELS = {"queue": "incidents", "detail": "incidentDetail", "situation": "overview",
                     "conflicts": "conflicts", "feeds": "feedStatus", "alerts": "alerts", "river-chart": "riverChart",
                     "pm25-chart": "airChart", "hotspot-chart": "hotspotChart", "incident-load": "incidentLoad"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pao-console",
        description="Chiang Mai PAO operations console. With no command it opens the console window.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--demo", dest="mode", action="store_const", const="demo",
                      help="run against the embedded simulator (the default until live endpoints are configured)")
    mode.add_argument("--live", dest="mode", action="store_const", const="live",
                      help="poll the endpoints configured in settings.json")
    parser.add_argument("--data-dir", help="where the store, settings and log live (default: the user data dir)")
    parser.add_argument("--lang", choices=("th", "en"), help="user-interface language (default: from settings, Thai)")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="start, wait for the first sync, write a PNG of the whole window and exit")
    parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                        help="with --screenshot: the longest to wait for the first sync (default 60)")
    parser.add_argument("--size", default="1440x900", help="window size WIDTHxHEIGHT for --screenshot")
    parser.add_argument("--panel", action="append", choices=sorted(SCREENSHOT_PANELS), default=[], metavar="PANEL",
                        help="with --screenshot: bring this panel to the front of its tabs first (repeatable): "
                             + ", ".join(sorted(SCREENSHOT_PANELS)))
    parser.add_argument("--simulator-url",
                        help="in demo mode, use this standalone simulator instead of an embedded one")
    parser.add_argument("--scenario", choices=SCENARIOS,
                        help="in demo mode, the embedded simulator's scenario: default, or haze-flood (the Ping over "
                             "its banks in the city, haze and forest fires, open P1s past their SLA); default: "
                             "demo_scenario in settings.json")
    parser.add_argument("--exit-when-shown", action="store_true", help=argparse.SUPPRESS)  # startup benchmark

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = commands.add_parser("simulator", help="serve the simulated backend standalone for several consoles")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8311, help="0 picks a free port (the URL is printed)")
    sim.add_argument("--seed", type=int, default=2026)
    sim.add_argument("--scenario", dest="sim_scenario", choices=SCENARIOS, default=DEFAULT_SCENARIO,
                     help="the situation the simulated world is in at its start (default: default)")

    secret = commands.add_parser("secret", help="store or remove a credential in the OS keyring (never in files)")
    secret.add_argument("action", choices=("set", "delete", "status"))
    secret.add_argument("name", choices=SECRET_NAMES)

    imp = commands.add_parser("import", help="load a saved payload into the store (catch-up during an outage)")
    imp.add_argument("kind", choices=IMPORT_KINDS)
    imp.add_argument("file")
    imp.add_argument("--print", dest="print_records", action="store_true",
                     help="also write each normalised record as a JSON line")
    imp.add_argument("--layer", default="districts", help="geojson: the boundary layer name (default districts)")
    imp.add_argument("--data-dir", dest="import_data_dir", help="where the store lives")
    _add_mode(imp, "import_mode", "into the demo store or the live store (default: as the settings say)")

    store = commands.add_parser("store", help="look after the local store: what it holds, export unsent edits, "
                                              "salvage a damaged one")
    store.add_argument("store_action", choices=STORE_ACTIONS, metavar="ACTION",
                       help="info: which backend it belongs to and what it holds; export-unsent FILE: write the "
                            "edits not yet sent to a JSON file; salvage: copy what can be read from a damaged store "
                            "into a new one (the damaged file is kept, renamed)")
    store.add_argument("file", nargs="?", help="export-unsent: the JSON file to write")
    store.add_argument("--data-dir", dest="store_data_dir", help="where the store lives")
    _add_mode(store, "store_mode", "the demo store or the live store (default: as the settings say)")
    return parser


STORE_ACTIONS = ("info", "export-unsent", "salvage")


def _add_mode(parser: argparse.ArgumentParser, dest: str, help_text: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", dest=dest, action="store_const", const="demo", help=help_text)
    group.add_argument("--live", dest=dest, action="store_const", const="live", help=help_text)
