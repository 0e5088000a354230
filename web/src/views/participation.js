// What runs across every step: "I'm done" for the current step (and, for the facilitator, how
// many are done, who is still working, and auto-advance), the Undo button for a member's own
// last change (Ctrl/Cmd+Z outside text fields), and the facilitator's participation panel:
// who is here, checked in, has spoken, named key factors, contributed, is done, and who has
// been silent so far.

import { fill, h } from '../dom.js';
import { hasKey, language, t } from '../i18n.js';
import { avatar, participantsOf, setText, typingInField } from './boardkit.js';
import { watchGroups } from './step3.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').MemberId} MemberId */

/**
 * Who is done with the room's current step.
 * @param {RoomView} view
 * @returns {Set<MemberId>}
 */
function readyNow(view) {
  const step = view.room.step;
  return new Set(view.room.ready.filter(([s]) => s === step).map(([, id]) => id));
}

/**
 * The people "I'm done" is counted over: participants who are here, and any who said they
 * were done before leaving.
 * @param {RoomView} view
 */
function counted(view) {
  const ready = readyNow(view);
  return participantsOf(view).filter((m) => view.online.has(m.id) || ready.has(m.id));
}

/**
 * The translated name of an undoable command ("card merge"), or null for one this client
 * has no words for.
 * @param {string} command the wire type, e.g. `factor.merge`
 */
export function undoLabel(command) {
  const key = `undo.what.${command}`;
  return hasKey(key) ? t(key) : null;
}

/**
 * The function Ctrl/Cmd+Z calls: the Undo button of the screen shown now (screens are rebuilt,
 * the key listener is installed once).
 * @type {(() => void) | null}
 */
let undoShortcut = null;
let shortcutInstalled = false;

function installShortcut() {
  if (shortcutInstalled) return;
  shortcutInstalled = true;
  document.addEventListener('keydown', (ev) => {
    if (ev.key.toLowerCase() !== 'z' || !(ev.ctrlKey || ev.metaKey) || ev.shiftKey || ev.altKey) return;
    // In a text field, Ctrl+Z is the field's own undo of typing.
    if (typingInField() || !undoShortcut) return;
    ev.preventDefault();
    undoShortcut();
  });
}

/**
 * The member's own card beside the board: "I'm done" and Undo; for a facilitator, the room's
 * progress through the step and auto-advance. Nothing for a wall display.
 * @param {RoomCtx} ctx
 * @param {RoomView} initial
 * @returns {Part | null}
 */
export function activityPart(ctx, initial) {
  const role = initial.you.role;
  if (role === 'viewer' || !initial.you.member_id) return null;
  installShortcut();

  const readyButton = h('button', {
    type: 'button',
    class: 'btn btn-block ready-button',
    'data-testid': 'ready-toggle',
    onclick: () => {
      const view = ctx.store.view;
      const me = view?.you.member_id;
      if (!view || !me) return;
      ctx.conn.send({ type: 'ready.set', ready: !readyNow(view).has(me) });
    },
  });
  const count = h('p', { class: 'ready-count', 'data-testid': 'ready-count' });
  const bar = h('div', { class: 'progress-fill' });
  const working = h('div', { class: 'waiting ready-waiting', 'data-testid': 'ready-waiting' });
  const autoToggle = h('input', {
    type: 'checkbox',
    class: 'switch',
    'data-testid': 'auto-advance',
    onchange: () => ctx.conn.send({ type: 'auto_advance.set', on: autoToggle.checked }),
  });
  const autoState = h('p', { class: 'field-help' });
  const undoButton = h('button', {
    type: 'button',
    class: 'btn btn-secondary btn-block undo-button',
    'data-testid': 'undo',
    title: t('undo.shortcut'),
    onclick: () => ctx.conn.send({ type: 'undo' }),
  });
  undoShortcut = () => {
    if (undoButton.isConnected && !undoButton.hidden) undoButton.click();
  };

  const facilitator = role === 'facilitator';
  const el = h(
    'section',
    { class: 'card activity', 'data-testid': 'activity' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', null, facilitator ? t('ready.heading.room') : t('ready.heading')),
    ),
    facilitator ? null : readyButton,
    count,
    h('div', { class: 'progress' }, bar),
    facilitator ? working : null,
    facilitator
      ? h(
          'div',
          { class: 'auto-advance' },
          h('label', { class: 'switch-label' }, autoToggle, h('span', null, t('ready.auto'))),
          autoState,
        )
      : null,
    undoButton,
  );

  return {
    el,
    update(view) {
      const me = view.you.member_id;
      const ready = readyNow(view);
      const people = counted(view);
      const done = people.filter((m) => ready.has(m.id));
      const mine = !!me && ready.has(me);
      readyButton.classList.toggle('btn-primary', !mine);
      readyButton.classList.toggle('btn-done', mine);
      readyButton.setAttribute('aria-pressed', String(mine));
      readyButton.textContent = mine ? `✓ ${t('ready.done')}` : t('ready.mark');
      readyButton.title = mine ? t('ready.unmark') : '';
      setText(count, t('ready.count', { n: done.length, total: people.length }));
      bar.style.width = people.length ? `${(done.length / people.length) * 100}%` : '0%';
      if (facilitator) {
        const still = people.filter((m) => !ready.has(m.id));
        if (people.length === 0) fill(working, h('span', { class: 'muted small' }, t('presence.empty')));
        else if (still.length === 0) fill(working, h('span', { class: 'all-in' }, `✓ ${t('ready.all')}`));
        else
          fill(
            working,
            h('span', { class: 'muted small' }, t('ready.still')),
            still.map((m) =>
              h(
                'span',
                { class: `name-chip ${view.online.has(m.id) ? 'online' : 'offline'}` },
                h('span', { class: 'dot' }),
                m.name,
              ),
            ),
          );
        autoToggle.checked = view.room.auto_advance;
        setText(autoState, view.room.auto_advance ? t('ready.auto.on') : t('ready.auto.off'));
        // Latecomers are noticed in every step (see step 3's "new" badge).
        watchGroups(ctx, view);
      }
      const stack = me ? view.room.undo[me] : undefined;
      const last = stack?.[stack.length - 1];
      undoButton.hidden = !last;
      if (last) {
        const what = undoLabel(last.command);
        undoButton.textContent = `↶ ${what ? t('undo.button', { what }) : t('undo.plain')}`;
      }
    },
  };
}

