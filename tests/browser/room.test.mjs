// The room as people see it, at every step: a facilitator on a laptop, a participant on a
// phone, one on a laptop and the projector at the wall link. At each step: the projector fits
// 1920x1080 and 1280x720 with no scrolling and no clipped text; the phone's "I'm done" is on
// screen; axe-core finds no critical or serious accessibility problem for the participant,
// the facilitator and the projector; screenshots of every size are saved. Then raising a hand
// (the UI side, against the protocol v2 shape), dragging with a finger and the keyboard, and
// a facilitator's undo of groups formed again after someone came back.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  LAPTOP,
  PHONE,
  expectCount,
  expectText,
  installWire,
  overlaps,
  poll,
  screenshot,
  settledBox,
  steer,
  useServerAndBrowser,
} from './helpers.mjs';

const env = useServerAndBrowser();
const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const FULL_HD = { width: 1920, height: 1080 };
const HD = { width: 1280, height: 720 };

/**
 * Runs axe-core in the page; fails on any critical or serious violation.
 * @param {import('playwright-core').Page} page @param {string} label
 */
async function axe(page, label) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // @ts-ignore
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  const bad = result.violations
    .filter((/** @type {any} */ v) => v.impact === 'critical' || v.impact === 'serious')
    .map((/** @type {any} */ v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')).join(' | ')}`);
  assert.deepEqual(bad, [], `accessibility of ${label}`);
}

/**
 * What does not fit the projector's screen: page scrolling, text outside the screen, or text
 * cut off inside its box.
 * @param {import('playwright-core').Page} page
 */
function misfits(page) {
  return page.evaluate(() => {
    const problems = [];
    const doc = document.documentElement;
    if (doc.scrollHeight > innerHeight + 1 || doc.scrollWidth > innerWidth + 1)
      problems.push(`the page scrolls: ${doc.scrollWidth}x${doc.scrollHeight}`);
    for (const el of document.querySelectorAll('.projector *')) {
      // Visually hidden text for screen readers is clipped on purpose.
      if (!(el instanceof HTMLElement) || el.closest('.sr-only')) continue;
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim());
      if (!hasText) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const label = `${el.className || el.tagName} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
      if (box.right > innerWidth + 1 || box.bottom > innerHeight + 1 || box.left < -1 || box.top < -1)
        problems.push(`off screen: ${label}`);
      const style = getComputedStyle(el);
      const clips = style.overflow !== 'visible' || style.textOverflow === 'ellipsis';
      if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) problems.push(`cut off: ${label}`);
    }
    for (const fit of document.querySelectorAll('.pj-fit')) {
      if (fit.scrollHeight > fit.clientHeight + 1) problems.push('a step does not fit, even shrunk');
    }
    return problems;
  });
}

/** The top bar's controls, and the parts of the steps and the clock. */
const TOP_BAR = '.topbar > *, .stepper > *, .stepper-item, .timer-chip > *';

/**
 * The fields of the board a phone's action bar covers once each has the focus (the browser
 * scrolls a focused field into view; it must stop above the bar).
 * @param {import('playwright-core').Page} page
 */
function fieldsUnderTheBar(page) {
  return page.evaluate(async () => {
    const bar = document.querySelector('.action-bar');
    if (!bar) return [];
    const problems = [];
    const scrolled = [...document.querySelectorAll('*')].map((el) => /** @type {const} */ ([el, el.scrollTop]));
    const fields = [...document.querySelectorAll('#board :is(input, textarea, select)')].filter(
      (el) => el instanceof HTMLElement && el.getBoundingClientRect().width > 0 && !el.matches(':disabled'),
    );
    for (const field of /** @type {HTMLElement[]} */ (fields)) {
      field.focus();
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const box = field.getBoundingClientRect();
      const cover = bar.getBoundingClientRect();
      if (box.bottom > cover.top + 1 && box.top < cover.bottom) problems.push(`${field.getAttribute('data-testid') ?? field.tagName} is under the action bar`);
      field.blur();
    }
    for (const [el, top] of scrolled) el.scrollTop = top;
    return problems;
  });
}

test('every step, on every screen', async (t) => {
  const room = await env.createRoom('Q3 client workshop', { organisation: 'Acme' });
  const fac = await env.openAsFacilitator(room.facilitator_url, 'Marta');
  const ana = await env.join(room.participant_url, 'Ana', { viewport: PHONE });
  const bo = await env.join(room.participant_url, 'Bo');
  const wall = await env.newPerson({ viewport: FULL_HD });
  await wall.page.goto(room.viewer_url);
  await expectText(wall.page.getByTestId('step-title'), 'Purpose and check-in');
  await expectText(fac.page.getByTestId('presence-counts'), '3 online');

  /** Checks every screen at the step the room is in, and saves screenshots. @param {number} step */
  async function everyScreen(step) {
    // The phone's "I'm done" is on the first screen, whatever the step.
    const ready = ana.page.getByTestId('ready-toggle');
    await expectCount(ready, 1);
    const box = await ready.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height, `step ${step}: "I'm done" on the phone's screen (${JSON.stringify(box)})`);
    // No control of the top bar covers another, on a laptop or a phone.
    for (const { who, page } of [{ who: 'facilitator', page: fac.page }, { who: 'participant', page: bo.page }, { who: 'phone', page: ana.page }]) {
      assert.deepEqual(await overlaps(page, TOP_BAR), [], `step ${step}: the ${who}'s top bar`);
    }
    assert.deepEqual(await fieldsUnderTheBar(ana.page), [], `step ${step}: the phone's fields clear of the action bar`);
    for (const size of [FULL_HD, HD]) {
      await wall.page.setViewportSize(size);
      await poll(async () => {
        const problems = await misfits(wall.page);
        return problems.length ? `step ${step} at ${size.width}x${size.height}: ${problems.join('; ')}` : null;
      });
      await wall.page.screenshot({ path: `${process.cwd()}/test-output/screenshots/projector-step${step}-${size.width}.png` });
    }
    await screenshot(fac.page, `room-step${step}-facilitator-laptop`, LAPTOP);
    await screenshot(bo.page, `room-step${step}-participant-laptop`, LAPTOP);
    await screenshot(ana.page, `room-step${step}-participant-phone`, PHONE);
    await axe(ana.page, `step ${step}, participant on a phone`);
    await axe(fac.page, `step ${step}, facilitator`);
    await axe(wall.page, `step ${step}, projector`);
  }

  await t.test('step 1: check-ins, and a join screen with a QR code on the projector', async () => {
    await expectCount(wall.page.getByTestId('qr'), 1);
    // Beside the QR code, the link in a form people can type: host, /r/, the room id in groups
    // of four (spaced on screen, not in the text), in large type.
    const link = wall.page.getByTestId('join-link');
    const host = new URL(room.participant_url).host;
    assert.equal(await link.textContent(), `${host}/r/${room.room_id}`);
    assert.deepEqual(
      await link.locator('.pj-chunk').allTextContents(),
      room.room_id.match(/.{4}/g),
      'the room id in groups of four',
    );
    const size = (/** @type {import('playwright-core').Locator} */ l) =>
      l.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    const [linkPx, purposePx] = [await size(link), await size(wall.page.locator('.pj-purpose'))];
    assert.ok(linkPx >= 1.5 * purposePx, `the link is large: ${linkPx}px against ${purposePx}px`);
    await everyScreen(1);
    for (const [person, words] of [
      [ana, ['Stories from the service desk', 'Two things to change']],
      [bo, ['Ten years in sales', 'A shared definition']],
    ]) {
      await person.page.getByLabel('What I want to contribute').fill(words[0]);
      await person.page.getByLabel('What I want to get out of it').fill(words[1]);
      await person.page.getByTestId('checkin-submit').click();
    }
    await expectText(wall.page.getByTestId('checkins'), 'Ten years in sales');
    await everyScreen(1);
  });

  await t.test('step 2: the speaker and the key factors', async () => {
    await fac.page.getByTestId('step-next').click();
    await expectText(wall.page.getByTestId('step-title'), 'An excellent client experience');
    await fac.page.getByTestId('queue-next').click();
    await expectText(wall.page.getByTestId('current-speaker'), 'Ana');
    for (const text of ['They listened', 'Fast answers', 'They remembered me']) {
      await fac.page.getByTestId('factor-input').fill(text);
      await fac.page.getByTestId('factor-add').click();
      await expectText(wall.page.getByTestId('factors'), text);
    }
    await everyScreen(2);
  });

  await t.test('step 3: definitions side by side, and the working definition', async () => {
    await fac.page.getByTestId('step-next').click();
    await fac.page.getByTestId('groups-form').click();
    await expectCount(ana.page.getByTestId('definition-input-input'), 1);
    await ana.page.getByTestId('definition-input-input').fill('Putting clients at the heart of every decision');
    await ana.page.getByTestId('definition-input-input').blur();
    await expectText(wall.page.getByTestId('def-wall'), 'heart of every decision');
    await everyScreen(3);
    await fac.page.getByTestId('wall-show').click();
    await fac.page.getByTestId('working-input').fill('Client-centricity means listening and acting on it.');
    await fac.page.getByTestId('working-set').click();
    await expectText(wall.page.locator('.pj-working'), 'listening and acting');
    await everyScreen(3);
  });

  await t.test('step 4: the wall, fitted on the projector', async () => {
    await fac.page.getByTestId('step-next').click();
    for (const [person, text] of [
      [ana, 'get my invoices on time'],
      [bo, 'build stronger teams'],
      [bo, 'grow my team leaders'],
    ]) {
      await person.page.getByTestId('note-input').fill(text);
      await person.page.getByTestId('note-add').click();
    }
    await fac.page.getByTestId('reveal-all').click();
    await expectCount(wall.page.getByTestId('wall-note'), 3);
    // Bo drops one note onto another: a cluster, named at once.
    const notes = bo.page.getByTestId('wall-note');
    await expectCount(notes, 3);
    const from = await settledBox(notes.filter({ hasText: 'grow my team leaders' }));
    const to = await settledBox(notes.filter({ hasText: 'build stronger teams' }));
    await bo.page.mouse.move(from.x + 20, from.y + 20);
    await bo.page.mouse.down();
    await bo.page.mouse.move(from.x + 60, from.y + 60, { steps: 4 });
    await bo.page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
    await bo.page.mouse.up();
    await expectCount(bo.page.getByTestId('cluster-menu'), 1);
    await bo.page.getByTestId('cluster-name').fill('Team leaders');
    await bo.page.getByTestId('cluster-save').click();
    await expectText(wall.page.getByTestId('wall'), 'Team leaders');
    await everyScreen(4);
  });

  await t.test("step 5: the teams' assessments on the projector, behaviour by behaviour", async () => {
    await fac.page.getByTestId('step-next').click();
    await fac.page.getByTestId('teams-from-groups').click();
    await expectCount(wall.page.getByTestId('team-tile'), 1);
    await bo.page.getByTestId('add-example').first().click();
    await bo.page.getByTestId('card-input').fill('We call every client back within a day');
    await bo.page.getByTestId('card-input').press('Enter');
    await bo.page.getByTestId('rate-1-4').click();
    await expectText(wall.page.getByTestId('team-progress'), 'Examples: 1');
    // Each behaviour in words beside each team's count of examples and its rating.
    await expectText(wall.page.getByTestId('teams-matrix'), 'We listen to client feedback');
    await expectText(wall.page.getByTestId('cell-1-1'), '✓ 1');
    await expectText(wall.page.getByTestId('cell-1-1'), '★★★★');
    await expectText(wall.page.getByTestId('cell-1-2'), '✓ 0');
    await everyScreen(5);
  });

  await t.test('step 6: the presenter, then the priorities; the summary at the end', async () => {
    await fac.page.getByTestId('step-next').click();
    await fac.page.getByTestId('present-1').click();
    await expectCount(wall.page.getByTestId('presenter-board'), 1);
    await everyScreen(6);
    await fac.page.getByTestId('present-none').click();
    for (const text of ['Answer within a day', 'Train the front desk']) {
      await bo.page.getByTestId('area-input').fill(text);
      await bo.page.getByTestId('area-add').click();
      await expectText(wall.page.getByTestId('ranking'), text);
    }
    await fac.page.getByTestId('vote-open').click();
    await bo.page.getByTestId('dot-plus').first().click();
    await fac.page.getByTestId('vote-close').click();
    await expectCount(fac.page.getByTestId('rank-item'), 2);
    await fac.page.getByTestId('follow-owner').first().fill('Ana');
    await fac.page.getByTestId('follow-owner').first().press('Enter');
    // On the projector the owner is named as such under the area, and the tallies keep one
    // column whether an area has an owner or not.
    await expectText(wall.page.getByTestId('ranking').locator('li').first(), 'Owner: Ana');
    const rights = await wall.page
      .getByTestId('ranking')
      .locator('.pj-tally')
      .evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().right)));
    assert.equal(rights.length, 2);
    assert.equal(rights[0], rights[1], `the tallies' right edges ${rights.join(', ')}`);
    await everyScreen(6);
    await fac.page.getByTestId('end-session').click();
    await fac.page.getByTestId('end-session').click();
    for (const { page } of [fac, ana, bo, wall]) {
      await expectText(page.getByTestId('summary'), 'Answer within a day');
      await expectText(page.getByTestId('summary'), 'listening and acting');
    }
    await expectCount(fac.page.getByTestId('summary-report'), 1);
    await screenshot(fac.page, 'room-summary-facilitator-laptop', LAPTOP);
    await screenshot(ana.page, 'room-summary-participant-phone', PHONE);
    for (const size of [FULL_HD, HD]) {
      await wall.page.setViewportSize(size);
      await poll(async () => {
        const problems = await misfits(wall.page);
        return problems.length ? `summary at ${size.width}: ${problems.join('; ')}` : null;
      });
      await wall.page.screenshot({ path: `${process.cwd()}/test-output/screenshots/projector-summary-${size.width}.png` });
    }
    await axe(ana.page, 'summary, participant');
    await axe(wall.page, 'summary, projector');
  });

  for (const { problems } of [fac, ana, bo, wall]) assert.deepEqual(problems, []);
});

