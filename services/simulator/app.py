"""The simulator's Flask app: one blueprint per feed, the control routes, and the fault middleware around it all."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from services.simulator import (
    air_quality,
    alert_routes,
    control_routes,
    fires,
    media_routes,
    open311_routes,
    river,
    tile_routes,
)
from services.simulator.air_quality import AirQualityModel
from services.simulator.alert_board import AlertBoard
from services.simulator.clock import SimClock
from services.simulator.fault_middleware import FaultMiddleware
from services.simulator.faults import FaultBoard
from services.simulator.fires import FireModel
from services.simulator.incidents import IncidentStore
from services.simulator.river import RiverModel

# URL prefix of each feed: a feed client's base URL is ``<server url><prefix>``.
FEED_PREFIXES: dict[str, str] = {
    "air4thai": "/air4thai",
    "firms": "/firms",
    "thaiwater": "/thaiwater",
    "open311": "/open311/v2",
    "tiles": "/tiles",
}


def create_app(
    *,
    clock: SimClock,
    faults: FaultBoard,
    air: AirQualityModel,
    fire: FireModel,
    water: RiverModel,
    incidents: IncidentStore,
    map_keys: frozenset[str],
    stopping: Callable[[], threading.Event],
    alerts: AlertBoard | None = None,
) -> FaultMiddleware:
    """Build the WSGI app: Flask with every blueprint, wrapped in the fault middleware."""
    app = Flask("services.simulator")
    app.json.sort_keys = False  # keep the field order the real services use  # type: ignore[attr-defined]
    app.register_blueprint(air_quality.make_blueprint(air, clock))
    app.register_blueprint(fires.make_blueprint(fire, clock, map_keys))
    app.register_blueprint(river.make_blueprint(water, clock))
    app.register_blueprint(open311_routes.make_blueprint(incidents))
    app.register_blueprint(media_routes.make_blueprint(incidents))
    app.register_blueprint(alert_routes.make_blueprint(alerts or AlertBoard(), incidents))  # the alerts extension
    app.register_blueprint(tile_routes.make_blueprint())
    app.register_blueprint(control_routes.make_blueprint(faults, clock, incidents))
    return FaultMiddleware(app.wsgi_app, faults, stopping)
