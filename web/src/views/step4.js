// Step 4: the wall of "Help me..." post-its fills the screen. Over it float (on a phone: above
// and below it) the member's own notes (written privately until revealed), the facilitator's
// reveal (one person at a time or everyone), whose turn it is, and the view switch: the
// canvas, or the same wall as lists (a page, with those cards beside or above the lists).

import { html, useState } from '../../vendor/preact.js';
import { app, send, sendWords } from '../app.js';
import { Sending } from '../ui/sending.js';
import { stepText, t, tn } from '../i18n.js';
import { MAX_NOTE_CHARS, STEP_COUNT } from '../limits.js';
import { InlineEdit, canEdit, isFacilitator, nameOf, noteId, useDraft } from '../ui/kit.js';
import { useMedia } from '../ui/media.js';
import { WallCanvas } from './wall/canvas.js';
import { WallList } from './wall/list.js';

/** The view each person chose (kept while the page lives). */
let chosenView = /** @type {'wall' | 'list' | null} */ (null);

export function Step4() {
  const you = app.store.presence$().you;
  const narrow = useMedia('(max-width: 760px)');
  const [view, setView] = useState(chosenView ?? (narrow ? 'list' : 'wall'));
  const pick = (/** @type {'wall' | 'list'} */ v) => {
    chosenView = v;
    setView(v);
  };
  const toggle = html`<div class="segmented" role="group" aria-label=${t('wall.view')}>
    <button type="button" class="seg" data-testid="view-wall" aria-pressed=${String(view === 'wall')} onClick=${() => pick('wall')}>${t('wall.view.wall')}</button>
    <button type="button" class="seg" data-testid="view-list" aria-pressed=${String(view === 'list')} onClick=${() => pick('list')}>${t('wall.view.list')}</button>
  </div>`;
  // The composer comes before the wall in the page (it floats over the wall's foot): the
  // keyboard reaches one's own note field first, not after every note on the wall.
  return html`<div class="board board-step4 view-${view}" data-testid="board-step4">
    <div class="wall-float wall-float-top">
      <div class="wall-heading card">
        <p class="eyebrow">${t('room.step_of', { n: 4, total: STEP_COUNT })}</p>
        <h2 class="step-title" data-testid="step-title">${stepText(4, 'title')}</h2>
        <p class="now small" data-testid="now">${stepText(4, 'now')}</p>
        <${Turn} />
      </div>
      <${Pending} facilitator=${isFacilitator(you)} />
      ${view === 'list' ? toggle : null}
    </div>
    ${you.role !== 'viewer' ? html`<div class="wall-float wall-float-bottom"><${Composer} /></div>` : null}
    ${view === 'wall' ? html`<${WallCanvas} interactive=${true} toolbar=${toggle} />` : html`<div class="wall-list-frame"><${WallList} /></div>`}
  </div>`;
}

/** "Ana's notes are on the wall": whose turn it is to place their notes. */
function Turn() {
  const room = app.store.room('wall', 'members');
  const you = app.store.presence$().you;
  const turn = room.wall.turn;
  if (!turn) return null;
  return html`<p class="turn-banner" role="status" data-testid="turn">
    ${turn === you.member_id ? t('turn.you') : t('turn.other', { name: nameOf(room, turn) })}
  </p>`;
}

