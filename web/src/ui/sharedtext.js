// SharedText: the one component for text that several people write at once - a group's
// sentence (step 3), an example card (step 5), a key factor (step 2), an area for improvement
// (step 6). Each is a Yjs document: everyone types into it at once and every keystroke is kept.
//
// The room's copy of the document (kept by the store from `text.changed`) is the truth; this
// editor types into its own copy, sends each change as a `text.edit` (coalesced to about 30 a
// second, the last always sent), and takes in everyone else's as they arrive. A change the
// room refuses (past the cap) is rolled back: the editor starts again from the room's copy and
// says so. Others' carets and selections show in the field, with their names and colours; one's
// own undo (Ctrl+Z) reverts only one's own words (a Yjs UndoManager scoped to this editor).

import { html, useEffect, useLayoutEffect, useRef, useState } from '../../vendor/preact.js';
import * as Y from '../../vendor/yjs.js';
import { TEXT_NAME, fromBase64, resolve, textKey, toBase64 } from '../apply.js';
import { app, holders, textRefused } from '../app.js';
import { language, t } from '../i18n.js';
import { ONE_LINE_TEXTS } from '../limits.js';
import { cleanText, hueOf, nameOf, toast } from './kit.js';

/** @typedef {import('../protocol').TextTarget} Target */
/** @typedef {import('../protocol').MemberId} MemberId */

/** Typing goes out at most about 30 times a second... */
const SEND_MS = 33;
/** ...and so does the caret. */
const CARET_MS = 50;
/** Past this share of its limit, a text's count of characters is shown in warning. */
const NEAR_LIMIT = 0.9;
/** A caret not moved for this long no longer counts as someone typing. */
const TYPING_FRESH_MS = 6000;

/** The origin of this editor's own changes (what its undo manager tracks). */
const LOCAL = Symbol('local');
/**
 * This page's Yjs client, the same in every editor (the room remembers whose each client is,
 * and a page needs only one: a new copy of a text goes on from the room's clock for it).
 */
const PAGE_CLIENT = Math.floor(Math.random() * 2 ** 31) + 2;

/**
 * `compact`: a card on a board. It reads as a card (its text, others' carets and who is
 * writing) and becomes a field only while one edits it: a click, a tap, Enter or Space opens
 * it, leaving it (or Escape) closes it again.
 * @param {{ target: Target, editable: boolean, label: string, maxLength: number,
 *   placeholder?: string, testid?: string, rows?: number, compact?: boolean }} props
 */
export function SharedText(props) {
  // A fresh snapshot (a `welcome` after a long absence) replaces the room's documents: the
  // editor starts again from the new ones.
  return html`<${Editor} ...${props} key=${`${textKey(props.target)}@${app.store.loaded.value}`} />`;
}

/** Whether a text is one line (the room refuses line breaks in it). @param {Target} target */
function isOneLine(target) {
  return ONE_LINE_TEXTS.includes(target.kind);
}

/** @param {string} text @param {number} max */
function tooLong(text, max) {
  return [...text].length > max;
}

/**
 * @param {{ target: Target, editable: boolean, label: string, maxLength: number,
 *   placeholder?: string, testid?: string, rows?: number, compact?: boolean }} props
 */
