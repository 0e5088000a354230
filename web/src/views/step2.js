// Step 2's board: the speaker queue (who speaks now, who is next, who has spoken; the
// facilitator or their scribe reorders, shuffles and calls people), and the key-factors
// whiteboard (short cards tagged by the server with the speaker; edited, deleted, merged by
// dragging one onto another or through a menu; repeated factors grow), with the "most named"
// list beside it.

import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { avatar, howItWorks, keyedList, nameOf, newItemId, participantsOf, setText } from './boardkit.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Factor} Factor */
/** @typedef {import('../protocol').MemberId} MemberId */
/** @typedef {import('../protocol').Member} Member */
/** @template T @typedef {import('./boardkit.js').Keyed<T>} Keyed */

/** Longest key-factor card (`MAX_FACTOR_CHARS`). */
const MAX_FACTOR_CHARS = 120;
/** Cards named this many times or more look the same (the largest). */
const MAX_WEIGHT = 5;
/** Entries in the "most named" list. */
const MOST_NAMED = 10;
/** The drag payload type of a card being dragged onto another. */
const FACTOR_DRAG = 'application/x-horseshoe-factor';
/** The drag payload type of a person being moved in the speaker queue. */
const QUEUE_DRAG = 'application/x-horseshoe-speaker';

/**
 * Whether this member runs the queue and the board: a facilitator, or the appointed scribe.
 * @param {RoomView} view
 */
function isRunner(view) {
  return (
    view.you.role === 'facilitator' ||
    (!!view.you.member_id && view.room.experience.scribe === view.you.member_id)
  );
}

/**
 * The queue as the server completes it: the chosen order, then every other participant in
 * joining order.
 * @param {RoomView} view
 * @returns {MemberId[]}
 */
function fullOrder(view) {
  const participants = participantsOf(view).map((m) => m.id);
  const known = new Set(participants);
  const order = view.room.experience.queue.order.filter((id) => known.has(id));
  for (const id of participants) if (!order.includes(id)) order.push(id);
  return order;
}

/**
 * Who would be called by "next": the first in order who is not speaking and has not spoken.
 * @param {RoomView} view
 */
function nextSpeaker(view) {
  const { current, spoken } = view.room.experience.queue;
  return fullOrder(view).find((id) => id !== current && !spoken.includes(id));
}

/**
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @returns {Part}
 */
export function step2Part(ctx, view) {
  const parts = [queuePart(ctx, view), whiteboardPart(ctx, view)];
  const el = h(
    'div',
    { class: 'board board-step2', 'data-testid': 'board-step2' },
    parts.map((p) => p.el),
    howItWorks(2, ctx),
  );
  return {
    el,
    update(next) {
      for (const part of parts) part.update(next);
    },
  };
}

/**
 * The speaker queue: the person speaking now and the next one for everyone; the ordered list
 * with who has spoken; for the runner, next/shuffle/call and reordering (drag, or up/down);
 * for the facilitator, the scribe.
 * @param {RoomCtx} ctx
 * @param {RoomView} initial
 * @returns {Part}
 */
