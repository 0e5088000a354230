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
  expectValue,
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

import { PROTOCOL_VERSION } from '../../web/src/limits.js';

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
  // Both are on the board already, marked as sending.
  const sending = fac.page.getByTestId('factors').getByTestId('sending');
  await expectCount(sending, 2);
  await expectText(sending.first(), 'They listened');
  await expectText(sending.first(), 'Sending…');
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
  await expectCount(fac.page.getByTestId('sending'), 0);
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

/**
 * Puts Ana's line under the test's hand: `cut()` drops it (every try to reconnect is closed at
 * once) until `restore()`; while `losingAcks`, the room's answers to her commands are lost on
 * the way. The page's own HTTP requests (a reload) still work.
 * @param {import('playwright-core').Page} page
 */
async function lineOf(page) {
  /** @type {{ close: () => Promise<void> }[]} */
  const open = [];
  const line = {
    down: false,
    losingAcks: false,
    async cut() {
      line.down = true;
      for (const end of open.splice(0)) await end.close();
    },
    restore() {
      line.down = false;
    },
  };
  await page.routeWebSocket(/\/ws$/, async (ws) => {
    if (line.down) {
      await ws.close({ code: 1001, reason: 'the line is down' });
      return;
    }
    const server = ws.connectToServer();
    open.push({ close: async () => (await ws.close({ code: 1001 }), await server.close()) });
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (!(line.losingAcks && JSON.parse(String(message)).type === 'ack')) ws.send(message);
    });
  });
  return line;
}

/** Ana, whose line the test cuts (see lineOf), joined to `room`. */
async function joinWithLine(room) {
  const ana = await env.newPerson();
  const line = await lineOf(ana.page);
  await ana.page.goto(`${env.server.url}/r/${room.room_id}`);
  await ana.page.getByLabel('Your name').fill('Ana');
  await ana.page.getByRole('button', { name: 'Join' }).click();
  await expectText(ana.page.getByTestId('you'), 'Ana · Participant');
  return { ...ana, line };
}

/**
 * What this browser keeps unanswered for `roomId`'s participant pages, all records together
 * (null: nothing).
 * @param {import('playwright-core').Page} page @param {string} roomId @returns {Promise<string | null>}
 */
const keptBy = (page, roomId) =>
  page.evaluate((prefix) => {
    const records = Object.keys(localStorage)
      .filter((key) => key.startsWith(prefix))
      .map((key) => localStorage.getItem(key));
    return records.length === 0 ? null : records.join('\n');
  }, `horseshoe:${roomId}:unsent:participant:`);

/** The key factors on `page`'s board, in order. @param {import('playwright-core').Page} page */
const factorsOn = (page) => page.getByTestId('factors').locator('.factor .factor-text').allInnerTexts();

