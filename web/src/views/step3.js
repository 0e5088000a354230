// Step 3's board: groups (formed by the facilitator in one click, adjusted by dragging people
// or with a menu; latecomers placed by the server and flagged "new"), each member's sheet for
// their group's sentence (sheet.js), every group's sentence live for the others, and then the
// wall with its highlights and the working definition (defwall.js).

import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { avatar, howItWorks, keyedList, nameOf, participantsOf, setText } from './boardkit.js';
import { sharedWordsPart, wallPart } from './defwall.js';
import { LiveTexts, SheetEditor, groupsOf, liveLease } from './sheet.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Group} Group */
/** @typedef {import('../protocol').MemberId} MemberId */
/** @template T @typedef {import('./boardkit.js').Keyed<T>} Keyed */

/** @param {RoomView} view @returns {Group | undefined} the group this member is in */
function myGroup(view) {
  const me = view.you.member_id;
  return me ? view.room.definitions.groups.find((g) => g.members.includes(me)) : undefined;
}

/**
 * What this browser keeps per room while the page is open: the live-text clocks, the sheet
 * editors (so a redraw of the screen, e.g. a language switch, never loses a sentence being
 * typed), and the facilitator's record of who was placed in a group by the server.
 * @typedef {object} RoomMemory
 * @property {LiveTexts} texts
 * @property {Map<string, SheetEditor>} editors
 * @property {Set<MemberId> | null} grouped who was in a group at the last look
 * @property {Set<MemberId>} latecomers placed by the server after the groups were formed
 * @property {Set<MemberId>} movedByMe moves this facilitator asked for
 * @property {boolean} formingByMe this facilitator asked for new groups
 * @property {string} groupsSeen the groups at the last look, to notice a change
 */

/** @type {Map<string, RoomMemory>} */
const memories = new Map();

/** @param {string} roomId @returns {RoomMemory} */
function memoryOf(roomId) {
  let memory = memories.get(roomId);
  if (!memory) {
    memory = {
      texts: new LiveTexts(),
      editors: new Map(),
      grouped: null,
      latecomers: new Set(),
      movedByMe: new Set(),
      formingByMe: false,
      groupsSeen: '',
    };
    memories.set(roomId, memory);
  }
  return memory;
}

/**
 * Notes who the server placed into a group on its own (a latecomer), for the facilitator's
 * "new" badge. Called on every change in every step, so latecomers who join during another
 * step are noticed too.
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 */
export function watchGroups(ctx, view) {
  const memory = memoryOf(ctx.roomId);
  const groups = view.room.definitions.groups;
  const signature = JSON.stringify(groups);
  if (signature === memory.groupsSeen) return;
  const grouped = new Set(groups.flatMap((g) => g.members));
  if (memory.formingByMe) {
    // The groups this facilitator asked for: everyone in them is placed, nobody is late.
    memory.formingByMe = false;
    memory.latecomers.clear();
  } else if (memory.grouped) {
    for (const id of grouped) {
      if (!memory.grouped.has(id) && !memory.movedByMe.has(id)) memory.latecomers.add(id);
    }
  }
  memory.groupsSeen = signature;
  for (const id of memory.latecomers) if (!grouped.has(id)) memory.latecomers.delete(id);
  memory.grouped = grouped;
}

/**
 * @param {RoomCtx} ctx
 * @param {RoomView} view
 * @returns {Part}
 */
export function step3Part(ctx, view) {
  const role = view.you.role;
  const memory = memoryOf(ctx.roomId);
  /** @type {Part[]} */
  const writing = [];
  if (role === 'facilitator') writing.push(groupsPart(ctx, memory), wallSwitchPart(ctx));
  if (role === 'participant') writing.push(mySheetPart(ctx, memory));
  writing.push(definitionsPart(ctx, memory));
  const wall = wallPart(ctx);
  const shared = sharedWordsPart(ctx);
  const writingBox = h(
    'div',
    { class: 'step3-writing' },
    writing.map((p) => p.el),
  );
  const el = h(
    'div',
    { class: 'board board-step3', 'data-testid': 'board-step3' },
    writingBox,
    wall.el,
    shared.el,
    howItWorks(3, ctx),
  );
  const parts = [...writing, wall, shared];
  /** @type {string} who holds which lease, as last drawn (leases expire without an event) */
  let leases = '';

  /** @param {RoomView} next */
  function update(next) {
    memory.texts.observe(next);
    if (role === 'facilitator') watchGroups(ctx, next);
    leases = leaseSignature(ctx, next);
    const onWall = next.room.definitions.wall.shown;
    writingBox.hidden = onWall;
    el.classList.toggle('on-wall', onWall);
    for (const part of parts) part.update(next);
  }

  return {
    el,
    update,
    tick() {
      const next = ctx.store.view;
      if (next && leaseSignature(ctx, next) !== leases) update(next);
    },
  };
}

