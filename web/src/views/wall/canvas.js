// Step 4's wall as a canvas: revealed post-its at their wall positions, clusters drawn as
// labelled regions that grow around their notes, everyone's drags live (a note someone moves
// glides after their pointer, with their name on it). Composed of the camera (camera.js), the
// geometry (regions.js), moving notes (drag.js) and the menus (menus.js). Read-only and always
// fitted on the projector.

import { html, useEffect, useLayoutEffect, useMemo, useRef, useState } from '../../../vendor/preact.js';
import { app, dropNote } from '../../app.js';
import { t, tn } from '../../i18n.js';
import { STALE_LIVE_MS } from '../../store.js';
import { canEdit, clusterLabel, hueOf, nameOf } from '../../ui/kit.js';
import { useCamera } from './camera.js';
import { noteDragger } from './drag.js';
import { WallMenu } from './menus.js';
import { NOTE_H, NOTE_W, clamp, extent, regionsOf, spotFor } from './regions.js';

/** Past this many characters (with "Help me") a note's words take a smaller size and a fourth
 * line, so that the words read whole rather than end in an ellipsis after three lines. */
const LONG_NOTE_CHARS = 56;

/** About how wide a character of a cluster's name is, as a share of its size. */
const CHAR_WIDTH = 0.6;
/** A cluster name's size as a share of its band's height (`.wall-region-label` in style.css). */
const LABEL_SIZE = 0.45;
/** The label's inset on both sides, in wall units (`.wall-region-label`'s left and right). */
const LABEL_INSET = 24;

/**
 * Whether a cluster's name reads whole on one line of its band, beside its count (about a
 * band's width); a longer one takes two smaller lines rather than ending in an ellipsis.
 * @param {string} name @param {number} width the cluster's width @param {number} band
 */
const nameFits = (name, width, band) => name.length * band * LABEL_SIZE * CHAR_WIDTH <= width - LABEL_INSET - band;

/** @typedef {import('../../protocol').Note} Note */
/** @typedef {import('./menus.js').Menu} Menu */

/** The height of a cluster's name band: readable at any zoom, in wall units. @param {number} zoom */
const bandFor = (zoom) => clamp(Math.round(30 / Math.max(zoom, 0.05)), 44, 200);

/** What floats over the wall on a person's screen: step 4's cards, the zoom tools, the action bar. */
const floatingOver = () => [...document.querySelectorAll('.wall-float > *, .wall-tools, .action-bar')];

