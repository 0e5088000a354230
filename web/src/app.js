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
