// The one store of a room, as signals: the snapshot from `welcome` (with the member's own parts
// merged in), then every `change` applied in `seq` order by the pure `applyEvent` (apply.js),
// plus presence, who "you" are, the server clock offset, the connection status, the Yjs
// documents of the shared texts, and others' carets and drags.
//
// The room is one mutable object; each part of it (a "slice": the wall, the assessment...) has a
// version signal that is bumped when an event touches it. A view reads `store.room('wall')`,
// which subscribes it to the wall's version only, so typing in step 3 does not re-run step 6.
// Bumps are coalesced: everything that arrives within one animation frame is one update.

import { batch, signal } from '../vendor/preact.js';
import { Docs, applyEvent, mergePrivate, textKey } from './apply.js';
import { setRoomDefaults } from './i18n.js';

/** @typedef {import('./protocol').RoomState} RoomState */
/** @typedef {import('./protocol').Event} Event */
/** @typedef {import('./protocol').You} You */
/** @typedef {import('./protocol').MemberId} MemberId */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'welcome' }>} Welcome */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'presence' }>} Presence */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'caret' }>} Caret */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'change' }>} ChangeMsg */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'drag' }>} Drag */
/** @typedef {'connecting' | 'online' | 'reconnecting'} ConnStatus */

/**
 * @typedef {object} RoomView
 * @property {RoomState} room
 * @property {You} you
 * @property {Set<MemberId>} online member ids connected now
 * @property {number} viewers wall displays connected now
 * @property {number} clockOffset server clock minus this browser's clock, in ms
 */

/** The parts of the room a view can subscribe to. */
export const SLICES = /** @type {const} */ ([
  'members',
  'settings',
  'step',
  'timer',
  'checkins',
  'experience',
  'definitions',
  'wall',
  'assessment',
  'priorities',
  'ready',
  'contributions',
  'undo',
  'closed',
  'hands',
  'texts',
]);
/** @typedef {typeof SLICES[number]} Slice */

/** @type {Record<string, Slice>} the slice each event touches, by the event's prefix */
const SLICE_OF = {
  member: 'members',
  settings: 'settings',
  step: 'step',
  timer: 'timer',
  checkin: 'checkins',
  queue: 'experience',
  scribe: 'experience',
  factors: 'experience',
  factor: 'experience',
  group: 'definitions',
  highlight: 'definitions',
  common: 'definitions',
  working: 'definitions',
  note: 'wall',
  notes: 'wall',
  reveal: 'wall',
  cluster: 'wall',
  team: 'assessment',
  rating: 'assessment',
  card: 'assessment',
  presenting: 'priorities',
  area: 'priorities',
  vote: 'priorities',
  tally: 'priorities',
  ranking: 'priorities',
  room: 'closed',
  ready: 'ready',
  auto_advance: 'ready',
  history: 'undo',
  hands: 'hands',
};

/** @type {Record<string, Slice>} the slice whose items a shared text belongs to, by its kind */
const TEXT_SLICE = { definition: 'definitions', card: 'assessment', factor: 'experience', area: 'priorities' };

/** @param {Event} event @returns {Slice[]} */
function slicesOf(event) {
  if (event.type === 'wall.changed') return ['definitions'];
  if (event.type === 'text.changed') return ['texts', TEXT_SLICE[event.target.kind]];
  // A step change also empties every undo stack.
  if (event.type === 'step.changed') return ['step', 'undo'];
  if (event.type === 'member.contributed') return ['contributions'];
  const slice = SLICE_OF[event.type.split('.')[0]];
  return slice ? [slice] : [];
}

/** A live drag older than this is stale: its sender stopped or left. */
export const STALE_LIVE_MS = 1000;
/** Updates wait for the next frame, but never longer than this (a hidden tab has no frames). */
const FLUSH_MAX_MS = 100;

export class Store {
  constructor() {
    /** @type {RoomView | null} null until the first `welcome` (conn.js reads `view.room.seq`) */
    this.view = null;
    /** @type {Record<Slice, import('../vendor/preact.js').Signal<number>>} */
    this.versions = /** @type {any} */ (Object.fromEntries(SLICES.map((s) => [s, signal(0)])));
    /** Bumped on welcome: every view starts over. */
    this.loaded = signal(0);
    /** @type {import('../vendor/preact.js').Signal<ConnStatus>} */
    this.status = signal('connecting');
    /** Presence (who is online, wall displays) changed. */
    this.presenceVersion = signal(0);
    /** Others' carets changed. */
    this.caretVersion = signal(0);
    /** Others' live drags changed. */
    this.dragVersion = signal(0);
    /** The Yjs documents of the shared texts (this browser's copies). */
    this.docs = new Docs();
    /**
     * Others' carets, by text key, then by member: Yjs relative positions (base64).
     * @type {Map<string, Map<MemberId, { anchor?: string, head?: string, at: number }>>}
     */
    this.carets = new Map();
    /** @type {Map<string, { member_id: MemberId, x: number, y: number, at: number }>} by note id */
    this.drags = new Map();
    /** @type {Set<import('../vendor/preact.js').Signal<number>>} */
    this.dirty = new Set();
    /** @type {(() => void) | null} cancels the scheduled flush */
    this.scheduled = null;
  }

