// Fixtures for the browser tests: the real server binary on a free port with a fresh data
// directory, Debian's Chromium through playwright-core, the setup every test file shares (one
// server and one browser per file, and shortcuts to create a room and join it), pages that fail
// the test on any console error or request to another host, and polling assertions (never
// fixed sleeps).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(repoRoot, 'test-output', 'screenshots');

/** How long an expectation waits for the page to catch up. */
const EXPECT_MS = 10_000;
/** How long the server may take to print its address. */
const START_MS = 20_000;
/** How long the server may take to save its rooms and exit after SIGTERM. */
const STOP_MS = 30_000;
/** How long a wire client (installWire) waits for the server's answer to what it sent. */
const ANSWER_MS = 20_000;

export const LAPTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/**
 * Starts `target/debug/horseshoe` (or $HORSESHOE_BIN) on 127.0.0.1. `bind` defaults to any free
 * port; pass the same address and data dir to restart a server where it was. `args` are extra
 * flags (e.g. `--create-key`).
 * @param {{ bind?: string, dataDir?: string, args?: string[] }} [options]
 */
export async function startServer(options = {}) {
  const bin = process.env.HORSESHOE_BIN || path.join(repoRoot, 'target', 'debug', 'horseshoe');
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'horseshoe-browser-')));
  const args = ['--bind', options.bind ?? '127.0.0.1:0', '--data-dir', dataDir, ...(options.args ?? [])];
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HORSESHOE_LOG: process.env.HORSESHOE_LOG ?? 'warn' },
  });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  running.add(child);
  child.on('exit', () => running.delete(child));
  let stopping = false;
  /** @type {Promise<[number | null, string | null]>} */
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  // A server that ends on its own mid-test is a finding, whatever the test then sees.
  exited.then(([code, signal]) => {
    if (!stopping) console.error(`the server exited unasked (code ${code}, signal ${signal}):\n${log}`);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time:\n${out}\n${log}`)),
      START_MS,
    );
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /Listening on (http:\/\/\S+?)\/?\s/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${log}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`server did not start: ${e.message}`));
    });
  });
  return {
    /** @type {string} base URL without a trailing slash */
    url,
    dataDir,
    bind: new URL(url).host,
    /**
     * Stops the server (SIGTERM, as in production); keeps the data dir. A server that has not
     * exited STOP_MS later fails the test with its threads' stacks, and is killed.
     */
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const late = Symbol('late');
      let timer;
      const waited = await Promise.race([
        exited,
        new Promise((resolve) => (timer = setTimeout(resolve, STOP_MS, late))),
      ]);
      clearTimeout(timer);
      if (waited !== late) return;
      const stacks = threadStacks(child.pid);
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the server did not exit within ${STOP_MS} ms of SIGTERM\n${stacks}\n${log}`);
    },
    /** Stops the server and deletes its data. */
    async dispose() {
      await this.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Servers started by this file and not yet exited. */
const running = new Set();
// However the file ends (a failed hook, the runner's forced exit), no server outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The stack of every thread of process `pid`, by gdb where it is installed: what a server that
 * hangs was waiting for.
 * @param {number | undefined} pid
 */
function threadStacks(pid) {
  const gdb = spawnSync('gdb', ['-p', String(pid), '-batch', '-ex', 'thread apply all bt'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return gdb.error ? `(no stacks: ${gdb.error.message})` : gdb.stdout;
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** @typedef {Awaited<ReturnType<typeof startServer>>} Server */
/** @typedef {Awaited<ReturnType<typeof newPerson>>} Person */
/** @typedef {{ viewport?: { width: number, height: number }, locale?: string }} PersonOptions */

/**
 * The setup every test file shares: `before` its tests, a server (startServer) and Chromium
 * (launchBrowser); `after` them, both stopped and the server's data deleted. Call it once, at
 * the top level of the file. `server` and `browser` are set once `before` has run, so use them
 * (and the shortcuts) inside tests only. A test may put a restarted server in `server`; `after`
 * stops whichever is there.
 */
export function useServerAndBrowser() {
  const env = {
    /** @type {Server} */
    server: /** @type {any} */ (undefined),
    /** @type {import('playwright-core').Browser} */
    browser: /** @type {any} */ (undefined),

    /**
     * A new person (see newPerson) on this server.
     * @param {PersonOptions} [options]
     */
    newPerson(options) {
      return newPerson(env.browser, env.server.url, options);
    },

    /**
     * Creates a room called `title` through the API, as the home page does, with the other
     * settings (organisation, lens, language) as given, and returns the server's answer
     * (room_id, facilitator_key, participant_url, facilitator_url, ...).
     * @param {string} title
     * @param {object} [settings]
     */
    async createRoom(title, settings = {}) {
      const response = await fetch(`${env.server.url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title, ...settings }),
      });
      return response.json();
    },

    /**
     * A new person opens a participant link, types `name` and presses "Join" (in English).
     * @param {string} link
     * @param {string} name
     * @param {PersonOptions} [options]
     */
    async join(link, name, options) {
      const person = await env.newPerson(options);
      await person.page.goto(link);
      await person.page.getByLabel('Your name').fill(name);
      await person.page.getByRole('button', { name: 'Join' }).click();
      return person;
    },

    /**
     * A new person opens a facilitator link and presses "Open the room" (in English), after
     * typing `name` if one is given (else the form's default name stays).
     * @param {string} link
     * @param {string} [name]
     * @param {PersonOptions} [options]
     */
    async openAsFacilitator(link, name, options) {
      const person = await env.newPerson(options);
      await person.page.goto(link);
      if (name !== undefined) await person.page.getByLabel('Your name').fill(name);
      await person.page.getByRole('button', { name: 'Open the room' }).click();
      return person;
    },
  };

  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });

  after(async () => {
    try {
      await env.browser?.close();
    } finally {
      await env.server?.dispose();
    }
  });

  return env;
}

/**
 * A page in a fresh browser context (its own localStorage: a separate person). Console
 * errors, uncaught exceptions and requests to any other host are collected in `problems`.
 * @param {import('playwright-core').Browser} browser
 * @param {string} baseUrl
 * @param {PersonOptions} [options]
 */
export async function newPerson(browser, baseUrl, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport ?? LAPTOP,
    locale: options.locale ?? 'en-GB',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  const host = new URL(baseUrl).host;
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.host !== host && url.protocol !== 'data:') problems.push(`external request: ${req.url()}`);
  });
  return { context, page, problems };
}

/**
 * Opens or closes the side panel (hands, who's here, the facilitator's tools) where it is a
 * drawer, on a phone and on step 4; where the panel is always shown, only checks it is there.
 * @param {import('playwright-core').Page} page
 * @param {boolean} [open]
 */
export async function setPanel(page, open = true) {
  const toggle = page.getByTestId('panel-toggle');
  if ((await toggle.count()) === 0) {
    if (open) await page.getByTestId('side-panel').waitFor();
    return;
  }
  if ((await toggle.getAttribute('aria-expanded')) !== String(open)) await toggle.click();
  await page.getByTestId('side-panel').waitFor({ state: open ? 'visible' : 'detached' });
}

/**
 * Waits until `locator`'s text contains `expected` (a string or RegExp).
 * @param {import('playwright-core').Locator} locator
 * @param {string | RegExp} expected
 */
export async function expectText(locator, expected) {
  await poll(async () => {
    const text = (await locator.allTextContents()).join('\n');
    const ok = typeof expected === 'string' ? text.includes(expected) : expected.test(text);
    return ok ? null : `expected ${locator} to contain ${expected}, got: ${JSON.stringify(text)}`;
  });
}

/**
 * Waits until `locator`'s text does not contain `unexpected`.
 * @param {import('playwright-core').Locator} locator
 * @param {string} unexpected
 */
export async function expectNoText(locator, unexpected) {
  await poll(async () => {
    const text = (await locator.allTextContents()).join('\n');
    return text.includes(unexpected)
      ? `expected ${locator} not to contain ${unexpected}, got: ${JSON.stringify(text)}`
      : null;
  });
}

/**
 * Waits until an input or textarea holds exactly `expected` (or passes `expected`, a check
 * that returns null when the value is right, else why not).
 * @param {import('playwright-core').Locator} locator
 * @param {string | ((value: string) => string | null)} expected
 */
export async function expectValue(locator, expected) {
  await poll(async () => {
    const value = await locator.inputValue();
    if (typeof expected === 'function') return expected(value);
    return value === expected ? null : `expected ${locator} to hold ${JSON.stringify(expected)}, got ${JSON.stringify(value)}`;
  });
}

/**
 * Waits until `locator` matches exactly `n` elements.
 * @param {import('playwright-core').Locator} locator
 * @param {number} n
 */
export async function expectCount(locator, n) {
  await poll(async () => {
    const count = await locator.count();
    return count === n ? null : `expected ${n} of ${locator}, found ${count}`;
  });
}

/**
 * Gives `page` (open on the server) `window.wire`: WebSockets that speak the protocol with no
 * UI, as an independent client would, for the parts of a test that are set-up, not the subject.
 *
 * - `wire.join(roomId, hello)` opens a socket, sends `hello` (with the protocol version) and
 *   resolves with `{ socket, welcome }`, or fails with the server's `error`.
 * - `wire.send(socket, cmd)` sends a command and resolves with its `ack` or `reject`.
 * - `wire.frame(socket, frame)` sends any other frame (a drag, say); `wire.close(socket)`.
 *
 * A socket that closes, or an answer that has not come within ANSWER_MS, fails the call with
 * what happened: a test never waits for ever on a frame that does not come.
 * @param {import('playwright-core').Page} page
 */
export async function installWire(page) {
  await page.evaluate(wireInPage, ANSWER_MS);
}

/**
 * The body of installWire, run in the page.
 * @param {number} answerMs
 */
async function wireInPage(answerMs) {
  const { PROTOCOL_VERSION } = await import('/app/src/limits.js');
  /** @typedef {{ match: (msg: any) => boolean, resolve: (msg: any) => void, reject: (e: Error) => void }} Waiter */
  /** @type {{ ws: WebSocket, waiting: Set<Waiter>, closed: string | null }[]} */
  const sockets = [];
  let nextId = 0;
  /**
   * The first message on socket `s` that `match` picks, failed by a close or by the time.
   * @param {typeof sockets[number]} s @param {string} what @param {(msg: any) => boolean} match
   */
  const answer = (s, what, match) =>
    new Promise((resolve, reject) => {
      if (s.closed) return reject(new Error(`${what}: ${s.closed}`));
      /** @type {Waiter} */
      const waiter = {
        match,
        resolve: (msg) => (clearTimeout(timer), resolve(msg)),
        reject: (e) => (clearTimeout(timer), reject(new Error(`${what}: ${e.message}`))),
      };
      const timer = setTimeout(() => {
        s.waiting.delete(waiter);
        reject(new Error(`${what}: no answer within ${answerMs} ms`));
      }, answerMs);
      s.waiting.add(waiter);
    });
  Object.assign(window, {
    wire: {
      /** @param {string} roomId @param {object} hello */
      async join(roomId, hello) {
        const ws = new WebSocket(`ws://${location.host}/api/rooms/${roomId}/ws`);
        /** @type {typeof sockets[number]} */
        const s = { ws, waiting: new Set(), closed: null };
        ws.addEventListener('message', (ev) => {
          const msg = JSON.parse(ev.data);
          for (const waiter of s.waiting) {
            if (waiter.match(msg)) {
              s.waiting.delete(waiter);
              waiter.resolve(msg);
            } else if (msg.type === 'error') {
              // A frame the server did not take: what it said is the answer to everything waiting.
              s.waiting.delete(waiter);
              waiter.reject(new Error(`the server said ${JSON.stringify(msg)}`));
            }
          }
        });
        ws.addEventListener('close', (ev) => {
          s.closed = `the socket closed (${ev.code} ${ev.reason})`;
          for (const waiter of s.waiting) waiter.reject(new Error(s.closed));
          s.waiting.clear();
        });
        await new Promise((resolve, reject) => {
          ws.addEventListener('open', resolve, { once: true });
          ws.addEventListener('close', () => reject(new Error(`hello: ${s.closed}`)), { once: true });
        });
        const welcome = answer(s, 'hello', (msg) => msg.type === 'welcome' || msg.type === 'error');
        ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, ...hello }));
        const msg = await welcome;
        if (msg.type !== 'welcome') throw new Error(`hello: ${JSON.stringify(msg)}`);
        sockets.push(s);
        return { socket: sockets.length - 1, welcome: msg };
      },
      /** @param {number} socket @param {object} cmd */
      send(socket, cmd) {
        const s = sockets[socket];
        const id = ++nextId;
        const answered = answer(s, /** @type {any} */ (cmd).type, (msg) => (msg.type === 'ack' || msg.type === 'reject') && msg.id === id);
        s.ws.send(JSON.stringify({ type: 'cmd', id, cmd }));
        return answered;
      },
      /** @param {number} socket @param {object} frame */
      frame(socket, frame) {
        sockets[socket].ws.send(JSON.stringify(frame));
      },
      /** @param {number} socket */
      close(socket) {
        sockets[socket].ws.close();
      },
    },
  });
}

