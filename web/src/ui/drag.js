// Dragging things between places, with a mouse, a finger or the keyboard (HTML5 drag and drop
// does nothing on touch screens). A source is any element given `dragSource(...)` props; a
// place to drop is any element with `data-drop-kind` (what it accepts) and `data-drop` (its
// value). Pointer: press and move (on touch, press the grip, so that the page still scrolls);
// a ghost follows the pointer and the place under it lights up. Keyboard: Space or Enter picks
// the item up, the arrow keys go from place to place, Space or Enter drops, Escape cancels.
// The list views (speaker queue, ranking) use places that are the other items: the drop then
// says whether it landed on their upper or lower half.

import { announce } from './kit.js';
import { t } from '../i18n.js';

/**
 * @typedef {object} Source
 * @property {string} kind what it is (a place accepts one kind)
 * @property {string} id
 * @property {string} label read out to keyboard users
 * @property {(place: string, after: boolean) => void} onDrop
 */

/** How far the pointer moves before a press becomes a drag, in CSS pixels. */
const THRESHOLD_PX = 5;

/**
 * @type {{ source: Source, el: HTMLElement, ghost: HTMLElement | null, x0: number, y0: number,
 *   dx: number, dy: number, pointer: number | null, place: HTMLElement | null, after: boolean,
 *   places: HTMLElement[], index: number } | null}
 */
let active = null;

/** @param {Source} source @returns {HTMLElement[]} the places that accept it, in page order */
function placesFor(source) {
  return /** @type {HTMLElement[]} */ ([...document.querySelectorAll(`[data-drop-kind="${source.kind}"]`)]).filter(
    (el) => el.dataset.drop !== source.id,
  );
}

/** @param {HTMLElement | null} place @param {boolean} after */
function mark(place, after) {
  if (!active) return;
  if (active.place && active.place !== place) active.place.classList.remove('drop-target', 'drop-after', 'drop-before');
  active.place = place;
  active.after = after;
  if (place) {
    place.classList.add('drop-target');
    place.classList.toggle('drop-after', after);
    place.classList.toggle('drop-before', !after);
  }
}

/** @param {boolean} drop whether to drop (else cancel) */
function finish(drop) {
  const done = active;
  if (!done) return;
  active = null;
  done.ghost?.remove();
  done.el.classList.remove('dragging', 'lifted');
  document.documentElement.classList.remove('is-dragging');
  done.place?.classList.remove('drop-target', 'drop-after', 'drop-before');
  if (drop && done.place?.dataset.drop !== undefined) done.source.onDrop(done.place.dataset.drop, done.after);
  else if (done.pointer === null) announce(t('drag.cancelled', { name: done.source.label }));
}

/** @param {PointerEvent} ev */
function onMove(ev) {
  if (!active || ev.pointerId !== active.pointer) return;
  const dx = ev.clientX - active.x0;
  const dy = ev.clientY - active.y0;
  if (!active.ghost) {
    if (Math.hypot(dx, dy) < THRESHOLD_PX) return;
    const box = active.el.getBoundingClientRect();
    const ghost = /** @type {HTMLElement} */ (active.el.cloneNode(true));
    ghost.classList.add('drag-ghost');
    ghost.removeAttribute('data-testid');
    ghost.style.width = `${box.width}px`;
    ghost.style.left = `${box.left}px`;
    ghost.style.top = `${box.top}px`;
    document.body.appendChild(ghost);
    active.ghost = ghost;
    active.el.classList.add('dragging');
    document.documentElement.classList.add('is-dragging');
  }
  active.ghost.style.transform = `translate(${dx}px, ${dy}px)`;
  const under = document.elementFromPoint(ev.clientX, ev.clientY);
  const place = /** @type {HTMLElement | null} */ (under?.closest(`[data-drop-kind="${active.source.kind}"]`) ?? null);
  if (place && place.dataset.drop === active.source.id) return mark(null, false);
  const box = place?.getBoundingClientRect();
  mark(place, !!box && ev.clientY > box.top + box.height / 2);
}

