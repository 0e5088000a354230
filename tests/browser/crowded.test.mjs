// Long and crowded content in real Chromium, against the real server: a name pasted with a tab
// joins as one line; a one-word name as long as a name may be, a check-in of one long word, a
// key factor of one long word and an example card holding a long link push no page wider than
// its screen (the facilitator's laptop, a participant's phone, the wall display), and the
// facilitator's remove button stays in its check-in card; the participation table's columns
// stay inside the side panel; and on the wall display, step 6's twenty-four long areas read in
// three columns, and on a small screen those that do not fit at the smallest size are there to
// scroll to, not cut off unseen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAPTOP, PHONE, expectCount, expectText, poll, screenshot, setPanel, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

/** @typedef {import('./helpers.mjs').Person} Person */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */

/** The wall display: a projector at a common resolution. */
const WALL = { width: 1280, height: 720 };

/** One word of 40 letters, as long as a name may be (limits.js MAX_NAME_CHARS). */
const LONG_NAME = 'Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft'.slice(0, 40);
/** A check-in answer of one long word. */
const LONG_CHECKIN = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4);
/** A key factor of 120 characters (MAX_FACTOR_CHARS) without a space. */
const LONG_FACTOR = 'Theyalwayscalledusbackthesameday'.repeat(4).slice(0, 120);
/** An example card that is a link, pasted whole. */
const LONG_LINK =
  'https://intranet.example.com/surveys/results?survey=clientsatisfactionquarterlyreviewwesternregion&respondent=8f3a9c2e7b1d4f6a9e0c3b5d7f1a2c4e8f3a9c2e7b1d4f6a';

/**
 * What reaches past the right edge of `page`'s window: the page itself scrolling sideways, or
 * an element of the app whose box ends beyond the window's width. Elements with no box are left
 * out. Returns one line per problem.
 * @param {Page} page
 */
function tooWide(page) {
  return page.evaluate(() => {
    const problems = [];
    const width = document.documentElement.scrollWidth;
    if (width > innerWidth) problems.push(`the page is ${width} px wide in a window of ${innerWidth}`);
    for (const el of document.querySelectorAll('#app *')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.right <= innerWidth + 1) continue;
      const id = el.getAttribute('data-testid');
      const words = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
      const name = id ? `[${id}]` : `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
      problems.push(`${name} "${words}" ends at ${Math.round(box.right)} of ${innerWidth}`);
    }
    return problems;
  });
}

/**
 * What still reaches past the right edge of the window on any of `screens`, once each has had
 * the time an expectation waits to settle (each at its own size): one line per problem, after
 * the screen's name. Empty when all fit. Collected, not thrown, so that a subtest checks all
 * else it checks before it fails on these.
 * @param {ReadonlyArray<readonly [Page, string, { width: number, height: number }]>} screens
 */
async function widthProblems(screens) {
  for (const [page, , size] of screens) await page.setViewportSize(size);
  /** @type {string[]} */
  let found = [];
  await poll(async () => {
    found = [];
    for (const [page, who] of screens) found.push(...(await tooWide(page)).map((x) => `${who}: ${x}`));
    return found.length ? found.join('\n') : null;
  }).catch((e) => {
    if (found.length === 0) throw e;
  });
  return found;
}

/**
 * The words of every shared text (a card, a key factor) in `container`: a field for those who
 * may change it, plain text for the others.
 * @param {Locator} container
 */
function sharedTexts(container) {
  return container.evaluateAll((els) =>
    els.flatMap((el) => [
      ...[...el.querySelectorAll('textarea')].map((x) => x.value),
      ...[...el.querySelectorAll('.shared-text-body')].map((x) => x.textContent ?? ''),
    ]),
  );
}

/**
 * Waits until a shared text in `container` reads exactly `text`.
 * @param {Locator} container @param {string} text
 */
async function expectSharedText(container, text) {
  await poll(async () => {
    const texts = await sharedTexts(container);
    return texts.includes(text)
      ? null
      : `expected ${container} to hold ${JSON.stringify(text)}, got ${JSON.stringify(texts)}`;
  });
}

/**
 * Waits until every area on the wall display `page` (at `size`) can be seen: each inside the
 * fitted box, or the box marked `overflowing`, scrolling, and scrolled to its end showing the
 * last area with none below it. Screenshots it as `name`, and `name`-scrolled once scrolled.
 * Returns which of the two it was.
 * @param {Page} page @param {{ width: number, height: number }} size @param {string} name
 */
async function expectAreasReachable(page, size, name) {
  await page.setViewportSize(size);
  const fit = page.locator('.pj-fit');
  /** @type {{ overflowing: boolean, outside: string[], scrolls: boolean }} */
  let state = { overflowing: false, outside: [], scrolls: false };
  await poll(async () => {
    state = await fit.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const outside = [...el.querySelectorAll('[data-testid=ranking] li')].flatMap((li) => {
        const r = li.getBoundingClientRect();
        return r.top < box.top - 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1 || r.right > box.right + 1
          ? [`"${(li.textContent ?? '').slice(0, 16)}" at ${Math.round(r.left)},${Math.round(r.top)}..${Math.round(r.right)},${Math.round(r.bottom)}`]
          : [];
      });
      const scrolls = getComputedStyle(el).overflowY !== 'hidden' && el.scrollHeight > el.clientHeight;
      return { overflowing: el.classList.contains('overflowing'), outside, scrolls };
    });
    return state.outside.length === 0 || (state.overflowing && state.scrolls)
      ? null
      : `${state.outside.length} areas lie outside the wall's box, which is ${state.overflowing ? 'marked overflowing but does not scroll' : 'not marked overflowing'}: ${state.outside.slice(0, 3).join('; ')}`;
  });
  await screenshot(page, name, size);
  if (state.outside.length === 0) return 'every area fits';
  await fit.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await poll(() =>
    fit.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const items = [...el.querySelectorAll('[data-testid=ranking] li')];
      const last = items[items.length - 1].getBoundingClientRect();
      const lastShown = last.top >= box.top - 1 && last.bottom <= box.bottom + 1;
      const under = items.filter((li) => li.getBoundingClientRect().bottom > box.bottom + 1).length;
      // At the end the fade that says there is more is gone.
      const faded = getComputedStyle(el).maskImage !== 'none';
      return lastShown && under === 0 && !faded
        ? null
        : `scrolled to the end, the last area is at ${Math.round(last.top)}..${Math.round(last.bottom)} of ${Math.round(box.top)}..${Math.round(box.bottom)}; ${under} areas still below${faded ? '; still faded' : ''}`;
    }),
  );
  await screenshot(page, `${name}-scrolled`, size);
  await fit.evaluate((el) => el.scrollTo(0, 0));
  return `${state.outside.length} areas do not fit; the box is marked overflowing and scrolls to the last`;
}

