// design.js — the operation design (作业设计, plan §3.2.1) of a tending
// application: tending may start only after the forestry authority has
// approved its design (parcels, measures, intensity, retained canopy ≥ 0.6,
// volume).  Shown on the application's page: the design(s) of the
// application, a form to draft one, and the submit / approve / reject steps.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, field, fieldLabel, fmt, codeList, codeLabel } from '../i18n.js';
import { statusBadge } from './applications.js';

const EDIT_ROLES = ['admin', 'bureau', 'town', 'unit'];
const DECIDE_ROLES = ['admin', 'bureau'];
export const MIN_CANOPY = 0.6; // retained canopy after tending (§3.2.1 design rule; the server decides)
const FIELDS = [
  ['parcels', 'text'], ['measures', 'text'], ['intensity_pct', 'number'], ['retained_canopy', 'number'], ['volume_m3', 'number'], ['designer', 'text'],
];
const flabel = (name) => {
  const l = field('designs', name) ? fieldLabel('designs', name) : null;
  return l && l !== name ? l : t('ctl.d.' + name);
};

/** Fills `box` with the designs of application `app`; `onChange` after a write. */
export async function designSection(box, ctx, app, { onChange } = {}) {
  clear(box).append(h('h2', t('ctl.design')), h('p.hint', t('ctl.designIntro')));
  let items = [];
  try {
    items = (await api.get('/api/designs' + api.qs({ application_code: app.code, limit: 20 }))).items || [];
  } catch (e) {
    box.append(h('p.alert.error', { role: 'alert' }, e.message));
    return;
  }
  const role = ctx.session?.role;
  for (const d of items) box.append(designCard(d, role, onChange));
  if (!items.some((d) => d.status !== 'rejected') && EDIT_ROLES.includes(role) && !['approved', 'rejected'].includes(app.status)) box.append(designForm(app, onChange));
  else if (!items.length) box.append(h('p.muted', t('ctl.noDesign')));
}

function designCard(d, role, onChange) {
  const dl = h('dl.meta', { 'data-testid': 'design-meta' });
  for (const [name] of FIELDS) {
    let v = d[name];
    if (name === 'intensity_pct' && v != null) v = fmt(v, 1) + ' %';
    else if (name === 'retained_canopy' && v != null) v = fmt(v, 2);
    else if (name === 'volume_m3' && v != null) v = fmt(v, 1) + ' m³';
    else if (name === 'measures' && v) v = String(v).split(',').map((m) => codeLabel('tending_measure', m)).join('、');
    else if (name === 'parcels' && v && d.area_ha != null) v = `${v}（${fmt(d.area_ha, 4)} ${t('unit.ha')}）`;
    dl.append(h('div', { 'data-field': name }, h('dt', flabel(name)), h('dd', v ?? '—')));
  }
  const out = h('div', { 'aria-live': 'polite' });
  const note = h('input', { id: `dn-${d.fid}`, type: 'text', 'data-testid': 'design-note' });
  const go = async (to, btn) => {
    clear(out);
    btn.disabled = true;
    try {
      await api.request('POST', `/api/designs/${encodeURIComponent(d.fid ?? d.id)}/transition`, { body: { to, note: note.value.trim() } });
      onChange && onChange();
    } catch (e) {
      btn.disabled = false;
      out.append(h('div.alert.error', { role: 'alert', 'data-testid': 'design-error' }, e.status === 409 ? t('ctl.err.conflict') + ' ' : '', e.message));
    }
  };
  const buttons = h('div.formactions');
  if (d.status === 'draft' && EDIT_ROLES.includes(role)) buttons.append(h('button.btn.primary', { type: 'button', 'data-testid': 'design-submit', onclick: (e) => go('submitted', e.currentTarget) }, t('ctl.d.submit')));
  if (d.status === 'submitted' && DECIDE_ROLES.includes(role)) {
    buttons.append(h('button.btn.primary', { type: 'button', 'data-testid': 'design-approve', onclick: (e) => go('approved', e.currentTarget) }, t('ctl.d.approve')),
      h('button.btn.ctldanger', { type: 'button', 'data-testid': 'design-reject', onclick: (e) => go('rejected', e.currentTarget) }, t('ctl.d.reject')));
  }
  return h('article.designcard', { 'data-testid': 'design', 'data-status': d.status },
    h('div.designhead', h('strong', d.code || `#${d.fid}`), statusBadge(d.status, 'designs', 'design-status')),
    dl, buttons.childElementCount ? h('div.field', h('label', { for: `dn-${d.fid}` }, t('ctl.note')), note) : null, buttons, out);
}

