// monitor_common.js — shared by the monitoring view (alerts.js), the
// dashboard panel (alerts_panel.js): tolerant API reads, status and
// fire-danger badges, small SVG line chart (§3.1.3).
import * as api from '../api.js';
import { h, s } from '../dom.js';
import { t, codeLabel, codeList, fmt, getLang } from '../i18n.js';

/** GET that answers null instead of throwing when the endpoint is not there
 * (404/405/501) — the monitoring backend lands part by part. Other errors
 * (401, 403, 500, network) are thrown. */
export async function tryGet(path) {
  try {
    return await api.get(path);
  } catch (e) {
    if (e instanceof api.ApiError && [404, 405, 501].includes(e.status)) return null;
    throw e;
  }
}
/** Like tryGet, but any failure is null (panels that must never break a page). */
export async function softGet(path) {
  try { return await api.get(path); } catch { return null; }
}
export const itemsOf = (d) => (Array.isArray(d) ? d : d && Array.isArray(d.items) ? d.items : []);

export const STATUSES = ['new', 'assigned', 'verified', 'closed'];
export const STATUS_COLOURS = { new: '#c62828', assigned: '#b26a00', verified: '#1565c0', closed: '#5f6b64' };

/** A label from the schema's code list if there is one, else from the catalogue. */
export function codeOr(list, code, prefix) {
  if (code === null || code === undefined || code === '') return '—';
  const has = codeList(list).some((c) => String(c.code) === String(code));
  if (has) return codeLabel(list, code);
  const k = `${prefix}.${code}`;
  const v = t(k);
  return v === k ? String(code) : v;
}
export const statusLabel = (st) => codeOr('alert_status', st, 'mon.status');
export const resultLabel = (r) => codeOr('alert_result', r, 'mon.result');
export const typeLabel = (ty) => codeOr('alert_type', ty, 'mon.type');
export const sourceLabel = (so) => codeOr('alert_source', so, 'mon.source');

export function statusBadge(st) {
  return h('span.mon-badge', { 'data-status': st || '', style: { background: STATUS_COLOURS[st] || '#5f6b64' } }, statusLabel(st));
}

// fire danger levels (森林火险等级, GB/T 36743): 1 绿 … 5 红
export const LEVEL_COLOURS = { 1: '#2e7d32', 2: '#1565c0', 3: '#f9a825', 4: '#ef6c00', 5: '#c62828' };
const LEVEL_INK = { 1: '#fff', 2: '#fff', 3: '#1a1200', 4: '#1a1200', 5: '#fff' };
const NAMED = { green: 1, blue: 2, yellow: 3, orange: 4, red: 5 };
export function levelColour(level, colour) {
  if (colour && /^#[0-9a-f]{3,8}$/i.test(colour)) return colour;
  if (colour && NAMED[String(colour).toLowerCase()]) return LEVEL_COLOURS[NAMED[String(colour).toLowerCase()]];
  return LEVEL_COLOURS[level] || '#5f6b64';
}
export function levelName(d) {
  if (!d) return '—';
  const n = getLang() === 'en' ? d.name_en : d.name_zh;
  return n || t('mon.level.' + d.level);
}
export function levelBadge(d) {
  const lv = Number(d.level) || 0;
  // the server's names carry the level already ("三级 较高火险"); the catalogue's do not
  const named = getLang() === 'en' ? d.name_en : d.name_zh;
  return h('span.mon-level', { 'data-level': lv, style: { background: levelColour(lv, d.colour), color: LEVEL_INK[lv] || '#fff' } },
    named || `${t('mon.levelN', { n: lv || '—' })} · ${t('mon.level.' + lv)}`);
}

/** A line chart of one or more series over dates. series: [{label, color, points:[{x:'YYYY-MM-DD', y}]}];
 * bands: [{from, to, color}] shaded y ranges (e.g. danger classes). Accessible as a table. */
export function lineChart(series, { title = '', unit = '', bands = [], digits = 1 } = {}) {
  const W = 640, H = 220, L = 40, R = 12, T = 10, B = 28;
  const xs = [...new Set(series.flatMap((se) => se.points.map((p) => p.x)))].sort();
  const ys = series.flatMap((se) => se.points.map((p) => p.y)).filter((y) => Number.isFinite(y));
  const top = Math.max(1, ...ys, ...bands.map((b) => Math.min(b.from * 1.15, b.to))) * 1.05;
  const X = (x) => L + (xs.length > 1 ? (xs.indexOf(x) / (xs.length - 1)) * (W - L - R) : (W - L - R) / 2);
  const Y = (y) => T + (1 - y / top) * (H - T - B);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart mon-line', role: 'img', 'aria-label': title, preserveAspectRatio: 'xMinYMin meet' });
  for (const b of bands) {
    if (b.from >= top) continue;
    const y1 = Y(Math.min(b.to, top)), y0 = Y(b.from);
    svg.append(s('rect', { x: L, y: y1, width: W - L - R, height: Math.max(0, y0 - y1), fill: b.color, opacity: 0.13 }));
  }
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: '#e3e9e4' }),
      s('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'lbl' }, fmt(v, 0)));
  }
  const step = Math.max(1, Math.ceil(xs.length / 6));
  xs.forEach((x, i) => {
    if (i % step && i !== xs.length - 1) return;
    svg.append(s('text', { x: X(x), y: H - 8, 'text-anchor': 'middle', class: 'lbl' }, x.slice(5)));
  });
  for (const se of series) {
    const pts = se.points.filter((p) => Number.isFinite(p.y));
    if (!pts.length) continue;
    svg.append(s('polyline', { points: pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' '), fill: 'none', stroke: se.color, 'stroke-width': 2 }));
    for (const p of pts) svg.append(s('circle', { cx: X(p.x), cy: Y(p.y), r: 2.5, fill: se.color }, s('title', {}, `${se.label} ${p.x}: ${fmt(p.y, digits)} ${unit}`)));
  }
  const legend = series.length > 1 ? h('ul.mon-legend', series.map((se) => h('li', h('span.swatch', { style: { background: se.color }, 'aria-hidden': 'true' }), se.label))) : null;
  // in a div.sr: a table does not shrink to the 1 px of .sr and would widen a phone's page
  const table = h('table', h('caption', title),
    h('thead', h('tr', h('th', { scope: 'col' }, t('mon.date')), series.map((se) => h('th', { scope: 'col' }, se.label)))),
    h('tbody', xs.map((x) => h('tr', h('th', { scope: 'row' }, x), series.map((se) => {
      const p = se.points.find((q) => q.x === x);
      return h('td', p ? fmt(p.y, digits) : '—');
    })))));
  return h('figure.chartbox', svg, legend, h('div.sr', table));
}

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
export function addDays(day, n) {
  const d = new Date(day + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
/** One entry per warning: the same text sent to several towns and rangers
 * (kind, ref, text) counts its recipients. */
export function groupNotes(notes) {
  const out = new Map();
  for (const n of notes || []) {
    const k = `${n.kind}|${n.ref}|${n.text_zh}`;
    const g = out.get(k);
    if (g) g.recipients++;
    else out.set(k, { ...n, recipients: 1 });
  }
  return [...out.values()];
}
export const recipientsNote = (n) => (n.recipients > 1 ? h('span.muted', ' ', t('mon.recipients', { n: n.recipients })) : null);

export const notAvailable = (what) => h('p.mon-na.muted', { 'data-testid': 'not-available' }, t('mon.notAvailable', { what }));
