// The room screen of a participant or a facilitator: the top bar (title, the six steps, the
// clock, who you are), the current step's board, and a side panel (the clock's controls, "I'm
// done", raised hands, who's here, the facilitator's tools). On a phone, and on step 4 where
// the wall fills the screen, the panel is a drawer and the step's actions sit in a bar that
// stays on screen. After the session (a closed room) everyone sees the summary.

import { html, useEffect, useLayoutEffect, useRef, useState } from '../../vendor/preact.js';
import { app, send, unsent } from '../app.js';
import { stepText, t, tn } from '../i18n.js';
import { STEP_COUNT, STEP_MINUTES } from '../limits.js';
import { Announcer, Brand, LanguagePicker, Spinner, Toasts, canEdit, isFacilitator, useSettling } from '../ui/kit.js';
import { HandButton, HandsCard } from './hands.js';
import { ActivityCard, ReadyButton } from './activity.js';
import { PeopleCard } from './people.js';
import { Step1 } from './step1.js';
import { Step2 } from './step2.js';
import { Step3 } from './step3.js';
import { Step4 } from './step4.js';
import { Step5 } from './step5.js';
import { Step6 } from './step6.js';
import { Summary } from './summary.js';
import { TimerCard, TimerChip } from './timer.js';
import { Tools } from './tools.js';
import { UndoButtons, useUndoShortcuts } from './undo.js';
import { useMedia } from '../ui/media.js';

/** The name the server gives a facilitator who gave none (`server/src/room.rs`). */
const DEFAULT_FACILITATOR_NAME = 'Facilitator';

const BOARDS = [Step1, Step2, Step3, Step4, Step5, Step6];

export function Room() {
  const store = app.store;
  if (!store.loaded.value) {
    return html`<div class="centred-page">
      <main class="centred">
        <${Spinner}
          testid="waiting"
          text=${store.status.value === 'connecting' ? t('conn.connecting') : t('conn.reconnecting')}
        />
        <${Unsent} />
      </main>
    </div>`;
  }
  return html`<${RoomScreen} />`;
}

function RoomScreen() {
  const room = app.store.room('step', 'closed', 'settings');
  const you = app.store.presence$().you;
  const step = room.step;
  const narrow = useMedia('(max-width: 760px)');
  const [drawer, setDrawer] = useState(false);
  const [summary, setSummary] = useState(true);
  const compact = narrow || step === 4;
  useEffect(() => {
    document.title = `${room.settings.title || t('room.untitled')} · ${t('app.name')}`;
  });
  useEffect(() => setDrawer(false), [step]);
  useUndoShortcuts();
  const Board = BOARDS[step - 1] ?? Step1;
  const ending = room.closed && summary;
  return html`<div
    class="room role-${you.role} step-${step} ${compact ? 'compact' : 'wide'} ${narrow ? 'narrow' : ''} ${step === 4 && !ending ? 'fullbleed' : ''}"
    data-step=${step}
  >
    <${Header} narrow=${narrow} onPanel=${compact ? () => setDrawer(!drawer) : null} panelOpen=${drawer} />
    <${Banners} onSummary=${room.closed && !summary ? () => setSummary(true) : null} />
    <div class="room-body">
      <main class="board-area" id="board">
        ${ending
          ? html`<${Summary} onBack=${() => setSummary(false)} />`
          : html`${step !== 4 ? html`<${StepHeading} step=${step} />` : null}
              <${Board} />`}
      </main>
      ${!compact || drawer ? html`<${Side} compact=${compact} onClose=${() => setDrawer(false)} />` : null}
    </div>
    ${compact && you.role !== 'viewer' && !ending ? html`<${ActionBar} narrow=${narrow} />` : null}
    <${Toasts} />
    <${Announcer} />
  </div>`;
}

/**
 * The side panel: beside the board, or a drawer over it. Taller than the window (a laptop, a
 * facilitator's participation table), it scrolls by itself and fades at its foot while more of it
 * is below (and at its head while some is above), so that nobody takes the card cut at the
 * window's edge for the last, or a card scrolled half away for the first.
 * @param {{ compact: boolean, onClose: () => void }} props
 */
