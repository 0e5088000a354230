// The connection survives a server restart: the page shows "reconnecting", keeps a check-in
// posted while the server is down, and sends it once the server is back (on the same data
// directory), without a duplicate or a second member.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  LAPTOP,
  expectCount,
  expectText,
  launchBrowser,
  newPerson,
  screenshot,
  startServer,
} from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

test('a check-in posted while the server restarts arrives once it is back', async () => {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Restart room', organisation: 'Acme', lens: 'client', language: 'en' }),
  });
  const room = await response.json();

  const fac = await newPerson(browser, server.url);
  await fac.page.goto(`${server.url}/r/${room.room_id}#key=${room.facilitator_key}`);
  await fac.page.getByRole('button', { name: 'Open the room' }).click();
  const ana = await newPerson(browser, server.url);
  await ana.page.goto(`${server.url}/r/${room.room_id}`);
  await ana.page.getByLabel('Your name').fill('Ana');
  await ana.page.getByRole('button', { name: 'Join' }).click();
  await expectText(fac.page.getByTestId('presence'), 'Ana');

  await server.stop();
  for (const { page } of [fac, ana]) {
    await expectText(page.getByTestId('status'), 'Reconnecting');
    await page.getByTestId('reconnecting').waitFor({ state: 'visible' });
  }
  await ana.page.getByLabel('What I want to contribute').fill('Written while offline');
  await ana.page.getByTestId('checkin-submit').click();
  await expectText(ana.page.getByTestId('checkin-submit'), 'Sending');
  await screenshot(ana.page, 'participant-reconnecting-laptop', LAPTOP);

  server = await startServer({ bind: server.bind, dataDir: server.dataDir });
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
