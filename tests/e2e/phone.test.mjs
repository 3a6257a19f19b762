// phone.test.mjs — the ranger's patrol page (/phone.html) on a phone-sized
// Chromium with simulated geolocation: log in, record a short walk inside
// the ranger's grid, go offline, end the patrol and report an incident with
// a photo (both wait on the phone: 离线待上传 2), come back online → both
// upload, the server has the patrol (source phone) and the incident with its
// photo, and the page shows the verdict (a short walk is 存疑 with its
// reasons).  A patrol ended offline in a page that is then closed uploads
// when the page is opened again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync, mkdirSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, apiSession, BIN, SRC, ARTIFACTS, PASSWORD, TOWN } from './lib.mjs';

const RANGER = 'R-104201-1';
const GRID = 'G-120119104201';
let srv, browser, bureau, ring, start, context;

function pointInRing(lon, lat, r) {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i], [xj, yj] = r[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A point well inside the grid: the vertex centroid if inside, else the
 * inside point of a 40 × 40 sample nearest to it. */
function insidePoint(r) {
  const cx = r.reduce((s, p) => s + p[0], 0) / r.length, cy = r.reduce((s, p) => s + p[1], 0) / r.length;
  if (pointInRing(cx, cy, r)) return { lon: cx, lat: cy };
  const xs = r.map((p) => p[0]), ys = r.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let best = null;
  for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
    const lon = x0 + ((x1 - x0) * i) / 40, lat = y0 + ((y1 - y0) * j) / 40;
    const d = (lon - cx) ** 2 + (lat - cy) ** 2;
    if (pointInRing(lon, lat, r) && (!best || d < best.d)) best = { lon, lat, d };
  }
  return best;
}

before(async () => {
  srv = await startServer();
  const pw = join(srv.dir, 'pw-ranger');
  writeFileSync(pw, PASSWORD + '\n', { mode: 0o600 });
  execFileSync(BIN, ['--db', srv.db, 'user', 'add', 'ranger1', '--role', 'ranger', '--scope', TOWN, '--password-file', pw],
    { env: { ...process.env, TIANBAO_LOG: 'warn', TIANBAO_PWHASH_FAST: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  rmSync(pw);
  bureau = await apiSession(srv.base, 'bureau');
  // the demo's rangers have no login: bind R-104201-1 to the user ranger1
  const r = (await bureau.get(`/api/rangers?code=${RANGER}`)).json.items[0];
  const patched = await bureau.call('PATCH', `/api/rangers/${r.fid}`, { login: 'ranger1', version: r.version });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  const g = (await bureau.get(`/api/grids?code=${GRID}`)).json.items[0];
  const geom = (await bureau.get(`/api/grids/${g.fid}?geometry=true`)).json.geometry;
  ring = geom.type === 'MultiPolygon' ? geom.coordinates[0][0] : geom.coordinates[0];
  start = insidePoint(ring);
  assert.ok(start, 'a point inside the grid');
  browser = await launch();
  context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    permissions: ['geolocation'], geolocation: { latitude: start.lat, longitude: start.lon, accuracy: 8 },
  });
  context.external = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(srv.base) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    context.external.push(u);
    return route.abort();
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

async function openPage() {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) page.errors.push(m.text()); });
  await page.goto(srv.base + '/phone.html');
  return page;
}

/** Walks east from the start inside the grid, `metres` a second (1.5 m/s
 * = 5.4 km/h); each position is one more point of the recording. */
async function walk(page, n, from = 0, metres = 1.5) {
  const step = metres / (111320 * Math.cos((start.lat * Math.PI) / 180));
  for (let i = from; i < from + n; i++) {
    let lon = start.lon + i * step;
    if (!pointInRing(lon, start.lat, ring)) lon = start.lon - i * step;
    const before = await page.evaluate(() => window.tbPhone.state.rec.points.length);
    await context.setGeolocation({ latitude: start.lat + i * 2e-6, longitude: lon, accuracy: 6 + (i % 3) });
    await page.waitForFunction((k) => window.tbPhone.state.rec && window.tbPhone.state.rec.points.length > k, before, { timeout: 10000 });
    await page.waitForTimeout(1050);
  }
}

const pending = (page) => page.locator('[data-testid=phone-pending]');

