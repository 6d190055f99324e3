"""Benchmark harness: a registry of metrics, each measured against a baseline taken in the same run.

A metric function receives a :class:`BenchContext` and returns ``(value, baseline)`` in the metric's unit; the
ratio ``value / baseline`` must stay at or under the metric's ``goal_ratio``. Every ``benchmarks/*_bench.py``
module is imported automatically, so a new module only needs ``@metric(...)`` on its functions.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MetricFunc = Callable[["BenchContext"], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Metric:
    """One measured metric: ours (``value``) against the same-run ``baseline``."""

    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    goal: float
    ok: bool


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    func: MetricFunc
    goal_ratio: float
    unit: str


@dataclass
class BenchContext:
    """What a metric may use: the quick flag, a scratch directory for this run, and a cache shared by metrics."""

    quick: bool
    workdir: Path
    cache: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # extra facts a metric wants printed under the table


REGISTRY: dict[str, MetricSpec] = {}


def metric(name: str, *, goal_ratio: float, unit: str = "s") -> Callable[[MetricFunc], MetricFunc]:
    """Register ``func`` as the metric ``name`` whose value/baseline ratio must be ``<= goal_ratio``."""

    def register(func: MetricFunc) -> MetricFunc:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} is registered twice")
        REGISTRY[name] = MetricSpec(name, func, goal_ratio, unit)
        return func

    return register


def discover() -> None:
    """Import every ``benchmarks/*_bench.py`` module so that its metrics register."""
    package = importlib.import_module("benchmarks")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_bench"):
            importlib.import_module(f"benchmarks.{module.name}")


def median_time(func: Callable[[], object], *, repeat: int, warmup: int = 1) -> float:
    """Median wall time of ``func`` over ``repeat`` runs after ``warmup`` untimed ones."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_metrics(names: Iterable[str], ctx: BenchContext) -> list[Metric]:
    """Run the named metrics in order and return their results."""
    results = []
    for name in names:
        spec = REGISTRY[name]
        value, baseline = spec.func(ctx)
        ratio = value / baseline if baseline > 0 else float("inf")
        results.append(Metric(name, value, spec.unit, baseline, ratio, spec.goal_ratio, ratio <= spec.goal_ratio))
    return results


def format_table(metrics: Iterable[Metric]) -> str:
    """A plain-text table: name, value, baseline, ratio, goal, ok."""
    header = ("name", "value", "baseline", "ratio", "goal", "ok")
    rows = [
        (m.name, f"{m.value:.4g} {m.unit}", f"{m.baseline:.4g} {m.unit}", f"{m.ratio:.2f}", f"<= {m.goal:g}",
         "pass" if m.ok else "FAIL")
        for m in metrics
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path, metrics: Iterable[Metric]) -> None:
    """Write ``{"metrics": [{name, value, unit, baseline, ratio, goal, ok}, ...]}``."""
    path.write_text(json.dumps({"metrics": [asdict(m) for m in metrics]}, indent=2) + "\n", encoding="utf-8")
