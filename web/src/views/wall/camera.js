// The wall's camera on Panzoom: drag the background (one finger on a touch screen) to pan,
// pinch or Ctrl+wheel to zoom, two fingers to pan; the wheel alone pans. "Fit" shows every
// note; until the person moves the camera themself it keeps fitting as notes arrive (and on
// the projector it always does). Wall units map to the screen through Panzoom's transform,
// `scale(s) translate(x, y)` about the world's centre.

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

/**
 * @typedef {object} Camera
 * @property {number} zoom the scale now (rounded, for drawing labels to size)
 * @property {(box: { minX: number, minY: number, maxX: number, maxY: number }) => void} fit
 * @property {(factor: number) => void} zoomBy
 * @property {(clientX: number, clientY: number) => { x: number, y: number }} toWall
 * @property {{ current: boolean }} auto keep fitting as notes arrive
 * @property {() => number} scale the exact scale now
 */

/**
 * @param {{ current: HTMLElement | null }} viewport @param {{ current: HTMLElement | null }} world
 * @param {boolean} interactive false on the projector: no panning or zooming by hand
 * @returns {Camera}
 */
export function useCamera(viewport, world, interactive) {
  // Fitting never zooms past 100% for a person at a screen; a projector may, to be read afar.
  const maxFit = interactive ? 1 : 1.8;
  const pz = useRef(/** @type {import('../../../vendor/panzoom.js').PanzoomObject | null} */ (null));
  const auto = useRef(true);
  const [zoom, setZoom] = useState(0.4);
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
      frame.removeEventListener('wheel', onWheel);
      el.removeEventListener('panzoomzoom', onZoom);
      panzoom.destroy();
    };
  }, [interactive]);

  /** @type {Camera} */
  return {
    zoom,
    auto,
    scale: () => pz.current?.getScale() ?? 1,
    fit(box) {
      const panzoom = pz.current;
      const frame = viewport.current;
      if (!panzoom || !frame || frame.clientWidth === 0) return;
      const w = box.maxX - box.minX;
      const h = box.maxY - box.minY;
      const s = clamp(Math.min((frame.clientWidth - FIT_MARGIN * 2) / w, (frame.clientHeight - FIT_MARGIN * 2) / h), MIN_ZOOM, maxFit);
      const [cx, cy] = [WALL_WIDTH / 2, WALL_HEIGHT / 2];
      const x = (frame.clientWidth / 2 - cx) / s - (box.minX + w / 2) + cx;
      const y = (frame.clientHeight / 2 - cy) / s - (box.minY + h / 2) + cy;
      const animate = !reducedMotion() && interactive;
      panzoom.zoom(s, { animate: false, force: true });
      panzoom.pan(x, y, { animate, force: true });
      setZoom(Math.round(s * 20) / 20);
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
