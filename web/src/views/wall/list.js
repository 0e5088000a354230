// Step 4's wall as lists, for keyboards, screen readers and small screens: a section per
// cluster (rename, merge, dissolve) with its notes, each with a menu that moves it to another
// cluster, out of its cluster, or into a new cluster with a loose note; the loose notes last.
// Changes made by others are read out politely.

import { html, useEffect, useRef } from '../../../vendor/preact.js';
import { app, dropNote, send } from '../../app.js';
import { t, tn } from '../../i18n.js';
import { MAX_CLUSTER_NAME_CHARS } from '../../limits.js';
import { InlineEdit, announce, canEdit, clusterLabel, helpMe, nameOf, newId } from '../../ui/kit.js';
import { freeSpotNear, spotFor } from './regions.js';

/** @typedef {import('../../protocol').Note} Note */

/** The band used for spots chosen from the list (the canvas's at a middling zoom). */
const LIST_BAND = 60;

export function WallList() {
  const room = app.store.room('wall', 'members', 'closed');
  const you = app.store.presence$().you;
  const editable = canEdit(you, room);
  const revealed = Object.values(room.wall.notes)
    .filter((n) => n.revealed)
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  const clusters = Object.values(room.wall.clusters)
    .filter((c) => revealed.some((n) => n.cluster === c.id))
    .sort((a, b) => clusterLabel(a).localeCompare(clusterLabel(b)) || a.id.localeCompare(b.id));
  const loose = revealed.filter((n) => !n.cluster || !room.wall.clusters[n.cluster]);
  useAnnouncements(revealed);

  /** @param {Note} note @param {string} value */
  const move = (note, value) => {
    if (value.startsWith('with:')) {
      const partner = revealed.find((n) => n.id === value.slice(5));
      if (!partner) return;
      const at = freeSpotNear([partner], revealed.filter((n) => n.id !== note.id));
      dropNote({ id: note.id, ...at, onto: { kind: 'note', id: partner.id, new_cluster: newId() } });
      return;
    }
    const at = spotFor(revealed, note.id, value, LIST_BAND);
    dropNote({ id: note.id, ...at, onto: value ? { kind: 'cluster', id: value } : undefined });
  };

  /** @param {Note} note */
  const item = (note) => {
    const text = helpMe(note.text);
    const suggestion = note.suggestion ? room.wall.clusters[note.suggestion] : undefined;
    return html`<li class="list-note" key=${note.id} data-id=${note.id}>
      <span class="list-note-text" dir="auto">${text}</span>
      <span class="muted small">${t('list.by', { name: nameOf(room, note.author) })}</span>
      ${editable
        ? html`<select data-testid="list-move" aria-label=${t('list.move_label', { text })} value=${note.cluster ?? ''} onChange=${(/** @type {any} */ ev) => move(note, ev.target.value)}>
            <option value="">${t('list.no_cluster')}</option>
            ${clusters.map((c) => html`<option value=${c.id}>${clusterLabel(c)}</option>`)}
            ${loose
              .filter((n) => n.id !== note.id)
              .map((n) => html`<option value=${`with:${n.id}`}>${t('list.new_cluster_with', { text: n.text })}</option>`)}
          </select>`
        : null}
      ${editable && suggestion && note.cluster !== suggestion.id && clusters.includes(suggestion)
        ? html`<span class="note-hint inline">
            ${t('hint.looks_like')} <strong>${clusterLabel(suggestion)}</strong>
            <button type="button" class="btn btn-primary btn-small" aria-label=${t('hint.add.aria', { text, name: clusterLabel(suggestion) })} onClick=${() => move(note, suggestion.id)}>
              ${t('hint.add')}
            </button>
          </span>`
        : null}
    </li>`;
  };

  return html`<div class="wall-list" data-testid="wall-list">
    ${revealed.length === 0 ? html`<p class="empty">${t('wall.empty')}</p>` : null}
    ${clusters.map((cluster) => {
      const members = revealed.filter((n) => n.cluster === cluster.id);
      const others = clusters.filter((c) => c.id !== cluster.id);
      return html`<section class="list-cluster card" key=${cluster.id} data-id=${cluster.id} aria-label=${clusterLabel(cluster)}>
        <h3 class="list-cluster-head">
          <${InlineEdit}
            text=${cluster.name}
            view=${html`<span class=${cluster.name ? '' : 'unnamed'}>${clusterLabel(cluster)}</span>`}
            label=${t('list.rename_label', { name: clusterLabel(cluster) })}
            maxLength=${MAX_CLUSTER_NAME_CHARS}
            editable=${editable}
            allowEmpty=${true}
            testid="list-rename"
            onSave=${async (/** @type {string} */ name) => (await send({ type: 'cluster.rename', id: cluster.id, name })).ok}
          />
          <span class="muted small">${tn('list.count', members.length)}</span>
        </h3>
        ${editable
          ? html`<div class="list-cluster-tools">
              ${others.length
                ? html`<select aria-label=${t('list.merge_label', { name: clusterLabel(cluster) })} value="" onChange=${(/** @type {any} */ ev) => ev.target.value && send({ type: 'cluster.merge', from: cluster.id, into: ev.target.value })}>
                    <option value="">${t('wall.cluster.merge.choose')}</option>
                    ${others.map((c) => html`<option value=${c.id}>${clusterLabel(c)}</option>`)}
                  </select>`
                : null}
              <button type="button" class="btn btn-ghost btn-small danger" onClick=${() => send({ type: 'cluster.dissolve', id: cluster.id })}>${t('wall.cluster.dissolve')}</button>
            </div>`
          : null}
        <ul class="list-notes">${members.map(item)}</ul>
      </section>`;
    })}
    ${loose.length
      ? html`<section class="list-cluster loose card" aria-label=${t('list.loose')}>
          <h3 class="list-cluster-head">${t('list.loose')} <span class="muted small">${tn('list.count', loose.length)}</span></h3>
          <ul class="list-notes">${loose.map(item)}</ul>
        </section>`
      : null}
  </div>`;
}

/** Reads out what others changed since the list was last drawn. @param {Note[]} revealed */
function useAnnouncements(revealed) {
  const before = useRef(/** @type {Map<string, string> | null} */ (null));
  useEffect(() => {
    const room = app.store.view?.room;
    if (!room) return;
    const now = new Map(revealed.map((n) => [n.id, n.cluster ?? '']));
    const old = before.current;
    if (old) {
      const messages = [];
      const added = revealed.filter((n) => !old.has(n.id)).length;
      if (added) messages.push(t('list.announce.revealed', { n: added }));
      for (const n of revealed) {
        const was = old.get(n.id);
        if (was !== undefined && was !== (n.cluster ?? ''))
          messages.push(n.cluster ? t('list.announce.moved', { text: n.text, name: clusterLabel(room.wall.clusters[n.cluster]) }) : t('list.announce.loose', { text: n.text }));
      }
      if (messages.length) announce(messages.slice(0, 3).join(' '));
    }
    before.current = now;
  });
}
