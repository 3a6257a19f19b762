// api.js — the HTTP API client: cookie session + X-CSRF-Token on writes.
// The csrf value is only returned at login, so it is kept in sessionStorage.
const CSRF_KEY = 'tb.csrf';

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || String(status);
    this.field = err.field || null;
    this.body = body;
  }
}

export function csrf() {
  try { return sessionStorage.getItem(CSRF_KEY) || ''; } catch { return ''; }
}
function setCsrf(v) {
  try { if (v) sessionStorage.setItem(CSRF_KEY, v); else sessionStorage.removeItem(CSRF_KEY); } catch { /* private mode */ }
}

export async function request(method, path, { body, headers = {}, raw } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (method !== 'GET' && method !== 'HEAD') {
    const t = csrf();
    if (t) h['X-CSRF-Token'] = t;
  }
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
  const r = await fetch(path, { method, headers: h, body: payload, credentials: 'same-origin' });
  const text = await r.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch { data = { error: { message: text.slice(0, 300) } }; } }
  if (!r.ok) throw new ApiError(r.status, data);
  return { data, etag: r.headers.get('ETag'), status: r.status };
}

export const get = async (path) => (await request('GET', path)).data;

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? '?' + s : '';
}

export async function login(loginName, password) {
  const { data } = await request('POST', '/api/session', { body: { login: loginName, password } });
  setCsrf(data.csrf);
  return data;
}
export async function logout() {
  try { await request('DELETE', '/api/session'); } finally { setCsrf(''); }
}
export async function session() {
  const s = await get('/api/session');
  if (s && s.csrf) setCsrf(s.csrf);
  return s;
}

export async function getParcel(fid) {
  const { data, etag } = await request('GET', `/api/parcels/${encodeURIComponent(fid)}`);
  return { row: data, etag };
}
export async function patchParcel(fid, etag, changes) {
  const { data, etag: tag } = await request('PATCH', `/api/parcels/${encodeURIComponent(fid)}`,
    { body: changes, headers: { 'If-Match': etag } });
  return { row: data, etag: tag };
}
export async function importFile(layer, file, dryRun) {
  const path = '/api/import' + qs({ layer, dry_run: dryRun ? 'true' : 'false', filename: file.name });
  return (await request('POST', path, { raw: file, headers: { 'Content-Type': 'application/octet-stream' } })).data;
}
export const exportUrl = (layer, format) => `/api/export/${encodeURIComponent(layer)}` + qs({ format });
