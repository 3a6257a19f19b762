// ui.test.mjs — login, navigation by role, dashboard, English switch, phone layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, shot, PASSWORD } from './lib.mjs';

let srv, browser;
before(async () => { srv = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.stop(); });

test('wrong password is refused on the login page, in Chinese by default', async () => {
  const page = await newPage(browser, srv.base);
  await page.goto(srv.base + '/');
  await page.locator('#login-user').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal((await page.locator('label[for=login-user]').textContent()).trim(), '用户名');
  await page.locator('#login-user').fill('bureau');
  await page.locator('#login-pass').fill('wrong password');
  await page.locator('[data-testid=login-submit]').click();
  await page.locator('#login-error:not([hidden])').waitFor();
  assert.match(await page.locator('#login-error').textContent(), /用户名或密码错误/);
  await shot(page, 'login');
  assert.deepEqual(page.external, []);
  await page.context().close();
});

test('bureau: navigation, dashboard against the 5565.1 ha target, logout', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  const nav = await page.locator('nav.mainnav .navtext').allTextContents();
  assert.deepEqual(nav, ['一张图', '综合看板', '小班台账', '用途管制', '监测预警', '举报与案件', '数据导入导出']);
  await page.locator('[data-nav=dashboard]').click();
  await page.locator('[data-testid=chart-town] svg rect').first().waitFor();
  const kpi = await page.locator('[data-testid=kpi-natural]').textContent();
  assert.match(kpi, /5,565\.1/);
  assert.match(kpi, /公顷/);
  assert.match(kpi, /100\.0%/);
  // one bar per town with natural forest, labelled with the town's name
  const towns = await page.locator('[data-testid=chart-town] table.sr th').allTextContents();
  assert.ok(towns.includes('下营镇') && towns.length >= 7, towns.join(','));
  const classes = await page.locator('[data-testid=chart-class] .llabel').allTextContents();
  assert.deepEqual(classes, ['天然乔木林', '天然疏林地', '天然灌木林']);
  // recent events: the newest 15 (the demo's monitoring records and the users added), labelled in Chinese
  await page.locator('[data-testid=events] li').first().waitFor();
  assert.equal(await page.locator('[data-testid=events] li').count(), 15);
  const evLabels = await page.locator('[data-testid=events] .evlabel').allTextContents();
  assert.ok(evLabels.every((l) => /[\u4e00-\u9fff]/.test(l)), evLabels.join(' | '));
  assert.match(await page.locator('[data-testid=events]').textContent(), /新增用户/);
  assert.match(await page.locator('[data-testid=counts]').textContent(), /518/);
  await page.waitForTimeout(200);
  await page.setViewportSize({ width: 1440, height: 1350 });
  await shot(page, 'dashboard', { docs: 'dashboard.png' });
  await page.locator('[data-testid=logout]').click();
  await page.locator('#login-user').waitFor();
  const s = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
  assert.equal(s.role, 'public');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.external, []);
  await page.context().close();
});

