// control.test.mjs — use control (用途管制, plan §3.1.1, §3.2) in the browser:
// draw an area on the map over a natural parcel in a key zone, see the
// automatic decision (verdict, clause, natural-forest area per 小班) change
// with the activity, submit it, and review it: the town checks but cannot
// approve (no button; the API answers 403), the bureau approves.  Also an
// eco-tourism area outside the key zones (conditional, §3.2.2), occupation
// that needs the higher authority's approval document and then shows as an
// approved loss on the dashboard, a prohibited one that cannot be approved,
// a tending application with its operation design (作业设计), the map
// overlay, English, and the phone layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, shot, apiSession, TOWN } from './lib.mjs';

let srv, browser, bureau, town;
before(async () => {
  srv = await startServer();
  browser = await launch();
  bureau = await apiSession(srv.base, 'bureau');
  town = await apiSession(srv.base, 'town_a');
});
after(async () => { await browser?.close(); await srv?.stop(); });

/** A page that records the failed responses of the use-control API (other
 * parts' panels, e.g. monitoring on the dashboard, are not this test's). */
async function page0(opts) {
  const page = await newPage(browser, srv.base, opts);
  page.failed = [];
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (r.status() >= 400 && /^\/(api\/(control|applications|designs|attachments)|tiles\/applications)/.test(u.pathname)) page.failed.push(`${r.status()} ${r.request().method()} ${u.pathname}`);
  });
  return page;
}
/** No script error, and exactly the expected failed use-control calls. */
function clean(page, failed = []) {
  assert.deepEqual(page.errors.filter((e) => !/^Failed to load resource/.test(e)), []);
  assert.deepEqual(page.failed, failed);
  assert.deepEqual(page.external, []);
}

const zh = (x, d = 4) => Number(x).toLocaleString('zh-CN', { minimumFractionDigits: d, maximumFractionDigits: d });
const en = (x, d = 4) => Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

function insideRing([x, y], ring) {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}
const insidePolys = (p, polys) => polys.some((rings) => insideRing(p, rings[0]) && !rings.slice(1).some((h) => insideRing(p, h)));

