// The step's countdown: a clock in the top bar for everyone (time left, corrected by the
// server clock offset; a visible "time's up" and, if the person turned it on, a chime), and the
// facilitator's controls (start with the step's suggested duration, pause, resume, +1/+5 min,
// clear). Each step keeps its own timer, so going back shows that step's.

import { html, useEffect, useRef, useState } from '../../vendor/preact.js';
import { app, extendTimer, send } from '../app.js';
import { t } from '../i18n.js';
import { MAX_TIMER_MINUTES, STEP_MINUTES } from '../limits.js';
import { loadFlag, saveFlag } from '../saved.js';
import { countdown, formatClock, timerOf } from '../timer.js';
import { toast } from '../ui/kit.js';

/** @typedef {import('../timer.js').Countdown} Countdown */

const MINUTE_MS = 60_000;
/** How often the clock redraws: often enough that seconds never skip visibly. */
const TICK_MS = 250;

/** The countdown of the room's current step, redrawn as time passes. @returns {Countdown} */
export function useCountdown() {
  const room = app.store.room('step', 'timer');
  const [, tick] = useState(0);
  const timer = timerOf(room, room.step);
  useEffect(() => {
    if (timer.state !== 'running') return;
    const id = setInterval(() => tick((n) => n + 1), TICK_MS);
    return () => clearInterval(id);
  }, [timer]);
  return countdown(timer, app.store.serverNow());
}

let audio = /** @type {AudioContext | null} */ (null);

/** Three short rising tones. */
function chime() {
  if (!audio) return;
  const start = audio.currentTime;
  [660, 880, 990].forEach((hz, i) => {
    const osc = /** @type {AudioContext} */ (audio).createOscillator();
    const gain = /** @type {AudioContext} */ (audio).createGain();
    osc.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, start + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.3, start + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.25 + 0.22);
    osc.connect(gain).connect(/** @type {AudioContext} */ (audio).destination);
    osc.start(start + i * 0.25);
    osc.stop(start + i * 0.25 + 0.25);
  });
}

/**
 * Calls `onUp` when the clock reaches zero while this page watches it (not when a page opens
 * on a timer that ran out earlier).
 * @param {Countdown} now @param {() => void} onUp
 */
export function useTimesUp(now, onUp) {
  const last = useRef(now.phase);
  useEffect(() => {
    if (last.current === 'running' && now.phase === 'up') onUp();
    last.current = now.phase;
  }, [now.phase]);
}

/** The clock in the top bar, with the chime switch. */
export function TimerChip() {
  const now = useCountdown();
  const [sound, setSound] = useState(() => loadFlag('chime'));
  useTimesUp(now, () => {
    toast(t('timer.up.toast'), 'alert');
    if (sound) chime();
  });
  const fraction = now.phase === 'idle' || now.totalMs <= 0 ? 0 : now.remainingMs / now.totalMs;
  return html`<div class="timer-chip phase-${now.phase}" data-testid="countdown" data-phase=${now.phase}>
    <span class="timer-phase" data-testid="timer-phase">${t(`timer.${now.phase}`)}</span>
    ${now.phase === 'idle'
      ? null
      : html`<span class="clock" role="timer" data-testid="clock">${formatClock(now.remainingMs)}</span>
          <span class="timer-bar" aria-hidden="true"><span class="timer-fill" style=${{ width: `${(fraction * 100).toFixed(1)}%` }}></span></span>`}
    <button
      type="button"
      class="btn btn-ghost btn-icon chime"
      aria-pressed=${String(sound)}
      aria-label=${t('timer.sound')}
      title=${t('timer.sound')}
      data-testid="timer-sound"
      onClick=${() => {
        const on = !sound;
        setSound(on);
        saveFlag('chime', on);
        if (on) {
          audio ??= new AudioContext();
          audio.resume();
        }
      }}
    >
      <svg viewBox="0 0 24 24" aria-hidden="true">
        <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0" />
        ${sound ? null : html`<path d="M3 3l18 18" />`}
      </svg>
    </button>
  </div>`;
}

/** The facilitator's controls of the current step's countdown. */
export function TimerCard() {
  const room = app.store.room('step', 'closed');
  const now = useCountdown();
  const [minutes, setMinutes] = useState(STEP_MINUTES[room.step - 1]);
  useEffect(() => setMinutes(STEP_MINUTES[room.step - 1]), [room.step]);
  const button = (/** @type {string} */ label, /** @type {() => unknown} */ act, /** @type {string} */ testid, kind = 'btn-secondary') =>
    html`<button type="button" class="btn ${kind} btn-small" data-testid=${testid} disabled=${room.closed} onClick=${act}>
      ${label}
    </button>`;
  const extend = [
    button(t('timer.extend1'), () => extendTimer(MINUTE_MS), 'timer-extend1'),
    button(t('timer.extend5'), () => extendTimer(5 * MINUTE_MS), 'timer-extend5'),
  ];
  const clear = button(t('timer.clear'), () => send({ type: 'timer.clear' }), 'timer-clear', 'btn-ghost');
  return html`<section class="card timer-card" aria-label=${t('timer.heading')}>
    <h2 class="card-title">${t('timer.heading')}</h2>
    <div class="timer-controls" data-testid="timer-controls">
      ${now.phase === 'idle'
        ? html`<form
            class="timer-start"
            onSubmit=${(/** @type {Event} */ ev) => {
              ev.preventDefault();
              if (minutes > 0 && minutes <= MAX_TIMER_MINUTES)
                send({ type: 'timer.start', duration_ms: Math.round(minutes * MINUTE_MS) });
            }}
          >
            <label class="minutes">
              <input
                type="number"
                min="1"
                max=${MAX_TIMER_MINUTES}
                value=${minutes}
                class="minutes-input"
                aria-label=${t('timer.minutes')}
                data-testid="timer-minutes"
                onInput=${(/** @type {any} */ ev) => setMinutes(Number(ev.target.value))}
              />
              <span>${t('timer.minutes')}</span>
            </label>
            <button type="submit" class="btn btn-primary btn-small" data-testid="timer-start" disabled=${room.closed}>
              ${t('timer.start')}
            </button>
          </form>`
        : now.phase === 'running'
          ? [button(t('timer.pause'), () => send({ type: 'timer.pause' }), 'timer-pause', 'btn-primary'), ...extend, clear]
          : now.phase === 'paused'
            ? [button(t('timer.resume'), () => send({ type: 'timer.resume' }), 'timer-resume', 'btn-primary'), ...extend, clear]
            : [...extend, clear]}
    </div>
  </section>`;
}
