// Step 4's wall as a canvas: revealed post-its at their wall positions on a pannable, zoomable
// surface (one CSS transform), clusters drawn as labelled regions around their notes.
//
// Moving a note: while the pointer drags it, its position goes out as ephemeral `drag`
// messages (at most one per animation frame and ~30 a second, plus a keep-alive while the
// pointer rests); the drop is the durable `note.drop`, onto a note (a cluster forms), into a
// cluster's region, or loose. Everyone else's notes glide toward the latest drag position they
// hear of (eased every animation frame), and back to the stored position once that drag is
// more than a second old or a newer stored position arrived. The note under your own pointer
// follows only your pointer: others' previews of it are ignored until you let go.

import { h } from '../dom.js';
import { t, tIn } from '../i18n.js';
import {
  MAX_CLUSTER_NAME_CHARS,
  WALL_HEIGHT,
  WALL_WIDTH,
  canEdit,
  clusterLabel,
  helpMe,
  isFacilitator,
  nameOf,
  newId,
} from './kit.js';

/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Note} Note */
/** @typedef {import('../protocol').DropTarget} DropTarget */

/** A post-it's size in wall units (positions are its top-left corner). */
export const NOTE_W = 240;
export const NOTE_H = 140;
/** Space kept around a cluster's notes, and the band above them for its label. */
const REGION_PAD = 26;
const REGION_LABEL = 40;
/** Zoom limits: the whole wall on a phone, to big enough to read from afar. */
const MIN_ZOOM = 0.08;
const MAX_ZOOM = 2.5;
/** A drag preview older than this is stale: its sender stopped or left. */
const STALE_DRAG_MS = 1000;
/** At most one drag message per this many ms (~30 a second). */
const DRAG_SEND_MS = 33;
/** While the pointer rests, the position is re-sent this often so it does not go stale. */
const DRAG_KEEPALIVE_MS = 400;
/** How far the pointer moves before a press on a note becomes a drag, in CSS pixels. */
const DRAG_THRESHOLD_PX = 4;
/** Easing of other people's moves: the gap closes by ~63% every this many ms. */
const EASE_MS = 60;
/** Cluster colours (classes `c0`..`c7` in the stylesheet). */
const PALETTE_SIZE = 8;

/**
 * @typedef {object} NoteView
 * @property {HTMLElement} el
 * @property {HTMLElement} text
 * @property {HTMLElement} author
 * @property {HTMLElement} mover "Ana is moving this"
 * @property {HTMLElement} hint "Looks like: ..."
 * @property {Note} note the stored note this was last drawn from
 * @property {number} px displayed position
 * @property {number} py
 * @property {number} setAt when the stored note last changed (this browser's clock)
 * @property {string} remote who is moving it now, as drawn ('' for nobody)
 * @property {string} hintKey what the hint was drawn from
 */

/**
 * @typedef {object} Camera
 * @property {number} x screen offset of the wall's origin, in CSS pixels
 * @property {number} y
 * @property {number} z zoom: CSS pixels per wall unit
 * @property {boolean} auto keep every note in view as notes arrive (until the person pans or
 *   zooms; "Fit" turns it back on)
 */

/** @typedef {{ minX: number, minY: number, maxX: number, maxY: number, count: number }} Box */

/** Where each room's wall was looked at, kept when the screen is rebuilt (a language switch). */
/** @type {Map<string, Camera>} */
const cameras = new Map();

/** @param {number} v @param {number} lo @param {number} hi */
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** @param {string} id a stable colour class for a cluster */
export function clusterColour(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `c${hash % PALETTE_SIZE}`;
}

/**
 * The first spot near `anchors` (wall positions) where a note does not overlap any of
 * `others`: right of, below, left of or above an anchor, then further out.
 * @param {{ x: number, y: number }[]} anchors
 * @param {{ x: number, y: number }[]} others
 */
export function freeSpotNear(anchors, others) {
  const gapX = NOTE_W + 16;
  const gapY = NOTE_H + 16;
  const free = (/** @type {number} */ x, /** @type {number} */ y) =>
    others.every((o) => Math.abs(o.x - x) >= NOTE_W + 8 || Math.abs(o.y - y) >= NOTE_H + 8);
  for (let ring = 1; ring <= 4; ring++) {
    for (const a of anchors) {
      const tries = [
        [a.x + gapX * ring, a.y],
        [a.x, a.y + gapY * ring],
        [a.x - gapX * ring, a.y],
        [a.x, a.y - gapY * ring],
        [a.x + gapX * ring, a.y + gapY * ring],
        [a.x - gapX * ring, a.y + gapY * ring],
      ];
      for (const [x, y] of tries) {
        const cx = clamp(x, 0, WALL_WIDTH - NOTE_W);
        const cy = clamp(y, 0, WALL_HEIGHT - NOTE_H);
        if (cx === x && cy === y && free(x, y)) return { x: Math.round(x), y: Math.round(y) };
      }
    }
  }
  const a = anchors[0] ?? { x: 0, y: 0 };
  return {
    x: clamp(Math.round(a.x + 24), 0, WALL_WIDTH - NOTE_W),
    y: clamp(Math.round(a.y + 24), 0, WALL_HEIGHT - NOTE_H),
  };
}

