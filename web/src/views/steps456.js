// The boards of steps 4-6, for the room screen to pick by step number.

import { step4Part } from './step4.js';
import { step5Part } from './step5.js';
import { step6Part } from './step6.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */

/**
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @param {number} step 4, 5 or 6
 * @returns {Part}
 */
export function steps456Part(ctx, view, step) {
  if (step === 4) return step4Part(ctx, view);
  if (step === 5) return step5Part(ctx, view);
  return step6Part(ctx);
}
