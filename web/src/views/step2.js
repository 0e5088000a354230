// Step 2: the speaker queue (who speaks now, who is next, who has spoken; the facilitator or
// their scribe calls, shuffles and reorders people by dragging or with the arrows) and the
// key-factors whiteboard (short cards tagged by the server with the speaker; merged by dragging
// one onto another or through a menu; a factor named more often is drawn bigger), with the
// "most named" list beside it.

import { html } from '../../vendor/preact.js';
import { textOf } from '../apply.js';
import { app, send, sendWords } from '../app.js';
import { Sending, drawn } from '../ui/sending.js';
import { t } from '../i18n.js';
import { MAX_FACTOR_CHARS } from '../limits.js';
import { dragSource, dropPlace, reorder } from '../ui/drag.js';
import { Avatar, HandIcon, canEdit, isFacilitator, nameOf, newId, participantsOf, useDraft, useSettling } from '../ui/kit.js';
import { SharedText } from '../ui/sharedtext.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').You} You */
/** @typedef {import('../protocol').Factor} Factor */

/** Cards named this many times or more look the same (the largest). */
const MAX_WEIGHT = 5;
/** Entries in the "most named" list. */
const MOST_NAMED = 10;

/** A facilitator, or the appointed scribe: runs the queue and writes the cards. */
/** @param {You} you @param {RoomState} room */
export const isRunner = (you, room) =>
  canEdit(you, room) && (isFacilitator(you) || (!!you.member_id && room.experience.scribe === you.member_id));

/** The queue as the server completes it: the chosen order, then everyone else by joining. */
/** @param {RoomState} room */
export function fullOrder(room) {
  const participants = participantsOf(room).map((m) => m.id);
  const known = new Set(participants);
  const order = room.experience.queue.order.filter((id) => known.has(id));
  for (const id of participants) if (!order.includes(id)) order.push(id);
  return order;
}

/** @param {RoomState} room the first in order who is not speaking and has not spoken */
function nextSpeaker(room) {
  const { current, spoken } = room.experience.queue;
  return fullOrder(room).find((id) => id !== current && !spoken.includes(id));
}

/** @param {RoomState} room @returns {Factor[]} in the order written, so nothing jumps around */
export const sortedFactors = (room) =>
  Object.values(room.experience.factors).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));

export function Step2() {
  return html`<div class="board board-step2" data-testid="board-step2">
    <${Queue} />
    <${Whiteboard} />
  </div>`;
}

