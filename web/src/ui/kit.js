// The toolkit every view is built from: names and ids, who may do what, and the small
// components (avatar, tabs that show there is more, a two-click confirm, inline editing, a
// screen-reader announcer, toasts). Text always goes in as text nodes: nothing here, nor in
// any view, turns a person's words into HTML.

import { html, signal, useEffect, useRef, useState } from '../../vendor/preact.js';
import { app } from '../app.js';
import { LANGUAGES, LANGUAGE_NAMES, LENSES, language, lensLabel, setLanguage, t } from '../i18n.js';
import { loadDraft, saveDraft } from '../saved.js';
import { useMedia } from './media.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').MemberId} MemberId */
/** @typedef {import('../protocol').Member} Member */
/** @typedef {import('../protocol').Team} Team */
/** @typedef {import('../protocol').Cluster} Cluster */
/** @typedef {import('../protocol').You} You */

/** A member's display name, or "Someone" for an id the room does not know (yet). */
/** @param {RoomState} room @param {MemberId | undefined | null} id */
export function nameOf(room, id) {
  return (id && room.members[id]?.name) || t('who.someone');
}

/** @param {RoomState} room @param {MemberId[]} ids the names, alphabetically, with commas */
export function namesOf(room, ids) {
  return ids
    .map((id) => nameOf(room, id))
    .sort((a, b) => a.localeCompare(b))
    .join(', ');
}

/** @param {RoomState} room @returns {Member[]} participants (not facilitators), in joining order */
export function participantsOf(room) {
  return Object.values(room.members)
    .filter((m) => m.role === 'participant')
    .sort((a, b) => a.joined_at - b.joined_at || a.id.localeCompare(b.id));
}

/**
 * A fresh id for an item a command creates. Not only `crypto.randomUUID`: that exists only on
 * https and localhost, and rooms also run on plain http inside a company network.
 */
export function newId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A new post-it's id: its author's member id, a colon and a random part. The room refuses any
 * other, so that nobody can probe for someone else's private notes by id.
 * @param {MemberId} author
 */
export function noteId(author) {
  return `${author}:${newId().replaceAll('-', '').slice(0, 16)}`;
}

/** "Help me build stronger teams", the prefix in the reader's language. @param {string} text */
export function helpMe(text) {
  return `${t('note.prefix')} ${text}`;
}

/** @param {You} you */
export const isFacilitator = (you) => you.role === 'facilitator';

/** Whether this person may change anything: a member, in an open room. @param {You} you @param {RoomState} room */
export const canEdit = (you, room) => you.role !== 'viewer' && !!you.member_id && !room.closed;

/** @param {Cluster | undefined} cluster its name, or "Unnamed cluster" */
export const clusterLabel = (cluster) => cluster?.name || t('wall.cluster.unnamed');

/** "Team 2 · Decision makers" once it has taken a cluster. @param {RoomState} room @param {Team} team */
export function teamLabel(room, team) {
  const cluster = team.cluster ? room.wall.clusters[team.cluster] : undefined;
  const base = t('team.name', { n: team.id });
  return cluster ? `${base} · ${clusterLabel(cluster)}` : base;
}

/** @param {RoomState} room @param {MemberId | undefined} member the team `member` is in */
export function teamOf(room, member) {
  return member ? room.assessment.teams.find((team) => team.members.includes(member)) : undefined;
}

/** The text of category `n` (1-6) in the room's lens. @param {number} n */
export const categoryText = (n) => t(/** @type {import('../i18n.js').Key} */ (`step.5.cat.${n}`));

/** A `YYYY-MM-DD` date as the reader writes dates ("15 Jan 2027"). @param {string} iso */
export function formatDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/**
 * An area's follow-up as labelled parts, those it has ("Owner: Ana", "Due: 15 Jan 2027"):
 * the summary, the projector and a read-only step 6 join them their own way.
 * @param {{ owner?: string | null, due?: string | null }} area
 * @returns {string[]}
 */
export function followUpParts(area) {
  return [
    area.owner ? t('follow.owner.ro', { name: area.owner }) : '',
    area.due ? t('follow.due.ro', { date: formatDate(area.due) }) : '',
  ].filter(Boolean);
}