test('the top bar in Portuguese, the longest words: no control covers another at any width', async () => {
  const room = await env.createRoom('Sessão de clientes do trimestre de outono', { organisation: 'Acme', language: 'pt' });
  const fac = await env.newPerson({ locale: 'pt-PT' });
  await fac.page.goto(room.facilitator_url);
  await fac.page.getByLabel('O seu nome').fill('Marta Rodrigues');
  await fac.page.getByRole('button', { name: 'Abrir a sala' }).click();
  // Step 4, where the panel is a drawer and its button joins the bar.
  await fac.page.locator('.stepper button[data-step="4"]').click();
  await expectText(fac.page.getByTestId('step-title'), 'Quem são os nossos clientes?');
  const widths = [1920, 1600, 1536, 1440, LAPTOP.width, 1280, 1100, 1024, 960, 820, PHONE.width, 360];
  for (const clock of ['idle', 'running']) {
    if (clock === 'running') {
      await fac.page.setViewportSize(LAPTOP);
      await fac.page.getByTestId('panel-toggle').click();
      await fac.page.getByTestId('timer-start').click();
      await fac.page.getByTestId('panel-toggle').click();
      await expectCount(fac.page.getByTestId('clock'), 1);
    }
    for (const width of widths) {
      await fac.page.setViewportSize({ width, height: 800 });
      await poll(async () => {
        const problems = await overlaps(fac.page, TOP_BAR);
        // Words in the bar go before the room's title is cut below 224 px (or its heading's
        // cap): a title cut shorter is a finding while the bar still has a word to shed.
        const title = await fac.page.getByTestId('room-title').evaluate((el) => {
          const cap = parseFloat(getComputedStyle(/** @type {HTMLElement} */ (el.parentElement)).maxWidth) || Infinity;
          const bar = /** @type {HTMLElement} */ (el.closest('.topbar'));
          const cut = el.scrollWidth > el.clientWidth && el.clientWidth < Math.min(224, cap) - 1;
          const left = bar.dataset.shed !== '3' || bar.dataset.role !== 'shed';
          return cut && left ? `the title has ${el.clientWidth} px with words left to shed (${bar.dataset.shed}, ${bar.dataset.role})` : null;
        });
        if (title) problems.push(title);
        // The chip with one's name is cut only where even the name alone does not fit.
        const you = await fac.page.getByTestId('you').evaluate((el) => {
          const role = el.querySelector('.you-role');
          return el.scrollWidth > el.clientWidth && role && getComputedStyle(role).display !== 'none' ? `the chip is cut at "${el.textContent}"` : null;
        });
        if (you) problems.push(you);
        return problems.length ? `${width}px, clock ${clock}: ${problems.join('; ')}` : null;
      });
    }
  }
  await screenshot(fac.page, 'topbar-pt-facilitator-laptop', LAPTOP);
  await screenshot(fac.page, 'topbar-pt-facilitator-1280', { width: 1280, height: 800 });
  assert.deepEqual(fac.problems, []);
});

