// import.test.mjs — the import page: a dry run names every bad record and
// commits nothing; a clean file passes the dry run and is then imported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, shot, apiSession, TOWN } from './lib.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.stop(); });

function inside([x, y], ring) {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

/** A free spot (no parcel within ~600 m) well inside the town, as lon/lat squares. */
async function freeSquares(api, n) {
  const town = (await api.get(`/ogc/collections/divisions/items?code=${TOWN}`)).json.features[0];
  const polys = town.geometry.type === 'MultiPolygon' ? town.geometry.coordinates : [town.geometry.coordinates];
  const ring = polys.sort((a, b) => b[0].length - a[0].length)[0][0];
  const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
  const out = [];
  const d = 0.004, s = 0.0016;
  for (let x = Math.min(...xs) + 0.01; x < Math.max(...xs) - 0.01 && out.length < n; x += 0.007) {
    for (let y = Math.min(...ys) + 0.01; y < Math.max(...ys) - 0.01 && out.length < n; y += 0.007) {
      const box = [x - d, y - d, x + d, y + d];
      if (![[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]].every((p) => inside(p, ring))) continue;
      if ((await api.get(`/api/parcels?bbox=${box.join(',')}&limit=1`)).json.total) continue;
      if (out.some(([ox, oy]) => Math.abs(ox - x) < 0.01 && Math.abs(oy - y) < 0.01)) continue;
      out.push([x, y]);
    }
  }
  assert.equal(out.length, n, 'free spots found in the town');
  return out.map(([x, y]) => [[[x, y], [x + s, y], [x + s, y + s * 0.8], [x, y + s * 0.8], [x, y]]]);
}

function feature(props, rings) {
  return { type: 'Feature', properties: { XIAN: '120119', XIANG: TOWN, LIN_BAN: '901', DI_LEI: '030100', QI_YUAN: '11', LING_ZU: '3', YU_BI_DU: 0.5, ...props }, geometry: { type: 'Polygon', coordinates: rings } };
}
const fc = (features) => JSON.stringify({ type: 'FeatureCollection', features });

test('a dry run lists every bad record by feature and 小班, and nothing is committed', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  const api = await apiSession(srv.base, 'bureau');
  const before = (await api.get('/api/parcels?limit=1')).json.total;
  const evBefore = (await api.get('/api/events?limit=1')).json.items[0].seq;
  const sq = await freeSquares(api, 3);
  const bad = fc([
    feature({ XIAO_BAN: '001' }, sq[0]),
    feature({ XIAO_BAN: '002', YU_BI_DU: 7 }, sq[1]),
    feature({ XIAO_BAN: '003', DI_LEI: '999999' }, sq[2]),
  ]);
  await page.locator('[data-nav=import]').click();
  await page.locator('[data-testid=import-file]').setInputFiles({ name: 'bad-xiaoban.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(bad) });
  assert.equal(await page.locator('[data-testid=do-import]').isDisabled(), true, 'import waits for a clean dry run');
  await page.locator('[data-testid=dry-run]').click();
  const table = page.locator('[data-testid=error-table]');
  await table.waitFor();
  const text = await page.locator('[data-testid=import-result]').textContent();
  assert.match(text, /发现 2 条问题记录/);
  assert.match(text, /数据库未作任何修改/);
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(cells.length, 2);
  assert.match(cells[0][1], /feature 2.*120119104-901-002/);
  assert.equal(cells[0][2], '郁闭度 (yu_bi_du)');
  assert.match(cells[1][1], /feature 3.*120119104-901-003/);
  assert.equal(cells[1][2], '地类 (di_lei)');
  assert.equal(await page.locator('[data-testid=do-import]').isDisabled(), true);
  await shot(page, 'import-bad');
  assert.equal((await api.get('/api/parcels?limit=1')).json.total, before, 'nothing was imported');
  assert.equal((await api.get('/api/parcels?code=120119104-901-001&limit=1')).json.total, 0);
  const evAfter = (await api.get('/api/events?limit=5')).json.items.filter((e) => e.seq > evBefore && !e.action.startsWith('session.'));
  assert.deepEqual(evAfter, [], 'no event was written');
  await page.context().close();
});

test('a clean file passes the dry run, then the import commits it', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  const api = await apiSession(srv.base, 'bureau');
  const before = (await api.get('/api/parcels?limit=1')).json.total;
  const sq = await freeSquares(api, 2);
  const good = fc([feature({ XIAO_BAN: '011' }, sq[0]), feature({ XIAO_BAN: '012', DI_LEI: '030401', YU_BI_DU: 0.15 }, sq[1])]);
  await page.goto(srv.base + '/#/import');
  await page.locator('[data-testid=import-file]').setInputFiles({ name: 'good-xiaoban.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(good) });
  await page.locator('[data-testid=dry-run]').click();
  await page.locator('[data-testid=dry-ok]').waitFor();
  assert.match(await page.locator('[data-testid=dry-ok]').textContent(), /2 个要素可以导入/);
  assert.equal((await api.get('/api/parcels?limit=1')).json.total, before, 'the dry run wrote nothing');
  await page.locator('[data-testid=do-import]').click();
  await page.locator('[data-testid=import-ok]').waitFor();
  assert.match(await page.locator('[data-testid=import-ok]').textContent(), /已写入 2 个要素/);
  await shot(page, 'import-ok');
  assert.equal((await api.get('/api/parcels?limit=1')).json.total, before + 2);
  const p = (await api.get('/api/parcels?code=120119104-901-012')).json.items[0];
  assert.equal(p.restoration_class, '2');
  // the new parcel is in the registry list with its labels
  await page.goto(srv.base + '/#/parcels?code.like=%25901-01%25');
  await page.locator('[data-testid=list-total]', { hasText: '共 2 个小班' }).waitFor();
  assert.ok((await page.locator('td[data-col=di_lei]').allTextContents()).includes('疏林地'));
  await page.context().close();
});

test('import and export are offered to the bureau only', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'town_a');
  assert.equal(await page.locator('[data-nav=import]').count(), 0);
  await page.goto(srv.base + '/#/import');
  await page.waitForFunction(() => location.hash === '#/map');
  // the town user can still export its own parcels from the list
  await page.goto(srv.base + '/#/parcels');
  await page.locator('.exportbar a[data-format=geojson]').waitFor();
  const n = await page.evaluate(() => fetch('/api/export/parcels?format=geojson').then((r) => r.json()).then((j) => [...new Set(j.features.map((f) => f.properties.xiang ?? f.properties.XIANG))]));
  assert.deepEqual(n, [TOWN]);
  await page.context().close();
});
