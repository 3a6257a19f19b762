// phone/tasks.js — the ranger's tasks (任务) on the patrol page: the alerts
// assigned to him for field verification (§3.1.3, GET /api/alerts/mine),
// each with its type, time, distance and direction from where he stands and
// a marker on the map; "核实" opens a form (confirmed / false alarm, note,
// photo from the camera, loss in ha) whose result waits in the phone's
// upload queue (store.js, kind "verify") like patrols and incidents.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmt, fmtTime, getLang, codeLabel, codeList } from '../i18n.js';
import { isNetworkError } from './store.js';
import { haversine, uid, downscale } from './util.js';

const DIRS_ZH = ['北', '东北', '东', '东南', '南', '西南', '西', '西北'];
const DIRS_EN = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

/** Initial bearing (degrees from north) from a to b. */
export function bearing(a, b) {
  const r = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * r) * Math.cos(b.lat * r);
  const x = Math.cos(a.lat * r) * Math.sin(b.lat * r) - Math.sin(a.lat * r) * Math.cos(b.lat * r) * Math.cos((b.lon - a.lon) * r);
  return ((Math.atan2(y, x) / r) + 360) % 360;
}
export function compass(deg) {
  const i = Math.round(deg / 45) % 8;
  return (getLang() === 'en' ? DIRS_EN : DIRS_ZH)[i];
}

/** A representative point of a GeoJSON geometry (point, or the mean of the
 * outer ring's vertices). */
export function anchorOf(g) {
  if (!g) return null;
  if (g.type === 'Point') return { lon: g.coordinates[0], lat: g.coordinates[1] };
  let ring = null;
  if (g.type === 'Polygon') ring = g.coordinates[0];
  else if (g.type === 'MultiPolygon') ring = g.coordinates[0][0];
  else if (g.type === 'MultiPoint' || g.type === 'LineString') ring = g.coordinates;
  if (!ring || !ring.length) return null;
  const n = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.length - 1 : ring.length;
  let x = 0, y = 0;
  for (let i = 0; i < n; i++) { x += ring[i][0]; y += ring[i][1]; }
  return { lon: x / n, lat: y / n };
}

/** Where the task is: the server's point on the alert, else from its geometry. */
export function placeOf(a) {
  if (Number.isFinite(a.lon) && Number.isFinite(a.lat)) return { lon: a.lon, lat: a.lat };
  return anchorOf(a.geometry);
}

function label(list, code, prefix) {
  if (!code) return '—';
  if (codeList(list).some((c) => String(c.code) === String(code))) return codeLabel(list, code);
  const k = prefix + code;
  const v = t(k);
  return v === k ? String(code) : v;
}

export class Tasks {
  /** hooks: { store, map, fix() → {lon,lat}|null, queued(), say(text, kind) } */
  constructor(hooks) {
    this.k = hooks;
    this.open = null; // id of the alert whose form is open
    this.photo = null;
    this.photoName = null;
    this.el = h('section.ph-card.ph-tasks', { 'data-testid': 'phone-tasks', 'aria-labelledby': 'ph-tasks-h' });
    this.loaded = false;
    this.error = null;
  }

  get list() { return this.k.store.get('tasks', []); }

  /** ids of alerts whose verification waits in the queue */
  pendingIds() {
    return new Set(this.k.store.queue().filter((q) => q.kind === 'verify').map((q) => String(q.alert_id)));
  }

  async refresh() {
    try {
      const d = await api.get('/api/alerts/mine');
      const items = Array.isArray(d) ? d : d?.items || [];
      const tasks = await Promise.all(items.map(async (a) => {
        const r = a.properties ? { ...a.properties, id: a.id ?? a.properties.id ?? a.properties.fid, geometry: a.geometry } : { ...a, id: a.id ?? a.fid };
        if (!r.geometry && !(Number.isFinite(r.lon) && Number.isFinite(r.lat))) {
          try {
            const full = await api.get(`/api/alerts/${encodeURIComponent(r.id)}?geometry=true`);
            r.geometry = full.geometry || full.feature?.geometry || null;
          } catch { /* listed without a marker */ }
        }
        return r;
      }));
      try { this.k.store.set('tasks', tasks); } catch { /* offline copy only */ }
      this.error = null;
    } catch (e) {
      this.error = isNetworkError(e) ? null : e; // offline: the phone's copy
      if (e instanceof api.ApiError && (e.status === 404 || e.status === 405)) this.error = 'na';
    }
    this.loaded = true;
    if (!this.open) this.paint(); // an open form keeps what the ranger typed; the list follows when it closes
  }

