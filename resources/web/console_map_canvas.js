/* One canvas for every point layer (incident clusters, stations, hotspots, gauges, district labels).
 *
 * Data layers never become DOM markers: at 100,000 incidents only the clusters in view are drawn, and clicks are
 * hit-tested against what was drawn. Text goes through fillText, so no feature text is ever parsed as HTML. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  CM.DataCanvas = L.Layer.extend({
    initialize: function (drawFn) {
      this._drawFn = drawFn; // (ctx, toPoint, bounds, zoom, items) => void
      this.items = []; // hit-test records of the last draw, in draw order
      this.labels = []; // texts drawn in the last draw (tests read them)
    },

    onAdd: function (map) {
      this._map = map;
      const pane = map.getPane('consoleData') || map.createPane('consoleData');
      pane.style.zIndex = 450;
      pane.style.pointerEvents = 'none';
      this._canvas = L.DomUtil.create('canvas', 'console-data-canvas', pane);
      this._ctx = this._canvas.getContext('2d');
      map.on('moveend resize', this.redraw, this);
      map.on('zoomstart', this._hide, this);
      this.redraw();
    },

    onRemove: function (map) {
      map.off('moveend resize', this.redraw, this);
      map.off('zoomstart', this._hide, this);
      L.DomUtil.remove(this._canvas);
      this.items = [];
    },

    _hide: function () {
      // A zoom animation would stretch stale clusters; the canvas comes back on moveend.
      if (this._canvas) this._canvas.style.visibility = 'hidden';
    },

    redraw: function () {
      if (!this._map) return 0;
      const t0 = performance.now();
      const map = this._map;
      const size = map.getSize();
      const ratio = window.devicePixelRatio || 1;
      const canvas = this._canvas;
      if (canvas.width !== Math.round(size.x * ratio) || canvas.height !== Math.round(size.y * ratio)) {
        canvas.width = Math.round(size.x * ratio);
        canvas.height = Math.round(size.y * ratio);
        canvas.style.width = size.x + 'px';
        canvas.style.height = size.y + 'px';
      }
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      const ctx = this._ctx;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      this.items = [];
      this.labels = [];
      const toPoint = function (lat, lon) { return map.latLngToContainerPoint([lat, lon]); };
      this._drawFn(ctx, toPoint, map.getBounds(), map.getZoom(), this.items, this.labels);
      canvas.style.visibility = 'visible';
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

  /* Drawing helpers shared by the layers. */
  CM.draw = {
    circle: function (ctx, x, y, r, fill, stroke, lineWidth, alpha) {
      ctx.globalAlpha = alpha === undefined ? 1 : alpha;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = fill;
      ctx.fill();
      if (stroke) {
        ctx.lineWidth = lineWidth || 1;
        ctx.strokeStyle = stroke;
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    },

    square: function (ctx, x, y, r, fill) {
      ctx.fillStyle = fill;
      ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
      ctx.lineWidth = 1;
      ctx.strokeStyle = '#ffffff';
      ctx.strokeRect(x - r, y - r, 2 * r, 2 * r);
    },

    text: function (ctx, labels, text, x, y, opts) {
      const s = String(text);
      // Very long hostile names would cover the map: the canvas shows the first 60 characters.
      const shown = s.length > 60 ? s.slice(0, 59) + '…' : s;
      ctx.font = (opts && opts.font) || '12px sans-serif';
      ctx.textAlign = (opts && opts.align) || 'center';
      ctx.textBaseline = 'middle';
      if (!opts || opts.halo !== false) {
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.strokeText(shown, x, y);
      }
      ctx.fillStyle = (opts && opts.colour) || '#111111';
      ctx.fillText(shown, x, y);
      labels.push(s);
    },
  };
})();
