/* Shapes, glyphs, legends and default labels of the console map's layers (no data).
 *
 * Colour is never the only cue: each layer has its own shape (incidents circles with their priority number, P1 a
 * diamond with "!", hotspots triangles, air-quality stations rounded squares with the AQI, river gauges drops with
 * their band's glyph), so red-green colour-blind eyes tell P1, P2, hotspots, AQI 4-5 and a flooding gauge apart.
 *
 * The Thai AQI and river band colours and words are not kept here: the console hands them to the page as data
 * (the `style` message, from services/feeds/thai_aqi.py and services/river_status.py), the same ones its tables use.
 * Labels are (Thai, English) pairs; the console may replace any of them with the `language` message, and it hands
 * the words of codes (workflow states, sources) the same way (`state.<code>`, `source.<code>`). */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  CM.LAYERS = ['incidents', 'air', 'hotspots', 'river', 'districts', 'alerts'];
  CM.DATA_LAYERS = ['incidents', 'air', 'hotspots', 'river']; // the ones the time window filters
  CM.HEAT_LAYERS = ['incidents', 'hotspots'];
  // Chiang Mai province outline box [west, south, east, north], shown until district polygons arrive.
  CM.PROVINCE_BOX = [98.011, 17.242, 99.573, 20.147];

  // Priority fills with the text colour that reads on them (contrast >= 4.5:1). P1 is a saturated dark red and a
  // diamond; an SLA breach is a black ring, so the two never rely on the same colour.
  CM.PRIORITY_COLOURS = { P1: '#b71c1c', P2: '#ef6c00', P3: '#fdd835', P4: '#1565c0' };
  CM.PRIORITY_TEXT = { P1: '#ffffff', P2: '#000000', P3: '#000000', P4: '#ffffff' };
  CM.PRIORITY_RANK = { P1: 1, P2: 2, P3: 3, P4: 4 };
  CM.CLOSED_COLOUR = '#9e9e9e';
  CM.BREACH_RING = '#000000';
  CM.MAJOR_RING = '#4a148c'; // a major incident's marker ring
  CM.HOTSPOT_AGE_COLOURS = { '24h': '#d50000', '48h': '#ff9100', '5d': '#795548' };
  CM.UNKNOWN_COLOUR = '#bdbdbd';

  /* Alerts (console_map_alerts.js): each severity has its own weight and dash as well as its colour (the colours
   * come from the console with the `style` message), so critical, warning and info tell apart without colour:
   * critical a thick solid line, warning a dashed one, info a thin dotted one. `ring` is the radius in pixels of
   * the ring round a station's or gauge's marker (outside the marker, so the marker stays readable). */
  CM.ALERT_LOOK = {
    critical: { colour: '#b71c1c', weight: 4, dash: null, ring: 18 },
    warning: { colour: '#ffd54f', weight: 3, dash: '9 5', ring: 16 },
    info: { colour: '#1e88e5', weight: 2, dash: '2 5', ring: 15 },
  };
  CM.ALERT_CASING = '#212121'; // a dark edge under every alert line: pale amber stays visible on any basemap

  CM.DEFAULT_STRINGS = {
    'title': ['ชั้นข้อมูล', 'Layers'],
    'layer.incidents': ['เหตุการณ์', 'Incidents'],
    'layer.air': ['คุณภาพอากาศ', 'Air quality'],
    'layer.hotspots': ['จุดความร้อน', 'Fire hotspots'],
    'layer.river': ['ระดับน้ำแม่น้ำปิง', 'Ping River levels'],
    'layer.districts': ['อำเภอ', 'Districts'],
    'layer.alerts': ['การแจ้งเตือน', 'Alerts'],
    'legend.alert.critical': ['วิกฤต', 'critical'],
    'legend.alert.warning': ['เตือน', 'warning'],
    'legend.alert.info': ['แจ้งเพื่อทราบ', 'info'],
    'severity.critical': ['⚠ วิกฤต', '⚠ critical'],
    'severity.warning': ['▲ เตือน', '▲ warning'],
    'severity.info': ['ℹ แจ้งเพื่อทราบ', 'ℹ info'],
    'alert_state.open': ['เปิด รอรับทราบ', 'open'],
    'alert_state.acknowledged': ['รับทราบแล้ว', 'acknowledged'],
    'tooltip.alert_since': ['ตั้งแต่', 'since'],
    'tooltip.alert_times': ['ครั้ง', 'times'],
    'heatmap': ['แผนที่ความร้อน', 'Heatmap'],
    'details': ['รายละเอียด', 'Details'],
    'time.label': ['ช่วงเวลา', 'Time window'],
    'time.all': ['ทั้งหมด', 'All'],
    'time.hours': ['ชม. ล่าสุด', 'h latest'],
    'time.custom': ['กำหนดเอง', 'Custom'],
    'fresh': ['ล่าสุด', 'fresh'],
    'late': ['ล่าช้า', 'late'],
    'stale': ['ข้อมูลเก่า', 'stale'],
    'failing': ['ดึงข้อมูลไม่สำเร็จ', 'failing'],
    'never': ['ยังไม่มีข้อมูล', 'no data yet'],
    'age': ['อายุ', 'age'],
    'cadence': ['รอบ', 'every'],
    'legend.P1': ['P1 วิกฤต', 'P1 critical'],
    'legend.P2': ['P2 สูง', 'P2 high'],
    'legend.P3': ['P3 ปานกลาง', 'P3 medium'],
    'legend.P4': ['P4 ต่ำ', 'P4 low'],
    'legend.closed': ['ปิดแล้ว', 'closed'],
    'legend.sla': ['เกิน SLA', 'SLA breached'],
    'legend.cluster': ['กลุ่ม: สีตามเรื่องด่วนสุด', 'group: colour of its most urgent'],
    'legend.24h': ['24 ชม.', '24 h'],
    'legend.48h': ['48 ชม.', '48 h'],
    'legend.5d': ['5 วัน', '5 days'],
    'legend.province': ['ขอบเขตจังหวัด (โดยประมาณ)', 'province outline (approx.)'],
    'legend.major': ['เหตุการณ์ใหญ่', 'major incident'],
    'tooltip.major': ['เหตุการณ์ใหญ่', 'Major incident'],
    'tooltip.children': ['เรื่องย่อย', 'children'],
    'tooltip.parent': ['ส่วนหนึ่งของเหตุการณ์ใหญ่', 'Part of major incident'],
    'tooltip.cluster': ['เหตุการณ์', 'incidents'],
    'tooltip.worst': ['ด่วนสุด', 'most urgent'],
    'tooltip.closed_only': ['ปิดแล้วทั้งหมด', 'all closed'],
    'tooltip.breached': ['เกิน SLA', 'past SLA'],
    'tooltip.sla_due': ['กำหนด SLA', 'SLA due'],
    'tooltip.updated': ['ปรับปรุง', 'updated'],
    'tooltip.observed': ['เวลาวัด', 'measured'],
    'tooltip.detected': ['ตรวจพบ', 'detected'],
    'tooltip.pending': ['รอส่งข้อมูล', 'waiting to be sent'],
    'tooltip.pm25': ['PM2.5 เฉลี่ย 24 ชม.', 'PM2.5 24-h mean'],
    'tooltip.level': ['ระดับน้ำ', 'level'],
    'tooltip.bank_full': ['ตลิ่ง', 'bank-full'],
    'tooltip.flood': ['น้ำท่วมเมือง', 'city flooding'],
    'tooltip.to_bank': ['ต่ำกว่าตลิ่ง', 'below bank'],
    'tooltip.over_bank': ['สูงกว่าตลิ่ง', 'above bank'],
    'tooltip.trend': ['แนวโน้ม', 'trend'],
    'tooltip.confidence': ['ความเชื่อมั่น', 'confidence'],
    'tooltip.hotspot': ['จุดความร้อน', 'Fire hotspot'],
    'tooltip.frp': ['พลังงานความร้อน', 'fire power'],
    'tooltip.age': ['อายุ', 'age'],
    'tooltip.district': ['อำเภอ', 'district'],
    'confidence.high': ['สูง', 'high'],
    'confidence.nominal': ['ปานกลาง', 'nominal'],
    'confidence.low': ['ต่ำ', 'low'],
    'unit.m': ['ม.', 'm'],
    'unit.pm': ['µg/m³', 'µg/m³'],
    'unit.mw': ['เมกะวัตต์', 'MW'],
  };

  // Legend entries: [key, how its swatch is drawn].
  CM.LEGENDS = {
    incidents: [['P1', { shape: 'incident', priority: 'P1' }], ['P2', { shape: 'incident', priority: 'P2' }],
                ['P3', { shape: 'incident', priority: 'P3' }], ['P4', { shape: 'incident', priority: 'P4' }],
                ['closed', { shape: 'incident', priority: 'P3', closed: true }],
                ['sla', { shape: 'incident', priority: 'P4', breached: true }],
                ['cluster', { shape: 'cluster', priority: 'P2', breached: true }],
                ['major', { shape: 'major', priority: 'P2' }]],
    air: 'aqi', // from the style message
    hotspots: [['24h', { shape: 'hotspot', age: '24h' }], ['48h', { shape: 'hotspot', age: '48h' }],
               ['5d', { shape: 'hotspot', age: '5d' }]],
    river: 'river', // from the style message
    districts: [['province', { shape: 'box' }]],
    alerts: [['alert.critical', { shape: 'alert', severity: 'critical' }],
             ['alert.warning', { shape: 'alert', severity: 'warning' }],
             ['alert.info', { shape: 'alert', severity: 'info' }]],
  };

  CM.str = function (strings, language, key) {
    if (Object.prototype.hasOwnProperty.call(strings, key) && typeof strings[key] === 'string') return strings[key];
    const pair = CM.DEFAULT_STRINGS[key];
    if (!pair) return null;
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

  /* Open P1 incidents are never clustered: each keeps its own marker. */
  CM.isOpenP1 = function (p) {
    return p.priority === 'P1' && !CM.isClosed(p);
  };

  CM.priorityOf = function (p) {
    return Object.prototype.hasOwnProperty.call(CM.PRIORITY_COLOURS, p.priority) ? p.priority : 'P4';
  };

  CM.incidentColour = function (p) {
    if (CM.isClosed(p)) return CM.CLOSED_COLOUR;
    return CM.PRIORITY_COLOURS[CM.priorityOf(p)];
  };

  CM.hotspotConfidence = function (c) {
    if (typeof c === 'number') return c >= 80 ? 'high' : c >= 30 ? 'nominal' : 'low';
    const s = String(c || '').toLowerCase();
    return s === 'high' || s === 'h' ? 'high' : s === 'low' || s === 'l' ? 'low' : 'nominal';
  };

  CM.trendArrow = function (p) {
    const t = CM.num(p.trend_m);
    if (!Number.isFinite(t)) return '';
    return t > 0.02 ? '▲' : t < -0.02 ? '▼' : '►';
  };

  /* -- time: Asia/Bangkok, Buddhist-Era four-digit years in Thai (as the console's tables: 25 พ.ย. 2569 14:05) -- */

  const formatters = {};
  function partsOf(ms, language) {
    const key = language === 'en' ? 'en' : 'th';
    if (!formatters[key]) {
      formatters[key] = new Intl.DateTimeFormat(key === 'en' ? 'en-GB' : 'th-TH-u-ca-gregory',
        { timeZone: 'Asia/Bangkok', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit',
          minute: '2-digit', hourCycle: 'h23' });
    }
    const out = {};
    for (const part of formatters[key].formatToParts(new Date(ms))) out[part.type] = part.value;
    return out;
  }

  CM.formatTime = function (value, language) {
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) return '';
    const p = partsOf(ms, language);
    const year = Number(p.year) + (language === 'en' ? 0 : 543); // Buddhist Era = Common Era + 543
    const month = String(p.month).replace(/\.$/, language === 'en' ? '' : '.');
    return Number(p.day) + ' ' + month + ' ' + year + ' ' + p.hour + ':' + p.minute;
  };

  /* -- shapes ------------------------------------------------------------------------------------------------ */

  function path(ctx, shape, x, y, r) {
    ctx.beginPath();
    if (shape === 'diamond') {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath();
    } else if (shape === 'triangle') {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r * 0.9, y + r * 0.75); ctx.lineTo(x - r * 0.9, y + r * 0.75); ctx.closePath();
    } else if (shape === 'drop') {
      // A water drop, point up: a circle below and two curves to the tip.
      ctx.moveTo(x, y - r * 1.35);
      ctx.bezierCurveTo(x + r * 0.35, y - r * 0.8, x + r, y - r * 0.35, x + r, y + r * 0.15);
      ctx.arc(x, y + r * 0.15, r, 0, Math.PI, false);
      ctx.bezierCurveTo(x - r, y - r * 0.35, x - r * 0.35, y - r * 0.8, x, y - r * 1.35);
      ctx.closePath();
    } else if (shape === 'rounded') {
      const w = r * 1.45, h = r, k = Math.min(5, h);
      ctx.moveTo(x - w + k, y - h);
      ctx.arcTo(x + w, y - h, x + w, y + h, k); ctx.arcTo(x + w, y + h, x - w, y + h, k);
      ctx.arcTo(x - w, y + h, x - w, y - h, k); ctx.arcTo(x - w, y - h, x + w, y - h, k);
      ctx.closePath();
    } else {
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
  }

  /* Drawing helpers shared by the layers and the legend. */
  CM.LABEL_PLATE = 'rgba(255,255,255,0.88)';

  CM.draw = {
    shape: function (ctx, shape, x, y, r, fill, stroke, lineWidth, alpha) {
      ctx.globalAlpha = alpha === undefined ? 1 : alpha;
      path(ctx, shape, x, y, r);
      ctx.fillStyle = fill;
      ctx.fill();
      if (stroke) {
        ctx.lineWidth = lineWidth || 1;
        ctx.strokeStyle = stroke;
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    },

    circle: function (ctx, x, y, r, fill, stroke, lineWidth, alpha) {
      CM.draw.shape(ctx, 'circle', x, y, r, fill, stroke, lineWidth, alpha);
    },

    glyph: function (ctx, text, x, y, colour, font) {
      ctx.font = font || 'bold 11px sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = colour;
      ctx.fillText(text, x, y + 0.5);
    },

    text: function (ctx, labels, text, x, y, opts) {
      const s = String(text);
      // Very long hostile names would cover the map: the canvas shows the first 60 characters.
      const shown = s.length > 60 ? s.slice(0, 59) + '…' : s;
      ctx.font = (opts && opts.font) || '12px sans-serif';
      ctx.textAlign = (opts && opts.align) || 'center';
      ctx.textBaseline = 'middle';
      if (opts && opts.box) {
        const w = ctx.measureText(shown).width;
        const left = ctx.textAlign === 'left' ? x - 3 : x - w / 2 - 3;
        ctx.fillStyle = opts.box;
        ctx.fillRect(left, y - 8, w + 6, 16);
      } else if (!opts || opts.halo !== false) {
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.strokeText(shown, x, y);
      }
      ctx.fillStyle = (opts && opts.colour) || '#111111';
      ctx.fillText(shown, x, y);
      labels.push(s);
    },
  };

  /* Markers are drawn once into small canvases (sprites) and stamped with drawImage: 25,000 open P1 incidents
   * with their glyphs stay a few milliseconds per frame. */
  const sprites = new Map();
  CM.sprite = function (key, size, paint) {
    let s = sprites.get(key);
    if (!s) {
      const ratio = window.devicePixelRatio || 1;
      s = document.createElement('canvas');
      s.width = Math.ceil(size * ratio);
      s.height = Math.ceil(size * ratio);
      const ctx = s.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      paint(ctx, size / 2, size / 2);
      s.cssSize = size;
      sprites.set(key, s);
    }
    return s;
  };
  CM.stamp = function (ctx, sprite, x, y, alpha) {
    ctx.globalAlpha = alpha === undefined ? 1 : alpha;
    const d = sprite.cssSize;
    ctx.drawImage(sprite, Math.round(x - d / 2), Math.round(y - d / 2), d, d);
    ctx.globalAlpha = 1;
  };

  /* The marker of one incident: {r, sprite}. */
  CM.incidentMarker = function (p) {
    const closed = CM.isClosed(p);
    const pr = CM.priorityOf(p);
    const breached = p.sla_breached === true && !closed;
    const major = p.major === true;
    if (major) {
      const children = CM.num(p.children) > 0 ? String(Math.round(CM.num(p.children))).slice(0, 4) : '';
      const key = 'major|' + pr + '|' + closed + '|' + breached + '|' + children;
      return { r: 15, sprite: CM.sprite(key, 40, function (ctx, x, y) {
        if (breached) CM.draw.circle(ctx, x, y, 18, 'rgba(0,0,0,0)', CM.BREACH_RING, 3);
        CM.draw.circle(ctx, x, y, 12, closed ? CM.CLOSED_COLOUR : CM.PRIORITY_COLOURS[pr], CM.MAJOR_RING, 4);
        CM.draw.circle(ctx, x, y, 15, 'rgba(0,0,0,0)', CM.MAJOR_RING, 1.5);
        // The star and count on a dark disc: readable on every priority colour.
        CM.draw.circle(ctx, x, y, 8.5, CM.MAJOR_RING);
        CM.draw.glyph(ctx, '★' + children, x, y, '#ffffff', 'bold 9px sans-serif');
      }) };
    }
    if (pr === 'P1' && !closed) {
      const key = 'p1|' + breached;
      return { r: 12, sprite: CM.sprite(key, 34, function (ctx, x, y) {
        if (breached) CM.draw.shape(ctx, 'diamond', x, y, 15.5, 'rgba(0,0,0,0)', CM.BREACH_RING, 3);
        CM.draw.shape(ctx, 'diamond', x, y, 12, CM.PRIORITY_COLOURS.P1, '#ffffff', 2);
        CM.draw.glyph(ctx, '!', x, y, CM.PRIORITY_TEXT.P1, 'bold 13px sans-serif');
      }) };
    }
    const key = 'inc|' + pr + '|' + closed + '|' + breached;
    return { r: 8, sprite: CM.sprite(key, 26, function (ctx, x, y) {
      if (breached) CM.draw.circle(ctx, x, y, 10.5, 'rgba(0,0,0,0)', CM.BREACH_RING, 3);
      CM.draw.circle(ctx, x, y, 8, closed ? CM.CLOSED_COLOUR : CM.PRIORITY_COLOURS[pr], '#ffffff', 1.5);
      CM.draw.glyph(ctx, closed ? '✓' : pr.slice(1), x, y, closed ? '#000000' : CM.PRIORITY_TEXT[pr],
                    'bold 10px sans-serif');
    }) };
  };

  /* A cluster: sized by its count, filled with its most urgent member's colour, that priority's number on a
   * badge, and a black ring when any member is past its SLA. */
  CM.drawCluster = function (ctx, labels, x, y, count, worst, breached) {
    const r = count < 10 ? 13 : count < 100 ? 16 : count < 1000 ? 20 : count < 10000 ? 24 : 28;
    const pr = worst >= 1 && worst <= 4 ? 'P' + worst : null;
    const fill = pr ? CM.PRIORITY_COLOURS[pr] : CM.CLOSED_COLOUR;
    if (breached) CM.draw.circle(ctx, x, y, r + 4, 'rgba(0,0,0,0)', CM.BREACH_RING, 3.5);
    CM.draw.circle(ctx, x, y, r, fill, '#ffffff', 2.5, 0.92);
    CM.draw.text(ctx, labels, String(count), x, y,
                 { font: 'bold 12px sans-serif', halo: false, colour: pr ? CM.PRIORITY_TEXT[pr] : '#000000' });
    // The badge names the priority without colour.
    const bx = x + r * 0.75, by = y - r * 0.75;
    CM.draw.circle(ctx, bx, by, 6.5, '#ffffff', '#333333', 1);
    CM.draw.glyph(ctx, pr ? pr.slice(1) : '✓', bx, by, '#000000', 'bold 9px sans-serif');
    return r;
  };

  CM.hotspotMarker = function (age, conf) {
    const r = conf === 'high' ? 7 : conf === 'nominal' ? 6 : 5;
    const colour = CM.HOTSPOT_AGE_COLOURS[age] || CM.HOTSPOT_AGE_COLOURS['5d'];
    return { r: r, sprite: CM.sprite('hot|' + age + '|' + conf, 20, function (ctx, x, y) {
      CM.draw.shape(ctx, 'triangle', x, y + 1, r, colour, '#3e0000', 1.2, conf === 'low' ? 0.5 : 0.95);
    }) };
  };

  /* An AQI station: a rounded square in its band colour with its AQI value. */
  CM.drawAqi = function (ctx, labels, x, y, aqi, band) {
    const fill = band ? band.colour : CM.UNKNOWN_COLOUR;
    CM.draw.shape(ctx, 'rounded', x, y, 9, fill, band && band.band >= 4 ? '#000000' : '#333333',
                  band && band.band >= 4 ? 2 : 1);
    CM.draw.text(ctx, labels, aqi, x, y, { font: 'bold 11px sans-serif', halo: false,
                                           colour: band ? band.text : '#000000' });
  };

  /* A river gauge: a drop in its band colour with the band's glyph; bank-full and flooding larger, outlined. */
  CM.riverMarker = function (band) {
    const severe = band.band === 'bank_full' || band.band === 'flooding';
    const r = severe ? 10 : 8;
    return { r: r, sprite: CM.sprite('river|' + band.band + '|' + band.colour + '|' + band.glyph, 34,
      function (ctx, x, y) {
        CM.draw.shape(ctx, 'drop', x, y + 3, r, band.colour, severe ? '#000000' : '#ffffff', severe ? 2.5 : 1.5);
        CM.draw.glyph(ctx, band.glyph, x, y + 4, band.text, 'bold ' + (severe ? 11 : 10) + 'px sans-serif');
      }) };
  };

  /* A legend swatch, drawn with the map's own marker code. */
  CM.drawSwatch = function (ctx, spec, x, y) {
    if (spec.shape === 'incident' || spec.shape === 'major') {
      const m = CM.incidentMarker({ priority: spec.priority, status: spec.closed ? 'closed' : 'open',
                                    sla_breached: !!spec.breached, major: spec.shape === 'major' });
      const scale = spec.shape === 'major' ? 0.5 : 0.85;
      ctx.save(); ctx.translate(x, y); ctx.scale(scale, scale); CM.stamp(ctx, m.sprite, 0, 0); ctx.restore();
    } else if (spec.shape === 'cluster') {
      ctx.save(); ctx.translate(x, y); ctx.scale(0.5, 0.5);
      CM.drawCluster(ctx, [], 0, 0, 12, CM.PRIORITY_RANK[spec.priority], !!spec.breached);
      ctx.restore();
    } else if (spec.shape === 'hotspot') {
      CM.stamp(ctx, CM.hotspotMarker(spec.age, 'high').sprite, x, y);
    } else if (spec.shape === 'aqi') {
      ctx.save(); ctx.translate(x, y); ctx.scale(0.7, 0.7);
      CM.drawAqi(ctx, [], 0, 0, String(spec.band.min), spec.band);
      ctx.restore();
    } else if (spec.shape === 'river') {
      ctx.save(); ctx.translate(x, y - 2); ctx.scale(0.8, 0.8);
      CM.stamp(ctx, CM.riverMarker(spec.band).sprite, 0, 0);
      ctx.restore();
    } else if (spec.shape === 'alert') {
      const look = CM.ALERT_LOOK[spec.severity] || CM.ALERT_LOOK.info;
      ctx.beginPath();
      ctx.arc(x, y, 6.5, 0, 2 * Math.PI);
      ctx.setLineDash(look.dash ? look.dash.split(' ').map(function (v) { return Number(v) / 2; }) : []);
      ctx.lineWidth = look.weight + 1.5;
      ctx.strokeStyle = CM.ALERT_CASING;
      ctx.stroke();
      ctx.lineWidth = look.weight;
      ctx.strokeStyle = look.colour;
      ctx.stroke();
      ctx.setLineDash([]);
    } else if (spec.shape === 'box') {
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = '#5c6bc0';
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 6, y - 5, 12, 10);
      ctx.setLineDash([]);
    }
  };
})();
