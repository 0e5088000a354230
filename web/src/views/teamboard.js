// A team's assessment board (steps 5 and 6): the six categories of behaviour, each with "when
// have we succeeded?" and "when have we failed?" columns of example cards (SharedText) and a
// 1-5 rating; and the overview of every team's board. Members of other teams, viewers and
// everyone in a closed room see a board read-only.

import { html } from '../../vendor/preact.js';
import { app, send, sendWords } from '../app.js';
import { Sending } from '../ui/sending.js';
import { t } from '../i18n.js';
import { CATEGORIES, MAX_CARD_CHARS, MAX_RATING } from '../limits.js';
import { ConfirmButton, canEdit, categoryText, clusterLabel, helpMe, isFacilitator, nameOf, namesOf, newId, teamLabel, useDraft } from '../ui/kit.js';
import { SharedText } from '../ui/sharedtext.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').Team} Team */
/** @typedef {import('../protocol').Card} Card */
/** @typedef {import('../protocol').Column} Column */
/** @typedef {import('../protocol').You} You */

/** @type {Column[]} */
export const COLUMNS = ['succeeded', 'failed'];

/** Whether this person may write on `team`'s board: its members and facilitators, room open. */
/** @param {You} you @param {RoomState} room @param {Team | undefined} team */
export function mayWrite(you, room, team) {
  return !!team && canEdit(you, room) && (isFacilitator(you) || team.members.includes(you.member_id ?? ''));
}

/** @param {RoomState} room @param {number} team @returns {Card[]} in the order written */
export const cardsOf = (room, team) =>
  Object.values(room.assessment.cards)
    .filter((c) => c.team === team)
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));

/**
 * A team's examples counted by behaviour and column: `countsOf(room, team)[c - 1].failed`.
 * @param {RoomState} room @param {number} team
 * @returns {Record<Column, number>[]}
 */
export function countsOf(room, team) {
  const counts = CATEGORIES.map(() => ({ succeeded: 0, failed: 0 }));
  for (const card of cardsOf(room, team)) {
    const row = counts[card.category - 1];
    if (row) row[card.column] += 1;
  }
  return counts;
}

/**
 * `picker`: where the team's client type may still be chosen (step 5), the control for it,
 * in the board's head.
 * @param {{ team: number, areas?: boolean, picker?: (team: Team) => any }} props
 */
export function TeamBoard({ team: teamId, areas, picker }) {
  const room = app.store.room('assessment', 'members', 'wall', 'closed');
  const you = app.store.presence$().you;
  const team = room.assessment.teams.find((x) => x.id === teamId);
  if (!team) return null;
  const writable = mayWrite(you, room, team);
  const cards = cardsOf(room, teamId);
  const cluster = team.cluster ? room.wall.clusters[team.cluster] : undefined;
  const notes = cluster ? Object.values(room.wall.notes).filter((n) => n.revealed && n.cluster === cluster.id) : [];
  return html`<section class="team-board" data-testid="team-board" data-team=${teamId}>
    <header class="team-board-head">
      <h2 class="team-board-title" data-testid="team-board-title">${teamLabel(room, team)}</h2>
      <p class="team-members"><span class="muted">${t('team.members')}: </span>${team.members.length ? namesOf(room, team.members) : t('team.empty')}</p>
      ${picker && writable
        ? html`<div class="team-type-row">
            ${picker(team)}
            ${cluster ? html`<${ClusterNotes} notes=${notes} summary=${t('team.client_type.notes', { n: notes.length })} />` : null}
          </div>`
        : cluster
          ? html`<${ClusterNotes} notes=${notes} summary=${t('team.client_type', { name: clusterLabel(cluster), n: notes.length })} />`
          : html`<p class="muted small">${t('team.no_client_type')}</p>`}
      ${writable
        ? null
        : html`<p class="readonly-note" data-testid="readonly-note">
            ${room.closed ? t('closed.readonly') : you.role === 'viewer' ? t('board.readonly.viewer') : t('board.readonly')}
          </p>`}
    </header>
    <div class="categories-grid">
      <div class="grid-head" aria-hidden="true">
        <span></span><span class="col-title ok">✓ ${t('board.succeeded')}</span><span class="col-title bad">✗ ${t('board.failed')}</span>
      </div>
      ${CATEGORIES.map(
        (c) => html`<section class="category" key=${c} data-testid=${`category-${c}`} aria-labelledby=${`cat-${teamId}-${c}`}>
          <div class="category-head">
            <h3 class="category-text" id=${`cat-${teamId}-${c}`}><span class="category-num">${c}</span> ${categoryText(c)}</h3>
            <${Rating} team=${team} category=${c} writable=${writable} />
          </div>
          ${COLUMNS.map((column) => {
            const here = cards.filter((card) => card.category === c && card.column === column);
            return html`<div class="column column-${column}" key=${column}>
              <h4 class="column-title">${t(`board.short.${column}`)}</h4>
              <ul class="cards">
                ${here.map((card) => html`<${ExampleCard} key=${card.id} card=${card} writable=${writable} areas=${!!areas} />`)}
                <${Sending}
                  type="card.add"
                  where=${(/** @type {any} */ cmd) => cmd.team === teamId && cmd.category === c && cmd.column === column}
                  has=${(/** @type {string} */ id) => id in room.assessment.cards}
                  class=${`ex-card ex-${column}`}
                />
              </ul>
              ${writable
                ? html`<${AddExample} team=${teamId} category=${c} column=${column} />`
                : here.length === 0
                  ? html`<p class="column-empty">${t('board.column.empty')}</p>`
                  : null}
            </div>`;
          })}
        </section>`,
      )}
    </div>
  </section>`;
}

