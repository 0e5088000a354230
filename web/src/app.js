// The room this page is in: its store, its connection and its links. Set once by session.js
// before any room view is drawn, and read by the views (one room per page).

/** @typedef {import('./store.js').Store} Store */
/** @typedef {import('./conn.js').Connection} Connection */

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
 * Sends a durable command (see conn.js).
 * @param {import('./protocol').Command} cmd
 * @param {boolean} [ownRefusal] the caller tells the person about a refusal itself
 */
export function send(cmd, ownRefusal = false) {
  return app.conn.send(cmd, ownRefusal);
}

/**
 * Sends a command that adds what the person wrote (`sent`), emptying the field at once; if the
 * room refuses it (too long, the room closed), the words come back rather than being lost,
 * unless the person has started something new meanwhile.
 * @template {string | null} T the field's state (null: a field that is closed)
 * @param {import('./protocol').Command} cmd
 * @param {string} sent
 * @param {(update: (now: T) => T) => void} setText the field's state setter
 */
export async function sendWords(cmd, sent, setText) {
  setText(() => /** @type {T} */ (''));
  const outcome = await send(cmd);
  if (!outcome.ok) setText((now) => /** @type {T} */ (now || sent));
  return outcome;
}