function queuePart(ctx, initial) {
  const role = initial.you.role;
  const nowAvatar = h('div', { class: 'speaker-avatar' });
  const nowName = h('p', { class: 'speaker-name', 'data-testid': 'current-speaker' });
  const nextLine = h('p', { class: 'speaker-next', 'data-testid': 'next-speaker' });
  const spokenLine = h('p', { class: 'muted small', 'data-testid': 'spoken-count' });
  const nextButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-primary',
      'data-testid': 'queue-next',
      onclick: () => ctx.conn.send({ type: 'queue.next' }),
    },
    `${t('queue.next')} →`,
  );
  const shuffleButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-secondary',
      'data-testid': 'queue-shuffle',
      onclick: () => ctx.conn.send({ type: 'queue.shuffle' }),
    },
    t('queue.shuffle'),
  );
  const runnerControls = h('div', { class: 'queue-controls' }, nextButton, shuffleButton);
  const scribeSelect = h('select', {
    class: 'scribe-select',
    'data-testid': 'scribe-select',
    'aria-label': t('queue.scribe'),
    onchange: () =>
      ctx.conn.send(
        scribeSelect.value ? { type: 'scribe.set', member_id: scribeSelect.value } : { type: 'scribe.set' },
      ),
  });
  const scribeRow =
    role === 'facilitator'
      ? h(
          'label',
          { class: 'scribe-row', title: t('queue.scribe.help') },
          h('span', { class: 'field-label' }, t('queue.scribe')),
          scribeSelect,
        )
      : null;
  const scribeNote = h('p', { class: 'scribe-note small', 'data-testid': 'scribe-note' });
  const list = h('ol', { class: 'queue-list', 'data-testid': 'queue' });
  const empty = h('p', { class: 'empty small' }, t('queue.empty'));
  /** @type {Map<string, Keyed<{ id: MemberId, index: number, view: RoomView }>>} */
  const rows = new Map();
  /** @type {MemberId | null} the person being dragged in the queue */
  let dragging = null;

  const el = h(
    'section',
    { class: 'card queue-card', 'data-testid': 'speaker-queue' },
    h(
      'div',
      { class: 'queue-now' },
      h('h2', { class: 'section-title' }, t('queue.heading')),
      h(
        'div',
        { class: 'speaker', 'aria-live': 'polite' },
        nowAvatar,
        h('div', { class: 'speaker-text' }, h('p', { class: 'speaker-label' }, t('queue.now')), nowName),
      ),
      nextLine,
      spokenLine,
      runnerControls,
      scribeNote,
      scribeRow,
    ),
    h(
      'div',
      { class: 'queue-order' },
      h('h3', { class: 'queue-order-title' }, t('queue.order')),
      empty,
      list,
    ),
  );

  /**
   * @param {MemberId[]} order
   */
  const sendOrder = (order) => ctx.conn.send({ type: 'queue.set', order });

  /** @param {MemberId} id @param {number} delta */
  function shift(id, delta) {
    const view = ctx.store.view;
    if (!view) return;
    const order = fullOrder(view);
    const from = order.indexOf(id);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= order.length) return;
    order.splice(from, 1);
    order.splice(to, 0, id);
    sendOrder(order);
  }

  /** @param {{ id: MemberId, index: number, view: RoomView }} item @returns {Keyed<{ id: MemberId, index: number, view: RoomView }>} */
  function makeRow(item) {
    const id = item.id;
    const num = h('span', { class: 'queue-num' });
    const name = h('span', { class: 'queue-name' });
    const state = h('span', { class: 'queue-state' });
    const up = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-icon',
        'data-testid': 'queue-up',
        onclick: () => shift(id, -1),
      },
      '↑',
    );
    const down = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-icon',
        'data-testid': 'queue-down',
        onclick: () => shift(id, 1),
      },
      '↓',
    );
    const call = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        'data-testid': 'queue-call',
        onclick: () => ctx.conn.send({ type: 'queue.call', member_id: id }),
      },
      t('queue.call'),
    );
    const tools = h('span', { class: 'queue-tools' }, up, down, call);
    const row = h(
      'li',
      {
        class: 'queue-row',
        'data-member': id,
        ondragstart: (/** @type {DragEvent} */ ev) => {
          dragging = id;
          ev.dataTransfer?.setData(QUEUE_DRAG, id);
          if (ev.dataTransfer) ev.dataTransfer.effectAllowed = 'move';
          row.classList.add('dragging');
        },
        ondragend: () => {
          dragging = null;
          row.classList.remove('dragging');
          for (const r of list.children) r.classList.remove('drop-before', 'drop-after');
        },
        ondragover: (/** @type {DragEvent} */ ev) => {
          if (!dragging || dragging === id) return;
          ev.preventDefault();
          const after = isLowerHalf(ev, row);
          row.classList.toggle('drop-after', after);
          row.classList.toggle('drop-before', !after);
        },
        ondragleave: () => row.classList.remove('drop-before', 'drop-after'),
        ondrop: (/** @type {DragEvent} */ ev) => {
          ev.preventDefault();
          row.classList.remove('drop-before', 'drop-after');
          const view = ctx.store.view;
          const moving = dragging;
          if (!view || !moving || moving === id) return;
          const order = fullOrder(view).filter((m) => m !== moving);
          const at = order.indexOf(id) + (isLowerHalf(ev, row) ? 1 : 0);
          order.splice(at, 0, moving);
          sendOrder(order);
        },
      },
      h('span', { class: 'queue-grip', 'aria-hidden': 'true' }, '⋮⋮'),
      num,
      name,
      state,
      tools,
    );
    return {
      el: row,
      update({ index, view }) {
        const { current, spoken } = view.room.experience.queue;
        const runner = isRunner(view);
        const order = fullOrder(view);
        const who = nameOf(view, id);
        const status =
          current === id
            ? 'speaking'
            : spoken.includes(id)
              ? 'spoken'
              : nextSpeaker(view) === id
                ? 'next'
                : '';
        row.dataset.state = status;
        row.classList.toggle('offline', !view.online.has(id));
        row.draggable = runner;
        setText(num, String(index + 1));
        setText(name, who);
        setText(
          state,
          status === 'speaking'
            ? t('queue.speaking')
            : status === 'spoken'
              ? `✓ ${t('queue.spoke')}`
              : status === 'next'
                ? t('queue.next_up')
                : '',
        );
        tools.hidden = !runner;
        up.disabled = index === 0;
        down.disabled = index === order.length - 1;
        up.setAttribute('aria-label', t('queue.up', { name: who }));
        up.title = t('queue.up', { name: who });
        down.setAttribute('aria-label', t('queue.down', { name: who }));
        down.title = t('queue.down', { name: who });
        call.setAttribute('aria-label', t('queue.call_name', { name: who }));
        call.hidden = status === 'speaking';
      },
    };
  }

  return {
    el,
    update(view) {
      const { current, spoken } = view.room.experience.queue;
      const runner = isRunner(view);
      const order = fullOrder(view);
      const next = nextSpeaker(view);

      if (current) {
        fill(nowAvatar, avatar(nameOf(view, current), current, 'avatar-large'));
        setText(nowName, nameOf(view, current));
      } else {
        fill(nowAvatar, h('span', { class: 'avatar avatar-large avatar-empty', 'aria-hidden': 'true' }, '…'));
        setText(nowName, order.length ? t('queue.nobody') : t('queue.empty_short'));
      }
      el.classList.toggle('has-speaker', !!current);
      setText(
        nextLine,
        next ? t('queue.next_is', { name: nameOf(view, next) }) : order.length ? t('queue.all_spoken') : '',
      );
      const spokenCount = order.filter((id) => spoken.includes(id)).length;
      setText(
        spokenLine,
        order.length ? t('queue.spoken_count', { n: spokenCount, total: order.length }) : '',
      );

      runnerControls.hidden = !runner;
      nextButton.disabled = !next && !current;
      nextButton.textContent = current || !next ? `${t('queue.next')} →` : `${t('queue.start')} →`;
      shuffleButton.disabled = order.length < 2;

      const scribe = view.room.experience.scribe;
      if (role === 'facilitator') {
        const options = [h('option', { value: '' }, t('queue.no_scribe'))].concat(
          participantsOf(view).map((m) => h('option', { value: m.id }, m.name)),
        );
        if (document.activeElement !== scribeSelect) {
          fill(scribeSelect, options);
          scribeSelect.value = scribe ?? '';
        }
      }
      if (scribe && view.you.member_id === scribe) setText(scribeNote, t('queue.you_are_scribe'));
      else if (scribe) setText(scribeNote, t('queue.scribe_is', { name: nameOf(view, scribe) }));
      else setText(scribeNote, '');
      scribeNote.hidden = !scribe || role === 'facilitator';

      empty.hidden = order.length > 0;
      keyedList(
        list,
        rows,
        order.map((id, index) => ({ id, index, view })),
        (item) => item.id,
        makeRow,
      );
      list.classList.toggle('runner', runner);
    },
  };
}

