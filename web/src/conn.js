// The WebSocket to `/api/rooms/{room_id}/ws`: sends `hello` first, feeds the store, keeps every
// command until it is acknowledged (and resends it after a reconnect: commands are numbered per
// page, and the server acknowledges a number it applied without applying it twice), notices a
// dead connection within seconds (a quiet line is pinged), and reconnects by itself with
// jittered backoff. What waits for an answer is also kept in the browser's storage, so that a
// reload, a phone that discards the tab in the background, or a closed tab sends it when the
// room is opened again.

import { PROTOCOL_VERSION } from './limits.js';

/** @typedef {import('./protocol').ClientMsg} ClientMsg */
/** @typedef {import('./protocol').ServerMsg} ServerMsg */
/** @typedef {import('./protocol').Command} Command */
/** @typedef {import('./protocol').Credentials} Credentials */
/** @typedef {import('./protocol').ErrorCode} ErrorCode */
/** @typedef {import('./protocol').You} You */
/** @typedef {import('./store.js').Store} Store */

/** First retry soon (a blip), then doubling up to a cap so a down server is not hammered. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;
/** WebSocket close code for "policy": bad hello, wrong credentials, unknown room. */
const CLOSE_POLICY = 1008;
/** Our own close code when a change was missed and a fresh snapshot is needed. */
const CLOSE_RESYNC = 4000;
/** Our own close code for a connection that stopped answering. */
const CLOSE_SILENT = 4001;
/** A line quiet for this long is asked for a `pong`... */
const QUIET_MS = 2000;
/** ...and one quiet for this long is dead: the person is told, and it reconnects. */
const DEAD_MS = 4500;
/** How often the line is checked. */
const CHECK_MS = 500;
/**
 * What waited while the line was down goes out in order and at a pace the room takes: this
 * many at once, then one every RESEND_EVERY_MS. The room's bucket per connection holds a burst
 * of 60 commands and refills 20 a second (protocol/README.md); a long queue sent at once was
 * refused past the 60th.
 */
const RESEND_BURST = 50;
const RESEND_EVERY_MS = 60;

/** @typedef {{ ok: true } | { ok: false, code: ErrorCode, message: string }} Outcome */

/** The outcome of a command on a connection closed for good. @type {Outcome} */
const STOPPED = { ok: false, code: 'internal', message: 'the connection was closed' };

/**
 * Why the server will not let this client in; retrying would not help.
 * @typedef {{ code: ErrorCode | null, reason: string }} Refusal
 */

/**
 * @typedef {object} ConnectionOptions
 * @property {string} roomId
 * @property {Store} store
 * @property {() => { credentials: Credentials, name?: string }} hello
 *   who to say we are; asked again before every (re)connect, so a token saved meanwhile is used
 * @property {(you: You, notice: { code: ErrorCode, message: string } | null) => void} onWelcome
 *   `notice` is an `error` the server sent just before letting us in (a new participant in a
 *   closed room is let in to read only, and told so)
 * @property {(code: ErrorCode, message: string) => void} onReject
 * @property {(refusal: Refusal) => void} onRefused
 * @property {Keeper} [keeper] where unanswered commands outlive the page (the browser's storage)
 */

/**
 * Unanswered commands as a page leaves them, for the next page to open the room: its client id
 * and next number (so that what the room applied already is acknowledged, not applied again),
 * the member it spoke as, and each command with its number and the words it adds (listed on the
 * banner).
 * @typedef {{ v: number, protocol: number, at: number, client: string, next: number,
 *   member: string | null, commands: [number, Command, string | null][] }} Kept
 */

/**
 * The client id the last page of a tab used, and its next number.
 * @typedef {{ client: string, next: number }} Last
 */

/**
 * @typedef {object} Keeper
 * @property {() => unknown} last the {@link Last} of this tab's last page (checked before it
 *   is trusted)
 * @property {() => Map<string, unknown>} load every page's record, by client id (to choose
 *   which to take over)
 * @property {(client: string) => unknown} read one page's record, as it is now
 * @property {(last: Last | string, kept: Kept | null) => void} save a page's record (null:
 *   nothing waits); given a {@link Last}, this tab's too
 * @property {(cmd: Command) => boolean} keeps whether a command may be sent by a later page
 * @property {(cmd: Command, words: string | null) => (outcome: Outcome) => void} revive what
 *   settles a command a previous page made (it lists its words again, and says if refused)
 */

/** The shape of {@link Kept} this code writes; another is not read. */
const KEPT_VERSION = 1;
/**
 * Kept commands older than this (a tab the phone discarded and the person came back to hours
 * later) are not sent: the room has moved on. Their words are named as not added.
 */
