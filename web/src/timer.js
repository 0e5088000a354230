// Countdown arithmetic: a step's timer, what it means at a given server time, and mm:ss.

/** @typedef {import('./protocol').Timer} Timer */
/** @typedef {import('./protocol').RoomState} RoomState */

/** @type {Timer} */
const IDLE = { state: 'idle' };

/**
 * The countdown of `step` (each step keeps its own; going back shows its state).
 * @param {RoomState} room
 * @param {number} step
 * @returns {Timer}
 */
export function timerOf(room, step) {
  return room.timers[step - 1] ?? IDLE;
}

/**
 * @typedef {{ phase: 'idle' } |
 *   { phase: 'running' | 'paused' | 'up', remainingMs: number, totalMs: number }} Countdown
 */

/**
 * @param {Timer} timer
 * @param {number} serverNow the server's clock now (ms since the Unix epoch)
 * @returns {Countdown}
 */
export function countdown(timer, serverNow) {
  switch (timer.state) {
    case 'idle':
      return { phase: 'idle' };
    case 'paused':
      return { phase: 'paused', remainingMs: timer.remaining_ms, totalMs: timer.total_ms };
    case 'running': {
      const remainingMs = Math.max(0, timer.ends_at - serverNow);
      return { phase: remainingMs > 0 ? 'running' : 'up', remainingMs, totalMs: timer.total_ms };
    }
  }
}

/**
 * Minutes and seconds, rounded up so "00:00" appears only when time is really up.
 * @param {number} ms
 */
export function formatClock(ms) {
  const seconds = Math.ceil(Math.max(0, ms) / 1000);
  const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return `${mm}:${ss}`;
}
