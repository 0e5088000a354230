// Step 4's wall as lists, for keyboards and screen readers: one section per cluster (a heading
// with its name, a field to rename it, merge and dissolve), its notes as a list, each with a
// select that moves the note to another cluster or into a new one with a loose note (picked in
// a second select, so a big wall does not put every note in every select); the notes in no
// cluster last. Changes made by
// others are announced politely.

import { h } from '../dom.js';
import { t, tn } from '../i18n.js';
import { freeSpotNear, spotInCluster, spotOutsideCluster } from './wall.js';
import {
  MAX_CLUSTER_NAME_CHARS,
  announcer,
  canEdit,
  clusterLabel,
  helpMe,
  nameOf,
  newId,
  rebuildKeepingFocus,
} from './kit.js';

/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../store.js').RoomView} RoomView */
/** @typedef {import('../protocol').Note} Note */
/** @typedef {import('../protocol').Cluster} Cluster */

/**
 * @param {RoomCtx} ctx
 */
export function wallList(ctx) {
  const body = h('div', { class: 'wall-list-body' });
  const live = announcer();
  const el = h('div', { class: 'wall-list', 'data-testid': 'wall-list', hidden: true }, live.el, body);
  let lastSeq = -1;
  /** @type {Map<string, { cluster: string, text: string }> | null} what the list last showed */
  let before = null;
  /** @type {Map<string, string>} cluster names last shown */
  let namesBefore = new Map();
  /** @type {string | null} the note whose "new cluster with..." partner is being chosen */
  let pairing = null;
  /** The value of the move select that asks for a partner note. */
  const NEW_CLUSTER = '+new';

  /**
   * Starts a new cluster of `noteId` and the loose note `partnerId`, beside the partner.
   * @param {string} noteId
   * @param {string} partnerId
   */
  function pair(noteId, partnerId) {
    const view = ctx.store.view;
    const partner = view?.room.wall.notes[partnerId];
    if (!view || !partner) return;
    const others = Object.values(view.room.wall.notes).filter((n) => n.revealed && n.id !== noteId);
    const spot = freeSpotNear([partner], others);
    ctx.conn.send({
      type: 'note.drop',
      id: noteId,
      x: spot.x,
      y: spot.y,
      onto: { kind: 'note', id: partnerId, new_cluster: newId() },
    });
  }

  /** Draws the list again now, not waiting for a change in the room. */
  function redraw() {
    lastSeq = -1;
    const view = ctx.store.view;
    if (view) update(view);
  }

  /** @param {string} noteId @param {string} clusterId */
  function move(noteId, clusterId) {
    const view = ctx.store.view;
    const note = view?.room.wall.notes[noteId];
    if (!view || !note) return;
    if (clusterId) {
      const spot = spotInCluster(view, noteId, clusterId);
      ctx.conn.send({
        type: 'note.drop',
        id: noteId,
        x: spot.x,
        y: spot.y,
        onto: { kind: 'cluster', id: clusterId },
      });
    } else {
      const spot = spotOutsideCluster(view, noteId);
      ctx.conn.send({ type: 'note.drop', id: noteId, x: spot.x, y: spot.y });
    }
  }

  /** @param {RoomView} view @param {Note} note @param {Cluster[]} clusters */
  function noteItem(view, note, clusters) {
    const editable = canEdit(view);
    const text = helpMe(view.room.settings.language, note.text);
    const selectId = `list-note-${note.id}`;
    const suggestion = note.suggestion ? view.room.wall.clusters[note.suggestion] : undefined;
    // Loose notes this one can start a cluster with.
    const partners = Object.values(view.room.wall.notes).filter(
      (n) => n.revealed && n.id !== note.id && (!n.cluster || !view.room.wall.clusters[n.cluster]),
    );
    return h(
      'li',
      { class: 'list-note', 'data-id': note.id },
      h('span', { class: 'list-note-text' }, text),
      h('span', { class: 'muted small' }, t('list.by', { name: nameOf(view.room, note.author) })),
      editable
        ? h(
            'span',
            { class: 'list-note-move' },
            h('label', { for: selectId, class: 'sr-only' }, t('list.move_label', { text })),
            h(
              'select',
              {
                id: selectId,
                'data-focus': `move-${note.id}`,
                'data-testid': 'list-move',
                onchange: (/** @type {Event} */ ev) => {
                  const value = /** @type {HTMLSelectElement} */ (ev.target).value;
                  pairing = value === NEW_CLUSTER ? note.id : null;
                  if (value === NEW_CLUSTER) redraw();
                  else move(note.id, value);
                },
              },
              h(
                'option',
                { value: '', selected: !note.cluster && pairing !== note.id },
                t('list.no_cluster'),
              ),
              clusters.map((c) =>
                h('option', { value: c.id, selected: note.cluster === c.id }, clusterLabel(c)),
              ),
              partners.length
                ? h('option', { value: NEW_CLUSTER, selected: pairing === note.id }, t('list.new_cluster'))
                : null,
            ),
            pairing === note.id && partners.length
              ? h(
                  'select',
                  {
                    'aria-label': t('list.partner_label', { text }),
                    'data-focus': `pair-${note.id}`,
                    'data-testid': 'list-partner',
                    onchange: (/** @type {Event} */ ev) => {
                      const partner = /** @type {HTMLSelectElement} */ (ev.target).value;
                      if (!partner) return;
                      pairing = null;
                      pair(note.id, partner);
                    },
                  },
                  h('option', { value: '' }, t('list.partner_choose')),
                  partners.map((n) =>
                    h('option', { value: n.id }, helpMe(view.room.settings.language, n.text)),
                  ),
                )
              : null,
          )
        : null,
      editable && suggestion && note.cluster !== suggestion.id
        ? h(
            'span',
            { class: 'note-hint inline' },
            t('hint.looks_like'),
            ' ',
            h('strong', null, clusterLabel(suggestion)),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-primary btn-small',
                'data-focus': `hint-${note.id}`,
                'aria-label': t('hint.add.aria', { text, name: clusterLabel(suggestion) }),
                onclick: () => move(note.id, suggestion.id),
              },
              t('hint.add'),
            ),
          )
        : null,
    );
  }

  /** @param {RoomView} view @param {Cluster} cluster @param {Note[]} members @param {Cluster[]} clusters */
  function clusterSection(view, cluster, members, clusters) {
    const editable = canEdit(view);
    const headingId = `list-cluster-${cluster.id}`;
    const name = h('input', {
      value: cluster.name,
      maxlength: MAX_CLUSTER_NAME_CHARS,
      placeholder: t('wall.cluster.name.placeholder'),
      'aria-label': t('list.rename_label', { name: clusterLabel(cluster) }),
      'data-focus': `name-${cluster.id}`,
    });
    const others = clusters.filter((c) => c.id !== cluster.id);
    const merge = h(
      'select',
      {
        'aria-label': t('list.merge_label', { name: clusterLabel(cluster) }),
        'data-focus': `merge-${cluster.id}`,
      },
      h('option', { value: '' }, t('wall.cluster.merge.choose')),
      others.map((c) => h('option', { value: c.id }, clusterLabel(c))),
    );
    return h(
      'section',
      { class: 'list-cluster', 'aria-labelledby': headingId, 'data-id': cluster.id },
      h(
        'h3',
        { id: headingId, class: cluster.name ? '' : 'unnamed' },
        clusterLabel(cluster),
        h('span', { class: 'muted small' }, ` · ${tn('list.count', members.length)}`),
      ),
      editable
        ? h(
            'div',
            { class: 'list-cluster-tools' },
            h(
              'form',
              {
                class: 'inline-form',
                onsubmit: (/** @type {SubmitEvent} */ ev) => {
                  ev.preventDefault();
                  ctx.conn.send({ type: 'cluster.rename', id: cluster.id, name: name.value.trim() });
                },
              },
              name,
              h(
                'button',
                {
                  type: 'submit',
                  class: 'btn btn-secondary btn-small',
                  'data-focus': `rename-${cluster.id}`,
                },
                t('wall.cluster.save'),
              ),
            ),
            others.length
              ? h(
                  'span',
                  { class: 'inline-form' },
                  merge,
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-secondary btn-small',
                      'data-focus': `mergebtn-${cluster.id}`,
                      onclick: () =>
                        merge.value &&
                        ctx.conn.send({ type: 'cluster.merge', from: cluster.id, into: merge.value }),
                    },
                    t('wall.cluster.merge.do'),
                  ),
                )
              : null,
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-ghost btn-small danger',
                'data-focus': `dissolve-${cluster.id}`,
                onclick: () => ctx.conn.send({ type: 'cluster.dissolve', id: cluster.id }),
              },
              t('wall.cluster.dissolve'),
            ),
          )
        : null,
      h(
        'ul',
        { class: 'list-notes' },
        members.map((n) => noteItem(view, n, clusters)),
      ),
    );
  }

  /** @param {RoomView} view */
  function update(view) {
    if (view.room.seq === lastSeq) return;
    lastSeq = view.room.seq;
    const revealed = Object.values(view.room.wall.notes)
      .filter((n) => n.revealed)
      .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
    const clusters = Object.values(view.room.wall.clusters)
      .filter((c) => revealed.some((n) => n.cluster === c.id))
      .sort((a, b) => clusterLabel(a).localeCompare(clusterLabel(b)) || a.id.localeCompare(b.id));
    announceChanges(view, revealed);
    rebuildKeepingFocus(body, () => {
      const loose = revealed.filter((n) => !n.cluster || !view.room.wall.clusters[n.cluster]);
      return [
        revealed.length === 0 ? h('p', { class: 'empty' }, t('wall.empty')) : null,
        ...clusters.map((c) =>
          clusterSection(
            view,
            c,
            revealed.filter((n) => n.cluster === c.id),
            clusters,
          ),
        ),
        loose.length
          ? h(
              'section',
              { class: 'list-cluster loose', 'aria-labelledby': 'list-loose' },
              h(
                'h3',
                { id: 'list-loose' },
                t('list.loose'),
                h('span', { class: 'muted small' }, ` · ${tn('list.count', loose.length)}`),
              ),
              h(
                'ul',
                { class: 'list-notes' },
                loose.map((n) => noteItem(view, n, clusters)),
              ),
            )
          : null,
      ].filter((n) => n !== null);
    });
  }

  /**
   * Tells screen-reader users what changed since the list was last drawn.
   * @param {RoomView} view
   * @param {Note[]} revealed
   */
  function announceChanges(view, revealed) {
    const now = new Map(revealed.map((n) => [n.id, { cluster: n.cluster ?? '', text: n.text }]));
    const names = new Map(Object.values(view.room.wall.clusters).map((c) => [c.id, clusterLabel(c)]));
    if (before) {
      /** @type {string[]} */
      const messages = [];
      const added = revealed.filter((n) => !before?.has(n.id)).length;
      if (added) messages.push(t('list.announce.revealed', { n: added }));
      for (const n of revealed) {
        const old = before.get(n.id);
        if (old && old.cluster !== (n.cluster ?? '')) {
          messages.push(
            n.cluster
              ? t('list.announce.moved', { text: n.text, name: names.get(n.cluster) ?? '' })
              : t('list.announce.loose', { text: n.text }),
          );
        }
      }
      for (const [id, name] of names) {
        const old = namesBefore.get(id);
        if (old !== undefined && old !== name) messages.push(t('list.announce.renamed', { old, name }));
      }
      if (messages.length) live.say(messages.slice(0, 3).join(' '));
    }
    before = now;
    namesBefore = names;
  }

  return { el, update };
}
