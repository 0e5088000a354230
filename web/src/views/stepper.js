// The step progress bar (1-6 with short titles). For a facilitator it is also the step picker,
// with Back and Next.

import { h } from '../dom.js';
import { stepText, t } from '../i18n.js';
import { STEP_COUNT } from '../limits.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */

/**
 * Built anew whenever the step changes, so it never needs updating.
 * @param {RoomCtx} ctx
 * @param {number} current
 * @param {boolean} canDrive a facilitator, who moves the room
 * @returns {Part}
 */
export function stepperPart(ctx, current, canDrive) {
  /** @param {number} step */
  const go = (step) => ctx.conn.send({ type: 'step.set', step });
  const items = [];
  for (let step = 1; step <= STEP_COUNT; step++) {
    const state = step < current ? 'done' : step === current ? 'current' : 'todo';
    const content = [
      h('span', { class: 'step-num' }, step),
      h('span', { class: 'step-label' }, stepText(step, 'short')),
    ];
    const title = t('room.go_to_step', { n: step, title: stepText(step, 'title') });
    items.push(
      h(
        'li',
        { class: `stepper-item ${state}`, 'aria-current': step === current ? 'step' : undefined },
        canDrive
          ? h(
              'button',
              {
                type: 'button',
                class: 'stepper-link',
                title,
                'aria-label': title,
                'data-step': step,
                onclick: () => go(step),
              },
              content,
            )
          : h('span', { class: 'stepper-link', title: stepText(step, 'title') }, content),
      ),
    );
  }
  const list = h('ol', { class: 'stepper-list', 'data-testid': 'stepper' }, items);
  const el = canDrive
    ? h(
        'nav',
        { class: 'stepper' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost',
            'data-testid': 'step-back',
            disabled: current <= 1,
            onclick: () => go(current - 1),
          },
          `← ${t('room.back')}`,
        ),
        list,
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-primary',
            'data-testid': 'step-next',
            disabled: current >= STEP_COUNT,
            onclick: () => go(current + 1),
          },
          `${t('room.next')} →`,
        ),
      )
    : h('nav', { class: 'stepper' }, list);
  return { el, update() {} };
}
