// parcel.js — one parcel (小班): summary, edit form built from the schema
// (server field errors shown at the field), archive (档案) timeline.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, fields, fieldLabel, codeList, codeLabel, fmt, nameOf, MU_PER_HA } from '../i18n.js';
import { attributeList, archiveTimeline, spinner, pageHeader } from '../components.js';

export async function renderParcel(main, ctx, { id }) {
  main.classList.add('page');
  const back = h('a.back', { href: '#/parcels' }, '‹ ', t('parcels.title'));
  main.append(back);
  const holder = h('div');
  main.append(holder);
  holder.append(spinner());
  let { row, etag } = await api.getParcel(id);
  let archive = await api.get(`/api/parcels/${id}/archive`).catch(() => null);
  const status = h('p.formstatus', { role: 'status', 'aria-live': 'polite', 'data-testid': 'form-status' });
  const archiveBox = h('div.archivebox');
  const summary = h('div.summary');

  function drawSummary() {
    clear(summary).append(h('div.kpis.small',
      h('div.kpi', h('span.kpilabel', fieldLabel('parcels', 'area_ha')), h('span.kpival', { 'data-testid': 'area-ha' }, fmt(row.area_ha, 4), h('small', ' ', t('unit.ha'))), h('span.kpisub', fmt(row.area_ha * MU_PER_HA, 2), ' ', t('unit.mu'))),
      h('div.kpi', h('span.kpilabel', fieldLabel('parcels', 'restoration_class')), h('span.kpival.text', row.restoration_class ? codeLabel('restoration_class', row.restoration_class) : t('map.notNatural'))),
      h('div.kpi', h('span.kpilabel', fieldLabel('parcels', 'key_zone_ha')), h('span.kpival', fmt(row.key_zone_ha, 4), h('small', ' ', t('unit.ha'))))));
  }
  function drawArchive() { clear(archiveBox).append(h('h2', t('parcel.archive')), archiveTimeline(archive)); }

  const form = h('form.editform', { novalidate: true, 'data-testid': 'edit-form', 'aria-labelledby': 'edit-title' });
  const controls = {};
  const errs = {};
  function buildForm() {
    clear(form);
    form.append(h('h2#edit-title', { id: 'edit-title' }, ctx.canEdit() ? t('parcel.edit') : t('parcel.attributes')));
    const grid = h('div.formgrid');
    for (const f of fields('parcels')) {
      if (f.type === 'json') continue; // extra attributes: shown in the attribute list, kept as imported
      const id = 'e-' + f.name;
      const errId = id + '-err';
      const v = row[f.name];
      let input;
      const ro = f.computed || !ctx.canEdit();
      if (f.type === 'code' && f.codes) {
        input = h('select', { id, name: f.name, disabled: ro },
          f.required ? null : h('option', { value: '' }, '—'),
          codeList(f.codes).map((c) => h('option', { value: c.code, selected: String(v ?? '') === String(c.code) }, `${codeLabel(f.codes, c.code)} (${c.code})`)));
      } else if (f.name === 'xiang' || f.name === 'cun' || (f.name === 'unit_code' && ctx.units.length)) {
        const opts = f.name === 'xiang' ? ctx.towns : f.name === 'cun' ? ctx.villages.filter((x) => x.parent_code === row.xiang || x.town_code === row.xiang)
          : ctx.units.filter((u) => u.kind === 'forest_unit' || u.town_code === row.xiang || u.code === v);
        input = h('select', { id, name: f.name, disabled: ro },
          f.required ? null : h('option', { value: '' }, '—'),
          opts.some((o) => o.code === v) || v == null ? null : h('option', { value: v, selected: true }, v),
          opts.map((o) => h('option', { value: o.code, selected: o.code === v }, `${o.name} (${o.code})`)));
      } else if (f.type === 'boolean') {
        input = h('input', { id, name: f.name, type: 'checkbox', checked: !!v, disabled: ro });
      } else if (f.type === 'real' || f.type === 'integer') {
        input = h('input', { id, name: f.name, type: 'number', inputmode: 'decimal', step: f.type === 'integer' ? '1' : 'any', min: f.min, max: f.max, value: v ?? '', readonly: ro, disabled: f.computed });
      } else {
        input = h('input', { id, name: f.name, type: 'text', value: v ?? '', readonly: ro, disabled: f.computed });
      }
      input.dataset.type = f.type;
      controls[f.name] = input;
      errs[f.name] = h('p.fielderror', { id: errId, hidden: true });
      const hint = [f.unit, f.min !== undefined && f.max !== undefined ? `${f.min}–${f.max}` : null, f.computed ? t('form.computed') : null, f.std_name].filter(Boolean).join(' · ');
      const hintId = id + '-hint';
      input.setAttribute('aria-describedby', `${hintId} ${errId}`);
      if (f.required && !ro) input.setAttribute('aria-required', 'true');
      grid.append(h('div.field', { class: f.computed ? 'computed' : '', 'data-field': f.name },
        h('label', { for: id }, fieldLabel('parcels', f.name), f.required && !ro ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
        input, h('p.hint', { id: hintId }, hint), errs[f.name]));
    }
    form.append(grid);
    const extra = row.extra && typeof row.extra === 'object' ? Object.entries(row.extra) : [];
    if (extra.length) { // a bureau's own columns, kept by the import under their names (read-only)
      form.append(h('section.extra', { 'data-testid': 'extra-attrs' }, h('h3', fieldLabel('parcels', 'extra')),
        h('dl.attrs', extra.map(([k, v]) => h('div.attr', h('dt', k),
          h('dd', { 'data-field': 'extra.' + k }, v == null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)))))));
    }
    if (ctx.canEdit()) {
      form.append(h('div.formactions',
        h('button.btn.primary', { type: 'submit', 'data-testid': 'save' }, t('form.save')),
        h('button.btn', { type: 'button', onclick: () => { buildForm(); status.textContent = ''; } }, t('form.reset')),
        status));
    }
  }
  function valueOf(f) {
    const el = controls[f.name];
    if (f.type === 'boolean') return el.checked;
    if (el.value === '') return null;
    if (f.type === 'real') return Number(el.value);
    if (f.type === 'integer') return Number.parseInt(el.value, 10);
    return el.value;
  }
  function clearErrors() {
    for (const [k, p] of Object.entries(errs)) { p.hidden = true; p.textContent = ''; controls[k].removeAttribute('aria-invalid'); }
    form.querySelector('.alert')?.remove();
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const changes = {};
    for (const f of fields('parcels')) {
      if (f.computed || f.type === 'json') continue;
      const nv = valueOf(f);
      const ov = row[f.name] ?? null;
      if (f.type === 'real' || f.type === 'integer') { if (nv !== null && Number.isNaN(nv)) { showError(f.name, t('form.number')); return; } }
      if (String(nv ?? '') !== String(ov ?? '')) changes[f.name] = nv;
    }
    if (!Object.keys(changes).length) { status.textContent = t('form.nothing'); return; }
    const btn = form.querySelector('[data-testid=save]');
    btn.disabled = true;
    status.textContent = t('form.saving');
    try {
      const r = await api.patchParcel(row.fid, etag, changes);
      row = r.row;
      etag = r.etag || `"v${row.version}"`;
      archive = await api.get(`/api/parcels/${row.fid}/archive`).catch(() => archive);
      buildForm();
      drawSummary();
      drawArchive();
      status.textContent = t('form.saved', { n: Object.keys(changes).length });
      form.querySelector('.formactions')?.append(status);
    } catch (err) {
      status.textContent = '';
      if (err.status === 422 && err.field && controls[err.field]) showError(err.field, err.message);
      else if (err.status === 409) {
        form.prepend(h('div.alert.error', { role: 'alert' }, t('form.conflict'), ' ',
          h('button.btn.small', { type: 'button', onclick: async () => { ({ row, etag } = await api.getParcel(row.fid)); buildForm(); drawSummary(); } }, t('form.reload'))));
      } else if (err.code === 'csrf') form.prepend(h('div.alert.error', { role: 'alert' }, t('error.csrf')));
      else if (err.status === 401) form.prepend(h('div.alert.error', { role: 'alert' }, t('error.expired'), ' ', h('a', { href: '#/login' }, t('login.submit'))));
      else form.prepend(h('div.alert.error', { role: 'alert' }, err.message));
    } finally {
      const b = form.querySelector('[data-testid=save]');
      if (b) b.disabled = false;
    }
  });
  function showError(name, msg) {
    const p = errs[name];
    p.textContent = msg.replace(/^parcels \d+: /, '');
    p.hidden = false;
    controls[name].setAttribute('aria-invalid', 'true');
    controls[name].focus();
  }

  clear(holder);
  holder.append(
    pageHeader(h('span', h('span.eyebrow', t('parcel.kind'), ' '), h('span', { 'data-testid': 'detail-code' }, row.code)),
      h('button.btn', { type: 'button', onclick: () => { ctx.mapState = { ...(ctx.mapState || { theme: 'restoration_class', zones: true, towns: true, villages: true, basemap: true }), selected: row.fid, view: null }; location.hash = '#/map'; } }, t('parcel.onMap'))),
    h('p.panelsub', nameOf(row.xiang), ' · ', nameOf(row.cun), ' · ', t('parcel.linban', { lb: row.lin_ban, xb: row.xiao_ban })),
    summary,
    h('div.detailgrid', form, h('aside.archivecol', archiveBox)));
  buildForm();
  drawSummary();
  drawArchive();
  void attributeList;
}
