// Step 4's board: each member's private "Help me ..." post-its, the facilitator's reveal (one
// person at a time or everyone), and the shared wall where anyone drags revealed notes into
// clusters - a zoomable canvas with live drags from everyone, or an accessible list view.

import { h } from '../dom.js';
import { stepText, t, tIn, tn } from '../i18n.js';
import { wallCanvas } from './wall.js';
import { wallList } from './walllist.js';
import { MAX_NOTE_CHARS, canEdit, helpMe, howItWorks, isFacilitator, nameOf, newId } from './kit.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Note} Note */

/**
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @returns {Part}
 */
export function step4Part(ctx, view) {
  const member = view.you.role !== 'viewer';
  /** @type {Part[]} */
  const top = [member ? composerPart(ctx) : null, pendingPart(ctx, isFacilitator(view))].filter(
    (p) => p !== null,
  );
  const turn = turnPart();
  const wall = wallPart(ctx);
  const parts = [...top, turn, wall];
  const el = h(
    'div',
    { class: 'board board-step4', 'data-testid': 'board-step4' },
    howItWorks(stepText(4, 'how'), ctx.openPanels, 'how:4'),
    h(
      'div',
      { class: 'step4-top' },
      top.map((p) => p.el),
    ),
    turn.el,
    wall.el,
  );
  let seenSeq = -1;
  /** @type {Set<string> | null} */
  let seenOnline = null;
  return {
    el,
    update(next) {
      // Live drags from everyone arrive many times a second and change nothing stored: only
      // the wall's animation needs them.
      if (next.room.seq === seenSeq && next.online === seenOnline) {
        wall.update(next);
        return;
      }
      seenSeq = next.room.seq;
      seenOnline = next.online;
      // Once notes are on the wall, the wall is what everyone works on: it moves to the top.
      el.classList.toggle(
        'has-wall',
        Object.values(next.room.wall.notes).some((n) => n.revealed),
      );
      for (const part of parts) part.update(next);
    },
  };
}

