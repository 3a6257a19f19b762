// map.test.mjs — the one-map: parcels rendered from the vector tiles, themes
// and legend, click → attributes and archive, search, and a town user who
// sees only the parcels of the town.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, waitForMap, shot, apiSession, TOWN } from './lib.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.stop(); });

/** Pixels of the map canvases that carry parcel colours (green/brown fills). */
async function colouredPixels(page) {
  return page.evaluate(() => {
    let n = 0;
    for (const c of document.querySelectorAll('#map canvas')) {
      const ctx = c.getContext('2d');
      if (!ctx || !c.width || !c.height) continue;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a > 100 && g > r + 25 && g > b + 25) n++;
      }
    }
    return n;
  });
}

test('bureau: the map renders every parcel of the district from the vector tiles', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/map');
  const api = await apiSession(srv.base, 'bureau');
  const all = (await api.get('/api/parcels?limit=1')).json.total;
  // after login the view moves to the jurisdiction: wait for every parcel, not the first tiles
  await waitForMap(page, all);
  const rendered = await page.evaluate(() => window.tb.renderedParcels());
  assert.equal(new Set(rendered.map((f) => f.code)).size, all, 'all parcels of the district are in the first view');
  // features carry their attributes; the map is zoomed to the jurisdiction
  assert.ok(rendered.every((f) => f.code && f.xiang && f.di_lei));
  const towns = new Set(rendered.map((f) => f.xiang));
  assert.ok(towns.size >= 7, [...towns].join());
  const px = await colouredPixels(page);
  assert.ok(px > 5000, `only ${px} green pixels drawn`);
  // legend of the default theme comes from the code list
  const legend = await page.locator('[data-testid=legend] li').allTextContents();
  assert.ok(legend.includes('天然乔木林') && legend.includes('天然灌木林'), legend.join());
  // the status line is written 250 ms after the last tile: wait for it, then check it
  await page.waitForFunction((n) => (document.querySelector('[data-testid=map-status]')?.textContent || '').includes(String(n)),
    all, { timeout: 10000 }).catch(() => {});
  assert.match(await page.locator('[data-testid=map-status]').textContent(), new RegExp(`${all}`));
  await shot(page, 'map');
  // the README's picture: the forested north of the district with one parcel open
  await page.evaluate(() => {
    const fs = window.tb.layers.parcels.getFeaturesInExtent(window.tb.map.getView().calculateExtent());
    const ext = fs.reduce((e, f) => { const b = f.getExtent(); return [Math.min(e[0], b[0]), Math.min(e[1], b[1]), Math.max(e[2], b[2]), Math.max(e[3], b[3])]; }, [Infinity, Infinity, -Infinity, -Infinity]);
    window.tb.map.getView().fit(ext, { padding: [20, 20, 20, 20] });
  });
  const busiest = (await api.get(`/api/parcels?xiang=${TOWN}&sort=-area_ha&limit=1`)).json.items[0];
  await page.evaluate((fid) => window.tb.openParcel(fid), busiest.fid);
  await page.locator('[data-testid=sidepanel] [data-testid=archive]').waitFor();
  await waitForMap(page, 100);
  await shot(page, 'map-north', { docs: 'map.png' });
  await page.locator('[data-testid=panel-close]').click();
  // another theme: age groups, its legend and re-coloured parcels
  await page.locator('[data-testid=theme]').selectOption('ling_zu');
  assert.ok((await page.locator('[data-testid=legend] li').allTextContents()).includes('中龄林'));
  await page.locator('[data-testid=theme]').selectOption('key_zone');
  await page.waitForTimeout(300);
  assert.ok((await page.locator('[data-testid=legend] li').allTextContents()).includes('位于重点区域'));
  await shot(page, 'map-keyzone');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.external, []);
  await page.context().close();
});

test('clicking a parcel shows its attributes (code labels, ha and mu) and archive', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/map');
  await waitForMap(page, 100);
  const api = await apiSession(srv.base, 'bureau');
  const big = (await api.get(`/api/parcels?xiang=${TOWN}&sort=-area_ha&limit=1`)).json.items[0];
  // zoom in on it so that the click is unambiguous
  await page.evaluate(async (fid) => {
    const r = await fetch(`/ogc/collections/parcels/items/${fid}`).then((x) => x.json());
    const ring = r.geometry.type === 'MultiPolygon' ? r.geometry.coordinates[0][0] : r.geometry.coordinates[0];
    const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
    const ext = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    window.tb.fitLonLat(ext);
  }, big.fid);
  await waitForMap(page, 1);
  // the zoomed view's tiles may still be loading: wait until the parcel is drawn
  await page.waitForFunction((code) => !!window.tb.pixelOfParcel(code), big.code, { timeout: 20000 }).catch(() => {});
  const xy = await page.evaluate((code) => window.tb.pixelOfParcel(code), big.code);
  assert.ok(xy, 'the parcel is rendered');
  await page.mouse.click(xy[0], xy[1]);
  const panel = page.locator('[data-testid=sidepanel]');
  await panel.locator('[data-testid=parcel-attrs]').waitFor();
  assert.equal((await panel.locator('[data-testid=panel-code]').textContent()).trim(), big.code);
  const area = await panel.locator('[data-field=area_ha]').textContent();
  const ha = big.area_ha.toFixed(4);
  assert.ok(area.includes(Number(ha).toLocaleString('zh-CN', { minimumFractionDigits: 4 })), area);
  assert.ok(area.includes((big.area_ha * 15).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })), area);
  assert.match(area, /公顷/);
  assert.match(area, /亩/);
  const schema = (await api.get('/api/schema')).json;
  const label = (list, code) => schema.codes[list].find((c) => c.code === code).label_zh;
  assert.equal((await panel.locator('[data-field=di_lei]').textContent()).trim(), label('di_lei', big.di_lei));
  assert.equal((await panel.locator('[data-field=qi_yuan]').textContent()).trim(), label('qi_yuan', big.qi_yuan));
  assert.equal((await panel.locator('[data-field=xiang]').textContent()).trim(), '下营镇');
  assert.ok(await panel.getByText('地类').count() > 0);
  assert.ok(await panel.getByText('郁闭度').count() > 0);
  await panel.locator('[data-testid=archive] li.event').first().waitFor();
  assert.match(await panel.locator('[data-testid=archive]').textContent(), /载入示范数据/);
  await shot(page, 'map-parcel');
  // Escape-free close with the keyboard-focusable close button
  await panel.locator('[data-testid=panel-close]').click();
  assert.equal(await panel.isHidden(), true);
  await page.context().close();
});

