// The join screen: the room's title, and a name field for someone entering it for the first
// time (a participant, or a facilitator who has not opened this room in this browser before).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { MAX_NAME_CHARS } from '../limits.js';
import { centredPage, field } from './parts.js';
import { showStatic } from './screen.js';

/** @typedef {import('../api.js').RoomInfo} RoomInfo */

/**
 * Shows the join screen; resolves with the name once submitted.
 * @param {RoomInfo} info
 * @param {'participant' | 'facilitator'} role
 * @returns {Promise<string>}
 */
export function askName(info, role) {
  return new Promise((resolve) => {
    let name = role === 'facilitator' ? t('join.facilitator.default_name') : '';
    showStatic(() => {
      const input = h('input', {
        name: 'name',
        required: true,
        maxlength: MAX_NAME_CHARS,
        autocomplete: 'name',
        placeholder: t('join.name.placeholder'),
        value: name,
        oninput: () => (name = input.value),
      });
      queueMicrotask(() => input.focus());
      return centredPage(
        h(
          'form',
          {
            class: 'join',
            onsubmit: (/** @type {SubmitEvent} */ ev) => {
              ev.preventDefault();
              const trimmed = name.trim();
              if (trimmed) resolve(trimmed);
            },
          },
          h('p', { class: 'eyebrow' }, role === 'facilitator' ? t('join.facilitator') : t('join.heading')),
          h('h1', { 'data-testid': 'join-title' }, info.title || t('room.untitled')),
          info.organisation ? h('p', { class: 'muted' }, info.organisation) : null,
          field(t('join.name'), input, t('join.name.help')),
          h(
            'button',
            { class: 'btn btn-primary btn-block', type: 'submit' },
            role === 'facilitator' ? t('join.facilitator.submit') : t('join.submit'),
          ),
        ),
      );
    });
  });
}

/** A placeholder while the room is being looked up or connected to. */
export function showLoading() {
  showStatic(() =>
    centredPage(
      h(
        'div',
        { class: 'loading' },
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        t('join.loading'),
      ),
    ),
  );
}
