// An independent Horseshoe client, written only from protocol/README.md (the wire protocol),
// README.md ("HTTP API") and `horseshoe --help`. It checks that such a client can speak to the
// server: every client keeps its own copy of the room by applying the doc's event table, and
// at checkpoints a brand-new connection's `welcome` must equal each live copy.
//
// Run from the repository root:
//   node --experimental-websocket --test --test-force-exit tests/independent/

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';

const BIN = process.env.HORSESHOE_BIN || path.resolve(import.meta.dirname ?? '.', '../../target/debug/horseshoe');
const PROTOCOL = 3; // "Protocol version: **3**" (doc line 3)
const WAIT_MS = 20_000;
const STEP_COUNT = 6; // limits table
const UNDO_DEPTH = 20; // limits table
const CATEGORY_COUNT = 6; // limits table

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const b64 = (u8) => Buffer.from(u8).toString('base64'); // "standard alphabet with padding"
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const clone = (v) => structuredClone(v);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const randomClientId = (prefix) => `${prefix}-${randomBytes(4).toString('hex')}`; // A-Z a-z 0-9 _ -

/** Rejects after WAIT_MS saying what it waited for. */
function withTimeout(promise, what, ms = WAIT_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Shared-text key in room.texts for a target ("Shared texts (Yjs)" table). */
function textKey(target) {
  return target.kind === 'definition' ? `definition:${target.group}` : `${target.kind}:${target.id}`;
}

// ---------------------------------------------------------------------------------------------
// The room state, written from "The room state" and "Every event: where it lands" tables.
// The local copy is welcome.room with welcome.mine merged in, plus `undo` and `redo` maps
// (member id -> stack), which the doc says are "only the member's own, from welcome.mine".
// ---------------------------------------------------------------------------------------------

/** welcome.room + welcome.mine -> the room as this member may see it ("mine" table). */
function fromWelcome(welcome) {
  const room = clone(welcome.room);
  room.undo = {};
  room.redo = {};
  const mine = welcome.mine;
  if (mine) {
    const id = mine.member_id;
    if (mine.undo?.length) room.undo[id] = clone(mine.undo);
    if (mine.redo?.length) room.redo[id] = clone(mine.redo);
    for (const note of mine.notes ?? []) room.wall.notes[note.id] = clone(note);
    if (mine.votes && Object.keys(mine.votes).length) room.priorities.votes[id] = clone(mine.votes);
  }
  return room;
}

/** Re-places every anchored highlight of `group` after its definition changed ("Highlights"). */
function replaceHighlights(room, group, ydoc) {
  const text = ydoc.getText('t').toString();
  for (const h of Object.values(room.definitions.highlights)) {
    if (h.group !== group || !h.anchor) continue;
    const s = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(unb64(h.anchor.start)), ydoc);
    const e = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(unb64(h.anchor.end)), ydoc);
    if (!s || !e) continue; // "a position that does not resolve leaves the highlight as it was"
    h.start = s.index;
    h.end = Math.max(e.index, s.index);
    h.phrase = text.slice(h.start, h.end);
  }
}

const without = (list, x) => list.filter((y) => y !== x);
const sortById = (list) => list.sort((a, b) => a.id - b.id);

/**
 * Applies one event to `room`. `by` is the change's `by`; `docs` maps text keys to this copy's
 * Yjs documents (the room's version of each shared text).
 */
function applyEvent(room, ev, by, docs) {
  const exp = room.experience;
  const defs = room.definitions;
  const wall = room.wall;
  const asm = room.assessment;
  const pri = room.priorities;
  switch (ev.type) {
    case 'member.joined': room.members[ev.member.id] = ev.member; break;
    case 'member.renamed': room.members[ev.member_id].name = ev.name; break;
    case 'settings.changed': room.settings = ev.settings; break;
    case 'step.changed': room.step = ev.step; room.undo = {}; room.redo = {}; break;
    case 'timer.changed': room.timers[ev.step - 1] = ev.timer; break;
    case 'checkin.set': room.checkins[ev.member_id] = ev.checkin; break;
    case 'checkin.cleared': delete room.checkins[ev.member_id]; break;
    case 'hands.changed': room.hands = ev.hands; break;
    case 'queue.changed': exp.queue = ev.queue; break;
    case 'scribe.changed':
      if (ev.scribe) exp.scribe = ev.scribe; else delete exp.scribe;
      break;
    case 'factors.opened': exp.open = ev.open; break;
    case 'factor.set': exp.factors[ev.factor.id] = ev.factor; break;
    case 'factor.removed': delete exp.factors[ev.id]; break;
    case 'group.member': {
      // "take member_id out of every group's members and late, drop groups left empty; with
      // group, append them ... (a group that did not exist starts with them; keep groups
      // ordered by id), and with late: true to its late too (an empty late is left out)"
      let groups = defs.groups;
      for (const g of groups) {
        g.members = without(g.members, ev.member_id);
        if (g.late) {
          g.late = without(g.late, ev.member_id);
          if (!g.late.length) delete g.late;
        }
      }
      groups = groups.filter((g) => g.members.length > 0);
      if (ev.group != null) {
        let g = groups.find((x) => x.id === ev.group);
        if (!g) groups.push((g = { id: ev.group, members: [] }));
        g.members.push(ev.member_id);
        if (ev.late) (g.late ??= []).push(ev.member_id);
      }
      defs.groups = sortById(groups);
      break;
    }
    case 'text.changed': {
      const key = textKey(ev.target);
      let doc = docs.get(key);
      if (!doc) docs.set(key, (doc = new Y.Doc()));
      Y.applyUpdate(doc, unb64(ev.update));
      const entry = (room.texts[key] ??= { text: '', doc: '', editors: [], updated_at: ev.at });
      entry.text = ev.text;
      entry.doc = b64(Y.encodeStateAsUpdate(doc));
      if (!entry.editors.includes(by)) entry.editors.push(by);
      entry.updated_at = ev.at;
      if (ev.target.kind === 'definition') replaceHighlights(room, ev.target.group, doc);
      break;
    }
    case 'wall.changed': defs.wall = ev.wall; break;
    case 'highlight.set': defs.highlights[ev.highlight.id] = ev.highlight; break;
    case 'highlight.removed': delete defs.highlights[ev.id]; break;
    case 'common.changed': defs.common = ev.common; break;
    case 'working.changed': defs.working = ev.text; break;
    case 'ready.changed': {
      const has = room.ready.some(([s, m]) => s === ev.step && m === ev.member_id);
      if (ev.ready && !has) room.ready.push([ev.step, ev.member_id]);
      if (!ev.ready) room.ready = room.ready.filter(([s, m]) => !(s === ev.step && m === ev.member_id));
      break;
    }
    case 'auto_advance.changed': room.auto_advance = ev.on; break;
    case 'history.recorded': {
      const stack = (room.undo[ev.member_id] ??= []);
      stack.push(ev.entry);
      while (stack.length > UNDO_DEPTH) stack.shift();
      delete room.redo[ev.member_id];
      break;
    }
    case 'history.undone':
    case 'history.redone': {
      const [from, to] = ev.type === 'history.undone' ? [room.undo, room.redo] : [room.redo, room.undo];
      const entry = from[ev.member_id]?.pop();
      assert.ok(entry, `${ev.type} with an empty stack`);
      if (!from[ev.member_id].length) delete from[ev.member_id];
      (to[ev.member_id] ??= []).push(entry);
      break;
    }
    case 'note.set': wall.notes[ev.note.id] = ev.note; break;
    case 'note.moved': {
      const note = wall.notes[ev.id];
      if (!note) break; // "a post-it this copy does not have is left alone"
      note.x = ev.x;
      note.y = ev.y;
      if (ev.cluster) note.cluster = ev.cluster; else delete note.cluster;
      break;
    }
    case 'note.removed': delete wall.notes[ev.id]; break;
    case 'notes.pending':
      if (ev.count) wall.pending[ev.member_id] = ev.count; else delete wall.pending[ev.member_id];
      break;
    case 'reveal.turn':
      if (ev.member_id) wall.turn = ev.member_id; else delete wall.turn;
      break;
    case 'cluster.set': wall.clusters[ev.cluster.id] = ev.cluster; break;
    case 'cluster.removed': delete wall.clusters[ev.id]; break;
    case 'team.set': {
      asm.teams = sortById([...asm.teams.filter((t) => t.id !== ev.team.id), ev.team]);
      break;
    }
    case 'team.removed': asm.teams = asm.teams.filter((t) => t.id !== ev.id); break;
    case 'team.member': {
      // like group.member, but "teams stay, even empty"; a new team has "no cluster, ratings all 0"
      for (const t of asm.teams) {
        t.members = without(t.members, ev.member_id);
        if (t.late) {
          t.late = without(t.late, ev.member_id);
          if (!t.late.length) delete t.late;
        }
      }
      if (ev.team != null) {
        let t = asm.teams.find((x) => x.id === ev.team);
        if (!t) asm.teams.push((t = { id: ev.team, members: [], ratings: Array(CATEGORY_COUNT).fill(0) }));
        t.members.push(ev.member_id);
        if (ev.late) (t.late ??= []).push(ev.member_id);
        sortById(asm.teams);
      }
      break;
    }
    case 'team.cluster': {
      const t = asm.teams.find((x) => x.id === ev.team);
      if (ev.cluster) t.cluster = ev.cluster; else delete t.cluster;
      break;
    }
    case 'rating.set': asm.teams.find((x) => x.id === ev.team).ratings[ev.category - 1] = ev.rating; break;
    case 'card.set': asm.cards[ev.card.id] = ev.card; break;
    case 'card.removed': delete asm.cards[ev.id]; break;
    case 'presenting.changed':
      if (ev.team != null) pri.presenting = ev.team; else delete pri.presenting;
      break;
    case 'area.set': pri.areas[ev.area.id] = ev.area; break;
    case 'area.removed': delete pri.areas[ev.id]; break;
    case 'vote.phase':
      if (ev.phase === 'open') {
        pri.votes = {};
        pri.used = {};
        pri.tally = {};
      }
      pri.phase = ev.phase;
      pri.dots = ev.dots;
      break;
    case 'vote.set': {
      const mine = (pri.votes[ev.member_id] ??= {});
      if (ev.dots) mine[ev.area] = ev.dots; else delete mine[ev.area];
      if (!Object.keys(mine).length) delete pri.votes[ev.member_id];
      break;
    }
    case 'vote.used': pri.used[ev.member_id] = ev.used; break;
    case 'tally.changed': pri.tally = ev.tally; break;
    case 'ranking.changed': pri.ranking = ev.ranking; pri.finalised = ev.finalised; break;
    case 'room.closed': room.closed = ev.closed; break;
    case 'member.contributed': room.contributions[ev.member_id] = ev.total; break;
    default:
      throw new Error(`event type not in the doc's table: ${ev.type}`);
  }
}

