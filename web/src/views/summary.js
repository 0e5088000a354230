// The end of the session, for everyone once the facilitator ends it (the room is closed): the
// working definition, the client types found, each team's strongest and weakest behaviours, and
// the priorities with their owners and dates; for the facilitator, the report.

import { html } from '../../vendor/preact.js';
import { textOf } from '../apply.js';
import { app } from '../app.js';
import { t, tn } from '../i18n.js';
import { categoryText, clusterLabel, followUpParts, isFacilitator, teamLabel } from '../ui/kit.js';
import { strengths } from './teamboard.js';
import { reportLink } from './tools.js';

/** @param {{ onBack?: () => void, big?: boolean }} props */
export function Summary({ onBack, big }) {
  const room = app.store.room('definitions', 'wall', 'assessment', 'priorities', 'settings');
  const you = app.store.presence$().you;
  const p = room.priorities;
  const revealed = Object.values(room.wall.notes).filter((n) => n.revealed);
  const types = Object.values(room.wall.clusters)
    .map((c) => ({ c, n: revealed.filter((x) => x.cluster === c.id).length }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n);
  const ranked = [...p.ranking.filter((id) => p.areas[id]), ...Object.keys(p.areas).filter((id) => !p.ranking.includes(id))]
    .map((id) => p.areas[id])
    .filter((a) => a !== undefined);
  return html`<article class="summary ${big ? 'big' : ''}" data-testid="summary">
    <header class="summary-head">
      <p class="eyebrow">${t('summary.eyebrow')}</p>
      <h2 class="summary-title">${room.settings.title || t('room.untitled')}</h2>
      ${!big
        ? html`<div class="summary-actions">
            ${isFacilitator(you) && app.key ? html`<a class="btn btn-primary" href=${reportLink(app.roomId, app.key)} target="_blank" rel="noopener" data-testid="summary-report">${t('summary.report')}</a>` : null}
            ${onBack ? html`<button type="button" class="btn btn-secondary" data-testid="summary-back" onClick=${onBack}>${t('summary.back')}</button>` : null}
          </div>`
        : null}
    </header>
    <section class="summary-part summary-working">
      <h3>${t('working.heading')}</h3>
      ${room.definitions.working ? html`<blockquote class="working-text" data-testid="summary-working">${room.definitions.working}</blockquote>` : html`<p class="muted">${t('report.none.working')}</p>`}
    </section>
    <section class="summary-part">
      <h3>${t('summary.types')}</h3>
      ${types.length
        ? html`<ul class="summary-types">${types.map((x) => html`<li key=${x.c.id}><strong>${clusterLabel(x.c)}</strong> <span class="muted">${tn('list.count', x.n)}</span></li>`)}</ul>`
        : html`<p class="muted" data-testid="summary-no-types">${revealed.length ? tn('summary.types.none', revealed.length) : t('report.none.notes')}</p>`}
    </section>
    <section class="summary-part">
      <h3>${t('summary.teams')}</h3>
      ${room.assessment.teams.length
        ? html`<ul class="summary-teams" data-testid="summary-teams">
            ${room.assessment.teams.map((team) => {
              const s = strengths(room, team);
              return html`<li key=${team.id}>
                <strong>${teamLabel(room, team)}</strong>
                ${s
                  ? html`${s.strongest
                        ? html`<p class="strong" data-testid="summary-strongest">▲ ${t('summary.strongest')}: ${categoryText(s.strongest)}</p>`
                        : html`<p class="muted small" data-testid="summary-strongest">${t('summary.strongest.none')}</p>`}
                      ${s.weakest
                        ? html`<p class="weak" data-testid="summary-weakest">▼ ${t('summary.weakest')}: ${categoryText(s.weakest)}</p>`
                        : html`<p class="muted small" data-testid="summary-weakest">${t('summary.weakest.none')}</p>`}`
                  : html`<p class="muted small">${t('summary.no_assessment')}</p>`}
              </li>`;
            })}
          </ul>`
        : html`<p class="muted">${t('report.none.teams')}</p>`}
    </section>
    <section class="summary-part summary-priorities">
      <h3>${t('rank.heading')}</h3>
      ${ranked.length
        ? html`<ol class="summary-ranking" data-testid="summary-ranking">
            ${ranked.map(
              (a) => html`<li key=${a.id}>
                <span class="summary-area">${textOf(room, { kind: 'area', id: a.id })}</span>
                <span class="muted small summary-meta">
                  ${[tn('vote.tally', p.tally[a.id] ?? 0), ...followUpParts(a)].map(
                    (part, i) => html`${i ? ' · ' : ''}<span class="summary-meta-part">${part}</span>`,
                  )}
                </span>
              </li>`,
            )}
          </ol>`
        : html`<p class="muted">${t('report.none.areas')}</p>`}
    </section>
  </article>`;
}