function Side({ compact, onClose }) {
  const side = useRef(/** @type {HTMLElement | null} */ (null));
  const inner = useRef(/** @type {HTMLDivElement | null} */ (null));
  // In the class the view renders (a class set beside it would be lost at its next render).
  const [more, setMore] = useState('');
  useEffect(() => {
    const panel = side.current;
    if (!panel || !inner.current) return;
    const check = () => {
      // A pixel of rounding is not "more".
      const below = panel.scrollTop + panel.clientHeight < panel.scrollHeight - 1;
      const above = panel.scrollTop > 1;
      setMore(`${below ? 'more-below' : ''} ${above ? 'more-above' : ''}`.trim());
    };
    // The panel's own size (the window) and its content's (a card that grows) both change it.
    const sizes = new ResizeObserver(check);
    sizes.observe(panel);
    sizes.observe(inner.current);
    panel.addEventListener('scroll', check, { passive: true });
    check();
    return () => {
      sizes.disconnect();
      panel.removeEventListener('scroll', check);
    };
  }, []);
  return html`<aside class="side ${compact ? 'drawer' : ''} ${more}" aria-label=${t('room.panel')} data-testid="side-panel" ref=${side}>
    <div class="side-inner" ref=${inner}>
      ${compact
        ? html`<button type="button" class="btn btn-ghost drawer-close" onClick=${onClose}>${t('room.panel.close')}</button>`
        : null}
      <${SidePanel} compact=${compact} />
    </div>
  </aside>`;
}

/** @param {{ compact: boolean }} props */
function SidePanel({ compact }) {
  const you = app.store.presence$().you;
  // A closed room has no countdown to run and no step to finish: only who is here, and the tools.
  const open = !app.store.room('closed').closed;
  return html`
    ${isFacilitator(you) && open ? html`<${TimerCard} />` : null}
    ${compact || !open ? null : html`<${ActivityCard} />`}
    <${HandsCard} />
    <${PeopleCard} />
    ${isFacilitator(you) && app.key ? html`<${Tools} />` : null}
  `;
}

/**
 * The bar that stays on screen on a phone (and on the wall): hand, "I'm done", undo.
 * @param {{ narrow: boolean }} props
 */
function ActionBar({ narrow }) {
  const bar = useRef(/** @type {HTMLElement | null} */ (null));
  // A field that gets the focus under the bar is brought up above it: the browser scrolls a
  // focused field into the window, not out from under what is fixed over the window.
  useEffect(() => {
    /** @param {FocusEvent} ev */
    const onFocus = (ev) => {
      const field = ev.target;
      const over = bar.current?.getBoundingClientRect();
      if (!(field instanceof HTMLElement) || !over || over.width === 0 || bar.current?.contains(field)) return;
      const box = field.getBoundingClientRect();
      if (box.bottom > over.top && box.top < over.bottom) field.scrollIntoView({ block: 'nearest' });
    };
    document.addEventListener('focusin', onFocus);
    return () => document.removeEventListener('focusin', onFocus);
  }, []);
  return html`<nav class="action-bar" aria-label=${t('room.actions')} data-testid="action-bar" ref=${bar}>
    <${HandButton} />
    <${UndoButtons} short=${narrow} />
    <${ReadyButton} />
  </nav>`;
}

/**
 * The room's title keeps at least this much of the top bar (or all it needs, if less): words
 * in the bar go before it is cut shorter.
 */
const TITLE_ROOM_PX = 224;
/** How many sets of words the top bar can shed for the title (see `.topbar[data-shed]`). */
const MAX_SHED = 3;

/**
 * Sheds the top bar's words, one set at a time, until the room's title has its room: the
 * running clock's word, the other steps' names, then the current step's name. The role after
 * one's name goes when that is not enough, or when the name itself would be cut. The widths at
 * which that happens depend on the language and the title, so it is measured here rather than
 * guessed in the style sheet; it runs again whenever the bar or the title changes size.
 * @param {{ current: HTMLElement | null }} bar
 */
