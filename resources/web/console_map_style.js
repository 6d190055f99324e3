/* Colours, legends and default labels of the console map's layers (no DOM, no data).
 *
 * Labels are (Thai, English) pairs; the console may replace any of them with the `language` message. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  CM.LAYERS = ['incidents', 'air', 'hotspots', 'river', 'districts'];
  CM.DATA_LAYERS = ['incidents', 'air', 'hotspots', 'river']; // the ones the time window filters
  CM.HEAT_LAYERS = ['incidents', 'hotspots'];
  // Chiang Mai province outline box [west, south, east, north], shown until district polygons arrive.
  CM.PROVINCE_BOX = [98.011, 17.242, 99.573, 20.147];

  CM.PRIORITY_COLOURS = { P1: '#d32f2f', P2: '#f57c00', P3: '#f9c21b', P4: '#1e88e5' };
  CM.CLOSED_COLOUR = '#9e9e9e';
  CM.MAJOR_RING = '#4a148c'; // a major incident's marker ring
  // Thai AQI bands (Pollution Control Department, 2023): 1 very good .. 5 affects health.
  CM.AQI_COLOURS = { 1: '#3bccff', 2: '#92d050', 3: '#ffff00', 4: '#ffa200', 5: '#f04646' };
  CM.HOTSPOT_AGE_COLOURS = { '24h': '#ff1e00', '48h': '#ff8c00', '5d': '#b8860b' };
  CM.RIVER_COLOURS = { normal: '#2e7d32', watch: '#f9c21b', bankfull: '#f57c00', flood: '#c62828', unknown: '#607d8b' };

  CM.DEFAULT_STRINGS = {
    'title': ['ชั้นข้อมูล', 'Layers'],
    'layer.incidents': ['เหตุการณ์', 'Incidents'],
    'layer.air': ['คุณภาพอากาศ', 'Air quality'],
    'layer.hotspots': ['จุดความร้อน', 'Fire hotspots'],
    'layer.river': ['ระดับน้ำแม่น้ำปิง', 'Ping River levels'],
    'layer.districts': ['อำเภอ', 'Districts'],
    'heatmap': ['แผนที่ความร้อน', 'Heatmap'],
    'time.label': ['ช่วงเวลา', 'Time window'],
    'time.all': ['ทั้งหมด', 'All'],
    'time.hours': ['ชม. ล่าสุด', 'h latest'],
    'time.custom': ['กำหนดเอง', 'Custom'],
    'fresh': ['ล่าสุด', 'fresh'],
    'late': ['ล่าช้า', 'late'],
    'stale': ['ข้อมูลเก่า', 'stale'],
    'never': ['ยังไม่มีข้อมูล', 'no data yet'],
    'age': ['อายุ', 'age'],
    'cadence': ['รอบ', 'every'],
    'legend.P1': ['P1 วิกฤต', 'P1 critical'],
    'legend.P2': ['P2 สูง', 'P2 high'],
    'legend.P3': ['P3 ปานกลาง', 'P3 medium'],
    'legend.P4': ['P4 ต่ำ', 'P4 low'],
    'legend.closed': ['ปิดแล้ว', 'closed'],
    'legend.sla': ['เกิน SLA', 'SLA breached'],
    'legend.aqi1': ['ดีมาก', 'very good'],
    'legend.aqi2': ['ดี', 'good'],
    'legend.aqi3': ['ปานกลาง', 'moderate'],
    'legend.aqi4': ['เริ่มมีผลกระทบ', 'unhealthy for some'],
    'legend.aqi5': ['มีผลกระทบต่อสุขภาพ', 'affects health'],
    'legend.24h': ['24 ชม.', '24 h'],
    'legend.48h': ['48 ชม.', '48 h'],
    'legend.5d': ['5 วัน', '5 days'],
    'legend.normal': ['ปกติ', 'normal'],
    'legend.watch': ['เฝ้าระวัง', 'watch'],
    'legend.bankfull': ['เต็มตลิ่ง', 'bank-full'],
    'legend.flood': ['น้ำท่วมเมือง', 'city flooding'],
    'legend.province': ['ขอบเขตจังหวัด (โดยประมาณ)', 'province outline (approx.)'],
    'legend.major': ['เหตุการณ์ใหญ่', 'major incident'],
    'tooltip.major': ['เหตุการณ์ใหญ่', 'Major incident'],
    'tooltip.children': ['เรื่องย่อย', 'children'],
    'tooltip.parent': ['ส่วนหนึ่งของเหตุการณ์ใหญ่', 'Part of major incident'],
  };

  CM.LEGENDS = {
    incidents: [['P1', CM.PRIORITY_COLOURS.P1], ['P2', CM.PRIORITY_COLOURS.P2], ['P3', CM.PRIORITY_COLOURS.P3],
                ['P4', CM.PRIORITY_COLOURS.P4], ['closed', CM.CLOSED_COLOUR], ['sla', '#000000'],
                ['major', CM.MAJOR_RING]],
    air: [1, 2, 3, 4, 5].map((b) => ['aqi' + b, CM.AQI_COLOURS[b]]),
    hotspots: [['24h', CM.HOTSPOT_AGE_COLOURS['24h']], ['48h', CM.HOTSPOT_AGE_COLOURS['48h']],
               ['5d', CM.HOTSPOT_AGE_COLOURS['5d']]],
    river: ['normal', 'watch', 'bankfull', 'flood'].map((k) => [k, CM.RIVER_COLOURS[k]]),
    districts: [['province', '#5c6bc0']],
  };

  CM.str = function (strings, language, key) {
    if (Object.prototype.hasOwnProperty.call(strings, key) && typeof strings[key] === 'string') return strings[key];
    const pair = CM.DEFAULT_STRINGS[key];
    if (!pair) return key;
    return language === 'en' ? pair[1] : pair[0];
  };

  // A data value as a number; missing (null, undefined, empty) is NaN, not 0 as Number(null) would say.
  CM.num = function (v) {
    return v === null || v === undefined || v === '' ? NaN : Number(v);
  };

  CM.isClosed = function (p) {
    const s = String(p.status || '').toLowerCase();
    return s === 'closed';
  };

  CM.incidentColour = function (p) {
    if (CM.isClosed(p)) return CM.CLOSED_COLOUR;
    return CM.PRIORITY_COLOURS[p.priority] || CM.PRIORITY_COLOURS.P4;
  };

  CM.hotspotConfidence = function (c) {
    if (typeof c === 'number') return c >= 80 ? 'high' : c >= 30 ? 'nominal' : 'low';
    const s = String(c || '').toLowerCase();
    return s === 'high' || s === 'h' ? 'high' : s === 'low' || s === 'l' ? 'low' : 'nominal';
  };

  CM.riverLevel = function (p) {
    const level = CM.num(p.level_m);
    const full = CM.num(p.bank_full_m);
    const flood = CM.num(p.flood_m);
    if (Number.isFinite(level) && Number.isFinite(full)) {
      if (Number.isFinite(flood) && level >= flood) return 'flood';
      if (level >= full) return 'bankfull';
      if (level >= full - 0.5) return 'watch';
      return 'normal';
    }
    const diff = CM.num(p.bank_diff_m);
    if (Number.isFinite(diff)) return diff >= 0 ? 'bankfull' : diff >= -0.5 ? 'watch' : 'normal';
    return 'unknown';
  };

  CM.trendArrow = function (p) {
    const t = CM.num(p.trend_m);
    if (!Number.isFinite(t)) return '';
    return t > 0.02 ? '▲' : t < -0.02 ? '▼' : '►';
  };
})();
