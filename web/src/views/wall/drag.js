// Moving notes on the wall. Press a note and move: it (and every selected note with it)
// follows the pointer, its position goes out live (`drag`, at most ~30 a second and again
// while the pointer rests), the place it would land lights up, and the drop is the durable
// `note.drop`: into a cluster's region, onto a loose note (a new cluster, named right away),
// or loose and clear of every region. A press without a move is a click (select; Shift, Ctrl
// or Cmd adds to the selection). Arrow keys move a focused note.

import { app, dropNote } from '../../app.js';
import { newId } from '../../ui/kit.js';
import { MAX_DRAG_WITH } from '../../limits.js';
import { NOTE_H, NOTE_W, clearOfRegions, dropTarget, freeSpotNear, regionsOf, settleInCluster } from './regions.js';

/** @typedef {import('../../protocol').Note} Note */
/** @typedef {import('../../protocol').DropTarget} DropTarget */
/** @typedef {import('./camera.js').Camera} Camera */
/** @typedef {import('./regions.js').Region} Region */

/** At most one live drag message per this many ms (~30 a second). */
const SEND_MS = 33;
/** While the pointer rests, the position is sent again this often so it does not go stale. */
const KEEPALIVE_MS = 400;
/** How far the pointer moves before a press becomes a drag, in CSS pixels. */
const THRESHOLD_PX = 4;
/** How far an arrow key moves a note, in wall units. */
const KEY_STEP = 24;

/**
 * The drag in progress: which notes, where each started, and where they are now.
 * @typedef {{ primary: string, ids: string[], start: Map<string, { x: number, y: number }>,
 *   pos: Map<string, { x: number, y: number }>, x0: number, y0: number, pointer: number, started: boolean,
 *   sentAt: number, keepAlive: ReturnType<typeof setInterval> | null, target: string | null, grab: { x: number, y: number },
 *   seen: number | undefined }} Drag
 */

/**
 * @param {{ camera: Camera, notes: () => Note[], band: () => number, selected: () => Set<string>,
 *   setSelected: (ids: Set<string>) => void, onClick: (id: string) => void, redraw: () => void,
 *   pending: Map<string, { x: number, y: number }>, onCreated: (cluster: string) => void, root: () => HTMLElement | null }} env
 */
