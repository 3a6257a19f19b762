// monitor_fire.js — the fire-danger (森林火险, FWI) and pest (有害生物,
// fall webworm degree days) tabs of the monitoring view (§3.1.3).
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmt, fmtTime, getLang, fields, fieldLabel, display } from '../i18n.js';
import { spinner } from '../components.js';
import { tryGet, softGet, itemsOf, levelBadge, levelColour, lineChart, today, addDays, notAvailable, LEVEL_COLOURS } from './monitor_common.js';

const INDICES = ['ffmc', 'dmc', 'dc', 'isi', 'bui', 'fwi', 'dsr'];
const PALETTE = ['#2e7d32', '#1565c0', '#ad1457', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037'];

function dateBar(q, tab) {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(q.date || '') ? q.date : today();
  const input = h('input#mon-date', { type: 'date', value: day, 'data-testid': 'mon-date' });
  const go = () => { location.hash = '#/alerts?' + new URLSearchParams({ tab, date: input.value || today() }); };
  input.addEventListener('change', go);
  return { day, el: h('form.mon-datebar', { onsubmit: (e) => { e.preventDefault(); go(); } },
    h('label', { for: 'mon-date' }, t('mon.date')), input,
    h('button.btn.small', { type: 'button', onclick: () => { input.value = today(); go(); } }, t('mon.today'))) };
}

const stationName = (d) => d.name || d.station_name || d.station || '—';

export async function renderFire(body, ctx, q) {
  const { day, el } = dateBar(q, 'fire');
  body.append(el);
  const box = h('div.mon-fire', { 'aria-live': 'polite' }, spinner());
  body.append(box);
  let data;
  try { data = await tryGet('/api/fire/danger' + api.qs({ date: day })); } catch (e) { clear(box).append(h('p.alert.error', { role: 'alert' }, e.message)); return; }
  clear(box);
  if (!data) { box.append(notAvailable(t('mon.tab.fire'))); return; }
  const rows = itemsOf(data);
  box.append(h('ul.mon-levels', { 'aria-label': t('mon.levelScale') }, [1, 2, 3, 4, 5].map((n) =>
    h('li', h('span.swatch', { style: { background: LEVEL_COLOURS[n] }, 'aria-hidden': 'true' }), t('mon.levelN', { n }), ' ', t('mon.level.' + n)))));
  if (!rows.length) {
    box.append(h('p.alert.info', { 'data-testid': 'fire-none' }, t('mon.fireNone', { day })));
  } else {
    const top = rows.reduce((m, r) => (Number(r.level) > Number(m.level) ? r : m), rows[0]);
    if (Number(top.level) >= 3) box.append(h('p.alert.error.mon-warn', { role: 'alert', 'data-testid': 'fire-warning' }, t('mon.fireWarn', { level: top.level, station: stationName(top) })));
    box.append(h('div.mon-cards', rows.map((r) => h('section.card.mon-station', { 'data-station': r.station, 'data-testid': 'fire-station', style: { borderTopColor: levelColour(Number(r.level), r.colour) } },
      h('h2', stationName(r), r.station && r.name ? h('span.muted', ' ', r.station) : null),
      h('p', { 'data-testid': 'fire-level' }, levelBadge(r)),
      h('dl.mon-indices', INDICES.filter((k) => r[k] !== undefined).map((k) => h('div', h('dt', { title: t('mon.idx.' + k) }, k.toUpperCase()), h('dd', { 'data-index': k }, fmt(r[k], 1))))),
      r.date ? h('p.muted.mon-small', t('mon.asOf', { day: r.date })) : null))));
  }

  // 30 days of FWI, one line per station
  const chartBox = h('section.card', { 'data-testid': 'fire-chart' }, h('h2', t('mon.fwi30')), spinner());
  box.append(chartBox);
  const series = await fwiSeries(day, rows);
  clear(chartBox).append(h('h2', t('mon.fwi30')));
  if (!series.length || series.every((s) => !s.points.length)) chartBox.append(h('p.muted', t('mon.noSeries')));
  else chartBox.append(lineChart(series, { title: t('mon.fwi30'), digits: 1 }));

  // recent fire-danger warnings sent to towns and rangers
  const notes = itemsOf(await softGet('/api/notifications?limit=50')).filter((n) => n.kind === 'fire_danger');
  if (notes.length) box.append(noticeCard(t('mon.fireNotices'), notes, 'fire-notices'));
}

async function fwiSeries(day, rows) {
  const from = addDays(day, -29);
  let all = itemsOf(await softGet('/api/fire/danger' + api.qs({ from, to: day })));
  if (new Set(all.map((r) => r.date)).size < 2) {
    const days = Array.from({ length: 30 }, (_, i) => addDays(from, i));
    const got = await Promise.all(days.map((d) => softGet('/api/fire/danger' + api.qs({ date: d }))));
    all = got.flatMap((g, i) => itemsOf(g).map((r) => ({ date: days[i], ...r })));
  }
  const stations = [...new Set([...rows.map((r) => r.station), ...all.map((r) => r.station)])];
  return stations.map((st, i) => ({
    label: stationName(all.find((r) => r.station === st) || rows.find((r) => r.station === st) || { station: st }),
    color: PALETTE[i % PALETTE.length],
    points: all.filter((r) => r.station === st && Number.isFinite(Number(r.fwi))).map((r) => ({ x: String(r.date).slice(0, 10), y: Number(r.fwi) }))
      .sort((a, b) => a.x.localeCompare(b.x)),
  }));
}

export function noticeCard(title, notes, testid) {
  return h('section.card', { 'data-testid': testid }, h('h2', title),
    h('ul.mon-notes', notes.slice(0, 20).map((n) => h('li', { 'data-level': n.level },
      h('span.mon-nlevel', { style: { background: levelColour(Number(n.level)) }, 'aria-hidden': 'true' }),
      h('span', (getLang() === 'en' ? n.text_en : n.text_zh) || n.text_zh || n.text_en),
      h('time.muted', { datetime: n.created_at }, fmtTime(n.created_at))))));
}

// ---------------------------------------------------------------- pests

const speciesName = (r) => (getLang() === 'en' ? (r.species_name_en || r.name_en) : (r.species_name_zh || r.name_zh)) || r.species_name || r.species || '—';
const stageName = (st) => (st && typeof st === 'object' ? (getLang() === 'en' ? st.name_en || st.name : st.name_zh || st.name) || st.code : st) || '—';

export async function renderPests(body, ctx, q) {
  const { day, el } = dateBar(q, 'pests');
  body.append(el);
  const box = h('div.mon-pests', { 'aria-live': 'polite' }, spinner());
  body.append(box);
  let data;
  try { data = await tryGet('/api/pests/status' + api.qs({ date: day })); } catch (e) { clear(box).append(h('p.alert.error', { role: 'alert' }, e.message)); return; }
  clear(box);
  if (!data) { box.append(notAvailable(t('mon.tab.pests'))); return; }
  const rows = itemsOf(data).length ? itemsOf(data) : itemsOf(data.stations || data.status || []);
  if (!rows.length) box.append(h('p.alert.info', t('mon.pestNone', { day })));
  for (const r of rows) {
    const dd = Number(r.degree_days ?? r.dd);
    const stages = Array.isArray(r.stages) ? r.stages : [];
    const max = Math.max(dd || 0, ...stages.map((s) => Number(s.dd ?? s.degree_days ?? s.threshold) || 0), 1);
    const disaster = !!(r.disaster ?? r.is_disaster);
    box.append(h('section.card.mon-pest', { 'data-testid': 'pest-status', 'data-species': r.species || '', class: disaster ? 'disaster' : '' },
      h('h2', speciesName(r), ' · ', r.station_name || r.name || r.station || ''),
      h('p', t('mon.dd'), ': ', h('strong', { 'data-testid': 'pest-dd' }, fmt(dd, 1)), ' ', t('mon.ddUnit'),
        r.base_c != null ? h('span.muted', ' ', t('mon.ddBase', { c: fmt(r.base_c, 1) })) : null),
      h('p', t('mon.stage'), ': ', h('strong', { 'data-testid': 'pest-stage' }, stageName(r.stage)),
        r.next_stage ? h('span.muted', ' → ', stageName(r.next_stage), r.next_dd != null ? ` (${fmt(r.next_dd, 0)} ${t('mon.ddUnit')})` : '') : null),
      stages.length ? h('div.mon-ddbar', { role: 'img', 'aria-label': `${t('mon.dd')} ${fmt(dd, 1)}` },
        h('span.mon-ddfill', { style: { width: Math.min(100, (dd / max) * 100) + '%' } }),
        stages.map((s) => h('span.mon-ddmark', { style: { left: Math.min(100, ((Number(s.dd ?? s.degree_days ?? s.threshold) || 0) / max) * 100) + '%' }, title: stageName(s) },
          h('span.mon-ddlabel', stageName(s))))) : null,
      gradesOf(r),
      h('p', { 'data-testid': 'pest-disaster', class: disaster ? 'mon-bad' : 'mon-good' }, disaster ? '⚠ ' + t('mon.disaster') : t('mon.noDisaster'),
        r.threshold != null ? h('span.muted', ' ', t('mon.threshold', { v: r.threshold })) : null)));
  }
  const [surveys, traps] = await Promise.all([softGet('/api/pest_surveys?limit=50&sort=-fid'), softGet('/api/pest_traps?limit=50&sort=-fid')]);
  if (surveys) box.append(h('section.card', h('h2', t('mon.pestSurveys')), resourceTable('pest_surveys', itemsOf(surveys))));
  if (traps) box.append(h('section.card', h('h2', t('mon.pestTraps')), resourceTable('pest_traps', itemsOf(traps))));
}

function gradesOf(r) {
  const g = r.grades || r.survey_grades;
  if (!g) return null;
  const list = Array.isArray(g) ? g : Object.entries(g).map(([k, v]) => ({ grade: k, count: v }));
  if (!list.length) return h('p.muted', t('mon.noSurveys'));
  return h('p', t('mon.grades'), ': ', list.map((x, i) => [i ? '、' : '', typeof x === 'object' ? `${x.grade ?? x.code ?? ''}${x.name_zh && getLang() === 'zh' ? ' ' + x.name_zh : ''}${x.count != null ? ' × ' + x.count : ''}` : String(x)]));
}

/** A table of records with the schema's labels (first `max` fields). */
export function resourceTable(resource, items, { max = 8, cols } = {}) {
  if (!items.length) return h('p.muted', t('mon.noneYet'));
  const fl = cols || fields(resource).filter((f) => f.type !== 'json' && f.type !== 'geometry').slice(0, max).map((f) => f.name);
  const names = fl.length ? fl : Object.keys(items[0]).filter((k) => typeof items[0][k] !== 'object').slice(0, max);
  return h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': resource },
    h('table.grid', { 'data-resource': resource },
      h('thead', h('tr', names.map((n) => h('th', { scope: 'col' }, fieldLabel(resource, n))))),
      h('tbody', items.map((r) => h('tr', names.map((n) => h('td', display(resource, n, r[n]))))))));
}
