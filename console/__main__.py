"""Entry point ``pao-console``."""

from __future__ import annotations

import sys

from console.cli import build_parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "import":
        from console.import_command import run_import

        return run_import(args)
    if args.command == "store":
        args.data_dir = args.store_data_dir or args.data_dir
        args.mode = args.store_mode or args.mode
        if args.store_action == "salvage":
            from console.store_command import run_store

            return run_store(args)
        from console.store_unsent_command import run_store_unsent

        return run_store_unsent(args)
    if args.command == "secret":
        from console.secret_command import run_secret

        return run_secret(args)
    if args.command == "simulator":
        from services.simulator.server import run_standalone

        run_standalone(args.host, args.port, args.seed, args.sim_scenario)
        return 0
    from console.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