/**
 * Routes the page's WebSocket through a stand-in for protocol v2's hands: the room in every
 * `welcome` carries `hands`, and `hand.*` commands are kept here (and acknowledged) instead
 * of reaching a server that does not know them yet.
 * @param {import('playwright-core').Page} page @param {string[]} hands @param {any[]} sent
 */
async function handsOnTheWire(page, hands, sent) {
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const msg = JSON.parse(String(message));
      if (msg.type === 'cmd' && String(msg.cmd.type).startsWith('hand.')) {
        sent.push(msg.cmd);
        ws.send(JSON.stringify({ type: 'ack', id: msg.id, seq: 0 }));
      } else server.send(message);
    });
    server.onMessage((message) => {
      const msg = JSON.parse(String(message));
      if (msg.type === 'welcome') msg.room.hands = hands;
      ws.send(JSON.stringify(msg));
    });
  });
}

test('two facilitators who both add five minutes to the countdown they see add five', async () => {
  const room = await env.createRoom('Two facilitators');
  const marta = await env.newPerson();
  // While `behind`, the room's changes wait on the way to Marta's screen, as they do for the
  // moment a change takes to arrive; the answers to her own commands still come.
  let behind = false;
  /** @type {(() => void)[]} */
  const held = [];
  await marta.page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (behind && JSON.parse(String(message)).type === 'change') held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  await marta.page.goto(room.facilitator_url);
  await marta.page.getByLabel('Your name').fill('Marta');
  await marta.page.getByRole('button', { name: 'Open the room' }).click();
  await marta.page.getByTestId('timer-start').click();
  const clock = marta.page.getByTestId('clock');
  await expectText(clock, /^(10:00|09:[0-5]\d)$/);

  // Gil, her co-facilitator, adds five minutes; her screen has not shown it when she does too.
  behind = true;
  const gil = (await env.newPerson()).page;
  await gil.goto(`${env.server.url}/`);
  await installWire(gil);
  await steer(gil, room, [{ type: 'timer.extend', by_ms: 5 * 60_000 }]);
  await marta.page.getByTestId('timer-extend5').click();
  await expectText(marta.page.getByTestId('toast'), 'Another facilitator changed the countdown or the step just now');
  behind = false;
  for (const deliver of held.splice(0)) deliver();
  await expectText(clock, /^(15:00|14:[0-5]\d)$/);
  await screenshot(marta.page, 'timer-two-facilitators-laptop', LAPTOP);
  // Having seen his change, she adds a minute, and three presses in a row add three.
  await marta.page.getByTestId('timer-extend1').click();
  await expectText(clock, /^(16:00|15:[0-5]\d)$/);
  for (let i = 0; i < 3; i += 1) await marta.page.getByTestId('timer-extend1').click();
  await expectText(clock, /^(19:00|18:[0-5]\d)$/);
});