/**
 * The facilitator's participation panel: a row per participant.
 * @param {RoomCtx} ctx
 * @param {RoomView} initial
 * @returns {Part | null}
 */
export function participationPart(ctx, initial) {
  if (initial.you.role !== 'facilitator') return null;
  const silent = h('div', { class: 'silent', 'data-testid': 'silent' });
  const hereCount = h('span', { class: 'chip' });
  const body = h('tbody');
  const key = 'participation.closed';
  /** @param {string} label @param {string} title */
  const head = (label, title) => h('th', { scope: 'col', title, 'aria-label': title }, label);
  const el = h(
    'details',
    {
      class: 'card participation',
      'data-testid': 'participation',
      open: !ctx.openPanels.has(key),
      ontoggle: () => (el.open ? ctx.openPanels.delete(key) : ctx.openPanels.add(key)),
    },
    h('summary', { class: 'card-head' }, h('h2', null, t('part.heading'), ' ', hereCount)),
    silent,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'part-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col', class: 'part-name' }, t('part.person')),
            head(t('part.here'), t('part.here.title')),
            head(t('part.checkin'), t('part.checkin.title')),
            head(t('part.spoke'), t('part.spoke.title')),
            head(t('part.cards'), t('part.cards.title')),
            head(t('part.contributions'), t('part.contributions.title')),
            head(t('part.ready'), t('part.ready.title')),
          ),
        ),
        body,
      ),
    ),
  );

  /** @param {boolean} yes @param {string} testid */
  const mark = (yes, testid) => h('td', { class: yes ? 'yes' : 'no', 'data-col': testid }, yes ? '✓' : '–');

  /** What the panel was last drawn from: live drags and typing redraw nothing here. */
  let drawn = '';

  return {
    el,
    update(view) {
      const room = view.room;
      const signature = JSON.stringify([
        language(),
        room.step,
        [...view.online].sort(),
        room.members,
        Object.keys(room.checkins),
        room.experience.queue,
        Object.values(room.experience.factors).map((f) => f.speakers),
        room.contributions,
        room.ready,
      ]);
      if (signature === drawn) return;
      drawn = signature;
      const ready = readyNow(view);
      const spoken = new Set(room.experience.queue.spoken);
      const current = room.experience.queue.current;
      if (current) spoken.add(current);
      /** @type {Map<MemberId, number>} */
      const named = new Map();
      for (const factor of Object.values(room.experience.factors)) {
        for (const id of factor.speakers) named.set(id, (named.get(id) ?? 0) + 1);
      }
      const people = participantsOf(view).sort(
        (a, b) =>
          Number(view.online.has(b.id)) - Number(view.online.has(a.id)) || a.name.localeCompare(b.name),
      );
      const quiet = people.filter((m) => !(room.contributions[m.id] ?? 0) && !spoken.has(m.id));
      if (people.length === 0) fill(silent, h('span', { class: 'muted small' }, t('presence.empty')));
      else if (quiet.length === 0)
        fill(silent, h('span', { class: 'all-in small' }, `✓ ${t('part.nobody_silent')}`));
      else
        fill(
          silent,
          h('span', { class: 'silent-label' }, t('part.silent', { n: quiet.length })),
          quiet.map((m) => h('span', { class: 'name-chip silent-chip' }, m.name)),
        );
      fill(
        body,
        people.map((m) => {
          const here = view.online.has(m.id);
          const contributions = room.contributions[m.id] ?? 0;
          const isQuiet = quiet.includes(m);
          return h(
            'tr',
            { class: `${here ? 'here' : 'away'}${isQuiet ? ' quiet' : ''}`, 'data-member': m.id },
            h(
              'th',
              { scope: 'row', class: 'part-name' },
              h(
                'span',
                { class: 'part-who' },
                avatar(m.name, m.id),
                h('span', { class: 'part-person' }, m.name),
              ),
            ),
            h(
              'td',
              { 'data-col': 'here', title: here ? t('conn.online') : t('presence.offline') },
              h('span', { class: `dot${here ? ' on' : ''}` }),
            ),
            mark(!!room.checkins[m.id], 'checkin'),
            mark(spoken.has(m.id), 'spoke'),
            h(
              'td',
              { 'data-col': 'cards', class: named.get(m.id) ? '' : 'no' },
              String(named.get(m.id) ?? 0),
            ),
            h('td', { 'data-col': 'contributions', class: contributions ? '' : 'no' }, String(contributions)),
            mark(ready.has(m.id), 'ready'),
          );
        }),
      );
      setText(
        hereCount,
        t('part.here_count', { n: people.filter((m) => view.online.has(m.id)).length, total: people.length }),
      );
    },
  };
}