function Editor({ target, editable, label, maxLength, placeholder, testid, rows = 2, compact = false }) {
  const key = textKey(target);
  const store = app.store;
  void store.versions.texts.value;
  void store.caretVersion.value;
  const view = store.presence$();
  const room = view.room;
  const me = view.you.member_id ?? null;
  const field = useRef(/** @type {HTMLTextAreaElement | null} */ (null));
  const [, redraw] = useState(0);
  const s = useRef(/** @type {EditorState | null} */ (null));
  if (!s.current) s.current = new EditorState(target, () => redraw((n) => n + 1));
  const state = s.current;

  const [open, setOpen] = useState(false);
  const editing = editable && (!compact || open);
  const opener = useRef(/** @type {HTMLDivElement | null} */ (null));
  /** Closed with Escape: the keyboard goes back to the card. */
  const refocus = useRef(false);

  useEffect(() => () => state.destroy(), []);
  // A card that may no longer be edited (a vote opened on it, the board closed) closes, even
  // where its field went without a blur.
  useEffect(() => {
    if (!editable && open) {
      state.left();
      state.box = null;
      setOpen(false);
    }
  }, [editable]);
  // A card opened to edit takes the caret at the end of its text, before it is painted (so it
  // is never seen empty, and a tap's keyboard opens on phones).
  useLayoutEffect(() => {
    const box = field.current;
    if (!open && refocus.current) {
      refocus.current = false;
      opener.current?.focus();
    }
    if (!compact || !open || !box) return;
    state.render(box);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }, [open]);
  // The field shows the editor's copy; put it there whenever it changes without the field.
  useLayoutEffect(() => {
    const box = field.current;
    if (box && box.value !== state.text()) state.render(box);
  });

  const text = state.text();
  const carets = [];
  for (const [member, caret] of store.carets.get(key) ?? []) {
    if (member === me || !caret.head) continue;
    const head = resolve(state.doc, caret.head);
    const anchor = caret.anchor ? resolve(state.doc, caret.anchor) : head;
    if (head === null || anchor === null) continue;
    carets.push({ member, head, anchor, at: caret.at, name: nameOf(room, member) });
  }
  const now = Date.now();
  const typing = carets.filter((c) => now - c.at < TYPING_FRESH_MS);
  // "Ana is writing" goes when she stops, though nothing else changes: drawn again then.
  const stale = typing.length > 0 ? Math.min(...typing.map((c) => c.at)) + TYPING_FRESH_MS - now : null;
  useEffect(() => {
    if (stale === null) return;
    const timer = setTimeout(() => redraw((n) => n + 1), Math.max(0, stale) + 1);
    return () => clearTimeout(timer);
  }, [stale === null ? null : now + stale]);
  const count = [...text].length;

  if (editable && !editing) {
    const edit = () => setOpen(true);
    return html`<div class="shared-text readonly compact" data-testid=${testid}>
      <div
        role="button"
        tabindex="0"
        ref=${opener}
        class="shared-text-body shared-text-open"
        dir="auto"
        title=${t('text.edit.hint')}
        aria-label=${t('text.edit.aria', { label, text: text || t('text.edit.empty') })}
        data-testid=${testid ? `${testid}-open` : undefined}
        onClick=${edit}
        onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
          if (state.undoKey(e)) return;
          if (e.key !== 'Enter' && e.key !== ' ') return;
          e.preventDefault();
          edit();
        }}
      >
        ${text || carets.length > 0 ? marked(text, carets) : html`<span class="placeholder">${t('text.edit.empty')}</span>`}
      </div>
      ${typing.length > 0 ? html`<p class="shared-typing muted" aria-live="polite">${writingLine(typing)}</p>` : null}
    </div>`;
  }
  if (!editable) {
    return html`<div class="shared-text readonly" data-testid=${testid}>
      <div class="shared-text-body" dir="auto" aria-label=${label}>
        ${text || carets.length > 0 || !placeholder ? marked(text, carets) : html`<span class="placeholder">${placeholder}</span>`}
      </div>
      ${typing.length > 0 ? html`<p class="shared-typing muted" aria-live="polite">${writingLine(typing)}</p>` : null}
    </div>`;
  }
  return html`<div class=${compact ? 'shared-text compact' : 'shared-text'} data-testid=${testid}>
    <div class="shared-text-field">
      <div class="shared-text-mirror" dir="auto" aria-hidden="true" ref=${(/** @type {HTMLElement | null} */ el) => state.mirror(el)}>
        ${marked(text, carets, 'marks')}
      </div>
      <textarea
        ref=${field}
        dir="auto"
        rows=${compact ? 1 : rows}
        style=${compact ? undefined : `--rows: ${rows}`}
        aria-label=${label}
        placeholder=${placeholder ?? ''}
        data-testid=${testid ? `${testid}-input` : undefined}
        onInput=${(/** @type {InputEvent} */ e) => state.input(/** @type {HTMLTextAreaElement} */ (e.currentTarget), maxLength)}
        onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
          // On a one-line card Enter is done, as Escape is.
          if (compact && (e.key === 'Escape' || (e.key === 'Enter' && !e.isComposing && isOneLine(target)))) {
            e.preventDefault();
            refocus.current = true;
            /** @type {HTMLTextAreaElement} */ (e.currentTarget).blur();
          } else state.keydown(e);
        }}
        onSelect=${(/** @type {Event} */ e) => state.caret(/** @type {HTMLTextAreaElement} */ (e.currentTarget))}
        onKeyUp=${(/** @type {Event} */ e) => state.caret(/** @type {HTMLTextAreaElement} */ (e.currentTarget))}
        onClick=${(/** @type {Event} */ e) => state.caret(/** @type {HTMLTextAreaElement} */ (e.currentTarget))}
        onFocus=${(/** @type {Event} */ e) => state.caret(/** @type {HTMLTextAreaElement} */ (e.currentTarget))}
        onBlur=${() => {
          state.left();
          // Another window taking the focus leaves the card open: coming back, the focus is
          // given back to the field.
          if (compact && document.hasFocus()) {
            state.box = null;
            setOpen(false);
          }
        }}
        onScroll=${(/** @type {Event} */ e) => state.scrolled(/** @type {HTMLTextAreaElement} */ (e.currentTarget))}
      ></textarea>
      <div class="shared-text-mirror shared-text-names" dir="auto" aria-hidden="true" ref=${(/** @type {HTMLElement | null} */ el) => state.names(el)}>
        ${marked(text, carets, 'names')}
      </div>
    </div>
    ${compact
      ? // Open, a card keeps its size (nothing below it moves under the pointer): who else is
        // writing shows as when it is closed, the count only near the limit, over the card.
        html`${count > maxLength * NEAR_LIMIT ? html`<span class="char-count near">${count}/${maxLength}</span>` : null}
          ${typing.length > 0 ? html`<p class="shared-typing muted" aria-live="polite">${writingLine(typing)}</p>` : null}`
      : html`<div class="shared-text-foot">
          ${typing.length > 0 ? html`<span class="shared-typing muted" aria-live="polite">${writingLine(typing)}</span>` : html`<span></span>`}
          <span class=${`char-count ${count > maxLength * NEAR_LIMIT ? 'near' : ''}`}>${count}/${maxLength}</span>
        </div>`}
  </div>`;
}

