/* Canvases for every point layer (incident clusters, stations, hotspots, gauges, district labels), in Leaflet
 * panes stacked by z-index: the data pane (districts, hotspots, air quality, incidents and their clusters) and above
 * it the river pane (gauges, their labels and the selection ring), so a gauge over its threshold is never hidden
 * under a cluster or a station.
 *
 * Data layers never become DOM markers: at 100,000 incidents only the clusters in view are drawn, and clicks are
 * hit-tested against what was drawn. Text goes through fillText, so no feature text is ever parsed as HTML. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  // Leaflet's own panes: overlays (the drawn area) 400, markers 600, tooltips 650. Ours sit between.
  CM.PANES = [['data', 'consoleData', 450], ['river', 'consoleRiver', 470]];

  CM.DataCanvas = L.Layer.extend({
    initialize: function (drawFn) {
      this._drawFn = drawFn; // (ctxs {data, river}, toPoint, bounds, zoom, items, labels) => void
      this.items = []; // hit-test records of the last draw, bottom to top
      this.labels = []; // texts drawn in the last draw (tests read them)
      this._layers = {};
    },

    onAdd: function (map) {
      this._map = map;
      for (const [name, paneName, z] of CM.PANES) {
        const pane = map.getPane(paneName) || map.createPane(paneName);
        pane.style.zIndex = String(z);
        pane.style.pointerEvents = 'none';
        const canvas = L.DomUtil.create('canvas', 'console-data-canvas console-canvas-' + name, pane);
        this._layers[name] = { pane: pane, canvas: canvas, ctx: canvas.getContext('2d') };
      }
      map.on('moveend resize', this.redraw, this);
      map.on('zoomstart', this._hide, this);
      this.redraw();
    },

    onRemove: function (map) {
      map.off('moveend resize', this.redraw, this);
      map.off('zoomstart', this._hide, this);
      for (const name in this._layers) L.DomUtil.remove(this._layers[name].canvas);
      this._layers = {};
      this.items = [];
    },

    /* The canvas of one pane ('data' or 'river'), for tests that read its pixels. */
    canvasOf: function (name) {
      return this._layers[name] ? this._layers[name].canvas : null;
    },

    _hide: function () {
      // A zoom animation would stretch stale clusters; the canvases come back on moveend.
      for (const name in this._layers) this._layers[name].canvas.style.visibility = 'hidden';
    },

    redraw: function () {
      if (!this._map) return 0;
      const t0 = performance.now();
      const map = this._map;
      const size = map.getSize();
      const ratio = window.devicePixelRatio || 1;
      const ctxs = {};
      for (const name in this._layers) {
        const canvas = this._layers[name].canvas;
        if (canvas.width !== Math.round(size.x * ratio) || canvas.height !== Math.round(size.y * ratio)) {
          canvas.width = Math.round(size.x * ratio);
          canvas.height = Math.round(size.y * ratio);
          canvas.style.width = size.x + 'px';
          canvas.style.height = size.y + 'px';
        }
        L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
        const ctx = this._layers[name].ctx;
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.clearRect(0, 0, size.x, size.y);
        ctxs[name] = ctx;
      }
      this.items = [];
      this.labels = [];
      const toPoint = function (lat, lon) { return map.latLngToContainerPoint([lat, lon]); };
      this._drawFn(ctxs, toPoint, map.getBounds(), map.getZoom(), this.items, this.labels);
      for (const name in this._layers) this._layers[name].canvas.style.visibility = 'visible';
      return performance.now() - t0;
    },

    /* The topmost drawn item under a container point, or null. */
    hit: function (point) {
      for (let i = this.items.length - 1; i >= 0; i--) {
        const it = this.items[i];
        const dx = it.x - point.x;
        const dy = it.y - point.y;
        if (dx * dx + dy * dy <= (it.r + 3) * (it.r + 3)) return it;
      }
      return null;
    },
  });
})();