/** A copy in a comparable form: Yjs documents by content, empty private maps dropped. */
function normalize(room) {
  const r = clone(room);
  for (const [key, t] of Object.entries(r.texts)) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, unb64(t.doc));
    r.texts[key] = { ...t, doc: { text: doc.getText('t').toString(), state_vector: b64(Y.encodeStateVector(doc)) } };
    assert.equal(r.texts[key].doc.text, t.text, `texts[${key}]: the document does not read as its text`);
  }
  for (const m of ['undo', 'redo']) {
    for (const [id, stack] of Object.entries(r[m] ?? {})) if (!stack.length) delete r[m][id];
  }
  for (const [id, v] of Object.entries(r.priorities.votes)) if (!Object.keys(v).length) delete r.priorities.votes[id];
  return r;
}

// ---------------------------------------------------------------------------------------------
// A WebSocket client with its own copy of the room
// ---------------------------------------------------------------------------------------------

let server; // { url, ws, proc, dir }
const openClients = new Set();

class Client {
  constructor(label, roomId) {
    this.label = label;
    this.roomId = roomId;
    this.frames = []; // every frame received, in order
    this.pos = 0; // where next() looks from
    this.waiters = new Set();
    this.closed = null; // {code, reason} once closed
    this.expectClose = false;
    this.room = null; // the local copy
    this.docs = new Map(); // text key -> Y.Doc (the room's version)
    this.editors = new Map(); // text key -> Y.Doc this client types into
    this.problems = []; // protocol violations seen while applying frames
    this.nextCmd = 1;
  }

  /** Opens a socket and says `hello`; resolves with the `welcome` or `resume` frame. */
  static async connect(label, roomId, hello, opts = {}) {
    const c = opts.reuse ?? new Client(label, roomId);
    c.hello = { type: 'hello', protocol: PROTOCOL, ...hello };
    c.openSocket();
    await c.until(() => c.ws.readyState === WebSocket.OPEN, 'the socket to open');
    c.send(c.hello);
    if (opts.noWait) return c;
    const first = await c.next((f) => ['welcome', 'resume', 'error'].includes(f.type), 'welcome or resume');
    assert.notEqual(first.type, 'error', `${label}: hello refused: ${JSON.stringify(first)}`);
    c.first = first;
    return c;
  }

  openSocket() {
    this.closed = null;
    this.expectClose = false;
    this.pos = this.frames.length;
    const ws = (this.ws = new WebSocket(`${server.ws}/api/rooms/${this.roomId}/ws`));
    ws.binaryType = 'arraybuffer';
    openClients.add(this);
    ws.onmessage = (e) => {
      if (ws !== this.ws) return;
      if (typeof e.data !== 'string') this.problems.push('binary frame from the server');
      const f = JSON.parse(e.data);
      if (process.env.HS_DEBUG) console.log(`<< ${this.label}`, e.data.slice(0, 600));
      this.frames.push(f);
      try {
        this.handle(f);
      } catch (err) {
        this.problems.push(`${f.type}: ${err.stack}`);
      }
      this.wake();
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.closed = { code: e.code, reason: e.reason };
      openClients.delete(this);
      this.wake();
    };
    ws.onopen = () => this.wake();
    ws.onerror = () => {};
  }

  handle(f) {
    switch (f.type) {
      case 'welcome':
        // "a fresh welcome: replace the local copy with it"
        this.you = f.you;
        this.welcome = f;
        this.room = fromWelcome(f);
        this.docs = new Map();
        for (const [key, t] of Object.entries(f.room.texts)) {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, unb64(t.doc));
          this.docs.set(key, doc);
        }
        for (const [key, ed] of this.editors) Y.applyUpdate(ed, Y.encodeStateAsUpdate(this.docs.get(key) ?? new Y.Doc()));
        if (f.you.token) this.token = f.you.token;
        break;
      case 'resume':
        this.you = f.you;
        this.resumed = f;
        break;
      case 'change': {
        // "seq (the room's sequence number, one per change, no gaps)"
        if (f.seq !== this.room.seq + 1) {
          this.problems.push(`change ${f.seq} after ${this.room.seq}`);
          return;
        }
        for (const ev of f.events) {
          applyEvent(this.room, clone(ev), f.by, this.docs);
          if (ev.type === 'text.changed') {
            const ed = this.editors.get(textKey(ev.target));
            if (ed) Y.applyUpdate(ed, unb64(ev.update), 'remote');
          }
        }
        this.room.seq = f.seq;
        break;
      }
    }
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  /** Waits until cond() is truthy; fails on timeout or on an unexpected close. */
  until(cond, what) {
    return withTimeout(
      new Promise((resolve, reject) => {
        const check = () => {
          let v;
          try {
            v = cond();
          } catch (e) {
            this.waiters.delete(check);
            return reject(e);
          }
          if (v) {
            this.waiters.delete(check);
            resolve(v);
          } else if (this.closed && !this.expectClose) {
            this.waiters.delete(check);
            reject(new Error(`${this.label}: socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`));
          }
        };
        this.waiters.add(check);
        check();
      }),
      `${this.label}: ${what}`,
    );
  }