/** The "Help me..." notes of a team's client type, folded. @param {{ notes: { id: string, text: string }[], summary: string }} props */
function ClusterNotes({ notes, summary }) {
  return html`<details class="team-notes">
    <summary>${summary}</summary>
    <ul>${notes.map((n) => html`<li key=${n.id}>${helpMe(n.text)}</li>`)}</ul>
  </details>`;
}

/** @param {{ team: Team, category: number, writable: boolean }} props */
function Rating({ team, category, writable }) {
  const value = team.ratings[category - 1] ?? 0;
  const stars = Array.from({ length: MAX_RATING }, (_, i) => i + 1);
  if (!writable)
    return html`<span class="rating" role="img" aria-label=${t('board.rating.aria', { n: category, value })}>
      ${stars.map((n) => html`<span class="star ${n <= value ? 'on' : ''}" aria-hidden="true">★</span>`)}
    </span>`;
  return html`<span class="rating" role="radiogroup" aria-label=${t('board.rating.aria', { n: category, value })}>
    ${stars.map(
      (n) => html`<button
        type="button"
        class="star ${n <= value ? 'on' : ''}"
        role="radio"
        aria-checked=${String(n === value)}
        aria-label=${t('board.rating.set', { n })}
        title=${n === value ? t('board.rating.clear') : t('board.rating.set', { n })}
        data-testid=${`rate-${category}-${n}`}
        onClick=${() => send({ type: 'rating.set', team: team.id, category, rating: n === value ? 0 : n })}
      >
        ★
      </button>`,
    )}
  </span>`;
}

/** @param {{ card: Card, writable: boolean, areas: boolean }} props */
function ExampleCard({ card, writable, areas }) {
  const room = app.store.room('assessment', 'priorities', 'members', 'closed');
  const you = app.store.presence$().you;
  const fromCard = Object.values(room.priorities.areas).some((a) => a.from_card === card.id);
  return html`<li class="ex-card ex-${card.column}" data-id=${card.id}>
    <${SharedText} target=${{ kind: 'card', id: card.id }} editable=${writable} label=${t('board.card.label')} maxLength=${MAX_CARD_CHARS} testid="card-text" compact />
    <footer class="card-foot">
      <span class="card-author">${nameOf(room, card.author)}</span>
      ${writable
        ? html`<select
              class="card-move"
              aria-label=${t('board.card.move')}
              data-testid="card-move"
              value=""
              onChange=${(/** @type {any} */ ev) => {
                const [category, column] = ev.target.value.split(':');
                if (category) send({ type: 'card.move', id: card.id, category: Number(category), column });
              }}
            >
              <option value="">${t('board.card.move')}…</option>
              ${CATEGORIES.map(
                (c) => html`<optgroup label=${`${c}. ${categoryText(c)}`}>
                  ${COLUMNS.map((col) => html`<option value=${`${c}:${col}`} disabled=${c === card.category && col === card.column}>${c} · ${t(`board.short.${col}`)}</option>`)}
                </optgroup>`,
              )}
            </select>
            <${ConfirmButton}
              label="×"
              confirm=${t('board.card.delete.confirm')}
              class="btn btn-ghost btn-small card-delete"
              testid="card-delete"
              onConfirm=${() => send({ type: 'card.delete', id: card.id })}
            />`
        : null}
      ${areas && card.column === 'failed' && canEdit(you, room) && !room.priorities.finalised
        ? fromCard
          ? html`<span class="chip chip-area">${t('area.from_card.done')}</span>`
          : html`<button
              type="button"
              class="btn btn-secondary btn-small"
              data-testid="card-to-area"
              title=${t('area.from_card.aria')}
              onClick=${() => send({ type: 'area.add', id: newId(), text: '', from_card: card.id })}
            >
              + ${t('area.from_card')}
            </button>`
        : null}
    </footer>
  </li>`;
}

