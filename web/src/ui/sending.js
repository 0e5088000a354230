// What this person added while the line was down (a card, a post-it, an area), drawn on its
// board where it will be, faded and marked "Sending…", until the room has it: a board that
// shows nothing of what was just added invites adding it again. One never sent yet can be
// taken back to edit: its words return to the field they were written in.

import { html } from '../../vendor/preact.js';
import { app, unsent } from '../app.js';
import { t } from '../i18n.js';

/** @typedef {import('../protocol').Command} Command */

/**
 * The waiting adds of one kind of command on this board, while the line is down (online, the
 * room answers within moments and the board draws the real item).
 * @param {{ type: Command['type'], where?: (cmd: any) => boolean, has: (id: string) => boolean,
 *   tag?: 'li' | 'article', class?: string }} props `has`: whether the board holds that item
 *   already (its change came, its answer not yet)
 */
export function Sending({ type, where = () => true, has, tag = 'li', class: cls = '' }) {
  if (!drawn(type)) return null;
  /** @type {{ text: string, id: string, cmd: Command, takeBack?: () => void }[]} */
  const waiting = [];
  for (const { text, cmd, takeBack } of unsent.value) {
    if (cmd?.type === type && 'id' in cmd && !has(cmd.id) && where(cmd)) waiting.push({ text, id: cmd.id, cmd, takeBack });
  }
  return waiting.map(
    (e) => html`<${tag} class="sending ${cls}" data-testid="sending" key=${e.id} aria-busy="true">
      <span class="sending-text" dir="auto">${e.text}</span>
      <span class="sending-state">
        ${t('conn.sending')}
        ${e.takeBack && app.conn.withdrawable(e.cmd)
          ? html`<button
              type="button"
              class="btn btn-ghost btn-small sending-edit"
              data-testid="sending-edit"
              aria-label=${t('conn.take_back.label', { text: e.text })}
              onClick=${e.takeBack}
            >
              ${t('conn.take_back')}
            </button>`
          : null}
      </span>
    </${tag}>`,
  );
}

/**
 * Whether the boards draw waiting adds of this kind now (the line is down and some wait).
 * @param {Command['type']} type
 */
export function drawn(type) {
  return app.store.status.value !== 'online' && unsent.value.some((e) => e.cmd?.type === type);
}