/** @param {DragEvent} ev @param {HTMLElement} el */
function isLowerHalf(ev, el) {
  const box = el.getBoundingClientRect();
  return ev.clientY > box.top + box.height / 2;
}

/**
 * The whiteboard of key factors and the "most named" list.
 * @param {RoomCtx} ctx
 * @param {RoomView} initial
 * @returns {Part}
 */
function whiteboardPart(ctx, initial) {
  const role = initial.you.role;
  const draftKey = 'factor.new';
  const input = h('input', {
    class: 'factor-input',
    maxlength: MAX_FACTOR_CHARS,
    placeholder: t('factors.placeholder'),
    'aria-label': t('factors.add_label'),
    'data-testid': 'factor-input',
    value: ctx.drafts.get(draftKey) ?? '',
    oninput: () => {
      if (input.value) ctx.drafts.set(draftKey, input.value);
      else ctx.drafts.delete(draftKey);
      addButton.disabled = !input.value.trim();
    },
  });
  const addButton = h(
    'button',
    { type: 'submit', class: 'btn btn-primary', 'data-testid': 'factor-add', disabled: !input.value.trim() },
    t('factors.add'),
  );
  const tagLine = h('p', { class: 'field-help', 'data-testid': 'factor-tag' });
  const form = h(
    'form',
    {
      class: 'factor-form',
      onsubmit: async (/** @type {SubmitEvent} */ ev) => {
        ev.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        addButton.disabled = true;
        const outcome = await ctx.conn.send({ type: 'factor.add', id: newItemId('f'), text });
        if (outcome.ok) {
          // Only what was sent is cleared: a person typing the next card keeps it.
          if (input.value.trim() === text) input.value = '';
          ctx.drafts.delete(draftKey);
        }
        addButton.disabled = !input.value.trim();
        input.focus();
      },
    },
    h('div', { class: 'factor-form-row' }, input, addButton),
    tagLine,
  );
  const openToggle = h('input', {
    type: 'checkbox',
    class: 'switch',
    'data-testid': 'factors-open',
    onchange: () => ctx.conn.send({ type: 'factors.open', open: openToggle.checked }),
  });
  const count = h('span', { class: 'chip', 'data-testid': 'factor-count' });
  const openState = h('p', { class: 'board-state small', 'data-testid': 'factors-state' });
  const mergeHint = h('p', { class: 'field-help merge-hint' }, t('factors.merge_hint'));
  const cards = h('div', { class: 'factor-cards', 'data-testid': 'factors' });
  const empty = h('p', { class: 'empty' });
  /** @type {Map<string, Keyed<{ factor: Factor, view: RoomView }>>} */
  const cardCache = new Map();
  const ranking = h('ol', { class: 'most-named', 'data-testid': 'most-named' });
  const rankingEmpty = h('p', { class: 'muted small' }, t('factors.most_named.empty'));
  /** @type {string | null} the card being dragged onto another */
  let dragging = null;
  /** @type {string | null} the card being edited in place */
  let editing = null;

  const el = h(
    'div',
    { class: 'factors-layout' },
    h(
      'section',
      { class: 'card whiteboard' },
      h(
        'div',
        { class: 'card-head' },
        h('h2', null, t('factors.heading'), ' ', count),
        role === 'facilitator'
          ? h('label', { class: 'switch-label' }, openToggle, h('span', null, t('factors.open')))
          : null,
      ),
      openState,
      form,
      mergeHint,
      empty,
      cards,
    ),
    h(
      'aside',
      { class: 'card most-named-card' },
      h('h2', { class: 'section-title' }, t('factors.most_named')),
      rankingEmpty,
      ranking,
    ),
  );

  /**
   * @param {RoomView} view
   * @param {Factor} factor
   */
  function canEdit(view, factor) {
    if (view.you.role === 'viewer' || !view.you.member_id) return false;
    if (isRunner(view)) return true;
    return view.room.experience.open && factor.created_by === view.you.member_id;
  }

  /** @param {{ factor: Factor, view: RoomView }} item @returns {Keyed<{ factor: Factor, view: RoomView }>} */
  function makeCard(item) {
    const id = item.factor.id;
    const text = h('p', { class: 'factor-text' });
    const mentions = h('span', { class: 'factor-mentions', 'data-testid': 'factor-mentions' });
    const speakers = h('span', { class: 'factor-speakers' });
    const editInput = h('input', {
      class: 'factor-edit',
      maxlength: MAX_FACTOR_CHARS,
      'aria-label': t('factors.edit_label'),
      onkeydown: (/** @type {KeyboardEvent} */ ev) => {
        if (ev.key === 'Enter') {
          ev.preventDefault();
          save();
        } else if (ev.key === 'Escape') {
          editing = null;
          refresh();
        }
      },
      onblur: () => {
        if (editing === id) save();
      },
    });
    const editButton = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-icon',
        'data-testid': 'factor-edit',
        title: t('factors.edit'),
        'aria-label': t('factors.edit'),
        onclick: () => {
          editing = id;
          editInput.value = ctx.store.view?.room.experience.factors[id]?.text ?? '';
          refresh();
          editInput.focus();
          editInput.select();
        },
      },
      '✎',
    );
    const deleteButton = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-icon danger',
        'data-testid': 'factor-delete',
        title: t('factors.delete'),
        'aria-label': t('factors.delete'),
        onclick: () => ctx.conn.send({ type: 'factor.delete', id }),
      },
      '×',
    );
    const mergeSelect = h('select', {
      class: 'factor-merge-select',
      'data-testid': 'factor-merge',
      'aria-label': t('factors.merge_into'),
      onchange: () => {
        const into = mergeSelect.value;
        mergeSelect.value = '';
        if (into) ctx.conn.send({ type: 'factor.merge', from: id, into });
      },
    });
    const actions = h('div', { class: 'factor-actions' }, mergeSelect, editButton, deleteButton);
    /** The other cards the merge menu lists now. */
    let shownChoices = '';
    const card = h(
      'article',
      {
        class: 'factor',
        'data-id': id,
        ondragstart: (/** @type {DragEvent} */ ev) => {
          dragging = id;
          ev.dataTransfer?.setData(FACTOR_DRAG, id);
          if (ev.dataTransfer) ev.dataTransfer.effectAllowed = 'move';
          card.classList.add('dragging');
          cards.classList.add('merging');
        },
        ondragend: () => {
          dragging = null;
          card.classList.remove('dragging');
          cards.classList.remove('merging');
        },
        ondragover: (/** @type {DragEvent} */ ev) => {
          if (!dragging || dragging === id) return;
          ev.preventDefault();
          card.classList.add('drop-target');
        },
        ondragleave: () => card.classList.remove('drop-target'),
        ondrop: (/** @type {DragEvent} */ ev) => {
          ev.preventDefault();
          card.classList.remove('drop-target');
          const from = dragging;
          if (from && from !== id) ctx.conn.send({ type: 'factor.merge', from, into: id });
        },
      },
      text,
      editInput,
      h('footer', { class: 'factor-foot' }, mentions, speakers),
      actions,
    );

    async function save() {
      const view = ctx.store.view;
      const factor = view?.room.experience.factors[id];
      editing = null;
      const next = editInput.value.trim();
      refresh();
      if (!factor || !next || next === factor.text) return;
      const outcome = await ctx.conn.send({ type: 'factor.edit', id, text: next });
      if (!outcome.ok) {
        // Kept for another try: the person's words are not thrown away.
        editing = id;
        editInput.value = next;
        refresh();
      }
    }

    return {
      el: card,
      update({ factor, view }) {
        const editable = canEdit(view, factor);
        const runner = isRunner(view);
        const weight = Math.min(factor.mentions, MAX_WEIGHT);
        card.dataset.weight = String(weight);
        card.draggable = runner && editing !== id;
        card.classList.toggle('editing', editing === id);
        setText(text, factor.text);
        text.hidden = editing === id;
        editInput.hidden = editing !== id;
        setText(mentions, factor.mentions > 1 ? t('factors.mentions', { n: factor.mentions }) : '');
        mentions.hidden = factor.mentions < 2;
        const names = factor.speakers.map((s) => nameOf(view, s)).join(', ');
        setText(speakers, names);
        card.title = names ? t('factors.named_by', { names }) : '';
        actions.hidden = !editable || editing === id;
        mergeSelect.hidden = !runner;
        const others = runner ? sortedFactors(view).filter((f) => f.id !== id) : [];
        const choices = JSON.stringify(others.map((f) => [f.id, f.text]));
        // Refilled only when the other cards changed, and never while its list is open.
        if (runner && choices !== shownChoices && document.activeElement !== mergeSelect) {
          shownChoices = choices;
          fill(
            mergeSelect,
            h('option', { value: '' }, t('factors.merge_into')),
            others.map((f) => h('option', { value: f.id }, f.text)),
          );
          mergeSelect.value = '';
          mergeSelect.disabled = others.length === 0;
        }
      },
    };
  }

  function refresh() {
    const view = ctx.store.view;
    if (view) update(view);
  }

  /** @param {RoomView} view */
  function update(view) {
    const { factors, open } = view.room.experience;
    const runner = isRunner(view);
    const member = view.you.role !== 'viewer' && !!view.you.member_id;
    const canWrite = member && (runner || open);
    const list = sortedFactors(view);
    const total = list.reduce((sum, f) => sum + f.mentions, 0);

    setText(count, String(list.length));
    count.title = t('factors.total', { n: total });
    openToggle.checked = open;
    form.hidden = !canWrite;
    mergeHint.hidden = !runner || list.length < 2;
    const current = view.room.experience.queue.current;
    setText(tagLine, current ? t('factors.tagged', { name: nameOf(view, current) }) : t('factors.untagged'));
    setText(
      openState,
      open
        ? t('factors.state.open')
        : view.room.experience.scribe
          ? t('factors.state.scribe', { name: nameOf(view, view.room.experience.scribe) })
          : t('factors.state.closed'),
    );
    openState.dataset.open = String(open);

    empty.hidden = list.length > 0;
    setText(empty, canWrite ? t('factors.empty.writer') : t('factors.empty'));
    keyedList(
      cards,
      cardCache,
      list.map((factor) => ({ factor, view })),
      (item) => item.factor.id,
      makeCard,
    );
    if (editing && !factors[editing]) editing = null;

    const ranked = [...list].sort((a, b) => b.mentions - a.mentions || a.created_at - b.created_at);
    const top = ranked.slice(0, MOST_NAMED);
    const most = top[0]?.mentions ?? 1;
    rankingEmpty.hidden = top.length > 0;
    fill(
      ranking,
      top.map((f) =>
        h(
          'li',
          { class: 'most-named-item', 'data-id': f.id },
          h('span', { class: 'most-named-text' }, f.text),
          h('span', { class: 'most-named-count' }, String(f.mentions)),
          h('span', { class: 'most-named-bar', 'aria-hidden': 'true' }, barFill(f.mentions / most)),
        ),
      ),
    );
  }

  return { el, update };
}

/**
 * The filled part of a bar; its width is set through the style object (the page's
 * Content-Security-Policy refuses inline style attributes).
 * @param {number} fraction 0 to 1
 */
function barFill(fraction) {
  const bar = h('span');
  bar.style.width = `${Math.round(fraction * 100)}%`;
  return bar;
}

/**
 * The cards in the order they were written (so nothing jumps around while people look).
 * @param {RoomView} view
 */
function sortedFactors(view) {
  return Object.values(view.room.experience.factors).sort(
    (a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id),
  );
}
