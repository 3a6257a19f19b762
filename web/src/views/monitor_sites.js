// monitor_sites.js — the monitoring station and points with their sample
// plots and the latest survey's indicators (§3.3.3), and the caller's
// notifications (通知) of the monitoring view.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmt, fmtTime, nameOf, getLang, codeLabel } from '../i18n.js';
import { spinner } from '../components.js';
import { tryGet, itemsOf, levelColour, notAvailable } from './monitor_common.js';

const IND = [['stems_ha', 0, 'mon.ind.stems'], ['basal_area_m2_ha', 2, 'mon.ind.ba'], ['mean_dbh_cm', 1, 'mon.ind.dbh'],
  ['qmd_cm', 1, 'mon.ind.qmd'], ['shannon', 3, 'mon.ind.shannon'], ['volume_m3_ha', 1, 'mon.ind.volume']];

const text = (v) => (v == null || v === '' ? '—' : Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? x.name || x.item || JSON.stringify(x) : x)).join('、')
  : typeof v === 'object' ? Object.entries(v).map(([k, x]) => `${k}: ${x}`).join('、') : String(v));

export async function renderSites(body, ctx) {
  const box = h('div.mon-sites', { 'aria-live': 'polite' }, spinner());
  body.append(box);
  let sites;
  try { sites = await tryGet('/api/monitor_sites?limit=100&sort=code'); } catch (e) { clear(box).append(h('p.alert.error', { role: 'alert' }, e.message)); return; }
  clear(box);
  if (!sites) { box.append(notAvailable(t('mon.tab.sites'))); return; }
  const list = itemsOf(sites).sort((a, b) => (a.kind === 'station' ? -1 : 0) - (b.kind === 'station' ? -1 : 0));
  const nStations = list.filter((s) => s.kind === 'station').length;
  box.append(h('p.tablemeta', { 'data-testid': 'sites-total' }, t('mon.sitesCount', { stations: nStations, points: list.length - nStations })));
  box.append(h('div.mon-cards', list.map((s) => h('section.card.mon-site', { 'data-code': s.code, 'data-kind': s.kind, 'data-testid': 'site' },
    h('h2', s.name || s.code, ' ', h('span.mon-kind', s.kind === 'station' ? t('mon.station') : t('mon.point'))),
    h('dl.attrs.mon-attrs',
      h('div.attr', h('dt', t('mon.code')), h('dd', s.code)),
      s.town_code ? h('div.attr', h('dt', t('mon.col.town_code')), h('dd', nameOf(s.town_code))) : null,
      s.address ? h('div.attr', h('dt', t('mon.address')), h('dd', s.address)) : null,
      h('div.attr', h('dt', t('mon.housing')), h('dd', { 'data-field': 'housing' }, s.housing_m2 != null ? `${fmt(s.housing_m2, 0)} m²` : '', s.housing_m2 != null && s.housing ? ' · ' : '', s.housing ? text(s.housing) : s.housing_m2 == null ? '—' : '')),
      h('div.attr', h('dt', t('mon.equipment')), h('dd', { 'data-field': 'equipment' }, text(s.equipment))),
      h('div.attr', h('dt', t('mon.staff')), h('dd', { 'data-field': 'staff' }, s.staff_count != null ? t('mon.people', { n: s.staff_count }) : '', s.staff_count != null && s.staff ? ' · ' : '', s.staff ? text(s.staff) : s.staff_count == null ? '—' : '')),
      s.established ? h('div.attr', h('dt', t('mon.established')), h('dd', s.established)) : null)))));

  const plots = itemsOf(await tryGet('/api/plots?limit=1000&sort=code').catch(() => null));
  const card = h('section.card', { 'data-testid': 'plots' }, h('h2', t('mon.plots')));
  box.append(card);
  if (!plots.length) { card.append(h('p.muted', t('mon.noneYet'))); return; }
  card.append(spinner());
  const latest = await Promise.all(plots.map(async (p) => {
    try {
      const sv = itemsOf(await api.get('/api/plot_surveys' + api.qs({ plot_code: p.code, sort: '-date', limit: 1 })))[0];
      if (!sv) return null;
      const ind = await api.get(`/api/plot_surveys/${encodeURIComponent(sv.id ?? sv.fid)}/indicators`).catch(() => null);
      return { survey: sv, ind };
    } catch { return null; }
  }));
  clear(card).append(h('h2', t('mon.plots')));
  card.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('mon.plots') },
    h('table.grid.mon-table', { 'data-testid': 'plots-table' },
      h('thead', h('tr', h('th', { scope: 'col' }, t('mon.plot')), h('th', { scope: 'col' }, t('mon.site')), h('th', { scope: 'col' }, t('mon.surveyDate')),
        IND.map(([, , k]) => h('th.num', { scope: 'col' }, t(k))))),
      h('tbody', plots.map((p, i) => {
        const l = latest[i];
        const ind = l?.ind || {};
        return h('tr', { 'data-plot': p.code },
          h('th', { scope: 'row' }, p.name ? `${p.name} ` : '', h('span.muted', p.code)),
          h('td', p.site_code ? (list.find((s) => s.code === p.site_code)?.name || p.site_code) : '—'),
          h('td', l ? (l.survey.date || l.survey.survey_date || '—') : t('mon.noSurvey')),
          IND.map(([k, d]) => h('td.num', { 'data-ind': k }, ind[k] != null ? fmt(ind[k], d) : '—')));
      })))));
  const species = latest.find((l) => l?.ind?.species?.length);
  if (species) {
    card.append(h('h3', t('mon.speciesOf', { plot: species.survey.plot_code || '' })),
      h('ul.mon-species', species.ind.species.slice(0, 12).map((sp) => h('li', sp.name || (sp.species ? codeLabel('you_shi_sz', sp.species) : sp.code), h('span.muted', ' ',
        sp.stems_ha != null ? `${fmt(sp.stems_ha, 0)} ${t('mon.perHa')}` : '', sp.share != null ? ` · ${fmt(sp.share * 100, 1)}%` : '')))));
  }
}

