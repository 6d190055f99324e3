"""Messages from the page are validated before any signal fires; everything else is logged and ignored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from maps.bridge import MapBridge


@pytest.fixture
def bridge(qapp: Any) -> MapBridge:
    return MapBridge()


def received(bridge: MapBridge, text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    bridge.sig_received.connect(out.append)
    bridge.post(text)
    return out


@pytest.mark.parametrize("text", [
    "not json", "[]", '"ready"', '{"type": "nope"}', '{"type": "feature.clicked", "layer": "x", "id": "1"}',
    '{"type": "feature.clicked", "layer": "incidents", "id": {"a": 1}}',
    '{"type": "map.contextmenu", "lat": "18", "lon": 98}', '{"type": "map.contextmenu", "lat": 95, "lon": 98}',
    '{"type": "map.contextmenu", "lat": NaN, "lon": 98}',
    '{"type": "polygon.drawn", "coordinates": [[1, 2]]}', '{"type": "layer.toggled", "layer": "air", "visible": 1}',
    '{"type": "view.changed", "bbox": [1, 2, 3], "zoom": 3}', '{"type": "reply", "id": "1", "result": 1}',
])
def test_invalid_messages_are_ignored(bridge: MapBridge, text: str) -> None:
    assert received(bridge, text) == []
    assert bridge.rejected == 1


def test_valid_messages_are_normalised(bridge: MapBridge) -> None:
    assert received(bridge, json.dumps({"type": "feature.clicked", "layer": "incidents", "id": 12})) == [
        {"type": "feature.clicked", "layer": "incidents", "id": "12"}]
    ring = [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8]]
    assert received(bridge, json.dumps({"type": "polygon.drawn", "coordinates": ring, "extra": "<b>"})) == [
        {"type": "polygon.drawn", "coordinates": ring}]
    assert bridge.rejected == 0