/** @param {RoomCtx} ctx @param {RoomView} view */
function leaseSignature(ctx, view) {
  const now = ctx.store.serverNow();
  return view.room.definitions.texts
    .map((d) => `${d.group}:${liveLease(view, d, now)?.holder ?? ''}`)
    .join(',');
}

/**
 * The facilitator's groups: form them in one click, see them as columns, drag people between
 * them (or pick a group from the menu on each person); people the server placed after the
 * groups were formed carry a "new" badge.
 * @param {RoomCtx} ctx
 * @param {RoomMemory} memory
 * @returns {Part}
 */
function groupsPart(ctx, memory) {
  const formButton = h('button', {
    type: 'button',
    class: 'btn btn-primary',
    'data-testid': 'groups-form',
    onclick: () => {
      memory.formingByMe = true;
      ctx.conn.send({ type: 'groups.form' }).then((outcome) => {
        if (!outcome.ok) memory.formingByMe = false;
      });
    },
  });
  const summary = h('p', { class: 'muted small', 'data-testid': 'groups-summary' });
  const columns = h('div', { class: 'group-cols', 'data-testid': 'groups' });
  const loose = h('div', { class: 'loose-people', 'data-testid': 'ungrouped' });
  /** @type {MemberId | null} */
  let dragging = null;

  /**
   * @param {MemberId} member
   * @param {number | undefined} group undefined: a new group
   */
  function move(member, group) {
    memory.movedByMe.add(member);
    memory.latecomers.delete(member);
    ctx.conn.send(
      group === undefined
        ? { type: 'group.move', member_id: member }
        : { type: 'group.move', member_id: member, group },
    );
  }

  /**
   * A drop zone for people: a group's column, or "new group".
   * @param {HTMLElement} zone
   * @param {number | undefined} group
   */
  function dropZone(zone, group) {
    zone.addEventListener('dragover', (ev) => {
      if (!dragging) return;
      ev.preventDefault();
      zone.classList.add('drop-target');
    });
    zone.addEventListener('dragleave', (ev) => {
      if (!(ev.relatedTarget instanceof Node) || !zone.contains(ev.relatedTarget))
        zone.classList.remove('drop-target');
    });
    zone.addEventListener('drop', (ev) => {
      ev.preventDefault();
      zone.classList.remove('drop-target');
      const member = dragging;
      dragging = null;
      if (!member) return;
      const view = ctx.store.view;
      const current = view?.room.definitions.groups.find((g) => g.members.includes(member));
      if (group !== undefined && current?.id === group) return;
      move(member, group);
    });
  }

  /**
   * @param {RoomView} view
   * @param {MemberId} id
   * @param {Group | undefined} group
   */
  function personChip(view, id, group) {
    const name = nameOf(view, id);
    const select = h(
      'select',
      {
        class: 'group-move-select',
        'data-testid': 'move-select',
        'aria-label': t('groups.move_label', { name }),
        title: t('groups.move_label', { name }),
        onchange: () => {
          const value = select.value;
          select.blur();
          if (value === 'new') move(id, undefined);
          else if (value && Number(value) !== group?.id) move(id, Number(value));
        },
      },
      h('option', { value: group ? String(group.id) : '' }, group ? t('groups.move') : t('groups.place')),
      groupsOf(view)
        .filter((g) => g.id !== group?.id)
        .map((g) => h('option', { value: String(g.id) }, t('groups.to_group', { n: g.id }))),
      h('option', { value: 'new' }, t('groups.to_new')),
    );
    const isNew = memory.latecomers.has(id);
    const chip = h(
      'li',
      {
        class: `member-chip${view.online.has(id) ? ' online' : ' offline'}${isNew ? ' is-new' : ''}`,
        'data-member': id,
        draggable: 'true',
        ondragstart: (/** @type {DragEvent} */ ev) => {
          dragging = id;
          ev.dataTransfer?.setData('text/plain', name);
          if (ev.dataTransfer) ev.dataTransfer.effectAllowed = 'move';
          chip.classList.add('dragging');
          columns.classList.add('dragging-person');
        },
        ondragend: () => {
          dragging = null;
          chip.classList.remove('dragging');
          columns.classList.remove('dragging-person');
          for (const zone of columns.querySelectorAll('.drop-target')) zone.classList.remove('drop-target');
          // A drag dropped outside any group: draw what changed meanwhile.
          const view = ctx.store.view;
          if (view) update(view);
        },
      },
      h('span', { class: 'grip', 'aria-hidden': 'true' }, '⋮⋮'),
      avatar(name, id),
      h(
        'span',
        { class: 'member-name', title: view.online.has(id) ? name : `${name} (${t('presence.offline')})` },
        name,
      ),
      isNew
        ? h(
            'span',
            { class: 'badge badge-new', 'data-testid': 'latecomer', title: t('groups.new.title') },
            t('groups.new'),
          )
        : null,
      select,
    );
    return chip;
  }

  const el = h(
    'section',
    { class: 'card groups-card' },
    h('div', { class: 'card-head' }, h('h2', null, t('groups.heading')), formButton),
    summary,
    loose,
    columns,
  );

  /** What the columns were last drawn from: typing and drags elsewhere redraw nothing. */
  let drawn = '';

  /** @param {RoomView} view */
  function update(view) {
    // A person being dragged keeps their chip until the drop, and an open menu stays open.
    if (dragging || (el.contains(document.activeElement) && document.activeElement?.tagName === 'SELECT'))
      return;
    const signature = JSON.stringify([
      view.room.definitions.groups,
      participantsOf(view).map((m) => [m.id, m.name, view.online.has(m.id)]),
      [...memory.latecomers],
      view.room.settings.group_size,
    ]);
    if (signature === drawn) return;
    drawn = signature;
    const groups = groupsOf(view);
    const size = view.room.settings.group_size;
    const present = participantsOf(view).filter((m) => view.online.has(m.id)).length;
    formButton.textContent = groups.length ? t('groups.reform') : t('groups.form');
    formButton.className = `btn ${groups.length ? 'btn-secondary' : 'btn-primary'}`;
    formButton.disabled = present === 0;
    setText(
      summary,
      groups.length
        ? t('groups.summary', { n: groups.length, size })
        : present
          ? t('groups.help', { n: present, size })
          : t('groups.nobody'),
    );
    const grouped = new Set(groups.flatMap((g) => g.members));
    const outside = participantsOf(view).filter((m) => !grouped.has(m.id));
    loose.hidden = groups.length === 0 || outside.length === 0;
    fill(
      loose,
      h('span', { class: 'muted small' }, t('groups.outside')),
      h(
        'ul',
        { class: 'chips' },
        outside.map((m) => personChip(view, m.id, undefined)),
      ),
    );
    columns.hidden = groups.length === 0;
    fill(
      columns,
      groups.map((group) => {
        const col = h(
          'div',
          { class: 'group-col', 'data-group': group.id },
          h(
            'h3',
            { class: 'group-col-head' },
            h('span', null, t('groups.group', { n: group.id })),
            h('span', { class: 'chip' }, String(group.members.length)),
          ),
          h(
            'ul',
            { class: 'chips chips-column' },
            group.members.map((id) => personChip(view, id, group)),
          ),
        );
        dropZone(col, group.id);
        return col;
      }),
      (() => {
        const zone = h(
          'div',
          { class: 'group-col group-col-new', 'data-testid': 'new-group-zone' },
          h('span', null, `+ ${t('groups.new_group')}`),
          h('span', { class: 'field-help' }, t('groups.new_group.help')),
        );
        dropZone(zone, undefined);
        return zone;
      })(),
    );
  }

  return { el, update };
}

