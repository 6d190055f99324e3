"""The simulator's generated tiles: real PNGs, deterministic, cache headers, 400 on bad coordinates, faults, speed."""

from __future__ import annotations

import io
import time

import pytest
import requests
from PIL import Image

from services.simulator.server import SimulatorServer
from services.simulator.tile_routes import BOX, LAND, RIVER, TileRenderer
from services.tile_cache import tile_of
from services.tiles.tile_math import world_pixel


def _get(sim: SimulatorServer, path: str, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(sim.url + path, timeout=5, **kw)


def test_tile_is_a_256_png_with_cache_headers(simulator: SimulatorServer) -> None:
    z = 12
    x, y = tile_of(98.99, 18.79, z)
    resp = _get(simulator, f"/tiles/{z}/{x}/{y}.png")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/png"
    assert resp.headers["ETag"].startswith('"') and "max-age=" in resp.headers["Cache-Control"]
    img = Image.open(io.BytesIO(resp.content))
    assert img.format == "PNG" and img.size == (256, 256)
    again = _get(simulator, f"/tiles/{z}/{x}/{y}.png")
    assert again.content == resp.content and again.headers["ETag"] == resp.headers["ETag"]
    assert TileRenderer().render(z, x, y) == resp.content  # deterministic, not just cached
    not_modified = _get(simulator, f"/tiles/{z}/{x}/{y}.png", headers={"If-None-Match": resp.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    other = _get(simulator, f"/tiles/{z}/{x + 1}/{y}.png")
    assert other.headers["ETag"] != resp.headers["ETag"]


def test_tile_draws_land_river_and_province_box() -> None:
    renderer = TileRenderer()
    z = 11
    # P.1 in the city: the river passes through the pixel of the gauge.
    x, y = tile_of(99.0051, 18.7870, z)
    img = Image.open(io.BytesIO(renderer.render(z, x, y))).convert("RGB")
    px, py = world_pixel(99.0051, 18.7870, z)
    gx, gy = int(px - x * 256), int(py - y * 256)
    near = {img.getpixel((i, j)) for i in range(max(gx - 2, 0), min(gx + 3, 256))
            for j in range(max(gy - 2, 0), min(gy + 3, 256))}
    assert RIVER in near
    assert img.getpixel((200, 200)) in (LAND, RIVER)
    # The province's western edge (98.011 E) crosses a tile at zoom 8.
    bx, by = tile_of(98.011, 18.5, 8)
    edge = Image.open(io.BytesIO(renderer.render(8, bx, by))).convert("RGB")
    ex = int(world_pixel(98.011, 18.5, 8)[0] - bx * 256)
    assert any(edge.getpixel((i, 128)) == BOX for i in range(max(ex - 1, 0), min(ex + 2, 256)))
    # Far from Chiang Mai: land only (and the label).
    ocean = Image.open(io.BytesIO(renderer.render(8, 10, 10))).convert("RGB")
    assert ocean.getpixel((100, 200)) == LAND and ocean.getpixel((128, 200)) != LAND  # land, faint grid


@pytest.mark.parametrize("path", ["/tiles/20/0/0.png", "/tiles/3/8/0.png", "/tiles/3/0/8.png", "/tiles/3/-1/0.png",
                                  "/tiles/a/0/0.png", "/tiles/0/0/0x.png"])
def test_bad_coordinates_are_400(simulator: SimulatorServer, path: str) -> None:
    resp = _get(simulator, path)
    assert resp.status_code == 400, path


def test_tiles_feed_honours_faults(simulator: SimulatorServer) -> None:
    simulator.faults.add("tiles", "error", status=502, count=1)
    assert _get(simulator, "/tiles/1/0/0.png").status_code == 502
    assert _get(simulator, "/tiles/1/0/0.png").status_code == 200
    simulator.faults.add("tiles", "malformed", variant="html", count=1)
    assert _get(simulator, "/tiles/1/0/0.png").headers["Content-Type"].startswith("text/html")
    simulator.faults.add("air4thai", "error", status=503)  # other feeds' faults leave tiles alone
    assert _get(simulator, "/tiles/1/0/0.png").status_code == 200
    assert simulator.feed_base("tiles") == simulator.url + "/tiles"


def test_render_is_fast() -> None:
    renderer = TileRenderer()
    coords = [(z, *tile_of(98.99 + i * 0.01, 18.79, z)) for z in range(6, 19) for i in range(4)]
    started = time.perf_counter()
    for z, x, y in coords:
        renderer.render(z, x, y)
    per_tile_ms = (time.perf_counter() - started) / len(coords) * 1000
    assert per_tile_ms < 20, f"{per_tile_ms:.1f} ms a tile"
