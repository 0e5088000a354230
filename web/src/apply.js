// The browser's copy of the rules, as small as it can be: `applyEvent(room, event, by, docs)`
// changes a room the way `RoomState::apply_event` in the protocol crate does. Every event
// carries the resulting value, so almost every case is an assignment; the exceptions (a
// member moving between groups or teams, a shared text taking a Yjs update, undo stacks) are
// written out to match the Rust line for line. No signals, no DOM: the store wraps it, and a
// test replays the protocol crate's recorded frames through it (tests/web/conformance.test.mjs).

import * as Y from '../vendor/yjs.js';
import { CATEGORY_COUNT, UNDO_DEPTH } from './limits.js';

/** @typedef {import('./protocol').RoomState} RoomState */
/** @typedef {import('./protocol').Event} Event */
/** @typedef {import('./protocol').MemberId} MemberId */
/** @typedef {import('./protocol').TextTarget} TextTarget */
/** @typedef {import('./protocol').SharedText} SharedText */

/** The name of the one text in every shared document (the server's `TEXT_NAME`). */
export const TEXT_NAME = 't';

/**
 * The key of a shared text in `room.texts` (the server's `TextTarget::key`).
 * @param {TextTarget} target
 */
export function textKey(target) {
  return target.kind === 'definition' ? `definition:${target.group}` : `${target.kind}:${target.id}`;
}

