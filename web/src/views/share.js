// The facilitator's "Invite" panel: the participant, wall display and co-facilitator links,
// each with a copy button.

import { h } from '../dom.js';
import { t } from '../i18n.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */

/** How long "Copied" shows on a button. */
const COPIED_MS = 2000;

/**
 * The three links of a room, from this page's origin.
 * @param {string} roomId
 * @param {string} key the facilitator key
 */
export function roomLinks(roomId, key) {
  const base = `${location.origin}/r/${encodeURIComponent(roomId)}`;
  return { participant: base, viewer: `${base}/wall`, facilitator: `${base}#key=${encodeURIComponent(key)}` };
}

/**
 * Copies `text`; the clipboard API needs a secure context, so fall back to selecting the field.
 * @param {string} text
 * @param {HTMLInputElement} input
 */
async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    input.select();
    document.execCommand('copy');
  }
}

/**
 * @param {RoomCtx} ctx
 * @param {string} key
 * @returns {Part}
 */
export function sharePart(ctx, key) {
  const links = roomLinks(ctx.roomId, key);
  /** @param {'participant' | 'viewer' | 'facilitator'} which */
  const row = (which) => {
    const url = links[which];
    const input = h('input', {
      readonly: true,
      value: url,
      'data-testid': `link-${which}`,
      onfocus: () => input.select(),
    });
    const button = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        'data-testid': `copy-${which}`,
        onclick: async () => {
          await copy(url, input);
          button.textContent = t('share.copied');
          setTimeout(() => (button.textContent = t('share.copy')), COPIED_MS);
        },
      },
      t('share.copy'),
    );
    return h(
      'div',
      { class: 'share-row' },
      h('div', { class: 'field-label' }, t(`share.${which}`)),
      h('div', { class: 'copy-line' }, input, button),
      h('div', { class: 'field-help' }, t(`share.${which}.help`)),
    );
  };
  const el = h(
    'section',
    { class: 'card share', 'data-testid': 'share' },
    h('div', { class: 'card-head' }, h('h2', null, t('share.heading'))),
    row('participant'),
    row('viewer'),
    row('facilitator'),
  );
  return { el, update() {} };
}
