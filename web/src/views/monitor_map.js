// monitor_map.js — the small map of the alerts tab: the listed alerts as
// points or polygons coloured by status, town outlines, the selected one
// highlighted.  Geometries come with the list or from each alert's record
// (GET /api/alerts/{id}?geometry=true).
import 'ol/ol.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import TileLayer from 'ol/layer/Tile.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import XYZ from 'ol/source/XYZ.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { transformExtent } from 'ol/proj.js';
import { getCenter } from 'ol/extent.js';
import Point from 'ol/geom/Point.js';
import { Fill, Stroke, Style, Circle as CircleStyle } from 'ol/style.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import * as api from '../api.js';
import { STATUS_COLOURS } from './monitor_common.js';

const fmt4326 = { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' };
const styles = new globalThis.Map();
function alertStyle(f) {
  const st = f.get('status') || 'new';
  const sel = !!f.get('_selected');
  const key = st + (sel ? '*' : '');
  let s = styles.get(key);
  if (!s) {
    const c = STATUS_COLOURS[st] || '#5f6b64';
    const stroke = new Stroke({ color: sel ? '#0b3d91' : c, width: sel ? 4 : 2 });
    s = [
      new Style({ stroke, fill: new Fill({ color: c + '55' }) }),
      new Style({
        image: new CircleStyle({ radius: sel ? 9 : 7, fill: new Fill({ color: c }), stroke: new Stroke({ color: sel ? '#0b3d91' : '#fff', width: sel ? 3 : 2 }) }),
        geometry: (ft) => {
          const g = ft.getGeometry();
          if (!g) return undefined;
          return g.getType() === 'Point' ? g : new Point(getCenter(g.getExtent()));
        },
      }),
    ];
    styles.set(key, s);
  }
  return s;
}

export function alertsMap(el, ctx, { onSelect } = {}) {
  const source = new VectorSource();
  const towns = new VectorSource();
  const layers = [];
  if (ctx.config?.basemap_url) layers.push(new TileLayer({ source: new XYZ({ url: ctx.config.basemap_url, maxZoom: 18 }) }));
  // the parcels for context: natural forest green, the rest outlined
  const natural = new Style({ fill: new Fill({ color: 'rgba(46,125,50,.28)' }), stroke: new Stroke({ color: 'rgba(27,94,32,.45)', width: 0.6 }) });
  const other = new Style({ stroke: new Stroke({ color: 'rgba(90,100,95,.35)', width: 0.5 }) });
  layers.push(
    new VectorTileLayer({
      source: new VectorTileSource({ format: new MVT({ layers: ['parcels'] }), url: '/tiles/parcels/{z}/{x}/{y}.mvt', maxZoom: 16 }),
      style: (f) => (f.get('restoration_class') ? natural : other), // natural forest has a restoration class
    }),
    new VectorLayer({ source: towns, style: new Style({ stroke: new Stroke({ color: 'rgba(22,61,46,.55)', width: 1.2, lineDash: [5, 4] }) }) }),
    new VectorLayer({ source, style: alertStyle }));
  const view = new View({ center: [0, 0], zoom: 2, maxZoom: 18 });
  const map = new Map({ target: el, layers, view, controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine({ units: 'metric' })]) });
  const home = () => {
    const e = ctx.session?.extent;
    const ext = Array.isArray(e) && e.length === 4 ? e : [117.13, 39.75, 117.79, 40.25];
    view.fit(transformExtent(ext, 'EPSG:4326', 'EPSG:3857'), { padding: [20, 20, 20, 20] });
  };
  home();
  api.get('/ogc/collections/divisions/items?level=town&limit=1000').then((fc) => {
    towns.addFeatures(new GeoJSON().readFeatures(fc, fmt4326));
  }).catch(() => {});
  map.on('singleclick', (ev) => {
    const f = map.forEachFeatureAtPixel(ev.pixel, (x) => (x.get('_alert') ? x : null), { hitTolerance: 4 });
    if (f && onSelect) onSelect(f.get('_alert'));
  });
  map.on('pointermove', (ev) => {
    const hit = map.hasFeatureAtPixel(ev.pixel, { layerFilter: (l) => l.getSource() === source, hitTolerance: 4 });
    el.style.cursor = hit ? 'pointer' : '';
  });

  return {
    map, source,
    /** items: listed alerts; each drawn from its own geometry or its record's. */
    async show(items) {
      source.clear();
      const byId = new globalThis.Map(items.map((a) => [String(a.id ?? a.fid), a]));
      const geoms = new globalThis.Map();
      for (const a of items) if (a.geometry) geoms.set(String(a.id ?? a.fid), a.geometry);
      const missing = items.filter((a) => !geoms.has(String(a.id ?? a.fid)));
      // the records' geometries (?geometry=true), a few at a time
      const queue = missing.slice(0, 200);
      const worker = async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
          try {
            const r = await api.get(`/api/alerts/${encodeURIComponent(a.id ?? a.fid)}?geometry=true`);
            const g = r?.geometry || r?.feature?.geometry;
            if (g) geoms.set(String(a.id ?? a.fid), g);
          } catch { /* drawn without it */ }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      for (const [id, g] of geoms) {
        const a = byId.get(id);
        const f = new GeoJSON().readFeature({ type: 'Feature', geometry: g, properties: {} }, fmt4326);
        f.setId(id);
        f.set('status', a.status);
        f.set('_alert', a);
        source.addFeature(f);
      }
      if (source.getFeatures().length) view.fit(source.getExtent(), { padding: [40, 40, 40, 40], maxZoom: 15 });
      else home();
      return source.getFeatures().length;
    },
    select(id) {
      for (const f of source.getFeatures()) f.set('_selected', f.getId() === String(id));
      const f = source.getFeatureById(String(id));
      if (!f) return;
      // into view, at least at a scale where the parcels around it can be told apart
      const ext = f.getGeometry().getExtent();
      const size = map.getSize();
      if ((view.getZoom() || 0) < 12 || !size) view.fit(ext, { padding: [60, 60, 60, 60], maxZoom: 13, duration: 0 });
      else view.setCenter(getCenter(ext));
    },
    setStatus(id, st) {
      const f = source.getFeatureById(String(id));
      if (f) f.set('status', st);
    },
    dispose() { map.setTarget(undefined); },
  };
}