test('search by parcel code, village and town', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/map');
  await waitForMap(page, 100);
  const z0 = await page.evaluate(() => window.tb.map.getView().getZoom());
  await page.locator('[data-testid=map-search]').fill('120119104-010-001');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=panel-code]', { hasText: '120119104-010-001' }).waitFor();
  await page.waitForFunction((z) => window.tb.map.getView().getZoom() > z + 2, z0);
  await page.locator('[data-testid=panel-close]').click();
  await page.locator('[data-testid=map-search]').fill('下营');
  await page.keyboard.press('Enter');
  const results = page.locator('#search-results button');
  await results.first().waitFor();
  const kinds = await results.evaluateAll((bs) => bs.map((b) => b.dataset.kind));
  assert.ok(kinds.includes('town') && kinds.includes('village'), kinds.join());
  await page.locator('#search-results button[data-kind=town]').first().click();
  await page.waitForTimeout(400);
  await waitForMap(page, 1);
  const xiangs = new Set(await page.evaluate(() => window.tb.renderedParcels().map((f) => f.xiang)));
  assert.ok(xiangs.has(TOWN));
  await page.context().close();
});

test('town user: sees only the parcels of the town, on the map and in the list', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'town_a');
  await page.goto(srv.base + '/#/map');
  await waitForMap(page, 10);
  const api = await apiSession(srv.base, 'town_a');
  const total = (await api.get('/api/parcels?limit=1')).json.total;
  const bureau = await apiSession(srv.base, 'bureau');
  assert.equal(total, (await bureau.get(`/api/parcels?xiang=${TOWN}&limit=1`)).json.total);
  const rendered = await page.evaluate(() => window.tb.renderedParcels());
  assert.ok(rendered.length > 0);
  assert.deepEqual([...new Set(rendered.map((f) => f.xiang))], [TOWN], 'no parcel of another town is drawn');
  assert.equal(new Set(rendered.map((f) => f.code)).size, total, 'the map is zoomed to the town and shows all of it');
  await shot(page, 'map-town');
  await page.goto(srv.base + '/#/parcels?limit=200');
  await page.locator('[data-testid=parcel-table]').waitFor();
  assert.match(await page.locator('[data-testid=list-total]').textContent(), new RegExp(`共 ${total} 个小班`));
  const towns = new Set(await page.locator('[data-testid=parcel-table] td[data-col=xiang]').allTextContents());
  assert.deepEqual([...towns], ['下营镇']);
  // the filter offers only the user's town
  const opts = await page.locator('#f-xiang option').allTextContents();
  assert.deepEqual(opts, ['全部', '下营镇']);
  // a parcel of another town answers 404 and the page says so
  const other = (await bureau.get('/api/parcels?xiang=120119102&limit=1')).json.items[0];
  await page.goto(srv.base + `/#/parcels/${other.fid}`);
  await page.locator('.alert.error').waitFor();
  await page.context().close();
});

test('an optional base map from the configuration is drawn under the parcels', async () => {
  // a base-map template on the same server (it answers 404: the map must still work)
  const other = await startServer({ settings: ['basemap_url=/basemap-test/{z}/{x}/{y}.png'] });
  try {
    const page = await newPage(browser, other.base);
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/basemap-test/')) asked.push(r.url()); });
    await login(page, other.base, 'bureau');
    await page.goto(other.base + '/#/map');
    await waitForMap(page, 100);
    assert.ok(asked.length > 0, 'base-map tiles were requested');
    assert.match(asked[0], /\/basemap-test\/\d+\/\d+\/\d+\.png$/);
    await page.locator('.layerbox summary').click();
    const box = page.locator('input[data-layer=basemap]');
    assert.equal(await box.isChecked(), true);
    await box.uncheck();
    assert.equal(await page.evaluate(() => window.tb.map.getLayers().item(0).getVisible()), false);
    assert.deepEqual(page.external, []);
    await page.context().close();
  } finally {
    await other.stop();
  }
});
