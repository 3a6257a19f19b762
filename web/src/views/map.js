// map.js — the one-map (一张图): parcels from vector tiles coloured by a
// theme, key zones, town and village boundaries, optional base map, search,
// click → side panel with attributes and archive.
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
import { Fill, Stroke, Style, Text } from 'ol/style.js';
import { transformExtent } from 'ol/proj.js';
import { getCenter } from 'ol/extent.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, codeList, codeLabel, fieldLabel, nameOf, fmt, fmtTime, MU_PER_HA, getLang } from '../i18n.js';
import { attributeList, archiveTimeline, spinner } from '../components.js';
import { VERDICT_COLOURS, VERDICTS, verdictBadge, statusBadge, label as ctlLabel } from './applications.js';
import CircleStyle from 'ol/style/Circle.js';

const CATEGORICAL = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#1f78b4',
  '#b2df8a', '#fb9a99', '#cab2d6', '#fdbf6f', '#8dd3c7', '#bebada', '#80b1d3', '#b3de69', '#fccde5',
  '#bc80bd', '#ccebc5', '#ffed6f', '#6a3d9a', '#b15928', '#33a02c', '#e31a1c', '#ff7f00', '#a6cee3', '#999999', '#4d4d4d'];
const PALETTES = {
  restoration_class: { 1: '#2e7d32', 2: '#9ccc65', 3: '#c49a45' },
  ling_zu: { 1: '#d9f0a3', 2: '#addd8e', 3: '#78c679', 4: '#31a354', 5: '#006837' },
  di_lei: { '030100': '#2e7d32', '030301': '#a1887f', '030302': '#c49a45', '030401': '#9ccc65' },
  key_zone: { yes: '#c62828', no: '#66a61e' },
};
const OTHER = '#b8bcb6';
export const THEMES = ['restoration_class', 'di_lei', 'ling_zu', 'key_zone', 'xiang'];

function themeValue(theme, f) {
  if (theme === 'key_zone') return (f.get('key_zone_ha') || 0) > 0 ? 'yes' : 'no';
  const v = f.get(theme);
  return v === undefined || v === null ? '' : String(v);
}

/** Legend entries [value, label, colour] of a theme. */
function legendOf(theme, ctx) {
  if (theme === 'key_zone') return [['yes', t('map.keyzone.in'), PALETTES.key_zone.yes], ['no', t('map.keyzone.out'), PALETTES.key_zone.no]];
  if (theme === 'xiang') {
    return ctx.towns.map((tw, i) => [tw.code, tw.name, CATEGORICAL[i % CATEGORICAL.length]]);
  }
  const list = { restoration_class: 'restoration_class', di_lei: 'di_lei', ling_zu: 'ling_zu' }[theme];
  const pal = PALETTES[theme] || {};
  const entries = codeList(list).map((c, i) => [String(c.code), codeLabel(list, c.code), pal[c.code] || CATEGORICAL[i % CATEGORICAL.length]]);
  entries.push(['', theme === 'restoration_class' ? t('map.notNatural') : t('map.unset'), OTHER]);
  return entries;
}

