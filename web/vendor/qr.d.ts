// Types of qr.js (built by scripts/vendor/build.mjs).
export { encode } from 'uqr';
