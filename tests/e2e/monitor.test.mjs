// monitor.test.mjs — monitoring and early warning (§3.1.3) in the browser:
// an external system pushes an alert through the API with a token → the
// alert is listed in 监测预警 and counted on the dashboard panel; the bureau
// assigns it to the grid's ranger; the ranger logs in on the phone page,
// sees the task with its distance and verifies it as confirmed with a photo
// and a note; the bureau's stale form gets the server's 409; the bureau
// closes it; the timeline shows every step; a town user of another town
// does not see it.  With weather pushed through POST /api/weather the fire
// tab shows each station's level badge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, newPage, login, apiSession, shot, BIN, SRC, PASSWORD, TOWN } from './lib.mjs';

const RANGER = 'R-104201-1';
const GRID = 'G-120119104201';
const NOTE = '现场发现约 0.2 公顷林地被毁，已拍照取证';
let srv, browser, bureau, token, alert, spot, otherTown;

const env = { ...process.env, TIANBAO_LOG: 'warn', TIANBAO_PWHASH_FAST: '1' };
const tb = (args) => execFileSync(BIN, ['--db', srv.db, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function pointInRing(lon, lat, r) {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i], [xj, yj] = r[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
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
  // the district switches automatic assignment off (setting alert_auto_assign, read at each
  // raise; there is no CLI for district settings): alerts stay new until the bureau assigns them
  execFileSync('/usr/bin/python3', ['-c', 'import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],timeout=30)\n'
    + 'c.execute("INSERT INTO tb_setting(key,value) VALUES(\'alert_auto_assign\',\'0\') ON CONFLICT(key) DO UPDATE SET value=excluded.value")\nc.commit()', srv.db]);
  const pw = join(srv.dir, 'pw-monitor');
  writeFileSync(pw, PASSWORD + '\n', { mode: 0o600 });
  bureau = await apiSession(srv.base, 'bureau');
  const towns = (await bureau.get('/api/divisions?level=town&limit=100&sort=code')).json.items;
  otherTown = towns.find((t) => t.code !== TOWN);
  tb(['user', 'add', 'ranger1', '--role', 'ranger', '--scope', TOWN, '--password-file', pw]);
  tb(['user', 'add', 'town_b', '--role', 'town', '--scope', otherTown.code, '--password-file', pw]);
  tb(['user', 'add', 'camera', '--role', 'bureau', '--password-file', pw]);
  rmSync(pw);
  token = tb(['token', 'add', 'camera', '--label', 'cameras']).trim().split(/\s+/).pop();
  const r = (await bureau.get(`/api/rangers?code=${RANGER}`)).json.items[0];
  const patched = await bureau.call('PATCH', `/api/rangers/${r.fid}`, { login: 'ranger1', version: r.version });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  const g = (await bureau.get(`/api/grids?code=${GRID}`)).json.items[0];
  const geom = (await bureau.get(`/api/grids/${g.fid}?geometry=true`)).json.geometry;
  spot = insidePoint(geom.type === 'MultiPolygon' ? geom.coordinates[0][0] : geom.coordinates[0]);
  browser = await launch();
});
after(async () => { await browser?.close(); await srv?.stop(); });

const api = async (method, path, body, auth = token) => {
  const res = await fetch(srv.base + path, {
    method, headers: { Authorization: 'Bearer ' + auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
};
const notFound = (e) => !/Failed to load resource: the server responded with a status of (404|409)/.test(e);

test('an external alert goes round the closed loop: listed, assigned, verified on the phone, closed', async () => {
  // ---- a camera system pushes a smoke alert with its token
  const observed = new Date(Date.now() - 20 * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
  const raised = await api('POST', '/api/alerts', {
    type: 'Feature', geometry: { type: 'Point', coordinates: [spot.lon, spot.lat] },
    properties: { source: 'camera', type: 'smoke', observed_at: observed, confidence: 0.92, note: '7 号塔摄像头发现烟雾', external_id: 'cam7-e2e-1' },
  });
  assert.equal(raised.status, 201, JSON.stringify(raised.json));
  alert = raised.json.properties ? { ...raised.json.properties, id: raised.json.id ?? raised.json.properties.id } : raised.json;
  assert.equal(alert.status, 'new');
  assert.equal(alert.town_code, TOWN);
  assert.equal(alert.grid_code, GRID);
  assert.match(alert.code, /^AL-/);
  const summary = (await bureau.get('/api/monitor/summary')).json;
  const open = summary.alerts.new + summary.alerts.assigned + summary.alerts.verified;
  assert.ok(summary.alerts.new >= 1);

  // ---- the bureau: dashboard panel, then the list
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/dashboard');
  const panel = page.locator('[data-testid=monitor-panel]');
  await panel.waitFor();
  assert.equal((await panel.locator('[data-testid=panel-open]').textContent()).trim(), String(open));
  assert.equal((await panel.locator('[data-count=new]').textContent()).trim(), String(summary.alerts.new));
  assert.match(await panel.locator('h2').textContent(), /监测预警/);
  await panel.locator('[data-testid=monitor-link]').click();
  await page.locator('[data-testid=alerts-table]').waitFor();
  assert.equal(await page.locator('nav.mon-tabs a[aria-current=page]').textContent(), '预警');
  const row = page.locator(`[data-testid=alerts-table] tr[data-code="${alert.code}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /烟雾/);
  assert.match(await row.textContent(), /视频监控/);
  assert.match(await row.textContent(), /下营镇/);
  assert.equal((await row.locator('[data-col=status]').textContent()).trim(), '新告警');
  const total = (await bureau.get('/api/alerts?limit=1')).json.total;
  assert.match(await page.locator('[data-testid=alerts-total]').textContent(), new RegExp(`共 ${total} 条预警`));
  // the map draws every listed alert
  const listed = await page.locator('[data-testid=alerts-table] tbody tr').count();
  await page.waitForFunction((n) => document.querySelector('.mon-map canvas') && n > 0, listed);

  // open it: the details and the timeline (only the first step done)
  await row.locator('[data-testid=alert-open]').click();
  const detail = page.locator('[data-testid=alert-detail]');
  await detail.locator('[data-testid=alert-code]', { hasText: alert.code }).waitFor();
  assert.match(page.url(), new RegExp(`#/alerts\\?.*id=${alert.id}`));
  assert.equal((await detail.locator('[data-field=confidence]').textContent()).trim(), '92%');
  assert.equal(await detail.locator('[data-testid=alert-timeline] li.done').count(), 1);
  assert.match(await detail.locator('[data-step=new]').textContent(), /发现预警/);

  // ---- assign to the grid's ranger
  await detail.locator('[data-testid=assign-ranger] option[value="' + RANGER + '"]').waitFor({ state: 'attached' });
  await detail.locator('[data-testid=assign-ranger]').selectOption(RANGER);
  await detail.locator('[data-testid=assign-submit]').click();
  await detail.locator('.mon-dhead [data-status=assigned]').waitFor();
  assert.equal((await row.locator('[data-col=status]').textContent()).trim(), '已派发核实');
  assert.match(await detail.locator('[data-step=assigned]').textContent(), new RegExp(`派发给护林员 ${RANGER}`));
  assert.equal(await detail.locator('[data-testid=alert-timeline] li.done').count(), 2);
  // the bureau may verify too: its form stays open while the ranger goes out
  await detail.locator('[data-testid=verify-form]').waitFor();
  // a point alert takes no bare loss in ha (a number cannot be cut out of the map, §2): a mapped polygon instead
  assert.equal(await detail.locator('#vf-loss').count(), 0);
  assert.equal(await detail.locator('#vf-loss-geom').getAttribute('type'), 'file');

  // ---- the ranger's phone: the task, its distance, the verification with a photo
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    permissions: ['geolocation'], geolocation: { latitude: spot.lat - 0.002, longitude: spot.lon, accuracy: 10 },
  });
  const ph = await phone.newPage();
  ph.setDefaultTimeout(90000);
  ph.errors = [];
  ph.on('pageerror', (e) => ph.errors.push(String(e)));
  await ph.goto(srv.base + '/phone.html');
  await ph.locator('#phone-user').fill('ranger1');
  await ph.locator('#phone-pass').fill(PASSWORD);
  await ph.locator('[data-testid=phone-login-submit]').click();
  const task = ph.locator(`[data-testid=phone-task][data-id="${alert.id}"]`);
  await task.waitFor();
  assert.equal((await ph.locator('[data-testid=phone-task-count]').textContent()).trim(), '1');
  assert.match(await task.textContent(), /烟雾/);
  assert.match(await task.textContent(), /视频监控/);
  assert.match(await task.textContent(), new RegExp(alert.code));
  // about 222 m south of the alert: it lies to the north
  await task.locator('[data-testid=phone-task-where]').waitFor();
  assert.match(await task.locator('[data-testid=phone-task-where]').textContent(), /距此 2\d\d 米，方向北$/);
  assert.equal(await ph.evaluate(() => window.tbPhone.state.map.taskSource.getFeatures().length), 1);
  assert.ok(await ph.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal overflow');
  await ph.waitForFunction(() => new Promise((ok) => { const m = window.tbPhone.state.map.map; m.once('rendercomplete', () => ok(true)); m.render(); }));
  await shot(ph, 'monitor-phone-task', { docs: 'monitor-phone-task.png' });
  await task.locator('[data-testid=phone-task-verify]').click();
  const form = task.locator('[data-testid=phone-verify-form]');
  await form.waitFor();
  assert.equal(await ph.getAttribute('#tv-photo', 'accept'), 'image/*');
  assert.equal(await ph.getAttribute('#tv-photo', 'capture'), 'environment');
  // confirmed without a photo is refused on the phone
  await form.locator('[data-testid=phone-verify-confirmed]').check();
  await form.locator('#tv-note').fill(NOTE);
  await form.locator('[data-testid=phone-verify-submit]').click();
  assert.match(await form.locator('[role=alert]').textContent(), /须拍摄现场照片/);
  const jpeg = await ph.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 80; c.height = 60;
    const g = c.getContext('2d');
    g.fillStyle = '#5d4037'; g.fillRect(0, 0, 80, 60);
    g.fillStyle = '#9e9e9e'; g.fillRect(10, 10, 40, 30);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  await ph.locator('#tv-photo').setInputFiles({ name: 'site.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpeg, 'base64') });
  await form.locator('[data-testid=phone-verify-preview]').waitFor();
  // a point alert: no loss in ha on the phone (the server would refuse it, §2), a hint instead
  assert.equal(await form.locator('#tv-loss').count(), 0);
  assert.match(await form.locator('[data-testid=phone-verify-loss-point]').textContent(), /点位告警/);
  assert.ok(await ph.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal overflow with the form open: ' + await ph.evaluate(() => [...document.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ')));
  // no network out there: the verification waits in the phone's queue with the photo
  await phone.setOffline(true);
  await ph.locator('[data-testid=phone-net]', { hasText: '离线' }).waitFor();
  await form.locator('[data-testid=phone-verify-submit]').click();
  await ph.locator('[data-testid=phone-pending]', { hasText: '离线待上传 1' }).waitFor();
  assert.match(await task.textContent(), /核实结果已保存，等待上传/);
  assert.equal((await ph.locator('[data-testid=phone-task-count]').textContent()).trim(), '0');
  const queued = await ph.evaluate(() => window.tbPhone.queue().map((q) => ({ kind: q.kind, result: q.body.result, photo: (q.photo || '').slice(0, 23) })));
  assert.deepEqual(queued, [{ kind: 'verify', result: 'confirmed', photo: 'data:image/jpeg;base64,' }]);
  assert.equal((await bureau.get(`/api/alerts/${alert.id}`)).json.status, 'assigned');
  // back online: photo, then the verification
  await phone.setOffline(false);
  await ph.locator('[data-testid=phone-msg]', { hasText: '核实结果已上报' }).waitFor({ timeout: 30000 });
  await ph.locator('[data-testid=phone-tasks-none]').waitFor();
  assert.equal((await ph.locator('[data-testid=phone-pending]').textContent()).trim(), '已全部上传');
  assert.equal(await ph.evaluate(() => window.tbPhone.state.map.taskSource.getFeatures().length), 0);
  const verified = (await bureau.get(`/api/alerts/${alert.id}`)).json;
  const v = verified.properties || verified;
  assert.equal(v.status, 'verified');
  assert.equal(v.result, 'confirmed');
  assert.equal(v.verify_note, NOTE);
  assert.match(v.verify_photo || '', /^[0-9a-f]{64}$/);
  assert.equal(v.loss_ha, 0); // confirmed, no natural forest lost: no ledger row
  assert.equal((await bureau.get('/api/stats')).json.ledger_consistent, true);
  await shot(ph, 'monitor-phone-verified');
  assert.deepEqual(ph.errors, []);
  await phone.close();

  // ---- the bureau's page is stale: its verification is refused (409) with the server's reason
  await detail.locator('#vf-result').selectOption('false_alarm');
  await detail.locator('#vf-note').fill('桌面复核为误报');
  await detail.locator('[data-testid=verify-submit]').click();
  const err = detail.locator('[data-testid=action-error]');
  await err.waitFor();
  assert.match(await err.textContent(), /^无法执行：/);
  assert.match(await err.textContent(), /verified/);

  // ---- reload: verified, then close
  await page.reload();
  await detail.locator('.mon-dhead [data-status=verified]').waitFor();
  assert.match(await detail.locator('.mon-result').textContent(), /属实/);
  const step = detail.locator('[data-step=verified]');
  assert.match(await step.textContent(), /现场核实/);
  assert.match(await step.textContent(), new RegExp(NOTE));
  assert.match(await step.textContent(), /天然林损失 0\.0000 公顷/);
  assert.equal(await step.locator('img').count(), 1);
  await detail.locator('#cl-note').fill('已移交森林公安立案，办结');
  await detail.locator('[data-testid=close-submit]').click();
  await detail.locator('.mon-dhead [data-status=closed]').waitFor();
  assert.equal(await detail.locator('[data-testid=alert-timeline] li.done').count(), 4);
  const steps = await detail.locator('[data-testid=alert-timeline] li strong').allTextContents();
  assert.deepEqual(steps, ['发现预警', '派发核实', '现场核实', '办结']);
  assert.match(await detail.locator('[data-step=closed]').textContent(), /已移交森林公安立案，办结/);
  for (const s of ['new', 'assigned', 'verified', 'closed']) assert.equal(await detail.locator(`[data-step=${s}] time`).count(), 1, s);
  assert.equal((await row.locator('[data-col=status]').textContent()).trim(), '已办结');
  assert.equal(await detail.locator('[data-testid=alert-actions] form').count(), 0);
  const closed = (await bureau.get(`/api/alerts/${alert.id}`)).json;
  assert.equal((closed.properties || closed).status, 'closed');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'monitor-alerts', { docs: 'monitor-alerts.png' });
  // the dashboard panel counts it as closed now
  const after = (await bureau.get('/api/monitor/summary')).json.alerts;
  await page.goto(srv.base + '/#/dashboard');
  await page.locator('[data-testid=monitor-panel]').waitFor();
  assert.equal((await page.locator('[data-count=closed]').textContent()).trim(), String(after.closed));
  assert.equal((await page.locator('[data-testid=panel-open]').textContent()).trim(), String(after.new + after.assigned + after.verified));
  assert.deepEqual(page.errors.filter(notFound), []);
  assert.deepEqual(page.external, []);
  await page.context().close();
});

test('a town user of another town does not see the alert', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'town_b');
  await page.goto(srv.base + '/#/alerts?tab=alerts');
  await page.locator('[data-testid=alerts-total]').waitFor();
  assert.equal(await page.locator(`tr[data-code="${alert.code}"]`).count(), 0);
  const theirs = await page.evaluate(() => fetch('/api/alerts?limit=1000').then((r) => r.json()));
  assert.ok(theirs.items.every((a) => a.town_code === undefined || a.town_code === null || a.town_code !== '120119104'));
  assert.match(await page.locator('[data-testid=alerts-total]').textContent(), new RegExp(`共 ${theirs.total} 条预警`));
  const direct = await page.evaluate((id) => fetch('/api/alerts/' + id).then((r) => r.status), alert.id);
  assert.equal(direct, 404);
  // the address of the alert shows nothing of it
  await page.goto(srv.base + `/#/alerts?tab=alerts&id=${alert.id}`);
  await page.locator('[data-testid=alert-detail] [role=alert]').waitFor();
  assert.doesNotMatch(await page.locator('[data-testid=alert-detail]').textContent(), new RegExp(alert.code));
  assert.deepEqual(page.errors.filter(notFound), []);
  await page.context().close();
});

test('fire tab: with weather pushed for today, each station shows its level badge and indices', async () => {
  const today = new Date().toISOString().slice(0, 10);
  // the weather stations of the district's fire configuration; three dry, windy days
  const { stations } = JSON.parse(readFileSync(join(SRC, 'data', 'jizhou', 'fire.json'), 'utf8'));
  assert.ok(stations.length >= 1);
  const days = [2, 1, 0].map((n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10));
  for (const s of stations) {
    const w = await api('POST', '/api/weather', { station: s.code, records: days.map((date) => ({ date, temp: 26, rh: 22, wind: 25, rain: 0 })) });
    assert.ok(w.status === 200 || w.status === 201, JSON.stringify(w.json));
  }
  const danger = (await bureau.get('/api/fire/danger?date=' + today)).json;
  const rows = Array.isArray(danger) ? danger : danger.items;
  assert.ok(rows.length >= 1);
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/alerts?tab=fire');
  await page.locator('[data-testid=fire-station]').first().waitFor();
  assert.equal(await page.locator('[data-testid=fire-station]').count(), rows.length);
  const first = rows[0];
  const card = page.locator(`[data-testid=fire-station][data-station="${first.station}"]`);
  const badge = card.locator('.mon-level');
  assert.equal(await badge.getAttribute('data-level'), String(first.level));
  assert.equal((await badge.textContent()).trim(), first.name_zh);
  assert.equal((await card.locator('[data-index=fwi]').textContent()).trim(), first.fwi.toLocaleString('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
  await page.locator('[data-testid=fire-chart] svg').waitFor();
  await shot(page, 'monitor-fire');
  // the dashboard panel shows today's highest level
  await page.goto(srv.base + '/#/dashboard');
  const top = Math.max(...rows.map((r) => r.level));
  await page.locator('[data-testid=panel-fire] .mon-level').waitFor();
  assert.equal(await page.locator('[data-testid=panel-fire] .mon-level').getAttribute('data-level'), String(top));
  assert.deepEqual(page.errors.filter(notFound), []);
  await page.context().close();
});

test('stations, pests and notifications tabs; English', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  // the station and its five points, each plot's latest survey indicators
  await page.goto(srv.base + '/#/alerts?tab=sites');
  await page.locator('[data-testid=plots-table]').waitFor();
  const sites = (await bureau.get('/api/monitor_sites?limit=100')).json.items;
  const stations = sites.filter((x) => x.kind === 'station').length;
  assert.equal(stations, 1);
  assert.equal(sites.length, 6);
  assert.equal((await page.locator('[data-testid=sites-total]').textContent()).trim(), '监测站 1 个，监测点 5 个');
  assert.equal(await page.locator('[data-testid=site]').count(), 6);
  const st = sites.find((x) => x.kind === 'station');
  const card = page.locator(`[data-testid=site][data-code="${st.code}"]`);
  assert.match(await card.locator('[data-field=housing]').textContent(), new RegExp(`^${st.housing_m2} m²`));
  assert.match(await card.locator('[data-field=staff]').textContent(), new RegExp(`^${st.staff_count} 人`));
  const plots = (await bureau.get('/api/plots?limit=1000')).json;
  assert.equal(await page.locator('[data-testid=plots-table] tbody tr').count(), plots.total);
  const plot = plots.items[0];
  const sv = (await bureau.get(`/api/plot_surveys?plot_code=${plot.code}&sort=-date&limit=1`)).json.items[0];
  const ind = (await bureau.get(`/api/plot_surveys/${sv.fid}/indicators`)).json;
  const prow = page.locator(`[data-testid=plots-table] tr[data-plot="${plot.code}"]`);
  const num = (v, d) => v.toLocaleString('zh-CN', { minimumFractionDigits: d, maximumFractionDigits: d });
  assert.equal((await prow.locator('[data-ind=stems_ha]').textContent()).trim(), num(ind.stems_ha, 0));
  assert.equal((await prow.locator('[data-ind=basal_area_m2_ha]').textContent()).trim(), num(ind.basal_area_m2_ha, 2));
  assert.equal((await prow.locator('[data-ind=shannon]').textContent()).trim(), num(ind.shannon, 3));
  assert.equal((await prow.locator('[data-ind=volume_m3_ha]').textContent()).trim(), num(ind.volume_m3_ha, 1));

  // pests: degree days per station for fall webworm (the weather pushed above counts)
  await page.goto(srv.base + '/#/alerts?tab=pests');
  await page.locator('[data-testid=pest-status]').first().waitFor();
  const status = (await bureau.get('/api/pests/status')).json;
  const rows = status.stations.flatMap((x) => x.species.map((sp) => ({ ...sp, station: x.station })));
  assert.equal(await page.locator('[data-testid=pest-status]').count(), rows.length);
  const r0 = rows[0];
  const pc = page.locator(`[data-testid=pest-status][data-station="${r0.station}"]`);
  assert.match(await pc.locator('h2').textContent(), /美国白蛾/);
  assert.equal((await pc.locator('[data-testid=pest-dd]').textContent()).trim(), num(r0.degree_days, 1));
  const disaster = status.surveys.some((x) => x.species === r0.species && x.disaster);
  assert.equal((await pc.locator('[data-testid=pest-disaster]').textContent()).trim(), disaster ? '⚠ 已达成灾标准' : '未达成灾标准');

  // notifications: the bureau sees all; marking one read
  await page.goto(srv.base + '/#/alerts?tab=notices');
  await page.locator('[data-testid=notices]').waitFor();
  const notes = (await bureau.get('/api/notifications?limit=100')).json;
  assert.equal(await page.locator('[data-testid=notices] li').count(), notes.items.length);
  assert.equal((await page.locator('[data-testid=notices-total]').textContent()).trim(), `共 ${notes.items.length} 条通知，未读 ${notes.unread} 条`);
  const first = page.locator('[data-testid=notices] li.unread').first();
  const fid = await first.getAttribute('data-id');
  await first.locator('[data-testid=notice-read]').click();
  await page.locator(`[data-testid=notices] li[data-id="${fid}"].read`).waitFor();
  assert.equal((await page.locator('[data-testid=notices-total]').textContent()).trim(), `共 ${notes.items.length} 条通知，未读 ${notes.unread - 1} 条`);
  const again = (await bureau.get('/api/notifications?limit=100')).json;
  assert.equal(again.unread, notes.unread - 1);
  assert.ok(again.items.find((n) => String(n.fid) === fid).read_at);

  // English: the tabs, the statuses, the fire levels
  await page.goto(srv.base + '/#/alerts?tab=alerts');
  await page.locator('[data-testid=alerts-table]').waitFor();
  await page.locator('header [data-testid=lang-switch]').click();
  await page.locator('nav.mon-tabs a', { hasText: 'Fire danger' }).waitFor();
  assert.deepEqual(await page.locator('nav.mon-tabs a').allTextContents(), ['Alerts', 'Fire danger', 'Pests', 'Stations', 'Notifications']);
  await page.locator('[data-testid=alerts-table]').waitFor();
  const head = await page.locator('[data-testid=alerts-table] thead').textContent();
  assert.match(head, /Observed/);
  assert.doesNotMatch(await page.locator('main').textContent(), /新告警|已派发核实|已办结|状态|发现时间|预警/);
  assert.match(await page.locator('[data-testid=alerts-table] tbody').textContent(), /Closed/);
  await page.locator('nav.mon-tabs a[data-tab=fire]').click();
  await page.locator('[data-testid=fire-station] .mon-level').first().waitFor();
  assert.match(await page.locator('[data-testid=fire-station] .mon-level').first().textContent(), /^Level \d /);
  await page.locator('header [data-testid=lang-switch]').click();
  await page.locator('nav.mon-tabs a', { hasText: '森林火险' }).waitFor();
  assert.deepEqual(page.errors.filter(notFound), []);
  await page.context().close();
});
