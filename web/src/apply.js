// The pure mirror of the server's rules: `applyEvent(room, event)` changes a room the way
// `RoomState::apply_event` in the protocol crate does. No signals, no DOM: the store wraps it.

/** @typedef {import('./protocol').RoomState} RoomState */
/** @typedef {import('./protocol').Event} Event */

/**
 * The key of a shared text field in {@link LiveState.typing}.
 * @param {import('./protocol').TypingTarget} target
 */
export function typingKey(target) {
  return target.kind === 'card' ? `card:${target.id}` : `definition:${target.group}`;
}

/**
 * Replaces the item with the same `key` in a list (or adds it), keeping the list ordered by it;
 * lists keyed by group or team id travel as arrays.
 * @template T
 * @param {T[]} list
 * @param {T} item
 * @param {(t: T) => number} key
 */
function upsertBy(list, item, key) {
  const at = list.findIndex((t) => key(t) === key(item));
  if (at >= 0) list[at] = item;
  else {
    list.push(item);
    list.sort((a, b) => key(a) - key(b));
  }
}

/**
 * The one place events change the room, mirroring `RoomState::apply_event` in the protocol
 * crate: every event carries the resulting value, so each case is an assignment.
 * @param {RoomState} room
 * @param {Event} event
 */
export function applyEvent(room, event) {
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
    case 'groups.changed':
      defs.groups = event.groups;
      break;
    case 'definition.changed': {
      const old = defs.texts.find((d) => d.group === event.group);
      upsertBy(
        defs.texts,
        { group: event.group, text: event.text, updated_by: event.by, updated_at: event.at, lease: old?.lease },
        (d) => d.group,
      );
      break;
    }
    case 'lease.changed': {
      const old = defs.texts.find((d) => d.group === event.group);
      upsertBy(defs.texts, { ...(old ?? { group: event.group, text: '', updated_at: 0 }), lease: event.lease }, (d) => d.group);
      break;
    }
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
    case 'note.set':
      room.wall.notes[event.note.id] = event.note;
      break;
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
    case 'teams.changed':
      room.assessment.teams = event.teams;
      break;
    case 'card.set':
      room.assessment.cards[event.card.id] = event.card;
      break;
    case 'card.removed':
      delete room.assessment.cards[event.id];
      break;
    case 'presenting.changed':
      room.priorities.presenting = event.team;
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
    case 'ready.changed':
      room.ready = room.ready.filter(([step, id]) => !(step === event.step && id === event.member_id));
      if (event.ready) room.ready.push([event.step, event.member_id]);
      break;
    case 'auto_advance.changed':
      room.auto_advance = event.on;
      break;
    case 'member.contributed':
      room.contributions[event.member_id] = event.total;
      break;
    case 'undo.pushed': {
      const stack = (room.undo[event.member_id] ??= []);
      stack.push(event.entry);
      break;
    }
    case 'undo.popped': {
      const stack = room.undo[event.member_id];
      stack?.pop();
      if (stack && stack.length === 0) delete room.undo[event.member_id];
      break;
    }
    case 'private':
      // An event meant for someone else: it only moves `seq` on.
      break;
  }
}
