// The connection survives a server restart: the page shows "reconnecting", keeps a check-in
// posted while the server is down, and sends it once the server is back (on the same data
// directory), without a duplicate or a second member. What is made while the line is down is
// kept and listed, and sent once; a post-it dropped offline does not undo a later move.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LAPTOP,
  drawnAt,
  expectCount,
  expectNoText,
  expectText,
  grabNote,
  installWire,
  noteId,
  poll,
  screenshot,
  startServer,
  steer,
  useServerAndBrowser,
  wallNote,
} from './helpers.mjs';

const env = useServerAndBrowser();

/** A page of its own with the wire client, for a facilitator who steers over a WebSocket. */
async function wirePage() {
  const { page } = await env.newPerson();
  await page.goto(`${env.server.url}/`);
  await installWire(page);
  return page;
}

test('a check-in posted while the server restarts arrives once it is back', async () => {
  const room = await env.createRoom('Restart room', { organisation: 'Acme', lens: 'client', language: 'en' });

  const fac = await env.openAsFacilitator(`${env.server.url}/r/${room.room_id}#key=${room.facilitator_key}`);
  const ana = await env.join(`${env.server.url}/r/${room.room_id}`, 'Ana');
  await expectText(fac.page.getByTestId('presence'), 'Ana');

  await env.server.stop();
  for (const { page } of [fac, ana]) {
    await expectText(page.getByTestId('status'), 'Reconnecting');
    await page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  }
  await ana.page.getByLabel('What I want to contribute').fill('Written while offline');
  await ana.page.getByTestId('checkin-submit').click();
  await expectText(ana.page.getByTestId('checkin-submit'), 'Sending');
  await screenshot(ana.page, 'participant-reconnecting-laptop', LAPTOP);

  env.server = await startServer({ bind: env.server.bind, dataDir: env.server.dataDir });
  for (const { page } of [fac, ana]) {
    await expectText(page.getByTestId('status'), 'Live');
    await page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
    await expectCount(page.getByTestId('checkins').locator('.checkin'), 1);
    await expectText(page.getByTestId('checkins'), 'Written while offline');
    await expectCount(page.getByTestId('presence').locator('.person'), 2);
  }
  await expectText(ana.page.getByTestId('checkin-form'), 'Posted');
  await expectText(fac.page.getByTestId('checkin-progress'), 'Checked in: 1 of 1');
  // A closed socket logs a console error in Chromium; nothing else may.
  for (const { problems } of [fac, ana]) {
    assert.deepEqual(
      problems.filter((p) => !p.includes('WebSocket connection')),
      [],
    );
  }
});

test('a key factor added while offline is listed as kept, cleared from its field, and arrives once', async () => {
  const room = await env.createRoom('Offline room', { organisation: 'Acme', lens: 'client', language: 'en' });
  const fac = await env.openAsFacilitator(`${env.server.url}/r/${room.room_id}#key=${room.facilitator_key}`);
  const ana = await env.join(`${env.server.url}/r/${room.room_id}`, 'Ana');
  await expectText(fac.page.getByTestId('presence'), 'Ana');
  await fac.page.getByTestId('step-next').click();
  await expectText(ana.page.getByTestId('step-title'), 'An excellent client experience');

  await fac.context.setOffline(true);
  await fac.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  const input = fac.page.locator('.factor-form').getByTestId('factor-input');
  for (const text of ['They listened', 'Fast answers']) {
    await input.fill(text);
    await fac.page.getByTestId('factor-add').click();
    // The field is empty at once: a second press cannot add the same card again.
    await expectText(fac.page.getByTestId('unsent'), text);
    assert.equal(await input.inputValue(), '');
  }
  assert.ok(await fac.page.getByTestId('factor-add').isDisabled(), 'nothing to add again');
  await expectText(fac.page.getByTestId('unsent'), 'Kept to send: 2 items');
  await screenshot(fac.page, 'facilitator-offline-kept-laptop', LAPTOP);
  // Closing the tab now would lose them: the browser asks first (and stays, told to).
  const asked = new Promise((resolve) =>
    fac.page.once('dialog', (dialog) => {
      resolve(dialog.type());
      dialog.dismiss();
    }),
  );
  await fac.page.close({ runBeforeUnload: true });
  assert.equal(await asked, 'beforeunload');
  assert.ok(!fac.page.isClosed(), 'the page stays');

  await fac.context.setOffline(false);
  await fac.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  for (const { page } of [fac, ana]) {
    await expectCount(page.getByTestId('factors').locator('.factor'), 2);
    await expectText(page.getByTestId('factors'), 'They listened');
    await expectText(page.getByTestId('factors'), 'Fast answers');
  }
});

