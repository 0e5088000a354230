// Step 6's board: the presenting team's board, which everyone follows (a person may step out
// to look around and come back in one click); the areas for improvement (proposed by anyone,
// some straight from failure cards, merged by the facilitator); secret dot voting; the ranked
// list the facilitator reorders and finalises; and an owner and a date per priority.

import { h } from '../dom.js';
import { stepText, t, tn } from '../i18n.js';
import { teamBoard } from './teamboard.js';
import {
  MAX_AREA_CHARS,
  MAX_DOTS,
  MAX_OWNER_CHARS,
  canEdit,
  confirmButton,
  formatDate,
  howItWorks,
  isFacilitator,
  nameOf,
  newId,
  rebuildKeepingFocus,
  teamLabel,
  teamOf,
} from './kit.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Area} Area */

/**
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function step6Part(ctx) {
  const present = presentPart(ctx);
  const areas = areasPart(ctx);
  const ranking = rankingPart(ctx);
  const parts = [present, areas, ranking];
  const el = h(
    'div',
    { class: 'board board-step6', 'data-testid': 'board-step6' },
    howItWorks(stepText(6, 'how'), ctx.openPanels, 'how:6'),
    present.el,
    h('div', { class: 'step6-lower' }, areas.el, ranking.el),
  );
  return {
    el,
    update(next) {
      // Once the vote has started, the areas and priorities are the work: they come first.
      el.classList.toggle('voting', next.room.priorities.phase !== 'not_started');
      for (const part of parts) part.update(next);
    },
    tick() {
      present.tick?.();
    },
  };
}

/**
 * Who presents, and the board everyone looks at.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function presentPart(ctx) {
  const controls = h('div', { class: 'present-controls', 'data-testid': 'present-controls' });
  const banner = h('div', { class: 'presenter-banner', 'data-testid': 'presenter-banner', role: 'status' });
  const picker = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('present.look_at') });
  const board = teamBoard(ctx, { areas: true });
  const el = h('section', { class: 'present', 'data-testid': 'present' }, controls, banner, picker, board.el);
  /** Stepped out: looking at this team instead of the presenter's. */
  /** @type {number | null} */
  let lookingAt = null;
  let steppedOut = ctx.drafts.has('step6.out');
  let lastKey = '';

  /** @param {boolean} out */
  function setOut(out) {
    steppedOut = out;
    if (out) ctx.drafts.set('step6.out', '1');
    else ctx.drafts.delete('step6.out');
    lastKey = '';
    const view = ctx.store.view;
    if (view) update(view);
  }

  /** @param {RoomView} view */
  function update(view) {
    const room = view.room;
    const teams = room.assessment.teams;
    const presenting = teams.find((x) => x.id === room.priorities.presenting);
    const mine = teamOf(room, view.you.member_id);
    if (lookingAt === null || !teams.some((x) => x.id === lookingAt))
      lookingAt = mine?.id ?? teams[0]?.id ?? null;
    const following = !!presenting && !steppedOut;
    const shown = following ? (presenting?.id ?? null) : lookingAt;
    const key = JSON.stringify([
      room.priorities.presenting,
      steppedOut,
      lookingAt,
      teams.map((x) => [x.id, teamLabel(room, x)]),
      room.closed,
    ]);
    if (key !== lastKey) {
      lastKey = key;
      controls.hidden = !isFacilitator(view);
      if (isFacilitator(view)) {
        controls.replaceChildren(
          h('span', { class: 'field-label' }, t('present.who')),
          h(
            'div',
            { class: 'segmented', role: 'group', 'aria-label': t('present.who') },
            teams.map((x) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'seg',
                  'aria-pressed': String(x.id === presenting?.id),
                  'data-testid': `present-${x.id}`,
                  disabled: !canEdit(view),
                  onclick: () => {
                    setOut(false);
                    ctx.conn.send({ type: 'present.set', team: x.id });
                  },
                },
                teamLabel(room, x),
              ),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'seg',
                'aria-pressed': String(!presenting),
                'data-testid': 'present-none',
                disabled: !canEdit(view),
                onclick: () => ctx.conn.send({ type: 'present.set' }),
              },
              t('present.nobody'),
            ),
          ),
        );
      }
      if (teams.length === 0) {
        banner.replaceChildren(h('p', null, t('present.no_teams')));
      } else if (presenting && following) {
        banner.className = 'presenter-banner live';
        banner.replaceChildren(
          h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
          h('p', null, t('present.now', { team: teamLabel(room, presenting) })),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-secondary btn-small',
              'data-testid': 'step-out',
              onclick: () => setOut(true),
            },
            t('present.step_out'),
          ),
        );
      } else if (presenting) {
        banner.className = 'presenter-banner away';
        banner.replaceChildren(
          h('p', null, t('present.away', { team: teamLabel(room, presenting) })),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-primary btn-small',
              'data-testid': 'back-to-presenter',
              onclick: () => setOut(false),
            },
            t('present.back'),
          ),
        );
      } else {
        banner.className = 'presenter-banner';
        banner.replaceChildren(h('p', null, t('present.none')));
      }
      picker.hidden = following || teams.length === 0;
      picker.replaceChildren(
        ...teams.map((x) =>
          h(
            'button',
            {
              type: 'button',
              role: 'tab',
              class: 'tab',
              'aria-selected': String(x.id === lookingAt),
              'data-testid': `look-${x.id}`,
              onclick: () => {
                lookingAt = x.id;
                lastKey = '';
                update(view);
              },
            },
            teamLabel(room, x),
            x.id === presenting?.id ? h('span', { class: 'badge' }, t('present.badge')) : null,
          ),
        ),
      );
    }
    board.show(shown);
    board.update(view);
  }

  return { el, update, tick: board.tick };
}

