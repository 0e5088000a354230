// The step-1 workshop flow in real Chromium, against the real server: a facilitator creates a
// room from the home page, three participants join, check in and see each other live, a
// participant reloads and stays the same person, the facilitator drives steps and the
// countdown, a wall display follows, and a participant switches to Portuguese.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  LAPTOP,
  PHONE,
  expectCount,
  expectNoText,
  expectText,
  poll,
  screenshot,
  screenshotDir,
  setPanel,
  useServerAndBrowser,
} from './helpers.mjs';

const env = useServerAndBrowser();

/**
 * Joins through the participant link with a name, as `env.join` does, but also checks the
 * room's title on the join form and, on a phone, screenshots the form once the name is typed.
 * @param {string} link
 * @param {string} name
 * @param {{ width: number, height: number }} [viewport]
 */
async function join(link, name, viewport) {
  const person = await env.newPerson({ viewport });
  await person.page.goto(link);
  await expectText(person.page.getByTestId('join-title'), 'Q3 client workshop');
  await person.page.getByLabel('Your name').fill(name);
  if (viewport === PHONE) await screenshot(person.page, 'join-phone', PHONE);
  await person.page.getByRole('button', { name: 'Join' }).click();
  await expectText(person.page.getByTestId('you'), `${name} · Participant`);
  return person;
}

/** Controls only a facilitator may have. */
const FACILITATOR_ONLY = ['step-next', 'step-back', 'timer-controls', 'share', 'settings'];

