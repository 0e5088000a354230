// Writing together and keeping one's work, in real Chromium against the real server: two
// members of one group type into the step-3 sentence at once and both phrases arrive whole on
// every screen (the facilitator's, both writers', the projector's), each seeing the other's
// named caret; two team members type into one example card at once and both are kept; a
// participant whose network drops is told within seconds and catches up on return, with what
// they typed meanwhile sent; a half-typed "Help me" note, example card, key factor and area for
// improvement survive a reload; the undo button names the action, offers nothing from an
// earlier step, redoes, and a conflicting undo says who changed the thing since.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LAPTOP,
  PHONE,
  expectCount,
  expectNoText,
  expectText,
  expectValue,
  poll,
  screenshot,
  useServerAndBrowser,
} from './helpers.mjs';

const env = useServerAndBrowser();

/** @typedef {import('./helpers.mjs').Person & { name: string }} Person */

/** How long the connection-lost banner may take to show once the network is gone. */
const OFFLINE_NOTICE_MS = 5000;

/**
 * Checks that `text` holds each phrase whole and nothing else.
 * @param {string} text
 * @param {string[]} phrases
 * @returns {string | null}
 */
function holdsWhole(text, phrases) {
  const missing = phrases.filter((p) => !text.includes(p));
  if (missing.length) return `${JSON.stringify(text)} lacks ${missing.map((p) => JSON.stringify(p)).join(', ')}`;
  const length = phrases.reduce((n, p) => n + p.length, 0);
  return text.length === length ? null : `${JSON.stringify(text)} is not just ${phrases.join(' + ')}`;
}

/**
 * Checks that `text` keeps every character each person typed, in the order they typed them
 * (two people typing at the very same spot may end up with their words side by side in either
 * order, or one's first letter apart from the rest: a CRDT keeps every keystroke, not phrases).
 * @param {string} text
 * @param {string[]} typed
 * @returns {string | null}
 */
function keepsEvery(text, typed) {
  const length = typed.reduce((n, p) => n + p.length, 0);
  if (text.length !== length) return `${JSON.stringify(text)} is not ${typed.map((p) => JSON.stringify(p)).join(' + ')}`;
  for (const phrase of typed) {
    let at = 0;
    for (const ch of phrase) {
      at = text.indexOf(ch, at) + 1;
      if (at === 0) return `${JSON.stringify(text)} lost part of ${JSON.stringify(phrase)}`;
    }
  }
  return null;
}

/**
 * What a shared text reads on a screen that shows it read-only.
 * @param {import('playwright-core').Locator} where
 */
async function readOnlyText(where) {
  // The body keeps white space (pre-wrap): a typed trailing space is part of the sentence.
  return (await where.locator('.shared-text-body').innerText()).replace(/^\n+|\n+$/g, '');
}

/**
 * Clicks into a field and types `text` one key at a time, as a person does, at the end of what
 * is there (or at its start).
 * @param {import('playwright-core').Locator} field
 * @param {string} text
 * @param {'End' | 'Home'} [where]
 */
async function typeSlowly(field, text, where = 'End') {
  await field.click();
  await field.press(`Control+${where}`);
  await field.pressSequentially(text, { delay: 35 });
}

/** @param {number} ms */
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The carets in `where` whose name flag lies over some of its words: each line of text is
 * a box (from a Range over its text); a caret's name is its ::after, inside the caret's box
 * when it sits in the line, or where its computed position puts it when it floats.
 * @param {import('playwright-core').Locator} where
 */
function namesOverWords(where) {
  return where.evaluate((root) => {
    const carets = [...root.querySelectorAll('.remote-caret')];
    /** @type {DOMRect[]} */
    const words = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!(node.textContent ?? '').trim() || carets.some((c) => c.contains(node))) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      words.push(...[...range.getClientRects()].filter((r) => r.width > 0));
    }
    const flagOf = (/** @type {Element} */ caret) => {
      const box = caret.getBoundingClientRect();
      const name = getComputedStyle(caret, '::after');
      if (name.position !== 'absolute') return box;
      const px = (/** @type {string} */ v) => Number.parseFloat(v) || 0;
      const left = box.left + px(name.left);
      const top = box.top + px(name.top);
      const width = px(name.width) + px(name.paddingLeft) + px(name.paddingRight);
      const height = px(name.height) + px(name.paddingTop) + px(name.paddingBottom);
      return { left, top, right: left + width, bottom: top + height };
    };
    return carets.flatMap((caret) => {
      const flag = flagOf(caret);
      const hit = words.find((r) => Math.min(r.right, flag.right) - Math.max(r.left, flag.left) > 1 && Math.min(r.bottom, flag.bottom) - Math.max(r.top, flag.top) > 1);
      return hit ? [`${caret.getAttribute('data-name')}'s name at ${Math.round(flag.left)},${Math.round(flag.top)} covers words at ${Math.round(hit.left)},${Math.round(hit.top)}`] : [];
    });
  });
}