/** @template T @param {T[]} list @param {(x: T) => number} key oldest first, ties by id */
export function byTime(list, key) {
  return [...list].sort((a, b) => key(a) - key(b));
}

/** @param {string} name up to two initials */
export function initialsOf(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => (Array.from(word)[0] ?? '').toUpperCase())
    .join('');
}

/** Number of person colours in style.css (`--hue-0` to `--hue-7`). */
const HUES = 8;

/** @type {{ members: object | null, size: number, order: Map<string, number> }} */
const joinOrder = { members: null, size: 0, order: new Map() };

/**
 * Where each member of the loaded room stands in the order they joined (the same on every
 * screen), recomputed only when someone joins.
 * @returns {Map<string, number>}
 */
function membersInJoinOrder() {
  const members = app.store?.view?.room.members;
  if (!members) return joinOrder.order;
  const size = Object.keys(members).length;
  if (joinOrder.members !== members || joinOrder.size !== size) {
    const sorted = Object.values(members).sort((a, b) => a.joined_at - b.joined_at || (a.id < b.id ? -1 : 1));
    joinOrder.order = new Map(sorted.map((m, i) => [m.id, i]));
    Object.assign(joinOrder, { members, size });
  }
  return joinOrder.order;
}

/**
 * A stable colour index for an id. A member of the room gets the next colour in the order
 * people joined, so that the first eight all differ (a hash gave two of three writers of one
 * sentence the same colour); anything else (a cluster) a hash of its id.
 * @param {string} id
 */
export function hueOf(id) {
  const joined = membersInJoinOrder().get(id);
  if (joined !== undefined) return joined % HUES;
  let sum = 0;
  for (const ch of id) sum = (sum * 31 + ch.charCodeAt(0)) >>> 0;
  return sum % HUES;
}

/** A round avatar with a member's initials, in their own colour on every screen. */
/** @param {{ name: string, id: string, size?: 'small' | 'large', off?: boolean }} props */
export function Avatar({ name, id, size, off }) {
  return html`<span class="avatar hue-${hueOf(id)} ${size ?? ''} ${off ? 'off' : ''}" aria-hidden="true"
    >${initialsOf(name)}</span
  >`;
}

/** The product mark and name, a link home. */
/**
 * A raised hand, drawn (not an emoji, which a projector's system may lack a font for); it takes
 * the text's size and colour. The shape follows Lucide's "hand" icon (ISC licence).
 * @param {{ label?: string }} props a label when the icon stands alone
 */
export function HandIcon({ label }) {
  return html`<svg
    class="icon"
    viewBox="0 0 24 24"
    width="1.1em"
    height="1.1em"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    role=${label ? 'img' : null}
    aria-label=${label || null}
    aria-hidden=${label ? null : 'true'}
    focusable="false"
  >
    ${label ? html`<title>${label}</title>` : null}
    <path d="M18 11V6a2 2 0 0 0-4 0v5" />
    <path d="M14 10V4a2 2 0 0 0-4 0v6" />
    <path d="M10 10.5V6a2 2 0 0 0-4 0v8" />
    <path d="M18 8a2 2 0 1 1 4 0v6a8 8 0 0 1-8 8h-2c-2.8 0-4.5-.86-5.99-2.34l-3.6-3.6a2 2 0 0 1 2.83-2.82L7 15" />
  </svg>`;
}

export function Brand() {
  return html`<a class="brand" href="/" aria-label=${t('app.name')}>
    <svg viewBox="0 0 24 24" aria-hidden="true" class="brand-mark"><path d="M6 20V11a6 6 0 0 1 12 0v9" /></svg>
    <span>${t('app.name')}</span>
  </a>`;
}

/** This person's own language. */
/** Below this width the language picker names each language by its code ("PT", not "Port"). */
const NARROW_PICKER = '(max-width: 960px)';

