// A private deployment (`--create-key`): the home page asks for the create key, says so when it
// is wrong, creates the room with the right one and remembers it for the next room.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectText, launchBrowser, newPerson, startServer } from './helpers.mjs';

const KEY = 'private-create-key-for-the-test';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer({ args: ['--create-key', KEY] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

test('the home page of a private server asks for its create key', async () => {
  const { page } = await newPerson(browser, server.url);
  await page.goto(`${server.url}/`);
  await page.getByLabel('Workshop title').fill('Private workshop');
  const key = page.getByLabel('Create key');
  await key.fill('not the key');
  await page.getByRole('button', { name: 'Create room' }).click();
  await expectText(page.getByRole('alert'), 'That create key is not right');

  await key.fill(KEY);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/r\/[0-9a-f]+#key=[0-9a-f]+$/);

  // The key is remembered: the next room needs no typing.
  await page.goto(`${server.url}/`);
  await page.getByLabel('Workshop title').fill('Second workshop');
  assert.equal(await page.getByLabel('Create key').inputValue(), KEY);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/r\/[0-9a-f]+#key=[0-9a-f]+$/);
});

test('the home page says the same in Portuguese', async () => {
  const { page } = await newPerson(browser, server.url, { locale: 'pt-PT' });
  await page.goto(`${server.url}/`);
  await expectText(page.locator('form'), 'Chave de criação');
});
