// What this browser remembers between visits (localStorage): the chosen language, the server's
// create key once it worked, per room the token that makes a reload the same person, and per
// room and person the texts they were writing but had not added yet, and the commands a page
// made that were not answered yet (a closed tab's are sent by the next page of the room). What
// a tab remembers for its next page (sessionStorage): per room, the client id its page used
// and its next number. A room not opened here for ROOM_MEMORY_MS is forgotten.
// Storage may be unavailable (private mode); then nothing is remembered and nothing breaks.

/** @typedef {import('./protocol').Language} Language */

const PREFIX = 'horseshoe:';

/** @param {string} key @returns {string | null} */
function read(key) {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

/** @param {string} key @param {string | null} value */
function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    // Not remembered; the session still works.
  }
}

/**
 * How long this browser remembers a room it has not opened since: past it, the room's tokens,
 * drafts and unsent commands are forgotten here (a facilitator's link still opens it; a
 * participant joins it again by name).
 */
export const ROOM_MEMORY_MS = 90 * 24 * 60 * 60 * 1000;

/** A room's record in localStorage (after PREFIX): its id, then what it is. */
const ROOM_RECORD = /^([^:]+):(?:token|facilitator-token|draft:|unsent:|seen$)/;

/** @param {string} roomId this browser opened the room now: its records are kept from here */
export function roomOpened(roomId) {
  write(`${roomId}:seen`, String(Date.now()));
}

/**
 * Forgets every room this browser has not opened for ROOM_MEMORY_MS. A room whose records
 * carry no date (kept before dates were) is dated now, so that it too goes in time.
 * @param {number} now
 * @returns {string[]} the rooms forgotten
 */
export function forgetOldRooms(now = Date.now()) {
  try {
    /** @type {Map<string, string[]>} */
    const rooms = new Map();
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      const room = key?.startsWith(PREFIX) ? ROOM_RECORD.exec(key.slice(PREFIX.length))?.[1] : undefined;
      if (!key || !room) continue;
      const keys = rooms.get(room);
      if (keys) keys.push(key);
      else rooms.set(room, [key]);
    }
    const forgotten = [];
    for (const [room, keys] of rooms) {
      const seen = Number(read(`${room}:seen`));
      if (!Number.isFinite(seen) || seen <= 0) write(`${room}:seen`, String(now));
      else if (now - seen > ROOM_MEMORY_MS) {
        for (const key of keys) localStorage.removeItem(key);
        forgotten.push(room);
      }
    }
    return forgotten;
  } catch {
    // Storage is off: nothing was kept.
    return [];
  }
}

/** @returns {Language | null} the language this person chose for themself */
export function savedLanguage() {
  const lang = read('language');
  return lang === 'en' || lang === 'pt' ? lang : null;
}

/** @param {Language} lang */
export function saveLanguage(lang) {
  write('language', lang);
}

/** @returns {string | null} the create key that last made a room here */
export function savedCreateKey() {
  return read('create-key');
}

/** @param {string | null} key */
export function saveCreateKey(key) {
  write('create-key', key);
}

/**
 * Participant and facilitator tokens are kept apart, so one browser can hold both in a room.
 * @typedef {'participant' | 'facilitator'} TokenKind
 */

/** @param {string} roomId @param {TokenKind} kind */
function tokenKey(roomId, kind) {
  return kind === 'participant' ? `${roomId}:token` : `${roomId}:facilitator-token`;
}

/** @param {string} roomId @param {TokenKind} kind @returns {string | null} */
export function savedToken(roomId, kind) {
  return read(tokenKey(roomId, kind));
}

/** @param {string} roomId @param {TokenKind} kind @param {string | null} token */
export function saveToken(roomId, kind, token) {
  write(tokenKey(roomId, kind), token);
}

/** @param {string} name @returns {boolean} a switch this person turned on (e.g. the chime) */
export function loadFlag(name) {
  return read(`flag:${name}`) === '1';
}

/** @param {string} name @param {boolean} on */
export function saveFlag(name, on) {
  write(`flag:${name}`, on ? '1' : null);
}

/** @param {string} roomId @param {string} member @param {string} name */
const draftKey = (roomId, member, name) => `${roomId}:draft:${member}:${name}`;

/**
 * What a person was writing in a composer (a "Help me" note, an example card) and had not added.
 * @param {string} roomId @param {string} member @param {string} name which composer
 * @returns {string | null}
 */
export function loadDraft(roomId, member, name) {
  return read(draftKey(roomId, member, name));
}

/** @param {string} roomId @param {string} member @param {string} name @param {string | null} text null forgets it */
export function saveDraft(roomId, member, name, text) {
  write(draftKey(roomId, member, name), text);
}

/**
 * Where unanswered commands outlive their page (conn.js `Keeper`): per room, kind of credentials
 * (a facilitator's and a participant's page are different members) and client id, in
 * localStorage, so that the next page to open the room finds them even if their tab was closed;
 * and, in the tab's sessionStorage, the client id its last page used and its next number, so
 * that a reload goes on with its own.
 * @param {string} roomId
 * @param {TokenKind} kind
 * @param {(cmd: import('./protocol').Command) => boolean} keeps
 * @param {import('./conn.js').Keeper['revive']} revive
 * @returns {import('./conn.js').Keeper}
 */
export function roomKeeper(roomId, kind, keeps, revive) {
  const records = `${PREFIX}${roomId}:unsent:${kind}:`;
  const last = `${PREFIX}${roomId}:client:${kind}`;
  /** @param {string | null} text */
  const parsed = (text) => {
    try {
      return text === null ? null : JSON.parse(text);
    } catch {
      // Cut short or not ours: conn.js finds it wrong and clears it.
      return undefined;
    }
  };
  return {
    last() {
      try {
        return parsed(sessionStorage.getItem(last));
      } catch {
        return null;
      }
    },
    load() {
      /** @type {Map<string, unknown>} */
      const found = new Map();
      try {
        for (let i = 0; i < localStorage.length; i++) {
          const key = localStorage.key(i);
          if (key?.startsWith(records)) found.set(key.slice(records.length), parsed(localStorage.getItem(key)));
        }
      } catch {
        // Storage is off: nothing was kept.
      }
      return found;
    },
    read(client) {
      try {
        return parsed(localStorage.getItem(records + client));
      } catch {
        return null;
      }
    },
    save(page, kept) {
      const client = typeof page === 'string' ? page : page.client;
      if (typeof page !== 'string') {
        try {
          sessionStorage.setItem(last, JSON.stringify(page));
        } catch {
          // A number behind this page's would have new commands taken for resends: none, then
          // (a reload starts as a new page, and looks among all that was kept).
          try {
            sessionStorage.removeItem(last);
          } catch {
            // Storage is off: there is none.
          }
        }
      }
      try {
        if (kept === null) localStorage.removeItem(records + client);
        else localStorage.setItem(records + client, JSON.stringify(kept));
      } catch {
        // Not kept (storage full or off): this page still sends them. An older record must not
        // outlive it (its numbering is behind this page's): the next page starts afresh.
        try {
          localStorage.removeItem(records + client);
        } catch {
          // Storage is off: there is no record either.
        }
      }
    },
    keeps,
    revive,
  };
}
