// Small pieces the shared boards of steps 2 and 3 (and the participation panel) are built from:
// member names and avatars, fresh item ids, keyed lists that update in place (so a field being
// typed in or a button under the pointer survives a redraw), and "is this person typing in a
// field" for keyboard shortcuts.

import { h } from '../dom.js';
import { stepText, t } from '../i18n.js';

/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').MemberId} MemberId */
/** @typedef {import('../protocol').Member} Member */

/**
 * A member's display name, or "someone" for an id the room does not know (yet).
 * @param {RoomView} view
 * @param {MemberId | undefined | null} id
 */
export function nameOf(view, id) {
  return (id && view.room.members[id]?.name) || t('who.someone');
}

/** @param {string} name up to two initials, for an avatar */
export function initialsOf(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => (Array.from(word)[0] ?? '').toUpperCase())
    .join('');
}

/**
 * A round avatar with a member's initials; its colour is picked from their id, so a person
 * keeps their colour on every board and every screen.
 * @param {string} name
 * @param {string} id
 * @param {string} [extraClass]
 */
export function avatar(name, id, extraClass = '') {
  return h(
    'span',
    { class: `avatar hue-${hueOf(id)} ${extraClass}`.trim(), 'aria-hidden': 'true' },
    initialsOf(name),
  );
}

/** Number of avatar colours in style.css (`.hue-0` to `.hue-7`). */
const HUES = 8;

/** @param {string} id */
function hueOf(id) {
  let sum = 0;
  for (const ch of id) sum = (sum * 31 + ch.charCodeAt(0)) >>> 0;
  return sum % HUES;
}

/**
 * A fresh item id for a command that creates something (a card, a highlight). Not
 * `crypto.randomUUID`: that exists only on https and localhost, and rooms also run on plain
 * http inside a company network.
 * @param {string} prefix
 */
export function newItemId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The participants of the room (not facilitators), in joining order. */
/** @param {RoomView} view @returns {Member[]} */
export function participantsOf(view) {
  return Object.values(view.room.members)
    .filter((m) => m.role === 'participant')
    .sort((a, b) => a.joined_at - b.joined_at || a.id.localeCompare(b.id));
}

/**
 * One entry of a {@link keyedList}: its element, and how to show a newer version of its item.
 * @template T
 * @typedef {{ el: HTMLElement, update: (item: T) => void }} Keyed
 */

/**
 * Shows `items` in `container` in order, one element per key, reusing the element of a key
 * that was already shown (and moving it only when its place changed), so focus, text being
 * typed and hover state survive a redraw.
 * @template T
 * @param {HTMLElement} container
 * @param {Map<string, Keyed<T>>} cache the entries shown now, kept by the caller
 * @param {T[]} items
 * @param {(item: T) => string} keyOf
 * @param {(item: T) => Keyed<T>} make
 */
export function keyedList(container, cache, items, keyOf, make) {
  const seen = new Set();
  items.forEach((item, index) => {
    const key = keyOf(item);
    seen.add(key);
    let entry = cache.get(key);
    if (!entry) {
      entry = make(item);
      cache.set(key, entry);
    }
    entry.update(item);
    const at = container.children[index];
    if (at !== entry.el) container.insertBefore(entry.el, at ?? null);
  });
  for (const [key, entry] of cache) {
    if (!seen.has(key)) {
      entry.el.remove();
      cache.delete(key);
    }
  }
  // Anything else left at the end (an empty-state line) goes.
  while (container.children.length > items.length) container.lastElementChild?.remove();
}

/** Whether keyboard focus is in a place where keys type text (then shortcuts stay away). */
export function typingInField() {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || el.matches('input, textarea, select');
}

/**
 * Replaces the text of `el` only if it changed (a redraw then costs nothing and a selection in
 * it survives).
 * @param {HTMLElement} el
 * @param {string} text
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * "How it works" for a step, folded away (the step heading already says what to do now); the
 * person's choice to open it is kept across redraws.
 * @param {number} step
 * @param {{ openPanels: Set<string> }} ctx
 */
export function howItWorks(step, ctx) {
  const key = `how.${step}`;
  const el = h(
    'details',
    {
      class: 'card how-fold',
      open: ctx.openPanels.has(key),
      ontoggle: () => (el.open ? ctx.openPanels.add(key) : ctx.openPanels.delete(key)),
    },
    h('summary', { class: 'card-head' }, h('h2', { class: 'section-title' }, t('room.how'))),
    h(
      'ol',
      { class: 'how' },
      stepText(step, 'how')
        .split('\n')
        .map((line) => h('li', null, line)),
    ),
  );
  return el;
}
