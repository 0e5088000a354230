// A team's assessment board (steps 5 and 6): the six categories of behaviour, each with "when
// have we succeeded?" and "when have we failed?" columns of example cards and a 1-5 rating;
// and the small live overview of every team's board.
//
// Cards are shared text under an edit lease: the first keystroke takes it and typing commits
// after a short pause (`card.write` with `release: false`, so others see "Ana is writing..." and
// cannot overwrite), while the holder's keystrokes reach the others live (`typing`); leaving
// the field releases it. A refused write keeps the
// writer's text in the field. Members of other teams, viewers and everyone in a closed room
// see the board read-only.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { typingKey } from '../store.js';
import {
  CATEGORIES,
  MAX_CARD_CHARS,
  MAX_RATING,
  canEdit,
  categoryText,
  clusterLabel,
  confirmButton,
  helpMe,
  isFacilitator,
  nameOf,
  namesOf,
  newId,
  teamLabel,
} from './kit.js';
import { TYPING_MS } from './sheet.js';

/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Card} Card */
/** @typedef {import('../protocol').Column} Column */
/** @typedef {import('../protocol').Team} Team */

/** Typing pauses this long before the text is committed (and the lease renewed). */
const COMMIT_AFTER_MS = 700;
/** @type {Column[]} */
const COLUMNS = ['succeeded', 'failed'];

/**
 * Whether this person may write on `team`'s board: its members and facilitators, room open.
 * @param {RoomView} view
 * @param {Team | undefined} team
 */
export function mayWrite(view, team) {
  if (!team || !canEdit(view)) return false;
  return isFacilitator(view) || team.members.includes(view.you.member_id ?? '');
}

/**
 * Cards of `team`, in the order they were written.
 * @param {RoomView} view
 * @param {number} team
 */
function cardsOf(view, team) {
  return Object.values(view.room.assessment.cards)
    .filter((c) => c.team === team)
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}

/**
 * The person holding `card`'s lease, if it is someone else's and still good.
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @param {Card} card
 */
function otherWriter(ctx, view, card) {
  const lease = card.lease;
  if (!lease || lease.holder === view.you.member_id) return null;
  if (lease.expires_at <= ctx.store.serverNow() || !view.online.has(lease.holder)) return null;
  return lease.holder;
}

/**
 * @typedef {object} CardView
 * @property {HTMLElement} el
 * @property {HTMLTextAreaElement | null} field when writable
 * @property {HTMLElement | null} text when read-only
 * @property {HTMLElement} status "Ana is writing...", "Not saved"
 * @property {HTMLElement} foot
 * @property {Card} card
 * @property {boolean} dirty typed here and not committed yet
 * @property {boolean} holding this person holds the lease
 * @property {ReturnType<typeof setTimeout> | null} timer
 * @property {string} footKey
 * @property {number} cardAt when this browser last saw the card change (live text older than
 *   that is stale)
 * @property {boolean} leasing the first write, which takes the lease, is on its way
 * @property {number} typedAt when this person's last live text went out
 * @property {ReturnType<typeof setTimeout> | null} typingTimer
 */

/**
 * @param {RoomCtx} ctx
 * @param {{ areas?: boolean }} [options] `areas`: a "+ area" button on failure cards (step 6)
 */