/** Whether the browser sizes a field to its text (`field-sizing: content`) by itself. */
const SIZES_ITSELF = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

/**
 * A shared field is as tall as its text (a card's as the card was before it was opened; a
 * sheet's at least its `rows`), so nobody's caret is scrolled out of sight and it has no grip
 * to drag: where the browser does not size it, its height follows the text here.
 * @param {HTMLTextAreaElement} box
 */
function fit(box) {
  if (SIZES_ITSELF) return;
  box.style.height = 'auto';
  box.style.height = `${box.scrollHeight}px`;
}

/** "Ana is writing" / "Ana and Bo are writing". @param {{ name: string }[]} typing */
function writingLine(typing) {
  const names = typing.map((c) => c.name);
  // "Ana and Bo", "Ana, Bo and Cy": the reader's language joins the names.
  return names.length === 1
    ? t('text.writing.single', { name: names[0] })
    : t('text.writing.several', { names: new Intl.ListFormat(language(), { type: 'conjunction' }).format(names) });
}

/**
 * The text with others' carets and selections in it (a caret is a coloured bar with a name).
 * @param {string} text
 * @param {{ member: MemberId, head: number, anchor: number, name: string }[]} carets
 * @param {'marks' | 'names'} [layer] in a field, a layer of its own under the field's text (the
 *   selections and carets) or over it (the names over the carets, which would otherwise lie
 *   under the words of the line above); none where the text is only read
 */
