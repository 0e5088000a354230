// SharedText: the one component for text that several people edit - a group's sentence
// (step 3), an example card (step 5), a key factor (step 2), an area for improvement (step 6).
//
// Inside, today's protocol: the sentence and the cards are under an edit lease (the first
// keystroke takes it, typing goes out live to the others and is committed after a pause,
// leaving the field releases it; while someone else holds it the field is read-only and shows
// their typing; a refused write keeps every typed character, and a sentence kept that way is
// merged into the other writer's once they are done). Key factors and areas are edited with a
// plain edit command. With shared texts (Yjs) on the wire, only this file changes.

import { html, useEffect, useRef, useState } from '../../vendor/preact.js';
import { typingKey } from '../apply.js';
import { app } from '../app.js';
import { hasKey, t } from '../i18n.js';
import { InlineEdit, nameOf } from './kit.js';

/** @typedef {import('../protocol').Lease} Lease */
/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').MemberId} MemberId */
/**
 * What the text belongs to (the same shape as the shared-text `target` on the wire).
 * @typedef {{ kind: 'definition', group: number } | { kind: 'card', id: string } |
 *   { kind: 'factor', id: string } | { kind: 'area', id: string }} Target
 */

/** Commit a pause in typing this soon... */
const COMMIT_IDLE_MS = 600;
/** ...and, while typing goes on, at least this often. */
const COMMIT_MAX_MS = 2000;
/** Live typing at most about 30 times a second (the server's throttle, too). */
const TYPING_MS = 34;

/** @param {RoomState} room @param {Target} target @returns {{ text: string, lease?: Lease, by?: MemberId } | undefined} */
function stored(room, target) {
  switch (target.kind) {
    case 'definition': {
      const def = room.definitions.texts.find((d) => d.group === target.group);
      return def && { text: def.text, lease: def.lease, by: def.updated_by };
    }
    case 'card':
      return room.assessment.cards[target.id];
    case 'factor':
      return room.experience.factors[target.id];
    case 'area':
      return room.priorities.areas[target.id];
  }
}

/** @type {Record<Target['kind'], import('../store.js').Slice>} the part of the room each kind lives in */
const SLICE = { definition: 'definitions', card: 'assessment', factor: 'experience', area: 'priorities' };
/** @param {Target} target */
const sliceOf = (target) => SLICE[target.kind];

/** The lease if it still counts: not expired, holder still here. @param {Lease | undefined} lease */
function liveLease(lease) {
  const view = app.store.view;
  if (!lease || !view || lease.expires_at <= app.store.serverNow() || !view.online.has(lease.holder)) return null;
  return lease;
}

/**
 * @param {{ target: Target, editable: boolean, label: string, maxLength: number,
 *   placeholder?: string, testid?: string, rows?: number, onDone?: () => void }} props
 */
export function SharedText(props) {
  const { target } = props;
  if (target.kind === 'factor' || target.kind === 'area') return html`<${ClickToEdit} ...${props} />`;
  return html`<${LeasedText} ...${props} key=${typingKey(target)} />`;
}

/** Key factors and areas: the text, and an edit button for who may change it. */
/** @param {{ target: Target, editable: boolean, label: string, maxLength: number, testid?: string }} props */
function ClickToEdit({ target, editable, label, maxLength, testid }) {
  const room = app.store.room(sliceOf(target));
  const item = stored(room, target);
  return html`<${InlineEdit}
    text=${item?.text ?? ''}
    label=${label}
    maxLength=${maxLength}
    editable=${editable}
    testid=${testid}
    onSave=${async (/** @type {string} */ text) => {
      const id = /** @type {{ id: string }} */ (target).id;
      const outcome = await app.conn.send(
        target.kind === 'factor' ? { type: 'factor.edit', id, text } : { type: 'area.edit', id, text },
      );
      return outcome.ok;
    }}
  />`;
}

/**
 * The sentence and the cards: a field always there for who may write, under the lease.
 * @param {{ target: Target, editable: boolean, label: string, maxLength: number,
 *   placeholder?: string, testid?: string, rows?: number }} props
 */
