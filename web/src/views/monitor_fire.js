// monitor_fire.js — the fire-danger (森林火险, FWI) and pest (有害生物,
// fall webworm degree days) tabs of the monitoring view (§3.1.3).
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmt, fmtTime, getLang, fields, fieldLabel, display } from '../i18n.js';
import { spinner } from '../components.js';
import { tryGet, softGet, itemsOf, levelBadge, levelColour, lineChart, today, addDays, notAvailable, LEVEL_COLOURS, groupNotes, recipientsNote } from './monitor_common.js';

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
  // the stored station-days (one request); else one danger request per day
  let all = itemsOf(await softGet('/api/fire_danger' + api.qs({ 'date.ge': from, 'date.le': day, limit: 2000, sort: 'date' })));
  if (!all.length) {
    const days = Array.from({ length: 30 }, (_, i) => addDays(from, i));
    const got = await Promise.all(days.map((d) => softGet('/api/fire/danger' + api.qs({ date: d }))));
    all = got.flatMap((g, i) => itemsOf(g).filter((r) => !r.date || r.date === days[i]).map((r) => ({ date: days[i], ...r })));
  }
  const stations = [...new Set([...rows.map((r) => r.station), ...all.map((r) => r.station)])];
  return stations.map((st, i) => ({
    label: stationName(rows.find((r) => r.station === st) || all.find((r) => r.station === st && r.name) || { station: st }),
    color: PALETTE[i % PALETTE.length],
    points: all.filter((r) => r.station === st && Number.isFinite(Number(r.fwi))).map((r) => ({ x: String(r.date).slice(0, 10), y: Number(r.fwi) }))
      .sort((a, b) => a.x.localeCompare(b.x)),
  }));
}

export function noticeCard(title, notes, testid) {
  return h('section.card', { 'data-testid': testid }, h('h2', title),
    h('ul.mon-notes', groupNotes(notes).slice(0, 20).map((n) => h('li', { 'data-level': n.level },
      h('span.mon-nlevel', { style: { background: levelColour(Number(n.level)) }, 'aria-hidden': 'true' }),
      h('span', (getLang() === 'en' ? n.text_en : n.text_zh) || n.text_zh || n.text_en, recipientsNote(n)),
      h('time.muted', { datetime: n.sent_at || n.created_at }, fmtTime(n.sent_at || n.created_at))))));
}

// ---------------------------------------------------------------- pests

const nameIn = (o) => (o ? (getLang() === 'en' ? o.name_en || o.name_zh : o.name_zh || o.name_en) || o.code || '' : '');

/** One row per station and species, from {stations:[{station, name, species:[…]}]} or a flat list. */
function pestRows(data) {
  if (Array.isArray(data?.stations)) {
    return data.stations.flatMap((st) => (st.species || []).map((sp) => ({ ...sp, station: st.station, station_name: st.name })));
  }
  return itemsOf(data);
}

