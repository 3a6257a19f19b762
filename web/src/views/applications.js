// applications.js — use control (用途管制, plan §3.1.1, §3.2): the list of
// applications, the new-application form with a map to draw or upload the
// area and the server's automatic decision shown live (verdict, clauses,
// reasons, affected natural forest per 小班, inside/outside key zones), and
// an application's page with its decision, map, status timeline and the
// review actions of the user's role (初审 → 批准/驳回; approval document for
// occupation; the operation design (作业设计) for tending — see design.js).
import 'ol/ol.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import MVT from 'ol/format/MVT.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Feature from 'ol/Feature.js';
import Draw from 'ol/interaction/Draw.js';
import MultiPolygon from 'ol/geom/MultiPolygon.js';
import { Fill, Stroke, Style, Circle as CircleStyle } from 'ol/style.js';
import { transformExtent } from 'ol/proj.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, getLang, field, fields, fieldLabel, codeList, codeLabel, fmt, fmtTime, MU_PER_HA, nameOf } from '../i18n.js';
import { spinner, pageHeader } from '../components.js';
import { designSection } from './design.js';

// ---- vocabulary: code lists from /api/schema, with the catalogue as fallback ----
export const VERDICTS = ['prohibited', 'needs_approval', 'conditional', 'allowed'];
export const STATUSES = ['submitted', 'checked', 'approved', 'rejected'];
const FALLBACK_ACTIVITIES = ['commercial_logging', 'clearing_for_farming', 'conversion_to_plantation', 'occupation',
  'tending', 'fire_prevention', 'pest_control', 'ecotourism'];
export const VERDICT_COLOURS = { prohibited: '#c62828', needs_approval: '#ef6c00', conditional: '#f9a825', allowed: '#2e7d32' };
/** Fields the applicant fills in; everything else is the server's. */
const FORM_FIELDS = ['applicant', 'applicant_unit', 'activity', 'purpose', 'start_date', 'end_date', 'description', 'design_code'];
const STAFF_CREATE = ['admin', 'bureau', 'town', 'unit'];

function listOf(res, name) {
  const f = field(res, name);
  return f && f.codes ? f.codes : null;
}
/** Label of a code of an applications/designs field: the schema's code list
 * when it knows the code, else the catalogue (ctl.<kind>.<code>). */
export function label(kind, code, res = 'applications') {
  if (code === null || code === undefined || code === '') return '—';
  const list = listOf(res, kind);
  if (list && codeList(list).some((c) => String(c.code) === String(code))) return codeLabel(list, code);
  const key = `ctl.${kind}.${code}`;
  const s = t(key);
  return s === key ? String(code) : s;
}
export function codesOf(kind, res = 'applications') {
  const list = listOf(res, kind);
  const fromSchema = list ? codeList(list).map((c) => String(c.code)) : [];
  if (fromSchema.length) return fromSchema;
  return { activity: FALLBACK_ACTIVITIES, verdict: VERDICTS, status: STATUSES }[kind] || [];
}
export function verdictBadge(v, extra = {}) {
  return h('span.ctlbadge.verdict', { 'data-verdict': v || 'none', 'data-testid': extra.testid || null, class: 'v-' + (v || 'none') }, v ? label('verdict', v) : t('ctl.verdict.none'));
}
export function statusBadge(s, res = 'applications', testid = null) {
  return h('span.ctlbadge.status', { 'data-status': s || '', class: 's-' + (s || 'none'), 'data-testid': testid }, label('status', s, res));
}
export const clauseText = (c) => '§' + String(c).replace(/^§/, '');
const msg = (r, k) => (getLang() === 'en' ? r[k + '_en'] || r[k + '_zh'] : r[k + '_zh'] || r[k + '_en']) || '';
/** Label of an applications field: the schema's, else the catalogue's. */
const alabel = (name) => (field('applications', name) ? fieldLabel('applications', name) : t('ctl.f.' + name));
const ha4 = (x) => fmt(x ?? 0, 4);
const mu = (x) => fmt((x ?? 0) * MU_PER_HA, 1);

/** Shows a server error: at the field when the server names one we show,
 * else as an alert in `box`. */
function showError(err, box, controls = {}) {
  const c = err.field && controls[err.field];
  if (c && err.status === 422) {
    const p = c.closest('.field')?.querySelector('.fielderror');
    if (p) { p.textContent = err.message; p.hidden = false; }
    c.setAttribute('aria-invalid', 'true');
    c.focus();
    return;
  }
  let text = err.message;
  if (err.code === 'csrf') text = t('error.csrf');
  else if (err.status === 401) text = t('error.expired');
  else if (err.status === 403) text = t('ctl.err.denied') + ' ' + err.message;
  else if (err.status === 409) text = t('ctl.err.conflict') + ' ' + err.message;
  box.append(h('div.alert.error', { role: 'alert', 'data-testid': 'ctl-error', 'data-status': err.status }, text));
}
function clearErrors(form) {
  for (const p of form.querySelectorAll('.fielderror')) { p.hidden = true; p.textContent = ''; }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  for (const a of form.querySelectorAll('[data-testid=ctl-error]')) a.remove();
}

// ---- entry ----
export async function renderApplications(main, ctx, { id, query } = {}) {
  main.classList.add('page', 'ctlpage');
  if (id === 'new') return renderNew(main, ctx);
  if (id) return renderDetail(main, ctx, id);
  return renderList(main, ctx, query || new URLSearchParams());
}

