"""``TileService``: the basemap tile provider the map asks — cache first, the network on a miss or a stale tile, the
cached copy whenever the network fails — and "save area for offline" (plan with an estimate, then prefetch).

Threads: ``tile`` may be called from any number of threads at once (the console runs it on its ``tiles`` network
lane); ``plan_area``, ``plan_parts`` and ``zoom_cap_at`` only read the cache and suit any worker; ``prefetch`` blocks
its caller for the whole download, so run it on a worker, never the UI thread. While the fetcher pauses (a rate limit,
or a server that is unreachable or trickles past its deadline), ``tile`` answers from the cache, or None, at once. The
cache and the fetcher are themselves thread-safe; the counters here are guarded by a lock.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from services.tiles.area_prefetch import PrefetchResult, run_prefetch
from services.tiles.mbtiles_cache import TileCache
from services.tiles.tile_errors import PrefetchRefused, TileError
from services.tiles.tile_fetcher import TileFetcher
from services.tiles.offline_areas import AreaPart, area_tiles, count_area_tiles, envelope, tiles_by_zoom
from services.tiles.tile_math import BBox, check_bbox, tile_ranges, valid_tile
from services.tiles.tile_sources import MAX_PREFETCH_TILES, MAX_PREFETCH_ZOOM

log = logging.getLogger("services.tiles")

DEFAULT_TILE_BYTES = 15 * 1024  # a typical 256 px PNG street-map tile, used until the cache knows better
DEFAULT_LIFETIME_S = 7 * 24 * 3600.0  # OSM's policy: keep tiles at least 7 days
MIN_LIFETIME_S = 3600.0  # even a server saying max-age=0 is not asked again for the same tile within the hour


@dataclass(frozen=True, slots=True)
class AreaPlan:
    """What saving an area would take. ``parts`` are its rectangles with their zoom ranges (one for a plain bbox);
    ``bbox``, ``zmin`` and ``zmax`` span them all. ``tiles`` counts distinct tiles, ``estimated_bytes`` is the
    download still needed (the tiles not cached yet); ``refusal`` says why the area cannot be saved (too many tiles,
    too deep) or is None when it can."""

    bbox: BBox
    zmin: int
    zmax: int
    tiles: int
    estimated_bytes: int
    already_cached: int
    refusal: str | None = None
    parts: tuple[AreaPart, ...] = ()


@dataclass(frozen=True, slots=True)
class TileStats:
    """Counters since the service started (for the status bar and the tests)."""

    hits: int = 0
    fetched: int = 0
    revalidated: int = 0
    stale_served: int = 0
    failed: int = 0


class TileService:
    """Basemap tiles for the map: ``tile(z, x, y) -> bytes | None``. ``fetcher`` None means offline-only."""

    def __init__(
        self,
        cache: TileCache,
        fetcher: TileFetcher | None = None,
        *,
        clock: Callable[[], float] = time.time,
        default_lifetime_s: float = DEFAULT_LIFETIME_S,
        min_lifetime_s: float = MIN_LIFETIME_S,
        max_prefetch_tiles: int = MAX_PREFETCH_TILES,
        max_prefetch_zoom: int = MAX_PREFETCH_ZOOM,
    ) -> None:
        self.cache = cache
        self.fetcher = fetcher
        self._clock = clock
        self.default_lifetime_s = default_lifetime_s
        self.min_lifetime_s = min_lifetime_s
        self.max_prefetch_tiles = max_prefetch_tiles
        self.max_prefetch_zoom = max_prefetch_zoom
        self._stats_lock = threading.Lock()
        self._stats = {name: 0 for name in TileStats.__slots__}

    def close(self) -> None:
        """Close the fetcher's connections and the cache file."""
        if self.fetcher is not None:
            self.fetcher.close()
        self.cache.close()

    # --- on demand ---------------------------------------------------------------------------------------------------

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's image bytes, or None when it is neither cached nor fetchable now (the map shows its plain
        background). Never raises for network trouble; an invalid ``z/x/y`` gives None."""
        if not valid_tile(z, x, y):
            return None
        entry = self.cache.get_entry(z, x, y)
        if entry is not None and not entry.stale(self._clock()):
            self._count("hits")
            return entry.data
        if self.fetcher is None:
            if entry is not None:
                self._count("stale_served")
            return entry.data if entry else None
        try:
            resp = self.fetcher.fetch(z, x, y, etag=entry.etag if entry else None)
        except TileError as exc:
            log.debug("tile %d/%d/%d not fetched: %s", z, x, y, exc)
            self._count("failed")
            if entry is not None:
                self._count("stale_served")
            return entry.data if entry else None
        lifetime = self.lifetime_for(resp.max_age_s)
        try:
            if resp.not_modified:
                if entry is None:  # a 304 to an unconditional request: nothing to serve
                    self._count("failed")
                    return None
                self.cache.touch(z, x, y, etag=resp.etag, lifetime_s=lifetime)
                self._count("revalidated")
                return entry.data
            assert resp.data is not None
            self.cache.put(z, x, y, resp.data, etag=resp.etag, lifetime_s=lifetime)
        except sqlite3.Error as exc:
            # A full or read-only disk must not blank the map: serve what we have, just without caching it.
            log.warning("tile %d/%d/%d not cached: %s", z, x, y, exc)
        self._count("fetched")
        return resp.data if resp.data is not None else (entry.data if entry else None)

    def lifetime_for(self, max_age_s: float | None) -> float:
        """How long a fetched tile stays fresh: the server's ``max-age`` if it sent one, else the default; never less
        than ``min_lifetime_s``."""
        return max(self.min_lifetime_s, self.default_lifetime_s if max_age_s is None else max_age_s)

    def stats(self) -> TileStats:
        """A snapshot of the counters."""
        with self._stats_lock:
            return TileStats(**self._stats)

    def _count(self, name: str, n: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += n

    # --- save area for offline ---------------------------------------------------------------------------------------

    def plan_area(self, bbox: BBox, zmin: int, zmax: int) -> AreaPlan:
        """Count the tiles of ``bbox`` over ``zmin..zmax``, how many are cached, and estimate the download from the
        cache's average tile size (``DEFAULT_TILE_BYTES`` while it is empty). ``ValueError`` on a bad bbox or zoom."""
        bbox = check_bbox(bbox)
        tiles = sum(r.count for r in tile_ranges(bbox, zmin, zmax))
        cached = self.cache.count_in(bbox, zmin, zmax)
        return self._plan((AreaPart(bbox, zmin, zmax),), tiles, cached)

    def plan_parts(self, parts: Sequence[AreaPart]) -> AreaPlan:
        """The plan of an area made of several parts, each with its own zoom range (services.tiles.offline_areas);
        tiles where parts overlap count once."""
        parts = tuple(parts)
        if len(parts) == 1:
            only = parts[0]
            return replace(self.plan_area(only.bbox, only.zmin, only.zmax), parts=parts)
        tiles = count_area_tiles(parts)
        cached = 0
        if tiles <= self.max_prefetch_tiles:  # past the limit it is refused anyway: no need to look in the cache
            for z, wanted in tiles_by_zoom(parts).items():
                xs, ys = [x for x, _ in wanted], [y for _, y in wanted]
                cached += len(wanted & self.cache.cached_in(z, min(xs), max(xs), min(ys), max(ys)))
        return self._plan(parts, tiles, cached)

    def _plan(self, parts: tuple[AreaPart, ...], tiles: int, cached: int) -> AreaPlan:
        average = self.cache.average_tile_bytes() or DEFAULT_TILE_BYTES
        zmin, zmax = min(p.zmin for p in parts), max(p.zmax for p in parts)
        refusal = None
        if zmax > self.max_prefetch_zoom:
            refusal = f"zoom {zmax} is deeper than the {self.max_prefetch_zoom} allowed for saving an area"
        elif tiles > self.max_prefetch_tiles:
            refusal = f"{tiles} tiles is more than the {self.max_prefetch_tiles} allowed in one save; pick a smaller " \
                      f"area or zoom range"
        return AreaPlan(envelope(parts), zmin, zmax, tiles, int(round((tiles - cached) * average)), cached, refusal,
                        parts)

    def zoom_cap_at(self, lon: float, lat: float, offline: bool = False) -> int | None:
        """How far an automatic zoom (selecting an incident) may go at ``lon/lat``: None while tiles can be fetched
        (the console is not ``offline`` and the fetcher is not paused), else the deepest zoom whose tile there is in
        the cache (None when there is none: the map has nothing there to show at any zoom)."""
        fetchable = self.fetcher is not None and self.fetcher.paused_for() <= 0
        if fetchable and not offline:
            return None
        return self.cache.deepest_zoom_at(lon, lat)

    def prefetch(
        self,
        plan_or_bbox: AreaPlan | BBox,
        zmin: int | None = None,
        zmax: int | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> PrefetchResult:
        """Download every tile of the area that is not cached yet (so a second run resumes where one stopped).

        ``progress(done, total)`` is called on this thread a few times a second and once at the end; ``cancelled()``
        is polled between tiles and while waiting, so a cancel stops within about 0.1 s (requests in flight finish
        in the background and are discarded). Raises :class:`PrefetchRefused` beyond the limits or without a tile
        source. Tiles already cached are counted as ``skipped`` even when stale: saving an area is not a refresh.
        """
        if isinstance(plan_or_bbox, AreaPlan):
            plan = self.plan_parts(plan_or_bbox.parts) if plan_or_bbox.parts else \
                self.plan_area(plan_or_bbox.bbox, plan_or_bbox.zmin, plan_or_bbox.zmax)
        else:
            if zmin is None or zmax is None:
                raise ValueError("prefetch(bbox, zmin, zmax): the zoom range is required with a bbox")
            plan = self.plan_area(plan_or_bbox, zmin, zmax)
        if plan.refusal:
            raise PrefetchRefused(plan.refusal)
        if self.fetcher is None:
            raise PrefetchRefused("no tile source is configured (offline only): nothing to download from")
        return run_prefetch(self.cache, self.fetcher, area_tiles(plan.parts), total=plan.tiles,
                            lifetime_for=self.lifetime_for, progress=progress, cancelled=cancelled,
                            on_fetched=lambda n: self._count("fetched", n))
