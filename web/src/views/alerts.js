// alerts.js — monitoring and early warning (监测预警, §3.1.3, §3.3.3).
import { h } from '../dom.js';
import { t } from '../i18n.js';

export async function renderAlerts(main) {
  main.append(h('h1', t('nav.alerts')));
}