// ---- list ----
async function renderList(main, ctx, query) {
  const q = Object.fromEntries(query.entries());
  const limit = Number(q.limit) || 20;
  const offset = Number(q.offset) || 0;
  const sort = q.sort || '-fid';
  const canCreate = STAFF_CREATE.includes(ctx.session?.role);
  main.append(pageHeader(t('ctl.title'),
    canCreate ? h('a.btn.primary', { href: '#/applications/new', 'data-testid': 'new-application' }, '+ ', t('ctl.new')) : null));
  main.append(h('p.muted.ctlintro', t('ctl.intro')));
  const kpis = h('section.kpis.small.ctlkpis', { 'aria-label': t('ctl.summary'), 'data-testid': 'ctl-summary' });
  main.append(kpis);
  (ctx.schema?.resources?.applications ? api.get('/api/control/summary') : Promise.reject(new Error('none'))).then((s) => {
    kpis.append(
      h('div.kpi', h('span.kpilabel', t('ctl.pending')), h('span.kpival', fmt(s.pending?.count ?? 0, 0)), h('span.kpisub', t('ctl.pendingHa', { ha: fmt(s.pending?.natural_forest_ha ?? 0, 4) }))),
      h('div.kpi', h('span.kpilabel', t('ctl.approvedLoss')), h('span.kpival', fmt(s.approved_loss_ha ?? 0, 4), h('small', ' ', t('unit.ha'))), h('span.kpisub', t('ctl.mu', { mu: mu(s.approved_loss_ha) }))),
      ...VERDICTS.map((v) => h('div.kpi', { 'data-verdict': v }, h('span.kpilabel', verdictBadge(v)), h('span.kpival', fmt(countOf(s.by_verdict?.[v]), 0)))));
  }).catch(() => kpis.remove());

  const setQ = (changes) => {
    const next = { ...q, ...changes };
    if (!('offset' in changes)) next.offset = 0;
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] == null || (k === 'offset' && !next[k])) delete next[k];
    location.hash = '#/applications' + (Object.keys(next).length ? '?' + new URLSearchParams(next) : '');
  };
  const sel = (name, kind) => {
    const s = h('select', { id: 'af-' + name, 'data-testid': 'filter-' + name },
      h('option', { value: '' }, t('all')), codesOf(kind).map((c) => h('option', { value: c, selected: q[name] === c }, label(kind, c))));
    s.addEventListener('change', () => setQ({ [name]: s.value }));
    return h('div.field', h('label', { for: 'af-' + name }, alabel(name)), s);
  };
  main.append(h('form.filters', { 'aria-label': t('ctl.filters'), onsubmit: (e) => e.preventDefault() },
    sel('status', 'status'), sel('activity', 'activity'), sel('verdict', 'verdict'),
    h('div.filteractions', h('button.btn', { type: 'button', onclick: () => { location.hash = '#/applications'; } }, t('parcels.reset')))));

  const result = h('section.tablewrap', { 'aria-live': 'polite' }, spinner());
  main.append(result);
  const params = { limit, offset, sort };
  for (const k of ['status', 'activity', 'verdict']) if (q[k]) params[k] = q[k];
  let data;
  try {
    data = await api.get('/api/applications' + api.qs(params));
  } catch (e) {
    clear(result).append(h('p.alert.error', { role: 'alert' }, e.status === 404 ? t('ctl.err.noBackend') : e.message));
    return;
  }
  clear(result);
  result.append(h('p.tablemeta', { 'data-testid': 'app-total' }, t('ctl.count', { from: data.total ? offset + 1 : 0, to: offset + data.items.length, total: data.total })));
  const cols = [['code', t('ctl.f.code')], ['applicant', t('ctl.f.applicant')], ['activity', t('ctl.f.activity')], ['status', t('ctl.f.status')],
    ['verdict', t('ctl.f.verdict')], ['natural_forest_ha', t('ctl.f.natural_forest_ha')], ['period', t('ctl.f.period')]];
  const table = h('table.grid', { 'data-testid': 'app-table' },
    h('caption.sr', t('ctl.title')),
    h('thead', h('tr', cols.map(([k, l]) => h('th', { scope: 'col', class: k === 'natural_forest_ha' ? 'num' : '' }, l)))),
    h('tbody', data.items.map((r) => h('tr', { 'data-code': r.code, 'data-id': r.fid ?? r.id },
      h('th', { scope: 'row' }, h('a', { href: `#/applications/${r.fid ?? r.id}` }, r.code || `#${r.fid ?? r.id}`)),
      h('td', r.applicant || '—', r.applicant_unit ? h('span.muted', ' · ', nameOf(r.applicant_unit)) : null),
      h('td', label('activity', r.activity)),
      h('td', statusBadge(r.status)),
      h('td', verdictBadge(r.verdict)),
      h('td.num', ha4(r.natural_forest_ha), h('span.muted', ' ', t('unit.ha'))),
      h('td', period(r))))));
  result.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('ctl.title') }, table));
  if (!data.items.length) result.append(h('p.muted.empty', t('ctl.none')));
  const pages = Math.max(1, Math.ceil(data.total / limit));
  result.append(h('nav.pager', { 'aria-label': t('parcels.paging') },
    h('button.btn', { type: 'button', disabled: offset <= 0, onclick: () => setQ({ offset: Math.max(0, offset - limit) }) }, '‹ ', t('parcels.prev')),
    h('span', t('parcels.page', { page: Math.floor(offset / limit) + 1, pages })),
    h('button.btn', { type: 'button', disabled: offset + limit >= data.total, onclick: () => setQ({ offset: offset + limit }) }, t('parcels.next'), ' ›')));
}
const countOf = (x) => (typeof x === 'number' ? x : x?.count ?? 0);
const period = (r) => (r.start_date || r.end_date ? `${r.start_date || '…'} – ${r.end_date || '…'}` : '—');

