// A group's sheet in step 3: the edit lease as it stands (expired or left leases count as
// free), the live text others see while someone writes, and the editor a member of the group
// writes in - lease on focus or first keystroke, live keystrokes, commits after a pause, and
// no typed character lost when a write is refused.

import { fill, h } from '../dom.js';
import { hasKey, t } from '../i18n.js';
import { typingKey } from '../store.js';
import { avatar, nameOf, setText } from './boardkit.js';

/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Definition} Definition */
/** @typedef {import('../protocol').Group} Group */
/** @typedef {import('../protocol').Lease} Lease */
/** @typedef {import('../protocol').MemberId} MemberId */

/** Longest group definition (`MAX_DEFINITION_CHARS`). */
const MAX_DEFINITION_CHARS = 400;
/** Commit a pause in typing this soon... */
const COMMIT_IDLE_MS = 600;
/** ...and, while typing goes on, at least this often. */
const COMMIT_MAX_MS = 2000;
/** Live typing previews at most about 30 a second (the server's throttle, too). */
export const TYPING_MS = 34;

/**
 * The lease on a definition if it still counts: not expired by the server's clock, and its
 * holder still here (the server frees it when they leave).
 * @param {RoomView} view
 * @param {Definition | undefined} def
 * @param {number} now the server's clock
 * @returns {Lease | null}
 */
export function liveLease(view, def, now) {
  const lease = def?.lease;
  if (!lease || lease.expires_at <= now || !view.online.has(lease.holder)) return null;
  return lease;
}

/** @param {RoomView} view @param {number} group */
export function definitionOf(view, group) {
  return view.room.definitions.texts.find((d) => d.group === group);
}

/** @param {RoomView} view @returns {Group[]} */
export function groupsOf(view) {
  return [...view.room.definitions.groups].sort((a, b) => a.id - b.id);
}

/**
 * When each group's lease holder and text last changed, as this browser saw it: a live typing
 * preview counts only if it came after both (an older preview from an earlier writing turn, or
 * from before an undo, is stale).
 */
export class LiveTexts {
  constructor() {
    /** @type {Map<number, { holder: string, text: string, leaseAt: number, textAt: number }>} */
    this.seen = new Map();
  }

  /** @param {RoomView} view */
  observe(view) {
    const now = Date.now();
    for (const def of view.room.definitions.texts) {
      const holder = def.lease?.holder ?? '';
      const old = this.seen.get(def.group);
      if (!old) {
        this.seen.set(def.group, { holder, text: def.text, leaseAt: now, textAt: now });
        continue;
      }
      if (old.holder !== holder) {
        old.holder = holder;
        old.leaseAt = now;
      }
      if (old.text !== def.text) {
        old.text = def.text;
        old.textAt = now;
      }
    }
  }

  /**
   * What to show of a group's sentence to someone who is not writing it: the writer's live
   * text while it is fresher than the stored one.
   * @param {RoomView} view
   * @param {number} group
   * @param {number} now the server's clock
   * @returns {{ text: string, live: boolean, writer: MemberId | null }}
   */
  display(view, group, now) {
    const def = definitionOf(view, group);
    const stored = def?.text ?? '';
    const lease = liveLease(view, def, now);
    if (!lease) return { text: stored, live: false, writer: null };
    const typing = view.live.typing.get(typingKey({ kind: 'definition', group }));
    const seen = this.seen.get(group);
    const after = Math.max(seen?.leaseAt ?? 0, seen?.textAt ?? 0);
    if (
      typing &&
      typing.member_id === lease.holder &&
      typing.at > after &&
      lease.holder !== view.you.member_id
    ) {
      return { text: typing.text, live: true, writer: lease.holder };
    }
    return { text: stored, live: false, writer: lease.holder };
  }
}

/**
 * The sheet a group writes its sentence on, for a member of the group. Writing takes the edit
 * lease (on focus, or the first keystroke); keystrokes go out live (throttled) and are
 * committed after a pause, or every couple of seconds while typing goes on; leaving the field
 * commits and frees the lease. While someone else holds the lease the sheet is read-only and
 * shows their typing. A commit refused because someone else writes keeps the text in the box;
 * when they are done, the kept change is merged into theirs and saved.
 */