  paint() {
    const el = this.el;
    const all = this.list;
    const pend = this.pendingIds();
    clear(el);
    el.append(h('h2#ph-tasks-h', t('phone.tasks'), ' ', h('span.ph-count', { 'data-testid': 'phone-task-count' }, String(all.filter((a) => !pend.has(String(a.id))).length))));
    if (this.error === 'na') { el.append(h('p.muted', t('phone.tasksNa'))); this.k.map?.setTasks?.([]); return; }
    if (this.error) el.append(h('p.ph-msg.error', this.error.message));
    if (!this.loaded && !all.length) { el.append(h('p.muted', t('loading'))); return; }
    if (!all.length) { el.append(h('p.muted', { 'data-testid': 'phone-tasks-none' }, t('phone.tasksNone'))); this.k.map?.setTasks?.([]); return; }
    const here = this.k.fix();
    const ul = h('ul.ph-tasklist');
    for (const a of all) {
      const at = placeOf(a);
      let where = null;
      if (here && at) {
        const m = haversine(here, at);
        where = t('phone.taskWhere', { dist: m >= 1000 ? `${fmt(m / 1000, 1)} ${t('phone.km')}` : `${Math.round(m)} ${t('phone.m')}`, dir: compass(bearing(here, at)) });
      }
      const waiting = pend.has(String(a.id));
      const li = h('li.ph-task', { 'data-id': a.id, 'data-testid': 'phone-task', class: waiting ? 'waiting' : '' },
        h('div.ph-taskhead',
          h('strong', label('alert_type', a.type, 'mon.type.')),
          h('span.ph-code', a.code || '#' + a.id)),
        h('p.ph-taskline', h('time', { datetime: a.observed_at }, fmtTime(a.observed_at)), ' · ', label('alert_source', a.source, 'mon.source.')),
        where ? h('p.ph-taskline.ph-where', { 'data-testid': 'phone-task-where' }, '➤ ', where) : at ? null : h('p.ph-taskline.muted', t('phone.taskNoPlace')),
        a.note ? h('p.ph-taskline', a.note) : null,
        waiting ? h('p.ph-msg.warn', t('phone.taskQueued'))
          : h('div.ph-row',
            at ? h('button.ph-btn', { type: 'button', 'data-testid': 'phone-task-show', onclick: () => this.k.map?.focus(at, 16) }, '◎ ', t('phone.taskShow')) : null,
            h('button.ph-btn.primary', { type: 'button', 'data-testid': 'phone-task-verify', 'aria-expanded': this.open === String(a.id) ? 'true' : 'false',
              onclick: () => { this.open = this.open === String(a.id) ? null : String(a.id); this.photo = null; this.paint(); if (this.open) this.el.querySelector('#tv-result-confirmed')?.focus(); } }, t('phone.verify'))));
      if (this.open === String(a.id) && !waiting) li.append(this.form(a));
      ul.append(li);
    }
    el.append(ul);
    this.k.map?.setTasks?.(all.filter((a) => !pend.has(String(a.id))).map((a) => ({ id: a.id, at: placeOf(a), label: label('alert_type', a.type, 'mon.type.') })).filter((x) => x.at));
  }

