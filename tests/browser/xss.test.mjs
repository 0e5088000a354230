// Hostile text from participants stays text: a name and a check-in made of HTML are shown as
// written on everyone's screen, nothing runs, and the page carries a strict
// Content-Security-Policy (so even a mistake could not load or run a script).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectText, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_TEXT = '<script>window.__pwned=2</script><img src=x onerror=window.__pwned=3> & <b>bold</b>';

test('HTML typed by a participant is shown as text and never runs', async () => {
  const created = await env.createRoom('Safe room');

  const response = await fetch(created.participant_url);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  const people = [];
  for (const name of [HOSTILE_NAME, 'Reader']) {
    const person = await env.newPerson();
    let dialogs = 0;
    person.page.on('dialog', async (dialog) => {
      dialogs += 1;
      await dialog.dismiss();
    });
    await person.page.goto(created.participant_url);
    await person.page.getByLabel('Your name').fill(name);
    await person.page.getByRole('button', { name: 'Join' }).click();
    await expectText(person.page.getByTestId('you'), name);
    people.push({ ...person, dialogs: () => dialogs });
  }
  const [attacker, reader] = people;
  await attacker.page.getByLabel('What I want to contribute').fill(HOSTILE_TEXT);
  await attacker.page.getByTestId('checkin-submit').click();

  const checkins = reader.page.getByTestId('checkins');
  await expectText(checkins, HOSTILE_TEXT);
  await expectText(checkins, HOSTILE_NAME);
  await expectText(reader.page.getByTestId('presence'), HOSTILE_NAME);
  for (const { page, dialogs } of people) {
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'user text became an element');
    assert.equal(await page.locator('[data-testid="checkins"] b').count(), 0);
    assert.equal(dialogs(), 0);
  }
  for (const { context } of people) await context.close();
});
