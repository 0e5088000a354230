// The translation table (web/src/i18n.js) with each lens: step 5's six categories speak of the
// lens's people in every language.

import assert from 'node:assert/strict';
import { test } from 'node:test';

// The table sets the page's `lang` as it loads: a page of its own here.
globalThis.document = /** @type {any} */ ({ documentElement: { lang: '' } });
if (typeof navigator === 'undefined') globalThis.navigator = /** @type {any} */ ({ languages: ['en'], language: 'en' });
const { LENSES, setRoomDefaults, t } = await import('../../web/src/i18n.js');

/** The six categories as a room of `lens` in `lang` shows them. */
function categories(/** @type {any} */ lang, /** @type {any} */ lens) {
  setRoomDefaults(lang, lens);
  return [1, 2, 3, 4, 5, 6].map((n) => t(/** @type {any} */ (`step.5.cat.${n}`)));
}

for (const lang of ['en', 'pt']) {
  test(`in ${lang}, every category reads differently for staff than for clients`, () => {
    const clients = categories(lang, 'client');
    const staff = categories(lang, 'staff');
    clients.forEach((text, i) => assert.notEqual(text, staff[i], `category ${i + 1}: ${text}`));
    for (const text of [...clients, ...staff]) assert.doesNotMatch(text, /[{}]/, 'every word filled in');
  });

  test(`in ${lang}, the third category names whose experience it tracks in each lens`, () => {
    const third = LENSES.map((lens) => categories(lang, lens)[2]);
    assert.equal(new Set(third).size, LENSES.length, third.join(' | '));
  });
}