// ---- the map: parcels (natural forest green), key zones, drawn/loaded areas ----
const natStyle = new Style({ fill: new Fill({ color: 'rgba(46,125,50,0.45)' }), stroke: new Stroke({ color: 'rgba(30,60,30,0.5)', width: 0.6 }) });
const otherStyle = new Style({ fill: new Fill({ color: 'rgba(184,188,182,0.45)' }), stroke: new Stroke({ color: 'rgba(60,60,60,0.35)', width: 0.5 }) });
const hitStyle = new Style({ fill: new Fill({ color: 'rgba(239,108,0,0.55)' }), stroke: new Stroke({ color: '#b34700', width: 2 }), zIndex: 5 });
const zoneStyle = new Style({ fill: new Fill({ color: 'rgba(198,40,40,0.06)' }), stroke: new Stroke({ color: '#c62828', width: 2, lineDash: [8, 5] }) });
const areaStyle = new Style({ fill: new Fill({ color: 'rgba(11,87,208,0.18)' }), stroke: new Stroke({ color: '#0b57d0', width: 2.5 }),
  image: new CircleStyle({ radius: 5, fill: new Fill({ color: '#0b57d0' }) }) });

/** An OpenLayers map of the district with parcels and key zones; `draw`
 * adds a polygon Draw interaction.  Returns the controller. */
