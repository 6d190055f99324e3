"""The default offline area (the province to zoom 12, the city and flood-prone districts to zoom 16), areas of several
parts (distinct tiles, shallow zooms first, resumable), and how deep an automatic zoom may go offline."""

from __future__ import annotations

import threading

import pytest

from services.districts import districts
from services.simulator.server import SimulatorServer
from services.tile_cache import (
    MAX_PREFETCH_TILES,
    AreaPart,
    PrefetchRefused,
    TileCache,
    TileService,
    count_area_tiles,
    province_with_flood_districts,
    tile_of,
    tile_ranges,
)
from services.tiles.offline_areas import PROVINCE_BBOX, area_tiles, around

CITY = (98.93, 18.74, 99.05, 18.84)
NAWARAT_BRIDGE = (99.0051, 18.7870)  # P.1, lon/lat
WAT_KET = (99.0046, 18.7905)
P103 = (98.9782, 18.8665)
DOI_INTHANON = (98.4870, 18.5880)  # in the province, far from the flood-prone districts
OMKOI = (98.3370, 17.6743)  # not even in the same zoom-8 tile as the city


def _brute_force(parts: list[AreaPart]) -> set[tuple[int, int, int]]:
    return {t for p in parts for r in tile_ranges(p.bbox, p.zmin, p.zmax) for t in r.tiles()}


def _covered(parts: tuple[AreaPart, ...], lon: float, lat: float, z: int) -> bool:
    return (z, *tile_of(lon, lat, z)) in _brute_force([p for p in parts if p.zmin <= z <= p.zmax])


def test_the_default_is_the_province_with_the_city_and_flood_prone_districts_in_detail() -> None:
    area = province_with_flood_districts()
    province, *detail = area
    assert (province.bbox, province.zmin, province.zmax) == (PROVINCE_BBOX, 8, 12)
    names = {p.name_en for p in detail}
    assert names == {"Mueang Chiang Mai", "San Sai", "Saraphi", "Hang Dong", "San Kamphaeng", "Mae Rim"}
    assert all((p.zmin, p.zmax) == (13, 16) for p in detail)
    by_name = {d.name_en: d for d in districts()}
    for part in detail:  # each square is around its district's centroid, inside the province
        d = by_name[part.name_en]
        west, south, east, north = part.bbox
        assert west < d.lon < east and south < d.lat < north and part.name_th == d.name_th
        assert PROVINCE_BBOX[0] < west and east < PROVINCE_BBOX[2]
    # Street detail where the Ping floods the city: Nawarat Bridge, Wat Ket, up to the 3rd ring-road bridge.
    for lon, lat in (NAWARAT_BRIDGE, WAT_KET, P103):
        assert _covered(area, lon, lat, 16)
    assert _covered(area, *DOI_INTHANON, 12) and not _covered(area, *DOI_INTHANON, 13)
    # It may be saved in one go, and costs about what the dialog will say.
    tiles = count_area_tiles(area)
    assert tiles == len(_brute_force(list(area))) and 4000 < tiles <= MAX_PREFETCH_TILES


def test_overlapping_parts_count_each_tile_once_shallow_zooms_first() -> None:
    parts = [AreaPart(CITY, 9, 12), AreaPart(around(18.79, 99.0, 3), 11, 14), AreaPart(around(18.80, 99.01, 3), 11, 14)]
    expected = _brute_force(parts)
    assert count_area_tiles(parts) == len(expected) < sum(r.count for p in parts
                                                          for r in tile_ranges(p.bbox, p.zmin, p.zmax))
    listed = list(area_tiles(parts))
    assert len(listed) == len(set(listed)) and set(listed) == expected
    assert [z for z, _, _ in listed] == sorted(z for z, _, _ in listed)
    with pytest.raises(ValueError):
        AreaPart(CITY, 12, 11)
    with pytest.raises(ValueError):
        AreaPart((99.0, 18.0, 98.0, 19.0), 8, 9)


def test_plan_and_prefetch_of_parts_resume_and_skip_what_is_cached(service: TileService, cache: TileCache) -> None:
    parts = (AreaPart(CITY, 9, 11), AreaPart(around(18.79, 99.0, 2), 12, 13), AreaPart(around(18.80, 99.01, 2), 12, 13))
    plan = service.plan_parts(parts)
    assert plan.parts == parts and (plan.zmin, plan.zmax) == (9, 13) and plan.refusal is None
    assert plan.tiles == len(_brute_force(list(parts))) and plan.already_cached == 0
    service.prefetch(CITY, 9, 10)  # part of it is saved already (an earlier, shallower save)
    replan = service.plan_parts(parts)
    assert replan.already_cached == cache.count() and replan.estimated_bytes < plan.estimated_bytes
    result = service.prefetch(replan)
    assert (result.fetched, result.skipped, result.failed) == (plan.tiles - replan.already_cached,
                                                               replan.already_cached, 0)
    assert cache.count() == plan.tiles
    assert service.plan_parts(parts).already_cached == plan.tiles


