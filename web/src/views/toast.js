// Toasts: short messages in a corner (a refused command), gone after a few seconds.

import { h } from '../dom.js';
import { t } from '../i18n.js';

/** Long enough to read a sentence, short enough not to pile up. */
const TOAST_MS = 6000;

/** @returns {HTMLElement} the container, made on first use */
function container() {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(box);
  }
  return box;
}

/** @param {string} message */
export function toast(message) {
  const item = h(
    'div',
    { class: 'toast', 'data-testid': 'toast' },
    h('span', null, message),
    h(
      'button',
      {
        class: 'toast-close',
        type: 'button',
        'aria-label': t('toast.dismiss'),
        onclick: () => item.remove(),
      },
      '×',
    ),
  );
  container().appendChild(item);
  setTimeout(() => item.remove(), TOAST_MS);
}
