// dashboard.js — natural-forest area against the target (§2), by town, unit,
// restoration class and age group; recent events; counts.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmt, fmtTime, codeLabel, resourceLabel, nameOf } from '../i18n.js';
import { barChart, donut } from '../charts.js';
import { spinner, pageHeader } from '../components.js';
import { alertsPanel } from './alerts_panel.js';
import { VERDICTS, verdictBadge } from './applications.js';

const CLASS_COLOURS = { 1: '#2e7d32', 2: '#9ccc65', 3: '#c49a45' };
const AGE_COLOURS = { 1: '#d9f0a3', 2: '#addd8e', 3: '#78c679', 4: '#31a354', 5: '#006837' };

export async function renderDashboard(main, ctx) {
  main.classList.add('page');
  main.append(pageHeader(t('dash.title'), h('span.muted', ctx.config?.district?.name || '')));
  const body = h('div.dash');
  main.append(body);
  body.append(spinner());
  const [stats, events, zones, all] = await Promise.all([
    api.get('/api/stats'),
    api.get('/api/events?limit=60').catch((e) => ({ error: e })),
    api.get('/api/zones?limit=1').catch(() => null),
    api.get('/api/parcels?limit=1').catch(() => null),
  ]);
  clear(body);
  const target = stats.target_ha ?? ctx.config?.target_ha ?? 5565.1;
  const pct = stats.percent_of_target ?? (stats.natural_forest_ha / target) * 100;
  const diff = stats.difference_ha ?? stats.natural_forest_ha - target;
  const ok = diff >= -0.00005;
  const scoped = !ctx.districtWide();

  // KPI row
  const bar = h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(Math.min(pct, 100)), 'aria-label': t('dash.ofTarget') },
    h('span', { style: { width: Math.min(pct, 100) + '%' } }));
  body.append(h('section.kpis', { 'aria-label': t('dash.kpis') },
    h('div.kpi.hero', { 'data-testid': 'kpi-natural' },
      h('span.kpilabel', t('dash.natural')),
      h('span.kpival', fmt(stats.natural_forest_ha, 1), h('small', ' ', t('unit.ha'))),
      h('span.kpisub', t('dash.mu', { mu: fmt(stats.natural_forest_ha * 15, 0) })),
      bar,
      h('span.kpisub', t('dash.pctOf', { pct: fmt(pct, 1), target: fmt(target, 1) }))),
    h('div.kpi', h('span.kpilabel', t('dash.target')), h('span.kpival', fmt(target, 1), h('small', ' ', t('unit.ha'))), h('span.kpisub', t('dash.targetNote'))),
    h('div.kpi', { class: ok ? 'good' : 'bad' }, h('span.kpilabel', t('dash.diff')), h('span.kpival', (diff > 0 ? '+' : '') + fmt(diff, 4), h('small', ' ', t('unit.ha'))),
      h('span.kpisub', ok ? t('dash.diffOk') : t('dash.diffBad'))),
    h('div.kpi', h('span.kpilabel', t('dash.keyzone')), h('span.kpival', fmt(stats.key_zone?.inside_ha, 1), h('small', ' ', t('unit.ha'))),
      h('span.kpisub', t('dash.keyzoneOut', { ha: fmt(stats.key_zone?.outside_ha, 1) }))),
    h('div.kpi', h('span.kpilabel', t('dash.counts')),
      h('ul.counts', { 'data-testid': 'counts' },
        h('li', h('span', t('dash.naturalParcels')), h('strong', fmt(stats.natural_parcels, 0))),
        h('li', h('span', t('dash.allParcels')), h('strong', fmt(all?.total ?? stats.all_parcels, 0))),
        h('li', h('span', resourceLabel('zones')), h('strong', zones ? fmt(zones.total, 0) : '—')),
        h('li', h('span', t('dash.openItems')), h('strong', fmt(stats.open_items ?? 0, 0))))),
  ));
  const mine = scoped ? String(ctx.session.scope).split(',') : [];
  if (scoped) {
    const own = (stats.by_town || []).filter((x) => mine.includes(x.code));
    const ha = own.reduce((a, b) => a + b.ha, 0), n = own.reduce((a, b) => a + b.parcels, 0);
    const statsScoped = (stats.by_town || []).every((x) => mine.includes(x.code)); // the server already cut the figures
    body.append(h('p.alert.info', { 'data-testid': 'own-share' }, t(statsScoped ? 'dash.scopedOnly' : 'dash.scoped', { scope: mine.map(nameOf).join('、'), ha: fmt(ha, 1), mu: fmt(ha * 15, 0), n, pct: fmt((ha / (stats.natural_forest_ha || 1)) * 100, 1) })));
  }
  // use control (§3.2): approved natural-forest losses against the target, pending applications
  const control = ctx.schema?.resources?.applications ? await controlCard(target).catch(() => null) : null;
  if (control) body.append(control);
  if (stats.ledger_consistent === false) body.append(h('p.alert.error', { role: 'alert' }, t('dash.ledgerBad', { ha: fmt(stats.ledger_ha, 4) })));

  const byTown = (stats.by_town || []).map((x) => ({ label: x.name || nameOf(x.code), value: x.ha, note: t('dash.nParcels', { n: x.parcels }), color: mine.includes(x.code) ? '#c77d0a' : undefined }));
  const byClass = (stats.by_class || []).map((x) => ({ label: codeLabel('restoration_class', x.code) || x.name, value: x.ha, color: CLASS_COLOURS[x.code] || '#999' }));
  const byAge = (stats.by_age_group || []).map((x) => ({ label: x.code ? codeLabel('ling_zu', x.code) : t('dash.noAge'), value: x.ha, color: AGE_COLOURS[x.code] || '#c8c8c0' }));
  const units = stats.by_unit || [];
  const topUnits = units.slice(0, 10).map((x) => ({ label: x.name || nameOf(x.code), value: x.ha, note: t('dash.nParcels', { n: x.parcels }) }));
  const restUnits = units.slice(10).reduce((a, b) => a + b.ha, 0);
  const unitNote = restUnits > 0 ? t('dash.otherUnits', { n: units.length - 10, ha: fmt(restUnits, 1) }) : '';
  const byOrigin = (stats.by_origin || []).map((x, i) => ({ label: codeLabel('qi_yuan', x.code) || x.name, value: x.ha, color: ['#1b5e20', '#66bb6a', '#a5d6a7', '#c8e6c9'][i % 4] }));

  body.append(h('div.grid2',
    card(t('dash.byTown'), barChart(byTown, { unit: t('unit.ha'), title: t('dash.byTown') }), 'chart-town'),
    card(t('dash.byClass'), donut(byClass, { unit: t('unit.ha'), title: t('dash.byClass'), centre: fmt(stats.natural_forest_ha, 0), centreSub: t('unit.ha') }), 'chart-class'),
    card(t('dash.byUnit'), barChart(topUnits, { unit: t('unit.ha'), title: t('dash.byUnit'), color: '#3b7a57', note: unitNote }), 'chart-unit'),
    card(t('dash.byAge'), donut(byAge, { unit: t('unit.ha'), title: t('dash.byAge'), centre: String((stats.by_age_group || []).reduce((a, b) => a + (b.parcels || 0), 0)), centreSub: t('dash.parcelsWord') }), 'chart-age'),
    card(t('dash.byOrigin'), donut(byOrigin, { unit: t('unit.ha'), title: t('dash.byOrigin'), centre: fmt(stats.natural_forest_ha, 0), centreSub: t('unit.ha') }), 'chart-origin'),
    card(t('dash.events'), eventsList(events), 'events')));
  // monitoring and early warning (§3.1.3): open alerts, fire danger, warnings
  const panel = await alertsPanel(ctx).catch(() => null);
  if (panel) body.append(panel);
}

