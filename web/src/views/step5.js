// Step 5's board: teams (formed by the facilitator from the step 3 groups or afresh, people
// moved between them, each team given a client type), then each team's assessment board. A
// participant lands on their own team's board and may look at the others; a facilitator lands
// on the live overview of every board.

import { h } from '../dom.js';
import { stepText, t } from '../i18n.js';
import { teamBoard, teamsOverview } from './teamboard.js';
import {
  CATEGORIES,
  canEdit,
  categoryText,
  clusterLabel,
  confirmButton,
  howItWorks,
  isFacilitator,
  nameOf,
  namesOf,
  rebuildKeepingFocus,
  teamLabel,
  teamOf,
} from './kit.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Team} Team */

/**
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @returns {Part}
 */
export function step5Part(ctx, view) {
  const setup = isFacilitator(view) ? teamsSetupPart(ctx) : myTeamPart(ctx);
  const boards = boardsPart(ctx);
  const parts = [setup, boards];
  const el = h(
    'div',
    { class: 'board board-step5', 'data-testid': 'board-step5' },
    howItWorks(stepText(5, 'how'), ctx.openPanels, 'how:5'),
    setup.el,
    boards.el,
  );
  return {
    el,
    update(next) {
      for (const part of parts) part.update(next);
    },
    tick() {
      boards.tick?.();
    },
  };
}

/**
 * A select of the clusters (client types) for `team`.
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @param {Team} team
 */
function clusterSelect(ctx, view, team) {
  const clusters = Object.values(view.room.wall.clusters).sort((a, b) =>
    clusterLabel(a).localeCompare(clusterLabel(b)),
  );
  const select = h(
    'select',
    {
      'aria-label': t('team.client_type.label', { n: team.id }),
      'data-focus': `cluster-${team.id}`,
      'data-testid': `team-cluster-${team.id}`,
      disabled: !canEdit(view),
      onchange: () =>
        ctx.conn.send({ type: 'team.cluster', team: team.id, cluster: select.value || undefined }),
    },
    h('option', { value: '' }, t('team.client_type.none')),
    clusters.map((c) => h('option', { value: c.id }, clusterLabel(c))),
  );
  select.value = team.cluster ?? '';
  return select;
}

/**
 * The facilitator's teams: form them, move people, give each a client type.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function teamsSetupPart(ctx) {
  const fromGroups = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-secondary',
      'data-testid': 'teams-from-groups',
      onclick: () => ctx.conn.send({ type: 'teams.from_groups' }),
    },
    t('teams.from_groups'),
  );
  const formNew = h('span', { class: 'form-new' });
  const body = h('div', { class: 'teams-setup-body' });
  const el = h(
    'details',
    {
      class: 'card teams-setup',
      'data-testid': 'teams-setup',
      open: !ctx.openPanels.has('teams-setup:closed'),
      ontoggle: () =>
        el.open ? ctx.openPanels.delete('teams-setup:closed') : ctx.openPanels.add('teams-setup:closed'),
    },
    h('summary', { class: 'card-head' }, h('h2', null, t('teams.heading'))),
    h(
      'div',
      { class: 'teams-actions' },
      fromGroups,
      formNew,
      h('span', { class: 'muted small' }, t('teams.help')),
    ),
    body,
  );
  let lastKey = '';
  return {
    el,
    update(view) {
      const room = view.room;
      const key = JSON.stringify([
        room.assessment.teams,
        room.wall.clusters,
        room.members,
        room.closed,
        room.definitions.groups.length,
      ]);
      if (key === lastKey) return;
      lastKey = key;
      const teams = room.assessment.teams;
      const editable = canEdit(view);
      fromGroups.disabled = !editable || room.definitions.groups.length === 0;
      fromGroups.title = room.definitions.groups.length === 0 ? t('teams.no_groups') : '';
      const form = () => ctx.conn.send({ type: 'teams.form' });
      formNew.replaceChildren(
        teams.length
          ? confirmButton({
              label: t('teams.form_again'),
              confirm: t('teams.form_again.confirm'),
              className: 'btn btn-secondary',
              testid: 'teams-form',
              action: form,
            })
          : h(
              'button',
              {
                type: 'button',
                class: 'btn btn-primary',
                'data-testid': 'teams-form',
                disabled: !editable,
                onclick: form,
              },
              t('teams.form'),
            ),
      );
      const participants = Object.values(room.members).filter((m) => m.role === 'participant');
      const placed = new Set(teams.flatMap((x) => x.members));
      const unplaced = participants
        .filter((m) => !placed.has(m.id))
        .sort((a, b) => a.name.localeCompare(b.name));

      /** @param {string} member @param {number | null} current */
      const moveSelect = (member, current) => {
        const select = h(
          'select',
          {
            class: 'move-select',
            'aria-label': t('teams.move.label', { name: nameOf(room, member) }),
            'data-focus': `move-${member}`,
            'data-testid': 'team-move',
            disabled: !editable,
            onchange: () => {
              const value = select.value;
              ctx.conn.send({
                type: 'team.move',
                member_id: member,
                team: value === 'new' ? undefined : Number(value),
              });
            },
          },
          current === null ? h('option', { value: '' }, t('teams.move.choose')) : null,
          teams.map((x) => h('option', { value: String(x.id) }, t('team.name', { n: x.id }))),
          h('option', { value: 'new' }, t('teams.move.new')),
        );
        select.value = current === null ? '' : String(current);
        return select;
      };

      rebuildKeepingFocus(body, () =>
        [
          teams.length === 0
            ? h('p', { class: 'empty' }, t('teams.none'))
            : h(
                'div',
                { class: 'teams-columns' },
                teams.map((team) =>
                  h(
                    'section',
                    { class: 'team-column', 'data-team': team.id, 'data-testid': 'team-column' },
                    h('h3', null, t('team.name', { n: team.id })),
                    h(
                      'label',
                      { class: 'field' },
                      h('span', { class: 'field-label' }, t('team.client_type.short')),
                      clusterSelect(ctx, view, team),
                    ),
                    h(
                      'ul',
                      { class: 'team-people' },
                      team.members.length === 0 ? h('li', { class: 'muted small' }, t('team.empty')) : null,
                      [...team.members]
                        .sort((a, b) => nameOf(room, a).localeCompare(nameOf(room, b)))
                        .map((m) =>
                          h(
                            'li',
                            {
                              class: `team-person ${view.online.has(m) ? 'online' : 'offline'}`,
                              'data-member': m,
                            },
                            h('span', { class: 'dot' }),
                            h('span', { class: 'team-person-name' }, nameOf(room, m)),
                            moveSelect(m, team.id),
                          ),
                        ),
                    ),
                  ),
                ),
              ),
          teams.length && unplaced.length
            ? h(
                'div',
                { class: 'unplaced' },
                h('h3', null, t('teams.unplaced')),
                h(
                  'ul',
                  { class: 'team-people' },
                  unplaced.map((m) =>
                    h(
                      'li',
                      { class: 'team-person' },
                      h('span', { class: 'team-person-name' }, m.name),
                      moveSelect(m.id, null),
                    ),
                  ),
                ),
              )
            : null,
        ].filter((n) => n !== null),
      );
    },
  };
}