/**
 * Where to put `noteId` to join `clusterId`: a free spot next to the cluster's notes.
 * @param {RoomView} view
 * @param {string} noteId
 * @param {string} clusterId
 */
export function spotInCluster(view, noteId, clusterId) {
  const notes = Object.values(view.room.wall.notes).filter((n) => n.revealed && n.id !== noteId);
  const members = notes.filter((n) => n.cluster === clusterId);
  return freeSpotNear(members.length ? members : notes.slice(0, 1), notes);
}

/**
 * Where to put `noteId` to leave its cluster: a free spot beside the cluster's other notes.
 * @param {RoomView} view
 * @param {string} noteId
 */
export function spotOutsideCluster(view, noteId) {
  const note = view.room.wall.notes[noteId];
  if (!note) return { x: 0, y: 0 };
  const others = Object.values(view.room.wall.notes).filter((n) => n.revealed && n.id !== noteId);
  const members = others.filter((n) => n.cluster && n.cluster === note.cluster);
  if (members.length === 0) return { x: note.x, y: note.y };
  const right = Math.max(...members.map((n) => n.x)) + REGION_PAD;
  const top = Math.min(...members.map((n) => n.y));
  return freeSpotNear([{ x: right, y: top }], others);
}

/**
 * @param {RoomCtx} ctx
 */