test('raising a hand: the participant sends it, the facilitator sees hands in order', async () => {
  const room = await env.createRoom('Hands');
  /** @type {any[]} */
  const sent = [];
  const ana = await env.newPerson({ viewport: PHONE });
  await handsOnTheWire(ana.page, [], sent);
  await ana.page.goto(room.participant_url);
  await ana.page.getByLabel('Your name').fill('Ana');
  await ana.page.getByRole('button', { name: 'Join' }).click();
  await ana.page.getByTestId('hand-toggle').click();
  await poll(async () => (sent.length ? null : 'no hand.raise sent'));
  assert.deepEqual(sent[0], { type: 'hand.raise', raised: true });

  // The facilitator's room has Bo's hand up, then Ana's: the order they went up.
  await env.join(room.participant_url, 'Bo');
  const fac = await env.newPerson();
  /** @type {any[]} */
  const facSent = [];
  const order = [];
  await fac.page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const msg = JSON.parse(String(message));
      if (msg.type === 'cmd' && String(msg.cmd.type).startsWith('hand.')) {
        facSent.push(msg.cmd);
        ws.send(JSON.stringify({ type: 'ack', id: msg.id, seq: 0 }));
      } else server.send(message);
    });
    server.onMessage((message) => {
      const msg = JSON.parse(String(message));
      if (msg.type === 'welcome') {
        const byName = Object.fromEntries(Object.values(msg.room.members).map((/** @type {any} */ m) => [m.name, m.id]));
        order.push(byName.Bo, byName.Ana);
        msg.room.hands = [byName.Bo, byName.Ana];
      }
      ws.send(JSON.stringify(msg));
    });
  });
  await fac.page.goto(room.facilitator_url);
  await fac.page.getByRole('button', { name: 'Open the room' }).click();
  const hands = fac.page.getByTestId('hands');
  await expectCount(hands.locator('.hand'), 2);
  assert.deepEqual(await hands.locator('.hand-name').allTextContents(), ['Bo', 'Ana']);
  await fac.page.getByTestId('hand-lower').first().click();
  await poll(async () => (facSent.length ? null : 'no hand.lower sent'));
  assert.deepEqual(facSent[0], { type: 'hand.lower', member_id: order[0] });
  await screenshot(fac.page, 'hands-facilitator-laptop', LAPTOP);
  await screenshot(ana.page, 'hands-participant-phone', PHONE);
  await axe(fac.page, 'hands, facilitator');
});