export function teamBoard(ctx, options = {}) {
  const title = h('h3', { class: 'team-board-title', 'data-testid': 'team-board-title' });
  const meta = h('div', { class: 'team-board-meta' });
  const readonly = h('p', { class: 'readonly-note', 'data-testid': 'readonly-note', hidden: true });
  const grid = h('div', { class: 'categories-grid' });
  const el = h(
    'section',
    { class: 'team-board', 'data-testid': 'team-board' },
    h('header', { class: 'team-board-head' }, title, meta),
    readonly,
    grid,
  );
  /** @type {number | null} */
  let teamId = null;
  /** @type {Map<string, CardView>} */
  const cards = new Map();
  /** @type {Map<string, HTMLElement>} card lists by `${category}:${column}` */
  const cells = new Map();
  /** @type {Map<number, HTMLElement>} rating controls by category */
  const ratings = new Map();
  let builtFor = '';
  let lastSeq = -1;
  /** @type {Set<string> | null} */
  let lastOnline = null;

  /** @param {number | null} id the team to show */
  function show(id) {
    if (id === teamId) return;
    teamId = id;
    builtFor = '';
    const view = ctx.store.view;
    if (view) update(view, true);
  }

  /** @param {RoomView} view */
  function build(view) {
    cards.clear();
    cells.clear();
    ratings.clear();
    const team = view.room.assessment.teams.find((x) => x.id === teamId);
    const writable = mayWrite(view, team);
    builtFor = `${teamId}|${writable}`;
    el.classList.toggle('readonly', !writable);
    grid.replaceChildren(
      ...CATEGORIES.map((category) => {
        const rating = h('div', { class: 'rating', role: writable ? 'radiogroup' : 'img' });
        ratings.set(category, rating);
        return h(
          'section',
          { class: 'category', 'data-category': category, 'data-testid': `category-${category}` },
          h(
            'header',
            { class: 'category-head' },
            h('span', { class: 'category-num', 'aria-hidden': 'true' }, category),
            h('h4', { class: 'category-text' }, categoryText(category)),
            rating,
          ),
          h(
            'div',
            { class: 'category-columns' },
            COLUMNS.map((column) => {
              const list = h('div', { class: 'card-list' });
              cells.set(`${category}:${column}`, list);
              return h(
                'div',
                { class: `column column-${column}`, 'data-column': column },
                h(
                  'h5',
                  { class: 'column-head' },
                  h(
                    'span',
                    { class: 'column-icon', 'aria-hidden': 'true' },
                    column === 'succeeded' ? '✓' : '✗',
                  ),
                  t(`board.${column}`),
                ),
                list,
                writable ? addForm(category, column) : null,
              );
            }),
          ),
        );
      }),
    );
  }

  /** @param {number} category @param {Column} column */
  function addForm(category, column) {
    const field = h('textarea', {
      rows: 2,
      maxlength: MAX_CARD_CHARS,
      placeholder: t(`board.add.placeholder.${column}`),
      'aria-label': t('board.add.label', { column: t(`board.${column}`), n: category }),
      'data-testid': 'card-input',
      onkeydown: (/** @type {KeyboardEvent} */ ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey) {
          ev.preventDefault();
          form.requestSubmit();
        } else if (ev.key === 'Escape') {
          close();
        }
      },
    });
    const open = h(
      'button',
      {
        type: 'button',
        class: 'add-example',
        'data-testid': 'add-example',
        onclick: () => {
          open.hidden = true;
          form.hidden = false;
          field.focus();
        },
      },
      `+ ${t('board.add')}`,
    );
    const close = () => {
      form.hidden = true;
      open.hidden = false;
      field.value = '';
    };
    const form = h(
      'form',
      {
        class: 'add-form',
        hidden: true,
        onsubmit: async (/** @type {SubmitEvent} */ ev) => {
          ev.preventDefault();
          const text = field.value.trim();
          if (!text || teamId === null) return;
          field.value = '';
          const outcome = await ctx.conn.send({
            type: 'card.add',
            id: newId(),
            team: teamId,
            category,
            column,
            text,
          });
          if (!outcome.ok && !field.value) field.value = text;
        },
      },
      field,
      h(
        'div',
        { class: 'add-actions' },
        h(
          'button',
          { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'card-save' },
          t('board.add.save'),
        ),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: close }, t('note.cancel')),
        h('span', { class: 'muted small' }, t('board.add.enter')),
      ),
    );
    return h('div', { class: 'add-wrap' }, open, form);
  }

  /** @param {RoomView} view @param {Card} card @param {boolean} writable */
  function makeCard(view, card, writable) {
    const status = h('span', { class: 'card-status', 'aria-live': 'polite' });
    const foot = h('div', { class: 'card-foot' });
    /** @type {CardView} */
    const cv = {
      el: h('article', { class: `ex-card ex-${card.column}`, 'data-id': card.id, 'data-testid': 'ex-card' }),
      field: null,
      text: null,
      status,
      foot,
      card,
      dirty: false,
      holding: false,
      timer: null,
      footKey: '',
      cardAt: Date.now(),
      leasing: false,
      typedAt: 0,
      typingTimer: null,
    };
    if (writable) {
      const field = h('textarea', {
        class: 'ex-text',
        rows: 1,
        maxlength: MAX_CARD_CHARS,
        value: card.text,
        'aria-label': t('board.card.label'),
        'data-testid': 'card-text',
        oninput: () => {
          cv.dirty = true;
          autosize(field);
          if (cv.timer) clearTimeout(cv.timer);
          cv.timer = setTimeout(() => commit(cv, false), COMMIT_AFTER_MS);
          if (cv.holding) sendTyping(cv);
          else if (!cv.leasing) {
            cv.leasing = true;
            commit(cv, false).finally(() => {
              cv.leasing = false;
            });
          }
          drawStatus(view, cv);
        },
        onblur: () => {
          if (cv.timer) clearTimeout(cv.timer);
          cv.timer = null;
          if (cv.dirty || cv.holding) commit(cv, true);
        },
      });
      cv.field = field;
      cv.el.append(field, h('div', { class: 'card-row' }, status, foot));
      queueMicrotask(() => autosize(field));
    } else {
      cv.text = h('p', { class: 'ex-text-ro' }, card.text);
      cv.el.append(cv.text, h('div', { class: 'card-row' }, status, foot));
    }
    return cv;
  }

  /** @param {HTMLTextAreaElement} field grows with its text */
  function autosize(field) {
    field.style.height = 'auto';
    field.style.height = `${field.scrollHeight + 2}px`;
  }

  /**
   * Commits the field's text; on a refusal the text stays in the field, marked unsaved.
   * @param {CardView} cv
   * @param {boolean} release
   */
  async function commit(cv, release) {
    const field = cv.field;
    if (!field) return;
    const text = field.value.trim();
    if (!text) {
      // An emptied card is not saved empty: it stays as it was until deleted.
      cv.dirty = false;
      if (release) {
        field.value = cv.card.text;
        autosize(field);
        if (cv.holding)
          await ctx.conn.send({ type: 'card.write', id: cv.card.id, text: cv.card.text, release: true });
        cv.holding = false;
      }
      return;
    }
    const sent = field.value;
    cv.dirty = false;
    const outcome = await ctx.conn.send({ type: 'card.write', id: cv.card.id, text, release });
    const view = ctx.store.view;
    if (outcome.ok) {
      cv.holding = !release;
      cv.status.classList.remove('error');
      // What was typed while the write travelled goes out live now that the lease is held.
      if (cv.holding && field.value !== sent) sendTyping(cv);
    } else {
      cv.holding = false;
      if (field.value === sent) cv.dirty = true;
      cv.status.classList.add('error');
      cv.status.textContent =
        outcome.code === 'conflict'
          ? t('board.card.conflict', { reason: outcome.message })
          : t('board.card.unsaved');
      return;
    }
    if (view) drawStatus(view, cv);
  }

  /**
   * Sends the field's text live to the others, at most about 30 times a second; only the lease
   * holder's typing is passed on by the server.
   * @param {CardView} cv
   */
  function sendTyping(cv) {
    const field = cv.field;
    if (!field || !cv.holding) return;
    const wait = cv.typedAt + TYPING_MS - Date.now();
    if (wait > 0) {
      cv.typingTimer ??= setTimeout(() => {
        cv.typingTimer = null;
        sendTyping(cv);
      }, wait);
      return;
    }
    cv.typedAt = Date.now();
    ctx.conn.live({ type: 'typing', target: { kind: 'card', id: cv.card.id }, text: field.value });
  }

  /**
   * What a card shows to someone not writing it: the writer's live text while it is fresher
   * than the stored one.
   * @param {RoomView} view
   * @param {CardView} cv
   */
  function shownText(view, cv) {
    const writer = otherWriter(ctx, view, cv.card);
    const typing = writer ? view.live.typing.get(typingKey({ kind: 'card', id: cv.card.id })) : undefined;
    return typing && typing.member_id === writer && typing.at > cv.cardAt ? typing.text : cv.card.text;
  }

  /**
   * Shows the card's text (or its writer's live text), unless this person is typing in it.
   * @param {RoomView} view
   * @param {CardView} cv
   */
  function drawText(view, cv) {
    const shown = shownText(view, cv);
    const field = cv.field;
    if (field) {
      if (!cv.dirty && (document.activeElement !== field || field.readOnly) && field.value !== shown) {
        field.value = shown;
        autosize(field);
      }
    } else if (cv.text && cv.text.textContent !== shown) {
      cv.text.textContent = shown;
    }
  }

  /** @param {RoomView} view @param {CardView} cv */
  function drawStatus(view, cv) {
    const writer = otherWriter(ctx, view, cv.card);
    if (cv.status.classList.contains('error') && cv.dirty) return;
    cv.status.classList.remove('error');
    cv.status.classList.toggle('writing', !!writer);
    cv.status.textContent = writer
      ? t('board.card.writing', { name: nameOf(view.room, writer) })
      : cv.dirty
        ? t('board.card.typing')
        : '';
    cv.el.classList.toggle('leased', !!writer);
    if (cv.field) cv.field.readOnly = !!writer;
  }

  /** @param {RoomView} view @param {CardView} cv @param {boolean} writable */
  function drawFoot(view, cv, writable) {
    const card = cv.card;
    const fromCard = Object.values(view.room.priorities.areas).some((a) => a.from_card === card.id);
    const key = `${writable}|${card.category}|${card.column}|${card.author}|${fromCard}|${canEdit(view)}`;
    if (key === cv.footKey) return;
    cv.footKey = key;
    const author = h('span', { class: 'card-author' }, nameOf(view.room, card.author));
    /** @type {(HTMLElement | null)[]} */
    const tools = [author];
    if (writable) {
      const move = h(
        'select',
        {
          class: 'card-move',
          'aria-label': t('board.card.move'),
          'data-testid': 'card-move',
          onchange: () => {
            if (!move.value) return;
            const [category, column] = move.value.split(':');
            move.value = '';
            ctx.conn.send({
              type: 'card.move',
              id: card.id,
              category: Number(category),
              column: /** @type {Column} */ (column),
            });
          },
        },
        h('option', { value: '' }, `${t('board.card.move')}…`),
        CATEGORIES.map((c) =>
          h(
            'optgroup',
            { label: `${c}. ${categoryText(c)}` },
            COLUMNS.map((col) =>
              h(
                'option',
                { value: `${c}:${col}`, disabled: c === card.category && col === card.column },
                `${c} · ${t(`board.short.${col}`)}`,
              ),
            ),
          ),
        ),
      );
      move.value = '';
      tools.push(
        move,
        confirmButton({
          label: '×',
          confirm: t('board.card.delete.confirm'),
          className: 'btn btn-ghost btn-small card-delete',
          testid: 'card-delete',
          action: () => ctx.conn.send({ type: 'card.delete', id: card.id }),
        }),
      );
    }
    if (options.areas && card.column === 'failed' && canEdit(view)) {
      tools.push(
        fromCard
          ? h('span', { class: 'chip chip-area' }, t('area.from_card.done'))
          : h(
              'button',
              {
                type: 'button',
                class: 'btn btn-secondary btn-small',
                'data-testid': 'card-to-area',
                title: t('area.from_card.aria'),
                onclick: () => ctx.conn.send({ type: 'area.add', id: newId(), text: '', from_card: card.id }),
              },
              `+ ${t('area.from_card')}`,
            ),
      );
    }
    cv.foot.replaceChildren(...tools.filter((x) => x !== null));
  }

  /** @param {Team | undefined} team @param {boolean} writable */
  function drawRatings(team, writable) {
    for (const [category, box] of ratings) {
      const value = team?.ratings[category - 1] ?? 0;
      if (box.dataset.value === `${value}|${writable}`) continue;
      box.dataset.value = `${value}|${writable}`;
      box.setAttribute('aria-label', t('board.rating.aria', { n: category, value }));
      if (!writable) {
        box.replaceChildren(
          ...Array.from({ length: MAX_RATING }, (_, i) =>
            h('span', { class: `star ${i < value ? 'on' : ''}`, 'aria-hidden': 'true' }, '★'),
          ),
        );
        if (!value) box.append(h('span', { class: 'muted small' }, t('board.rating.none')));
        continue;
      }
      box.replaceChildren(
        ...Array.from({ length: MAX_RATING }, (_, i) => {
          const n = i + 1;
          return h(
            'button',
            {
              type: 'button',
              class: `star ${n <= value ? 'on' : ''}`,
              role: 'radio',
              'aria-checked': String(n === value),
              'aria-label': t('board.rating.set', { n }),
              title: n === value ? t('board.rating.clear') : t('board.rating.set', { n }),
              'data-testid': `rate-${category}-${n}`,
              onclick: () =>
                teamId !== null &&
                ctx.conn.send({ type: 'rating.set', team: teamId, category, rating: n === value ? 0 : n }),
            },
            '★',
          );
        }),
      );
    }
  }

  /** @param {RoomView} view @param {Team | undefined} team */
  function drawHead(view, team) {
    if (!team) {
      title.textContent = t('board.no_team');
      meta.replaceChildren();
      return;
    }
    title.textContent = teamLabel(view.room, team);
    const cluster = team.cluster ? view.room.wall.clusters[team.cluster] : undefined;
    const notes = cluster
      ? Object.values(view.room.wall.notes).filter((n) => n.revealed && n.cluster === cluster.id)
      : [];
    meta.replaceChildren(
      h(
        'p',
        { class: 'team-members' },
        h('span', { class: 'muted' }, `${t('team.members')}: `),
        team.members.length ? namesOf(view.room, team.members) : t('team.empty'),
      ),
      cluster
        ? h(
            'details',
            { class: 'team-notes' },
            h('summary', null, t('team.client_type', { name: clusterLabel(cluster), n: notes.length })),
            h(
              'ul',
              null,
              notes.map((n) => h('li', null, helpMe(view.room.settings.language, n.text))),
            ),
          )
        : h('p', { class: 'muted small' }, t('team.no_client_type')),
    );
  }

  /**
   * @param {RoomView} view
   * @param {boolean} [force]
   */
  function update(view, force = false) {
    if (!force && view.room.seq === lastSeq && view.online === lastOnline) {
      // Nothing stored changed: only someone's live typing may have.
      for (const cv of cards.values()) drawText(view, cv);
      return;
    }
    lastSeq = view.room.seq;
    lastOnline = view.online;
    const team = view.room.assessment.teams.find((x) => x.id === teamId);
    const writable = mayWrite(view, team);
    if (builtFor !== `${teamId}|${writable}`) build(view);
    el.hidden = teamId === null;
    drawHead(view, team);
    readonly.hidden = writable || !team;
    readonly.textContent = view.room.closed
      ? t('closed.readonly')
      : view.you.role === 'viewer'
        ? t('board.readonly.viewer')
        : t('board.readonly');
    drawRatings(team, writable);
    const list = teamId === null ? [] : cardsOf(view, teamId);
    const seen = new Set();
    /** @type {Map<string, CardView[]>} */
    const byCell = new Map();
    for (const card of list) {
      seen.add(card.id);
      let cv = cards.get(card.id);
      if (!cv) {
        cv = makeCard(view, card, writable);
        cards.set(card.id, cv);
      } else if (cv.card !== card) {
        cv.card = card;
        cv.cardAt = Date.now();
        cv.el.className = `ex-card ex-${card.column}`;
      }
      drawText(view, cv);
      drawStatus(view, cv);
      drawFoot(view, cv, writable);
      const key = `${card.category}:${card.column}`;
      const cell = byCell.get(key) ?? [];
      cell.push(cv);
      byCell.set(key, cell);
    }
    for (const [id, cv] of cards) {
      if (!seen.has(id)) {
        if (cv.timer) clearTimeout(cv.timer);
        if (cv.typingTimer) clearTimeout(cv.typingTimer);
        cv.el.remove();
        cards.delete(id);
      }
    }
    for (const [key, cell] of cells) {
      const wanted = (byCell.get(key) ?? []).map((cv) => cv.el);
      // Only what changed moves: moving a card's element would blur a field being typed in.
      for (const child of Array.from(cell.children)) {
        if (!wanted.includes(/** @type {HTMLElement} */ (child))) child.remove();
      }
      wanted.forEach((node, i) => {
        if (cell.children[i] !== node) cell.insertBefore(node, cell.children[i] ?? null);
      });
      cell.dataset.empty = String(wanted.length === 0);
    }
  }

  /** Leases run out with time: redraw the "is writing" notes. */
  function tick() {
    const view = ctx.store.view;
    if (!view || teamId === null) return;
    for (const cv of cards.values())
      if (cv.card.lease || cv.el.classList.contains('leased')) drawStatus(view, cv);
  }

  return { el, show, update, tick, current: () => teamId };
}

