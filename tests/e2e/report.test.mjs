// report.test.mjs — the public reporting line (举报, §3.5) in a phone-sized
// Chromium without login: the form solves the proof-of-work challenge, takes
// the phone's location and a photo, and shows a receipt code; the status page
// /report/{code} shows 已受理; a non-image photo is refused in the page.  Then
// the bureau, in the app's 举报与案件 page, finds the report, sees the
// reporter's contact on request, opens a case from it and takes the first
// step; the timeline shows both, and the public status becomes 已立案.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, apiSession, shot, TOWN } from './lib.mjs';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
let srv, browser, bureau, point, code;

function pointInRing(lon, lat, r) {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i], [xj, yj] = r[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

before(async () => {
  srv = await startServer({ settings: ['rate_public=1000'] });
  bureau = await apiSession(srv.base, 'bureau');
  const p = (await bureau.get(`/api/parcels?xiang=${TOWN}&natural=1&sort=-area_ha&limit=1`)).json.items[0];
  const g = (await bureau.get(`/api/parcels/${p.fid}?geometry=true`)).json.geometry;
  const ring = g.type === 'MultiPolygon' ? g.coordinates[0][0] : g.coordinates[0];
  const xs = ring.map((q) => q[0]), ys = ring.map((q) => q[1]);
  for (let i = 1; i < 30 && !point; i++) for (let j = 1; j < 30 && !point; j++) {
    const lon = Math.min(...xs) + ((Math.max(...xs) - Math.min(...xs)) * i) / 30, lat = Math.min(...ys) + ((Math.max(...ys) - Math.min(...ys)) * j) / 30;
    if (pointInRing(lon, lat, ring)) point = { lon, lat };
  }
  assert.ok(point);
  browser = await launch();
});
after(async () => { await browser?.close(); await srv?.stop(); });

test('a public report from a phone without login: challenge, location, photo, receipt and status', async () => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN',
    permissions: ['geolocation'], geolocation: { latitude: point.lat, longitude: point.lon, accuracy: 10 },
  });
  const external = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(srv.base) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    external.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(90000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(srv.base + '/report.html');
  await page.locator('[data-testid=report-form]').waitFor();
  assert.equal((await page.locator('header h1').textContent()).trim(), '天然林破坏举报');
  assert.equal(await page.locator('[data-testid=channel]').count(), 0); // the public has no channel choice
  await page.locator('[data-testid=kind]').selectOption('illegal_logging');
  await page.locator('[data-testid=description]').fill('沟里有人用油锯砍伐栎树，已拉走两车');
  await page.locator('[data-testid=gps-button]').click();
  await page.locator('[data-testid=gps]').filter({ hasText: '已定位' }).waitFor();
  await page.locator('[data-testid=name]').fill('李某乙');
  await page.locator('[data-testid=phone]').fill('13700001111');
  // a text file as a photo: refused in the page, nothing sent
  await page.locator('[data-testid=photos]').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.locator('[data-testid=submit]').click();
  assert.match(await page.locator('[data-testid=error]').textContent(), /第 1 张照片不是 JPEG\/PNG\/WebP 图片/);
  await page.locator('[data-testid=photos]').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: PNG });
  await page.locator('[data-testid=submit]').click();
  await page.locator('[data-testid=receipt]').waitFor();
  code = (await page.locator('[data-testid=receipt-code]').textContent()).trim();
  assert.match(code, /^JB[2-9A-HJ-NP-Z]{10}$/);
  await shot(page, 'report-public');
  // the record as the bureau sees it: placed in the town, the photo kept, no contact in it
  const list = (await bureau.get(`/api/reports?code=${code}`)).json.items;
  assert.equal(list.length, 1);
  assert.equal(list[0].town_code, TOWN);
  assert.equal(list[0].channel, 'online');
  assert.equal(list[0].kind, 'illegal_logging');
  assert.match(list[0].photo1, /^[0-9a-f]{64}$/);
  assert.equal(list[0].reporter_phone, undefined);
  // the status page
  await page.locator('[data-testid=follow]').click();
  await page.waitForURL(`**/report/${code}`);
  await page.locator('[data-testid=status-text]').waitFor();
  assert.equal((await page.locator('[data-testid=status-text]').textContent()).trim(), '已受理');
  assert.equal(await page.locator('[data-testid=report-form]').count(), 0);
  assert.deepEqual(external, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the bureau opens a case from the report and takes the first step', async () => {
  assert.ok(code, 'the first test made a report');
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/cases?tab=reports');
  await page.locator(`[data-testid=reports-table] tr[data-code=${code}]`).click();
  await page.locator('[data-testid=report-meta]').waitFor();
  await page.locator('[data-testid=contact]').click();
  assert.equal((await page.locator('[data-testid=contact-text]').textContent()).trim(), '李某乙 13700001111');
  await page.locator('[data-testid=case-type]').selectOption('administrative');
  await page.locator('[data-testid=case-title]').fill('盗伐天然林栎树');
  await page.locator('[data-testid=open-case]').click();
  await page.locator('[data-testid=case-meta]').waitFor();
  assert.equal((await page.locator('[data-testid=case-status]').textContent()).trim(), '已立案');
  await page.locator('[data-testid=case-action]').selectOption('investigate');
  await page.locator('[data-testid=case-note]').fill('派员现场勘查');
  await page.locator('[data-testid=case-do]').click();
  await page.locator('[data-testid=case-status]').filter({ hasText: '调查中' }).waitFor();
  const items = await page.locator('[data-testid=timeline] li').allTextContents();
  assert.equal(items.length, 2);
  assert.match(items[1], /调查中 · bureau — 派员现场勘查/);
  await shot(page, 'cases-detail');
  const s = await (await fetch(`${srv.base}/api/reports/public/${code}`)).json();
  assert.equal(s.status_zh, '已立案');
  assert.deepEqual(page.external, []);
  assert.deepEqual(page.errors, []);
});
