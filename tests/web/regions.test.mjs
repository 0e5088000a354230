// The wall's geometry (web/src/views/wall/regions.js), pure: a note put into a cluster never
// makes the cluster grow over a loose note, so every note is either inside a cluster or
// plainly outside one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_VIEW, NOTE_H, NOTE_W, PAD, extent, regionsOf, settleInCluster, spotFor } from '../../web/src/views/wall/regions.js';

const BAND = 40;

/** @param {string} id @param {number} x @param {number} y @param {string | null} cluster */
const note = (id, x, y, cluster = null) => /** @type {any} */ ({ id, x, y, cluster, text: id, author: 'a', revealed: true });

/** Whether a loose note is inside or touching a region. */
function covered(/** @type {any} */ region, /** @type {any} */ n) {
  return n.x < region.x + region.w && n.x + NOTE_W > region.x && n.y < region.y + region.h && n.y + NOTE_H > region.y;
}

test('a note put at the edge of a cluster settles where the cluster does not grow over a loose note', () => {
  const member = note('m', 400, 400, 'k');
  // A loose note just right of the cluster, clear of it now.
  const loose = note('l', 400 + NOTE_W + PAD + 40, 400);
  const others = [member, loose];
  assert.ok(!covered(regionsOf(others, BAND).get('k'), loose), 'the loose note starts outside');
  // Dropped so that the note sticks out to the right: the grown cluster would cover `l`.
  const dropped = { x: 400 + NOTE_W - 40, y: 400 };
  const grownThere = regionsOf([...others, note('n', dropped.x, dropped.y, 'k')], BAND).get('k');
  assert.ok(covered(grownThere, loose), 'the test drops where the cluster would cover the loose note');

  const at = settleInCluster(dropped, 'k', others, BAND);
  const grown = regionsOf([...others, note('n', at.x, at.y, 'k')], BAND).get('k');
  assert.ok(!covered(grown, loose), `the cluster grew over the loose note: settled at ${JSON.stringify(at)}`);
});

test('with nothing in the way, a note stays where it was put', () => {
  const others = [note('m', 400, 400, 'k'), note('far', 3000, 3000)];
  const at = { x: 420, y: 620 };
  assert.deepEqual(settleInCluster(at, 'k', others, BAND), at);
});

test('a note let go on top of a note of the cluster goes beside it, not over its words', () => {
  const member = note('m', 1840, 40, 'k');
  const others = [member, note('o', 1840 + NOTE_W + 16, 40, 'k')];
  const at = settleInCluster({ x: 1840, y: 63 }, 'k', others, BAND);
  for (const o of others) {
    const apart = Math.abs(o.x - at.x) >= NOTE_W || Math.abs(o.y - at.y) >= NOTE_H;
    assert.ok(apart, `settled at ${JSON.stringify(at)}, over ${o.id} at ${o.x},${o.y}`);
  }
});

test('moving a note into a cluster from the menu also keeps loose notes outside', () => {
  const notes = [note('m', 400, 400, 'k'), note('l', 400 + NOTE_W + PAD + 40, 400), note('n', 2000, 2000)];
  const at = spotFor(notes, 'n', 'k', BAND);
  const grown = regionsOf([notes[0], note('n', at.x, at.y, 'k')], BAND).get('k');
  assert.ok(!covered(grown, notes[1]), `the cluster grew over the loose note: ${JSON.stringify(at)}`);
});

test('an empty wall is viewed from its top left at about a screenful, where the first notes land', () => {
  assert.deepEqual(extent([], new Map()), { minX: 0, minY: 0, maxX: EMPTY_VIEW.w, maxY: EMPTY_VIEW.h });
  const one = note('a', 0, 0);
  assert.deepEqual(extent([one], new Map()), { minX: 0, minY: 0, maxX: NOTE_W, maxY: NOTE_H });
});