function hexA(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

export async function renderMap(main, ctx) {
  const state = ctx.mapState || (ctx.mapState = { theme: 'restoration_class', zones: true, towns: true, villages: true, basemap: true, view: null, selected: null });
  main.classList.add('mapmain');
  const mapEl = h('div.map', { id: 'map', role: 'region', 'aria-label': t('map.aria'), tabindex: '0', 'data-testid': 'map' });
  const panel = h('aside.sidepanel', { id: 'sidepanel', 'aria-label': t('map.panel'), hidden: true, 'data-testid': 'sidepanel' });
  const legend = h('details.legend', { 'data-testid': 'legend', open: window.innerWidth > 720 && window.innerHeight > 500 });
  const themeSel = h('select', { id: 'theme', 'data-testid': 'theme' },
    THEMES.map((th) => h('option', { value: th, selected: th === state.theme }, t('theme.' + th))));
  const searchIn = h('input', { id: 'map-search', type: 'search', placeholder: t('map.searchPh'), autocomplete: 'off', 'aria-controls': 'search-results', 'data-testid': 'map-search' });
  const results = h('ul.results', { id: 'search-results', hidden: true, 'aria-label': t('map.results') });
  const toggles = h('fieldset.layers', h('legend', t('map.layers')),
    ...[['zones', t('map.layer.zones')], ['towns', t('map.layer.towns')], ['villages', t('map.layer.villages')]]
      .concat(ctx.config?.basemap_url ? [['basemap', t('map.layer.basemap')]] : [])
      .map(([k, label]) => h('label.check', h('input', { type: 'checkbox', checked: state[k], 'data-layer': k, onchange: (e) => { state[k] = e.target.checked; applyVisibility(); } }), label)),
    // use control and monitoring overlays (applications, alerts), when the server has them
    ...overlayToggles(ctx, state, () => { applyVisibility(); drawLegend(); }));
  const status = h('p.mapstatus.muted', { role: 'status', 'data-testid': 'map-status' });
  const toolbar = h('div.maptools',
    h('form.searchform', { role: 'search', onsubmit: (e) => { e.preventDefault(); doSearch(searchIn.value); } },
      h('label.sr', { for: 'map-search' }, t('map.search')), searchIn,
      h('button.btn.primary', { type: 'submit' }, t('map.searchBtn')), results),
    h('div.field.inline', h('label', { for: 'theme' }, t('map.theme')), themeSel),
    h('details.layerbox', h('summary', t('map.layers')), toggles),
    h('button.btn', { type: 'button', onclick: () => zoomHome() }, t('map.home')));
  main.append(h('div.mapwrap', toolbar, h('div.mapbody', mapEl, legend, panel), status));

  // ---- layers ----
  const mvt = (layer) => new VectorTileSource({
    format: new MVT({ layers: [layer] }),
    url: `/tiles/${layer}/{z}/{x}/{y}.mvt`,
    maxZoom: 16,
    overlaps: false,
  });
  const styleCache = new globalThis.Map();
  const selStroke = new Stroke({ color: '#0b3d91', width: 3 });
  const parcelStyle = (f, res) => {
    const v = themeValue(state.theme, f);
    const selected = state.selected && f.getId() === state.selected;
    const key = state.theme + '|' + v + '|' + (selected ? 1 : 0) + '|' + (res < 15 ? 1 : 0);
    let st = styleCache.get(key);
    if (!st) {
      const colour = (legendOf(state.theme, ctx).find((e) => e[0] === v) || [0, 0, OTHER])[2];
      st = new Style({
        fill: new Fill({ color: hexA(colour, selected ? 0.85 : 0.68) }),
        stroke: selected ? selStroke : new Stroke({ color: res < 15 ? 'rgba(40,50,40,0.75)' : 'rgba(40,50,40,0.35)', width: res < 15 ? 0.8 : 0.4 }),
        zIndex: selected ? 10 : 0,
      });
      styleCache.set(key, st);
    }
    return st;
  };
  const parcels = new VectorTileLayer({ source: mvt('parcels'), style: parcelStyle, declutter: false, renderMode: 'hybrid', properties: { name: 'parcels' } });
  parcels.set('name', 'parcels');
  const zoneStyle = new Style({ fill: new Fill({ color: 'rgba(198,40,40,0.07)' }), stroke: new Stroke({ color: '#c62828', width: 2, lineDash: [8, 5] }) });
  const zones = new VectorTileLayer({ source: mvt('zones'), style: zoneStyle });
  const divStyles = {
    district: new Style({ stroke: new Stroke({ color: '#1d4d3a', width: 3 }) }),
    town: new Style({ stroke: new Stroke({ color: '#5b5b5b', width: 1.6, lineDash: [10, 4, 2, 4] }) }),
    village: new Style({ stroke: new Stroke({ color: 'rgba(90,90,90,0.55)', width: 0.7, lineDash: [3, 3] }) }),
  };
  const divisions = new VectorTileLayer({
    source: mvt('divisions'),
    style: (f, res) => {
      const lvl = f.get('level');
      if (lvl === 'village' && (!state.villages || res > 40)) return null;
      if (lvl === 'town' && !state.towns) return null;
      return divStyles[lvl] || null;
    },
  });
  const townLabels = new VectorLayer({
    source: new VectorSource(),
    declutter: true,
    style: (f, res) => (res > 250 ? null : new Style({
      text: new Text({ text: f.get('name'), font: '600 13px "Noto Sans CJK SC", "Noto Sans SC", sans-serif', fill: new Fill({ color: '#2b3a2b' }), stroke: new Stroke({ color: 'rgba(255,255,255,0.95)', width: 3.5 }), overflow: true }),
      geometry: labelPoint,
    })),
  });
  // parcel labels (林班-小班): one point per parcel from the OGC API when zoomed in,
  // so that a parcel cut by tile edges is labelled once
  const labelSource = new VectorSource();
  const labelLayer = new VectorLayer({
    source: labelSource, declutter: true, minZoom: 14,
    style: (f) => new Style({ text: new Text({ text: f.get('label'), font: '12px "Noto Sans CJK SC", "Noto Sans SC", sans-serif', fill: new Fill({ color: '#1b2b1b' }), stroke: new Stroke({ color: 'rgba(255,255,255,0.9)', width: 3 }) }) }),
  });
  let labelReq = 0;
  async function refreshLabels() {
    if (view.getZoom() < 14) { labelSource.clear(); return; }
    const my = ++labelReq;
    const ext = transformExtent(view.calculateExtent(map.getSize()), 'EPSG:3857', 'EPSG:4326');
    try {
      const fc = await api.get('/ogc/collections/parcels/items' + api.qs({ bbox: ext.map((x) => x.toFixed(6)).join(','), limit: 1000 }));
      if (my !== labelReq) return;
      const feats = new GeoJSON().readFeatures(fc, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
      labelSource.clear();
      labelSource.addFeatures(feats.map((f) => {
        const p = labelPoint(f);
        return new Feature({ geometry: p, label: `${f.get('lin_ban')}-${f.get('xiao_ban')}` });
      }));
    } catch { /* labels are optional */ }
  }
  const layers = [];
  let base = null;
  if (ctx.config?.basemap_url) {
    base = new TileLayer({ source: new XYZ({ url: ctx.config.basemap_url, crossOrigin: null, maxZoom: 18 }) });
    layers.push(base);
  }
  const overlays = overlayLayers(ctx, state, mvt);
  layers.push(parcels, zones, divisions, ...Object.values(overlays), townLabels, labelLayer);
  const view = new View({ center: [13063000, 4847000], zoom: 10, maxZoom: 19, minZoom: 6, constrainResolution: false });
  const map = new Map({ target: mapEl, layers, view, controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine({ units: 'metric' })]) });
  function applyVisibility() {
    zones.setVisible(state.zones);
    townLabels.setVisible(state.towns);
    divisions.changed();
    if (base) base.setVisible(state.basemap);
    for (const [k, l] of Object.entries(overlays)) l.setVisible(!!state[k]);
  }
  applyVisibility();

  function homeExtent() {
    const e = ctx.session?.extent;
    if (Array.isArray(e) && e.length === 4) return transformExtent(e, 'EPSG:4326', 'EPSG:3857');
    return transformExtent([117.13, 39.75, 117.79, 40.25], 'EPSG:4326', 'EPSG:3857');
  }
  function zoomHome() { view.fit(homeExtent(), { padding: [30, 30, 30, 30], duration: 0 }); }
  if (state.view) { view.setCenter(state.view.center); view.setZoom(state.view.zoom); } else zoomHome();

  // town outlines from OGC API (for labels and search)
  let townFeatures = [];
  api.get('/ogc/collections/divisions/items?level=town&limit=1000').then((fc) => {
    townFeatures = new GeoJSON().readFeatures(fc, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
    const scoped = ctx.session?.scope ? townFeatures.filter((f) => String(ctx.session.scope).split(',').includes(f.get('code'))) : townFeatures;
    townLabels.getSource().addFeatures(scoped);
  }).catch(() => {});

  // ---- legend ----
  function drawLegend() {
    clear(legend);
    legend.append(h('summary', h('span.legendtitle', t('map.legend')), ' · ', t('theme.' + state.theme)));
    const ul = h('ul');
    for (const [, label, colour] of legendOf(state.theme, ctx)) {
      ul.append(h('li', h('span.swatch', { style: { background: hexA(colour, 0.75) }, 'aria-hidden': 'true' }), label));
    }
    legend.append(ul,
      h('ul.legendlines',
        h('li', h('span.line.zone', { 'aria-hidden': 'true' }), t('map.layer.zones')),
        h('li', h('span.line.town', { 'aria-hidden': 'true' }), t('map.layer.towns')),
        h('li', h('span.line.village', { 'aria-hidden': 'true' }), t('map.layer.villages'))),
      ...overlayLegend(ctx, state));
  }
  drawLegend();
  themeSel.addEventListener('change', () => { state.theme = themeSel.value; styleCache.clear(); parcels.changed(); drawLegend(); });

  // ---- selection & side panel ----
  let panelToken = 0;
  async function openParcel(fid, { fit = false } = {}) {
    state.selected = Number(fid);
    styleCache.clear();
    parcels.changed();
    const my = ++panelToken;
    panel.hidden = false;
    main.classList.add('panelopen');
    clear(panel).append(spinner());
    try {
      const [{ row }, archive] = await Promise.all([api.getParcel(fid), api.get(`/api/parcels/${fid}/archive`).catch(() => null)]);
      if (my !== panelToken) return;
      clear(panel);
      const close = h('button.btn.icon.close', { type: 'button', 'aria-label': t('close'), 'data-testid': 'panel-close', onclick: closePanel }, '×');
      panel.append(
        h('div.panelhead', h('div', h('p.eyebrow', t('parcel.kind')), h('h2', { 'data-testid': 'panel-code' }, row.code)), close),
        h('p.panelsub', nameOf(row.xiang), ' · ', nameOf(row.cun), ' · ', t('parcel.linban', { lb: row.lin_ban, xb: row.xiao_ban })),
        h('div.kpis.small',
          h('div.kpi', h('span.kpilabel', fieldLabel('parcels', 'area_ha')), h('span.kpival', fmt(row.area_ha, 2), h('small', ' ', t('unit.ha'))), h('span.kpisub', fmt(row.area_ha * MU_PER_HA, 1), ' ', t('unit.mu'))),
          h('div.kpi', h('span.kpilabel', fieldLabel('parcels', 'restoration_class')), h('span.kpival.text', row.restoration_class ? codeLabel('restoration_class', row.restoration_class) : t('map.notNatural')))),
        h('div.panelactions',
          h('a.btn.primary', { href: `#/parcels/${row.fid}` }, ctx.canEdit() ? t('parcel.openEdit') : t('parcel.open')),
          fit ? null : h('button.btn', { type: 'button', onclick: () => fitParcel(row.fid) }, t('map.zoomTo'))),
        h('h3', t('parcel.attributes')), attributeList(row, { compact: true }),
        h('h3', t('parcel.archive')), archiveTimeline(archive));
      if (fit) fitParcel(row.fid);
      close.focus({ preventScroll: true });
    } catch (e) {
      if (my !== panelToken) return;
      clear(panel).append(h('p.alert.error', { role: 'alert' }, e.message), h('button.btn', { type: 'button', onclick: closePanel }, t('close')));
    }
  }
  function closePanel() {
    panel.hidden = true;
    main.classList.remove('panelopen');
    state.selected = null;
    styleCache.clear();
    parcels.changed();
    mapEl.focus();
  }
  async function fitParcel(fid) {
    try {
      const f = await api.get(`/ogc/collections/parcels/items/${fid}`);
      const feat = new GeoJSON().readFeature(f, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
      view.fit(feat.getGeometry().getExtent(), { padding: [80, 80, 80, 80], maxZoom: 15, duration: 250 });
    } catch { /* ignore */ }
  }
  map.on('singleclick', async (evt) => {
    if (await overlayClick(overlays, evt.pixel, panel, { onOpen: () => main.classList.add('panelopen'), onClose: closePanel })) return;
    const feats = await parcels.getFeatures(evt.pixel);
    if (feats.length) openParcel(feats[0].getId());
  });
  map.on('pointermove', (evt) => {
    if (evt.dragging) return;
    const hit = map.hasFeatureAtPixel(evt.pixel, { layerFilter: (l) => l === parcels });
    mapEl.style.cursor = hit ? 'pointer' : '';
  });
  map.on('moveend', () => {
    state.view = { center: view.getCenter(), zoom: view.getZoom() };
    refreshLabels();
  });
  keyHandler(mapEl, view);
  parcels.getSource().on('tileloadend', () => scheduleStatus());
  map.on('rendercomplete', () => scheduleStatus());
  let statusTimer = null;
  function scheduleStatus() {
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => {
      const n = renderedParcels().length;
      status.textContent = t('map.status', { n });
    }, 250);
  }
  function renderedParcels() {
    const ext = view.calculateExtent(map.getSize());
    const seen = new globalThis.Map();
    for (const f of parcels.getFeaturesInExtent(ext)) if (!seen.has(f.getId())) seen.set(f.getId(), f);
    return [...seen.values()];
  }

  // ---- search: parcel code, village, town ----
  async function doSearch(q) {
    q = q.trim();
    clear(results);
    if (!q) { results.hidden = true; return; }
    const items = [];
    const needle = q.toLowerCase();
    for (const tw of ctx.towns) if (tw.name.toLowerCase().includes(needle) || tw.code === q) items.push({ kind: 'town', label: tw.name, sub: t('search.town'), div: tw });
    for (const v of ctx.villages) if (v.name.toLowerCase().includes(needle) || v.code === q) items.push({ kind: 'village', label: v.name, sub: t('search.village') + ' · ' + nameOf(v.parent_code || v.town_code), div: v });
    try {
      const pr = await api.get('/api/parcels' + api.qs({ 'code.like': `%${q}%`, limit: 20, sort: 'code' }));
      for (const p of pr.items) items.push({ kind: 'parcel', label: p.code, sub: `${t('search.parcel')} · ${nameOf(p.xiang)} ${nameOf(p.cun)} · ${fmt(p.area_ha, 2)} ${t('unit.ha')}`, parcel: p });
    } catch { /* ignore */ }
    if (!items.length) results.append(h('li.muted', t('search.none')));
    for (const it of items.slice(0, 40)) {
      results.append(h('li', h('button.result', {
        type: 'button', 'data-kind': it.kind,
        onclick: () => { results.hidden = true; choose(it); },
      }, h('span.rlabel', it.label), h('span.rsub', it.sub))));
    }
    results.hidden = false;
    const first = results.querySelector('button');
    if (first && items.length === 1) { results.hidden = true; choose(items[0]); }
  }
  async function choose(it) {
    if (it.kind === 'parcel') { openParcel(it.parcel.fid, { fit: true }); return; }
    try {
      const f = await api.get(`/ogc/collections/divisions/items/${it.div.fid}`);
      const feat = new GeoJSON().readFeature(f, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
      view.fit(feat.getGeometry().getExtent(), { padding: [40, 40, 40, 40], duration: 250 });
    } catch (e) {
      status.textContent = e.message;
    }
  }
  // keyboard: ↓ from the search box into the results, ↑/↓ between them, Esc closes
  searchIn.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') results.hidden = true;
    if (e.key === 'ArrowDown' && !results.hidden) { results.querySelector('button')?.focus(); e.preventDefault(); }
  });
  results.addEventListener('keydown', (e) => {
    const bs = [...results.querySelectorAll('button')];
    const i = bs.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i < bs.length - 1) { bs[i + 1].focus(); e.preventDefault(); }
    if (e.key === 'ArrowUp') { (i > 0 ? bs[i - 1] : searchIn).focus(); e.preventDefault(); }
    if (e.key === 'Escape') { results.hidden = true; searchIn.focus(); }
  });
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') closePanel(); });

  // hooks for the browser tests and for the console
  window.tb = {
    map, layers: { parcels, zones, divisions, townLabels, labels: labelLayer, ...overlays },
    renderedParcels: () => renderedParcels().map((f) => ({ fid: f.getId(), ...f.getProperties() })),
    pixelOfParcel(code) {
      const f = renderedParcels().find((x) => x.get('code') === code) || null;
      if (!f) return null;
      const pts = f.getType() === 'MultiPolygon' ? f.getFlatInteriorPoints() : f.getFlatInteriorPoint();
      const px = map.getPixelFromCoordinate([pts[0], pts[1]]);
      const r = mapEl.getBoundingClientRect();
      return [r.left + px[0], r.top + px[1]];
    },
    openParcel,
    fitLonLat(ext) { view.fit(transformExtent(ext, 'EPSG:4326', 'EPSG:3857'), { padding: [60, 60, 60, 60], maxZoom: 16 }); },
    setTheme(th) { themeSel.value = th; themeSel.dispatchEvent(new Event('change')); },
  };
  if (state.selected) openParcel(state.selected);
  return () => { map.setTarget(null); if (window.tb && window.tb.map === map) delete window.tb; clearTimeout(statusTimer); };
}