test('a post-it Bo drops while offline, after Ana moved it, stays where Ana put it', async () => {
  const room = await env.createRoom('Stale drop', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await env.join(`${env.server.url}/r/${room.room_id}`, 'Ana');
  const bo = await env.join(`${env.server.url}/r/${room.room_id}`, 'Bo');
  // The facilitator steers over a WebSocket of their own: step 4, then everyone's notes shown.
  const fac = await wirePage();
  await steer(fac, room, [{ type: 'step.set', step: 4 }]);
  await ana.page.getByTestId('note-input').fill('find good people');
  await ana.page.getByTestId('note-add').click();
  await steer(fac, room, [{ type: 'notes.reveal' }]);
  for (const { page } of [ana, bo]) await wallNote(page, 'find good people').waitFor();
  const id = await noteId(ana.page, 'find good people');

  await bo.context.setOffline(true);
  await bo.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  // Ana moves it down; then Bo, who cannot have seen that, moves it right.
  const at = await grabNote(ana.page, wallNote(ana.page, 'find good people'), 0, 160);
  await ana.page.mouse.up();
  const anaPut = await drawnAt(ana.page, id);
  await grabNote(bo.page, wallNote(bo.page, 'find good people'), 240, 0);
  await bo.page.mouse.up();
  assert.ok(at.y > 0);

  await bo.context.setOffline(false);
  await bo.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  await expectText(bo.page.getByTestId('toast'), 'Someone else moved that note meanwhile');
  await poll(async () => {
    for (const { page } of [ana, bo]) {
      const now = await drawnAt(page, id);
      if (Math.abs(now.x - anaPut.x) > 1 || Math.abs(now.y - anaPut.y) > 1) {
        return `a page shows it at ${JSON.stringify(now)}, Ana put it at ${JSON.stringify(anaPut)}`;
      }
    }
    return null;
  });
});

test('three dots placed while offline are three dots, shown at once and counted once back', async () => {
  const room = await env.createRoom('Offline dots', { organisation: 'Acme', lens: 'client', language: 'en' });
  const bo = await env.join(`${env.server.url}/r/${room.room_id}`, 'Bo');
  const fac = await wirePage();
  await steer(fac, room, [
    { type: 'step.set', step: 6 },
    { type: 'area.add', id: 'a1', text: 'Answer faster' },
    { type: 'area.add', id: 'a2', text: 'Call back' },
    { type: 'vote.open', dots: 3 },
  ]);
  const first = bo.page.getByTestId('area').filter({ hasText: 'Answer faster' });
  await first.getByTestId('dot-plus').waitFor();

  await bo.context.setOffline(true);
  await bo.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  for (let i = 0; i < 3; i++) await first.getByTestId('dot-plus').click();
  await expectText(first.getByTestId('dot-count'), '3');
  assert.ok(await first.getByTestId('dot-plus').isDisabled(), 'all three dots are placed');

  await bo.context.setOffline(false);
  await bo.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  await expectText(first.getByTestId('dot-count'), '3');
  await steer(fac, room, [{ type: 'vote.close' }]);
  await expectText(first.getByTestId('tally'), '3');
});

test('cards written offline on a board closed meanwhile are not lost without a word', async () => {
  const room = await env.createRoom('Closed board', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await env.join(`${env.server.url}/r/${room.room_id}`, 'Ana');
  const fac = await wirePage();
  await steer(fac, room, [
    { type: 'step.set', step: 2 },
    { type: 'factors.open', open: true },
  ]);
  const input = ana.page.locator('.factor-form').getByTestId('factor-input');
  await input.waitFor();

  await ana.context.setOffline(true);
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  for (const text of ['Ana one', 'Ana two']) {
    await input.fill(text);
    await ana.page.getByTestId('factor-add').click();
  }
  await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 2 items');
  await steer(fac, room, [{ type: 'factors.open', open: false }]);

  await ana.context.setOffline(false);
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  // Each card is named, with the reason; the first is kept in her field for when it reopens.
  for (const text of ['“Ana one”', '“Ana two”']) await expectText(ana.page.getByTestId('toast'), `Not added: ${text}`);
  await expectText(ana.page.getByTestId('toast'), 'The facilitator has closed the board to new cards.');
  await expectNoText(ana.page.getByTestId('toast'), 'Only a facilitator');
  await steer(fac, room, [{ type: 'factors.open', open: true }]);
  await poll(async () => ((await input.inputValue()) === 'Ana one' ? null : `the field holds "${await input.inputValue()}"`));
});