test('a facilitator runs step 1 with three participants and a wall display', async (t) => {
  const fac = await env.newPerson();
  const { page: facPage } = fac;

  await t.test('the facilitator creates a room from the home page', async () => {
    await facPage.goto(`${env.server.url}/`);
    await screenshot(facPage, 'home-phone', PHONE);
    await screenshot(facPage, 'home-laptop', LAPTOP);
    await facPage.getByLabel('Workshop title').fill('Q3 client workshop');
    await facPage.getByLabel('Organisation').fill('Acme');
    await facPage.getByRole('button', { name: 'Create room' }).click();
    await facPage.waitForURL(/\/r\/[0-9a-f]+#key=[0-9a-f]+$/);
    const name = facPage.getByLabel('Your name');
    assert.equal(await name.inputValue(), 'Facilitator');
    await name.fill('Marta');
    await facPage.getByRole('button', { name: 'Open the room' }).click();
    await expectText(facPage.getByTestId('room-title'), 'Q3 client workshop');
    await expectText(facPage.getByTestId('room-org'), 'Acme');
    await expectText(facPage.getByTestId('step-title'), 'Purpose and check-in');
    await expectText(facPage.getByTestId('purpose'), 'Explore and reflect on client-centricity');
    await expectText(facPage.getByTestId('status'), 'Live');
  });

  const participantLink = await facPage.getByTestId('link-participant').inputValue();
  const wallLink = await facPage.getByTestId('link-viewer').inputValue();
  assert.match(participantLink, /\/r\/[0-9a-f]+$/);
  assert.equal(wallLink, `${participantLink}/wall`);

  /** @type {Awaited<ReturnType<typeof join>>[]} */
  let people = [];
  /** @type {import('./helpers.mjs').Person} */
  let wall;

  await t.test('three participants join and every screen shows who is here', async () => {
    people = [
      await join(participantLink, 'Ana'),
      await join(participantLink, 'Bo'),
      await join(participantLink, 'Cy', PHONE),
    ];
    wall = await env.newPerson();
    await wall.page.goto(wallLink);
    // The projector shows how many have joined, not who: it is for the room, not for managing it.
    await expectText(wall.page.getByTestId('pj-join'), '3 people here');
    for (const { page } of [fac, ...people]) {
      // On the phone, who's here is in the drawer behind the panel button.
      await setPanel(page);
      const presence = page.getByTestId('presence');
      for (const name of ['Marta', 'Ana', 'Bo', 'Cy']) await expectText(presence, name);
      await expectText(page.getByTestId('presence-counts'), '4 online');
      await expectText(page.getByTestId('presence-counts'), '1 wall display');
      await setPanel(page, false);
    }
    await expectText(facPage.locator('.person', { hasText: 'Marta' }), 'Facilitator');
  });

  await t.test('the facilitator sees who has not checked in yet', async () => {
    await expectText(facPage.getByTestId('checkin-progress'), 'Checked in: 0 of 3');
    for (const name of ['Ana', 'Bo', 'Cy']) await expectText(facPage.getByTestId('checkin-waiting'), name);
  });

  await t.test('a long check-in grows its field: every line in sight, no grip to drag', async () => {
    const field = people[0].page.getByLabel('What I want to contribute');
    const long = 'Stories from the service desk, '.repeat(8).trim();
    await field.fill(long);
    await poll(async () => {
      const f = await field.evaluate((el) => {
        const style = getComputedStyle(el);
        return {
          resize: style.resize,
          scroll: el.scrollHeight,
          client: el.clientHeight,
          lines: (el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight),
          rows: /** @type {HTMLTextAreaElement} */ (el).rows,
        };
      });
      if (f.resize !== 'none') return `the field can be dragged (resize: ${f.resize})`;
      if (f.scroll > f.client + 1) return `the field scrolls: ${f.scroll} px of text in ${f.client}`;
      return f.lines > f.rows ? null : `the field shows ${f.lines} lines, its ${f.rows} rows, for ${long.length} characters`;
    });
    // A click at the field's lower right corner (where a grip would be) puts the caret in the
    // text, and the next key goes in.
    const size = await field.boundingBox();
    assert.ok(size, 'the field is on screen');
    await field.click({ position: { x: size.width - 6, y: size.height - 6 } });
    await people[0].page.keyboard.type('!');
    await poll(async () => ((await field.inputValue()).includes('!') ? null : 'the key typed after the click is lost'));
    await field.fill('');
  });

  const answers = [
    ['Stories from the service desk', 'Two things to change next quarter'],
    ['Data from the last survey', 'A shared definition'],
    ['Ten years in sales', 'New ideas for key accounts'],
  ];

  await t.test('each participant checks in, and every screen shows every check-in live', async () => {
    for (const [i, { page }] of people.entries()) {
      await page.getByLabel('What I want to contribute').fill(answers[i][0]);
      await page.getByLabel('What I want to get out of it').fill(answers[i][1]);
      await page.getByTestId('checkin-submit').click();
      await expectText(page.getByTestId('checkin-form'), 'Posted');
      await expectText(page.getByTestId('checkin-submit'), 'Update check-in');
      if (i === 0) {
        await expectText(facPage.getByTestId('checkin-progress'), 'Checked in: 1 of 3');
        await expectNoText(facPage.getByTestId('checkin-waiting'), 'Ana');
        await expectText(facPage.getByTestId('checkin-waiting'), 'Bo');
        await expectText(facPage.getByTestId('checkin-waiting'), 'Cy');
      }
    }
    for (const { page } of [fac, ...people, wall]) {
      const checkins = page.getByTestId('checkins');
      await expectCount(checkins.locator('.checkin'), 3);
      for (const [i, name] of ['Ana', 'Bo', 'Cy'].entries()) {
        const card = checkins.locator('.checkin', { hasText: name });
        await expectText(card, answers[i][0]);
        await expectText(card, answers[i][1]);
      }
    }
    await expectText(facPage.getByTestId('checkin-progress'), 'Checked in: 3 of 3');
    await expectText(facPage.getByTestId('checkin-waiting'), 'Everyone has checked in');
  });

  await t.test('a check-in pasted longer than it may be is cut, and the person is told', async () => {
    const ana = people[0].page;
    const field = ana.getByLabel('What I want to contribute');
    const long = 'Twenty years of listening to clients. '.repeat(20);
    await ana.evaluate((text) => navigator.clipboard.writeText(text), long);
    await field.click();
    await field.press('ControlOrMeta+A');
    await field.press('ControlOrMeta+V');
    await expectText(ana.getByTestId('toast'), 'Only 600 characters fit here');
    assert.equal((await field.inputValue()).length, 600);
    await field.fill(answers[0][0]);
  });

  await t.test('a participant who reloads is the same person', async () => {
    const ana = people[0].page;
    await ana.reload();
    await expectText(ana.getByTestId('you'), 'Ana · Participant');
    assert.equal(await ana.getByLabel('What I want to contribute').inputValue(), answers[0][0]);
    for (const { page } of [fac, ...people]) {
      await setPanel(page);
      await expectText(page.getByTestId('presence-counts'), '4 online');
      await expectCount(page.getByTestId('presence').locator('.person'), 4);
      await expectCount(page.getByTestId('presence').locator('.person', { hasText: 'Ana' }), 1);
      await setPanel(page, false);
    }
    await expectText(facPage.getByTestId('checkin-progress'), 'Checked in: 3 of 3');
  });

  await t.test('a participant goes on from their phone as themself, by their own link', async () => {
    const bo = people[1].page;
    await setPanel(bo);
    await bo.getByTestId('device-open').click();
    await expectCount(bo.getByTestId('device-link').getByTestId('qr'), 1);
    const own = await bo.getByTestId('link-device').inputValue();
    assert.match(own, /\/r\/[0-9a-f]+#me=/);
    await screenshot(bo, 'device-link-laptop', LAPTOP);
    await bo.getByTestId('device-close').click();
    await expectCount(bo.getByTestId('device-link'), 0);
    await setPanel(bo, false);
    // The facilitator's own link is the facilitator link: the button is a participant's only.
    await setPanel(facPage);
    await expectCount(facPage.getByTestId('device-open'), 0);
    await setPanel(facPage, false);

    const phone = await env.newPerson({ viewport: PHONE });
    await phone.page.goto(own);
    await expectText(phone.page.getByTestId('you'), 'Bo · Participant');
    await expectCount(phone.page.getByLabel('Your name'), 0);
    // The token leaves the address bar at once.
    assert.equal(new URL(phone.page.url()).hash, '');
    assert.equal(await phone.page.getByLabel('What I want to contribute').inputValue(), answers[1][0]);
    // Bo is one member on two screens: no second Bo, and nobody more online.
    const ana = people[0].page;
    await setPanel(ana);
    await expectCount(ana.getByTestId('presence').locator('.person', { hasText: 'Bo' }), 1);
    await expectText(ana.getByTestId('presence-counts'), '4 online');
    await setPanel(ana, false);
    // What Bo changes on the phone is Bo's, on the laptop too.
    await phone.page.getByLabel('What I want to contribute').fill('Data from the last two surveys');
    await phone.page.getByTestId('checkin-submit').click();
    await expectText(bo.getByTestId('checkins').locator('.checkin', { hasText: 'Bo' }), 'Data from the last two surveys');
    await expectText(facPage.getByTestId('checkin-progress'), 'Checked in: 3 of 3');
    await phone.context.close();
  });

  await t.test('participants and the wall display have no facilitator controls', async () => {
    for (const { page } of [...people, wall]) {
      for (const id of FACILITATOR_ONLY) await expectCount(page.getByTestId(id), 0);
      await expectCount(page.locator('.checkin-remove'), 0);
      await expectCount(page.locator('.stepper button'), 0);
    }
    await expectCount(wall.page.getByTestId('checkin-form'), 0);
    await expectCount(wall.page.locator('input, textarea, select, button:not(.toast-close)'), 0);
    // The projector is the room's screen: no language picker, no "How it works", no "Who's here".
    for (const id of ['language', 'presence', 'you']) await expectCount(wall.page.getByTestId(id), 0);
  });

  await t.test('a participant renames themself and everyone sees the new name', async () => {
    const cy = people[2].page;
    await setPanel(cy);
    await cy.getByTestId('rename').click();
    // A tab pasted with a name is a space.
    await cy.getByTestId('rename-input').fill('Cy\tR. ');
    await cy.getByTestId('rename-input').press('Enter');
    for (const { page } of [fac, ...people, wall]) {
      if (page !== wall.page) await expectText(page.getByTestId('presence'), 'Cy R.');
      await expectText(page.getByTestId('checkins').locator('.checkin', { hasText: 'Cy R.' }), answers[2][0]);
    }
    await setPanel(cy, false);
  });

  await t.test('each of the first people to join has a colour of their own, the same on every screen', async () => {
    const hues = async (/** @type {import('playwright-core').Page} */ page) =>
      page.getByTestId('presence').locator('.avatar').evaluateAll((els) =>
        els.map((el) => [el.parentElement?.textContent?.trim() ?? '', [...el.classList].find((c) => c.startsWith('hue-'))]),
      );
    const seen = await hues(facPage);
    assert.equal(new Set(seen.map(([, hue]) => hue)).size, seen.length, `distinct colours: ${JSON.stringify(seen)}`);
    const other = people[0].page;
    await setPanel(other);
    assert.deepEqual((await hues(other)).map(([, hue]) => hue).sort(), seen.map(([, hue]) => hue).sort());
    await setPanel(other, false);
  });

  await t.test('screenshots of step 1 for each role', async () => {
    await screenshot(facPage, 'facilitator-laptop', LAPTOP);
    await screenshot(facPage, 'facilitator-phone', PHONE);
    // Nothing to raise, finish or undo: no empty bar over the foot of the facilitator's phone.
    await expectCount(facPage.getByTestId('action-bar'), 1);
    assert.equal(await facPage.getByTestId('action-bar').isVisible(), false, "the facilitator's empty action bar is hidden");
    await screenshot(people[0].page, 'participant-laptop', LAPTOP);
    await screenshot(people[2].page, 'participant-phone', PHONE);
    await screenshot(wall.page, 'viewer-laptop', LAPTOP);
    // The wall fits its screen however many checked in since it was last sized.
    await poll(async () => {
      const [over, cards] = await wall.page
        .locator('.pj-fit')
        .evaluate((el) => [el.scrollHeight - el.clientHeight, el.querySelectorAll('.pj-checkin').length]);
      return over <= 1 && cards === 3 ? null : `the wall's step 1 runs ${over} px past its screen with ${cards} check-ins`;
    });
    await screenshot(wall.page, 'viewer-phone', PHONE);
    // On a phone the wall is a page to scroll: one column, no wider than the screen, the
    // check-ins first and how to join after them.
    await wall.page.setViewportSize(PHONE);
    const layout = await wall.page.evaluate(() => {
      const cards = [...document.querySelectorAll('.pj-checkin')].map((el) => el.getBoundingClientRect());
      const join = /** @type {Element} */ (document.querySelector('[data-testid=pj-join]')).getBoundingClientRect();
      return {
        wider: document.documentElement.scrollWidth - innerWidth,
        columns: new Set(cards.map((c) => Math.round(c.left))).size,
        joinAfter: cards.every((c) => join.top >= c.bottom),
        widest: Math.max(...cards.map((c) => c.width)) / innerWidth,
      };
    });
    assert.deepEqual({ ...layout, widest: layout.widest > 0.8 }, { wider: 0, columns: 1, joinAfter: true, widest: true });
    await facPage.setViewportSize(LAPTOP);
    await wall.page.setViewportSize(LAPTOP);
  });

  await t.test('the facilitator moves to step 2 and back, and everyone follows', async () => {
    await facPage.getByTestId('step-next').click();
    for (const { page } of [fac, ...people, wall]) {
      await expectText(page.getByTestId('step-title'), 'An excellent client experience');
      if (page !== wall.page)
        await expectText(page.getByTestId('now'), 'Recall an excellent experience you had as a client');
    }
    await screenshot(people[1].page, 'participant-step2-laptop', LAPTOP);
    await facPage.getByTestId('step-back').click();
    for (const { page } of [fac, ...people, wall]) {
      await expectText(page.getByTestId('step-title'), 'Purpose and check-in');
      await expectCount(page.getByTestId('checkins').locator('.checkin'), 3);
    }
    await facPage.locator('.stepper button[data-step="5"]').click();
    await expectText(
      people[0].page.getByTestId('step-title'),
      'Assess the organisation for each client type',
    );
    await expectText(people[0].page.getByTestId('board-step5'), 'We listen to client feedback');
    await facPage.locator('.stepper button[data-step="1"]').click();
    await expectText(people[0].page.getByTestId('step-title'), 'Purpose and check-in');
  });

  await t.test('the countdown starts, pauses, extends, resumes and clears for everyone', async () => {
    const clocks = [fac, ...people, wall].map(({ page }) => page.getByTestId('clock'));
    // The projector shows only the clock; the others also say what it is doing.
    const phases = [fac, ...people].map(({ page }) => page.getByTestId('timer-phase'));
    // The step's suggested duration, once the facilitator's screen is back on step 1.
    await poll(async () => {
      const minutes = await facPage.getByTestId('timer-minutes').inputValue();
      return minutes === '10' ? null : `the countdown offers ${minutes} minutes`;
    });
    await facPage.getByTestId('timer-start').click();
    for (const [i, clock] of clocks.entries()) {
      if (phases[i]) await expectText(phases[i], 'Running');
      await expectText(clock, /^(10:00|09:[0-5]\d)$/);
    }

    await facPage.getByTestId('timer-pause').click();
    for (const phase of phases) await expectText(phase, 'Paused');
    // The wall says so too: a frozen clock must not read as one still running.
    await expectText(wall.page.getByTestId('clock-paused'), 'Paused');
    const frozen = await clocks[0].innerText();
    for (const clock of clocks) await expectText(clock, frozen);

    await facPage.getByTestId('timer-extend5').click();
    for (const clock of clocks) await expectText(clock, /^1[45]:[0-5]\d$/);
    await facPage.getByTestId('timer-extend1').click();
    for (const clock of clocks) await expectText(clock, /^1[56]:[0-5]\d$/);

    await facPage.getByTestId('timer-resume').click();
    for (const phase of phases) await expectText(phase, 'Running');
    await wall.page.getByTestId('clock-paused').waitFor({ state: 'detached' });

    await screenshot(facPage, 'facilitator-timer-laptop', LAPTOP);
    await facPage.getByTestId('timer-clear').click();
    for (const [i, clock] of clocks.entries()) {
      if (phases[i]) await expectText(phases[i], 'No countdown');
      await clock.waitFor({ state: 'hidden' });
    }
  });

  await t.test('a participant switches to Portuguese; the others stay in English', async () => {
    const bo = people[1].page;
    await bo.getByTestId('language').selectOption('pt');
    await expectText(bo.getByTestId('step-title'), 'Propósito e check-in');
    await expectText(bo.locator('.presence h2'), 'Quem está aqui');
    await expectText(bo.getByTestId('purpose'), 'centralidade no cliente');
    await expectText(bo.getByTestId('checkin-submit'), 'Atualizar check-in');
    assert.equal(await bo.locator('html').getAttribute('lang'), 'pt');
    await bo.reload();
    await expectText(bo.getByTestId('step-title'), 'Propósito e check-in');
    await expectText(facPage.getByTestId('step-title'), 'Purpose and check-in');
    await screenshot(bo, 'participant-pt-phone', PHONE);
  });

  await t.test('the facilitator changes the settings and every header follows', async () => {
    await facPage.locator('[data-testid=settings] summary').click();
    await facPage.locator('[data-testid=settings] input[name=title]').fill('Q3 partner workshop');
    await facPage.locator('[data-testid=settings] select[name=lens]').selectOption('partner');
    await facPage.locator('[data-testid=settings]').scrollIntoViewIfNeeded();
    await facPage
      .locator('[data-testid=settings]')
      .screenshot({ path: `${screenshotDir}/facilitator-settings.png` });
    await facPage.getByRole('button', { name: 'Apply changes' }).click();
    for (const { page } of [fac, ...people, wall]) {
      await expectText(page.getByTestId('room-title'), 'Q3 partner workshop');
    }
    await expectText(people[0].page.getByTestId('purpose'), 'partner-centricity');
    await expectText(people[1].page.getByTestId('purpose'), 'centralidade no parceiro');
  });

  await t.test('the co-facilitator link brings in a second facilitator', async () => {
    const coLink = await facPage.getByTestId('link-facilitator').inputValue();
    assert.match(coLink, /#key=[0-9a-f]+$/);
    const co = await env.openAsFacilitator(coLink, 'Luis');
    await expectText(co.page.getByTestId('you'), 'Luis · Facilitator');
    await co.page.getByTestId('step-next').waitFor();
    for (const { page } of [fac, ...people]) {
      await setPanel(page);
      await expectCount(page.locator('.person', { hasText: 'Luis' }).locator('.badge'), 1);
      await setPanel(page, false);
    }
    // A facilitator's own check-in does not count towards "N of M" participants.
    await expectText(co.page.getByTestId('checkin-progress'), 'Checked in: 3 of 3');
    people.push(co);
  });

  await t.test('two facilitators pressing Next a moment apart move the room one step', async () => {
    const co = people[people.length - 1].page;
    const at = (/** @type {import('playwright-core').Page} */ page) => page.locator('.stepper-item[aria-current=step] .step-num');
    await facPage.getByTestId('step-next').click();
    await expectText(at(co), '2');
    // Luis's Next, pressed as the room moves, does not move it again: it waits a moment.
    assert.equal(await co.getByTestId('step-next').isDisabled(), true);
    await poll(async () => ((await co.getByTestId('step-next').isDisabled()) ? 'still waiting' : null));
    for (const { page } of [fac, ...people]) await expectText(at(page), '2');
    await facPage.getByTestId('step-back').click();
    for (const { page } of [fac, ...people]) await expectText(at(page), '1');
  });

  await t.test("a co-facilitator's settings are not put back by another's Apply", async () => {
    const co = people[people.length - 1].page;
    const settings = (/** @type {import('playwright-core').Page} */ page) => page.locator('[data-testid=settings]');
    for (const page of [facPage, co]) {
      if ((await settings(page).getAttribute('open')) === null) await settings(page).locator('summary').click();
    }
    // Marta starts changing the organisation; meanwhile Luis changes the lens and applies.
    await settings(facPage).locator('input[name=organisation]').fill('Acme Europe');
    await settings(co).locator('select[name=lens]').selectOption('customer');
    await co.getByRole('button', { name: 'Apply changes' }).click();
    await expectText(facPage.getByTestId('purpose'), 'customer-centricity');
    // Her form follows the lens; her Apply sends her own change only.
    assert.equal(await settings(facPage).locator('select[name=lens]').inputValue(), 'customer');
    await facPage.getByRole('button', { name: 'Apply changes' }).click();
    await expectText(co.getByTestId('room-org'), 'Acme Europe');
    await expectText(co.getByTestId('purpose'), 'customer-centricity');
    await settings(co).locator('select[name=lens]').selectOption('partner');
    await co.getByRole('button', { name: 'Apply changes' }).click();
    await expectText(facPage.getByTestId('purpose'), 'partner-centricity');
  });

  await t.test('the wall display says when it has lost the room, and catches up', async () => {
    await wall.context.setOffline(true);
    await expectText(wall.page.getByTestId('reconnecting'), 'Reconnecting');
    await wall.context.setOffline(false);
    await wall.page.getByTestId('reconnecting').waitFor({ state: 'detached' });
  });

  await t.test('Next pressed while the line is down is not sent later, and the facilitator is told', async () => {
    const at = (/** @type {import('playwright-core').Page} */ page) => page.locator('.stepper-item[aria-current=step] .step-num');
    await fac.context.setOffline(true);
    await facPage.getByTestId('reconnecting').waitFor();
    await facPage.getByTestId('step-next').click();
    await expectText(facPage.getByTestId('toast'), 'Not sent: you are offline');
    await fac.context.setOffline(false);
    await facPage.getByTestId('reconnecting').waitFor({ state: 'detached' });
    // Had the offline press been kept and replayed, this one would take the room to step 3.
    await facPage.getByTestId('step-next').click();
    for (const { page } of [fac, ...people]) await expectText(at(page), '2');
    await facPage.getByTestId('step-back').click();
    for (const { page } of [fac, ...people]) await expectText(at(page), '1');
  });

  await t.test('the facilitator removes a check-in, and everyone sees it go', async () => {
    await facPage
      .getByTestId('checkins')
      .locator('.checkin', { hasText: 'Cy R.' })
      .locator('.checkin-remove')
      .click();
    for (const { page } of [fac, ...people, wall]) {
      await expectCount(page.getByTestId('checkins').locator('.checkin'), 2);
    }
    await expectText(facPage.getByTestId('checkin-progress'), 'Checked in: 2 of 3');
    await expectText(facPage.getByTestId('checkin-waiting'), 'Cy R.');
    const cy = people[2].page;
    await poll(async () => {
      const value = await cy.getByLabel('What I want to contribute').inputValue();
      return value === '' ? null : `Cy's form still holds ${value}`;
    });
    await expectText(cy.getByTestId('checkin-submit'), 'Post check-in');
  });

  await t.test('the share panel copies a link', async () => {
    await facPage.getByTestId('copy-participant').click();
    await expectText(facPage.getByTestId('copy-participant'), 'Copied');
    assert.equal(await facPage.evaluate(() => navigator.clipboard.readText()), participantLink);
  });

  await t.test('no screen logged an error or loaded anything from another host', async () => {
    for (const person of [fac, ...people, wall]) assert.deepEqual(person.problems, []);
  });
});

test('a room created with the partner lens speaks of partners', async () => {
  const fac = await env.newPerson({ viewport: LAPTOP });
  const { page } = fac;
  await page.goto(`${env.server.url}/`);
  await page.getByLabel('Workshop title').fill('Partner day');
  await expectText(page.getByTestId('home-steps'), 'Who are our clients?');
  // The outline of the six steps follows the lens as it is chosen, before the room exists.
  await page.getByLabel('Lens').selectOption('partner');
  await expectText(page.getByTestId('home-steps'), 'Who are our partners?');
  await expectText(page.getByTestId('home-steps'), 'Define partner-centricity in one sentence');
  await expectNoText(page.getByTestId('home-steps'), 'client');
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('button', { name: 'Open the room' }).click();
  await expectText(page.getByTestId('purpose'), 'partner-centricity');
  await expectText(page.getByTestId('purpose'), 'puts the partner at the centre');
  await expectText(page.getByTestId('stepper'), 'Our partners');
  await page.getByTestId('step-next').click();
  await expectText(page.getByTestId('step-title'), 'An excellent partner experience');
  // The Markdown report names the lens without a stray backslash and uses the screen's words.
  await setPanel(page);
  await page.getByTestId('export').locator('summary').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-md').click()]);
  const file = await download.path();
  assert.ok(file);
  const markdown = await readFile(file, 'utf8');
  assert.match(markdown, /Exploring Partner-centricity · Lens: Partner-centricity/);
  assert.ok(!markdown.includes('\\-'), 'no escaped hyphen');
  assert.match(markdown, /\| Name \| What I want to contribute \| What I want to get out of it \|/);
  await poll(async () => (fac.problems.length === 0 ? null : fac.problems.join('\n')));
});

test('a Portuguese room shows Portuguese to a newcomer, with the lens in Portuguese', async () => {
  const fac = await env.newPerson();
  await fac.page.goto(`${env.server.url}/`);
  await fac.page.getByLabel('Workshop title').fill('Sessão de clientes');
  await fac.page.getByLabel('Lens').selectOption('staff');
  await fac.page.getByLabel('Room language').selectOption('pt');
  await fac.page.getByRole('button', { name: 'Create room' }).click();
  await fac.page.getByRole('button', { name: 'Abrir a sala' }).click();
  await expectText(fac.page.getByTestId('purpose'), 'centralidade no colaborador');
  await expectText(fac.page.getByTestId('stepper'), 'Os nossos colaboradores');
  const link = await fac.page.getByTestId('link-participant').inputValue();
  const ana = await env.newPerson({ viewport: PHONE });
  await ana.page.goto(link);
  await expectText(ana.page.locator('form.join'), 'Entrar no workshop');
  await ana.page.getByLabel('O seu nome').fill('Ana');
  await ana.page.getByRole('button', { name: 'Entrar' }).click();
  await expectText(ana.page.getByTestId('step-title'), 'Propósito e check-in');
  await screenshot(ana.page, 'participant-pt-staff-phone', PHONE);
  assert.deepEqual([...fac.problems, ...ana.problems], []);
});

test("when the countdown runs out, everyone sees time's up", async () => {
  const room = await env.createRoom('Timed', { organisation: '', lens: 'client', language: 'en' });
  const fac = await env.openAsFacilitator(`${env.server.url}/r/${room.room_id}#key=${room.facilitator_key}`);
  // A facilitator who kept the default name is called by the role once, not
  // "Facilitator · Facilitator".
  await poll(async () => {
    const chip = await fac.page.getByTestId('you').textContent();
    return chip === 'Facilitator' ? null : `the chip reads ${chip}`;
  });
  // Ana's clock is under the test's control, so a minute passes in moments. It moves on in
  // one-second steps, and whenever her page asks the server whether the line is alive (a
  // `ping`) the test waits for the answer before moving on: a single jump would make the page
  // take its line for dead, reconnect, and learn the server's real time again (rightly: only
  // seconds passed there).
  const ana = await env.newPerson({ viewport: PHONE });
  await ana.context.clock.install();
  const line = { pings: 0, answeredPings: 0 };
  ana.page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => {
      if (String(frame.payload).includes('"type":"ping"')) line.pings += 1;
    });
    ws.on('framereceived', () => {
      line.answeredPings = line.pings;
    });
  });
  await ana.page.goto(`${env.server.url}/r/${room.room_id}`);
  await ana.page.getByLabel('Your name').fill('Ana');
  await ana.page.getByRole('button', { name: 'Join' }).click();
  await fac.page.getByTestId('timer-minutes').fill('1');
  await fac.page.getByTestId('timer-start').click();
  await expectText(ana.page.getByTestId('timer-phase'), 'Running');
  for (let passed = 0; passed <= 61_000; passed += 1000) {
    await ana.page.clock.fastForward(1000);
    await poll(async () => (line.answeredPings === line.pings ? null : `ping ${line.pings} is not answered`));
  }
  await expectText(ana.page.getByTestId('timer-phase'), "Time's up");
  await expectText(ana.page.getByTestId('clock'), '00:00');
  await screenshot(ana.page, 'participant-timesup-phone', PHONE);
  assert.deepEqual([...fac.problems, ...ana.problems], []);
});