/**
 * The facilitator's button that puts the definitions up on the wall (and takes them down).
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
function wallSwitchPart(ctx) {
  const button = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'wall-show' });
  const text = h('p', { class: 'small' });
  const el = h(
    'div',
    { class: 'defwall-switch' },
    h('span', { class: 'defwall-switch-icon', 'aria-hidden': 'true' }, '▦'),
    text,
    button,
  );
  button.addEventListener('click', () => {
    const shown = ctx.store.view?.room.definitions.wall.shown ?? false;
    ctx.conn.send({ type: 'wall.show', shown: !shown });
  });
  return {
    el,
    update(view) {
      const { groups, wall } = view.room.definitions;
      el.hidden = groups.length === 0 || wall.shown;
      button.textContent = t('defwall.show');
      setText(text, t('defwall.show.help'));
    },
  };
}

/**
 * A participant's own group: who is in it, and the sheet they write their sentence on.
 * @param {RoomCtx} ctx
 * @param {RoomMemory} memory
 * @returns {Part}
 */
function mySheetPart(ctx, memory) {
  const el = h('div', { class: 'my-sheet-slot' });
  /** @type {SheetEditor | null} */
  let editor = null;
  let shownGroup = -1;
  const waiting = h('p', { class: 'empty', 'data-testid': 'no-group' }, t('groups.waiting'));
  return {
    el,
    update(view) {
      const group = myGroup(view);
      const id = group?.id ?? 0;
      if (id !== shownGroup) {
        shownGroup = id;
        if (editor) editor.leave();
        if (group) {
          const key = `${group.id}:${view.you.member_id}`;
          editor = memory.editors.get(key) ?? null;
          if (!editor) {
            editor = new SheetEditor(ctx, group.id, memory.texts);
            memory.editors.set(key, editor);
          }
          editor.relabel();
          fill(el, editor.el);
        } else {
          editor = null;
          fill(el, waiting);
        }
      }
      editor?.update(view);
    },
  };
}

