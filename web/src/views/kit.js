// Small pieces shared by the boards of steps 4-6, the export panel and the report: the caps
// mirrored from protocol/src/limits.rs, fresh item ids, who may edit, names, the six
// categories, a screen-reader announcer and a two-click confirm button.

import { h } from '../dom.js';
import { language, t, tIn } from '../i18n.js';

/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').MemberId} MemberId */
/** @typedef {import('../protocol').Team} Team */
/** @typedef {import('../protocol').Cluster} Cluster */
/** @typedef {import('../protocol').Language} Language */

/** The wall's size in its own units (`WALL_WIDTH` x `WALL_HEIGHT`). */
export const WALL_WIDTH = 4000;
export const WALL_HEIGHT = 3000;
/** Longest "Help me ..." post-it, without the prefix. */
export const MAX_NOTE_CHARS = 200;
/** Longest cluster name. */
export const MAX_CLUSTER_NAME_CHARS = 60;
/** Longest assessment example. */
export const MAX_CARD_CHARS = 300;
/** Longest area for improvement. */
export const MAX_AREA_CHARS = 200;
/** Longest owner name on a follow-up. */
export const MAX_OWNER_CHARS = 80;
/** Most dots a facilitator may give each person. */
export const MAX_DOTS = 20;
/** Ratings run from 1 to this (0 clears). */
export const MAX_RATING = 5;
/** The categories of behaviour on a team's board, 1 to 6. */
export const CATEGORIES = [1, 2, 3, 4, 5, 6];

/**
 * A fresh id for a post-it, cluster, card or area. `crypto.randomUUID` exists only in secure
 * contexts (https, localhost); a room served over plain http on a LAN still needs ids.
 */
export function newId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * "Help me build stronger teams": the prefix belongs to the note, so it is in the room's
 * language whatever language the reader chose.
 * @param {Language} roomLanguage
 * @param {string} text what follows the prefix
 */
export function helpMe(roomLanguage, text) {
  return `${tIn(roomLanguage, 'note.prefix')} ${text}`;
}

/**
 * A `YYYY-MM-DD` date as the reader writes dates ("15 Jan 2027").
 * @param {string} iso
 */
export function formatDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** @param {RoomView} view whether this person may change anything (a member, room open) */
export function canEdit(view) {
  return view.you.role !== 'viewer' && !!view.you.member_id && !view.room.closed;
}

/** @param {RoomView} view */
export function isFacilitator(view) {
  return view.you.role === 'facilitator';
}

/**
 * A member's display name ("?" for someone the room no longer knows).
 * @param {RoomState} room
 * @param {MemberId | undefined} id
 */
export function nameOf(room, id) {
  return (id && room.members[id]?.name) || '?';
}

/**
 * The members' names, alphabetically, joined with commas.
 * @param {RoomState} room
 * @param {MemberId[]} ids
 */
export function namesOf(room, ids) {
  return ids
    .map((id) => nameOf(room, id))
    .sort((a, b) => a.localeCompare(b))
    .join(', ');
}

/** @param {Cluster | undefined} cluster its name, or "Unnamed cluster" */
export function clusterLabel(cluster) {
  return cluster?.name || t('wall.cluster.unnamed');
}

/**
 * "Team 2", or "Team 2 · Decision makers" when it has taken a cluster.
 * @param {RoomState} room
 * @param {Team} team
 */
export function teamLabel(room, team) {
  const cluster = team.cluster ? room.wall.clusters[team.cluster] : undefined;
  const base = t('team.name', { n: team.id });
  return cluster ? `${base} · ${clusterLabel(cluster)}` : base;
}

/**
 * The team `member` is in.
 * @param {RoomState} room
 * @param {MemberId | undefined} member
 */
export function teamOf(room, member) {
  return member ? room.assessment.teams.find((team) => team.members.includes(member)) : undefined;
}

/**
 * The text of category `n` (1-6) in the room's lens.
 * @param {number} n
 */
export function categoryText(n) {
  return t(/** @type {import('../i18n.js').Key} */ (`step.5.cat.${n}`));
}

/**
 * A visually hidden live region; `say` puts a message in it for screen readers.
 * @returns {{ el: HTMLElement, say: (message: string) => void }}
 */
export function announcer() {
  const el = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    say(message) {
      // A changed text node is what assistive technology reads out.
      el.textContent = '';
      requestAnimationFrame(() => (el.textContent = message));
    },
  };
}

/**
 * A button that asks "sure?" on the first click and acts on the second (cancelled by
 * leaving it alone for a few seconds).
 * @param {{ label: string, confirm: string, action: () => void, className?: string, testid?: string }} options
 */
export function confirmButton({ label, confirm, action, className = 'btn btn-secondary btn-small', testid }) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  const button = h(
    'button',
    {
      type: 'button',
      class: className,
      'data-testid': testid,
      onclick: () => {
        if (timer === null) {
          button.textContent = confirm;
          button.classList.add('confirming');
          timer = setTimeout(reset, 4000);
          return;
        }
        reset();
        action();
      },
    },
    label,
  );
  function reset() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    button.textContent = label;
    button.classList.remove('confirming');
  }
  return button;
}

/**
 * Re-renders `container` with `build()` while keeping keyboard focus on the control that had
 * it (matched by `data-focus`), so live updates never throw a keyboard user out.
 * @param {HTMLElement} container
 * @param {() => Node[]} build
 */
export function rebuildKeepingFocus(container, build) {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.focus : undefined;
  // What is being typed in the focused field survives the rebuild too.
  const typing =
    active instanceof HTMLTextAreaElement ||
    (active instanceof HTMLInputElement && active.type !== 'checkbox')
      ? { value: active.value, start: active.selectionStart, end: active.selectionEnd }
      : null;
  const nodes = build();
  container.replaceChildren(...nodes);
  if (key) {
    const again = container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
    if (again instanceof HTMLElement) {
      if (typing && (again instanceof HTMLTextAreaElement || again instanceof HTMLInputElement)) {
        again.value = typing.value;
        try {
          again.setSelectionRange(typing.start, typing.end);
        } catch {
          // Date and number fields have no text selection.
        }
      }
      again.focus();
    }
  }
}

/**
 * A short "How it works" list, folded until the person opens it (the "Now" box says what to do).
 * @param {string} how the step's `how` text, one item per line
 * @param {Set<string>} openPanels
 * @param {string} panelKey
 */
export function howItWorks(how, openPanels, panelKey) {
  const el = h(
    'details',
    {
      class: 'card how-card',
      open: openPanels.has(panelKey),
      ontoggle: () => (el.open ? openPanels.add(panelKey) : openPanels.delete(panelKey)),
    },
    h('summary', null, h('span', { class: 'section-title' }, t('room.how'))),
    h(
      'ol',
      { class: 'how' },
      how.split('\n').map((line) => h('li', null, line)),
    ),
  );
  return el;
}
