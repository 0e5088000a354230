// Step 1: the purpose and the broad definition (in the room's lens), each member's check-in,
// the live grid of check-ins, and for a facilitator who has not checked in yet.

import { html, useState } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { t } from '../i18n.js';
import { MAX_CHECKIN_CHARS } from '../limits.js';
import { Avatar, canEdit, isFacilitator, participantsOf } from '../ui/kit.js';

/** @typedef {import('../protocol').Checkin} Checkin */

export function Step1() {
  const you = app.store.presence$().you;
  return html`<div class="board board-step1">
    <div class="step1-top">
      <${Purpose} />
      ${you.role !== 'viewer' ? html`<${CheckinForm} />` : null}
    </div>
    ${isFacilitator(you) ? html`<${CheckinProgress} />` : null}
    <${Checkins} />
  </div>`;
}

export function Purpose() {
  return html`<section class="card purpose" data-testid="purpose">
    <h2 class="card-title">${t('purpose.heading')}</h2>
    <p class="purpose-text">${t('purpose.text')}</p>
    <h2 class="card-title">${t('definition.heading')}</h2>
    <blockquote class="definition">${t('definition.text')}</blockquote>
    <p class="muted small">${t('definition.note')}</p>
  </section>`;
}

/** The member's own check-in; what they type stays theirs until they post it. */
function CheckinForm() {
  const room = app.store.room('checkins', 'closed');
  const you = app.store.presence$().you;
  const saved = you.member_id ? room.checkins[you.member_id] : undefined;
  const [draft, setDraft] = useState(/** @type {{ contribute: string, get_out: string } | null} */ (null));
  const [state, setState] = useState(/** @type {'' | 'sending' | 'posted'} */ (''));
  const values = draft ?? { contribute: saved?.contribute ?? '', get_out: saved?.get_out ?? '' };
  const empty = !values.contribute.trim() && !values.get_out.trim();
  /** @param {'contribute' | 'get_out'} name */
  const area = (name) => html`<label class="field">
    <span class="field-label">${t(`checkin.${name}`)}</span>
    <textarea
      name=${name}
      rows="3"
      style="--rows: 3"
      maxlength=${MAX_CHECKIN_CHARS}
      placeholder=${t(`checkin.${name}.placeholder`)}
      value=${values[name]}
      disabled=${!canEdit(you, room)}
      onInput=${(/** @type {any} */ ev) => {
        setDraft({ ...values, [name]: ev.target.value });
        setState('');
      }}
    ></textarea>
  </label>`;
  return html`<form
    class="card checkin-form"
    data-testid="checkin-form"
    data-action="add"
    onSubmit=${async (/** @type {Event} */ ev) => {
      ev.preventDefault();
      setState('sending');
      const outcome = await send({ type: 'checkin.set', contribute: values.contribute.trim(), get_out: values.get_out.trim() });
      setState(outcome.ok ? 'posted' : '');
      if (outcome.ok) setDraft(null);
    }}
  >
    <h2 class="card-title">${t('checkin.heading')}</h2>
    ${area('contribute')} ${area('get_out')}
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" data-testid="checkin-submit" disabled=${state === 'sending' || empty || room.closed}>
        ${state === 'sending' ? t('checkin.sending') : saved ? t('checkin.update') : t('checkin.post')}
      </button>
      <span class="muted small" role="status">${state === 'posted' ? `✓ ${t('checkin.posted')}` : ''}</span>
    </div>
  </form>`;
}

/** "Checked in: N of M", and who has not yet. */
function CheckinProgress() {
  const room = app.store.room('checkins', 'members');
  const view = app.store.presence$();
  const participants = participantsOf(room);
  const missing = participants.filter((m) => !room.checkins[m.id]);
  const done = participants.length - missing.length;
  return html`<section class="card checkin-progress">
    <p class="progress-count" data-testid="checkin-progress">${t('checkin.progress', { n: done, total: participants.length })}</p>
    <div class="progress"><div class="progress-fill" style=${{ width: `${participants.length ? (done / participants.length) * 100 : 0}%` }}></div></div>
    <div class="waiting" data-testid="checkin-waiting">
      ${participants.length === 0
        ? html`<span class="muted small">${t('presence.empty')}</span>`
        : missing.length === 0
          ? html`<span class="all-in">✓ ${t('checkin.all_in')}</span>`
          : html`<span class="muted small">${t('checkin.waiting')}</span>
              ${missing.map(
                (m) => html`<span class="name-chip ${view.online.has(m.id) ? 'online' : 'offline'}" key=${m.id}><span class="dot"></span><bdi>${m.name}</bdi></span>`,
              )}`}
    </div>
  </section>`;
}

/** Every check-in with its author, in joining order; a facilitator can remove any. */
export function Checkins() {
  const room = app.store.room('checkins', 'members', 'closed');
  const you = app.store.presence$().you;
  const authors = Object.values(room.members)
    .filter((m) => room.checkins[m.id])
    .sort((a, b) => a.joined_at - b.joined_at);
  const remove = isFacilitator(you) && canEdit(you, room);
  return html`<section class="checkin-list" aria-labelledby="checkins-heading">
    <h2 class="section-title" id="checkins-heading">${t('checkin.list')} (${authors.length})</h2>
    <div class="checkins" data-testid="checkins">
      ${authors.length === 0 ? html`<p class="empty">${t('checkin.empty')}</p>` : null}
      ${authors.map((author) => {
        const checkin = /** @type {Checkin} */ (room.checkins[author.id]);
        return html`<article class="card checkin" key=${author.id} data-member=${author.id}>
          <header class="checkin-head">
            <${Avatar} name=${author.name} id=${author.id} />
            <span class="checkin-author">${author.name}</span>
            ${author.role === 'facilitator' ? html`<span class="badge">${t('role.facilitator')}</span>` : null}
            ${remove
              ? html`<button type="button" class="btn btn-ghost btn-small checkin-remove" onClick=${() => send({ type: 'checkin.clear', member_id: author.id })}>
                  ${t('checkin.remove')}
                </button>`
              : null}
          </header>
          ${checkin.contribute
            ? html`<div class="answer"><div class="answer-label">${t('checkin.contribute')}</div><p class="answer-text">${checkin.contribute}</p></div>`
            : null}
          ${checkin.get_out
            ? html`<div class="answer"><div class="answer-label">${t('checkin.get_out')}</div><p class="answer-text">${checkin.get_out}</p></div>`
            : null}
        </article>`;
      })}
    </div>
  </section>`;
}
