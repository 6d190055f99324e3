"""``pao-console store info`` and ``pao-console store export-unsent FILE``: which backend a store belongs to and what
it holds; the edits it has not sent, written to a JSON file (services.store.unsent_export). Each prints readable
lines, then one JSON summary line, as the import command does."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from console.store_command import store_paths
from services.errors import StoreError


def run_store_unsent(args: argparse.Namespace) -> int:
    from services.store.database import open_store
    from services.store.unsent_export import export_unsent

    paths = store_paths(args)
    if not paths.database.exists():
        print(f"pao-console store: there is no {paths.mode} store at {paths.database}", file=sys.stderr)
        return 2
    if args.store_action == "export-unsent" and not args.file:
        print("pao-console store export-unsent: name the JSON file to write", file=sys.stderr)
        return 2
    try:
        with open_store(paths.database) as store:
            bound = store.backend()
            held = store.contents()
            summary = {"store": str(paths.database), "backend": None if bound is None else bound.key,
                       "incidents": held.incidents, "unsent": held.unsent}
            if args.store_action == "info":
                print(f"store: {paths.database}")
                owner = bound.describe() if bound is not None else "no backend yet (never opened by a console)"
                print(f"belongs to: {owner}")
                print(f"incidents: {held.incidents}; edits not sent: {held.unsent}")
            else:
                target = Path(args.file).expanduser()
                summary["exported"] = export_unsent(store.edit_engine, target)
                summary["file"] = str(target)
                print(f"{summary['exported']} unsent edits written to {target}")
    except StoreError as exc:
        print(f"pao-console store: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"pao-console store: cannot write {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0
