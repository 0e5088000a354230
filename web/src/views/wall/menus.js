// The wall's menus, docked at the top of the canvas: a cluster's name, merge and dissolve; a
// note's full text, its cluster, and delete. Opened by clicking a cluster's label or a note
// (or Enter on a focused note); Escape closes them.

import { html, useEffect, useRef, useState } from '../../../vendor/preact.js';
import { app, send } from '../../app.js';
import { t } from '../../i18n.js';
import { MAX_CLUSTER_NAME_CHARS } from '../../limits.js';
import { clusterLabel, helpMe, isFacilitator, nameOf } from '../../ui/kit.js';

/** @typedef {{ kind: 'cluster' | 'note', id: string, naming?: boolean }} Menu */

/**
 * @param {{ menu: Menu, clusters: string[], onClose: () => void, moveTo: (note: string, cluster: string) => void }} props
 */
export function WallMenu({ menu, clusters, onClose, moveTo }) {
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    /** @param {KeyboardEvent} ev */
    const onKey = (ev) => ev.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    const first = ref.current?.querySelector('input, select, button');
    if (first instanceof HTMLElement) first.focus();
    return () => document.removeEventListener('keydown', onKey);
  }, [menu.kind, menu.id]);
  return html`<div class="wall-popover wall-exclude" ref=${ref} data-testid=${`${menu.kind}-menu`} role="dialog" aria-label=${menu.kind === 'cluster' ? t('wall.cluster.menu') : t('wall.note.menu')}>
    ${menu.kind === 'cluster'
      ? html`<${ClusterMenu} id=${menu.id} clusters=${clusters} onClose=${onClose} />`
      : html`<${NoteMenu} id=${menu.id} clusters=${clusters} onClose=${onClose} moveTo=${moveTo} />`}
    <button type="button" class="btn btn-ghost btn-icon popover-close" aria-label=${t('wall.menu.close')} onClick=${onClose}>×</button>
  </div>`;
}

/** @param {{ id: string, clusters: string[], onClose: () => void }} props */
function ClusterMenu({ id, clusters, onClose }) {
  const room = app.store.room('wall');
  const cluster = room.wall.clusters[id];
  const [name, setName] = useState(cluster?.name ?? '');
  const [into, setInto] = useState('');
  if (!cluster) return null;
  const others = clusters.filter((c) => c !== id);
  return html`<form
    class="popover-form"
    onSubmit=${(/** @type {Event} */ ev) => {
      ev.preventDefault();
      if (name.trim() !== cluster.name) send({ type: 'cluster.rename', id, name: name.trim() });
      onClose();
    }}
  >
    <label class="field">
      <span class="field-label">${t('wall.cluster.name')}</span>
      <span class="inline-form">
        <input
          name="cluster-name"
          value=${name}
          maxlength=${MAX_CLUSTER_NAME_CHARS}
          placeholder=${t('wall.cluster.name.placeholder')}
          data-testid="cluster-name"
          onInput=${(/** @type {any} */ ev) => setName(ev.target.value)}
        />
        <button type="submit" class="btn btn-primary btn-small" data-testid="cluster-save">${t('wall.cluster.save')}</button>
      </span>
    </label>
    ${others.length
      ? html`<div class="inline-form">
          <select aria-label=${t('wall.cluster.merge')} data-testid="cluster-merge" value=${into} onChange=${(/** @type {any} */ ev) => setInto(ev.target.value)}>
            <option value="">${t('wall.cluster.merge.choose')}</option>
            ${others.map((c) => html`<option value=${c}>${clusterLabel(room.wall.clusters[c])}</option>`)}
          </select>
          <button
            type="button"
            class="btn btn-secondary btn-small"
            disabled=${!into}
            onClick=${() => {
              send({ type: 'cluster.merge', from: id, into });
              onClose();
            }}
          >
            ${t('wall.cluster.merge.do')}
          </button>
        </div>`
      : null}
    <div class="popover-foot">
      <span class="muted small">${t('wall.cluster.split_help')}</span>
      <button
        type="button"
        class="btn btn-ghost btn-small danger"
        data-testid="cluster-dissolve"
        onClick=${() => {
          send({ type: 'cluster.dissolve', id });
          onClose();
        }}
      >
        ${t('wall.cluster.dissolve')}
      </button>
    </div>
  </form>`;
}

/** @param {{ id: string, clusters: string[], onClose: () => void, moveTo: (note: string, cluster: string) => void }} props */
function NoteMenu({ id, clusters, onClose, moveTo }) {
  const room = app.store.room('wall', 'members');
  const you = app.store.presence$().you;
  const note = room.wall.notes[id];
  if (!note) return null;
  const mayDelete = note.author === you.member_id || isFacilitator(you);
  return html`<div class="popover-form">
    <p class="popover-text">${helpMe(note.text)}</p>
    <p class="muted small">${t('list.by', { name: nameOf(room, note.author) })}</p>
    <label class="field">
      <span class="field-label">${t('list.cluster_of')}</span>
      <select
        data-testid="note-cluster"
        value=${note.cluster ?? ''}
        onChange=${(/** @type {any} */ ev) => {
          moveTo(id, ev.target.value);
          onClose();
        }}
      >
        <option value="">${t('list.no_cluster')}</option>
        ${clusters.map((c) => html`<option value=${c}>${clusterLabel(room.wall.clusters[c])}</option>`)}
      </select>
    </label>
    ${mayDelete
      ? html`<div class="popover-foot">
          <button
            type="button"
            class="btn btn-ghost btn-small danger"
            data-testid="note-delete"
            onClick=${() => {
              send({ type: 'note.delete', id });
              onClose();
            }}
          >
            ${t('note.delete')}
          </button>
        </div>`
      : null}
  </div>`;
}
