// What runs across every step: "I'm done" for the current step (for the facilitator: how many
// are done, who is still working, and moving on by itself when everyone is), and undo and redo
// of the member's own changes (undo.js).

import { html } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { t } from '../i18n.js';
import { isFacilitator, participantsOf } from '../ui/kit.js';
import { UndoButtons } from './undo.js';

/** @typedef {import('../protocol').RoomState} RoomState */

/** @param {RoomState} room who is done with the current step */
function readyNow(room) {
  return new Set(room.ready.filter(([s]) => s === room.step).map(([, id]) => id));
}

/** @returns {{ room: RoomState, people: import('../protocol').Member[], ready: Set<string>, me?: string }} */
function progress() {
  const room = app.store.room('ready', 'step', 'members');
  const view = app.store.presence$();
  const ready = readyNow(room);
  // Counted over participants who are here, and any who said they were done before leaving.
  const people = participantsOf(room).filter((m) => view.online.has(m.id) || ready.has(m.id));
  return { room, people, ready, me: view.you.member_id };
}

export function ReadyButton() {
  const { room, ready, me } = progress();
  const you = app.store.presence$().you;
  // A closed room has no step to finish.
  if (!me || isFacilitator(you) || room.closed) return null;
  const mine = ready.has(me);
  return html`<button
    type="button"
    class="btn ${mine ? 'btn-done' : 'btn-primary'} ready-button"
    aria-pressed=${String(mine)}
    title=${mine ? t('ready.unmark') : ''}
    data-testid="ready-toggle"
    onClick=${() => send({ type: 'ready.set', ready: !mine })}
  >
    ${mine ? `✓ ${t('ready.done')}` : t('ready.mark')}
  </button>`;
}

export function ActivityCard() {
  const { room, people, ready } = progress();
  const view = app.store.presence$();
  const fac = isFacilitator(view.you);
  const done = people.filter((m) => ready.has(m.id)).length;
  const still = people.filter((m) => !ready.has(m.id));
  return html`<section class="card activity" data-testid="activity">
    <h2 class="card-title">${fac ? t('ready.heading.room') : t('ready.heading')}</h2>
    ${fac ? null : html`<${ReadyButton} />`}
    <p class="ready-count" data-testid="ready-count">${t('ready.count', { n: done, total: people.length })}</p>
    <div class="progress"><div class="progress-fill" style=${{ width: `${people.length ? (done / people.length) * 100 : 0}%` }}></div></div>
    ${fac
      ? html`<div class="waiting" data-testid="ready-waiting">
            ${people.length === 0
              ? html`<span class="muted small">${t('presence.empty')}</span>`
              : still.length === 0
                ? html`<span class="all-in">✓ ${t('ready.all')}</span>`
                : html`<span class="muted small">${t('ready.still')}</span>
                    ${still.map(
                      (m) => html`<span class="name-chip ${view.online.has(m.id) ? 'online' : 'offline'}" key=${m.id}>
                        <span class="dot"></span>${m.name}
                      </span>`,
                    )}`}
          </div>
          <label class="switch-label">
            <input
              type="checkbox"
              class="switch"
              data-testid="auto-advance"
              checked=${room.auto_advance}
              onChange=${(/** @type {any} */ ev) => send({ type: 'auto_advance.set', on: ev.target.checked })}
            />
            <span>${t('ready.auto')}</span>
          </label>
          <p class="field-help">${room.auto_advance ? t('ready.auto.on') : t('ready.auto.off')}</p>`
      : null}
    <${UndoButtons} />
  </section>`;
}
