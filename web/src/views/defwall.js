// Step 3's wall: every group's sentence side by side, large, the one being read out marked
// (the facilitator moves the marker); words and phrases highlighted by anyone, live for all,
// with who chose them; the server's common words; the room's working definition, and its
// banner over the later boards.

import { fill, h } from '../dom.js';
import { t, tn } from '../i18n.js';
import { keyedList, nameOf, newItemId, setText } from './boardkit.js';
import { definitionOf, groupsOf } from './sheet.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Group} Group */
/** @typedef {import('../protocol').Highlight} Highlight */
/** @template T @typedef {import('./boardkit.js').Keyed<T>} Keyed */

/** Longest working definition (`MAX_WORKING_CHARS`). */
const MAX_WORKING_CHARS = 600;
/** Highlight colours stop deepening at this many people. */
const MAX_HIGHLIGHT_SHADE = 4;

/**
 * A selection inside one definition on the wall, in Unicode characters (what the server
 * counts), trimmed of spaces at its ends.
 * @typedef {{ group: number, start: number, end: number, phrase: string }} Picked
 */

/**
 * "The wall": every group's sentence side by side, large; the one being read out marked (the
 * facilitator moves the marker); select words in any of them to highlight them.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function wallPart(ctx) {
  const role = ctx.store.view?.you.role;
  const canHighlight = role === 'facilitator' || role === 'participant';
  const prev = h(
    'button',
    { type: 'button', class: 'btn btn-secondary', 'data-testid': 'wall-prev' },
    `← ${t('defwall.prev')}`,
  );
  const next = h(
    'button',
    { type: 'button', class: 'btn btn-primary', 'data-testid': 'wall-next' },
    `${t('defwall.next')} →`,
  );
  const hide = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost',
      'data-testid': 'wall-hide',
      onclick: () => ctx.conn.send({ type: 'wall.show', shown: false }),
    },
    t('defwall.hide'),
  );
  const reading = h('p', { class: 'defwall-reading-line', 'data-testid': 'wall-reading' });
  const controls = h('div', { class: 'defwall-controls' }, prev, next, hide);
  const grid = h('div', { class: 'defwall-grid', 'data-testid': 'def-wall' });
  const help = h('p', { class: 'field-help defwall-help' }, canHighlight ? t('defwall.highlight_help') : '');
  const floating = h(
    'button',
    {
      type: 'button',
      class: 'highlight-button',
      'data-testid': 'highlight-selection',
      hidden: true,
      // Keeps the selection: the click would otherwise clear it before it is read.
      onmousedown: (/** @type {MouseEvent} */ ev) => ev.preventDefault(),
      onclick: () => highlightSelection(),
    },
    h('span', { class: 'highlight-swatch', 'aria-hidden': 'true' }),
    t('defwall.highlight'),
  );
  /** @type {Map<string, Keyed<{ group: Group, view: RoomView, index: number }>>} */
  const cache = new Map();
  /** @type {Picked | null} */
  let picked = null;

  const el = h(
    'section',
    { class: 'defwall-view' },
    h(
      'div',
      { class: 'defwall-head' },
      h('div', null, h('h2', { class: 'defwall-title' }, t('defwall.heading')), reading),
      role === 'facilitator' ? controls : null,
    ),
    help,
    grid,
    floating,
  );

  /** @param {number} delta */
  function step(delta) {
    const view = ctx.store.view;
    if (!view) return;
    const ids = groupsOf(view).map((g) => g.id);
    if (ids.length === 0) return;
    const at = ids.indexOf(view.room.definitions.wall.reading ?? -1);
    const to = at < 0 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + delta));
    ctx.conn.send({ type: 'wall.read', group: ids[to] });
  }
  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));

  function onSelection() {
    if (!el.isConnected) {
      document.removeEventListener('selectionchange', onSelection);
      return;
    }
    picked = canHighlight ? pickedText(grid) : null;
    floating.hidden = !picked;
    if (!picked) return;
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0) return;
    const box = selection.getRangeAt(0).getBoundingClientRect();
    const frame = el.getBoundingClientRect();
    floating.style.left = `${Math.max(0, box.left - frame.left + box.width / 2)}px`;
    floating.style.top = `${box.top - frame.top}px`;
  }
  document.addEventListener('selectionchange', onSelection);

  async function highlightSelection() {
    const chosen = picked;
    if (!chosen) return;
    floating.hidden = true;
    document.getSelection()?.removeAllRanges();
    await ctx.conn.send({
      type: 'highlight.add',
      id: newItemId('h'),
      group: chosen.group,
      start: chosen.start,
      end: chosen.end,
    });
  }

  /** @param {{ group: Group, view: RoomView, index: number }} item @returns {Keyed<{ group: Group, view: RoomView, index: number }>} */
  function make(item) {
    const id = item.group.id;
    const text = h('p', { class: 'defwall-text', 'data-group': id, 'data-testid': 'defwall-text' });
    const marker = h(
      'span',
      { class: 'reading-pill', 'data-testid': 'reading-marker' },
      t('defwall.reading_now'),
    );
    const readButton = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-small',
        'data-testid': 'wall-read',
        onclick: () => ctx.conn.send({ type: 'wall.read', group: id }),
      },
      t('defwall.read_this'),
    );
    const marks = h('ul', { class: 'hl-list', 'data-testid': 'highlights' });
    const card = h(
      'article',
      { class: 'defwall-card', 'data-group': id },
      h(
        'header',
        { class: 'defwall-card-head' },
        h('h3', null, t('groups.group', { n: id })),
        marker,
        role === 'facilitator' ? readButton : null,
      ),
      text,
      marks,
    );
    let drawn = '';
    return {
      el: card,
      update({ view }) {
        const { wall, highlights } = view.room.definitions;
        const isReading = wall.reading === id;
        card.classList.toggle('reading', isReading);
        card.classList.toggle('dimmed', wall.reading !== undefined && !isReading);
        marker.hidden = !isReading;
        readButton.hidden = isReading;
        const def = definitionOf(view, id);
        const mine = Object.values(highlights)
          .filter((hl) => hl.group === id)
          .sort((a, b) => a.start - b.start || a.end - b.end || a.id.localeCompare(b.id));
        const names = mine.map((hl) => nameOf(view, hl.by));
        const signature = JSON.stringify([
          def?.text ?? '',
          mine.map((hl) => [hl.id, hl.start, hl.end, hl.by]),
          names,
        ]);
        // Redrawn only when it changed: a selection being made in it, or a click on a remove
        // button, survives other updates.
        if (signature === drawn) return;
        drawn = signature;
        drawHighlighted(text, view, def?.text ?? '', mine);
        const me = view.you.member_id;
        fill(
          marks,
          mine.map((hl) => {
            const removable = !!me && (hl.by === me || view.you.role === 'facilitator');
            return h(
              'li',
              { class: 'hl-chip', 'data-id': hl.id },
              h('span', { class: 'hl-phrase' }, `“${hl.phrase}”`),
              h('span', { class: 'hl-by' }, nameOf(view, hl.by)),
              removable
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'hl-remove',
                      'data-testid': 'highlight-remove',
                      title: t('defwall.remove_highlight'),
                      'aria-label': `${t('defwall.remove_highlight')}: ${hl.phrase}`,
                      onclick: () => ctx.conn.send({ type: 'highlight.remove', id: hl.id }),
                    },
                    '×',
                  )
                : null,
            );
          }),
        );
      },
    };
  }

  return {
    el,
    update(view) {
      const { wall } = view.room.definitions;
      el.hidden = !wall.shown;
      if (!wall.shown) return;
      const groups = groupsOf(view);
      const ids = groups.map((g) => g.id);
      const at = ids.indexOf(wall.reading ?? -1);
      prev.disabled = at <= 0;
      next.disabled = at === ids.length - 1;
      next.textContent = at < 0 ? `${t('defwall.start')} →` : `${t('defwall.next')} →`;
      setText(
        reading,
        wall.reading !== undefined ? t('defwall.reading', { n: wall.reading }) : t('defwall.not_reading'),
      );
      keyedList(
        grid,
        cache,
        groups.map((group, index) => ({ group, view, index })),
        (item) => String(item.group.id),
        make,
      );
      grid.dataset.count = String(Math.min(groups.length, 4));
    },
  };
}

