"""The one QWebChannel object between the console and the map page, and validation of what the page sends.

The page is not trusted more than the data it shows: every incoming message is parsed and checked against
``maps/bridge_protocol.py`` before any signal fires; anything else is logged and ignored.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from maps.bridge_protocol import FROM_PAGE, LAYERS
from services.log_values import capped

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5_000_000  # a drawn polygon or a query reply; nothing legitimate comes near this


class InvalidMessage(ValueError):
    """A message from the page that does not follow the protocol."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidMessage(f"{name} is not a finite number")
    return float(value)


def _layer(value: Any) -> str:
    if value not in LAYERS:
        raise InvalidMessage(f"unknown layer {value!r}")
    return value


def _ring(value: Any) -> list[list[float]]:
    if not isinstance(value, list) or len(value) < 3:
        raise InvalidMessage("coordinates must be a list of at least 3 [lon, lat] pairs")
    ring = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidMessage("each coordinate must be [lon, lat]")
        ring.append([_number(pair[0], "lon"), _number(pair[1], "lat")])
    return ring


def validate(message: Any) -> dict[str, Any]:
    """The message with its fields checked and normalised; raises :class:`InvalidMessage`."""
    if not isinstance(message, dict):
        raise InvalidMessage("a message must be a JSON object")
    kind = message.get("type")
    if kind not in FROM_PAGE:
        raise InvalidMessage(f"unknown message type {kind!r}")
    if kind == "feature.clicked":
        fid = message.get("id")
        if not isinstance(fid, str | int) or isinstance(fid, bool):
            raise InvalidMessage("feature id must be a string or an integer")
        return {"type": kind, "layer": _layer(message.get("layer")), "id": str(fid)}
    if kind == "map.contextmenu":
        lat, lon = _number(message.get("lat"), "lat"), _number(message.get("lon"), "lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidMessage("coordinates out of range")
        return {"type": kind, "lat": lat, "lon": lon}
    if kind == "polygon.drawn":
        return {"type": kind, "coordinates": _ring(message.get("coordinates"))}
    if kind == "layer.toggled":
        visible = message.get("visible")
        if not isinstance(visible, bool):
            raise InvalidMessage("visible must be a boolean")
        return {"type": kind, "layer": _layer(message.get("layer")), "visible": visible}
    if kind == "view.changed":
        bbox = message.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise InvalidMessage("bbox must be [west, south, east, north]")
        zoom = message.get("zoom")
        if not isinstance(zoom, int) or isinstance(zoom, bool):
            raise InvalidMessage("zoom must be an integer")
        return {"type": kind, "bbox": [_number(v, "bbox") for v in bbox], "zoom": zoom}
    if kind == "reply":
        if not isinstance(message.get("id"), int):
            raise InvalidMessage("reply id must be an integer")
        return {"type": kind, "id": message["id"], "result": message.get("result")}
    if kind in ("error", "log"):
        text = message.get("message")
        if not isinstance(text, str):
            raise InvalidMessage("message must be a string")
        level = message.get("level", "error" if kind == "error" else "info")
        return {"type": kind, "message": text[:2000], "level": level if isinstance(level, str) else "info"}
    return {"type": kind}  # ready, polygon.cleared: no fields


class MapBridge(QObject):
    """Registered on the page's QWebChannel as ``bridge`` (``MAP_BRIDGE_OBJECT``)."""

    sig_message = Signal(str)
    """One JSON message for the page (console → page)."""

    sig_received = Signal(object)
    """A validated message from the page (a dict with ``type``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rejected = 0  # messages that failed validation, for tests and the log

    @Slot(str)
    def post(self, text: str) -> None:
        """The page's only entry point: one JSON message (page → console)."""
        try:
            if len(text) > MAX_MESSAGE_CHARS:
                raise InvalidMessage(f"message of {len(text)} characters")
            message = validate(json.loads(text))
        except (InvalidMessage, ValueError, TypeError) as exc:
            self.rejected += 1
            logger.warning("ignored a message from the map page: %s", capped(exc))
            return
        self.sig_received.emit(message)
