"""The message protocol between the console and the map page (one QWebChannel object, JSON strings both ways).

The page is built once; after that every change travels as one of these messages. Every text value (names,
descriptions, labels, attributions) is DATA: the page shows it with ``textContent`` / Leaflet's text APIs, never as
HTML, so hostile text in an incident description cannot run script or break the page.

Transport
- The page loads ``qwebchannel.js`` and finds the object ``bridge`` (``MAP_BRIDGE_OBJECT``).
- Console → page: the Qt signal ``bridge.sig_message(str)`` carries one JSON object per emit.
- Page → console: the slot ``bridge.post(str)`` takes one JSON object per call.
- Messages sent before the page says ``ready`` are queued in order and flushed on ``ready``; messages that arrive
  after teardown are dropped.

Console → page (``type``)
- ``layer.set``      {layer, features: [GeoJSON Feature]}      replace a layer's data (features carry ``id``)
- ``layer.diff``     {layer, add: [Feature], update: [Feature], remove: [id]}   change by id, no rebuild
- ``layer.meta``     {layer, title, count, source, last_success (ISO UTC or null), age_s, cadence_s, freshness,
                     failing (bool: the latest poll failed)} for the layer control's count and freshness badge
                     (green only when fresh and not failing; amber when late or failing; red when stale)
- ``layer.visible``  {layer, visible: bool}
- ``layer.heatmap``  {layer, on: bool}                          heatmap mode (incidents, hotspots)
- ``time.window``    {start: ISO UTC | null, end: ISO UTC | null}   filter data layers by feature ``time``
- ``select``         {layer, id | null, max_zoom?}              highlight one feature (and pan to it); an automatic
                     zoom-in stops at ``max_zoom`` (offline: the deepest basemap zoom saved at the feature)
- ``view.fit``       {bbox: [west, south, east, north]}
- ``area.set``       {coordinates: [[lon, lat], ...] | null, name: text | null}   draw the incident area filter (a
                     saved area re-applied, or the one kept from the last run) and filter incidents to it; null
                     clears it. The page does not answer with ``polygon.drawn`` / ``polygon.cleared``: those are the
                     operator's own drawing only. The name is shown as text on the polygon's tooltip
- ``basemap``        {url: template, attribution: text, max_zoom}  tile source; an unreachable basemap leaves the
                     data layers on a plain background
- ``language``       {language: "th" | "en", strings: {key: text}}  labels for the in-page controls, and the words
                     of codes the features carry (``state.<workflow state>``, ``source.<source>``), handed over by
                     the console from the words its tables use; and the alerts' words (``severity.<severity>``,
                     ``alert_state.<state>``) as the Alerts dock says them
- ``style``          {aqi: [{band, colour, text, min, max, label_th, label_en}], river: [{band, colour, text, glyph,
                     label_th, label_en, severity}], alert: [{severity, colour}]}  the Thai AQI and river band
                     scales and the alert severity colours (maps/page_style.py, from services/feeds/thai_aqi.py,
                     services/river_status.py and widgets/alert_words.py); MapView sends it first on every load
- ``query``          {id, what: "state" | "dom_text" | "timing" | "shown" ...} the page answers with ``reply``
                     (tests, benchmarks; ``shown`` {layer}: the ids of the layer's features that pass its filters)

Page → console (``type``)
- ``ready``            {}                                        page loaded, bridge connected
- ``feature.clicked``  {layer, id}
- ``map.contextmenu``  {lat, lon}                                "new incident here"
- ``polygon.drawn``    {coordinates: [[lon, lat], ...]}          filter incidents inside it
- ``polygon.cleared``  {}
- ``layer.toggled``    {layer, visible}
- ``view.changed``     {bbox: [w, s, e, n], zoom}
- ``reply``            {id, result}
- ``error``            {message}                                 page-side failures, logged by the console
- ``log``              {level, message}

Layers (``layer`` values) and their feature ``properties``
- ``incidents``  id, title, description, category, priority ("P1".."P4"), status, state, sla_breached (bool),
                 expected (the SLA target, ISO UTC or null), time, district (code), source (code), pending (bool),
                 major (bool: a major incident, drawn larger with its child count), children (int), parent (the
                 feature id of a child's major incident, or ""). Clusters take the colour of their most urgent
                 member and a ring when any is past its SLA; open P1 incidents are never clustered
- ``air``        id (station code), name, pm25, aqi, band (1..5), time
- ``hotspots``   id, source, confidence, frp, time, age_band ("24h" | "48h" | "5d")
- ``river``      id (station code), name, name_en, level_m, bank_diff_m, bank_full_m, flood_m, trend_m, situation,
                 band (services/river_status.py: unknown | low | normal | high | bank_full | flooding), time
- ``districts``  id, name, name_th (polygons when imported; points at centroids until then)
- ``alerts``     id (the alert id as text), alert_id, severity (info | warning | critical), state (open |
                 acknowledged), kind, scope_kind, scope_key, shape ("ring": a Point, the station's or gauge's marker
                 is ringed; "circle": a Point with radius_m; "outline": a Polygon or MultiPolygon), rule_th, rule_en,
                 scope_th, scope_en, message_th, message_en (text, shown as text), occurrences, time (first_at),
                 last. Not filtered by the time window; drawn under the data markers, the critical on top, each
                 severity with its own weight and dash; a click sends ``feature.clicked`` {layer: "alerts", id}
All ``time`` values are ISO 8601 UTC strings ending in ``Z``.
"""

from __future__ import annotations

MAP_BRIDGE_OBJECT = "bridge"
SCHEME = b"pao"
APP_HOST = "app"  # pao://app/... page, scripts, styles
TILE_HOST = "tiles"  # pao://tiles/{z}/{x}/{y}.png

LAYERS = ("incidents", "air", "hotspots", "river", "districts", "alerts")
TO_PAGE = ("layer.set", "layer.diff", "layer.meta", "layer.visible", "layer.heatmap", "time.window", "select",
           "view.fit", "area.set", "basemap", "language", "style", "query")
FROM_PAGE = ("ready", "feature.clicked", "map.contextmenu", "polygon.drawn", "polygon.cleared", "layer.toggled",
             "view.changed", "reply", "error", "log")