function card(title, content, testid) {
  const id = 'card-' + testid;
  return h('section.card', { 'aria-labelledby': id, 'data-testid': testid }, h('h2', { id }, title), content);
}

function eventsList(ev) {
  if (ev.error) return h('p.muted', t('dash.eventsUnavailable'), ' (', ev.error.message, ')');
  // logins and logouts are in the log too, but the dashboard shows the work
  const items = (ev.items || []).filter((e) => !String(e.action).startsWith('session.')).slice(0, 15);
  if (!items.length) return h('p.muted', t('dash.noEvents'));
  return h('ol.eventlist', items.map((e) => {
    const [entity, verb] = String(e.action).split('.');
    const ak = 'action.' + e.action, vk = 'verb.' + verb;
    const label = t(ak) !== ak ? t(ak) : (resourceLabel(entity) + (t(vk) !== vk ? t(vk) : ' ' + (verb || '')));
    const target = e.entity_id ? String(e.entity_id) : '';
    return h('li', h('time', { datetime: e.time }, fmtTime(e.time)),
      h('span.evlabel', label, target ? h('span.muted', ' ', target) : null),
      h('span.evactor.muted', e.actor, ' · ', codeLabel('role', e.role) || e.role));
  }));
}

/** Use control (§3.2): the natural forest left after the approved losses
 * (approval shrinks the parcels and books the loss in the area ledger)
 * against the target (§2), and what the pending applications could take. */
