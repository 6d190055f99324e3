"""Map page at scale, measured in-page with performance.now() in real QtWebEngine (needs QT_QPA_PLATFORM=offscreen
on a headless machine). Each metric's baseline is an in-page operation measured the same way in the same run; the
absolute figures and the issue's absolute goals (500 / 100 / 250 ms) are printed as notes.

- ``map_add_100k``: ``layer.set`` of 100,000 incidents, from receiving the message to the frame after the draw,
  against supercluster indexing the same points alone (the unavoidable part of clustering them).
- ``map_zoom_100k``: one zoom step redrawn and painted at 100,000 incidents, against one animation frame.
- ``map_update_10k``: ``layer.diff`` of 10,000 changed incidents (status and priority) to the frame after the draw,
  against ``JSON.parse`` of the same message.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from typing import Any

from benchmarks.harness import BenchContext, metric
from maps.scheme_handler import register_scheme

# QtWebEngine needs the scheme before any QApplication exists; the harness imports this module first.
register_scheme()

GOALS_MS = {"map_add_100k": 500.0, "map_zoom_100k": 100.0, "map_update_10k": 250.0}


def _incidents(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        lon, lat = 98.0 + rnd.random() * 1.6, 17.3 + rnd.random() * 2.8  # the province's box
        out.append({"type": "Feature", "id": f"i{k}", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"id": f"i{k}", "title": f"เหตุ {k}", "priority": f"P{1 + k % 4}",
                                   "status": "open", "sla_breached": k % 9 == 0,
                                   "time": f"2026-11-{1 + k % 25:02d}T{k % 24:02d}:00:00Z"}})
    return out


class _Page:
    """One shown MapView shared by the map metrics, with a blocking wait built on a local event loop."""

    def __init__(self, ctx: BenchContext) -> None:
        from PySide6.QtWidgets import QApplication

        from maps.map_view import MapView
        from maps.page_build import build_page

        self.app = QApplication.instance() or QApplication(["map-bench"])
        page_dir = ctx.workdir / "map-page"
        build_page(page_dir)
        self.view = MapView(page_dir)
        self.view.resize(1280, 800)
        self.view.show()
        self.wait_for(lambda done: self.view.sig_ready.connect(lambda: done(True)) and None, self.view.load)

    def wait_for(self, arm: Callable[[Callable[[Any], None]], None], start: Callable[[], None] | None = None,
                 timeout_ms: int = 60_000) -> Any:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        box: list[Any] = []

        def done(value: Any) -> None:
            if not box:
                box.append(value)
                loop.quit()

        arm(done)
        if start is not None:
            start()
        QTimer.singleShot(timeout_ms, loop.quit)
        if not box:
            loop.exec()
        if not box:
            raise TimeoutError("the map page did not answer")
        return box[0]

    def query(self, what: str, **args: Any) -> Any:
        return self.wait_for(lambda done: self.view.query(what, done, **args))


def _page(ctx: BenchContext) -> _Page:
    if "map_page" not in ctx.cache:
        ctx.cache["map_page"] = _Page(ctx)
    return ctx.cache["map_page"]


def _loaded(ctx: BenchContext, page: _Page) -> list[dict[str, Any]]:
    if "map_features" not in ctx.cache:
        ctx.cache["map_features"] = _incidents(100_000)
        page.view.set_layer("incidents", ctx.cache["map_features"])
        page.query("paint")
    return ctx.cache["map_features"]


def _note(ctx: BenchContext, name: str, samples: list[float], extra: str = "") -> float:
    value = statistics.median(samples)
    goal = GOALS_MS[name]
    ctx.notes.append(f"{name}: {value:.0f} ms median of {len(samples)} (absolute goal <= {goal:.0f} ms: "
                     f"{'pass' if value <= goal else 'FAIL'}){extra}")
    return value


# The whole add is parse (~half the indexing time) + filter + index + draw + one frame: 2.5x the index alone
# is the budget that matches the absolute 500 ms goal on the 2-core machine (index ~210 ms).
@metric("map_add_100k", goal_ratio=2.5, unit="ms")
def map_add_100k(ctx: BenchContext) -> tuple[float, float]:
    page = _page(ctx)
    features = _incidents(100_000)
    ctx.cache["map_features"] = features
    totals, index = [], []
    for _ in range(2 if ctx.quick else 4):
        page.view.set_layer("incidents", features)
        timing = page.query("paint")  # answered after the frame that follows the draw
        set_timing = timing["layer.set"]
        totals.append(set_timing["paint_ms"])
        index.append(timing["index_ms"])
    parse = set_timing["parse_ms"]
    _note(ctx, "map_add_100k", totals,
          f"; of which JSON.parse {parse:.0f} ms, indexing {statistics.median(index):.0f} ms")
    return statistics.median(totals), statistics.median(index)


@metric("map_zoom_100k", goal_ratio=6.0, unit="ms")
def map_zoom_100k(ctx: BenchContext) -> tuple[float, float]:
    page = _page(ctx)
    _loaded(ctx, page)
    samples, clusters = [], []
    for zoom in ([10, 9, 11, 8] if ctx.quick else [10, 9, 11, 12, 11, 10, 9, 8]):
        result = page.query("bench.zoom", zoom=zoom)
        samples.append(result["paint_ms"])
        clusters.append(result["clusters"])
    frame = page.query("bench.frame")["frame_ms"]
    _note(ctx, "map_zoom_100k", samples, f"; {min(clusters)}-{max(clusters)} clusters drawn; frame {frame:.1f} ms")
    page.query("bench.zoom", zoom=9)
    return statistics.median(samples), frame


@metric("map_update_10k", goal_ratio=4.0, unit="ms")
def map_update_10k(ctx: BenchContext) -> tuple[float, float]:
    page = _page(ctx)
    features = _loaded(ctx, page)
    page.view.page.runJavaScript("window.__bench_marker = 1;")
    totals, parses = [], []
    states = ("accepted", "in_progress", "resolved", "open")
    for round_ in range(3 if ctx.quick else 6):
        changed = []
        for f in features[round_ * 10_000:(round_ + 1) * 10_000]:
            props = {**f["properties"], "status": states[round_ % 4], "priority": f"P{1 + round_ % 4}"}
            changed.append({**f, "properties": props})
        page.view.diff_layer("incidents", update=changed)
        timing = page.query("paint")["layer.diff"]
        totals.append(timing["paint_ms"])
        parses.append(timing["parse_ms"])
    reloaded = page.wait_for(lambda done: page.view.page.runJavaScript("window.__bench_marker === 1", 0, done))
    _note(ctx, "map_update_10k", totals, "" if reloaded else "; THE PAGE RELOADED")
    if not reloaded:
        raise RuntimeError("layer.diff reloaded the page")
    return statistics.median(totals), statistics.median(parses)