  /** The next frame (from this.pos) matching pred; moves this.pos past it. */
  async next(pred, what) {
    const i = await this.until(() => {
      const j = this.frames.findIndex((f, k) => k >= this.pos && pred(f));
      return j >= 0 ? j + 1 : 0;
    }, what);
    this.pos = i;
    return this.frames[i - 1];
  }

  /** A frame received at or after index `from` matching pred (does not move this.pos). */
  seen(pred, what, from = 0) {
    return this.until(() => this.frames.find((f, k) => k >= from && pred(f)), what);
  }

  /** Resolves with {code, reason} once the server closes the socket. */
  closedWith(what) {
    this.expectClose = true;
    return this.until(() => this.closed, `${what}: the socket to close`);
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  /** Sends a durable command; resolves with its `ack` or `reject`. */
  async cmd(cmd, id = this.nextCmd++) {
    this.send({ type: 'cmd', id, cmd });
    const answer = await this.next((f) => (f.type === 'ack' || f.type === 'reject') && f.id === id, `the answer to ${cmd.type} #${id}`);
    return answer;
  }

  /** A command that must be acknowledged. */
  async ok(cmd) {
    const a = await this.cmd(cmd);
    assert.equal(a.type, 'ack', `${this.label}: ${cmd.type} refused: ${a.code}: ${a.message}`);
    assert.equal(this.room.seq >= a.seq, true, `${this.label}: ack ${a.seq} before its change`);
    return a;
  }

  /** A command that must be refused with `code`. */
  async refused(cmd, code) {
    const mark = this.frames.length;
    const a = await this.cmd(cmd);
    assert.equal(a.type, 'reject', `${this.label}: ${cmd.type} was not refused`);
    assert.equal(a.code, code, `${this.label}: ${cmd.type} refused ${a.code} (${a.message}), expected ${code}`);
    assert.equal(typeof a.message, 'string');
    const mine = this.frames.slice(mark).filter((f) => f.type === 'change' && f.by && f.by === this.you.member_id);
    assert.deepEqual(mine, [], 'a refused command changed the room');
    return a;
  }

  /** The Yjs document this client types into for a text (a replica with a random client id). */
  editor(target) {
    const key = textKey(target);
    let ed = this.editors.get(key);
    if (!ed) {
      ed = new Y.Doc(); // random clientID; "never 1" — Yjs ids are 32-bit random
      if (ed.clientID === 1) ed.clientID = 2;
      const room = this.docs.get(key);
      if (room) Y.applyUpdate(ed, Y.encodeStateAsUpdate(room), 'remote');
      this.editors.set(key, ed);
    }
    return ed;
  }

  /** Types locally and returns the `text.edit` command carrying the update (not sent yet). */
  type(target, fn) {
    const ed = this.editor(target);
    const sv = Y.encodeStateVector(ed);
    ed.transact(() => fn(ed.getText('t')));
    return { type: 'text.edit', target, update: b64(Y.encodeStateAsUpdate(ed, sv)) };
  }

  /** The credentials a fresh connection of the same person uses. */
  credentials() {
    const role = this.you.role;
    if (role === 'viewer') return { role };
    if (role === 'facilitator') return { role, key: this.key, token: this.token };
    return { role, token: this.token };
  }

  close() {
    this.expectClose = true;
    try {
      this.ws.close(1000, 'bye');
    } catch {}
    openClients.delete(this);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

async function http(method, p, { body, key } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await withTimeout(
    fetch(server.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    `${method} ${p}`,
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

async function createRoom(body) {
  const res = await http('POST', '/api/rooms', { body });
  assert.equal(res.status, 201, `POST /api/rooms: ${res.status} ${res.text}`);
  const room = res.json();
  assert.match(room.room_id, /^[0-9a-f]{32}$/); // "A room id is 32 lowercase hex digits"
  for (const k of ['facilitator_key', 'facilitator_url', 'participant_url', 'viewer_url']) assert.equal(typeof room[k], 'string', k);
  assert.ok(room.facilitator_url.endsWith(`#key=${room.facilitator_key}`));
  return room;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

before(async () => {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'horseshoe-independent-'));
  const proc = spawn(BIN, ['--bind', `127.0.0.1:${port}`, '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  let spawnError = null;
  proc.on('error', (e) => (spawnError = e));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  server = { url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, proc, dir, exited, output: () => output };
  // Safety net: if this process dies before the `after` hook (e.g. a broken stdout pipe), take
  // the server with it.
  // Safety net for when this process dies before the `after` hook (even by SIGKILL, as the test
  // runner does to its child when its own stdout breaks): a watchdog that kills the server once
  // our end of its stdin pipe closes, and removes the data directory. The `after` hook stops the
  // server and then the watchdog.
  server.watchdog = spawn('/bin/sh', ['-c', `cat >/dev/null; kill -KILL ${proc.pid} 2>/dev/null; sleep 1; rm -rf '${dir}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
  // Wait until it serves: GET /healthz answers 200 "ok" (README "HTTP API").
  await withTimeout(
    (async () => {
      for (;;) {
        if (spawnError) throw new Error(`cannot start ${BIN}: ${spawnError.message}`);
        if (proc.exitCode !== null) throw new Error(`the server exited: ${output}`);
        try {
          const res = await fetch(`${server.url}/healthz`);
          if (res.status === 200) return;
        } catch {}
        await sleep(100);
      }
    })(),
    'the server to answer GET /healthz',
  );
});

after(async () => {
  try {
    for (const c of [...openClients]) c.close();
  } finally {
    if (server?.proc && server.proc.exitCode === null && server.proc.signalCode === null) {
      server.proc.kill('SIGTERM');
      const stopped = await Promise.race([server.exited, sleep(20_000).then(() => null)]);
      if (!stopped) {
        server.proc.kill('SIGKILL');
        await server.exited;
      }
    }
    server?.watchdog?.kill('SIGKILL');
    if (server?.dir) rmSync(server.dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// The workshop, start to finish
// ---------------------------------------------------------------------------------------------

describe('a whole workshop, with a copy of the room per client', () => {
  let info; // POST /api/rooms answer
  let F, A, B, E, V; // facilitator Marta; participants Ana, Bo, Eli; the wall display
  const latecomers = []; // Dee (joins in step 3), Fay (joins in step 5)
  const live = () => [F, A, B, E, V, ...latecomers];
  let G; // the group (step 3) and team (step 5) Ana is in

  /** Every live copy must equal what a brand-new connection of the same person is welcomed with. */
  async function checkpoint(name) {
    const seq = Math.max(...live().map((c) => c.room.seq));
    for (const c of live()) {
      await c.until(() => c.room.seq >= seq, `${name}: seq ${seq}`);
      assert.deepEqual(c.problems, [], `${name}: ${c.label} saw protocol problems`);
    }
    for (const c of live()) {
      const fresh = await Client.connect(`${c.label}-fresh`, info.room_id, { credentials: c.credentials(), client: randomClientId('fresh') });
      try {
        assert.equal(fresh.first.type, 'welcome');
        assert.equal(fresh.room.seq, seq, `${name}: fresh welcome of ${c.label} at another seq`);
        assert.equal(fresh.you.member_id, c.you.member_id, `${name}: ${c.label} came back as someone else`);
        assert.equal(fresh.you.token, undefined, 'a token is sent only to a new member');
        // The whole copy: what everyone may see plus this member's own parts (`mine`).
        assert.deepEqual(normalize(c.room), normalize(fresh.room), `${name}: ${c.label}'s copy differs from a fresh welcome`);
        // And the private parts on their own, as `mine` (absent for viewers).
        if (c.you.role === 'viewer') assert.equal(fresh.welcome.mine, undefined);
        else {
          const id = c.you.member_id;
          assert.deepEqual(fresh.welcome.mine.undo ?? [], c.room.undo[id] ?? [], `${name}: ${c.label} undo`);
          assert.deepEqual(fresh.welcome.mine.redo ?? [], c.room.redo[id] ?? [], `${name}: ${c.label} redo`);
          assert.deepEqual(fresh.welcome.mine.votes ?? {}, c.room.priorities.votes[id] ?? {}, `${name}: ${c.label} votes`);
          const own = Object.values(c.room.wall.notes).filter((n) => !n.revealed);
          assert.deepEqual(fresh.welcome.mine.notes ?? [], own, `${name}: ${c.label} hidden notes`);
        }
      } finally {
        fresh.close();
      }
    }
    // What everyone may see is the same in every copy: each member's copy minus its own parts.
    const publicPart = (c) => {
      const r = normalize(c.room);
      delete r.undo;
      delete r.redo;
      r.wall.notes = Object.fromEntries(Object.entries(r.wall.notes).filter(([, n]) => n.revealed));
      r.priorities.votes = {};
      return r;
    };
    for (const c of live().filter((x) => x !== V)) assert.deepEqual(publicPart(c), publicPart(V), `${name}: ${c.label}'s public part differs from the wall's`);
  }

  const member = (c) => c.you.member_id;

  /** Waits until every live copy has applied every change any of them has seen. */
  async function sync() {
    const seq = Math.max(...live().map((c) => c.room.seq));
    for (const c of live()) await c.until(() => c.room.seq >= seq, `seq ${seq}`);
  }

  it('creates a room over HTTP and reads its public facts', async () => {
    info = await createRoom({ title: 'Q3 partner workshop', organisation: 'Acme', lens: 'partner', language: 'en' });
    const res = await http('GET', `/api/rooms/${info.room_id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { room_id: info.room_id, title: 'Q3 partner workshop', organisation: 'Acme', lens: 'partner', language: 'en' });
    assert.equal((await http('GET', `/api/rooms/${'0'.repeat(32)}`)).status, 404);
    // "Body (optional, unknown fields refused)"
    assert.equal((await http('POST', '/api/rooms', { body: { title: 'x', colour: 'red' } })).status, 400);
    const srv = await http('GET', '/api/server');
    assert.deepEqual(srv.json(), { create_key: false });
  });

  it('welcomes the facilitator, participants (with just a name) and a wall display', async () => {
    F = await Client.connect('Marta', info.room_id, { credentials: { role: 'facilitator', key: info.facilitator_key }, client: 'tab-marta', name: 'Marta' });
    F.key = info.facilitator_key;
    assert.equal(F.welcome.type, 'welcome');
    assert.equal(F.welcome.protocol, PROTOCOL);
    assert.equal(F.you.role, 'facilitator');
    assert.match(F.you.token, /./, 'a new member gets a token');
    assert.equal(F.room.id, info.room_id);
    assert.equal(F.room.settings.title, 'Q3 partner workshop');
    assert.equal(F.room.step, 1);
    assert.equal(F.room.timers.length, STEP_COUNT);
    assert.deepEqual(F.room.members[member(F)], { ...F.room.members[member(F)], name: 'Marta', role: 'facilitator' });
    assert.ok(!JSON.stringify(F.welcome).includes(info.facilitator_key), 'the facilitator key is never sent back');
    assert.equal(F.welcome.mine.member_id, member(F));
    assert.ok(F.welcome.online.includes(member(F)));
    assert.equal(typeof F.welcome.server_time, 'number');

    A = await Client.connect('Ana', info.room_id, { credentials: { role: 'participant' }, client: 'tab-ana', name: 'Ana' });
    B = await Client.connect('Bo', info.room_id, { credentials: { role: 'participant' }, client: 'tab-bo', name: 'Bo' });
    E = await Client.connect('Eli', info.room_id, { credentials: { role: 'participant' }, client: 'tab-eli', name: 'Eli' });
    for (const c of [A, B, E]) {
      assert.equal(c.you.role, 'participant');
      assert.match(c.you.token, /./);
      assert.equal(c.room.members[member(c)].name, c.label);
    }
    V = await Client.connect('Wall', info.room_id, { credentials: { role: 'viewer' }, client: 'wall-01' });
    assert.deepEqual(V.you, { role: 'viewer' });
    assert.equal(V.welcome.mine, undefined, 'viewers have no mine');
    assert.ok(V.welcome.viewers >= 1);

    // Each joining is one change (member.joined) that the others apply.
    const seq = E.room.seq;
    await F.until(() => F.room.seq === seq, 'the joinings');
    for (const c of [A, B, E]) assert.equal(F.room.members[member(c)].name, c.label);
    // Presence: the facilitator hears of each participant coming online.
    for (const c of [A, B, E]) await F.seen((f) => f.type === 'presence' && f.joined.includes(member(c)), `presence of ${c.label}`);
  });

  it('brings a participant back with its token as the same member', async () => {
    const id = member(B);
    const seq = F.room.seq;
    B.close();
    await F.seen((f) => f.type === 'presence' && f.left.includes(id), 'presence: Bo left');
    B = await Client.connect('Bo', info.room_id, { credentials: { role: 'participant', token: B.token }, client: 'tab-bo', name: 'Someone else' }, { reuse: B });
    assert.equal(B.first.type, 'welcome', 'a reconnect without last_seq gets a welcome');
    assert.equal(member(B), id, 'the same member');
    assert.equal(B.you.token, undefined, 'the token is not sent again');
    assert.equal(B.room.members[id].name, 'Bo', 'the name is ignored for a returning member');
    assert.equal(B.room.seq, seq, 'a returning member makes no change');
    await checkpoint('after the joinings');
  });

  it('step 1: settings, countdown, check-ins, hands, readiness', async () => {
    await F.ok({ type: 'settings.update', title: 'Q3 partner workshop', organisation: 'Acme', lens: 'partner', group_size: 2 });
    assert.equal(F.room.settings.group_size, 2);
    await F.ok({ type: 'timer.start', duration_ms: 600000 });
    assert.equal(F.room.timers[0].state, 'running');
    await F.ok({ type: 'timer.pause' });
    assert.equal(F.room.timers[0].state, 'paused');
    await F.refused({ type: 'timer.pause' }, 'conflict'); // "pause: a running countdown"
    await F.ok({ type: 'timer.resume' });
    await F.ok({ type: 'timer.extend', by_ms: 120000 });
    assert.equal(F.room.timers[0].total_ms, 720000);
    // "seen": one's own change to the countdown never makes one's extension stale.
    await F.ok({ type: 'timer.extend', by_ms: 60000, seen: F.room.seq - 1 });
    assert.equal(F.room.timers[0].total_ms, 780000);

    await A.ok({ type: 'checkin.set', contribute: 'Stories from the service desk', get_out: 'Two things to change next quarter' });
    await B.ok({ type: 'checkin.set', contribute: 'Numbers', get_out: 'A plan' });
    await E.ok({ type: 'checkin.set', contribute: 'Questions', get_out: '' });
    await F.ok({ type: 'checkin.clear', member_id: member(E) });
    await E.refused({ type: 'checkin.clear', member_id: member(E) }, 'not_found');
    await A.ok({ type: 'member.rename', name: 'Ana M.' });
    await A.ok({ type: 'hand.raise', raised: true });
    assert.deepEqual(A.room.hands, [member(A)]);
    await F.ok({ type: 'hand.lower', member_id: member(A) });
    await F.ok({ type: 'auto_advance.set', on: true });
    await F.ok({ type: 'auto_advance.set', on: false });
    await B.ok({ type: 'ready.set', ready: true });
    await A.ok({ type: 'ready.set', ready: true });
    await B.ok({ type: 'ready.set', ready: false });
    await sync();
    assert.deepEqual(A.room.ready, [[1, member(A)]]);

    // "Commands, ack and reject": a participant may not steer the room.
    await A.refused({ type: 'step.set', step: 2 }, 'forbidden');
    await V.refused({ type: 'checkin.set', contribute: 'x', get_out: 'y' }, 'forbidden');

    // A resend of an applied command is acknowledged again and not applied twice.
    const applied = await A.ok({ type: 'checkin.set', contribute: 'Stories', get_out: 'Change' });
    const seq = A.room.seq;
    const again = await A.cmd({ type: 'checkin.set', contribute: 'Stories', get_out: 'Change' }, A.nextCmd - 1);
    assert.equal(again.type, 'ack');
    assert.equal(again.seq >= applied.seq, true);
    assert.equal(A.room.seq, seq, 'the resend made no change');
    assert.equal(A.room.contributions[member(A)], F.room.contributions[member(A)]);
    // Number 0 is refused bad_request.
    const zero = await A.cmd({ type: 'hand.raise', raised: true }, 0);
    assert.equal(zero.type, 'reject');
    assert.equal(zero.code, 'bad_request');

    await checkpoint('step 1');
  });

  it('step 2: speaker queue, scribe, key factors, a shared factor text', async () => {
    await F.ok({ type: 'step.set', step: 2 });
    await B.ok({ type: 'hand.raise', raised: true }); // "a hand raised in step 2 also joins the speaker queue"
    await sync();
    assert.deepEqual(F.room.experience.queue.order, [member(B)]);
    await F.ok({ type: 'queue.set', order: [member(A), member(B), member(E)] });
    await F.ok({ type: 'queue.next' });
    await F.ok({ type: 'queue.call', member_id: member(E) });
    await F.ok({ type: 'queue.shuffle' });
    await F.ok({ type: 'scribe.set', member_id: member(B) });
    await sync();
    assert.equal(A.room.experience.scribe, member(B));
    await A.refused({ type: 'factor.add', id: 'f-ana-0', text: 'Too early' }, 'forbidden'); // board not open
    await F.ok({ type: 'factors.open', open: true });

    await A.ok({ type: 'factor.add', id: 'f-ana-1', text: 'They listened' });
    assert.equal(A.room.texts['factor:f-ana-1'].text, 'They listened');
    await A.ok({ type: 'factor.add', id: 'f-ana-2', text: 'Answered within a day' });
    await B.ok({ type: 'factor.add', id: 'f-bo-1', text: 'Listened to us' });
    await B.ok({ type: 'factor.merge', from: 'f-bo-1', into: 'f-ana-1' });
    await sync();
    assert.equal(F.room.experience.factors['f-ana-1'].mentions, 2);
    // The scribe types into Ana's card.
    await B.ok(B.type({ kind: 'factor', id: 'f-ana-1' }, (t) => t.insert(t.length, ' carefully')));
    await sync();
    assert.equal(V.room.texts['factor:f-ana-1'].text, 'They listened carefully');

    // "Undo and redo": Ana deletes a card, undoes, redoes.
    await A.ok({ type: 'factor.delete', id: 'f-ana-2' });
    assert.equal(A.room.undo[member(A)].at(-1).command, 'factor.delete');
    await A.ok({ type: 'undo' });
    assert.ok(A.room.experience.factors['f-ana-2'], 'undo brought the card back');
    assert.equal(A.room.redo[member(A)].length, 1);
    await sync();
    assert.ok(F.room.experience.factors['f-ana-2']);
    await A.ok({ type: 'redo' });
    assert.equal(A.room.experience.factors['f-ana-2'], undefined, 'redo deleted it again');
    await A.refused({ type: 'factor.delete', id: 'f-ana-2' }, 'gone'); // "answered gone when the room saw it removed"
    await A.refused({ type: 'factor.delete', id: 'f-never' }, 'not_found');
    // Undo refused once someone else changed it: Bo (scribe) deletes Ana's new card.
    await A.ok({ type: 'factor.add', id: 'f-ana-3', text: 'Called back' });
    await B.ok({ type: 'factor.delete', id: 'f-ana-3' });
    const r = await A.refused({ type: 'undo' }, 'conflict');
    assert.match(r.message, /Bo/, 'the message names who changed it');

    await checkpoint('step 2');
  });

  it('step 3: groups, definitions typed together through Yjs, highlights, the working definition', async () => {
    await F.ok({ type: 'step.set', step: 3 });
    await sync();
    assert.deepEqual(A.room.undo, {}, 'step.changed empties every undo stack');
    await F.ok({ type: 'groups.form' });
    const groups = F.room.definitions.groups;
    assert.ok(groups.length >= 1);
    G = groups.find((g) => g.members.includes(member(A))).id;
    const target = { kind: 'definition', group: G };

    // Marta and Ana type into the same empty definition at the same time: both edits are kept.
    await A.ok(A.type(target, (t) => t.insert(0, 'We put clients first')));
    await sync();
    await F.ok(F.type(target, (t) => t.insert(t.length, '.')));
    await sync();
    // Now both type at once, each from the same text, before seeing the other's edit.
    const concurrentA = A.type(target, (t) => t.insert(t.toString().indexOf('put'), 'always '));
    const concurrentF = F.type(target, (t) => t.insert(t.length, ', every day'));
    const [ansA, ansF] = await Promise.all([A.cmd(concurrentA), F.cmd(concurrentF)]);
    assert.equal(ansA.type, 'ack', JSON.stringify(ansA));
    assert.equal(ansF.type, 'ack', JSON.stringify(ansF));
    const seq = Math.max(ansA.seq, ansF.seq);
    for (const c of live()) await c.until(() => c.room.seq >= seq, 'both edits');
    const key = `definition:${G}`;
    const textA = A.editor(target).getText('t').toString();
    assert.equal(textA, F.editor(target).getText('t').toString(), 'the two typists converge');
    assert.equal(textA, V.room.texts[key].text);
    assert.equal(textA, 'We always put clients first., every day');
    assert.deepEqual([...V.room.texts[key].editors].sort(), [member(A), member(F)].sort());

    // Ana highlights "clients"; then Marta types before it, and every replica re-places it.
    const text = A.room.texts[key].text;
    const start = text.indexOf('clients');
    await A.ok({ type: 'highlight.add', id: 'h-ana-1', group: G, start, end: start + 'clients'.length });
    const h = A.room.definitions.highlights['h-ana-1'];
    assert.equal(h.phrase, 'clients');
    await F.ok(F.type(target, (t) => t.insert(0, 'Truly, ')));
    await checkpoint('step 3, highlight re-placed');
    assert.equal(A.room.definitions.highlights['h-ana-1'].phrase, 'clients');
    assert.equal(A.room.definitions.highlights['h-ana-1'].start, start + 'Truly, '.length);

    // Presence of a caret in the shared text: Marta sees Ana's.
    const mark = F.frames.length;
    const ed = A.editor(target);
    const rel = b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ed.getText('t'), 3)));
    A.send({ type: 'caret', target, anchor: rel, head: rel });
    const caret = await F.seen((f) => f.type === 'caret', 'Ana\'s caret', mark);
    assert.deepEqual(caret, { type: 'caret', target, member_id: member(A), anchor: rel, head: rel });

    await F.ok({ type: 'wall.show', shown: true });
    await F.ok({ type: 'wall.read', group: G });
    await A.ok({ type: 'highlight.add', id: 'h-ana-2', group: G, start: 0, end: 5 });
    await A.ok({ type: 'highlight.remove', id: 'h-ana-2' });
    await F.ok({ type: 'working.set', text: 'We always put clients first.' });
    await A.ok({ type: 'undo' }); // the highlight removal
    assert.ok(A.room.definitions.highlights['h-ana-2']);
    // A participant who is not in the group may not type there.
    const outsider = [B, E].find((c) => !groups.find((g) => g.id === G).members.includes(member(c)));
    if (outsider) await outsider.refused(outsider.type(target, (t) => t.insert(0, 'x')), 'forbidden');
    await F.ok({ type: 'group.move', member_id: member(E) }); // none: a new group

    // A latecomer is placed in the smallest group with late: true, in the change of joining.
    const D = await Client.connect('Dee', info.room_id, { credentials: { role: 'participant' }, client: 'tab-dee', name: 'Dee' });
    latecomers.push(D);
    await sync();
    const placed = F.room.definitions.groups.find((g) => g.members.includes(member(D)));
    assert.deepEqual(placed.late, [member(D)], 'the latecomer is marked late');
    const other = F.room.definitions.groups.find((g) => g.id !== placed.id);
    await F.ok({ type: 'group.move', member_id: member(D), group: other.id }); // takes the mark off
    assert.equal(F.room.definitions.groups.find((g) => g.members.includes(member(D))).late, undefined);
    await F.ok({ type: 'undo' }); // "undoing that move puts the mark back with the place"
    await sync();
    assert.deepEqual(V.room.definitions.groups.find((g) => g.id === placed.id).late, [member(D)]);
    await checkpoint('step 3');
  });

  it('step 4: private post-its, resume after a drop, reveal, drags, clusters', async () => {
    await F.ok({ type: 'step.set', step: 4 });
    const a1 = `${member(A)}:n1`;
    const a2 = `${member(A)}:n2`;
    const a3 = `${member(A)}:n3`;
    const b1 = `${member(B)}:n1`;
    await A.ok({ type: 'note.add', id: a1, text: 'build stronger teams' });
    await A.ok({ type: 'note.add', id: a2, text: 'find the right supplier' });
    await A.ok({ type: 'note.edit', id: a1, text: 'build stronger, happier teams' });
    await A.ok({ type: 'note.delete', id: a2 });
    await A.refused({ type: 'note.add', id: `${member(B)}:n9`, text: 'not mine' }, 'bad_request'); // doc names no code
    assert.equal(A.room.wall.notes[a1].revealed, false);
    await sync();
    assert.equal(B.room.wall.notes[a1], undefined, 'Bo does not see Ana\'s hidden post-it');
    assert.equal(B.room.wall.pending[member(A)], 1);
    await B.refused({ type: 'note.edit', id: a1, text: 'probe' }, 'not_found'); // "someone else's hidden post-it is answered not_found"
    await B.ok({ type: 'note.add', id: b1, text: 'grow my small business' });

    // "Resume": Bo drops off; others carry on; Bo comes back with last_seq.
    const lastSeq = B.room.seq;
    B.close();
    // Bo's other tab writes a hidden post-it meanwhile: the resume must bring Bo's private event.
    const B2 = await Client.connect('Bo-tab2', info.room_id, { credentials: { role: 'participant', token: B.token }, client: 'tab-bo-2' });
    await B2.ok({ type: 'note.add', id: `${member(B)}:n2`, text: 'reach new markets' });
    B2.close();
    await A.ok({ type: 'note.add', id: a3, text: 'keep my team' });
    await F.ok({ type: 'notes.reveal', member_id: member(A) });
    await A.ok({ type: 'note.drop', id: a1, x: 820, y: 410 });
    const current = A.room.seq;
    await F.until(() => F.room.seq === current, 'Marta catches up');
    const mark = B.frames.length;
    await Client.connect('Bo', info.room_id, { credentials: { role: 'participant', token: B.token }, client: 'tab-bo', last_seq: lastSeq }, { reuse: B });
    assert.equal(B.first.type, 'resume', 'a reconnect with last_seq is resumed');
    assert.equal(B.frames[mark], B.first, 'resume is the first frame');
    assert.equal(B.resumed.last_seq, lastSeq);
    assert.equal(member(B), B.resumed.you.member_id);
    await B.until(() => B.room.seq >= current, 'the missed changes');
    await sleep(200); // nothing more should come
    const missed = B.frames.slice(mark).filter((f) => f.type === 'change').map((f) => f.seq);
    assert.deepEqual(missed, Array.from({ length: current - lastSeq }, (_, i) => lastSeq + 1 + i), 'exactly the missed changes');
    assert.equal(B.room.wall.notes[a1].revealed, true);
    assert.equal(B.room.wall.notes[`${member(B)}:n2`]?.revealed, false, 'the resume brought Bo\'s own hidden post-it');
    await checkpoint('step 4, after a resume');

    // A resume with nothing missed: resume, no change.
    const m0 = B.frames.length;
    B.close();
    await Client.connect('Bo', info.room_id, { credentials: { role: 'participant', token: B.token }, client: 'tab-bo', last_seq: B.room.seq }, { reuse: B });
    assert.equal(B.first.type, 'resume');
    assert.equal(B.frames[m0], B.first);

    await F.ok({ type: 'notes.reveal' }); // everyone
    await sync();
    assert.equal(F.room.wall.notes[b1].revealed, true);
    // Ana drops her post-it onto Bo's: a new cluster with the id she chose.
    await A.ok({ type: 'note.drop', id: a1, x: 900, y: 500, onto: { kind: 'note', id: b1, new_cluster: 'k-ana-1' } });
    await sync();
    assert.equal(F.room.wall.notes[a1].cluster, 'k-ana-1');
    await B.ok({ type: 'cluster.rename', id: 'k-ana-1', name: 'Team leaders' });
    await F.ok({ type: 'note.drop', id: a3, x: 1200, y: 500, onto: { kind: 'cluster', id: 'k-ana-1' } });
    // Undo and redo of a drop (the entry holds note.moved).
    await A.ok({ type: 'note.drop', id: a1, x: 3000, y: 2000 });
    assert.equal(A.room.undo[member(A)].at(-1).command, 'note.drop');
    await A.ok({ type: 'undo' });
    assert.equal(A.room.wall.notes[a1].cluster, 'k-ana-1');
    await A.ok({ type: 'redo' });
    await A.ok({ type: 'undo' });

    // Out of the cluster again: note.moved without a cluster.
    await F.ok({ type: 'note.drop', id: a3, x: 2500, y: 2500 });
    await sync();
    assert.equal(V.room.wall.notes[a3].cluster, undefined);

    // "seen": Bo's drop from before Marta's move is stale; his own drops never are.
    const before = B.room.seq - 1;
    await B.refused({ type: 'note.drop', id: a3, x: 100, y: 100, seen: before }, 'conflict');
    await B.ok({ type: 'note.drop', id: a3, x: 2600, y: 2500, seen: B.room.seq });
    await B.ok({ type: 'note.drop', id: a3, x: 2700, y: 2500, seen: B.room.seq - 1 });
    await sync();
    assert.equal(F.room.wall.notes[a3].x, 2700);

    // A drag of a revealed post-it is passed on with the sender's member id.
    const m = F.frames.length;
    A.send({ type: 'drag', id: a1, x: 1210, y: 377 });
    const drag = await F.seen((f) => f.type === 'drag', 'Ana\'s drag', m);
    assert.deepEqual(drag, { type: 'drag', member_id: member(A), id: a1, x: 1210, y: 377 });
    await checkpoint('step 4');
  });

  it('step 5: teams, example cards, ratings', async () => {
    await F.ok({ type: 'step.set', step: 5 });
    await F.ok({ type: 'teams.from_groups' });
    const team = F.room.assessment.teams.find((t) => t.members.includes(member(A)));
    assert.ok(team, 'Ana is in a team');
    G = team.id;
    await A.ok({ type: 'team.cluster', team: G, cluster: 'k-ana-1' });
    await A.ok({ type: 'card.add', id: 'e-ana-1', team: G, category: 1, column: 'failed', text: "Nobody read last year's survey" });
    await A.ok({ type: 'card.add', id: 'e-ana-2', team: G, category: 2, column: 'succeeded', text: 'We called everyone back' });
    await A.ok({ type: 'card.move', id: 'e-ana-2', category: 3, column: 'succeeded' });
    await A.ok(A.type({ kind: 'card', id: 'e-ana-2' }, (t) => t.insert(t.length, '\nwithin a day')));
    await sync();
    assert.equal(F.room.texts['card:e-ana-2'].text, 'We called everyone back\nwithin a day');
    await A.ok({ type: 'rating.set', team: G, category: 1, rating: 3 });
    await F.ok({ type: 'rating.set', team: G, category: 3, rating: 5 });
    await A.refused({ type: 'rating.set', team: G, category: 1, rating: 6 }, 'bad_request');
    await A.ok({ type: 'card.add', id: 'e-ana-3', team: G, category: 4, column: 'failed', text: 'Oops' });
    await A.ok({ type: 'card.delete', id: 'e-ana-3' });
    await A.ok({ type: 'undo' });
    await A.ok({ type: 'redo' });
    await F.ok({ type: 'team.move', member_id: member(E) }); // none: a new team
    const Fay = await Client.connect('Fay', info.room_id, { credentials: { role: 'participant' }, client: 'tab-fay', name: 'Fay' });
    latecomers.push(Fay);
    await sync();
    assert.deepEqual(F.room.assessment.teams.find((t) => t.members.includes(member(Fay))).late, [member(Fay)]);
    await checkpoint('step 5');
  });

  it('step 6: areas, a dot vote, ranking, follow-ups, and the report over HTTP', async () => {
    await F.ok({ type: 'step.set', step: 6 });
    await F.ok({ type: 'present.set', team: G });
    await B.ok({ type: 'area.add', id: 'a-bo-1', text: '', from_card: 'e-ana-1' });
    await sync();
    assert.equal(F.room.texts['area:a-bo-1']?.text, "Nobody read last year's survey");
    await A.ok({ type: 'area.add', id: 'a-ana-1', text: 'Act on partner feedback within a month' });
    await E.ok({ type: 'area.add', id: 'a-eli-1', text: 'Call back' });
    await E.ok({ type: 'area.add', id: 'a-eli-2', text: 'Call back soon' });
    await E.ok({ type: 'area.delete', id: 'a-eli-2' });
    await F.ok({ type: 'area.merge', from: 'a-eli-1', into: 'a-ana-1' });
    await E.ok(E.type({ kind: 'area', id: 'a-ana-1' }, (t) => t.insert(t.length, '!')));
    // "Refusals" of text.edit, each typed into a throwaway copy of the room's version:
    const area = { kind: 'area', id: 'a-ana-1' };
    const fork = () => {
      const d = new Y.Doc();
      Y.applyUpdate(d, Y.encodeStateAsUpdate(E.docs.get('area:a-ana-1')));
      return d;
    };
    const edit = (d, fn) => {
      const sv = Y.encodeStateVector(d);
      fn(d.getText('t'));
      return { type: 'text.edit', target: area, update: b64(Y.encodeStateAsUpdate(d, sv)) };
    };
    await E.refused(edit(fork(), (t) => t.insert(0, 'two\nlines')), 'bad_request');
    await E.refused(edit(fork(), (t) => t.insert(0, 'x'.repeat(300))), 'too_long');
    // An update that builds on an edit the room does not have:
    const d = fork();
    edit(d, (t) => t.insert(0, 'unsent '));
    await E.refused(edit(d, (t) => t.insert(0, 'then ')), 'conflict');
    await E.refused({ type: 'text.edit', target: area, update: 'not base64 of yjs!' }, 'bad_request');

    // A first vote, closed; opening again "clears any earlier vote" (votes, used, tally).
    await F.ok({ type: 'vote.open', dots: 2 });
    await E.ok({ type: 'vote.set', area: 'a-bo-1', dots: 2 });
    await F.ok({ type: 'vote.close' });
    await sync();
    assert.deepEqual(V.room.priorities.tally, { 'a-bo-1': 2 });
    await F.ok({ type: 'vote.open', dots: 3 });
    await sync();
    assert.deepEqual([V.room.priorities.tally, V.room.priorities.used], [{}, {}]);
    await A.ok({ type: 'vote.set', area: 'a-ana-1', dots: 2 });
    await B.ok({ type: 'vote.set', area: 'a-bo-1', dots: 3 });
    await B.refused({ type: 'vote.set', area: 'a-ana-1', dots: 1 }, 'limit_reached');
    await E.ok({ type: 'vote.set', area: 'a-ana-1', dots: 1 });
    await E.ok({ type: 'vote.set', area: 'a-ana-1', dots: 0 });
    await sync();
    assert.deepEqual(F.room.priorities.votes, {}, 'nobody else learns where anyone\'s dots are');
    assert.deepEqual(A.room.priorities.votes, { [member(A)]: { 'a-ana-1': 2 } });
    await checkpoint('step 6, the vote open');

    await F.ok({ type: 'vote.close' });
    assert.equal(F.room.priorities.phase, 'closed');
    assert.deepEqual(F.room.priorities.tally, { 'a-bo-1': 3, 'a-ana-1': 2 });
    await F.ok({ type: 'ranking.set', order: ['a-ana-1'] });
    assert.deepEqual(F.room.priorities.ranking, ['a-ana-1', 'a-bo-1']); // "areas left out keep their order after"
    await A.ok({ type: 'area.follow_up', id: 'a-ana-1', owner: 'Ana', due: '2027-01-15' });
    await F.ok({ type: 'ranking.finalise', finalised: true });
    await F.refused({ type: 'ranking.set', order: ['a-bo-1'] }, 'conflict');
    await checkpoint('step 6');

    // The report (facilitator key as Bearer): JSON is the room as anyone may see it.
    assert.equal((await http('GET', `/api/rooms/${info.room_id}/report.json`)).status, 401);
    assert.equal((await http('GET', `/api/rooms/${info.room_id}/report.json`, { key: 'wrong' })).status, 401);
    const json = await http('GET', `/api/rooms/${info.room_id}/report.json`, { key: info.facilitator_key });
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type'), /application\/json/);
    const report = json.json();
    assert.equal(typeof report.generated_at, 'number');
    const wall = normalize(V.room);
    delete wall.undo;
    delete wall.redo;
    assert.deepEqual(normalize(report.room), wall, 'report.json room equals the wall display\'s copy');

    const md = await http('GET', `/api/rooms/${info.room_id}/report.md`, { key: info.facilitator_key });
    assert.equal(md.status, 200);
    assert.match(md.headers.get('content-type'), /text\/markdown/);
    assert.match(md.headers.get('content-disposition'), new RegExp(`attachment; filename="horseshoe-${info.room_id}.md"`));
    assert.match(md.text, /^# Q3 partner workshop/);
    assert.match(md.text, /\*\*Acme\*\*/);
    for (const h of ['## 1. ', '## 2. ', '## 3. ', '## 4. ', '## 5. ', '## 6. ']) assert.ok(md.text.includes(h), h);
    assert.match(md.text, /Act on partner feedback within a month/);
    assert.match(md.text, /\(final\)/);

    const csv = await http('GET', `/api/rooms/${info.room_id}/report.csv`, { key: info.facilitator_key });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /text\/csv/);
    const lines = csv.text.split('\r\n');
    assert.equal(lines[0], 'step,kind,group,author,text,cluster,category,rating,votes,owner,date,rank');
    assert.ok(lines.some((l) => l.startsWith('1,checkin.contribute,,Ana M.,Stories')), 'a check-in row');
    assert.ok(lines.some((l) => l.startsWith('4,note,,Ana M.,"build stronger, happier teams",Team leaders')), 'a post-it row');
    assert.ok(lines.some((l) => l.startsWith('6,area,,Ana M.,Act on partner feedback within a month!,,,,2,Ana,2027-01-15')), 'an area row');
  });

  it('closes the room: commands refused, a newcomer let in as a viewer', async () => {
    await F.ok({ type: 'room.close', closed: true });
    await A.refused({ type: 'hand.raise', raised: true }, 'conflict');
    const late = await Client.connect('Late', info.room_id, { credentials: { role: 'participant' }, client: 'tab-late', name: 'Late' }, { noWait: true });
    const err = await late.next((f) => f.type === 'error', 'the closed-room error');
    assert.equal(err.code, 'conflict');
    const w = await late.next((f) => f.type === 'welcome', 'the welcome');
    assert.equal(w.you.role, 'viewer');
    late.close();
    await checkpoint('closed');
  });
});

// ---------------------------------------------------------------------------------------------
// Ephemeral frames and hostile input
// ---------------------------------------------------------------------------------------------

describe('ping, hostile input, refused hellos', () => {
  let info;
  before(async () => {
    info = await createRoom({});
  });

  const join = (label, extra = {}) =>
    Client.connect(label, info.room_id, { credentials: { role: 'participant' }, client: randomClientId('tab'), name: label, ...extra });

  it('answers ping with pong', async () => {
    const c = await join('Pinger');
    c.send({ type: 'ping' });
    assert.deepEqual(await c.next((f) => f.type === 'pong', 'pong'), { type: 'pong' });
    c.close();
  });

  it('refuses another protocol version: unsupported_version, close 1008', async () => {
    const c = await Client.connect('Old', info.room_id, { protocol: 2, credentials: { role: 'viewer' }, client: 'old-1' }, { noWait: true });
    c.hello.protocol = 2;
    const err = await c.next((f) => f.type === 'error', 'the error');
    assert.equal(err.code, 'unsupported_version');
    assert.match(err.message, /3/);
    assert.equal((await c.closedWith('unsupported version')).code, 1008);
  });

  it('refuses a command before hello: error, close 1008', async () => {
    const c = new Client('Eager', info.room_id);
    c.openSocket();
    await c.until(() => c.ws.readyState === WebSocket.OPEN, 'open');
    c.send({ type: 'cmd', id: 1, cmd: { type: 'hand.raise', raised: true } });
    const err = await c.next((f) => f.type === 'error', 'the error');
    assert.equal(err.code, 'bad_request');
    assert.equal((await c.closedWith('a command before hello')).code, 1008);
  });

  it('closes on a frame that is not JSON (1007)', async () => {
    const c = await join('Garbled');
    c.send('this is not json');
    assert.equal((await c.closedWith('not JSON')).code, 1007);
  });

  it('closes on an unknown frame type (1007)', async () => {
    const c = await join('Unknown');
    c.send({ type: 'teleport' });
    assert.equal((await c.closedWith('unknown frame type')).code, 1007);
  });

  it('closes on a binary frame (1003)', async () => {
    const c = await join('Binary');
    c.ws.send(new Uint8Array([1, 2, 3]));
    assert.equal((await c.closedWith('a binary frame')).code, 1003);
  });

  it('answers a malformed known frame with bad_request and keeps the connection', async () => {
    const c = await join('Sloppy');
    c.send({ type: 'drag', id: 'x' });
    assert.equal((await c.next((f) => f.type === 'error', 'the error')).code, 'bad_request');
    c.send({ type: 'cmd', id: 5, cmd: { type: 'checkin.set' } });
    const r = await c.next((f) => f.type === 'reject', 'the reject');
    assert.deepEqual([r.id, r.code], [5, 'bad_request']);
    c.send({ type: 'cmd', id: 6, cmd: { type: 'no.such.command' } });
    assert.equal((await c.next((f) => f.type === 'reject' && f.id === 6, 'the reject')).code, 'bad_request');
    c.send(c.hello); // "A second hello gets an error"
    assert.equal((await c.next((f) => f.type === 'error', 'the second-hello error')).type, 'error');
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong', 'pong: still connected');
    c.close();
  });

  it('refuses wrong credentials, an unknown room and an unknown token without a name', async () => {
    const wrongKey = await Client.connect('Impostor', info.room_id, { credentials: { role: 'facilitator', key: 'f'.repeat(64) }, client: 'x1', name: 'I' }, { noWait: true });
    assert.equal((await wrongKey.next((f) => f.type === 'error', 'error')).code, 'unauthorized');
    assert.equal((await wrongKey.closedWith('wrong key')).code, 1008);

    const noToken = await Client.connect('Lost', info.room_id, { credentials: { role: 'participant', token: 'a'.repeat(64) }, client: 'x2' }, { noWait: true });
    assert.equal((await noToken.next((f) => f.type === 'error', 'error')).code, 'unauthorized');
    assert.equal((await noToken.closedWith('unknown token')).code, 1008);

    const nowhere = await Client.connect('Nowhere', '0'.repeat(32), { credentials: { role: 'viewer' }, client: 'x3' }, { noWait: true });
    assert.equal((await nowhere.next((f) => f.type === 'error', 'error')).code, 'not_found');
    assert.equal((await nowhere.closedWith('unknown room')).code, 1008);

    const badClient = await Client.connect('BadClient', info.room_id, { credentials: { role: 'viewer' }, client: 'no spaces!' }, { noWait: true });
    assert.equal((await badClient.closedWith('an invalid client id')).code, 1008);
  });

  it('passes carets on only from members, and a viewer\'s commands are refused', async () => {
    const f = await Client.connect('Fac', info.room_id, { credentials: { role: 'facilitator', key: info.facilitator_key }, client: 'fac', name: 'Fac' });
    const v = await Client.connect('Viewer', info.room_id, { credentials: { role: 'viewer' }, client: 'wall' });
    await v.refused({ type: 'hand.raise', raised: true }, 'forbidden');
    const mark = f.frames.length;
    v.send({ type: 'caret', target: { kind: 'area', id: 'a-1' } }); // leaving a text
    v.send({ type: 'ping' });
    await v.next((x) => x.type === 'pong', 'pong');
    await sleep(300);
    assert.equal(f.frames.slice(mark).filter((x) => x.type === 'caret').length, 0, 'a viewer\'s caret is not passed on');
    f.close();
    v.close();
  });
});
