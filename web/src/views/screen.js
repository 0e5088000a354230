// What fills the page (#app): one screen at a time. Switching screens tears down the previous
// one's listeners; a static screen is rebuilt when the person switches language.

import { fill } from '../dom.js';
import { onLanguageChange } from '../i18n.js';

/** @type {() => void} */
let teardown = () => {};

function appRoot() {
  const root = document.getElementById('app');
  if (!root) throw new Error('index.html has no #app');
  return root;
}

/**
 * Shows a screen that updates itself.
 * @param {(root: HTMLElement) => () => void} mount builds into `root`, returns its teardown
 */
export function showScreen(mount) {
  teardown();
  fill(appRoot());
  teardown = mount(appRoot());
}

/**
 * Shows a screen built from scratch, and again after every language switch.
 * @param {() => Node} build
 */
export function showStatic(build) {
  showScreen((root) => {
    const render = () => fill(root, build());
    render();
    return onLanguageChange(render);
  });
}
