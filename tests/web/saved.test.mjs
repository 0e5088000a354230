// What the browser remembers (web/src/saved.js): a room not opened here for ROOM_MEMORY_MS is
// forgotten, its tokens, drafts and unsent commands with it; other rooms and this browser's own
// settings stay. Run against a Map standing in for localStorage.

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

/** localStorage's interface over a Map, in insertion order as browsers keep it. */
class MemoryStorage {
  constructor() {
    /** @type {Map<string, string>} */
    this.items = new Map();
  }
  get length() {
    return this.items.size;
  }
  /** @param {number} i */
  key(i) {
    return [...this.items.keys()][i] ?? null;
  }
  /** @param {string} k */
  getItem(k) {
    return this.items.get(k) ?? null;
  }
  /** @param {string} k @param {string} v */
  setItem(k, v) {
    this.items.set(k, String(v));
  }
  /** @param {string} k */
  removeItem(k) {
    this.items.delete(k);
  }
}

const storage = new MemoryStorage();
Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });
const { ROOM_MEMORY_MS, forgetOldRooms, roomOpened } = await import('../../web/src/saved.js');

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 6);

/** @param {string} room @param {number | null} seen */
function keep(room, seen) {
  storage.setItem(`horseshoe:${room}:token`, `t-${room}`);
  storage.setItem(`horseshoe:${room}:facilitator-token`, `f-${room}`);
  storage.setItem(`horseshoe:${room}:draft:m1:note`, 'half a note');
  storage.setItem(`horseshoe:${room}:unsent:participant:c1`, '{"next":3,"kept":[]}');
  if (seen !== null) storage.setItem(`horseshoe:${room}:seen`, String(seen));
}

/** @param {string} room @returns {string[]} the room's keys left */
const keysOf = (room) => [...storage.items.keys()].filter((k) => k.startsWith(`horseshoe:${room}:`));

beforeEach(() => {
  storage.items.clear();
  storage.setItem('horseshoe:language', 'pt');
  storage.setItem('horseshoe:create-key', 'secret');
  storage.setItem('horseshoe:flag:chime', '1');
});

test('a room not opened here for longer than ROOM_MEMORY_MS is forgotten, whole', () => {
  keep('old', NOW - ROOM_MEMORY_MS - DAY);
  keep('recent', NOW - DAY);
  assert.deepEqual(forgetOldRooms(NOW), ['old']);
  assert.deepEqual(keysOf('old'), []);
  assert.equal(keysOf('recent').length, 5);
  assert.equal(storage.getItem('horseshoe:recent:token'), 't-recent');
});

test("this browser's own settings are not a room's and stay", () => {
  keep('old', NOW - 2 * ROOM_MEMORY_MS);
  forgetOldRooms(NOW);
  assert.equal(storage.getItem('horseshoe:language'), 'pt');
  assert.equal(storage.getItem('horseshoe:create-key'), 'secret');
  assert.equal(storage.getItem('horseshoe:flag:chime'), '1');
});

test('a room kept before rooms were dated is dated now, and goes once it is old', () => {
  keep('undated', null);
  assert.deepEqual(forgetOldRooms(NOW), []);
  assert.equal(storage.getItem('horseshoe:undated:seen'), String(NOW));
  assert.deepEqual(forgetOldRooms(NOW + ROOM_MEMORY_MS), []);
  assert.deepEqual(forgetOldRooms(NOW + ROOM_MEMORY_MS + 1), ['undated']);
  assert.deepEqual(keysOf('undated'), []);
});

test('opening a room dates it again: an old room opened now is kept', () => {
  keep('back', NOW - ROOM_MEMORY_MS - DAY);
  roomOpened('back');
  assert.deepEqual(forgetOldRooms(Date.now()), []);
  assert.equal(storage.getItem('horseshoe:back:token'), 't-back');
});

test('a date that is not a number counts as none: the room is dated, not forgotten', () => {
  keep('garbled', null);
  storage.setItem('horseshoe:garbled:seen', 'yesterday');
  assert.deepEqual(forgetOldRooms(NOW), []);
  assert.equal(storage.getItem('horseshoe:garbled:seen'), String(NOW));
});

test('storage that refuses to be read forgets nothing and does not throw', () => {
  keep('old', NOW - 2 * ROOM_MEMORY_MS);
  const key = storage.key;
  storage.key = () => {
    throw new Error('SecurityError');
  };
  try {
    assert.deepEqual(forgetOldRooms(NOW), []);
  } finally {
    storage.key = key;
  }
  assert.equal(keysOf('old').length, 5);
});
