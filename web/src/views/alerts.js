// alerts.js — monitoring and early warning (监测预警, §3.1.3, §3.3.3): tabs
// (in the hash, #/alerts?tab=fire) for the alerts and their closed loop
// (new → assigned to the grid's ranger → verified → closed), fire danger,
// pests, the monitoring station and points with their plots, and the
// caller's notifications.  Every part tolerates a missing endpoint.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmt, fmtTime, nameOf, codeList, codeLabel } from '../i18n.js';
import { spinner, pageHeader } from '../components.js';
import {
  tryGet, softGet, itemsOf, STATUSES, STATUS_COLOURS, statusBadge, statusLabel, resultLabel, typeLabel, sourceLabel, notAvailable,
} from './monitor_common.js';
import { alertsMap } from './monitor_map.js';
import './monitor.css';
import { renderFire, renderPests } from './monitor_fire.js';
import { renderSites, renderNotices } from './monitor_sites.js';

const TABS = [
  ['alerts', 'mon.tab.alerts'], ['fire', 'mon.tab.fire'], ['pests', 'mon.tab.pests'],
  ['sites', 'mon.tab.sites'], ['notices', 'mon.tab.notices'],
];
const TYPES = ['forest_loss', 'fire', 'smoke', 'intrusion', 'pest', 'other'];
const SOURCES = ['satellite', 'camera', 'drone', 'system', 'fire', 'pest', 'ranger', 'public'];
const PAGE = 50;

export async function renderAlerts(main, ctx, { query }) {
  main.classList.add('page', 'mon');
  const q = Object.fromEntries(query.entries());
  const tab = TABS.some(([id]) => id === q.tab) ? q.tab : 'alerts';
  main.append(pageHeader(t('mon.title'), h('span.muted', t('mon.clause'))));
  main.append(h('nav.mon-tabs', { 'aria-label': t('mon.tabs'), 'data-testid': 'mon-tabs' },
    h('ul', TABS.map(([id, key]) => h('li', h('a', {
      href: '#/alerts?tab=' + id, 'data-tab': id, 'aria-current': id === tab ? 'page' : null,
    }, t(key)))))));
  const body = h('div.mon-body', { 'data-tab': tab });
  main.append(body);
  if (tab === 'fire') return renderFire(body, ctx, q);
  if (tab === 'pests') return renderPests(body, ctx, q);
  if (tab === 'sites') return renderSites(body, ctx, q);
  if (tab === 'notices') return renderNotices(body, ctx, q);
  return renderAlertList(body, ctx, q);
}

// ---------------------------------------------------------------- alerts tab

function options(list, fixed, prefixLabel, selected) {
  const codes = codeList(list).length ? codeList(list).map((c) => String(c.code)) : fixed;
  return [h('option', { value: '' }, t('all')), ...codes.map((c) => h('option', { value: c, selected: selected === c }, prefixLabel(c)))];
}