test('patrol recorded, ended offline with an incident and a photo, uploaded when back online', async () => {
  const page = await openPage();
  // log in as the ranger
  await page.locator('#phone-user').fill('ranger1');
  await page.locator('#phone-pass').fill(PASSWORD);
  await page.locator('[data-testid=phone-login-submit]').click();
  await page.locator('[data-testid=phone-grid]').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal((await page.locator('[data-testid=phone-grid]').textContent()).trim(), '黄崖关村委会网格');
  assert.match(await page.locator('[data-testid=phone-ranger]').textContent(), /护林员104201-1/);
  assert.equal((await page.locator('[data-testid=phone-toggle]').textContent()).trim(), '▶ 开始巡护');
  assert.match(await page.locator('[data-testid=phone-net]').textContent(), /在线/);
  // the grid is drawn on the map
  await page.waitForFunction(() => window.tbPhone.state.map.gridSource.getFeatures().length === 1);

  // start and walk
  await page.locator('[data-testid=phone-toggle]').click();
  assert.equal((await page.locator('[data-testid=phone-toggle]').textContent()).trim(), '■ 结束巡护');
  assert.match(await page.locator('[data-testid=phone-state]').textContent(), /正在巡护/);
  // the first fix is the position the phone has now
  await page.waitForFunction(() => window.tbPhone.state.rec.points.length === 1);
  await page.waitForTimeout(1050);
  await walk(page, 5, 1);
  // an imprecise fix (500 m) is dropped, not recorded
  await context.setGeolocation({ latitude: start.lat + 0.001, longitude: start.lon, accuracy: 500 });
  await page.locator('[data-testid=phone-dropped]', { hasText: '已舍弃 1 个低精度点' }).waitFor();
  assert.equal(await page.evaluate(() => window.tbPhone.state.rec.points.length), 6);
  await walk(page, 4, 6);
  assert.equal((await page.locator('[data-testid=phone-points]').textContent()).trim(), '10');
  assert.match(await page.locator('[data-testid=phone-distance]').textContent(), /^\d+ 米$/);
  const rec = await page.evaluate(() => window.tbPhone.state.rec);
  assert.ok(rec.points.every((p) => p.acc <= 100 && typeof p.t === 'string' && p.t.endsWith('Z')));
  assert.ok(Date.parse(rec.points[9].t) - Date.parse(rec.points[0].t) >= 8000, 'the fixes keep their times');

  // offline: end the patrol → it waits on the phone
  await context.setOffline(true);
  await page.locator('[data-testid=phone-net]', { hasText: '离线' }).waitFor();
  await page.locator('[data-testid=phone-toggle]').click();
  await pending(page).filter({ hasText: '离线待上传 1' }).waitFor();
  assert.match(await page.locator('[data-testid=phone-msg]').textContent(), /联网后自动上传/);
  assert.equal((await page.locator('[data-testid=phone-toggle]').textContent()).trim(), '▶ 开始巡护');
  assert.match(await page.locator('[data-testid=phone-today]').textContent(), /今日轨迹 1 条/);

  // an incident with a photo, still offline
  const jpeg = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#2e7d32'; g.fillRect(0, 0, 64, 48);
    g.fillStyle = '#d84315'; g.fillRect(20, 10, 24, 28);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  const photo = Buffer.from(jpeg, 'base64');
  assert.equal(photo[0], 0xff); assert.equal(photo[1], 0xd8);
  await page.locator('[data-testid=phone-incident-open]').click();
  const form = page.locator('[data-testid=phone-incident]');
  await form.waitFor();
  const types = await page.locator('#inc-type option').allTextContents();
  assert.ok(types.includes('火情') && types.includes('盗伐滥伐'), types.join(','));
  await page.locator('#inc-type').selectOption('fire');
  await page.locator('#inc-note').fill('山脚下发现烟点');
  assert.equal(await page.getAttribute('#inc-photo', 'accept'), 'image/*');
  assert.equal(await page.getAttribute('#inc-photo', 'capture'), 'environment');
  await page.locator('#inc-photo').setInputFiles({ name: 'fire.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.locator('[data-testid=phone-photo-preview]').waitFor();
  await page.locator('[data-testid=phone-inc-submit]').click();
  await pending(page).filter({ hasText: '离线待上传 2' }).waitFor();
  assert.ok(await form.isHidden());
  const queued = await page.evaluate(() => window.tbPhone.queue().map((q) => ({ kind: q.kind, photo: (q.photo || '').slice(0, 23) })));
  assert.deepEqual(queued, [{ kind: 'patrol', photo: '' }, { kind: 'incident', photo: 'data:image/jpeg;base64,' }]);
  // nothing reached the server
  assert.equal((await bureau.get('/api/patrols')).json.total, 0);
  assert.equal((await bureau.get('/api/incidents')).json.total, 0);

  // back online → the queue empties
  await context.setOffline(false);
  await pending(page).filter({ hasText: '已全部上传' }).waitFor({ timeout: 20000 });
  const patrols = (await bureau.get('/api/patrols')).json;
  assert.equal(patrols.total, 1);
  const p = patrols.items[0];
  assert.equal(p.source, 'phone');
  assert.equal(p.ranger_code, RANGER);
  assert.equal(p.grid_code, GRID);
  assert.equal(p.status, 'suspect');
  assert.ok(p.reasons.includes('too_short') && p.reasons.includes('too_brief'), JSON.stringify(p.reasons));
  assert.ok(!p.reasons.includes('outside_grid') && !p.reasons.includes('speed_outlier') && !p.reasons.includes('teleport'), JSON.stringify(p.reasons));
  const incidents = (await bureau.get('/api/incidents')).json;
  assert.equal(incidents.total, 1);
  const inc = incidents.items[0];
  assert.equal(inc.type, 'fire');
  assert.equal(inc.ranger_code, RANGER);
  assert.equal(inc.town_code, TOWN);
  assert.equal(inc.note, '山脚下发现烟点');
  assert.match(inc.photo_sha256 || '', /^[0-9a-f]{64}$/);
  const att = await fetch(`${srv.base}/api/attachments/${inc.photo_sha256}`, { headers: { Cookie: await cookieOf(page) } });
  assert.equal(att.status, 200);
  assert.equal(att.headers.get('content-type'), 'image/jpeg');

  // the verdict, in Chinese
  const verdict = page.locator('[data-testid=phone-verdict]');
  await verdict.locator('[data-testid=phone-verdict-status]', { hasText: '存疑巡护' }).waitFor();
  const reasons = await verdict.locator('[data-testid=phone-reasons] li').allTextContents();
  assert.ok(reasons.includes('巡护里程过短') && reasons.includes('巡护时间过短'), reasons.join(','));
  // the finished track is on the map
  assert.equal(await page.evaluate(() => window.tbPhone.state.map.todaySource.getFeatures().length), 1);

  await shot(page, 'phone-uploaded');

  // English
  await page.locator('[data-testid=phone-lang]').click();
  assert.equal((await page.locator('[data-testid=phone-toggle]').textContent()).trim(), '▶ Start patrol');
  assert.match(await page.locator('[data-testid=phone-reasons]').textContent(), /Distance too short/);
  await page.locator('[data-testid=phone-lang]').click();
  assert.equal((await page.locator('[data-testid=phone-toggle]').textContent()).trim(), '▶ 开始巡护');

  assert.deepEqual(page.errors, []);
  assert.deepEqual(context.external, []);
  await page.close();
});

/** A full-page screenshot in tests/artifacts/; `docs` also refreshes
 * docs/img/NAME.png when missing or with TB_DOCS_IMG=1 (as lib.mjs's shot). */
async function shot(page, name, { docs = false } = {}) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => new Promise((ok) => {
    const m = window.tbPhone.state.map.map;
    m.once('rendercomplete', () => ok(true));
    m.render();
  }), null, { timeout: 20000 });
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  const target = join(SRC, 'docs', 'img', name + '.png');
  if (docs && (process.env.TB_DOCS_IMG === '1' || !existsSync(target))) copyFileSync(file, target);
}