function useShedding(bar) {
  useLayoutEffect(() => {
    const el = bar.current;
    const title = el?.querySelector('.room-title');
    if (!el || !title) return;
    const cut = (/** @type {Element} */ box) => box.scrollWidth > box.clientWidth;
    const fit = () => {
      // On a narrow screen the heading is capped smaller (style.css); the title wants no more.
      const heading = parseFloat(getComputedStyle(title.parentElement ?? title).maxWidth) || Infinity;
      const short = () => cut(title) && title.clientWidth < Math.min(TITLE_ROOM_PX, heading) - 1;
      el.dataset.role = 'shown';
      let level = 0;
      el.dataset.shed = '0';
      while (level < MAX_SHED && short()) el.dataset.shed = String(++level);
      const chip = el.querySelector('.you-chip');
      if (short() || (chip && cut(chip))) el.dataset.role = 'shed';
    };
    fit();
    const observer = new ResizeObserver(fit);
    // The bar's width (the window's) and the title's box (a longer step name, a clock started):
    // a title already at its cap does not change when the bar widens, but the name's room does.
    observer.observe(el);
    observer.observe(title);
    return () => observer.disconnect();
  }, []);
}

/** @param {{ narrow: boolean, onPanel: (() => void) | null, panelOpen: boolean }} props */
function Header({ narrow, onPanel, panelOpen }) {
  const room = app.store.room('settings', 'members', 'step');
  const view = app.store.presence$();
  const status = app.store.status.value;
  const me = view.you.member_id ? room.members[view.you.member_id] : undefined;
  // A viewer on this screen is a newcomer let in to read a closed room (wall displays have
  // their own screen).
  const role = view.you.role === 'viewer' ? t('role.reader') : t(`role.${view.you.role}`);
  // A facilitator who gave no name is called by the role, which the chip says already.
  const unnamed = !me || me.name === role || me.name === DEFAULT_FACILITATOR_NAME;
  const bar = useRef(/** @type {HTMLElement | null} */ (null));
  useShedding(bar);
  return html`<header class="topbar" ref=${bar}>
    <${Brand} />
    <div class="room-heading">
      <h1 class="room-title" data-testid="room-title" title=${room.settings.title}>${room.settings.title || t('room.untitled')}</h1>
      ${room.settings.organisation
        ? html`<span class="room-org" data-testid="room-org">${room.settings.organisation}</span>`
        : null}
    </div>
    <${Stepper} narrow=${narrow} />
    <${TimerChip} />
    <span class="status status-${status}" data-testid="status" title=${t(`conn.${status}`)}>
      <span class="status-dot" aria-hidden="true"></span><span class="status-text">${t(`conn.${status}`)}</span>
    </span>
    <span class="you-chip" data-testid="you">${unnamed ? role : html`${me.name}<span class="you-role"> · ${role}</span>`}</span>
    <${LanguagePicker} />
    ${onPanel
      ? html`<button
          type="button"
          class="btn btn-secondary btn-small panel-toggle"
          aria-expanded=${String(panelOpen)}
          aria-label=${t('room.panel')}
          data-testid="panel-toggle"
          onClick=${onPanel}
        >
          <span aria-hidden="true">☰</span><span class="panel-label">${t('room.panel')}</span>
        </button>`
      : null}
  </header>`;
}

/** The six steps; for a facilitator also Back and Next, and each step a button. */
/** @param {{ narrow: boolean }} props */
function Stepper({ narrow }) {
  const room = app.store.room('step', 'closed');
  const you = app.store.presence$().you;
  const drive = isFacilitator(you) && canEdit(you, room);
  const current = room.step;
  const settling = useSettling(current);
  const go = (/** @type {number} */ step) => send({ type: 'step.set', step });
  const steps = Array.from({ length: STEP_COUNT }, (_, i) => i + 1);
  return html`<nav class="stepper" aria-label=${t('room.steps')}>
    ${drive
      ? html`<button
          type="button"
          class="btn btn-ghost btn-small"
          data-testid="step-back"
          aria-label=${t('room.back')}
          disabled=${current <= 1 || settling}
          onClick=${() => go(current - 1)}
        >
          ←${narrow ? null : html`<span class="step-nav-label">${t('room.back')}</span>`}
        </button>`
      : null}
    <ol class="stepper-list" data-testid="stepper">
      ${steps.map((step) => {
        const state = step < current ? 'done' : step === current ? 'current' : 'todo';
        const content = html`<span class="step-num">${step}</span><span class="step-label">${stepText(step, 'short')}</span>`;
        return html`<li class="stepper-item ${state}" aria-current=${step === current ? 'step' : undefined}>
          ${drive
            ? html`<button
                type="button"
                class="stepper-link"
                title=${t('room.go_to_step', { n: step, title: stepText(step, 'title') })}
                data-step=${step}
                onClick=${() => go(step)}
              >
                ${content}
              </button>`
            : html`<span class="stepper-link" title=${stepText(step, 'title')}>${content}</span>`}
        </li>`;
      })}
    </ol>
    ${drive
      ? html`<button
          type="button"
          class="btn btn-primary btn-small"
          data-testid="step-next"
          aria-label=${t('room.next')}
          disabled=${current >= STEP_COUNT || settling}
          onClick=${() => go(current + 1)}
        >
          ${narrow ? null : html`<span class="step-nav-label">${t('room.next')}</span>`}→
        </button>`
      : null}
  </nav>`;
}

