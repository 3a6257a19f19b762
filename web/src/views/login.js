// login.js — the login page.
import * as api from '../api.js';
import { h } from '../dom.js';
import { t, getLang, setLang } from '../i18n.js';

export function renderLogin(main, ctx, onDone) {
  const err = h('p.alert.error', { role: 'alert', id: 'login-error', hidden: true });
  const user = h('input', { id: 'login-user', name: 'login', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button.btn.primary.block', { type: 'submit', 'data-testid': 'login-submit' }, t('login.submit'));
  const form = h('form.loginform', {
    'aria-labelledby': 'login-title', novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      if (!user.value || !pass.value) { err.textContent = t('login.missing'); err.hidden = false; (user.value ? pass : user).focus(); return; }
      submit.disabled = true;
      submit.textContent = t('login.busy');
      try {
        const s = await api.login(user.value.trim(), pass.value);
        const full = await api.session().catch(() => s);
        await onDone({ ...s, ...full });
      } catch (e) {
        err.textContent = e.status === 401 ? t('login.wrong') : e.status === 429 ? t('login.throttled') : e.message;
        err.hidden = false;
        pass.value = '';
        pass.focus();
      } finally {
        submit.disabled = false;
        submit.textContent = t('login.submit');
      }
    },
  },
  h('div.field', h('label', { for: 'login-user' }, t('login.user')), user),
  h('div.field', h('label', { for: 'login-pass' }, t('login.password')), pass),
  err, submit);
  const district = ctx.config?.district?.name || '';
  main.append(h('div.loginwrap',
    h('section.loginhero', { 'aria-hidden': 'true' },
      h('div.herotext',
        h('p.heroeyebrow', t('login.eyebrow')),
        h('p.herotitle', t('login.heroTitle', { district })),
        h('p.herosub', t('login.heroSub', { target: ctx.config?.target_ha ?? 5565.1 })))),
    h('section.loginpanel',
      h('div.logincard',
        h('div.loginbrand', h('img', { src: 'favicon.svg', alt: '', width: 40, height: 40 }),
          h('div', h('h1#login-title', { id: 'login-title' }, t('app.name')), h('p.muted', t('app.subtitle')))),
        form,
        h('div.loginfoot',
          h('button.btn.link', { type: 'button', 'data-testid': 'lang-switch', onclick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') },
            getLang() === 'zh' ? 'English' : '中文'),
          h('span.muted', t('login.note')))))));
  user.focus();
}
