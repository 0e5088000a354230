// The countdown card: time left (mm:ss, corrected by the server clock offset), a progress bar,
// "time's up"; for a facilitator also start (prefilled with the step's default), pause, resume,
// +1/+5 min and clear.

import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { MAX_TIMER_MINUTES, STEP_MINUTES } from '../limits.js';
import { countdown, formatClock } from '../timer.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../timer.js').Countdown} Countdown */
/** @typedef {import('../protocol').Command} Command */

const MINUTE_MS = 60_000;

/**
 * @param {RoomCtx} ctx
 * @param {number} step the step the room is in (for the default duration)
 * @param {boolean} canDrive a facilitator, who runs the countdown
 * @returns {Part}
 */
export function countdownPart(ctx, step, canDrive) {
  const phaseLabel = h('span', { class: 'chip', 'data-testid': 'timer-phase' });
  const clock = h('div', { class: 'clock', 'data-testid': 'clock', role: 'timer' });
  const fillBar = h('div', { class: 'progress-fill' });
  const bar = h('div', { class: 'progress' }, fillBar);
  const controls = h('div', { class: 'timer-controls', 'data-testid': 'timer-controls' });
  let minutes = STEP_MINUTES[step - 1];
  const el = h(
    'section',
    { class: 'card countdown', 'data-testid': 'countdown' },
    h('div', { class: 'card-head' }, h('h2', null, t('timer.heading')), phaseLabel),
    clock,
    bar,
    canDrive ? controls : null,
  );

  /** @type {Countdown['phase'] | null} */
  let shownPhase = null;

  /** @param {Command} cmd */
  const send = (cmd) => ctx.conn.send(cmd);

  /** @param {string} label @param {Command} cmd @param {string} testid @param {string} [kind] */
  const button = (label, cmd, testid, kind = 'btn-secondary') =>
    h(
      'button',
      { type: 'button', class: `btn ${kind}`, 'data-testid': testid, onclick: () => send(cmd) },
      label,
    );

  /** @param {Countdown['phase']} phase */
  function renderControls(phase) {
    const extend = [
      button(t('timer.extend1'), { type: 'timer.extend', by_ms: MINUTE_MS }, 'timer-extend1'),
      button(t('timer.extend5'), { type: 'timer.extend', by_ms: 5 * MINUTE_MS }, 'timer-extend5'),
    ];
    const clear = button(t('timer.clear'), { type: 'timer.clear' }, 'timer-clear', 'btn-ghost');
    if (phase === 'idle') {
      const input = h('input', {
        type: 'number',
        min: 1,
        max: MAX_TIMER_MINUTES,
        value: String(minutes),
        class: 'minutes-input',
        'aria-label': t('timer.minutes'),
        'data-testid': 'timer-minutes',
        oninput: () => (minutes = Number(input.value)),
      });
      const start = h(
        'button',
        {
          type: 'submit',
          class: 'btn btn-primary',
          'data-testid': 'timer-start',
        },
        t('timer.start'),
      );
      fill(
        controls,
        h(
          'form',
          {
            class: 'timer-start',
            onsubmit: (/** @type {SubmitEvent} */ ev) => {
              ev.preventDefault();
              if (minutes > 0 && minutes <= MAX_TIMER_MINUTES) {
                send({ type: 'timer.start', duration_ms: Math.round(minutes * MINUTE_MS) });
              }
            },
          },
          h('label', { class: 'minutes' }, input, h('span', null, t('timer.minutes'))),
          start,
        ),
      );
    } else if (phase === 'paused') {
      fill(
        controls,
        button(t('timer.resume'), { type: 'timer.resume' }, 'timer-resume', 'btn-primary'),
        extend,
        clear,
      );
    } else if (phase === 'running') {
      fill(
        controls,
        button(t('timer.pause'), { type: 'timer.pause' }, 'timer-pause', 'btn-primary'),
        extend,
        clear,
      );
    } else {
      fill(controls, extend, clear);
    }
  }

  function tick() {
    const view = ctx.store.view;
    if (!view) return;
    const now = countdown(view.room.timer, ctx.store.serverNow());
    if (now.phase !== shownPhase) {
      shownPhase = now.phase;
      el.dataset.phase = now.phase;
      phaseLabel.textContent = t(now.phase === 'up' ? 'timer.up' : `timer.${now.phase}`);
      if (canDrive) renderControls(now.phase);
    }
    clock.hidden = bar.hidden = now.phase === 'idle';
    if (now.phase !== 'idle') {
      clock.textContent = formatClock(now.remainingMs);
      const fraction = now.totalMs > 0 ? now.remainingMs / now.totalMs : 0;
      fillBar.style.width = `${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%`;
    }
  }

  return { el, update: tick, tick };
}