/** @param {PointerEvent} ev */
function onUp(ev) {
  if (!active || ev.pointerId !== active.pointer) return;
  const dragged = !!active.ghost;
  finish(ev.type === 'pointerup' && dragged);
  window.removeEventListener('pointermove', onMove);
  window.removeEventListener('pointerup', onUp);
  window.removeEventListener('pointercancel', onUp);
  // A drag that ends where it began is not a click on what lies there (a card's words open
  // it for writing): the click that follows this release, if any, is swallowed.
  if (dragged) {
    window.addEventListener('click', swallow, { capture: true, once: true });
    setTimeout(() => window.removeEventListener('click', swallow, { capture: true }), 0);
  }
}

/** @param {Event} ev */
function swallow(ev) {
  ev.stopPropagation();
  ev.preventDefault();
}

/**
 * The props that make an element a drag source. `enabled` false gives none.
 * @param {Source & { enabled?: boolean }} source
 */
export function dragSource(source) {
  if (source.enabled === false) return {};
  return {
    'data-drag': source.kind,
    'aria-roledescription': t('drag.role'),
    tabIndex: 0,
    /** @param {PointerEvent} ev */
    onPointerDown(ev) {
      const target = /** @type {HTMLElement} */ (ev.target);
      if (ev.button !== 0 || active) return;
      if (target.closest('button, input, select, textarea, a')) return;
      // On a touch screen only the grip drags, so a swipe over the item still scrolls.
      if (ev.pointerType !== 'mouse' && !target.closest('.grip')) return;
      ev.preventDefault();
      active = {
        source,
        el: /** @type {HTMLElement} */ (ev.currentTarget),
        ghost: null,
        x0: ev.clientX,
        y0: ev.clientY,
        dx: 0,
        dy: 0,
        pointer: ev.pointerId,
        place: null,
        after: false,
        places: [],
        index: -1,
      };
      window.addEventListener('pointermove', onMove);
      window.addEventListener('pointerup', onUp);
      window.addEventListener('pointercancel', onUp);
    },
    /** @param {KeyboardEvent} ev */
    onKeyDown(ev) {
      if (ev.target !== ev.currentTarget) return;
      const el = /** @type {HTMLElement} */ (ev.currentTarget);
      if (!active) {
        if (ev.key !== ' ' && ev.key !== 'Enter') return;
        ev.preventDefault();
        const places = placesFor(source);
        if (places.length === 0) return;
        active = { source, el, ghost: null, x0: 0, y0: 0, dx: 0, dy: 0, pointer: null, place: null, after: false, places, index: -1 };
        el.classList.add('lifted');
        announce(t('drag.lifted', { name: source.label }));
        return;
      }
      if (active.el !== el) return;
      if (ev.key === 'Escape') {
        ev.preventDefault();
        finish(false);
      } else if (ev.key === ' ' || ev.key === 'Enter') {
        ev.preventDefault();
        finish(true);
      } else if (['ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowLeft'].includes(ev.key)) {
        ev.preventDefault();
        const forward = ev.key === 'ArrowDown' || ev.key === 'ArrowRight';
        const n = active.places.length;
        active.index = (active.index + (forward ? 1 : n - 1 + (active.index < 0 ? 1 : 0))) % n;
        const place = active.places[active.index];
        // In a list, a place after this item's own position means "after it".
        const after = !!(el.compareDocumentPosition(place) & Node.DOCUMENT_POSITION_FOLLOWING);
        mark(place, after);
        place.scrollIntoView({ block: 'nearest' });
        announce(place.dataset.dropLabel ?? place.textContent?.trim() ?? '');
      }
    },
    onBlur() {
      if (active && active.pointer === null && active.el === document.activeElement) return;
      if (active && active.pointer === null) finish(false);
    },
  };
}

/**
 * The props of a place to drop: `kind` it accepts, `value` it hands to the source, `label`
 * read out while a keyboard user goes through the places.
 * @param {string} kind @param {string} value @param {string} label
 */
export function dropPlace(kind, value, label) {
  return { 'data-drop-kind': kind, 'data-drop': value, 'data-drop-label': label };
}

/**
 * Moves `id` in `order` to before or after `place` (a drop in a list).
 * @param {string[]} order @param {string} id @param {string} place @param {boolean} after
 */
export function reorder(order, id, place, after) {
  const next = order.filter((x) => x !== id);
  const at = next.indexOf(place);
  if (at < 0) return order;
  next.splice(after ? at + 1 : at, 0, id);
  return next;
}
