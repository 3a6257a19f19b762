// phone.js — the ranger's patrol page (/phone.html): log in, start/stop a
// patrol recorded with the browser's geolocation, report incidents with a
// photo, keep everything on the phone while offline (phone/store.js) and
// upload it when the network is back; shows the ranger's grid and today's
// track on a small map and the server's verdict on the last patrol; lists
// the alerts assigned to the ranger for field verification (任务, tasks.js).
import './phone.css';
import * as api from './api.js';
import { h, clear } from './dom.js';
import { t, initLang, setLang, getLang, setSchema, codeList, codeLabel, fmt, fmtTime } from './i18n.js';
import { Store, read, rememberCsrf, restoreCsrf, upload, isNetworkError, needsLogin } from './phone/store.js';
import { trackLength, clock, dayOf, uid, downscale } from './phone/util.js';
import { PatrolMap } from './phone/map.js';
import { Tasks } from './phone/tasks.js';

const MAX_ACCURACY_M = 100; // fixes less precise than this are dropped
const RETRY_MS = 30000;
const TASKS_MS = 120000;

const S = {
  session: null, ranger: null, grid: null, config: null,
  store: null, rec: null, watchId: null, tick: null, wakeLock: null,
  lastFix: null, flushing: false, msg: null, photo: null, photoFile: null,
  map: null, el: {}, tasks: null,
};
let root;

// ---------- messages ----------
function say(text, kind = 'info') {
  S.msg = { text, kind };
  S.geoWarned = false;
  paintMsg();
}
function paintMsg() {
  const el = S.el.msg;
  if (!el) return;
  clear(el);
  el.className = 'ph-msg' + (S.msg ? ' ' + S.msg.kind : '');
  if (S.msg) el.append(S.msg.text);
}

// ---------- login ----------
function renderLogin(note) {
  stopWatch();
  clear(root);
  const user = h('input#phone-user', { name: 'login', autocomplete: 'username', autocapitalize: 'none', required: true, 'data-testid': 'phone-user' });
  const pass = h('input#phone-pass', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'phone-pass' });
  const err = h('p#phone-login-error.ph-msg.error', { role: 'alert', hidden: !note }, note || '');
  const btn = h('button.ph-btn.primary', { type: 'submit', 'data-testid': 'phone-login-submit' }, t('login.submit'));
  const form = h('form.ph-login', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (!user.value || !pass.value) { err.hidden = false; err.textContent = t('login.missing'); return; }
      btn.disabled = true;
      btn.textContent = t('login.busy');
      try {
        const s = await api.login(user.value.trim(), pass.value);
        rememberCsrf(s.csrf);
        await init();
      } catch (e) {
        err.hidden = false;
        err.textContent = e instanceof api.ApiError
          ? (e.status === 429 ? t('login.throttled') : e.status === 401 ? t('login.wrong') : e.message)
          : t('error.server') + ' ' + e.message;
        btn.disabled = false;
        btn.textContent = t('login.submit');
      }
    },
  },
  h('h1', t('phone.loginTitle')),
  h('div.ph-field', h('label', { for: 'phone-user' }, t('login.user')), user),
  h('div.ph-field', h('label', { for: 'phone-pass' }, t('login.password')), pass),
  err, btn);
  root.append(topbar(false), h('main.ph-main', form));
  user.focus();
}

function topbar(loggedIn) {
  return h('header.ph-top',
    h('div.ph-brand', h('img', { src: 'favicon.svg', alt: '', width: 28, height: 28 }), h('strong', t('phone.title'))),
    h('div.ph-tools',
      h('button.ph-chip', { type: 'button', 'data-testid': 'phone-lang', lang: getLang() === 'zh' ? 'en' : 'zh',
        onclick: () => { setLang(getLang() === 'zh' ? 'en' : 'zh'); document.title = t('phone.title'); if (S.store) build(); else renderLogin(); } },
      getLang() === 'zh' ? 'EN' : '中文'),
      loggedIn ? h('button.ph-chip', { type: 'button', 'data-testid': 'phone-logout', onclick: logout }, t('user.logout')) : null));
}

