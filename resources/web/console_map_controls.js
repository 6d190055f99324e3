/* In-page Leaflet controls: the layer panel (toggle, legend, count, freshness badge, heatmap switch), the time
 * slider and a text-only attribution. Every label is set with textContent: source names, attributions and
 * language strings come from outside and are never parsed as HTML. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  function el(tag, cls, parent, text) {
    const node = L.DomUtil.create(tag, cls || '', parent);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  // Units in the page's language, as the console's own tables show them.
  const AGE_UNITS = { th: ['วิ', 'นาที', 'ชม.', 'วัน'], en: ['s', 'min', 'h', 'd'] };

  function ageText(seconds, language) {
    if (!Number.isFinite(seconds)) return '–';
    const u = AGE_UNITS[language === 'en' ? 'en' : 'th'];
    if (seconds < 90) return Math.round(seconds) + ' ' + u[0];
    if (seconds < 5400) return Math.round(seconds / 60) + ' ' + u[1];
    if (seconds < 172800) return (seconds / 3600).toFixed(1) + ' ' + u[2];
    return (seconds / 86400).toFixed(1) + ' ' + u[3];
  }

  // Smaller than this, the layer panel starts folded (the operator can open it).
  CM.DETAILS_MIN_SIZE = { x: 1000, y: 560 };
  // A layer's state in one glyph, as its badge begins (the CSS gives each its colour).
  CM.STATE_GLYPHS = { fresh: '●', late: '▲', failing: '▲', stale: '✖', never: '○', unknown: '' };

  // Window choices of the slider, in hours (null: everything).
  CM.TIME_STEPS = [1, 3, 6, 12, 24, 48, 120, 168, null];

  CM.LayerPanel = L.Control.extend({
    options: { position: 'topright' },

    initialize: function (app) {
      this._app = app;
      this._rows = {};
    },

    onAdd: function () {
      const box = el('div', 'console-panel leaflet-bar');
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      const head = el('div', 'console-panel-head', box);
      this._title = el('span', 'console-panel-title', head);
      // On a small map the panel folds to one line a layer: toggle, name, count and its state's glyph (with the
      // state's word when not fresh); legends, badge details and heatmap switches wait behind "Details". Open, at
      // 1366x768 it covered a third of the map (about 910 x 370 px there).
      const fold = el('button', 'console-details-toggle', head);
      fold.type = 'button';
      this._fold = fold;
      this._box = box;
      const self = this;
      L.DomEvent.on(fold, 'click', function () { self.setDetailsOpen(!self._detailsOpen); });
      for (const name of CM.LAYERS) this._rows[name] = this._buildRow(box, name);
      this._buildSlider(box);
      const size = this._app.map.getSize();
      this.setDetailsOpen(size.y >= CM.DETAILS_MIN_SIZE.y && size.x >= CM.DETAILS_MIN_SIZE.x); // and refresh
      return box;
    },

    _buildRow: function (box, name) {
      const app = this._app;
      const row = el('div', 'console-layer', box);
      row.dataset.layer = name;
      const head = el('label', 'console-layer-head', row);
      const toggle = el('input', '', head);
      toggle.type = 'checkbox';
      toggle.checked = true;
      L.DomEvent.on(toggle, 'change', function () { app.setVisible(name, toggle.checked, true); });
      const title = el('span', 'console-layer-title', head);
      const count = el('span', 'console-layer-count', head);
      const state = el('span', 'console-layer-state', head);
      const badge = el('div', 'console-badge', row);
      const legend = el('div', 'console-legend', row);
      let heat = null;
      if (CM.HEAT_LAYERS.indexOf(name) >= 0) {
        const lab = el('label', 'console-heat', row);
        heat = el('input', '', lab);
        heat.type = 'checkbox';
        L.DomEvent.on(heat, 'change', function () { app.setHeatmap(name, heat.checked); });
        heat.labelNode = el('span', '', lab);
      }
      const entry = { head, toggle, title, count, state, badge, legend, swatches: [], heat };
      this._buildLegend(entry, name);
      return entry;
    },

    /* Each legend entry: a small canvas drawn by the map's own marker code, and its words. The air-quality and
     * river legends follow the bands the console handed over (the `style` message). */
    _buildLegend: function (row, name) {
      const app = this._app;
      row.legend.textContent = '';
      row.swatches = [];
      let entries = CM.LEGENDS[name];
      if (entries === 'aqi') {
        entries = Object.keys(app.style.aqi).sort().map(function (k) {
          return [{ band: app.style.aqi[k] }, { shape: 'aqi', band: app.style.aqi[k] }];
        });
      } else if (entries === 'river') {
        entries = Object.keys(app.style.river).map(function (k) { return app.style.river[k]; })
          .filter(function (b) { return b.band !== 'unknown'; })
          .sort(function (a, b) { return (a.severity || 0) - (b.severity || 0); })
          .map(function (b) { return [{ band: b }, { shape: 'river', band: b }]; });
      }
      for (const [key, spec] of entries) {
        const item = el('span', 'console-legend-item', row.legend);
        const sw = el('canvas', 'console-swatch', item);
        const ratio = window.devicePixelRatio || 1;
        sw.width = 22 * ratio;
        sw.height = 18 * ratio;
        sw.style.width = '22px';
        sw.style.height = '18px';
        const ctx = sw.getContext('2d');
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        CM.drawSwatch(ctx, spec, 11, 9);
        sw.dataset.shape = spec.shape;
        row.swatches.push([el('span', '', item), key]);
      }
    },

    rebuildLegends: function () {
      if (!this._title) return;
      for (const name of CM.LAYERS) this._buildLegend(this._rows[name], name);
      this.refresh();
    },

    _buildSlider: function (box) {
      const app = this._app;
      const wrap = el('div', 'console-time', box);
      this._timeLabel = el('div', 'console-time-label', wrap);
      const slider = el('input', 'console-time-slider', wrap);
      slider.type = 'range';
      slider.min = '0';
      slider.max = String(CM.TIME_STEPS.length - 1);
      slider.step = '1';
      slider.value = slider.max;
      this._timeValue = el('div', 'console-time-value', wrap);
      this._slider = slider;
      L.DomEvent.on(slider, 'input', function () {
        app.setSliderHours(CM.TIME_STEPS[Number(slider.value)]);
      });
    },

    refresh: function () {
      if (!this._title) return;
      const app = this._app;
      const t = function (key) { return app.t(key); };
      this._title.textContent = t('title');
      if (this._fold) this._fold.textContent = (this._detailsOpen ? '▾ ' : '▸ ') + t('details');
      for (const name of CM.LAYERS) {
        const row = this._rows[name];
        const layer = app.layers[name];
        const meta = layer.meta || {};
        row.toggle.checked = layer.visible;
        row.title.textContent = typeof meta.title === 'string' ? meta.title : t('layer.' + name);
        const shown = layer.shownCount;
        const total = layer.features.size;
        row.count.textContent = shown === total ? ' (' + total + ')' : ' (' + shown + ' / ' + total + ')';
        this._badge(row, meta, t);
        for (const [node, key] of row.swatches) node.textContent = this._legendText(key);
        if (row.heat) {
          row.heat.checked = layer.heat;
          row.heat.labelNode.textContent = t('heatmap');
        }
      }
      this._timeLabel.textContent = t('time.label');
      this._timeValue.textContent = app.timeWindowText();
    },

    _legendText: function (key) {
      const app = this._app;
      if (typeof key === 'string') return app.t('legend.' + key);
      const b = key.band;
      if (b.min !== undefined) { // an AQI band: its range and words
        const range = b.max === null || b.max === undefined ? '>' + (b.min - 1) : b.min + '–' + b.max;
        return range + ' ' + app.bandLabel(b);
      }
      return app.bandLabel(b);
    },

    /* The freshness badge: green only when the feed is fresh and its last poll worked; amber when late or failing,
     * red when stale; a glyph says the same without colour. */
    _badge: function (row, meta, t) {
      const node = row.badge;
      const freshness = ['fresh', 'late', 'stale', 'never'].indexOf(meta.freshness) >= 0 ? meta.freshness : 'unknown';
      const failing = meta.failing === true;
      let state = freshness;
      if (failing && (freshness === 'fresh' || freshness === 'late')) state = 'failing';
      node.className = 'console-badge console-badge-' + state;
      node.dataset.state = state;
      row.state.dataset.state = state;
      if (!meta.source && !meta.last_success && meta.age_s === undefined) {
        node.textContent = row.state.textContent = row.head.title = '';
        return;
      }
      const parts = [];
      if (typeof meta.source === 'string' && meta.source) parts.push(meta.source);
      if (meta.last_success) {
        const when = this._app.formatTime(meta.last_success);
        if (when) parts.push(when);
      } else {
        parts.push(t('never'));
      }
      if (Number.isFinite(meta.age_s)) {
        let age = t('age') + ' ' + ageText(meta.age_s, this._app.language);
        if (Number.isFinite(meta.cadence_s)) age += ' / ' + t('cadence') + ' ' + ageText(meta.cadence_s, this._app.language);
        parts.push(age);
      }
      if (failing) parts.push(t('failing'));
      if (freshness !== 'unknown' && freshness !== 'never' && !(failing && freshness === 'fresh')) parts.push(t(freshness));
      node.textContent = parts.join(' · ');
      row.head.title = node.textContent; // the folded panel's row says the whole badge on hover, as text
      const word = state === 'fresh' ? '' : t(state === 'unknown' ? 'never' : state);
      row.state.textContent = (CM.STATE_GLYPHS[state] || '') + (word ? ' ' + word : '');
    },

    setDetailsOpen: function (open) {
      this._detailsOpen = !!open;
      L.DomUtil[open ? 'removeClass' : 'addClass'](this._box, 'console-folded');
      this._fold.setAttribute('aria-expanded', String(!!open));
      this.refresh();
    },

    setSliderIndex: function (index) {
      if (this._slider) this._slider.value = String(index);
    },
  });

  /* Leaflet's attribution control writes HTML; this one writes text. */
  CM.TextAttribution = L.Control.extend({
    options: { position: 'bottomright' },
    onAdd: function () {
      this._box = el('div', 'console-attribution');
      return this._box;
    },
    setText: function (text) {
      if (this._box) this._box.textContent = String(text || '');
    },
  });
})();
