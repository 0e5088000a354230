// The connection survives a server restart: the page shows "reconnecting", keeps a check-in
// posted while the server is down, and sends it once the server is back (on the same data
// directory), without a duplicate or a second member.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAPTOP, expectCount, expectText, screenshot, startServer, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

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

  await fac.context.setOffline(false);
  await fac.page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
  for (const { page } of [fac, ana]) {
    await expectCount(page.getByTestId('factors').locator('.factor'), 2);
    await expectText(page.getByTestId('factors'), 'They listened');
    await expectText(page.getByTestId('factors'), 'Fast answers');
  }
});
