// A whole workshop in real Chromium against the real server, with steps 4-6 driven through
// the browser: a facilitator and six participants (two teams of three, one on a phone), a
// co-facilitator "scribe" who fills steps 2-3 over a raw WebSocket, private "Help me" notes
// revealed person by person, two people dragging different notes at once while a third
// watches, clusters formed by dropping a note onto another, named, and a suggestion accepted;
// teams and their concurrent example cards, a read-only board for the other team; following
// the presenter; areas, secret dot voting, the ranking and follow-ups; the exports, closing
// the room, running it again, and the printable report.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  LAPTOP,
  PHONE,
  expectCount,
  expectNoText,
  drawnAt,
  expectText,
  grabNote,
  installWire,
  noteId,
  overlaps,
  poll,
  screenshot,
  screenshotDir,
  setPanel,
  settledBoxes,
  useServerAndBrowser,
  wallNote,
} from './helpers.mjs';

const env = useServerAndBrowser();

/** @typedef {import('./helpers.mjs').Person} Person */
/** @typedef {import('playwright-core').Page} Page */

/**
 * A co-facilitator speaking the wire protocol from inside a page (no UI), for the steps this
 * file does not test through the browser.
 * @param {string} roomId
 * @param {string} key
 */
async function startScribe(roomId, key) {
  const person = await env.newPerson();
  await person.page.goto(`${env.server.url}/`);
  await installWire(person.page);
  await person.page.evaluate(
    async ({ roomId, key }) => {
      const { wire } = /** @type {any} */ (window);
      const Y = await import('/app/vendor/yjs.js');
      const { socket } = await wire.join(roomId, { client: 'scribe', credentials: { role: 'facilitator', key }, name: 'Luis' });
      /** @type {Map<string, any>} each shared text's document, as this page has seen it */
      const docs = new Map();
      Object.assign(window, {
        scribe: (/** @type {any} */ cmd) => wire.send(socket, cmd),
        /** Appends `text` to a shared text this page has not seen written by others. */
        scribeWrite: (/** @type {any} */ target, /** @type {string} */ text) => {
          const key = target.kind === 'definition' ? `definition:${target.group}` : `${target.kind}:${target.id}`;
          const doc = docs.get(key) ?? new Y.Doc();
          docs.set(key, doc);
          const before = Y.encodeStateVector(doc);
          const ytext = doc.getText('t');
          ytext.insert(ytext.length, text);
          const update = btoa(String.fromCharCode(...Y.encodeStateAsUpdate(doc, before)));
          return wire.send(socket, { type: 'text.edit', target, update });
        },
      });
    },
    { roomId, key },
  );
  return {
    person,
    /** @param {object} cmd */
    async send(cmd) {
      const answer = await person.page.evaluate((c) => /** @type {any} */ (window).scribe(c), cmd);
      assert.equal(answer.type, 'ack', `scribe's ${JSON.stringify(cmd)}: ${JSON.stringify(answer)}`);
    },
    /** Writes into a shared text (a Yjs update, as a browser's editor sends). @param {object} target @param {string} text */
    async write(target, text) {
      const answer = await person.page.evaluate(([t, x]) => /** @type {any} */ (window).scribeWrite(t, x), [target, text]);
      assert.equal(answer.type, 'ack', `scribe's writing ${JSON.stringify(text)}: ${JSON.stringify(answer)}`);
    },
  };
}

/**
 * Joins through the participant link with a name.
 * @param {string} link
 * @param {string} name
 * @param {{ width: number, height: number }} [viewport]
 */
async function join(link, name, viewport = LAPTOP) {
  const person = await env.join(link, name, { viewport });
  await expectText(person.page.getByTestId('you'), `${name} · Participant`).catch(async () => {
    // On a phone the "you" chip is hidden: the presence list says it instead.
    await expectText(person.page.getByTestId('presence'), name);
  });
  return person;
}

/**
 * What keeps `page`'s wall notes from being seen: a note outside the wall's frame, or one
 * whose middle is under something else (a floating card, the zoom tools, the action bar).
 * @param {Page} page
 */
function hiddenNotes(page) {
  return page.evaluate(() => {
    const wall = document.querySelector('[data-testid=wall]');
    if (!wall) return ['no wall'];
    const frame = wall.getBoundingClientRect();
    const notes = [...wall.querySelectorAll('.wall-note')];
    if (notes.length === 0) return ['no notes'];
    return notes.flatMap((note) => {
      const box = note.getBoundingClientRect();
      const words = (note.textContent ?? '').slice(0, 30);
      if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1 || box.bottom > frame.bottom + 1)
        return [`"${words}" at ${Math.round(box.left)},${Math.round(box.top)} is outside the wall's frame`];
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return hit && note.contains(hit) ? [] : [`"${words}" is under ${hit?.className}`];
    });
  });
}

/**
 * Waits until every note on `page`'s wall is in view and uncovered.
 * @param {Page} page @param {string} who
 */
async function expectNotesInView(page, who) {
  await poll(async () => {
    const problems = await hiddenNotes(page);
    return problems.length ? `${who}: ${problems.length} notes out of view, e.g. ${problems.slice(0, 3).join('; ')}` : null;
  });
}

/**
 * Presses the mouse on a note and moves it by (dx, dy) screen pixels, without letting go.
 * @param {Page} page @param {string} text @param {number} dx @param {number} dy
 */
function grab(page, text, dx, dy) {
  return grabNote(page, wallNote(page, text), dx, dy);
}


/**
 * Drags the note `text` onto the note `onto` and lets go.
 * @param {Page} page @param {string} text @param {string} onto
 */
async function dropOnto(page, text, onto) {
  await page.getByTestId('wall').scrollIntoViewIfNeeded();
  const [from, to] = await settledBoxes(wallNote(page, text), wallNote(page, onto));
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 3);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
  await page.mouse.up();
}

