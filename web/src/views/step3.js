// Step 3: groups (formed by the facilitator in one click, adjusted by dragging people or with a
// menu; latecomers placed by the server carry a "new" badge), each group's one sentence written
// together on its sheet, every group's sentence live for the others; then the wall: the
// sentences side by side, read out one by one, with highlights, the words they share, and the
// room's working definition.

import { html, useEffect, useRef, useState } from '../../vendor/preact.js';
import { textOf } from '../apply.js';
import { app, send } from '../app.js';
import { language, t, tn } from '../i18n.js';
import { MAX_DEFINITION_CHARS, MAX_WORKING_CHARS } from '../limits.js';
import { Avatar, ConfirmButton, canEdit, isFacilitator, nameOf, newId, participantsOf } from '../ui/kit.js';
import { SharedText } from '../ui/sharedtext.js';
import { PeopleBoard } from './peopleboard.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').Highlight} Highlight */
/** @typedef {import('../protocol').Group} Group */

/** Highlight shades in the stylesheet (`.hl-1` to `.hl-4`). */
const MAX_HIGHLIGHT_SHADE = 4;

/** @param {RoomState} room @returns {Group[]} */
export const groupsOf = (room) => [...room.definitions.groups].sort((a, b) => a.id - b.id);

/** What a group's sentence reads now. @param {RoomState} room @param {number} group */
export const definitionOf = (room, group) => textOf(room, { kind: 'definition', group });

export function Step3() {
  const room = app.store.room('definitions');
  const you = app.store.presence$().you;
  const onWall = room.definitions.wall.shown;
  return html`<div class="board board-step3 ${onWall ? 'on-wall' : ''}" data-testid="board-step3">
    ${onWall
      ? html`<${DefWall} /><div class="shared-words"><${CommonTerms} /><${WorkingDefinition} /></div>`
      : html`${isFacilitator(you) ? html`<${Groups} /><${WallSwitch} />` : null}
          ${you.role === 'participant' ? html`<${MySheet} />` : null}
          <${Definitions} />
          ${room.definitions.working ? html`<${WorkingDefinition} />` : null}`}
  </div>`;
}

function Groups() {
  const room = app.store.room('definitions', 'members', 'settings', 'closed');
  const view = app.store.presence$();
  const groups = groupsOf(room);
  const size = room.settings.group_size;
  const present = participantsOf(room).filter((m) => view.online.has(m.id)).length;
  const editable = canEdit(view.you, room);
  return html`<section class="card groups-card">
    <div class="card-head">
      <h2 class="card-title">${t('groups.heading')}</h2>
      ${groups.length
        ? // Groups may be writing their sentences: reshuffling everyone asks first, as step 5 does.
          html`<${ConfirmButton}
            label=${t('groups.reform')}
            confirm=${t('groups.reform.confirm')}
            class="btn btn-secondary"
            testid="groups-form"
            disabled=${present === 0 || !editable}
            onConfirm=${() => send({ type: 'groups.form' })}
          />`
        : html`<button
            type="button"
            class="btn btn-primary"
            data-testid="groups-form"
            disabled=${present === 0 || !editable}
            onClick=${() => send({ type: 'groups.form' })}
          >
            ${t('groups.form')}
          </button>`}
    </div>
    <p class="muted small" data-testid="groups-summary">
      ${groups.length ? t('groups.summary', { n: groups.length, size }) : present ? t('groups.help', { n: present, size }) : t('groups.nobody')}
    </p>
    <${PeopleBoard}
      kind="group"
      sets=${groups}
      people=${participantsOf(room)}
      title=${(/** @type {number} */ id) => t('groups.group', { n: id })}
      movable=${editable}
      onMove=${(/** @type {string} */ member, /** @type {number | undefined} */ group) =>
        send(group === undefined ? { type: 'group.move', member_id: member } : { type: 'group.move', member_id: member, group })}
    />
  </section>`;
}