/**
 * Drags `from` to `to` with a finger: pointer events of type touch, pressed on the grip.
 * @param {import('playwright-core').Page} page @param {import('playwright-core').Locator} from @param {import('playwright-core').Locator} to
 */
async function touchDrag(page, from, to) {
  const a = await settledBox(from);
  const b = await settledBox(to);
  const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  const end = { x: b.x + b.width / 2, y: b.y + b.height * 0.75 };
  await page.evaluate(
    ({ start, end }) => {
      const init = (/** @type {{ x: number, y: number }} */ p) => ({
        pointerId: 7,
        pointerType: 'touch',
        isPrimary: true,
        button: 0,
        buttons: 1,
        bubbles: true,
        cancelable: true,
        clientX: p.x,
        clientY: p.y,
      });
      const target = document.elementFromPoint(start.x, start.y);
      target?.dispatchEvent(new PointerEvent('pointerdown', init(start)));
      for (let i = 1; i <= 10; i++) {
        const p = { x: start.x + ((end.x - start.x) * i) / 10, y: start.y + ((end.y - start.y) * i) / 10 };
        (document.elementFromPoint(p.x, p.y) ?? window).dispatchEvent(new PointerEvent('pointermove', init(p)));
      }
      (document.elementFromPoint(end.x, end.y) ?? window).dispatchEvent(new PointerEvent('pointerup', { ...init(end), buttons: 0 }));
    },
    { start, end },
  );
}

