// alerts_panel.js — the monitoring panel of the dashboard (§3.1.3): open
// alerts by status, confirmed loss, today's highest fire-danger level,
// recent warnings; a link to the monitoring view.  null when the
// monitoring endpoints are not there (the dashboard then shows nothing).
import './monitor.css';
import { h } from '../dom.js';
import { t, fmt, fmtTime, getLang, getSchema } from '../i18n.js';
import { softGet, itemsOf, STATUSES, STATUS_COLOURS, statusLabel, levelBadge, levelColour, today, groupNotes, recipientsNote } from './monitor_common.js';

export async function alertsPanel() {
  // only what the server describes (no 404s in the console before the parts land)
  const res = getSchema().resources || {};
  if (!res.alerts) return null;
  const [summary, danger] = await Promise.all([softGet('/api/monitor/summary'),
    res.weather ? softGet('/api/fire/danger?date=' + today()) : null]);
  if (!summary || !summary.alerts) return null;
  const a = summary.alerts;
  const open = (a.new || 0) + (a.assigned || 0) + (a.verified || 0);
  const fire = itemsOf(danger);
  const top = fire.length ? fire.reduce((m, r) => (Number(r.level) > Number(m.level) ? r : m), fire[0]) : null;
  const warnings = groupNotes(Array.isArray(summary.warnings) ? summary.warnings : itemsOf(summary.warnings)).slice(0, 6);
  const id = 'card-monitor';
  return h('section.card.mon-panel', { 'aria-labelledby': id, 'data-testid': 'monitor-panel' },
    h('h2', { id }, t('mon.panel'), ' ', h('a.mon-more', { href: '#/alerts?tab=alerts', 'data-testid': 'monitor-link' }, t('mon.panelMore'), ' ›')),
    h('div.mon-panelgrid',
      h('div',
        h('p.mon-open', t('mon.openAlerts'), ' ', h('strong', { 'data-testid': 'panel-open' }, fmt(open, 0))),
        h('ul.mon-statuses', { 'data-testid': 'panel-statuses' }, STATUSES.map((st) => h('li', { 'data-status': st },
          h('a', { href: '#/alerts?tab=alerts&status=' + st },
            h('span.swatch', { style: { background: STATUS_COLOURS[st] }, 'aria-hidden': 'true' }),
            h('span', statusLabel(st)), h('strong', { 'data-count': st }, fmt(a[st] || 0, 0)))))),
        h('p', t('mon.confirmedLoss'), ': ', h('strong', { 'data-testid': 'panel-loss' }, fmt(a.confirmed_loss_ha || 0, 2)), ' ', t('unit.ha'))),
      h('div', { 'data-testid': 'panel-fire' },
        h('p.mon-sub', t('mon.fireToday')),
        top ? [h('p', levelBadge(top)), h('p.muted.mon-small', top.name || top.station, ' · FWI ', fmt(top.fwi, 1))]
          : h('p.muted', danger ? t('mon.noWeather') : t('mon.notAvailableShort')),
        h('a', { href: '#/alerts?tab=fire' }, t('mon.tab.fire'), ' ›'))),
    h('h3', t('mon.recentWarnings')),
    warnings.length
      ? h('ul.mon-notes', { 'data-testid': 'panel-warnings' }, warnings.map((n) => h('li', { 'data-level': n.level },
        h('span.mon-nlevel', { style: { background: levelColour(Number(n.level)) }, 'aria-hidden': 'true' }),
        h('span', (getLang() === 'en' ? n.text_en : n.text_zh) || n.text_zh || n.text_en, recipientsNote(n)),
        h('time.muted', { datetime: n.sent_at || n.created_at }, fmtTime(n.sent_at || n.created_at)))))
      : h('p.muted', t('mon.noWarnings')));
}