/**
 * Every group's sentence as it is being written (live), read-only: for a participant the other
 * groups', for the facilitator and the wall display all of them.
 * @param {RoomCtx} ctx
 * @param {RoomMemory} memory
 * @returns {Part}
 */
function definitionsPart(ctx, memory) {
  const heading = h('h2', { class: 'section-title' });
  const grid = h('div', { class: 'def-grid', 'data-testid': 'definitions' });
  const empty = h('p', { class: 'empty' });
  /** @type {Map<string, Keyed<{ group: Group, view: RoomView }>>} */
  const cache = new Map();
  const el = h('section', { class: 'definitions' }, heading, empty, grid);

  /** @param {{ group: Group, view: RoomView }} item @returns {Keyed<{ group: Group, view: RoomView }>} */
  function make(item) {
    const id = item.group.id;
    const text = h('p', { class: 'def-text', 'data-testid': 'definition-text' });
    const names = h('p', { class: 'def-members' });
    const status = h('p', { class: 'def-status' });
    const card = h(
      'article',
      { class: 'card def-card', 'data-group': id },
      h('h3', { class: 'def-title' }, t('groups.group', { n: id })),
      names,
      text,
      status,
    );
    return {
      el: card,
      update({ group, view }) {
        const shown = memory.texts.display(view, id, ctx.store.serverNow());
        setText(text, shown.text || t('def.nothing_yet'));
        text.classList.toggle('placeholder', !shown.text);
        card.classList.toggle('live', !!shown.writer);
        setText(names, group.members.map((m) => nameOf(view, m)).join(' · '));
        setText(status, shown.writer ? t('sheet.other_writing', { name: nameOf(view, shown.writer) }) : '');
        status.hidden = !shown.writer;
      },
    };
  }

  return {
    el,
    update(view) {
      const mine = view.you.role === 'participant' ? myGroup(view)?.id : undefined;
      const groups = groupsOf(view).filter((g) => g.id !== mine);
      const anyGroups = view.room.definitions.groups.length > 0;
      // Nothing to show: a participant before the groups, or the only group is their own.
      el.hidden = (view.you.role === 'participant' && !anyGroups) || (anyGroups && groups.length === 0);
      setText(heading, mine !== undefined ? t('def.other_groups') : t('def.all_groups'));
      heading.hidden = groups.length === 0;
      empty.hidden = anyGroups;
      setText(empty, view.you.role === 'facilitator' ? t('def.none.facilitator') : t('groups.waiting'));
      keyedList(
        grid,
        cache,
        groups.map((group) => ({ group, view })),
        (item) => String(item.group.id),
        make,
      );
    },
  };
}