/**
 * Two fingers on the wall's background, moving apart by `spread` pixels (together if
 * negative): pointer events of type touch, as a touch screen sends them.
 * @param {import('playwright-core').Page} page @param {number} spread
 */
async function pinch(page, spread) {
  await page.evaluate((spread) => {
    const frame = /** @type {HTMLElement} */ (document.querySelector('[data-testid=wall]'));
    const box = frame.getBoundingClientRect();
    // A spot of bare wall: no note, label or card under it.
    let centre = { x: 0, y: 0 };
    for (let y = box.top + 40; y < box.bottom - 40 && !centre.x; y += 20) {
      for (let x = box.left + 120; x < box.right - 120; x += 20) {
        const bare = [-90, 0, 90].every((dx) => document.elementFromPoint(x + dx, y)?.matches('.wall-viewport, .wall-world'));
        if (bare) {
          centre = { x, y };
          break;
        }
      }
    }
    if (!centre.x) throw new Error('no bare wall to pinch');
    const start = Math.max(40, 40 - spread / 2);
    const event = (/** @type {string} */ type, /** @type {number} */ id, /** @type {number} */ x) =>
      new PointerEvent(type, { pointerId: id, pointerType: 'touch', isPrimary: id === 1, button: 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, cancelable: true, clientX: x, clientY: centre.y });
    const fingers = [
      { id: 1, x: centre.x - start, dir: -1 },
      { id: 2, x: centre.x + start, dir: 1 },
    ];
    for (const f of fingers) (document.elementFromPoint(f.x, centre.y) ?? frame).dispatchEvent(event('pointerdown', f.id, f.x));
    for (let step = 1; step <= 10; step++) {
      for (const f of fingers) document.dispatchEvent(event('pointermove', f.id, f.x + (f.dir * spread * step) / 20));
    }
    for (const f of fingers) document.dispatchEvent(event('pointerup', f.id, f.x + (f.dir * spread) / 2));
  }, spread);
}

