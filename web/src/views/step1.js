// Step 1's board: the purpose and the broad definition (in the room's lens), the member's own
// check-in form, the live list of check-ins, and for a facilitator who has not checked in yet.

import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { MAX_CHECKIN_CHARS } from '../limits.js';
import { sortedMembers } from './presence.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Checkin} Checkin */

/**
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @returns {Part}
 */
export function step1Part(ctx, view) {
  const role = view.you.role;
  const parts = [
    role === 'facilitator' ? progressPart() : null,
    role !== 'viewer' ? checkinFormPart(ctx) : null,
    checkinListPart(ctx, role === 'facilitator'),
  ].filter((p) => p !== null);
  const el = h(
    'div',
    { class: 'board board-step1' },
    purposeCard(),
    parts.map((p) => p.el),
  );
  return {
    el,
    update(next) {
      for (const part of parts) part.update(next);
    },
  };
}

function purposeCard() {
  return h(
    'section',
    { class: 'card purpose', 'data-testid': 'purpose' },
    h('h2', { class: 'section-title' }, t('purpose.heading')),
    h('p', { class: 'purpose-text' }, t('purpose.text')),
    h('h2', { class: 'section-title' }, t('definition.heading')),
    h('blockquote', { class: 'definition' }, t('definition.text')),
    h('p', { class: 'muted small' }, t('definition.note')),
  );
}

/**
 * The member's own check-in. What they type is kept in `ctx.drafts` until it is sent, so a
 * re-render (a language switch) does not lose it.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function checkinFormPart(ctx) {
  const mine = () => {
    const view = ctx.store.view;
    return view?.you.member_id ? view.room.checkins[view.you.member_id] : undefined;
  };
  /** @param {'contribute' | 'get_out'} name */
  const area = (name) => {
    const draftKey = `checkin.${name}`;
    const textarea = h('textarea', {
      name,
      rows: 3,
      maxlength: MAX_CHECKIN_CHARS,
      placeholder: t(`checkin.${name}.placeholder`),
      value: ctx.drafts.get(draftKey) ?? mine()?.[name] ?? '',
      oninput: () => {
        ctx.drafts.set(draftKey, textarea.value);
        status.textContent = '';
        refreshButton();
      },
    });
    return textarea;
  };
  const contribute = area('contribute');
  const getOut = area('get_out');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'checkin-submit' });
  const status = h('span', { class: 'muted small', role: 'status' });
  let sending = false;
  /** @type {Checkin | undefined} the saved check-in the fields were last filled from */
  let shown = mine();

  function refreshButton() {
    submit.textContent = sending ? t('checkin.sending') : mine() ? t('checkin.update') : t('checkin.post');
    submit.disabled = sending || (!contribute.value.trim() && !getOut.value.trim());
  }

  /** @param {SubmitEvent} ev */
  async function send(ev) {
    ev.preventDefault();
    sending = true;
    status.textContent = '';
    refreshButton();
    const outcome = await ctx.conn.send({
      type: 'checkin.set',
      contribute: contribute.value.trim(),
      get_out: getOut.value.trim(),
    });
    sending = false;
    if (outcome.ok) {
      ctx.drafts.delete('checkin.contribute');
      ctx.drafts.delete('checkin.get_out');
      status.textContent = `✓ ${t('checkin.posted')}`;
    }
    refreshButton();
  }

  refreshButton();
  const el = h(
    'form',
    { class: 'card checkin-form', 'data-testid': 'checkin-form', onsubmit: send },
    h('h2', { class: 'section-title' }, t('checkin.heading')),
    h(
      'div',
      { class: 'field-row' },
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, t('checkin.contribute')),
        contribute,
      ),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('checkin.get_out')), getOut),
    ),
    h('div', { class: 'form-actions' }, submit, status),
  );
  return {
    el,
    update() {
      // Someone else changed this check-in (another tab, or a facilitator removed it): show
      // the saved text unless the member is typing.
      const saved = mine();
      if (saved !== shown && !ctx.drafts.has('checkin.contribute') && !ctx.drafts.has('checkin.get_out')) {
        contribute.value = saved?.contribute ?? '';
        getOut.value = saved?.get_out ?? '';
      }
      shown = saved;
      refreshButton();
    },
  };
}