/**
 * Sends `cmds` as a facilitator over a WebSocket of its own from `page` (which has
 * `installWire`), one after the other, each to be acknowledged; then closes it.
 * @param {import('playwright-core').Page} page
 * @param {{ room_id: string, facilitator_key: string }} room
 * @param {object[]} cmds
 */
export async function steer(page, room, cmds) {
  await page.evaluate(
    async ({ roomId, key, cmds }) => {
      const { wire } = /** @type {any} */ (window);
      const client = `steer-${crypto.randomUUID()}`;
      const { socket } = await wire.join(roomId, { client, credentials: { role: 'facilitator', key }, name: 'F' });
      for (const cmd of cmds) {
        const answer = await wire.send(socket, cmd);
        if (answer.type !== 'ack') throw new Error(`refused: ${JSON.stringify(answer)}`);
      }
      wire.close(socket);
    },
    { roomId: room.room_id, key: room.facilitator_key, cmds },
  );
}

/**
 * Retries `check` (which returns null when satisfied, else what is wrong) until it passes.
 * @param {() => Promise<string | null>} check
 */
export async function poll(check, timeout = EXPECT_MS) {
  const deadline = Date.now() + timeout;
  let problem = await check();
  while (problem !== null) {
    if (Date.now() > deadline) throw new Error(problem);
    await new Promise((resolve) => setTimeout(resolve, 50));
    problem = await check();
  }
}