function LeasedText({ target, editable, label, maxLength, placeholder, testid, rows = 2 }) {
  const room = app.store.room(sliceOf(target));
  void app.store.typingVersion.value;
  const view = app.store.presence$();
  const me = view.you.member_id ?? null;
  const item = stored(room, target);
  const storedText = item?.text ?? '';
  const lease = liveLease(item?.lease);
  const holder = lease?.holder ?? null;
  const blocker = holder && holder !== me ? holder : null;
  const [, redraw] = useState(0);
  const field = useRef(/** @type {HTMLTextAreaElement | null} */ (null));
  // The editor's own state lives across draws, out of Preact's state: events and timers use it.
  const s = useRef({
    dirty: false,
    inflight: 0,
    holding: false,
    requested: false,
    focused: false,
    base: '',
    conflict: '',
    error: '',
    firstDirtyAt: 0,
    typedAt: 0,
    storedText,
    storedAt: Date.now(),
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    commitTimer: undefined,
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    typingTimer: undefined,
  }).current;
  if (s.storedText !== storedText) {
    s.storedText = storedText;
    s.storedAt = Date.now();
  }

  // A lease runs out with time, not with an event: look again every second while one is held.
  useEffect(() => {
    if (!item?.lease) return;
    const timer = setInterval(() => redraw((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [item?.lease?.expires_at]);
  useEffect(() => () => {
    clearTimeout(s.commitTimer);
    clearTimeout(s.typingTimer);
    if (s.dirty || s.holding) commit(true);
  }, []);

  // Others' live typing, while it is newer than the stored text.
  const live = app.store.typed.get(typingKey(/** @type {any} */ (target)));
  const shown = blocker && live && live.member_id === blocker && live.at > s.storedAt ? live.text : storedText;

  function send(/** @type {string} */ text, /** @type {boolean} */ release) {
    return app.conn.send(
      target.kind === 'definition'
        ? { type: 'definition.write', group: target.group, text, release }
        : { type: 'card.write', id: /** @type {{ id: string }} */ (target).id, text, release },
    );
  }

  function sendTyping() {
    const box = field.current;
    if (!box || !s.holding || blocker) return;
    const wait = s.typedAt + TYPING_MS - Date.now();
    if (wait > 0) {
      s.typingTimer ??= setTimeout(() => {
        s.typingTimer = undefined;
        sendTyping();
      }, wait);
      return;
    }
    s.typedAt = Date.now();
    app.conn.live({ type: 'typing', target: /** @type {any} */ (target), text: box.value });
  }

  /** @param {boolean} release */
  async function commit(release) {
    clearTimeout(s.commitTimer);
    s.commitTimer = undefined;
    const box = field.current;
    if (!s.dirty) {
      if (release && (s.holding || s.requested)) {
        s.holding = false;
        if (target.kind === 'definition') app.conn.send({ type: 'definition.release', group: target.group });
        else if (s.storedText) send(s.storedText, true);
      }
      return;
    }
    const now = liveLease(stored(app.store.view?.room ?? room, target)?.lease);
    if (s.conflict && now && now.holder !== me) return; // Kept until they are done.
    const text = box?.value ?? '';
    if (!text.trim() && target.kind === 'card') {
      // An emptied card is not saved empty: it stays as it was until deleted.
      s.dirty = false;
      if (box) box.value = s.storedText;
      if (release && s.holding) send(s.storedText, true);
      s.holding = false;
      redraw((n) => n + 1);
      return;
    }
    s.dirty = false;
    s.firstDirtyAt = 0;
    s.inflight += 1;
    redraw((n) => n + 1);
    const outcome = await send(text, release);
    s.inflight -= 1;
    if (outcome.ok) {
      s.holding = !release;
      s.conflict = '';
      s.error = '';
      if (s.holding && box && box.value !== text) sendTyping();
    } else {
      // The words stay in the field: nothing typed is ever thrown away.
      s.holding = false;
      if (!box || box.value === text) s.dirty = true;
      s.firstDirtyAt ||= Date.now();
      const by = liveLease(stored(app.store.view?.room ?? room, target)?.lease)?.holder;
      if (outcome.code === 'conflict') s.conflict = by ? nameOf(room, by) : t('who.someone');
      else s.error = hasKey(`reject.${outcome.code}`) ? t(/** @type {any} */ (`reject.${outcome.code}`)) : outcome.message;
    }
    redraw((n) => n + 1);
  }

  function onInput() {
    if (!s.dirty && s.inflight === 0) s.base = shown;
    s.dirty = true;
    s.error = '';
    s.firstDirtyAt ||= Date.now();
    if (!blocker && !s.holding && !s.requested) {
      if (target.kind === 'definition') requestLease();
      else s.holding = true; // The first write takes a card's lease.
    }
    sendTyping();
    clearTimeout(s.commitTimer);
    if (Date.now() - s.firstDirtyAt >= COMMIT_MAX_MS) commit(false);
    else s.commitTimer = setTimeout(() => commit(false), COMMIT_IDLE_MS);
    redraw((n) => n + 1);
  }

  function requestLease() {
    if (target.kind !== 'definition') return;
    s.requested = true;
    app.conn.send({ type: 'definition.lease', group: target.group }).then((outcome) => {
      s.requested = false;
      s.holding = outcome.ok;
      if (outcome.ok && s.dirty) sendTyping();
      redraw((n) => n + 1);
    });
  }

  // The other writer is done: merge the change we kept into theirs and save it.
  useEffect(() => {
    const box = field.current;
    if (s.conflict && s.dirty && s.inflight === 0 && !blocker && box) {
      box.value = mergeEdit(s.base, box.value, storedText);
      s.base = storedText;
      s.conflict = '';
      commit(!s.focused);
    }
  });

  // Keep the field on the shared text unless this person has unsaved words in it.
  const inSync = !s.dirty && s.inflight === 0;
  useEffect(() => {
    const box = field.current;
    if (box && inSync && box.value !== shown && (!s.focused || blocker)) {
      const [a, b] = [box.selectionStart, box.selectionEnd];
      box.value = shown;
      if (s.focused) box.setSelectionRange(Math.min(a, shown.length), Math.min(b, shown.length));
    }
  });

  if (!editable) {
    return html`<p class="shared-text readonly ${shown ? '' : 'placeholder'}" data-testid=${testid}>
      ${shown || placeholder || t('def.nothing_yet')}
    </p>`;
  }
  const status = s.conflict
    ? t('sheet.kept', { name: s.conflict })
    : s.error
      ? s.error
      : blocker
        ? t('board.card.writing', { name: nameOf(room, blocker) })
        : s.dirty || s.inflight
          ? t('sheet.saving')
          : s.holding && storedText
            ? `✓ ${t('sheet.saved')}`
            : '';
  return html`<div class="shared-text ${blocker ? 'locked' : ''} ${s.holding ? 'writing' : ''}">
    <textarea
      ref=${field}
      class="shared-field"
      rows=${rows}
      maxlength=${maxLength}
      placeholder=${placeholder}
      aria-label=${label}
      readonly=${!!blocker && inSync}
      data-testid=${testid}
      onFocus=${() => {
        s.focused = true;
        if (!blocker && !s.holding) requestLease();
        redraw((n) => n + 1);
      }}
      onBlur=${() => {
        s.focused = false;
        commit(true);
      }}
      onInput=${onInput}
      onKeyDown=${(/** @type {KeyboardEvent} */ ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey) {
          ev.preventDefault();
          /** @type {HTMLElement} */ (ev.target).blur();
        }
      }}
    ></textarea>
    <p class="shared-status ${s.conflict || s.error ? 'error' : ''}" role="status" data-testid=${testid ? `${testid}-status` : undefined}>
      ${status}
      ${s.conflict
        ? html`<button
            type="button"
            class="btn btn-ghost btn-small"
            onClick=${() => {
              s.dirty = false;
              s.conflict = '';
              redraw((n) => n + 1);
            }}
          >
            ${t('sheet.discard')}
          </button>`
        : null}
    </p>
  </div>`;
}

/**
 * Applies the change from `base` to `mine` onto `theirs` (what the other writer made of
 * `base`). When the two changed stretches do not overlap both are kept, otherwise our inserted
 * words go at the end of theirs: either way no word either person typed is lost.
 * @param {string} base @param {string} mine @param {string} theirs
 */
export function mergeEdit(base, mine, theirs) {
  if (theirs === base) return mine;
  if (mine === base) return theirs;
  const a = splice(base, mine);
  const b = splice(base, theirs);
  if (a.end <= b.start && a.start < b.start) {
    return base.slice(0, a.start) + a.text + base.slice(a.end, b.start) + b.text + base.slice(b.end);
  }
  if (b.end <= a.start) {
    return base.slice(0, b.start) + b.text + base.slice(b.end, a.start) + a.text + base.slice(a.end);
  }
  const added = a.text.trim();
  return added ? `${theirs.trimEnd()} ${added}` : theirs;
}

/** The one stretch of `from` replaced to make `to`. @param {string} from @param {string} to */
function splice(from, to) {
  let start = 0;
  while (start < from.length && start < to.length && from[start] === to[start]) start += 1;
  let tail = 0;
  while (tail < from.length - start && tail < to.length - start && from[from.length - 1 - tail] === to[to.length - 1 - tail])
    tail += 1;
  return { start, end: from.length - tail, text: to.slice(start, to.length - tail) };
}
