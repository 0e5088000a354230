// The room screen for every role: top bar, step progress, the current step's heading and
// board, the countdown, who's here, and the facilitator's panels. The layout is rebuilt when
// the language, lens, step or role changes; otherwise each part updates itself from the store.

import { h } from '../dom.js';
import { language, lens, onLanguageChange, setRoomDefaults, stepText, t } from '../i18n.js';
import { STEP_COUNT, STEP_MINUTES } from '../limits.js';
import { countdownPart } from './countdown.js';
import { bannerPart, headerPart } from './header.js';
import { centredPage } from './parts.js';
import { presencePart } from './presence.js';
import { settingsPart } from './settings.js';
import { sharePart } from './share.js';
import { step1Part } from './step1.js';
// Steps 2-3
import { activityPart, participationPart } from './participation.js';
import { step2Part } from './step2.js';
import { workingDefinitionBanner } from './defwall.js';
import { step3Part } from './step3.js';

// Steps 4-6
import { closedBannerPart, exportPart } from './export.js';
import { steps456Part } from './steps456.js';
import { stepperPart } from './stepper.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('../store.js').Store} Store */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../conn.js').Connection} Connection */

/**
 * What every part of the room screen may use.
 * @typedef {object} RoomCtx
 * @property {Store} store
 * @property {Connection} conn
 * @property {string} roomId
 * @property {string | null} facilitatorKey from the link fragment, for the co-facilitator link
 * @property {Map<string, string>} drafts text typed but not yet sent, kept across rebuilds
 * @property {Set<string>} openPanels collapsible panels the person opened, kept across rebuilds
 */

/** Parts drawn only from stored state and presence, never from live drags or typing. */
/** @type {WeakSet<Part>} */
const stableParts = new WeakSet();

/** How often countdowns redraw: often enough that seconds never skip visibly. */
const TICK_MS = 250;

/**
 * Mounts the room screen into `root`; returns its teardown.
 * @param {HTMLElement} root
 * @param {RoomCtx} ctx
 * @returns {() => void}
 */
export function mountRoom(root, ctx) {
  let layoutKey = '';
  /** @type {Part[]} */
  let parts = [];
  // Steps 4-6: what the stable parts were last drawn from (see `stableParts`).
  let stableKey = '';
  /** @type {Set<string> | null} */
  let stableOnline = null;

  function render() {
    const view = ctx.store.view;
    if (!view) {
      const key = `waiting|${language()}|${ctx.store.status}`;
      if (key !== layoutKey) {
        layoutKey = key;
        parts = [];
        root.replaceChildren(waitingPage(ctx));
      }
      return;
    }
    const { settings, step } = view.room;
    setRoomDefaults(settings.language, settings.lens);
    const key = [language(), lens(), step, view.you.role].join('|');
    if (key !== layoutKey) {
      layoutKey = key;
      parts = layout(root, ctx, view);
      stableKey = '';
    }
    // Live drags and typing arrive many times a second and change nothing stored: the parts
    // that never show them are left alone then.
    const stored = `${view.room.seq}|${ctx.store.status}|${view.viewers}`;
    const quiet = stored === stableKey && view.online === stableOnline;
    stableKey = stored;
    stableOnline = view.online;
    for (const part of parts) if (!(quiet && stableParts.has(part))) part.update(view);
  }

  const unsubscribe = ctx.store.subscribe(render);
  const stopLanguage = onLanguageChange(() => {
    layoutKey = '';
    render();
  });
  const ticker = setInterval(() => {
    for (const part of parts) part.tick?.();
  }, TICK_MS);
  render();
  return () => {
    unsubscribe();
    stopLanguage();
    clearInterval(ticker);
    document.documentElement.classList.remove('wall');
  };
}

/**
 * Before the first `welcome`: a spinner saying whether this is the first try or a retry.
 * @param {RoomCtx} ctx
 */
function waitingPage(ctx) {
  const label = ctx.store.status === 'connecting' ? t('conn.connecting') : t('conn.reconnecting');
  return centredPage(
    h(
      'div',
      { class: 'loading', 'data-testid': 'waiting' },
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      label,
    ),
  );
}

/**
 * Builds the whole room screen for `view`; returns its parts.
 * @param {HTMLElement} root
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @returns {Part[]}
 */
function layout(root, ctx, view) {
  const role = view.you.role;
  const step = view.room.step;
  const canDrive = role === 'facilitator';
  document.documentElement.classList.toggle('wall', role === 'viewer');

  const header = headerPart(ctx);
  const banner = bannerPart(ctx);
  // Steps 4-6: "this room is closed", on every step.
  const closed = closedBannerPart(ctx);
  const stepper = stepperPart(ctx, step, canDrive);
  const board =
    step === 1
      ? step1Part(ctx, view)
      : step === 2
        ? step2Part(ctx, view)
        : step === 3
          ? step3Part(ctx, view)
                    : steps456Part(ctx, view, step);
  const timer = countdownPart(ctx, step, canDrive);
  const people = presencePart(ctx);
  // Steps 2-3: "I'm done" and Undo beside the countdown, the facilitator's participation panel
  // under the board, in every step.
  const activity = activityPart(ctx, view);
  const participation = participationPart(ctx, view);
  // The room's working definition (step 3) as a banner over the later boards.
  const working = step > 3 ? workingDefinitionBanner() : null;
  const acrossSteps = [activity, participation, working].filter((p) => p !== null);
  /** @type {Part[]} */
  const tools =
    canDrive && ctx.facilitatorKey
      ? [
          sharePart(ctx, ctx.facilitatorKey),
          settingsPart(ctx, view.room.settings),
          exportPart(ctx, ctx.facilitatorKey),
        ]
      : [];

  root.replaceChildren(
    h(
      'div',
      { class: `room role-${role}`, 'data-step': step },
      header.el,
      banner.el,
      closed.el,
      stepper.el,
      h(
        'main',
        { class: 'room-grid' },
        h('section', { class: 'area-board' }, stepHeading(step), working?.el, board.el, participation?.el),
        h('div', { class: 'area-timer' }, timer.el, activity?.el),
        h('div', { class: 'area-people' }, people.el),
        tools.length
          ? h(
              'div',
              { class: 'area-tools' },
              tools.map((p) => p.el),
            )
          : null,
      ),
    ),
  );
  for (const part of [header, banner, closed, stepper, timer, people, ...tools, ...acrossSteps]) {
    stableParts.add(part);
  }
  return [header, banner, closed, stepper, board, timer, people, ...tools, ...acrossSteps];
}

/**
 * "Step 2 of 6", the step's title and purpose, and what people are asked to do now.
 * @param {number} step
 */
function stepHeading(step) {
  return h(
    'div',
    { class: 'step-heading' },
    h(
      'p',
      { class: 'eyebrow' },
      t('room.step_of', { n: step, total: STEP_COUNT }),
      h('span', { class: 'eyebrow-sep', 'aria-hidden': 'true' }, '·'),
      t('room.duration', { n: STEP_MINUTES[step - 1] }),
    ),
    h('h2', { class: 'step-title', 'data-testid': 'step-title' }, stepText(step, 'title')),
    h('p', { class: 'step-purpose' }, stepText(step, 'purpose')),
    h(
      'div',
      { class: 'now', 'data-testid': 'now' },
      h('span', { class: 'now-label' }, t('room.now')),
      h('p', null, stepText(step, 'now')),
    ),
  );
}
