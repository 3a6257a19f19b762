// phone/map.js — the small map of the patrol page: the ranger's grid (and
// the neighbouring grids from the vector tiles), today's finished tracks,
// the track being recorded, the last position and the alerts to verify.
import 'ol/ol.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import MVT from 'ol/format/MVT.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Feature from 'ol/Feature.js';
import LineString from 'ol/geom/LineString.js';
import MultiLineString from 'ol/geom/MultiLineString.js';
import Point from 'ol/geom/Point.js';
import { fromLonLat } from 'ol/proj.js';
import { Fill, Stroke, Style, Circle as CircleStyle, Text, RegularShape } from 'ol/style.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';

const casing = new Stroke({ color: '#ffffff', width: 8 });
const STYLES = {
  grid: new Style({ stroke: new Stroke({ color: '#0b3d2a', width: 3.5 }), fill: new Fill({ color: 'rgba(46,125,50,0.16)' }) }),
  other: new Style({ stroke: new Stroke({ color: 'rgba(30,42,36,0.45)', width: 1, lineDash: [4, 4] }) }),
  today: [new Style({ stroke: casing }), new Style({ stroke: new Stroke({ color: '#6a1b9a', width: 4 }) })],
  current: [new Style({ stroke: casing }), new Style({ stroke: new Stroke({ color: '#d84315', width: 5 }) })],
  task: new Style({ image: new RegularShape({ points: 3, radius: 12, fill: new Fill({ color: '#c62828' }), stroke: new Stroke({ color: '#fff', width: 3 }) }) }),
  here: new Style({ image: new CircleStyle({ radius: 9, fill: new Fill({ color: '#0b57d0' }), stroke: new Stroke({ color: '#fff', width: 3 }) }) }),
};

export class PatrolMap {
  constructor({ basemap } = {}) {
    this.gridSource = new VectorSource();
    this.todaySource = new VectorSource();
    this.currentFeature = new Feature({ geometry: new MultiLineString([]) });
    this.hereFeature = new Feature();
    this.taskSource = new VectorSource(); // alerts to verify (tasks.js)
    const layers = [];
    if (basemap) layers.push(new TileLayer({ source: new XYZ({ url: basemap, crossOrigin: 'anonymous' }) }));
    layers.push(
      new VectorTileLayer({
        source: new VectorTileSource({ format: new MVT({ layers: ['grids'] }), url: '/tiles/grids/{z}/{x}/{y}.mvt', maxZoom: 16 }),
        style: STYLES.other,
      }),
      new VectorLayer({ source: this.gridSource, style: (f) => [STYLES.grid, new Style({
        text: new Text({ text: f.get('name') || '', font: '600 14px sans-serif', fill: new Fill({ color: '#0b3d2a' }),
          stroke: new Stroke({ color: '#fff', width: 4 }), overflow: true }) })] }),
      new VectorLayer({ source: this.todaySource, style: STYLES.today }),
      new VectorLayer({ source: new VectorSource({ features: [this.currentFeature] }), style: STYLES.current }),
      new VectorLayer({ source: this.taskSource, style: (f) => [STYLES.task, new Style({
        text: new Text({ text: f.get('label') || '', offsetY: -22, font: '700 13px sans-serif', fill: new Fill({ color: '#7f0000' }),
          stroke: new Stroke({ color: '#fff', width: 4 }), overflow: true }) })] }),
      new VectorLayer({ source: new VectorSource({ features: [this.hereFeature] }), style: STYLES.here }),
    );
    this.view = new View({ center: fromLonLat([117.4, 40.05]), zoom: 11, maxZoom: 19 });
    this.map = new Map({ layers, view: this.view,
      controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine({ units: 'metric' })]) });
    this.followed = false;
  }

  setTarget(el) { this.map.setTarget(el); this.map.updateSize(); }

  setGrid(grid) {
    this.gridSource.clear();
    if (!grid || !grid.geometry) return;
    const f = new GeoJSON().readFeature({ type: 'Feature', geometry: grid.geometry, properties: { name: grid.name } },
      { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
    this.gridSource.addFeature(f);
    this.fitGrid();
  }

  fitGrid() {
    const ext = this.gridSource.getExtent();
    if (this.gridSource.getFeatures().length) this.view.fit(ext, { padding: [24, 24, 24, 24], maxZoom: 17 });
  }

  /** tracks: arrays of [lon,lat] */
  setToday(tracks) {
    this.todaySource.clear();
    for (const tr of tracks || []) {
      if (tr.length < 2) continue;
      this.todaySource.addFeature(new Feature({ geometry: new LineString(tr.map((p) => fromLonLat(p))) }));
    }
  }

  /** points: [{lon,lat,seg}] of the recording in progress */
  setCurrent(points) {
    const parts = [];
    let cur = null, seg = null;
    for (const p of points || []) {
      if (p.seg !== seg) { cur = []; parts.push(cur); seg = p.seg; }
      cur.push(fromLonLat([p.lon, p.lat]));
    }
    this.currentFeature.setGeometry(new MultiLineString(parts));
  }

  /** Centres on a position, zoomed in to at least `zoom`. */
  focus(fix, zoom = 16) {
    if (!fix) return;
    this.view.setCenter(fromLonLat([fix.lon, fix.lat]));
    if ((this.view.getZoom() || 0) < zoom) this.view.setZoom(zoom);
  }

  /** tasks: [{id, at:{lon,lat}, label}] — markers of the alerts to verify */
  setTasks(tasks) {
    this.taskSource.clear();
    for (const tk of tasks || []) {
      const f = new Feature({ geometry: new Point(fromLonLat([tk.at.lon, tk.at.lat])), label: tk.label });
      f.setId(String(tk.id));
      this.taskSource.addFeature(f);
    }
  }

  setHere(fix) {
    this.hereFeature.setGeometry(fix ? new Point(fromLonLat([fix.lon, fix.lat])) : undefined);
    if (fix) {
      const c = fromLonLat([fix.lon, fix.lat]);
      const ext = this.view.calculateExtent(this.map.getSize() || [300, 300]);
      const inside = c[0] > ext[0] && c[0] < ext[2] && c[1] > ext[1] && c[1] < ext[3];
      if (!inside) this.view.setCenter(c);
    }
  }
}
