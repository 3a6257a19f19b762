// applications.js — use control (用途管制, §3.2): applications, their checks and review.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export async function renderApplications(main) {
  main.append(h('h1', t('nav.applications')));
}