function WallSwitch() {
  const room = app.store.room('definitions', 'closed');
  if (room.definitions.groups.length === 0) return null;
  return html`<div class="defwall-switch card">
    <p class="small">${t('defwall.show.help')}</p>
    <button type="button" class="btn btn-primary" data-testid="wall-show" disabled=${room.closed} onClick=${() => send({ type: 'wall.show', shown: true })}>
      ${t('defwall.show')}
    </button>
  </div>`;
}

/** A participant's own group: who is in it, and the sheet they write their sentence on. */
function MySheet() {
  const room = app.store.room('definitions', 'members', 'closed', 'texts');
  const view = app.store.presence$();
  const me = view.you.member_id;
  const group = room.definitions.groups.find((g) => g.members.includes(me ?? ''));
  if (!group) {
    const formed = room.definitions.groups.length > 0;
    return html`<p class="empty card" data-testid="no-group">${t(formed ? 'groups.not_in' : 'groups.waiting')}</p>`;
  }
  const editors = room.texts[`definition:${group.id}`]?.editors ?? [];
  return html`<section class="card sheet" data-testid="my-definition" data-group=${group.id}>
    <header class="sheet-head">
      <h2 class="sheet-title">${t('sheet.title', { n: group.id })}</h2>
      <div class="sheet-members">
        ${group.members.map(
          (id) => html`<span class="sheet-member ${view.online.has(id) ? '' : 'offline'}" key=${id} title=${nameOf(room, id)}>
            <${Avatar} name=${nameOf(room, id)} id=${id} off=${!view.online.has(id)} />
            <span class="sheet-member-name">${id === me ? t('presence.you') : nameOf(room, id)}</span>
          </span>`,
        )}
      </div>
    </header>
    <${SharedText}
      target=${{ kind: 'definition', group: group.id }}
      editable=${canEdit(view.you, room)}
      label=${t('sheet.label', { n: group.id })}
      placeholder=${t('sheet.placeholder')}
      maxLength=${MAX_DEFINITION_CHARS}
      rows=${4}
      testid="definition-input"
    />
    <p class="sheet-foot muted small" data-testid="definition-status">
      ${editors.length
        ? t('sheet.written_by', { names: editors.map((id) => (id === me ? t('sheet.by_you') : nameOf(room, id))).join(', ') })
        : t('sheet.free')}
    </p>
  </section>`;
}

/** Every group's sentence as it is written (live): for a participant the other groups'. */
function Definitions() {
  const room = app.store.room('definitions', 'members', 'closed');
  const you = app.store.presence$().you;
  const me = you.member_id ?? '';
  const groups = groupsOf(room).filter((g) => !(you.role === 'participant' && g.members.includes(me)));
  // A facilitator may mend any group's sentence (a typo before it goes up on the wall): the
  // card opens to write in, as the group's own field does.
  const fac = isFacilitator(you) && !room.closed;
  if (groups.length === 0)
    return isFacilitator(you) && room.definitions.groups.length === 0 ? html`<p class="empty">${t('def.none.facilitator')}</p>` : null;
  return html`<section class="definitions">
    <h2 class="section-title">${you.role === 'participant' ? t('def.other_groups') : t('def.all_groups')}</h2>
    <div class="def-grid" data-testid="definitions">
      ${groups.map(
        (g) => html`<article class="card def-card" key=${g.id} data-group=${g.id}>
          <h3 class="def-title">${t('groups.group', { n: g.id })}</h3>
          <p class="def-members muted small">${g.members.map((id) => nameOf(room, id)).join(', ')}</p>
          <div class="def-text" data-testid="definition-text">
            <${SharedText}
              target=${{ kind: 'definition', group: g.id }}
              editable=${fac}
              label=${t('groups.group', { n: g.id })}
              maxLength=${MAX_DEFINITION_CHARS}
              placeholder=${t('def.nothing_yet')}
              testid=${fac ? 'definition-fix' : undefined}
              compact=${fac}
            />
          </div>
        </article>`,
      )}
    </div>
  </section>`;
}

