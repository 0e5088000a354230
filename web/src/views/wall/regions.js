// The wall's geometry, pure: a note's size, each cluster's region (it grows to hold all its
// notes, with a band above them for its name that no note of its own covers), what a drop
// lands on (a region, another note, or nothing), and free spots: a note dropped loose is moved
// clear of every region, so it is either inside a cluster or plainly outside one.

import { WALL_HEIGHT, WALL_WIDTH } from '../../limits.js';

/** @typedef {import('../../protocol').Note} Note */
/** @typedef {{ x: number, y: number }} Point */
/** @typedef {{ id: string, x: number, y: number, w: number, h: number, count: number }} Region */

/** A post-it's size in wall units (positions are its top-left corner). */
export const NOTE_W = 240;
export const NOTE_H = 140;
/** Space kept around a cluster's notes. */
export const PAD = 24;
/** Space between a loose note and a region. */
const GAP = 16;

/** @param {number} v @param {number} lo @param {number} hi */
export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/**
 * The regions of the clusters that have notes, from the notes' positions.
 * @param {Note[]} notes revealed notes, at the positions to draw
 * @param {number} band height of the name band above a region's notes, in wall units
 * @returns {Map<string, Region>}
 */
export function regionsOf(notes, band) {
  /** @type {Map<string, { minX: number, minY: number, maxX: number, maxY: number, count: number }>} */
  const boxes = new Map();
  for (const n of notes) {
    if (!n.cluster) continue;
    const b = boxes.get(n.cluster) ?? { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity, count: 0 };
    b.minX = Math.min(b.minX, n.x);
    b.minY = Math.min(b.minY, n.y);
    b.maxX = Math.max(b.maxX, n.x + NOTE_W);
    b.maxY = Math.max(b.maxY, n.y + NOTE_H);
    b.count += 1;
    boxes.set(n.cluster, b);
  }
  /** @type {Map<string, Region>} */
  const regions = new Map();
  for (const [id, b] of boxes) {
    regions.set(id, { id, x: b.minX - PAD, y: b.minY - PAD - band, w: b.maxX - b.minX + PAD * 2, h: b.maxY - b.minY + PAD * 2 + band, count: b.count });
  }
  return regions;
}

/** @param {Region} r @param {Point} p */
const inside = (r, p) => p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h;

/** @param {Region} r @param {Point} at a note's top-left: whether the note touches the region */
const overlaps = (r, at) => at.x < r.x + r.w + GAP && at.x + NOTE_W > r.x - GAP && at.y < r.y + r.h + GAP && at.y + NOTE_H > r.y - GAP;

/**
 * What a note dropped with the pointer at `pointer` lands on: a cluster's region, another
 * note (a new cluster), or nothing.
 * @param {Point} pointer @param {Map<string, Region>} regions @param {Note[]} others notes not being moved
 * @returns {{ cluster: string } | { note: Note } | null}
 */
export function dropTarget(pointer, regions, others) {
  for (const r of regions.values()) if (inside(r, pointer)) return { cluster: r.id };
  const note = others.find((n) => !n.cluster && pointer.x >= n.x && pointer.x <= n.x + NOTE_W && pointer.y >= n.y && pointer.y <= n.y + NOTE_H);
  return note ? { note } : null;
}

/**
 * The nearest spot to `at` where a loose note touches no region (tried outward in the four
 * directions, then in rings).
 * @param {Point} at @param {Map<string, Region>} regions
 */
export function clearOfRegions(at, regions) {
  const fits = (/** @type {Point} */ p) => [...regions.values()].every((r) => !overlaps(r, p));
  const inWall = (/** @type {Point} */ p) => ({ x: clamp(Math.round(p.x), 0, WALL_WIDTH - NOTE_W), y: clamp(Math.round(p.y), 0, WALL_HEIGHT - NOTE_H) });
  if (fits(at)) return inWall(at);
  for (let step = 1; step <= 60; step++) {
    const d = step * 20;
    for (const p of [{ x: at.x + d, y: at.y }, { x: at.x - d, y: at.y }, { x: at.x, y: at.y + d }, { x: at.x, y: at.y - d }]) {
      const q = inWall(p);
      if (fits(q)) return q;
    }
  }
  return inWall(at);
}

/**
 * The first spot near `anchors` where a note does not overlap any of `others` (and that `ok`
 * accepts).
 * @param {Point[]} anchors @param {Point[]} others @param {(p: Point) => boolean} [ok]
 */
