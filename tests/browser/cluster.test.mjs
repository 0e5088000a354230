// One room served by two nodes at once (issue 15), in real Chromium: Debian's nats-server with
// JetStream on a free loopback port, two Horseshoe servers over it (`--nats-url`, node-1 and
// node-2), the facilitator and Ana on node 1, Bo on node 2. Each sees everyone online (presence
// is the union of the nodes'), Ana's note revealed on node 1 lands on Bo's wall on node 2, Bo's
// drag is seen live on node 1 with his name, and the drop puts the note in the same place on
// every screen. Skipped (and said so) where nats-server is not installed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  drawnAt,
  expectCount,
  expectText,
  grabNote,
  launchBrowser,
  newPerson,
  noteId,
  poll,
  screenshot,
  LAPTOP,
  startServer,
  wallNote,
} from './helpers.mjs';

/** Where Debian puts nats-server (not on every PATH), and other usual places. */
const NATS_PLACES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
const natsBin = NATS_PLACES.find((p) => existsSync(p));
/** How long nats-server may take to say it is ready. */
const NATS_READY_MS = 15_000;

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts nats-server with JetStream on a free loopback port, over a fresh store directory. */
async function startNats() {
  const store = await mkdtemp(path.join(tmpdir(), 'horseshoe-nats-'));
  const port = await freePort();
  const child = spawn(/** @type {string} */ (natsBin), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server not ready:\n${log}`)), NATS_READY_MS);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.on('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${log}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    async dispose() {
      child.kill('SIGKILL');
      await rm(store, { recursive: true, force: true });
    },
  };
}

/** @type {Awaited<ReturnType<typeof startNats>>} */
let nats;
/** @type {Awaited<ReturnType<typeof startServer>>[]} */
let nodes = [];
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  if (!natsBin) return;
  nats = await startNats();
  for (const id of ['node-1', 'node-2']) {
    nodes.push(await startServer({ args: ['--nats-url', nats.url, '--node-id', id] }));
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const node of nodes) await node.dispose();
  await nats?.dispose();
});

test(
  'one room on two nodes: everyone online on both, a note revealed on one lands on the other, a drag is seen live across them',
  { skip: natsBin ? false : 'SKIPPED: nats-server is not installed (apt-get install nats-server)' },
  async () => {
    const [one, two] = nodes;
    const response = await fetch(`${one.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Two nodes', language: 'en' }),
    });
    const created = await response.json();
    /** The same link, served by node 2. @param {string} link */
    const onTwo = (link) => link.replace(new URL(one.url).host, new URL(two.url).host);

    const fac = await newPerson(browser, one.url);
    await fac.page.goto(created.facilitator_url);
    await fac.page.getByLabel('Your name').fill('Marta');
    await fac.page.getByRole('button', { name: 'Open the room' }).click();
    const ana = await newPerson(browser, one.url);
    const bo = await newPerson(browser, two.url);
    for (const [person, link, name] of /** @type {const} */ ([
      [ana, created.participant_url, 'Ana'],
      [bo, onTwo(created.participant_url), 'Bo'],
    ])) {
      await person.page.goto(link);
      await person.page.getByLabel('Your name').fill(name);
      await person.page.getByRole('button', { name: 'Join' }).click();
    }
    // Presence is the union of the nodes': each page counts all three.
    for (const { page } of [fac, ana, bo]) await expectText(page.getByTestId('presence-counts'), '3 online');

    await fac.page.locator('.stepper button[data-step="4"]').click();
    await ana.page.getByTestId('note-input').fill('keep good people');
    await ana.page.getByTestId('note-add').click();
    await expectText(fac.page.getByTestId('pending'), 'Ana');
    await fac.page.getByTestId('reveal-all').click();
    for (const { page } of [fac, ana, bo]) await expectCount(wallNote(page, 'keep good people'), 1);
    const id = await noteId(bo.page, 'keep good people');
    const before = await drawnAt(ana.page, id);

    // Bo (node 2) holds the note and moves it: Ana (node 1) sees it go, with his name.
    await grabNote(bo.page, wallNote(bo.page, 'keep good people'), 60, 180);
    await expectText(ana.page.locator(`.wall-note[data-id="${id}"]`).getByTestId('drag-cursor'), 'Bo');
    await screenshot(ana.page, 'cluster-drag-seen-on-the-other-node', LAPTOP);
    await bo.page.mouse.up();
    await poll(async () => {
      const [a, b, f] = [await drawnAt(ana.page, id), await drawnAt(bo.page, id), await drawnAt(fac.page, id)];
      const moved = b.y - before.y > 100;
      const same = a.x === b.x && a.y === b.y && f.x === b.x && f.y === b.y;
      const passing = (await ana.page.locator('.wall-note.remote').count()) === 0;
      return moved && same && passing ? null : `Ana ${JSON.stringify(a)}, Bo ${JSON.stringify(b)}, Marta ${JSON.stringify(f)}`;
    });
    assert.deepEqual([...fac.problems, ...ana.problems, ...bo.problems], []);
  },
);