export async function renderPests(body, ctx, q) {
  const { day, el } = dateBar(q, 'pests');
  body.append(el);
  const box = h('div.mon-pests', { 'aria-live': 'polite' }, spinner());
  body.append(box);
  let data;
  try { data = await tryGet('/api/pests/status' + api.qs({ date: day })); } catch (e) { clear(box).append(h('p.alert.error', { role: 'alert' }, e.message)); return; }
  clear(box);
  if (!data) { box.append(notAvailable(t('mon.tab.pests'))); return; }
  const rows = pestRows(data);
  const surveys = Array.isArray(data.surveys) ? data.surveys : [];
  const traps = Array.isArray(data.traps) ? data.traps : [];
  const warnings = Array.isArray(data.warnings) ? data.warnings : [];
  if (warnings.length) {
    box.append(h('section.card.mon-pestwarn', { 'data-testid': 'pest-warnings' }, h('h2', t('mon.pestWarnings')),
      h('ul.mon-notes', warnings.map((w) => h('li', { 'data-level': w.level },
        h('span.mon-nlevel', { style: { background: levelColour(Number(w.level)) }, 'aria-hidden': 'true' }),
        h('span', (getLang() === 'en' ? w.text_en : w.text_zh) || w.text_zh),
        h('span.muted', w.date || ''))))));
  }
  if (!rows.length) box.append(h('p.alert.info', t('mon.pestNone', { day })));
  const cards = h('div.mon-cards');
  box.append(cards);
  for (const r of rows) {
    const dd = Number(r.degree_days ?? r.dd) || 0;
    const stage = r.stage && typeof r.stage === 'object' ? r.stage : null;
    const next = r.next && typeof r.next === 'object' ? r.next : null;
    const marks = [stage, next].filter((m) => m && Number.isFinite(Number(m.dd)));
    const max = Math.max(dd, ...marks.map((m) => Number(m.dd)), 1) * 1.08;
    const disaster = surveys.some((x) => x.species === r.species && x.disaster);
    cards.append(h('section.card.mon-pest', { 'data-testid': 'pest-status', 'data-species': r.species || '', 'data-station': r.station || '', class: disaster ? 'disaster' : '' },
      h('h2', nameIn(r) || r.species, h('span.muted', ' · ', r.station_name || r.station || '')),
      h('p', t('mon.dd'), ': ', h('strong', { 'data-testid': 'pest-dd' }, fmt(dd, 1)), ' ', t('mon.ddUnit'),
        r.base_temp != null ? h('span.muted', ' ', t('mon.ddBase', { c: fmt(r.base_temp, 1) })) : null),
      h('p', t('mon.stage'), ': ', h('strong', { 'data-testid': 'pest-stage' }, stage ? nameIn(stage) : t('mon.noStage'))),
      next ? h('p.muted', t('mon.nextStage', { name: nameIn(next), dd: fmt(Number(next.dd), 0), left: fmt(Number(next.remaining_dd ?? next.dd - dd), 0) })) : null,
      h('div.mon-ddbar', { role: 'img', 'aria-label': `${t('mon.dd')} ${fmt(dd, 1)} ${t('mon.ddUnit')}` },
        h('span.mon-ddfill', { style: { width: Math.min(100, (dd / max) * 100) + '%' } }),
        marks.map((m) => h('span.mon-ddmark', { style: { left: Math.min(100, (Number(m.dd) / max) * 100) + '%' }, title: `${nameIn(m)} ${fmt(Number(m.dd), 0)}` },
          h('span.mon-ddlabel', `${fmt(Number(m.dd), 0)}`)))),
      r.missing_days ? h('p.muted.mon-small', t('mon.missingDays', { n: r.missing_days })) : null,
      h('p', { 'data-testid': 'pest-disaster', class: disaster ? 'mon-bad' : 'mon-good' }, disaster ? '⚠ ' + t('mon.disaster') : t('mon.noDisaster'))));
  }
  const sv = h('section.card', { 'data-testid': 'pest-surveys' }, h('h2', t('mon.pestSurveys')));
  box.append(sv);
  if (!surveys.length) sv.append(h('p.muted', t('mon.noSurveys')));
  else {
    sv.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('mon.pestSurveys') }, h('table.grid',
      h('thead', h('tr', ['date', 'parcel', 'infested', 'leafloss', 'grade', 'disaster'].map((k) => h('th', { scope: 'col' }, t('mon.ps.' + k))))),
      h('tbody', surveys.slice(-100).reverse().map((x) => h('tr', { class: x.disaster ? 'mon-badrow' : '' },
        h('td', x.date), h('td', x.parcel_code || '—'), h('td.num', fmt(x.infested_rate_pct, 2), '%'), h('td.num', fmt(x.leaf_loss_pct, 0), '%'),
        h('td', (getLang() === 'en' ? x.grade : x.grade_zh) || x.grade || '—'),
        h('td', x.disaster ? h('strong.mon-bad', t('yes')) : t('no'))))))));
  }
  if (traps.length) {
    box.append(h('section.card', { 'data-testid': 'pest-traps' }, h('h2', t('mon.pestTraps')),
      h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('mon.pestTraps') }, h('table.grid',
        h('thead', h('tr', ['date', 'site', 'parcel', 'count'].map((k) => h('th', { scope: 'col' }, t('mon.pt.' + k))))),
        h('tbody', traps.slice(-100).reverse().map((x) => h('tr', h('td', x.date), h('td', x.site || '—'), h('td', x.parcel_code || '—'), h('td.num', fmt(x.count, 0)))))))));
  }
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
