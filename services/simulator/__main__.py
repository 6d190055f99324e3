"""``python -m services.simulator [--host H] [--port N] [--seed S] [--scenario NAME]``: run the simulator
standalone."""

from __future__ import annotations

import argparse

from services.simulator.scenarios import DEFAULT_SCENARIO, SCENARIOS
from services.simulator.server import run_standalone


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scenario", choices=SCENARIOS, default=DEFAULT_SCENARIO)
    args = parser.parse_args(argv)
    run_standalone(args.host, args.port, args.seed, args.scenario)


if __name__ == "__main__":
    main()
