// What the views need from protocol v2 (hands raised, a timer per step), read through one small
// adapter so the views are written against v2's shape today. A v1 server has neither: a hand
// cannot be raised (the button is not shown; sending the command would close the socket), and
// the only timer is the current step's. Once the server speaks v2, nothing here needs the
// fallbacks and this file shrinks to the two readers.

import { send } from './app.js';

/** @typedef {import('./protocol').RoomState} RoomState */
/** @typedef {import('./protocol').Timer} Timer */
/** @typedef {import('./protocol').MemberId} MemberId */

/** @type {Timer} */
const IDLE = { state: 'idle' };

/** The timer of `step` (v2: `timers[step - 1]`; v1: the room's one timer, for the current step). */
/** @param {RoomState} room @param {number} step @returns {Timer} */
export function timerOf(room, step) {
  const timers = /** @type {{ timers?: Timer[] }} */ (room).timers;
  if (Array.isArray(timers)) return timers[step - 1] ?? IDLE;
  return step === room.step ? room.timer : IDLE;
}

/** The raised hands in the order raised (v2 `hands`), or null when the server has none. */
/** @param {RoomState} room @returns {MemberId[] | null} */
export function handsOf(room) {
  const hands = /** @type {{ hands?: MemberId[] }} */ (room).hands;
  return Array.isArray(hands) ? hands : null;
}

/** A member raises or lowers their own hand (v2 `hand.raise`). @param {boolean} raised */
export function raiseHand(raised) {
  return send(/** @type {any} */ ({ type: 'hand.raise', raised }));
}

/** A facilitator lowers someone's hand (v2 `hand.lower`). @param {MemberId} member */
export function lowerHand(member) {
  return send(/** @type {any} */ ({ type: 'hand.lower', member_id: member }));
}