export function LanguagePicker() {
  const narrow = useMedia(NARROW_PICKER);
  return html`<label class="lang-picker">
    <span class="sr-only">${t('room.language')}</span>
    <select
      data-testid="language"
      value=${language()}
      title=${LANGUAGE_NAMES[language()]}
      onChange=${(/** @type {Event} */ ev) =>
        setLanguage(/** @type {import('../protocol').Language} */ (/** @type {HTMLSelectElement} */ (ev.target).value))}
    >
      ${LANGUAGES.map((l) => html`<option value=${l}>${narrow ? l.toUpperCase() : LANGUAGE_NAMES[l]}</option>`)}
    </select>
  </label>`;
}

/** The lens and room-language selects of the home page and the settings. */
/** @param {{ value: string, onChange: (v: any) => void, name: string }} props */
export function LensSelect({ value, onChange, name }) {
  return html`<select name=${name} value=${value} onChange=${(/** @type {any} */ e) => onChange(e.target.value)}>
    ${LENSES.map((l) => html`<option value=${l}>${lensLabel(l)}</option>`)}
  </select>`;
}

/** @param {{ value: string, onChange: (v: any) => void, name: string }} props */
export function LanguageSelect({ value, onChange, name }) {
  return html`<select name=${name} value=${value} onChange=${(/** @type {any} */ e) => onChange(e.target.value)}>
    ${LANGUAGES.map((l) => html`<option value=${l}>${LANGUAGE_NAMES[l]}</option>`)}
  </select>`;
}

/** A labelled control with optional help under it. */
/** @param {{ label: string, help?: string, children: any, class?: string }} props */
export function Field({ label, help, children, class: cls }) {
  return html`<label class="field ${cls ?? ''}">
    <span class="field-label">${label}</span>
    ${children} ${help ? html`<span class="field-help">${help}</span>` : null}
  </label>`;
}

/**
 * Tabs in a row that scrolls sideways, with fades at the edges while there is more to see.
 * @param {{ tabs: { id: string, label: any, badge?: string }[], current: string,
 *   onSelect: (id: string) => void, label: string, testid?: string }} props
 */
export function Tabs({ tabs, current, onSelect, label, testid }) {
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  const [edges, setEdges] = useState('');
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const left = el.scrollLeft > 2;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 2;
      setEdges(`${left ? 'more-left' : ''} ${right ? 'more-right' : ''}`);
    };
    // The chosen tab stays whole in the row, also when the row narrows (a phone turned, a
    // window made smaller) or a tab widens; only the row scrolls, never the page.
    const reveal = () => {
      const tab = el.querySelector('[aria-selected="true"]');
      if (!tab) return;
      const box = tab.getBoundingClientRect();
      const frame = el.getBoundingClientRect();
      if (box.right > frame.right) el.scrollLeft += box.right - frame.right;
      if (box.left < frame.left) el.scrollLeft -= frame.left - box.left;
    };
    reveal();
    measure();
    el.addEventListener('scroll', measure, { passive: true });
    const observer = new ResizeObserver(() => {
      reveal();
      measure();
    });
    observer.observe(el);
    // A tab grows when its label does (a team gets its client type).
    for (const tab of el.children) observer.observe(tab);
    return () => {
      el.removeEventListener('scroll', measure);
      observer.disconnect();
    };
  }, [tabs.length, current]);
  return html`<div class="tabs-frame ${edges}">
    <div class="tabs" role="tablist" aria-label=${label} ref=${ref} data-testid=${testid}>
      ${tabs.map(
        (tab) => html`<button
          type="button"
          role="tab"
          class="tab"
          aria-selected=${String(tab.id === current)}
          data-testid=${`tab-${tab.id}`}
          onClick=${() => onSelect(tab.id)}
        >
          ${tab.label} ${tab.badge ? html`<span class="badge">${tab.badge}</span>` : null}
        </button>`,
      )}
    </div>
  </div>`;
}

/**
 * A button that asks "sure?" on the first click and acts on the second (forgotten after a few
 * seconds).
 * @param {{ label: string, confirm: string, onConfirm: () => void, class?: string, testid?: string, disabled?: boolean }} props
 */