function marked(text, carets, layer) {
  const ghost = layer !== undefined;
  /** @type {{ at: number, open?: string, close?: string, caret?: { member: MemberId, name: string } }[]} */
  const cuts = [];
  for (const c of carets) {
    const [from, to] = c.anchor <= c.head ? [c.anchor, c.head] : [c.head, c.anchor];
    if (from < to) {
      cuts.push({ at: from, open: c.member });
      cuts.push({ at: to, close: c.member });
    }
    cuts.push({ at: Math.min(c.head, text.length), caret: { member: c.member, name: c.name } });
  }
  cuts.sort((a, b) => a.at - b.at);
  /** @type {any[]} */
  const out = [];
  /** @type {Set<MemberId>} */
  const open = new Set();
  let at = 0;
  const piece = (/** @type {number} */ end) => {
    if (end <= at) return;
    const part = text.slice(at, end);
    const [first] = open;
    out.push(first ? html`<mark class=${`sel hue-${hueOf(first)}`}>${part}</mark>` : part);
    at = end;
  };
  for (const cut of cuts) {
    piece(cut.at);
    if (cut.open) open.add(cut.open);
    if (cut.close) open.delete(cut.close);
    if (cut.caret) {
      const testid = layer === 'names' ? 'remote-caret-name' : 'remote-caret';
      out.push(html`<span class=${`remote-caret hue-${hueOf(cut.caret.member)}`} data-name=${cut.caret.name} data-testid=${testid}></span>`);
    }
  }
  piece(text.length);
  // A trailing newline needs something after it to take its height.
  if (ghost) out.push('\u200b');
  return out;
}

/** The editor's own copy of a shared text, and what goes to and from the room. */
class EditorState {
  /** @param {Target} target @param {() => void} changed */
  constructor(target, changed) {
    this.target = target;
    this.changed = changed;
    /** The room's copy, fed by the store. */
    this.room = app.store.doc(target);
    /** Updates made here, waiting for the next send. @type {Uint8Array[]} */
    this.queue = [];
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.sendTimer = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.caretTimer = null;
    this.caretSentAt = 0;
    /** @type {HTMLTextAreaElement | null} */
    this.box = null;
    this.destroyed = false;
    /** @type {HTMLElement | null} */
    this.mirrorEl = null;
    /** @type {HTMLElement | null} */
    this.namesEl = null;
    /** This editor's copy. */
    this.doc = new Y.Doc();
    this.ytext = this.doc.getText(TEXT_NAME);
    /** This person's own undo: their own changes only. */
    this.undo = new Y.UndoManager(this.ytext);
    this.fromRoom = (/** @type {Uint8Array} */ update, /** @type {unknown} */ origin) => {
      if (origin !== LOCAL) Y.applyUpdate(this.doc, update, 'room');
    };
    this.room.on('update', this.fromRoom);
    /** Words typed here that wait to be sent (the page asks before it is left). */
    this.holder = {
      key: textKey(target),
      holds: () => this.queue.length > 0,
      // Handed to the connection now, as the page may go: it keeps them until answered.
      hand: () => {
        if (this.sendTimer) clearTimeout(this.sendTimer);
        this.sendTimer = null;
        this.sendQueued();
      },
      restart: () => this.restart(),
    };
    holders.add(this.holder);
    this.start();
  }