export class SheetEditor {
  /**
   * @param {RoomCtx} ctx
   * @param {number} group
   * @param {LiveTexts} texts
   */
  constructor(ctx, group, texts) {
    this.ctx = ctx;
    this.group = group;
    this.texts = texts;
    /** The box holds text the server has not been sent yet. */
    this.dirty = false;
    /** Writes sent and not answered yet. */
    this.inflight = 0;
    /** The shared text when the unsaved change began (to merge it later if refused). */
    this.base = '';
    /** Who made the server refuse our write (their name), while the change is kept. */
    this.conflict = '';
    /** Another refusal, shown under the sheet. */
    this.error = '';
    this.requested = false;
    this.firstDirtyAt = 0;
    this.lastTypingAt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.commitTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.typingTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.blurTimer = undefined;
    this.focused = false;
    /** @type {[number, number]} */
    this.selection = [0, 0];
    /** @type {string | null} */
    this.lastHolder = null;
    /** What the box showed when it last matched the shared (or live) text. */
    this.synced = '';

    this.textarea = h('textarea', {
      class: 'sheet-text',
      rows: 4,
      maxlength: MAX_DEFINITION_CHARS,
      spellcheck: true,
      'data-testid': 'definition-input',
      onfocus: () => this.onFocus(),
      onblur: () => this.onBlur(),
      oninput: () => this.onInput(),
      onkeydown: (/** @type {KeyboardEvent} */ ev) => {
        // One sentence: Enter finishes it.
        if (ev.key === 'Enter') {
          ev.preventDefault();
          this.textarea.blur();
        }
      },
    });
    this.title = h('h2', { class: 'sheet-title' });
    this.members = h('div', { class: 'sheet-members' });
    this.status = h('p', { class: 'sheet-status', role: 'status', 'data-testid': 'definition-status' });
    this.saved = h('span', { class: 'sheet-saved', 'data-testid': 'definition-saved' });
    this.counter = h('span', { class: 'sheet-counter' });
    this.keptText = h('span');
    this.discard = h('button', {
      type: 'button',
      class: 'btn btn-ghost btn-small',
      onclick: () => this.discardKept(),
    });
    this.kept = h(
      'div',
      { class: 'sheet-kept', 'data-testid': 'definition-kept', hidden: true },
      this.keptText,
      this.discard,
    );
    this.errorLine = h('p', { class: 'form-error', hidden: true });
    this.hint = h('p', { class: 'field-help' });
    this.el = h(
      'section',
      { class: 'sheet', 'data-testid': 'my-definition' },
      h('header', { class: 'sheet-head' }, this.title, this.members),
      this.textarea,
      h(
        'footer',
        { class: 'sheet-foot' },
        this.status,
        h('span', { class: 'spacer' }),
        this.saved,
        this.counter,
      ),
      this.kept,
      this.errorLine,
      this.hint,
    );
  }

  /** Strings again, in the language chosen now (the editor outlives redraws). */
  relabel() {
    this.title.textContent = t('sheet.title', { n: this.group });
    this.textarea.placeholder = t('sheet.placeholder');
    this.textarea.setAttribute('aria-label', t('sheet.label', { n: this.group }));
    this.discard.textContent = t('sheet.discard');
    this.hint.textContent = t('sheet.hint');
    // A redraw moved the box while it had focus: put the caret back where it was.
    if (this.focused || this.blurTimer !== undefined) {
      clearTimeout(this.blurTimer);
      this.blurTimer = undefined;
      queueMicrotask(() => {
        if (!this.textarea.isConnected) return;
        this.textarea.focus();
        this.textarea.setSelectionRange(...this.selection);
      });
    }
  }

  get view() {
    return this.ctx.store.view;
  }

  /** @param {RoomView} view */
  me(view) {
    return view.you.member_id ?? null;
  }

  /** @param {RoomView} view */
  holder(view) {
    return liveLease(view, definitionOf(view, this.group), this.ctx.store.serverNow())?.holder ?? null;
  }

  /** @param {RoomView} view @returns {MemberId | null} someone else writing now */
  blocker(view) {
    const holder = this.holder(view);
    return holder && holder !== this.me(view) ? holder : null;
  }

  onFocus() {
    this.focused = true;
    clearTimeout(this.blurTimer);
    this.blurTimer = undefined;
    const view = this.view;
    if (view && !this.blocker(view) && this.holder(view) !== this.me(view)) this.requestLease();
    this.refresh();
  }