test('dragging with a finger and with the keyboard: the queue, the groups and the notes', async () => {
  const room = await env.createRoom('Touch');
  const fac = await env.openAsFacilitator(room.facilitator_url, 'Marta', { viewport: { width: 820, height: 1180 } });
  const people = [];
  for (const name of ['Ana', 'Bo', 'Cy', 'Di', 'Ed']) people.push(await env.join(room.participant_url, name));
  await fac.page.getByTestId('step-next').click();
  const queue = fac.page.getByTestId('queue');
  await expectCount(queue.locator('.queue-row'), 5);
  assert.deepEqual(await queue.locator('.queue-name').allTextContents(), ['Ana', 'Bo', 'Cy', 'Di', 'Ed']);

  // A finger moves Ana below Cy.
  await touchDrag(fac.page, queue.locator('.queue-row', { hasText: 'Ana' }).locator('.grip'), queue.locator('.queue-row', { hasText: 'Cy' }));
  await poll(async () => {
    const names = (await queue.locator('.queue-name').allTextContents()).join(',');
    return names === 'Bo,Cy,Ana,Di,Ed' ? null : `queue after a touch drag: ${names}`;
  });

  // The keyboard moves Di up: Space picks it up, arrows choose, Space drops.
  await queue.locator('.queue-row', { hasText: 'Di' }).focus();
  await fac.page.keyboard.press('Space');
  await fac.page.keyboard.press('ArrowDown');
  await fac.page.keyboard.press('Space');
  await poll(async () => {
    const names = (await queue.locator('.queue-name').allTextContents()).join(',');
    return names.startsWith('Di') ? null : `queue after a keyboard move: ${names}`;
  });

  // Groups: a finger moves someone from group 1 to group 2.
  await fac.page.getByTestId('step-next').click();
  await fac.page.getByTestId('groups-form').click();
  const group1 = fac.page.locator('.group-col[data-group="1"]');
  const group2 = fac.page.locator('.group-col[data-group="2"]');
  await expectCount(fac.page.locator('.group-col[data-group]'), 2);
  const moving = (await group1.locator('.member-name').first().textContent()) ?? '';
  await touchDrag(fac.page, group1.locator('.member-chip').first().locator('.grip'), group2);
  await expectText(group2, moving);
  await screenshot(fac.page, 'touch-groups-tablet', { width: 820, height: 1180 });

  // Notes: a finger drops one note onto another, and a cluster forms.
  await fac.page.getByTestId('step-next').click();
  const [ana] = people;
  for (const text of ['find good staff', 'keep good staff']) {
    await ana.page.getByTestId('note-input').fill(text);
    await ana.page.getByTestId('note-add').click();
  }
  await fac.page.getByTestId('reveal-all').click();
  const notes = fac.page.getByTestId('wall-note');
  await expectCount(notes, 2);
  await touchDrag(fac.page, notes.filter({ hasText: 'keep good staff' }), notes.filter({ hasText: 'find good staff' }));
  await expectCount(fac.page.getByTestId('wall-region'), 1);
  await screenshot(fac.page, 'touch-wall-tablet', { width: 820, height: 1180 });

  // Two fingers spread apart on the wall's background: it zooms in.
  const zoom = async () => Number.parseInt((await fac.page.getByTestId('zoom-label').textContent()) ?? '', 10);
  const before = await zoom();
  await pinch(fac.page, 160);
  await poll(async () => ((await zoom()) > before + 20 ? null : `zoom ${await zoom()}%, was ${before}%`));
  const spread = await zoom();
  await pinch(fac.page, -120);
  await poll(async () => ((await zoom()) < spread - 20 ? null : `zoom ${await zoom()}% after a pinch in, was ${spread}%`));
  for (const { problems } of [fac, ...people]) assert.deepEqual(problems, []);
});