/**
 * The areas for improvement, the vote on them, and the facilitator's tools.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function areasPart(ctx) {
  const heading = h('h2', null, t('area.heading'));
  const voteBar = h('div', { class: 'vote-bar', 'data-testid': 'vote-bar' });
  const input = h('input', {
    name: 'area',
    maxlength: MAX_AREA_CHARS,
    placeholder: t('area.placeholder'),
    'aria-label': t('area.new'),
    'data-testid': 'area-input',
    value: ctx.drafts.get('area') ?? '',
    oninput: () => ctx.drafts.set('area', input.value),
  });
  const form = h(
    'form',
    {
      class: 'inline-form area-form',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        input.value = '';
        ctx.drafts.delete('area');
        const outcome = await ctx.conn.send({ type: 'area.add', id: newId(), text });
        if (!outcome.ok && !input.value) input.value = text;
      },
    },
    input,
    h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'area-add' }, t('area.add')),
  );
  const list = h('ul', { class: 'areas', 'data-testid': 'areas' });
  const el = h(
    'section',
    { class: 'card areas-card', 'data-testid': 'areas-card' },
    h('div', { class: 'card-head' }, heading),
    h('p', { class: 'muted small' }, t('area.help')),
    form,
    voteBar,
    list,
  );
  /** @type {string | null} the area being edited */
  let editing = null;
  let lastKey = '';

  /** @param {RoomView} view */
  function drawVoteBar(view) {
    const p = view.room.priorities;
    const me = view.you.member_id;
    const fac = isFacilitator(view);
    const editable = canEdit(view);
    /** @type {(Node | null)[]} */
    const parts = [];
    if (p.phase === 'open') {
      const used = me ? Object.values(p.votes[me] ?? {}).reduce((a, b) => a + b, 0) : 0;
      parts.push(
        h(
          'div',
          { class: 'vote-status' },
          h('span', { class: 'chip chip-live' }, t('vote.open_now')),
          view.you.role === 'viewer'
            ? null
            : h(
                'span',
                { class: 'my-dots', 'data-testid': 'my-dots' },
                t('vote.used', { used, dots: p.dots }),
                ' ',
                h(
                  'span',
                  { class: 'dots', 'aria-hidden': 'true' },
                  Array.from({ length: p.dots }, (_, i) =>
                    h('span', { class: `dot-pip ${i < used ? 'on' : ''}` }),
                  ),
                ),
              ),
        ),
      );
      const voters = Object.values(view.room.members).filter((m) => m.role === 'participant' || p.used[m.id]);
      parts.push(
        h(
          'div',
          { class: 'voters', 'data-testid': 'voters' },
          h('span', { class: 'muted small' }, t('vote.who')),
          voters
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((m) =>
              h(
                'span',
                { class: `name-chip ${(p.used[m.id] ?? 0) >= p.dots ? 'done' : ''}`, 'data-member': m.id },
                m.name,
                h('span', { class: 'muted' }, ` ${p.used[m.id] ?? 0}/${p.dots}`),
              ),
            ),
        ),
      );
      if (fac) {
        parts.push(
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-primary',
              'data-testid': 'vote-close',
              disabled: !editable,
              onclick: () => ctx.conn.send({ type: 'vote.close' }),
            },
            t('vote.close'),
          ),
        );
      }
    } else if (fac) {
      const dots = h('input', {
        type: 'number',
        min: 1,
        max: MAX_DOTS,
        value: String(p.dots || 3),
        class: 'dots-input',
        'aria-label': t('vote.dots'),
        'data-testid': 'vote-dots',
        'data-focus': 'vote-dots',
      });
      parts.push(
        h(
          'form',
          {
            class: 'inline-form vote-open',
            onsubmit: (/** @type {SubmitEvent} */ ev) => {
              ev.preventDefault();
              const n = Math.round(Number(dots.value));
              if (n >= 1 && n <= MAX_DOTS) ctx.conn.send({ type: 'vote.open', dots: n });
            },
          },
          h('label', { class: 'inline-label' }, t('vote.dots'), dots),
          h(
            'button',
            {
              type: 'submit',
              class: 'btn btn-primary',
              'data-testid': 'vote-open',
              disabled: !editable || Object.keys(p.areas).length === 0,
            },
            p.phase === 'closed' ? t('vote.reopen') : t('vote.open'),
          ),
          p.phase === 'closed' ? h('span', { class: 'muted small' }, t('vote.reopen.help')) : null,
        ),
      );
    } else if (p.phase === 'closed') {
      parts.push(h('p', { class: 'muted small' }, t('vote.closed')));
    }
    rebuildKeepingFocus(voteBar, () => parts.filter((x) => x !== null));
  }

  /** @param {RoomView} view @param {Area} area */
  function areaItem(view, area) {
    const p = view.room.priorities;
    const me = view.you.member_id;
    const fac = isFacilitator(view);
    const editable = canEdit(view);
    const mayChange = editable && (area.author === me || fac);
    const card = area.from_card ? view.room.assessment.cards[area.from_card] : undefined;
    const origin = card
      ? t('area.origin.card', {
          team: t('team.name', { n: card.team }),
          name: nameOf(view.room, area.author),
        })
      : t('area.origin.new', { name: nameOf(view.room, area.author) });
    /** @type {(Node | null)[]} */
    const tools = [];
    if (p.phase === 'open' && editable) {
      const mine = (me && p.votes[me]?.[area.id]) || 0;
      const used = me ? Object.values(p.votes[me] ?? {}).reduce((a, b) => a + b, 0) : 0;
      tools.push(
        h(
          'span',
          { class: 'dot-vote', role: 'group', 'aria-label': t('vote.for', { text: area.text }) },
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-secondary btn-small dot-btn',
              'aria-label': t('vote.remove'),
              'data-testid': 'dot-minus',
              'data-focus': `minus-${area.id}`,
              disabled: mine === 0,
              onclick: () => ctx.conn.send({ type: 'vote.set', area: area.id, dots: mine - 1 }),
            },
            '−',
          ),
          h(
            'span',
            { class: 'dot-count', 'data-testid': 'dot-count', 'aria-live': 'polite' },
            tn('vote.mine', mine),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-secondary btn-small dot-btn',
              'aria-label': t('vote.add'),
              'data-testid': 'dot-plus',
              'data-focus': `plus-${area.id}`,
              disabled: used >= p.dots,
              onclick: () => ctx.conn.send({ type: 'vote.set', area: area.id, dots: mine + 1 }),
            },
            '+',
          ),
        ),
      );
    }
    if (p.phase === 'closed') {
      tools.push(
        h('span', { class: 'tally', 'data-testid': 'tally' }, tn('vote.tally', p.tally[area.id] ?? 0)),
      );
    }
    if (mayChange && p.phase !== 'open') {
      tools.push(
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-small',
            'data-focus': `edit-${area.id}`,
            onclick: () => {
              editing = area.id;
              lastKey = '';
              update(view);
            },
          },
          t('note.edit'),
        ),
      );
    }
    if (fac && editable && p.phase !== 'open') {
      const others = Object.values(p.areas).filter((a) => a.id !== area.id);
      if (others.length) {
        const merge = h(
          'select',
          {
            class: 'merge-select',
            'aria-label': t('area.merge.label', { text: area.text }),
            'data-testid': 'area-merge',
            'data-focus': `merge-${area.id}`,
            onchange: () =>
              merge.value && ctx.conn.send({ type: 'area.merge', from: area.id, into: merge.value }),
          },
          h('option', { value: '' }, t('area.merge')),
          others.map((a) => h('option', { value: a.id }, a.text)),
        );
        tools.push(merge);
      }
    }
    if (mayChange && p.phase !== 'open') {
      tools.push(
        confirmButton({
          label: t('note.delete'),
          confirm: t('area.delete.confirm'),
          className: 'btn btn-ghost btn-small danger',
          testid: 'area-delete',
          action: () => ctx.conn.send({ type: 'area.delete', id: area.id }),
        }),
      );
    }
    if (editing === area.id) {
      const field = h('input', {
        value: area.text,
        maxlength: MAX_AREA_CHARS,
        'aria-label': t('area.edit.label'),
        'data-focus': `editing-${area.id}`,
      });
      queueMicrotask(() => field.focus());
      return h(
        'li',
        { class: 'area editing', 'data-id': area.id },
        h(
          'form',
          {
            class: 'inline-form',
            onsubmit: (/** @type {SubmitEvent} */ ev) => {
              ev.preventDefault();
              const text = field.value.trim();
              editing = null;
              lastKey = '';
              if (text && text !== area.text) ctx.conn.send({ type: 'area.edit', id: area.id, text });
              update(view);
            },
          },
          field,
          h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, t('note.save')),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-ghost btn-small',
              onclick: () => {
                editing = null;
                lastKey = '';
                update(view);
              },
            },
            t('note.cancel'),
          ),
        ),
      );
    }
    return h(
      'li',
      { class: 'area', 'data-id': area.id, 'data-testid': 'area' },
      h(
        'div',
        { class: 'area-main' },
        h('p', { class: 'area-text' }, area.text),
        h('p', { class: 'muted small' }, origin),
      ),
      h('div', { class: 'area-actions' }, tools),
    );
  }

  /** @param {RoomView} view */
  function update(view) {
    const p = view.room.priorities;
    const me = view.you.member_id ?? '';
    const key = JSON.stringify([
      p.areas,
      p.phase,
      p.dots,
      p.votes[me],
      p.used,
      p.tally,
      view.room.closed,
      editing,
      view.room.members,
    ]);
    if (key === lastKey) return;
    lastKey = key;
    const areas = Object.values(p.areas).sort(
      (a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id),
    );
    heading.textContent = areas.length ? `${t('area.heading')} (${areas.length})` : t('area.heading');
    form.hidden = !canEdit(view);
    drawVoteBar(view);
    rebuildKeepingFocus(list, () =>
      areas.length === 0
        ? [h('li', { class: 'empty' }, t('area.none'))]
        : areas.map((a) => areaItem(view, a)),
    );
  }

  return { el, update };
}

