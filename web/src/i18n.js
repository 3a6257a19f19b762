// i18n.js — message catalogues (zh default, en) and the labels of the
// schema (field labels and code lists come from GET /api/schema).
import zh from './i18n/zh.json';
import en from './i18n/en.json';
// Feature modules keep their own catalogues (one file per feature and language).
import controlZh from './i18n/control.zh.json';
import controlEn from './i18n/control.en.json';
import monitorZh from './i18n/monitor.zh.json';
import monitorEn from './i18n/monitor.en.json';
import casesZh from './i18n/cases.zh.json';
import casesEn from './i18n/cases.en.json';

const catalogues = {
  zh: { ...zh, ...controlZh, ...monitorZh, ...casesZh },
  en: { ...en, ...controlEn, ...monitorEn, ...casesEn },
};
const LANG_KEY = 'tb.lang';
let lang = 'zh';
const listeners = new Set();

export function initLang(fallback) {
  let saved = null;
  try { saved = localStorage.getItem(LANG_KEY); } catch { /* ignore */ }
  setLang(saved || fallback || 'zh', false);
}
export function getLang() { return lang; }
export function setLang(l, notify = true) {
  lang = catalogues[l] ? l : 'zh';
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* ignore */ }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  if (notify) for (const f of listeners) f(lang);
}
export function onLang(f) { listeners.add(f); return () => listeners.delete(f); }

export function t(key, vars) {
  let s = catalogues[lang][key] ?? catalogues.zh[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] ?? m));
  return s;
}

// ---- schema-driven labels ----
let schema = { resources: {}, codes: {} };
const names = new Map(); // division code → name (towns, villages), unit code → name
export function setSchema(s) { schema = s || schema; }
export function getSchema() { return schema; }
export function setNames(entries) { for (const [k, v] of entries) names.set(String(k), v); }
export function nameOf(code) { return code == null ? '' : names.get(String(code)) || String(code); }

export function fields(resource) {
  return (schema.resources[resource] && schema.resources[resource].fields) || [];
}
export function field(resource, name) { return fields(resource).find((f) => f.name === name); }
export function fieldLabel(resource, name) {
  const f = field(resource, name);
  if (!f) return t('field.' + name);
  return (lang === 'en' ? f.label_en : f.label_zh) || f.label_zh || name;
}
export function codeList(list) { return (schema.codes && schema.codes[list]) || []; }
export function codeLabel(list, code) {
  if (code === null || code === undefined || code === '') return '';
  const c = codeList(list).find((x) => String(x.code) === String(code));
  if (!c) return String(code);
  return (lang === 'en' ? c.label_en : c.label_zh) || c.label_zh || String(code);
}
export function resourceLabel(resource) {
  const r = schema.resources[resource];
  if (!r) return resource;
  return (lang === 'en' ? r.label_en : r.label_zh) || resource;
}

/** A field value as a user reads it: code labels, names, units, booleans. */
export function display(resource, name, value) {
  const f = field(resource, name);
  if (value === null || value === undefined || value === '') return '—';
  if (f && f.type === 'code' && f.codes) return codeLabel(f.codes, value);
  if (f && f.type === 'boolean') return value ? t('yes') : t('no');
  if (['xiang', 'cun', 'town_code', 'unit_code', 'parent_code'].includes(name)) {
    const n = nameOf(value);
    return n !== String(value) ? n : String(value);
  }
  if (f && f.type === 'real' && typeof value === 'number') return fmt(value, name.endsWith('_ha') ? 4 : 2);
  return String(value);
}

export function fmt(n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return Number(n).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US',
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export const MU_PER_HA = 15;
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}