test('cards made offline in a tab that reloads before the line is back arrive once, and a copied tab loses nothing', async (t) => {
  const room = await env.createRoom('Reloaded offline', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await joinWithLine(room);
  const fac = await wirePage();
  await steer(fac, room, [
    { type: 'step.set', step: 2 },
    { type: 'factors.open', open: true },
  ]);
  const watcher = await env.openAsFacilitator(room.facilitator_url, 'Marta');
  const input = ana.page.locator('.factor-form').getByTestId('factor-input');
  await input.waitFor();
  /** @param {import('playwright-core').Page} page @param {string} text */
  const add = async (page, text) => {
    await page.locator('.factor-form').getByTestId('factor-input').fill(text);
    await page.getByTestId('factor-add').click();
  };
  /** Each of `texts` is on Marta's board exactly once, and nothing else. @param {string[]} texts */
  const onBoard = (texts) =>
    poll(async () => {
      const shown = await factorsOn(watcher.page);
      const missing = texts.filter((text) => shown.filter((s) => s.trim() === text).length !== 1);
      return missing.length === 0 && shown.length === texts.length ? null : `the board shows ${JSON.stringify(shown)}`;
    });

  /** The cards on the board once the copied tab's test is done. */
  const afterTheCopy = [
    'They listened',
    'Fast answers',
    'Kind words',
    'Answered after the reload',
    'After the answer',
    'Kept in the first tab',
    'Added in the copy',
    'Later in the first tab',
  ];

  await t.test('a reload keeps what waited, lists it, and sends it once', async () => {
    await ana.line.cut();
    await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
    for (const text of ['They listened', 'Fast answers']) await add(ana.page, text);
    await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 2 items');
    // The phone discards the tab, or Ana reloads it; the page comes back while her line is
    // still down: it names her two cards as kept, and sends them once the line is back.
    await ana.page.reload();
    await expectText(ana.page.getByTestId('waiting'), 'Connecting');
    await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 2 items');
    await expectText(ana.page.getByTestId('unsent'), 'Fast answers');
    await screenshot(ana.page, 'participant-reloaded-kept-laptop', LAPTOP);
    ana.line.restore();
    await expectText(ana.page.getByTestId('status'), 'Live');
    await ana.page.getByTestId('unsent').waitFor({ state: 'detached' });
    await onBoard(['They listened', 'Fast answers']);
    // Reloaded again, nothing is sent twice; with nothing waiting, the page goes on as the same
    // client (a phone reloaded all day does not use up the room's marks of its clients).
    const clientOf = async () =>
      JSON.parse(
        String(await ana.page.evaluate((key) => sessionStorage.getItem(key), `horseshoe:${room.room_id}:client:participant`)),
      ).client;
    const before = await clientOf();
    await ana.page.reload();
    await expectText(ana.page.getByTestId('status'), 'Live');
    assert.equal(await clientOf(), before, 'the same client after a reload');
    await add(ana.page, 'Kind words');
    await onBoard(['They listened', 'Fast answers', 'Kind words']);
  });

  await t.test('a card the room took whose answer was lost is answered after a reload, not added twice', async () => {
    ana.line.losingAcks = true;
    await add(ana.page, 'Answered after the reload');
    await onBoard(['They listened', 'Fast answers', 'Kind words', 'Answered after the reload']);
    const kept = () => keptBy(ana.page, room.room_id);
    assert.ok((await kept())?.includes('Answered after the reload'), 'kept until answered');
    ana.line.losingAcks = false;
    await ana.page.reload();
    await expectText(ana.page.getByTestId('status'), 'Live');
    // The same command under the same number: acknowledged as a resend, not refused as a card
    // that exists already (which a new number would be), and no longer kept.
    await poll(async () => ((await kept()) === null ? null : 'still kept'));
    // A card added after it has a round trip of its own: the refusal would be on screen by then.
    await add(ana.page, 'After the answer');
    await onBoard(['They listened', 'Fast answers', 'Kind words', 'Answered after the reload', 'After the answer']);
    assert.equal(await ana.page.getByTestId('toast').count(), 0, 'nothing was refused');
  });

  await t.test('a tab copied from a live one starts afresh, and neither loses a card', async () => {
    await ana.line.cut();
    await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
    await add(ana.page, 'Kept in the first tab');
    await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 1 item');
    assert.ok((await keptBy(ana.page, room.room_id))?.includes('Kept in the first tab'), 'the tab keeps what waits');
    // "Duplicate tab": a second page of the same browser with a copy of the tab's storage.
    const key = `horseshoe:${room.room_id}:client:participant`;
    const last = await ana.page.evaluate((key) => sessionStorage.getItem(key), key);
    assert.match(String(last), /^\{"client":"b[0-9a-f]{16}","next":\d+\}$/, "the tab names its page's client id");
    const copy = await ana.context.newPage();
    await copy.addInitScript(([key, last]) => sessionStorage.setItem(key, last), [key, String(last)]);
    await copy.goto(`${env.server.url}/r/${room.room_id}`);
    await expectText(copy.getByTestId('you'), 'Ana · Participant');
    await expectText(copy.getByTestId('status'), 'Live');
    await add(copy, 'Added in the copy');
    // The first tab's line comes back; it sends what it kept, and goes on numbering its own.
    ana.line.restore();
    await ana.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
    await add(ana.page, 'Later in the first tab');
    await onBoard(afterTheCopy);
    await copy.close();
  });

  await t.test('what a closed tab kept is sent by the next page to open the room, once', async () => {
    const before = afterTheCopy;
    // Every card so far is answered.
    await poll(async () => ((await keptBy(ana.page, room.room_id)) === null ? null : 'still kept'));
    // One card reaches the room but its answer is lost, the next is made with the line down;
    // then Ana closes the tab.
    ana.line.losingAcks = true;
    await add(ana.page, 'Taken, answer lost');
    await onBoard([...before, 'Taken, answer lost']);
    await ana.line.cut();
    ana.line.losingAcks = false;
    await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
    await add(ana.page, 'Made before closing');
    await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 2 items');
    await ana.page.close();
    // She opens the room again in a new tab, still offline: both are named as kept; once the
    // line is back they are sent, and the one the room took is acknowledged, not added twice.
    const again = await ana.context.newPage();
    const line = await lineOf(again);
    await line.cut();
    await again.goto(`${env.server.url}/r/${room.room_id}`);
    await expectText(again.getByTestId('unsent'), 'Kept to send: 2 items');
    await expectText(again.getByTestId('unsent'), 'Made before closing');
    await screenshot(again, 'participant-closed-tab-kept-laptop', LAPTOP);
    line.restore();
    await expectText(again.getByTestId('status'), 'Live');
    await onBoard([...before, 'Taken, answer lost', 'Made before closing']);
    await poll(async () => ((await keptBy(again, room.room_id)) === null ? null : 'still kept'));
    await add(again, 'After the closed tab');
    await onBoard([...before, 'Taken, answer lost', 'Made before closing', 'After the closed tab']);
    assert.equal(await again.getByTestId('toast').count(), 0, 'nothing was refused');
  });
});

test('words typed offline in a shared text survive a reload and arrive', async () => {
  const room = await env.createRoom('Typed offline', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await joinWithLine(room);
  const fac = await wirePage();
  await steer(fac, room, [{ type: 'step.set', step: 3 }, { type: 'groups.form' }]);
  const watcher = await env.openAsFacilitator(room.facilitator_url, 'Marta');
  const box = ana.page.getByTestId('definition-input-input');
  await box.waitFor();

  await ana.line.cut();
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  const sentence = 'Every client is heard before we decide.';
  await box.pressSequentially(sentence);
  await ana.page.reload();
  ana.line.restore();
  await expectText(ana.page.getByTestId('status'), 'Live');
  await expectValue(ana.page.getByTestId('definition-input-input'), sentence);
  const onFacilitator = watcher.page.getByTestId('definitions').locator('.def-card[data-group="1"]');
  await expectText(onFacilitator, sentence);
});

test("words typed offline in a group's sentence by someone moved meanwhile are named, not lost without a word", async () => {
  const room = await env.createRoom('Moved offline', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await joinWithLine(room);
  await env.join(`${env.server.url}/r/${room.room_id}`, 'Bo');
  const fac = await wirePage();
  await steer(fac, room, [{ type: 'step.set', step: 3 }, { type: 'groups.form' }]);
  const box = ana.page.getByTestId('definition-input-input');
  await box.waitFor();
  const anaId = await fac.evaluate(
    async ({ roomId, key }) => {
      const { wire } = /** @type {any} */ (window);
      const hello = { client: `look-${crypto.randomUUID()}`, credentials: { role: 'facilitator', key }, name: 'F' };
      const { socket, welcome } = await wire.join(roomId, hello);
      wire.close(socket);
      return Object.values(welcome.room.members).find((/** @type {any} */ m) => m.name === 'Ana').id;
    },
    { roomId: room.room_id, key: room.facilitator_key },
  );

  await ana.line.cut();
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  await box.pressSequentially('Clients decide with us');
  // Meanwhile the facilitator moves Ana to a group of her own.
  await steer(fac, room, [{ type: 'group.move', member_id: anaId }]);
  ana.line.restore();
  await expectText(ana.page.getByTestId('status'), 'Live');
  await expectText(ana.page.getByTestId('toast'), 'Not added: “Clients decide with us”');
  await expectText(ana.page.getByTestId('toast'), 'moved to another group');
  // Nor are they shown as her old group's, on her screen or anyone's.
  const groupOne = ana.page.locator('.def-card[data-group="1"]');
  await expectNoText(groupOne, 'Clients decide with us');
  await screenshot(ana.page, 'participant-moved-words-named-laptop', LAPTOP);
});

test('what a tab kept for more than two hours is named as not sent, not sent late', async () => {
  const room = await env.createRoom('Kept too long', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await env.join(`${env.server.url}/r/${room.room_id}`, 'Ana');
  await expectText(ana.page.getByTestId('you'), 'Ana · Participant');
  const fac = await wirePage();
  await steer(fac, room, [
    { type: 'step.set', step: 2 },
    { type: 'factors.open', open: true },
  ]);
  // A tab as a phone left it three hours ago, a card waiting in it.
  const key = `horseshoe:${room.room_id}:unsent:participant:b0123456789abcdef`;
  const kept = {
    v: 1,
    protocol: PROTOCOL_VERSION,
    at: Date.now() - 3 * 60 * 60 * 1000,
    client: 'b0123456789abcdef',
    next: 2,
    member: null,
    commands: [[1, { type: 'factor.add', id: 'old-card', text: 'Written long ago' }, 'Written long ago']],
  };
  await ana.page.evaluate(([key, kept]) => localStorage.setItem(key, kept), [key, JSON.stringify(kept)]);
  await ana.page.reload();
  await expectText(ana.page.getByTestId('toast'), 'Not added: “Written long ago”. It waited more than two hours');
  await expectText(ana.page.getByTestId('status'), 'Live');
  await ana.page.locator('.factor-form').getByTestId('factor-input').fill('Written now');
  await ana.page.getByTestId('factor-add').click();
  await expectText(ana.page.getByTestId('factors'), 'Written now');
  assert.deepEqual(await factorsOn(ana.page), ['Written now']);
  assert.equal(await keptBy(ana.page, room.room_id), null, 'the old record is gone');
});

test('a post-it and an area added offline are on their boards at once, marked as sending', async () => {
  const room = await env.createRoom('Drawn offline', { organisation: 'Acme', lens: 'client', language: 'en' });
  const ana = await joinWithLine(room);
  const fac = await wirePage();
  const watcher = await env.openAsFacilitator(room.facilitator_url, 'Marta');
  await steer(fac, room, [{ type: 'step.set', step: 4 }]);
  await ana.page.getByTestId('note-input').waitFor();

  await ana.line.cut();
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  /** @param {string} text */
  const addNote = async (text) => {
    await ana.page.getByTestId('note-input').fill(text);
    await ana.page.getByTestId('note-add').click();
  };
  await addNote('find the right person fast');
  const myNotes = ana.page.getByTestId('my-notes');
  await expectCount(myNotes.getByTestId('sending'), 1);
  await expectText(myNotes.getByTestId('sending'), 'find the right person fast');
  await screenshot(ana.page, 'participant-note-sending-laptop', LAPTOP);
  // A slip noticed while it waits: taken back, its words are in the field again to be put right.
  await addNote('reach us at nigth');
  await expectCount(myNotes.getByTestId('sending'), 2);
  await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 2 items');
  const takeBack = myNotes.getByRole('button', { name: 'Take “reach us at nigth” back to edit it before it is sent' });
  // Not into a field she has started writing in again: that would make one note of two.
  await ana.page.getByTestId('note-input').fill('half a thought');
  await takeBack.click();
  await expectText(ana.page.getByTestId('toast'), 'Add or clear what you are writing first');
  await expectCount(myNotes.getByTestId('sending'), 2);
  await ana.page.getByTestId('note-input').fill('');
  await takeBack.click();
  await expectCount(myNotes.getByTestId('sending'), 1);
  await expectValue(ana.page.getByTestId('note-input'), 'reach us at nigth');
  await expectText(ana.page.getByTestId('unsent'), 'Kept to send: 1 item');
  await addNote('reach us at night');
  await expectCount(myNotes.getByTestId('sending'), 2);
  ana.line.restore();
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  await expectCount(myNotes.getByTestId('sending'), 0);
  await expectText(myNotes, 'find the right person fast');
  await expectText(myNotes, 'reach us at night');
  await expectNoText(myNotes, 'nigth');
  await expectCount(myNotes.locator('.my-note'), 2);
  // Only the two the room has; the one taken back never went out.
  await steer(fac, room, [{ type: 'notes.reveal' }]);
  const wall = watcher.page.getByTestId('wall');
  await expectText(wall, 'reach us at night');
  await expectNoText(wall, 'nigth');

  await steer(fac, room, [{ type: 'step.set', step: 6 }]);
  await ana.page.getByTestId('area-input').waitFor();
  await ana.line.cut();
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  await ana.page.getByTestId('area-input').fill('Answer the phone faster');
  await ana.page.getByTestId('area-add').click();
  const areas = ana.page.getByTestId('areas');
  await expectText(areas.getByTestId('sending'), 'Answer the phone faster');
  await expectNoText(areas, 'No areas');
  await screenshot(ana.page, 'participant-area-sending-laptop', LAPTOP);
  ana.line.restore();
  await ana.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  await expectCount(areas.getByTestId('sending'), 0);
  for (const page of [ana.page, watcher.page]) await expectCount(page.getByTestId('areas').getByTestId('area'), 1);
});

test('a room not opened in this browser for 90 days is forgotten here; the room opened is dated and kept', async () => {
  const room = await env.createRoom('Remembered', { language: 'en' });
  const ana = await env.join(`${env.server.url}/r/${room.room_id}`, 'Ana');
  await expectText(ana.page.getByTestId('you'), 'Ana · Participant');
  const seen = await ana.page.evaluate((id) => Number(localStorage.getItem(`horseshoe:${id}:seen`)), room.room_id);
  assert.ok(Math.abs(Date.now() - seen) < 60_000, `the room is dated ${new Date(seen).toISOString()}`);
  // What a visit to another room 91 days ago left here, and one 89 days ago.
  await ana.page.evaluate(() => {
    const day = 24 * 60 * 60 * 1000;
    for (const [id, age] of [['long-ago', 91], ['not-so-long', 89]]) {
      localStorage.setItem(`horseshoe:${id}:token`, 'a token');
      localStorage.setItem(`horseshoe:${id}:draft:m:note`, 'half a note');
      localStorage.setItem(`horseshoe:${id}:seen`, String(Date.now() - age * day));
    }
  });
  await ana.page.reload();
  await expectText(ana.page.getByTestId('you'), 'Ana · Participant');
  const left = await ana.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('horseshoe:')).sort());
  assert.deepEqual(
    left.filter((k) => !k.startsWith(`horseshoe:${room.room_id}:`)),
    ['horseshoe:not-so-long:draft:m:note', 'horseshoe:not-so-long:seen', 'horseshoe:not-so-long:token'],
  );
  assert.ok(left.includes(`horseshoe:${room.room_id}:token`), "Ana's own token stays");
});