  form(a) {
    const radio = (v) => h('label.ph-radio', { for: 'tv-result-' + v },
      h('input', { type: 'radio', name: 'tv-result', id: 'tv-result-' + v, value: v, 'data-testid': 'phone-verify-' + v,
        onchange: () => { loss.hidden = v !== 'confirmed'; } }),
      h('span', label('alert_result', v, 'mon.result.')));
    // §2: a confirmed loss is cut out of the natural parcels.  A polygon alert
    // loses its overlap with natural forest (the number is optional, defaults
    // to it); a point alert cannot take a bare number (the server refuses it):
    // the lost area is mapped as a polygon by the bureau.
    const area = !!a.geometry && (a.geometry.type === 'Polygon' || a.geometry.type === 'MultiPolygon');
    const lossIn = h('input#tv-loss', { type: 'number', min: 0, step: '0.0001', inputmode: 'decimal', 'data-testid': 'phone-verify-loss',
      placeholder: a.natural_forest_ha != null ? String(a.natural_forest_ha) : '' });
    const loss = area
      ? h('div.ph-field', { hidden: true }, h('label', { for: 'tv-loss' }, t('phone.lossHa')), lossIn)
      : h('p.ph-field.muted', { hidden: true, 'data-testid': 'phone-verify-loss-point' }, t('phone.lossPointHint'));
    const note = h('textarea#tv-note', { rows: 3, maxlength: 2000, placeholder: t('phone.verifyNotePh'), 'data-testid': 'phone-verify-note' });
    const preview = h('div.ph-preview', h('span.muted', t('phone.photoNone')));
    const photo = h('input#tv-photo.ph-file', {
      type: 'file', accept: 'image/*', capture: 'environment', 'data-testid': 'phone-verify-photo',
      onchange: async () => {
        const file = photo.files && photo.files[0];
        this.photo = null;
        clear(preview);
        if (!file) { preview.append(h('span.muted', t('phone.photoNone'))); return; }
        try {
          this.photo = (await downscale(file)).url;
          this.photoName = file.name;
          preview.append(h('img', { src: this.photo, alt: t('phone.photo'), 'data-testid': 'phone-verify-preview' }));
        } catch (e) { preview.append(h('span.ph-msg.error', e.message)); }
      },
    });
    const err = h('p.ph-msg.error', { role: 'alert', hidden: true });
    const submit = h('button.ph-btn.primary', { type: 'submit', 'data-testid': 'phone-verify-submit' }, t('phone.verifySubmit'));
    return h('form.ph-verify', {
      'data-testid': 'phone-verify-form',
      onsubmit: (ev) => {
        ev.preventDefault();
        const picked = ev.currentTarget.querySelector('input[name=tv-result]:checked');
        if (!picked) { err.hidden = false; err.textContent = t('phone.needResult'); return; }
        if (!note.value.trim()) { err.hidden = false; err.textContent = t('phone.needNote'); note.focus(); return; }
        if (picked.value === 'confirmed' && !this.photo) { err.hidden = false; err.textContent = t('phone.needPhoto'); return; }
        const body = { result: picked.value, note: note.value.trim() };
        if (picked.value === 'confirmed' && area && lossIn.value !== '') body.loss_ha = Number(lossIn.value);
        const item = { id: uid(), kind: 'verify', alert_id: a.id, code: a.code, body, photo: this.photo, photo_name: this.photoName, created: new Date().toISOString() };
        try { this.k.store.push(item); } catch { err.hidden = false; err.textContent = t('phone.photoTooBig'); return; }
        this.open = null;
        this.photo = null;
        this.paint();
        this.k.queued();
      },
    },
    h('fieldset.ph-field', h('legend', t('phone.verifyResult')), h('div.ph-row', radio('confirmed'), radio('false_alarm'))),
    loss,
    h('div.ph-field', h('label', { for: 'tv-note' }, t('phone.note')), note),
    h('div.ph-field', h('label.ph-btn.ghost', { for: 'tv-photo' }, '＋ ', t('phone.photoTake')), photo, preview),
    err,
    h('div.ph-row', submit, h('button.ph-btn', { type: 'button', onclick: () => { this.open = null; this.paint(); } }, t('phone.cancel'))));
  }

  /** After a verification reached the server: drop the task. */
  done(alertId) {
    this.k.store.set('tasks', this.list.filter((a) => String(a.id) !== String(alertId)));
    this.paint();
  }
}