/** @param {{ interactive: boolean, toolbar?: any }} props */
export function WallCanvas({ interactive, toolbar }) {
  const room = app.store.room('wall', 'members', 'closed');
  void app.store.dragVersion.value;
  const you = app.store.presence$().you;
  const editable = interactive && canEdit(you, room);
  const viewport = useRef(/** @type {HTMLDivElement | null} */ (null));
  const world = useRef(/** @type {HTMLDivElement | null} */ (null));
  const camera = useCamera(viewport, world, interactive, interactive ? floatingOver : undefined);
  const [selected, setSelected] = useState(/** @type {Set<string>} */ (new Set()));
  const [menu, setMenu] = useState(/** @type {Menu | null} */ (null));
  const [, redrawState] = useState(0);
  const redraw = () => redrawState((n) => n + 1);
  const pending = useRef(/** @type {Map<string, { x: number, y: number }>} */ (new Map())).current;
  const band = bandFor(camera.zoom);
  const now = Date.now();
  const dragger = useRef(/** @type {ReturnType<typeof noteDragger> | null} */ (null));
  /** When each note's stored version arrived: a live drag older than that is over. */
  const storedAt = useRef(/** @type {Map<string, { note: Note, at: number }>} */ (new Map())).current;

  const revealed = Object.values(room.wall.notes)
    .filter((n) => n.revealed)
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  /** Where each note is drawn: this person's drag, a drop not yet acknowledged, someone's live drag, or stored. */
  const shown = revealed.map((note) => {
    const mine = dragger.current?.at(note.id) ?? pending.get(note.id);
    const seen = storedAt.get(note.id);
    if (seen?.note !== note) storedAt.set(note.id, { note, at: seen ? now : 0 });
    const since = storedAt.get(note.id)?.at ?? 0;
    const live = app.store.drags.get(note.id);
    const remote = !mine && live && now - live.at < STALE_LIVE_MS && live.at > since && live.member_id !== you.member_id ? live : null;
    const at = mine ?? remote ?? note;
    return { note: { ...note, x: at.x, y: at.y }, stored: note, mover: remote?.member_id ?? null };
  });
  const regions = regionsOf(
    shown.filter((s) => !dragger.current?.holds(s.note.id)).map((s) => s.note),
    band,
  );
  const clusters = Object.values(room.wall.clusters)
    .filter((c) => regions.has(c.id))
    .sort((a, b) => clusterLabel(a).localeCompare(clusterLabel(b)))
    .map((c) => c.id);

  const latest = useRef({ shown, band, selected, regions });
  latest.current = { shown, band, selected, regions };
  dragger.current ??= noteDragger({
    camera,
    notes: () => latest.current.shown.map((s) => s.note),
    band: () => latest.current.band,
    selected: () => latest.current.selected,
    setSelected,
    onClick: (id) => setMenu({ kind: 'note', id }),
    redraw,
    pending,
    onCreated: (id) => setMenu({ kind: 'cluster', id, naming: true }),
    root: () => viewport.current,
  });

  useEffect(() => () => dragger.current?.cancel(), []);

  // Fit while the person has not moved the camera: as notes arrive, and when the frame resizes.
  const box = useMemo(() => extent(shown.map((s) => s.note), regions), [revealed.length, regions.size]);
  useLayoutEffect(() => {
    if (camera.auto.current) camera.fit(box);
  }, [box]);
  useEffect(() => {
    const frame = viewport.current;
    if (!frame) return;
    const observer = new ResizeObserver(() => camera.auto.current && camera.fit(latestBox.current));
    observer.observe(frame);
    return () => observer.disconnect();
  }, []);
  const latestBox = useRef(box);
  latestBox.current = box;

  // Someone's drag goes stale without a message: look again once it would have.
  useEffect(() => {
    if (!shown.some((s) => s.mover)) return;
    const timer = setTimeout(redraw, STALE_LIVE_MS);
    return () => clearTimeout(timer);
  });

  /** @param {string} noteId @param {string} clusterId '' for none */
  const moveTo = (noteId, clusterId) => {
    const at = spotFor(shown.map((s) => s.note), noteId, clusterId, band);
    pending.set(noteId, at);
    redraw();
    dropNote({ id: noteId, x: at.x, y: at.y, onto: clusterId ? { kind: 'cluster', id: clusterId } : undefined }).then(() => {
      pending.delete(noteId);
      redraw();
    });
  };

  return html`<div class="wall-canvas ${interactive ? '' : 'projected'}">
    <div
      class="wall-viewport ${camera.zoom < 0.45 ? 'far' : ''}"
      ref=${viewport}
      data-testid="wall"
      tabindex=${interactive ? 0 : undefined}
      role="region"
      aria-label=${t('wall.canvas')}
      aria-describedby=${interactive ? 'wall-help' : undefined}
      onKeyDown=${(/** @type {KeyboardEvent} */ ev) => {
        if (ev.target !== ev.currentTarget) return;
        const keys = /** @type {Record<string, () => void>} */ ({
          '+': () => camera.zoomBy(1.25),
          '=': () => camera.zoomBy(1.25),
          '-': () => camera.zoomBy(0.8),
          0: () => {
            camera.auto.current = true;
            camera.fit(box);
          },
          Escape: () => setSelected(new Set()),
        });
        if (keys[ev.key]) {
          ev.preventDefault();
          keys[ev.key]();
        }
      }}
    >
      <div class="wall-world" ref=${world} style=${{ '--band': `${band}px` }}>
        ${[...regions.values()].map((r) => {
          const cluster = room.wall.clusters[r.id];
          return html`<div
            key=${r.id}
            class="wall-region c${hueOf(r.id)}"
            data-id=${r.id}
            data-testid="wall-region"
            style=${{ transform: `translate(${r.x}px, ${r.y}px)`, width: `${r.w}px`, height: `${r.h}px` }}
          >
            <button
              type="button"
              class="wall-region-label wall-exclude ${cluster?.name ? '' : 'unnamed'} ${nameFits(clusterLabel(cluster), r.w, band) ? '' : 'two-lines'}"
              data-testid="cluster-label"
              disabled=${!editable}
              title=${tn('wall.cluster.aria', r.count, { name: clusterLabel(cluster) })}
              onClick=${() => setMenu({ kind: 'cluster', id: r.id })}
            >
              <span class="wall-region-name" dir="auto">${clusterLabel(cluster)}</span>
              <span class="wall-region-count">${r.count}</span>
              <span class="sr-only">${t('wall.cluster.open')}</span>
            </button>
          </div>`;
        })}
        ${shown.map(({ note, stored, mover }) => {
          const suggestion = stored.suggestion ? room.wall.clusters[stored.suggestion] : undefined;
          const hint = editable && suggestion && stored.cluster !== suggestion.id && regions.has(suggestion.id);
          return html`<div
            key=${note.id}
            class="wall-note ${note.cluster ? `in-cluster c${hueOf(note.cluster)}` : ''} ${editable ? 'draggable wall-exclude' : ''} ${mover ? 'remote' : ''} ${selected.has(note.id) ? 'selected' : ''}"
            data-id=${note.id}
            data-cluster=${note.cluster ?? ''}
            data-testid="wall-note"
            tabindex=${editable ? 0 : undefined}
            title=${`${t('note.prefix')} ${note.text}`}
            style=${{ transform: `translate(${note.x}px, ${note.y}px)`, width: `${NOTE_W}px`, height: `${NOTE_H}px` }}
            onPointerDown=${editable ? (/** @type {PointerEvent} */ ev) => dragger.current?.down(ev, stored, { x: note.x, y: note.y }) : undefined}
            onKeyDown=${editable
              ? (/** @type {KeyboardEvent} */ ev) => {
                  if (ev.target !== ev.currentTarget) return;
                  if (ev.key === 'Enter' || ev.key === ' ') {
                    ev.preventDefault();
                    setMenu({ kind: 'note', id: note.id });
                  } else dragger.current?.key(ev, stored);
                }
              : undefined}
          >
            <p class="wall-note-text ${t('note.prefix').length + note.text.length > LONG_NOTE_CHARS ? 'long' : ''}"><span class="wall-note-prefix">${t('note.prefix')}</span> <bdi>${note.text}</bdi></p>
            <span class="wall-note-author">${nameOf(room, note.author)}</span>
            ${mover ? html`<span class="wall-note-mover hue-${hueOf(mover)}" data-testid="drag-cursor">${nameOf(room, mover)}</span>` : null}
            ${hint
              ? html`<div class="note-hint" data-testid="note-hint">
                  <span class="note-hint-text">${t('hint.looks_like')} <strong>${clusterLabel(suggestion)}</strong></span>
                  <button
                    type="button"
                    class="btn btn-primary btn-small"
                    data-testid="hint-add"
                    onPointerDown=${(/** @type {Event} */ ev) => ev.stopPropagation()}
                    onClick=${() => moveTo(note.id, /** @type {string} */ (stored.suggestion))}
                  >
                    ${t('hint.add')}
                  </button>
                </div>`
              : null}
          </div>`;
        })}
      </div>
      ${revealed.length === 0 ? html`<div class="wall-empty" data-testid="wall-empty">${t('wall.empty')}</div>` : null}
      ${interactive ? html`<p class="sr-only" id="wall-help">${t('wall.help')}</p>` : null}
      ${menu && editable ? html`<${WallMenu} menu=${menu} clusters=${clusters} onClose=${() => setMenu(null)} moveTo=${moveTo} />` : null}
    </div>
    ${interactive
      ? html`<div class="wall-tools wall-exclude" role="group" aria-label=${t('wall.zoom')}>
          ${toolbar}
          ${selected.size > 1 ? html`<span class="chip" data-testid="selected-count">${t('wall.selected', { n: selected.size })}</span>` : null}
          <button type="button" class="btn btn-secondary btn-small" data-testid="zoom-out" aria-label=${t('wall.zoom_out')} title=${t('wall.zoom_out')} onClick=${() => camera.zoomBy(0.8)}>−</button>
          <span class="zoom-label" data-testid="zoom-label">${Math.round(camera.zoom * 100)}%</span>
          <button type="button" class="btn btn-secondary btn-small" data-testid="zoom-in" aria-label=${t('wall.zoom_in')} title=${t('wall.zoom_in')} onClick=${() => camera.zoomBy(1.25)}>+</button>
          <button
            type="button"
            class="btn btn-secondary btn-small"
            data-testid="zoom-fit"
            aria-label=${camera.readable() ? t('wall.fit.readable.aria') : t('wall.fit.aria')}
            title=${camera.readable() ? t('wall.fit.readable.aria') : t('wall.fit.aria')}
            onClick=${() => {
              camera.auto.current = true;
              camera.fit(box);
            }}
          >
            ${t('wall.fit')}
          </button>
        </div>`
      : null}
  </div>`;
}