/** @param {string} base64 @returns {Uint8Array} */
export function fromBase64(base64) {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** @param {Uint8Array} bytes @returns {string} */
export function toBase64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * The Yjs documents of a room's shared texts, loaded from the snapshot's `doc` on first use and
 * kept up to date by `text.changed`. Each browser's copy; the room's stays on the server.
 */
export class Docs {
  constructor() {
    /** @type {Map<string, Y.Doc>} */
    this.docs = new Map();
  }

  /**
   * The document of `key` in `room` (made from its stored state the first time).
   * @param {RoomState} room
   * @param {string} key
   * @returns {Y.Doc}
   */
  of(room, key) {
    let doc = this.docs.get(key);
    if (!doc) {
      doc = new Y.Doc();
      const stored = room.texts?.[key]?.doc;
      if (stored) Y.applyUpdate(doc, fromBase64(stored), 'room');
      this.docs.set(key, doc);
    }
    return doc;
  }

  clear() {
    for (const doc of this.docs.values()) doc.destroy();
    this.docs.clear();
  }
}

/**
 * A member leaves whichever group (or team) they were in, and its `late` list, and joins `to`
 * (made if new), in a list kept ordered by id; `late` (a latecomer the server placed) puts them
 * on its `late` list too. An empty `late` is absent, as on the server. Every group that changes
 * is a new object: a view given one as a prop re-draws only when the prop is a different object
 * (as for `member.renamed`).
 * @template {{ id: number, members: MemberId[], late?: MemberId[] }} T
 * @param {T[]} list
 * @param {MemberId} member
 * @param {number | undefined} to
 * @param {boolean} late
 * @param {(id: number) => T} make
 * @returns {T[]}
 */
function moveMember(list, member, to, late, make) {
  const others = (/** @type {MemberId[] | undefined} */ ids) => ids?.filter((m) => m !== member);
  let out = list.map((g) =>
    g.members.includes(member) ? withLate({ ...g, members: others(g.members) }, others(g.late)) : g,
  );
  if (to == null) return out;
  if (!out.some((g) => g.id === to)) out = [...out, make(to)].sort((a, b) => a.id - b.id);
  return out.map((g) =>
    g.id === to
      ? withLate({ ...g, members: [...g.members, member] }, late ? [...(g.late ?? []), member] : g.late)
      : g,
  );
}

/**
 * `group` with its `late` list set to `late`, or without one when that is empty.
 * @template {{ late?: MemberId[] }} T
 * @param {T} group
 * @param {MemberId[] | undefined} late
 * @returns {T}
 */
function withLate(group, late) {
  if (late?.length) return { ...group, late };
  const { late: _, ...rest } = group;
  return /** @type {T} */ (rest);
}

/**
 * Applies one event of a change made by `by`, as the protocol crate does.
 * @param {RoomState} room
 * @param {Event} event
 * @param {MemberId | undefined} by
 * @param {Docs} docs
 */
export function applyEvent(room, event, by, docs) {
  const defs = room.definitions;
  switch (event.type) {
    case 'member.joined':
      room.members[event.member.id] = event.member;
      break;
    case 'member.renamed': {
      // A new object, not a changed one: a view given the member as a prop re-draws only when
      // the prop is a different object (signals' shouldComponentUpdate compares props shallowly).
      const member = room.members[event.member_id];
      if (member) room.members[event.member_id] = { ...member, name: event.name };
      break;
    }
    case 'settings.changed':
      room.settings = event.settings;
      break;
    case 'step.changed':
      // Undo reaches only what was done in the step on screen.
      room.step = event.step;
      room.undo = {};
      room.redo = {};
      break;
    case 'timer.changed':
      if (event.step >= 1 && event.step <= room.timers.length) room.timers[event.step - 1] = event.timer;
      break;
    case 'checkin.set':
      room.checkins[event.member_id] = event.checkin;
      break;
    case 'checkin.cleared':
      delete room.checkins[event.member_id];
      break;
    case 'hands.changed':
      room.hands = event.hands;
      break;
    case 'queue.changed':
      room.experience.queue = event.queue;
      break;
    case 'scribe.changed':
      room.experience.scribe = event.scribe;
      break;
    case 'factors.opened':
      room.experience.open = event.open;
      break;
    case 'factor.set':
      room.experience.factors[event.factor.id] = event.factor;
      break;
    case 'factor.removed':
      delete room.experience.factors[event.id];
      break;
    case 'group.member':
      defs.groups = moveMember(defs.groups, event.member_id, event.group, !!event.late, (id) => ({
        id,
        members: [],
      })).filter((g) => g.members.length > 0);
      break;
    case 'text.changed':
      applyText(room, event, by, docs);
      break;
    case 'wall.changed':
      defs.wall = event.wall;
      break;
    case 'highlight.set':
      defs.highlights[event.highlight.id] = event.highlight;
      break;
    case 'highlight.removed':
      delete defs.highlights[event.id];
      break;
    case 'common.changed':
      defs.common = event.common;
      break;
    case 'working.changed':
      defs.working = event.text;
      break;
    case 'ready.changed': {
      const ready = room.ready.filter(([step, id]) => !(step === event.step && id === event.member_id));
      if (event.ready) ready.push([event.step, event.member_id]);
      // A set of (step, member) pairs, in the order the server keeps it.
      ready.sort(([s1, m1], [s2, m2]) => s1 - s2 || (m1 < m2 ? -1 : m1 > m2 ? 1 : 0));
      room.ready = ready;
      break;
    }
    case 'auto_advance.changed':
      room.auto_advance = event.on;
      break;
    case 'history.recorded': {
      const undo = (room.undo ??= {});
      const stack = (undo[event.member_id] ??= []);
      stack.push(event.entry);
      if (stack.length > UNDO_DEPTH) stack.shift();
      if (room.redo) delete room.redo[event.member_id];
      break;
    }
    case 'history.undone': {
      const entry = pop(room.undo, event.member_id);
      if (entry) ((room.redo ??= {})[event.member_id] ??= []).push(entry);
      break;
    }
    case 'history.redone': {
      const entry = pop(room.redo, event.member_id);
      if (entry) ((room.undo ??= {})[event.member_id] ??= []).push(entry);
      break;
    }
    case 'note.set':
      room.wall.notes[event.note.id] = event.note;
      break;
    case 'note.moved': {
      const note = room.wall.notes[event.id];
      if (!note) break;
      const { cluster: _, ...rest } = note;
      room.wall.notes[event.id] = { ...rest, x: event.x, y: event.y, ...(event.cluster ? { cluster: event.cluster } : {}) };
      break;
    }
    case 'note.removed':
      delete room.wall.notes[event.id];
      break;
    case 'notes.pending':
      if (event.count === 0) delete room.wall.pending[event.member_id];
      else room.wall.pending[event.member_id] = event.count;
      break;
    case 'reveal.turn':
      room.wall.turn = event.member_id;
      break;
    case 'cluster.set':
      room.wall.clusters[event.cluster.id] = event.cluster;
      break;
    case 'cluster.removed':
      delete room.wall.clusters[event.id];
      break;
    case 'team.set': {
      const teams = room.assessment.teams.filter((t) => t.id !== event.team.id);
      teams.push(event.team);
      teams.sort((a, b) => a.id - b.id);
      room.assessment.teams = teams;
      break;
    }
    case 'team.removed':
      room.assessment.teams = room.assessment.teams.filter((t) => t.id !== event.id);
      break;
    case 'team.member':
      room.assessment.teams = moveMember(room.assessment.teams, event.member_id, event.team, !!event.late, (id) => ({
        id,
        members: [],
        ratings: Array(CATEGORY_COUNT).fill(0),
      }));
      break;
    case 'team.cluster':
      changeTeam(room, event.team, (team) => {
        const { cluster: _, ...rest } = team;
        return event.cluster == null ? rest : { ...rest, cluster: event.cluster };
      });
      break;
    case 'rating.set':
      changeTeam(room, event.team, (team) =>
        event.category >= 1 && event.category <= team.ratings.length
          ? { ...team, ratings: team.ratings.map((r, i) => (i === event.category - 1 ? event.rating : r)) }
          : team,
      );
      break;
    case 'card.set':
      room.assessment.cards[event.card.id] = event.card;
      break;
    case 'card.removed':
      delete room.assessment.cards[event.id];
      break;
    case 'presenting.changed':
      if (event.team == null) delete room.priorities.presenting;
      else room.priorities.presenting = event.team;
      break;
    case 'area.set':
      room.priorities.areas[event.area.id] = event.area;
      break;
    case 'area.removed':
      delete room.priorities.areas[event.id];
      break;
    case 'vote.phase': {
      const p = room.priorities;
      if (event.phase === 'open') {
        p.votes = {};
        p.used = {};
        p.tally = {};
      }
      p.phase = event.phase;
      p.dots = event.dots;
      break;
    }
    case 'vote.set': {
      const votes = room.priorities.votes;
      const mine = { ...votes[event.member_id] };
      if (event.dots === 0) delete mine[event.area];
      else mine[event.area] = event.dots;
      if (Object.keys(mine).length === 0) delete votes[event.member_id];
      else votes[event.member_id] = mine;
      break;
    }
    case 'vote.used':
      room.priorities.used[event.member_id] = event.used;
      break;
    case 'tally.changed':
      room.priorities.tally = event.tally;
      break;
    case 'ranking.changed':
      room.priorities.ranking = event.ranking;
      room.priorities.finalised = event.finalised;
      break;
    case 'room.closed':
      room.closed = event.closed;
      break;
    case 'member.contributed':
      room.contributions[event.member_id] = event.total;
      break;
    default:
      // Every event type is handled above; a new one is a type error here.
      /** @type {never} */ (event);
  }
}

/**
 * Replaces a team with a changed copy: a view given the team as a prop re-draws only when the
 * prop is a different object (as for `member.renamed`).
 * @param {RoomState} room
 * @param {number} id
 * @param {(team: import('./protocol').Team) => import('./protocol').Team} change
 */
function changeTeam(room, id, change) {
  room.assessment.teams = room.assessment.teams.map((team) => (team.id === id ? change(team) : team));
}

/**
 * @param {Record<MemberId, import('./protocol').UndoEntry[]> | undefined} stacks
 * @param {MemberId} member
 */
function pop(stacks, member) {
  const stack = stacks?.[member];
  if (!stack) return undefined;
  const entry = stack.pop();
  if (stack.length === 0) delete stacks[member];
  return entry;
}

/**
 * A shared text takes its update (every copy converges, whatever the order of concurrent
 * typing); a definition's highlights follow their anchors.
 * @param {RoomState} room
 * @param {Extract<Event, { type: 'text.changed' }>} event
 * @param {MemberId | undefined} by
 * @param {Docs} docs
 */
function applyText(room, event, by, docs) {
  const key = textKey(event.target);
  const doc = docs.of(room, key);
  try {
    Y.applyUpdate(doc, fromBase64(event.update), 'room');
  } catch {
    // The text still reads as recorded, which is what every copy shows.
  }
  const texts = (room.texts ??= {});
  const shared = (texts[key] ??= { text: '', doc: '', editors: [], updated_at: 0 });
  shared.text = event.text;
  if (by && !shared.editors.includes(by)) shared.editors.push(by);
  shared.updated_at = event.at;
  if (event.target.kind === 'definition') reanchor(room, event.target.group, doc, event.text);
}

/**
 * Moves a group's highlights to where their anchors are now in its definition.
 * @param {RoomState} room
 * @param {number} group
 * @param {Y.Doc} doc
 * @param {string} text
 */
export function reanchor(room, group, doc, text) {
  for (const h of Object.values(room.definitions.highlights)) {
    if (h.group !== group || !h.anchor) continue;
    const start = resolve(doc, h.anchor.start);
    const end = resolve(doc, h.anchor.end);
    if (start === null || end === null) continue;
    h.start = start;
    h.end = Math.max(start, end);
    h.phrase = sliceUtf16(text, h.start, h.end);
  }
}

/**
 * Units `start..end` of `text` (JavaScript strings are UTF-16), as the server's `slice_utf16`:
 * empty when out of range, and half of a surrogate pair cut off becomes U+FFFD.
 * @param {string} text @param {number} start @param {number} end
 */
export function sliceUtf16(text, start, end) {
  if (start > end || end > text.length) return '';
  return text.slice(start, end).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** @param {Y.Doc} doc @param {string} anchor base64 of a Yjs relative position @returns {number | null} */
export function resolve(doc, anchor) {
  try {
    const rel = Y.decodeRelativePosition(fromBase64(anchor));
    return Y.createAbsolutePositionFromRelativePosition(rel, doc)?.index ?? null;
  } catch {
    return null;
  }
}

/**
 * Puts a member's own parts (`welcome.mine`) into the shared room, as the server's
 * `RoomState::merge_private` does.
 * @param {RoomState} room
 * @param {import('./protocol').Private} mine
 */
export function mergePrivate(room, mine) {
  const me = mine.member_id;
  if (mine.undo.length > 0) (room.undo ??= {})[me] = mine.undo;
  if (mine.redo.length > 0) (room.redo ??= {})[me] = mine.redo;
  for (const note of mine.notes) room.wall.notes[note.id] = note;
  if (Object.keys(mine.votes).length > 0) room.priorities.votes[me] = mine.votes;
}

/**
 * What a shared text reads now ('' when nobody wrote in it).
 * @param {RoomState} room
 * @param {TextTarget} target
 */
export function textOf(room, target) {
  return room.texts?.[textKey(target)]?.text ?? '';
}