test('a whole workshop, steps 1 to 6 and the report, with six participants in two teams', async (t) => {
  const created = await env.createRoom('Client day', {
    organisation: 'Acme',
    lens: 'client',
    language: 'en',
  });
  const roomId = created.room_id;
  const key = created.facilitator_key;

  const fac = await env.openAsFacilitator(created.facilitator_url, 'Marta');
  const facPage = fac.page;
  await expectText(facPage.getByTestId('room-title'), 'Client day');

  const scribe = await startScribe(roomId, key);
  await scribe.send({ type: 'settings.update', group_size: 3 });

  const names = ['Ana', 'Bo', 'Cy', 'Di', 'Ed', 'Flo'];
  /** @type {Record<string, Person>} */
  const p = {};
  for (const name of names)
    p[name] = await join(created.participant_url, name, name === 'Flo' ? PHONE : LAPTOP);
  const everyone = [fac, ...names.map((n) => p[n])];
  const pages = everyone.map((x) => x.page);
  // And a wall display on the projector, which follows everything and changes nothing.
  const projector = await env.newPerson();
  await projector.page.goto(`${created.participant_url}/wall`);
  // The projector shows no list of who is here; everyone else does.
  for (const page of pages) {
    await setPanel(page);
    await expectText(page.getByTestId('presence-counts'), '8 online');
    await setPanel(page, false);
  }

  await t.test('step 1: check-ins', async () => {
    for (const name of ['Ana', 'Di']) {
      const page = p[name].page;
      await page.getByLabel('What I want to contribute').fill(`${name}'s stories from the front line`);
      await page.getByLabel('What I want to get out of it').fill(`${name}'s two changes`);
      await page.getByTestId('checkin-submit').click();
    }
    await expectCount(facPage.getByTestId('checkins').locator('.checkin'), 2);
  });

  await t.test('steps 2-3: the scribe captures factors, definitions and highlights', async () => {
    await facPage.getByTestId('step-next').click();
    await expectText(p.Ana.page.getByTestId('step-title'), 'An excellent client experience');
    await scribe.send({ type: 'factor.add', id: 'f-1', text: 'They listened' });
    await scribe.send({ type: 'factor.add', id: 'f-2', text: 'They listened to me' });
    await scribe.send({ type: 'factor.add', id: 'f-3', text: 'Fast answers' });
    await scribe.send({ type: 'factor.merge', from: 'f-2', into: 'f-1' });
    await facPage.getByTestId('step-next').click();
    await expectText(p.Ana.page.getByTestId('step-title'), 'Define client-centricity in one sentence');
    await scribe.send({ type: 'groups.form' });
    await scribe.write({ kind: 'definition', group: 1 }, 'Putting clients at the heart of every decision.');
    await scribe.write({ kind: 'definition', group: 2 }, 'Every decision starts with what clients need.');
    await scribe.send({ type: 'highlight.add', id: 'h-1', group: 1, start: 8, end: 15 });
    await scribe.send({ type: 'working.set', text: 'Clients at the heart of every decision.' });
  });

  const notes = {
    Ana: ['build stronger teams across my company', 'find good people to hire'],
    Bo: ['grow the skills of my team', 'keep my best people'],
    Cy: ['develop stronger teams of leaders'],
    Di: ['reduce paperwork for my accountants'],
    Ed: ['cut the cost of compliance for my accountants'],
  };

  await t.test('step 4: notes stay private to their writer; others see only counts', async () => {
    await facPage.getByTestId('step-next').click();
    for (const page of pages) await expectText(page.getByTestId('step-title'), 'Who are our clients?');
    // A phone opens on the wall as lists; Flo picks the canvas, as the others have.
    await p.Flo.page.getByTestId('view-wall').click();
    await expectText(p.Ana.page.getByTestId('note-composer'), 'Help me');
    for (const [name, texts] of Object.entries(notes)) {
      const page = p[name].page;
      for (const text of texts) {
        await page.getByTestId('note-input').fill(text);
        await page.getByTestId('note-add').click();
      }
      for (const text of texts) await expectText(page.getByTestId('my-notes'), `Help me ${text}`);
    }
    await screenshot(p.Ana.page, 'step4-compose-laptop', LAPTOP);
    // Bo knows Ana wrote two, and nothing of what they say (the list is folded for participants).
    const bo = p.Bo.page;
    await bo.getByTestId('pending-card').getByRole('button', { name: 'Show' }).click();
    await expectText(bo.getByTestId('pending').locator('.pending-row', { hasText: 'Ana' }), '2 notes');
    await expectText(bo.getByTestId('pending').locator('.pending-row', { hasText: 'Cy' }), '1 note');
    for (const text of notes.Ana) {
      await expectNoText(bo.locator('body'), text);
      assert.ok(!(await bo.content()).includes(text), "Ana's words are nowhere in Bo's page");
    }
    await expectText(facPage.getByTestId('pending'), 'Ana');
    await screenshot(facPage, 'step4-reveal-laptop', LAPTOP);
    // Nothing revealed yet: the wall is shown where the first notes land, at a size one can
    // drop onto (the whole empty wall at a few percent told nobody anything).
    await poll(async () => {
      const label = await facPage.getByTestId('zoom-label').textContent();
      return Number.parseInt(label ?? '0', 10) >= 50 ? null : `the empty wall is at ${label}`;
    });
  });

  await t.test('step 4: the facilitator reveals Ana, then Bo; their notes land on every wall', async () => {
    await facPage.getByRole('button', { name: "Reveal Ana's notes" }).click();
    for (const page of pages) for (const text of notes.Ana) await expectCount(wallNote(page, text), 1);
    for (const page of pages.filter((x) => x !== p.Ana.page)) {
      await expectText(page.getByTestId('turn'), "Ana's notes are on the wall");
    }
    await expectText(p.Ana.page.getByTestId('turn'), 'Your notes are on the wall');
    for (const text of notes.Ana) await expectCount(wallNote(projector.page, text), 1);
    await expectCount(
      projector.page.locator('.wall-note.draggable, [data-testid=note-input], [data-testid=reveal-all]'),
      0,
    );
    await expectNoText(p.Bo.page.getByTestId('pending'), 'Ana');
    await facPage.getByRole('button', { name: "Reveal Bo's notes" }).click();
    for (const page of pages) for (const text of notes.Bo) await expectCount(wallNote(page, text), 1);
    // Cy's note is still private.
    await expectCount(wallNote(p.Bo.page, notes.Cy[0]), 0);
    // The keyboard reaches Cy's own note field before the notes on the wall (3 Tabs from the
    // step's title; 13 when the field came after them).
    const cy = p.Cy.page;
    await cy.getByTestId('step-title').click();
    let tabs = 0;
    while (!(await cy.getByTestId('note-input').evaluate((el) => el === document.activeElement))) {
      assert.ok(++tabs < 8, `the note field is still not reached after ${tabs} Tabs`);
      await cy.keyboard.press('Tab');
    }
  });

  await t.test('step 4: two people drag different notes at once; a third sees both move', async () => {
    const ana = p.Ana.page;
    const bo = p.Bo.page;
    const cy = p.Cy.page;
    const a = await noteId(cy, 'find good people');
    const b = await noteId(cy, 'keep my best people');
    const a0 = await drawnAt(cy, a);
    const b0 = await drawnAt(cy, b);
    // Both press and move at the same time, and hold on.
    const [anaAt, boAt] = await Promise.all([
      grab(ana, 'find good people', 60, 140),
      grab(bo, 'keep my best people', 120, 180),
    ]);
    await poll(async () => {
      const [aNow, bNow] = [await drawnAt(cy, a), await drawnAt(cy, b)];
      const live = await cy.locator('.wall-note.remote').count();
      return aNow.y > a0.y + 100 && bNow.y > b0.y + 100 && live === 2
        ? null
        : `Cy sees a at ${JSON.stringify(aNow)}, b at ${JSON.stringify(bNow)}, ${live} moving`;
    });
    await expectText(cy.locator(`.wall-note[data-id="${a}"] .wall-note-mover`), 'Ana');
    await expectText(cy.locator(`.wall-note[data-id="${b}"] .wall-note-mover`), 'Bo');
    await screenshot(cy, 'step4-live-drags-laptop', LAPTOP);
    // They move on and let go together.
    await Promise.all([
      (async () => {
        await ana.mouse.move(anaAt.x + 40, anaAt.y + 60, { steps: 5 });
        await ana.mouse.up();
      })(),
      (async () => {
        await bo.mouse.move(boAt.x + 40, boAt.y + 60, { steps: 5 });
        await bo.mouse.up();
      })(),
    ]);
    // Everyone ends up with the dropped positions, and nobody is shown moving any more.
    await poll(async () => {
      const want = [await drawnAt(ana, a), await drawnAt(bo, b)];
      for (const page of pages) {
        const got = [await drawnAt(page, a), await drawnAt(page, b)];
        const off = got.some((g, i) => Math.abs(g.x - want[i].x) > 1 || Math.abs(g.y - want[i].y) > 1);
        if (off || (await page.locator('.wall-note.remote').count()) > 0) {
          return `a page shows ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
        }
      }
      return want[0].y > a0.y + 150 && want[1].y > b0.y + 200 ? null : `not moved: ${JSON.stringify(want)}`;
    });
  });

  await t.test('step 4: dropping a note onto another forms a cluster, which Bo names', async () => {
    const bo = p.Bo.page;
    await dropOnto(bo, 'grow the skills', 'build stronger teams across');
    const menu = bo.getByTestId('cluster-menu');
    await menu.waitFor();
    await menu.getByTestId('cluster-name').fill('Team leaders');
    await menu.getByTestId('cluster-save').click();
    for (const page of pages) {
      await expectText(page.getByTestId('wall-region'), 'Team leaders');
      const cluster = await wallNote(page, 'grow the skills').getAttribute('data-cluster');
      assert.ok(cluster);
      assert.equal(await wallNote(page, 'build stronger teams across').getAttribute('data-cluster'), cluster);
    }
  });

  await t.test(
    'step 4: a note revealed later is suggested for a cluster, and the suggestion is taken',
    async () => {
      await facPage.getByRole('button', { name: "Reveal Cy's notes" }).click();
      const cy = p.Cy.page;
      const hint = wallNote(cy, notes.Cy[0]).getByTestId('note-hint');
      await expectText(hint, 'Looks like: Team leaders');
      await screenshot(cy, 'step4-suggestion-laptop', LAPTOP);
      await hint.getByTestId('hint-add').click();
      const cluster = await wallNote(cy, 'build stronger teams across').getAttribute('data-cluster');
      for (const page of pages) {
        await poll(async () =>
          (await wallNote(page, notes.Cy[0]).getAttribute('data-cluster')) === cluster
            ? null
            : 'not in the cluster yet',
        );
        await expectText(
          page.getByTestId('wall-region').filter({ hasText: 'Team leaders' }).locator('.wall-region-count'),
          '3',
        );
      }
      await expectCount(wallNote(cy, notes.Cy[0]).getByTestId('note-hint'), 0).catch(async () => {
        assert.equal(await wallNote(cy, notes.Cy[0]).getByTestId('note-hint').isHidden(), true);
      });
    },
  );

  await t.test('step 4: reveal everyone; a second cluster, named and grown from the list view', async () => {
    await facPage.getByTestId('reveal-all').click();
    for (const page of pages)
      for (const text of [...notes.Di, ...notes.Ed]) await expectCount(wallNote(page, text), 1);
    const di = p.Di.page;
    await dropOnto(di, 'reduce paperwork', 'cut the cost of compliance');
    await di.getByTestId('cluster-menu').waitFor();
    await di.keyboard.press('Escape');
    // Ed names it and moves a note in with the keyboard-friendly list view.
    const ed = p.Ed.page;
    await ed.getByTestId('view-list').click();
    const list = ed.getByTestId('wall-list');
    await expectText(list, 'Unnamed cluster');
    await list.getByRole('button', { name: 'Edit "Name of the cluster Unnamed cluster"' }).click();
    const name = list.getByRole('textbox', { name: 'Name of the cluster Unnamed cluster' });
    await name.fill('Finance teams');
    await name.press('Enter');
    const onWall = pages.filter((x) => x !== ed);
    for (const page of onWall)
      await expectText(page.getByTestId('wall-region').filter({ hasText: 'Finance teams' }), 'Finance teams');
    await list
      .getByRole('combobox', { name: 'Cluster of "Help me keep my best people"' })
      .selectOption({ label: 'Team leaders' });
    for (const page of onWall) {
      await expectText(
        page.getByTestId('wall-region').filter({ hasText: 'Team leaders' }).locator('.wall-region-count'),
        '4',
      );
    }
    await expectText(list.locator('.list-cluster', { hasText: 'Team leaders' }), 'keep my best people');
    await screenshot(ed, 'step4-list-laptop', LAPTOP);
    // The list is a page, not a canvas: no card or bar floats over the lists.
    assert.deepEqual(
      await overlaps(ed, '.wall-list-frame, .wall-heading, .pending-card, .note-composer, .action-bar, .wall-float-top > .segmented'),
      [],
      'on a laptop, the list view has nothing over the lists',
    );
    await screenshot(ed, 'step4-list-phone', PHONE);
    // On a phone it is one scrolling page that ends where the action bar starts.
    assert.deepEqual(await overlaps(ed, '.board-step4, .action-bar'), [], 'on a phone, the action bar is below the list');
    await ed.setViewportSize(LAPTOP);
    await ed.getByTestId('view-wall').click();
  });

  await t.test('step 4: on a phone the wall has nothing over it, and "Fit" keeps the notes readable', async () => {
    const flo = p.Flo.page;
    // The heading and the reveal above the canvas, the composer and the action bar below it.
    assert.deepEqual(await overlaps(flo, '.wall-float-top > *, .wall-canvas, .wall-float-bottom > *, .action-bar'), []);
    const covered = await flo.evaluate(() =>
      [...document.querySelectorAll('.wall-tools button')].flatMap((button) => {
        const box = button.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return hit && button.contains(hit) ? [] : [`"${button.textContent}" is under ${hit?.className}`];
      }),
    );
    assert.deepEqual(covered, [], 'every wall tool can be pressed');
    await flo.getByTestId('zoom-fit').click();
    const zoom = Number.parseInt((await flo.getByTestId('zoom-label').textContent()) ?? '', 10);
    assert.ok(zoom >= 40, `"Fit" on a phone stops at a readable zoom, not ${zoom}%`);
    assert.equal(await flo.getByTestId('zoom-fit').getAttribute('aria-label'), 'Show the notes, as large as they can be read');
    assert.equal(await facPage.getByTestId('zoom-fit').getAttribute('aria-label'), 'Fit every note in view');
    const shown = await flo.evaluate(() => {
      const frame = /** @type {Element} */ (document.querySelector('[data-testid=wall]')).getBoundingClientRect();
      return [...document.querySelectorAll('.wall-note')].filter((note) => {
        const box = note.getBoundingClientRect();
        return box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom;
      }).length;
    });
    assert.ok(shown >= 2, `after "Fit" the phone shows whole notes (${shown})`);
  });

  await t.test('step 4: on a laptop and a tablet, the cards and bars over the wall keep apart', async () => {
    // Bo has moved a note, so his action bar holds three buttons, "Undo" the longest.
    const bo = p.Bo.page;
    await expectCount(bo.getByTestId('undo'), 1);
    for (const size of [LAPTOP, { width: 1024, height: 768 }, { width: 820, height: 1180 }]) {
      await bo.setViewportSize(size);
      assert.deepEqual(await overlaps(bo, '.wall-float > *, .wall-tools, .action-bar'), [], `at ${size.width}x${size.height}`);
    }
    await screenshot(bo, 'step4-wall-participant-tablet', { width: 820, height: 1180 });
    await bo.setViewportSize(LAPTOP);
  });

  await t.test('step 4: screenshots of the wall', async () => {
    for (const page of pages) await page.getByTestId('zoom-fit').click();
    await screenshot(facPage, 'step4-wall-facilitator-laptop', LAPTOP);
    await screenshot(p.Flo.page, 'step4-wall-phone', PHONE);
  });

  const team1 = ['Ana', 'Bo', 'Cy'];
  const team2 = ['Di', 'Ed', 'Flo'];

  await t.test('a note in hand when the room moves on is not dropped where the pointer was', async () => {
    const bo = p.Bo.page;
    /** @type {string[]} */
    const sent = [];
    const cdp = await bo.context().newCDPSession(bo);
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', (ev) => sent.push(ev.response.payloadData));
    await grabNote(bo, wallNote(bo, notes.Ana[0]), 160, 90);
    await facPage.getByTestId('step-next').click();
    await expectText(bo.getByTestId('step-title'), 'Assess the organisation');
    await bo.mouse.up();
    // Whatever the release sent went before this, and the room has answered this.
    await bo.getByTestId('ready-toggle').click();
    await expectText(facPage.getByTestId('activity'), '1 of 6');
    await bo.getByTestId('ready-toggle').click();
    await expectText(facPage.getByTestId('activity'), '0 of 6');
    assert.deepEqual(sent.filter((f) => f.includes('"note.drop"')), []);
    await cdp.detach();
  });

  await t.test('step 5: the facilitator forms two teams and gives each a client type', async () => {
    for (const page of pages) await expectText(page.getByTestId('step-title'), 'Assess the organisation');
    await facPage.getByTestId('teams-from-groups').click();
    // Teams are laid out as the step 3 groups are: a column per team, a chip per person.
    const column = (/** @type {string} */ team) =>
      facPage.getByTestId('teams').locator(`.group-col[data-group="${team}"]`);
    await expectCount(facPage.getByTestId('teams').locator('.group-col[data-group]'), 2);
    for (const [team, members] of [
      ['1', team1],
      ['2', team2],
    ]) {
      for (const name of members) {
        const chip = column(team).locator('.member-chip', { hasText: name });
        if ((await chip.count()) === 0)
          await facPage
            .getByRole('combobox', { name: `Move ${name} to another team` })
            .selectOption({ label: `To Team ${team}` });
        await poll(async () => ((await chip.count()) === 1 ? null : `${name} not in team ${team}`));
      }
    }
    await facPage.getByTestId('team-cluster-1').selectOption({ label: 'Team leaders' });
    await facPage.getByTestId('team-cluster-2').selectOption({ label: 'Finance teams' });
    // Each participant lands on their own team's board, its tab marked as theirs, and is told
    // which team it is once (no card above it saying it again).
    for (const [names, n] of /** @type {const} */ ([[team1, 1], [team2, 2]])) {
      for (const name of names) {
        const page = p[name].page;
        await expectText(page.locator('[role=tab][aria-selected=true]'), new RegExp(`Team ${n} · .*yours`));
        await expectText(page.getByTestId('team-board-title'), `Team ${n}`);
        await expectCount(page.getByTestId('my-team'), 0);
      }
    }
    // Members choose their team's client type on its board; no one else sees the control there.
    const picker = p.Ana.page.getByTestId('team-board').getByTestId('team-cluster-1');
    await poll(async () => ((await picker.inputValue()) ? null : 'Ana sees no client type picked'));
    await expectCount(p.Di.page.getByTestId('team-board').locator('select[data-testid^=team-cluster]'), 1);
    await expectText(p.Ana.page.getByTestId('team-board-title'), 'Team 1 · Team leaders');
    await expectText(p.Di.page.getByTestId('team-board-title'), 'Team 2 · Finance teams');
  });

  const failure = "Nobody read last year's survey";
  const success = 'We call every new client in week one';

  await t.test('step 5: two team members add cards at the same time; everyone sees both', async () => {
    const ana = p.Ana.page;
    const bo = p.Bo.page;
    /** @param {Page} page @param {string} column @param {string} text */
    const add = async (page, column, text) => {
      const cell = page.getByTestId('category-1').locator(`.column-${column}`);
      await cell.getByTestId('add-example').click();
      await cell.getByTestId('card-input').fill(text);
      await cell.getByTestId('card-input').press('Enter');
    };
    await Promise.all([add(ana, 'failed', failure), add(bo, 'succeeded', success)]);
    for (const name of team1) {
      const board = p[name].page.getByTestId('category-1');
      await poll(async () => {
        const texts = await board.getByTestId('card-text').evaluateAll((els) =>
          els.map((e) => e.querySelector('textarea')?.value ?? e.querySelector('.shared-text-body')?.textContent),
        );
        return texts.includes(failure) && texts.includes(success)
          ? null
          : `${name} sees ${JSON.stringify(texts)}`;
      });
    }
    await p.Ana.page.getByTestId('rate-1-3').click();
    await expectCount(p.Bo.page.getByTestId('category-1').locator('.star.on'), 3);
    // The facilitator's overview counts them.
    await facPage.getByTestId('tab-overview').click();
    await expectText(
      facPage.getByTestId('team-tile').filter({ hasText: 'Team 1' }).getByTestId('team-progress'),
      'Examples: 2 · Rated: 1 of 6',
    );
  });

  await t.test('step 5: while Ana edits a card, Bo sees her writing it, keystroke by keystroke', async () => {
    const ana = p.Ana.page;
    const cell = ana.getByTestId('category-1').locator('.column-failed');
    const field = cell.getByTestId('card-text-input');
    const boCard = p.Bo.page.getByTestId('category-1').locator('.column-failed').locator('.ex-card');
    const boText = async () => (await boCard.getByTestId('card-text').locator('.shared-text-body').textContent()) ?? '';
    const extra = ' or acted on it';
    // A card is read as a card; a click opens it to write, with the caret after its words.
    await expectCount(cell.locator('.ex-card textarea'), 0);
    await cell.getByTestId('card-text-open').click();
    await poll(async () =>
      (await field.evaluate((el) => el === document.activeElement && /** @type {HTMLTextAreaElement} */ (el).selectionStart === /** @type {HTMLTextAreaElement} */ (el).value.length))
        ? null
        : 'the opened card does not have the caret at its end',
    );
    // A card's text is shared as it is typed (there is no save): Bo sees every keystroke
    // arrive, and the line under the field says who is writing.
    for (const [i, ch] of [...extra].entries()) {
      await field.pressSequentially(ch);
      const want = `${failure}${extra.slice(0, i + 1)}`;
      await poll(async () => {
        const value = await boText();
        return value === want ? null : `Bo sees ${JSON.stringify(value)}, want ${JSON.stringify(want)}`;
      });
      if (i === 0) {
        await expectText(boCard.locator('.shared-typing'), 'Ana is writing');
        await expectCount(boCard.locator('[data-testid=remote-caret][data-name="Ana"]'), 1);
      }
    }
    await screenshot(ana, 'step5-card-open-laptop', LAPTOP);
    await screenshot(p.Bo.page, 'step5-card-watched-laptop', LAPTOP);
    // Escape closes the card and gives the keyboard back to it; clicking elsewhere would too.
    await field.press('Escape');
    await expectCount(cell.locator('.ex-card textarea'), 0);
    await poll(async () =>
      (await cell.getByTestId('card-text-open').evaluate((el) => el === document.activeElement)) ? null : 'the closed card does not have the focus',
    );
    await expectNoText(boCard, 'Ana is writing');
    assert.equal(await boText(), `${failure} or acted on it`);
    // On the closed card, Ctrl+Z takes back her own last words there, not the room's last
    // action (her rating stays), and Ctrl+Shift+Z brings them back.
    const full = `${failure}${extra}`;
    await ana.keyboard.press('Control+z');
    await poll(async () => {
      const now = await boText();
      return now.length < full.length && full.startsWith(now) && now.startsWith(failure) ? null : `Bo sees ${JSON.stringify(now)} after Ana's undo`;
    });
    await expectCount(ana.getByTestId('category-1').locator('.star.on'), 3);
    await ana.keyboard.press('Control+Shift+z');
    await poll(async () => ((await boText()) === full ? null : `Bo sees ${JSON.stringify(await boText())} after Ana's redo`));
  });

  await t.test('step 5: the other team can look at the board but not change it', async () => {
    const di = p.Di.page;
    await di.getByTestId('tab-1').click();
    await expectText(di.getByTestId('team-board-title'), 'Team 1');
    await expectText(di.getByTestId('readonly-note'), "Another team's board");
    await expectText(di.getByTestId('team-board'), success);
    await expectText(di.getByTestId('category-2'), 'No examples yet');
    await expectCount(
      di.getByTestId('team-board').locator('textarea, [data-testid$=-open], [data-testid=add-example], button.star, select'),
      0,
    );
    await screenshot(di, 'step5-other-team-laptop', LAPTOP);
    await di.getByTestId('tab-2').click();
    const cell = di.getByTestId('category-3').locator('.column-failed');
    await cell.getByTestId('add-example').click();
    await cell.getByTestId('card-input').fill('Invoices confuse our clients');
    await cell.getByTestId('card-input').press('Enter');
    await expectText(
      facPage.getByTestId('team-tile').filter({ hasText: 'Team 2' }).getByTestId('team-progress'),
      'Examples: 1',
    );
  });

  await t.test('step 5: screenshots of the boards', async () => {
    await screenshot(facPage, 'step5-overview-laptop', LAPTOP);
    await facPage.getByTestId('open-team-1').click();
    await expectText(facPage.getByTestId('team-board-title'), 'Team 1');
    await screenshot(facPage, 'step5-facilitator-board-laptop', LAPTOP);
    await screenshot(p.Ana.page, 'step5-team-board-laptop', LAPTOP);
    await screenshot(p.Flo.page, 'step5-team-board-phone', PHONE);
    // On the narrower screen the chosen tab (Flo's own team) is still whole in its row.
    await poll(async () => {
      const [tab, row] = await Promise.all(
        [p.Flo.page.locator('[role=tab][aria-selected=true]'), p.Flo.page.getByRole('tablist')].map((l) => l.first().boundingBox()),
      );
      return tab && row && tab.x >= row.x - 1 && tab.x + tab.width <= row.x + row.width + 1
        ? null
        : `the chosen tab ${JSON.stringify(tab)} is not whole in its row ${JSON.stringify(row)}`;
    });
  });

  await t.test('step 6: everyone follows the presenting team; one steps out and back', async () => {
    await facPage.getByTestId('step-next').click();
    for (const page of pages) await expectText(page.getByTestId('step-title'), 'Present and prioritise');
    await facPage.getByTestId('present-1').click();
    for (const page of pages) {
      await expectText(page.getByTestId('presenter-banner'), 'Now presenting: Team 1 · Team leaders');
      await expectText(page.getByTestId('team-board-title'), 'Team 1 · Team leaders');
    }
    // The projector shows the presenting team's board in large, with nothing to press.
    const shown = projector.page.getByTestId('presenter-board');
    await expectText(shown, 'Now presenting: Team 1 · Team leaders');
    await expectText(shown, success);
    await expectCount(shown.locator('textarea, input, select, button'), 0);
    const di = p.Di.page;
    await di.getByTestId('step-out').click();
    await di.getByTestId('tab-2').click();
    await expectText(di.getByTestId('team-board-title'), 'Team 2 · Finance teams');
    await expectText(di.getByTestId('presenter-banner'), 'Team 1 · Team leaders is presenting');
    await screenshot(di, 'step6-stepped-out-laptop', LAPTOP);
    await di.getByTestId('back-to-presenter').click();
    await expectText(di.getByTestId('team-board-title'), 'Team 1 · Team leaders');
    await facPage.getByTestId('present-2').click();
    for (const page of pages)
      await expectText(page.getByTestId('team-board-title'), 'Team 2 · Finance teams');
    await facPage.getByTestId('present-1').click();
    for (const page of pages) await expectText(page.getByTestId('team-board-title'), 'Team 1 · Team leaders');
  });

  await t.test('step 6: areas for improvement, from a failure card and new; a duplicate merged', async () => {
    const ana = p.Ana.page;
    await ana.getByTestId('category-1').locator('.column-failed').getByTestId('card-to-area').click();
    await expectText(facPage.getByTestId('areas'), `${failure} or acted on it`);
    /** @param {Page} page @param {string} text */
    const propose = async (page, text) => {
      await page.getByTestId('area-input').fill(text);
      await page.getByTestId('area-add').click();
      await expectText(facPage.getByTestId('areas'), text);
    };
    await propose(p.Bo.page, 'Answer every complaint within a day');
    await propose(p.Di.page, 'Simplify our invoices');
    await propose(p.Ed.page, 'Reply to complaints within 24 hours');
    await facPage
      .getByLabel('Merge "Reply to complaints within 24 hours" into another area')
      .selectOption({ label: 'Answer every complaint within a day' });
    // The duplicate is no area of its own; its words and author stay under the one it joined.
    for (const page of pages) {
      await expectCount(page.getByTestId('area'), 3);
      await expectNoText(page.locator('.area-text'), 'Reply to complaints');
      await expectText(page.getByTestId('area-merged'), 'Reply to complaints within 24 hours (Ed)');
    }
  });

  await t.test('step 6: dot voting, with each person limited to their dots and votes secret', async () => {
    await facPage.getByTestId('vote-dots').fill('2');
    await facPage.getByTestId('vote-open').click();
    for (const page of pages) await expectText(page.getByTestId('vote-bar'), 'Voting open');
    /** An area by its own words (not those of the merge options inside it). */
    const area = (/** @type {Page} */ page, /** @type {string} */ text) =>
      page.getByTestId('area').filter({ has: page.locator('.area-text', { hasText: text }) });
    const ana = p.Ana.page;
    const complaint = 'Answer every complaint';
    await area(ana, complaint).getByTestId('dot-plus').click();
    await expectText(area(ana, complaint).getByTestId('dot-count'), '1 dot');
    await area(ana, complaint).getByTestId('dot-plus').click();
    await expectText(area(ana, complaint).getByTestId('dot-count'), '2 dots');
    await expectText(ana.getByTestId('my-dots'), '2 of 2');
    // Out of dots: no more on any area.
    for (const button of await ana.getByTestId('dot-plus').all())
      assert.equal(await button.isDisabled(), true);
    // Bo sees that Ana used her dots, not where they went; no tally while the vote is open.
    const bo = p.Bo.page;
    await expectText(bo.getByTestId('voters').locator('.name-chip', { hasText: 'Ana' }), '2/2');
    await expectText(area(bo, complaint).getByTestId('dot-count'), '0 dots');
    await expectCount(bo.getByTestId('tally'), 0);
    await expectCount(facPage.getByTestId('tally'), 0);
    // Bo's last action added an area: taking it away is not offered while people vote on it.
    await expectCount(bo.getByTestId('undo'), 0);
    /** @type {[string, string, number][]} */
    const votes = [
      ['Bo', complaint, 1],
      ['Bo', 'Simplify our invoices', 1],
      ['Cy', failure, 2],
      ['Di', 'Simplify our invoices', 2],
      ['Ed', complaint, 1],
      ['Flo', 'Simplify our invoices', 1],
    ];
    for (const [name, text, dots] of votes) {
      const page = p[name].page;
      for (let i = 0; i < dots; i++) {
        const before = await area(page, text).getByTestId('dot-count').innerText();
        await area(page, text).getByTestId('dot-plus').click();
        await poll(async () =>
          (await area(page, text).getByTestId('dot-count').innerText()) !== before
            ? null
            : `${name}'s dot not placed`,
        );
      }
    }
    await screenshot(bo, 'step6-voting-laptop', LAPTOP);
    await screenshot(p.Flo.page, 'step6-voting-phone', PHONE);
    await facPage.getByTestId('vote-close').click();
    for (const page of pages) {
      await expectText(area(page, complaint).getByTestId('tally'), '4 dots');
      await expectText(area(page, 'Simplify our invoices').getByTestId('tally'), '4 dots');
      await expectText(area(page, failure).getByTestId('tally'), '2 dots');
      await expectCount(page.getByTestId('rank-item'), 3);
    }
  });

  await t.test('step 6: the facilitator reorders and finalises the ranking; owners and dates', async () => {
    const ranked = async (/** @type {Page} */ page) =>
      (await page.getByTestId('rank-item').locator('.rank-text').allInnerTexts()).join(' | ');
    // Equal dots: the earlier proposal first.
    await expectText(
      facPage.getByTestId('ranking'),
      /Answer every complaint within a day[\s\S]*Simplify our invoices[\s\S]*Nobody read/,
    );
    await facPage
      .getByTestId('rank-item')
      .filter({ hasText: 'Simplify our invoices' })
      .getByTestId('rank-up')
      .click();
    for (const page of pages) {
      await poll(async () => {
        const order = await ranked(page);
        return order.startsWith('Simplify our invoices') ? null : `order is ${order}`;
      });
    }
    const first = facPage.getByTestId('rank-item').filter({ hasText: 'Simplify our invoices' });
    await first.getByTestId('follow-owner').fill('Di');
    await first.getByTestId('follow-owner').press('Enter');
    await first.getByTestId('follow-due').fill('2027-01-15');
    await first.getByTestId('follow-due').dispatchEvent('change');
    await expectText(
      p.Ana.page.getByTestId('rank-item').filter({ hasText: 'Simplify' }).getByTestId('follow-ro'),
      'Owner: Di · Due: Jan 15, 2027',
    );
    // Bo sets the follow-up of his own area.
    const mine = p.Bo.page.getByTestId('rank-item').filter({ hasText: 'Answer every complaint' });
    await mine.getByTestId('follow-owner').fill('Bo');
    await mine.getByTestId('follow-owner').press('Enter');
    await expectText(p.Ana.page.getByTestId('rank-item').filter({ hasText: 'Answer every' }), 'Owner: Bo');
    await facPage.getByTestId('rank-finalise').click();
    for (const page of pages) await expectText(page.getByTestId('rank-state'), 'Final');
    await expectCount(facPage.getByTestId('rank-up'), 0);
    await screenshot(facPage, 'step6-priorities-facilitator-laptop', LAPTOP);
    await screenshot(p.Ana.page, 'step6-priorities-laptop', LAPTOP);
    await screenshot(p.Flo.page, 'step6-priorities-phone', PHONE);
  });

  await t.test('the facilitator downloads the report as Markdown, JSON and CSV', async () => {
    await setPanel(facPage);
    await facPage.getByTestId('export').locator('summary').click();
    /** @type {Record<string, string>} */
    const files = {};
    for (const format of ['md', 'json', 'csv']) {
      const [download] = await Promise.all([
        facPage.waitForEvent('download'),
        facPage.getByTestId(`export-${format}`).click(),
      ]);
      assert.match(download.suggestedFilename(), new RegExp(`\\.${format}$`));
      const file = await download.path();
      assert.ok(file);
      files[format] = await readFile(file, 'utf8');
    }
    assert.match(files.md, /Team leaders/);
    assert.match(files.md, /Simplify our invoices/);
    const json = JSON.parse(files.json);
    assert.equal(json.room.settings.title, 'Client day');
    assert.ok(json.generated_at > 0);
    assert.match(files.csv, /Simplify our invoices/);
    await facPage.getByTestId('export').screenshot({ path: path.join(screenshotDir, 'export-panel.png') });
  });

  await t.test("the printable report shows every step's outcome", async () => {
    const [report] = await Promise.all([
      facPage.context().waitForEvent('page'),
      facPage.getByTestId('export-print').click(),
    ]);
    await report.waitForLoadState();
    assert.match(report.url(), new RegExp(`/r/${roomId}/report#key=`));
    const doc = report.getByTestId('report');
    await expectText(report.getByTestId('report-title'), 'Client day');
    await expectText(report.getByTestId('report-step1'), "Ana's stories from the front line");
    await expectText(report.getByTestId('report-step1'), 'Di');
    await expectText(report.getByTestId('report-step2'), 'They listened');
    await expectText(report.getByTestId('report-step2'), '×2');
    await expectText(report.getByTestId('report-step3'), 'Putting clients at the heart of every decision.');
    await expectText(report.getByTestId('report-step3').locator('mark'), 'clients');
    await expectText(report.getByTestId('report-working'), 'Clients at the heart of every decision.');
    await expectText(report.getByTestId('report-step4'), 'Team leaders');
    await expectText(report.getByTestId('report-step4'), 'Finance teams');
    await expectText(report.getByTestId('report-step4'), 'Help me develop stronger teams of leaders');
    await expectText(report.getByTestId('report-step5'), `${failure} or acted on it`);
    await expectText(report.getByTestId('report-step5'), success);
    await expectText(report.getByTestId('report-step5'), 'Invoices confuse our clients');
    await expectText(report.getByTestId('report-step5'), 'Ana, Bo, Cy');
    await expectText(report.getByTestId('report-step5'), '3/5');
    const rows = report.getByTestId('report-priorities').locator('tbody tr');
    await expectCount(rows, 3);
    await expectText(rows.nth(0), 'Simplify our invoices');
    await expectText(rows.nth(0), '4');
    await expectText(rows.nth(0), 'Di');
    await expectText(rows.nth(0), '2027');
    await expectText(rows.nth(1), 'Answer every complaint within a day');
    await expectText(rows.nth(1), 'Bo');
    await expectText(report.getByTestId('report-step6'), 'final list');
    await expectText(doc, 'Client');
    await screenshot(report, 'report-laptop', LAPTOP);
    await screenshot(report, 'report-phone', PHONE);
    // Nothing on the phone's report is wider than the screen (a page that slides sideways).
    await report.setViewportSize(PHONE);
    const wider = await report.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
        .slice(0, 5),
    );
    assert.deepEqual(wider, [], `wider than the phone's ${PHONE.width} px`);
    await report.emulateMedia({ media: 'print' });
    await report.setViewportSize(LAPTOP);
    await report.screenshot({ path: path.join(screenshotDir, 'report-print.png'), fullPage: true });
    await report.close();
  });

  await t.test('closing the room makes it read-only for everyone; reopening undoes it', async () => {
    await facPage.getByTestId('room-close').click();
    await facPage.getByTestId('room-close-confirm').click();
    for (const page of pages) await expectText(page.getByTestId('closed-banner'), 'This room is closed');
    const ana = p.Ana.page;
    await expectCount(ana.locator('[data-testid=area-input]:visible, [data-testid=card-to-area]:visible'), 0);
    // Closing ends the session: everyone is shown the summary.
    await expectCount(ana.getByTestId('summary'), 1);
    await expectCount(facPage.getByTestId('summary'), 1);
    // "Strongest" is only ever something a team succeeded at: Team 2 wrote one failure only.
    const team2 = ana.getByTestId('summary-teams').locator('li', { hasText: 'Team 2' });
    await expectText(team2.getByTestId('summary-strongest'), 'No behaviour stood out as a success.');
    await expectText(team2.getByTestId('summary-weakest'), 'Weakest: We track the quality');
    await expectNoText(team2, 'Strongest');
    // Nothing left to finish or time: no "I'm done", no step progress, no countdown controls.
    await expectCount(ana.getByTestId('ready-toggle'), 0);
    await expectCount(ana.getByTestId('activity'), 0);
    await expectCount(facPage.getByTestId('activity'), 0);
    await expectCount(facPage.getByTestId('timer-controls'), 0);
    await screenshot(ana, 'closed-participant-laptop', LAPTOP);
    await screenshot(facPage, 'closed-facilitator-laptop', LAPTOP);
    // The priorities are the outcome: as wide as the summary on a laptop, not half of it.
    await facPage.setViewportSize(LAPTOP);
    const widths = await facPage.getByTestId('summary').evaluate((card) => {
      const part = card.querySelector('.summary-priorities');
      const head = card.querySelector('.summary-head');
      return [part?.getBoundingClientRect().width ?? 0, head?.getBoundingClientRect().width ?? 0];
    });
    assert.ok(widths[1] > 0 && Math.abs(widths[0] - widths[1]) < 1, `priorities ${widths[0]} px wide, the summary ${widths[1]}`);
    await facPage.getByTestId('room-reopen').click();
    for (const page of pages) await page.getByTestId('closed-banner').waitFor({ state: 'hidden' });
  });

  await t.test('"Run it again" makes a new empty room with the same settings', async () => {
    await facPage.getByTestId('run-again').click();
    const link = await facPage.getByTestId('run-again-result').getByTestId('again-open').getAttribute('href');
    assert.ok(link);
    assert.match(link, /\/r\/[0-9a-f]+#key=[0-9a-f]+$/);
    assert.ok(!link.includes(roomId));
    const next = await env.openAsFacilitator(link);
    await expectText(next.page.getByTestId('room-title'), 'Client day');
    await expectText(next.page.getByTestId('step-title'), 'Purpose and check-in');
    assert.deepEqual(next.problems, []);
  });

  await t.test('no screen logged an error or loaded anything from another host', async () => {
    for (const person of [...everyone, projector, scribe.person]) assert.deepEqual(person.problems, []);
  });

  for (const person of [...everyone, projector, scribe.person]) await person.context.close();
});

/**
 * Participants speaking the wire protocol from one page: `count` WebSockets, each a member.
 * @param {string} roomId
 * @param {number} count
 */
async function startCrowd(roomId, count) {
  const person = await env.newPerson();
  await person.page.goto(`${env.server.url}/`);
  await installWire(person.page);
  /** @type {{ socket: number, me: string }[]} */
  const crowd = await person.page.evaluate(
    async ({ roomId, count }) => {
      const { wire } = /** @type {any} */ (window);
      const crowd = [];
      for (let i = 0; i < count; i++) {
        const hello = { client: `crowd-${i}`, credentials: { role: 'participant' }, name: `Person ${i + 1}` };
        const { socket, welcome } = await wire.join(roomId, hello);
        crowd.push({ socket, me: welcome.you.member_id });
      }
      Object.assign(window, {
        /**
         * Each of `ids` is dragged in a circle by its own person, ~30 times a second, until
         * `crowdStop` (they never drop: the notes stay where they are stored).
         */
        crowdDrag: (/** @type {string[]} */ ids, /** @type {{ x: number, y: number }[]} */ from) => {
          const start = performance.now();
          const timer = setInterval(() => {
            const t = (performance.now() - start) / 1000;
            ids.forEach((id, i) => {
              const x = Math.round(from[i].x + 160 * Math.sin(t * 3 + i));
              const y = Math.round(from[i].y + 160 * (1 - Math.cos(t * 3 + i)));
              wire.frame(crowd[i].socket, { type: 'drag', id, x, y });
            });
          }, 33);
          Object.assign(window, { crowdStop: () => clearInterval(timer) });
        },
      });
      return crowd;
    },
    { roomId, count },
  );
  return {
    person,
    /** The id of person `i`'s note `name` (a note's id starts with its author's member id). */
    /** @param {number} i @param {string} name */
    noteId: (i, name) => `${crowd[i].me}:${name}`,
    /** @param {number} i @param {object} cmd */
    async send(i, cmd) {
      const answer = await person.page.evaluate(
        ([socket, c]) => /** @type {any} */ (window).wire.send(socket, c),
        /** @type {[number, object]} */ ([crowd[i].socket, cmd]),
      );
      assert.equal(answer.type, 'ack', `${JSON.stringify(cmd)}: ${JSON.stringify(answer)}`);
    },
    /**
     * Starts dragging `ids` in circles round `from`.
     * @param {string[]} ids @param {{ x: number, y: number }[]} from
     */
    startDragging(ids, from) {
      return person.page.evaluate(
        ([ids, from]) => /** @type {any} */ (window).crowdDrag(ids, from),
        [ids, from],
      );
    },
    stopDragging() {
      return person.page.evaluate(() => /** @type {any} */ (window).crowdStop());
    },
  };
}

test('a crowded wall: twenty people, a hundred notes, ten moving at once, two on the same note', async () => {
  const created = await env.createRoom('Big room', {
    organisation: 'Acme',
    lens: 'customer',
    language: 'en',
  });
  const fac = await env.openAsFacilitator(created.facilitator_url);
  const page = fac.page;
  await page.locator('.stepper button[data-step="4"]').click();
  await expectText(page.getByTestId('step-title'), 'Who are our customers?');

  const people = 20;
  const crowd = await startCrowd(created.room_id, people);
  const reasons = [
    'grow my business abroad',
    'save time on paperwork',
    'train my new staff',
    'keep my customers happy',
    'plan my next year',
  ];
  for (let i = 0; i < people; i++) {
    for (const [j, reason] of reasons.entries())
      await crowd.send(i, { type: 'note.add', id: crowd.noteId(i, `n-${j}`), text: `${reason} (${i + 1})` });
  }
  await expectText(page.getByTestId('pending'), 'Person 20');
  await page.getByTestId('reveal-all').click();
  await expectCount(page.locator('.wall-note'), 100);


  // Ten people each drag a note at the same time; the facilitator's page shows all ten moving,
  // each away from where it is stored. (How smoothly it draws is for the benchmarks: this
  // machine may be loaded.)
  const ids = Array.from({ length: 10 }, (_, i) => crowd.noteId(i, 'n-0'));
  const from = await Promise.all(ids.map(async (id) => drawnAt(page, id)));
  await crowd.startDragging(ids, from);
  await poll(async () => {
    const moving = await page.locator('.wall-note.remote').count();
    return moving === 10 ? null : `${moving} notes shown moving`;
  });
  await poll(async () => {
    const away = await Promise.all(
      ids.map(async (id, i) => {
        const at = await drawnAt(page, id);
        return Math.abs(at.x - from[i].x) > 1 || Math.abs(at.y - from[i].y) > 1;
      }),
    );
    const count = away.filter(Boolean).length;
    return count === ids.length ? null : `only ${count} drawn away from their place`;
  });
  await screenshot(page, 'step4-crowded-drags-laptop', LAPTOP);
  await crowd.stopDragging();
  // The drags stop without a drop: soon each note is back where it is stored.
  await poll(async () => {
    const moving = await page.locator('.wall-note.remote').count();
    const back = await Promise.all(
      ids.map(async (id, i) => {
        const at = await drawnAt(page, id);
        return Math.abs(at.x - from[i].x) < 1 && Math.abs(at.y - from[i].y) < 1;
      }),
    );
    return moving === 0 && back.every(Boolean) ? null : `${moving} still moving`;
  });

  // Latecomers open the wall on the notes, without pressing "Fit": every one of the hundred
  // is in view and clear of the cards floating over the wall. (The first fit was once undone
  // by Panzoom moving to its start position a moment later, on some openings and not others:
  // so, three openings.)
  const zed = await env.join(created.participant_url, 'Zed');
  for (let opening = 1; opening <= 3; opening++) {
    if (opening > 1) await zed.page.reload();
    await expectCount(zed.page.locator('.wall-note'), 100);
    await expectNotesInView(zed.page, `Zed, opening ${opening}`);
  }
  const projector = await env.newPerson();
  await projector.page.goto(`${created.participant_url}/wall`);
  await expectCount(projector.page.locator('.wall-note'), 100);
  await expectNotesInView(projector.page, 'the projector');

  // Two people drag the same note: under each one's pointer it follows only that pointer, and
  // the last drop (the facilitator's, over empty wall) wins.
  /**
   * The notes a pointer can press on `who`'s wall (not under a card floating over it), lowest
   * first; with `to`, only those that moved by `to` screen pixels land on empty wall.
   * @param {Page} who @param {{ dx: number, dy: number, empty: boolean }} to
   */
  const movable = (who, to) =>
    who.evaluate((to) => {
      const notes = [...document.querySelectorAll('.wall-note')].flatMap((el) => {
        const box = el.getBoundingClientRect();
        const [x, y] = [box.x + box.width / 2, box.y + box.height / 3];
        const hit = document.elementFromPoint(x, y);
        const there = document.elementFromPoint(x + to.dx, y + to.dy);
        const ok = to.empty
          ? !!there && (el.contains(there) || there.matches('.wall-viewport, .wall-world'))
          : !!there?.closest('.wall-viewport');
        if (!hit || !el.contains(hit) || !ok) return [];
        const note = /** @type {HTMLElement} */ (el);
        const m = /translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(note.style.transform);
        return [{ id: note.dataset.id ?? '', x: Number(m?.[1]), y: Number(m?.[2]) }];
      });
      notes.sort((a, b) => b.y - a.y || b.x - a.x);
      return notes.map((n) => n.id);
    }, to);
  let last = '';
  await poll(async () => {
    // Zed presses it where the facilitator holds it, 70 px lower.
    const zedCan = new Set(await movable(zed.page, { dx: 0, dy: 70, empty: false }));
    const facCan = await movable(page, { dx: 2, dy: 72, empty: true });
    last = facCan.find((id) => zedCan.has(id)) ?? '';
    return last ? null : `no note both can move (facilitator ${facCan.length}, Zed ${zedCan.size})`;
  });
  const facHold = await grabNote(page, page.locator(`.wall-note[data-id="${last}"]`), 0, 70);
  const facAt = await drawnAt(page, last);
  await expectText(projector.page.locator(`.wall-note[data-id="${last}"] .wall-note-mover`), 'Facilitator');
  await grabNote(zed.page, zed.page.locator(`.wall-note[data-id="${last}"]`), 90, 130);
  await expectText(projector.page.locator(`.wall-note[data-id="${last}"] .wall-note-mover`), 'Zed');
  assert.deepEqual(
    await drawnAt(page, last),
    facAt,
    "Zed's moves do not pull the note from under the facilitator's pointer",
  );
  await zed.page.mouse.up();
  await page.mouse.move(facHold.x + 2, facHold.y + 2);
  const facWanted = await drawnAt(page, last);
  await page.mouse.up();
  // The first to let go placed it; the facilitator, who held it meanwhile, is told.
  await expectText(page.getByTestId('toast'), 'Someone else moved that note meanwhile');
  /** @type {{ x: number, y: number }} */
  let placed = { x: 0, y: 0 };
  await poll(async () => {
    placed = await drawnAt(zed.page, last);
    for (const who of [page, zed.page, projector.page]) {
      const at = await drawnAt(who, last);
      if (Math.abs(at.x - placed.x) > 1 || Math.abs(at.y - placed.y) > 1)
        return `a page shows ${JSON.stringify(at)}, Zed's ${JSON.stringify(placed)}`;
      if ((await who.locator('.wall-note.remote').count()) > 0) return 'still shown moving';
    }
    return null;
  });
  assert.ok(Math.hypot(placed.x - facWanted.x, placed.y - facWanted.y) > 20, "Zed's drop, not the facilitator's");

  // Readable at a glance: fitted on a laptop, in full screen, and as a list.
  await page.getByTestId('zoom-fit').click();
  await screenshot(page, 'step4-crowded-wall-laptop', LAPTOP);
  await page.getByTestId('view-list').click();
  await expectCount(page.getByTestId('wall-list').locator('.list-note'), 100);
  await screenshot(page, 'step4-crowded-list-laptop', LAPTOP);
  // With the keyboard-friendly selects alone, a new cluster of two loose notes.
  const list = page.getByTestId('wall-list');
  await list
    .getByRole('combobox', { name: 'Cluster of "Help me save time on paperwork (1)"' })
    .selectOption({ label: 'New cluster with "save time on paperwork (2)"' });
  const formed = list.locator('.list-cluster:not(.loose)');
  await expectText(formed, 'save time on paperwork (1)');
  await expectText(formed, 'save time on paperwork (2)');
  await expectText(zed.page.getByTestId('wall-region').locator('.wall-region-count'), '2');
  assert.deepEqual([...fac.problems, ...crowd.person.problems, ...zed.problems, ...projector.problems], []);
});

/**
 * A room on step 4 with its facilitator Marta and two participants, Ana and Bo.
 * @param {string} name
 */
async function onTheWall(name) {
  const created = await env.createRoom(name, { language: 'en' });
  const fac = await env.openAsFacilitator(created.facilitator_url, 'Marta');
  const ana = await join(created.participant_url, 'Ana');
  const bo = await join(created.participant_url, 'Bo');
  await fac.page.locator('.stepper button[data-step="4"]').click();
  return { fac, ana, bo };
}

test('notes picked together move together, on every screen, with the mover named while they go', async () => {
  const { fac, ana, bo } = await onTheWall('Moving many');
  const texts = ['hire good people', 'keep good people', 'plan the budget'];
  for (const text of texts) {
    await ana.page.getByTestId('note-input').fill(text);
    await ana.page.getByTestId('note-add').click();
  }
  await expectText(fac.page.getByTestId('pending'), 'Ana');
  await fac.page.getByTestId('reveal-all').click();
  for (const { page } of [ana, bo]) await expectCount(page.locator('.wall-note'), 3);
  const [one, two, three] = await Promise.all(texts.map((text) => noteId(bo.page, text)));
  const before = { one: await drawnAt(bo.page, one), two: await drawnAt(bo.page, two), three: await drawnAt(bo.page, three) };

  // Ana picks two notes: a click, then a Shift+click.
  const a = ana.page;
  await a.getByTestId('wall').scrollIntoViewIfNeeded();
  await wallNote(a, texts[0]).click();
  await a.keyboard.press('Escape');
  await wallNote(a, texts[1]).click({ modifiers: ['Shift'] });
  await expectText(a.getByTestId('selected-count'), '2 selected');
  // She moves them by one of them; Bo sees it go, named as Ana's, while she holds it.
  const held = await grab(a, texts[0], 0, 160);
  await expectText(bo.page.locator(`.wall-note[data-id="${one}"]`).getByTestId('drag-cursor'), 'Ana');
  // The other picked note goes with it on Bo's screen while she holds them, not at the drop.
  await expectText(bo.page.locator(`.wall-note[data-id="${two}"]`).getByTestId('drag-cursor'), 'Ana');
  await poll(async () => {
    const [p1, p2] = [await drawnAt(bo.page, one), await drawnAt(bo.page, two)];
    const d1 = { x: p1.x - before.one.x, y: p1.y - before.one.y };
    const d2 = { x: p2.x - before.two.x, y: p2.y - before.two.y };
    return d1.y > 100 && Math.abs(d1.x - d2.x) <= 2 && Math.abs(d1.y - d2.y) <= 2
      ? null
      : `while held, Bo sees them moved by ${JSON.stringify(d1)} and ${JSON.stringify(d2)}`;
  });
  await a.mouse.move(held.x + 10, held.y + 20, { steps: 4 });
  await a.mouse.up();
  // Both land the same way down the wall, on every screen; the third stays.
  for (const page of [bo.page, fac.page, a]) {
    await poll(async () => {
      const [p1, p2, p3] = [await drawnAt(page, one), await drawnAt(page, two), await drawnAt(page, three)];
      const d1 = { x: p1.x - before.one.x, y: p1.y - before.one.y };
      const d2 = { x: p2.x - before.two.x, y: p2.y - before.two.y };
      const together = d1.y > 100 && Math.abs(d1.x - d2.x) <= 2 && Math.abs(d1.y - d2.y) <= 2;
      const still = p3.x === before.three.x && p3.y === before.three.y;
      return together && still && (await page.locator('.wall-note.remote').count()) === 0
        ? null
        : `moved by ${JSON.stringify(d1)} and ${JSON.stringify(d2)}; third at ${JSON.stringify(p3)}`;
    });
  }
  assert.deepEqual([...fac.problems, ...ana.problems, ...bo.problems], []);
});

test('a note held while the wall fits new ones stays under the pointer, and the wall fits once it is let go', async () => {
  const { fac, ana, bo } = await onTheWall('Held through a reveal');
  for (const [person, text] of [
    [ana, 'hire good people'],
    [bo, 'keep good people'],
    [bo, 'plan the budget'],
  ]) {
    await person.page.getByTestId('note-input').fill(text);
    await person.page.getByTestId('note-add').click();
  }
  await expectText(fac.page.getByTestId('pending'), 'Bo');
  // Ana's note alone first: her wall fits around it.
  await fac.page.getByRole('button', { name: "Reveal Ana's notes" }).click();
  const a = ana.page;
  await expectCount(a.locator('.wall-note'), 1);
  const held = await grab(a, 'hire good people', 0, 120);
  const note = wallNote(a, 'hire good people');
  const offset = async () => {
    const box = await note.boundingBox();
    assert.ok(box);
    return { x: Math.round(held.x - box.x), y: Math.round(held.y - box.y) };
  };
  const before = await offset();
  // Bo's notes arrive while she holds hers: the wall does not move under her hand.
  await fac.page.getByRole('button', { name: "Reveal Bo's notes" }).click();
  await expectCount(a.locator('.wall-note'), 3);
  await settledBoxes(...['keep good people', 'plan the budget'].map((text) => wallNote(a, text)));
  assert.deepEqual(await offset(), before, 'the held note is where the pointer holds it');
  await a.mouse.move(held.x + 30, held.y + 30, { steps: 4 });
  const box = await note.boundingBox();
  assert.ok(box);
  assert.deepEqual({ x: Math.round(held.x + 30 - box.x), y: Math.round(held.y + 30 - box.y) }, before, 'it follows the pointer');
  await a.mouse.up();
  // Let go, the wall fits all three.
  await expectNotesInView(a, 'Ana');
  assert.deepEqual([...fac.problems, ...ana.problems, ...bo.problems], []);
});

test('a Portuguese room: "Ajude-me a" notes, the boards and the report in Portuguese', async () => {
  const created = await env.createRoom('Sessão de clientes', {
    organisation: 'Acme',
    lens: 'client',
    language: 'pt',
  });
  const fac = await env.newPerson({ locale: 'pt-PT' });
  await fac.page.goto(created.facilitator_url);
  await fac.page.getByRole('button', { name: 'Abrir a sala' }).click();
  const ana = await env.newPerson({ viewport: PHONE, locale: 'pt-PT' });
  await ana.page.goto(created.participant_url);
  await ana.page.getByLabel('O seu nome').fill('Ana');
  await ana.page.getByRole('button', { name: 'Entrar' }).click();
  // Bo reads the same room in English: "Help me" follows each person's own screen.
  const bo = await env.newPerson({ locale: 'en-GB' });
  await bo.page.goto(created.participant_url);
  await bo.page.getByLabel('O seu nome').fill('Bo');
  await bo.page.getByRole('button', { name: 'Entrar' }).click();
  await bo.page.getByTestId('language').selectOption('en');
  await fac.page.locator('.stepper button[data-step="4"]').click();
  await expectText(ana.page.getByTestId('note-composer'), 'Ajude-me a');
  await expectText(bo.page.getByTestId('note-composer'), 'Help me');
  await expectNoText(bo.page.getByTestId('note-composer'), 'Ajude-me');
  await ana.page.getByTestId('note-input').fill('fortalecer as equipas da minha empresa');
  await ana.page.getByTestId('note-add').click();
  await expectText(ana.page.getByTestId('my-notes'), 'Ajude-me a fortalecer as equipas da minha empresa');
  await fac.page.getByRole('button', { name: 'Revelar as notas de Ana' }).click();
  await expectCount(wallNote(fac.page, 'Ajude-me a fortalecer as equipas'), 1);
  await expectCount(wallNote(bo.page, 'Help me fortalecer as equipas'), 1);
  await screenshot(ana.page, 'step4-pt-phone', PHONE);
  await fac.page.getByTestId('step-next').click();
  await fac.page.getByTestId('teams-form').click();
  await expectText(ana.page.locator('[role=tab][aria-selected=true]'), 'Grupo 1');
  await expectText(ana.page.getByTestId('category-1'), 'Ouvimos a opinião dos clientes');
  // The columns' questions head the board; each category names its columns in short.
  await expectText(ana.page.getByTestId('team-board'), 'Quando não tivemos sucesso?');
  await expectText(ana.page.getByTestId('category-1').locator('.column-failed'), 'Falha');
  await screenshot(ana.page, 'step5-pt-phone', PHONE);
  await fac.page.getByTestId('step-next').click();
  await expectText(ana.page.getByTestId('areas-card'), 'Áreas de melhoria');
  await setPanel(fac.page);
  await fac.page.getByTestId('export').locator('summary').click();
  const [report] = await Promise.all([
    fac.page.context().waitForEvent('page'),
    fac.page.getByTestId('export-print').click(),
  ]);
  await expectText(report.getByTestId('report-step4'), 'Quem são os nossos clientes?');
  await expectText(report.getByTestId('report-step4'), 'Ajude-me a fortalecer as equipas da minha empresa');
  await expectText(report.getByTestId('report-step5'), 'Quando tivemos sucesso?');
  await expectText(report.getByTestId('print'), 'Imprimir');
  await screenshot(report, 'report-pt-laptop', LAPTOP);
  // The one group of notes (those outside any cluster) takes the report's width, its heading
  // on one line, rather than a narrow column beside empty ones.
  const [group, whole, heading] = await report.evaluate(() =>
    ['.report-cluster', '[data-testid=report-step4]', '.report-cluster h3'].map((sel) => /** @type {Element} */ (document.querySelector(sel)).getBoundingClientRect()),
  );
  assert.ok(group.width > whole.width * 0.9, `the notes are ${group.width} px of ${whole.width}`);
  assert.ok(heading.height < 40, `"Fora de qualquer agrupamento" is ${heading.height} px tall`);
  assert.deepEqual([...fac.problems, ...ana.problems, ...bo.problems], []);
});
