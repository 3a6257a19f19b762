// report.js — the public reporting line (举报, plan §3.5): a phone-friendly
// page that works without login.  The form asks what was seen, where (the
// phone's GPS and/or a place name), when, photos and an optional name and
// phone; before sending it solves the server's proof-of-work challenge
// (sha256.js).  The receipt code leads to /report/{code}, the status page.
// Logged-in bureau staff get the same form with a channel (phone, letter,
// visit) and send it to POST /api/reports.
import * as api from './api.js';
import { h, clear } from './dom.js';
import { t, initLang, setLang, getLang, onLang, setSchema, codeList, codeLabel, fmtTime } from './i18n.js';
import { solve } from './sha256.js';

const STAFF_ENTRY = ['admin', 'bureau'];
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
let root, session = { role: 'public' }, limits = { n: 3, mb: 5 };

function label(text, input) {
  const id = input.id;
  return [h('label', { for: id }, text), input];
}

function fileData(file) {
  return new Promise((res, rej) => {
    const r = new FileReader();
    r.onload = () => res(String(r.result));
    r.onerror = () => rej(r.error);
    r.readAsDataURL(file);
  });
}

function header() {
  return h('header', h('h1', t('rl.title')),
    h('button.ghost', { type: 'button', 'data-testid': 'lang-switch', onclick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') },
      getLang() === 'zh' ? 'English' : '中文'));
}

function statusBox(code) {
  const out = h('div', { 'aria-live': 'polite', 'data-testid': 'status' });
  const input = h('input', { id: 'rl-code', type: 'text', value: code || '', autocomplete: 'off', 'data-testid': 'code' });
  const check = async () => {
    clear(out);
    const c = input.value.trim().toUpperCase();
    if (!c) return;
    try {
      const s = await api.get('/api/reports/public/' + encodeURIComponent(c));
      out.append(h('dl',
        h('dt', t('rl.code')), h('dd', s.code),
        h('dt', t('rl.kind')), h('dd', codeLabel('report_kind', s.kind)),
        h('dt', t('rl.status')), h('dd', { 'data-testid': 'status-text' }, getLang() === 'zh' ? s.status_zh : s.status_en),
        h('dt', t('rl.reply')), h('dd', { 'data-testid': 'reply' }, s.public_reply || '—'),
        h('dt', t('rl.received')), h('dd', fmtTime(s.received_at)),
        h('dt', t('rl.updated')), h('dd', fmtTime(s.updated_at))));
    } catch (e) {
      out.append(h('p.error', { role: 'alert' }, e.status === 404 ? t('rl.notFound') : e.message));
    }
  };
  if (code) check();
  return h('section', h('h2', t('rl.follow')), label(t('rl.code'), input),
    h('button.sec', { type: 'button', 'data-testid': 'check', onclick: check }, t('rl.check')), out);
}

function form() {
  const staff = STAFF_ENTRY.includes(session.role);
  const kind = h('select', { id: 'rl-kind', 'data-testid': 'kind' },
    codeList('report_kind').map((c) => h('option', { value: c.code }, codeLabel('report_kind', c.code))));
  const channel = h('select', { id: 'rl-channel', 'data-testid': 'channel' },
    codeList('report_channel').filter((c) => c.code !== 'online').map((c) => h('option', { value: c.code }, codeLabel('report_channel', c.code))));
  const desc = h('textarea', { id: 'rl-desc', maxlength: 2000, required: true, 'data-testid': 'description' });
  const place = h('input', { id: 'rl-place', type: 'text', maxlength: 200, 'data-testid': 'place' });
  const seen = h('input', { id: 'rl-seen', type: 'datetime-local', 'data-testid': 'seen' });
  const photos = h('input', { id: 'rl-photos', type: 'file', accept: TYPES.join(','), multiple: true, capture: 'environment', 'data-testid': 'photos' });
  const name = h('input', { id: 'rl-name', type: 'text', maxlength: 100, autocomplete: 'name', 'data-testid': 'name' });
  const phone = h('input', { id: 'rl-phone', type: 'tel', maxlength: 40, autocomplete: 'tel', 'data-testid': 'phone' });
  const where = h('p.hint', { 'aria-live': 'polite', 'data-testid': 'gps' });
  let point = null;
  const gps = h('button.sec', { type: 'button', 'data-testid': 'gps-button', onclick: () => {
    if (!navigator.geolocation) { where.textContent = t('rl.gpsFail', { why: '—' }); return; }
    navigator.geolocation.getCurrentPosition((p) => {
      point = { lon: p.coords.longitude, lat: p.coords.latitude };
      where.textContent = t('rl.gpsOk', { lon: point.lon.toFixed(5), lat: point.lat.toFixed(5) });
    }, (err) => { where.textContent = t('rl.gpsFail', { why: err.message }); }, { enableHighAccuracy: true, timeout: 15000 });
  } }, t('rl.gps'));
  const out = h('div', { 'aria-live': 'polite', 'data-testid': 'result' });
  const send = h('button', { type: 'submit', 'data-testid': 'submit' }, t('rl.submit'));
  const fail = (msg) => { clear(out).append(h('p.error', { role: 'alert', 'data-testid': 'error' }, msg)); };
  const submit = async (ev) => {
    ev.preventDefault();
    clear(out);
    const files = [...photos.files];
    if (files.length > limits.n) return fail(t('rl.err.tooMany', { n: limits.n }));
    for (const [i, f] of files.entries()) {
      if (!TYPES.includes(f.type)) return fail(t('rl.err.photoType', { i: i + 1 }));
      if (f.size > limits.mb * 1048576) return fail(t('rl.err.photoSize', { i: i + 1, mb: limits.mb }));
    }
    if (!point && !place.value.trim()) return fail(t('rl.err.place'));
    send.disabled = true;
    out.append(h('p.hint', t('rl.working')));
    try {
      const body = {
        kind: kind.value, description: desc.value.trim(), place: place.value.trim() || undefined,
        name: name.value.trim() || undefined, phone: phone.value.trim() || undefined,
        seen_at: seen.value ? new Date(seen.value).toISOString() : undefined,
        photos: await Promise.all(files.map(async (f) => ({ name: f.name, data: await fileData(f) }))),
        ...(point || {}),
      };
      let r;
      if (staff) r = await api.request('POST', '/api/reports', { body: { ...body, channel: channel.value } });
      else {
        const c = await api.get('/api/reports/challenge');
        body.challenge = c.challenge;
        body.nonce = solve(c.challenge, c.bits);
        r = await api.request('POST', '/api/reports/public', { body });
      }
      const rc = r.data;
      clear(out).append(h('div.ok', { 'data-testid': 'receipt' }, h('p', t('rl.done')),
        h('p.receipt', { 'data-testid': 'receipt-code' }, rc.code),
        rc.duplicates ? h('p.hint', t('rl.dup', { n: rc.duplicates })) : null,
        h('a', { href: '/report/' + rc.code, 'data-testid': 'follow' }, t('rl.follow'))));
      ev.target.reset();
      point = null;
      where.textContent = '';
    } catch (e) {
      fail(e.message);
    } finally {
      send.disabled = false;
    }
  };
  return h('section', h('form', { onsubmit: submit, 'data-testid': 'report-form', novalidate: true },
    h('p', t('rl.intro')), h('p.hint', t('rl.clause')),
    staff ? [h('p.hint', t('rl.staffNote')), label(t('rl.channel'), channel)] : null,
    label(t('rl.kind'), kind), label(t('rl.description'), desc),
    label(t('rl.place'), place), gps, where, label(t('rl.seen'), seen),
    label(t('rl.photos', limits), photos),
    label(t('rl.name'), name), label(t('rl.phone'), phone), h('p.hint', t('rl.privacy')),
    send, out));
}

function render() {
  const m = location.pathname.match(/^\/report\/([A-Za-z0-9]+)$/);
  document.title = '天保 · ' + t('rl.title');
  clear(root).append(header(), h('main', m ? null : form(), statusBox(m ? m[1] : '')));
}

async function start() {
  root = document.getElementById('report');
  initLang('zh');
  try { setSchema(await api.get('/api/schema')); } catch { /* labels fall back to codes */ }
  try { session = await api.session(); } catch { /* the public */ }
  onLang(render);
  render();
}

start();
