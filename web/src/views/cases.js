// cases.js — 举报与案件 (plan §3.5): the reports of the public line (with
// their duplicate groups), review (verify / reject with a reply), a case
// opened from a report, and cases with their handling path: the actions the
// server says are possible now (GET /api/cases/{id} "next"), a form per
// action, and the timeline from the event log.  Overdue cases by date.  The
// reporter's contact is fetched on request and only offered to the roles
// the server lets read it (bureau, police).
import * as api from '../api.js';
import { h, clear } from '../dom.js';
import { t, codeList, codeLabel, fmt, fmtTime, nameOf } from '../i18n.js';

const BUREAU = ['admin', 'bureau'];
const ACTION_FIELDS = {
  decide: ['decision', 'penalty_yuan'], close: ['outcome'], police_close: ['outcome'], recheck_pass: ['outcome'],
  police_accept: ['police_case_no'], order: ['responsible_unit', 'deadline'], recheck_fail: ['deadline'],
  transfer: ['deadline'],
};
const FIELD_KEY = { decision: 'cs.decision', penalty_yuan: 'cs.penalty', outcome: 'cs.outcome', police_case_no: 'cs.policeNo',
  responsible_unit: 'cs.unit', deadline: 'cs.deadline' };

function table(cols, rows, onPick, testid) {
  if (!rows.length) return h('p.muted', t('cs.none'));
  return h('table.data', { 'data-testid': testid },
    h('thead', h('tr', cols.map(([, head]) => h('th', head)))),
    h('tbody', rows.map((r) => h('tr', { tabindex: 0, 'data-code': r.code, onclick: () => onPick(r),
      onkeydown: (e) => { if (e.key === 'Enter') onPick(r); } }, cols.map(([get]) => h('td', get(r) ?? '—'))))));
}

function err(box, e) {
  box.append(h('div.alert.error', { role: 'alert', 'data-testid': 'case-error' }, e.message));
}

async function reportDetail(box, ctx, r, refresh) {
  const role = ctx.session?.role;
  clear(box).append(h('h2', r.code),
    h('dl.meta', { 'data-testid': 'report-meta' },
      [['rl.kind', codeLabel('report_kind', r.kind)], ['rl.channel', codeLabel('report_channel', r.channel)],
        ['rl.status', codeLabel('report_status', r.status)], ['rl.description', r.description],
        ['rl.place', r.place_name || (r.lon != null ? `${fmt(r.lon, 5)}, ${fmt(r.lat, 5)}` : '—')],
        ['rl.seen', fmtTime(r.seen_at)], ['cs.group', r.group_code], ['rl.reply', r.public_reply || '—']]
        .map(([k, v]) => h('div', h('dt', t(k)), h('dd', v ?? '—')))));
  const out = h('div', { 'aria-live': 'polite' });
  if ((BUREAU.includes(role) || role === 'department') && r.has_contact) {
    box.append(h('button.btn', { type: 'button', 'data-testid': 'contact', onclick: async (ev) => {
      try {
        const c = await api.get(`/api/reports/${r.fid}/contact`);
        ev.target.replaceWith(h('p', { 'data-testid': 'contact-text' }, `${c.name || ''} ${c.phone || ''}`));
      } catch (e) { err(out, e); }
    } }, t('cs.contact')));
  }
  if (BUREAU.includes(role) || role === 'town') {
    const reply = h('input', { type: 'text', placeholder: t('cs.replyPh'), 'data-testid': 'reply-input' });
    const move = (action) => async () => {
      clear(out);
      try { await api.request('POST', `/api/reports/${r.fid}/${action}`, { body: { reply: reply.value.trim() || undefined } }); refresh(); } catch (e) { err(out, e); }
    };
    box.append(h('div.actions', reply,
      h('button.btn', { type: 'button', 'data-testid': 'verify', onclick: move('verify') }, t('cs.verify')),
      BUREAU.includes(role) ? h('button.btn', { type: 'button', 'data-testid': 'reject', onclick: move('reject') }, t('cs.reject')) : null));
  }
  if (BUREAU.includes(role) && ['received', 'verifying'].includes(r.status)) {
    const type = h('select', { 'data-testid': 'case-type' }, codeList('case_type').map((c) => h('option', { value: c.code }, codeLabel('case_type', c.code))));
    const title = h('input', { type: 'text', placeholder: t('cs.caseTitle'), 'data-testid': 'case-title' });
    box.append(h('div.actions', h('label', t('cs.caseType'), type), title,
      h('button.btn.primary', { type: 'button', 'data-testid': 'open-case', onclick: async () => {
        clear(out);
        try {
          const c = (await api.request('POST', '/api/cases', { body: { type: type.value, title: title.value.trim(), source: 'report', source_ref: r.code } })).data;
          location.hash = '#/cases/' + c.fid;
        } catch (e) { err(out, e); }
      } }, t('cs.openCase'))));
  }
  box.append(out);
}

