/* The alerts layer of the console map: each open or acknowledged alert outlined where it is (issue 13).
 *
 * - a station or gauge alert: a ring round the station's marker (a fixed size in pixels, outside the marker);
 * - a district alert: the district's outline; a named drawn area: its outline; a landmark: the circle of its rule's
 *   radius (and a district whose boundary is not imported yet: a circle round its centroid).
 *
 * The shapes are Leaflet vector layers on the map's own canvas renderer, in the overlay pane: under the data
 * markers (which stay on top and readable), never filled (so they hide nothing), and hit only on their line (a
 * click inside a district or a landmark's circle still reaches the hotspot or station there). Each severity has its
 * colour (the console's, from the `style` message), weight and dash (CM.ALERT_LOOK) over a dark casing; the critical
 * ones are drawn last, on top; acknowledged ones are fainter. The tooltip is built from text nodes in the page's
 * language; a click on a line posts `feature.clicked` {layer: 'alerts', id}.
 *
 * The layer changes by id: a `layer.diff` touches only the shapes of the alerts it names. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});
  const app = CM.app;

  /* Circles (metres or pixels) hit on their line only, not on the disc they enclose. */
  function ringHit(p) {
    const d = p.distanceTo(this._point);
    return Math.abs(d - this._radius) <= this.options.weight / 2 + this._clickTolerance() + 2;
  }
  CM.AlertRing = L.CircleMarker.extend({ _containsPoint: ringHit });
  CM.AlertCircle = L.Circle.extend({ _containsPoint: ringHit });
  // Leaflet hit-tests a polygon's inside even unfilled: only its edges here (the polyline test, closed).
  CM.AlertOutline = L.Polygon.extend({
    _containsPoint: function (p) { return L.Polyline.prototype._containsPoint.call(this, p, true); },
  });

  function lookOf(p) {
    return CM.ALERT_LOOK[p.severity] || CM.ALERT_LOOK.info;
  }

  /* The keys of a feature that change its drawing (the tooltip is built when it opens). */
  function drawKey(f) {
    const p = f.properties || {};
    return JSON.stringify([f.geometry, p.shape, p.radius_m, p.severity, p.state]);
  }

  function pathOptions(p, casing) {
    const look = lookOf(p);
    const faint = p.state === 'acknowledged';
    return {
      color: casing ? CM.ALERT_CASING : look.colour,
      weight: casing ? look.weight + 2 : look.weight,
      opacity: casing ? (faint ? 0.3 : 0.55) : (faint ? 0.6 : 1),
      dashArray: look.dash,
      lineCap: look.dash ? 'butt' : 'round',
      fill: false,
      interactive: !casing,
      bubblingMouseEvents: false, // a click on an alert's line is that alert's, not the map's
    };
  }

  function makePath(f, casing) {
    const p = f.properties || {};
    const g = f.geometry || {};
    const opts = pathOptions(p, casing);
    if (g.type === 'Polygon') return new CM.AlertOutline(L.GeoJSON.coordsToLatLngs(g.coordinates, 1), opts);
    if (g.type === 'MultiPolygon') return new CM.AlertOutline(L.GeoJSON.coordsToLatLngs(g.coordinates, 2), opts);
    if (g.type !== 'Point' || !Array.isArray(g.coordinates)) return null;
    const lon = Number(g.coordinates[0]);
    const lat = Number(g.coordinates[1]);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
    const metres = CM.num(p.radius_m);
    if (p.shape === 'circle' && Number.isFinite(metres) && metres > 0) {
      return new CM.AlertCircle([lat, lon], Object.assign({ radius: metres }, opts));
    }
    return new CM.AlertRing([lat, lon], Object.assign({ radius: lookOf(p).ring }, opts));
  }

  /* The hover text: severity and rule, the place, the message, the state and since when; text nodes only. */
  CM.alertTooltip = function (a, p) {
    const tip = CM.tooltipBox();
    const box = tip.box;
    const line = tip.line;
    const en = a.language === 'en';
    const pick = function (th, enText) {
      const text = en ? (enText || th) : (th || enText);
      return typeof text === 'string' ? text : '';
    };
    const severity = a.word('severity.' + p.severity);
    line((severity ? severity + ' · ' : '') + pick(p.rule_th, p.rule_en),
         p.severity === 'critical' ? 'console-tooltip-title console-tooltip-alert' : 'console-tooltip-title');
    line(pick(p.scope_th, p.scope_en));
    const message = pick(p.message_th, p.message_en);
    line(message.length > 280 ? message.slice(0, 279) + '…' : message, 'console-tooltip-text');
    const state = a.word('alert_state.' + p.state) || '';
    const times = CM.num(p.occurrences) > 1 ? ' · ' + Math.round(CM.num(p.occurrences)) + ' ' + a.t('tooltip.alert_times') : '';
    line(state + ' · ' + a.t('tooltip.alert_since') + ' ' + a.formatTime(p.time) + times);
    return box;
  };

  Object.assign(app, {
    alertShapes: new Map(), // id -> {key, group (casing + line), line}
    alertGroup: null,

    /* Bring the shapes in step with the layer's features (by id); `restyle` redraws every one (new colours). */
    rebuildAlerts: function (restyle) {
      const layer = this.layers.alerts;
      if (!this.map) return;
      if (!this.alertGroup) {
        this.alertGroup = L.layerGroup();
        if (layer.visible) this.alertGroup.addTo(this.map);
      }
      const seen = new Set();
      let changed = false;
      for (const [id, f] of layer.features) {
        seen.add(id);
        const key = drawKey(f);
        const old = this.alertShapes.get(id);
        if (old && old.key === key && !restyle) { old.feature = f; continue; }
        if (old) this.alertGroup.removeLayer(old.group);
        const line = makePath(f, false);
        const casing = makePath(f, true);
        if (!line) { this.alertShapes.delete(id); continue; }
        const group = L.layerGroup([casing, line]);
        const entry = { key: key, group: group, line: line, feature: f };
        const self = this;
        line.bindTooltip(function () { return CM.alertTooltip(self, (entry.feature.properties || {})); },
                         { sticky: true, direction: 'top', className: 'console-tooltip-box' });
        line.on('click', function () { self.post({ type: 'feature.clicked', layer: 'alerts', id: id }); });
        this.alertGroup.addLayer(group);
        this.alertShapes.set(id, entry);
        changed = true;
      }
      for (const id of Array.from(this.alertShapes.keys())) {
        if (seen.has(id)) continue;
        this.alertGroup.removeLayer(this.alertShapes.get(id).group);
        this.alertShapes.delete(id);
        changed = true;
      }
      if (changed) this.orderAlerts();
      layer.shown = Array.from(layer.features.values());
      layer.shownCount = this.alertShapes.size;
    },

    /* Least severe first, so the critical lines are drawn last, on top (a canvas renderer draws in order). */
    orderAlerts: function () {
      if (!this.alertGroup || !this.map || !this.map.hasLayer(this.alertGroup)) return;
      const rank = { info: 0, warning: 1, critical: 2 };
      const entries = Array.from(this.alertShapes.values());
      entries.sort(function (x, y) {
        const a = x.feature.properties || {}, b = y.feature.properties || {};
        return (rank[a.severity] || 0) - (rank[b.severity] || 0) || (a.alert_id || 0) - (b.alert_id || 0);
      });
      for (const e of entries) e.group.eachLayer(function (l) { if (l.bringToFront) l.bringToFront(); });
    },

    /* The rings round stations and gauges, drawn again on the canvas above the data markers (see drawAll), least
     * severe first; the Leaflet ring under them keeps the hit-testing and the tooltip. */
    drawAlertRings: function (ctx, toPoint, inView) {
      const rank = { info: 0, warning: 1, critical: 2 };
      const rings = [];
      for (const e of this.alertShapes.values()) {
        const p = e.feature.properties || {};
        if (p.shape !== 'ring' || !e.line.getLatLng) continue;
        const ll = e.line.getLatLng();
        if (!inView([ll.lng, ll.lat])) continue;
        rings.push({ p: p, pt: toPoint(ll.lat, ll.lng) });
      }
      rings.sort(function (a, b) { return (rank[a.p.severity] || 0) - (rank[b.p.severity] || 0); });
      for (const r of rings) {
        const look = lookOf(r.p);
        const faint = r.p.state === 'acknowledged';
        ctx.beginPath();
        ctx.arc(r.pt.x, r.pt.y, look.ring, 0, 2 * Math.PI);
        ctx.setLineDash(look.dash ? look.dash.split(' ').map(Number) : []);
        ctx.lineWidth = look.weight + 2;
        ctx.strokeStyle = CM.ALERT_CASING;
        ctx.globalAlpha = faint ? 0.3 : 0.55;
        ctx.stroke();
        ctx.lineWidth = look.weight;
        ctx.strokeStyle = look.colour;
        ctx.globalAlpha = faint ? 0.6 : 1;
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      this.counters.alertRings = rings.length;
    },

    showAlerts: function () {
      if (!this.alertGroup) return;
      if (this.layers.alerts.visible) {
        if (!this.map.hasLayer(this.alertGroup)) { this.alertGroup.addTo(this.map); this.orderAlerts(); }
      } else if (this.map.hasLayer(this.alertGroup)) {
        this.map.removeLayer(this.alertGroup);
      }
    },

    /* Tests: what the layer draws, per alert id. */
    alertState: function () {
      const out = {};
      const map = this.map;
      for (const [id, e] of this.alertShapes) {
        const o = e.line.options;
        const p = e.feature.properties || {};
        let centre = null;
        if (e.line.getLatLng) {
          const c = map.latLngToContainerPoint(e.line.getLatLng());
          centre = [c.x, c.y];
        }
        out[id] = { shape: p.shape, severity: p.severity, state: p.state, colour: o.color, weight: o.weight,
                    dash: o.dashArray || null, opacity: o.opacity, fill: !!o.fill,
                    radius_px: e.line._radius === undefined ? null : e.line._radius, centre: centre,
                    on_map: map.hasLayer(e.line),
                    tooltip: CM.alertTooltip(this, p).textContent };
      }
      // The canvas renderer's drawing order, bottom to top (the alert lines in it).
      const byLine = new Map();
      for (const [id, e] of this.alertShapes) byLine.set(e.line, id);
      const order = [];
      const first = this.alertShapes.size ? this.alertShapes.values().next().value.line._renderer : null;
      for (let o = first && first._drawFirst; o; o = o.next) if (byLine.has(o.layer)) order.push(byLine.get(o.layer));
      return { visible: !!(this.alertGroup && map.hasLayer(this.alertGroup)), shapes: out, order: order };
    },
  });
})();
