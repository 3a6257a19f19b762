// phone/store.js — what the patrol page keeps on the phone (localStorage,
// one namespace per login): the recording in progress, the upload queue
// (patrols, incidents and alert verifications with their photo), today's tracks, the last verdict.
// Everything survives a reload, a closed tab and a dead battery's restart.
import * as api from '../api.js';
import { dataUrlToBlob } from './util.js';

const CSRF = 'tb.phone.csrf';

export function keep(key, value) {
  if (value === undefined || value === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value)); // may throw QuotaExceededError
}
export function read(key, fallback) {
  try {
    const v = localStorage.getItem(key);
    return v === null ? fallback : JSON.parse(v);
  } catch { return fallback; }
}

/** The csrf token is only handed out at login and api.js keeps it per tab;
 * the patrol page also keeps it on the phone so that a page reopened
 * later (same cookie session) can still upload what waits. */
export function rememberCsrf(token) {
  try { if (token) localStorage.setItem(CSRF, token); else localStorage.removeItem(CSRF); } catch { /* ignore */ }
}
export function restoreCsrf() {
  try {
    const tok = localStorage.getItem(CSRF);
    if (tok && !api.csrf()) sessionStorage.setItem('tb.csrf', tok);
  } catch { /* ignore */ }
}

export class Store {
  constructor(login) {
    this.ns = 'tb.phone.' + login + '.';
  }
  get(name, fallback) { return read(this.ns + name, fallback); }
  set(name, value) { keep(this.ns + name, value); }

  queue() { return this.get('queue', []); }
  setQueue(q) { this.set('queue', q); }
  push(item) {
    const q = this.queue();
    q.push(item);
    this.setQueue(q);
  }
  update(item) {
    const q = this.queue();
    const i = q.findIndex((x) => x.id === item.id);
    if (i >= 0) { q[i] = item; this.setQueue(q); }
  }
  remove(id) { this.setQueue(this.queue().filter((x) => x.id !== id)); }
}

/** Network failure (offline, server down) as opposed to a server's answer. */
export function isNetworkError(e) {
  return !(e instanceof api.ApiError) || e.status === 0 || e.status >= 500 || e.status === 429 || e.status === 408;
}
export function needsLogin(e) {
  return e instanceof api.ApiError && (e.status === 401 || (e.status === 403 && e.code === 'csrf'));
}

/** Uploads one queued item; returns the server's record. */
export async function upload(store, item) {
  if (item.kind === 'patrol') {
    return (await api.request('POST', '/api/patrols/points', { body: { ranger: item.ranger, points: item.points } })).data;
  }
  if (item.kind === 'incident') {
    if (item.photo && !item.feature.properties.photo_sha256) {
      const blob = dataUrlToBlob(item.photo);
      const { data } = await api.request('POST', '/api/attachments' + api.qs({ filename: item.photo_name || 'photo.jpg' }),
        { raw: blob, headers: { 'Content-Type': blob.type } });
      item.feature.properties.photo_sha256 = data.sha256;
      item.photo = null; // the server has it: free the phone's storage
      store.update(item);
    }
    return (await api.request('POST', '/api/incidents', { body: item.feature })).data;
  }
  if (item.kind === 'verify') { // field verification of an alert (§3.1.3)
    if (item.photo && !item.body.photo) {
      const blob = dataUrlToBlob(item.photo);
      const { data } = await api.request('POST', '/api/attachments' + api.qs({ filename: item.photo_name || 'verify.jpg' }),
        { raw: blob, headers: { 'Content-Type': blob.type } });
      item.body.photo = data.sha256;
      item.photo = null;
      store.update(item);
    }
    return (await api.request('POST', `/api/alerts/${encodeURIComponent(item.alert_id)}/verify`, { body: item.body })).data;
  }
  throw new Error('unknown queue item ' + item.kind);
}
