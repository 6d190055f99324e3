/* The console map app: keeps each layer's features by id, filters them (time window, drawn area), keeps the incident
 * cluster index and applies the bridge's messages (maps/bridge_protocol.py). Depends on console_map_style.js,
 * console_map_canvas.js, console_map_controls.js, console_map_clusters.js and console_map_tooltips.js;
 * console_map_draw.js adds the drawing of each layer.
 *
 * Nothing here turns data into HTML: texts reach the screen through fillText (canvas), textContent (controls) and
 * DOM nodes given to Leaflet tooltips. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  function timeOf(f) {
    const t = f.properties && f.properties.time;
    if (typeof t !== 'string') return NaN;
    return Date.parse(t);
  }

  function coords(f) {
    const g = f && f.geometry;
    if (!g || g.type !== 'Point' || !Array.isArray(g.coordinates)) return null;
    const lon = Number(g.coordinates[0]);
    const lat = Number(g.coordinates[1]);
    return Number.isFinite(lat) && Number.isFinite(lon) ? [lon, lat] : null;
  }

  /* PNPOLY, each edge computed from its lower end (so polygons sharing an edge split the points on it exactly).
   * services/point_in_polygon.py runs the same arithmetic for the incident queue: keep the two identical. */
  function insidePolygon(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      let xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (yi > yj) { const x = xi, y = yi; xi = xj; yi = yj; xj = x; yj = y; }
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  const clusters = CM.clusters;

  const app = {
    map: null,
    bridge: null,
    ready: false,
    language: 'th',
    strings: {},
    style: { aqi: {}, river: {} }, // band → {colour, text, label_th, label_en, ...} from the `style` message
    layers: {},
    window: { start: null, end: null, hours: null },
    polygon: null, // [[lon, lat], ...] incidents are filtered to it
    areaName: null, // the saved name of that area, shown as text (null: drawn, not saved)
    selected: null, // {layer, id}
    timing: {},
    counters: { messages: 0, sets: 0, diffs: 0, reindex: 0 },
    clusterCount: 0,

    t: function (key) {
      const text = CM.str(this.strings, this.language, key);
      return text === null ? key : text;
    },

    /* The word for a code (state.on_scene, source.hotline, confidence.high), or null when there is none. */
    word: function (key) { return CM.str(this.strings, this.language, key); },

    setStyle: function (style) {
      const aqi = {}, river = {};
      for (const b of Array.isArray(style.aqi) ? style.aqi : []) if (b && typeof b.colour === 'string') aqi[b.band] = b;
      for (const b of Array.isArray(style.river) ? style.river : []) if (b && typeof b.colour === 'string') river[b.band] = b;
      for (const b of Array.isArray(style.alert) ? style.alert : []) {
        if (b && typeof b.colour === 'string' && CM.ALERT_LOOK[b.severity]) CM.ALERT_LOOK[b.severity].colour = b.colour;
      }
      this.style = { aqi: aqi, river: river };
      if (this.rebuildAlerts) this.rebuildAlerts(true);
      if (this.panel) this.panel.rebuildLegends();
    },

    bandLabel: function (band) {
      if (!band) return '';
      const text = this.language === 'en' ? band.label_en : band.label_th;
      return typeof text === 'string' ? text : '';
    },

    formatTime: function (value) { return CM.formatTime(value, this.language); },

    number: function (value, decimals, unitKey) {
      const v = CM.num(value);
      if (!Number.isFinite(v)) return '–';
      return v.toFixed(decimals) + (unitKey ? ' ' + this.t(unitKey) : '');
    },

    post: function (message) {
      if (this.bridge) this.bridge.post(JSON.stringify(message));
    },

    /* -- layer data ------------------------------------------------------------------------------------- */

    passes: function (name, f) {
      if (CM.DATA_LAYERS.indexOf(name) >= 0 && (this.window.start !== null || this.window.end !== null)) {
        const t = timeOf(f);
        if (Number.isFinite(t)) {
          if (this.window.start !== null && t < this.window.start) return false;
          if (this.window.end !== null && t > this.window.end) return false;
        }
      }
      if (name === 'incidents' && this.polygon) {
        const c = coords(f);
        if (!c || !insidePolygon(c[0], c[1], this.polygon)) return false;
      }
      return true;
    },

    /* Recompute a layer's filtered list (and the incidents' cluster index). */
    rebuild: function (name) {
      const layer = this.layers[name];
      if (name === 'alerts') { this.rebuildAlerts(false); return; } // console_map_alerts.js: Leaflet outlines
      const shown = [];
      for (const f of layer.features.values()) if (coords(f) && this.passes(name, f)) shown.push(f);
      layer.shown = shown;
      layer.shownCount = name === 'districts' ? layer.features.size : shown.length;
      if (name === 'incidents') {
        const t0 = performance.now();
        // Leaves of the index are the feature objects themselves, so property updates need no re-index.
        layer.index = new Supercluster({ radius: 60, maxZoom: 14, minPoints: 2 }).load(shown);
        this.timing.index_ms = performance.now() - t0;
        this.counters.reindex += 1;
        layer.aggregates = null;
      }
      if (name === 'districts') this.rebuildDistrictShapes();
      if (layer.heat) this.rebuildHeat(name);
    },

    rebuildDistrictShapes: function () {
      const layer = this.layers.districts;
      if (layer.shapes) { this.map.removeLayer(layer.shapes); layer.shapes = null; }
      const polys = [];
      for (const f of layer.features.values()) {
        const g = f.geometry;
        if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon')) polys.push({ type: 'Feature', geometry: g, properties: {} });
      }
      if (polys.length) {
        layer.shapes = L.geoJSON(polys, { interactive: false,
          style: { color: '#5c6bc0', weight: 1.5, fillColor: '#5c6bc0', fillOpacity: 0.04 } });
        if (layer.visible) layer.shapes.addTo(this.map);
      }
      // The outline box stands in for the province until real boundaries are imported.
      if (this.provinceBox) {
        if (!polys.length && layer.visible) this.provinceBox.addTo(this.map);
        else this.map.removeLayer(this.provinceBox);
      }
    },

    rebuildHeat: function (name) {
      const layer = this.layers[name];
      if (layer.heatLayer) { this.map.removeLayer(layer.heatLayer); layer.heatLayer = null; }
      if (!layer.heat || !layer.visible) return;
      const pts = [];
      for (const f of layer.shown) {
        const c = coords(f);
        const frp = CM.num(f.properties && f.properties.frp);
        pts.push([c[1], c[0], name === 'hotspots' && Number.isFinite(frp) ? Math.min(1, 0.3 + frp / 50) : 0.6]);
      }
      layer.heatLayer = L.heatLayer(pts, { radius: 18, blur: 15, maxZoom: 13 }).addTo(this.map);
    },

    setLayer: function (name, features) {
      const layer = this.layers[name];
      layer.features = new Map();
      for (const f of features) {
        if (f && f.id !== undefined && f.id !== null) layer.features.set(String(f.id), f);
      }
      this.counters.sets += 1;
      this.rebuild(name);
    },

    diffLayer: function (name, add, update, remove) {
      const layer = this.layers[name];
      let structural = remove.length > 0 || add.length > 0;
      for (const id of remove) layer.features.delete(String(id));
      for (const f of add) if (f && f.id !== undefined && f.id !== null) layer.features.set(String(f.id), f);
      for (const f of update) {
        if (!f || f.id === undefined || f.id === null) continue;
        const id = String(f.id);
        const old = layer.features.get(id);
        const a = coords(old);
        const b = coords(f);
        const sameTime = old && (old.properties || {}).time === (f.properties || {}).time;
        if (name !== 'alerts' && old && a && b && a[0] === b[0] && a[1] === b[1] && sameTime && this.passes(name, f) === this.passes(name, old)) {
          const props = f.properties || {};
          if (name === 'incidents' && clusters.propsDiffer(old.properties || {}, props)) layer.aggregates = null;
          old.properties = props; // same object stays in the index: no re-index needed
        } else {
          layer.features.set(id, f);
          structural = true;
        }
      }
      this.counters.diffs += 1;
      if (structural) this.rebuild(name);
      else if (layer.heat) this.rebuildHeat(name);
    },

    setVisible: function (name, visible, fromUser) {
      const layer = this.layers[name];
      layer.visible = !!visible;
      if (name === 'districts') this.rebuildDistrictShapes();
      if (name === 'alerts') this.showAlerts();
      if (layer.heat) this.rebuildHeat(name);
      this.render();
      if (fromUser) this.post({ type: 'layer.toggled', layer: name, visible: layer.visible });
    },

    setHeatmap: function (name, on) {
      if (CM.HEAT_LAYERS.indexOf(name) < 0) return;
      const layer = this.layers[name];
      layer.heat = !!on;
      this.rebuildHeat(name);
      this.render();
    },

    setWindow: function (start, end, hours) {
      this.window = { start: start, end: end, hours: hours === undefined ? 'custom' : hours };
      for (const name of CM.DATA_LAYERS) this.rebuild(name);
      this.render();
    },

    /* The slider's "last N hours" ends at the newest data time (the simulator's clock may differ from ours). */
    setSliderHours: function (hours) {
      if (hours === null) { this.setWindow(null, null, null); return; }
      let newest = -Infinity;
      for (const name of CM.DATA_LAYERS) {
        for (const f of this.layers[name].features.values()) {
          const t = timeOf(f);
          if (t > newest) newest = t;
        }
      }
      if (!Number.isFinite(newest)) newest = Date.now();
      this.setWindow(newest - hours * 3600e3, null, hours);
    },

    timeWindowText: function () {
      const w = this.window;
      if (w.hours === null) return this.t('time.all');
      if (typeof w.hours === 'number') return w.hours + ' ' + this.t('time.hours');
      const self = this;
      const fmt = function (ms) { return ms === null ? '…' : self.formatTime(ms); };
      return this.t('time.custom') + ': ' + fmt(w.start) + ' – ' + fmt(w.end);
    },

    /* The incident area filter as the console says (a saved area re-applied, the one kept from the last run, or
     * none): drawn in the same layer group as the operator's own polygon, which it replaces. */
    setArea: function (ring, name) {
      const valid = Array.isArray(ring) && ring.length >= 3 && ring.every(function (p) {
        return Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
      });
      if (ring !== null && !valid) throw new Error('area.set: coordinates must be at least 3 [lon, lat] pairs');
      this.polygon = valid ? ring.map(function (p) { return [p[0], p[1]]; }) : null;
      this.areaName = valid && typeof name === 'string' ? name : null;
      if (this.drawn) {
        this.drawn.clearLayers();
        if (this.polygon) {
          const style = (L.Draw && L.Draw.Polygon && L.Draw.Polygon.prototype.options.shapeOptions) || {};
          const shape = L.polygon(this.polygon.map(function (p) { return [p[1], p[0]]; }), style);
          if (this.areaName) {
            const label = document.createElement('div');
            label.textContent = this.areaName; // the operator's text: never parsed as HTML
            shape.bindTooltip(label, { sticky: true });
          }
          this.drawn.addLayer(shape);
        }
      }
      this.rebuild('incidents');
    },

    /* -- drawing ---------------------------------------------------------------------------------------- */

    render: function () {
      if (!this.canvas) return 0;
      const ms = this.canvas.redraw();
      this.timing.render_ms = ms;
      if (this.panel) this.panel.refresh();
      return ms;
    },

    select: function (name, id, maxZoom) {
      if (id === null || id === undefined || !this.layers[name]) { this.selected = null; this.render(); return; }
      this.selected = { layer: name, id: String(id) };
      const c = coords(this.layers[name].features.get(String(id)));
      let target = name === 'incidents' ? 15 : 11;
      if (Number.isFinite(maxZoom)) target = Math.min(target, maxZoom);
      if (c) this.map.setView([c[1], c[0]], Math.max(this.map.getZoom(), target));
      this.render();
    },

    /* The hover text of a drawn item (console_map_tooltips.js): a DOM node of text lines, never HTML. */
    tooltipFor: function (item) { return CM.tooltipFor(this, item); },
  };
  CM.app = app;

  for (const name of CM.LAYERS) {
    app.layers[name] = { features: new Map(), shown: [], shownCount: 0, visible: true, heat: false, meta: {}, index: null };
  }

  CM.insidePolygon = insidePolygon;
  CM.coords = coords;
})();
