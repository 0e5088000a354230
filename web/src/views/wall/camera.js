// The wall's camera on Panzoom: drag the background (one finger on a touch screen) to pan,
// pinch or Ctrl+wheel to zoom, two fingers to pan; the wheel alone pans. "Fit" shows every
// note, in the part of the screen no floating card covers; until the person moves the camera
// themself it keeps fitting as notes arrive (and on the projector it always does), though never
// while they hold a note: the wall does not move under their hand, and fits once they let go. On a phone
// a fit stops at a zoom where notes can still be read, starting from the notes' top left.
// Wall units map to the screen through Panzoom's transform, `scale(s) translate(x, y)` about
// the world's centre.

import Panzoom from '../../../vendor/panzoom.js';
import { useEffect, useRef, useState } from '../../../vendor/preact.js';
import { WALL_HEIGHT, WALL_WIDTH } from '../../limits.js';
import { reducedMotion } from '../../ui/media.js';
import { clamp } from './regions.js';

/** Zoom limits: the whole wall on a phone, to big enough to read from afar. */
const MIN_ZOOM = 0.06;
const MAX_ZOOM = 2.5;
/** Space kept around the notes when fitting, in screen pixels. */
const FIT_MARGIN = 32;
/** The least zoom a fit goes to on a phone: a note's words (drawn large when far) stay legible. */
const READABLE_ZOOM = 0.4;
/** A wall narrower than this (CSS px) is a phone's: the whole wall there would be unreadable. */
const PHONE_WALL_PX = 600;
/** Floating cards are fitted around only while they leave at least this share of the height. */
const MIN_FREE_SHARE = 0.4;

/** @typedef {{ minX: number, minY: number, maxX: number, maxY: number }} Box */

/**
 * @typedef {object} Camera
 * @property {number} zoom the scale now (rounded, for drawing labels to size)
 * @property {(box: Box) => void} fit
 * @property {(on: boolean) => void} hold while held (a note in the person's hand), fits wait
 * @property {(factor: number) => void} zoomBy
 * @property {(clientX: number, clientY: number) => { x: number, y: number }} toWall
 * @property {{ current: boolean }} auto keep fitting as notes arrive
 * @property {() => number} scale the exact scale now
 * @property {() => boolean} readable whether a fit stops at a readable zoom (a phone's wall)
 */

/**
 * @param {{ current: HTMLElement | null }} viewport @param {{ current: HTMLElement | null }} world
 * @param {boolean} interactive false on the projector: no panning or zooming by hand
 * @param {() => Element[]} covers what floats over the viewport (cards, bars); fits keep clear of it
 * @returns {Camera}
 */
