// Entering a room: which credentials this browser uses (a saved token, or a name typed on the
// join screen), the connection and store, the room (or, for the wall link, the projector)
// screen, and what to show when the server refuses us.

import { ApiError, roomInfo } from './api.js';
import { Connection } from './conn.js';
import { rejectText, setRoomDefaults, t } from './i18n.js';
import { saveToken, savedToken, roomKeeper } from './saved.js';
import { effect, html } from '../vendor/preact.js';
import { app, keepsAcrossPages, revive } from './app.js';
import { Store } from './store.js';
import { toast } from './ui/kit.js';
import { askName, show, showError, showLoading } from './views/pages.js';
import { Projector } from './views/projector.js';
import { Room } from './views/room.js';

/** @typedef {import('./protocol').Credentials} Credentials */
/** @typedef {import('./protocol').ErrorCode} ErrorCode */
/** @typedef {import('./conn.js').Refusal} Refusal */

/**
 * How this browser enters: the wall display, a participant, or a facilitator holding the key.
 * @typedef {{ role: 'viewer' } | { role: 'participant' } | { role: 'facilitator', key: string }} Access
 */

/** Ends the watch of the last room entered (entering again starts a new one). @type {(() => void) | null} */
let stopWatching = null;

/**
 * @param {string} roomId
 * @param {Access} access
 */
export async function enterRoom(roomId, access) {
  const kind = access.role === 'viewer' ? null : access.role;
  /** @type {string | undefined} */
  let name;
  if (kind && !savedToken(roomId, kind)) {
    showLoading();
    let info;
    try {
      info = await roomInfo(roomId);
    } catch (err) {
      showError(() =>
        err instanceof ApiError && err.status === 404
          ? t('error.no_room')
          : t('error.generic', { reason: String(err instanceof Error ? err.message : err) }),
      );
      return;
    }
    setRoomDefaults(info.language, info.lens);
    name = await askName(info, kind);
  }

  const store = new Store();
  let toldClosed = false;
  /** Let in to read only, the room being closed: joins as itself once it is reopened. */
  let readingClosed = false;
  const conn = new Connection({
    roomId,
    store,
    keeper: kind ? roomKeeper(roomId, kind, keepsAcrossPages, revive) : undefined,
    hello: () => {
      if (access.role === 'viewer') return { credentials: { role: 'viewer' } };
      const token = kind ? (savedToken(roomId, kind) ?? undefined) : undefined;
      /** @type {Credentials} */
      const credentials =
        access.role === 'facilitator'
          ? { role: 'facilitator', key: access.key, token }
          : { role: 'participant', token };
      return token ? { credentials } : { credentials, name };
    },
    onWelcome: (you, notice) => {
      if (kind && you.token) saveToken(roomId, kind, you.token);
      // A closed room lets a newcomer read, not join: say so once.
      if (notice && access.role === 'participant' && you.role === 'viewer' && !toldClosed) {
        toldClosed = true;
        toast(notice.code === 'conflict' ? t('closed.no_join') : notice.message);
      }
      readingClosed = access.role === 'participant' && you.role === 'viewer';
    },
    onReject: (code, message) => toast(rejectText(code, message), 'error'),
    onRefused: (refusal) => {
      // A participant token the room does not know (a facilitator's unknown token just makes
      // a new facilitator, so there `unauthorized` means a wrong key): forget it, join afresh.
      if (access.role === 'participant' && refusal.code === 'unauthorized' && name === undefined) {
        saveToken(roomId, 'participant', null);
        enterRoom(roomId, access);
        return;
      }
      // A name the room would not take (whatever the form let through): ask again, saying why.
      if (kind && name !== undefined && refusal.code === 'bad_request') {
        toast(t('join.refused', { reason: refusal.reason }), 'error');
        enterRoom(roomId, access);
        return;
      }
      showError(() => refusalText(refusal, access));
    },
  });
  app.store = store;
  app.conn = conn;
  app.roomId = roomId;
  app.key = access.role === 'facilitator' ? access.key : null;
  await conn.adopt();
  show(access.role === 'viewer' ? html`<${Projector} />` : html`<${Room} />`);
  stopWatching?.();
  stopWatching = effect(() => {
    void store.versions.closed.value;
    if (readingClosed && store.view && !store.view.room.closed) {
      readingClosed = false;
      conn.again();
    }
  });
  conn.connect();
}

/**
 * @param {Refusal} refusal
 * @param {Access} access
 */
function refusalText(refusal, access) {
  switch (refusal.code) {
    case 'not_found':
      return t('error.no_room');
    case 'unsupported_version':
      return t('error.version');
    case 'unauthorized':
      if (access.role === 'facilitator') return t('error.bad_key');
  }
  return t('error.generic', { reason: refusal.reason || String(refusal.code) });
}
