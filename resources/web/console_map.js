/* The console map app: keeps each layer's features by id, applies the bridge's messages (maps/bridge_protocol.py)
 * and draws on one canvas. Depends on console_map_style.js, console_map_canvas.js, console_map_controls.js.
 *
 * Nothing here turns data into HTML: texts reach the screen through fillText (canvas), textContent (controls) and
 * DOM nodes given to Leaflet tooltips. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});
  const draw = CM.draw;

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

  const app = {
    map: null,
    bridge: null,
    ready: false,
    language: 'th',
    strings: {},
    layers: {},
    window: { start: null, end: null, hours: null },
    polygon: null, // [[lon, lat], ...] incidents are filtered to it
    areaName: null, // the saved name of that area, shown as text (null: drawn, not saved)
    selected: null, // {layer, id}
    timing: {},
    counters: { messages: 0, sets: 0, diffs: 0, reindex: 0 },
    clusterCount: 0,

    t: function (key) { return CM.str(this.strings, this.language, key); },

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
        if (old && a && b && a[0] === b[0] && a[1] === b[1] && sameTime && this.passes(name, f) === this.passes(name, old)) {
          old.properties = f.properties || {}; // same object stays in the index: no re-index needed
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
      const fmt = function (ms) { return ms === null ? '…' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '); };
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

    drawAll: function (ctx, toPoint, bounds, zoom, items, labels) {
      const pad = bounds.pad(0.1);
      const inView = function (c) { return pad.contains([c[1], c[0]]); };
      const L_ = this.layers;
      if (L_.districts.visible) this.drawDistricts(ctx, toPoint, items, labels);
      if (L_.hotspots.visible && !L_.hotspots.heat) this.drawHotspots(ctx, toPoint, inView, items);
      if (L_.river.visible) this.drawRiver(ctx, toPoint, inView, items, labels);
      if (L_.air.visible) this.drawAir(ctx, toPoint, inView, items, labels);
      this.clusterCount = 0;
      if (L_.incidents.visible && !L_.incidents.heat) this.drawIncidents(ctx, toPoint, pad, zoom, items, labels);
      this.drawSelection(ctx, toPoint);
    },

    drawDistricts: function (ctx, toPoint, items, labels) {
      for (const f of this.layers.districts.features.values()) {
        const p = f.properties || {};
        let c = coords(f);
        if (!c && Array.isArray(p.centroid)) c = [Number(p.centroid[0]), Number(p.centroid[1])];
        if (!c || !Number.isFinite(c[0])) continue;
        const pt = toPoint(c[1], c[0]);
        const name = this.language === 'en' ? (p.name || p.name_th) : (p.name_th || p.name);
        if (name === undefined || name === null) continue;
        draw.text(ctx, labels, name, pt.x, pt.y, { font: '12px sans-serif', colour: '#303f9f' });
        items.push({ x: pt.x, y: pt.y, r: 8, layer: 'districts', id: f.id, feature: f });
      }
    },

    drawHotspots: function (ctx, toPoint, inView, items) {
      for (const f of this.layers.hotspots.shown) {
        const c = coords(f);
        if (!inView(c)) continue;
        const p = f.properties || {};
        const conf = CM.hotspotConfidence(p.confidence);
        const r = conf === 'high' ? 5 : conf === 'nominal' ? 4 : 3;
        const pt = toPoint(c[1], c[0]);
        draw.circle(ctx, pt.x, pt.y, r, CM.HOTSPOT_AGE_COLOURS[p.age_band] || CM.HOTSPOT_AGE_COLOURS['5d'],
                    '#400000', 0.5, conf === 'low' ? 0.45 : 0.9);
        items.push({ x: pt.x, y: pt.y, r: r, layer: 'hotspots', id: f.id, feature: f });
      }
    },

    drawRiver: function (ctx, toPoint, inView, items, labels) {
      for (const f of this.layers.river.shown) {
        const c = coords(f);
        if (!inView(c)) continue;
        const p = f.properties || {};
        const pt = toPoint(c[1], c[0]);
        draw.square(ctx, pt.x, pt.y, 7, CM.RIVER_COLOURS[CM.riverLevel(p)]);
        const level = CM.num(p.level_m);
        const text = (Number.isFinite(level) ? level.toFixed(2) + ' m ' : '') + CM.trendArrow(p);
        if (text) draw.text(ctx, labels, text, pt.x + 11, pt.y, { align: 'left', font: 'bold 12px sans-serif' });
        const name = this.language === 'en' ? (p.name_en || p.name) : p.name;
        if (typeof name === 'string') draw.text(ctx, labels, name, pt.x, pt.y + 15, { font: '11px sans-serif' });
        items.push({ x: pt.x, y: pt.y, r: 8, layer: 'river', id: f.id, feature: f });
      }
    },

    drawAir: function (ctx, toPoint, inView, items, labels) {
      for (const f of this.layers.air.shown) {
        const c = coords(f);
        if (!inView(c)) continue;
        const p = f.properties || {};
        const pt = toPoint(c[1], c[0]);
        draw.circle(ctx, pt.x, pt.y, 12, CM.AQI_COLOURS[p.band] || '#bdbdbd', '#333333', 1);
        const aqi = CM.num(p.aqi);
        draw.text(ctx, labels, Number.isFinite(aqi) ? String(Math.round(aqi)) : '–', pt.x, pt.y,
                  { font: 'bold 11px sans-serif', halo: false });
        items.push({ x: pt.x, y: pt.y, r: 12, layer: 'air', id: f.id, feature: f });
      }
    },

    drawIncidents: function (ctx, toPoint, pad, zoom, items, labels) {
      const layer = this.layers.incidents;
      if (!layer.index) return;
      const bbox = [Math.max(-180, pad.getWest()), Math.max(-85, pad.getSouth()),
                    Math.min(180, pad.getEast()), Math.min(85, pad.getNorth())];
      const found = layer.index.getClusters(bbox, Math.round(zoom));
      for (const f of found) {
        const c = f.geometry.coordinates;
        const pt = toPoint(c[1], c[0]);
        const p = f.properties || {};
        if (p.cluster) {
          const n = p.point_count;
          const r = n < 10 ? 13 : n < 100 ? 16 : n < 1000 ? 20 : n < 10000 ? 24 : 28;
          draw.circle(ctx, pt.x, pt.y, r, n < 100 ? '#4f8fd8' : n < 1000 ? '#f0a030' : '#e0533d', '#ffffff', 3, 0.88);
          draw.text(ctx, labels, String(n), pt.x, pt.y, { font: 'bold 12px sans-serif', halo: false, colour: '#ffffff' });
          items.push({ x: pt.x, y: pt.y, r: r, layer: 'incidents', cluster: p.cluster_id, count: n });
          this.clusterCount += 1;
        } else {
          const closed = CM.isClosed(p);
          if (p.major === true) {
            // A major incident: a larger marker with a dark double ring and its child count.
            draw.circle(ctx, pt.x, pt.y, 12, CM.incidentColour(p), CM.MAJOR_RING, 4, closed ? 0.6 : 1);
            draw.circle(ctx, pt.x, pt.y, 15, 'rgba(0,0,0,0)', CM.MAJOR_RING, 1.5);
            draw.text(ctx, labels, '★' + (CM.num(p.children) > 0 ? String(CM.num(p.children)) : ''), pt.x, pt.y,
                      { font: 'bold 11px sans-serif', halo: false, colour: '#ffffff' });
            items.push({ x: pt.x, y: pt.y, r: 15, layer: 'incidents', id: f.id, feature: f });
            continue;
          }
          draw.circle(ctx, pt.x, pt.y, 7, CM.incidentColour(p), p.sla_breached ? '#000000' : '#ffffff',
                      p.sla_breached ? 3 : 1.5, closed ? 0.6 : 1);
          items.push({ x: pt.x, y: pt.y, r: 7, layer: 'incidents', id: f.id, feature: f });
        }
      }
    },

    drawSelection: function (ctx, toPoint) {
      const sel = this.selected;
      if (!sel) return;
      const f = this.layers[sel.layer] && this.layers[sel.layer].features.get(sel.id);
      const c = coords(f);
      if (!c) return;
      const pt = toPoint(c[1], c[0]);
      draw.circle(ctx, pt.x, pt.y, 15, 'rgba(0,0,0,0)', '#00e5ff', 3);
    },

    select: function (name, id) {
      if (id === null || id === undefined || !this.layers[name]) { this.selected = null; this.render(); return; }
      this.selected = { layer: name, id: String(id) };
      const c = coords(this.layers[name].features.get(String(id)));
      if (c) this.map.setView([c[1], c[0]], Math.max(this.map.getZoom(), name === 'incidents' ? 15 : 11));
      this.render();
    },

    /* A tooltip made of text nodes: one line per (label, value). */
    tooltipFor: function (item) {
      const box = document.createElement('div');
      box.className = 'console-tooltip';
      const line = function (text, cls) {
        if (text === undefined || text === null || text === '') return;
        const d = document.createElement('div');
        if (cls) d.className = cls;
        d.textContent = String(text);
        box.appendChild(d);
      };
      if (item.cluster !== undefined) { line(String(item.count), 'console-tooltip-title'); return box; }
      const p = item.feature.properties || {};
      if (item.layer === 'incidents') {
        line(p.title, 'console-tooltip-title');
        line(p.category);
        line([p.priority, p.state || p.status].filter(Boolean).join(' · '));
        if (p.major === true) line(this.t('tooltip.major') + ' · ' + this.t('tooltip.children') + ' ' +
                                   String(CM.num(p.children) || 0), 'console-tooltip-title');
        if (typeof p.parent === 'string' && p.parent) line(this.t('tooltip.parent') + ' #' + p.parent);
        line(p.description);
      } else if (item.layer === 'air') {
        line(p.name, 'console-tooltip-title');
        line('AQI ' + (p.aqi === undefined ? '–' : p.aqi) + ' · PM2.5 ' + (p.pm25 === undefined ? '–' : p.pm25));
      } else if (item.layer === 'river') {
        line(p.name, 'console-tooltip-title');
        line(p.situation);
      } else if (item.layer === 'hotspots') {
        line((p.source || '') + ' · ' + (p.confidence === undefined ? '' : p.confidence), 'console-tooltip-title');
        line(p.time);
      } else if (item.layer === 'districts') {
        line(p.name_th, 'console-tooltip-title');
        line(p.name);
      }
      return box;
    },
  };
  CM.app = app;

  for (const name of CM.LAYERS) {
    app.layers[name] = { features: new Map(), shown: [], shownCount: 0, visible: true, heat: false, meta: {}, index: null };
  }

  CM.insidePolygon = insidePolygon;
})();