async function cookieOf(page) {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

test('a patrol ended offline in a page that was then closed uploads when the page opens again', async () => {
  const page = await openPage();
  await page.locator('[data-testid=phone-grid]').waitFor(); // still logged in (cookie)
  assert.equal(await page.evaluate(() => window.tbPhone.state.rec), null);
  await page.locator('[data-testid=phone-toggle]').click();
  await page.waitForFunction(() => window.tbPhone.state.rec.points.length === 1);
  await page.waitForTimeout(1050);
  await walk(page, 8, 20, 3);
  await context.setOffline(true);
  await page.locator('[data-testid=phone-net]', { hasText: '离线' }).waitFor();
  // the picture of the documentation: recording, offline, the last verdict
  await page.locator('[data-testid=phone-locate]').click();
  await page.waitForFunction(() => window.tbPhone.state.map.view.getZoom() >= 18);
  await shot(page, 'phone', { docs: true });
  await page.locator('[data-testid=phone-toggle]').click();
  await pending(page).filter({ hasText: '离线待上传 1' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
  assert.equal((await bureau.get('/api/patrols')).json.total, 1);

  await context.setOffline(false);
  const again = await openPage(); // a new tab: the csrf token is restored from the phone's storage
  await again.locator('[data-testid=phone-grid]').waitFor();
  await pending(again).filter({ hasText: '已全部上传' }).waitFor({ timeout: 20000 });
  const patrols = (await bureau.get('/api/patrols?sort=-fid')).json;
  assert.equal(patrols.total, 2);
  assert.equal(patrols.items[0].source, 'phone');
  assert.equal(patrols.items[0].ranger_code, RANGER);
  assert.match(await again.locator('[data-testid=phone-today]').textContent(), /今日轨迹 2 条/);
  assert.deepEqual(again.errors, []);
  assert.deepEqual(context.external, []);
  await again.close();
});
