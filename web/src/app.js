// The room this page is in: its store, its connection and its links. Set once by session.js
// before any room view is drawn, and read by the views (one room per page).

/** @typedef {import('./store.js').Store} Store */
/** @typedef {import('./conn.js').Connection} Connection */

import { signal } from '../vendor/preact.js';
import * as Y from '../vendor/yjs.js';
import { fromBase64, textKey } from './apply.js';
import { KEPT_TOO_LONG, WITHDRAWN } from './conn.js';
import { rejectText, t } from './i18n.js';
import { toast } from './ui/kit.js';

export const app = {
  /** @type {Store} */
  store: /** @type {any} */ (null),
  /** @type {Connection} */
  conn: /** @type {any} */ (null),
  roomId: '',
  /** @type {string | null} the facilitator key from the link fragment */
  key: null,
};

/**
 * Commands that steer the room for everyone. Made while the line is down they are not kept
 * for later: replayed when it comes back (seconds or a minute on) they would pull the room
 * back to a step, a speaker or a countdown that others have moved on from.
 */
const STEERING = new Set([
  'step.set',
  'queue.call',
  'queue.next',
  'queue.set',
  'queue.shuffle',
  'timer.start',
  'timer.pause',
  'timer.resume',
  'timer.extend',
  'timer.clear',
  'groups.form',
  'teams.form',
  'teams.from_groups',
  'notes.reveal',
  'present.set',
  'wall.show',
  'wall.read',
  'vote.open',
  'vote.close',
  'ranking.set',
  'ranking.finalise',
  'room.close',
]);

/** The outcome's message of a steering command not sent (the person has been told already). */
const NOT_SENT = 'not sent: the connection is down';

/**
 * Sends a durable command (see conn.js); one that steers the room is not sent while the line
 * is down, and the person is told.
 * @param {import('./protocol').Command} cmd
 * @param {boolean} [ownRefusal] the caller tells the person about a refusal itself
 * @param {string | null} [words] what it adds, in the person's words (see conn.js)
 * @returns {Promise<import('./conn.js').Outcome>}
 */
export function send(cmd, ownRefusal = false, words = null) {
  if (STEERING.has(cmd.type) && !app.conn.welcomed) {
    toast(t('conn.not_sent'), 'error');
    return Promise.resolve({ ok: false, code: 'conflict', message: NOT_SENT });
  }
  return app.conn.send(cmd, ownRefusal, words);
}

/**
 * Sends a command that adds what the person wrote (`sent`), emptying the field at once; if the
 * room refuses it (too long, the room closed, the board closed while the line was down), the
 * person is told which words were not added and why, and the words come back into the field
 * unless they have started something new meanwhile. Taken back before it was sent (the line
 * is down: ui/sending.js), the words come back into the field, if it is empty.
 * @template {string | null} T the field's state (null: a field that is closed)
 * @param {import('./protocol').Command} cmd
 * @param {string} sent
 * @param {(update: (now: T) => T) => void} setText the field's state setter
 * @param {Partial<Record<import('./protocol').ErrorCode, string>>} [why] this field's own
 *   reason for a refusal, by its code (else the code's)
 */
export async function sendWords(cmd, sent, setText, why = {}) {
  setText(() => /** @type {T} */ (''));
  const takeBack = () => {
    /** @type {T | undefined} */
    let now;
    setText((text) => (now = text));
    // Into a field that holds new words already they would make one card of two.
    if (now) toast(t('conn.take_back.busy'), 'error');
    else app.conn.withdraw(cmd);
  };
  const entry = { text: sent, cmd, takeBack };
  unsent.value = [...unsent.value, entry];
  const outcome = await send(cmd, true, sent);
  unsent.value = unsent.value.filter((e) => e !== entry);
  if (!outcome.ok && outcome.message === WITHDRAWN) {
    setText(() => /** @type {T} */ (sent));
  } else if (!outcome.ok) {
    const reason = why[outcome.code] ?? refusalReason(outcome);
    toast(t('words.refused', { text: shortened(sent), reason }), 'error');
    setText((now) => /** @type {T} */ (now || sent));
  }
  return outcome;
}

/**
 * Whether a command made on this page may still be sent by a later page of the room (a reload,
 * a tab the phone discarded or the person closed): what a person made, yes; what steers the
 * room, and undo or redo (which take back whatever is newest when they arrive), no.
 * @param {import('./protocol').Command} cmd
 */
export const keepsAcrossPages = (cmd) => !STEERING.has(cmd.type) && cmd.type !== 'undo' && cmd.type !== 'redo';

/**
 * What settles a command an earlier page made and this one sends: its words are on the banner
 * until the room has them, and a refusal names them (their field is gone); a refused
 * `text.edit` takes its words out of the open editor of that text again.
 * @param {import('./protocol').Command} cmd
 * @param {string | null} words
 * @returns {(outcome: import('./conn.js').Outcome) => void}
 */
export function revive(cmd, words) {
  if (cmd.type === 'text.edit') {
    const { target, update } = cmd;
    return (outcome) => textRefused(target, fromBase64(update), outcome);
  }
  if (words === null) return () => {};
  const entry = { text: words, cmd };
  unsent.value = [...unsent.value, entry];
  return (outcome) => {
    unsent.value = unsent.value.filter((e) => e !== entry);
    if (!outcome.ok) toast(t('words.refused', { text: shortened(words), reason: keptReason(outcome) }), 'error');
  };
}

