// lib.mjs — shared by the browser tests: a real `tianbao serve` on loopback
// with the demo database and users, and headless Debian Chromium driven by
// playwright-core.  Env: TIANBAO_BIN (the binary), TB_SOURCE_DIR (the repo).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const SRC = resolve(process.env.TB_SOURCE_DIR || join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
export const BIN = process.env.TIANBAO_BIN || join(SRC, 'build', 'tianbao');
export const DIST = join(SRC, 'web', 'dist');
export const ARTIFACTS = join(SRC, 'tests', 'artifacts');
export const PASSWORD = 'correct horse battery';
export const TOWN = '120119104'; // 下营镇
const require = createRequire(join(SRC, 'web', 'package.json'));
const { chromium } = require('playwright-core');

function tb(db, args, env = {}) {
  return execFileSync(BIN, ['--db', db, ...args], {
    env: { ...process.env, TIANBAO_LOG: 'warn', TIANBAO_PWHASH_FAST: '1', ...env },
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Demo database + users (bureau, town, leader) + server on 127.0.0.1:0. */
export async function startServer({ settings = [] } = {}) {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html missing: run "npm ci && npm run build" in web/`);
  if (!existsSync(BIN)) throw new Error(`tianbao binary not found at ${BIN} (set TIANBAO_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), 'tb-e2e-'));
  const db = join(dir, 'demo.gpkg');
  tb(db, ['demo']);
  const pw = join(dir, 'pw');
  writeFileSync(pw, PASSWORD + '\n', { mode: 0o600 });
  tb(db, ['user', 'add', 'bureau', '--role', 'bureau', '--password-file', pw]);
  tb(db, ['user', 'add', 'town_a', '--role', 'town', '--scope', TOWN, '--password-file', pw]);
  tb(db, ['user', 'add', 'leader', '--role', 'leader', '--password-file', pw]);
  rmSync(pw);
  const proc = spawn(BIN, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--set', `static_dir=${DIST}`, '--set', 'rate_login=1000',
    // every browser context of the run comes from 127.0.0.1: allow them all
    '--set', 'per_ip_connections=512', '--set', 'rate_read=1000000',
    '--set', `access_log=${join(dir, 'access.log')}`, ...settings.flatMap((kv) => ['--set', kv])], {
    env: { ...process.env, TIANBAO_LOG: 'warn', TIANBAO_PWHASH_FAST: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('server did not start in 60 s: ' + out + stderr)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited (${code}): ${out}${stderr}`)); });
  });
  proc.removeAllListeners('exit');
  const base = `http://127.0.0.1:${port}`;
  return {
    base, db, dir, proc,
    stderr: () => stderr,
    /** Stops the server; fails when a sanitizer reported an error in it. */
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((ok) => { const t = setTimeout(() => { proc.kill('SIGKILL'); ok(); }, 20000); proc.on('exit', () => { clearTimeout(t); ok(); }); });
      }
      rmSync(dir, { recursive: true, force: true });
      const bad = stderr.split('\n').filter((l) => /ERROR: AddressSanitizer|runtime error:/.test(l));
      if (bad.length) throw new Error('the server reported sanitizer errors:\n' + stderr.slice(0, 4000));
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.TB_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--lang=zh-CN'],
  });
}

/** A page that fails the test on any request leaving the machine, and
 * collects console errors. */
export async function newPage(browser, base, { width = 1440, height = 900, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale, deviceScaleFactor: 1 });
  const page = await context.newPage();
  // generous: under AddressSanitizer and a parallel `make check` the server is slow
  page.setDefaultTimeout(90000);
  page.external = [];
  page.errors = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(base) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    page.external.push(u);
    return route.abort();
  });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return page;
}

export async function login(page, base, user, password = PASSWORD) {
  await page.goto(base + '/#/login');
  await page.locator('#login-user').fill(user);
  await page.locator('#login-pass').fill(password);
  await page.locator('[data-testid=login-submit]').click();
  await page.locator('header.topbar').waitFor();
}

/** Waits until the one-map has rendered parcels and the tiles are idle. */
export async function waitForMap(page, min = 1) {
  await page.waitForFunction((n) => window.tb && window.tb.renderedParcels().length >= n, min, { timeout: 90000 });
  await page.waitForFunction(() => new Promise((ok) => {
    const m = window.tb.map;
    if (!m.getView().getAnimating() && m.getLoadingOrNotReady && !m.getLoadingOrNotReady()) return ok(true);
    m.once('rendercomplete', () => ok(true));
    m.render();
  }), null, { timeout: 90000 });
}

export async function shot(page, name, { docs } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file });
  // the README's pictures: written when missing or when TB_DOCS_IMG=1, so that
  // an ordinary test run leaves the work tree clean
  const target = docs && join(SRC, 'docs', 'img', docs);
  if (docs && (process.env.TB_DOCS_IMG === '1' || !existsSync(target))) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  return file;
}

/** JSON API call from Node with a cookie session (for checks beside the UI). */
export async function apiSession(base, user, password = PASSWORD) {
  const r = await fetch(base + '/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: user, password }) });
  if (r.status !== 200) throw new Error('login failed: ' + r.status);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  const { csrf } = await r.json();
  const call = async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return { get: (p) => call('GET', p), call };
}