/**
 * Draws a definition with its highlights: each stretch covered by the same highlights is one
 * `mark`, deeper the more people chose it, titled with who did.
 * @param {HTMLElement} el
 * @param {RoomView} view
 * @param {string} text
 * @param {Highlight[]} highlights
 */
function drawHighlighted(el, view, text, highlights) {
  const chars = Array.from(text);
  /** @type {Highlight[][]} */
  const cover = chars.map(() => []);
  for (const hl of highlights) {
    for (let i = hl.start; i < Math.min(hl.end, chars.length); i += 1) cover[i].push(hl);
  }
  /** @type {(string | HTMLElement)[]} */
  const out = [];
  let i = 0;
  while (i < chars.length) {
    const set = cover[i];
    const key = set.map((hl) => hl.id).join(',');
    let j = i + 1;
    while (j < chars.length && cover[j].map((hl) => hl.id).join(',') === key) j += 1;
    const piece = chars.slice(i, j).join('');
    if (set.length === 0) out.push(piece);
    else {
      const people = [...new Set(set.map((hl) => nameOf(view, hl.by)))];
      out.push(
        h(
          'mark',
          {
            class: `hl hl-${Math.min(people.length, MAX_HIGHLIGHT_SHADE)}`,
            title: t('defwall.highlighted_by', { names: people.join(', ') }),
          },
          piece,
        ),
      );
    }
    i = j;
  }
  if (chars.length === 0) out.push(h('span', { class: 'placeholder' }, t('def.nothing_yet')));
  fill(el, ...out);
}

