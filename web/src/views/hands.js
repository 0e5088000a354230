// Raising a hand: a participant joins (or leaves) the line of people who want to speak from
// their own screen; everyone sees the hands in the order they went up, and the facilitator (or
// the scribe in step 2) calls or lowers them.

import { html } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { t } from '../i18n.js';
import { Avatar, HandIcon, canEdit, isFacilitator, nameOf } from '../ui/kit.js';

/** The member's own hand: up or down. */
export function HandButton() {
  const room = app.store.room('hands', 'closed');
  const you = app.store.presence$().you;
  const hands = room.hands;
  if (you.role !== 'participant' || !you.member_id) return null;
  const place = hands.indexOf(you.member_id);
  const up = place >= 0;
  return html`<button
    type="button"
    class="btn ${up ? 'btn-done' : 'btn-secondary'} hand-button"
    aria-pressed=${String(up)}
    data-testid="hand-toggle"
    disabled=${room.closed}
    onClick=${() => send({ type: 'hand.raise', raised: !up })}
  >
    <${HandIcon} /> ${up ? t('hand.lower_mine', { n: place + 1 }) : t('hand.raise')}
  </button>`;
}

/** The raised hands, in order. */
export function HandsCard() {
  const room = app.store.room('hands', 'members', 'closed', 'step', 'experience');
  const you = app.store.presence$().you;
  const hands = room.hands;
  const fac = isFacilitator(you) && canEdit(you, room);
  const runner = fac || (room.step === 2 && room.experience.scribe === you.member_id);
  return html`<section class="card hands-card" data-testid="hands">
    <h2 class="card-title">${t('hand.heading')} ${hands.length ? html`<span class="chip">${hands.length}</span>` : null}</h2>
    ${you.role === 'participant' ? html`<${HandButton} />` : null}
    ${hands.length === 0
      ? html`<p class="muted small">${t('hand.none')}</p>`
      : html`<ol class="hands">
          ${hands.map(
            (id, i) => html`<li class="hand" key=${id} data-member=${id}>
              <span class="hand-num">${i + 1}</span>
              <${Avatar} name=${nameOf(room, id)} id=${id} />
              <span class="hand-name">${nameOf(room, id)}</span>
              ${runner && room.step === 2
                ? html`<button
                    type="button"
                    class="btn btn-primary btn-small"
                    data-testid="hand-call"
                    onClick=${() => {
                      send({ type: 'queue.call', member_id: id });
                      send({ type: 'hand.lower', member_id: id });
                    }}
                  >
                    ${t('queue.call')}
                  </button>`
                : null}
              ${fac
                ? html`<button
                    type="button"
                    class="btn btn-ghost btn-small"
                    data-testid="hand-lower"
                    aria-label=${t('hand.lower_for', { name: nameOf(room, id) })}
                    onClick=${() => send({ type: 'hand.lower', member_id: id })}
                  >
                    ${t('hand.lower')}
                  </button>`
                : null}
            </li>`,
          )}
        </ol>`}
  </section>`;
}