test('forming groups again by mistake is undone after someone came back: they return to their group, and a redo places them', async () => {
  const room = await env.createRoom('Regroup');
  const fac = await env.openAsFacilitator(room.facilitator_url, 'Marta');
  const people = [];
  for (const name of ['Ana', 'Bo', 'Cy', 'Di']) people.push(await env.join(room.participant_url, name));
  const cy = people[2];
  await expectText(fac.page.getByTestId('presence-counts'), '5 online');
  await installWire(fac.page);
  await steer(fac.page, room, [{ type: 'settings.update', group_size: 2 }, { type: 'step.set', step: 3 }]);
  const F = fac.page;
  const cols = F.getByTestId('groups');
  /** Who is in which group, as the facilitator's columns show it. */
  const grouping = async () => {
    /** @type {Record<string, string>} */
    const where = {};
    for (const col of await cols.locator('.group-col[data-group]').all()) {
      const id = (await col.getAttribute('data-group')) ?? '';
      for (const name of await col.locator('.member-name').allTextContents()) where[name] = id;
    }
    // By name: the order of a group's chips is not what is compared.
    return Object.fromEntries(Object.entries(where).sort());
  };
  await F.getByTestId('groups-form').click();
  await expectCount(cols.locator('.group-col[data-group]'), 2);
  await poll(async () => (Object.keys(await grouping()).length === 4 ? null : 'four people grouped'));
  const first = await grouping();

  // Cy's connection drops; the facilitator reshuffles (two clicks) without them; Cy comes back
  // and the server places them as a latecomer, marked new.
  await cy.page.goto('about:blank');
  await expectText(F.getByTestId('presence-counts'), '4 online');
  await F.getByTestId('groups-form').click();
  await expectText(F.getByTestId('groups-form'), 'Reshuffle everyone?');
  await F.getByTestId('groups-form').click();
  await poll(async () => ((await grouping()).Cy === undefined ? null : 'Cy left out of the new groups'));
  await cy.page.goto(room.participant_url);
  await expectText(cy.page.getByTestId('my-definition').locator('.sheet-title'), /Group [12]/);
  await expectText(cols.locator('.member-chip', { hasText: 'Cy' }).getByTestId('latecomer'), 'new');

  // The reshuffle was the slip: the facilitator's undo brings the first groups back, Cy included.
  await expectText(F.getByTestId('undo'), 'Undo forming groups');
  await F.getByTestId('undo').click();
  await poll(async () => {
    const now = await grouping();
    return JSON.stringify(now) === JSON.stringify(first) ? null : `groups ${JSON.stringify(now)}, first ${JSON.stringify(first)}`;
  });
  await expectCount(cols.getByTestId('latecomer'), 0);
  await expectText(cy.page.getByTestId('my-definition').locator('.sheet-title'), `Group ${first.Cy}`);

  // Redo forms the groups again as they were made without Cy, and Cy, who is here, is placed
  // in one of them as new rather than left out.
  await expectText(F.getByTestId('redo'), 'Redo forming groups');
  await F.getByTestId('redo').click();
  await expectText(cols.locator('.member-chip', { hasText: 'Cy' }).getByTestId('latecomer'), 'new');
  await poll(async () => (Object.keys(await grouping()).length === 4 ? null : 'four people grouped'));
  await expectText(cy.page.getByTestId('my-definition').locator('.sheet-title'), /Group [12]/);
  for (const { problems } of [fac, ...people]) assert.deepEqual(problems, []);
});
