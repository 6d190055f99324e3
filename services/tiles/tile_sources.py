"""Where basemap tiles come from: the demo simulator's generated tiles, or an OpenStreetMap-style server.

OpenStreetMap's tile usage policy (https://operations.osmfoundation.org/policies/tiles/) binds any live deployment
that points at tile.openstreetmap.org, and is a sound rule for any public tile server:
- a valid, identifying User-Agent (ours names the console and how to reach the operator) — never a library default;
- no bulk downloading: prefetch ("save area for offline") is capped at ``MAX_PREFETCH_TILES`` per request and zoom
  ``MAX_PREFETCH_ZOOM``, runs a few requests at a time, and never re-downloads what is cached;
- caching is honoured: tiles are kept at least 7 days (or the server's ``Cache-Control: max-age``), revalidated with
  ``If-None-Match`` when stale, and a 429 / ``Retry-After`` pauses every request;
- the attribution ("© OpenStreetMap contributors") is shown on the map.
A deployment with heavier needs should run or buy its own tile server and set its URL in settings.
"""

from __future__ import annotations

from dataclasses import dataclass

SIMULATOR_TILE_PATH = "/tiles/{z}/{x}/{y}.png"
SIMULATOR_ATTRIBUTION = "Simulated basemap · PAO console demo"
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
# Identifies the application; a deployment should append a contact (the policy asks for one) through settings.
DEFAULT_USER_AGENT = "ChiangMaiPAO-Console/0.1 (Chiang Mai PAO operations console)"
MAX_PREFETCH_TILES = 10_000
MAX_PREFETCH_ZOOM = 16


@dataclass(frozen=True, slots=True)
class TileSource:
    """A tile URL template (``{z}``, ``{x}``, ``{y}``) with the attribution the map must show."""

    url_template: str
    attribution: str
    max_zoom: int = 19


def simulator_source(simulator_url: str) -> TileSource:
    """The demo simulator's generated tiles at ``simulator_url`` (e.g. ``http://127.0.0.1:8311``)."""
    return TileSource(simulator_url.rstrip("/") + SIMULATOR_TILE_PATH, SIMULATOR_ATTRIBUTION)


OSM_SOURCE = TileSource(OSM_TILE_URL, OSM_ATTRIBUTION)
