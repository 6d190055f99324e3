"""The map's data refresh, Qt-free: load the layers asked for from the store and diff each against what the page
already has, so a refresh travels as ``layer.diff`` (add / update / remove by id) after the first ``layer.set``.

Runs on the database worker (the console imports this module there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services import map_layers
from services.map_layers import diff_layer

if TYPE_CHECKING:
    from services.store.store import Store

MAP_HOTSPOT_WINDOW = timedelta(days=5)

Feature = dict[str, Any]


def load_map_layers(store: Store, layers: Iterable[str]) -> dict[str, list[Feature]]:
    """The named map layers as GeoJSON features. Only what is asked is queried: an air-quality poll does not reload
    every incident."""
    now = datetime.now(UTC)
    builders: dict[str, Callable[[], list[Feature]]] = {
        "incidents": lambda: map_layers.incident_features(store.incidents_for_map(), now),
        "air": lambda: map_layers.air_features(store.latest_air()),
        "hotspots": lambda: map_layers.hotspot_features(store.hotspots_for_map(now - MAP_HOTSPOT_WINDOW), now),
        "river": lambda: map_layers.river_features(store.latest_river()),
        "districts": lambda: map_layers.district_features(store.boundary_features("districts")),
    }
    wanted = set(layers)
    return {name: build() for name, build in builders.items() if name in wanted}


@dataclass(frozen=True, slots=True)
class MapRefresh:
    """New layer contents (id → feature) and what to send: a whole layer the first time, diffs afterwards."""

    layers: dict[str, dict[str, Feature]]
    sets: dict[str, list[Feature]]
    diffs: dict[str, Any]  # layer -> services.map_layers.LayerDiff (non-empty only)


def refresh_map(store: Store, sent: dict[str, dict[str, Feature]], layers: Iterable[str]) -> MapRefresh:
    """Load ``layers`` and diff each against what the page already has (``sent`` is never mutated: the UI thread
    replaces it whole, so reading it here is safe)."""
    loaded, sets, diffs = {}, {}, {}
    for name, features in load_map_layers(store, layers).items():
        loaded[name] = {f["id"]: f for f in features}
        previous = sent.get(name)
        if previous is None:
            sets[name] = features
        else:
            diff = diff_layer(previous, features)
            if not diff.empty:
                diffs[name] = diff
    return MapRefresh(loaded, sets, diffs)