function controlMap(el, ctx, { draw = false, onChange } = {}) {
  const mvt = (layer) => new VectorTileSource({ format: new MVT({ layers: [layer] }), url: `/tiles/${layer}/{z}/{x}/{y}.mvt`, maxZoom: 16, overlaps: false });
  let hits = new Set();
  const parcels = new VectorTileLayer({ source: mvt('parcels'), renderMode: 'hybrid',
    style: (f) => (hits.has(f.get('code')) ? hitStyle : f.get('natural') ? natStyle : otherStyle) });
  const zones = new VectorTileLayer({ source: mvt('zones'), style: zoneStyle });
  const town = new Style({ stroke: new Stroke({ color: '#5b5b5b', width: 1.4, lineDash: [10, 4, 2, 4] }) });
  const district = new Style({ stroke: new Stroke({ color: '#1d4d3a', width: 3 }) });
  const divisions = new VectorTileLayer({ source: mvt('divisions'), style: (f) => (f.get('level') === 'town' ? town : f.get('level') === 'district' ? district : null) });
  const source = new VectorSource();
  const area = new VectorLayer({ source, style: areaStyle, zIndex: 20 });
  const layers = [];
  if (ctx.config?.basemap_url) layers.push(new TileLayer({ source: new XYZ({ url: ctx.config.basemap_url, maxZoom: 18 }) }));
  layers.push(parcels, zones, divisions, area);
  const view = new View({ center: [13063000, 4847000], zoom: 10, maxZoom: 19, minZoom: 6 });
  const map = new Map({ target: el, layers, view, controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine({ units: 'metric' })]) });
  const home = () => {
    const e = ctx.session?.extent;
    const ext = Array.isArray(e) && e.length === 4 ? e : [117.13, 39.75, 117.79, 40.25];
    view.fit(transformExtent(ext, 'EPSG:4326', 'EPSG:3857'), { padding: [20, 20, 20, 20] });
  };
  home();
  const fmtGeo = new GeoJSON();
  let drawI = null;
  const changed = () => onChange && onChange();
  if (draw) {
    drawI = new Draw({ source, type: 'Polygon' });
    drawI.on('drawend', () => setTimeout(changed, 0));
    map.addInteraction(drawI);
  }
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && drawI) { drawI.abortDrawing(); e.preventDefault(); return; }
    if (e.key === 'Backspace' && drawI) { drawI.removeLastPoint(); e.preventDefault(); return; }
    const step = view.getResolution() * 100, c = view.getCenter();
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) { view.setCenter([c[0] + moves[e.key][0], c[1] + moves[e.key][1]]); e.preventDefault(); }
    else if (e.key === '+' || e.key === '=') { view.setZoom(view.getZoom() + 1); e.preventDefault(); }
    else if (e.key === '-') { view.setZoom(view.getZoom() - 1); e.preventDefault(); }
  });
  const ctl = {
    map, view, parcels, source,
    /** The drawn/loaded area as a GeoJSON MultiPolygon in lon/lat, or null. */
    geometry() {
      const polys = [];
      for (const f of source.getFeatures()) {
        const g = f.getGeometry();
        if (g.getType() === 'Polygon') polys.push(g.getCoordinates());
        else if (g.getType() === 'MultiPolygon') polys.push(...g.getCoordinates());
      }
      if (!polys.length) return null;
      return fmtGeo.writeGeometryObject(new MultiPolygon(polys), { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857', decimals: 8 });
    },
    setGeometry(geojson, { fit = true } = {}) {
      source.clear();
      if (geojson) {
        const g = fmtGeo.readGeometry(geojson, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
        source.addFeature(new Feature({ geometry: g }));
        if (fit) view.fit(g.getExtent(), { padding: [60, 60, 60, 60], maxZoom: 16 });
      }
    },
    /** Adds one polygon (a closed lon/lat ring) to the area and shows it. */
    addPolygon(ring) {
      const g = fmtGeo.readGeometry({ type: 'Polygon', coordinates: [ring] }, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
      source.addFeature(new Feature({ geometry: g }));
      const ext = source.getExtent();
      view.fit(ext, { padding: [60, 60, 60, 60], maxZoom: 16 });
    },
    clear() { if (drawI) drawI.abortDrawing(); source.clear(); changed(); },
    undo() { if (drawI) drawI.removeLastPoint(); },
    highlight(codes) { hits = new Set(codes || []); parcels.changed(); },
    home,
    /** Screen pixel (client coordinates) of a lon/lat, for the browser tests. */
    pixelOf(lonlat) {
      const c = transformExtent([lonlat[0], lonlat[1], lonlat[0], lonlat[1]], 'EPSG:4326', 'EPSG:3857');
      const px = map.getPixelFromCoordinate([c[0], c[1]]);
      const r = el.getBoundingClientRect();
      return [r.left + px[0], r.top + px[1]];
    },
    fitLonLat(ext) { view.fit(transformExtent(ext, 'EPSG:4326', 'EPSG:3857'), { padding: [40, 40, 40, 40], maxZoom: 17 }); },
    dispose() { map.setTarget(null); },
  };
  return ctl;
}
/** The legend of the control map. */
function mapLegend() {
  const item = (cls, key) => h('li', h('span.swatch', { class: cls, 'aria-hidden': 'true' }), t(key));
  return h('ul.ctllegend', { 'aria-label': t('map.legend') }, item('sw-natural', 'ctl.lg.natural'), item('sw-other', 'ctl.lg.other'),
    item('sw-hit', 'ctl.lg.hit'), item('sw-zone', 'ctl.lg.zone'), item('sw-area', 'ctl.lg.area'));
}

/** Resolves when the map has finished rendering (tiles loaded). */
function rendered(map) {
  return new Promise((ok) => { map.once('rendercomplete', () => ok()); map.render(); });
}

// ---- the decision (自动判定) ----
/** The decision of a check (or an application's stored decision). */
export function decisionView(d) {
  const box = h('section.decision', { 'data-testid': 'decision', 'data-verdict': d.verdict });
  const clauses = d.clauses || [];
  box.append(h('div.decisionhead',
    h('span.decisionlabel', t('ctl.decision')), verdictBadge(d.verdict, { testid: 'verdict' }),
    clauses.length ? h('span.clauses', { 'data-testid': 'clauses' }, t('ctl.byClause'), ' ', clauses.map((c, i) => [i ? '、' : '', h('span.clause', clauseText(c))])) : null));
  box.append(h('div.kpis.small.decisionkpis',
    kpi(t('ctl.k.natural'), d.natural_forest_ha, 'natural-ha', true),
    kpi(t('ctl.k.inKey'), d.key_zone_ha, 'key-ha'),
    kpi(t('ctl.k.outKey'), d.outside_key_zone_ha, 'outside-ha'),
    kpi(t('ctl.k.nonForest'), d.non_forest_ha, 'nonforest-ha'),
    kpi(t('ctl.k.total'), d.total_ha, 'total-ha')));
  const reasons = d.reasons || [];
  if (reasons.length) {
    box.append(h('h3', t('ctl.reasons')), h('ol.reasons', { 'data-testid': 'reasons' }, reasons.map((r) => h('li.reason', { 'data-verdict': r.verdict, 'data-clause': r.clause },
      h('div.reasonhead', verdictBadge(r.verdict), (r.clauses || (r.clause ? [r.clause] : [])).map((c) => h('span.clause', clauseText(c))),
        r.area_ha != null ? h('span.muted', t('ctl.reasonArea', { ha: ha4(r.area_ha), mu: mu(r.area_ha) })) : null),
      h('p.reasonmsg', msg(r, 'message')),
      r.authority ? h('p.reasonmeta', h('span.muted', t('ctl.authority'), '：'), r.authority) : null,
      msg(r, 'conditions') ? h('p.reasonmeta', h('span.muted', t('ctl.conditions'), '：'), msg(r, 'conditions')) : null,
      msg(r, 'district_conditions') ? h('p.reasonmeta', { 'data-testid': 'district-conditions' }, h('span.muted', t('ctl.districtConditions'), '：'), msg(r, 'district_conditions')) : null,
      (r.also || []).map((a) => h('p.reasonmeta', h('span.muted', t('ctl.alsoProhibited', { clause: clauseText(a.clause) }), '：'), msg(a, 'message')))))));
  }
  const parcels = d.parcels || [];
  box.append(h('h3', t('ctl.parcels', { n: parcels.length })));
  if (!parcels.length) box.append(h('p.muted', t('ctl.noParcels')));
  else {
    const sum = (k) => parcels.reduce((a, p) => a + (p[k] || 0), 0);
    box.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('ctl.parcelsTable') },
      h('table.grid.ctlparcels', { 'data-testid': 'decision-parcels' },
        h('caption.sr', t('ctl.parcelsTable')),
        h('thead', h('tr', h('th', { scope: 'col' }, t('ctl.p.code')), h('th.num', { scope: 'col' }, t('ctl.p.ha')), h('th.num', { scope: 'col' }, t('ctl.p.mu')),
          h('th', { scope: 'col' }, t('ctl.p.natural')), h('th.num', { scope: 'col' }, t('ctl.p.keyHa')), h('th', { scope: 'col' }, t('ctl.p.verdict')))),
        h('tbody', parcels.map((p) => h('tr', { 'data-code': p.id ?? p.code },
          h('th', { scope: 'row' }, p.id ?? p.code),
          h('td.num', { 'data-col': 'ha' }, ha4(p.area_ha)), h('td.num', mu(p.area_ha)),
          h('td', p.natural ? t('yes') : t('no')),
          h('td.num', p.in_key_zone ? ha4(p.key_zone_ha) : h('span.muted', t('ctl.notInKey'))),
          h('td', verdictBadge(p.verdict), p.clause ? h('span.clause.small', ' ', clauseText(p.clause)) : null)))),
        h('tfoot', h('tr', h('th', { scope: 'row' }, t('ctl.p.sum')), h('td.num', ha4(sum('area_ha'))), h('td.num', mu(sum('area_ha'))), h('td'), h('td.num', ha4(sum('key_zone_ha'))), h('td'))))));
  }
  return box;
}
function kpi(lbl, v, testid, hero) {
  return h('div.kpi', { 'data-testid': testid, class: hero ? 'hero' : '' }, h('span.kpilabel', lbl),
    h('span.kpival', ha4(v), h('small', ' ', t('unit.ha'))), h('span.kpisub', mu(v), ' ', t('unit.mu')));
}