/**
 * The current selection if it lies inside one definition on the wall, as character offsets.
 * @param {HTMLElement} grid
 * @returns {Picked | null}
 */
function pickedText(grid) {
  const selection = document.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const start =
    range.startContainer instanceof Element ? range.startContainer : range.startContainer.parentElement;
  const box = start?.closest('.defwall-text');
  if (!(box instanceof HTMLElement) || !grid.contains(box) || !box.contains(range.endContainer)) return null;
  if (box.querySelector('.placeholder')) return null;
  const text = box.textContent ?? '';
  const before = document.createRange();
  before.selectNodeContents(box);
  before.setEnd(range.startContainer, range.startOffset);
  let from = before.toString().length;
  before.setEnd(range.endContainer, range.endOffset);
  let to = before.toString().length;
  while (from < to && /\s/.test(text[from])) from += 1;
  while (to > from && /\s/.test(text[to - 1])) to -= 1;
  if (from >= to) return null;
  // The browser counts UTF-16 units; the server counts characters.
  const first = Array.from(text.slice(0, from)).length;
  const last = first + Array.from(text.slice(from, to)).length;
  return { group: Number(box.dataset.group), start: first, end: last, phrase: text.slice(from, to) };
}

/**
 * The words the definitions share (computed by the server, with how many highlights each
 * has), and the room's working definition: shown to all, set by the facilitator from the
 * highlighted phrases.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function sharedWordsPart(ctx) {
  const role = ctx.store.view?.you.role;
  const common = h('ol', { class: 'common-terms', 'data-testid': 'common-terms' });
  const commonEmpty = h('p', { class: 'muted small' }, t('common.empty'));
  const working = h('blockquote', { class: 'working-text', 'data-testid': 'working-definition' });
  const workingEmpty = h('p', { class: 'muted small' });
  const draftKey = 'working';
  const input = h('textarea', {
    rows: 3,
    maxlength: MAX_WORKING_CHARS,
    'data-testid': 'working-input',
    'aria-label': t('working.label'),
    placeholder: t('working.placeholder'),
    value: ctx.drafts.get(draftKey) ?? '',
    oninput: () => {
      ctx.drafts.set(draftKey, input.value);
      setButton.disabled = !input.value.trim();
    },
  });
  const suggest = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-secondary',
      'data-testid': 'working-suggest',
      onclick: () => {
        const view = ctx.store.view;
        if (!view) return;
        input.value = suggestion(view);
        ctx.drafts.set(draftKey, input.value);
        setButton.disabled = !input.value.trim();
        input.focus();
      },
    },
    t('working.suggest'),
  );
  const setButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-primary',
      'data-testid': 'working-set',
      disabled: !input.value.trim(),
      onclick: async () => {
        const text = input.value.trim();
        if (!text) return;
        const outcome = await ctx.conn.send({ type: 'working.set', text });
        if (outcome.ok) {
          ctx.drafts.delete(draftKey);
          editing = false;
          const view = ctx.store.view;
          if (view) update(view);
        }
      },
    },
    t('working.set'),
  );
  /** The facilitator opened the editor over a working definition already set. */
  let editing = false;
  const editButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost btn-small working-edit',
      'data-testid': 'working-edit',
      onclick: () => {
        editing = true;
        const view = ctx.store.view;
        if (view) update(view);
        input.focus();
      },
    },
    t('working.edit'),
  );
  const editor =
    role === 'facilitator'
      ? h('div', { class: 'working-editor' }, input, h('div', { class: 'form-actions' }, suggest, setButton))
      : null;
  const el = h(
    'div',
    { class: 'shared-words' },
    h(
      'section',
      { class: 'card common-card' },
      h('h2', { class: 'section-title' }, t('common.heading')),
      h('p', { class: 'field-help' }, t('common.help')),
      commonEmpty,
      common,
    ),
    h(
      'section',
      { class: 'card working-card' },
      h(
        'div',
        { class: 'working-head' },
        h('h2', { class: 'section-title' }, t('working.heading')),
        role === 'facilitator' ? editButton : null,
      ),
      working,
      workingEmpty,
      editor,
    ),
  );
  let shownWorking = '';

  /** @param {RoomView} view */
  function update(view) {
    const defs = view.room.definitions;
    el.hidden = !defs.wall.shown && !defs.working;
    commonEmpty.hidden = defs.common.length > 0;
    fill(
      common,
      defs.common.map((term) =>
        h(
          'li',
          { class: `common-term${term.highlights > 0 ? ' highlighted' : ''}`, 'data-term': term.term },
          h('span', { class: 'common-word' }, term.term),
          h(
            'span',
            { class: 'common-counts' },
            h(
              'span',
              { class: 'count-defs', title: t('common.in_defs.title') },
              tn('common.in_defs', term.definitions),
            ),
            term.highlights > 0
              ? h(
                  'span',
                  { class: 'count-hl', title: t('common.highlights.title') },
                  tn('common.highlights', term.highlights),
                )
              : null,
          ),
        ),
      ),
    );
    setText(working, defs.working);
    working.hidden = !defs.working;
    workingEmpty.hidden = !!defs.working;
    setText(workingEmpty, role === 'facilitator' ? t('working.empty.facilitator') : t('working.empty'));
    // The facilitator's box follows the saved text unless they are editing it.
    if (role === 'facilitator' && defs.working !== shownWorking) {
      shownWorking = defs.working;
      if (!ctx.drafts.has(draftKey)) {
        input.value = defs.working;
        setButton.disabled = !input.value.trim();
      }
    }
    setButton.textContent = defs.working ? t('working.update') : t('working.set');
    const open = !defs.working || editing || ctx.drafts.has(draftKey);
    if (editor) editor.hidden = !open;
    editButton.hidden = open;
  }

  return { el, update };
}

