// registry.test.mjs — the parcel registry: filters, sorting, paging; the edit
// form (new value shown, new archive entry; server field errors at the field).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, shot, apiSession, TOWN } from './lib.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.stop(); });

const rows = (page) => page.locator('[data-testid=parcel-table] tbody tr');

test('list: filter by town and 地类, sort by area, page through', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.locator('[data-nav=parcels]').click();
  await page.locator('[data-testid=parcel-table]').waitFor();
  const api = await apiSession(srv.base, 'bureau');
  const total = (await api.get('/api/parcels?limit=1')).json.total;
  assert.match(await page.locator('[data-testid=list-total]').textContent(), new RegExp(`共 ${total} 个小班`));
  assert.equal(await rows(page).count(), 50);
  // filter: town + land class (labels in the selects, codes in the query)
  await page.locator('#f-xiang').selectOption(TOWN);
  await page.waitForFunction(() => location.hash.includes('xiang='));
  await page.locator('#f-di_lei').selectOption({ label: '乔木林地' });
  await page.waitForFunction(() => location.hash.includes('di_lei=030100'));
  await page.locator('[data-testid=parcel-table]').waitFor();
  const want = (await api.get(`/api/parcels?xiang=${TOWN}&di_lei=030100&limit=1`)).json.total;
  await page.locator('[data-testid=list-total]', { hasText: `共 ${want} 个小班` }).waitFor();
  assert.deepEqual([...new Set(await page.locator('td[data-col=xiang]').allTextContents())], ['下营镇']);
  assert.deepEqual([...new Set(await page.locator('td[data-col=di_lei]').allTextContents())], ['乔木林地']);
  // sort by area, descending (two clicks), as the API sorts
  await page.locator('button[data-sort=area_ha]').click();
  await page.waitForFunction(() => location.hash.includes('sort=area_ha'));
  await page.locator('button[data-sort=area_ha]').click();
  await page.waitForFunction(() => location.hash.includes('sort=-area_ha'));
  await page.locator('th[aria-sort=descending] button[data-sort=area_ha]').waitFor();
  const top = (await api.get(`/api/parcels?xiang=${TOWN}&di_lei=030100&sort=-area_ha&limit=50`)).json.items.map((r) => r.code);
  assert.deepEqual(await page.locator('[data-testid=parcel-table] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.code)), top);
  // paging
  await page.locator('[data-testid=next]').click();
  await page.waitForFunction(() => location.hash.includes('offset=50'));
  await page.locator('[data-testid=list-total]', { hasText: '第 51–' }).waitFor();
  const second = (await api.get(`/api/parcels?xiang=${TOWN}&di_lei=030100&sort=-area_ha&limit=50&offset=50`)).json.items.map((r) => r.code);
  assert.deepEqual(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.dataset.code)), second);
  await page.locator('[data-testid=prev]').click();
  await page.locator('[data-testid=list-total]', { hasText: '第 1–' }).waitFor();
  await shot(page, 'parcels');
  // export buttons point at the export API and download files
  const hrefs = await page.locator('.exportbar a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, ['/api/export/parcels?format=gpkg', '/api/export/parcels?format=shapefile', '/api/export/parcels?format=geojson', '/api/export/parcels?format=csv']);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.exportbar a[data-format=csv]').click()]);
  assert.match(download.suggestedFilename(), /parcels.*\.csv$/);
  const gj = await page.evaluate(() => fetch('/api/export/parcels?format=geojson').then(async (r) => ({ cd: r.headers.get('Content-Disposition'), n: (await r.json()).features.length })));
  assert.match(gj.cd, /attachment/);
  assert.equal(gj.n, total);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('edit: a refused value is shown at its field; a good one is saved and archived', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  const api = await apiSession(srv.base, 'bureau');
  const p = (await api.get(`/api/parcels?xiang=${TOWN}&di_lei=030100&limit=1&sort=code`)).json.items[0];
  const before = (await api.get(`/api/parcels/${p.fid}/archive`)).json.events.length;
  await page.goto(srv.base + `/#/parcels/${p.fid}`);
  await page.locator('[data-testid=edit-form]').waitFor();
  assert.equal((await page.locator('[data-testid=detail-code]').textContent()).trim(), p.code);
  // 郁闭度 0.05 does not fit 乔木林地 (≥ 0.20): the server says so, at the field
  await page.locator('#e-yu_bi_du').fill('0.05');
  await page.locator('[data-testid=save]').click();
  const err = page.locator('#e-yu_bi_du-err');
  await err.waitFor({ state: 'visible' });
  assert.match(await err.textContent(), /0\.05/);
  assert.equal(await page.locator('#e-yu_bi_du').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'e-yu_bi_du');
  await shot(page, 'parcel-field-error');
  assert.equal((await api.get(`/api/parcels/${p.fid}`)).json.yu_bi_du, p.yu_bi_du, 'nothing was changed');
  // a code-list field, too
  // a good value: saved, shown, and a new archive entry with before → after
  const nv = p.yu_bi_du >= 0.9 ? 0.55 : Math.round((p.yu_bi_du + 0.07) * 100) / 100;
  await page.locator('#e-yu_bi_du').fill(String(nv));
  await page.locator('#e-ling_zu').selectOption('5');
  await page.locator('[data-testid=save]').click();
  await page.locator('[data-testid=form-status]', { hasText: '已保存' }).waitFor();
  assert.equal(await page.locator('#e-yu_bi_du').inputValue(), String(nv));
  assert.equal(await err.isHidden(), true);
  const events = page.locator('[data-testid=archive] li.event');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=archive] li.event').length === n, before + 1);
  const newest = await events.first().textContent();
  assert.match(newest, /小班变更/);
  assert.match(newest, /郁闭度/);
  assert.match(newest, new RegExp(String(nv).replace('.', '\\.')));
  assert.match(newest, /过熟林/);
  assert.match(newest, /bureau/);
  const row = (await api.get(`/api/parcels/${p.fid}`)).json;
  assert.equal(row.yu_bi_du, nv);
  assert.equal(row.ling_zu, '5');
  assert.equal(row.version, p.version + 1);
  await shot(page, 'parcel-saved');
  // and the map's side panel shows the new value and archive entry
  await page.goto(srv.base + '/#/map');
  await page.waitForFunction(() => window.tb);
  await page.evaluate((fid) => window.tb.openParcel(fid), p.fid);
  const panel = page.locator('[data-testid=sidepanel]');
  await panel.locator('[data-field=yu_bi_du]', { hasText: String(nv) }).waitFor();
  assert.equal((await panel.locator('[data-field=ling_zu]').textContent()).trim(), '过熟林');
  assert.equal(await panel.locator('[data-testid=archive] li.event').count(), before + 1);
  assert.deepEqual(page.errors.filter((e) => !/422/.test(e)), []);
  await page.context().close();
});

