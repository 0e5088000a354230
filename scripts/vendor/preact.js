// One module for the view layer, so Preact, its hooks, signals and htm share one copy of Preact.
export * from 'preact';
export * from 'preact/hooks';
export * from '@preact/signals';
export { html } from 'htm/preact';
