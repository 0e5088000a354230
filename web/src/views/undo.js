// Undo and redo of the member's own changes in the step on screen (the server keeps no others):
// buttons that name what they would take back or do again, Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y)
// outside text fields, and a refusal said in the person's language, naming who changed the
// thing since ("Bo changed this since; nothing was undone").

import { html, useEffect } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { hasKey, rejectText, t } from '../i18n.js';
import { toast, typingInField } from '../ui/kit.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').UndoEntry} UndoEntry */
/** @typedef {'undo' | 'redo'} Which */
/** @typedef {import('../protocol').ErrorCode} ErrorCode */

/**
 * The entry `which` would take: the top of the member's own stack, if done in this step.
 * @param {RoomState} room
 * @param {Which} which
 * @param {string | undefined} me
 * @returns {UndoEntry | undefined}
 */
function topOf(room, which, me) {
  const stack = me ? room[which]?.[me] : undefined;
  const top = stack?.[stack.length - 1];
  return top && top.step === room.step ? top : undefined;
}

/** "Undo post-it move", or plain "Undo" for a command without words. @param {Which} which @param {UndoEntry} entry */
export function buttonText(which, entry) {
  const key = `undo.what.${entry.command}`;
  if (!hasKey(key)) return which === 'undo' ? t('undo.plain') : t('redo.plain');
  return which === 'undo' ? t('undo.button', { what: t(key) }) : t('redo.button', { what: t(key) });
}

/**
 * Why an undo or redo was refused, in words. The server's `conflict` message starts with the
 * name of whoever changed the thing since ("Bo changed this since; ..."): the longest member
 * name that starts it is the one.
 * @param {RoomState} room
 * @param {Which} which
 * @param {{ code: string, message: string }} refusal
 */
export function refusalText(room, which, refusal) {
  if (refusal.code !== 'conflict') return rejectText(/** @type {ErrorCode} */ (refusal.code), refusal.message);
  if (refusal.message.startsWith(`nothing to ${which}`)) return which === 'undo' ? t('undo.nothing') : t('redo.nothing');
  if (refusal.message.startsWith('areas stay while the vote is open')) return which === 'undo' ? t('undo.vote_open') : t('redo.vote_open');
  const who = Object.values(room.members)
    .filter((m) => m.name && refusal.message.startsWith(`${m.name} `))
    .sort((a, b) => b.name.length - a.name.length)[0];
  // "Bo wrote in this; ...": an item whose words are not only this person's.
  const words = who && refusal.message.startsWith(`${who.name} wrote in this;`);
  if (which === 'undo') return who ? t(words ? 'undo.words' : 'undo.conflict', { name: who.name }) : t('undo.conflict.someone');
  return who ? t(words ? 'redo.words' : 'redo.conflict', { name: who.name }) : t('redo.conflict.someone');
}

/** Undoes or redoes the member's last change, and says so when the room refuses. @param {Which} which */
export async function takeBack(which) {
  const outcome = await send({ type: which }, true);
  const view = app.store.view;
  if (!outcome.ok && view) toast(refusalText(view.room, which, outcome), 'error');
}

/**
 * The Undo and Redo buttons, each shown only when there is something to take. `short` (a phone's
 * action bar, four buttons in 390 px) shows only "Undo" and "Redo": what they take back is then
 * in their accessible name and tooltip, not broken over five lines.
 * @param {{ short?: boolean }} props
 */
export function UndoButtons({ short = false }) {
  const room = app.store.room('undo', 'step', 'closed', 'priorities');
  const me = app.store.presence$().you.member_id;
  // While the vote is open the room keeps every area: an undo or redo that would take one away
  // is not offered (the room would refuse it).
  const open = room.priorities.phase === 'open';
  let undo = topOf(room, 'undo', me);
  let redo = topOf(room, 'redo', me);
  const removesArea = (/** @type {UndoEntry | undefined} */ entry, /** @type {Which} */ which) =>
    !!entry && (which === 'undo' ? entry.before : entry.after).some((e) => e.type === 'area.removed');
  if (open && removesArea(undo, 'undo')) undo = undefined;
  if (open && removesArea(redo, 'redo')) redo = undefined;
  if (room.closed || (!undo && !redo)) return null;
  /** @param {Which} which @param {UndoEntry} entry */
  const button = (which, entry) => {
    const full = buttonText(which, entry);
    const plain = which === 'undo' ? t('undo.plain') : t('redo.plain');
    return html`<button
      type="button"
      class="btn ${which === 'undo' ? 'btn-secondary' : 'btn-ghost'} undo-button"
      data-testid=${which}
      title=${short ? full : t(`${which}.shortcut`)}
      aria-label=${short && full !== plain ? full : undefined}
      onClick=${() => takeBack(which)}
    >
      <span aria-hidden="true">${which === 'undo' ? '↶' : '↷'}</span> ${short ? plain : full}
    </button>`;
  };
  return html`<span class="undo-buttons">
    ${undo ? button('undo', undo) : null}
    ${redo ? button('redo', redo) : null}
  </span>`;
}

/** Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl+Y redo, outside text fields (which have their own). */
export function useUndoShortcuts() {
  useEffect(() => {
    /** @param {KeyboardEvent} ev */
    const onKey = (ev) => {
      if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || typingInField()) return;
      const key = ev.key.toLowerCase();
      /** @type {Which | null} */
      const which = key === 'z' ? (ev.shiftKey ? 'redo' : 'undo') : key === 'y' && !ev.shiftKey ? 'redo' : null;
      const view = app.store.view;
      if (!which || !view || !topOf(view.room, which, view.you.member_id)) return;
      ev.preventDefault();
      takeBack(which);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