function designForm(app, onChange) {
  const form = h('form.designform', { 'data-testid': 'design-form', novalidate: true });
  const controls = {};
  const parcels = ((app.decision && app.decision.parcels) || []).filter((p) => p.natural !== false).map((p) => p.id ?? p.code);
  const defaults = { parcels: parcels.join(','), retained_canopy: MIN_CANOPY.toFixed(2) };
  const measures = codeList('tending_measure');
  for (const [name, type] of FIELDS) {
    const id = 'd-' + name;
    const f = field('designs', name);
    if (name === 'measures' && measures.length) { // the code list of tending measures as checkboxes
      const group = h('fieldset.measures', { 'data-field': name, 'data-testid': 'design-measures', 'aria-describedby': id + '-err' },
        h('legend', flabel(name), f?.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
        measures.map((c) => h('label.check', h('input', { type: 'checkbox', value: c.code, name: 'measure' }), codeLabel('tending_measure', c.code))),
        h('p.fielderror', { id: id + '-err', hidden: true }));
      Object.defineProperty(group, 'value', { get: () => [...group.querySelectorAll('input:checked')].map((x) => x.value).join(',') });
      group.focus = () => group.querySelector('input')?.focus();
      controls[name] = group;
      form.append(group);
      continue;
    }
    const input = h(name === 'measures' ? 'textarea' : 'input', { id, name, type: name === 'measures' ? null : type, step: type === 'number' ? 'any' : null,
      min: name === 'retained_canopy' ? 0 : null, max: name === 'retained_canopy' ? 1 : null, rows: name === 'measures' ? 2 : null,
      value: defaults[name] ?? '', 'data-testid': 'design-' + name, 'aria-describedby': id + '-err' });
    if (f?.required) input.setAttribute('aria-required', 'true');
    controls[name] = input;
    const hint = name === 'retained_canopy' ? t('ctl.d.canopyHint', { min: fmt(MIN_CANOPY, 1) }) : name === 'parcels' ? t('ctl.d.parcelsHint') : null;
    form.append(h('div.field', { 'data-field': name }, h('label', { for: id }, flabel(name), f?.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
      input, hint ? h('p.hint', hint) : null, h('p.fielderror', { id: id + '-err', hidden: true })));
  }
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button.btn.primary', { type: 'submit', 'data-testid': 'design-save' }, t('ctl.d.save'));
  form.append(h('div.formactions', btn), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(out);
    for (const p of form.querySelectorAll('.fielderror')) { p.hidden = true; p.textContent = ''; }
    for (const c of Object.values(controls)) c.removeAttribute('aria-invalid');
    const body = { application_code: app.code };
    for (const [name, type] of FIELDS) {
      const v = controls[name].value.trim();
      if (v !== '') body[name] = type === 'number' ? Number(v) : v;
    }
    const canopy = body.retained_canopy;
    if (canopy !== undefined && (Number.isNaN(canopy) || canopy < MIN_CANOPY)) {
      fieldError('retained_canopy', t('ctl.d.canopyLow', { min: fmt(MIN_CANOPY, 1) }));
      return;
    }
    btn.disabled = true;
    try {
      await api.request('POST', '/api/designs', { body });
      onChange && onChange();
    } catch (err) {
      btn.disabled = false;
      if (err.status === 422 && err.field && controls[err.field]) fieldError(err.field, err.message);
      else out.append(h('div.alert.error', { role: 'alert', 'data-testid': 'design-error' }, err.message));
    }
  });
  function fieldError(name, text) {
    const p = form.querySelector(`#d-${name}-err`);
    p.textContent = text;
    p.hidden = false;
    controls[name].setAttribute('aria-invalid', 'true');
    controls[name].focus();
  }
  return form;
}
