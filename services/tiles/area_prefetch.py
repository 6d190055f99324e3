"""The "save area for offline" download loop behind ``TileService.prefetch``.

Shape: the calling thread walks the area's tiles (distinct, shallow zooms first, a zoom begun only once the one before
it is finished), skips those already cached (which makes a second run a resume), and keeps a small window of fetches
in flight on a private pool of ``fetcher.max_concurrent`` threads. Finished tiles are written in batches from the
calling thread (one transaction per batch, far cheaper than one per tile). A rate limit pauses the workers until the
server's ``Retry-After`` is over; an unreachable server (or one whose tiles trickle past the deadline) ends the run
with ``error`` set, since every further tile would fail the same way. Cancel is polled every ``poll_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass

from services.daemon_pool import DaemonThreadPool
from services.tiles.mbtiles_cache import TileCache, TileWrite
from services.tiles.tile_errors import TileError, TileRateLimited, TileSourcePaused, TileSourceUnavailable
from services.tiles.tile_fetcher import TileFetcher, TileResponse

_MAX_PAUSED_ATTEMPTS = 5  # a tile waits out at most this many rate-limit pauses before it counts as failed


@dataclass(frozen=True, slots=True)
class PrefetchResult:
    """How a prefetch ended. ``skipped`` tiles were already cached; ``error`` is set when the run stopped early
    because the tile server could not be reached (the next run resumes)."""

    fetched: int
    skipped: int
    failed: int
    cancelled: bool
    total: int = 0
    error: str | None = None


def run_prefetch(
    cache: TileCache,
    fetcher: TileFetcher,
    tiles: Iterable[tuple[int, int, int]],
    *,
    total: int,
    lifetime_for: Callable[[float | None], float],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_fetched: Callable[[int], None] | None = None,
    batch_size: int = 32,
    poll_s: float = 0.05,
    progress_interval_s: float = 0.1,
) -> PrefetchResult:
    """Fetch every uncached one of ``tiles`` (XYZ, ``total`` of them; see the module docstring)."""
    is_cancelled = cancelled or (lambda: False)
    stop = threading.Event()
    fetched = skipped = failed = 0
    error: str | None = None
    was_cancelled = False
    writes: list[TileWrite] = []
    in_flight: dict[Future[TileResponse | None], tuple[int, int, int]] = {}
    last_report = 0.0

    def report(force: bool = False) -> None:
        nonlocal last_report
        now = time.monotonic()
        if progress is not None and (force or now - last_report >= progress_interval_s):
            last_report = now
            progress(fetched + skipped + failed, total)

    def flush() -> None:
        if writes:
            cache.put_many(writes)
            if on_fetched is not None:
                on_fetched(len(writes))
            writes.clear()

    def work(z: int, x: int, y: int) -> TileResponse | None:
        for _ in range(_MAX_PAUSED_ATTEMPTS):
            if stop.is_set():
                return None
            try:
                return fetcher.fetch(z, x, y)
            except (TileRateLimited, TileSourcePaused):
                # Wait out the shared pause in short steps so a cancel still ends this thread promptly.
                while fetcher.paused_for() > 0 and not stop.wait(min(0.2, fetcher.paused_for())):
                    pass
        return fetcher.fetch(z, x, y)

    pending = iter(tiles)
    window = fetcher.max_concurrent * 2
    # Daemon threads: a tile server hanging at the console's close must not hold the process until its deadline.
    pool = DaemonThreadPool("prefetch", fetcher.max_concurrent, prefix="tile-")
    exhausted = False
    held: tuple[int, int, int] | None = None  # the first tile of the next zoom, waiting for this zoom to finish
    level = -1
    report(force=True)
    try:
        while not (exhausted and not in_flight):
            if is_cancelled():
                was_cancelled = True
                break
            while not exhausted and len(in_flight) < window:
                tile, held = (held, None) if held is not None else (next(pending, None), None)
                if tile is None:
                    exhausted = True
                elif tile[0] != level and in_flight:
                    # A zoom starts only when the one before it is complete, so a cancelled or failed save always
                    # leaves whole shallow levels (the overview) rather than a bit of every level.
                    held = tile
                    break
                elif cache.contains(*tile):
                    skipped += 1
                    if skipped % 256 == 0:
                        report()
                        if is_cancelled():
                            break
                else:
                    level = tile[0]
                    in_flight[pool.submit(work, *tile)] = tile
            if not in_flight:
                continue
            finished, _ = wait(in_flight, timeout=poll_s, return_when=FIRST_COMPLETED)
            for future in finished:
                z, x, y = in_flight.pop(future)
                try:
                    resp = future.result()
                except TileSourceUnavailable as exc:
                    failed += 1
                    error = str(exc)
                except TileError:
                    failed += 1
                else:
                    if resp is not None and resp.data is not None:
                        writes.append(TileWrite(z, x, y, resp.data, resp.etag, lifetime_for(resp.max_age_s)))
                        fetched += 1
            if len(writes) >= batch_size:
                flush()
            if error is not None:
                break
            report()
    finally:
        stop.set()
        # Requests in flight end on their own (bounded by the fetcher's deadline); their results are dropped.
        pool.close()
        flush()
    report(force=True)
    return PrefetchResult(fetched, skipped, failed, was_cancelled, total, error)
