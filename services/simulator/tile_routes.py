"""Generated basemap tiles for demo mode: ``GET /tiles/<z>/<x>/<y>.png``.

Each tile is a 256 px PNG: a light land colour with a faint grid, the Ping River (through its gauges), the province
box, district centroids from the seed data from zoom 9, and the tile's ``z/x/y`` in small text. Lines are projected
to Web Mercator pixels and clipped to the tile before drawing, so deep zooms cost the same as shallow ones (Pillow
would otherwise walk every pixel of a segment millions of pixels long).

The bytes are deterministic for a given ``z/x/y`` (and Pillow version); the ETag is a hash of them, so a conditional
GET answers 304. Generated tiles are kept in an LRU (about 2,048 tiles, ~10 MB). Under the fault middleware the
feed name is ``tiles``. Zoom above 19 or x/y outside ``0..2**z-1`` answer 400.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from flask import Blueprint, Response, request
from PIL import Image, ImageDraw, ImageFont

from services.simulator.fires import PROVINCE_BOX
from services.simulator.seed import load_seed
from services.tiles.tile_math import MAX_ZOOM, TILE_SIZE, valid_tile, world_pixel

LAND = (242, 239, 233)
GRID = (228, 224, 216)
RIVER = (118, 164, 219)
BOX = (150, 110, 170)
TEXT = (150, 146, 140)
DISTRICT = (120, 120, 120)
# The Ping River, north to south, through its gauges (lat, lon): CHM004, P.67, P.103, P.1, P.73, CHM002.
PING_RIVER: tuple[tuple[float, float], ...] = (
    (19.3673, 98.9688), (19.0099, 98.9597), (18.8665, 98.9782), (18.7870, 99.0051), (18.2913, 98.6476),
    (18.1786, 98.6302),
)
CACHE_CONTROL = "public, max-age=86400"
_LRU_SIZE = 2048
_MARGIN = 16  # px drawn beyond the tile edge so wide lines join seamlessly with the neighbour tile


def _clip(p: tuple[float, float], q: tuple[float, float], lo: float, hi: float) -> tuple[tuple[float, float],
                                                                                      tuple[float, float]] | None:
    """Liang–Barsky: the part of segment p–q inside the square [lo, hi]², or None."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in ((-dx, x0 - lo), (dx, hi - x0), (-dy, y0 - lo), (dy, hi - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return None
            continue
        r = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return None
    return (x0 + t0 * dx, y0 + t0 * dy), (x0 + t1 * dx, y0 + t1 * dy)


class TileRenderer:
    """Draws and caches the simulator's tiles. Thread-safe (werkzeug serves each request on its own thread)."""

    def __init__(self, lru_size: int = _LRU_SIZE) -> None:
        self._lru: OrderedDict[tuple[int, int, int], tuple[bytes, str]] = OrderedDict()
        self._lru_size = lru_size
        self._lock = threading.Lock()
        self._font = ImageFont.load_default()
        self._districts = [(d["lat"], d["lon"]) for d in load_seed("districts")]

    def tile(self, z: int, x: int, y: int) -> tuple[bytes, str]:
        """The PNG bytes and quoted ETag of one tile (``valid_tile`` must hold)."""
        key = (z, x, y)
        with self._lock:
            hit = self._lru.get(key)
            if hit is not None:
                self._lru.move_to_end(key)
                return hit
        png = self.render(z, x, y)
        made = (png, '"' + hashlib.sha1(png).hexdigest()[:20] + '"')
        with self._lock:
            self._lru[key] = made
            while len(self._lru) > self._lru_size:
                self._lru.popitem(last=False)
        return made

    def render(self, z: int, x: int, y: int) -> bytes:
        """Draw one tile (no caching)."""
        img = Image.new("RGB", (TILE_SIZE, TILE_SIZE), LAND)
        draw = ImageDraw.Draw(img)
        for i in range(0, TILE_SIZE, 64):
            draw.line([(i, 0), (i, TILE_SIZE - 1)], fill=GRID)
            draw.line([(0, i), (TILE_SIZE - 1, i)], fill=GRID)
        origin = (x * TILE_SIZE, y * TILE_SIZE)

        def local(lat: float, lon: float) -> tuple[float, float]:
            px, py = world_pixel(lon, lat, z)
            return px - origin[0], py - origin[1]

        west, south, east, north = PROVINCE_BOX
        box = [local(north, west), local(north, east), local(south, east), local(south, west), local(north, west)]
        self._polyline(draw, box, BOX, 1 if z < 10 else 2)
        river_width = max(1, min(8, z - 7))
        self._polyline(draw, [local(lat, lon) for lat, lon in PING_RIVER], RIVER, river_width)
        if z >= 9:
            r = 2 if z < 12 else 4
            for lat, lon in self._districts:
                cx, cy = local(lat, lon)
                if -r <= cx < TILE_SIZE + r and -r <= cy < TILE_SIZE + r:
                    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=DISTRICT)
        draw.text((4, 3), f"{z}/{x}/{y}", fill=TEXT, font=self._font)
        out = io.BytesIO()
        img.save(out, format="PNG", optimize=False, compress_level=6)
        return out.getvalue()

    @staticmethod
    def _polyline(draw: ImageDraw.ImageDraw, points: Sequence[tuple[float, float]], colour: tuple[int, int, int],
                  width: int) -> None:
        segments: Iterable[tuple[tuple[float, float], tuple[float, float]]] = zip(points, points[1:], strict=False)
        for p, q in segments:
            clipped = _clip(p, q, -_MARGIN, TILE_SIZE + _MARGIN)
            if clipped is not None:
                draw.line([clipped[0], clipped[1]], fill=colour, width=width, joint="curve")
                if width > 2:  # round caps so the joints between segments have no notches
                    for cx, cy in clipped:
                        h = width / 2
                        draw.ellipse([cx - h, cy - h, cx + h, cy + h], fill=colour)


def _bad(message: str) -> Response:
    return Response(message + "\n", status=400, mimetype="text/plain")


def make_blueprint(renderer: TileRenderer | None = None) -> Blueprint:
    """The ``/tiles`` route."""
    tiles = renderer or TileRenderer()
    bp = Blueprint("tiles", __name__, url_prefix="/tiles")

    @bp.route("/<z>/<x>/<y>.png")
    def tile(z: str, x: str, y: str) -> Response:
        try:
            zi, xi, yi = int(z), int(x), int(y)
        except ValueError:
            return _bad(f"tile coordinates must be integers: {z}/{x}/{y}")
        if not valid_tile(zi, xi, yi, MAX_ZOOM):
            return _bad(f"no tile {zi}/{xi}/{yi}: zoom must be 0..{MAX_ZOOM} and x, y within 0..2**z-1")
        png, etag = tiles.tile(zi, xi, yi)
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            return Response(status=304, headers=headers)
        return Response(png, mimetype="image/png", headers=headers)

    return bp
