// Types of yjs.js (built by scripts/vendor/build.mjs).
export * from 'yjs';