async function logout() {
  if (S.rec) return say(t('phone.recording') + ' · ' + t('phone.stop'), 'warn');
  try { await api.logout(); } catch { /* gone already */ }
  rememberCsrf('');
  S.store = null;
  S.session = null;
  renderLogin();
}

// ---------- profile: ranger, grid, codes ----------
async function loadProfile(sess) {
  const store = new Store(sess.login);
  try {
    const [schema, config, rangers] = await Promise.all([
      api.get('/api/schema'), api.get('/api/config').catch(() => null),
      api.get('/api/rangers' + api.qs({ login: sess.login, limit: 5 })),
    ]);
    const ranger = rangers.items.find((r) => r.status !== 'inactive') || rangers.items[0] || null;
    let grid = null;
    if (ranger) {
      const today = dayOf(Date.now());
      const links = (await api.get('/api/grid_rangers' + api.qs({ ranger_code: ranger.code, limit: 50 }))).items
        .filter((g) => (!g.start_date || g.start_date <= today) && (!g.end_date || g.end_date >= today))
        .sort((a, b) => String(b.start_date || '').localeCompare(String(a.start_date || '')));
      if (links.length) {
        const found = (await api.get('/api/grids' + api.qs({ code: links[0].grid_code, limit: 1 }))).items[0];
        if (found) grid = await api.get(`/api/grids/${found.fid}?geometry=true`);
      }
    }
    const profile = {
      session: { login: sess.login, role: sess.role, scope: sess.scope },
      ranger, grid, config,
      codes: { incident_type: schema.codes.incident_type || [], patrol_status: schema.codes.patrol_status || [],
        alert_type: schema.codes.alert_type || [], alert_source: schema.codes.alert_source || [], alert_result: schema.codes.alert_result || [] },
    };
    try { store.set('profile', profile); } catch { /* full: the map can do without */ }
    return { store, profile };
  } catch (e) {
    if (!isNetworkError(e)) throw e;
    const cached = store.get('profile', null); // offline: yesterday's profile is fine
    if (!cached) throw e;
    return { store, profile: cached };
  }
}

async function init() {
  restoreCsrf();
  let sess = null;
  try {
    sess = await api.session();
  } catch (e) {
    // no network: the last login on this phone, if any
    const last = read('tb.phone.last', null);
    if (last) sess = { login: last, role: 'ranger', offline: true };
    else { clear(root).append(h('div.ph-msg.error', { role: 'alert' }, t('error.server') + ' ' + e.message)); return; }
  }
  if (!sess || !sess.login || sess.role === 'public') return renderLogin();
  try { localStorage.setItem('tb.phone.last', JSON.stringify(sess.login)); } catch { /* ignore */ }
  let loaded;
  try {
    loaded = await loadProfile(sess);
  } catch (e) {
    if (needsLogin(e)) return renderLogin(t('error.expired'));
    clear(root).append(h('div.ph-msg.error', { role: 'alert' }, t('error.load') + ' ' + e.message));
    return;
  }
  const { store, profile } = loaded;
  S.store = store;
  S.session = profile.session;
  S.ranger = profile.ranger;
  S.grid = profile.grid;
  S.config = profile.config;
  setSchema({ resources: {}, codes: profile.codes });
  if (!S.map) S.map = new PatrolMap({ basemap: S.config?.basemap_url || null });
  S.map.setGrid(S.grid);
  // a recording interrupted by a reload goes on, as a new segment
  const rec = S.store.get('rec', null);
  if (rec && S.ranger) {
    S.rec = rec;
    rec.seg = (rec.seg || 0) + 1;
    saveRec();
  }
  S.tasks = S.ranger ? new Tasks({
    store: S.store, map: S.map, fix: () => S.lastFix,
    queued: () => { say(navigator.onLine ? t('phone.uploading') : t('phone.verifySaved'), navigator.onLine ? 'info' : 'warn'); paint(); flush(); },
  }) : null;
  build();
  if (S.rec) startWatch();
  flush();
  if (S.tasks) {
    S.tasks.refresh();
    // distances to the tasks: one fix now, if the phone allows it
    currentPosition().then((fix) => {
      if (!fix || S.lastFix) return;
      S.lastFix = { ...fix, ms: Date.now() };
      S.map?.setHere(fix);
      if (S.tasks && !S.tasks.open) S.tasks.paint();
    });
  }
}