def test_a_cancelled_save_has_the_overview_first(service: TileService, cache: TileCache,
                                                 simulator: SimulatorServer) -> None:
    simulator.faults.add("tiles", "slow", seconds=0.03)
    parts = (AreaPart(CITY, 9, 11), AreaPart(around(18.79, 99.0, 3), 12, 15))
    stop = threading.Event()
    shallow = len(_brute_force([AreaPart(CITY, 9, 11)]))
    result = service.prefetch(service.plan_parts(parts), cancelled=stop.is_set,
                              progress=lambda done, total: stop.set() if done >= shallow else None)
    assert result.cancelled and result.failed == 0
    assert all(cache.count_in(CITY, z, z) == sum(r.count for r in tile_ranges(CITY, z, z)) for z in (9, 10, 11))
    assert cache.count_in(parts[1].bbox, 15, 15) == 0  # the deepest level was still to come


def test_a_deeper_zoom_waits_for_a_slow_tile_of_the_one_before(service: TileService, cache: TileCache,
                                                               simulator: SimulatorServer) -> None:
    # The only zoom-9 tile hangs for a second; a cancel as soon as anything else is done must still find it saved,
    # because no zoom-10 tile was started while it was out.
    assert sum(r.count for r in tile_ranges(CITY, 9, 9)) == 1
    simulator.faults.add("tiles", "slow", seconds=1.0, count=1)
    stop = threading.Event()
    result = service.prefetch(service.plan_parts((AreaPart(CITY, 9, 14),)), cancelled=stop.is_set,
                              progress=lambda done, total: stop.set() if done >= 2 else None)
    assert result.cancelled and result.failed == 0
    assert cache.count_in(CITY, 9, 9) == 1
    assert cache.count_in(CITY, 14, 14) < sum(r.count for r in tile_ranges(CITY, 14, 14))


def test_too_big_an_area_is_refused(service: TileService) -> None:
    plan = service.plan_parts((AreaPart(PROVINCE_BBOX, 8, 12), AreaPart(around(18.79, 98.99, 30), 13, 16)))
    assert plan.tiles > MAX_PREFETCH_TILES and plan.refusal
    with pytest.raises(PrefetchRefused):
        service.prefetch(plan)


def test_the_deepest_saved_zoom_caps_automatic_zoom_offline(service: TileService, cache: TileCache,
                                                             simulator: SimulatorServer) -> None:
    service.prefetch(service.plan_parts((AreaPart(CITY, 8, 12), AreaPart(around(18.787, 99.005, 1), 13, 16))))
    # Online, nothing caps it: missing tiles are fetched.
    assert service.zoom_cap_at(*NAWARAT_BRIDGE, offline=False) is None
    assert service.zoom_cap_at(*NAWARAT_BRIDGE, offline=True) == 16
    assert service.zoom_cap_at(98.95, 18.82, offline=True) == 12  # in the city, outside the detailed square
    assert service.zoom_cap_at(*OMKOI, offline=True) is None  # nothing saved there at all
    assert cache.deepest_zoom_at(*NAWARAT_BRIDGE) == 16 and cache.deepest_zoom_at(*NAWARAT_BRIDGE, zmax=14) == 14
    # The tile server unreachable: the fetcher pauses, and the cap applies even before the console says offline.
    simulator.set_offline(True)
    x, y = tile_of(*OMKOI, 14)
    assert service.tile(14, x, y) is None
    assert service.zoom_cap_at(98.95, 18.82, offline=False) == 12
    assert TileService(cache, None).zoom_cap_at(*NAWARAT_BRIDGE) == 16  # no tile source at all


def test_cached_in_returns_xyz(cache: TileCache) -> None:
    cache.put(12, 3200, 1850, b"\x89PNG\r\n\x1a\nA")
    cache.put(12, 3201, 1851, b"\x89PNG\r\n\x1a\nB")
    cache.put(13, 6400, 3700, b"\x89PNG\r\n\x1a\nC")
    assert cache.cached_in(12, 3190, 3210, 1840, 1860) == {(3200, 1850), (3201, 1851)}
    assert cache.cached_in(12, 3201, 3210, 1840, 1860) == {(3201, 1851)}