function Queue() {
  const room = app.store.room('experience', 'members', 'closed', 'hands');
  const view = app.store.presence$();
  const you = view.you;
  const runner = isRunner(you, room);
  const { current, spoken } = room.experience.queue;
  const order = fullOrder(room);
  const next = nextSpeaker(room);
  // Two people running the queue press "Next" a moment apart: the speaker moves on once.
  const settling = useSettling(current);
  const hands = room.hands;
  const scribe = room.experience.scribe;
  const move = (/** @type {string[]} */ order) => send({ type: 'queue.set', order });
  return html`<section class="card queue-card ${current ? 'has-speaker' : ''}" data-testid="speaker-queue">
    <div class="queue-now">
      <h2 class="card-title">${t('queue.heading')}</h2>
      <div class="speaker" aria-live="polite">
        ${current
          ? html`<${Avatar} name=${nameOf(room, current)} id=${current} size="large" />`
          : html`<span class="avatar large avatar-empty" aria-hidden="true">…</span>`}
        <div>
          <p class="speaker-label">${t('queue.now')}</p>
          <p class="speaker-name" data-testid="current-speaker">
            ${current ? nameOf(room, current) : order.length ? t('queue.nobody') : t('queue.empty_short')}
          </p>
        </div>
      </div>
      <p class="speaker-next" data-testid="next-speaker">
        ${next ? t('queue.next_is', { name: nameOf(room, next) }) : order.length ? t('queue.all_spoken') : ''}
      </p>
      <p class="muted small" data-testid="spoken-count">
        ${order.length ? t('queue.spoken_count', { n: order.filter((id) => spoken.includes(id)).length, total: order.length }) : ''}
      </p>
      ${runner
        ? html`<div class="queue-controls">
            <button type="button" class="btn btn-primary" data-testid="queue-next" disabled=${(!next && !current) || settling} onClick=${() => send({ type: 'queue.next' })}>
              ${current || !next ? t('queue.next') : t('queue.start')} →
            </button>
            <button type="button" class="btn btn-secondary" data-testid="queue-shuffle" disabled=${order.length < 2} onClick=${() => send({ type: 'queue.shuffle' })}>
              ${t('queue.shuffle')}
            </button>
          </div>`
        : null}
      ${scribe && !isFacilitator(you)
        ? html`<p class="scribe-note small" data-testid="scribe-note">
            ${you.member_id === scribe ? t('queue.you_are_scribe') : t('queue.scribe_is', { name: nameOf(room, scribe) })}
          </p>`
        : null}
      ${isFacilitator(you)
        ? html`<label class="scribe-row" title=${t('queue.scribe.help')}>
            <span class="field-label">${t('queue.scribe')}</span>
            <select
              data-testid="scribe-select"
              value=${scribe ?? ''}
              disabled=${room.closed}
              onChange=${(/** @type {any} */ ev) =>
                send(ev.target.value ? { type: 'scribe.set', member_id: ev.target.value } : { type: 'scribe.set' })}
            >
              <option value="">${t('queue.no_scribe')}</option>
              ${participantsOf(room).map((m) => html`<option value=${m.id}>${m.name}</option>`)}
            </select>
          </label>`
        : null}
    </div>
    <div class="queue-order">
      <h3 class="sub-title">${t('queue.order')}</h3>
      ${order.length === 0 ? html`<p class="empty small">${t('queue.empty')}</p>` : null}
      <ol class="queue-list ${runner ? 'runner' : ''}" data-testid="queue">
        ${order.map((id, index) => {
          const name = nameOf(room, id);
          const status = id === current ? 'speaking' : spoken.includes(id) ? 'spoken' : id === next ? 'next' : 'waiting';
          return html`<li
            key=${id}
            class="queue-row ${status} ${view.online.has(id) ? '' : 'offline'}"
            data-member=${id}
            ...${dropPlace('speaker', id, name)}
            ...${dragSource({
              kind: 'speaker',
              id,
              label: name,
              enabled: runner,
              onDrop: (place, after) => move(reorder(order, id, place, after)),
            })}
          >
            ${runner ? html`<span class="grip" aria-hidden="true">⋮⋮</span>` : null}
            <span class="queue-pos">${index + 1}</span>
            <${Avatar} name=${name} id=${id} off=${!view.online.has(id)} />
            <span class="queue-name">${name}</span>
            ${hands.includes(id) ? html`<span class="hand-mark" title=${t('hand.raised')}><${HandIcon} label=${t('hand.raised')} /></span>` : null}
            <span class="queue-state">
              ${status === 'speaking' ? t('queue.speaking') : status === 'spoken' ? `✓ ${t('queue.spoke')}` : status === 'next' ? t('queue.next_up') : ''}
            </span>
            ${runner
              ? html`<span class="queue-tools">
                  ${status !== 'speaking'
                    ? html`<button
                        type="button"
                        class="btn btn-secondary btn-small"
                        data-testid="queue-call"
                        aria-label=${t('queue.call_name', { name })}
                        onClick=${() => send({ type: 'queue.call', member_id: id })}
                      >
                        ${t('queue.call')}
                      </button>`
                    : null}
                  <button type="button" class="btn btn-ghost btn-icon" data-testid="queue-up" aria-label=${t('queue.up', { name })} title=${t('queue.up', { name })} disabled=${index === 0} onClick=${() => move(reorder(order, id, order[index - 1], false))}>↑</button>
                  <button type="button" class="btn btn-ghost btn-icon" data-testid="queue-down" aria-label=${t('queue.down', { name })} title=${t('queue.down', { name })} disabled=${index === order.length - 1} onClick=${() => move(reorder(order, id, order[index + 1], true))}>↓</button>
                </span>`
              : null}
          </li>`;
        })}
      </ol>
    </div>
  </section>`;
}

function Whiteboard() {
  const room = app.store.room('experience', 'members', 'closed');
  const you = app.store.presence$().you;
  const runner = isRunner(you, room);
  const { open, scribe, queue } = room.experience;
  const member = canEdit(you, room);
  const canWrite = member && (runner || open);
  const list = sortedFactors(room);
  const ranked = [...list].sort((a, b) => b.mentions - a.mentions || a.created_at - b.created_at).slice(0, MOST_NAMED);
  const most = ranked[0]?.mentions ?? 1;
  return html`<div class="factors-layout">
    <section class="card whiteboard">
      <div class="card-head">
        <h2 class="card-title">${t('factors.heading')} <span class="chip" data-testid="factor-count">${list.length}</span></h2>
        ${isFacilitator(you)
          ? html`<label class="switch-label">
              <input type="checkbox" class="switch" data-testid="factors-open" checked=${open} disabled=${room.closed} onChange=${(/** @type {any} */ ev) => send({ type: 'factors.open', open: ev.target.checked })} />
              <span>${t('factors.open')}</span>
            </label>`
          : null}
      </div>
      <p class="board-state small" data-testid="factors-state" data-open=${String(open)}>
        ${open ? t('factors.state.open') : scribe ? t('factors.state.scribe', { name: nameOf(room, scribe) }) : t('factors.state.closed')}
      </p>
      ${canWrite ? html`<${FactorForm} tag=${queue.current ? t('factors.tagged', { name: nameOf(room, queue.current) }) : t('factors.untagged')} />` : null}
      ${runner && list.length > 1 ? html`<p class="field-help merge-hint">${t('factors.merge_hint')}</p>` : null}
      ${list.length === 0 && !drawn('factor.add') ? html`<p class="empty">${canWrite ? t('factors.empty.writer') : t('factors.empty')}</p>` : null}
      <div class="factor-cards" data-testid="factors">
        ${list.map((factor) => html`<${FactorCard} key=${factor.id} factor=${factor} others=${list} />`)}
        <${Sending} type="factor.add" has=${(/** @type {string} */ id) => id in room.experience.factors} tag="article" class="factor" />
      </div>
    </section>
    <aside class="card most-named-card">
      <h2 class="card-title">${t('factors.most_named')}</h2>
      ${ranked.length === 0 ? html`<p class="muted small">${t('factors.most_named.empty')}</p>` : null}
      <ol class="most-named" data-testid="most-named">
        ${ranked.map(
          (f) => html`<li class="most-named-item" key=${f.id} data-id=${f.id}>
            <span class="most-named-text">${textOf(room, { kind: 'factor', id: f.id })}</span>
            <span class="most-named-count">${f.mentions}</span>
            <span class="most-named-bar" aria-hidden="true"><span style=${{ width: `${Math.round((f.mentions / most) * 100)}%` }}></span></span>
          </li>`,
        )}
      </ol>
    </aside>
  </div>`;
}

