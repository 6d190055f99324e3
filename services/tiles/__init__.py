"""The basemap tiles: Web-Mercator tile maths, an MBTiles cache, a polite tile fetcher and the service joining them.

``services.tile_cache`` re-exports the public API; import from there.
"""
