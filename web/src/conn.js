// The WebSocket to `/api/rooms/{room_id}/ws`: sends `hello` first, feeds the store, keeps every
// command until it is acknowledged (and resends it after a reconnect: the server acks a
// duplicate id without applying it twice), and reconnects by itself with jittered backoff.

/** @typedef {import('./protocol').ClientMsg} ClientMsg */
/** @typedef {import('./protocol').ServerMsg} ServerMsg */
/** @typedef {import('./protocol').Command} Command */
/** @typedef {import('./protocol').Credentials} Credentials */
/** @typedef {import('./protocol').ErrorCode} ErrorCode */
/** @typedef {import('./protocol').You} You */
/** @typedef {import('./store.js').Store} Store */

/** The protocol version this client speaks (`PROTOCOL_VERSION`). */
const PROTOCOL_VERSION = 1;
/** First retry soon (a blip), then doubling up to a cap so a down server is not hammered. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;
/** WebSocket close code for "policy": bad hello, wrong credentials, unknown room. */
const CLOSE_POLICY = 1008;
/** Our own close code when an event was missed and a fresh snapshot is needed. */
const CLOSE_RESYNC = 4000;

/** @typedef {{ ok: true } | { ok: false, code: ErrorCode, message: string }} Outcome */

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
    /** Commands sent but not yet acknowledged, in the order they were made. */
    /** @type {Map<string, { cmd: Command, settle: (outcome: Outcome) => void }>} */
    this.pending = new Map();
    this.idPrefix = randomHex(8);
    this.nextId = 1;
    window.addEventListener('online', () => this.retryNow());
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/rooms/${encodeURIComponent(this.options.roomId)}/ws`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.lastError = null;
    socket.addEventListener('open', () => {
      /** @type {ClientMsg} */
      const hello = { type: 'hello', protocol: PROTOCOL_VERSION, ...this.options.hello() };
      // After a drop, ask for just what was missed; the server may answer with a snapshot.
      const seen = this.options.store.view?.room.seq;
      if (seen !== undefined) hello.last_seq = seen;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener('message', (ev) => {
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
   * @returns {Promise<Outcome>}
   */
  send(cmd) {
    const id = `${this.idPrefix}-${this.nextId++}`;
    return new Promise((settle) => {
      this.pending.set(id, { cmd, settle });
      if (this.welcomed) this.transmit(id, cmd);
    });
  }

  /**
   * Sends an ephemeral message (live typing, a post-it being dragged). Never stored or resent:
   * while disconnected it is simply dropped, and the durable command that follows carries the
   * result. Callers throttle to about 30 a second; the server enforces it too.
   * @param {Extract<ClientMsg, { type: 'typing' | 'drag' }>} msg
   */
  live(msg) {
    if (this.welcomed && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  /** @param {string} id @param {Command} cmd */
  transmit(id, cmd) {
    /** @type {ClientMsg} */
    const msg = { type: 'cmd', id, cmd };
    this.socket?.send(JSON.stringify(msg));
  }

  /** @param {ServerMsg} msg */
  receive(msg) {
    const { store } = this.options;
    switch (msg.type) {
      case 'welcome':
        this.welcomed = true;
        this.attempt = 0;
        this.options.onWelcome(msg.you, this.takeNotice());
        store.welcome(msg);
        for (const [id, { cmd }] of this.pending) this.transmit(id, cmd);
        break;
      case 'resume':
        this.welcomed = true;
        this.attempt = 0;
        this.options.onWelcome(msg.you, this.takeNotice());
        store.resume(msg);
        for (const [id, { cmd }] of this.pending) this.transmit(id, cmd);
        break;
      case 'event':
        if (!store.apply(msg.seq, msg.event)) this.socket?.close(CLOSE_RESYNC, 'resync');
        break;
      case 'ack':
        this.settle(msg.id, { ok: true });
        break;
      case 'reject':
        this.settle(msg.id, { ok: false, code: msg.code, message: msg.message });
        this.options.onReject(msg.code, msg.message);
        break;
      case 'presence':
        store.presence(msg);
        break;
      case 'typing':
        store.typing(msg);
        break;
      case 'drag':
        store.drag(msg);
        break;
      case 'error':
        this.lastError = { code: msg.code, message: msg.message };
        break;
    }
  }

  /** The `error` received before being let in, if any; forgotten once taken. */
  takeNotice() {
    const notice = this.lastError;
    this.lastError = null;
    return notice;
  }

  /** @param {string} id @param {Outcome} outcome */
  settle(id, outcome) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
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

  /** When the browser says the network is back, skip the rest of the wait. */
  retryNow() {
    if (this.retryTimer === null || this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Closes for good: no more retries. */
  stop() {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.socket?.close(1000);
    this.socket = null;
  }
}

/** @param {number} bytes @returns {string} */
function randomHex(bytes) {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}
