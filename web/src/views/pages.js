// The pages around a room: one screen at a time in #app, the join form (a name, the first
// time), a spinner while connecting, and the error page for a link that leads nowhere.

import { html, render, useState } from '../../vendor/preact.js';
import { t } from '../i18n.js';
import { MAX_NAME_CHARS } from '../limits.js';
import { Centred, Field, Spinner, oneLine } from '../ui/kit.js';

/** @typedef {import('../api.js').RoomInfo} RoomInfo */

/** Shows `vnode` as the whole page (what was there before is unmounted). @param {any} vnode */
export function show(vnode) {
  const root = document.getElementById('app');
  if (!root) throw new Error('index.html has no #app');
  render(vnode, root);
}

/** @param {{ reason: () => string }} props */
function ErrorPage({ reason }) {
  return html`<${Centred}>
    <div class="error-page" data-testid="error">
      <div class="error-icon" aria-hidden="true">!</div>
      <h1>${t('error.title')}</h1>
      <p class="lead">${reason()}</p>
      <a class="btn btn-primary" href="/">${t('error.home')}</a>
    </div>
  <//>`;
}

/** @param {() => string} reason the explanation, asked again after a language switch */
export function showError(reason) {
  show(html`<${ErrorPage} reason=${reason} />`);
}

export function showLoading() {
  show(html`<${Centred}><${Spinner} text=${t('join.loading')} /><//>`);
}

/** @param {{ info: RoomInfo, role: 'participant' | 'facilitator', done: (name: string) => void }} props */
function Join({ info, role, done }) {
  const [name, setName] = useState(role === 'facilitator' ? t('join.facilitator.default_name') : '');
  return html`<${Centred}>
    <form
      class="join card"
      onSubmit=${(/** @type {Event} */ ev) => {
        ev.preventDefault();
        const clean = oneLine(name);
        if (clean) done(clean);
      }}
    >
      <p class="eyebrow">${role === 'facilitator' ? t('join.facilitator') : t('join.heading')}</p>
      <h1 data-testid="join-title">${info.title || t('room.untitled')}</h1>
      ${info.organisation ? html`<p class="muted">${info.organisation}</p>` : null}
      <${Field} label=${t('join.name')} help=${t('join.name.help')}>
        <input
          name="name"
          required
          maxlength=${MAX_NAME_CHARS}
          autocomplete="name"
          autofocus
          placeholder=${t('join.name.placeholder')}
          value=${name}
          onInput=${(/** @type {any} */ ev) => setName(ev.target.value)}
        />
      <//>
      <button class="btn btn-primary btn-block" type="submit">
        ${role === 'facilitator' ? t('join.facilitator.submit') : t('join.submit')}
      </button>
    </form>
  <//>`;
}

/**
 * Shows the join form; resolves with the name once submitted.
 * @param {RoomInfo} info @param {'participant' | 'facilitator'} role @returns {Promise<string>}
 */
export function askName(info, role) {
  return new Promise((resolve) => show(html`<${Join} info=${info} role=${role} done=${resolve} />`));
}