/** The wall: every sentence side by side, read out one by one, with highlights. */
function DefWall() {
  const room = app.store.room('definitions', 'members', 'closed');
  const you = app.store.presence$().you;
  const { wall, highlights } = room.definitions;
  const groups = groupsOf(room);
  const ids = groups.map((g) => g.id);
  const at = ids.indexOf(wall.reading ?? -1);
  const fac = isFacilitator(you) && canEdit(you, room);
  const mayHighlight = canEdit(you, room);
  const grid = useRef(/** @type {HTMLDivElement | null} */ (null));
  const [picked, setPicked] = useState(/** @type {(Picked & { x: number, y: number }) | null} */ (null));
  useEffect(() => {
    if (!mayHighlight) return;
    const onSelection = () => {
      const chosen = grid.current ? pickedText(grid.current) : null;
      if (!chosen) return setPicked(null);
      const box = /** @type {Selection} */ (document.getSelection()).getRangeAt(0).getBoundingClientRect();
      const frame = /** @type {HTMLElement} */ (grid.current).getBoundingClientRect();
      setPicked({ ...chosen, x: box.left - frame.left + box.width / 2, y: box.top - frame.top });
    };
    document.addEventListener('selectionchange', onSelection);
    return () => document.removeEventListener('selectionchange', onSelection);
  }, [mayHighlight]);
  const read = (/** @type {number} */ delta) => {
    const to = at < 0 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + delta));
    send({ type: 'wall.read', group: ids[to] });
  };
  return html`<section class="defwall" data-testid="def-wall">
    <div class="defwall-head">
      <h2 class="defwall-title">${t('defwall.heading')}</h2>
      <p class="defwall-reading" data-testid="wall-reading">
        ${wall.reading !== undefined ? t('defwall.reading', { n: wall.reading }) : t('defwall.not_reading')}
      </p>
      ${fac
        ? html`<div class="defwall-controls">
            <button type="button" class="btn btn-secondary btn-small" data-testid="wall-prev" disabled=${at <= 0} onClick=${() => read(-1)}>← ${t('defwall.prev')}</button>
            <button type="button" class="btn btn-primary btn-small" data-testid="wall-next" disabled=${at === ids.length - 1} onClick=${() => read(1)}>
              ${at < 0 ? t('defwall.start') : t('defwall.next')} →
            </button>
            <button type="button" class="btn btn-ghost btn-small" data-testid="wall-hide" onClick=${() => send({ type: 'wall.show', shown: false })}>${t('defwall.hide')}</button>
          </div>`
        : null}
    </div>
    ${mayHighlight ? html`<p class="field-help">${t('defwall.highlight_help')}</p>` : null}
    <div class="defwall-grid" ref=${grid} data-count=${Math.min(groups.length, 4)}>
      ${groups.map((g) => {
        const mine = Object.values(highlights)
          .filter((hl) => hl.group === g.id)
          .sort((a, b) => a.start - b.start || a.end - b.end || a.id.localeCompare(b.id));
        const reading = wall.reading === g.id;
        return html`<article key=${g.id} class="defwall-card ${reading ? 'reading' : ''} ${wall.reading !== undefined && !reading ? 'dimmed' : ''}" data-group=${g.id}>
          <header class="defwall-card-head">
            <h3>${t('groups.group', { n: g.id })}</h3>
            ${reading ? html`<span class="reading-pill" data-testid="reading-marker">${t('defwall.reading_now')}</span>` : null}
            ${fac && !reading
              ? html`<button type="button" class="btn btn-ghost btn-small" data-testid="wall-read" onClick=${() => send({ type: 'wall.read', group: g.id })}>${t('defwall.read_this')}</button>`
              : null}
          </header>
          <p class="defwall-text" data-group=${g.id} data-testid="defwall-text">
            <${Highlighted} room=${room} text=${definitionOf(room, g.id)} highlights=${mine} />
          </p>
          <ul class="hl-list" data-testid="highlights">
            ${mine.map(
              (hl) => html`<li class="hl-chip" key=${hl.id} data-id=${hl.id}>
                <span class="hl-phrase">“${hl.phrase}”</span>
                <span class="hl-by">${nameOf(room, hl.by)}</span>
                ${you.member_id && (hl.by === you.member_id || fac) && !room.closed
                  ? html`<button
                      type="button"
                      class="hl-remove"
                      data-testid="highlight-remove"
                      title=${t('defwall.remove_highlight')}
                      aria-label=${`${t('defwall.remove_highlight')}: ${hl.phrase}`}
                      onClick=${() => send({ type: 'highlight.remove', id: hl.id })}
                    >
                      ×
                    </button>`
                  : null}
              </li>`,
            )}
          </ul>
        </article>`;
      })}
      ${picked
        ? html`<button
            type="button"
            class="btn btn-primary btn-small highlight-float"
            data-testid="highlight-selection"
            style=${{ left: `${Math.max(0, picked.x)}px`, top: `${picked.y}px` }}
            onPointerDown=${(/** @type {Event} */ ev) => ev.preventDefault()}
            onClick=${() => {
              setPicked(null);
              document.getSelection()?.removeAllRanges();
              send({ type: 'highlight.add', id: newId(), group: picked.group, start: picked.start, end: picked.end });
            }}
          >
            ${t('defwall.highlight')}
          </button>`
        : null}
    </div>
  </section>`;
}