// ---------- today's tracks ----------
function todayTracks() {
  const v = S.store.get('today', null);
  return v && v.day === dayOf(Date.now()) ? v.tracks : [];
}
function addToday(points) {
  const tracks = todayTracks();
  tracks.push(points.map((p) => [p.lon, p.lat]));
  try { S.store.set('today', { day: dayOf(Date.now()), tracks }); } catch { /* only the drawing is lost */ }
}

// ---------- recording ----------
function saveRec() {
  try { S.store.set('rec', S.rec); } catch { say(t('phone.photoTooBig'), 'error'); }
}

async function startRec() {
  if (!('geolocation' in navigator)) return say(t('phone.noGeo'), 'error');
  S.rec = { id: uid(), ranger: S.ranger.code, started: Date.now(), points: [], dropped: 0, seg: 0 };
  saveRec();
  startWatch();
  say(t('phone.waitFix'));
  paint();
}

function startWatch() {
  stopWatch();
  S.watchId = navigator.geolocation.watchPosition(onFix, onGeoError, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
  S.tick = setInterval(paintStats, 1000);
  if (navigator.wakeLock) navigator.wakeLock.request('screen').then((l) => { S.wakeLock = l; }, () => {});
}
function stopWatch() {
  if (S.watchId !== null) navigator.geolocation.clearWatch(S.watchId);
  S.watchId = null;
  if (S.tick) clearInterval(S.tick);
  S.tick = null;
  if (S.wakeLock) { S.wakeLock.release().catch(() => {}); S.wakeLock = null; }
}

function onFix(pos) {
  const c = pos.coords;
  const fix = { lon: c.longitude, lat: c.latitude, acc: c.accuracy };
  const first = !S.lastFix;
  S.lastFix = { ...fix, ms: Date.now() };
  S.map?.setHere(fix);
  if (S.tasks && !S.tasks.open && (first || Date.now() - (S.tasksPainted || 0) > 15000)) { S.tasksPainted = Date.now(); S.tasks.paint(); }
  const rec = S.rec;
  if (!rec) return;
  if (!(c.accuracy <= MAX_ACCURACY_M)) { rec.dropped++; saveRec(); paint(); return; }
  // the fix's own time, unless the device's GPS clock is off
  let ms = Number(pos.timestamp);
  if (!Number.isFinite(ms) || Math.abs(ms - Date.now()) > 10 * 60 * 1000) ms = Date.now();
  const last = rec.points[rec.points.length - 1];
  if (last && ms <= Date.parse(last.t)) return;
  const p = { lon: +c.longitude.toFixed(7), lat: +c.latitude.toFixed(7), t: new Date(ms).toISOString(), acc: Math.round(c.accuracy), seg: rec.seg };
  if (c.altitude !== null && c.altitude !== undefined && Number.isFinite(c.altitude)) p.ele = +c.altitude.toFixed(1);
  rec.points.push(p);
  saveRec();
  if (rec.points.length === 1) S.map?.focus(fix, 16); // walking scale
  if (S.msg && (S.msg.text === t('phone.waitFix') || S.geoWarned)) { S.msg = null; S.geoWarned = false; paintMsg(); }
  S.map?.setCurrent(rec.points);
  paint();
}

function onGeoError(err) {
  // 1 denied: fatal; 2 unavailable, 3 timeout: the watch goes on
  if (err.code === 1) return say(t('phone.geoDenied'), 'error');
  say(t('phone.geoError', { msg: err.code === 3 ? t('phone.geoTimeout') : t('phone.geoWeak') }), 'warn');
  S.geoWarned = true;
}

function stopRec() {
  stopWatch();
  const rec = S.rec;
  S.rec = null;
  S.store.set('rec', null);
  S.map?.setCurrent([]);
  if (!rec || rec.points.length < 2) { say(t('phone.tooFew'), 'warn'); paint(); return; }
  try {
    S.store.push({ id: rec.id, kind: 'patrol', ranger: rec.ranger, points: rec.points, created: new Date().toISOString() });
  } catch {
    S.store.set('rec', rec); // keep it where it was rather than lose it
    S.rec = rec;
    say(t('phone.photoTooBig'), 'error');
    paint();
    return;
  }
  addToday(rec.points);
  S.map?.setToday(todayTracks());
  say(navigator.onLine ? t('phone.saved') : t('phone.savedOffline'), navigator.onLine ? 'ok' : 'warn');
  paint();
  flush();
}

async function locate() {
  const fix = await currentPosition();
  if (!fix) return say(t('phone.noPos'), 'warn');
  S.map.setHere(fix);
  S.map.focus(fix, 18);
}

// ---------- incidents ----------
function currentPosition() {
  if (S.lastFix && Date.now() - S.lastFix.ms < 2 * 60 * 1000 && S.lastFix.acc <= MAX_ACCURACY_M) return Promise.resolve(S.lastFix);
  return new Promise((ok) => {
    if (!('geolocation' in navigator)) return ok(null);
    navigator.geolocation.getCurrentPosition(
      (p) => ok({ lon: p.coords.longitude, lat: p.coords.latitude, acc: p.coords.accuracy }),
      () => ok(null), { enableHighAccuracy: true, maximumAge: 60000, timeout: 20000 });
  });
}

async function submitIncident(ev) {
  ev.preventDefault();
  const { incType, incNote, incSubmit } = S.el;
  if (!incType.value) { incType.setAttribute('aria-invalid', 'true'); incType.focus(); return say(t('phone.needType'), 'error'); }
  incType.removeAttribute('aria-invalid');
  incSubmit.disabled = true;
  try {
    const pos = await currentPosition();
    if (!pos) return say(t('phone.incidentNoPos'), 'error');
    const props = { ranger_code: S.ranger.code, town_code: S.ranger.town_code, type: incType.value, time: new Date().toISOString() };
    if (incNote.value.trim()) props.note = incNote.value.trim();
    const item = {
      id: uid(), kind: 'incident', created: props.time,
      feature: { type: 'Feature', geometry: { type: 'Point', coordinates: [+pos.lon.toFixed(7), +pos.lat.toFixed(7)] }, properties: props },
      photo: S.photo ? S.photo.url : null, photo_name: S.photoFile ? S.photoFile.name : null,
    };
    try {
      S.store.push(item);
    } catch {
      if (!S.photoFile) return say(t('phone.photoTooBig'), 'error');
      try { // a smaller photo, then none
        item.photo = (await downscale(S.photoFile, 800, 0.6)).url;
        S.store.push(item);
      } catch { return say(t('phone.photoTooBig'), 'error'); }
    }
    S.el.incForm.reset();
    S.photo = null;
    S.photoFile = null;
    showIncident(false);
    say(navigator.onLine ? t('phone.uploading') : t('phone.incidentSaved'), navigator.onLine ? 'info' : 'warn');
    paint();
    flush();
  } finally {
    incSubmit.disabled = false;
  }
}

async function onPhoto() {
  const file = S.el.incPhoto.files && S.el.incPhoto.files[0];
  S.photo = null;
  S.photoFile = null;
  clear(S.el.incPreview);
  if (!file) { S.el.incPreview.append(h('span.muted', t('phone.photoNone'))); return; }
  try {
    S.photo = await downscale(file);
    S.photoFile = file;
    S.el.incPreview.append(h('img', { src: S.photo.url, alt: t('phone.photo'), 'data-testid': 'phone-photo-preview' }));
  } catch (e) {
    S.el.incPreview.append(h('span.ph-msg.error', e.message));
  }
}

function showIncident(on) {
  S.el.incForm.hidden = !on;
  S.el.incOpen.setAttribute('aria-expanded', on ? 'true' : 'false');
  if (on) S.el.incType.focus();
}

// ---------- upload queue ----------
async function flush() {
  if (S.flushing || !S.store) return;
  if (!navigator.onLine) { paint(); return; }
  S.flushing = true;
  paint();
  try {
    for (const item of S.store.queue()) {
      try {
        const rec = await upload(S.store, item);
        S.store.remove(item.id);
        if (item.kind === 'patrol') {
          S.store.set('verdict', rec);
          say(t('phone.uploadedPatrol'), 'ok');
        } else if (item.kind === 'verify') {
          S.tasks?.done(item.alert_id);
          say(t('phone.verifySent'), 'ok');
        } else say(t('phone.incidentSent'), 'ok');
      } catch (e) {
        if (needsLogin(e)) { say(t('phone.relogin'), 'error'); renderLogin(t('phone.relogin')); return; }
        if (isNetworkError(e)) break;
        // refused by the server: set aside (kept on the phone) so the rest can go
        S.store.remove(item.id);
        const failed = S.store.get('failed', []);
        failed.push({ ...item, error: e.message, at: new Date().toISOString() });
        try { S.store.set('failed', failed); } catch { /* nothing more we can do */ }
        say(t('phone.uploadFailed', { msg: e.message }), 'error');
        if (item.kind === 'verify') S.tasks?.refresh(); // the task is back (or gone) as the server says
      }
      paint();
    }
  } finally {
    S.flushing = false;
    if (S.store) paint();
  }
}

// ---------- the page ----------
function build() {
  clear(root);
  document.title = t('phone.title');
  const el = S.el = {};
  if (!S.ranger) {
    root.append(topbar(true), h('main.ph-main', h('div.ph-msg.error', { role: 'alert', 'data-testid': 'phone-noranger' }, t('phone.noRanger'))));
    return;
  }
  el.net = h('span.ph-net', { 'data-testid': 'phone-net' });
  el.pending = h('span.ph-pending', { 'data-testid': 'phone-pending' });
  el.uploadNow = h('button.ph-chip.dark', { type: 'button', 'data-testid': 'phone-upload', onclick: flush }, t('phone.uploadNow'));
  el.map = h('div.ph-map', { role: 'img', 'aria-label': t('phone.mapAria'), 'data-testid': 'phone-map' });
  el.distance = h('dd', { 'data-testid': 'phone-distance' });
  el.duration = h('dd', { 'data-testid': 'phone-duration' });
  el.points = h('dd', { 'data-testid': 'phone-points' });
  el.accuracy = h('dd', { 'data-testid': 'phone-accuracy' });
  el.dropped = h('p.ph-note', { 'data-testid': 'phone-dropped' });
  el.state = h('p.ph-state', { 'data-testid': 'phone-state' });
  el.toggle = h('button.ph-btn.big', { type: 'button', 'data-testid': 'phone-toggle', onclick: () => (S.rec ? stopRec() : startRec()) });
  el.incOpen = h('button.ph-btn.alert', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'phone-incident', 'data-testid': 'phone-incident-open',
    onclick: () => showIncident(el.incForm.hidden) }, '⚠ ', t('phone.incident'));
  el.msg = h('p.ph-msg', { role: 'status', 'aria-live': 'polite', 'data-testid': 'phone-msg' });
  el.verdict = h('section.ph-verdict', { 'data-testid': 'phone-verdict', 'aria-live': 'polite' });
  el.today = h('span.ph-today', { 'data-testid': 'phone-today' });
  el.locate = h('button.ph-chip.dark.small', { type: 'button', 'data-testid': 'phone-locate', onclick: locate }, '◎ ', t('phone.locate'));
  el.fitGrid = h('button.ph-chip.dark.small', { type: 'button', 'data-testid': 'phone-fitgrid', onclick: () => S.map.fitGrid() }, '▢ ', t('phone.grid'));

  el.incType = h('select#inc-type', { required: true, 'data-testid': 'phone-inc-type' },
    h('option', { value: '' }, '—'),
    codeList('incident_type').map((c) => h('option', { value: c.code }, codeLabel('incident_type', c.code))));
  el.incNote = h('textarea#inc-note', { rows: 3, maxlength: 2000, placeholder: t('phone.notePh'), 'data-testid': 'phone-inc-note' });
  el.incPhoto = h('input#inc-photo.ph-file', { type: 'file', accept: 'image/*', capture: 'environment', 'data-testid': 'phone-inc-photo', onchange: onPhoto });
  el.incPreview = h('div.ph-preview', h('span.muted', t('phone.photoNone')));
  el.incSubmit = h('button.ph-btn.primary', { type: 'submit', 'data-testid': 'phone-inc-submit' }, t('phone.submit'));
  el.incForm = h('form#phone-incident.ph-card.ph-incident', { hidden: true, onsubmit: submitIncident, 'data-testid': 'phone-incident' },
    h('h2', t('phone.incidentTitle')),
    h('div.ph-field', h('label', { for: 'inc-type' }, t('phone.incidentType')), el.incType),
    h('div.ph-field', h('label', { for: 'inc-note' }, t('phone.note')), el.incNote),
    h('div.ph-field', h('label.ph-btn.ghost', { for: 'inc-photo' }, '＋ ', t('phone.photoTake')), el.incPhoto, el.incPreview),
    h('div.ph-row', el.incSubmit, h('button.ph-btn', { type: 'button', onclick: () => showIncident(false) }, t('phone.cancel'))));

  const grid = S.grid;
  root.append(topbar(true), h('main.ph-main',
    h('section.ph-who',
      h('div', h('span.ph-label', t('phone.ranger')), h('strong', { 'data-testid': 'phone-ranger' }, S.ranger.name || S.ranger.code), h('span.ph-code', S.ranger.code)),
      h('div', h('span.ph-label', t('phone.grid')), h('strong', { 'data-testid': 'phone-grid' }, grid ? grid.name || grid.code : t('phone.noGrid')),
        grid ? h('span.ph-code', grid.code) : null)),
    h('div.ph-status', el.net, el.pending, el.uploadNow),
    S.tasks ? S.tasks.el : null,
    el.map,
    h('div.ph-mapfoot', el.locate, S.grid ? el.fitGrid : null, el.today),
    el.state,
    h('dl.ph-stats',
      h('div', h('dt', t('phone.distance')), el.distance),
      h('div', h('dt', t('phone.duration')), el.duration),
      h('div', h('dt', t('phone.points')), el.points),
      h('div', h('dt', t('phone.accuracy')), el.accuracy)),
    el.dropped,
    el.toggle,
    el.msg,
    el.incOpen,
    el.incForm,
    el.verdict,
    h('p.ph-foot', h('a', { href: './' }, t('phone.desktop')))));
  S.map.setTarget(el.map);
  S.map.setGrid(S.grid);
  S.map.setToday(todayTracks());
  S.map.setCurrent(S.rec ? S.rec.points : []);
  if (S.tasks) S.tasks.paint();
  paintMsg();
  paint();
}

