// charts.js — hand-made SVG charts (no chart library): horizontal bars, donut.
import { h, s } from './dom.js';
import { fmt } from './i18n.js';

/** Horizontal bar chart. items: [{label, value, note}]; accessible as a table. */
export function barChart(items, { unit = '', color = '#2e7d32', title = '', digits = 1, max, note = '' } = {}) {
  const rowH = 26, labelW = 132, valueW = 96, width = 560;
  const height = Math.max(rowH * items.length + 8, 30);
  const top = max || Math.max(...items.map((i) => i.value), 1);
  const plotW = width - labelW - valueW;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart bar', role: 'img', 'aria-label': title, preserveAspectRatio: 'xMinYMin meet' });
  items.forEach((it, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(1, (it.value / top) * plotW);
    svg.append(
      s('text', { x: labelW - 8, y: y + rowH / 2 + 1, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'lbl' }, truncate(it.label, 10)),
      s('rect', { x: labelW, y: y + 4, width: plotW, height: rowH - 8, rx: 3, class: 'track' }),
      s('rect', { x: labelW, y: y + 4, width: w, height: rowH - 8, rx: 3, fill: it.color || color },
        s('title', {}, `${it.label}: ${fmt(it.value, digits)} ${unit}`)),
      w > plotW * 0.62
        ? s('text', { x: labelW + w - 6, y: y + rowH / 2 + 1, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'val inside' }, `${fmt(it.value, digits)}${it.note ? ' · ' + it.note : ''}`)
        : s('text', { x: labelW + w + 6, y: y + rowH / 2 + 1, 'dominant-baseline': 'middle', class: 'val' }, `${fmt(it.value, digits)}${it.note ? ' · ' + it.note : ''}`));
  });
  return h('figure.chartbox', svg, note ? h('figcaption.chartnote', note) : null, srTable(items, unit, digits, title));
}

/** Donut chart with a legend. items: [{label, value, color}] */
export function donut(items, { unit = '', title = '', centre = '', centreSub = '', digits = 1 } = {}) {
  const total = items.reduce((a, b) => a + b.value, 0) || 1;
  const r = 70, cx = 90, cy = 90, sw = 28, C = 2 * Math.PI * r;
  const svg = s('svg', { viewBox: '0 0 180 180', class: 'chart donut', role: 'img', 'aria-label': title });
  svg.append(s('circle', { cx, cy, r, fill: 'none', class: 'track', 'stroke-width': sw }));
  let acc = 0;
  for (const it of items) {
    const len = (it.value / total) * C;
    svg.append(s('circle', { cx, cy, r, fill: 'none', stroke: it.color, 'stroke-width': sw, 'stroke-dasharray': `${len} ${C - len}`, 'stroke-dashoffset': -acc, transform: `rotate(-90 ${cx} ${cy})` },
      s('title', {}, `${it.label}: ${fmt(it.value, digits)} ${unit}`)));
    acc += len;
  }
  svg.append(s('text', { x: cx, y: cy - 2, 'text-anchor': 'middle', class: 'centre' }, centre),
    s('text', { x: cx, y: cy + 18, 'text-anchor': 'middle', class: 'centresub' }, centreSub));
  const legend = h('ul.chartlegend', items.map((it) => h('li',
    h('span.swatch', { style: { background: it.color }, 'aria-hidden': 'true' }),
    h('span.llabel', it.label), h('span.lval', `${fmt(it.value, digits)} ${unit}`), h('span.lpct', `${fmt((it.value / total) * 100, 1)}%`))));
  return h('figure.chartbox.donutbox', svg, legend);
}

function srTable(items, unit, digits, title) {
  return h('table.sr', h('caption', title), h('tbody', items.map((it) => h('tr', h('th', { scope: 'row' }, it.label), h('td', `${fmt(it.value, digits)} ${unit}`)))));
}
function truncate(str, n) { str = String(str ?? ''); return str.length > n ? str.slice(0, n - 1) + '…' : str; }