export function ConfirmButton({ label, confirm, onConfirm, class: cls = 'btn btn-secondary btn-small', testid, disabled }) {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!asking) return;
    const timer = setTimeout(() => setAsking(false), 4000);
    return () => clearTimeout(timer);
  }, [asking]);
  return html`<button
    type="button"
    class="${cls} ${asking ? 'confirming' : ''}"
    data-testid=${testid}
    disabled=${disabled}
    onClick=${() => {
      if (!asking) return setAsking(true);
      setAsking(false);
      onConfirm();
    }}
  >
    ${asking ? confirm : label}
  </button>`;
}

/**
 * Inline editing, written once: the text with an Edit button, or a field with Save and Cancel
 * (Enter saves, Escape cancels). A save the server refuses keeps the words in the field.
 * @param {{ text: string, onSave: (text: string) => Promise<boolean | void> | void, label: string,
 *   maxLength: number, editable: boolean, view?: any, multiline?: boolean, testid?: string,
 *   startEditing?: boolean, allowEmpty?: boolean, class?: string }} props
 */
export function InlineEdit(props) {
  const { text, onSave, label, maxLength, editable, view, multiline, testid, allowEmpty } = props;
  const [draft, setDraft] = useState(/** @type {string | null} */ (props.startEditing ? text : null));
  const field = useRef(/** @type {HTMLInputElement | HTMLTextAreaElement | null} */ (null));
  useEffect(() => {
    if (draft !== null) field.current?.focus();
  }, [draft === null]);
  if (draft === null) {
    return html`<span class="inline-view ${props.class ?? ''}">
      ${view ?? html`<span class="inline-text">${text}</span>`}
      ${editable
        ? html`<button
            type="button"
            class="btn btn-ghost btn-icon inline-edit-btn"
            aria-label=${t('inline.edit', { text: text || label })}
            title=${t('note.edit')}
            data-testid=${testid ? `${testid}-edit` : undefined}
            onClick=${() => setDraft(text)}
          >
            ✎
          </button>`
        : null}
    </span>`;
  }
  const save = async () => {
    const next = draft.trim();
    if ((!next && !allowEmpty) || next === text) return setDraft(null);
    const ok = await onSave(next);
    if (ok !== false) setDraft(null);
  };
  const Tag = multiline ? 'textarea' : 'input';
  return html`<form
    class="inline-form inline-editing ${props.class ?? ''}"
    onSubmit=${(/** @type {Event} */ ev) => {
      ev.preventDefault();
      save();
    }}
  >
    <${Tag}
      ref=${field}
      value=${draft}
      maxlength=${maxLength}
      aria-label=${label}
      data-testid=${testid ? `${testid}-field` : undefined}
      onInput=${(/** @type {any} */ ev) => setDraft(ev.target.value)}
      onKeyDown=${(/** @type {KeyboardEvent} */ ev) => {
        if (ev.key === 'Escape') {
          ev.stopPropagation();
          setDraft(null);
        } else if (ev.key === 'Enter' && !ev.shiftKey && multiline) {
          ev.preventDefault();
          save();
        }
      }}
    />
    <button type="submit" class="btn btn-primary btn-small" data-testid=${testid ? `${testid}-save` : undefined}>
      ${t('note.save')}
    </button>
    <button type="button" class="btn btn-ghost btn-small" onClick=${() => setDraft(null)}>${t('note.cancel')}</button>
  </form>`;
}

/** What the screen reader says next (one polite live region for the page). */
export const announcement = signal('');

/** @param {string} message read out by screen readers */
export function announce(message) {
  announcement.value = '';
  requestAnimationFrame(() => (announcement.value = message));
}

export function Announcer() {
  return html`<p class="sr-only" role="status" aria-live="polite">${announcement.value}</p>`;
}

/** @type {import('../../vendor/preact.js').Signal<{ id: number, text: string, kind: string }[]>} */
export const toasts = signal([]);
let toastId = 0;
/** Long enough to read a sentence, short enough not to pile up. */
const TOAST_MS = 6000;

/** @param {string} text @param {string} [kind] */
export function toast(text, kind = '') {
  const id = ++toastId;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => (toasts.value = toasts.value.filter((x) => x.id !== id)), TOAST_MS);
}

