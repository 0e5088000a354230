// Links that lead nowhere show a clear error page: an unknown room (participant, wall display
// and facilitator links) or a wrong facilitator key, in the person's language.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAPTOP, expectText, installWire, screenshot, steer, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

const NO_SUCH_ROOM = '0123456789abcdef0123456789abcdef';

for (const [who, path] of [
  ['a participant', `/r/${NO_SUCH_ROOM}`],
  ['a wall display', `/r/${NO_SUCH_ROOM}/wall`],
  ['a facilitator', `/r/${NO_SUCH_ROOM}#key=00ff`],
  ['anyone with a malformed room id', '/r/not-a-room'],
]) {
  test(`${who} opening a link to no room sees "no such room"`, async () => {
    const { page } = await env.newPerson();
    await page.goto(env.server.url + path);
    const error = page.getByTestId('error');
    await expectText(error, 'This link is not valid');
    await expectText(error, 'No such room');
  });
}

test('a facilitator link with a wrong key says the key is wrong', async () => {
  const room = await env.createRoom('Keyed', { organisation: '', lens: 'client', language: 'en' });
  const { page } = await env.openAsFacilitator(`${env.server.url}/r/${room.room_id}#key=${'0'.repeat(64)}`);
  const error = page.getByTestId('error');
  await expectText(error, 'This link is not valid');
  await expectText(error, 'The facilitator key in this link is wrong');
  await screenshot(page, 'error-laptop', LAPTOP);
});

test('the error page follows a language switch', async () => {
  const { page } = await env.newPerson();
  await page.goto(`${env.server.url}/r/${NO_SUCH_ROOM}/wall`);
  await expectText(page.getByTestId('error'), 'No such room');
  await page.getByTestId('language').selectOption('pt');
  await expectText(page.getByTestId('error'), 'Este link não é válido');
});

test('a participant whose saved token the room does not know is asked for a name again', async () => {
  const room = await env.createRoom('Forgotten', { organisation: '', lens: 'client', language: 'en' });
  const { context, page } = await env.newPerson();
  await context.addInitScript((id) => {
    if (!localStorage.getItem(`horseshoe:${id}:token`))
      localStorage.setItem(`horseshoe:${id}:token`, 'f'.repeat(64));
  }, room.room_id);
  await page.goto(`${env.server.url}/r/${room.room_id}`);
  await expectText(page.getByTestId('join-title'), 'Forgotten');
  await page.getByLabel('Your name').fill('Dee');
  await page.getByRole('button', { name: 'Join' }).click();
  await expectText(page.getByTestId('you'), 'Dee · Participant');
});

test('a refused command shows a toast, and what was typed stays', async () => {
  const room = await env.createRoom('Refusals', { organisation: '', lens: 'client', language: 'en' });
  const { page, problems } = await env.join(`${env.server.url}/r/${room.room_id}`, 'Eve');
  // A control character passes the form but not the server's text rules.
  await page.getByLabel('What I want to contribute').fill('A bell \u0007 rings');
  await page.getByTestId('checkin-submit').click();
  await expectText(page.getByTestId('toast'), 'That was not accepted.');
  await expectText(page.getByTestId('checkin-submit'), 'Post check-in');
  assert.equal(await page.getByLabel('What I want to contribute').inputValue(), 'A bell \u0007 rings');
  assert.deepEqual(problems, []);
});

test('a newcomer to a closed room is told they can only read it', async () => {
  const room = await env.createRoom('Closed', { organisation: '', lens: 'client', language: 'en' });
  // The facilitator closes the room over a WebSocket of their own.
  const { page: fac } = await env.newPerson();
  await fac.goto(`${env.server.url}/`);
  await installWire(fac);
  await steer(fac, room, [{ type: 'room.close', closed: true }]);


  const { page, problems } = await env.join(`${env.server.url}/r/${room.room_id}`, 'Cy');
  await expectText(page.getByTestId('toast'), 'nobody new can join it');
  await expectText(page.getByTestId('closed-banner'), 'This room is closed');

  // Reopened: the page that could only read joins as Cy, without a reload.
  await steer(fac, room, [{ type: 'room.close', closed: false }]);

  await page.getByTestId('closed-banner').waitFor({ state: 'hidden' });
  await expectText(page.getByTestId('presence'), 'Cy');
  await page.getByLabel('What I want to contribute').fill('Back in');
  await page.getByTestId('checkin-submit').click();
  await expectText(page.getByTestId('checkin-form'), 'Posted');
  assert.deepEqual(
    problems.filter((p) => !p.includes('WebSocket')),
    [],
  );
});