/** One label point per town: the interior point of its largest polygon. */
function labelPoint(feat) {
  const g = feat.getGeometry();
  if (g.getType() !== 'MultiPolygon') return g.getInteriorPoint ? g.getInteriorPoint() : g;
  let best = null;
  for (const p of g.getPolygons()) if (!best || p.getArea() > best.getArea()) best = p;
  return best.getInteriorPoint();
}

/** Arrow keys pan, +/- zoom when the map has focus (OpenLayers' keyboard
 * interactions listen on the map viewport once it is focusable). */
function keyHandler(el, view) {
  el.addEventListener('keydown', (e) => {
    const step = view.getResolution() * 100;
    const c = view.getCenter();
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) { view.animate({ center: [c[0] + moves[e.key][0], c[1] + moves[e.key][1]], duration: 100 }); e.preventDefault(); }
    else if (e.key === '+' || e.key === '=') { view.animate({ zoom: view.getZoom() + 1, duration: 150 }); e.preventDefault(); }
    else if (e.key === '-') { view.animate({ zoom: view.getZoom() - 1, duration: 150 }); e.preventDefault(); }
  });
}
void getCenter; void getLang;

// ---- overlays: use-control applications (§3.2) and monitoring alerts (§3.1.3) ----
// Each is a vector-tile layer of a resource of the server; its toggle only
// appears when /api/schema describes that resource with a geometry.
const OVERLAYS = ['applications', 'alerts'];
const hasLayer = (ctx, name) => !!ctx.schema?.resources?.[name]?.geometry;