async function renderAlertList(body, ctx, q) {
  const offset = Number(q.offset) || 0;
  const setQ = (changes) => {
    const next = { ...q, ...changes, tab: 'alerts' };
    if (!('offset' in changes)) delete next.offset;
    delete next.id;
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] == null) delete next[k];
    location.hash = '#/alerts?' + new URLSearchParams(next);
  };
  const role = ctx.session?.role;

  // summary
  const kpis = h('section.kpis.small.mon-kpis', { 'aria-label': t('mon.summary'), 'data-testid': 'alert-kpis' });
  body.append(kpis);

  // filters
  const mk = (name, list, fixed, label) => {
    const sel = h('select', { id: 'af-' + name, 'data-filter': name, onchange: () => setQ({ [name]: sel.value }) }, options(list, fixed, label, q[name]));
    return h('div.field', h('label', { for: 'af-' + name }, t('mon.f.' + name)), sel);
  };
  body.append(h('form.filters.mon-filters', { 'aria-label': t('mon.filters'), onsubmit: (e) => e.preventDefault() },
    mk('status', 'alert_status', STATUSES, statusLabel),
    mk('type', 'alert_type', TYPES, typeLabel),
    mk('source', 'alert_source', SOURCES, sourceLabel),
    h('div.filteractions', h('button.btn', { type: 'button', onclick: () => { location.hash = '#/alerts?tab=alerts'; } }, t('parcels.reset')))));

  const listBox = h('section.mon-listbox', { 'aria-live': 'polite' }, spinner());
  const mapEl = h('div.mon-map', { role: 'application', tabindex: '0', 'aria-label': t('mon.mapAria'), 'data-testid': 'alerts-map' });
  const detail = h('aside.mon-detail.card', { 'aria-live': 'polite', 'data-testid': 'alert-detail', tabindex: '-1' }, h('p.muted', t('mon.pick')));
  const legend = h('ul.mon-legend.mon-maplegend', { 'aria-label': t('mon.f.status') }, STATUSES.map((st) =>
    h('li', h('span.swatch', { style: { background: STATUS_COLOURS[st] }, 'aria-hidden': 'true' }), statusLabel(st))));
  body.append(h('div.mon-split', h('div.mon-left', listBox, h('div.mon-mapbox', mapEl, legend)), detail));

  const summary = await softGet('/api/monitor/summary');
  paintKpis(kpis, summary);

  let data;
  try {
    data = await tryGet('/api/alerts' + api.qs({ status: q.status, type: q.type, source: q.source, limit: PAGE, offset, sort: q.sort || '-observed_at' }));
  } catch (e) {
    clear(listBox).append(h('p.alert.error', { role: 'alert' }, e.message));
    return null;
  }
  if (!data) { clear(listBox).append(notAvailable(t('mon.tab.alerts'))); mapEl.parentNode.hidden = true; detail.hidden = true; return null; }
  const items = itemsOf(data);
  const total = data.total ?? items.length;
  const mapper = alertsMap(mapEl, ctx, { onSelect: (a) => select(a.id ?? a.fid, true) });
  let selected = q.id || null;

  function paintList() {
    clear(listBox);
    listBox.append(h('p.tablemeta', { 'data-testid': 'alerts-total' },
      t('mon.count', { from: total ? offset + 1 : 0, to: offset + items.length, total })));
    if (!items.length) { listBox.append(h('p.muted.empty', t('mon.none'))); return; }
    const table = h('table.grid.mon-table', { 'data-testid': 'alerts-table' },
      h('caption.sr', t('mon.tab.alerts')),
      h('thead', h('tr', ['code', 'type', 'source', 'observed_at', 'town_code', 'status', 'result'].map((c) => h('th', { scope: 'col' }, t('mon.col.' + c))))),
      h('tbody', items.map((a) => {
        const id = a.id ?? a.fid;
        return h('tr', { 'data-id': id, 'data-code': a.code || '', class: String(id) === String(selected) ? 'selected' : '', onclick: () => select(id) },
          h('th', { scope: 'row' }, h('button.btn.link', { type: 'button', 'data-testid': 'alert-open', onclick: (e) => { e.stopPropagation(); select(id); } }, a.code || '#' + id)),
          h('td', typeLabel(a.type)),
          h('td', sourceLabel(a.source)),
          h('td', h('time', { datetime: a.observed_at }, fmtTime(a.observed_at))),
          h('td', a.town_code ? nameOf(a.town_code) : '—'),
          h('td', { 'data-col': 'status' }, statusBadge(a.status)),
          h('td', { 'data-col': 'result' }, a.result ? resultLabel(a.result) : '—'));
      })));
    listBox.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('mon.tab.alerts') }, table));
    if (total > PAGE) {
      listBox.append(h('nav.pager', { 'aria-label': t('parcels.paging') },
        h('button.btn', { type: 'button', disabled: offset <= 0, onclick: () => setQ({ offset: Math.max(0, offset - PAGE) }) }, '‹ ', t('parcels.prev')),
        h('span', t('parcels.page', { page: Math.floor(offset / PAGE) + 1, pages: Math.ceil(total / PAGE) })),
        h('button.btn', { type: 'button', disabled: offset + PAGE >= total, onclick: () => setQ({ offset: offset + PAGE }) }, t('parcels.next'), ' ›')));
    }
  }

  async function select(id, fromMap) {
    selected = String(id);
    const next = new URLSearchParams({ ...q, tab: 'alerts', id: selected });
    history.replaceState(null, '', '#/alerts?' + next);
    for (const tr of listBox.querySelectorAll('tr[data-id]')) tr.classList.toggle('selected', tr.dataset.id === selected);
    mapper.select(selected);
    clear(detail).append(spinner());
    let rec;
    try {
      rec = await api.get(`/api/alerts/${encodeURIComponent(id)}`);
    } catch (e) {
      clear(detail).append(h('p.alert.error', { role: 'alert' }, e.message));
      return;
    }
    const a = rec && rec.properties ? { ...rec.properties, id: rec.id ?? rec.properties.id ?? rec.properties.fid, geometry: rec.geometry } : { ...rec, id: rec.id ?? rec.fid };
    const row = items.find((x) => String(x.id ?? x.fid) === selected);
    if (row && a.status && row.status !== a.status) { Object.assign(row, a); paintList(); mapper.setStatus(selected, a.status); }
    paintDetail(detail, ctx, a, role, async () => { await refresh(); });
    if (!fromMap) {
      detail.focus({ preventScroll: true });
      // one column (phone, 200 % zoom): the details are below the list and the map
      if (window.matchMedia('(max-width: 60rem)').matches) detail.scrollIntoView({ block: 'start' });
    }
  }

  async function refresh() {
    try {
      const d = await api.get('/api/alerts' + api.qs({ status: q.status, type: q.type, source: q.source, limit: PAGE, offset, sort: q.sort || '-observed_at' }));
      items.splice(0, items.length, ...itemsOf(d));
    } catch { /* keep the old list */ }
    paintList();
    for (const a of items) mapper.setStatus(a.id ?? a.fid, a.status);
    paintKpis(kpis, await softGet('/api/monitor/summary'));
    if (selected) await select(selected, true);
  }

  paintList();
  await mapper.show(items);
  if (selected) await select(selected, true);
  return () => mapper.dispose();
}