/**
 * Screenshots at `viewport`, from the top of the page: the whole page as
 * test-output/screenshots/{name}.png, and the first screenful as {name}-top.png.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {{ width: number, height: number }} viewport
 */
export async function screenshot(page, name, viewport) {
  await mkdir(screenshotDir, { recursive: true });
  await page.setViewportSize(viewport);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: path.join(screenshotDir, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
  await page.screenshot({ path: path.join(screenshotDir, `${name}-top.png`), animations: 'disabled' });
}

/**
 * What is wrong with the layout of the elements matching `selector` on `page`: two of them
 * overlapping (neither inside the other) by more than a pixel each way, or one reaching out of
 * the window's width. Hidden elements (no box) are left out. Returns one line per problem.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 */
export function overlaps(page, selector) {
  return page.evaluate((selector) => {
    const problems = [];
    const shown = [...document.querySelectorAll(selector)].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    });
    const name = (/** @type {Element} */ el) => {
      const id = el.getAttribute('data-testid');
      const words = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 24);
      return `${id ? `[${id}]` : `.${[...el.classList].join('.')}`} "${words}"`;
    };
    for (const [i, a] of shown.entries()) {
      const ra = a.getBoundingClientRect();
      if (ra.left < -1 || ra.right > innerWidth + 1) problems.push(`${name(a)} reaches out of the window (${Math.round(ra.left)}..${Math.round(ra.right)} of ${innerWidth})`);
      for (const b of shown.slice(i + 1)) {
        if (a.contains(b) || b.contains(a)) continue;
        const rb = b.getBoundingClientRect();
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (w > 1 && h > 1) problems.push(`${name(a)} overlaps ${name(b)} by ${Math.round(w)}x${Math.round(h)}`);
      }
    }
    return problems;
  }, selector);
}