  onBlur() {
    this.focused = false;
    this.selection = [this.textarea.selectionStart, this.textarea.selectionEnd];
    clearTimeout(this.blurTimer);
    // Decided a moment later: a redraw that only moved the box gives the focus back first.
    this.blurTimer = setTimeout(() => {
      this.blurTimer = undefined;
      if (!this.focused) this.commit(true);
    }, 0);
  }

  onInput() {
    const view = this.view;
    if (!view) return;
    // What the box showed before this change (the other writer's live text, in a race).
    if (!this.dirty && this.inflight === 0) this.base = this.synced;
    this.dirty = true;
    this.error = '';
    if (!this.firstDirtyAt) this.firstDirtyAt = Date.now();
    if (!this.blocker(view) && this.holder(view) !== this.me(view) && !this.requested) this.requestLease();
    this.sendTyping();
    clearTimeout(this.commitTimer);
    if (Date.now() - this.firstDirtyAt >= COMMIT_MAX_MS) this.commit(false);
    else this.commitTimer = setTimeout(() => this.commit(false), COMMIT_IDLE_MS);
    this.refresh();
  }

  requestLease() {
    this.requested = true;
    this.ctx.conn.send({ type: 'definition.lease', group: this.group }).then(() => {
      this.requested = false;
      this.refresh();
    });
  }

  sendTyping() {
    const view = this.view;
    if (!view || this.blocker(view)) return;
    const wait = this.lastTypingAt + TYPING_MS - Date.now();
    if (wait > 0) {
      if (this.typingTimer === undefined) {
        this.typingTimer = setTimeout(() => {
          this.typingTimer = undefined;
          this.sendTyping();
        }, wait);
      }
      return;
    }
    this.lastTypingAt = Date.now();
    this.ctx.conn.live({
      type: 'typing',
      target: { kind: 'definition', group: this.group },
      text: this.textarea.value,
    });
  }

  /**
   * Sends what the box holds (if anything changed), keeping the lease unless `release`.
   * @param {boolean} release
   */
  async commit(release) {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const view = this.view;
    if (!view) return;
    if (!this.dirty) {
      if (release && (this.holder(view) === this.me(view) || this.requested || this.inflight > 0)) {
        this.ctx.conn.send({ type: 'definition.release', group: this.group });
      }
      return;
    }
    // Kept while someone else writes; saved when they are done (see `update`).
    if (this.conflict && this.blocker(view)) return;
    const text = this.textarea.value;
    this.dirty = false;
    this.firstDirtyAt = 0;
    this.inflight += 1;
    this.refresh();
    const outcome = await this.ctx.conn.send({ type: 'definition.write', group: this.group, text, release });
    this.inflight -= 1;
    if (outcome.ok) {
      this.conflict = '';
      this.error = '';
    } else {
      // The words stay in the box: nothing typed is ever thrown away.
      this.dirty = true;
      if (!this.firstDirtyAt) this.firstDirtyAt = Date.now();
      const now = this.view;
      if (outcome.code === 'conflict') {
        const by = now ? this.blocker(now) : null;
        this.conflict = by && now ? nameOf(now, by) : t('who.someone');
      } else {
        const key = `reject.${outcome.code}`;
        this.error = hasKey(key) ? t(key) : outcome.message;
      }
    }
    this.refresh();
  }

  /** Drops the kept change and shows the shared sentence again. */
  discardKept() {
    this.dirty = false;
    this.conflict = '';
    this.firstDirtyAt = 0;
    clearTimeout(this.commitTimer);
    this.refresh();
  }

  /** The member left this group (moved by the facilitator): whatever is unsaved goes now. */
  leave() {
    if (this.dirty || this.focused) this.commit(true);
  }

  refresh() {
    const view = this.view;
    if (view) this.update(view);
  }

  /** @param {string} value */
  setValue(value) {
    const box = this.textarea;
    if (box.value === value) return;
    const [start, end] = [box.selectionStart, box.selectionEnd];
    box.value = value;
    if (this.focused) box.setSelectionRange(Math.min(start, value.length), Math.min(end, value.length));
  }

