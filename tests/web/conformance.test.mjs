// The browser's copy of the rules (web/src/apply.js) against the protocol crate: the frames
// one participant received in a simulated workshop (recorded by the crate's convergence test
// into tests/web/fixtures/conformance.json), applied in order from their `welcome`, must give
// the room the crate says that participant sees. Shared texts are compared by what they read
// and who wrote them (each Yjs document is this copy's own), highlights by where they are.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Docs, TEXT_NAME, applyEvent, mergePrivate } from '../../web/src/apply.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const tapes = JSON.parse(await readFile(path.join(here, 'fixtures', 'conformance.json'), 'utf8'));

for (const [n, tape] of tapes.entries()) {
  test(`apply.js replays the protocol crate's frames to the room it expects (tape ${n + 1})`, () => replay(tape));
}

/** @param {any} tape */
function replay(tape) {
  const room = structuredClone(tape.welcome.room);
  mergePrivate(room, tape.welcome.mine);
  const docs = new Docs();
  const checks = new Map(tape.checks);
  let applied = 0;
  for (const frame of tape.frames) {
    if (frame.seq <= room.seq) continue;
    assert.equal(frame.seq, room.seq + 1, 'frames come in order, without a gap');
    for (const event of frame.events) applyEvent(room, event, frame.by, docs);
    room.seq = frame.seq;
    applied += 1;
    if (checks.has(room.seq)) same(structuredClone(room), structuredClone(checks.get(room.seq)), docs, room);
  }
  assert.ok(applied >= 40, `a long enough tape: ${applied} changes`);
  same(room, structuredClone(tape.expected), docs, room);
}

/**
 * @param {any} room this copy (changed: its texts are taken out to compare)
 * @param {any} expected the protocol crate's view
 * @param {Docs} docs
 * @param {any} live the copy whose documents `docs` holds
 */
function same(room, expected, docs, live) {
  const texts = Object.keys(expected.texts ?? {});
  assert.ok(texts.length > 0, 'the tape has shared texts');
  for (const key of texts) {
    const mine = room.texts[key];
    const theirs = expected.texts[key];
    assert.ok(mine, `text ${key} is there`);
    assert.equal(mine.text, theirs.text, `text ${key} reads the same`);
    assert.equal(docs.of(live, key).getText(TEXT_NAME).toString(), theirs.text, `the document of ${key} too`);
    assert.deepEqual(mine.editors, theirs.editors, `text ${key}: who wrote it`);
    assert.equal(mine.updated_at, theirs.updated_at, `text ${key}: when`);
  }
  delete room.texts;
  delete expected.texts;
  // Empty stacks are absent on the server's side.
  for (const stacks of ['undo', 'redo']) {
    if (room[stacks] && Object.keys(room[stacks]).length === 0) delete room[stacks];
  }
  assert.deepEqual(room, expected, `the room at seq ${room.seq}`);
}
