// Links that lead nowhere show a clear error page: an unknown room (participant, wall display
// and facilitator links) or a wrong facilitator key, in the person's language.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LAPTOP, expectText, launchBrowser, newPerson, screenshot, startServer } from './helpers.mjs';

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

const NO_SUCH_ROOM = '0123456789abcdef0123456789abcdef';

for (const [who, path] of [
  ['a participant', `/r/${NO_SUCH_ROOM}`],
  ['a wall display', `/r/${NO_SUCH_ROOM}/wall`],
  ['a facilitator', `/r/${NO_SUCH_ROOM}#key=00ff`],
  ['anyone with a malformed room id', '/r/not-a-room'],
]) {
  test(`${who} opening a link to no room sees "no such room"`, async () => {
    const { page } = await newPerson(browser, server.url);
    await page.goto(server.url + path);
    const error = page.getByTestId('error');
    await expectText(error, 'This link is not valid');
    await expectText(error, 'No such room');
  });
}

test('a facilitator link with a wrong key says the key is wrong', async () => {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Keyed', organisation: '', lens: 'client', language: 'en' }),
  });
  const room = await response.json();
  const { page } = await newPerson(browser, server.url);
  await page.goto(`${server.url}/r/${room.room_id}#key=${'0'.repeat(64)}`);
  await page.getByRole('button', { name: 'Open the room' }).click();
  const error = page.getByTestId('error');
  await expectText(error, 'This link is not valid');
  await expectText(error, 'The facilitator key in this link is wrong');
  await screenshot(page, 'error-laptop', LAPTOP);
});

test('the error page follows a language switch', async () => {
  const { page } = await newPerson(browser, server.url);
  await page.goto(`${server.url}/r/${NO_SUCH_ROOM}/wall`);
  await expectText(page.getByTestId('error'), 'No such room');
  await page.getByTestId('language').selectOption('pt');
  await expectText(page.getByTestId('error'), 'Este link não é válido');
});

test('a participant whose saved token the room does not know is asked for a name again', async () => {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Forgotten', organisation: '', lens: 'client', language: 'en' }),
  });
  const room = await response.json();
  const { context, page } = await newPerson(browser, server.url);
  await context.addInitScript((id) => {
    if (!localStorage.getItem(`horseshoe:${id}:token`))
      localStorage.setItem(`horseshoe:${id}:token`, 'f'.repeat(64));
  }, room.room_id);
  await page.goto(`${server.url}/r/${room.room_id}`);
  await expectText(page.getByTestId('join-title'), 'Forgotten');
  await page.getByLabel('Your name').fill('Dee');
  await page.getByRole('button', { name: 'Join' }).click();
  await expectText(page.getByTestId('you'), 'Dee · Participant');
});

test('a refused command shows a toast, and what was typed stays', async () => {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Refusals', organisation: '', lens: 'client', language: 'en' }),
  });
  const room = await response.json();
  const { page, problems } = await newPerson(browser, server.url);
  await page.goto(`${server.url}/r/${room.room_id}`);
  await page.getByLabel('Your name').fill('Eve');
  await page.getByRole('button', { name: 'Join' }).click();
  // A control character passes the form but not the server's text rules.
  await page.getByLabel('What I want to contribute').fill('A bell \u0007 rings');
  await page.getByTestId('checkin-submit').click();
  await expectText(page.getByTestId('toast'), 'That was not accepted.');
  await expectText(page.getByTestId('checkin-submit'), 'Post check-in');
  assert.equal(await page.getByLabel('What I want to contribute').inputValue(), 'A bell \u0007 rings');
  assert.deepEqual(problems, []);
});