export async function renderNotices(body) {
  const box = h('div.mon-notices', { 'aria-live': 'polite' }, spinner());
  body.append(box);
  let data;
  try { data = await tryGet('/api/notifications?limit=100'); } catch (e) { clear(box).append(h('p.alert.error', { role: 'alert' }, e.message)); return; }
  clear(box);
  if (!data) { box.append(notAvailable(t('mon.tab.notices'))); return; }
  const items = itemsOf(data);
  const unread = items.filter((n) => !n.read_at).length;
  box.append(h('p.tablemeta', { 'data-testid': 'notices-total' }, t('mon.noticesCount', { n: items.length, unread })));
  if (!items.length) { box.append(h('p.muted.empty', t('mon.noNotices'))); return; }
  box.append(h('ul.mon-notelist', { 'data-testid': 'notices' }, items.map((n) => {
    const btn = n.read_at ? null : h('button.btn.small', {
      type: 'button', 'data-testid': 'notice-read',
      onclick: async () => {
        btn.disabled = true;
        try {
          await api.request('POST', `/api/notifications/${encodeURIComponent(n.id ?? n.fid)}/read`);
          li.classList.replace('unread', 'read');
          btn.replaceWith(h('span.muted', t('mon.read')));
          const left = box.querySelectorAll('li.unread').length;
          box.querySelector('[data-testid=notices-total]').textContent = t('mon.noticesCount', { n: items.length, unread: left });
        } catch (e) { btn.disabled = false; btn.title = e.message; }
      },
    }, t('mon.markRead'));
    const li = h('li', { class: n.read_at ? 'read' : 'unread', 'data-id': n.id ?? n.fid, 'data-kind': n.kind },
      h('span.mon-nlevel', { style: { background: levelColour(Number(n.level)) }, title: t('mon.levelN', { n: n.level ?? '—' }) }),
      h('div.mon-ntext',
        h('strong', kindLabel(n.kind)), ' ',
        h('span', (getLang() === 'en' ? n.text_en : n.text_zh) || n.text_zh || n.text_en),
        h('div.muted.mon-small', h('time', { datetime: n.sent_at || n.created_at }, fmtTime(n.sent_at || n.created_at)), n.ref ? refLink(n.ref) : null)),
      btn || h('span.muted', t('mon.read')));
    return li;
  })));
}

function kindLabel(k) {
  const key = 'mon.kind.' + k;
  const v = t(key);
  return v === key ? codeLabel('notification_kind', k) || k : v;
}
function refLink(ref) {
  const m = /^alerts\/(\d+)$/.exec(String(ref));
  if (m) return [' · ', h('a', { href: `#/alerts?tab=alerts&id=${m[1]}` }, t('mon.openAlert'))];
  return [' · ', String(ref)];
}