/**
 * After the vote: the ranked list (reordered and finalised by the facilitator) with each
 * priority's owner and due date.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function rankingPart(ctx) {
  const heading = h('h2', null, t('rank.heading'));
  const state = h('span', { class: 'chip', 'data-testid': 'rank-state' });
  const finalise = h('span', null);
  const list = h('ol', { class: 'ranking', 'data-testid': 'ranking' });
  const people = h('datalist', { id: 'follow-up-people' });
  const el = h(
    'section',
    { class: 'card ranking-card', 'data-testid': 'ranking-card', hidden: true },
    h('div', { class: 'card-head' }, heading, state),
    h('p', { class: 'muted small' }, t('rank.help')),
    list,
    finalise,
    people,
  );
  let lastKey = '';

  /** @param {RoomView} view @param {string[]} order */
  function move(view, order) {
    void view;
    ctx.conn.send({ type: 'ranking.set', order });
  }

  /** @param {RoomView} view @param {Area} area @param {number} index @param {string[]} order */
  function item(view, area, index, order) {
    const p = view.room.priorities;
    const fac = isFacilitator(view);
    const editable = canEdit(view);
    const mayFollow = editable && (fac || area.author === view.you.member_id);
    const reorder = fac && editable && !p.finalised;
    /** @param {number} delta */
    const shift = (delta) => {
      const next = [...order];
      const [taken] = next.splice(index, 1);
      next.splice(index + delta, 0, taken);
      move(view, next);
    };
    const owner = h('input', {
      value: area.owner ?? '',
      maxlength: MAX_OWNER_CHARS,
      list: 'follow-up-people',
      placeholder: t('follow.owner.placeholder'),
      'aria-label': t('follow.owner.label', { text: area.text }),
      'data-testid': 'follow-owner',
      'data-focus': `owner-${area.id}`,
      disabled: !mayFollow,
    });
    const due = h('input', {
      type: 'date',
      value: area.due ?? '',
      'aria-label': t('follow.due.label', { text: area.text }),
      'data-testid': 'follow-due',
      'data-focus': `due-${area.id}`,
      disabled: !mayFollow,
    });
    const save = () => {
      const o = owner.value.trim();
      const d = due.value;
      if (o === (area.owner ?? '') && d === (area.due ?? '')) return;
      ctx.conn.send({ type: 'area.follow_up', id: area.id, owner: o || undefined, due: d || undefined });
    };
    owner.addEventListener('change', save);
    due.addEventListener('change', save);
    owner.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        save();
      }
    });
    return h(
      'li',
      { class: 'rank-item', 'data-id': area.id, 'data-testid': 'rank-item' },
      h('span', { class: 'rank-num', 'aria-hidden': 'true' }, index + 1),
      h(
        'div',
        { class: 'rank-main' },
        h(
          'div',
          { class: 'rank-line' },
          h('p', { class: 'rank-text' }, area.text),
          h('span', { class: 'tally', 'data-testid': 'rank-tally' }, tn('vote.tally', p.tally[area.id] ?? 0)),
          reorder
            ? h(
                'span',
                { class: 'rank-move' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn btn-ghost btn-small',
                    'aria-label': t('rank.up', { text: area.text }),
                    'data-testid': 'rank-up',
                    'data-focus': `up-${area.id}`,
                    disabled: index === 0,
                    onclick: () => shift(-1),
                  },
                  '↑',
                ),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn btn-ghost btn-small',
                    'aria-label': t('rank.down', { text: area.text }),
                    'data-testid': 'rank-down',
                    'data-focus': `down-${area.id}`,
                    disabled: index === order.length - 1,
                    onclick: () => shift(1),
                  },
                  '↓',
                ),
              )
            : null,
        ),
        mayFollow
          ? h(
              'div',
              { class: 'follow-up' },
              h('label', { class: 'inline-label' }, t('follow.owner'), owner),
              h('label', { class: 'inline-label' }, t('follow.due'), due),
            )
          : h(
              'p',
              { class: 'muted small follow-up-ro', 'data-testid': 'follow-ro' },
              area.owner || area.due
                ? [
                    area.owner ? t('follow.owner.ro', { name: area.owner }) : null,
                    area.due ? t('follow.due.ro', { date: formatDate(area.due) }) : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')
                : t('follow.none'),
            ),
      ),
    );
  }

  return {
    el,
    update(view) {
      const p = view.room.priorities;
      const key = JSON.stringify([
        p.ranking,
        p.finalised,
        p.tally,
        p.areas,
        view.room.closed,
        view.room.members,
        view.you,
      ]);
      if (key === lastKey) return;
      lastKey = key;
      const order = p.ranking.filter((id) => p.areas[id]);
      el.hidden = order.length === 0 && p.phase !== 'closed';
      state.textContent = p.finalised ? t('rank.final') : t('rank.draft');
      state.classList.toggle('chip-final', p.finalised);
      people.replaceChildren(
        ...Object.values(view.room.members)
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((m) => h('option', { value: m.name })),
      );
      const fac = isFacilitator(view) && canEdit(view);
      finalise.replaceChildren(
        fac
          ? h(
              'button',
              {
                type: 'button',
                class: p.finalised ? 'btn btn-secondary' : 'btn btn-primary',
                'data-testid': 'rank-finalise',
                onclick: () => ctx.conn.send({ type: 'ranking.finalise', finalised: !p.finalised }),
              },
              p.finalised ? t('rank.unlock') : t('rank.finalise'),
            )
          : '',
      );
      rebuildKeepingFocus(list, () =>
        order.map((id, i) => item(view, /** @type {Area} */ (p.areas[id]), i, order)),
      );
    },
  };
}
