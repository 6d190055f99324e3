/* Wires the console map app to Leaflet events and to the QWebChannel bridge, and answers `query`.
 * Loaded last; folium's page calls ConsoleMap.start(map) once the Leaflet map exists. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});
  const app = CM.app;

  function logError(message) {
    try { app.post({ type: 'error', message: String(message).slice(0, 2000) }); } catch (e) { /* bridge gone */ }
  }

  const handlers = {
    'layer.set': function (m) { app.setLayer(m.layer, Array.isArray(m.features) ? m.features : []); },
    'layer.diff': function (m) {
      app.diffLayer(m.layer, Array.isArray(m.add) ? m.add : [], Array.isArray(m.update) ? m.update : [],
                    Array.isArray(m.remove) ? m.remove : []);
    },
    'layer.meta': function (m) { app.layers[m.layer].meta = m; },
    'layer.visible': function (m) { app.setVisible(m.layer, m.visible, false); },
    'layer.heatmap': function (m) { app.setHeatmap(m.layer, m.on); },
    'time.window': function (m) {
      const start = typeof m.start === 'string' ? Date.parse(m.start) : null;
      const end = typeof m.end === 'string' ? Date.parse(m.end) : null;
      app.setWindow(Number.isFinite(start) ? start : null, Number.isFinite(end) ? end : null,
                    start === null && end === null ? null : 'custom');
      if (app.panel) app.panel.setSliderIndex(start === null && end === null ? CM.TIME_STEPS.length - 1 : 0);
    },
    'select': function (m) { app.select(m.layer, m.id, Number.isFinite(m.max_zoom) ? m.max_zoom : null); },
    'area.set': function (m) { app.setArea(m.coordinates === null ? null : m.coordinates, m.name); },
    'view.fit': function (m) {
      const b = m.bbox;
      if (Array.isArray(b) && b.length === 4 && b.every(Number.isFinite)) app.map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    },
    'basemap': function (m) {
      if (typeof m.url !== 'string' || m.url.indexOf('pao://tiles/') !== 0) {
        logError('basemap refused: only pao://tiles/ URLs are allowed');
        return;
      }
      if (app.tiles) app.map.removeLayer(app.tiles);
      const maxZoom = Number.isFinite(m.max_zoom) ? m.max_zoom : 18;
      app.tiles = L.tileLayer(m.url, { maxZoom: maxZoom, maxNativeZoom: maxZoom }).addTo(app.map);
      app.tiles.on('tileerror', function () { app.counters.tileErrors = (app.counters.tileErrors || 0) + 1; });
      app.tiles.on('tileload', function () { app.counters.tilesLoaded = (app.counters.tilesLoaded || 0) + 1; });
      app.attribution.setText(m.attribution);
    },
    'style': function (m) { app.setStyle(m); },
    'language': function (m) {
      app.language = m.language === 'en' ? 'en' : 'th';
      app.strings = m.strings && typeof m.strings === 'object' ? m.strings : {};
      document.documentElement.lang = app.language;
      if (app.panel) app.panel.rebuildLegends();
    },
    'query': function (m) {
      Promise.resolve(answer(m.what, m)).then(
        function (result) { app.post({ type: 'reply', id: m.id, result: result }); },
        function (err) { app.post({ type: 'reply', id: m.id, result: { error: String(err) } }); });
      return true; // no re-render for a query
    },
  };
  const NO_RENDER = { 'query': true, 'layer.meta': false };

  function receive(text) {
    const t0 = performance.now();
    let m;
    try { m = JSON.parse(text); } catch (e) { logError('bad JSON from the console'); return; }
    const tParsed = performance.now();
    app.counters.messages += 1;
    const handler = m && handlers[m.type];
    if (!handler) { logError('unknown message type'); return; }
    if (m.layer !== undefined && CM.LAYERS.indexOf(m.layer) < 0) { logError('unknown layer'); return; }
    try {
      handler(m);
      if (NO_RENDER[m.type]) return;
      const tApplied = performance.now();
      const renderMs = app.render();
      const timing = { type: m.type, parse_ms: tParsed - t0, apply_ms: tApplied - tParsed, render_ms: renderMs,
                       total_ms: performance.now() - t0 };
      app.timing.last = timing;
      if (m.type === 'layer.set' || m.type === 'layer.diff') {
        app.timing[m.type] = timing;
        // The frame after the canvas draw is when it reaches the screen.
        requestAnimationFrame(function () { timing.paint_ms = performance.now() - t0; });
      }
    } catch (e) {
      logError((m.type || '?') + ': ' + (e && e.stack ? e.stack : e));
    }
  }

  function controlText() {
    const out = [];
    for (const node of app.map.getContainer().querySelectorAll('.leaflet-control')) out.push(node.textContent);
    return out.join('\n');
  }

  function state() {
    const layers = {};
    for (const name of CM.LAYERS) {
      const l = app.layers[name];
      layers[name] = { count: l.features.size, shown: l.shownCount, visible: l.visible, heat: l.heat,
                       heat_points: l.heatLayer ? l.heatLayer._latlngs.length : 0,
                       drawn: app.canvas.items.filter(function (it) { return it.layer === name; }).length };
    }
    return {
      ready: app.ready, zoom: app.map.getZoom(), clusters: app.clusterCount, layers: layers,
      polygon: app.polygon, area_name: app.areaName, window: app.window, counters: app.counters,
      province_box: !!(app.provinceBox && app.map.hasLayer(app.provinceBox)),
      district_shapes: !!(app.layers.districts.shapes && app.map.hasLayer(app.layers.districts.shapes)),
      tiles: !!app.tiles, selected: app.selected,
      background: getComputedStyle(app.map.getContainer()).backgroundColor,
      panes: { data: Number(app.map.getPane('consoleData').style.zIndex),
               river: Number(app.map.getPane('consoleRiver').style.zIndex) },
      open_p1: app.layers.incidents.aggregates ? app.layers.incidents.aggregates.openP1.length : 0,
      alerts: app.alertState(),
      scale: Array.from(app.map.getContainer().querySelectorAll('.leaflet-control-scale-line'))
        .map(function (n) { return n.textContent; }),
    };
  }

  /* Benchmarks: a zoom step redrawn and painted, measured in-page. */
  function benchZoom(m) {
    return new Promise(function (resolve) {
      const t0 = performance.now();
      app.map.once('moveend', function () {
        const drawn = performance.now() - t0;
        requestAnimationFrame(function () {
          resolve({ redraw_ms: drawn, paint_ms: performance.now() - t0, zoom: app.map.getZoom(), clusters: app.clusterCount });
        });
      });
      app.map.setZoom(Number.isFinite(m.zoom) ? m.zoom : app.map.getZoom() + 1, { animate: false });
    });
  }

  /* Benchmarks: the median interval between animation frames (the unit a redraw is paid in). */
  function benchFrame() {
    return new Promise(function (resolve) {
      const stamps = [];
      function tick(t) {
        stamps.push(t);
        if (stamps.length < 12) { requestAnimationFrame(tick); return; }
        const gaps = stamps.slice(1).map(function (v, i) { return v - stamps[i]; }).sort(function (a, b) { return a - b; });
        resolve({ frame_ms: gaps[Math.floor(gaps.length / 2)] });
      }
      requestAnimationFrame(tick);
    });
  }

  function answer(what, m) {
    if (what === 'bench.frame') return benchFrame();
    if (what === 'state') return state();
    if (what === 'dom_text') return { controls: controlText(), labels: app.canvas.labels.slice(0, 5000) };
    if (what === 'timing') return app.timing;
    if (what === 'paint') {
      return new Promise(function (resolve) { requestAnimationFrame(function () { resolve(app.timing); }); });
    }
    if (what === 'bench.zoom') return benchZoom(m);
    if (what === 'shown') {
      const layer = app.layers[m.layer];
      return layer ? layer.shown.map(function (f) { return String(f.id); }) : { error: 'unknown layer' };
    }
    return { error: 'unknown query' };
  }

  function wireMap(map) {
    map.on('click', function (e) {
      const item = app.canvas.hit(e.containerPoint);
      if (!item) return;
      if (item.cluster !== undefined) {
        const z = app.layers.incidents.index.getClusterExpansionZoom(item.cluster);
        map.setView(e.latlng, Math.min(z, map.getMaxZoom() || 18));
        return;
      }
      app.post({ type: 'feature.clicked', layer: item.layer, id: String(item.id) });
    });
    map.on('contextmenu', function (e) {
      app.post({ type: 'map.contextmenu', lat: e.latlng.lat, lon: e.latlng.lng });
    });
    map.on('moveend', function () {
      const b = map.getBounds();
      app.post({ type: 'view.changed', bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: Math.round(map.getZoom()) });
    });
    let tooltip = null;
    map.on('mousemove', function (e) {
      const item = app.canvas.hit(e.containerPoint);
      map.getContainer().style.cursor = item ? 'pointer' : '';
      if (!item) { if (tooltip) { map.removeLayer(tooltip); tooltip = null; } return; }
      if (!tooltip) tooltip = L.tooltip({ direction: 'top', offset: [0, -8], className: 'console-tooltip-box' });
      tooltip.setLatLng(e.latlng).setContent(app.tooltipFor(item)); // a DOM node: never parsed as HTML
      if (!map.hasLayer(tooltip)) tooltip.addTo(map);
    });

    // Polygon drawing: one polygon at a time filters the incidents.
    const drawn = new L.FeatureGroup().addTo(map);
    app.drawn = drawn;
    map.addControl(new L.Control.Draw({
      position: 'topleft',
      draw: { polygon: { allowIntersection: false, showArea: false }, polyline: false, rectangle: false,
              circle: false, marker: false, circlemarker: false },
      edit: { featureGroup: drawn, edit: false, remove: true },
    }));
    map.on('draw:created', function (e) {
      drawn.clearLayers();
      drawn.addLayer(e.layer);
      const ring = e.layer.getLatLngs()[0].map(function (ll) { return [ll.lng, ll.lat]; });
      app.polygon = ring;
      app.areaName = null;
      app.rebuild('incidents');
      app.render();
      app.post({ type: 'polygon.drawn', coordinates: ring });
    });
    map.on('draw:deleted', function () {
      if (drawn.getLayers().length) return;
      app.polygon = null;
      app.areaName = null;
      app.rebuild('incidents');
      app.render();
      app.post({ type: 'polygon.cleared' });
    });
  }

  CM.start = function (map) {
    app.map = map;
    if (map.attributionControl) map.removeControl(map.attributionControl); // it renders HTML
    const b = CM.PROVINCE_BOX;
    app.provinceBox = L.rectangle([[b[1], b[0]], [b[3], b[2]]],
      { color: '#5c6bc0', weight: 2, dashArray: '6 4', fill: false, interactive: false }).addTo(map);
    app.canvas = new CM.DataCanvas(function () { app.drawAll.apply(app, arguments); }).addTo(map);
    app.panel = new CM.LayerPanel(app).addTo(map);
    app.attribution = new CM.TextAttribution().addTo(map);
    L.control.scale({ metric: true, imperial: false }).addTo(map); // metres and kilometres only
    wireMap(map);
    window.addEventListener('error', function (e) { logError(e.message || 'script error'); });
    window.addEventListener('unhandledrejection', function (e) { logError('unhandled rejection: ' + e.reason); });

    if (typeof QWebChannel === 'undefined' || !window.qt || !qt.webChannelTransport) {
      console.error('console map: no Qt WebChannel transport; running without the console');
      return;
    }
    new QWebChannel(qt.webChannelTransport, function (channel) {
      app.bridge = channel.objects.bridge;
      app.bridge.sig_message.connect(receive);
      app.ready = true;
      app.post({ type: 'ready' });
    });
  };
})();