function overlayLayers(ctx, state, mvt) {
  const out = {};
  for (const name of OVERLAYS) {
    if (!hasLayer(ctx, name)) continue;
    if (state[name] === undefined) state[name] = true;
    const style = name === 'applications' ? applicationStyle : alertStyle;
    const layer = new VectorTileLayer({ source: mvt(name), style, renderMode: 'hybrid', zIndex: 5 });
    layer.set('name', name);
    out[name] = layer;
  }
  return out;
}

function overlayToggles(ctx, state, onchange) {
  for (const n of OVERLAYS) if (hasLayer(ctx, n) && state[n] === undefined) state[n] = true;
  return OVERLAYS.filter((n) => hasLayer(ctx, n)).map((n) => h('label.check',
    h('input', { type: 'checkbox', checked: state[n], 'data-layer': n, onchange: (e) => { state[n] = e.target.checked; onchange(); } }),
    t('ctl.map.' + n)));
}

const appStyles = new globalThis.Map();
/** Applications: fill by verdict; dashed outline while under review, solid
 * once approved, grey when rejected. */
function applicationStyle(f) {
  const v = f.get('verdict') || '', st = f.get('status') || '';
  const key = v + '|' + st;
  let s = appStyles.get(key);
  if (!s) {
    const colour = st === 'rejected' ? '#9e9e9e' : VERDICT_COLOURS[v] || '#0b57d0';
    s = new Style({
      fill: new Fill({ color: hexA(colour, st === 'rejected' ? 0.2 : 0.4) }),
      stroke: new Stroke({ color: st === 'approved' ? '#1b1b1b' : colour, width: 2.5, lineDash: st === 'approved' || st === 'rejected' ? undefined : [7, 4] }),
      zIndex: 20,
    });
    appStyles.set(key, s);
  }
  return s;
}
// alerts in the colours of their status, as in the monitoring view
const ALERT_COLOURS = { new: '#c62828', assigned: '#ef9f00', verified: '#1565c0', closed: '#9e9e9e' };
function alertStyle(f) {
  const colour = ALERT_COLOURS[f.get('status')] || '#6a1b9a';
  return new Style({
    image: new CircleStyle({ radius: 7, fill: new Fill({ color: colour }), stroke: new Stroke({ color: '#fff', width: 2 }) }),
    fill: new Fill({ color: hexA(colour, 0.25) }),
    stroke: new Stroke({ color: colour, width: 2 }),
    zIndex: 30,
  });
}

