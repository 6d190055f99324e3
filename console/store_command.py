"""``pao-console store salvage``: copy what can be read from a damaged store into a fresh store that takes its place
(services.store.salvage); the damaged files are kept, renamed with the time.

Prints what it did and what it could not read, then one JSON summary line, as the import command does (the table
being read goes to stderr meanwhile: a big store takes a minute or two). Exit status:
0 when everything was read; 1 when the fresh store is in place but something could not be read (the lines say
what); 2 when there is no store; 4 when the store could not be salvaged (it is then left as it was); 5 when a
console is running on the data directory.
"""

from __future__ import annotations

import argparse
import json
import sys

from services.errors import StoreError
from services.paths import DataPaths, resolve_paths
from services.settings_peek import peek_mode

PROG = "pao-console store salvage"


def run_store(args: argparse.Namespace) -> int:
    """The ``store salvage`` command: ``args.data_dir`` and ``args.mode`` (None: as the settings say, else demo)."""
    if args.store_action != "salvage":
        print(f"pao-console store: unknown action {args.store_action!r}", file=sys.stderr)
        return 2
    paths = store_paths(args)
    if not paths.database.exists():
        print(f"{PROG}: there is no {paths.mode} store at {paths.database}", file=sys.stderr)
        return 2
    from services.store.salvage import salvage_store  # SQLAlchemy and Alembic: only for this command

    lock = _hold_data_dir(paths)
    if isinstance(lock, str):
        print(f"{PROG}: {lock}", file=sys.stderr)
        return 5
    try:
        report = salvage_store(paths.database, on_table=lambda table: print(f"reading {table}", file=sys.stderr,
                                                                             flush=True))
    except StoreError as exc:
        print(f"{PROG}: {exc}. The store was left as it was.", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"{PROG}: {exc.strerror or exc} ({exc.filename or paths.database}). The store was left as it was.",
              file=sys.stderr)
        return 4
    finally:
        if not isinstance(lock, str):
            lock.release()
    summary = report.to_json()
    print(f"salvaged the {paths.mode} store at {report.store}")
    print(f"the damaged store is kept as {report.kept_as} (with its -wal and -shm, unchanged)")
    unsent = ", ".join(f"{n} {'in ' if state == 'conflict' else ''}{state}" for state, n in summary["unsent"].items())
    print(f"unsent edits: {unsent}; incidents: {report.incidents} ({report.local_incidents} never sent)")
    if report.alert_unsent:  # a store from before the alert outbox has none: said only when there are some
        print(f"unsent alert edits: {report.alert_unsent} pending")
    print("copied: " + ", ".join(f"{table} {n}" for table, n in summary["copied"].items() if n))
    problems = report.problems()
    if problems:
        print("could not be read or kept:")
        for line in problems:
            print(f"  {line}")
    else:
        print("nothing was lost: every row was read")
    sys.stdout.write(json.dumps({"mode": paths.mode, **summary}, ensure_ascii=False) + "\n")
    return 0 if report.complete else 1


def store_paths(args: argparse.Namespace) -> DataPaths:
    """The data paths a ``store`` command works on: ``--data-dir`` and ``--demo/--live``, else the settings' mode."""
    root = resolve_paths(args.data_dir)
    return root.with_mode(getattr(args, "mode", None) or peek_mode(root.settings_file) or "demo")


def _hold_data_dir(paths: DataPaths):  # type: ignore[no-untyped-def]  # -> SingleInstance | str
    """The data directory's single-instance lock, so no console starts on the store while it is replaced; or why
    it cannot be had."""
    from console.single_instance import SingleInstance

    instance = SingleInstance(paths)
    holder = instance.acquire()
    if holder is None:
        return instance
    who = f"process {holder.pid} on {holder.hostname}" if holder.pid else "another process"
    return f"a console ({who}) is using {paths.root}; close it, then salvage again"