/**
 * A shared text did not take what was typed here: every open editor of it (the field, or the
 * card that shows it elsewhere on the page) starts again from the room's copy, and the person
 * is told which words (the strings the refused update adds, in the order typed) and why.
 * @param {import('./protocol').TextTarget} target
 * @param {Uint8Array} update the refused Yjs update
 * @param {import('./conn.js').Outcome} outcome
 */
export function textRefused(target, update, outcome) {
  if (outcome.ok) return;
  const key = textKey(target);
  for (const holder of holders) if (holder.key === key) holder.restart();
  const reason =
    outcome.code === 'too_long'
      ? t('text.refused.too_long')
      : outcome.code === 'forbidden'
        ? t('text.refused.forbidden')
        : keptReason(outcome);
  const words = typedWords(update).trim();
  toast(words ? t('words.refused', { text: shortened(words), reason }) : t('text.refused', { message: reason }), 'error');
}

/** @param {Uint8Array} update @returns {string} the strings it inserts */
function typedWords(update) {
  try {
    return Y.decodeUpdate(update)
      .structs.map((s) => (s instanceof Y.Item && s.content instanceof Y.ContentString ? s.content.str : ''))
      .join('');
  } catch {
    return '';
  }
}

/**
 * Why a command a previous page made was not taken.
 * @param {{ code: import('./protocol').ErrorCode, message: string }} refusal
 */
const keptReason = (refusal) => (refusal.message === KEPT_TOO_LONG ? t('conn.kept_too_long') : refusalReason(refusal));

/** How much of someone's words a message quotes. */
const QUOTED_CHARS = 60;

/** @param {string} text */
const shortened = (text) => (text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS - 1)}…` : text);

/**
 * Drops a post-it (`note.drop`), saying which change this page had seen (`seen`): the room
 * refuses the drop if someone else has moved the note since (made offline, or on a screen
 * behind, it would undo a move this person never saw), and the person is told.
 * @param {Omit<Extract<import('./protocol').Command, { type: 'note.drop' }>, 'type' | 'seen'>} drop
 * @param {number | undefined} [seen] the last change applied here: by default now, as it is let
 *   go; a drag gives the one from when the note was picked up
 * @returns {Promise<import('./conn.js').Outcome>}
 */
export async function dropNote(drop, seen = app.store.view?.room.seq) {
  const outcome = await send({ type: 'note.drop', ...drop, seen }, true);
  if (outcome.ok) return outcome;
  const stale = outcome.code === 'conflict' && outcome.message.startsWith(STALE_DROP);
  toast(stale ? t('wall.moved_meanwhile') : refusalReason(outcome), 'error');
  return outcome;
}

/** How the room's refusal of a stale drop begins (protocol/README.md, `note.drop`). */
const STALE_DROP = 'someone else moved this post-it';

/**
 * Adds time to the countdown (`timer.extend`), saying which change this page had seen: if
 * another facilitator changed the countdown or the step meanwhile, the room refuses and this
 * one is told,
 * so that two who both press "+5 min" on the same countdown add five minutes, not ten.
 * @param {number} byMs
 */
export async function extendTimer(byMs) {
  const outcome = await send({ type: 'timer.extend', by_ms: byMs, seen: app.store.view?.room.seq }, true);
  if (outcome.ok || outcome.message === NOT_SENT) return;
  const stale = outcome.code === 'conflict' && outcome.message.startsWith(STALE_EXTEND);
  toast(stale ? t('timer.changed_meanwhile') : refusalReason(outcome), 'error');
}

/** How the room's refusal of a stale `timer.extend` begins (protocol/README.md). */
const STALE_EXTEND = 'someone else changed the countdown';

/**
 * Why the room refused something, in the person's words: a room closed while the line was down
 * says so (its `conflict` is not a clash with someone's change).
 * @param {{ code: import('./protocol').ErrorCode, message: string }} refusal
 */
function refusalReason(refusal) {
  if (refusal.code === 'conflict' && app.store.view?.room.closed) return t('reject.closed');
  return rejectText(refusal.code, refusal.message);
}

/**
 * The open editors of shared texts (by their text's key), which may hold words typed here that
 * no command carries yet (while the line is down): each says whether it holds any now, hands
 * them to the connection as a command (which the tab keeps for its next page), and starts again
 * from the room's copy when a command of an earlier page is refused.
 * @type {Set<{ key: string, holds: () => boolean, hand: () => void, restart: () => void }>}
 */
export const holders = new Set();

if (typeof window !== 'undefined') {
  // Leaving the page while something made here has not reached the room: the browser asks
  // first. Left anyway, it is kept (conn.js), and sent by the next page to open the room in
  // this browser: a reload at once, a closed tab only when the room is opened again.
  window.addEventListener('beforeunload', (ev) => {
    const waiting = (app.conn?.pending.size ?? 0) > 0 || [...holders].some((h) => h.holds());
    if (!waiting) return;
    ev.preventDefault();
    ev.returnValue = '';
  });
  // A page put in the background may never come back (a phone discards the tab): words still
  // in an editor become a command now, kept with the others for a later page.
  const handOver = () => {
    for (const holder of holders) if (holder.holds()) holder.hand();
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') handOver();
  });
  window.addEventListener('pagehide', handOver);
}

/**
 * The words added (a note, a card, an area) that the room has not acknowledged yet, oldest
 * first, with the command that adds them: while the line is down the banner lists them and
 * their boards draw them (ui/sending.js), so nobody thinks them lost and adds them again.
 * `takeBack`: the words return to their field, if the command never went out (ui/sending.js).
 * @type {import('../vendor/preact.js').Signal<{ text: string, cmd?: import('./protocol').Command,
 *   takeBack?: () => void }[]>}
 */
export const unsent = signal([]);