function paintStats() {
  const el = S.el;
  if (!el.distance) return;
  const rec = S.rec;
  const pts = rec ? rec.points : [];
  const m = trackLength(pts);
  el.distance.textContent = m >= 1000 ? `${fmt(m / 1000, 2)} ${t('phone.km')}` : `${Math.round(m)} ${t('phone.m')}`;
  el.duration.textContent = rec ? clock(Date.now() - rec.started) : '—';
  el.points.textContent = String(pts.length);
  el.accuracy.textContent = S.lastFix ? `±${Math.round(S.lastFix.acc)} ${t('phone.m')}` : '—';
}

function paint() {
  const el = S.el;
  if (!el.toggle || !S.store) return;
  const online = navigator.onLine;
  el.net.textContent = online ? t('phone.online') : t('phone.offline');
  el.net.className = 'ph-net ' + (online ? 'on' : 'off');
  const n = S.store.queue().length;
  el.pending.textContent = S.flushing && n ? t('phone.uploading') : n ? t('phone.pending', { n }) : t('phone.pendingNone');
  el.pending.className = 'ph-pending' + (n ? ' waiting' : '');
  el.pending.dataset.count = String(n);
  el.uploadNow.hidden = !n || !online;
  el.uploadNow.disabled = S.flushing;
  el.toggle.textContent = S.rec ? '■ ' + t('phone.stop') : '▶ ' + t('phone.start');
  el.toggle.className = 'ph-btn big ' + (S.rec ? 'stop' : 'start');
  el.toggle.dataset.recording = S.rec ? 'true' : 'false';
  el.state.textContent = S.rec ? '● ' + t('phone.recording') : t('phone.idle');
  el.state.className = 'ph-state' + (S.rec ? ' rec' : '');
  el.dropped.textContent = S.rec && S.rec.dropped ? t('phone.dropped', { n: S.rec.dropped }) : '';
  el.dropped.hidden = !(S.rec && S.rec.dropped);
  el.today.textContent = t('phone.today', { n: todayTracks().length });
  paintStats();
  paintVerdict();
}

