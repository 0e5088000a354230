// Steps 2 and 3 in real Chromium, against the real server: a facilitator, four participants in
// two groups (one on a phone width), a latecomer and a wall display. The speaker queue advances
// on every screen; key-factor cards are added, merged (the count shows 2) and the merge undone;
// groups are formed and a person dragged between them; two members of one group type into
// their shared sentence at the same time and no character is lost, each keystroke showing on
// the other screens as it is typed; the other group can neither edit it nor force a write;
// highlights made in one browser appear in every other with the server's common words; "I'm
// done" and the participation panel follow along.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LAPTOP,
  PHONE,
  expectCount,
  expectNoText,
  expectText,
  expectValue,
  installWire,
  poll,
  screenshot,
  setPanel,
  settledBoxes,
  useServerAndBrowser,
} from './helpers.mjs';

const env = useServerAndBrowser();

/** @typedef {import('./helpers.mjs').Person & { name: string }} Person */

/**
 * A participant joins through the link with a name.
 * @param {string} link
 * @param {string} name
 * @param {{ width: number, height: number }} [viewport]
 * @returns {Promise<Person>}
 */
async function join(link, name, viewport = LAPTOP) {
  const person = await env.join(link, name, { viewport });
  await expectText(person.page.getByTestId('you'), `${name} · Participant`);
  return { ...person, name };
}

/**
 * The words of every key-factor card on `page`, in board order: a shared text is a field for
 * those who may edit it and plain text for the others.
 * @param {import('playwright-core').Page} page
 */
function factorTexts(page) {
  return page
    .getByTestId('factors')
    .locator('.factor')
    .evaluateAll((cards) =>
      cards.map((card) => {
        const field = card.querySelector('.factor-text textarea');
        if (field) return /** @type {HTMLTextAreaElement} */ (field).value;
        return card.querySelector('.factor-text .shared-text-body')?.textContent ?? '';
      }),
    );
}

/**
 * Waits until the cards on `page` read exactly `texts`, in any order.
 * @param {import('playwright-core').Page} page
 * @param {string[]} texts
 */
async function expectFactors(page, texts) {
  const want = [...texts].sort().join(' | ');
  await poll(async () => {
    const got = (await factorTexts(page)).sort().join(' | ');
    return got === want ? null : `expected cards ${want}, got ${got}`;
  });
}

/**
 * The key-factor card whose words are exactly `text` (waits until there is one).
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
async function factor(page, text) {
  /** @type {string | null} */
  let id = null;
  await poll(async () => {
    const texts = await factorTexts(page);
    const ids = await page
      .getByTestId('factors')
      .locator('.factor')
      .evaluateAll((cards) => cards.map((c) => /** @type {HTMLElement} */ (c).dataset.id ?? ''));
    const at = texts.indexOf(text);
    id = at >= 0 ? ids[at] : null;
    return id ? null : `no card "${text}" in ${JSON.stringify(texts)}`;
  });
  return page.locator(`.factor[data-id="${id}"]`);
}

/** The field that adds a key factor (a card's own field is a shared text, `factor-input` too). */
/** @param {import('playwright-core').Page} page */
const factorInput = (page) => page.locator('.factor-form').getByTestId('factor-input');

/**
 * Drags `from` onto `to` with the mouse, as a person would: press, move past the threshold,
 * move over the target in steps, let go.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} from
 * @param {import('playwright-core').Locator} to
 * @param {{ x: number, y: number }} [at] where on `to` to let go (default: its middle)
 */
async function pointerDrag(page, from, to, at) {
  const [a, b] = await settledBoxes(from, to);
  await page.mouse.move(a.x + 8, a.y + 8);
  await page.mouse.down();
  await page.mouse.move(a.x + 20, a.y + 20, { steps: 3 });
  const x = b.x + (at?.x ?? b.width / 2);
  const y = b.y + (at?.y ?? b.height / 2);
  await page.mouse.move(x, y, { steps: 10 });
  await page.mouse.up();
}

/**
 * Selects `word` inside the wall's copy of `group`'s definition, as a person would with the
 * mouse, and presses the "Highlight" button that appears.
 * @param {import('playwright-core').Page} page
 * @param {number} group
 * @param {string} word
 */
