// The error page: a link that leads nowhere (no such room, a wrong key, an unknown address).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { centredPage } from './parts.js';
import { showStatic } from './screen.js';

/**
 * @param {() => string} reason the explanation, asked again after a language switch
 */
export function showError(reason) {
  showStatic(() =>
    centredPage(
      h(
        'div',
        { class: 'error-page', 'data-testid': 'error' },
        h('div', { class: 'error-icon', 'aria-hidden': 'true' }, '!'),
        h('h1', null, t('error.title')),
        h('p', { class: 'lead' }, reason()),
        h('a', { class: 'btn btn-primary', href: '/' }, t('error.home')),
      ),
    ),
  );
}
