// Types of panzoom.js (built by scripts/vendor/build.mjs).
export { default } from '@panzoom/panzoom';
export type { PanzoomObject, PanzoomOptions, PanzoomEventDetail } from '@panzoom/panzoom';