/** "Step 2 of 6 · about 15 min", the step's title and what to do now. */
/** @param {{ step: number }} props */
export function StepHeading({ step }) {
  const room = app.store.room('definitions');
  // Once step 3's sentences are up on the wall, the room listens and highlights; it no longer writes.
  const now = step === 3 && room.definitions.wall.shown ? t('step.3.now_wall') : stepText(step, 'now');
  return html`<div class="step-heading">
    <p class="eyebrow">
      ${t('room.step_of', { n: step, total: STEP_COUNT })}<span class="eyebrow-sep" aria-hidden="true">·</span>
      ${t('room.duration', { n: STEP_MINUTES[step - 1] })}
    </p>
    <h2 class="step-title" data-testid="step-title">${stepText(step, 'title')}</h2>
    <p class="now" data-testid="now"><span class="now-label">${t('room.now')}</span> ${now}</p>
  </div>`;
}

/** How many of the words waiting to be sent the banner lists; the rest it counts. */
const UNSENT_SHOWN = 3;

/**
 * The notes, cards and areas added while the line is down, kept until it is back (also by a
 * reloaded page that waits for the room: what the tab kept is named there).
 */
function Unsent() {
  const words = unsent.value;
  if (words.length === 0) return null;
  const shown = words.slice(-UNSENT_SHOWN);
  const more = words.length - shown.length;
  return html`<span class="unsent" data-testid="unsent">
    <span class="unsent-label">${tn('conn.unsent', words.length)}</span>
    ${shown.map((w) => html`<q class="unsent-item" dir="auto">${w.text}</q>`)}
    ${more > 0 ? html`<span class="unsent-more">${t('conn.unsent_more', { n: more })}</span>` : null}
  </span>`;
}

/**
 * Reconnecting, and the closed room. Over the wall (which fills the screen) they float, one
 * under the other, and the room's element says how tall they are (`--banners-h`), so that what
 * floats at the top of the wall moves down out from under them.
 * @param {{ onSummary: (() => void) | null }} props
 */
function Banners({ onSummary }) {
  const room = app.store.room('closed');
  const you = app.store.presence$().you;
  const status = app.store.status.value;
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    const box = ref.current;
    const holder = box?.parentElement;
    if (!box || !holder) return undefined;
    const observer = new ResizeObserver(() => holder.style.setProperty('--banners-h', `${box.offsetHeight}px`));
    observer.observe(box);
    return () => observer.disconnect();
  }, []);
  return html`<div class="banners" ref=${ref}>
    ${status === 'reconnecting'
      ? html`<div class="banner" role="status" data-testid="reconnecting">
          <span>${t('conn.banner')}</span>
          <${Unsent} />
        </div>`
      : null}
    ${room.closed
      ? html`<div class="closed-banner" role="status" data-testid="closed-banner">
          <p>${t('closed.banner')}</p>
          ${onSummary
            ? html`<button type="button" class="btn btn-secondary btn-small" onClick=${onSummary}>${t('summary.show')}</button>`
            : null}
          ${isFacilitator(you)
            ? html`<button
                type="button"
                class="btn btn-secondary btn-small"
                data-testid="room-reopen-banner"
                onClick=${() => send({ type: 'room.close', closed: false })}
              >
                ${t('closed.reopen')}
              </button>`
            : null}
        </div>`
      : null}
  </div>`;
}