async function highlight(page, group, word) {
  const found = await page.evaluate(
    ({ group, word }) => {
      const box = document.querySelector(`.defwall-text[data-group="${group}"]`);
      if (!box) return false;
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = /** @type {Text} */ (node).data;
        const at = text.indexOf(word);
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + word.length);
          const selection = /** @type {Selection} */ (document.getSelection());
          selection.removeAllRanges();
          selection.addRange(range);
          return true;
        }
      }
      return false;
    },
    { group, word },
  );
  assert.ok(found, `"${word}" is on the wall in group ${group}`);
  const button = page.getByTestId('highlight-selection');
  await button.waitFor({ state: 'visible' });
  await button.click();
  await button.waitFor({ state: 'hidden' });
}

/**
 * Types `text` into a group's shared sentence over a second, raw WebSocket with this
 * browser's participant token, as a modified client could (a Yjs update made with the
 * vendored Yjs); returns the server's answer (`ack` or `reject`).
 * @param {import('playwright-core').Page} page
 * @param {string} roomId
 * @param {number} group
 * @param {string} text
 */
async function forceWrite(page, roomId, group, text) {
  await installWire(page);
  return page.evaluate(
    async ({ roomId, group, text }) => {
      const { wire } = /** @type {any} */ (window);
      const Y = await import('/app/vendor/yjs.js');
      const doc = new Y.Doc();
      doc.getText('t').insert(0, text);
      const update = btoa(String.fromCharCode(...Y.encodeStateAsUpdate(doc)));
      const token = localStorage.getItem(`horseshoe:${roomId}:token`);
      const { socket } = await wire.join(roomId, { client: 'forced', credentials: { role: 'participant', token } });
      const answer = await wire.send(socket, { type: 'text.edit', target: { kind: 'definition', group }, update });
      wire.close(socket);
      return answer;
    },
    { roomId, group, text },
  );
}

