// The one store of a room: the snapshot from `welcome`, then every `event` applied in `seq`
// order (each event carries the resulting value, so applying one is an assignment), plus
// presence, who "you" are, the server clock offset and the connection status. Views subscribe.

/** @typedef {import('./protocol').RoomState} RoomState */
/** @typedef {import('./protocol').Event} Event */
/** @typedef {import('./protocol').You} You */
/** @typedef {import('./protocol').MemberId} MemberId */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'welcome' }>} Welcome */
/** @typedef {Extract<import('./protocol').ServerMsg, { type: 'presence' }>} Presence */

/** @typedef {'connecting' | 'online' | 'reconnecting'} ConnStatus */

/**
 * @typedef {object} RoomView
 * @property {RoomState} room
 * @property {You} you
 * @property {Set<MemberId>} online member ids connected now
 * @property {number} viewers wall displays connected now
 * @property {number} clockOffset server clock minus this browser's clock, in ms
 */

export class Store {
  constructor() {
    /** @type {RoomView | null} null until the first `welcome` */
    this.view = null;
    /** @type {ConnStatus} */
    this.status = 'connecting';
    /** @type {Set<() => void>} */
    this.listeners = new Set();
  }

  /**
   * @param {() => void} fn called after every change
   * @returns {() => void} stops calling it
   */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify() {
    for (const fn of this.listeners) fn();
  }

  /** @param {Welcome} msg replaces everything with the snapshot */
  welcome(msg) {
    this.view = {
      room: msg.room,
      you: msg.you,
      online: new Set(msg.online),
      viewers: msg.viewers,
      clockOffset: msg.server_time - Date.now(),
    };
    this.status = 'online';
    this.notify();
  }

  /**
   * Applies one event. Returns false when `seq` skips ahead (an event was missed): the caller
   * must resync from a fresh snapshot.
   * @param {number} seq
   * @param {Event} event
   */
  apply(seq, event) {
    const view = this.view;
    if (!view) return false;
    const room = view.room;
    if (seq <= room.seq) return true; // Already in the snapshot.
    if (seq !== room.seq + 1) return false;
    switch (event.type) {
      case 'member.joined':
        room.members[event.member.id] = event.member;
        break;
      case 'member.renamed': {
        const member = room.members[event.member_id];
        if (member) member.name = event.name;
        break;
      }
      case 'settings.changed':
        room.settings = event.settings;
        break;
      case 'step.changed':
        room.step = event.step;
        break;
      case 'timer.changed':
        room.timer = event.timer;
        break;
      case 'checkin.set':
        room.checkins[event.member_id] = event.checkin;
        break;
      case 'checkin.cleared':
        delete room.checkins[event.member_id];
        break;
      // Events of the later steps' boards (and `private` placeholders) are not shown yet; they
      // still count towards `seq`.
    }
    room.seq = seq;
    this.notify();
    return true;
  }

  /** @param {Presence} msg */
  presence(msg) {
    if (!this.view) return;
    this.view.online = new Set(msg.online);
    this.view.viewers = msg.viewers;
    this.notify();
  }

  /** @param {ConnStatus} status */
  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.notify();
  }

  /** @returns {number} the server's clock now, in ms since the Unix epoch */
  serverNow() {
    return Date.now() + (this.view?.clockOffset ?? 0);
  }
}
