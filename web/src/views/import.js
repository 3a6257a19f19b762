// import.js — upload a zipped shapefile, GeoPackage or GeoJSON; a dry run
// lists every bad record before anything is committed; then import.  Export.
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, resourceLabel, fmt, field, fieldLabel } from '../i18n.js';
import { pageHeader } from '../components.js';
import { exportButtons } from './parcels.js';

const LAYERS = ['parcels', 'zones', 'divisions'];
const MAX = 64 * 1024 * 1024;

export async function renderImport(main) {
  main.classList.add('page');
  main.append(pageHeader(t('import.title')));
  const layerSel = h('select', { id: 'imp-layer', 'data-testid': 'import-layer' }, LAYERS.map((l) => h('option', { value: l }, resourceLabel(l))));
  const fileIn = h('input', { id: 'imp-file', type: 'file', accept: '.zip,.gpkg,.geojson,.json', 'aria-describedby': 'imp-hint', 'data-testid': 'import-file' });
  const dryBtn = h('button.btn', { type: 'button', 'data-testid': 'dry-run' }, t('import.dryRun'));
  const goBtn = h('button.btn.primary', { type: 'button', disabled: true, 'data-testid': 'do-import' }, t('import.commit'));
  const out = h('section.importresult', { 'aria-live': 'polite', 'data-testid': 'import-result' });
  let checked = null; // the file+layer that passed a dry run

  const key = () => fileIn.files[0] && `${layerSel.value}|${fileIn.files[0].name}|${fileIn.files[0].size}|${fileIn.files[0].lastModified}`;
  const reset = () => { checked = null; goBtn.disabled = true; clear(out); };
  fileIn.addEventListener('change', reset);
  layerSel.addEventListener('change', reset);

  async function run(dry) {
    const file = fileIn.files[0];
    clear(out);
    if (!file) { out.append(h('p.alert.error', { role: 'alert' }, t('import.noFile'))); fileIn.focus(); return; }
    if (file.size > MAX) { out.append(h('p.alert.error', { role: 'alert' }, t('import.tooBig'))); return; }
    dryBtn.disabled = goBtn.disabled = true;
    out.append(h('p.loading', { role: 'status' }, h('span.spin', { 'aria-hidden': 'true' }), dry ? t('import.checking') : t('import.importing')));
    try {
      const r = await api.importFile(layerSel.value, file, dry);
      clear(out);
      out.append(h('div.alert.ok', { role: 'status', 'data-testid': dry ? 'dry-ok' : 'import-ok' },
        h('strong', dry ? t('import.dryOk', { n: r.features }) : t('import.done', { n: r.imported ?? r.features })),
        h('dl.meta',
          h('div', h('dt', t('import.layer')), h('dd', resourceLabel(r.layer))),
          h('div', h('dt', t('import.features')), h('dd', fmt(r.features, 0))),
          r.srs ? h('div', h('dt', t('import.srs')), h('dd', r.srs)) : null,
          r.encoding ? h('div', h('dt', t('import.encoding')), h('dd', r.encoding)) : null,
          r.repairs ? h('div', h('dt', t('import.repairs')), h('dd', String(Array.isArray(r.repairs) ? r.repairs.length : r.repairs))) : null,
          r.columns ? h('div.wide', h('dt', t('import.columns')), h('dd', Array.isArray(r.columns) ? r.columns.map((c) => (typeof c === 'string' ? c : c.name || JSON.stringify(c))).join(', ') : JSON.stringify(r.columns))) : null,
          r.columns && !Array.isArray(r.columns) && Object.values(r.columns).includes('extra')
            ? h('div.wide', h('dt', t('import.extra')), h('dd', Object.keys(r.columns).filter((k) => r.columns[k] === 'extra').join(', '))) : null,
          r.key_zone_parcels != null ? h('div', h('dt', t('import.keyZones')), h('dd', fmt(r.key_zone_parcels, 0))) : null),
        r.notes?.length ? h('ul.notes', { 'data-testid': 'import-notes' }, r.notes.map((n) => h('li',
          `${field(layerSel.value, n.field) ? fieldLabel(layerSel.value, n.field) : n.field}: ${n.note}`,
          n.count > 1 ? ` (${t('import.noteCount', { n: n.count })})` : ''))) : null));
      if (dry) { checked = key(); goBtn.disabled = false; goBtn.focus(); }
      else { checked = null; }
    } catch (e) {
      clear(out);
      const body = e.body?.error || {};
      const errors = body.errors || [];
      out.append(h('div.alert.error', { role: 'alert', 'data-testid': 'import-errors' },
        h('strong', errors.length ? t('import.bad', { n: body.count ?? errors.length }) : e.message),
        errors.length ? h('p', t('import.nothingChanged')) : null));
      if (errors.length) {
        out.append(h('div.scrollx', { tabindex: '0', role: 'region', 'aria-label': t('import.errTable') },
          h('table.grid.errors', { 'data-testid': 'error-table' },
            h('caption.sr', t('import.errTable')),
            h('thead', h('tr', h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('import.record')), h('th', { scope: 'col' }, t('import.field')), h('th', { scope: 'col' }, t('import.reason')))),
            h('tbody', errors.map((er, i) => h('tr', h('td', i + 1), h('td', er.record ?? '—'), h('td', er.field ? (field(layerSel.value, er.field) ? `${fieldLabel(layerSel.value, er.field)} (${er.field})` : er.field) : '—'), h('td', er.message)))))));
      }
      checked = null;
    } finally {
      dryBtn.disabled = false;
      goBtn.disabled = !(checked && checked === key());
    }
  }
  dryBtn.addEventListener('click', () => run(true));
  goBtn.addEventListener('click', () => { if (checked === key()) run(false); });

  main.append(h('section.card',
    h('h2', t('import.upload')),
    h('div.formrow',
      h('div.field', h('label', { for: 'imp-layer' }, t('import.layer')), layerSel),
      h('div.field.grow', h('label', { for: 'imp-file' }, t('import.file')), fileIn, h('p.hint', { id: 'imp-hint' }, t('import.hint')))),
    h('ol.steps', h('li', t('import.step1')), h('li', t('import.step2')), h('li', t('import.step3'))),
    h('div.formactions', dryBtn, goBtn),
    out));
  main.append(h('section.card', h('h2', t('export.title')), h('p.muted', t('export.note')),
    LAYERS.map((l) => h('div.exportrow', h('span.exportlayer', resourceLabel(l)), exportButtons(l)))));
}