/**
 * The member's own post-its: a "Help me ..." field, and the notes still private (editable).
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function composerPart(ctx) {
  const prefix = h('span', { class: 'note-prefix', 'aria-hidden': 'true' });
  const input = h('input', {
    name: 'note',
    maxlength: MAX_NOTE_CHARS,
    autocomplete: 'off',
    placeholder: t('note.placeholder'),
    'data-testid': 'note-input',
    value: ctx.drafts.get('note') ?? '',
    oninput: () => {
      ctx.drafts.set('note', input.value);
      refresh();
    },
  });
  const add = h(
    'button',
    { type: 'submit', class: 'btn btn-primary', 'data-testid': 'note-add' },
    t('note.add'),
  );
  const summary = h('p', { class: 'muted small', 'data-testid': 'my-notes-summary' });
  const list = h('ul', { class: 'my-notes', 'data-testid': 'my-notes' });
  /** @type {string | null} the private note being edited */
  let editing = null;
  let shownKey = '';

  function refresh() {
    add.disabled = !input.value.trim() || !!ctx.store.view?.room.closed;
  }

  /** @param {SubmitEvent} ev */
  async function submit(ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    ctx.drafts.delete('note');
    refresh();
    input.focus();
    const outcome = await ctx.conn.send({ type: 'note.add', id: newId(), text });
    // Refused (too long, the room closed): give the words back rather than lose them.
    if (!outcome.ok && !input.value) {
      input.value = text;
      ctx.drafts.set('note', text);
      refresh();
    }
  }

  /**
   * @param {RoomView} view
   * @param {Note} note
   */
  function row(view, note) {
    const lang = view.room.settings.language;
    if (editing === note.id) {
      const field = h('input', {
        value: note.text,
        maxlength: MAX_NOTE_CHARS,
        'aria-label': t('note.edit.label'),
        'data-focus': `edit-${note.id}`,
      });
      const save = async () => {
        const text = field.value.trim();
        editing = null;
        shownKey = '';
        if (text && text !== note.text) await ctx.conn.send({ type: 'note.edit', id: note.id, text });
        render(view);
      };
      const form = h(
        'form',
        {
          class: 'my-note editing',
          onsubmit: (/** @type {SubmitEvent} */ ev) => {
            ev.preventDefault();
            save();
          },
        },
        h('span', { class: 'note-prefix' }, tIn(lang, 'note.prefix')),
        field,
        h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, t('note.save')),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-small',
            onclick: () => {
              editing = null;
              shownKey = '';
              render(view);
            },
          },
          t('note.cancel'),
        ),
      );
      queueMicrotask(() => field.focus());
      return h('li', null, form);
    }
    return h(
      'li',
      { class: 'my-note', 'data-id': note.id },
      h('span', { class: 'my-note-text' }, helpMe(lang, note.text)),
      canEdit(view)
        ? h(
            'span',
            { class: 'my-note-actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-ghost btn-small',
                'aria-label': t('note.edit.aria', { text: note.text }),
                onclick: () => {
                  editing = note.id;
                  shownKey = '';
                  render(view);
                },
              },
              t('note.edit'),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-ghost btn-small',
                'aria-label': t('note.delete.aria', { text: note.text }),
                onclick: () => ctx.conn.send({ type: 'note.delete', id: note.id }),
              },
              t('note.delete'),
            ),
          )
        : null,
    );
  }

  /** @param {RoomView} view */
  function render(view) {
    const me = view.you.member_id;
    const mine = Object.values(view.room.wall.notes)
      .filter((n) => n.author === me)
      .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
    const hidden = mine.filter((n) => !n.revealed);
    const key = `${hidden.map((n) => `${n.id}:${n.text}`).join('|')}#${mine.length}#${editing}#${view.room.closed}`;
    if (key === shownKey) return;
    shownKey = key;
    prefix.textContent = tIn(view.room.settings.language, 'note.prefix');
    input.setAttribute(
      'aria-label',
      t('note.input.label', { prefix: tIn(view.room.settings.language, 'note.prefix') }),
    );
    const placed = mine.length - hidden.length;
    summary.textContent = [
      hidden.length ? t('note.private', { n: hidden.length }) : t('note.none_private'),
      placed ? t('note.placed', { n: placed }) : '',
    ]
      .filter(Boolean)
      .join(' ');
    list.replaceChildren(...hidden.map((note) => row(view, note)));
    input.disabled = view.room.closed;
    refresh();
  }

  const el = h(
    'section',
    { class: 'card note-composer', 'data-testid': 'note-composer' },
    h('h2', { class: 'section-title' }, t('note.heading')),
    h(
      'form',
      { class: 'note-form', onsubmit: submit },
      h('label', { class: 'note-field' }, prefix, input),
      add,
    ),
    summary,
    list,
  );
  refresh();
  return { el, update: render };
}

/**
 * Who still has private notes, and how many; for a facilitator, the reveal buttons.
 * @param {RoomCtx} ctx
 * @param {boolean} canReveal
 * @returns {Part}
 */
function pendingPart(ctx, canReveal) {
  const list = h('ul', { class: 'pending-list', 'data-testid': 'pending' });
  const revealAll = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-primary',
      'data-testid': 'reveal-all',
      onclick: () => ctx.conn.send({ type: 'notes.reveal' }),
    },
    t('reveal.all'),
  );
  const note = h('p', { class: 'muted small' }, canReveal ? t('reveal.help') : t('reveal.help.participant'));
  let shownKey = '';
  const el = h(
    'section',
    { class: 'card pending-card', 'data-testid': 'pending-card' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { class: 'section-title' }, canReveal ? t('reveal.heading') : t('reveal.heading.participant')),
      canReveal ? revealAll : null,
    ),
    note,
    list,
  );
  return {
    el,
    update(view) {
      const { pending, turn } = view.room.wall;
      const key = JSON.stringify([pending, turn, view.room.closed, [...view.online].sort()]);
      if (key === shownKey) return;
      shownKey = key;
      const people = Object.entries(pending)
        .filter(([, n]) => n > 0)
        .map(([id, n]) => ({ id, n, name: nameOf(view.room, id) }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const total = people.reduce((sum, p) => sum + p.n, 0);
      revealAll.textContent = total ? `${t('reveal.all')} (${total})` : t('reveal.all');
      revealAll.disabled = total === 0 || view.room.closed;
      list.replaceChildren(
        ...(people.length === 0
          ? [h('li', { class: 'muted small' }, t('reveal.nobody'))]
          : people.map((p) =>
              h(
                'li',
                { class: `pending-row ${view.online.has(p.id) ? 'online' : 'offline'}`, 'data-member': p.id },
                h('span', { class: 'dot' }),
                h('span', { class: 'pending-name' }, p.name),
                h('span', { class: 'chip', 'data-testid': 'pending-count' }, tn('reveal.count', p.n)),
                canReveal
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'btn btn-secondary btn-small',
                        disabled: view.room.closed,
                        'aria-label': t('reveal.person.aria', { name: p.name }),
                        onclick: () => ctx.conn.send({ type: 'notes.reveal', member_id: p.id }),
                      },
                      t('reveal.person'),
                    )
                  : null,
              ),
            )),
      );
    },
  };
}