export function useCamera(viewport, world, interactive, covers = () => []) {
  // Fitting never zooms past 100% for a person at a screen; a projector may, to be read afar.
  const maxFit = interactive ? 1 : 1.8;
  const pz = useRef(/** @type {import('../../../vendor/panzoom.js').PanzoomObject | null} */ (null));
  const auto = useRef(true);
  const [zoom, setZoom] = useState(0.4);
  // Panzoom moves to its start position in a timeout after it is made: a fit asked for before
  // then (the first notes, the first size of the frame) would be undone by it, so it waits.
  const ready = useRef(false);
  const wanted = useRef(/** @type {Box | null} */ (null));
  // A fit asked for while the person holds a note waits for them to let go.
  const held = useRef(false);
  const owed = useRef(false);
  useEffect(() => {
    const el = /** @type {HTMLElement} */ (world.current);
    const frame = /** @type {HTMLElement} */ (viewport.current);
    const panzoom = Panzoom(el, {
      canvas: true,
      excludeClass: 'wall-exclude',
      minScale: MIN_ZOOM,
      maxScale: MAX_ZOOM,
      startScale: 0.4,
      pinchAndPan: true,
      cursor: '',
      disablePan: !interactive,
      disableZoom: !interactive,
      animate: false,
      handleStartEvent: (ev) => {
        ev.preventDefault();
        auto.current = false;
      },
    });
    pz.current = panzoom;
    ready.current = false;
    const settled = setTimeout(() => {
      ready.current = true;
      if (wanted.current) fitNow(wanted.current);
    });
    const onZoom = () => setZoom(Math.round(panzoom.getScale() * 20) / 20);
    el.addEventListener('panzoomzoom', onZoom);
    /** @param {WheelEvent} ev */
    const onWheel = (ev) => {
      if (!interactive) return;
      ev.preventDefault();
      auto.current = false;
      if (ev.ctrlKey || ev.metaKey) panzoom.zoomWithWheel(ev, { step: 0.15 });
      else {
        const s = panzoom.getScale();
        const unit = ev.deltaMode === 1 ? 16 : 1;
        panzoom.pan(-(ev.deltaX * unit) / s, -(ev.deltaY * unit) / s, { relative: true, animate: false });
      }
    };
    frame.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      clearTimeout(settled);
      frame.removeEventListener('wheel', onWheel);
      el.removeEventListener('panzoomzoom', onZoom);
      panzoom.destroy();
    };
  }, [interactive]);

  const readable = () => interactive && (viewport.current?.clientWidth ?? Infinity) < PHONE_WALL_PX;

  /** @param {Box} box */
  function fitNow(box) {
    const panzoom = pz.current;
    const frame = viewport.current;
    if (!panzoom || !frame || frame.clientWidth === 0) return;
    const area = freeArea(frame, covers());
    const w = box.maxX - box.minX;
    const h = box.maxY - box.minY;
    const least = readable() ? READABLE_ZOOM : MIN_ZOOM;
    const s = clamp(Math.min((area.width - FIT_MARGIN * 2) / w, (area.height - FIT_MARGIN * 2) / h), least, maxFit);
    // Where the notes' box goes on screen: centred in the free area, or, when it is larger
    // than the area at this zoom, from its top left corner.
    const left = w * s <= area.width - FIT_MARGIN * 2 ? area.left + (area.width - w * s) / 2 : area.left + FIT_MARGIN;
    const top = h * s <= area.height - FIT_MARGIN * 2 ? area.top + (area.height - h * s) / 2 : area.top + FIT_MARGIN;
    const [cx, cy] = [WALL_WIDTH / 2, WALL_HEIGHT / 2];
    const x = (left - cx) / s - box.minX + cx;
    const y = (top - cy) / s - box.minY + cy;
    const animate = !reducedMotion() && interactive;
    panzoom.zoom(s, { animate: false, force: true });
    panzoom.pan(x, y, { animate, force: true });
    setZoom(Math.round(s * 20) / 20);
  }

  /** @type {Camera} */
  return {
    zoom,
    auto,
    scale: () => pz.current?.getScale() ?? 1,
    readable,
    fit(box) {
      wanted.current = box;
      if (held.current) owed.current = true;
      else if (ready.current) fitNow(box);
    },
    hold(on) {
      held.current = on;
      if (on || !owed.current) return;
      owed.current = false;
      if (ready.current && wanted.current) fitNow(wanted.current);
    },
    zoomBy(factor) {
      const panzoom = pz.current;
      const frame = viewport.current;
      if (!panzoom || !frame) return;
      auto.current = false;
      const box = frame.getBoundingClientRect();
      panzoom.zoomToPoint(clamp(panzoom.getScale() * factor, MIN_ZOOM, MAX_ZOOM), { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 });
    },
    toWall(clientX, clientY) {
      const panzoom = pz.current;
      const frame = viewport.current;
      if (!panzoom || !frame) return { x: 0, y: 0 };
      const box = frame.getBoundingClientRect();
      const s = panzoom.getScale();
      const { x, y } = panzoom.getPan();
      const [cx, cy] = [WALL_WIDTH / 2, WALL_HEIGHT / 2];
      return { x: (clientX - box.left - cx) / s + cx - x, y: (clientY - box.top - cy) / s + cy - y };
    },
  };
}

/**
 * The band of the frame that no floating card covers: cards in its upper half push the top
 * down, cards in its lower half push the bottom up. Where that would leave too little, the
 * whole frame (the cards can be folded). In the frame's own pixels.
 * @param {HTMLElement} frame @param {Element[]} covers
 */
function freeArea(frame, covers) {
  const outer = frame.getBoundingClientRect();
  let top = 0;
  let bottom = frame.clientHeight;
  for (const el of covers) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom <= outer.top || r.top >= outer.bottom || r.right <= outer.left || r.left >= outer.right) continue;
    if (r.top + r.height / 2 < outer.top + outer.height / 2) top = Math.max(top, r.bottom - outer.top);
    else bottom = Math.min(bottom, r.top - outer.top);
  }
  const whole = { left: 0, top: 0, width: frame.clientWidth, height: frame.clientHeight };
  return bottom - top >= frame.clientHeight * MIN_FREE_SHARE ? { ...whole, top, height: bottom - top } : whole;
}