  /**
   * The room, subscribing the calling view to `slices` (and to a fresh snapshot). Only for a
   * view that knows the room is loaded.
   * @param {...Slice} slices
   * @returns {RoomState}
   */
  room(...slices) {
    void this.loaded.value;
    for (const slice of slices) void this.versions[slice].value;
    return /** @type {RoomView} */ (this.view).room;
  }

  /** The loaded view, subscribing to presence. @returns {RoomView} */
  presence$() {
    void this.loaded.value;
    void this.presenceVersion.value;
    return /** @type {RoomView} */ (this.view);
  }

  /** @param {import('../vendor/preact.js').Signal<number>} version */
  touch(version) {
    this.dirty.add(version);
    if (this.scheduled) return;
    const frame = requestAnimationFrame(() => this.flush());
    const timer = setTimeout(() => this.flush(), FLUSH_MAX_MS);
    this.scheduled = () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }

  /** Publishes every change since the last flush, as one update. */
  flush() {
    this.scheduled?.();
    this.scheduled = null;
    const dirty = [...this.dirty];
    this.dirty.clear();
    if (this.view && dirty.includes(this.versions.settings)) {
      const { language, lens } = this.view.room.settings;
      setRoomDefaults(language, lens);
    }
    batch(() => {
      for (const version of dirty) version.value += 1;
    });
  }

  /** @param {Welcome} msg replaces everything with the snapshot */
  welcome(msg) {
    const room = msg.room;
    if (msg.mine) mergePrivate(room, msg.mine);
    this.docs.clear();
    this.view = {
      room,
      you: msg.you,
      online: new Set(msg.online),
      viewers: msg.viewers,
      clockOffset: msg.server_time - Date.now(),
    };
    this.carets.clear();
    this.drags.clear();
    setRoomDefaults(msg.room.settings.language, msg.room.settings.lens);
    this.scheduled?.();
    this.scheduled = null;
    this.dirty.clear();
    batch(() => {
      this.status.value = 'online';
      this.loaded.value += 1;
    });
  }

  /**
   * Applies one change. Returns false when its `seq` skips ahead (a change was missed): the
   * caller must resync from a fresh snapshot.
   * @param {ChangeMsg} msg
   */
  apply(msg) {
    const room = this.view?.room;
    if (!room) return false;
    if (msg.seq <= room.seq) return true; // Already in the snapshot.
    if (msg.seq !== room.seq + 1) return false;
    for (const event of msg.events) {
      applyEvent(room, event, msg.by, this.docs);
      for (const slice of slicesOf(event)) this.touch(this.versions[slice]);
    }
    room.seq = msg.seq;
    return true;
  }

  /**
   * The Yjs document of a shared text (this browser's copy, kept up to date by the store).
   * @param {import('./protocol').TextTarget} target
   */
  doc(target) {
    return this.docs.of(/** @type {RoomView} */ (this.view).room, textKey(target));
  }

  /**
   * A reconnect the server could resume: the room stays as it is, the missed events follow.
   * @param {Extract<import('./protocol').ServerMsg, { type: 'resume' }>} msg
   */
  resume(msg) {
    const view = this.view;
    if (!view) return;
    view.you = msg.you;
    view.online = new Set(msg.online);
    view.viewers = msg.viewers;
    view.clockOffset = msg.server_time - Date.now();
    this.carets.clear();
    this.drags.clear();
    this.status.value = 'online';
    this.touch(this.presenceVersion);
  }

  /** @param {Caret} msg where someone's caret is in a shared text (none: they left it) */
  caret(msg) {
    const key = textKey(msg.target);
    const here = this.carets.get(key) ?? new Map();
    if (msg.anchor === undefined && msg.head === undefined) here.delete(msg.member_id);
    else here.set(msg.member_id, { anchor: msg.anchor, head: msg.head, at: Date.now() });
    if (here.size > 0) this.carets.set(key, here);
    else this.carets.delete(key);
    this.touch(this.caretVersion);
  }

  /** @param {Drag} msg a post-it under someone's pointer, and the others of their selection */
  drag(msg) {
    const at = Date.now();
    this.drags.set(msg.id, { member_id: msg.member_id, x: msg.x, y: msg.y, at });
    // The others move by as much as the one under the pointer moved from where it lies.
    const notes = this.view?.room.wall.notes;
    const held = notes?.[msg.id];
    if (held) {
      for (const id of msg.with ?? []) {
        const note = notes[id];
        if (note) this.drags.set(id, { member_id: msg.member_id, x: note.x + msg.x - held.x, y: note.y + msg.y - held.y, at });
      }
    }
    this.touch(this.dragVersion);
  }

  /** @param {Presence} msg */
  presence(msg) {
    if (!this.view) return;
    const online = new Set(this.view.online);
    for (const id of msg.joined) online.add(id);
    for (const id of msg.left) {
      online.delete(id);
      // Whoever left has no caret any more.
      for (const [key, here] of this.carets) {
        here.delete(id);
        if (here.size === 0) this.carets.delete(key);
      }
    }
    if (msg.left.length > 0) this.touch(this.caretVersion);
    this.view.online = online;
    this.view.viewers = msg.viewers;
    this.touch(this.presenceVersion);
  }

  /** @param {ConnStatus} status */
  setStatus(status) {
    this.status.value = status;
  }

  /** @returns {number} the server's clock now, in ms since the Unix epoch */
  serverNow() {
    return Date.now() + (this.view?.clockOffset ?? 0);
  }
}