/**
 * "Ana's notes are on the wall": whose turn it is to place their notes.
 * @returns {Part}
 */
function turnPart() {
  const text = h('p', null);
  const el = h('div', { class: 'turn-banner', role: 'status', 'data-testid': 'turn', hidden: true }, text);
  return {
    el,
    update(view) {
      const turn = view.room.wall.turn;
      el.hidden = !turn;
      if (!turn) return;
      text.textContent =
        turn === view.you.member_id ? t('turn.you') : t('turn.other', { name: nameOf(view.room, turn) });
    },
  };
}

/**
 * The wall: a toolbar (wall or list, zoom, fit, full screen) over the canvas or the list.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function wallPart(ctx) {
  const canvas = wallCanvas(ctx);
  const list = wallList(ctx);
  const count = h('span', { class: 'muted small wall-count', 'data-testid': 'wall-count' });
  /** @param {'wall' | 'list'} mode @param {string} label */
  const modeButton = (mode, label) =>
    h(
      'button',
      {
        type: 'button',
        class: 'seg',
        'data-testid': `view-${mode}`,
        'aria-pressed': 'false',
        onclick: () => setMode(mode),
      },
      label,
    );
  const wallButton = modeButton('wall', t('wall.view.wall'));
  const listButton = modeButton('list', t('wall.view.list'));
  const expand = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-secondary btn-small',
      'data-testid': 'wall-expand',
      onclick: () => setExpanded(!el.classList.contains('expanded')),
    },
    t('wall.expand'),
  );
  const el = h(
    'section',
    {
      class: 'wall-part',
      'aria-label': t('wall.label'),
      onkeydown: (/** @type {KeyboardEvent} */ ev) => {
        if (ev.key === 'Escape' && el.classList.contains('expanded')) setExpanded(false);
      },
    },
    h(
      'div',
      { class: 'wall-toolbar' },
      h('div', { class: 'segmented', role: 'group', 'aria-label': t('wall.view') }, wallButton, listButton),
      count,
      h('div', { class: 'spacer' }),
      canvas.zoomControls,
      expand,
    ),
    canvas.el,
    list.el,
  );

  /** @param {boolean} on */
  function setExpanded(on) {
    el.classList.toggle('expanded', on);
    document.documentElement.classList.toggle('wall-fullscreen', on);
    expand.textContent = on ? t('wall.collapse') : t('wall.expand');
    canvas.resized();
  }

  /** @param {'wall' | 'list'} mode */
  function setMode(mode) {
    if (mode === 'list') ctx.openPanels.add('wall:list');
    else ctx.openPanels.delete('wall:list');
    const isList = mode === 'list';
    wallButton.setAttribute('aria-pressed', String(!isList));
    listButton.setAttribute('aria-pressed', String(isList));
    canvas.el.hidden = isList;
    canvas.zoomControls.hidden = isList;
    expand.hidden = isList;
    list.el.hidden = !isList;
    if (isList && el.classList.contains('expanded')) setExpanded(false);
    const view = ctx.store.view;
    if (view) (isList ? list : canvas).update(view);
    if (!isList) canvas.resized();
  }

  setMode(ctx.openPanels.has('wall:list') ? 'list' : 'wall');
  return {
    el,
    update(view) {
      const notes = Object.values(view.room.wall.notes).filter((n) => n.revealed).length;
      const clusters = Object.keys(view.room.wall.clusters).length;
      count.textContent = t('wall.count', { notes, clusters });
      if (list.el.hidden) canvas.update(view);
      else list.update(view);
    },
  };
}