/**
 * The facilitator's view of every board: per team, examples per category and column, ratings,
 * and a button to open the full board.
 * @param {(team: number) => void} open
 */
export function teamsOverview(open) {
  const el = h('div', { class: 'teams-overview', 'data-testid': 'teams-overview' });
  let lastSeq = -1;
  return {
    el,
    /** @param {RoomView} view */
    update(view) {
      if (view.room.seq === lastSeq) return;
      lastSeq = view.room.seq;
      const teams = view.room.assessment.teams;
      const cards = Object.values(view.room.assessment.cards);
      if (teams.length === 0) {
        el.replaceChildren(h('p', { class: 'empty' }, t('teams.none')));
        return;
      }
      el.replaceChildren(
        ...teams.map((team) => {
          const mine = cards.filter((c) => c.team === team.id);
          const rated = team.ratings.filter((r) => r > 0).length;
          const count = (/** @type {number} */ category, /** @type {Column} */ column) =>
            mine.filter((c) => c.category === category && c.column === column).length;
          return h(
            'article',
            { class: 'team-tile card', 'data-team': team.id, 'data-testid': 'team-tile' },
            h(
              'header',
              { class: 'team-tile-head' },
              h('h3', null, teamLabel(view.room, team)),
              h(
                'button',
                {
                  type: 'button',
                  class: 'btn btn-secondary btn-small',
                  'data-testid': `open-team-${team.id}`,
                  onclick: () => open(team.id),
                },
                t('overview.open'),
              ),
            ),
            h(
              'p',
              { class: 'muted small team-tile-members' },
              team.members.length ? namesOf(view.room, team.members) : t('team.empty'),
            ),
            h(
              'table',
              { class: 'mini-board' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('overview.category'))),
                  h('th', { scope: 'col', title: t('board.succeeded') }, '✓'),
                  h('th', { scope: 'col', title: t('board.failed') }, '✗'),
                  h('th', { scope: 'col', title: t('overview.rating') }, '★'),
                ),
              ),
              h(
                'tbody',
                null,
                CATEGORIES.map((c) => {
                  const s = count(c, 'succeeded');
                  const f = count(c, 'failed');
                  const r = team.ratings[c - 1] ?? 0;
                  return h(
                    'tr',
                    null,
                    h('th', { scope: 'row', title: categoryText(c) }, c),
                    h('td', { class: s ? 'has ok' : 'zero' }, s),
                    h('td', { class: f ? 'has bad' : 'zero' }, f),
                    h('td', { class: r ? 'has' : 'zero' }, r || '–'),
                  );
                }),
              ),
            ),
            h(
              'p',
              { class: 'team-tile-foot', 'data-testid': 'team-progress' },
              t('overview.progress', { n: mine.length, rated }),
            ),
          );
        }),
      );
    },
  };
}