test('long words and long lists stay on the screen, on a laptop, a phone and the wall', async (t) => {
  const created = await env.createRoom('Crowded room', { organisation: 'Acme', lens: 'client', language: 'en' });
  const fac = await env.openAsFacilitator(created.facilitator_url, 'Marta');
  const F = fac.page;
  await expectText(F.getByTestId('you'), 'Marta · Facilitator');
  const wall = await env.newPerson({ viewport: WALL });
  await wall.page.goto(`${created.participant_url}/wall`);
  const W = wall.page;
  await expectText(W.getByTestId('step-title'), 'Purpose and check-in');

  /** @type {Person} */
  let bea = /** @type {any} */ (undefined);
  /** @type {Person} */
  let long = /** @type {any} */ (undefined);
  /** Every screen and its size, checked after each long thing arrives. */
  const screens = () =>
    /** @type {const} */ ([
      [F, "the facilitator's laptop", LAPTOP],
      [bea.page, "Beatriz's laptop", LAPTOP],
      [long.page, 'the phone', PHONE],
      [W, 'the wall', WALL],
    ]);
  /** What is wider than its screen on any screen (see widthProblems). */
  const tooWideAnywhere = () => widthProblems(screens());
  const NOTHING_WIDER = 'nothing is wider than its screen';

  await t.test('a name pasted with a tab joins the room as one line', async () => {
    bea = await env.newPerson();
    const page = bea.page;
    await page.goto(created.participant_url);
    const field = page.getByLabel('Your name');
    await field.focus();
    await page.evaluate((text) => navigator.clipboard.writeText(text), 'Beatriz\tMonteiro');
    await page.keyboard.press('ControlOrMeta+V');
    assert.match(await field.inputValue(), /^Beatriz\s+Monteiro$/, 'the name was pasted');
    await page.getByRole('button', { name: 'Join' }).click();
    await expectText(page.getByTestId('you'), 'Beatriz Monteiro · Participant');
    await setPanel(F);
    await expectText(F.getByTestId('participation'), 'Beatriz Monteiro');
    await expectText(W.getByTestId('pj-join'), '1 person here');
  });

  await t.test('a one-word name as long as a name may be keeps every page within its screen', async () => {
    long = await env.join(created.participant_url, LONG_NAME, { viewport: PHONE });
    await expectText(F.getByTestId('participation'), LONG_NAME);
    await expectText(W.getByTestId('pj-join'), '2 people here');
    // The name is in "Who's here": behind the panel button on the phone, beside the board on a laptop.
    await setPanel(long.page);
    /** @type {string[]} */
    let wide = [];
    try {
      await expectText(long.page.getByTestId('presence'), LONG_NAME);
      await screenshot(long.page, 'crowded-step1-panel-phone', PHONE);
      // On a phone the open panel takes the whole width: no strip of the page beside it.
      const panel = await long.page.getByTestId('side-panel').boundingBox();
      assert.ok(panel && panel.x <= 0.5 && panel.width >= PHONE.width - 1, `the phone's panel at ${JSON.stringify(panel)}`);
      wide = await widthProblems([[long.page, "the phone's open panel", PHONE]]);
    } finally {
      await setPanel(long.page, false);
    }
    await expectText(bea.page.getByTestId('presence'), LONG_NAME);
    await screenshot(bea.page, 'crowded-step1-participant-laptop', LAPTOP);
    wide.push(...(await tooWideAnywhere()));
    assert.deepEqual(wide, [], NOTHING_WIDER);
  });

  await t.test('a check-in of one long word stays in its card, and so does its remove button', async () => {
    const page = long.page;
    await page.getByLabel('What I want to contribute').fill(LONG_CHECKIN);
    await page.getByLabel('What I want to get out of it').fill('Answers');
    await page.getByTestId('checkin-submit').click();
    for (const [p] of screens()) await expectText(p.getByTestId('checkins'), LONG_CHECKIN);
    await screenshot(F, 'crowded-step1-facilitator-laptop', LAPTOP);
    await screenshot(page, 'crowded-step1-phone', PHONE);
    await screenshot(W, 'crowded-step1-wall', WALL);
    // The facilitator's button to remove the check-in lies inside its card, on a laptop and a phone.
    const card = F.getByTestId('checkins').locator('.checkin', { hasText: LONG_NAME });
    for (const size of [LAPTOP, PHONE]) {
      await F.setViewportSize(size);
      await expectCount(card.locator('.checkin-remove'), 1);
      await poll(async () => {
        const [outer, button] = await Promise.all([card.boundingBox(), card.locator('.checkin-remove').boundingBox()]);
        if (!outer || !button) return 'the card or its button has no box';
        const inside =
          button.x >= outer.x - 1 &&
          button.y >= outer.y - 1 &&
          button.x + button.width <= outer.x + outer.width + 1 &&
          button.y + button.height <= outer.y + outer.height + 1;
        return inside
          ? null
          : `at ${size.width}x${size.height} the remove button ${JSON.stringify(button)} is not inside its card ${JSON.stringify(outer)}`;
      });
    }
    await screenshot(F, 'crowded-step1-facilitator-phone', PHONE);
    const wide = await widthProblems([
      [F, 'the facilitator on a phone', PHONE],
      [page, 'the long-named participant on a laptop', LAPTOP],
    ]);
    await screenshot(page, 'crowded-step1-long-named-laptop', LAPTOP);
    wide.push(...(await tooWideAnywhere()));
    assert.deepEqual(wide, [], NOTHING_WIDER);
  });

  /** What in the participation table lies outside the side panel, on the facilitator's laptop. */
  const tableOutsidePanel = async () => {
    await F.setViewportSize(LAPTOP);
    await setPanel(F);
    await expectText(F.getByTestId('participation'), LONG_NAME);
    /** @type {string[]} */
    let outside = [];
    await poll(async () => {
      outside = await F.evaluate(() => {
        const panel = document.querySelector('[data-testid=side-panel]')?.getBoundingClientRect();
        if (!panel) return ['no side panel'];
        const cells = [...document.querySelectorAll('.part-table th, .part-table td')];
        if (cells.length === 0) return ['no participation table'];
        return cells.flatMap((cell) => {
          const box = cell.getBoundingClientRect();
          return box.left >= panel.left - 0.5 && box.right <= panel.right + 0.5
            ? []
            : [`"${(cell.textContent ?? '').trim().slice(0, 20)}" spans ${Math.round(box.left)}..${Math.round(box.right)}, the panel ${Math.round(panel.left)}..${Math.round(panel.right)}`];
        });
      });
      return outside.length ? 'cells outside the panel' : null;
    }).catch((e) => {
      if (outside.length === 0) throw e;
    });
    return outside;
  };

  await t.test("in Who's here the participation table's columns stay inside the side panel", async () => {
    assert.deepEqual(await tableOutsidePanel(), [], 'every cell of the table is inside the side panel');
    // The long name is shortened to fit; the whole name is there on pointing at it.
    await expectCount(F.locator(`.part-table .person-name[title="${LONG_NAME}"]`), 1);
    await F.locator('.part-table').scrollIntoViewIfNeeded();
    await screenshot(F, 'crowded-whos-here-laptop', LAPTOP);
  });

  await t.test('a side panel taller than the window fades at its foot until it is scrolled to its end', async () => {
    await F.setViewportSize(LAPTOP);
    const panel = F.getByTestId('side-panel');
    /** @param {number} top */
    const scrolledTo = (top) => panel.evaluate((el, top) => el.scrollTo(0, top < 0 ? el.scrollHeight : top), top);
    const fades = () => panel.evaluate((el) => el.classList.contains('more-below'));
    const fadesAbove = () => panel.evaluate((el) => el.classList.contains('more-above'));
    await scrolledTo(0);
    await poll(async () => ((await fades()) ? null : 'no fade over the cut panel'));
    assert.equal(await fadesAbove(), false, 'nothing above a panel at its top');
    await screenshot(F, 'crowded-side-cut-laptop', LAPTOP);
    await scrolledTo(-1);
    await poll(async () => ((await fades()) ? 'a fade under the panel scrolled to its end' : null));
    await poll(async () => ((await fadesAbove()) ? null : 'no fade at the head of a panel scrolled down'));
    await screenshot(F, 'crowded-side-end-laptop', LAPTOP);
    // The fade never takes a click: the panel's last button is still the one pressed there.
    await scrolledTo(0);
    await poll(async () => ((await fades()) ? null : 'no fade once scrolled back'));
    const under = await panel.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.bottom - 4);
      return hit !== null && el.contains(hit) && !hit.classList.contains('side');
    });
    assert.ok(under, 'what is under the fade is the panel content itself');
  });

  await t.test('a key factor of one long word keeps every page within its screen', async () => {
    await F.getByTestId('step-next').click();
    for (const [page] of screens()) await expectText(page.getByTestId('step-title'), 'An excellent client experience');
    await F.locator('.factor-form').getByTestId('factor-input').fill(LONG_FACTOR);
    await F.getByTestId('factor-add').click();
    for (const [page] of screens().slice(0, 3))
      await expectSharedText(page.getByTestId('factors').locator('.factor'), LONG_FACTOR);
    await expectText(W.getByTestId('factors'), LONG_FACTOR);
    await screenshot(F, 'crowded-step2-facilitator-laptop', LAPTOP);
    await screenshot(long.page, 'crowded-step2-phone', PHONE);
    await screenshot(W, 'crowded-step2-wall', WALL);
    // With a key factor written the table's counts have changed; its columns still fit.
    assert.deepEqual(await tableOutsidePanel(), [], 'every cell of the table is inside the side panel');
    assert.deepEqual(await tooWideAnywhere(), [], NOTHING_WIDER);
  });

  await t.test('an example card holding a long link keeps every page within its screen', async () => {
    await F.locator('.stepper button[data-step="5"]').click();
    for (const [page] of screens()) await expectText(page.getByTestId('step-title'), 'Assess the organisation');
    await F.getByTestId('teams-form').click();
    await expectText(bea.page.locator('[role=tab][aria-selected=true]'), 'Team 1');
    const cell = bea.page.getByTestId('category-1').locator('.column-failed');
    await cell.getByTestId('add-example').click();
    await cell.getByTestId('card-input').fill(LONG_LINK);
    await cell.getByTestId('card-input').press('Enter');
    await F.getByTestId('open-team-1').click();
    for (const [page] of screens().slice(0, 3))
      await expectSharedText(page.getByTestId('category-1').getByTestId('card-text'), LONG_LINK);
    // The wall shows the teams' counts and members (the long name among them).
    await expectText(W.getByTestId('teams-matrix'), LONG_NAME);
    await screenshot(F, 'crowded-step5-facilitator-laptop', LAPTOP);
    await screenshot(long.page, 'crowded-step5-phone', PHONE);
    await screenshot(W, 'crowded-step5-wall', WALL);
    assert.deepEqual(await tooWideAnywhere(), [], NOTHING_WIDER);
  });

  await t.test('step 6: the presented card with the long link keeps every page within its screen', async () => {
    await F.getByTestId('step-next').click();
    for (const [page] of screens()) await expectText(page.getByTestId('step-title'), 'Present and prioritise');
    await F.getByTestId('present-1').click();
    await expectText(W.getByTestId('presenter-board'), LONG_LINK);
    for (const [page] of screens().slice(0, 3))
      await expectSharedText(page.getByTestId('category-1').getByTestId('card-text'), LONG_LINK);
    await screenshot(W, 'crowded-step6-presenting-wall', WALL);
    await screenshot(long.page, 'crowded-step6-presenting-phone', PHONE);
    const wide = await tooWideAnywhere();
    await F.getByTestId('present-none').click();
    await expectCount(W.getByTestId('presenter-board'), 0);
    assert.deepEqual(wide, [], NOTHING_WIDER);
  });

  await t.test('step 6: twenty-four areas read in three columns on the wall, none cut off unseen', async (st) => {
    await expectText(F.getByTestId('step-title'), 'Present and prioritise');
    // Twenty-four areas of nearly as many characters as an area may have (MAX_AREA_CHARS): at
    // 1280x720 the wall shrinks them to fit; on a smaller screen they overflow its smallest size.
    const phrases = [
      'Answer every complaint within one working day, by phone where we can, tell the client who is looking after it until it is closed, and ask them a month later whether it stayed fixed',
      'Simplify our invoices: one page, the words our clients use rather than our product codes, a named person to call about any line on it, and no charge a client has not seen before',
      'Call every new client in their first week and ask what they expected from us, write it down where the whole team can read it, then check at three months whether we delivered it',
      'One named contact per key account, who knows its history and stays for at least a year, with a deputy the client has met, so that nobody has to explain their business twice',
      'Share the survey results with every team, not only with the managers who asked for them, say what we will change because of them, and report back on it at the next survey',
      'Train the service desk in listening before answering, with real calls from last quarter, and give them the authority to fix small things at once without asking a manager first',
      'Fewer forms: ask for each piece of information once, keep it safely, never ask a client to fill in what we already know about them, and remove every field nobody has ever read',
      'Visit our ten largest clients twice a year without anything to sell, to hear what is changing in their business and what worries them, and bring what we hear to the planning day',
    ];
    const texts = Array.from({ length: 23 }, (_, i) => `${i + 1}. ${phrases[i % phrases.length]}`);
    // The last one, one long unbroken word.
    texts.push(`24.${LONG_FACTOR}`);
    // Three people propose eight each, at the same time.
    const proposers = [F, bea.page, long.page];
    await Promise.all(
      proposers.map(async (page, who) => {
        const input = page.getByTestId('area-input');
        for (let i = who; i < texts.length; i += proposers.length) {
          await input.fill(texts[i]);
          await page.getByTestId('area-add').click();
          await poll(async () => ((await input.inputValue()) === '' ? null : `area ${i + 1} was not sent`));
        }
      }),
    );
    for (const [page] of screens().slice(0, 3)) await expectCount(page.getByTestId('area'), 24);
    const ranking = W.getByTestId('ranking');
    await expectCount(ranking.locator('li'), 24);
    assert.match((await ranking.getAttribute('class')) ?? '', /\bcols-3\b/, 'more than sixteen areas read in three columns');
    await screenshot(F, 'crowded-step6-facilitator-laptop', LAPTOP);
    await screenshot(long.page, 'crowded-step6-phone', PHONE);

    st.diagnostic(`at ${WALL.width}x${WALL.height}: ${await expectAreasReachable(W, WALL, 'crowded-step6-wall')}`);
    // On a screen smaller than most projectors' (still a wall, not a phone), where they do not fit.
    const small = { width: 800, height: 450 };
    st.diagnostic(`at ${small.width}x${small.height}: ${await expectAreasReachable(W, small, 'crowded-step6-wall-small')}`);
    await W.setViewportSize(WALL);
    assert.deepEqual(await tooWideAnywhere(), [], NOTHING_WIDER);
  });

  await t.test('no screen logged an error or loaded anything from another host', async () => {
    assert.deepEqual([...fac.problems, ...bea.problems, ...long.problems, ...wall.problems], []);
  });
});