/**
 * A definition with its highlights: each stretch covered by the same highlights is one `mark`,
 * deeper the more people chose it, titled with who did. Highlights count UTF-16 units, as
 * JavaScript strings do.
 * @param {{ room: RoomState, text: string, highlights: Highlight[] }} props
 */
export function Highlighted({ room, text, highlights }) {
  if (text.length === 0) return html`<span class="placeholder">${t('def.nothing_yet')}</span>`;
  /** @type {Highlight[][]} */
  const cover = Array.from({ length: text.length }, () => []);
  for (const hl of highlights) for (let i = Math.max(0, hl.start); i < Math.min(hl.end, text.length); i += 1) cover[i].push(hl);
  const out = [];
  let i = 0;
  while (i < text.length) {
    const key = cover[i].map((hl) => hl.id).join(',');
    let j = i + 1;
    while (j < text.length && cover[j].map((hl) => hl.id).join(',') === key) j += 1;
    const piece = text.slice(i, j);
    const over = cover[i];
    if (over.length === 0) out.push(piece);
    else {
      const people = [...new Set(over.map((hl) => nameOf(room, hl.by)))];
      out.push(html`<mark class="hl hl-${Math.min(people.length, MAX_HIGHLIGHT_SHADE)}" title=${t('defwall.highlighted_by', { names: people.join(', ') })}>${piece}</mark>`);
    }
    i = j;
  }
  return out;
}

/** @typedef {{ group: number, start: number, end: number, phrase: string }} Picked */

/** The selection if it lies inside one definition on the wall, as character offsets. @param {HTMLElement} grid @returns {Picked | null} */
function pickedText(grid) {
  const selection = document.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const start = range.startContainer instanceof Element ? range.startContainer : range.startContainer.parentElement;
  const box = start?.closest('.defwall-text');
  if (!(box instanceof HTMLElement) || !grid.contains(box) || !box.contains(range.endContainer) || box.querySelector('.placeholder'))
    return null;
  const text = box.textContent ?? '';
  const before = document.createRange();
  before.selectNodeContents(box);
  before.setEnd(range.startContainer, range.startOffset);
  let from = before.toString().length;
  before.setEnd(range.endContainer, range.endOffset);
  let to = before.toString().length;
  while (from < to && /\s/.test(text[from])) from += 1;
  while (to > from && /\s/.test(text[to - 1])) to -= 1;
  if (from >= to) return null;
  return { group: Number(box.dataset.group), start: from, end: to, phrase: text.slice(from, to) };
}

/** The words the definitions share (computed by the server), with their highlight counts. */
export function CommonTerms() {
  const room = app.store.room('definitions');
  const common = room.definitions.common;
  return html`<section class="card common-card">
    <h2 class="card-title">${t('common.heading')}</h2>
    <p class="field-help">${t('common.help')}</p>
    ${common.length === 0 ? html`<p class="muted small">${t('common.empty')}</p>` : null}
    <ol class="common-terms" data-testid="common-terms">
      ${common.map(
        (term) => html`<li class="common-term ${term.highlights > 0 ? 'highlighted' : ''}" key=${term.term} data-term=${term.term}>
          <span class="common-word">${term.term}</span>
          <span class="common-counts">
            <span class="count-defs" title=${t('common.in_defs.title')}>${tn('common.in_defs', term.definitions)}</span>
            ${term.highlights > 0 ? html`<span class="count-hl" title=${t('common.highlights.title')}>${tn('common.highlights', term.highlights)}</span>` : null}
          </span>
        </li>`,
      )}
    </ol>
  </section>`;
}