/** The member's own post-its: a "Help me ..." field, and the notes still private (editable). */
function Composer() {
  const room = app.store.room('wall', 'closed', 'settings');
  const you = app.store.presence$().you;
  const [draft, setText] = useDraft('note');
  const text = draft ?? '';
  const [open, setOpen] = useState(true);
  const mine = Object.values(room.wall.notes)
    .filter((n) => n.author === you.member_id)
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  const hidden = mine.filter((n) => !n.revealed);
  const placed = mine.length - hidden.length;
  const editable = canEdit(you, room);
  return html`<section class="card note-composer ${open ? '' : 'folded'}" data-testid="note-composer" aria-labelledby="composer-heading">
    <div class="card-head">
      <h2 class="card-title" id="composer-heading">${t('note.heading')}</h2>
      <button type="button" class="btn btn-ghost btn-small" aria-expanded=${String(open)} onClick=${() => setOpen(!open)}>
        ${open ? t('note.fold') : t('note.unfold', { n: hidden.length })}
      </button>
    </div>
    ${open
      ? html`<form
            class="note-form"
            data-action="add"
            onSubmit=${async (/** @type {Event} */ ev) => {
              ev.preventDefault();
              const sent = text.trim();
              if (!sent) return;
              await sendWords({ type: 'note.add', id: noteId(you.member_id ?? ''), text: sent }, sent, setText);
            }}
          >
            <label class="note-field">
              <span class="note-prefix" aria-hidden="true">${t('note.prefix')}</span>
              <input
                name="note"
                maxlength=${MAX_NOTE_CHARS}
                autocomplete="off"
                placeholder=${t('note.placeholder')}
                aria-label=${t('note.input.label', { prefix: t('note.prefix') })}
                data-testid="note-input"
                disabled=${!editable}
                value=${text}
                onInput=${(/** @type {any} */ ev) => setText(ev.target.value)}
              />
            </label>
            <button type="submit" class="btn btn-primary" data-testid="note-add" disabled=${!text.trim() || !editable}>${t('note.add')}</button>
          </form>
          <p class="muted small" data-testid="my-notes-summary">
            ${hidden.length ? t('note.private', { n: hidden.length }) : t('note.none_private')} ${placed ? t('note.placed', { n: placed }) : ''}
          </p>
          <ul class="my-notes" data-testid="my-notes">
            ${hidden.map(
              (note) => html`<li class="my-note" key=${note.id} data-id=${note.id}>
                <${InlineEdit}
                  text=${note.text}
                  view=${html`<span class="my-note-text"><span class="note-prefix">${t('note.prefix')}</span> ${note.text}</span>`}
                  label=${t('note.edit.label')}
                  maxLength=${MAX_NOTE_CHARS}
                  editable=${editable}
                  testid="my-note"
                  onSave=${async (/** @type {string} */ next) => (await send({ type: 'note.edit', id: note.id, text: next })).ok}
                />
                ${editable
                  ? html`<button type="button" class="btn btn-ghost btn-small" aria-label=${t('note.delete.aria', { text: note.text })} onClick=${() => send({ type: 'note.delete', id: note.id })}>
                      ${t('note.delete')}
                    </button>`
                  : null}
              </li>`,
            )}
            <${Sending} type="note.add" has=${(/** @type {string} */ id) => id in room.wall.notes} class="my-note" />
          </ul>`
      : null}
  </section>`;
}

/** Who still has private notes, and how many; for a facilitator, the reveal buttons. */
/** @param {{ facilitator: boolean }} props */
function Pending({ facilitator }) {
  const room = app.store.room('wall', 'members', 'closed');
  const view = app.store.presence$();
  const [open, setOpen] = useState(facilitator);
  const people = Object.entries(room.wall.pending)
    .filter(([, n]) => n > 0)
    .map(([id, n]) => ({ id, n, name: nameOf(room, id) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const total = people.reduce((sum, p) => sum + p.n, 0);
  const reveal = facilitator && canEdit(view.you, room);
  return html`<section class="card pending-card ${open ? '' : 'folded'}" data-testid="pending-card">
    <div class="card-head">
      <h2 class="card-title">${facilitator ? t('reveal.heading') : t('reveal.heading.participant')} <span class="chip">${total}</span></h2>
      <button type="button" class="btn btn-ghost btn-small" aria-expanded=${String(open)} onClick=${() => setOpen(!open)}>${open ? t('note.fold') : t('reveal.show')}</button>
    </div>
    ${open
      ? html`${reveal
            ? html`<button type="button" class="btn btn-primary btn-block" data-testid="reveal-all" disabled=${total === 0} onClick=${() => send({ type: 'notes.reveal' })}>
                ${total ? `${t('reveal.all')} (${total})` : t('reveal.all')}
              </button>`
            : null}
          <p class="muted small">${facilitator ? t('reveal.help') : t('reveal.help.participant')}</p>
          <ul class="pending-list" data-testid="pending">
            ${people.length === 0 ? html`<li class="muted small">${t('reveal.nobody')}</li>` : null}
            ${people.map(
              (p) => html`<li class="pending-row ${view.online.has(p.id) ? 'online' : 'offline'}" key=${p.id} data-member=${p.id}>
                <span class="dot"></span><span class="pending-name">${p.name}</span>
                <span class="chip" data-testid="pending-count">${tn('reveal.count', p.n)}</span>
                ${reveal
                  ? html`<button type="button" class="btn btn-secondary btn-small" aria-label=${t('reveal.person.aria', { name: p.name })} onClick=${() => send({ type: 'notes.reveal', member_id: p.id })}>
                      ${t('reveal.person')}
                    </button>`
                  : null}
              </li>`,
            )}
          </ul>`
      : null}
  </section>`;
}
