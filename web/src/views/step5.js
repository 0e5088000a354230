// Step 5: teams (formed by the facilitator from the step 3 groups or afresh, people moved by
// dragging or with a menu, each team given a client type), then each team's board. A
// participant lands on their own team's board and may look at the others; a facilitator lands
// on the overview of every board.

import { html, useState } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { t } from '../i18n.js';
import { CATEGORIES } from '../limits.js';
import { ConfirmButton, Tabs, canEdit, categoryText, clusterLabel, isFacilitator, participantsOf, teamLabel, teamOf } from '../ui/kit.js';
import { PeopleBoard } from './peopleboard.js';
import { WorkingBanner } from './step3.js';
import { TeamBoard, TeamsOverview } from './teamboard.js';

/** @typedef {import('../protocol').Team} Team */

/** The tab each person picked (kept while the page lives). */
let picked = /** @type {string | null} */ (null);

export function Step5() {
  const you = app.store.presence$().you;
  return html`<div class="board board-step5" data-testid="board-step5">
    <${WorkingBanner} />
    ${isFacilitator(you) ? html`<${TeamsSetup} />` : html`<${MyTeam} />`}
    <${Boards} />
  </div>`;
}

/** @param {{ team: Team }} props the client type a team assesses */
function ClusterSelect({ team }) {
  const room = app.store.room('wall', 'assessment', 'closed');
  const you = app.store.presence$().you;
  const clusters = Object.values(room.wall.clusters).sort((a, b) => clusterLabel(a).localeCompare(clusterLabel(b)));
  return html`<label class="field team-cluster">
    <span class="field-label">${t('team.client_type.short')}</span>
    <select
      aria-label=${t('team.client_type.label', { n: team.id })}
      data-testid=${`team-cluster-${team.id}`}
      disabled=${!canEdit(you, room)}
      value=${team.cluster ?? ''}
      onChange=${(/** @type {any} */ ev) => send({ type: 'team.cluster', team: team.id, cluster: ev.target.value || undefined })}
    >
      <option value="">${t('team.client_type.none')}</option>
      ${clusters.map((c) => html`<option value=${c.id}>${clusterLabel(c)}</option>`)}
    </select>
  </label>`;
}

function TeamsSetup() {
  const room = app.store.room('assessment', 'members', 'definitions', 'closed');
  const you = app.store.presence$().you;
  const teams = room.assessment.teams;
  const editable = canEdit(you, room);
  const [open, setOpen] = useState(teams.length === 0);
  return html`<details class="card teams-setup" data-testid="teams-setup" open=${open || teams.length === 0} onToggle=${(/** @type {any} */ ev) => setOpen(ev.target.open)}>
    <summary class="card-title">${t('teams.heading')} ${teams.length ? html`<span class="chip">${teams.length}</span>` : null}</summary>
    <div class="teams-actions">
      <button
        type="button"
        class="btn btn-secondary"
        data-testid="teams-from-groups"
        disabled=${!editable || room.definitions.groups.length === 0}
        title=${room.definitions.groups.length === 0 ? t('teams.no_groups') : ''}
        onClick=${() => send({ type: 'teams.from_groups' })}
      >
        ${t('teams.from_groups')}
      </button>
      ${teams.length
        ? html`<${ConfirmButton} label=${t('teams.form_again')} confirm=${t('teams.form_again.confirm')} class="btn btn-secondary" testid="teams-form" disabled=${!editable} onConfirm=${() => send({ type: 'teams.form' })} />`
        : html`<button type="button" class="btn btn-primary" data-testid="teams-form" disabled=${!editable} onClick=${() => send({ type: 'teams.form' })}>${t('teams.form')}</button>`}
      <span class="muted small">${t('teams.help')}</span>
    </div>
    ${teams.length === 0 ? html`<p class="empty">${t('teams.none')}</p>` : null}
    <${PeopleBoard}
      kind="team"
      sets=${teams}
      people=${participantsOf(room)}
      title=${(/** @type {number} */ id) => t('team.name', { n: id })}
      movable=${editable}
      extra=${(/** @type {number} */ id) => {
        const team = teams.find((x) => x.id === id);
        return team ? html`<${ClusterSelect} team=${team} />` : null;
      }}
      onMove=${(/** @type {string} */ member, /** @type {number | undefined} */ team) => send({ type: 'team.move', member_id: member, team })}
    />
  </details>`;
}

/**
 * A participant not in a team yet is told so. One in a team needs nothing more here: their
 * team's tab (marked as theirs) is open, and its board says who is in it and, to its members,
 * offers the client type it assesses.
 */
function MyTeam() {
  const room = app.store.room('assessment', 'members');
  const you = app.store.presence$().you;
  if (teamOf(room, you.member_id)) return null;
  return html`<section class="card my-team" data-testid="my-team">
    <p class="muted">${t('team.waiting')}</p>
  </section>`;
}

/** A team's members choose its client type on their board (a facilitator, in the teams' setup). @param {Team} team */
const pickType = (team) => html`<${ClusterSelect} team=${team} />`;

/** Tabs over the boards: the overview, then each team. */
function Boards() {
  const room = app.store.room('assessment', 'wall');
  const you = app.store.presence$().you;
  const [, setTab] = useState(picked);
  const teams = room.assessment.teams;
  if (teams.length === 0)
    return html`<section class="card" data-testid="categories">
      <h2 class="card-title">${t('step.5.categories')}</h2>
      <ol class="categories">${CATEGORIES.map((c) => html`<li>${categoryText(c)}</li>`)}</ol>
    </section>`;
  const mine = teamOf(room, you.member_id);
  const valid = picked === 'overview' || teams.some((x) => String(x.id) === picked);
  const current = valid && picked ? picked : mine && !isFacilitator(you) ? String(mine.id) : 'overview';
  const select = (/** @type {string} */ id) => {
    picked = id;
    setTab(id);
  };
  return html`<section class="boards">
    <${Tabs}
      label=${t('overview.tabs')}
      current=${current}
      onSelect=${select}
      tabs=${[{ id: 'overview', label: t('overview.tab') }, ...teams.map((x) => ({ id: String(x.id), label: teamLabel(room, x), badge: x.id === mine?.id ? t('team.yours.badge') : undefined }))]}
    />
    <div class="tab-panel" role="tabpanel">
      ${current === 'overview' ? html`<${TeamsOverview} open=${(/** @type {number} */ id) => select(String(id))} />` : html`<${TeamBoard} team=${Number(current)} picker=${isFacilitator(you) ? undefined : pickType} />`}
    </div>
  </section>`;
}