const KEPT_FOR_MS = 2 * 60 * 60 * 1000;
/** The refusal of a command kept for too long (never sent). */
export const KEPT_TOO_LONG = 'kept too long: not sent';
/** The client ids this page makes (`b` and 16 hex digits); a kept one must look the same. */
const CLIENT_ID = /^b[0-9a-f]{16}$/;

/**
 * A page's record, if it is whole, of this version and of `owner` (storage is this browser's
 * own, but it may be from an older version of this code, or cut short); null otherwise.
 * @param {unknown} raw
 * @param {string} owner the client id it was found under
 * @returns {Kept | null}
 */
function checkKept(raw, owner) {
  if (typeof raw !== 'object' || raw === null) return null;
  const kept = /** @type {Record<string, unknown>} */ (raw);
  const { v, protocol, at, client, next, member, commands } = kept;
  if (v !== KEPT_VERSION || protocol !== PROTOCOL_VERSION || typeof at !== 'number') return null;
  if (client !== owner || !CLIENT_ID.test(owner)) return null;
  if (!Number.isSafeInteger(next) || /** @type {number} */ (next) < 1) return null;
  if (member !== null && typeof member !== 'string') return null;
  if (!Array.isArray(commands)) return null;
  /** @type {[number, Command, string | null][]} */
  const whole = [];
  for (const entry of commands) {
    if (!Array.isArray(entry) || entry.length !== 3) return null;
    const [id, cmd, words] = entry;
    if (!Number.isSafeInteger(id) || id < 1 || id >= /** @type {number} */ (next)) return null;
    if (typeof cmd !== 'object' || cmd === null || typeof cmd.type !== 'string') return null;
    if (words !== null && typeof words !== 'string') return null;
    whole.push([id, cmd, words]);
  }
  whole.sort((a, b) => a[0] - b[0]);
  return { v, protocol, at, client: owner, next: /** @type {number} */ (next), member, commands: whole };
}

/** The outcome's message of a command taken back before it was ever sent (see `withdraw`). */
export const WITHDRAWN = 'taken back before it was sent';

/**
 * The tab's last page's client id and next number, if they look as this code writes them.
 * @param {unknown} raw
 * @returns {Last | null}
 */
function checkLast(raw) {
  if (typeof raw !== 'object' || raw === null) return null;
  const { client, next } = /** @type {Record<string, unknown>} */ (raw);
  if (typeof client !== 'string' || !CLIENT_ID.test(client)) return null;
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 1) return null;
  return { client, next };
}

/**
 * `sent`: it went out on a socket at least once (the room may have it), or it is not known
 * (a command an earlier page made).
 * @typedef {{ cmd: Command, settle: (outcome: Outcome) => void, ownRefusal: boolean,
 *   words: string | null, revived: boolean, sent: boolean }} Pending
 */

