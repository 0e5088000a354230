// Who's here: every member with an online dot and a facilitator badge, the number of wall
// displays, and (for a member) their own name with a way to rename themself.

import { fill, h } from '../dom.js';
import { t, tn } from '../i18n.js';
import { MAX_NAME_CHARS } from '../limits.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Member} Member */

/**
 * Online first, facilitators before participants, then by name.
 * @param {RoomView} view
 * @returns {Member[]}
 */
export function sortedMembers(view) {
  return Object.values(view.room.members).sort(
    (a, b) =>
      Number(view.online.has(b.id)) - Number(view.online.has(a.id)) ||
      Number(b.role === 'facilitator') - Number(a.role === 'facilitator') ||
      a.name.localeCompare(b.name),
  );
}

/**
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function presencePart(ctx) {
  const counts = h('p', { class: 'muted small', 'data-testid': 'presence-counts' });
  const list = h('ul', { class: 'people', 'data-testid': 'presence' });
  const me = h('div', { class: 'me' });
  const el = h(
    'section',
    { class: 'card presence' },
    h('div', { class: 'card-head' }, h('h2', null, t('presence.heading'))),
    counts,
    list,
    me,
  );
  let renaming = false;
  /** @type {string | null} the name shown in the "me" row, to know when to redraw it */
  let shownName = null;

  /** @param {string} name */
  function showMe(name) {
    shownName = name;
    if (renaming) {
      const input = h('input', {
        value: name,
        maxlength: MAX_NAME_CHARS,
        required: true,
        'aria-label': t('join.name'),
        'data-testid': 'rename-input',
      });
      const done = () => {
        renaming = false;
        showMe(ctx.store.view?.room.members[ctx.store.view.you.member_id ?? '']?.name ?? name);
      };
      fill(
        me,
        h(
          'form',
          {
            class: 'rename',
            onsubmit: (/** @type {SubmitEvent} */ ev) => {
              ev.preventDefault();
              const next = input.value.trim();
              if (next && next !== name) ctx.conn.send({ type: 'member.rename', name: next });
              done();
            },
          },
          input,
          h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, t('presence.rename.ok')),
          h(
            'button',
            { type: 'button', class: 'btn btn-ghost btn-small', onclick: done },
            t('presence.rename.cancel'),
          ),
        ),
      );
      input.focus();
      input.select();
    } else {
      fill(
        me,
        h('span', { class: 'me-name' }, name),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-small',
            'data-testid': 'rename',
            onclick: () => {
              renaming = true;
              showMe(name);
            },
          },
          t('presence.rename'),
        ),
      );
    }
  }

  return {
    el,
    update(view) {
      // While disconnected, who is online is unknown: show nobody as online rather than stale dots.
      const online = ctx.store.status === 'online' ? view.online : new Set();
      const members = sortedMembers(view);
      const parts = [tn('presence.online', online.size)];
      if (view.viewers > 0) parts.push(tn('presence.viewers', view.viewers));
      counts.textContent = parts.join(' · ');
      fill(
        list,
        members.length === 0 ? h('li', { class: 'muted' }, t('presence.empty')) : null,
        members.map((member) => {
          const here = online.has(member.id);
          return h(
            'li',
            { class: `person ${here ? 'online' : 'offline'}`, 'data-member': member.id },
            h('span', { class: 'dot', title: here ? t('conn.online') : t('presence.offline') }),
            h('span', { class: 'person-name' }, member.name),
            member.id === view.you.member_id ? h('span', { class: 'muted' }, `(${t('presence.you')})`) : null,
            member.role === 'facilitator' ? h('span', { class: 'badge' }, t('role.facilitator')) : null,
          );
        }),
      );
      const myself = view.you.member_id ? view.room.members[view.you.member_id] : undefined;
      me.hidden = !myself;
      if (myself && !renaming && myself.name !== shownName) showMe(myself.name);
    },
  };
}