  /** @param {RoomView} view */
  update(view) {
    const def = definitionOf(view, this.group);
    const stored = def?.text ?? '';
    const holder = this.holder(view);
    const blocker = this.blocker(view);
    const me = this.me(view);

    // The lease just came to us: show the others what was typed while it was on its way.
    if (holder === me && this.lastHolder !== me && this.dirty) this.sendTyping();
    this.lastHolder = holder;

    // The other writer is done: merge the change we kept into theirs and save it.
    if (this.conflict && this.dirty && this.inflight === 0 && !blocker) {
      this.setValue(mergeEdit(this.base, this.textarea.value, stored));
      this.base = stored;
      this.conflict = '';
      this.commit(!this.focused);
    }

    const inSync = !this.dirty && this.inflight === 0;
    if (inSync) {
      const shown = this.texts.display(view, this.group, this.ctx.store.serverNow()).text;
      if (this.textarea.value.trim() !== shown.trim()) this.setValue(shown);
      this.synced = this.textarea.value;
    }
    const readOnly = !!blocker && inSync;
    this.textarea.readOnly = readOnly;
    this.el.classList.toggle('locked', readOnly);
    this.el.classList.toggle('writing', holder === me && !!me);

    const group = view.room.definitions.groups.find((g) => g.id === this.group);
    fill(
      this.members,
      (group?.members ?? []).map((id) =>
        h(
          'span',
          { class: `sheet-member${view.online.has(id) ? '' : ' offline'}`, title: nameOf(view, id) },
          avatar(nameOf(view, id), id),
          h('span', { class: 'sheet-member-name' }, id === me ? t('presence.you') : nameOf(view, id)),
        ),
      ),
    );

    if (blocker) {
      this.status.className = 'sheet-status other';
      this.status.textContent = t('sheet.other_writing', { name: nameOf(view, blocker) });
    } else if (holder === me && me) {
      this.status.className = 'sheet-status mine';
      this.status.textContent = t('sheet.you_writing');
    } else {
      this.status.className = 'sheet-status';
      this.status.textContent = def?.updated_by
        ? t('sheet.last_edit', {
            name: def.updated_by === me ? t('presence.you') : nameOf(view, def.updated_by),
          })
        : t('sheet.free');
    }
    const saving = this.dirty || this.inflight > 0;
    setText(
      this.saved,
      this.conflict
        ? ''
        : saving
          ? t('sheet.saving')
          : holder === me && stored
            ? `✓ ${t('sheet.saved')}`
            : '',
    );
    setText(this.counter, `${Array.from(this.textarea.value).length}/${MAX_DEFINITION_CHARS}`);
    this.kept.hidden = !this.conflict;
    if (this.conflict) this.keptText.textContent = t('sheet.kept', { name: this.conflict });
    this.errorLine.hidden = !this.error;
    this.errorLine.textContent = this.error;
  }
}

/**
 * Applies the change from `base` to `mine` onto `theirs` (what the other writer made of
 * `base`). Each change is one replaced stretch of text; when the two stretches do not
 * overlap both are kept, otherwise our inserted words go at the end of theirs. Either way no
 * word either person typed is lost.
 * @param {string} base
 * @param {string} mine
 * @param {string} theirs
 */
export function mergeEdit(base, mine, theirs) {
  if (theirs === base) return mine;
  if (mine === base) return theirs;
  const a = splice(base, mine);
  const b = splice(base, theirs);
  if (a.end <= b.start && a.start < b.start) {
    return base.slice(0, a.start) + a.text + base.slice(a.end, b.start) + b.text + base.slice(b.end);
  }
  // Theirs first when both changes start at the same place: they were writing there first.
  if (b.end <= a.start) {
    return base.slice(0, b.start) + b.text + base.slice(b.end, a.start) + a.text + base.slice(a.end);
  }
  const added = a.text.trim();
  return added ? `${theirs.trimEnd()} ${added}` : theirs;
}

/**
 * The one stretch of `from` that was replaced to make `to`.
 * @param {string} from
 * @param {string} to
 * @returns {{ start: number, end: number, text: string }} `from.slice(start, end)` became `text`
 */
function splice(from, to) {
  let start = 0;
  while (start < from.length && start < to.length && from[start] === to[start]) start += 1;
  let tail = 0;
  while (
    tail < from.length - start &&
    tail < to.length - start &&
    from[from.length - 1 - tail] === to[to.length - 1 - tail]
  ) {
    tail += 1;
  }
  return { start, end: from.length - tail, text: to.slice(start, to.length - tail) };
}