/**
 * A first draft of the working definition, as a sentence: the highlighted phrases (most
 * highlighted first), else the words most definitions share, joined into "{Centricity} means
 * a, b and c."
 * @param {RoomState} room
 */
export function suggestion(room) {
  const defs = room.definitions;
  /** @type {Map<string, { phrase: string, n: number }>} */
  const phrases = new Map();
  for (const hl of Object.values(defs.highlights)) {
    const key = hl.phrase.toLowerCase();
    const entry = phrases.get(key) ?? { phrase: hl.phrase, n: 0 };
    entry.n += 1;
    phrases.set(key, entry);
  }
  const picked = [...phrases.values()].sort((a, b) => b.n - a.n).map((p) => p.phrase.replace(/[.;,:!?]+$/, ''));
  const words = picked.length ? picked : defs.common.filter((c) => c.definitions > 1).map((c) => c.term);
  if (words.length === 0) return defs.working;
  const list = new Intl.ListFormat(language(), { type: 'conjunction' }).format(words.slice(0, 6));
  return t('working.sentence', { list });
}

/** The room's working definition: shown to all, set by the facilitator from the highlights. */
export function WorkingDefinition() {
  const room = app.store.room('definitions', 'closed');
  const you = app.store.presence$().you;
  const fac = isFacilitator(you) && canEdit(you, room);
  const working = room.definitions.working;
  const [draft, setDraft] = useState(/** @type {string | null} */ (null));
  const editing = fac && (draft !== null || !working);
  const value = draft ?? working;
  return html`<section class="card working-card">
    <div class="card-head">
      <h2 class="card-title">${t('working.heading')}</h2>
      ${fac && !editing ? html`<button type="button" class="btn btn-ghost btn-small" data-testid="working-edit" onClick=${() => setDraft(working)}>${t('working.edit')}</button>` : null}
    </div>
    ${working && !editing ? html`<blockquote class="working-text" data-testid="working-definition">${working}</blockquote>` : null}
    ${!working && !editing ? html`<p class="muted small">${t('working.empty')}</p>` : null}
    ${editing
      ? html`<div class="working-editor">
          ${!working ? html`<p class="muted small">${t('working.empty.facilitator')}</p>` : null}
          <textarea
            rows="3"
            style="--rows: 3"
            maxlength=${MAX_WORKING_CHARS}
            data-testid="working-input"
            aria-label=${t('working.label')}
            placeholder=${t('working.placeholder')}
            value=${value}
            onInput=${(/** @type {any} */ ev) => setDraft(ev.target.value)}
          ></textarea>
          <div class="form-actions">
            <button type="button" class="btn btn-secondary" data-testid="working-suggest" onClick=${() => setDraft(suggestion(room))}>${t('working.suggest')}</button>
            <button
              type="button"
              class="btn btn-primary"
              data-testid="working-set"
              disabled=${!value.trim()}
              onClick=${async () => {
                if ((await send({ type: 'working.set', text: value.trim() })).ok) setDraft(null);
              }}
            >
              ${working ? t('working.update') : t('working.set')}
            </button>
            ${working ? html`<button type="button" class="btn btn-ghost" onClick=${() => setDraft(null)}>${t('note.cancel')}</button>` : null}
          </div>
        </div>`
      : null}
  </section>`;
}

/** The room's working definition as a banner over the later boards. */
export function WorkingBanner() {
  const working = app.store.room('definitions').definitions.working;
  if (!working) return null;
  return html`<aside class="working-banner" data-testid="working-banner">
    <span class="working-banner-label">${t('working.banner')}</span>
    <p class="working-banner-text">${working}</p>
  </aside>`;
}