test('switching to English changes the labels, and back', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'bureau');
  await page.goto(srv.base + '/#/parcels');
  await page.locator('[data-testid=parcel-table]').waitFor();
  const zhHead = await page.locator('[data-testid=parcel-table] thead').textContent();
  assert.match(zhHead, /地类/);
  assert.match(zhHead, /郁闭度/);
  await page.locator('header [data-testid=lang-switch]').click();
  await page.locator('nav.mainnav a', { hasText: 'Parcel registry' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.locator('[data-testid=parcel-table]').waitFor();
  const enHead = await page.locator('[data-testid=parcel-table] thead').textContent();
  assert.match(enHead, /Land class/);
  assert.match(enHead, /Canopy closure/i);
  assert.doesNotMatch(enHead, /地类/);
  // code labels follow the language too
  const firstRow = await page.locator('[data-testid=parcel-table] tbody tr').first().textContent();
  assert.doesNotMatch(firstRow, /乔木林地|灌木林地|疏林地/);
  assert.deepEqual((await page.locator('nav.mainnav .navtext').allTextContents()),
    ['One map', 'Dashboard', 'Parcel registry', 'Use control', 'Monitoring', 'Reports & cases', 'Import & export']);
  await page.goto(srv.base + '/#/dashboard');
  await page.locator('[data-testid=chart-class] .llabel').first().waitFor();
  assert.deepEqual(await page.locator('[data-testid=chart-class] .llabel').allTextContents(),
    ['Natural arbor forest', 'Natural sparse forest land', 'Natural shrubland']);
  await shot(page, 'dashboard-en');
  // the choice is remembered across a reload
  await page.reload();
  await page.locator('nav.mainnav a', { hasText: 'Dashboard' }).waitFor();
  await page.locator('header [data-testid=lang-switch]').click();
  await page.locator('nav.mainnav a', { hasText: '综合看板' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('leader: read-only navigation (no import), phone layout fits the screen', async () => {
  const page = await newPage(browser, srv.base, { width: 390, height: 844 });
  await login(page, srv.base, 'leader');
  await page.locator('[data-testid=chart-town]').waitFor(); // leaders land on the dashboard
  const nav = (await page.locator('nav.mainnav .navtext').allTextContents());
  assert.deepEqual(nav, ['一张图', '综合看板', '小班台账', '用途管制', '监测预警', '举报与案件']);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone screen`);
  await shot(page, 'dashboard-phone');
  // the import page is not offered to a leader even by URL
  await page.goto(srv.base + '/#/import');
  await page.waitForFunction(() => location.hash === '#/dashboard');
  // a parcel opens read-only
  await page.goto(srv.base + '/#/parcels/1');
  await page.locator('[data-testid=edit-form]').waitFor();
  assert.equal(await page.locator('[data-testid=save]').count(), 0);
  await page.context().close();
});

test('keyboard: the login form and navigation work without a mouse', async () => {
  const page = await newPage(browser, srv.base);
  await page.goto(srv.base + '/#/login');
  await page.locator('#login-user').waitFor();
  await page.keyboard.type('bureau');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.locator('header.topbar').waitFor();
  const focusable = await page.evaluate(() => [...document.querySelectorAll('nav.mainnav a')].every((a) => a.tabIndex >= 0));
  assert.ok(focusable);
  await page.locator('nav.mainnav a[data-nav=parcels]').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=parcel-table]').waitFor();
  await page.context().close();
});

test('readable at 200 % zoom: no horizontal scrolling, every control labelled', async () => {
  // a 1280×800 window at 200 % zoom lays out like a 640×400 viewport at scale 2
  const page = await newPage(browser, srv.base, { width: 640, height: 400 });
  await page.setViewportSize({ width: 640, height: 400 });
  await login(page, srv.base, 'bureau');
  for (const [hash, ready] of [['#/dashboard', '[data-testid=chart-town]'], ['#/parcels', '[data-testid=parcel-table]'], ['#/parcels/3', '[data-testid=edit-form]'], ['#/import', '[data-testid=dry-run]'], ['#/map', '[data-testid=legend]']]) {
    await page.goto(srv.base + '/' + hash);
    await page.locator(ready).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${hash}: ${overflow}px of horizontal scrolling`);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button')]
      .filter((el) => !el.closest('.ol-viewport') && el.offsetParent !== null)
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim() && !el.title)
      .map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, [], hash);
  }
  await page.goto(srv.base + '/#/map');
  await page.locator('[data-testid=legend]').waitFor();
  await page.waitForFunction(() => window.tb && window.tb.renderedParcels().length > 0);
  await shot(page, 'map-zoom200');
  await page.context().close();
});

test('phone: the map and the parcel panel fit the screen', async () => {
  const page = await newPage(browser, srv.base, { width: 390, height: 844 });
  await login(page, srv.base, 'town_a');
  await page.waitForFunction(() => window.tb && window.tb.renderedParcels().length > 0, null, { timeout: 90000 });
  const code = await page.evaluate(() => window.tb.renderedParcels()[0].code);
  await page.locator('[data-testid=map-search]').fill(code);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=panel-code]', { hasText: code }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${overflow}px of horizontal scrolling`);
  await page.waitForTimeout(500);
  await shot(page, 'map-phone');
  await page.context().close();
});

test('town user: the dashboard marks the share of the town', async () => {
  const page = await newPage(browser, srv.base);
  await login(page, srv.base, 'town_a');
  await page.goto(srv.base + '/#/dashboard');
  const note = page.locator('[data-testid=own-share]');
  await note.waitFor();
  assert.match(await note.textContent(), /下营镇/);
  assert.match(await note.textContent(), /1,473\.7 公顷/);
  await shot(page, 'dashboard-town');
  await page.context().close();
});
