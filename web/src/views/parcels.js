// parcels.js — the parcel registry (小班台账): filters, sorting, paging, export.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fields, field, fieldLabel, display, codeList, codeLabel, fmt, nameOf, MU_PER_HA } from '../i18n.js';
import { spinner, pageHeader } from '../components.js';

const COLUMNS = ['code', 'xiang', 'cun', 'lin_ban', 'xiao_ban', 'di_lei', 'qi_yuan', 'you_shi_sz', 'ling_zu', 'yu_bi_du', 'area_ha', 'key_zone_ha', 'restoration_class'];
const PRIMARY = ['di_lei', 'qi_yuan', 'ling_zu', 'restoration_class'];
export const EXPORTS = [['gpkg', 'export.gpkg'], ['shapefile', 'export.shapefile'], ['geojson', 'export.geojson'], ['csv', 'export.csv']];

export function exportButtons(layer = 'parcels') {
  return h('div.exportbar', { role: 'group', 'aria-label': t('export.title') },
    h('span.exportlabel', t('export.title')),
    EXPORTS.map(([fmtId, key]) => h('a.btn.small', { href: api.exportUrl(layer, fmtId), download: '', 'data-format': fmtId }, t(key))));
}

export async function renderParcels(main, ctx, { query }) {
  main.classList.add('page');
  const q = Object.fromEntries(query.entries());
  const limit = Number(q.limit) || 50;
  const offset = Number(q.offset) || 0;
  const sort = q.sort || 'code';
  main.append(pageHeader(t('parcels.title'), exportButtons('parcels')));

  const setQ = (changes) => {
    const next = { ...q, ...changes };
    if (!('offset' in changes)) next.offset = 0;
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] === null || next[k] === undefined || (k === 'offset' && !next[k])) delete next[k];
    location.hash = '#/parcels' + (Object.keys(next).length ? '?' + new URLSearchParams(next) : '');
  };

  // ---- filters ----
  const form = h('form.filters', { 'aria-label': t('parcels.filters'), 'data-testid': 'filters', onsubmit: (e) => { e.preventDefault(); apply(); } });
  const inputs = {};
  const codeIn = h('input', { id: 'f-code', type: 'search', value: q['code.like'] ? q['code.like'].replace(/%/g, '') : '', placeholder: t('parcels.codePh') });
  inputs['code.like'] = codeIn;
  form.append(h('div.field', h('label', { for: 'f-code' }, fieldLabel('parcels', 'code')), codeIn));
  const towns = ctx.towns.filter((tw) => !ctx.session.scope || String(ctx.session.scope).split(',').includes(tw.code));
  if (field('parcels', 'xiang')) {
    const sel = h('select', { id: 'f-xiang' }, h('option', { value: '' }, t('all')), towns.map((tw) => h('option', { value: tw.code, selected: q.xiang === tw.code }, tw.name)));
    sel.addEventListener('change', () => { inputs.cun && (inputs.cun.value = ''); apply(); });
    inputs.xiang = sel;
    form.append(h('div.field', h('label', { for: 'f-xiang' }, fieldLabel('parcels', 'xiang')), sel));
  }
  if (field('parcels', 'cun')) {
    const vs = ctx.villages.filter((v) => q.xiang ? (v.parent_code === q.xiang || v.town_code === q.xiang) : towns.some((tw) => tw.code === v.town_code || tw.code === v.parent_code));
    const sel = h('select', { id: 'f-cun' }, h('option', { value: '' }, t('all')), vs.map((v) => h('option', { value: v.code, selected: q.cun === v.code }, v.name)));
    inputs.cun = sel;
    form.append(h('div.field', h('label', { for: 'f-cun' }, fieldLabel('parcels', 'cun')), sel));
  }
  const more = h('div.morefilters');
  for (const f of fields('parcels')) {
    if (f.type !== 'code' && f.type !== 'boolean') continue;
    const id = 'f-' + f.name;
    let sel;
    if (f.type === 'boolean') {
      sel = h('select', { id }, h('option', { value: '' }, t('all')), h('option', { value: 'true', selected: q[f.name] === 'true' }, t('yes')), h('option', { value: 'false', selected: q[f.name] === 'false' }, t('no')));
    } else {
      sel = h('select', { id }, h('option', { value: '' }, t('all')), codeList(f.codes).map((c) => h('option', { value: c.code, selected: q[f.name] === String(c.code) }, codeLabel(f.codes, c.code))));
    }
    inputs[f.name] = sel;
    const wrap = h('div.field', h('label', { for: id }, fieldLabel('parcels', f.name)), sel);
    (PRIMARY.includes(f.name) ? form : more).append(wrap);
  }
  const moreCount = [...more.querySelectorAll('select')].filter((x) => x.value).length;
  form.append(h('details.more', { open: moreCount > 0 }, h('summary', t('parcels.moreFilters'), moreCount ? ` (${moreCount})` : ''), more));
  form.append(h('div.filteractions',
    h('button.btn.primary', { type: 'submit', 'data-testid': 'apply-filters' }, t('parcels.apply')),
    h('button.btn', { type: 'button', onclick: () => { location.hash = '#/parcels'; } }, t('parcels.reset'))));
  function apply() {
    const changes = {};
    for (const [k, el] of Object.entries(inputs)) changes[k] = k === 'code.like' ? (el.value.trim() ? `%${el.value.trim()}%` : '') : el.value;
    setQ(changes);
  }
  for (const [k, el] of Object.entries(inputs)) if (el.tagName === 'SELECT' && k !== 'xiang') el.addEventListener('change', apply);
  main.append(form);

  const result = h('section.tablewrap', { 'aria-live': 'polite' });
  main.append(result);
  result.append(spinner());

  const params = { limit, offset, sort };
  for (const [k, v] of Object.entries(q)) if (!['limit', 'offset', 'sort'].includes(k) && v) params[k] = v;
  let data;
  try {
    data = await api.get('/api/parcels' + api.qs(params));
  } catch (e) {
    clear(result).append(h('p.alert.error', { role: 'alert' }, e.message));
    return;
  }
  clear(result);
  const cols = COLUMNS.filter((c) => field('parcels', c));
  const sortKey = sort.replace(/^-/, '');
  const desc = sort.startsWith('-');
  const totalHa = data.items.reduce((a, r) => a + (r.area_ha || 0), 0);
  result.append(h('p.tablemeta', { 'data-testid': 'list-total' },
    t('parcels.count', { from: data.total ? offset + 1 : 0, to: offset + data.items.length, total: data.total }),
    h('span.muted', ' · ', t('parcels.pageArea', { ha: fmt(totalHa, 2), mu: fmt(totalHa * MU_PER_HA, 0) }))));
  const table = h('table.grid', { 'data-testid': 'parcel-table' },
    h('caption.sr', t('parcels.title')),
    h('thead', h('tr', cols.map((c) => {
      const active = sortKey === c;
      return h('th', { scope: 'col', 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none', class: ['area_ha', 'key_zone_ha', 'yu_bi_du'].includes(c) ? 'num' : '' },
        h('button.sort', { type: 'button', 'data-sort': c, onclick: () => setQ({ sort: active && !desc ? '-' + c : c }) },
          fieldLabel('parcels', c), h('span.sorticon', { 'aria-hidden': 'true' }, active ? (desc ? '▼' : '▲') : '↕')));
    }))),
    h('tbody', data.items.map((r) => h('tr', { 'data-fid': r.fid, 'data-code': r.code }, cols.map((c) => {
      if (c === 'code') return h('th', { scope: 'row' }, h('a', { href: `#/parcels/${r.fid}` }, r.code));
      const v = c === 'area_ha' || c === 'key_zone_ha' ? fmt(r[c], 4) : display('parcels', c, r[c]);
      return h('td', { class: ['area_ha', 'key_zone_ha', 'yu_bi_du'].includes(c) ? 'num' : '', 'data-col': c }, v);
    })))));
  result.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('parcels.title') }, table));
  if (!data.items.length) result.append(h('p.muted.empty', t('parcels.none')));

  const pages = Math.max(1, Math.ceil(data.total / limit));
  const page = Math.floor(offset / limit) + 1;
  result.append(h('nav.pager', { 'aria-label': t('parcels.paging') },
    h('button.btn', { type: 'button', disabled: offset <= 0, 'data-testid': 'prev', onclick: () => setQ({ offset: Math.max(0, offset - limit) }) }, '‹ ', t('parcels.prev')),
    h('span', t('parcels.page', { page, pages })),
    h('button.btn', { type: 'button', disabled: offset + limit >= data.total, 'data-testid': 'next', onclick: () => setQ({ offset: offset + limit }) }, t('parcels.next'), ' ›'),
    h('label.inline', t('parcels.perPage'), ' ',
      h('select', { onchange: (e) => setQ({ limit: e.target.value }) }, [25, 50, 100, 200].map((n) => h('option', { value: n, selected: n === limit }, n))))));
  void nameOf;
}