async function caseDetail(box, ctx, fid) {
  clear(box);
  let c, tl;
  try {
    [c, tl] = await Promise.all([api.get(`/api/cases/${fid}`), api.get(`/api/cases/${fid}/timeline`)]);
  } catch (e) { err(box, e); return; }
  box.append(h('h2', `${c.code} · ${c.title}`),
    h('dl.meta', { 'data-testid': 'case-meta' },
      [['cs.caseType', codeLabel('case_type', c.type)], ['rl.status', codeLabel('case_status', c.status)],
        ['cs.unit', c.responsible_unit], ['cs.deadline', c.deadline], ['cs.decision', c.decision],
        ['cs.penalty', c.penalty_yuan != null ? fmt(c.penalty_yuan, 0) : null], ['cs.policeNo', c.police_case_no],
        ['cs.outcome', c.outcome ? codeLabel('case_outcome', c.outcome) : null]]
        .map(([k, v]) => h('div', h('dt', t(k)), h('dd', { 'data-testid': 'case-' + k.split('.')[1] }, v ?? '—')))));
  const next = (c.next || '').split(',').filter(Boolean);
  const out = h('div', { 'aria-live': 'polite' });
  if (next.length) {
    const action = h('select', { 'data-testid': 'case-action' }, next.map((a) => h('option', { value: a }, t('cs.a.' + a))));
    const note = h('input', { type: 'text', placeholder: t('cs.note'), 'data-testid': 'case-note' });
    const extra = h('div.extra');
    const inputs = {};
    const fill = () => {
      clear(extra);
      for (const f of ACTION_FIELDS[action.value] || []) {
        const input = f === 'outcome'
          ? h('select', { 'data-testid': 'case-' + f }, codeList('case_outcome').map((o) => h('option', { value: o.code }, codeLabel('case_outcome', o.code))))
          : h('input', { type: f === 'deadline' ? 'date' : f === 'penalty_yuan' ? 'number' : 'text', 'data-testid': 'case-' + f });
        inputs[f] = input;
        extra.append(h('label', t(FIELD_KEY[f]), input));
      }
    };
    action.addEventListener('change', fill);
    fill();
    box.append(h('div.actions', { 'data-testid': 'case-step' }, h('label', t('cs.next'), action), note, extra,
      h('button.btn.primary', { type: 'button', 'data-testid': 'case-do', onclick: async () => {
        clear(out);
        const body = { action: action.value, note: note.value.trim() };
        for (const f of ACTION_FIELDS[action.value] || []) {
          const v = inputs[f].value.trim();
          if (v) body[f] = f === 'penalty_yuan' ? Number(v) : v;
        }
        try { await api.request('POST', `/api/cases/${fid}/act`, { body }); caseDetail(box, ctx, fid); } catch (e) { err(out, e); }
      } }, t('cs.do'))), out);
  }
  box.append(h('h3', t('cs.timeline')), h('ol.timeline', { 'data-testid': 'timeline' }, tl.items.map((x) =>
    h('li', h('time', fmtTime(x.time)), ' ', codeLabel('case_status', x.status), ' · ', x.actor, x.note ? ' — ' + x.note : ''))));
}

export async function renderCases(main, ctx, { id, query }) {
  const tab = id ? 'cases' : query.get('tab') || 'reports';
  const list = h('div.list'), detail = h('div.detail', { 'data-testid': 'detail' });
  const tabs = h('nav.tabs', { 'aria-label': t('cs.title') }, ['reports', 'cases', 'overdue'].map((k) =>
    h('a', { href: '#/cases?tab=' + k, 'aria-current': k === tab ? 'page' : null, 'data-testid': 'tab-' + k }, t('cs.tab.' + k))));
  main.append(h('h1', t('cs.title')), h('p.hint', t('cs.clause')), tabs,
    BUREAU.includes(ctx.session?.role) ? h('p', h('a.btn', { href: '/report.html', 'data-testid': 'new-report' }, t('cs.newReport'))) : null,
    h('div.split', list, detail));
  const load = async () => {
    clear(list);
    try {
      if (tab === 'reports') {
        const rows = (await api.get('/api/reports?limit=200&sort=-fid')).items;
        list.append(table([[(r) => r.code, t('rl.code')], [(r) => codeLabel('report_kind', r.kind), t('rl.kind')],
          [(r) => codeLabel('report_channel', r.channel), t('rl.channel')], [(r) => codeLabel('report_status', r.status), t('rl.status')],
          [(r) => nameOf(r.town_code), '乡镇 Town'], [(r) => (r.group_code !== r.code ? r.group_code : ''), t('cs.group')]],
        rows, (r) => reportDetail(detail, ctx, r, load), 'reports-table'));
      } else {
        const rows = tab === 'overdue' ? (await api.get('/api/cases/overdue')).items : (await api.get('/api/cases?limit=200&sort=-fid')).items;
        list.append(table([[(c) => c.code, '编号 No.'], [(c) => codeLabel('case_type', c.type), t('cs.caseType')], [(c) => c.title, t('cs.caseTitle')],
          [(c) => codeLabel('case_status', c.status), t('rl.status')], [(c) => nameOf(c.town_code), '乡镇 Town'],
          [(c) => (c.days_overdue ? t('cs.daysOver', { n: c.days_overdue }) : c.deadline), t('cs.deadline')]],
        rows, (c) => { location.hash = '#/cases/' + c.fid; }, 'cases-table'));
      }
    } catch (e) { err(list, e); }
  };
  await load();
  if (id) await caseDetail(detail, ctx, id);
}
