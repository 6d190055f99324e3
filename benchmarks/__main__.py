"""``python -m benchmarks [--quick] [--json FILE] [--only NAME ...]``: run the metrics and print a table."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import REGISTRY, BenchContext, discover, format_table, run_metrics, write_json


def _headless_qt() -> None:
    # The map benchmarks run a real QtWebEngine page: offscreen unless a display is asked for, and Chromium's
    # sandbox off only when running as root (it refuses to start otherwise).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def main(argv: list[str] | None = None) -> int:
    _headless_qt()
    discover()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure each metric against a baseline taken in the same run. "
        "Exit status: 0 when every goal is met, 1 when any goal fails, 2 on bad arguments.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller data sets (about a minute in all)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(REGISTRY), help="run only these metrics")
    args = parser.parse_args(argv)

    names = args.only or list(REGISTRY)
    with tempfile.TemporaryDirectory(prefix="pao-bench-") as workdir:
        ctx = BenchContext(quick=args.quick, workdir=Path(workdir))
        metrics = run_metrics(names, ctx)
    print(format_table(metrics))
    for note in ctx.notes:
        print(note)
    if args.json:
        write_json(args.json, metrics)
    return 0 if all(m.ok for m in metrics) else 1


if __name__ == "__main__":
    sys.exit(main())