  /** (Re)starts the editor's copy from the room's. */
  start() {
    this.undo.destroy();
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.doc.clientID = PAGE_CLIENT;
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(this.room), 'room');
    // What this page typed that the room has not acknowledged yet (offline, or in flight) is
    // part of this copy too: without it the copy would go on from an older clock of this
    // page's client, and new keystrokes would take the ids of those not yet acknowledged.
    const key = textKey(this.target);
    for (const { cmd } of app.conn.pending.values()) {
      if (cmd.type === 'text.edit' && textKey(cmd.target) === key) Y.applyUpdate(this.doc, fromBase64(cmd.update), 'pending');
    }
    this.ytext = this.doc.getText(TEXT_NAME);
    const undo = new Y.UndoManager(this.ytext, { trackedOrigins: new Set([LOCAL]), captureTimeout: 400 });
    this.undo = undo;
    this.doc.on('update', (/** @type {Uint8Array} */ update, /** @type {unknown} */ origin) => {
      if (origin === LOCAL || origin === undo) this.enqueue(update);
    });
    this.ytext.observe((/** @type {any} */ e) => {
      if (e.transaction.origin !== LOCAL) this.follow(e.delta);
      this.changed();
    });
  }

  text() {
    return this.ytext.toString();
  }

  /** @param {HTMLElement | null} el */
  mirror(el) {
    this.mirrorEl = el;
    if (el && this.box) el.scrollTop = this.box.scrollTop;
  }

  /** The layer of names over the field, scrolled with it. @param {HTMLElement | null} el */
  names(el) {
    this.namesEl = el;
    if (el && this.box) el.scrollTop = this.box.scrollTop;
  }

  /** @param {HTMLTextAreaElement} box */
  scrolled(box) {
    if (this.mirrorEl) this.mirrorEl.scrollTop = box.scrollTop;
    if (this.namesEl) this.namesEl.scrollTop = box.scrollTop;
  }

  /** Puts the copy in the field, keeping the person's selection where it was. @param {HTMLTextAreaElement} box */
  render(box) {
    this.box = box;
    const { selectionStart, selectionEnd } = box;
    box.value = this.text();
    if (document.activeElement === box) box.setSelectionRange(selectionStart, selectionEnd);
    fit(box);
  }

  /**
   * Someone else's change came in: the field takes it, and the person's selection moves with
   * the text around it.
   * @param {{ insert?: string, delete?: number, retain?: number }[]} delta
   */
  follow(delta) {
    const box = this.box;
    if (!box) return;
    let { selectionStart: start, selectionEnd: end } = box;
    let at = 0;
    for (const op of delta) {
      if (op.retain) at += op.retain;
      else if (typeof op.insert === 'string') {
        const n = op.insert.length;
        if (at < start) start += n;
        if (at < end) end += n;
        at += n;
      } else if (op.delete) {
        const n = op.delete;
        if (at < start) start = Math.max(at, start - n);
        if (at < end) end = Math.max(at, end - n);
      }
    }
    const focused = document.activeElement === box;
    box.value = this.text();
    if (focused) box.setSelectionRange(start, end);
    fit(box);
  }

  /** The person typed: the change between the copy and the field becomes one Yjs change. @param {HTMLTextAreaElement} box @param {number} max */
  input(box, max) {
    this.box = box;
    const before = this.text();
    let after = box.value;
    if (tooLong(after, max)) {
      // Stop at the cap here, rather than have the room refuse it.
      toast(t('text.too_long', { n: max }));
      after = before;
      box.value = before;
      return;
    }
    let head = 0;
    while (head < before.length && head < after.length && before[head] === after[head]) head++;
    let tail = 0;
    while (
      tail < before.length - head &&
      tail < after.length - head &&
      before[before.length - 1 - tail] === after[after.length - 1 - tail]
    ) {
      tail++;
    }
    const removed = before.length - head - tail;
    const typed = after.slice(head, after.length - tail);
    // A line break or tab in a one-line text is a space (a sentence pasted from two lines
    // reads as one); other control characters go.
    const inserted = cleanText(typed, isOneLine(this.target));
    if (removed === 0 && inserted === '') {
      if (typed !== '') this.render(box);
      return;
    }
    this.doc.transact(() => {
      if (removed > 0) this.ytext.delete(head, removed);
      if (inserted) this.ytext.insert(head, inserted);
    }, LOCAL);
    if (inserted !== typed) {
      // The field shows what the text holds, the caret after what went in.
      box.value = this.text();
      box.setSelectionRange(head + inserted.length, head + inserted.length);
    }
    fit(box);
    this.caret(box);
  }

  /**
   * Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y) undo and redo this person's own words only, in the
   * field or on its card while closed. True if `e` was one of them.
   * @param {KeyboardEvent} e
   */
  undoKey(e) {
    if (!(e.ctrlKey || e.metaKey)) return false;
    const k = e.key.toLowerCase();
    const redo = (k === 'z' && e.shiftKey) || k === 'y';
    if (k !== 'z' && !redo) return false;
    e.preventDefault();
    if (redo) this.undo.redo();
    else this.undo.undo();
    return true;
  }

  /** The field's keys: undo and redo of one's own words; Enter adds no line to a one-line text. @param {KeyboardEvent} e */
  keydown(e) {
    if (e.key === 'Enter' && !e.isComposing && isOneLine(this.target)) {
      e.preventDefault();
      return;
    }
    if (!this.undoKey(e)) return;
    const box = /** @type {HTMLTextAreaElement} */ (e.currentTarget);
    const { selectionStart } = box;
    box.value = this.text();
    box.setSelectionRange(Math.min(selectionStart, box.value.length), Math.min(selectionStart, box.value.length));
  }

  /** @param {Uint8Array} update */
  enqueue(update) {
    this.queue.push(update);
    if (this.sendTimer) return;
    this.sendTimer = setTimeout(() => this.flush(), SEND_MS);
  }

  /** Sends what was typed since the last send, as one update. */
  flush() {
    this.sendTimer = null;
    if (this.queue.length === 0) return;
    // While the line is down, what is typed stays here and becomes one update when it is back
    // (not a command per 33 ms, which the room would take only 60 of at once).
    if (!app.conn.welcomed) {
      this.sendTimer = setTimeout(() => this.flush(), SEND_MS);
      return;
    }
    this.sendQueued();
  }

  /** What was typed and not sent yet, as one `text.edit` (resent by the connection until answered). */
  sendQueued() {
    const update = this.queue.length === 1 ? this.queue[0] : Y.mergeUpdates(this.queue);
    this.queue = [];
    const sent = app.conn.send({ type: 'text.edit', target: this.target, update: toBase64(update) }, true);
    // Refused (an editor gone meanwhile too: its person was moved to another group), every
    // editor of the text starts again from the room's copy, and the person is told.
    sent.then((outcome) => textRefused(this.target, update, outcome));
  }

  /** Starts again from the room's copy (and what still waits for an answer), dropping what is queued. */
  restart() {
    this.queue = [];
    this.start();
    if (this.box) this.render(this.box);
    this.changed();
  }

  /** Tells the others where the caret is (at most every CARET_MS). @param {HTMLTextAreaElement} box */
  caret(box) {
    this.box = box;
    const wait = this.caretSentAt + CARET_MS - Date.now();
    if (wait > 0) {
      this.caretTimer ??= setTimeout(() => {
        this.caretTimer = null;
        if (this.box && document.activeElement === this.box) this.caret(this.box);
      }, wait);
      return;
    }
    this.caretSentAt = Date.now();
    const rel = (/** @type {number} */ i) => toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(this.ytext, i)));
    const anchor = rel(box.selectionDirection === 'backward' ? box.selectionEnd : box.selectionStart);
    const head = rel(box.selectionDirection === 'backward' ? box.selectionStart : box.selectionEnd);
    app.conn.live({ type: 'caret', target: this.target, anchor, head });
  }

  /** The person left the field: their caret goes, and what they typed is sent now. */
  left() {
    if (this.sendTimer) {
      clearTimeout(this.sendTimer);
      this.flush();
    }
    app.conn.live({ type: 'caret', target: this.target });
  }

  destroy() {
    // Words typed while the line was down go now, before the editor does (a fresh snapshot
    // after a long absence replaces the editor): the connection keeps them until answered.
    if (this.sendTimer) clearTimeout(this.sendTimer);
    if (this.queue.length > 0) this.sendQueued();
    this.destroyed = true;
    holders.delete(this.holder);
    this.left();
    if (this.caretTimer) clearTimeout(this.caretTimer);
    this.room.off('update', this.fromRoom);
    this.undo.destroy();
    this.doc.destroy();
  }
}
