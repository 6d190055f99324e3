"""``pao-console import KIND FILE``: prints records (with --print) as JSON lines, then one JSON summary line.

Whatever the file holds, the command ends one of two ways: the summary on stdout and exit 0, or exactly one line on
stderr and a non-zero exit (2 the file cannot be read, 3 it is not a usable file of that kind, 4 the store refused,
70 a bug). Never a traceback, and never SQL or its values: the message names the problem, not the statement.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from services.errors import MalformedPayload, StoreError, StoreIOError
from services.importer import ImportFileError, import_file
from services.paths import DataPaths, resolve_paths
from services.records import printable
from services.settings_peek import peek_mode
from services.store.database import open_store
from services.store.store import Store

EXIT_UNREADABLE = 2
EXIT_NOT_USABLE = 3
EXIT_STORE = 4
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h)

_PREFIX = "pao-console import: "
# What json.dumps(ensure_ascii=False) leaves raw that would split a line (splitlines) or fail to encode: DEL and the
# C1 controls, the Unicode line and paragraph separators, lone surrogates. Inside JSON they only occur in strings.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def run_import(args: argparse.Namespace) -> int:
    root = resolve_paths(args.import_data_dir or args.data_dir)
    # The store of the mode asked for (import --demo/--live, or before the command), else the one the settings use.
    paths = root.with_mode(args.import_mode or args.mode or peek_mode(root.settings_file) or "demo")
    source = Path(args.file)

    def emit(record: dict[str, Any]) -> None:
        _write_json_line(record)

    try:
        summary = import_file(lambda: _open_store(paths), args.kind, source, layer=args.layer,
                              on_record=emit if args.print_records else None)
    except FileNotFoundError:
        return _fail(EXIT_UNREADABLE, f"no such file: {source}")
    except ImportFileError as exc:
        return _fail(EXIT_UNREADABLE, f"{source} {exc.strerror}. Nothing was stored.")
    except MalformedPayload as exc:
        return _fail(EXIT_NOT_USABLE, f"{exc}. Nothing was stored.")
    except StoreError as exc:
        # The store's own words (it is full, locked, damaged…): never the SQL statement or its values.
        return _fail(EXIT_STORE, str(exc))
    except OSError as exc:
        return _fail(EXIT_UNREADABLE, f"cannot read {source}: {exc.strerror or exc}")
    except Exception as exc:  # a bug: still one line, naming the error's type and its first line only
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return _fail(EXIT_INTERNAL, f"internal error ({type(exc).__name__}): {first_line}")
    _write_json_line(summary.to_json())
    return 0


def _open_store(paths: DataPaths) -> Store:
    try:
        paths.ensure()
    except OSError as exc:
        raise StoreIOError(f"cannot create the data directory {paths.store_dir}: {exc.strerror or exc}") from exc
    return open_store(paths.database)


def _fail(code: int, message: str) -> int:
    # One line whatever the message quotes: file names and payload excerpts may carry line breaks, control
    # characters or lone surrogates (from JSON escapes), which would split the line or fail to encode.
    sys.stderr.write(printable(_PREFIX + message, limit=None) + "\n")
    sys.stderr.flush()
    return code


def _write_json_line(value: dict[str, Any]) -> None:
    text = json.dumps(value, ensure_ascii=False)  # Thai stays readable
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
