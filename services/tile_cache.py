"""The basemap tile cache and its provider, for the map's tile handler and "save area for offline".

One import point for the console; the pieces live in ``services.tiles``:

- :class:`TileCache` — tiles in an MBTiles (SQLite) file, e.g. ``<data dir>/tiles.mbtiles``;
- :class:`TileFetcher` — polite HTTP for tiles (identifying User-Agent, few connections, pauses on 429/Retry-After);
- :class:`TileService` — ``tile(z, x, y)`` cache-first with refresh, ``plan_area`` / ``plan_parts`` and ``prefetch``,
  and ``zoom_cap_at`` (how deep an automatic zoom may go offline);
- :class:`AreaPart` and :func:`province_with_flood_districts` — what "save area for offline" saves by default;
- :class:`TileSource` with :data:`OSM_SOURCE` and :func:`simulator_source` — URL template and attribution.

Typical wiring::

    cache = TileCache(paths.root / "tiles.mbtiles", attribution=source.attribution)
    service = TileService(cache, TileFetcher(source.url_template))
    provider = service.tile                     # the map view's tile provider callable
"""

from __future__ import annotations

from services.tiles.area_prefetch import PrefetchResult
from services.tiles.mbtiles_cache import CachedTile, TileCache, TileWrite
from services.tiles.offline_areas import AreaPart, count_area_tiles, province_with_flood_districts
from services.tiles.tile_errors import (
    PrefetchRefused,
    TileError,
    TileFetchFailed,
    TileRateLimited,
    TileSourcePaused,
    TileSourceUnavailable,
)
from services.tiles.tile_fetcher import TileFetcher, TileResponse
from services.tiles.tile_math import BBox, count_tiles, tile_of, tile_ranges, tms_row, valid_tile
from services.tiles.tile_service import DEFAULT_TILE_BYTES, AreaPlan, TileService, TileStats
from services.tiles.tile_sources import (
    DEFAULT_USER_AGENT,
    MAX_PREFETCH_TILES,
    MAX_PREFETCH_ZOOM,
    OSM_ATTRIBUTION,
    OSM_SOURCE,
    OSM_TILE_URL,
    SIMULATOR_ATTRIBUTION,
    SIMULATOR_TILE_PATH,
    TileSource,
    simulator_source,
)

__all__ = [
    "DEFAULT_TILE_BYTES", "DEFAULT_USER_AGENT", "MAX_PREFETCH_TILES", "MAX_PREFETCH_ZOOM", "OSM_ATTRIBUTION",
    "OSM_SOURCE", "OSM_TILE_URL", "SIMULATOR_ATTRIBUTION", "SIMULATOR_TILE_PATH", "AreaPart", "AreaPlan", "BBox",
    "CachedTile", "count_area_tiles", "province_with_flood_districts",
    "PrefetchRefused", "PrefetchResult", "TileCache", "TileError", "TileFetchFailed", "TileFetcher", "TileRateLimited",
    "TileResponse", "TileService", "TileSource", "TileSourcePaused", "TileSourceUnavailable", "TileStats",
    "TileWrite", "count_tiles", "simulator_source", "tile_of", "tile_ranges", "tms_row", "valid_tile",
]