function paintVerdict() {
  const el = S.el.verdict;
  const v = S.store.get('verdict', null);
  clear(el);
  if (!v) { el.hidden = true; return; }
  el.hidden = false;
  el.dataset.status = v.status || '';
  const reasons = Array.isArray(v.reasons) ? v.reasons : [];
  el.append(
    h('h2', t('phone.lastVerdict')),
    h('p.ph-badge.' + (v.status === 'valid' ? 'valid' : 'suspect'), { 'data-testid': 'phone-verdict-status' },
      v.status === 'valid' ? '✔ ' + t('phone.verdict.valid') : '⚠ ' + t('phone.verdict.suspect')),
    h('p.ph-vline', fmtTime(v.start_time), ' · ', fmt(v.distance_km, 2), ' ', t('phone.km'), ' · ',
      v.duration_h >= 1 ? `${fmt(v.duration_h, 1)} ${t('phone.hours')}` : `${Math.round((v.duration_h || 0) * 60)} ${t('phone.minutes')}`),
    reasons.length ? h('div',
      h('h3', t('phone.reasons')),
      h('ul.ph-reasons', { 'data-testid': 'phone-reasons' }, reasons.map((r) => {
        const k = 'phone.reason.' + r;
        const label = t(k);
        return h('li', { 'data-reason': r }, label === k ? r : label);
      }))) : null);
}

// ---------- start ----------
async function main() {
  root = document.getElementById('phone');
  initLang('zh');
  document.title = t('phone.title');
  window.addEventListener('online', () => { paint(); flush(); S.tasks?.refresh(); });
  window.addEventListener('offline', () => paint());
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') { flush(); S.tasks?.refresh(); } });
  setInterval(() => { if (S.store && S.store.queue().length) flush(); }, RETRY_MS);
  // new tasks (alerts assigned meanwhile) show up without a reload
  setInterval(() => { if (S.tasks && navigator.onLine && document.visibilityState === 'visible') S.tasks.refresh(); }, TASKS_MS);
  // test and support hook
  window.tbPhone = {
    get state() { return S; },
    queue: () => (S.store ? S.store.queue() : []),
    flush,
    refreshTasks: () => S.tasks?.refresh(),
  };
  await init();
}

main();