test('writing together, offline, drafts and undo', async (t) => {
  const room = await env.createRoom('Writing together', { language: 'en' });
  const link = `${env.server.url}/r/${room.room_id}`;
  const fac = await env.openAsFacilitator(`${link}#key=${room.facilitator_key}`, 'Marta');
  await expectText(fac.page.getByTestId('you'), 'Marta · Facilitator');
  const F = fac.page;
  /** @param {string} name @returns {Promise<Person>} */
  const join = async (name) => {
    const person = await env.join(link, name);
    await expectText(person.page.getByTestId('you'), `${name} · Participant`);
    return { ...person, name };
  };
  const ana = await join('Ana');
  const bo = await join('Bo');
  const wall = await env.newPerson();
  await wall.page.goto(`${link}/wall`);
  const writers = [ana, bo];
  /** @param {number} step */
  const goTo = async (step) => {
    await F.locator(`.stepper-link[data-step="${step}"]`).click();
    for (const page of [F, ana.page, bo.page]) await expectText(page.locator('.stepper-item.current .step-num'), String(step));
  };

  const phraseA = 'Clients come first.';
  const phraseB = 'We listen before we act. ';

  await t.test('two members type one sentence at once and both phrases arrive whole everywhere', async () => {
    await goTo(3);
    await F.getByTestId('groups-form').click();
    for (const { page } of writers) await expectCount(page.getByTestId('my-definition'), 1);
    const boxA = ana.page.getByTestId('definition-input-input');
    const boxB = bo.page.getByTestId('definition-input-input');
    // Ana writes on from the end, Bo starts at the beginning, 60 ms after her.
    await Promise.all([typeSlowly(boxA, phraseA), pause(60).then(() => typeSlowly(boxB, phraseB, 'Home'))]);
    // The wall names both, joined as the language joins names.
    await poll(async () => {
      const line = (await wall.page.getByTestId('def-wall').locator('.shared-typing').innerText()).trim();
      return /^(Ana and Bo|Bo and Ana) are writing$/.test(line) ? null : `the wall reads ${JSON.stringify(line)}`;
    });
    // Across a room it reads as the projector's small text, not a laptop's 12 px.
    const [line, base] = await wall.page.evaluate(() =>
      ['[data-testid=def-wall] .shared-typing', '.projector'].map((sel) => parseFloat(getComputedStyle(/** @type {Element} */ (document.querySelector(sel))).fontSize)),
    );
    assert.ok(line >= base * 0.8, `the wall's "writing" line is ${line} px, its text ${base} px`);

    const whole = (/** @type {string} */ text) => holdsWhole(text, [phraseA, phraseB]);
    for (const box of [boxA, boxB]) await expectValue(box, whole);
    const [a, b] = [await boxA.inputValue(), await boxB.inputValue()];
    assert.equal(a, b, 'both writers read the same sentence');
    const onFacilitator = F.getByTestId('definitions').locator('.def-card[data-group="1"]').getByTestId('definition-text');
    await poll(async () => whole(await readOnlyText(onFacilitator)));
    const onWall = wall.page.getByTestId('def-wall').getByTestId('definition-text');
    await poll(async () => whole(await readOnlyText(onWall)));
    assert.equal(await readOnlyText(onWall), a);
  });

  await t.test("each writer sees the other's caret with a name", async () => {
    // Both are still in the field; a caret moves when its writer does.
    await ana.page.getByTestId('definition-input-input').press('Home');
    await bo.page.getByTestId('definition-input-input').press('End');
    await expectCount(bo.page.locator('[data-testid=definition-input] [data-testid=remote-caret][data-name="Ana"]'), 1);
    await expectCount(ana.page.locator('[data-testid=definition-input] [data-testid=remote-caret][data-name="Bo"]'), 1);
    await expectText(bo.page.getByTestId('definition-input'), 'Ana is writing');
    // The facilitator and the projector see both carets in the group's sentence.
    await expectCount(F.getByTestId('definitions').getByTestId('remote-caret'), 2);
    await expectCount(wall.page.getByTestId('def-wall').getByTestId('remote-caret'), 2);
    // Where the sentence is only read, a writer's name covers no word (nor the names above).
    for (const card of [F.getByTestId('definitions').locator('.def-card[data-group="1"]'), wall.page.getByTestId('def-wall')]) {
      assert.deepEqual(await namesOverWords(card), [], `the carets' names in ${card}`);
    }
    await screenshot(bo.page, 'shared-step3-two-writers', LAPTOP);
    await screenshot(F, 'shared-step3-facilitator', LAPTOP);
    await screenshot(wall.page, 'shared-step3-projector', LAPTOP);
    // In the field, a writer's name is drawn over the field's text, not under the words of
    // the line above (so it reads on the second line too): it is in the layer above the text.
    const field = bo.page.getByTestId('definition-input');
    await expectCount(field.locator('.shared-text-names [data-testid=remote-caret-name][data-name="Ana"]'), 1);
    const stacked = await field.evaluate((root) => {
      const z = (/** @type {string} */ sel) => Number(getComputedStyle(/** @type {Element} */ (root.querySelector(sel))).zIndex);
      const flag = root.querySelector('.shared-text-names .remote-caret');
      const name = flag ? getComputedStyle(flag, '::after') : null;
      return { names: z('.shared-text-names'), text: z('textarea'), shown: name?.content !== 'none' && name?.display !== 'none' };
    });
    assert.ok(stacked.names > stacked.text && stacked.shown, JSON.stringify(stacked));
  });

  await t.test('a writer who stops typing is no longer "writing", and their caret stays', async () => {
    // Ana stays in the field without a keystroke: with nothing else changing, the line goes.
    await expectNoText(bo.page.getByTestId('definition-input'), 'Ana is writing');
    await expectCount(bo.page.locator('[data-testid=definition-input] [data-testid=remote-caret][data-name="Ana"]'), 1);
    await ana.page.getByTestId('definition-input-input').press('End');
    await expectText(bo.page.getByTestId('definition-input'), 'Ana is writing');
  });

  await t.test('Enter adds no line to the one-line sentence, a pasted line break is a space, and nothing typed after is lost', async () => {
    const box = ana.page.getByTestId('definition-input-input');
    const before = await box.inputValue();
    await box.press('End');
    await box.pressSequentially(' Clients first');
    await box.press('Enter');
    await box.pressSequentially(' always');
    await ana.page.keyboard.insertText(' we listen\nand\tact');
    const want = `${before} Clients first always we listen and act`;
    for (const { page } of writers) await expectValue(page.getByTestId('definition-input-input'), (text) => (text === want ? null : `got ${JSON.stringify(text)}`));
    await poll(async () => {
      const text = await readOnlyText(wall.page.getByTestId('def-wall').getByTestId('definition-text'));
      return text === want ? null : `the wall reads ${JSON.stringify(text)}`;
    });
    await expectCount(ana.page.getByTestId('toast'), 0);
    // Back as it was, for what follows.
    for (let i = 0; i < want.length - before.length; i++) await box.press('Backspace');
    await expectValue(bo.page.getByTestId('definition-input-input'), (text) => (text === before ? null : `got ${JSON.stringify(text)}`));
  });

  await t.test('a participant whose network drops is told, and catches up when back', async () => {
    await bo.page.getByTestId('definition-input-input').blur();
    const lost = Date.now();
    await bo.context.setOffline(true);
    await bo.page.getByTestId('reconnecting').waitFor({ timeout: OFFLINE_NOTICE_MS });
    assert.ok(Date.now() - lost < OFFLINE_NOTICE_MS, 'the banner shows within 5 s');
    // Meanwhile Ana writes on, and Bo types too.
    const more = ' Always.';
    await typeSlowly(ana.page.getByTestId('definition-input-input'), more);
    // Long enough to have been more than the room takes at once as separate edits (about 100
    // keystrokes, a command per 33 ms): all of it arrives.
    const offline = ' Together we listen to every client, call back the same day, and write down what we learned.';
    await typeSlowly(bo.page.getByTestId('definition-input-input'), offline);
    await bo.context.setOffline(false);
    await bo.page.getByTestId('reconnecting').waitFor({ state: 'detached' });
    const all = (/** @type {string} */ text) => holdsWhole(text, [phraseA, phraseB, more, offline]);
    for (const { page } of writers) await expectValue(page.getByTestId('definition-input-input'), all);
    await poll(async () => all(await readOnlyText(wall.page.getByTestId('def-wall').getByTestId('definition-text'))));
  });

  await t.test('on a phone the sentence field grows with its text: every line in sight, no grip to drag', async () => {
    const box = ana.page.getByTestId('definition-input-input');
    const boBox = bo.page.getByTestId('definition-input-input');
    const was = ana.page.viewportSize();
    const before = await box.inputValue();
    const longer = ' We answer every client by name, keep our promises, and come back to ask how it went.';
    const text = before + longer;
    await ana.page.setViewportSize(PHONE);
    try {
      await box.press('Control+End');
      await ana.page.keyboard.insertText(longer);
      await expectValue(boBox, (v) => (v === text ? null : `Bo reads ${JSON.stringify(v)}`));
      const rows = Number(await box.getAttribute('rows'));
      await poll(async () => {
        const f = await box.evaluate((el) => ({
          resize: getComputedStyle(el).resize,
          scroll: el.scrollHeight,
          client: el.clientHeight,
          // The height its lines have, without the padding (room for a name over the first).
          text: el.clientHeight - parseFloat(getComputedStyle(el).paddingTop) - parseFloat(getComputedStyle(el).paddingBottom),
          line: parseFloat(getComputedStyle(el).lineHeight),
        }));
        if (f.resize !== 'none') return `the field can be dragged (resize: ${f.resize})`;
        if (f.scroll > f.client + 1) return `the field scrolls: ${f.scroll} px of text in ${f.client}`;
        return f.text >= (rows + 1) * f.line ? null : `the field's lines are ${f.text} px, its ${rows} rows' height, for ${text.length} characters`;
      });
      await screenshot(ana.page, 'shared-step3-phone-long-sentence', PHONE);
      // A click at the field's lower right corner (where a grip would be) puts the caret in
      // the text, and the next key goes in.
      const size = await box.boundingBox();
      assert.ok(size, 'the field is on screen');
      await box.click({ position: { x: size.width - 6, y: size.height - 6 } });
      await ana.page.keyboard.type('!');
      await expectValue(boBox, (v) => (v.length === text.length + 1 && v.includes('!') ? null : `Bo reads ${JSON.stringify(v)}`));
      await ana.page.keyboard.press('Backspace');
      // Back as it was, for what follows.
      await box.evaluate((el, n) => /** @type {HTMLTextAreaElement} */ (el).setSelectionRange(n, el.value.length), before.length);
      await ana.page.keyboard.press('Backspace');
      await expectValue(boBox, (v) => (v === before ? null : `Bo reads ${JSON.stringify(v)}`));
      await box.blur();
    } finally {
      if (was) await ana.page.setViewportSize(was);
    }
  });

  await t.test('a half-typed "Help me" note survives a reload and is gone once added', async () => {
    await goTo(4);
    const note = ana.page.getByTestId('note-input');
    await note.fill('keep my half-typed');
    await ana.page.reload();
    await expectValue(ana.page.getByTestId('note-input'), (v) => (v === 'keep my half-typed' ? null : `note reads ${v}`));
    await ana.page.getByTestId('note-input').press('End');
    await ana.page.getByTestId('note-input').pressSequentially(' words');
    await ana.page.getByTestId('note-add').click();
    await expectText(ana.page.getByTestId('my-notes'), 'keep my half-typed words');
    await ana.page.reload();
    await expectText(ana.page.getByTestId('my-notes'), 'keep my half-typed words');
    assert.equal(await ana.page.getByTestId('note-input').inputValue(), '');
    // The note is Ana's last change in this step, and the button says so.
    await expectText(ana.page.getByTestId('undo').filter({ visible: true }), 'Undo note');
  });

  await t.test('an earlier step offers nothing to undo', async () => {
    await goTo(5);
    await expectCount(ana.page.getByTestId('undo'), 0);
    await F.getByTestId('teams-form').click();
    for (const { page } of writers) await expectCount(page.getByTestId('team-board'), 1);
  });

  await t.test('an example card typed by two team members at once keeps both', async () => {
    const category = ana.page.getByTestId('category-1');
    await category.getByTestId('add-example').first().click();
    await category.getByTestId('card-input').fill('Seed');
    await category.getByTestId('card-input').press('Enter');
    for (const { page } of writers) await expectCount(page.getByTestId('category-1').getByTestId('card-text'), 1);
    // A card reads as a card until someone opens it to write.
    for (const { page } of writers) await expectCount(page.getByTestId('category-1').getByTestId('card-text-input'), 0);
    await ana.page.getByTestId('category-1').getByTestId('card-text-open').click();
    await bo.page.getByTestId('category-1').getByTestId('card-text-open').click();
    const cardA = ana.page.getByTestId('category-1').getByTestId('card-text-input');
    const cardB = bo.page.getByTestId('category-1').getByTestId('card-text-input');
    const mineA = ' we called back the same day';
    const mineB = ' and fixed it.';
    await Promise.all([typeSlowly(cardA, mineA), pause(60).then(() => typeSlowly(cardB, mineB))]);
    const both = (/** @type {string} */ text) => keepsEvery(text, ['Seed', mineA, mineB]);
    for (const card of [cardA, cardB]) await expectValue(card, both);
    assert.equal(await cardA.inputValue(), await cardB.inputValue());
    // Ana's undo of adding the card would take Bo's words with it: the room refuses, says why.
    await cardA.press('Escape');
    await expectText(ana.page.getByTestId('undo'), 'Undo example');
    await ana.page.getByTestId('undo').click();
    await expectText(ana.page.getByTestId('toast'), 'Bo wrote in this too; nothing was undone');
    for (const { page } of writers) await expectCount(page.getByTestId('category-1').getByTestId('card-text'), 1);
    await expectValue(cardB, both);
  });

  await t.test('a half-typed example card survives a reload and is gone once added', async () => {
    const category = bo.page.getByTestId('category-2');
    await category.getByTestId('add-example').first().click();
    await category.getByTestId('card-input').fill('Half an example');
    await bo.page.reload();
    const input = bo.page.getByTestId('category-2').getByTestId('card-input');
    await expectValue(input, (v) => (v === 'Half an example' ? null : `card input reads ${v}`));
    await input.press('Enter');
    await expectCount(bo.page.getByTestId('category-2').getByTestId('card-text'), 1);
    await bo.page.reload();
    await expectCount(bo.page.getByTestId('category-2').getByTestId('card-text'), 1);
    await expectCount(bo.page.getByTestId('category-2').getByTestId('card-input'), 0);
  });

  await t.test('undo names the action, redo does it again, and a conflicting undo says who changed it', async () => {
    const undo = ana.page.getByTestId('undo').filter({ visible: true });
    await ana.page.getByTestId('rate-1-3').click();
    await expectText(undo, 'Undo rating');
    await undo.click();
    const redo = ana.page.getByTestId('redo').filter({ visible: true });
    await expectText(redo, 'Redo rating');
    await redo.click();
    await expectText(undo, 'Undo rating');
    await expectCount(redo, 0);
    // Bo changes the same rating; Ana's undo would overwrite him, so nothing is undone.
    await poll(async () =>
      (await bo.page.getByTestId('rate-1-3').getAttribute('aria-checked')) === 'true' ? null : 'Ana’s 3 reaches Bo',
    );
    await bo.page.getByTestId('rate-1-4').click();
    await poll(async () =>
      (await ana.page.getByTestId('rate-1-4').getAttribute('aria-checked')) === 'true' ? null : 'Bo’s 4 reaches Ana',
    );
    await ana.page.locator('body').click({ position: { x: 5, y: 300 } });
    await ana.page.keyboard.press('Control+z');
    const toast = ana.page.getByTestId('toast');
    await expectText(toast, 'Bo changed this since; nothing was undone');
    await expectNoText(toast, 'clashed');
    assert.equal(await ana.page.getByTestId('rate-1-4').getAttribute('aria-checked'), 'true', 'Bo’s rating stays');
    await screenshot(ana.page, 'shared-undo-conflict', LAPTOP);
  });

  await t.test('a half-typed key factor and area for improvement survive a reload, and are gone once added', async () => {
    await goTo(2);
    await F.getByTestId('factors-open').check();
    for (const [step, kind, list] of /** @type {const} */ ([
      [2, 'factor', 'factors'],
      [6, 'area', 'areas'],
    ])) {
      await goTo(step);
      await ana.page.getByTestId(`${kind}-input`).fill(`Half a ${kind}`);
      await ana.page.reload();
      const input = ana.page.getByTestId(`${kind}-input`);
      await expectValue(input, (v) => (v === `Half a ${kind}` ? null : `the ${kind} field reads ${v}`));
      await input.press('End');
      await input.pressSequentially(' finished');
      await ana.page.getByTestId(`${kind}-add`).click();
      await expectText(F.getByTestId(list), `Half a ${kind} finished`);
      await ana.page.reload();
      await expectText(ana.page.getByTestId(list), `Half a ${kind} finished`);
      assert.equal(await ana.page.getByTestId(`${kind}-input`).inputValue(), '', `the ${kind} draft is gone once added`);
    }
  });

  for (const person of [fac, ana, wall]) assert.deepEqual(person.problems, []);
  // Chromium logs the reconnects it could not make while Bo was offline; nothing else.
  assert.deepEqual(bo.problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
});
