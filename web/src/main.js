// main.js — the app shell: session, role-based navigation, hash routing
// (#/map, #/dashboard, #/parcels, #/parcels/123, #/import), language switch.
import './app.css';
import * as api from './api.js';
import { h, clear } from './dom.js';
import { t, initLang, setLang, getLang, onLang, setSchema, setNames, codeLabel } from './i18n.js';
import { renderLogin } from './views/login.js';
import { renderMap } from './views/map.js';
import { renderDashboard } from './views/dashboard.js';
import { renderParcels } from './views/parcels.js';
import { renderParcel } from './views/parcel.js';
import { renderImport } from './views/import.js';
import { renderApplications } from './views/applications.js';
import { renderAlerts } from './views/alerts.js';
import { renderCases } from './views/cases.js';

const STAFF = ['admin', 'bureau', 'leader', 'town', 'unit', 'ranger', 'department'];
export const ctx = {
  session: null, config: null, schema: null, towns: [], villages: [], units: [],
  canEdit() { return ['admin', 'bureau', 'town', 'unit'].includes(this.session?.role); },
  canImport() { return ['admin', 'bureau'].includes(this.session?.role); },
  isStaff() { return STAFF.includes(this.session?.role); },
  districtWide() { return !this.session?.scope; },
};

const VIEWS = [
  { id: 'map', key: 'nav.map', icon: '◰', render: renderMap, allowed: () => true },
  { id: 'dashboard', key: 'nav.dashboard', icon: '▥', render: renderDashboard, allowed: () => true },
  { id: 'parcels', key: 'nav.parcels', icon: '☰', render: renderParcels, allowed: () => true },
  { id: 'applications', key: 'nav.applications', icon: '✎', render: renderApplications, allowed: () => true },
  { id: 'alerts', key: 'nav.alerts', icon: '⚠', render: renderAlerts, allowed: () => true },
  { id: 'cases', key: 'nav.cases', icon: '⚖', render: renderCases, allowed: () => ctx.session?.role !== 'ranger' },
  { id: 'import', key: 'nav.import', icon: '⇪', render: renderImport, allowed: () => ctx.canImport() },
];

let cleanup = null;
let root;

function parseHash() {
  const parts = (location.hash.replace(/^#\/?/, '') || '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  return { view: parts[0] || '', id: parts[1] || null, query };
}

function defaultView() {
  return ['leader', 'department'].includes(ctx.session?.role) ? 'dashboard' : 'map';
}

async function loadCommon() {
  const [schema, config] = await Promise.all([api.get('/api/schema'), api.get('/api/config').catch(() => null)]);
  ctx.schema = schema;
  ctx.config = config;
  setSchema(schema);
  if (!ctx.isStaff()) return;
  try {
    const [divs, units] = await Promise.all([
      api.get('/api/divisions?limit=5000&sort=code'),
      api.get('/api/units?limit=5000').catch(() => ({ items: [] })),
    ]);
    ctx.towns = divs.items.filter((d) => d.level === 'town');
    ctx.villages = divs.items.filter((d) => d.level === 'village');
    ctx.district = divs.items.find((d) => d.level === 'district');
    ctx.units = units.items;
    setNames(divs.items.map((d) => [d.code, d.name]));
    setNames(units.items.map((u) => [u.code, u.name]));
  } catch (e) {
    console.warn('divisions', e);
  }
}

function shell(activeId) {
  const s = ctx.session;
  const nav = h('nav.mainnav', { 'aria-label': t('nav.label') },
    h('ul', VIEWS.filter((v) => v.allowed()).map((v) =>
      h('li', h('a', { href: '#/' + v.id, 'aria-current': v.id === activeId ? 'page' : null, 'data-nav': v.id },
        h('span.navicon', { 'aria-hidden': 'true' }, v.icon), h('span.navtext', t(v.key)))))));
  const langBtn = h('button.btn.ghost.lang', {
    type: 'button', 'data-testid': 'lang-switch', lang: getLang() === 'zh' ? 'en' : 'zh',
    title: t('lang.switch'), onclick: () => setLang(getLang() === 'zh' ? 'en' : 'zh'),
  }, getLang() === 'zh' ? 'English' : '中文');
  const district = ctx.config?.district?.name || '';
  const header = h('header.topbar',
    h('a.brand', { href: '#/' + defaultView() },
      h('img', { src: 'favicon.svg', alt: '', width: 28, height: 28 }),
      h('span.brandtext', h('strong', t('app.name')), h('small', (district ? district + ' · ' : '') + t('app.subtitle')))),
    nav,
    h('div.tools', langBtn,
      s && s.login ? h('span.user', { title: t('user.role') },
        h('span.login', s.login), h('span.role', codeLabel('role', s.role) || s.role)) : null,
      s && s.login ? h('button.btn.ghost', { type: 'button', 'data-testid': 'logout', onclick: doLogout }, t('user.logout')) : null));
  const main = h('main#main', { id: 'main', tabindex: '-1' });
  return { header, main };
}

async function doLogout() {
  try { await api.logout(); } catch { /* session gone already */ }
  ctx.session = null;
  location.hash = '#/login';
  route();
}

export async function route() {
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const { view, id, query } = parseHash();
  const skip = document.querySelector('.skip');
  if (skip) skip.textContent = t('a11y.skip');
  document.title = t('app.title');
  if (!ctx.isStaff() || view === 'login') {
    if (ctx.isStaff() && view === 'login') { location.replace('#/' + defaultView()); return; }
    clear(root);
    const main = h('main#main.loginmain', { id: 'main', tabindex: '-1' });
    root.append(main);
    renderLogin(main, ctx, async (sess) => {
      ctx.session = sess;
      await loadCommon();
      const want = sessionStorage.getItem('tb.after') || '';
      sessionStorage.removeItem('tb.after');
      location.hash = want && !want.startsWith('#/login') ? want : '#/' + defaultView();
      if (want === location.hash) route();
    });
    return;
  }
  let v = VIEWS.find((x) => x.id === view);
  if (!v || !v.allowed()) { location.replace('#/' + defaultView()); return; }
  const { header, main } = shell(v.id);
  clear(root);
  root.append(header, main);
  document.body.dataset.view = v.id;
  const render = v.id === 'parcels' && id ? renderParcel : v.render;
  try {
    cleanup = await render(main, ctx, { id, query }) || null;
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) { ctx.session = null; route(); return; }
    main.append(h('div.alert.error', { role: 'alert' }, t('error.load'), ' ', e.message));
  }
}

async function start() {
  root = document.getElementById('app');
  initLang('zh');
  try {
    ctx.session = await api.session();
  } catch { ctx.session = { role: 'public' }; }
  try {
    await loadCommon();
  } catch (e) {
    clear(root).append(h('div.alert.error', { role: 'alert' }, t('error.server'), ' ', e.message));
    return;
  }
  if (ctx.config?.lang_default) {
    let saved = null;
    try { saved = localStorage.getItem('tb.lang'); } catch { /* ignore */ }
    if (!saved) setLang(ctx.config.lang_default, false);
  }
  if (!ctx.isStaff() && location.hash && !location.hash.startsWith('#/login')) sessionStorage.setItem('tb.after', location.hash);
  window.addEventListener('hashchange', route);
  onLang(() => route());
  route();
}

start();
