// Steps 2 and 3 in real Chromium, against the real server: a facilitator, four participants in
// two groups (one on a phone width), a latecomer and a wall display. The speaker queue advances
// on every screen; key-factor cards are added, merged (the count shows 2) and the merge undone;
// groups are formed and a person dragged between them; two members of one group write their
// sentence at overlapping times under the edit lease and no character is lost; the other
// group can neither edit it nor force a write; live typing shows before the commit; highlights
// made in one browser appear in every other with the server's common words; "I'm done" and the
// participation panel follow along.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LAPTOP,
  PHONE,
  expectCount,
  expectNoText,
  expectText,
  poll,
  screenshot,
  setPanel,
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
 * Waits until an input or textarea holds exactly `expected`.
 * @param {import('playwright-core').Locator} locator
 * @param {string} expected
 */
async function expectValue(locator, expected) {
  await poll(async () => {
    const value = await locator.inputValue();
    return value === expected
      ? null
      : `expected ${locator} to hold ${JSON.stringify(expected)}, got ${JSON.stringify(value)}`;
  });
}

/**
 * The key-factor card whose text is exactly `text` (its "merge into" menu names other cards).
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
function factor(page, text) {
  return page
    .getByTestId('factors')
    .locator('.factor')
    .filter({ has: page.locator('.factor-text').getByText(text, { exact: true }) });
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
 * Sends one command over a second, raw WebSocket with this browser's participant token, as a
 * modified client could; returns the server's answer (`ack` or `reject`).
 * @param {import('playwright-core').Page} page
 * @param {string} roomId
 * @param {object} cmd
 */