async function controlCard(targetHa) {
  const s = await api.get('/api/control/summary');
  const target = s.target_ha ?? targetHa;
  const loss = s.approved_loss_ha ?? 0;
  const now = s.natural_forest_ha ?? 0;
  const diff = s.difference_ha ?? now - target;
  const below = diff < -0.00005;
  const pct = s.percent_of_target ?? (target ? (now / target) * 100 : 0);
  const count = (x) => (typeof x === 'number' ? x : x?.count ?? 0);
  const pendingHa = s.pending?.natural_forest_ha ?? 0;
  return h('section.card.ctlcard', { 'aria-labelledby': 'card-control', 'data-testid': 'control-card' },
    h('h2', { id: 'card-control' }, t('ctl.dash.title')),
    h('div.kpis.small',
      h('div.kpi', { 'data-testid': 'ctl-loss' }, h('span.kpilabel', t('ctl.dash.loss')), h('span.kpival', fmt(loss, 4), h('small', ' ', t('unit.ha'))),
        h('span.kpisub', t('ctl.mu', { mu: fmt(loss * 15, 1) }))),
      h('div.kpi', { 'data-testid': 'ctl-after', class: below ? 'bad' : 'good' }, h('span.kpilabel', t('ctl.dash.after')),
        h('span.kpival', fmt(now, 4), h('small', ' ', t('unit.ha'))),
        h('span.kpisub', t('ctl.dash.vsTarget', { target: fmt(target, 1), diff: (diff > 0 ? '+' : '') + fmt(diff, 4) })),
        h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(Math.min(pct, 100)), 'aria-label': t('ctl.dash.after') },
          h('span', { style: { width: Math.min(pct, 100) + '%' } })),
        h('span.kpisub', below ? t('ctl.dash.belowTarget') : t('ctl.dash.keep'))),
      h('div.kpi', { 'data-testid': 'ctl-pending' }, h('span.kpilabel', t('ctl.pending')),
        h('span.kpival', fmt(s.pending?.count ?? 0, 0), h('small', ' ', t('ctl.dash.items'))),
        h('span.kpisub', t('ctl.pendingHa', { ha: fmt(pendingHa, 4) })),
        s.after_pending_ha != null ? h('span.kpisub', t('ctl.dash.ifAll', { ha: fmt(s.after_pending_ha, 4) })) : null)),
    s.by_verdict ? h('ul.ctlverdicts', { 'aria-label': t('ctl.dash.byVerdict') },
      VERDICTS.map((v) => h('li', { 'data-verdict': v }, verdictBadge(v), ' ', fmt(count(s.by_verdict[v]), 0)))) : null,
    h('a.btn', { href: '#/applications' }, t('ctl.dash.open')));
}