export function Toasts() {
  return html`<div class="toasts" role="status" aria-live="polite">
    ${toasts.value.map(
      (item) => html`<div class="toast ${item.kind}" data-testid="toast" key=${item.id}>
        <span>${item.text}</span>
        <button
          class="toast-close"
          type="button"
          aria-label=${t('toast.dismiss')}
          onClick=${() => (toasts.value = toasts.value.filter((x) => x.id !== item.id))}
        >
          ×
        </button>
      </div>`,
    )}
  </div>`;
}

/** A centred card page: join, loading, error. @param {{ children: any }} props */
export function Centred({ children }) {
  return html`<div class="centred-page">
    <header class="topbar topbar-plain"><${Brand} /><span class="spacer"></span><${LanguagePicker} /></header>
    <main class="centred">${children}</main>
  </div>`;
}

/** @param {{ text: string, testid?: string }} props */
export function Spinner({ text, testid }) {
  return html`<div class="loading" data-testid=${testid}>
    <div class="spinner" aria-hidden="true"></div>
    ${text}
  </div>`;
}

/**
 * Says so when a paste is longer than the field takes: a field with `maxlength` keeps the
 * start and drops the rest without a word (a long check-in pasted from a document).
 */
export function watchPastes() {
  document.addEventListener('paste', (ev) => {
    const field = ev.target;
    if (!(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) || field.maxLength <= 0) return;
    const pasted = ev.clipboardData?.getData('text') ?? '';
    const kept = field.value.length - ((field.selectionEnd ?? 0) - (field.selectionStart ?? 0));
    if (kept + pasted.length > field.maxLength) toast(t('paste.cut', { n: field.maxLength }), 'error');
  });
}

/**
 * A name or title as one line: a tab or line break pasted with it (from a spreadsheet, an
 * e-mail) is a space, other control characters go, and spaces at the ends too.
 * @param {string} text
 */
export function oneLine(text) {
  return cleanText(text, true).trim();
}

/**
 * Text as the room takes it: control characters other than line breaks and tabs go (the room
 * refuses them), and in one-line text a run of line breaks and tabs is a space.
 * @param {string} text @param {boolean} single
 */
export function cleanText(text, single) {
  const kept = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '');
  return single ? kept.replace(/[\n\t]+/g, ' ') : kept;
}

/**
 * Whether keyboard focus is where keys type text (shortcuts stay away then): a field, or a
 * shared text's card, whose Ctrl+Z undoes one's own words in it (ui/sharedtext.js).
 */
export function typingInField() {
  const el = document.activeElement;
  return el instanceof HTMLElement && (el.isContentEditable || el.matches('input, textarea, select, .shared-text-open'));
}

/** How long a control that moves the room on stays still after the room moved (ms). */
export const SETTLE_MS = 1000;

/**
 * Whether `value` (the room's step, the current speaker) changed less than SETTLE_MS ago: the
 * control that moves it on waits, so that two facilitators pressing Next a moment apart move
 * the room once, not twice (the second press lands on the step the first one reached).
 * @param {unknown} value
 */
export function useSettling(value) {
  const [settling, setSettling] = useState(false);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    setSettling(true);
    const timer = setTimeout(() => setSettling(false), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [value]);
  return settling;
}

/**
 * The text of a composer that survives a reload: kept in this browser for this room and this
 * person under `name` while it is written, forgotten once it is empty (added, or dropped).
 * `null` is a composer that is closed.
 * @param {string} name which composer ("note", "card:2:3:failed")
 * @returns {[string | null, (text: string | null | ((now: string | null) => string | null)) => void]}
 */
export function useDraft(name) {
  const me = app.store.view?.you.member_id ?? '';
  const [text, setText] = useState(() => (me ? loadDraft(app.roomId, me, name) : null));
  const latest = useRef(text);
  // Stored at once, not after the next paint: a reload may come right after a keystroke.
  /** @param {string | null | ((now: string | null) => string | null)} next */
  const set = (next) => {
    const value = typeof next === 'function' ? next(latest.current) : next;
    latest.current = value;
    if (me) saveDraft(app.roomId, me, name, value || null);
    setText(value);
  };
  return [text, set];
}