export function wallCanvas(ctx) {
  const regionsLayer = h('div', { class: 'wall-regions' });
  const notesLayer = h('div', { class: 'wall-notes' });
  const world = h('div', { class: 'wall-world' }, regionsLayer, notesLayer);
  const overlay = h('div', { class: 'wall-overlay' });
  const empty = h('div', { class: 'wall-empty', 'data-testid': 'wall-empty' }, t('wall.empty'));
  const help = h('p', { class: 'sr-only', id: 'wall-help' }, t('wall.help'));
  const wheelHint = h(
    'div',
    { class: 'wall-wheel-hint', 'aria-hidden': 'true', hidden: true },
    t('wall.wheel_hint'),
  );
  const viewport = h(
    'div',
    {
      class: 'wall-viewport',
      'data-testid': 'wall',
      tabindex: 0,
      role: 'region',
      'aria-label': t('wall.canvas'),
      'aria-describedby': 'wall-help',
    },
    world,
    overlay,
    empty,
    wheelHint,
    help,
  );
  const el = h('div', { class: 'wall-canvas' }, viewport);

  const zoomLabel = h('span', { class: 'zoom-label', 'data-testid': 'zoom-label' });
  /** @param {string} label @param {string} testid @param {() => void} action @param {string} aria */
  const tool = (label, testid, action, aria) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        'data-testid': testid,
        'aria-label': aria,
        title: aria,
        onclick: action,
      },
      label,
    );
  const zoomControls = h(
    'div',
    { class: 'zoom-controls', role: 'group', 'aria-label': t('wall.zoom') },
    tool('−', 'zoom-out', () => zoomBy(1 / 1.25), t('wall.zoom_out')),
    zoomLabel,
    tool('+', 'zoom-in', () => zoomBy(1.25), t('wall.zoom_in')),
    tool(t('wall.fit'), 'zoom-fit', () => ((camera.auto = true), fit()), t('wall.fit.aria')),
  );

  /** @type {Camera} */
  const camera = cameras.get(ctx.roomId) ?? { x: 0, y: 0, z: 0.4, auto: true };
  cameras.set(ctx.roomId, camera);
  /** How many notes the view was last fitted to. */
  let fittedTo = 0;

  /** @type {Map<string, NoteView>} */
  const notes = new Map();
  /** @type {Map<string, { el: HTMLElement, label: HTMLElement, name: HTMLElement, count: HTMLElement, key: string }>} */
  const regions = new Map();
  /** @type {Map<string, Box>} cluster regions in wall units, for drawing and for drops */
  let boxes = new Map();
  /** Notes dropped here whose `note.drop` is not acknowledged yet: shown where they were dropped. */
  /** @type {Map<string, { x: number, y: number }>} */
  const pendingDrops = new Map();
  /** Suggestions this person dismissed. */
  const dismissed = new Set();
  let lastSeq = -1;
  /** @type {Set<string> | null} */
  let lastOnline = null;

  /**
   * The note being dragged by this person.
   * @type {{ id: string, pointerId: number, offX: number, offY: number, x: number, y: number,
   *   startX: number, startY: number, started: boolean, sentAt: number, sentX: number, sentY: number,
   *   target: Element | null, keepAlive: ReturnType<typeof setInterval> | null } | null}
   */
  let drag = null;
  let sendQueued = false;
  /** Pointers down on the background: one pans, two pinch. */
  /** @type {Map<number, { x: number, y: number }>} */
  const pointers = new Map();
  /** @type {{ x: number, y: number, camX: number, camY: number } | null} */
  let pan = null;
  /** @type {{ dist: number, z: number, wx: number, wy: number } | null} */
  let pinch = null;

  // ---------- camera ----------

  function applyCamera() {
    world.style.transform = `translate(${camera.x}px, ${camera.y}px) scale(${camera.z})`;
    world.style.setProperty('--inv', String(1 / camera.z));
    viewport.classList.toggle('far', camera.z < 0.45);
    zoomLabel.textContent = `${Math.round(camera.z * 100)}%`;
    positionPopover();
  }

  /** @param {number} factor @param {number} [sx] @param {number} [sy] screen point kept still */
  function zoomBy(factor, sx, sy) {
    camera.auto = false;
    const rect = viewport.getBoundingClientRect();
    const px = sx ?? rect.width / 2;
    const py = sy ?? rect.height / 2;
    const z = clamp(camera.z * factor, MIN_ZOOM, MAX_ZOOM);
    camera.x = px - ((px - camera.x) * z) / camera.z;
    camera.y = py - ((py - camera.y) * z) / camera.z;
    camera.z = z;
    applyCamera();
  }

  /** @param {number} dx @param {number} dy screen pixels */
  function panBy(dx, dy) {
    camera.auto = false;
    camera.x += dx;
    camera.y += dy;
    applyCamera();
  }

  /** Fits every revealed note (or the whole wall when there is none) into view. */
  function fit() {
    const rect = viewport.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return;
    fittedTo = notes.size;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const nv of notes.values()) {
      minX = Math.min(minX, nv.px);
      minY = Math.min(minY, nv.py - REGION_LABEL - REGION_PAD);
      maxX = Math.max(maxX, nv.px + NOTE_W);
      maxY = Math.max(maxY, nv.py + NOTE_H);
    }
    if (!Number.isFinite(minX)) [minX, minY, maxX, maxY] = [0, 0, WALL_WIDTH, WALL_HEIGHT];
    const margin = 40;
    const w = maxX - minX + margin * 2;
    const hgt = maxY - minY + margin * 2;
    // Never zoom in past 100% to fit a handful of notes.
    const z = clamp(Math.min(rect.width / w, rect.height / hgt), MIN_ZOOM, 1);
    camera.z = z;
    camera.x = (rect.width - (maxX - minX) * z) / 2 - minX * z;
    camera.y = Math.min((rect.height - (maxY - minY) * z) / 2, margin * z) - minY * z;
    if ((maxY - minY) * z + margin * 2 * z > rect.height) camera.y = margin * z - minY * z;
    applyCamera();
  }

  /** @param {number} clientX @param {number} clientY @returns {{ x: number, y: number }} */
  function toWall(clientX, clientY) {
    const rect = viewport.getBoundingClientRect();
    return { x: (clientX - rect.left - camera.x) / camera.z, y: (clientY - rect.top - camera.y) / camera.z };
  }

  // ---------- drawing ----------

  /** @param {Note} note */
  function makeNote(note) {
    const text = h('p', { class: 'wall-note-text' });
    const author = h('span', { class: 'wall-note-author' });
    const mover = h('span', { class: 'wall-note-mover', 'aria-hidden': 'true' });
    const hint = h('div', { class: 'note-hint', 'data-testid': 'note-hint', hidden: true });
    const noteEl = h(
      'div',
      { class: 'wall-note', 'data-id': note.id, 'data-testid': 'wall-note' },
      text,
      author,
      mover,
      hint,
    );
    notesLayer.appendChild(noteEl);
    /** @type {NoteView} */
    const nv = {
      el: noteEl,
      text,
      author,
      mover,
      hint,
      note,
      px: note.x,
      py: note.y,
      setAt: 0,
      remote: '',
      hintKey: '',
    };
    place(nv);
    return nv;
  }

  /** @param {NoteView} nv */
  function place(nv) {
    nv.el.style.transform = `translate(${nv.px}px, ${nv.py}px)`;
  }

  /** @param {RoomView} view @param {NoteView} nv */
  function drawNote(view, nv) {
    const { note } = nv;
    const words = helpMe(view.room.settings.language, note.text);
    // The prefix apart, so that zoomed far out it can give way to the words that differ.
    nv.text.replaceChildren(
      h('span', { class: 'wall-note-prefix' }, tIn(view.room.settings.language, 'note.prefix')),
      ' ',
      note.text,
    );
    nv.el.title = words;
    nv.author.textContent = nameOf(view.room, note.author);
    nv.el.classList.toggle('in-cluster', !!note.cluster);
    nv.el.classList.remove(...Array.from({ length: PALETTE_SIZE }, (_, i) => `c${i}`));
    if (note.cluster) nv.el.classList.add(clusterColour(note.cluster));
    nv.el.dataset.cluster = note.cluster ?? '';
    nv.el.classList.toggle('draggable', canEdit(view));
  }

  /** @param {RoomView} view @param {NoteView} nv */
  function drawHint(view, nv) {
    const { note } = nv;
    const cluster = note.suggestion ? view.room.wall.clusters[note.suggestion] : undefined;
    const show = !!cluster && note.cluster !== note.suggestion && !dismissed.has(note.id) && canEdit(view);
    const key = show && cluster ? `${cluster.id}:${cluster.name}` : '';
    if (key === nv.hintKey) return;
    nv.hintKey = key;
    nv.hint.hidden = !show;
    if (!show || !cluster) {
      nv.hint.replaceChildren();
      return;
    }
    nv.hint.replaceChildren(
      h(
        'span',
        { class: 'note-hint-text' },
        t('hint.looks_like'),
        ' ',
        h('strong', null, clusterLabel(cluster)),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-primary btn-small',
          'data-testid': 'hint-add',
          onclick: () => acceptSuggestion(note.id, cluster.id),
        },
        t('hint.add'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'note-hint-close',
          'aria-label': t('hint.dismiss'),
          onclick: () => {
            dismissed.add(note.id);
            const view = ctx.store.view;
            if (view) drawHint(view, nv);
          },
        },
        '×',
      ),
    );
  }

  /** @param {string} noteId @param {string} clusterId */
  async function acceptSuggestion(noteId, clusterId) {
    const view = ctx.store.view;
    if (!view) return;
    const spot = spotInCluster(view, noteId, clusterId);
    pendingDrops.set(noteId, spot);
    kick();
    await ctx.conn.send({
      type: 'note.drop',
      id: noteId,
      x: spot.x,
      y: spot.y,
      onto: { kind: 'cluster', id: clusterId },
    });
    pendingDrops.delete(noteId);
    drawRegions();
    kick();
  }

  /** @param {RoomView} view */
  function update(view) {
    if (view.room.seq === lastSeq && view.online === lastOnline) {
      kick(); // Only live drags changed: the animation loop reads them.
      return;
    }
    lastSeq = view.room.seq;
    lastOnline = view.online;
    const now = Date.now();
    const seen = new Set();
    const turn = view.room.wall.turn;
    for (const note of Object.values(view.room.wall.notes)) {
      if (!note.revealed) continue;
      seen.add(note.id);
      let nv = notes.get(note.id);
      if (!nv) {
        nv = makeNote(note);
        notes.set(note.id, nv);
        drawNote(view, nv);
        nv.setAt = now;
      } else if (nv.note !== note) {
        const moved = nv.note.x !== note.x || nv.note.y !== note.y;
        nv.note = note;
        drawNote(view, nv);
        if (moved) nv.setAt = now;
      }
      nv.el.classList.toggle('turn', !!turn && note.author === turn);
      drawHint(view, nv);
    }
    for (const [id, nv] of notes) {
      if (!seen.has(id)) {
        nv.el.remove();
        notes.delete(id);
        if (drag?.id === id) endDrag(false);
      }
    }
    empty.hidden = notes.size > 0;
    drawRegions();
    refreshPopover(view);
    // Newly revealed notes come into view, unless the person is looking somewhere on purpose.
    if (camera.auto && notes.size > fittedTo && !drag?.started) fit();
    kick();
  }

  /** Recomputes the clusters' regions from stored positions (not from live previews). */
  function drawRegions() {
    const view = ctx.store.view;
    if (!view) return;
    /** @type {Map<string, Box>} */
    const next = new Map();
    for (const nv of notes.values()) {
      const cluster = nv.note.cluster;
      if (!cluster || drag?.id === nv.note.id) continue;
      const at = pendingDrops.get(nv.note.id) ?? nv.note;
      const box = next.get(cluster) ?? {
        minX: Infinity,
        minY: Infinity,
        maxX: -Infinity,
        maxY: -Infinity,
        count: 0,
      };
      box.minX = Math.min(box.minX, at.x);
      box.minY = Math.min(box.minY, at.y);
      box.maxX = Math.max(box.maxX, at.x + NOTE_W);
      box.maxY = Math.max(box.maxY, at.y + NOTE_H);
      box.count += 1;
      next.set(cluster, box);
    }
    boxes = next;
    const editable = canEdit(view);
    for (const [id, box] of boxes) {
      const cluster = view.room.wall.clusters[id];
      let region = regions.get(id);
      if (!region) {
        const name = h('span', { class: 'cluster-name' });
        const count = h('span', { class: 'cluster-count' });
        const label = h(
          editable ? 'button' : 'span',
          editable
            ? {
                type: 'button',
                class: 'cluster-label',
                'data-testid': 'cluster-label',
                onclick: () => openClusterMenu(id),
              }
            : { class: 'cluster-label' },
          name,
          count,
        );
        const regionEl = h(
          'div',
          { class: `wall-region ${clusterColour(id)}`, 'data-id': id, 'data-testid': 'cluster' },
          label,
        );
        regionsLayer.appendChild(regionEl);
        region = { el: regionEl, label, name, count, key: '' };
        regions.set(id, region);
      }
      const x = box.minX - REGION_PAD;
      const y = box.minY - REGION_PAD - REGION_LABEL;
      const w = box.maxX - box.minX + REGION_PAD * 2;
      const hgt = box.maxY - box.minY + REGION_PAD * 2 + REGION_LABEL;
      const key = `${x},${y},${w},${hgt},${cluster?.name},${box.count}`;
      if (key === region.key) continue;
      region.key = key;
      region.el.style.transform = `translate(${x}px, ${y}px)`;
      region.el.style.width = `${w}px`;
      region.el.style.height = `${hgt}px`;
      region.name.textContent = clusterLabel(cluster);
      region.name.classList.toggle('unnamed', !cluster?.name);
      region.count.textContent = String(box.count);
      region.label.setAttribute(
        'aria-label',
        t('wall.cluster.aria', { name: clusterLabel(cluster), n: box.count }),
      );
    }
    for (const [id, region] of regions) {
      if (!boxes.has(id)) {
        region.el.remove();
        regions.delete(id);
      }
    }
  }

  // ---------- animation ----------

  let frame = 0;
  let lastFrame = 0;

  function kick() {
    if (frame === 0) {
      lastFrame = performance.now();
      frame = requestAnimationFrame(animate);
    }
  }

  /** @param {number} now */
  function animate(now) {
    frame = 0;
    const view = ctx.store.view;
    if (!view) return;
    const dt = Math.min(100, now - lastFrame);
    lastFrame = now;
    const k = 1 - Math.exp(-dt / EASE_MS);
    const wallNow = Date.now();
    const me = view.you.member_id;
    let busy = false;
    for (const [id, nv] of notes) {
      let tx = nv.note.x;
      let ty = nv.note.y;
      let remote = '';
      const pending = pendingDrops.get(id);
      if (drag?.id === id && drag.started) {
        tx = drag.x;
        ty = drag.y;
      } else if (pending) {
        tx = pending.x;
        ty = pending.y;
      } else {
        const live = view.live.drags.get(id);
        if (live && live.member_id !== me && wallNow - live.at < STALE_DRAG_MS && live.at > nv.setAt) {
          tx = live.x;
          ty = live.y;
          remote = nameOf(view.room, live.member_id);
          busy = true; // Check again when it goes stale.
        }
      }
      if (remote !== nv.remote) {
        nv.remote = remote;
        nv.el.classList.toggle('remote-drag', !!remote);
        nv.mover.textContent = remote;
      }
      if (nv.px === tx && nv.py === ty) continue;
      if (drag?.id === id || (Math.abs(tx - nv.px) < 0.5 && Math.abs(ty - nv.py) < 0.5)) {
        nv.px = tx;
        nv.py = ty;
      } else {
        nv.px += (tx - nv.px) * k;
        nv.py += (ty - nv.py) * k;
        busy = true;
      }
      place(nv);
    }
    if (busy) kick();
  }

  // ---------- this person's drag ----------

  /** @param {number} pointerId @param {PointerEvent} ev @param {NoteView} nv */
  function pressNote(pointerId, ev, nv) {
    const at = toWall(ev.clientX, ev.clientY);
    drag = {
      id: nv.note.id,
      pointerId,
      offX: at.x - nv.px,
      offY: at.y - nv.py,
      x: nv.px,
      y: nv.py,
      startX: ev.clientX,
      startY: ev.clientY,
      started: false,
      sentAt: 0,
      sentX: NaN,
      sentY: NaN,
      target: null,
      keepAlive: null,
    };
  }

  /** @param {PointerEvent} ev */
  function moveDrag(ev) {
    if (!drag) return;
    if (!drag.started) {
      if (Math.hypot(ev.clientX - drag.startX, ev.clientY - drag.startY) < DRAG_THRESHOLD_PX) return;
      drag.started = true;
      closePopover();
      notes.get(drag.id)?.el.classList.add('dragging');
      viewport.classList.add('dragging-note');
      drawRegions(); // Its own cluster's region no longer holds it while it moves.
      drag.keepAlive = setInterval(() => {
        if (drag && performance.now() - drag.sentAt > DRAG_KEEPALIVE_MS) sendDrag(true);
      }, DRAG_KEEPALIVE_MS);
    }
    const at = toWall(ev.clientX, ev.clientY);
    drag.x = clamp(at.x - drag.offX, 0, WALL_WIDTH - NOTE_W);
    drag.y = clamp(at.y - drag.offY, 0, WALL_HEIGHT - NOTE_H);
    markTarget(dropTargetAt(ev.clientX, ev.clientY));
    if (!sendQueued) {
      sendQueued = true;
      requestAnimationFrame(() => {
        sendQueued = false;
        sendDrag(false);
      });
    }
    kick();
  }

  /** @param {boolean} force send even when the position has not changed */
  function sendDrag(force) {
    if (!drag?.started) return;
    const now = performance.now();
    if (now - drag.sentAt < DRAG_SEND_MS) {
      if (!sendQueued) {
        sendQueued = true;
        requestAnimationFrame(() => {
          sendQueued = false;
          sendDrag(force);
        });
      }
      return;
    }
    const x = Math.round(drag.x);
    const y = Math.round(drag.y);
    if (!force && x === drag.sentX && y === drag.sentY) return;
    drag.sentAt = now;
    drag.sentX = x;
    drag.sentY = y;
    ctx.conn.live({ type: 'drag', id: drag.id, x, y });
  }

  /**
   * What a drop here would land on: another note, else the smallest cluster region holding
   * the pointer, else nothing.
   * @param {number} clientX @param {number} clientY
   * @returns {{ note: string } | { cluster: string } | null}
   */
  function dropTargetAt(clientX, clientY) {
    if (!drag) return null;
    for (const under of document.elementsFromPoint(clientX, clientY)) {
      if (!(under instanceof HTMLElement)) continue;
      const noteEl = under.closest('.wall-note');
      if (
        noteEl instanceof HTMLElement &&
        noteEl.dataset.id &&
        noteEl.dataset.id !== drag.id &&
        notesLayer.contains(noteEl)
      ) {
        return { note: noteEl.dataset.id };
      }
    }
    const at = toWall(clientX, clientY);
    let best = null;
    let bestArea = Infinity;
    for (const [id, box] of boxes) {
      const x0 = box.minX - REGION_PAD;
      const y0 = box.minY - REGION_PAD - REGION_LABEL;
      const x1 = box.maxX + REGION_PAD;
      const y1 = box.maxY + REGION_PAD;
      if (at.x < x0 || at.x > x1 || at.y < y0 || at.y > y1) continue;
      const area = (x1 - x0) * (y1 - y0);
      if (area < bestArea) {
        best = id;
        bestArea = area;
      }
    }
    return best ? { cluster: best } : null;
  }

  /** @param {{ note: string } | { cluster: string } | null} target */
  function markTarget(target) {
    if (!drag) return;
    const el =
      target && 'note' in target
        ? (notes.get(target.note)?.el ?? null)
        : target
          ? (regions.get(target.cluster)?.el ?? null)
          : null;
    if (el === drag.target) return;
    drag.target?.classList.remove('drop-target');
    el?.classList.add('drop-target');
    drag.target = el;
  }

  /** @param {boolean} dropped @param {PointerEvent} [ev] */
  function endDrag(dropped, ev) {
    const current = drag;
    if (!current) return;
    // Where it lands is decided while the drag (and its region exclusions) still stands.
    const hit = dropped && ev && current.started ? dropTargetAt(ev.clientX, ev.clientY) : null;
    drag = null;
    if (current.keepAlive) clearInterval(current.keepAlive);
    current.target?.classList.remove('drop-target');
    viewport.classList.remove('dragging-note');
    const nv = notes.get(current.id);
    nv?.el.classList.remove('dragging');
    if (!current.started || !nv) return;
    if (!dropped) {
      drawRegions();
      kick();
      return;
    }
    let x = Math.round(current.x);
    let y = Math.round(current.y);
    /** @type {DropTarget | undefined} */
    let onto;
    /** @type {string | null} a cluster this drop creates, to name it right away */
    let created = null;
    if (hit && 'note' in hit) {
      const other = notes.get(hit.note)?.note;
      if (other) {
        // Next to the note it was dropped on, not covering it.
        const others = [...notes.values()]
          .filter((o) => o.note.id !== current.id)
          .map((o) => pendingDrops.get(o.note.id) ?? o.note);
        ({ x, y } = freeSpotNear([other], others));
        const fresh = newId();
        onto = { kind: 'note', id: other.id, new_cluster: fresh };
        if (!other.cluster) created = fresh;
      }
    } else if (hit && 'cluster' in hit) {
      onto = { kind: 'cluster', id: hit.cluster };
    }
    pendingDrops.set(current.id, { x, y });
    drawRegions();
    kick();
    ctx.conn.send({ type: 'note.drop', id: current.id, x, y, onto }).then((outcome) => {
      pendingDrops.delete(current.id);
      drawRegions();
      kick();
      if (outcome.ok && created && ctx.store.view?.room.wall.clusters[created])
        openClusterMenu(created, true);
    });
  }

  // ---------- pointer and keyboard ----------

  viewport.addEventListener('pointerdown', (ev) => {
    const target = /** @type {HTMLElement} */ (ev.target);
    if (overlay.contains(target) || target.closest('button, input, select, a')) return;
    const view = ctx.store.view;
    if (!view) return;
    closePopover();
    const noteEl = target.closest('.wall-note');
    if (noteEl instanceof HTMLElement && canEdit(view) && pointers.size === 0 && !drag) {
      const nv = notes.get(noteEl.dataset.id ?? '');
      if (nv && ev.button === 0) {
        ev.preventDefault();
        viewport.focus({ preventScroll: true });
        viewport.setPointerCapture(ev.pointerId);
        pressNote(ev.pointerId, ev, nv);
        return;
      }
    }
    if (ev.button !== 0 && ev.pointerType === 'mouse') return;
    ev.preventDefault();
    viewport.focus({ preventScroll: true });
    viewport.setPointerCapture(ev.pointerId);
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (pointers.size === 1) {
      pan = { x: ev.clientX, y: ev.clientY, camX: camera.x, camY: camera.y };
      viewport.classList.add('panning');
    } else if (pointers.size === 2) {
      pan = null;
      const [a, b] = [...pointers.values()];
      const rect = viewport.getBoundingClientRect();
      const mid = { x: (a.x + b.x) / 2 - rect.left, y: (a.y + b.y) / 2 - rect.top };
      pinch = {
        dist: Math.hypot(a.x - b.x, a.y - b.y) || 1,
        z: camera.z,
        wx: (mid.x - camera.x) / camera.z,
        wy: (mid.y - camera.y) / camera.z,
      };
    }
  });

  viewport.addEventListener('pointermove', (ev) => {
    if (drag && ev.pointerId === drag.pointerId) {
      moveDrag(ev);
      return;
    }
    if (!pointers.has(ev.pointerId)) return;
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (pinch && pointers.size >= 2) {
      const [a, b] = [...pointers.values()];
      const rect = viewport.getBoundingClientRect();
      const mid = { x: (a.x + b.x) / 2 - rect.left, y: (a.y + b.y) / 2 - rect.top };
      const z = clamp((pinch.z * Math.hypot(a.x - b.x, a.y - b.y)) / pinch.dist, MIN_ZOOM, MAX_ZOOM);
      camera.auto = false;
      camera.z = z;
      camera.x = mid.x - pinch.wx * z;
      camera.y = mid.y - pinch.wy * z;
      applyCamera();
    } else if (pan) {
      if (Math.hypot(ev.clientX - pan.x, ev.clientY - pan.y) > DRAG_THRESHOLD_PX) camera.auto = false;
      camera.x = pan.camX + (ev.clientX - pan.x);
      camera.y = pan.camY + (ev.clientY - pan.y);
      applyCamera();
    }
  });

  /** @param {PointerEvent} ev */
  function release(ev) {
    if (drag && ev.pointerId === drag.pointerId) {
      const wasClick = !drag.started;
      const id = drag.id;
      endDrag(ev.type === 'pointerup', ev);
      if (wasClick && ev.type === 'pointerup') openNoteMenu(id);
      return;
    }
    if (!pointers.delete(ev.pointerId)) return;
    if (pointers.size < 2) pinch = null;
    if (pointers.size === 1) {
      const [p] = [...pointers.values()];
      pan = { x: p.x, y: p.y, camX: camera.x, camY: camera.y };
    } else if (pointers.size === 0) {
      pan = null;
      viewport.classList.remove('panning');
    }
  }
  viewport.addEventListener('pointerup', release);
  viewport.addEventListener('pointercancel', release);

  viewport.addEventListener(
    'wheel',
    (ev) => {
      // A wheel turned on the way down the page scrolls the page; the wall takes it once the
      // person is working on it (clicked into it, full screen) or holds Ctrl - and a pinch on a
      // trackpad arrives as a wheel with Ctrl.
      const engaged =
        ev.ctrlKey ||
        ev.metaKey ||
        el.closest('.expanded') !== null ||
        viewport.contains(document.activeElement);
      if (!engaged) {
        showWheelHint();
        return;
      }
      ev.preventDefault();
      const rect = viewport.getBoundingClientRect();
      // A pinch on a trackpad arrives as a wheel with ctrlKey and small deltas.
      const speed = ev.ctrlKey ? 0.01 : 0.0015;
      const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
      zoomBy(Math.exp(-delta * speed), ev.clientX - rect.left, ev.clientY - rect.top);
    },
    { passive: false },
  );

  /** @type {ReturnType<typeof setTimeout> | null} */
  let wheelHintTimer = null;
  function showWheelHint() {
    wheelHint.hidden = false;
    if (wheelHintTimer !== null) clearTimeout(wheelHintTimer);
    wheelHintTimer = setTimeout(() => (wheelHint.hidden = true), 1500);
  }

  viewport.addEventListener('keydown', (ev) => {
    if (ev.target !== viewport) return;
    const step = 60;
    /** @type {Record<string, () => void>} */
    const keys = {
      '+': () => zoomBy(1.25),
      '=': () => zoomBy(1.25),
      '-': () => zoomBy(1 / 1.25),
      0: () => ((camera.auto = true), fit()),
      ArrowLeft: () => panBy(step, 0),
      ArrowRight: () => panBy(-step, 0),
      ArrowUp: () => panBy(0, step),
      ArrowDown: () => panBy(0, -step),
    };
    const action = keys[ev.key];
    if (action) {
      ev.preventDefault();
      action();
    }
  });

  // ---------- popovers: a cluster's name and actions, a note's actions ----------

  /** @type {{ el: HTMLElement, kind: 'cluster' | 'note', id: string, anchor: () => HTMLElement | null } | null} */
  let popover = null;

  function closePopover() {
    popover?.el.remove();
    popover = null;
  }

  function positionPopover() {
    if (!popover) return;
    const anchor = popover.anchor();
    if (!anchor) {
      closePopover();
      return;
    }
    const box = viewport.getBoundingClientRect();
    const a = anchor.getBoundingClientRect();
    const width = popover.el.offsetWidth || 280;
    const height = popover.el.offsetHeight || 160;
    let left = a.left - box.left;
    let top = a.bottom - box.top + 6;
    if (top + height > box.height - 8) top = Math.max(8, a.top - box.top - height - 6);
    left = clamp(left, 8, Math.max(8, box.width - width - 8));
    top = clamp(top, 8, Math.max(8, box.height - height - 8));
    popover.el.style.transform = `translate(${left}px, ${top}px)`;
  }

  /** @param {RoomView} view closes a popover whose item is gone */
  function refreshPopover(view) {
    if (!popover) return;
    const gone =
      popover.kind === 'cluster'
        ? !view.room.wall.clusters[popover.id] || !regions.has(popover.id)
        : !notes.has(popover.id);
    if (gone || !canEdit(view)) closePopover();
    else positionPopover();
  }

  /**
   * @param {string} id
   * @param {boolean} [naming] just made by this person: put the cursor in its name
   */
  function openClusterMenu(id, naming = false) {
    const view = ctx.store.view;
    const cluster = view?.room.wall.clusters[id];
    if (!view || !cluster || !canEdit(view)) return;
    closePopover();
    const name = h('input', {
      name: 'cluster-name',
      value: cluster.name,
      maxlength: MAX_CLUSTER_NAME_CHARS,
      placeholder: t('wall.cluster.name.placeholder'),
      'aria-label': t('wall.cluster.name'),
      'data-testid': 'cluster-name',
    });
    const others = Object.values(view.room.wall.clusters).filter((c) => c.id !== id && boxes.has(c.id));
    const merge = h(
      'select',
      { 'aria-label': t('wall.cluster.merge'), 'data-testid': 'cluster-merge' },
      h('option', { value: '' }, t('wall.cluster.merge.choose')),
      others.map((c) => h('option', { value: c.id }, clusterLabel(c))),
    );
    const el = h(
      'form',
      {
        class: 'wall-popover',
        'data-testid': 'cluster-menu',
        onsubmit: (/** @type {SubmitEvent} */ ev) => {
          ev.preventDefault();
          const next = name.value.trim();
          if (next !== cluster.name) ctx.conn.send({ type: 'cluster.rename', id, name: next });
          closePopover();
          viewport.focus({ preventScroll: true });
        },
        onkeydown: (/** @type {KeyboardEvent} */ ev) => {
          if (ev.key === 'Escape') {
            ev.stopPropagation();
            closePopover();
            viewport.focus({ preventScroll: true });
          }
        },
      },
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, t('wall.cluster.name')),
        h(
          'span',
          { class: 'inline-form' },
          name,
          h(
            'button',
            { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'cluster-save' },
            t('wall.cluster.save'),
          ),
        ),
      ),
      others.length
        ? h(
            'div',
            { class: 'inline-form' },
            merge,
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-secondary btn-small',
                onclick: () => {
                  if (!merge.value) return;
                  ctx.conn.send({ type: 'cluster.merge', from: id, into: merge.value });
                  closePopover();
                },
              },
              t('wall.cluster.merge.do'),
            ),
          )
        : null,
      h(
        'div',
        { class: 'popover-foot' },
        h('span', { class: 'muted small' }, t('wall.cluster.split_help')),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-small danger',
            'data-testid': 'cluster-dissolve',
            onclick: () => {
              ctx.conn.send({ type: 'cluster.dissolve', id });
              closePopover();
            },
          },
          t('wall.cluster.dissolve'),
        ),
      ),
    );
    overlay.appendChild(el);
    popover = { el, kind: 'cluster', id, anchor: () => regions.get(id)?.label ?? null };
    positionPopover();
    if (naming) name.focus();
    else name.select();
  }

  /** @param {string} id a click (no drag) on a note: its full text, its cluster, edit, delete */
  function openNoteMenu(id) {
    const view = ctx.store.view;
    const nv = notes.get(id);
    if (!view || !nv || !canEdit(view)) return;
    closePopover();
    const note = nv.note;
    const mayChange = note.author === view.you.member_id || isFacilitator(view);
    const clusters = Object.values(view.room.wall.clusters).filter(
      (c) => boxes.has(c.id) || c.id === note.cluster,
    );
    const select = h(
      'select',
      {
        'aria-label': t('list.cluster_of'),
        'data-testid': 'note-cluster',
        onchange: () => {
          moveToCluster(id, select.value);
          closePopover();
        },
      },
      h('option', { value: '' }, t('list.no_cluster')),
      clusters.map((c) => h('option', { value: c.id }, clusterLabel(c))),
    );
    select.value = note.cluster ?? '';
    const el = h(
      'div',
      {
        class: 'wall-popover',
        'data-testid': 'note-menu',
        onkeydown: (/** @type {KeyboardEvent} */ ev) => {
          if (ev.key === 'Escape') {
            closePopover();
            viewport.focus({ preventScroll: true });
          }
        },
      },
      h('p', { class: 'popover-text' }, helpMe(view.room.settings.language, note.text)),
      h('p', { class: 'muted small' }, t('list.by', { name: nameOf(view.room, note.author) })),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('list.cluster_of')), select),
      mayChange
        ? h(
            'div',
            { class: 'popover-foot' },
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-ghost btn-small danger',
                onclick: () => {
                  ctx.conn.send({ type: 'note.delete', id });
                  closePopover();
                },
              },
              t('note.delete'),
            ),
          )
        : null,
    );
    overlay.appendChild(el);
    popover = { el, kind: 'note', id, anchor: () => notes.get(id)?.el ?? null };
    positionPopover();
    select.focus();
  }

  /** @param {string} id @param {string} clusterId '' for no cluster */
  function moveToCluster(id, clusterId) {
    const view = ctx.store.view;
    const nv = notes.get(id);
    if (!view || !nv) return;
    if (clusterId) {
      const spot = spotInCluster(view, id, clusterId);
      pendingDrops.set(id, spot);
      ctx.conn
        .send({ type: 'note.drop', id, x: spot.x, y: spot.y, onto: { kind: 'cluster', id: clusterId } })
        .then(() => {
          pendingDrops.delete(id);
          drawRegions();
          kick();
        });
    } else {
      const spot = spotOutsideCluster(view, id);
      pendingDrops.set(id, spot);
      ctx.conn.send({ type: 'note.drop', id, x: spot.x, y: spot.y }).then(() => {
        pendingDrops.delete(id);
        drawRegions();
        kick();
      });
    }
    drawRegions();
    kick();
  }

  // ---------- size ----------

  /** @type {{ w: number, h: number } | null} */
  let size = null;
  function resized() {
    const rect = viewport.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return;
    if (size) {
      // Keep the middle of the view where it was.
      camera.x += (rect.width - size.w) / 2;
      camera.y += (rect.height - size.h) / 2;
    }
    size = { w: rect.width, h: rect.height };
    if (camera.auto && notes.size > fittedTo && !drag?.started) fit();
    applyCamera();
  }
  new ResizeObserver(resized).observe(viewport);
  applyCamera();

  return { el, zoomControls, update, resized, fit };
}