/**
 * A first draft of the working definition: the highlighted phrases, most highlighted first,
 * or else the words most definitions share.
 * @param {RoomView} view
 */
function suggestion(view) {
  const defs = view.room.definitions;
  /** @type {Map<string, { phrase: string, n: number }>} */
  const phrases = new Map();
  for (const hl of Object.values(defs.highlights)) {
    const key = hl.phrase.toLowerCase();
    const entry = phrases.get(key) ?? { phrase: hl.phrase, n: 0 };
    entry.n += 1;
    phrases.set(key, entry);
  }
  const picked = [...phrases.values()].sort((a, b) => b.n - a.n).map((p) => p.phrase);
  const words = picked.length ? picked : defs.common.filter((c) => c.definitions > 1).map((c) => c.term);
  if (words.length === 0) return defs.working;
  const text = words.join(', ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * The room's working definition as a banner, for the boards after step 3; hidden while there
 * is none.
 * @returns {Part}
 */
export function workingDefinitionBanner() {
  const text = h('p', { class: 'working-banner-text' });
  const el = h(
    'aside',
    { class: 'working-banner', 'data-testid': 'working-banner', hidden: true },
    h('span', { class: 'working-banner-label' }, t('working.banner')),
    text,
  );
  return {
    el,
    update(view) {
      const working = view.room.definitions.working;
      el.hidden = !working;
      setText(text, working);
    },
  };
}
