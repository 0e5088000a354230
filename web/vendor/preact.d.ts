// Types of preact.js (built by scripts/vendor/build.mjs): those of the npm packages it bundles.
export * from 'preact';
export * from 'preact/hooks';
export * from '@preact/signals';
export { html } from 'htm/preact';
