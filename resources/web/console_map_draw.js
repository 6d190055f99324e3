/* Drawing of the console map's layers on the canvases of console_map_canvas.js: the methods of ConsoleMap.app
 * that turn each layer's shown features into markers, labels and hit-test items. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});
  const draw = CM.draw;
  const clusters = CM.clusters;
  const coords = CM.coords;
  const NO_RANK = clusters.NO_RANK;
  const DENSE_P1 = 1500; // open P1 markers in view above which overlapping ones are not stamped twice
  const DENSE_CELL = 14; // px: under two thirds of a P1 marker's width

  Object.assign(CM.app, {
    /* Draw order, bottom to top: districts, hotspots, air quality, incident clusters and markers (open P1 last) on
     * the data pane; alert rings, river gauges with their labels and the selection on the river pane above it. */
    drawAll: function (ctxs, toPoint, bounds, zoom, items, labels) {
      const pad = bounds.pad(0.1);
      const inView = function (c) { return pad.contains([c[1], c[0]]); };
      const L_ = this.layers;
      const ctx = ctxs.data;
      if (L_.districts.visible) this.drawDistricts(ctx, toPoint, items, labels);
      if (L_.hotspots.visible && !L_.hotspots.heat) this.drawHotspots(ctx, toPoint, inView, items);
      if (L_.air.visible) this.drawAir(ctx, toPoint, inView, items, labels);
      this.clusterCount = 0;
      if (L_.incidents.visible && !L_.incidents.heat) this.drawIncidents(ctx, toPoint, pad, zoom, items, labels, inView);
      // Alert rings round stations and gauges: above the hotspots and incidents (so a ring is never lost under a
      // dense patch of them), under the gauges and their labels. Their clicks and tooltips are Leaflet's
      // (console_map_alerts.js); this copy is only drawn.
      if (L_.alerts.visible && this.drawAlertRings) this.drawAlertRings(ctxs.river, toPoint, inView);
      if (L_.river.visible) this.drawRiver(ctxs.river, toPoint, inView, items, labels);
      this.drawSelection(ctxs.river, toPoint);
    },

    drawDistricts: function (ctx, toPoint, items, labels) {
      for (const f of this.layers.districts.features.values()) {
        const p = f.properties || {};
        let c = coords(f);
        if (!c && Array.isArray(p.centroid)) c = [Number(p.centroid[0]), Number(p.centroid[1])];
        if (!c || !Number.isFinite(c[0])) continue;
        const pt = toPoint(c[1], c[0]);
        const name = this.districtName(p);
        if (!name) continue;
        draw.text(ctx, labels, name, pt.x, pt.y, { font: '12px sans-serif', colour: '#303f9f' });
        items.push({ x: pt.x, y: pt.y, r: 8, layer: 'districts', id: f.id, feature: f });
      }
    },

    districtName: function (p) {
      const name = this.language === 'en' ? (p.name || p.name_th) : (p.name_th || p.name);
      return typeof name === 'string' ? name : '';
    },

    drawHotspots: function (ctx, toPoint, inView, items) {
      for (const f of this.layers.hotspots.shown) {
        const c = coords(f);
        if (!inView(c)) continue;
        const p = f.properties || {};
        const age = CM.HOTSPOT_AGE_COLOURS[p.age_band] ? p.age_band : '5d';
        const m = CM.hotspotMarker(age, CM.hotspotConfidence(p.confidence));
        const pt = toPoint(c[1], c[0]);
        CM.stamp(ctx, m.sprite, pt.x, pt.y);
        items.push({ x: pt.x, y: pt.y, r: m.r, layer: 'hotspots', id: f.id, feature: f });
      }
    },

    riverBand: function (p) {
      const band = this.style.river[p.band] || this.style.river.unknown;
      return band || { band: 'unknown', colour: CM.UNKNOWN_COLOUR, text: '#000000', glyph: '?' };
    },

    /* Gauges least severe first, in three passes (markers, names, then levels and band words), so the worst
     * gauge's level and band word are drawn last, on top of every other label. */
    drawRiver: function (ctx, toPoint, inView, items, labels) {
      const shown = [];
      for (const f of this.layers.river.shown) {
        const c = coords(f);
        if (!inView(c)) continue;
        const p = f.properties || {};
        shown.push({ f: f, p: p, pt: toPoint(c[1], c[0]), band: this.riverBand(p) });
      }
      shown.sort(function (a, b) { return (a.band.severity || 0) - (b.band.severity || 0); });
      for (const g of shown) {
        const m = CM.riverMarker(g.band);
        CM.stamp(ctx, m.sprite, g.pt.x, g.pt.y);
        items.push({ x: g.pt.x, y: g.pt.y, r: m.r + 2, layer: 'river', id: g.f.id, feature: g.f });
      }
      for (const g of shown) {
        const name = this.language === 'en' ? (g.p.name_en || g.p.name) : g.p.name;
        // Names and levels sit on a light plate: a cluster or hotspot under them never cuts through the figures.
        if (typeof name === 'string') {
          draw.text(ctx, labels, name, g.pt.x, g.pt.y + 19, { font: '11px sans-serif', box: CM.LABEL_PLATE });
        }
      }
      for (const g of shown) {
        const level = CM.num(g.p.level_m);
        const text = (Number.isFinite(level) ? level.toFixed(2) + ' m ' : '') + CM.trendArrow(g.p);
        if (text) {
          draw.text(ctx, labels, text, g.pt.x + 13, g.pt.y,
                    { align: 'left', font: 'bold 12px sans-serif', box: CM.LABEL_PLATE });
        }
        if (g.band.severity >= 3) {
          // High, bank-full and flooding say so in words on the map, on their band colour.
          draw.text(ctx, labels, this.bandLabel(g.band), g.pt.x + 13, g.pt.y - 15,
                    { align: 'left', font: 'bold 11px sans-serif', box: g.band.colour, colour: g.band.text });
        }
      }
    },

    aqiBand: function (p) {
      return this.style.aqi[p.band] || null;
    },

    drawAir: function (ctx, toPoint, inView, items, labels) {
      for (const f of this.layers.air.shown) {
        const c = coords(f);
        if (!inView(c)) continue;
        const p = f.properties || {};
        const pt = toPoint(c[1], c[0]);
        const aqi = CM.num(p.aqi);
        CM.drawAqi(ctx, labels, pt.x, pt.y, Number.isFinite(aqi) ? String(Math.round(aqi)) : '–', this.aqiBand(p));
        items.push({ x: pt.x, y: pt.y, r: 12, layer: 'air', id: f.id, feature: f });
      }
    },

    ensureAggregates: function () {
      const layer = this.layers.incidents;
      if (!layer.aggregates && layer.index) {
        const t0 = performance.now();
        layer.aggregates = clusters.aggregate(layer.index);
        this.timing.aggregate_ms = performance.now() - t0;
        this.counters.aggregates = (this.counters.aggregates || 0) + 1;
      }
      return layer.aggregates;
    },

    drawIncidents: function (ctx, toPoint, pad, zoom, items, labels, inView) {
      const layer = this.layers.incidents;
      if (!layer.index) return;
      const agg = this.ensureAggregates();
      const bbox = [Math.max(-180, pad.getWest()), Math.max(-85, pad.getSouth()),
                    Math.min(180, pad.getEast()), Math.min(85, pad.getNorth())];
      const found = layer.index.getClusters(bbox, Math.round(zoom));
      const singles = [];
      for (const f of found) {
        const p = f.properties || {};
        if (!p.cluster) {
          if (!CM.isOpenP1(p)) singles.push(f); // open P1s are drawn after everything else
          continue;
        }
        const a = clusters.of(agg, p.cluster_id);
        const count = a ? a.count : p.point_count;
        if (count === 0) continue; // only open P1s: they have their own markers
        if (count === 1 && a) { singles.push(layer.index.points[a.single]); continue; }
        const c = f.geometry.coordinates;
        const pt = toPoint(c[1], c[0]);
        const worst = a ? a.worst : NO_RANK;
        const breached = a ? a.breached : 0;
        const r = CM.drawCluster(ctx, labels, pt.x, pt.y, count, worst, breached > 0);
        items.push({ x: pt.x, y: pt.y, r: r, layer: 'incidents', cluster: p.cluster_id, count: count, worst: worst,
                     breached: breached });
        this.clusterCount += 1;
      }
      const self = this;
      const marker = function (f) {
        const c = coords(f);
        if (!c) return;
        const pt = toPoint(c[1], c[0]);
        const p = f.properties || {};
        const m = CM.incidentMarker(p);
        CM.stamp(ctx, m.sprite, pt.x, pt.y, CM.isClosed(p) ? 0.6 : 1);
        if (p.major === true) labels.push('★' + (CM.num(p.children) > 0 ? String(CM.num(p.children)) : ''));
        items.push({ x: pt.x, y: pt.y, r: m.r, layer: 'incidents', id: f.id, feature: f });
      };
      // Closed first, then the lower priorities, so the urgent ones end on top.
      singles.sort(function (a, b) { return clusters.rank(b.properties || {}) - clusters.rank(a.properties || {}); });
      for (const f of singles) marker(f);
      const p1 = [];
      const w = pad.getWest(), e = pad.getEast(), so = pad.getSouth(), no = pad.getNorth();
      for (const f of agg.openP1) {
        const c = f.geometry.coordinates; // the index holds only features with finite coordinates
        if (c[0] >= w && c[0] <= e && c[1] >= so && c[1] <= no) p1.push(f);
      }
      if (p1.length <= DENSE_P1) {
        for (const f of p1) marker(f);
      } else {
        this.drawDenseP1(ctx, p1, items);
      }
      self.timing.open_p1 = p1.length;
    },

    /* Thousands of open P1 incidents in view (a test load, a province-wide disaster): each is still its own
     * hit-test item and keeps its marker, but one marker per few pixels is stamped (the others would be covered by
     * it anyway). */
    drawDenseP1: function (ctx, features, items) {
      const seen = new Set();
      const plain = CM.incidentMarker({ priority: 'P1', status: 'open' });
      const breached = CM.incidentMarker({ priority: 'P1', status: 'open', sla_breached: true });
      // Web Mercator by hand (Leaflet's per-point projection is most of the cost here): world pixels at this zoom,
      // less the world pixel of the container's top-left corner.
      const map = this.map;
      const zoom = map.getZoom();
      const size = 256 * Math.pow(2, zoom);
      const origin = map.project(map.containerPointToLatLng([0, 0]), zoom);
      for (const f of features) {
        const c = f.geometry.coordinates;
        const sin = Math.sin(c[1] * Math.PI / 180);
        const x = (0.5 + c[0] / 360) * size - origin.x;
        const y = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size - origin.y;
        const m = (f.properties || {}).sla_breached === true ? breached : plain;
        items.push({ x: x, y: y, r: m.r, layer: 'incidents', id: f.id, feature: f });
        const cell = Math.round(x / DENSE_CELL) * 100000 + Math.round(y / DENSE_CELL);
        if (seen.has(cell)) continue;
        seen.add(cell);
        CM.stamp(ctx, m.sprite, x, y);
      }
    },

    drawSelection: function (ctx, toPoint) {
      const sel = this.selected;
      if (!sel) return;
      const f = this.layers[sel.layer] && this.layers[sel.layer].features.get(sel.id);
      const c = coords(f);
      if (!c) return;
      const pt = toPoint(c[1], c[0]);
      draw.circle(ctx, pt.x, pt.y, 17, 'rgba(0,0,0,0)', '#00e5ff', 3);
    },
  });
})();