/**
 * "Checked in: N of M" over the participants, and who has not checked in yet.
 * @returns {Part}
 */
function progressPart() {
  const count = h('p', { class: 'progress-count', 'data-testid': 'checkin-progress' });
  const fillBar = h('div', { class: 'progress-fill' });
  const waiting = h('div', { class: 'waiting', 'data-testid': 'checkin-waiting' });
  const el = h(
    'section',
    { class: 'card checkin-progress' },
    count,
    h('div', { class: 'progress' }, fillBar),
    waiting,
  );
  return {
    el,
    update(view) {
      const participants = sortedMembers(view).filter((m) => m.role === 'participant');
      const missing = participants.filter((m) => !view.room.checkins[m.id]);
      const done = participants.length - missing.length;
      count.textContent = t('checkin.progress', { n: done, total: participants.length });
      fillBar.style.width = participants.length ? `${(done / participants.length) * 100}%` : '0%';
      if (participants.length === 0) fill(waiting, h('span', { class: 'muted small' }, t('presence.empty')));
      else if (missing.length === 0)
        fill(waiting, h('span', { class: 'all-in' }, `✓ ${t('checkin.all_in')}`));
      else
        fill(
          waiting,
          h('span', { class: 'muted small' }, t('checkin.waiting')),
          missing.map((m) =>
            h(
              'span',
              { class: `name-chip ${view.online.has(m.id) ? 'online' : 'offline'}` },
              h('span', { class: 'dot' }),
              m.name,
            ),
          ),
        );
    },
  };
}

/**
 * Every check-in with its author's name, in the order people joined; a facilitator can
 * remove any.
 * @param {RoomCtx} ctx
 * @param {boolean} canRemove
 * @returns {Part}
 */
function checkinListPart(ctx, canRemove) {
  const heading = h('h2', { class: 'section-title' });
  const list = h('div', { class: 'checkins', 'data-testid': 'checkins' });
  const el = h('section', { class: 'checkin-list' }, heading, list);
  return {
    el,
    update(view) {
      const { members, checkins } = view.room;
      const authors = Object.values(members)
        .filter((m) => checkins[m.id])
        .sort((a, b) => a.joined_at - b.joined_at);
      heading.textContent = `${t('checkin.list')} (${authors.length})`;
      fill(
        list,
        authors.length === 0 ? h('p', { class: 'empty' }, t('checkin.empty')) : null,
        authors.map((author) => {
          const checkin = /** @type {Checkin} */ (checkins[author.id]);
          return h(
            'article',
            { class: 'card checkin', 'data-member': author.id },
            h(
              'header',
              { class: 'checkin-head' },
              h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(author.name)),
              h('span', { class: 'checkin-author' }, author.name),
              author.role === 'facilitator' ? h('span', { class: 'badge' }, t('role.facilitator')) : null,
              canRemove
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-ghost btn-small checkin-remove',
                      onclick: () => ctx.conn.send({ type: 'checkin.clear', member_id: author.id }),
                    },
                    t('checkin.remove'),
                  )
                : null,
            ),
            answer(t('checkin.contribute'), checkin.contribute),
            answer(t('checkin.get_out'), checkin.get_out),
          );
        }),
      );
    },
  };
}

/** @param {string} label @param {string} text */
function answer(label, text) {
  return text
    ? h(
        'div',
        { class: 'answer' },
        h('div', { class: 'answer-label' }, label),
        h('p', { class: 'answer-text' }, text),
      )
    : null;
}

/** @param {string} name up to two initials, for the avatar */
function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => Array.from(word)[0].toUpperCase())
    .join('');
}