/**
 * A participant's team: who is in it, and which client type it assesses (members may choose).
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function myTeamPart(ctx) {
  const body = h('div', { class: 'my-team-body' });
  const el = h('section', { class: 'card my-team', 'data-testid': 'my-team' }, body);
  let lastKey = '';
  return {
    el,
    update(view) {
      const team = teamOf(view.room, view.you.member_id);
      const key = JSON.stringify([team, view.room.wall.clusters, view.room.closed, view.you.role]);
      if (key === lastKey) return;
      lastKey = key;
      if (view.you.role === 'viewer') {
        el.hidden = true;
        return;
      }
      rebuildKeepingFocus(body, () =>
        team
          ? [
              h('h2', { class: 'section-title' }, t('team.yours')),
              h(
                'div',
                { class: 'my-team-row' },
                h(
                  'strong',
                  { class: 'my-team-name', 'data-testid': 'my-team-name' },
                  t('team.name', { n: team.id }),
                ),
                h('span', { class: 'muted' }, namesOf(view.room, team.members)),
                h(
                  'label',
                  { class: 'field my-team-cluster' },
                  h('span', { class: 'field-label' }, t('team.client_type.short')),
                  clusterSelect(ctx, view, team),
                ),
              ),
            ]
          : [h('p', { class: 'muted' }, t('team.waiting'))],
      );
    },
  };
}

/**
 * Tabs over the boards: the overview, then each team; the selected team's board below.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function boardsPart(ctx) {
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('overview.tabs') });
  const board = teamBoard(ctx);
  const overview = teamsOverview((team) => select(String(team)));
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel' }, overview.el, board.el);
  // Before there are teams: what they will assess.
  const categories = h(
    'section',
    { class: 'card', 'data-testid': 'categories' },
    h('h2', { class: 'section-title' }, t('step.5.categories')),
    h(
      'ol',
      { class: 'categories' },
      CATEGORIES.map((c) => h('li', null, categoryText(c))),
    ),
  );
  const el = h('section', { class: 'boards' }, categories, tabs, panel);
  /** @type {string | null} 'overview' or a team id, once the person picked a tab */
  let selected = ctx.drafts.get('step5.tab') ?? null;
  let tabsKey = '';

  /** @param {string} which */
  function select(which) {
    selected = which;
    ctx.drafts.set('step5.tab', which);
    tabsKey = '';
    const view = ctx.store.view;
    if (view) update(view);
  }

  /** @param {RoomView} view */
  function update(view) {
    const teams = view.room.assessment.teams;
    const mine = teamOf(view.room, view.you.member_id);
    if (selected !== null && selected !== 'overview' && !teams.some((x) => String(x.id) === selected))
      selected = null;
    // Until the person picks a tab: their own team's board, or the overview.
    const current = selected ?? (mine && !isFacilitator(view) ? String(mine.id) : 'overview');
    categories.hidden = teams.length > 0;
    tabs.hidden = teams.length === 0;
    panel.hidden = teams.length === 0;
    const key = JSON.stringify([current, teams.map((x) => [x.id, teamLabel(view.room, x)]), mine?.id]);
    if (key !== tabsKey) {
      tabsKey = key;
      /** @param {string} id @param {string} label @param {boolean} own */
      const tab = (id, label, own) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: `tab ${own ? 'own' : ''}`,
            'aria-selected': String(current === id),
            'data-testid': `tab-${id}`,
            onclick: () => select(id),
          },
          label,
          own ? h('span', { class: 'badge' }, t('team.yours.badge')) : null,
        );
      tabs.replaceChildren(
        tab('overview', t('overview.tab'), false),
        ...teams.map((x) => tab(String(x.id), teamLabel(view.room, x), x.id === mine?.id)),
      );
    }
    const showOverview = current === 'overview';
    overview.el.hidden = !showOverview;
    board.show(showOverview ? null : Number(current));
    if (showOverview) overview.update(view);
    else board.update(view);
  }

  return { el, update, tick: board.tick };
}
