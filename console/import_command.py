"""``pao-console import KIND FILE``: prints records (with --print) as JSON lines, then one JSON summary line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from services.errors import MalformedPayload, StoreError
from services.importer import import_file
from services.paths import resolve_paths
from services.store.database import open_store


def run_import(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.import_data_dir or args.data_dir)
    source = Path(args.file)

    def emit(record: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")

    try:
        summary = import_file(lambda: open_store(paths.ensure().database), args.kind, source, layer=args.layer,
                              on_record=emit if args.print_records else None)
    except FileNotFoundError:
        print(f"pao-console import: no such file: {source}", file=sys.stderr)
        return 2
    except MalformedPayload as exc:
        print(f"pao-console import: {exc}. Nothing was stored.", file=sys.stderr)
        return 3
    except StoreError as exc:
        print(f"pao-console import: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"pao-console import: cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
    return 0