export class Connection {
  /** @param {ConnectionOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** True between `welcome` and the socket closing: commands may go out. */
    this.welcomed = false;
    this.stopped = false;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.retryTimer = null;
    /** @type {{ code: ErrorCode, message: string } | null} the last `error` frame */
    this.lastError = null;
    /** Commands sent but not yet acknowledged, by number, in the order they were made. */
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    /** The last command transmitted on this socket; later ones wait for the resend to reach them. */
    this.lastSent = 0;
    /** True while what waited is being resent: a new command queues behind it, in order. */
    this.backlog = false;
    /** This page, to the server: its commands are numbered 1, 2, 3... across reconnects. */
    this.client = `b${randomHex(8)}`;
    this.nextId = 1;
    /** The member this page is, once welcomed (or as the page whose commands it took over was). @type {string | null} */
    this.member = null;
    /** Where what waits outlives this page, once adopt() found the browser able to. @type {Keeper | null} */
    this.keeper = null;
    /** A write of what waits is due at the end of this task. */
    this.remembering = false;
    /** When the server was last heard from. */
    this.heard = Date.now();
    /** When a `ping` went out that is not answered yet (0: none). */
    this.pinged = 0;
    window.addEventListener('online', () => this.retryNow());
    window.addEventListener('offline', () => this.dead());
    setInterval(() => this.checkLine(), CHECK_MS);
  }

  /**
   * Takes over, before the first connect, what an earlier page left unanswered: its client id
   * and numbering, and its commands, sent after the `welcome` as any that waited. The page this
   * tab had before (a reload, a tab the browser discarded) comes first; it lets go of its client
   * id as it is unloaded, and its id is taken over even with nothing waiting (so that a person
   * who reloads often does not use up the room's marks of their clients). Otherwise the oldest
   * record whose page is gone (a closed tab): a live page holds its client id (a Web Lock for
   * the page's life), so a copy of a live tab, or a second tab of the room, starts afresh rather
   * than number commands the live page numbers too (the room would take them for resends and
   * drop them). One page takes over one record; a second closed tab's waits for the next page.
   * Records older than KEPT_FOR_MS are not sent: their words are named. Without Web Locks (a
   * plain-http address) nothing is kept.
   */
  async adopt() {
    const keeper = this.options.keeper;
    if (!keeper || !globalThis.navigator?.locks) {
      this.keeper = null;
      return;
    }
    this.keeper = keeper;
    const last = checkLast(keeper.last());
    const records = keeper.load();
    /** @param {string} client */
    const savedAt = (client) => {
      const at = /** @type {{ at?: unknown } | null} */ (records.get(client))?.at;
      return typeof at === 'number' ? at : 0;
    };
    const order = [...records.keys()].filter((c) => c !== last?.client).sort((a, b) => savedAt(a) - savedAt(b));
    if (last) order.unshift(last.client);
    // Anything sent already was numbered under this page's own id: it keeps that id.
    for (const client of order) {
      if (this.pending.size > 0) break;
      const release = await hold(client, client === last?.client ? TAKE_OVER_MS : 0, () => this.lostLock());
      if (!release) continue;
      // Read again now that it is held: its page may have written it while letting go.
      const raw = keeper.read(client);
      const own = client === last?.client ? last.next : 1;
      if (raw === null && own > 1) {
        this.client = client;
        this.nextId = own;
        this.remember();
        return;
      }
      const kept = checkKept(raw, client);
      if (kept === null) {
        keeper.save(client, null);
        release();
        continue;
      }
      if (Date.now() - kept.at > KEPT_FOR_MS) {
        for (const [, cmd, words] of kept.commands) {
          keeper.revive(cmd, words)({ ok: false, code: 'conflict', message: KEPT_TOO_LONG });
        }
        keeper.save(client, null);
        release();
        continue;
      }
      this.client = kept.client;
      this.nextId = Math.max(kept.next, own);
      this.member = kept.member;
      for (const [id, cmd, words] of kept.commands) {
        const settle = keeper.revive(cmd, words);
        this.pending.set(id, { cmd, settle, ownRefusal: words !== null, words, revived: true, sent: true });
      }
      this.remember();
      return;
    }
    await hold(this.client, TAKE_OVER_MS, () => this.lostLock());
    this.remember();
  }

  /**
   * The browser let go of this page's client id without the page asking (Safari does, for a
   * page it keeps in its back-forward cache): once the page is shown again it takes the id
   * back, or, if another page has taken it over meanwhile (with what waited here), starts
   * again as a new page.
   */
  lostLock() {
    const reclaim = async () => {
      if (!(await hold(this.client, 0, () => this.lostLock()))) location.reload();
    };
    if (document.visibilityState === 'visible') reclaim();
    else window.addEventListener('pageshow', reclaim, { once: true });
  }

  /** Writes what waits for an answer where a later page of the room finds it (once per task). */
  remember() {
    const keeper = this.keeper;
    if (!keeper || this.remembering) return;
    this.remembering = true;
    queueMicrotask(() => {
      this.remembering = false;
      /** @type {[number, Command, string | null][]} */
      const commands = [];
      for (const [id, { cmd, words }] of this.pending) if (keeper.keeps(cmd)) commands.push([id, cmd, words]);
      keeper.save(
        { client: this.client, next: this.nextId },
        commands.length === 0
          ? null
          : {
              v: KEPT_VERSION,
              protocol: PROTOCOL_VERSION,
              at: Date.now(),
              client: this.client,
              next: this.nextId,
              member: this.member,
              commands,
            },
      );
    });
  }

  /** Pings a quiet line; gives up on a silent one. */
  checkLine() {
    if (!this.welcomed || !this.socket) return;
    const quiet = Date.now() - this.heard;
    if (quiet >= DEAD_MS) this.dead();
    else if (quiet >= QUIET_MS && this.pinged === 0) {
      this.pinged = Date.now();
      this.socket.send(JSON.stringify({ type: 'ping' }));
    }
  }

  /** The connection is gone (the browser says so, or it stopped answering): say so, retry. */
  dead() {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    socket.close(CLOSE_SILENT, 'silent');
    // The close event of a dead line may come late: act now.
    this.closed(socket, /** @type {CloseEvent} */ ({ code: CLOSE_SILENT, reason: 'silent' }));
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/rooms/${encodeURIComponent(this.options.roomId)}/ws`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.lastError = null;
    socket.addEventListener('open', () => {
      this.heard = Date.now();
      this.pinged = 0;
      /** @type {ClientMsg} */
      const hello = { type: 'hello', protocol: PROTOCOL_VERSION, client: this.client, ...this.options.hello() };
      // After a drop, ask for just what was missed; the server may answer with a snapshot.
      const seen = this.options.store.view?.room.seq;
      if (seen !== undefined) hello.last_seq = seen;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener('message', (ev) => {
      if (socket !== this.socket) return;
      this.heard = Date.now();
      this.pinged = 0;
      if (typeof ev.data !== 'string') return;
      /** @type {ServerMsg} */
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.receive(msg);
    });
    socket.addEventListener('close', (ev) => this.closed(socket, ev));
  }

  /**
   * Sends a durable command; settles when the server acknowledges or rejects it, however many
   * reconnects that takes.
   * @param {Command} cmd
   * @param {boolean} [ownRefusal] the caller tells the person about a refusal itself (so
   *   `onReject` is not called for it)
   * @param {string | null} [words] what the command adds, in the person's words (listed again by
   *   a later page of the tab that sends it)
   * @returns {Promise<Outcome>}
   */
  send(cmd, ownRefusal = false, words = null) {
    if (this.stopped) return Promise.resolve(STOPPED);
    const id = this.nextId++;
    return new Promise((settle) => {
      this.pending.set(id, { cmd, settle, ownRefusal, words, revived: false, sent: false });
      this.remember();
      if (this.welcomed && !this.backlog) {
        this.transmit(id, cmd);
        this.lastSent = id;
      }
    });
  }

  /**
   * Sends an ephemeral message (a caret in a shared text, a post-it being dragged). Never stored
   * or resent: while disconnected it is simply dropped, and the durable command that follows
   * carries the result. Callers throttle to about 30 a second; the server enforces it too.
   * @param {Extract<ClientMsg, { type: 'caret' | 'drag' }>} msg
   */
  live(msg) {
    if (this.welcomed && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  /** Sends every command still waiting for its answer, in order, paced (RESEND_BURST). */
  resend() {
    const socket = this.socket;
    this.lastSent = 0;
    this.backlog = true;
    let first = true;
    const tick = () => {
      // A newer connection resends for itself.
      if (this.socket !== socket || !this.welcomed) return;
      let room = first ? RESEND_BURST : 1;
      first = false;
      for (const [id, { cmd }] of this.pending) {
        if (id <= this.lastSent) continue;
        if (room-- === 0) break;
        this.transmit(id, cmd);
        this.lastSent = id;
      }
      if ([...this.pending.keys()].some((id) => id > this.lastSent)) setTimeout(tick, RESEND_EVERY_MS);
      else this.backlog = false;
    };
    tick();
  }

  /** @param {number} id @param {Command} cmd */
  transmit(id, cmd) {
    /** @type {ClientMsg} */
    const msg = { type: 'cmd', id, cmd };
    const entry = this.pending.get(id);
    if (entry && this.socket) entry.sent = true;
    this.socket?.send(JSON.stringify(msg));
  }

  /**
   * Whether `cmd` (the very object given to `send`) waits and was never sent: the room cannot
   * have it, so it may still be taken back.
   * @param {Command} cmd
   */
  withdrawable(cmd) {
    for (const entry of this.pending.values()) if (entry.cmd === cmd) return !entry.sent;
    return false;
  }

  /**
   * Takes back a command that was never sent (see `withdrawable`): it is settled as WITHDRAWN
   * and never goes out. Its number is left unused (the room does not need them consecutive).
   * @param {Command} cmd
   * @returns {boolean} whether it was taken back
   */
  withdraw(cmd) {
    for (const [id, entry] of this.pending) {
      if (entry.cmd !== cmd) continue;
      if (entry.sent) return false;
      this.settle(id, { ok: false, code: 'conflict', message: WITHDRAWN });
      return true;
    }
    return false;
  }

  /** @param {ServerMsg} msg */
  receive(msg) {
    const { store } = this.options;
    switch (msg.type) {
      case 'welcome':
        this.welcomed = true;
        this.attempt = 0;
        this.options.onWelcome(msg.you, this.takeNotice());
        this.welcomedAs(msg.you);
        store.welcome(msg);
        this.resend();
        break;
      case 'resume':
        this.welcomed = true;
        this.attempt = 0;
        this.options.onWelcome(msg.you, this.takeNotice());
        this.welcomedAs(msg.you);
        store.resume(msg);
        this.resend();
        break;
      case 'change':
        if (!store.apply(msg)) this.socket?.close(CLOSE_RESYNC, 'resync');
        break;
      case 'ack':
        this.settle(msg.id, { ok: true });
        break;
      case 'reject': {
        const own = this.pending.get(msg.id)?.ownRefusal ?? false;
        this.settle(msg.id, { ok: false, code: msg.code, message: msg.message });
        if (!own) this.options.onReject(msg.code, msg.message);
        break;
      }
      case 'presence':
        store.presence(msg);
        break;
      case 'caret':
        store.caret(msg);
        break;
      case 'pong':
        break;
      case 'drag':
        store.drag(msg);
        break;
      case 'error':
        this.lastError = { code: msg.code, message: msg.message };
        break;
    }
  }

  /**
   * Who the room let this page in as. Commands an earlier page made as someone else
   * (a token forgotten since, the room joined again) are not sent as this member: they are
   * refused here, and their words are named.
   * @param {You} you
   */
  welcomedAs(you) {
    const member = you.member_id ?? null;
    if (this.member !== null && member !== this.member) {
      for (const [id, entry] of [...this.pending]) {
        if (entry.revived) this.settle(id, { ok: false, code: 'unauthorized', message: 'made as another member of this room' });
      }
    }
    if (member !== null) this.member = member;
    this.remember();
  }

  /** The `error` received before being let in, if any; forgotten once taken. */
  takeNotice() {
    const notice = this.lastError;
    this.lastError = null;
    return notice;
  }

  /** @param {number} id @param {Outcome} outcome */
  settle(id, outcome) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.remember();
    entry.settle(outcome);
  }

  /** @param {WebSocket} socket @param {CloseEvent} ev */
  closed(socket, ev) {
    if (socket !== this.socket || this.stopped) return;
    this.socket = null;
    this.welcomed = false;
    // A policy close is final (no such room, wrong key), except when the server says the
    // trouble is on its side: then it is worth another try.
    const transient = this.lastError?.code === 'internal' || this.lastError?.code === 'rate_limited';
    if (ev.code === CLOSE_POLICY && !transient) {
      this.stop();
      this.options.onRefused({
        code: this.lastError?.code ?? null,
        reason: ev.reason || this.lastError?.message || '',
      });
      return;
    }
    this.options.store.setStatus(this.options.store.view ? 'reconnecting' : 'connecting');
    const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt);
    const delay = ev.code === CLOSE_RESYNC ? 0 : backoff * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /**
   * Says `hello` again at once, on a new socket: a page let in only to read a closed room asks
   * to join once it is open again.
   */
  again() {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    // Not a lost line: no "reconnecting" banner; the old socket's close is ignored.
    this.socket = null;
    this.welcomed = false;
    socket.close(1000);
    this.connect();
  }

  /** When the browser says the network is back, skip the rest of the wait. */
  retryNow() {
    if (this.retryTimer === null || this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Closes for good: no more retries; what was waiting for an answer never gets one. */
  stop() {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.socket?.close(1000);
    this.socket = null;
    for (const id of [...this.pending.keys()]) this.settle(id, STOPPED);
  }
}

/**
 * How long a new page waits for the lock of its tab's last client id: the page before it (a
 * reload) lets go as it is unloaded, a live page a tab was copied from never does.
 */
const TAKE_OVER_MS = 1000;

/**
 * Holds the Web Lock of a client id for the rest of the page's life, if no other page of this
 * browser holds it (or lets go of it within `waitMs`; 0: only if free now).
 * @param {string} client
 * @param {number} waitMs
 * @param {() => void} lost called if the browser lets go of it without being asked
 * @returns {Promise<(() => void) | null>} what lets go of it; null: another page holds it, or
 *   the browser has no Web Locks
 */
function hold(client, waitMs, lost) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve(null);
  const options = waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
  let held = false;
  let asked = false;
  const ended = () => {
    if (held && !asked) lost();
  };
  return new Promise((resolve) => {
    locks
      .request(`horseshoe:client:${client}`, options, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        held = true;
        // Held until the page goes, or until it is let go.
        return new Promise((letGo) =>
          resolve(() => {
            asked = true;
            letGo(undefined);
          }),
        );
      })
      .then(ended, () => {
        if (held) ended();
        else resolve(null);
      });
  });
}

/** @param {number} bytes @returns {string} */
function randomHex(bytes) {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}