// ---- new application ----
async function renderNew(main, ctx) {
  main.append(h('a.back', { href: '#/applications' }, '‹ ', t('ctl.back')));
  main.append(pageHeader(t('ctl.new')));
  const form = h('form.card.ctlform', { 'data-testid': 'app-form', novalidate: true });
  const controls = {};
  const grid = h('div.formgrid');
  const schemaFields = fields('applications');
  const names = schemaFields.length ? schemaFields.filter((f) => FORM_FIELDS.includes(f.name) && !f.computed).map((f) => f.name) : FORM_FIELDS;
  for (const name of names) {
    const f = field('applications', name) || { name, type: ['start_date', 'end_date'].includes(name) ? 'date' : name === 'activity' ? 'code' : 'text', required: ['applicant', 'activity'].includes(name) };
    const id = 'app-' + name;
    let input;
    if (name === 'activity') {
      input = h('select', { id, name, 'data-testid': 'app-activity' }, h('option', { value: '' }, t('ctl.choose')),
        codesOf('activity').map((c) => h('option', { value: c }, label('activity', c))));
    } else if (f.type === 'code' && f.codes) {
      input = h('select', { id, name }, h('option', { value: '' }, f.required ? t('ctl.choose') : '—'), codeList(f.codes).map((c) => h('option', { value: c.code }, codeLabel(f.codes, c.code))));
    } else if (name === 'applicant_unit' && ctx.units.length) {
      input = h('input', { id, name, type: 'text', list: 'app-units', autocomplete: 'off' });
    } else if (name === 'description') {
      input = h('textarea', { id, name, rows: 2 });
    } else if (f.type === 'date' || ['start_date', 'end_date'].includes(name)) {
      input = h('input', { id, name, type: 'date' });
    } else if (f.type === 'real' || f.type === 'integer') {
      input = h('input', { id, name, type: 'number', step: 'any' });
    } else {
      input = h('input', { id, name, type: 'text', autocomplete: 'off' });
    }
    input.dataset.testid = input.dataset.testid || 'app-' + name;
    if (f.required) input.setAttribute('aria-required', 'true');
    const errId = id + '-err';
    input.setAttribute('aria-describedby', errId);
    controls[name] = input;
    grid.append(h('div.field', { 'data-field': name, class: name === 'description' ? 'wide' : '' },
      h('label', { for: id }, alabel(name), f.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
      input, name === 'purpose' ? h('p.hint', t('ctl.purposeHint')) : null, name === 'design_code' ? h('p.hint', t('ctl.designHint')) : null,
      h('p.fielderror', { id: errId, hidden: true })));
  }
  if (ctx.units.length) grid.append(h('datalist#app-units', { id: 'app-units' }, ctx.units.map((u) => h('option', { value: u.name }))));
  const purposeWrap = controls.purpose?.closest('.field');
  const designWrap = controls.design_code?.closest('.field');
  const syncActivity = () => {
    const a = controls.activity.value;
    if (purposeWrap) purposeWrap.hidden = a !== 'occupation';
    if (designWrap) designWrap.hidden = a !== 'tending';
  };
  form.append(h('h2', t('ctl.formTitle')), grid);

  // the area: drawn or uploaded
  const mapEl = h('div.map.ctlmap', { role: 'region', 'aria-label': t('ctl.mapAria'), tabindex: '0', 'data-testid': 'app-map' });
  const fileIn = h('input', { id: 'app-file', type: 'file', accept: '.zip,.geojson,.json,.kml,.gpx,.gpkg', 'data-testid': 'app-file', 'aria-describedby': 'app-file-hint' });
  const areaInfo = h('p.areainfo', { role: 'status', 'data-testid': 'area-info' }, t('ctl.noArea'));
  const geomErr = h('p.fielderror', { id: 'app-geometry-err', hidden: true, 'data-testid': 'geometry-error' });
  // vertices typed in (from a GPS or a document): the keyboard's way to draw
  const coordsIn = h('textarea', { id: 'app-coords', rows: 3, 'data-testid': 'app-coords', spellcheck: 'false', 'aria-describedby': 'app-coords-hint' });
  const coordsBox = h('details.ctlcoords', h('summary', t('ctl.coords')),
    h('div.field', h('label', { for: 'app-coords' }, t('ctl.coordsLabel')), coordsIn, h('p.hint', { id: 'app-coords-hint' }, t('ctl.coordsHint'))),
    h('button.btn.small', { type: 'button', 'data-testid': 'coords-add', onclick: () => addCoords() }, t('ctl.coordsAdd')));
  function addCoords() {
    geomErr.hidden = true;
    const nums = coordsIn.value.split(/[\s,;，；]+/).filter(Boolean).map(Number);
    const pts = [];
    for (let i = 0; i + 1 < nums.length; i += 2) pts.push([nums[i], nums[i + 1]]);
    const bad = nums.length % 2 || nums.some(Number.isNaN) || pts.some(([x, y]) => x < -180 || x > 180 || y < -90 || y > 90);
    if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
    if (bad || pts.length < 3) {
      geomErr.textContent = t('ctl.coordsBad');
      geomErr.hidden = false;
      coordsIn.setAttribute('aria-invalid', 'true');
      coordsIn.focus();
      return;
    }
    coordsIn.removeAttribute('aria-invalid');
    cm.addPolygon([...pts, pts[0]]);
    uploaded = null;
    scheduleCheck();
  }
  const areaBox = h('section.ctlarea', { 'data-field': 'geometry' },
    h('h2', t('ctl.area'), h('span.req', { 'aria-hidden': 'true' }, ' *')),
    h('p.hint', t('ctl.drawHint')),
    h('div.ctltools',
      h('button.btn.small', { type: 'button', 'data-testid': 'draw-undo', onclick: () => cm.undo() }, t('ctl.undo')),
      h('button.btn.small', { type: 'button', 'data-testid': 'draw-clear', onclick: () => { cm.clear(); } }, t('ctl.clear')),
      h('button.btn.small', { type: 'button', onclick: () => cm.home() }, t('map.home')),
      h('span.fileup', h('label', { for: 'app-file' }, t('ctl.upload')), fileIn)),
    h('p.hint', { id: 'app-file-hint' }, t('ctl.uploadHint')),
    mapEl, mapLegend(), areaInfo, geomErr, coordsBox);
  const decisionBox = h('div.decisionbox', { 'data-testid': 'decision-box', 'aria-live': 'polite' }, h('p.muted', t('ctl.decisionWait')));
  // the map and the decision side by side on a wide screen, one above the other on a phone
  form.append(h('div.ctlsplit', areaBox, h('section.ctldecision', h('h2', t('ctl.autoDecision')), decisionBox)));
  const submitBtn = h('button.btn.primary', { type: 'submit', 'data-testid': 'app-submit' }, t('ctl.submit'));
  const status = h('p.formstatus', { role: 'status' });
  form.append(h('div.formactions', submitBtn, h('a.btn', { href: '#/applications' }, t('ctl.cancel')), status));
  main.append(form);

  let uploaded = null; // {geometry, area_ha} from a file
  const cm = controlMap(mapEl, ctx, { draw: true, onChange: () => { uploaded = null; scheduleCheck(); } });
  let checkSeq = 0, timer = null, lastDecision = null;
  function scheduleCheck() { clearTimeout(timer); timer = setTimeout(runCheck, 150); }
  async function runCheck() {
    const geometry = cm.geometry();
    const activity = controls.activity.value;
    geomErr.hidden = true;
    areaInfo.textContent = geometry ? t('ctl.areaDrawn', { n: geometry.coordinates.length }) + (uploaded ? ' · ' + t('ctl.areaFile', { ha: ha4(uploaded.area_ha) }) : '') : t('ctl.noArea');
    if (!geometry || !activity) {
      lastDecision = null;
      cm.highlight([]);
      clear(decisionBox).append(h('p.muted', !geometry ? t('ctl.decisionWait') : t('ctl.decisionNeedActivity')));
      return;
    }
    const my = ++checkSeq;
    clear(decisionBox).append(spinner(t('ctl.checking')));
    const body = { activity, geometry };
    if (controls.purpose?.value) body.purpose = controls.purpose.value;
    try {
      const { data } = await api.request('POST', '/api/control/check', { body });
      if (my !== checkSeq) return;
      lastDecision = data;
      clear(decisionBox).append(decisionView(data));
      cm.highlight((data.parcels || []).map((p) => p.id ?? p.code));
    } catch (e) {
      if (my !== checkSeq) return;
      lastDecision = null;
      clear(decisionBox);
      if (e.field === 'geometry') { geomErr.textContent = e.message; geomErr.hidden = false; }
      else showError(e, decisionBox, controls);
    }
  }
  controls.activity.addEventListener('change', () => { syncActivity(); scheduleCheck(); });
  controls.purpose?.addEventListener('change', scheduleCheck);
  syncActivity();
  fileIn.addEventListener('change', async () => {
    const file = fileIn.files[0];
    if (!file) return;
    geomErr.hidden = true;
    areaInfo.textContent = t('ctl.reading');
    try {
      const { data } = await api.request('POST', '/api/control/geometry' + api.qs({ filename: file.name }),
        { raw: file, headers: { 'Content-Type': 'application/octet-stream' } });
      cm.setGeometry(data.geometry);
      uploaded = data;
      scheduleCheck();
    } catch (e) {
      areaInfo.textContent = t('ctl.noArea');
      geomErr.textContent = t('ctl.fileBad', { name: file.name }) + ' ' + e.message;
      geomErr.hidden = false;
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    geomErr.hidden = true;
    const props = {};
    for (const [k, c] of Object.entries(controls)) {
      if (c.closest('.field')?.hidden) continue;
      const v = c.value.trim();
      if (v === '') continue;
      if (k === 'applicant_unit') {
        const u = ctx.units.find((x) => x.name === v);
        props[k] = u ? u.code : v;
      } else props[k] = field('applications', k)?.type === 'real' ? Number(v) : v;
    }
    const geometry = cm.geometry();
    for (const name of names) {
      const f = field('applications', name);
      if ((f ? f.required : ['applicant', 'activity'].includes(name)) && !props[name] && !controls[name].closest('.field')?.hidden) {
        showError({ status: 422, field: name, message: t('ctl.required') }, form, controls);
        return;
      }
    }
    if (!geometry) { geomErr.textContent = t('ctl.needArea'); geomErr.hidden = false; mapEl.focus(); return; }
    submitBtn.disabled = true;
    status.textContent = t('form.saving');
    try {
      const { data } = await api.request('POST', '/api/applications', { body: { type: 'Feature', properties: props, geometry } });
      status.textContent = t('ctl.created', { code: data.code });
      location.hash = `#/applications/${data.fid ?? data.id}`;
    } catch (err) {
      status.textContent = '';
      if (err.field === 'geometry') { geomErr.textContent = err.message; geomErr.hidden = false; }
      else showError(err, form.querySelector('.formactions'), controls);
    } finally { submitBtn.disabled = false; }
  });

  // hooks for the browser tests
  window.tbControl = { map: cm.map, pixelOf: cm.pixelOf, fitLonLat: cm.fitLonLat, geometry: cm.geometry, rendered: () => rendered(cm.map), decision: () => lastDecision };
  return () => { clearTimeout(timer); cm.dispose(); if (window.tbControl?.map === cm.map) delete window.tbControl; };
}

// ---- one application ----
async function renderDetail(main, ctx, id) {
  main.append(h('a.back', { href: '#/applications' }, '‹ ', t('ctl.back')));
  const holder = h('div', spinner());
  main.append(holder);
  let rec, history = null;
  const load = async () => {
    const r = await api.request('GET', `/api/applications/${encodeURIComponent(id)}?geometry=true`);
    rec = r.data;
    // the review steps from the event log (the record keeps only the last one)
    history = await api.get('/api/events?limit=500').then((ev) => (ev.items || [])
      .filter((e) => e.entity === 'applications' && e.entity_id === rec.code).reverse()).catch(() => null);
  };
  try { await load(); } catch (e) {
    clear(holder).append(h('p.alert.error', { role: 'alert' }, e.status === 404 ? t('ctl.err.notFound', { id }) : e.message));
    return null;
  }
  let cm = null;
  const draw = () => {
    if (cm) { cm.dispose(); cm = null; }
    clear(holder);
    const d = rec.decision || { verdict: rec.verdict, clauses: rec.clauses, natural_forest_ha: rec.natural_forest_ha, key_zone_ha: rec.key_zone_ha };
    const clauses = Array.isArray(rec.clauses) ? rec.clauses : typeof rec.clauses === 'string' && rec.clauses ? rec.clauses.split(',') : d.clauses || [];
    holder.append(pageHeader(h('span', h('span.eyebrow', t('ctl.kind'), ' '), h('span', { 'data-testid': 'app-code' }, rec.code || `#${id}`)),
      statusBadge(rec.status, 'applications', 'app-status'), verdictBadge(rec.verdict, { testid: 'app-verdict' }),
      rec.geometry ? h('button.btn.small', { type: 'button', 'data-testid': 'app-on-map', onclick: () => showOnMap(ctx, rec.geometry) }, t('ctl.onMap')) : null));
    const dl = h('dl.meta.appmeta', { 'data-testid': 'app-meta' });
    const row = (k, v) => dl.append(h('div', { 'data-field': k }, h('dt', alabel(k)), h('dd', v ?? '—')));
    row('applicant', rec.applicant);
    row('applicant_unit', rec.applicant_unit ? nameOf(rec.applicant_unit) : '—');
    if (rec.town_code) row('town_code', nameOf(rec.town_code));
    row('activity', label('activity', rec.activity));
    if (rec.purpose) row('purpose', label('purpose', rec.purpose));
    dl.append(h('div', { 'data-field': 'period' }, h('dt', t('ctl.f.period')), h('dd', period(rec))));
    if (rec.design_code) row('design_code', rec.design_code);
    if (rec.approval_doc) dl.append(h('div', { 'data-field': 'approval_doc' }, h('dt', t('ctl.f.approval_doc')), h('dd', h('a', { href: `/api/attachments/${rec.approval_doc}`, target: '_blank', rel: 'noopener' }, t('ctl.viewDoc')))));
    if (rec.description) dl.append(h('div.wide', { 'data-field': 'description' }, h('dt', alabel('description')), h('dd', rec.description)));
    const mapEl = h('div.map.ctlmap.small', { role: 'region', 'aria-label': t('ctl.mapAria'), tabindex: '0', 'data-testid': 'app-detail-map' });
    const actions = h('section.card.ctlactions', { 'data-testid': 'app-actions' });
    const left = h('div.ctlmain',
      h('section.card', h('h2', t('ctl.details')), dl),
      h('section.card', h('h2', t('ctl.autoDecision')), decisionView({ ...d, clauses })),
      h('section.card', h('h2', t('ctl.area')), mapEl, mapLegend()));
    const right = h('aside.ctlside', actions, h('section.card', h('h2', t('ctl.timeline')), timeline(rec, history)));
    holder.append(h('div.detailgrid.ctldetail', left, right));
    cm = controlMap(mapEl, ctx, {});
    if (rec.geometry) cm.setGeometry(rec.geometry);
    cm.highlight((d.parcels || []).map((p) => p.id ?? p.code));
    drawActions(actions);
    if (rec.activity === 'tending') {
      const ds = h('section.card.ctldesign', { 'data-testid': 'design-section' });
      right.insertBefore(ds, right.children[1]);
      designSection(ds, ctx, rec, { onChange: async () => { await load(); draw(); } }).catch((e) => ds.append(h('p.alert.error', { role: 'alert' }, e.message)));
    }
    window.tbControl = { map: cm.map, record: rec, rendered: () => rendered(cm.map) };
  };

  function drawActions(box) {
    clear(box).append(h('h2', t('ctl.review')));
    const role = ctx.session?.role;
    const s = rec.status;
    const canCheck = s === 'submitted' && ['town', 'unit', 'bureau', 'admin'].includes(role);
    const canDecide = ['bureau', 'admin'].includes(role) && (s === 'checked' || s === 'submitted');
    if (!canCheck && !canDecide) {
      box.append(h('p.muted', { 'data-testid': 'no-actions' }, s === 'approved' || s === 'rejected' ? t('ctl.closed', { status: label('status', s) }) : t('ctl.noRight')));
      return;
    }
    const note = h('textarea', { id: 'rv-note', rows: 3, 'data-testid': 'review-note' });
    box.append(h('div.field', h('label', { for: 'rv-note' }, t('ctl.note')), note));
    const out = h('div', { 'aria-live': 'polite' });
    let doc = rec.approval_doc || null;
    if (canDecide && s === 'checked' && rec.activity === 'occupation') {
      const docIn = h('input', { id: 'rv-doc', type: 'file', accept: '.pdf,.jpg,.jpeg,.png,.webp,application/pdf,image/*', 'data-testid': 'approval-doc', 'aria-describedby': 'rv-doc-hint' });
      const docState = h('p.hint', { id: 'rv-doc-hint', 'data-testid': 'approval-doc-state' }, doc ? t('ctl.docStored', { sha: doc.slice(0, 12) }) : t('ctl.docHint'));
      docIn.addEventListener('change', async () => {
        const f = docIn.files[0];
        if (!f) return;
        docState.textContent = t('ctl.uploading');
        try {
          const { data } = await api.request('POST', '/api/attachments' + api.qs({ filename: f.name }), { raw: f, headers: { 'Content-Type': f.type || 'application/octet-stream' } });
          doc = data.sha256;
          docState.textContent = t('ctl.docStored', { sha: doc.slice(0, 12) });
        } catch (e) { doc = null; docState.textContent = ''; showError(e, out); }
      });
      box.append(h('div.field', h('label', { for: 'rv-doc' }, t('ctl.approvalDoc')), docIn, docState));
    }
    const go = async (to, btn) => {
      clear(out);
      btn.disabled = true;
      const body = { to, note: note.value.trim() };
      if (to === 'approved' && doc) body.approval_doc = doc;
      try {
        const { data } = await api.request('POST', `/api/applications/${encodeURIComponent(id)}/transition`, { body });
        await load().catch(() => { rec = { ...data, geometry: rec.geometry }; });
        draw();
        document.querySelector('[data-testid=app-status]')?.focus?.();
      } catch (e) { btn.disabled = false; showError(e, out); }
    };
    const buttons = h('div.formactions');
    if (canCheck) buttons.append(h('button.btn.primary', { type: 'button', 'data-testid': 'act-check', onclick: (e) => go('checked', e.currentTarget) }, t('ctl.act.check')));
    if (canDecide && s === 'checked') {
      const forbidden = rec.verdict === 'prohibited';
      buttons.append(h('button.btn.primary', { type: 'button', 'data-testid': 'act-approve', onclick: (e) => go('approved', e.currentTarget) }, t('ctl.act.approve')));
      if (forbidden) box.append(h('p.alert.error', { 'data-testid': 'prohibited-note' }, t('ctl.prohibitedNote', { clauses: (rec.clauses || []).map(clauseText).join('、') || '§3.2' })));
    }
    if (canDecide) buttons.append(h('button.btn.ctldanger', { type: 'button', 'data-testid': 'act-reject', onclick: (e) => go('rejected', e.currentTarget) }, t('ctl.act.reject')));
    if (rec.activity === 'tending' && canDecide && s === 'checked') box.append(h('p.hint', t('ctl.tendingHint')));
    box.append(buttons, out);
  }

  draw();
  return () => { if (cm) cm.dispose(); delete window.tbControl; };
}

/** Opens the one-map on the application's area (the map keeps its view in ctx.mapState). */
function showOnMap(ctx, geometry) {
  const g = new GeoJSON().readGeometry(geometry, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
  const [x0, y0, x1, y1] = g.getExtent();
  const span = Math.max(x1 - x0, y1 - y0, 200);
  const zoom = Math.max(8, Math.min(17, Math.log2((156543.03 * 600) / span) - 0.5)); // the area ~600 px wide at most
  ctx.mapState = { ...(ctx.mapState || { theme: 'restoration_class', zones: true, towns: true, villages: true, basemap: true }), applications: true, selected: null,
    view: { center: [(x0 + x1) / 2, (y0 + y1) / 2], zoom } };
  location.hash = '#/map';
}

/** The status timeline: submitted → checked → approved/rejected, from the
 * record's history (or its time fields when it has none). */
function timeline(rec, events) {
  let items = events && events.length ? events.map((e) => ({
    to: e.payload?.to || (e.action.endsWith('.create') ? 'submitted' : null), at: e.time, by: e.actor, role: e.role, note: e.payload?.note,
  })).filter((x) => x.to) : null;
  if (!items || !items.length) {
    items = [{ to: 'submitted', at: rec.created_at, by: rec.created_by || rec.submitted_by }];
    if (rec.checked_at || ['checked', 'approved'].includes(rec.status)) items.push({ to: 'checked', at: rec.checked_at, by: rec.checked_by, note: rec.check_note });
    if (rec.status === 'approved' || rec.status === 'rejected') items.push({ to: rec.status, at: rec.decided_at || rec.updated_at, by: rec.decided_by, note: rec.decision_note || rec.note });
  }
  const steps = h('ol.timeline.ctltimeline', { 'data-testid': 'app-timeline' });
  for (const it of items) {
    const to = it.to || it.status;
    steps.append(h('li.event', { 'data-status': to },
      h('div.evhead', h('span.evaction', statusBadge(to)), it.at || it.time ? h('time', { datetime: it.at || it.time }, fmtTime(it.at || it.time)) : null),
      it.by || it.actor ? h('div.evwho.muted', t('archive.by', { actor: it.by || it.actor, role: it.role ? codeLabel('role', it.role) : '' })) : null,
      it.note ? h('p.evnote', it.note) : null));
  }
  const next = { submitted: 'checked', checked: 'approved' }[rec.status];
  if (next) steps.append(h('li.event.pending', { 'data-status': next }, h('div.evhead', h('span.evaction.muted', t('ctl.waiting', { status: label('status', next) })))));
  return steps;
}
