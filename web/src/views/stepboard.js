// The board of steps 2-6 for now: how the step works, in the room's lens and language (step 5
// also lists the six categories of behaviour). Later work puts each step's shared board here.

import { h } from '../dom.js';
import { stepText, t } from '../i18n.js';

/** @typedef {import('./parts.js').Part} Part */

/** The step-5 categories' keys, in order. */
const CATEGORIES = /** @type {const} */ ([
  'step.5.cat.1',
  'step.5.cat.2',
  'step.5.cat.3',
  'step.5.cat.4',
  'step.5.cat.5',
  'step.5.cat.6',
]);

/**
 * @param {number} step 2 to 6
 * @returns {Part}
 */
export function stepBoardPart(step) {
  const how = stepText(step, 'how').split('\n');
  const el = h(
    'div',
    { class: 'board', 'data-testid': `board-step${step}` },
    h(
      'section',
      { class: 'card' },
      h('h2', { class: 'section-title' }, t('room.how')),
      h(
        'ol',
        { class: 'how' },
        how.map((line) => h('li', null, line)),
      ),
    ),
    step === 5
      ? h(
          'section',
          { class: 'card' },
          h('h2', { class: 'section-title' }, t('step.5.categories')),
          h(
            'ol',
            { class: 'categories' },
            CATEGORIES.map((key) => h('li', null, t(key))),
          ),
        )
      : null,
    h('p', { class: 'pending' }, t('room.board_pending')),
  );
  return { el, update() {} };
}
