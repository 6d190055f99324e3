/* Tooltips of the console map: one line of text per fact, in the page's language. Codes (workflow states, sources,
 * river bands, confidence) become words; times are Asia/Bangkok with four-digit Buddhist-Era years in Thai; values
 * carry their units. Every line is a text node (textContent): nothing is parsed as HTML. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  /* A tooltip's box and the function that adds one line of text to it (empty values add nothing). */
  CM.tooltipBox = function () {
    const box = document.createElement('div');
    box.className = 'console-tooltip';
    const line = function (text, cls) {
      if (text === undefined || text === null || text === '') return;
      const d = document.createElement('div');
      if (cls) d.className = cls;
      d.textContent = String(text);
      box.appendChild(d);
    };
    return { box: box, line: line };
  };

  CM.tooltipFor = function (app, item) {
      const tip = CM.tooltipBox();
      const box = tip.box;
      const line = tip.line;
      const t = app.t.bind(app);
      const join = function (parts) {
        return parts.filter(function (x) { return x !== '' && x !== null && x !== undefined; }).join(' · ');
      };
      if (item.cluster !== undefined) {
        line(item.count + ' ' + t('tooltip.cluster'), 'console-tooltip-title');
        line(item.worst >= 1 && item.worst <= 4 ? t('tooltip.worst') + ' ' + t('legend.P' + item.worst)
             : t('tooltip.closed_only'));
        if (item.breached > 0) line(t('tooltip.breached') + ' ' + item.breached);
        return box;
      }
      const p = item.feature.properties || {};
      if (item.layer === 'incidents') {
        line(p.title, 'console-tooltip-title');
        const pr = CM.PRIORITY_COLOURS[p.priority] ? t('legend.' + p.priority) : '';
        line(join([pr, app.word('state.' + (p.state || p.status))]));
        if (p.sla_breached === true && !CM.isClosed(p)) line(t('tooltip.breached'), 'console-tooltip-alert');
        else if (typeof p.expected === 'string' && !CM.isClosed(p)) line(t('tooltip.sla_due') + ' ' + app.formatTime(p.expected));
        if (p.major === true) line(t('tooltip.major') + ' · ' + t('tooltip.children') + ' ' +
                                   String(CM.num(p.children) || 0), 'console-tooltip-title');
        if (typeof p.parent === 'string' && p.parent) line(t('tooltip.parent') + ' #' + p.parent);
        const district = typeof p.district === 'string' && p.district ? app.layers.districts.features.get(p.district) : null;
        line(join([district ? t('tooltip.district') + ' ' + app.districtName(district.properties || {}) : '',
                   app.word('source.' + p.source)]));
        if (p.pending === true) line(t('tooltip.pending'));
        const text = typeof p.description === 'string' ? p.description : '';
        line(text.length > 280 ? text.slice(0, 279) + '…' : text, 'console-tooltip-text');
        line(t('tooltip.updated') + ' ' + app.formatTime(p.time));
      } else if (item.layer === 'air') {
        line(app.language === 'en' ? (p.name_en || p.name) : p.name, 'console-tooltip-title');
        const aqi = CM.num(p.aqi);
        line(join(['AQI ' + (Number.isFinite(aqi) ? String(Math.round(aqi)) : '–'), app.bandLabel(app.aqiBand(p))]));
        line(t('tooltip.pm25') + ' ' + app.number(p.pm25, 1, 'unit.pm'));
        line(t('tooltip.observed') + ' ' + app.formatTime(p.time));
      } else if (item.layer === 'river') {
        line(join([app.language === 'en' ? (p.name_en || p.name) : p.name, typeof p.id === 'string' ? p.id : '']),
             'console-tooltip-title');
        const band = app.riverBand(p);
        line(app.bandLabel(band), band.severity >= 4 ? 'console-tooltip-alert' : '');
        line(t('tooltip.level') + ' ' + app.number(p.level_m, 2, 'unit.m') + ' ' + CM.trendArrow(p));
        const limits = [];
        if (Number.isFinite(CM.num(p.bank_full_m))) limits.push(t('tooltip.bank_full') + ' ' + app.number(p.bank_full_m, 2, 'unit.m'));
        if (Number.isFinite(CM.num(p.flood_m))) limits.push(t('tooltip.flood') + ' ' + app.number(p.flood_m, 2, 'unit.m'));
        line(join(limits));
        const diff = CM.num(p.bank_diff_m);
        if (Number.isFinite(diff)) {
          line(t(diff > 0 ? 'tooltip.over_bank' : 'tooltip.to_bank') + ' ' + app.number(Math.abs(diff), 2, 'unit.m'));
        }
        line(t('tooltip.observed') + ' ' + app.formatTime(p.time));
      } else if (item.layer === 'hotspots') {
        const source = typeof p.source === 'string' ? p.source.replace(/_NRT$/, '').replace(/_/g, ' ') : '';
        line(join([t('tooltip.hotspot'), source]), 'console-tooltip-title');
        line(t('tooltip.confidence') + ' ' + t('confidence.' + CM.hotspotConfidence(p.confidence)));
        if (Number.isFinite(CM.num(p.frp))) line(t('tooltip.frp') + ' ' + app.number(p.frp, 1, 'unit.mw'));
        const age = CM.HOTSPOT_AGE_COLOURS[p.age_band] ? t('tooltip.age') + ' ' + t('legend.' + p.age_band) : '';
        line(join([t('tooltip.detected') + ' ' + app.formatTime(p.time), age]));
      } else if (item.layer === 'districts') {
        line(app.districtName(p), 'console-tooltip-title');
        line(app.language === 'en' ? p.name_th : p.name);
      }
      return box;
  };
})();