test('steps 2 and 3: queue, key factors, groups, co-written definitions, the wall', async (t) => {
  const room = await env.createRoom('Client day', { organisation: 'Acme', lens: 'client', language: 'en' });
  const roomId = room.room_id;
  const link = `${env.server.url}/r/${roomId}`;

  const fac = {
    ...(await env.openAsFacilitator(`${link}#key=${room.facilitator_key}`, 'Marta')),
    name: 'Marta',
  };
  await expectText(fac.page.getByTestId('you'), 'Marta · Facilitator');
  const F = fac.page;

  const ana = await join(link, 'Ana');
  const bo = await join(link, 'Bo');
  const cy = await join(link, 'Cy');
  const dee = await join(link, 'Dee', PHONE);
  const people = [ana, bo, cy, dee];
  const wall = { ...(await env.newPerson()), name: 'wall' };
  await wall.page.goto(`${link}/wall`);
  const everyone = [fac, ...people, wall];
  // Those with the full boards; the projector ("wall") shows each step its own way.
  const screens = [fac, ...people];
  const W = wall.page;
  // The projector shows no list of who is here; everyone else does.
  for (const { page } of [fac, ...people]) {
    await setPanel(page);
    await expectText(page.getByTestId('presence-counts'), '5 online');
    await setPanel(page, false);
  }

  await t.test('groups of two, set in the room settings', async () => {
    await F.locator('[data-testid=settings] summary').click();
    await F.locator('[data-testid=settings] input[name=group_size]').fill('2');
    await F.getByRole('button', { name: 'Apply changes' }).click();
    await expectText(F.getByRole('button', { name: 'Applied' }), 'Applied');
    await F.locator('[data-testid=settings] summary').click();
  });

  await t.test('step 2: everyone sees the queue; the facilitator sees who is silent', async () => {
    await F.getByTestId('step-next').click();
    for (const { page } of screens) {
      await expectText(page.getByTestId('step-title'), 'An excellent client experience');
      await expectText(page.getByTestId('current-speaker'), 'Nobody yet');
      await expectCount(page.getByTestId('queue').locator('.queue-row'), 4);
    }
    await expectText(W.getByTestId('step-title'), 'An excellent client experience');
    await expectText(W.locator('.pj-speaker'), 'Nobody yet');
    await expectText(F.getByTestId('silent'), 'Silent so far (4)');
    for (const name of ['Ana', 'Bo', 'Cy', 'Dee']) await expectText(F.getByTestId('silent'), name);
    // Only the facilitator (and later the scribe) runs the queue.
    for (const { page } of everyone.slice(1)) {
      await expectCount(page.getByTestId('queue-next').filter({ visible: true }), 0);
      await expectCount(factorInput(page).filter({ visible: true }), 0);
    }
  });

  await t.test('the queue is reordered by dragging and advances on every screen', async () => {
    const queue = F.getByTestId('queue');
    // Cy is dragged above Bo: Ana, Cy, Bo, Dee.
    await pointerDrag(F, queue.locator('.queue-row', { hasText: 'Cy' }), queue.locator('.queue-row', { hasText: 'Bo' }), {
      x: 40,
      y: 4,
    });
    for (const { page } of screens) {
      await poll(async () => {
        const names = await page.getByTestId('queue').locator('.queue-name').allTextContents();
        return names.join(',') === 'Ana,Cy,Bo,Dee' ? null : `queue order is ${names.join(',')}`;
      });
    }
    // Dee moves up one with the keyboard-friendly button: Ana, Cy, Dee, Bo.
    await queue.locator('.queue-row', { hasText: 'Dee' }).getByTestId('queue-up').click();
    await poll(async () => {
      const names = await dee.page.getByTestId('queue').locator('.queue-name').allTextContents();
      return names.join(',') === 'Ana,Cy,Dee,Bo' ? null : `Dee sees ${names.join(',')}`;
    });

    await F.getByTestId('queue-next').click();
    for (const { page } of screens) {
      await expectText(page.getByTestId('current-speaker'), 'Ana');
      await expectText(page.getByTestId('next-speaker'), 'Next: Cy');
    }
    await expectText(W.getByTestId('current-speaker'), 'Ana');
    await expectText(W.locator('.pj-next'), 'Next: Cy');
    await F.getByTestId('queue-next').click();
    for (const { page } of screens) {
      await expectText(page.getByTestId('current-speaker'), 'Cy');
      await expectText(page.getByTestId('queue').locator('.queue-row', { hasText: 'Ana' }), 'Spoke');
      await expectText(page.getByTestId('spoken-count'), '1 of 4 have spoken');
    }
    await expectText(W.getByTestId('current-speaker'), 'Cy');
  });

  const f1 = 'They listened';
  const f2 = 'They really listened to me';

  await t.test('cards are added, tagged with the speaker, merged, and the merge undone', async () => {
    await factorInput(F).fill(f1);
    await F.getByTestId('factor-add').click();
    await expectValue(factorInput(F), '');
    // The facilitator appoints Bo as scribe; Bo adds the second card.
    await F.getByTestId('scribe-select').selectOption({ label: 'Bo' });
    await expectText(bo.page.getByTestId('scribe-note'), 'You are the scribe');
    await expectText(ana.page.getByTestId('scribe-note'), 'Bo is the scribe');
    // In Portuguese the scribe is named without a gendered noun ("o relator" would not fit Ana).
    await ana.page.getByTestId('language').selectOption('pt');
    await expectText(ana.page.getByTestId('scribe-note'), 'Relatoria: Bo.');
    await expectNoText(ana.page.getByTestId('scribe-note'), 'relator ');
    await ana.page.getByTestId('language').selectOption('en');
    await expectText(ana.page.getByTestId('scribe-note'), 'Bo is the scribe');
    await factorInput(bo.page).fill(f2);
    await factorInput(bo.page).press('Enter');
    for (const { page } of screens) {
      await expectFactors(page, [f1, f2]);
      await expectText((await factor(page, f1)).locator('.factor-speakers'), 'Cy');
    }
    await expectText(W.getByTestId('factors'), f1);
    await expectText(W.getByTestId('factors'), f2);

    // A card dragged by its words and let go on itself stays as it was: not merged, and not
    // opened for writing by the click that ends the drag.
    const second = await factor(F, f2);
    await pointerDrag(F, second.getByTestId('factor-text-open'), second.getByTestId('factor-text-open'));
    await expectFactors(F, [f1, f2]);
    await expectCount(second.locator('textarea'), 0);
    // Merged by dragging the second card (by its grip) onto the first.
    await pointerDrag(F, (await factor(F, f2)).locator('.grip'), await factor(F, f1));
    for (const { page } of screens) {
      await expectFactors(page, [f1]);
      await expectText((await factor(page, f1)).getByTestId('factor-mentions'), 'Named 2×');
      await expectText(page.getByTestId('most-named'), f1);
      await expectText(page.getByTestId('most-named'), '2');
    }
    assert.equal(await F.locator('.factor[data-weight="2"]').count(), 1, 'a card named twice grows');
    await expectText(W.locator('.pj-factor[data-weight="2"]'), `${f1}×2`);
    await expectNoText(W.getByTestId('factors'), f2);
    // Alone, it is not drawn larger than anything (the wall sizes factors against each other).
    assert.match(String(await W.locator('.pj-factor').getAttribute('style')), /font-size: 1em/);
    await screenshot(F, 'steps23-step2-facilitator-laptop', LAPTOP);
    await screenshot(ana.page, 'steps23-step2-participant-laptop', LAPTOP);
    await screenshot(dee.page, 'steps23-step2-participant-phone', PHONE);
    await screenshot(wall.page, 'steps23-step2-viewer-laptop', LAPTOP);

    await expectText(F.getByTestId('undo'), 'Undo card merge');
    await F.getByTestId('undo').click();
    for (const { page } of screens) {
      await expectFactors(page, [f1, f2]);
      await expectCount(page.getByTestId('factors').getByTestId('factor-mentions').filter({ visible: true }), 0);
    }
    // Bo's own undo stack is his own: he added a card and merged nothing.
    await expectText(bo.page.getByTestId('undo'), 'Undo');
    await expectNoText(bo.page.getByTestId('undo'), 'merge');
  });

  await t.test('an open board lets participants write, edit and delete their own cards', async () => {
    await F.getByTestId('factors-open').check();
    await expectText(dee.page.getByTestId('factors-state'), 'The board is open');
    await factorInput(dee.page).fill('Fast answers');
    await dee.page.getByTestId('factor-add').click();
    for (const { page } of screens) await expectFactors(page, [f1, f2, 'Fast answers']);
    const mine = await factor(dee.page, 'Fast answers');
    // Dee may change her own card (its words are a field), not the others'.
    await expectCount((await factor(dee.page, f1)).locator('.factor-actions:visible, textarea, [data-testid$=-open]'), 0);
    const words = mine.locator('.factor-text textarea');
    await mine.getByTestId('factor-text-open').click();
    await words.press('End');
    await dee.page.keyboard.press('Control+ArrowLeft');
    await dee.page.keyboard.type('friendly ');
    await expectValue(words, 'Fast friendly answers');
    await words.blur();
    for (const { page } of screens) await expectFactors(page, [f1, f2, 'Fast friendly answers']);
    await mine.getByTestId('factor-delete').click();
    for (const { page } of screens) await expectFactors(page, [f1, f2]);
    // Ctrl+Z (outside a text field) brings it back.
    // On Dee's phone the bar says "Undo"; what it takes back is the button's name.
    await expectCount(dee.page.getByRole('button', { name: 'Undo card deletion' }), 1);
    await dee.page.locator('body').click({ position: { x: 5, y: 300 } });
    await dee.page.keyboard.press('Control+z');
    for (const { page } of screens) await expectFactors(page, [f1, f2, 'Fast friendly answers']);
  });

  await t.test('"I\'m done" and the participation panel follow along', async () => {
    await ana.page.getByTestId('ready-toggle').click();
    await expectText(ana.page.getByTestId('ready-toggle'), 'Done');
    await expectText(F.getByTestId('ready-count'), '1 of 4 said they are done');
    await expectNoText(F.getByTestId('ready-waiting'), 'Ana');
    await expectText(F.getByTestId('ready-waiting'), 'Bo');
    const panel = F.getByTestId('participation');
    // Ana and Cy spoke; Bo and Dee wrote cards: nobody is silent now.
    await expectText(F.getByTestId('silent'), 'Everyone has spoken or written');
    const row = (/** @type {string} */ name) => panel.locator('tbody tr', { hasText: name });
    await expectText(row('Ana').locator('[data-col=spoke]'), '✓');
    await expectText(row('Ana').locator('[data-col=ready]'), '✓');
    await expectText(row('Bo').locator('[data-col=spoke]'), '–');
    // The cards column credits whoever wrote a card (Bo and Dee), not the speaker it was
    // written for (Cy, whose name is on the cards themselves).
    await expectText(row('Bo').locator('[data-col=cards]'), '1');
    await expectText(row('Dee').locator('[data-col=cards]'), '1');
    await expectText(row('Cy').locator('[data-col=cards]'), '0');
    await expectText(row('Dee').locator('[data-col=contributions]'), /[1-9]/);
    await screenshot(F, 'steps23-step2-facilitator-phone', PHONE);
    await F.setViewportSize(LAPTOP);
  });

  /** @type {Person[][]} */
  let groups = [];

  await t.test('step 3: the facilitator forms two groups in one click', async () => {
    await F.getByTestId('step-next').click();
    for (const { page } of everyone)
      await expectText(page.getByTestId('step-title'), 'Define client-centricity in one sentence');
    for (const { page } of people)
      await expectText(page.getByTestId('no-group'), 'Waiting for the facilitator');
    await F.getByTestId('groups-form').click();
    await expectCount(F.getByTestId('groups').locator('.group-col[data-group]'), 2);
    const members = async (/** @type {number} */ id) =>
      F.getByTestId('groups').locator(`.group-col[data-group="${id}"] .member-name`).allTextContents();
    await poll(async () =>
      (await members(1)).length === 2 && (await members(2)).length === 2 ? null : 'groups of 2',
    );
    const byName = new Map(people.map((p) => [p.name, p]));
    groups = [await members(1), await members(2)].map((names) =>
      names.map((n) => /** @type {Person} */ (byName.get(n))),
    );
    for (const [i, group] of groups.entries()) {
      for (const person of group) {
        await expectText(person.page.getByTestId('my-definition').locator('.sheet-title'), `Group ${i + 1}`);
        for (const mate of group)
          await expectText(person.page.getByTestId('my-definition'), mate === person ? 'you' : mate.name);
      }
    }
    // Forming them again asks first: one click only asks.
    const before = [await members(1), await members(2)];
    await F.getByTestId('groups-form').click();
    await expectText(F.getByTestId('groups-form'), 'Reshuffle everyone?');
    assert.deepEqual([await members(1), await members(2)], before);
  });

  await t.test('a person is dragged to the other group, and moved back with the menu', async () => {
    const [moved] = groups[0];
    const cols = F.getByTestId('groups');
    await pointerDrag(
      F,
      cols.locator('.member-chip', { hasText: moved.name }),
      cols.locator('.group-col[data-group="2"]'),
    );
    await expectText(moved.page.getByTestId('my-definition').locator('.sheet-title'), 'Group 2');
    await expectCount(cols.locator('.group-col[data-group="2"] .member-chip'), 3);
    await expectCount(cols.locator('.group-col[data-group="1"] .member-chip'), 1);
    await cols
      .locator('.member-chip', { hasText: moved.name })
      .getByTestId('move-select')
      .selectOption({ label: 'To Group 1' });
    await expectText(moved.page.getByTestId('my-definition').locator('.sheet-title'), 'Group 1');
    await expectCount(cols.locator('.group-col[data-group="1"] .member-chip'), 2);
  });

  await t.test('a latecomer is placed by the server and flagged for the facilitator', async () => {
    const eve = await join(link, 'Eve');
    await expectText(eve.page.getByTestId('my-definition').locator('.sheet-title'), /Group [12]/);
    const chip = F.getByTestId('groups').locator('.member-chip', { hasText: 'Eve' });
    await chip.waitFor();
    // The badge is in the room state (the group's `late` list), so a reload keeps it.
    await expectText(chip.getByTestId('latecomer'), 'new');
    await expectCount(F.getByTestId('groups').getByTestId('latecomer'), 1);
    await F.reload();
    await expectText(F.getByTestId('groups').locator('.member-chip', { hasText: 'Eve' }).getByTestId('latecomer'), 'new');
    await expectCount(F.getByTestId('groups').getByTestId('latecomer'), 1);
    await screenshot(F, 'steps23-step3-groups-facilitator-laptop', LAPTOP);
    await screenshot(F, 'steps23-step3-groups-facilitator-phone', PHONE);
    await F.setViewportSize(LAPTOP);
    // Eve leaves again; her group keeps her, but she is not counted as present.
    await eve.context.close();
    await expectText(F.getByTestId('presence-counts'), '5 online');
    // Eve's seat does not matter for the rest: the two writers below are the first two of group 1.
    if (groups[0].length < 2) throw new Error('group 1 needs two people');
  });

  const first = 'Putting clients first';
  const final = `Always: ${first} together`;

  await t.test('two members of a group type at the same time; nothing typed is lost', async () => {
    const [x, y] = groups[0];
    const [z] = groups[1];
    const xBox = x.page.getByTestId('definition-input-input');
    const yBox = y.page.getByTestId('definition-input-input');
    /** @param {import('playwright-core').Page} page */
    const onBoard = (page) => page.locator('.def-card[data-group="1"] .def-text');

    // X types; the others see the keystrokes as they come, with X's caret and name.
    await xBox.click();
    const typing = x.page.keyboard.type(first, { delay: 60 });
    const partial = async (/** @type {() => Promise<string>} */ read) =>
      poll(async () => {
        const text = await read();
        return text.length > 0 && text.length < first.length && first.startsWith(text)
          ? null
          : `expected part of the sentence, got ${JSON.stringify(text)}`;
      });
    await Promise.all([
      partial(() => yBox.inputValue()),
      partial(async () => (await onBoard(z.page).locator('.shared-text-body').textContent()) ?? ''),
      partial(async () => (await onBoard(F).locator('.shared-text-body').textContent()) ?? ''),
    ]);
    await expectText(y.page.getByTestId('my-definition').locator('.shared-typing'), `${x.name} is writing`);
    await typing;
    await expectValue(yBox, first);
    await screenshot(y.page, 'steps23-step3-sheet-cowriting-laptop', LAPTOP);

    // Both type at once, at either end of the sentence: every character of both arrives.
    await yBox.click();
    await Promise.all([
      (async () => {
        await x.page.keyboard.press('End');
        await x.page.keyboard.type(' together', { delay: 40 });
      })(),
      (async () => {
        await y.page.keyboard.press('Control+Home');
        await y.page.keyboard.type('Always: ', { delay: 40 });
      })(),
    ]);
    await xBox.blur();
    await yBox.blur();
    for (const person of [x, y]) await expectValue(person.page.getByTestId('definition-input-input'), final);
    for (const page of [F, z.page]) await expectText(onBoard(page), final);
    await expectText(wall.page.getByTestId('def-wall'), final);
  });

  const second = 'Always 👂 listening to clients first';

  await t.test('the other group sees the sentence read-only, and a forced write is refused', async () => {
    const [z, w] = groups[1];
    const zBox = z.page.getByTestId('definition-input-input');
    await zBox.click();
    await z.page.keyboard.type(second, { delay: 10 });
    await zBox.blur();
    await expectValue(w.page.getByTestId('definition-input-input'), second);
    await expectText(F.locator('.def-card[data-group="2"] .def-text'), second);

    // Group 1's sentence is text on Z's screen, not a field.
    await expectCount(z.page.locator('.def-card[data-group="1"] textarea'), 0);
    await expectCount(z.page.getByTestId('definition-input-input'), 1);
    await expectText(z.page.getByTestId('my-definition').locator('.sheet-title'), 'Group 2');
    const answer = await forceWrite(z.page, roomId, 1, 'Hijacked ');
    assert.equal(answer.type, 'reject');
    assert.equal(answer.code, 'forbidden');
    await expectText(F.locator('.def-card[data-group="1"] .def-text'), final);
    await expectValue(groups[0][0].page.getByTestId('definition-input-input'), final);
    await screenshot(
      z.page,
      z === dee ? 'steps23-step3-sheet-phone' : 'steps23-step3-sheet-laptop',
      z === dee ? PHONE : LAPTOP,
    );
    await screenshot(dee.page, 'steps23-step3-writing-phone', PHONE);
  });

  await t.test("the facilitator mends a group's sentence from the overview, and the group sees it as it is typed", async () => {
    const [z] = groups[1];
    const card = F.locator('.def-card[data-group="2"]');
    await card.getByTestId('definition-fix-open').click();
    const box = card.getByTestId('definition-fix-input');
    await expectValue(box, second);
    await box.press('End');
    await box.pressSequentially(' (sic)');
    await expectValue(z.page.getByTestId('definition-input-input'), `${second} (sic)`);
    for (let i = 0; i < ' (sic)'.length; i++) await box.press('Backspace');
    await box.press('Escape');
    await expectCount(card.getByTestId('definition-fix-input'), 0);
    await expectValue(z.page.getByTestId('definition-input-input'), second);
    await expectText(card.locator('.def-text'), second);
  });

  await t.test('the definitions go up on the wall and are read out one by one', async () => {
    await F.getByTestId('wall-show').click();
    for (const { page } of screens) {
      await expectCount(page.getByTestId('def-wall').locator('.defwall-card'), 2);
      await expectText(page.getByTestId('def-wall'), final);
      await expectText(page.getByTestId('def-wall'), second);
      // What to do now follows the step's phase: listening and highlighting, no longer writing.
      await expectText(page.getByTestId('now'), 'select the words');
    }
    await expectText(W.getByTestId('def-wall'), final);
    await expectText(W.getByTestId('def-wall'), second);
    await F.getByTestId('wall-next').click();
    for (const { page } of screens) {
      await expectText(page.getByTestId('wall-reading'), 'Reading out group 1');
      await page.locator('.defwall-card[data-group="1"].reading').waitFor();
    }
    await expectText(W.locator('.pj-def.reading'), 'Group 1');
    await F.getByTestId('wall-next').click();
    for (const { page } of screens) await page.locator('.defwall-card[data-group="2"].reading').waitFor();
    await expectText(W.locator('.pj-def.reading'), 'Group 2');
    await F.getByTestId('wall-prev').click();
    for (const { page } of screens) await page.locator('.defwall-card[data-group="1"].reading').waitFor();
  });

  await t.test('highlights made in one browser appear in all others, with the common words', async () => {
    const [x] = groups[0];
    const [z] = groups[1];
    await highlight(x.page, 1, 'clients');
    for (const { page } of screens) {
      await expectText(page.locator('.defwall-card[data-group="1"] mark.hl'), 'clients');
      await expectText(page.locator('.defwall-card[data-group="1"] .hl-chip'), `“clients”${x.name}`);
    }
    // After an emoji (two UTF-16 units, one character): the server must get the right word.
    await highlight(z.page, 2, 'clients');
    for (const { page } of screens) {
      await expectText(page.locator('.defwall-card[data-group="2"] mark.hl'), 'clients');
      await expectText(page.locator('.defwall-card[data-group="2"] .hl-chip'), `“clients”${z.name}`);
    }
    await highlight(F, 1, 'first');
    for (const { page } of screens) {
      await expectText(page.getByTestId('common-terms'), 'in 2 definitions');
      await expectText(page.getByTestId('common-terms'), '2 highlights');
      await expectText(page.locator('.defwall-card[data-group="1"] .hl-list'), 'Marta');
    }
    await expectText(W.locator('.pj-def mark'), 'clients');
    await expectText(W.getByTestId('common-terms'), 'in 2 definitions');
    // X removes their own highlight (nobody else sees a remove button on it) and undoes that.
    const chip = (/** @type {import('playwright-core').Page} */ page) =>
      page.locator('.defwall-card[data-group="1"] .hl-chip', { hasText: 'clients' });
    await expectCount(chip(z.page).getByTestId('highlight-remove'), 0);
    await chip(x.page).getByTestId('highlight-remove').click();
    for (const { page } of screens) await expectCount(chip(page), 0);
    // Its name, whether x is on a laptop (the words) or a phone (the bar's "Undo", so named).
    await expectCount(x.page.getByRole('button', { name: 'Undo highlight removal' }), 1);
    await x.page.getByTestId('undo').click();
    for (const { page } of screens) await expectCount(chip(page), 1);
    await screenshot(x.page, 'steps23-step3-wall-participant-laptop', LAPTOP);
    await screenshot(dee.page, 'steps23-step3-wall-participant-phone', PHONE);
    // On a phone the bar's Undo and Redo say just that; what they take back is their name and
    // tooltip. Every button of the bar stays whole inside it.
    const size = x.page.viewportSize();
    await x.page.setViewportSize(PHONE);
    const bar = x.page.getByTestId('action-bar');
    await expectCount(bar.getByRole('button', { name: 'Redo highlight removal' }), 1);
    const buttons = await bar.locator('.undo-button').evaluateAll((els) =>
      els.map((el) => [(el.textContent ?? '').replace(/\s+/g, ' ').trim(), el.getAttribute('aria-label')]),
    );
    assert.deepEqual(buttons, [
      ['↶ Undo', 'Undo highlight'],
      ['↷ Redo', 'Redo highlight removal'],
    ]);
    const outside = await bar.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return [...el.querySelectorAll('button')]
        .filter((b) => {
          const r = b.getBoundingClientRect();
          return r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5 || r.left < box.left - 0.5 || r.right > box.right + 0.5;
        })
        .map((b) => (b.textContent ?? '').trim());
    });
    assert.deepEqual(outside, [], 'every button of the phone action bar is inside it');
    await screenshot(x.page, 'steps23-step3-undo-phone', PHONE);
    if (size) await x.page.setViewportSize(size);
    await screenshot(wall.page, 'steps23-step3-wall-viewer-laptop', LAPTOP);
  });

  const working = 'Putting clients first, always, in every decision.';

  await t.test('the facilitator turns the highlights into the working definition', async () => {
    await F.getByTestId('working-suggest').click();
    // A sentence to start from (the most highlighted first), not a list of words.
    await expectValue(F.getByTestId('working-input'), 'Client-centricity means clients and first.');
    await F.getByTestId('working-input').fill(working);
    await F.getByTestId('working-set').click();
    for (const { page } of screens) await expectText(page.getByTestId('working-definition'), working);
    await expectText(W.locator('.pj-working'), working);
    await screenshot(F, 'steps23-step3-wall-facilitator-laptop', LAPTOP);
    await screenshot(F, 'steps23-step3-wall-facilitator-phone', PHONE);
    await F.setViewportSize(LAPTOP);
  });

  await t.test('ready counts per step, and later boards show the working definition', async () => {
    await expectText(F.getByTestId('ready-count'), '0 of 4 said they are done');
    await groups[0][0].page.getByTestId('ready-toggle').click();
    await groups[1][0].page.getByTestId('ready-toggle').click();
    await expectText(F.getByTestId('ready-count'), '2 of 4 said they are done');
    await expectNoText(F.getByTestId('ready-waiting'), groups[0][0].name);
    const panel = F.getByTestId('participation');
    await expectText(
      panel.locator('tbody tr', { hasText: groups[1][0].name }).locator('[data-col=ready]'),
      '✓',
    );
    await F.getByTestId('auto-advance').check();
    await expectText(F.getByTestId('activity'), 'The room goes to the next step');
    await F.getByTestId('auto-advance').uncheck();

    // Step 4's wall fills the screen; the boards of steps 5 and 6 carry the banner.
    await F.locator('.stepper button[data-step="5"]').click();
    for (const { page } of screens) await expectText(page.getByTestId('working-banner'), working);
    await screenshot(ana.page, 'steps23-step5-banner-laptop', LAPTOP);
    await F.locator('.stepper button[data-step="3"]').click();
    for (const { page } of everyone) await expectText(page.getByTestId('def-wall'), final);
  });

  await t.test('in Portuguese, the boards speak Portuguese', async () => {
    await dee.page.getByTestId('language').selectOption('pt');
    await expectText(dee.page.getByTestId('step-title'), 'Definir a centralidade no cliente numa frase');
    await expectText(dee.page.locator('.defwall-title'), 'A parede');
    await expectText(dee.page.locator('.common-card'), 'Palavras e expressões comuns');
    await screenshot(dee.page, 'steps23-step3-wall-pt-phone', PHONE);
  });

  await t.test('no screen logged an error or loaded anything from another host', async () => {
    for (const person of everyone) assert.deepEqual(person.problems, [], person.name);
  });
});