function overlayLegend(ctx, state) {
  const parts = [];
  if (hasLayer(ctx, 'applications') && state.applications) {
    parts.push(h('ul.legendlines', { 'data-testid': 'legend-applications' },
      h('li', h('strong', t('ctl.map.legendApps'))),
      VERDICTS.map((v) => h('li', h('span.swatch.dashed', { style: { background: hexA(VERDICT_COLOURS[v], 0.45), borderColor: VERDICT_COLOURS[v] }, 'aria-hidden': 'true' }), ctlLabel('verdict', v))),
      h('li.muted', t('ctl.map.legendStatus'))));
  }
  if (hasLayer(ctx, 'alerts') && state.alerts) {
    parts.push(h('ul.legendlines', { 'data-testid': 'legend-alerts' },
      h('li', h('strong', t('ctl.map.alertLegend'))),
      Object.entries(ALERT_COLOURS).map(([st, c]) => h('li', h('span.swatch', { style: { background: c, borderRadius: '50%' }, 'aria-hidden': 'true' }), codeLabel('alert_status', st)))));
  }
  return parts;
}

/** A click on an overlay feature fills the side panel; true when it did. */
async function overlayClick(overlays, pixel, panel, { onOpen, onClose }) {
  for (const [name, layer] of Object.entries(overlays)) {
    if (!layer.getVisible()) continue;
    const feats = await layer.getFeatures(pixel);
    if (!feats.length) continue;
    const f = feats[0];
    const id = f.getId() ?? f.get('fid');
    const p = f.getProperties();
    const close = h('button.btn.icon.close', { type: 'button', 'aria-label': t('close'), 'data-testid': 'panel-close', onclick: onClose }, '×');
    panel.hidden = false;
    onOpen();
    clear(panel);
    if (name === 'applications') {
      panel.append(
        h('div.panelhead', h('div', h('p.eyebrow', t('ctl.kind')), h('h2', { 'data-testid': 'panel-code' }, p.code || `#${id}`)), close),
        h('p.ctlmapinfo', statusBadge(p.status), ' ', verdictBadge(p.verdict, { testid: 'panel-verdict' })),
        h('dl.meta.ctlmapinfo',
          h('div', h('dt', t('ctl.f.applicant')), h('dd', p.applicant || '—')),
          h('div', h('dt', t('ctl.f.activity')), h('dd', ctlLabel('activity', p.activity))),
          p.natural_forest_ha != null ? h('div', h('dt', t('ctl.f.natural_forest_ha')), h('dd', fmt(p.natural_forest_ha, 4), ' ', t('unit.ha'))) : null),
        h('div.panelactions', h('a.btn.primary', { href: `#/applications/${id}`, 'data-testid': 'panel-open-application' }, t('ctl.map.open'))));
    } else {
      panel.append(
        h('div.panelhead', h('div', h('p.eyebrow', t('ctl.map.alertKind')), h('h2', { 'data-testid': 'panel-code' }, p.code || p.title || `#${id}`)), close),
        h('dl.meta.ctlmapinfo', ['type', 'source', 'status', 'observed_at', 'natural_forest_ha'].filter((k) => p[k] != null && p[k] !== '')
          .map((k) => h('div', { 'data-field': k }, h('dt', fieldLabel('alerts', k)),
            h('dd', k === 'natural_forest_ha' ? `${fmt(p[k], 4)} ${t('unit.ha')}` : k === 'observed_at' ? fmtTime(p[k]) : ['type', 'source', 'status'].includes(k) ? codeLabel('alert_' + k, p[k]) : String(p[k]))))),
        h('div.panelactions', h('a.btn.primary', { href: `#/alerts?tab=alerts&id=${encodeURIComponent(id)}` }, t('ctl.map.alertOpen'))));
    }
    close.focus({ preventScroll: true });
    return true;
  }
  return false;
}