test('edit: a stale version is a conflict, not a silent overwrite', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  const api = await apiSession(srv.base, 'bureau');
  const p = (await api.get(`/api/parcels?xiang=${TOWN}&di_lei=030100&limit=1&offset=3&sort=code`)).json.items[0];
  await page.goto(srv.base + `/#/parcels/${p.fid}`);
  await page.locator('[data-testid=edit-form]').waitFor();
  // someone else changes the parcel meanwhile
  const r = await api.call('PATCH', `/api/parcels/${p.fid}`, { mei_gq_zs: 999, version: p.version });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  await page.locator('#e-huo_lmgqxj').fill('42.5');
  await page.locator('[data-testid=save]').click();
  await page.locator('.editform .alert.error', { hasText: '已被他人修改' }).waitFor();
  assert.notEqual((await api.get(`/api/parcels/${p.fid}`)).json.huo_lmgqxj, 42.5);
  await page.context().close();
});

test('town user edits a parcel of the town', async () => {
  const page = await newPage(browser, srv.base, { width: 390, height: 844 });
  await login(page, srv.base, 'town_a');
  const api = await apiSession(srv.base, 'town_a');
  const p = (await api.get('/api/parcels?limit=1&offset=7&sort=code')).json.items[0];
  await page.goto(srv.base + `/#/parcels/${p.fid}`);
  await page.locator('[data-testid=save]').waitFor();
  await page.locator('#e-mei_gq_zs').fill('1234');
  await page.locator('[data-testid=save]').click();
  await page.locator('[data-testid=form-status]', { hasText: '已保存' }).waitFor();
  assert.equal((await api.get(`/api/parcels/${p.fid}`)).json.mei_gq_zs, 1234);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone screen`);
  await shot(page, 'parcel-phone');
  await page.context().close();
});