export function noteDragger(env) {
  /** @type {Drag | null} */
  let drag = null;

  /** @param {string} id @param {{ x: number, y: number }} at */
  function place(id, at) {
    const el = env.root()?.querySelector(`.wall-note[data-id="${CSS.escape(id)}"]`);
    if (el instanceof HTMLElement) el.style.transform = `translate(${at.x}px, ${at.y}px)`;
  }

  function sendLive() {
    if (!drag) return;
    const at = drag.pos.get(drag.primary);
    if (!at) return;
    drag.sentAt = Date.now();
    // The rest of a selection moves with it on every other screen (by the same amount).
    const others = drag.ids.filter((id) => id !== drag?.primary).slice(0, MAX_DRAG_WITH);
    const [x, y] = [Math.round(at.x), Math.round(at.y)];
    app.conn.live(others.length ? { type: 'drag', id: drag.primary, x, y, with: others } : { type: 'drag', id: drag.primary, x, y });
  }

  /** @param {Drag} d @returns {Map<string, Region>} the regions of the notes not being moved */
  function fixedRegions(d) {
    return regionsOf(
      env.notes().filter((n) => !d.ids.includes(n.id)),
      env.band(),
    );
  }

  /** @param {Drag} d @param {{ x: number, y: number }} pointer @param {boolean} drop */
  function land(d, pointer, drop) {
    const others = env.notes().filter((n) => !d.ids.includes(n.id));
    const regions = fixedRegions(d);
    const hit = dropTarget(pointer, regions, others);
    const id = hit && 'cluster' in hit ? hit.cluster : hit && 'note' in hit ? hit.note.id : null;
    if (id !== d.target) {
      const root = env.root();
      root?.querySelectorAll('.drop-target').forEach((el) => el.classList.remove('drop-target'));
      if (id) root?.querySelector(`[data-id="${CSS.escape(id)}"]:not(.dragging)`)?.classList.add('drop-target');
      d.target = id;
    }
    if (!drop) return;
    const primary = /** @type {{ x: number, y: number }} */ (d.pos.get(d.primary));
    /** @type {DropTarget | undefined} */
    let onto;
    /** @type {string | null} */
    let created = null;
    let at = { x: Math.round(primary.x), y: Math.round(primary.y) };
    if (hit && 'cluster' in hit) {
      onto = { kind: 'cluster', id: hit.cluster };
      at = settleInCluster(at, hit.cluster, others, env.band());
    } else if (hit && 'note' in hit) {
      at = freeSpotNear([hit.note], others);
      created = newId();
      onto = { kind: 'note', id: hit.note.id, new_cluster: created };
    } else at = clearOfRegions(at, regions);
    const dx = at.x - primary.x;
    const dy = at.y - primary.y;
    const rest = d.ids.filter((x) => x !== d.primary);
    env.pending.set(d.primary, at);
    for (const x of rest) {
      const p = /** @type {{ x: number, y: number }} */ (d.pos.get(x));
      env.pending.set(x, onto ? { x: Math.round(p.x + dx), y: Math.round(p.y + dy) } : clearOfRegions({ x: p.x + dx, y: p.y + dy }, regions));
    }
    env.redraw();
    // As of when it was picked up: of two people holding one note, the first to let go places
    // it, and the other is told (their screen held the note; they never saw that move).
    const seen = d.seen;
    dropNote({ id: d.primary, x: at.x, y: at.y, onto }, seen).then(async (outcome) => {
      env.pending.delete(d.primary);
      const cluster = onto?.kind === 'cluster' ? onto.id : created;
      await Promise.all(
        rest.map((x) => {
          const p = /** @type {{ x: number, y: number }} */ (env.pending.get(x));
          return dropNote({ id: x, x: p.x, y: p.y, onto: outcome.ok && cluster ? { kind: 'cluster', id: cluster } : undefined }, seen).then(() =>
            env.pending.delete(x),
          );
        }),
      );
      env.redraw();
      if (outcome.ok && created && app.store.view?.room.wall.clusters[created]) env.onCreated(created);
    });
  }

  /** @param {PointerEvent} ev */
  function move(ev) {
    if (!drag || ev.pointerId !== drag.pointer) return;
    const s = env.camera.scale();
    const dx = (ev.clientX - drag.x0) / s;
    const dy = (ev.clientY - drag.y0) / s;
    if (!drag.started) {
      if (Math.hypot(ev.clientX - drag.x0, ev.clientY - drag.y0) < THRESHOLD_PX) return;
      drag.started = true;
      for (const id of drag.ids) env.root()?.querySelector(`.wall-note[data-id="${CSS.escape(id)}"]`)?.classList.add('dragging');
      drag.keepAlive = setInterval(() => drag && Date.now() - drag.sentAt >= KEEPALIVE_MS && sendLive(), KEEPALIVE_MS);
    }
    for (const id of drag.ids) {
      const start = /** @type {{ x: number, y: number }} */ (drag.start.get(id));
      const at = { x: start.x + dx, y: start.y + dy };
      drag.pos.set(id, at);
      place(id, at);
    }
    if (Date.now() - drag.sentAt >= SEND_MS) sendLive();
    land(drag, env.camera.toWall(ev.clientX, ev.clientY), false);
  }

  /** Ends the drag in hand, if any, without dropping it: its listeners and its keep-alive go. */
  function release() {
    const done = drag;
    drag = null;
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', up);
    if (done?.keepAlive) clearInterval(done.keepAlive);
    return done;
  }

  /** @param {PointerEvent} ev */
  function up(ev) {
    if (!drag || ev.pointerId !== drag.pointer) return;
    letGo(/** @type {NonNullable<typeof drag>} */ (release()), ev);
    // What arrived while the note was held is fitted now, after the drop: the drop is read from
    // where the pointer was on the wall as it stood.
    env.camera.hold(false);
  }

  /** A click (select) or a drop, as the pointer goes up. @param {Drag} done @param {PointerEvent} ev */
  function letGo(done, ev) {
    env.root()?.querySelectorAll('.dragging, .drop-target').forEach((el) => el.classList.remove('dragging', 'drop-target'));
    if (!done.started) {
      if (ev.type === 'pointerup') {
        const extend = ev.shiftKey || ev.ctrlKey || ev.metaKey;
        const next = new Set(extend ? env.selected() : []);
        if (extend && next.has(done.primary)) next.delete(done.primary);
        else next.add(done.primary);
        env.setSelected(next);
        if (!extend) env.onClick(done.primary);
      }
      return;
    }
    if (ev.type !== 'pointerup') {
      env.redraw();
      return;
    }
    land(done, env.camera.toWall(ev.clientX, ev.clientY), true);
  }

  return {
    /**
     * The wall goes away mid-drag (the room moved on to another step): the note is not dropped
     * where the pointer happened to be; it stays where it was.
     */
    cancel: () => {
      release();
      env.camera.hold(false);
    },
    /** Whether `id` is under this person's pointer now (others' previews of it are ignored). */
    /** @param {string} id */
    holds: (id) => !!drag?.started && drag.ids.includes(id),
    /** @param {string} id */
    at: (id) => (drag?.started ? drag.pos.get(id) : undefined),
    /** @param {PointerEvent} ev @param {Note} note @param {{ x: number, y: number }} shown */
    down(ev, note, shown) {
      if (ev.button !== 0 || drag) return;
      ev.preventDefault();
      ev.stopPropagation();
      const selected = env.selected();
      const ids = selected.has(note.id) ? [note.id, ...[...selected].filter((x) => x !== note.id)] : [note.id];
      const all = new Map(env.notes().map((n) => [n.id, n]));
      /** @type {Map<string, { x: number, y: number }>} */
      const start = new Map();
      for (const id of ids) {
        const n = all.get(id);
        if (n) start.set(id, id === note.id ? shown : { x: n.x, y: n.y });
      }
      const grab = env.camera.toWall(ev.clientX, ev.clientY);
      drag = {
        primary: note.id,
        ids: [...start.keys()],
        start,
        pos: new Map(start),
        x0: ev.clientX,
        y0: ev.clientY,
        pointer: ev.pointerId,
        started: false,
        sentAt: 0,
        keepAlive: null,
        target: null,
        grab: { x: grab.x - shown.x, y: grab.y - shown.y },
        seen: app.store.view?.room.seq,
      };
      env.camera.hold(true);
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
      window.addEventListener('pointercancel', up);
    },
    /** Arrow keys move the focused note; it keeps its cluster. @param {KeyboardEvent} ev @param {Note} note */
    key(ev, note) {
      const deltas = /** @type {Record<string, [number, number]>} */ ({ ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] });
      const d = deltas[ev.key];
      if (!d) return false;
      ev.preventDefault();
      const to = { x: Math.max(0, note.x + d[0] * KEY_STEP), y: Math.max(0, note.y + d[1] * KEY_STEP) };
      const regions = regionsOf(env.notes().filter((n) => n.id !== note.id), env.band());
      const at = note.cluster ? to : clearOfRegions(to, regions);
      env.pending.set(note.id, at);
      env.redraw();
      dropNote({ id: note.id, x: at.x, y: at.y, onto: note.cluster ? { kind: 'cluster', id: note.cluster } : undefined }).then(() => {
        env.pending.delete(note.id);
        env.redraw();
      });
      return true;
    },
  };
}

export { NOTE_H, NOTE_W };