/** @param {{ tag: string }} props */
function FactorForm({ tag }) {
  // Kept in this browser until it is added: a reload does not lose a half-typed card.
  const [draft, setText] = useDraft('factor');
  const text = draft ?? '';
  return html`<form
    class="factor-form"
    data-action="add"
    onSubmit=${async (/** @type {Event} */ ev) => {
      ev.preventDefault();
      const sent = text.trim();
      if (!sent) return;
      // Cleared at once (a second press while the line is down would add it twice); the words
      // come back if the room refuses them.
      await sendWords({ type: 'factor.add', id: newId(), text: sent }, sent, setText, { forbidden: t('factors.closed_now') });
    }}
  >
    <div class="factor-form-row">
      <input
        class="factor-input"
        maxlength=${MAX_FACTOR_CHARS}
        placeholder=${t('factors.placeholder')}
        aria-label=${t('factors.add_label')}
        data-testid="factor-input"
        value=${text}
        onInput=${(/** @type {any} */ ev) => setText(ev.target.value)}
      />
      <button type="submit" class="btn btn-primary" data-testid="factor-add" disabled=${!text.trim()}>${t('factors.add')}</button>
    </div>
    <p class="field-help" data-testid="factor-tag">${tag}</p>
  </form>`;
}

/** @param {{ factor: Factor, others: Factor[] }} props */
function FactorCard({ factor, others }) {
  const room = app.store.room('experience', 'members', 'closed');
  const you = app.store.presence$().you;
  const runner = isRunner(you, room);
  const editable = runner || (canEdit(you, room) && room.experience.open && factor.created_by === you.member_id);
  const names = factor.speakers.map((s) => nameOf(room, s)).join(', ');
  const merge = (/** @type {string} */ into) => send({ type: 'factor.merge', from: factor.id, into });
  const text = textOf(room, { kind: 'factor', id: factor.id });
  return html`<article
    class="factor"
    data-id=${factor.id}
    data-weight=${Math.min(factor.mentions, MAX_WEIGHT)}
    title=${names ? t('factors.named_by', { names }) : ''}
    ...${dropPlace('factor', factor.id, text)}
    ...${dragSource({ kind: 'factor', id: factor.id, label: text, enabled: runner, onDrop: merge })}
  >
    ${runner ? html`<span class="grip" aria-hidden="true">⋮⋮</span>` : null}
    <div class="factor-text">
      <${SharedText} target=${{ kind: 'factor', id: factor.id }} editable=${editable} label=${t('factors.edit_label')} maxLength=${MAX_FACTOR_CHARS} testid="factor-text" compact />
    </div>
    <footer class="factor-foot">
      ${factor.mentions > 1 ? html`<span class="factor-mentions" data-testid="factor-mentions">${t('factors.mentions', { n: factor.mentions })}</span>` : null}
      <span class="factor-speakers">${names}</span>
    </footer>
    ${editable
      ? html`<div class="factor-actions">
          ${runner && others.length > 1
            ? html`<select
                class="factor-merge-select"
                data-testid="factor-merge"
                aria-label=${t('factors.merge_into')}
                value=""
                onChange=${(/** @type {any} */ ev) => ev.target.value && merge(ev.target.value)}
              >
                <option value="">${t('factors.merge_into')}</option>
                ${others.filter((f) => f.id !== factor.id).map((f) => html`<option value=${f.id}>${textOf(room, { kind: 'factor', id: f.id })}</option>`)}
              </select>`
            : null}
          <button
            type="button"
            class="btn btn-ghost btn-icon danger"
            data-testid="factor-delete"
            title=${t('factors.delete')}
            aria-label=${t('factors.delete')}
            onClick=${() => send({ type: 'factor.delete', id: factor.id })}
          >
            ×
          </button>
        </div>`
      : null}
  </article>`;
}