/** A square of about 1 ha (lon/lat ring, closed) well inside the parcel. */
async function squareIn(parcel) {
  const f = (await bureau.get(`/ogc/collections/parcels/items/${parcel.fid}`)).json;
  const polys = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates];
  const pts = polys.flatMap((p) => p[0]);
  const xs = pts.map((c) => c[0]), ys = pts.map((c) => c[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const dx = 0.0012, dy = 0.0009; // ≈ 100 m × 100 m at 40° N
  for (let i = 1; i < 40; i++) {
    for (let j = 1; j < 40; j++) {
      const cx = x0 + ((x1 - x0) * i) / 40, cy = y0 + ((y1 - y0) * j) / 40;
      const probe = [];
      for (const a of [-1, -0.5, 0, 0.5, 1]) for (const b of [-1, -0.5, 0, 0.5, 1]) probe.push([cx + a * (dx / 2 + 0.0002), cy + b * (dy / 2 + 0.0002)]);
      if (probe.every((p) => insidePolys(p, polys))) {
        return [[cx - dx / 2, cy - dy / 2], [cx + dx / 2, cy - dy / 2], [cx + dx / 2, cy + dy / 2], [cx - dx / 2, cy + dy / 2], [cx - dx / 2, cy - dy / 2]];
      }
    }
  }
  throw new Error('no square fits in parcel ' + parcel.code);
}

/** Natural parcels of the town: one wholly in a key zone, one outside any
 * key zone that is not level-I protected nor grade-1 public-welfare forest. */
async function parcels() {
  const all = (await bureau.get(`/api/parcels?xiang=${TOWN}&natural=true&limit=1000&sort=-area_ha`)).json.items;
  const inKey = all.find((p) => p.key_zone_ha >= p.area_ha - 0.001 && p.area_ha > 8);
  const outKey = all.find((p) => !(p.key_zone_ha > 0) && String(p.bh_dj) !== '1' && String(p.gjgyl_bhdj) !== '1' && p.area_ha > 8);
  assert.ok(inKey && outKey, 'demo parcels in and outside the key zones');
  return { inKey, outKey };
}

const polygon = (ring) => ({ type: 'MultiPolygon', coordinates: [[ring]] });
async function check(activity, geometry, purpose) {
  const r = await bureau.call('POST', '/api/control/check', { activity, geometry, ...(purpose ? { purpose } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}
async function create(api, props, ring) {
  const r = await api.call('POST', '/api/applications', { type: 'Feature', properties: { applicant: '张三', start_date: '2026-12-01', end_date: '2027-03-31', ...props }, geometry: polygon(ring) });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

/** Draws the ring on the new-application map with mouse clicks; the first
 * vertex clicked again closes the polygon. */
async function draw(page, ring) {
  const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
  const w = Math.max(...xs) - Math.min(...xs), hgt = Math.max(...ys) - Math.min(...ys);
  await page.waitForFunction(() => window.tbControl && window.tbControl.map);
  await page.evaluate((ext) => window.tbControl.fitLonLat(ext), [Math.min(...xs) - w, Math.min(...ys) - hgt, Math.max(...xs) + w, Math.max(...ys) + hgt]);
  await page.evaluate(() => window.tbControl.rendered());
  const n0 = await page.evaluate(() => window.tbControl.geometry()?.coordinates.length || 0);
  const px = [];
  for (const c of ring.slice(0, -1)) px.push(await page.evaluate((ll) => window.tbControl.pixelOf(ll), c));
  for (const [x, y] of [...px, px[0]]) {
    await page.mouse.click(x, y);
    await page.waitForTimeout(350); // two clicks within 250 ms would be a double click
  }
  await page.waitForFunction((n) => (window.tbControl.geometry()?.coordinates.length || 0) > n, n0);
  return page.evaluate(() => window.tbControl.geometry());
}

async function decisionOf(page, verdict) {
  const box = page.locator(`[data-testid=decision][data-verdict=${verdict}]`);
  await box.waitFor();
  return box;
}

test('draw an area over a natural parcel in a key zone: commercial logging is prohibited (§3.2.1), fire prevention allowed; submit; the town checks, the bureau approves', async () => {
  const { inKey } = await parcels();
  const ring = await squareIn(inKey);
  const page = await page0();
  await login(page, srv.base, 'bureau');
  await page.locator('[data-nav=applications]').click();
  await page.locator('[data-testid=new-application]').click();
  await page.locator('[data-testid=app-form]').waitFor();
  await page.locator('#app-applicant').fill('蓟州区下营镇林业站 王林');
  await page.locator('#app-activity').selectOption('commercial_logging');
  assert.match(await page.locator('[data-testid=decision-box]').textContent(), /绘制范围/);
  const drawn = await draw(page, ring);
  assert.equal(drawn.type, 'MultiPolygon');
  const planned = await check('commercial_logging', polygon(ring));
  const expected = await check('commercial_logging', drawn);
  // the clicks land on whole pixels: the drawn area is the planned one within 1 %
  assert.ok(Math.abs(expected.natural_forest_ha - planned.natural_forest_ha) < planned.natural_forest_ha * 0.01,
    `${expected.natural_forest_ha} vs ${planned.natural_forest_ha}`);
  assert.ok(planned.natural_forest_ha > 0.8 && planned.natural_forest_ha < 1.3, String(planned.natural_forest_ha));
  assert.equal(expected.verdict, 'prohibited');
  assert.deepEqual(expected.clauses, ['3.2.1']);
  assert.equal(expected.key_zone_ha, expected.natural_forest_ha, 'the whole area lies in the key zone');
  const box = await decisionOf(page, 'prohibited');
  assert.equal((await box.locator('[data-testid=verdict]').textContent()).trim(), '禁止');
  assert.equal((await box.locator('[data-testid=clauses]').textContent()).replace(/\s+/g, ''), '依据§3.2.1');
  const natural = await box.locator('[data-testid=natural-ha]').textContent();
  assert.ok(natural.includes(zh(expected.natural_forest_ha)), natural);
  assert.ok(natural.includes(zh(expected.natural_forest_ha * 15, 1)) && natural.includes('亩'), natural);
  assert.ok((await box.locator('[data-testid=key-ha]').textContent()).includes(zh(expected.key_zone_ha)));
  assert.ok((await box.locator('[data-testid=outside-ha]').textContent()).includes(zh(0)));
  const reasons = await box.locator('[data-testid=reasons]').textContent();
  for (const r of expected.reasons) assert.ok(reasons.includes(r.message_zh), reasons);
  const row = box.locator(`[data-testid=decision-parcels] tbody tr[data-code="${inKey.code}"]`);
  assert.equal(await row.count(), 1, 'the parcel is listed');
  const cells = await row.locator('th, td').allTextContents();
  assert.equal(cells[0], inKey.code);
  assert.equal(cells[1], zh(expected.parcels[0].area_ha));
  assert.equal(cells[3], '是');
  assert.match(cells[5], /禁止/);
  await page.setViewportSize({ width: 1440, height: 1200 });
  await page.evaluate(() => window.tbControl.rendered());
  await shot(page, 'control-prohibited', { docs: 'control-new.png' });
  await page.setViewportSize({ width: 1440, height: 900 });

  // another activity on the same area: fire prevention keeps the forest healthy
  await page.locator('#app-activity').selectOption('fire_prevention');
  const ok = await decisionOf(page, 'allowed');
  assert.equal((await ok.locator('[data-testid=verdict]').textContent()).trim(), '允许');
  assert.match(await ok.locator('[data-testid=clauses]').textContent(), /§3\.2\.1/);
  assert.match(await ok.locator('[data-testid=reasons]').textContent(), /重点区域内允许森林防火/);
  await page.locator('#app-start_date').fill('2026-12-01');
  await page.locator('#app-end_date').fill('2027-02-28');
  await page.locator('#app-description').fill('修建防火隔离带');
  await page.locator('[data-testid=app-submit]').click();
  await page.locator('[data-testid=app-code]').waitFor();
  const code = (await page.locator('[data-testid=app-code]').textContent()).trim();
  assert.match(code, /^SQ-\d{4}-\d{4}$/);
  assert.equal((await page.locator('[data-testid=app-status]').textContent()).trim(), '已提交');
  assert.equal((await page.locator('[data-testid=app-verdict]').textContent()).trim(), '允许');
  assert.ok((await page.locator('[data-testid=natural-ha]').textContent()).includes(zh(expected.natural_forest_ha)));
  const id = page.url().split('/').pop();
  const rec = (await bureau.get(`/api/applications/${id}`)).json;
  assert.equal(rec.code, code);
  assert.equal(rec.applicant, '蓟州区下营镇林业站 王林');
  assert.equal(rec.activity, 'fire_prevention');
  assert.equal(rec.end_date, '2027-02-28');
  assert.equal(rec.natural_forest_ha, expected.natural_forest_ha);
  await page.locator('[data-testid=app-detail-map]').waitFor();
  await page.setViewportSize({ width: 1440, height: 1200 });
  await page.evaluate(() => window.tbControl.rendered());
  await shot(page, 'control-detail', { docs: 'control-detail.png' });
  await page.setViewportSize({ width: 1440, height: 900 });

  // the town checks it but cannot approve it: no button, and the API says 403
  const tp = await page0();
  await login(tp, srv.base, 'town_a');
  await tp.goto(`${srv.base}/#/applications/${id}`);
  await tp.locator('[data-testid=act-check]').waitFor();
  assert.equal(await tp.locator('[data-testid=act-approve]').count(), 0);
  assert.equal(await tp.locator('[data-testid=act-reject]').count(), 0);
  await tp.locator('[data-testid=review-note]').fill('范围核实无误');
  await tp.locator('[data-testid=act-check]').click();
  await tp.locator('[data-testid=app-status][data-status=checked]').waitFor();
  assert.equal((await tp.locator('[data-testid=app-status]').textContent()).trim(), '已初审');
  assert.equal(await tp.locator('[data-testid=act-approve]').count(), 0);
  assert.match(await tp.locator('[data-testid=no-actions]').textContent(), /无权/);
  const denied = await town.call('POST', `/api/applications/${id}/transition`, { to: 'approved', note: '' });
  assert.equal(denied.status, 403);
  assert.equal((await bureau.get(`/api/applications/${id}`)).json.status, 'checked');
  clean(tp);
  await tp.context().close();

  // the bureau approves
  await page.reload();
  await page.locator('[data-testid=act-approve]').waitFor();
  await page.locator('[data-testid=review-note]').fill('同意实施');
  await page.locator('[data-testid=act-approve]').click();
  await page.locator('[data-testid=app-status][data-status=approved]').waitFor();
  assert.equal((await page.locator('[data-testid=app-status]').textContent()).trim(), '已批准');
  assert.match(await page.locator('[data-testid=app-timeline]').textContent(), /已批准/);
  assert.match(await page.locator('[data-testid=no-actions]').textContent(), /已办结/);
  assert.equal((await bureau.get(`/api/applications/${id}`)).json.status, 'approved');

  // the list shows it with its badges
  await page.goto(`${srv.base}/#/applications?status=approved`);
  const tr = page.locator(`[data-testid=app-table] tr[data-code="${code}"]`);
  await tr.waitFor();
  assert.match(await tr.textContent(), /森林防火/);
  assert.equal(await tr.locator('[data-verdict=allowed]').count(), 1);
  await shot(page, 'control-list');
  clean(page);
  await page.context().close();
});

test('eco-tourism outside the key zones is conditional (§3.2.2) with its conditions; in English too', async () => {
  const { outKey, inKey } = await parcels();
  const ring = await squareIn(outKey);
  const page = await page0();
  await login(page, srv.base, 'bureau');
  await page.goto(`${srv.base}/#/applications/new`);
  await page.locator('#app-activity').selectOption('ecotourism');
  const drawn = await draw(page, ring);
  const expected = await check('ecotourism', drawn);
  assert.equal(expected.verdict, 'conditional');
  const box = await decisionOf(page, 'conditional');
  assert.equal((await box.locator('[data-testid=verdict]').textContent()).trim(), '有条件允许');
  assert.match(await box.locator('[data-testid=clauses]').textContent(), /§3\.2\.2/);
  const reasons = await box.locator('[data-testid=reasons]').textContent();
  assert.match(reasons, /不破坏地表植被/);
  assert.ok((await box.locator('[data-testid=natural-ha]').textContent()).includes(zh(expected.natural_forest_ha)));
  assert.ok((await box.locator('[data-testid=outside-ha]').textContent()).includes(zh(expected.outside_key_zone_ha)));
  assert.ok((await box.locator('[data-testid=key-ha]').textContent()).includes(zh(0)));
  // the same activity in the key zone is prohibited: a second area drawn beside
  const ring2 = await squareIn(inKey);
  await draw(page, ring2);
  const both = await decisionOf(page, 'prohibited');
  assert.equal(await both.locator('[data-testid=decision-parcels] tbody tr').count(), 2);
  assert.match(await both.locator('[data-testid=reasons]').textContent(), /重点区域内禁止生态旅游/);
  await page.locator('[data-testid=draw-clear]').click();
  await page.locator('[data-testid=decision-box]', { hasText: '绘制范围' }).waitFor();
  // submitting without an area names the missing area
  await page.locator('#app-applicant').fill('盘山旅游公司');
  await page.locator('[data-testid=app-submit]').click();
  assert.match(await page.locator('[data-testid=geometry-error]').textContent(), /绘制或上传/);
  // typed vertices: a bad list is named, a good one gives the decision
  await page.locator('details.ctlcoords summary').click();
  await page.locator('[data-testid=app-coords]').fill('117.45 40.12\n117.46');
  await page.locator('[data-testid=coords-add]').click();
  assert.match(await page.locator('[data-testid=geometry-error]').textContent(), /至少 3 个顶点/);
  await page.locator('[data-testid=app-coords]').fill(ring.slice(0, -1).map(([x, y]) => `${x} ${y}`).join('\n'));
  await page.locator('[data-testid=coords-add]').click();
  const typed = await decisionOf(page, 'conditional');
  const planned = await check('ecotourism', polygon(ring));
  assert.ok((await typed.locator('[data-testid=natural-ha]').textContent()).includes(zh(planned.natural_forest_ha)));
  await page.locator('[data-testid=draw-clear]').click();
  await page.locator('[data-testid=decision-box]', { hasText: '绘制范围' }).waitFor();
  // the area from a file instead: a GeoJSON of the same square
  const file = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: '观景步道' }, geometry: { type: 'Polygon', coordinates: [ring] } }] });
  await page.locator('[data-testid=app-file]').setInputFiles({ name: '步道范围.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(file) });
  const fromFile = await decisionOf(page, 'conditional');
  assert.ok((await fromFile.locator('[data-testid=natural-ha]').textContent()).includes(zh(planned.natural_forest_ha)));
  await page.locator('[data-testid=area-info]', { hasText: '文件面积' }).waitFor();
  // a period that ends before it starts: the server's 422 is shown at the field
  await page.locator('#app-start_date').fill('2027-05-01');
  await page.locator('#app-end_date').fill('2027-04-01');
  await page.locator('[data-testid=app-submit]').click();
  const fieldErr = page.locator('[data-field=end_date] .fielderror:not([hidden])');
  await fieldErr.waitFor();
  assert.match(await fieldErr.textContent(), /2027-04-01.*2027-05-01/);
  assert.equal(await page.locator('#app-end_date').getAttribute('aria-invalid'), 'true');
  await page.locator('#app-end_date').fill('2027-10-31');
  await page.locator('[data-testid=app-submit]').click();
  await page.locator('[data-testid=app-code]').waitFor();
  assert.equal((await page.locator('[data-testid=app-verdict]').textContent()).trim(), '有条件允许');
  // the application page in English: labels, verdict and reasons
  await page.locator('[data-testid=lang-switch]').click();
  await page.locator('[data-testid=app-status]', { hasText: 'Submitted' }).waitFor();
  const enBox = await decisionOf(page, 'conditional');
  assert.equal((await enBox.locator('[data-testid=verdict]').textContent()).trim(), 'Conditional');
  assert.ok((await enBox.locator('[data-testid=reasons]').textContent()).includes(planned.reasons[0].message_en));
  assert.ok((await enBox.locator('[data-testid=reasons]').textContent()).includes(planned.reasons[0].conditions_en));
  assert.ok((await enBox.locator('[data-testid=natural-ha]').textContent()).includes(en(planned.natural_forest_ha)));
  assert.match(await page.locator('main').textContent(), /Automatic decision/);
  await page.locator('[data-testid=lang-switch]').click();
  await page.locator('[data-testid=app-status]', { hasText: '已提交' }).waitFor();
  clean(page, ['422 POST /api/applications']);
  await page.context().close();
});

test('occupation needs the higher authority\'s approval document; once approved the loss shows on the dashboard; a prohibited application cannot be approved', async () => {
  const { outKey, inKey } = await parcels();
  const ringOut = await squareIn(outKey);
  const occ = await create(town, { activity: 'occupation', purpose: 'national_defence', description: '国防光缆' }, ringOut);
  assert.equal(occ.verdict, 'needs_approval');
  const logging = await create(town, { activity: 'commercial_logging' }, await squareIn(inKey));
  assert.equal(logging.verdict, 'prohibited');
  for (const a of [occ, logging]) assert.equal((await town.call('POST', `/api/applications/${a.fid ?? a.id}/transition`, { to: 'checked', note: '' })).status, 200);
  const before = (await bureau.get('/api/control/summary')).json;

  const page = await page0();
  await login(page, srv.base, 'bureau');
  await page.goto(`${srv.base}/#/applications/${occ.fid ?? occ.id}`);
  await page.locator('[data-testid=approval-doc]').waitFor();
  assert.match(await page.locator('[data-testid=decision] [data-testid=verdict]').textContent(), /须审批|须报批/);
  // approving without the document: the server refuses (409) and says why
  await page.locator('[data-testid=act-approve]').click();
  const err = page.locator('[data-testid=ctl-error]');
  await err.waitFor();
  assert.equal(await err.getAttribute('data-status'), '409');
  assert.match(await err.textContent(), /approval|批准|审核/);
  assert.equal((await bureau.get(`/api/applications/${occ.fid ?? occ.id}`)).json.status, 'checked');
  await page.locator('[data-testid=approval-doc]').setInputFiles({ name: '国防用地批复.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') });
  await page.locator('[data-testid=approval-doc-state]', { hasText: 'SHA-256' }).waitFor();
  await page.locator('[data-testid=act-approve]').click();
  await page.locator('[data-testid=app-status][data-status=approved]').waitFor();
  const approved = (await bureau.get(`/api/applications/${occ.fid ?? occ.id}`)).json;
  assert.match(approved.approval_doc, /^[0-9a-f]{64}$/);
  assert.ok(approved.loss_ha > 0.8, String(approved.loss_ha));
  assert.equal(await page.locator('[data-field=approval_doc] a').count(), 1);

  // the prohibited one: a warning, the server refuses to approve, rejecting works
  await page.goto(`${srv.base}/#/applications/${logging.fid ?? logging.id}`);
  await page.locator('[data-testid=prohibited-note]').waitFor();
  assert.match(await page.locator('[data-testid=prohibited-note]').textContent(), /§3\.2\.1/);
  await page.locator('[data-testid=act-approve]').click();
  await page.locator('[data-testid=ctl-error][data-status="409"]').waitFor();
  await page.locator('[data-testid=review-note]').fill('§3.2.1 全面停止天然林商业性采伐');
  await page.locator('[data-testid=act-reject]').click();
  await page.locator('[data-testid=app-status][data-status=rejected]').waitFor();

  // the dashboard: the approved loss against the 5565.1 ha target
  const after = (await bureau.get('/api/control/summary')).json;
  assert.ok(Math.abs(after.approved_loss_ha - before.approved_loss_ha - approved.loss_ha) < 1e-6, JSON.stringify([before, after, approved.loss_ha]));
  await page.locator('[data-nav=dashboard]').click();
  const card = page.locator('[data-testid=control-card]');
  await card.waitFor();
  assert.ok((await card.locator('[data-testid=ctl-loss]').textContent()).includes(zh(after.approved_loss_ha)));
  assert.match(await card.textContent(), /5,565\.1/);
  assert.match(await card.locator('[data-testid=ctl-pending]').textContent(), new RegExp(`待审批申请\\s*${after.pending.count}\\s*件`));
  await shot(page, 'control-dashboard');
  clean(page, [`409 POST /api/applications/${occ.fid ?? occ.id}/transition`, `409 POST /api/applications/${logging.fid ?? logging.id}/transition`]);
  await page.context().close();
});

test('tending: the operation design (作业设计) is drawn up, approved, and then the application', async () => {
  const { outKey } = await parcels();
  const app = await create(bureau, { activity: 'tending', applicant: '八仙山林场' }, await squareIn(outKey));
  assert.equal(app.verdict, 'needs_approval');
  const id = app.fid ?? app.id;
  const page = await page0();
  await login(page, srv.base, 'bureau');
  await page.goto(`${srv.base}/#/applications/${id}`);
  const ds = page.locator('[data-testid=design-section]');
  await ds.locator('[data-testid=design-form]').waitFor();
  assert.equal(await ds.locator('#d-parcels').inputValue(), outKey.code, 'the parcels come from the decision');
  await ds.locator('[data-testid=design-measures] input[value="疏伐"]').check();
  await ds.locator('#d-intensity_pct').fill('15');
  await ds.locator('#d-volume_m3').fill('42');
  await ds.locator('#d-designer').fill('蓟州区林业调查设计队');
  await ds.locator('#d-retained_canopy').fill('0.5');
  await ds.locator('[data-testid=design-save]').click();
  assert.match(await ds.locator('#d-retained_canopy-err').textContent(), /0\.6/);
  await ds.locator('#d-retained_canopy').fill('0.7');
  await ds.locator('[data-testid=design-save]').click();
  await ds.locator('[data-testid=design][data-status=draft]').waitFor();
  await ds.locator('[data-testid=design-submit]').click();
  await ds.locator('[data-testid=design][data-status=submitted]').waitFor();
  await ds.locator('[data-testid=design-approve]').click();
  await ds.locator('[data-testid=design][data-status=approved]').waitFor();
  const design = (await bureau.get(`/api/designs?application_code=${app.code}`)).json.items[0];
  assert.equal(design.status, 'approved');
  assert.equal(design.measures, '疏伐');
  assert.equal(design.retained_canopy, 0.7);
  await page.locator('[data-testid=act-check]').click();
  await page.locator('[data-testid=app-status][data-status=checked]').waitFor();
  await page.locator('[data-testid=act-approve]').click();
  await page.locator('[data-testid=app-status][data-status=approved]').waitFor();
  clean(page);
  await page.context().close();
});

test('the one-map shows the applications coloured by verdict; a click opens one', async () => {
  const { inKey } = await parcels();
  const a = await create(bureau, { activity: 'commercial_logging', applicant: '地图测试' }, await squareIn(inKey));
  const page = await page0();
  await login(page, srv.base, 'bureau');
  await page.goto(`${srv.base}/#/map`);
  await page.locator('[data-testid=legend-applications]').waitFor();
  assert.match(await page.locator('[data-testid=legend-applications]').textContent(), /禁止.*须.*有条件允许.*允许/);
  assert.equal(await page.locator('input[data-layer=applications]').isChecked(), true);
  const ring = (await bureau.get(`/api/applications/${a.fid ?? a.id}?geometry=true`)).json.geometry.coordinates[0][0];
  const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
  // from the application's page to the one-map, centred on it
  await page.goto(`${srv.base}/#/applications/${a.fid ?? a.id}`);
  await page.locator('[data-testid=app-on-map]').click();
  await page.locator('[data-testid=legend-applications]').waitFor();
  await page.waitForFunction(() => window.tb && window.tb.layers.applications);
  await page.waitForFunction((code) => window.tb.layers.applications.getFeaturesInExtent(window.tb.map.getView().calculateExtent()).some((f) => f.get('code') === code), a.code);
  const box = await page.locator('[data-testid=map]').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const panel = page.locator('[data-testid=sidepanel]');
  await panel.locator('[data-testid=panel-open-application]').waitFor();
  assert.equal((await panel.locator('[data-testid=panel-code]').textContent()).trim(), a.code);
  assert.equal((await panel.locator('[data-testid=panel-verdict]').textContent()).trim(), '禁止');
  await page.evaluate((ext) => window.tb.fitLonLat(ext), [Math.min(...xs) - 0.01, Math.min(...ys) - 0.008, Math.max(...xs) + 0.01, Math.max(...ys) + 0.008]);
  await page.waitForTimeout(500);
  await shot(page, 'control-map');
  // the overlays can be switched off and on (图层)
  await page.locator('details.layerbox summary').click();
  for (const name of ['applications', 'alerts']) {
    if (!(await page.evaluate((n) => !!window.tb.layers[n], name))) continue; // alerts: when the monitoring part is there
    const cb = page.locator(`input[data-layer=${name}]`);
    assert.equal(await cb.isChecked(), true);
    await cb.uncheck();
    assert.equal(await page.evaluate((n) => window.tb.layers[n].getVisible(), name), false);
    assert.equal(await page.locator(`[data-testid=legend-${name}]`).count(), 0);
    await cb.check();
    assert.equal(await page.evaluate((n) => window.tb.layers[n].getVisible(), name), true);
  }
  await page.locator('details.layerbox summary').click();
  // an alert of the monitoring part (when present): a click shows it with a link to it
  const alert = (await bureau.get('/api/alerts?limit=1&sort=fid').catch(() => null))?.json?.items?.[0];
  const ag = alert && (await bureau.get(`/api/alerts/${alert.fid}?geometry=true`)).json.geometry;
  if (ag) {
    const pts = JSON.stringify(ag.coordinates).match(/-?\d+\.\d+,-?\d+\.\d+/g).map((p) => p.split(',').map(Number));
    const ax = pts.map((p) => p[0]), ay = pts.map((p) => p[1]);
    const [cx, cy] = ag.type === 'Point' ? ag.coordinates : [(Math.min(...ax) + Math.max(...ax)) / 2, (Math.min(...ay) + Math.max(...ay)) / 2];
    await page.evaluate((ext) => window.tb.fitLonLat(ext), [cx - 0.002, cy - 0.002, cx + 0.002, cy + 0.002]);
    await page.waitForFunction((code) => window.tb.layers.alerts.getFeaturesInExtent(window.tb.map.getView().calculateExtent()).some((f) => f.get('code') === code), alert.code);
    const mb = await page.locator('[data-testid=map]').boundingBox();
    await page.mouse.click(mb.x + mb.width / 2, mb.y + mb.height / 2);
    await panel.locator('[data-testid=panel-code]', { hasText: alert.code }).waitFor();
    assert.equal(await panel.locator(`a[href="#/alerts?tab=alerts&id=${alert.fid}"]`).count(), 1);
    await page.evaluate((ext) => window.tb.fitLonLat(ext), [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
    await page.waitForFunction((code) => window.tb.layers.applications.getFeaturesInExtent(window.tb.map.getView().calculateExtent()).some((f) => f.get('code') === code), a.code);
    await page.mouse.click(mb.x + mb.width / 2, mb.y + mb.height / 2);
    await panel.locator('[data-testid=panel-code]', { hasText: a.code }).waitFor();
  }
  await panel.locator('[data-testid=panel-open-application]').click();
  await page.locator('[data-testid=app-code]', { hasText: a.code }).waitFor();
  clean(page);
  await page.context().close();
});

test('phone: the form, the decision and an application fit the screen', async () => {
  const { outKey } = await parcels();
  const a = await create(bureau, { activity: 'ecotourism', applicant: '手机测试' }, await squareIn(outKey));
  const page = await page0({ width: 390, height: 844 });
  await login(page, srv.base, 'bureau');
  for (const hash of ['#/applications', '#/applications/new', `#/applications/${a.fid ?? a.id}`]) {
    await page.goto(srv.base + '/' + hash);
    await page.locator('main .pagehead, main [data-testid=app-form]').first().waitFor();
    await page.waitForTimeout(300);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `${hash} overflows by ${over}px`);
  }
  await page.locator('[data-testid=decision]').waitFor();
  await shot(page, 'control-phone');
  clean(page);
  await page.context().close();
});

test('keyboard only: the area typed as vertices, the decision, submit', async () => {
  const { outKey } = await parcels();
  const ring = await squareIn(outKey);
  const page = await page0();
  await login(page, srv.base, 'bureau');
  await page.goto(`${srv.base}/#/applications/new`);
  await page.locator('#app-applicant').focus();
  await page.keyboard.type('键盘用户');
  await page.locator('#app-activity').focus();
  await page.locator('#app-activity').selectOption('pest_control'); // what a keyboard choice in a <select> does
  await page.locator('details.ctlcoords summary').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'app-coords');
  await page.keyboard.type(ring.slice(0, -1).map(([x, y]) => `${x} ${y}`).join('\n'));
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'coords-add');
  await page.keyboard.press('Enter');
  const box = await decisionOf(page, 'allowed');
  assert.match(await box.locator('[data-testid=reasons]').textContent(), /林业有害生物防治属于维护天然林健康的措施/);
  await page.locator('[data-testid=app-submit]').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=app-code]').waitFor();
  assert.equal((await page.locator('[data-testid=app-verdict]').textContent()).trim(), '允许');
  clean(page);
  await page.context().close();
});