function paintKpis(el, summary) {
  clear(el);
  const a = summary?.alerts;
  if (!a) { el.hidden = true; return; }
  el.hidden = false;
  for (const st of STATUSES) {
    el.append(h('div.kpi', { 'data-status': st, 'data-testid': 'kpi-' + st },
      h('span.kpilabel', statusLabel(st)), h('span.kpival', fmt(a[st] ?? 0, 0))));
  }
  el.append(h('div.kpi', { 'data-testid': 'kpi-loss' }, h('span.kpilabel', t('mon.confirmedLoss')),
    h('span.kpival', fmt(a.confirmed_loss_ha ?? 0, 2), h('small', ' ', t('unit.ha')))));
}

// ---------------------------------------------------------------- detail

const attUrl = (sha) => `/api/attachments/${encodeURIComponent(sha)}`;
const isSha = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v);

function mediaOf(m) {
  if (!m) return null;
  const list = Array.isArray(m) ? m : [m];
  return h('span.mon-media', list.map((x) => isSha(x)
    ? h('a', { href: attUrl(x), target: '_blank', rel: 'noopener' }, x.slice(0, 10) + '…')
    : /^https?:\/\//.test(String(x)) ? h('a', { href: x, target: '_blank', rel: 'noopener noreferrer' }, t('mon.link')) : String(x)));
}

function paintDetail(el, ctx, a, role, done) {
  clear(el);
  const dl = h('dl.attrs.mon-attrs');
  const row = (key, v) => { if (v !== null && v !== undefined && v !== '') dl.append(h('div.attr', h('dt', t('mon.col.' + key)), h('dd', { 'data-field': key }, v))); };
  row('type', typeLabel(a.type));
  row('source', sourceLabel(a.source));
  row('observed_at', fmtTime(a.observed_at));
  row('confidence', a.confidence != null ? fmt(a.confidence * 100, 0) + '%' : null);
  row('town_code', a.town_code ? nameOf(a.town_code) : null);
  row('grid_code', a.grid_code);
  row('ranger_code', a.ranger_code);
  row('parcel_codes', Array.isArray(a.parcel_codes) ? a.parcel_codes.join('、') : a.parcel_codes);
  row('natural_forest_ha', a.natural_forest_ha != null ? fmt(a.natural_forest_ha, 4) + ' ' + t('unit.ha') : null);
  row('merged_count', a.merged_count > 1 ? String(a.merged_count) : null);
  row('last_seen_at', a.merged_count > 1 && a.last_seen_at ? fmtTime(a.last_seen_at) : null);
  row('media', mediaOf(a.media));
  row('note', a.note);
  el.append(
    h('div.mon-dhead', h('h2', t('mon.alert'), ' ', h('span', { 'data-testid': 'alert-code' }, a.code || '#' + a.id)), statusBadge(a.status),
      a.result ? h('span.mon-result', { 'data-result': a.result }, resultLabel(a.result)) : null),
    dl,
    h('h3', t('mon.timeline')),
    timeline(a));
  const actions = h('div.mon-actions', { 'data-testid': 'alert-actions' });
  const err = h('p.alert.error', { role: 'alert', hidden: true, 'data-testid': 'action-error' });
  el.append(actions, err);
  const fail = (e) => { err.hidden = false; err.textContent = e instanceof api.ApiError && e.status === 409 ? t('mon.conflict', { msg: e.message }) : e.message; };
  const post = async (verb, body, btn) => {
    err.hidden = true;
    btn.disabled = true;
    try {
      await api.request('POST', `/api/alerts/${encodeURIComponent(a.id)}/${verb}`, { body });
      await done();
    } catch (e) { fail(e); btn.disabled = false; }
  };
  const staff = ['admin', 'bureau', 'town'].includes(role);
  if (staff && a.status === 'new') actions.append(assignForm(a, post));
  if ((staff || role === 'ranger') && a.status === 'assigned') actions.append(verifyForm(a, post, fail));
  if (staff && a.status === 'verified') actions.append(closeForm(a, post, 'mon.closeTitle'));
  // a plain false alarm can be closed without the field trip (bureau)
  if (['admin', 'bureau'].includes(role) && a.status === 'new') actions.append(closeForm(a, post, 'mon.closeFalse'));
  if (!actions.childNodes.length) actions.hidden = true;
}

function timeline(a) {
  const steps = [
    ['new', a.created_at || a.observed_at, [sourceLabel(a.source), a.merged_count > 1 ? t('mon.merged', { n: a.merged_count }) : null]],
    ['assigned', a.assigned_at, [a.ranger_code ? t('mon.toRanger', { r: a.ranger_code }) : null]],
    ['verified', a.verified_at, [a.result ? resultLabel(a.result) : null, a.loss_ha != null && a.result === 'confirmed' ? t('mon.lossHa', { ha: fmt(a.loss_ha, 4) }) : null, a.verify_note,
      isSha(a.verify_photo) ? h('a.mon-photo', { href: attUrl(a.verify_photo), target: '_blank', rel: 'noopener' }, h('img', { src: attUrl(a.verify_photo), alt: t('mon.photo'), loading: 'lazy' })) : null]],
    ['closed', a.closed_at, [a.close_note]],
  ];
  return h('ol.mon-timeline', { 'data-testid': 'alert-timeline' }, steps.map(([st, time, notes]) => {
    const isDone = !!time || (st === 'new');
    return h('li', { class: isDone ? 'done' : 'todo', 'data-step': st },
      h('span.mon-dot', { 'aria-hidden': 'true' }),
      h('div', h('strong', t('mon.step.' + st)), time ? h('time', { datetime: time }, ' ', fmtTime(time)) : h('span.muted', ' ', t('mon.pending')),
        notes.filter(Boolean).map((n) => h('div.mon-stepnote', n))));
  }));
}

function assignForm(a, post) {
  const sel = h('select#as-ranger', { 'data-testid': 'assign-ranger' }, h('option', { value: '' }, t('mon.gridRanger')));
  const btn = h('button.btn.primary', { type: 'submit', 'data-testid': 'assign-submit' }, t('mon.assign'));
  softGet('/api/rangers' + api.qs({ town_code: a.town_code, limit: 1000, sort: 'code' })).then((d) => {
    for (const r of itemsOf(d)) {
      if (r.status === 'inactive') continue;
      sel.append(h('option', { value: r.code, selected: r.code === a.ranger_code }, `${r.name || ''} ${r.code}`.trim()));
    }
  });
  return h('form.mon-form', { 'data-testid': 'assign-form', onsubmit: (e) => { e.preventDefault(); post('assign', sel.value ? { ranger: sel.value } : {}, btn); } },
    h('h3', t('mon.assignTitle')),
    h('div.field', h('label', { for: 'as-ranger' }, t('mon.ranger')), sel),
    h('div.mon-formrow', btn));
}

const isArea = (g) => !!g && (g.type === 'Polygon' || g.type === 'MultiPolygon');

/** The polygon of a GeoJSON geometry, Feature or one-feature collection; null if none. */
function polygonOf(j) {
  const g = j?.type === 'FeatureCollection' ? j.features?.[0]?.geometry : j?.type === 'Feature' ? j.geometry : j;
  return isArea(g) ? g : null;
}

function verifyForm(a, post, fail) {
  const res = h('select#vf-result', { required: true, 'data-testid': 'verify-result' },
    h('option', { value: '' }, '—'),
    h('option', { value: 'confirmed' }, resultLabel('confirmed')),
    h('option', { value: 'false_alarm' }, resultLabel('false_alarm')));
  const note = h('textarea#vf-note', { rows: 3, maxlength: 2000, required: true, 'data-testid': 'verify-note' });
  const photo = h('input#vf-photo', { type: 'file', accept: 'image/jpeg,image/png,image/webp', 'data-testid': 'verify-photo' });
  // §2: a confirmed loss is cut out of the natural parcels, so the registry
  // and the ledger agree.  A polygon alert loses its overlap with natural
  // forest (the number is optional and must match it); a number alone cannot
  // be cut out of a map, so a point alert takes the lost area as a polygon.
  const area = isArea(a.geometry);
  const loss = h('input#vf-loss', { type: 'number', min: 0, step: '0.0001', inputmode: 'decimal', 'data-testid': 'verify-loss',
    placeholder: a.natural_forest_ha != null ? fmt(a.natural_forest_ha, 4) : '', 'aria-describedby': 'vf-loss-hint' });
  const lossGeom = h('input#vf-loss-geom', { type: 'file', accept: '.geojson,.json,application/geo+json,application/json',
    'data-testid': 'verify-loss-geometry', 'aria-describedby': 'vf-loss-hint' });
  const lossField = area
    ? h('div.field', { hidden: true }, h('label', { for: 'vf-loss' }, t('mon.lossField')), loss,
      h('small#vf-loss-hint.muted', t('mon.lossPolygonHint')))
    : h('div.field', { hidden: true, 'data-testid': 'verify-loss-point' }, h('label', { for: 'vf-loss-geom' }, t('mon.lossGeomField')), lossGeom,
      h('small#vf-loss-hint.muted', t('mon.lossPointHint')));
  res.addEventListener('change', () => { lossField.hidden = res.value !== 'confirmed'; });
  const btn = h('button.btn.primary', { type: 'submit', 'data-testid': 'verify-submit' }, t('mon.verify'));
  return h('form.mon-form', {
    'data-testid': 'verify-form',
    onsubmit: async (e) => {
      e.preventDefault();
      if (!res.value) { res.setAttribute('aria-invalid', 'true'); res.focus(); return fail(new Error(t('mon.needResult'))); }
      res.removeAttribute('aria-invalid');
      const body = { result: res.value, note: note.value.trim() };
      if (res.value === 'confirmed' && area && loss.value !== '') body.loss_ha = Number(loss.value);
      const gfile = !area && res.value === 'confirmed' && lossGeom.files && lossGeom.files[0];
      if (gfile) {
        try { body.loss_geometry = polygonOf(JSON.parse(await gfile.text())); } catch { body.loss_geometry = null; }
        if (!body.loss_geometry) { lossGeom.setAttribute('aria-invalid', 'true'); lossGeom.focus(); return fail(new Error(t('mon.lossGeomBad'))); }
        lossGeom.removeAttribute('aria-invalid');
      }
      const file = photo.files && photo.files[0];
      if (res.value === 'confirmed' && !file) { photo.setAttribute('aria-invalid', 'true'); photo.focus(); return fail(new Error(t('mon.needPhoto'))); }
      photo.removeAttribute('aria-invalid');
      if (file) {
        btn.disabled = true;
        try {
          const { data } = await api.request('POST', '/api/attachments' + api.qs({ filename: file.name }), { raw: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
          body.photo = data.sha256;
        } catch (err) { btn.disabled = false; return fail(err); }
      }
      post('verify', body, btn);
    },
  },
  h('h3', t('mon.verifyTitle')),
  h('div.field', h('label', { for: 'vf-result' }, t('mon.result')), res),
  lossField,
  h('div.field', h('label', { for: 'vf-note' }, t('mon.note')), note),
  h('div.field', h('label', { for: 'vf-photo' }, t('mon.photo')), photo),
  h('div.mon-formrow', btn));
}

function closeForm(a, post, titleKey) {
  const note = h('textarea#cl-note', { rows: 2, maxlength: 2000, required: true, 'data-testid': 'close-note' });
  const btn = h('button.btn.primary', { type: 'submit', 'data-testid': 'close-submit' }, t('mon.close'));
  return h('form.mon-form', { 'data-testid': 'close-form', onsubmit: (e) => { e.preventDefault(); post('close', { note: note.value.trim() }, btn); } },
    h('h3', t(titleKey)),
    h('div.field', h('label', { for: 'cl-note' }, t('mon.note')), note),
    h('div.mon-formrow', btn));
}

void codeLabel;