export function freeSpotNear(anchors, others, ok = () => true) {
  const free = (/** @type {number} */ x, /** @type {number} */ y) =>
    others.every((o) => Math.abs(o.x - x) >= NOTE_W + 8 || Math.abs(o.y - y) >= NOTE_H + 8);
  for (let ring = 1; ring <= 4; ring++) {
    for (const a of anchors) {
      for (const [dx, dy] of [[1, 0], [0, 1], [-1, 0], [0, -1], [1, 1], [-1, 1]]) {
        const x = a.x + dx * (NOTE_W + 16) * ring;
        const y = a.y + dy * (NOTE_H + 16) * ring;
        const p = { x: Math.round(x), y: Math.round(y) };
        if (x >= 0 && y >= 0 && x <= WALL_WIDTH - NOTE_W && y <= WALL_HEIGHT - NOTE_H && free(x, y) && ok(p)) return p;
      }
    }
  }
  const a = anchors[0] ?? { x: 0, y: 0 };
  return { x: clamp(Math.round(a.x + 24), 0, WALL_WIDTH - NOTE_W), y: clamp(Math.round(a.y + 24), 0, WALL_HEIGHT - NOTE_H) };
}

/** How much of another note a note put into a cluster may lie over (a share of its width and
 * of its height at once) before it is moved beside it. */
const COVER_SHARE = 0.4;

/**
 * Where a note put into a cluster settles: at `at`, unless it would lie over another note or
 * the cluster, grown to hold it there, would then cover a loose note; then at the nearest free
 * spot by the cluster's notes that keeps every loose note clear (where it was put, if there is
 * none).
 * @param {Point} at @param {string} clusterId @param {Note[]} others notes not being moved @param {number} band
 * @returns {Point}
 */
export function settleInCluster(at, clusterId, others, band) {
  const members = others.filter((n) => n.cluster === clusterId);
  const loose = others.filter((n) => !n.cluster);
  const clear = (/** @type {Point} */ p) => {
    const placed = /** @type {Note} */ ({ ...members[0], x: p.x, y: p.y, cluster: clusterId });
    const grown = regionsOf([...members, placed], band).get(clusterId);
    return !grown || loose.every((n) => !overlaps(grown, n));
  };
  // Let go on top of another note, it would hide that note's words: it goes beside them.
  const hides = (/** @type {Point} */ p) =>
    others.some((o) => Math.abs(o.x - p.x) < NOTE_W * (1 - COVER_SHARE) && Math.abs(o.y - p.y) < NOTE_H * (1 - COVER_SHARE));
  if (clear(at) && !hides(at)) return at;
  const spot = freeSpotNear(members.length ? members : [at], others, clear);
  return clear(spot) ? spot : at;
}

/**
 * Where to put `noteId` to join `clusterId` (a free spot by its notes that leaves loose notes
 * outside it), or to leave its cluster (clear of every region).
 * @param {Note[]} revealed @param {string} noteId @param {string} clusterId '' to leave @param {number} band
 */
export function spotFor(revealed, noteId, clusterId, band) {
  const others = revealed.filter((n) => n.id !== noteId);
  if (clusterId) {
    const members = others.filter((n) => n.cluster === clusterId);
    const near = freeSpotNear(members.length ? members : others.slice(0, 1), others);
    return settleInCluster(near, clusterId, others, band);
  }
  const note = revealed.find((n) => n.id === noteId);
  return clearOfRegions(note ?? { x: 0, y: 0 }, regionsOf(others, band));
}

/** What an empty wall's view holds, in wall units: room for the first notes, so that a fit
 * shows it at 100% between the cards a laptop has over the wall. */
export const EMPTY_VIEW = { w: 2 * NOTE_W, h: 2 * NOTE_H };

/** The box around every note and region, for fitting the view. @param {Note[]} notes @param {Map<string, Region>} regions */
export function extent(notes, regions) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of notes) {
    minX = Math.min(minX, n.x);
    minY = Math.min(minY, n.y);
    maxX = Math.max(maxX, n.x + NOTE_W);
    maxY = Math.max(maxY, n.y + NOTE_H);
  }
  for (const r of regions.values()) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.w);
    maxY = Math.max(maxY, r.y + r.h);
  }
  // An empty wall shows where the first notes land (its top left) at a size a person can drop
  // onto, not the whole wall at a few percent.
  if (!Number.isFinite(minX)) return { minX: 0, minY: 0, maxX: EMPTY_VIEW.w, maxY: EMPTY_VIEW.h };
  return { minX, minY, maxX, maxY };
}