function forceCommand(page, roomId, cmd) {
  return page.evaluate(
    ({ roomId, cmd }) =>
      new Promise((resolve, reject) => {
        const token = localStorage.getItem(`horseshoe:${roomId}:token`);
        const ws = new WebSocket(`ws://${location.host}/api/rooms/${roomId}/ws`);
        ws.onopen = () =>
          ws.send(
            JSON.stringify({ type: 'hello', protocol: 1, credentials: { role: 'participant', token } }),
          );
        ws.onerror = () => reject(new Error('socket error'));
        ws.onmessage = (ev) => {
          const msg = JSON.parse(ev.data);
          if (msg.type === 'welcome') ws.send(JSON.stringify({ type: 'cmd', id: 'forced-1', cmd }));
          if ((msg.type === 'ack' || msg.type === 'reject') && msg.id === 'forced-1') {
            ws.close();
            resolve(msg);
          }
        };
      }),
    { roomId, cmd },
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
    for (const { page } of everyone) {
      await expectText(page.getByTestId('step-title'), 'An excellent client experience');
      await expectText(page.getByTestId('current-speaker'), 'Nobody yet');
      await expectCount(page.getByTestId('queue').locator('.queue-row'), 4);
    }
    await expectText(F.getByTestId('silent'), 'Silent so far (4)');
    for (const name of ['Ana', 'Bo', 'Cy', 'Dee']) await expectText(F.getByTestId('silent'), name);
    // Only the facilitator (and later the scribe) runs the queue.
    for (const { page } of [...people, wall]) {
      await expectCount(page.getByTestId('queue-next').filter({ visible: true }), 0);
      await expectCount(page.getByTestId('factor-input').filter({ visible: true }), 0);
    }
  });

  await t.test('the queue is reordered by dragging and advances on every screen', async () => {
    const queue = F.getByTestId('queue');
    // Cy is dragged above Bo: Ana, Cy, Bo, Dee.
    await queue
      .locator('.queue-row', { hasText: 'Cy' })
      .dragTo(queue.locator('.queue-row', { hasText: 'Bo' }), {
        targetPosition: { x: 40, y: 4 },
      });
    for (const { page } of everyone) {
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
    for (const { page } of everyone) {
      await expectText(page.getByTestId('current-speaker'), 'Ana');
      await expectText(page.getByTestId('next-speaker'), 'Next: Cy');
    }
    await F.getByTestId('queue-next').click();
    for (const { page } of everyone) {
      await expectText(page.getByTestId('current-speaker'), 'Cy');
      await expectText(page.getByTestId('queue').locator('.queue-row', { hasText: 'Ana' }), 'Spoke');
      await expectText(page.getByTestId('spoken-count'), '1 of 4 have spoken');
    }
  });

  const f1 = 'They listened';
  const f2 = 'They really listened to me';

  await t.test('cards are added, tagged with the speaker, merged, and the merge undone', async () => {
    await F.getByTestId('factor-input').fill(f1);
    await F.getByTestId('factor-add').click();
    await expectValue(F.getByTestId('factor-input'), '');
    // The facilitator appoints Bo as scribe; Bo adds the second card.
    await F.getByTestId('scribe-select').selectOption({ label: 'Bo' });
    await expectText(bo.page.getByTestId('scribe-note'), 'You are the scribe');
    await expectText(ana.page.getByTestId('scribe-note'), 'Bo is the scribe');
    await bo.page.getByTestId('factor-input').fill(f2);
    await bo.page.getByTestId('factor-input').press('Enter');
    for (const { page } of everyone) {
      const cards = page.getByTestId('factors');
      await expectCount(cards.locator('.factor'), 2);
      await expectText(factor(page, f1).locator('.factor-speakers'), 'Cy');
    }

    // Merged by dragging the second card onto the first.
    await factor(F, f2).dragTo(factor(F, f1));
    for (const { page } of everyone) {
      const board = page.getByTestId('factors');
      await expectCount(board.locator('.factor'), 1);
      await expectText(factor(page, f1).getByTestId('factor-mentions'), 'Named 2×');
      await expectText(page.getByTestId('most-named'), f1);
      await expectText(page.getByTestId('most-named'), '2');
    }
    assert.equal(await F.locator('.factor[data-weight="2"]').count(), 1, 'a card named twice grows');
    await screenshot(F, 'steps23-step2-facilitator-laptop', LAPTOP);
    await screenshot(ana.page, 'steps23-step2-participant-laptop', LAPTOP);
    await screenshot(dee.page, 'steps23-step2-participant-phone', PHONE);
    await screenshot(wall.page, 'steps23-step2-viewer-laptop', LAPTOP);

    await expectText(F.getByTestId('undo'), 'Undo card merge');
    await F.getByTestId('undo').click();
    for (const { page } of everyone) {
      const board = page.getByTestId('factors');
      await expectCount(board.locator('.factor'), 2);
      await expectCount(factor(page, f1), 1);
      await expectCount(factor(page, f2), 1);
      await expectCount(board.getByTestId('factor-mentions').filter({ visible: true }), 0);
    }
    // Bo's own undo stack is his own: he merged nothing.
    await expectCount(bo.page.getByTestId('undo').filter({ visible: true }), 0);
  });

  await t.test('an open board lets participants write, edit and delete their own cards', async () => {
    await F.getByTestId('factors-open').check();
    await expectText(dee.page.getByTestId('factors-state'), 'The board is open');
    await dee.page.getByTestId('factor-input').fill('Fast answers');
    await dee.page.getByTestId('factor-add').click();
    for (const { page } of everyone) await expectCount(factor(page, 'Fast answers'), 1);
    const mine = factor(dee.page, 'Fast answers');
    // Dee may change her own card, not the others'.
    await expectCount(factor(dee.page, f1).locator('.factor-actions:visible'), 0);
    await mine.getByTestId('factor-edit').click();
    await mine.locator('.factor-edit').fill('Fast, friendly answers');
    await mine.locator('.factor-edit').press('Enter');
    for (const { page } of everyone) await expectCount(factor(page, 'Fast, friendly answers'), 1);
    await factor(dee.page, 'Fast, friendly answers').getByTestId('factor-delete').click();
    for (const { page } of everyone) await expectCount(factor(page, 'Fast, friendly answers'), 0);
    // Ctrl+Z (outside a text field) brings it back.
    await expectText(dee.page.getByTestId('undo'), 'Undo card deletion');
    await dee.page.locator('body').click({ position: { x: 5, y: 300 } });
    await dee.page.keyboard.press('Control+z');
    for (const { page } of everyone) await expectCount(factor(page, 'Fast, friendly answers'), 1);
  });

  await t.test('"I\'m done" and the participation panel follow along', async () => {
    await ana.page.getByTestId('ready-toggle').click();
    await expectText(ana.page.getByTestId('ready-toggle'), 'Done');
    await expectText(F.getByTestId('ready-count'), '1 of 4 done');
    await expectNoText(F.getByTestId('ready-waiting'), 'Ana');
    await expectText(F.getByTestId('ready-waiting'), 'Bo');
    const panel = F.getByTestId('participation');
    // Ana and Cy spoke; Bo and Dee wrote cards: nobody is silent now.
    await expectText(F.getByTestId('silent'), 'Everyone has spoken or written');
    const row = (/** @type {string} */ name) => panel.locator('tbody tr', { hasText: name });
    await expectText(row('Ana').locator('[data-col=spoke]'), '✓');
    await expectText(row('Ana').locator('[data-col=ready]'), '✓');
    await expectText(row('Bo').locator('[data-col=spoke]'), '–');
    // Every card written while Cy spoke is tagged with Cy: both cards and Dee's.
    await expectText(row('Cy').locator('[data-col=cards]'), '3');
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
  });

  await t.test('a person is dragged to the other group, and moved back with the menu', async () => {
    const [moved] = groups[0];
    const cols = F.getByTestId('groups');
    await cols
      .locator('.member-chip', { hasText: moved.name })
      .dragTo(cols.locator('.group-col[data-group="2"]'), { sourcePosition: { x: 10, y: 10 } });
    await expectText(moved.page.getByTestId('my-definition').locator('.sheet-title'), 'Group 2');
    await expectCount(cols.locator('.group-col[data-group="2"] .member-chip'), 3);
    await expectCount(cols.locator('.group-col[data-group="1"] .member-chip'), 1);
    await cols
      .locator('.member-chip', { hasText: moved.name })
      .getByTestId('move-select')
      .selectOption({ label: 'To group 1' });
    await expectText(moved.page.getByTestId('my-definition').locator('.sheet-title'), 'Group 1');
    await expectCount(cols.locator('.group-col[data-group="1"] .member-chip'), 2);
  });

  await t.test('a latecomer is placed by the server and flagged for the facilitator', async () => {
    const eve = await join(link, 'Eve');
    await expectText(eve.page.getByTestId('my-definition').locator('.sheet-title'), /Group [12]/);
    const chip = F.getByTestId('groups').locator('.member-chip', { hasText: 'Eve' });
    await expectText(chip.getByTestId('latecomer'), 'new');
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
  const final = `${first} together today`;

  await t.test('two members of a group write at overlapping times; nothing typed is lost', async () => {
    const [x, y] = groups[0];
    const [z] = groups[1];
    const xBox = x.page.getByTestId('definition-input');
    const yBox = y.page.getByTestId('definition-input');

    await xBox.click();
    await expectText(y.page.getByTestId('definition-status'), `${x.name} is writing…`);
    assert.equal(await yBox.getAttribute('readonly'), '', 'the sheet is read-only for the others');

    // X types; the others see the keystrokes before any commit (no pause long enough to
    // commit, and the whole sentence takes less than the commit interval).
    const typing = x.page.keyboard.type(first, { delay: 45 });
    const partial = async (/** @type {() => Promise<string>} */ read) =>
      poll(async () => {
        const text = await read();
        return text.length > 0 && text.length < first.length && first.startsWith(text)
          ? null
          : `expected part of the sentence, got ${JSON.stringify(text)}`;
      });
    await Promise.all([
      partial(() => yBox.inputValue()),
      partial(async () => (await z.page.locator('.def-card[data-group="1"] .def-text').textContent()) ?? ''),
      partial(async () => (await F.locator('.def-card[data-group="1"] .def-text').textContent()) ?? ''),
    ]);
    await typing;
    await expectValue(yBox, first);
    await screenshot(y.page, 'steps23-step3-sheet-locked-laptop', LAPTOP);

    // Y tries to type while X holds the lease: the read-only sheet takes nothing.
    await yBox.click();
    await y.page.keyboard.type('zzz');
    await expectValue(yBox, first);

    // A keystroke that got into Y's box before the lease reached it (a race): the server
    // refuses the write, and Y's words stay in Y's box.
    await yBox.evaluate((el) => {
      const box = /** @type {HTMLTextAreaElement} */ (el);
      box.readOnly = false;
      box.value = `${box.value} together`;
      box.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expectText(y.page.getByTestId('definition-kept'), `${x.name} is writing`);
    await expectValue(yBox, `${first} together`);

    // X finishes (Enter leaves the sheet and frees it): Y's kept words join X's sentence and
    // Y takes over the pen.
    await xBox.press('Enter');
    await expectText(x.page.getByTestId('definition-status'), `${y.name} is writing…`);
    await expectValue(xBox, `${first} together`);
    await y.page.keyboard.press('End');
    await y.page.keyboard.type(' today', { delay: 20 });
    await yBox.press('Enter');
    for (const person of [x, y]) {
      await expectValue(person.page.getByTestId('definition-input'), final);
      await expectNoText(person.page.getByTestId('definition-status'), 'is writing');
    }
    for (const page of [F, z.page, wall.page]) {
      await expectText(page.locator('.def-card[data-group="1"] .def-text'), final);
    }
  });

  const second = 'Always 👂 listening to clients first';

  await t.test('the other group sees the sentence read-only, and a forced write is refused', async () => {
    const [z, w] = groups[1];
    await z.page.getByTestId('definition-input').click();
    await z.page.keyboard.type(second, { delay: 10 });
    await z.page.getByTestId('definition-input').press('Enter');
    await expectValue(w.page.getByTestId('definition-input'), second);
    await expectText(F.locator('.def-card[data-group="2"] .def-text'), second);

    // Group 1's sentence is text on Z's screen, not a field.
    await expectCount(z.page.locator('.def-card[data-group="1"] textarea'), 0);
    await expectCount(z.page.getByTestId('definition-input'), 1);
    await expectText(z.page.getByTestId('my-definition').locator('.sheet-title'), 'Group 2');
    const answer = await forceCommand(z.page, roomId, {
      type: 'definition.write',
      group: 1,
      text: 'Hijacked',
      release: true,
    });
    assert.equal(answer.type, 'reject');
    assert.equal(answer.code, 'forbidden');
    await expectText(F.locator('.def-card[data-group="1"] .def-text'), final);
    await expectValue(groups[0][0].page.getByTestId('definition-input'), final);
    await screenshot(
      z.page,
      z === dee ? 'steps23-step3-sheet-phone' : 'steps23-step3-sheet-laptop',
      z === dee ? PHONE : LAPTOP,
    );
    await screenshot(dee.page, 'steps23-step3-writing-phone', PHONE);
  });

  await t.test('the definitions go up on the wall and are read out one by one', async () => {
    await F.getByTestId('wall-show').click();
    for (const { page } of everyone) {
      await expectCount(page.getByTestId('def-wall').locator('.defwall-card'), 2);
      await expectText(page.getByTestId('def-wall'), final);
      await expectText(page.getByTestId('def-wall'), second);
    }
    await F.getByTestId('wall-next').click();
    for (const { page } of everyone) {
      await expectText(page.getByTestId('wall-reading'), 'Reading out group 1');
      await page.locator('.defwall-card[data-group="1"].reading').waitFor();
    }
    await F.getByTestId('wall-next').click();
    for (const { page } of everyone) await page.locator('.defwall-card[data-group="2"].reading').waitFor();
    await F.getByTestId('wall-prev').click();
    for (const { page } of everyone) await page.locator('.defwall-card[data-group="1"].reading').waitFor();
  });

  await t.test('highlights made in one browser appear in all others, with the common words', async () => {
    const [x] = groups[0];
    const [z] = groups[1];
    await highlight(x.page, 1, 'clients');
    for (const { page } of everyone) {
      await expectText(page.locator('.defwall-card[data-group="1"] mark.hl'), 'clients');
      await expectText(page.locator('.defwall-card[data-group="1"] .hl-chip'), `“clients”${x.name}`);
    }
    // After an emoji (two UTF-16 units, one character): the server must get the right word.
    await highlight(z.page, 2, 'clients');
    for (const { page } of everyone) {
      await expectText(page.locator('.defwall-card[data-group="2"] mark.hl'), 'clients');
      await expectText(page.locator('.defwall-card[data-group="2"] .hl-chip'), `“clients”${z.name}`);
    }
    await highlight(F, 1, 'first');
    for (const { page } of everyone) {
      await expectText(page.getByTestId('common-terms'), 'in 2 definitions');
      await expectText(page.getByTestId('common-terms'), '2 highlights');
      await expectText(page.locator('.defwall-card[data-group="1"] .hl-list'), 'Marta');
    }
    // X removes their own highlight (nobody else sees a remove button on it) and undoes that.
    const chip = (/** @type {import('playwright-core').Page} */ page) =>
      page.locator('.defwall-card[data-group="1"] .hl-chip', { hasText: 'clients' });
    await expectCount(chip(z.page).getByTestId('highlight-remove'), 0);
    await chip(x.page).getByTestId('highlight-remove').click();
    for (const { page } of everyone) await expectCount(chip(page), 0);
    await expectText(x.page.getByTestId('undo'), 'Undo highlight removal');
    await x.page.getByTestId('undo').click();
    for (const { page } of everyone) await expectCount(chip(page), 1);
    await screenshot(x.page, 'steps23-step3-wall-participant-laptop', LAPTOP);
    await screenshot(dee.page, 'steps23-step3-wall-participant-phone', PHONE);
    await screenshot(wall.page, 'steps23-step3-wall-viewer-laptop', LAPTOP);
  });

  const working = 'Putting clients first, always, in every decision.';

  await t.test('the facilitator turns the highlights into the working definition', async () => {
    await F.getByTestId('working-suggest').click();
    await poll(async () => {
      const value = await F.getByTestId('working-input').inputValue();
      return /clients/i.test(value) && /first/i.test(value) ? null : `suggestion is ${JSON.stringify(value)}`;
    });
    await F.getByTestId('working-input').fill(working);
    await F.getByTestId('working-set').click();
    for (const { page } of everyone) await expectText(page.getByTestId('working-definition'), working);
    await screenshot(F, 'steps23-step3-wall-facilitator-laptop', LAPTOP);
    await screenshot(F, 'steps23-step3-wall-facilitator-phone', PHONE);
    await F.setViewportSize(LAPTOP);
  });

  await t.test('ready counts per step, and later boards show the working definition', async () => {
    await expectText(F.getByTestId('ready-count'), '0 of 4 done');
    await groups[0][0].page.getByTestId('ready-toggle').click();
    await groups[1][0].page.getByTestId('ready-toggle').click();
    await expectText(F.getByTestId('ready-count'), '2 of 4 done');
    await expectNoText(F.getByTestId('ready-waiting'), groups[0][0].name);
    const panel = F.getByTestId('participation');
    await expectText(
      panel.locator('tbody tr', { hasText: groups[1][0].name }).locator('[data-col=ready]'),
      '✓',
    );
    await F.getByTestId('auto-advance').check();
    await expectText(F.getByTestId('activity'), 'The room goes to the next step');
    await F.getByTestId('auto-advance').uncheck();

    await F.getByTestId('step-next').click();
    for (const { page } of everyone) await expectText(page.getByTestId('working-banner'), working);
    await screenshot(ana.page, 'steps23-step4-banner-laptop', LAPTOP);
    await F.getByTestId('step-back').click();
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