/** @param {{ team: number, category: number, column: Column }} props */
function AddExample({ team, category, column }) {
  // Open with the words written before a reload, if any.
  const [text, setText] = useDraft(`card:${team}:${category}:${column}`);
  if (text === null)
    return html`<button type="button" class="btn btn-ghost btn-small add-example" data-testid="add-example" onClick=${() => setText('')}>
      + ${t('board.add')}
    </button>`;
  const save = async () => {
    const sent = text.trim();
    if (!sent) return setText(null);
    await sendWords({ type: 'card.add', id: newId(), team, category, column, text: sent }, sent, setText);
  };
  return html`<form
    class="add-form"
    onSubmit=${(/** @type {Event} */ ev) => {
      ev.preventDefault();
      save();
    }}
  >
    <textarea
      rows="2"
      maxlength=${MAX_CARD_CHARS}
      autofocus
      data-testid="card-input"
      aria-label=${t('board.add.label', { column: t(`board.short.${column}`), n: category })}
      placeholder=${t(`board.add.placeholder.${column}`)}
      value=${text}
      onInput=${(/** @type {any} */ ev) => setText(ev.target.value)}
      onKeyDown=${(/** @type {KeyboardEvent} */ ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey) {
          ev.preventDefault();
          save();
        } else if (ev.key === 'Escape') setText(null);
      }}
    ></textarea>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary btn-small">${t('board.add.save')}</button>
      <button type="button" class="btn btn-ghost btn-small" onClick=${() => setText(null)}>${t('note.cancel')}</button>
      <span class="field-help">${t('board.add.enter')}</span>
    </div>
  </form>`;
}

/** Every team's board in small: examples per category and column, and ratings. */
/** @param {{ open?: (team: number) => void }} props */
export function TeamsOverview({ open }) {
  const room = app.store.room('assessment', 'members', 'wall');
  const teams = room.assessment.teams;
  if (teams.length === 0) return html`<p class="empty">${t('teams.none')}</p>`;
  return html`<div class="teams-overview" data-testid="teams-overview">
    ${teams.map((team) => {
      const mine = cardsOf(room, team.id);
      const counts = countsOf(room, team.id);
      return html`<article class="team-tile card" key=${team.id} data-team=${team.id} data-testid="team-tile">
        <header class="team-tile-head">
          <h3>${teamLabel(room, team)}</h3>
          ${open ? html`<button type="button" class="btn btn-secondary btn-small" data-testid=${`open-team-${team.id}`} onClick=${() => open(team.id)}>${t('overview.open')}</button>` : null}
        </header>
        <p class="muted small">${team.members.length ? namesOf(room, team.members) : t('team.empty')}</p>
        <table class="mini-board">
          <thead>
            <tr>
              <th scope="col"><span class="sr-only">${t('overview.category')}</span></th>
              <th scope="col" title=${t('board.succeeded')}>✓</th>
              <th scope="col" title=${t('board.failed')}>✗</th>
              <th scope="col" title=${t('overview.rating')}>★</th>
            </tr>
          </thead>
          <tbody>
            ${CATEGORIES.map((c) => {
              const { succeeded: s, failed: f } = counts[c - 1];
              const r = team.ratings[c - 1] ?? 0;
              return html`<tr>
                <th scope="row" title=${categoryText(c)}>${c}</th>
                <td class=${s ? 'has ok' : 'zero'}>${s}</td>
                <td class=${f ? 'has bad' : 'zero'}>${f}</td>
                <td class=${r ? 'has' : 'zero'}>${r || '–'}</td>
              </tr>`;
            })}
          </tbody>
        </table>
        <p class="team-tile-foot" data-testid="team-progress">${t('overview.progress', { n: mine.length, rated: team.ratings.filter((r) => r > 0).length })}</p>
      </article>`;
    })}
  </div>`;
}

/**
 * A rating above this (4 or 5 of 5) says the team succeeded at a behaviour, below it (1 or 2) that
 * it failed, when its example cards do not say otherwise.
 */
const RATING_MIDDLE = Math.ceil(MAX_RATING / 2);

/**
 * A team's strongest and weakest behaviours, for the end-of-session summary. Strongest is only
 * something the team succeeded at (more "succeeded" cards than "failed" ones, or with neither
 * outweighing, a rating above the middle), weakest only something it failed at; either is
 * `undefined` when there is none. Among several, the best (worst) rated wins (an unrated one
 * counts as the middle), then the most successes (failures) over failures (successes). `null`
 * when the team assessed nothing.
 * @param {RoomState} room @param {Team} team
 * @returns {{ strongest?: number, weakest?: number } | null}
 */
export function strengths(room, team) {
  const cards = cardsOf(room, team.id);
  const score = (/** @type {number} */ c) => {
    const rating = team.ratings[c - 1] ?? 0;
    const count = (/** @type {string} */ column) => cards.filter((x) => x.category === c && x.column === column).length;
    const net = count('succeeded') - count('failed');
    return { c, rating, net };
  };
  const scored = CATEGORIES.map(score).filter((s) => s.rating > 0 || s.net !== 0);
  if (scored.length === 0) return null;
  const lean = (/** @type {{ rating: number, net: number }} */ s) =>
    s.net !== 0 ? Math.sign(s.net) : s.rating > RATING_MIDDLE ? 1 : s.rating > 0 && s.rating < RATING_MIDDLE ? -1 : 0;
  const rated = (/** @type {{ rating: number }} */ s) => s.rating || RATING_MIDDLE;
  const [best] = scored.filter((s) => lean(s) > 0).sort((a, b) => rated(b) - rated(a) || b.net - a.net);
  const [worst] = scored.filter((s) => lean(s) < 0).sort((a, b) => rated(a) - rated(b) || a.net - b.net);
  return { strongest: best?.c, weakest: worst?.c };
}
