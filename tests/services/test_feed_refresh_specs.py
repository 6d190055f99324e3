"""Each feed's spec names what its data refreshes (FeedSpec.map_layers, .overview and .charts), feeds added in the
settings too; the overview loads only the parts asked for (services.overview)."""

from __future__ import annotations

from maps.bridge_protocol import LAYERS
from services.overview import OVERVIEW_PARTS, OverviewSnapshot, load_overview
from services.settings import Settings
from services.store.store import Store
from services.sync.feed_catalog import CHART_PARTS, build_catalog
from tests.services.store.conftest import air, river

ENDPOINTS = {"air4thai": "http://x/air4thai", "firms": "http://x/firms", "thaiwater": "http://x/thaiwater",
             "open311": "http://x/open311/v2"}


def test_every_feed_names_what_it_refreshes_and_an_added_firms_source_refreshes_hotspots() -> None:
    settings = Settings.model_validate({"endpoints": ENDPOINTS, "air4thai_history_stations": ["35t"],
                                        "firms_sources": ["VIIRS_SNPP_NRT", "VIIRS_NOAA21_NRT", "MODIS_NRT"]})
    specs = {spec.name: spec for spec in build_catalog(settings)}
    refreshes = {name: (spec.map_layers, spec.overview) for name, spec in specs.items()}
    assert refreshes == {
        "air4thai": (("air",), ("air", "counts")),
        "air4thai_history": ((), ("air",)),  # hourly values: the air table's sparklines, not the map
        "thaiwater": (("river",), ("river", "counts")),
        "thaiwater_history": ((), ("river",)),  # history: the river table's sparklines and trend, not the map
        "firms_viirs_snpp_nrt": (("hotspots",), ("counts",)),
        "firms_viirs_noaa21_nrt": (("hotspots",), ("counts",)),
        "firms_modis_nrt": (("hotspots",), ("counts",)),
        "open311_services": ((), ()),
        "open311_requests": (("incidents",), ("counts",)),
        "open311_updates": ((), ()),  # timelines only: incident_timelines below
        "open311_alerts": ((), ()),  # the Alerts dock reloads on its poll (console.alert_controller)
    }
    assert [name for name, spec in specs.items() if spec.incident_timelines] == ["open311_updates"]
    assert {name: spec.charts for name, spec in specs.items()} == {
        "air4thai": ("air",), "air4thai_history": ("air",), "thaiwater": ("river",), "thaiwater_history": ("river",),
        "firms_viirs_snpp_nrt": ("hotspots",), "firms_viirs_noaa21_nrt": ("hotspots",),
        "firms_modis_nrt": ("hotspots",), "open311_services": (), "open311_requests": ("incidents",),
        "open311_updates": ("incidents",), "open311_alerts": ()}
    assert {part for spec in specs.values() for part in spec.charts} == set(CHART_PARTS)
    named = {layer for spec in specs.values() for layer in spec.map_layers}
    # Every data layer the page has but the imported boundaries and the alerts (drawn after each read of the alerts,
    # which follows an evaluation, not a feed).
    assert named == set(LAYERS) - {"districts", "alerts"}
    assert {part for spec in specs.values() for part in spec.overview} == set(OVERVIEW_PARTS)


def test_the_overview_loads_only_the_parts_asked_for(store: Store) -> None:
    store.ingest_air([air("35t", 0, lat=18.84, lon=98.97), air("36t", 0, lat=18.79, lon=98.99)])
    store.ingest_river([river("P.1", 0, 2.5, lat=18.78, lon=99.0)])
    only_air = load_overview(store, ("air",))
    assert sorted(r.code for r in only_air.air) == ["35t", "36t"]
    assert only_air.river is None and only_air.counts is None
    only_river = load_overview(store, ("river",))
    assert only_river.air is None and [r.code for r in only_river.river] == ["P.1"]
    totals = load_overview(store, ("counts",))  # the totals count the stations, so both tables come too
    assert totals.counts is not None and totals.counts["air_stations"] == 2 and totals.counts["river_stations"] == 1
    assert totals.air is not None and totals.river is not None
    assert load_overview(store, ()) == OverviewSnapshot()  # nothing asked, nothing loaded
