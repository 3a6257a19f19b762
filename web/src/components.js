// components.js — pieces shared by the map panel and the registry pages.
import { h } from './dom.js';
import { t, fields, fieldLabel, display, fmt, fmtTime, MU_PER_HA, resourceLabel, getLang, codeLabel } from './i18n.js';

/** The attributes of a parcel as a definition list (labels from the schema). */
export function attributeList(row, { compact = false } = {}) {
  const dl = h('dl.attrs', { 'data-testid': 'parcel-attrs' });
  const area = row.area_ha;
  dl.append(h('div.attr.wide', h('dt', fieldLabel('parcels', 'area_ha')),
    h('dd', { 'data-field': 'area_ha' }, h('strong', fmt(area, 4)), ' ', t('unit.ha'), h('span.muted', ' · ', fmt(area * MU_PER_HA, 2), ' ', t('unit.mu')))));
  for (const f of fields('parcels')) {
    if (f.name === 'area_ha' || f.name === 'code' || f.name === 'extra') continue;
    if (compact && ['xian', 'status', 'gjgyl_bhdj', 'mei_gq_zs'].includes(f.name)) continue;
    let v = display('parcels', f.name, row[f.name]);
    if (f.unit && row[f.name] != null && f.unit !== 'ha') v += ' ' + f.unit;
    if (f.unit === 'ha' && row[f.name] != null) v += ' ' + t('unit.ha');
    dl.append(h('div.attr', h('dt', fieldLabel('parcels', f.name)), h('dd', { 'data-field': f.name }, v)));
  }
  // a bureau's own columns (备注 BEI_ZHU …), kept by the import under their names
  const extra = row.extra && typeof row.extra === 'object' ? row.extra : {};
  for (const [k, v] of Object.entries(extra)) {
    const shown = v == null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    dl.append(h('div.attr.extra', { title: fieldLabel('parcels', 'extra') },
      h('dt', k), h('dd', { 'data-field': 'extra.' + k }, shown)));
  }
  return dl;
}

function actionLabel(ev) {
  const [entity, verb] = String(ev.action || '').split('.');
  const key = 'action.' + ev.action;
  const direct = t(key);
  if (direct !== key) return direct;
  const vk = 'verb.' + verb;
  const v = t(vk);
  return (entity ? resourceLabel(entity) : '') + (v !== vk ? (getLang() === 'en' ? ' ' : '') + v : ' ' + (verb || ''));
}

/** The archive (档案) timeline: one entry per event, with before → after. */
export function archiveTimeline(archive) {
  const events = (archive && archive.events) || [];
  if (!events.length) return h('p.muted', t('archive.empty'));
  const ol = h('ol.timeline', { 'data-testid': 'archive' });
  for (const ev of [...events].reverse()) {
    const p = ev.payload || {};
    const changes = [];
    if (p.before || p.after) {
      const keys = new Set([...Object.keys(p.before || {}), ...Object.keys(p.after || {})]);
      for (const k of keys) {
        if (['version', 'updated_at', 'created_at'].includes(k)) continue;
        changes.push(h('li', h('span.fname', fieldLabel('parcels', k)), ': ',
          h('del', display('parcels', k, p.before?.[k])), ' → ', h('ins', display('parcels', k, p.after?.[k]))));
      }
    }
    ol.append(h('li.event', { 'data-seq': ev.seq },
      h('div.evhead', h('span.evaction', actionLabel(ev)), h('time', { datetime: ev.time }, fmtTime(ev.time))),
      h('div.evwho.muted', t('archive.by', { actor: ev.actor || '—', role: ev.role ? codeLabel('role', ev.role) : '' }), ' · #', ev.seq),
      changes.length > 12 ? h('p.muted', t('archive.fields', { n: changes.length })) : changes.length ? h('ul.changes', changes) : null,
      p.cause ? h('p.muted', p.cause) : null));
  }
  return ol;
}

export function spinner(label) {
  return h('p.loading', { role: 'status' }, h('span.spin', { 'aria-hidden': 'true' }), label || t('loading'));
}

export function pageHeader(title, ...extra) {
  return h('div.pagehead', h('h1', title), extra.length ? h('div.pageactions', extra) : null);
}