// The wall, as the tests of steps 4 and of several nodes use it.

/** @param {import('playwright-core').Page} page @param {string} text the note's words */
export const wallNote = (page, text) => page.getByTestId('wall').locator('.wall-note', { hasText: text });

/** How long apart two reads of a box are that must agree for it to count as still. */
const SETTLE_MS = 150;

/**
 * The boxes of `locators` once they stop moving: the same in two reads in a row. The wall
 * glides to fit notes as they arrive, and a press made mid-glide lands where a note was.
 * @param {...import('playwright-core').Locator} locators
 * @returns {Promise<{ x: number, y: number, width: number, height: number }[]>}
 */
export async function settledBoxes(...locators) {
  const read = async () => JSON.stringify(await Promise.all(locators.map((locator) => locator.boundingBox())));
  let last = await read();
  await poll(async () => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const now = await read();
    const settled = now === last && !now.includes('null');
    last = now;
    return settled ? null : `still moving (or not shown): ${now}`;
  });
  return JSON.parse(last);
}

/** @param {import('playwright-core').Locator} locator */
export const settledBox = async (locator) => (await settledBoxes(locator))[0];

/** @param {import('playwright-core').Page} page @param {string} text */
export async function noteId(page, text) {
  const id = await wallNote(page, text).getAttribute('data-id');
  assert.ok(id, `no note "${text}"`);
  return id;
}

/** The note's drawn position on `page`, in wall units (from its CSS transform). */
/** @param {import('playwright-core').Page} page @param {string} id */
export async function drawnAt(page, id) {
  const transform = await page
    .locator(`.wall-note[data-id="${id}"]`)
    .evaluate((el) => /** @type {HTMLElement} */ (el).style.transform);
  const match = /translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(transform);
  assert.ok(match, `no position in ${transform}`);
  return { x: Number(match[1]), y: Number(match[2]) };
}

/**
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} note
 * @param {number} dx @param {number} dy
 */
export async function grabNote(page, note, dx, dy) {
  await page.getByTestId('wall').scrollIntoViewIfNeeded();
  const box = await settledBox(note);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 3;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 6 });
  await page.mouse.move(x + dx, y + dy, { steps: 6 });
  return { x: x + dx, y: y + dy };
}
