"""Whole-layer reads for the map: every located incident, recent hotspots with their ids, boundary features.

The map receives layers whole on first load and as diffs afterwards (services.map_layers computes the diff), so
these queries return everything that belongs on the map rather than pages.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from services.records import BoundaryFeature, ServiceAttribute, ServiceDefinition
from services.store.rows import INCIDENT_ROW_COLUMNS, IncidentRow, MapHotspot
from services.store.schema import incidents, to_unix

_INCIDENT_COLUMNS = [incidents.c[name] for name in INCIDENT_ROW_COLUMNS]


def incidents_for_map(engine: Engine, *, limit: int = 1_000_000) -> list[IncidentRow]:
    """Incidents that have a location, newest first (at most ``limit``: the map's own capacity). Major incidents
    carry their child count and children their major incident's feature id (one read of the few 'parent' links)."""
    query = (select(*_INCIDENT_COLUMNS).where(incidents.c.lat.is_not(None), incidents.c.lon.is_not(None))
             .order_by(incidents.c.updated_at.desc(), incidents.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        rows = [IncidentRow(*row) for row in conn.execute(query)]
        links = conn.exec_driver_sql(
            "SELECT l.incident_id, l.other_id, coalesce(p.server_id, 'local-' || p.id) FROM incident_links AS l "
            "JOIN incidents AS p ON p.id = l.incident_id WHERE l.kind = 'parent'").all()
    if not links:
        return rows
    children: dict[int, int] = {}
    parents: dict[int, str] = {}
    for parent, child, parent_ref in links:
        children[parent] = children.get(parent, 0) + 1
        parents[child] = parent_ref
    return [replace(r, children=children.get(r.id, 0), parent_ref=parents.get(r.id))
            if r.id in children or r.id in parents else r for r in rows]


def hotspots_for_map(engine: Engine, since: datetime, *, limit: int = 200_000) -> list[MapHotspot]:
    """Detections acquired since ``since`` with their row ids (stable map feature ids), newest first."""
    sql = ("SELECT id, source, satellite, lat, lon, acquired_at, confidence_text, confidence_pct, frp, daynight "
           "FROM fire_hotspots WHERE acquired_at >= ? ORDER BY acquired_at DESC, id DESC LIMIT ?")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (to_unix(since), int(limit))).all()
    return [MapHotspot(id=r[0], source=r[1], satellite=r[2], lat=r[3], lon=r[4],
                       acquired_at=datetime.fromtimestamp(r[5], UTC),
                       confidence=r[6] if r[6] is not None else r[7], frp=r[8], daynight=r[9]) for r in rows]


def boundary_features(engine: Engine, layer: str) -> list[BoundaryFeature]:
    """Every feature of an imported boundary layer (empty until the deployment imports one)."""
    sql = ("SELECT feature_id, name, name_th, geometry_type, geometry_json, properties_json FROM boundaries "
           "WHERE layer = ? ORDER BY feature_id")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (layer,)).all()
    return [BoundaryFeature(id=r[0], name=r[1], name_th=r[2], geometry_type=r[3], geometry=json.loads(r[4]),
                            properties=json.loads(r[5])) for r in rows]


def service_definitions(engine: Engine) -> list[ServiceDefinition]:
    """The Open311 service list (incident categories) as last synced, by name, each with its attributes (sorted by
    ``order``; None when the service's definition was never fetched)."""
    sql = ("SELECT service_code, service_name, description, metadata, type, keywords, group_, attributes_json "
           "FROM services ORDER BY 2")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql).all()
    return [ServiceDefinition(service_code=r[0], service_name=r[1], description=r[2], metadata=bool(r[3]), type=r[4],
                              keywords=tuple(k.strip() for k in (r[5] or "").split(",") if k.strip()), group=r[6],
                              attributes=_attributes(r[7]))
            for r in rows]


def _attributes(text: str | None) -> tuple[ServiceAttribute, ...] | None:
    if text is None:
        return None
    attributes = (ServiceAttribute.from_json(item) for item in json.loads(text))
    return tuple(sorted(attributes, key=lambda a: (a.order, a.code)))


def incident_id_for_server_id(engine: Engine, server_id: str) -> int | None:
    """The local id of the incident the backend knows as ``server_id``."""
    with engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT id FROM incidents WHERE server_id = ?", (server_id,)).scalar()
    return int(found) if found is not None else None
