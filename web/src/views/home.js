// The home page: what Horseshoe is, and the form that creates a room and opens it as its
// facilitator.

import { ApiError, createRoom, serverInfo } from '../api.js';
import { h } from '../dom.js';
import { language, stepText, t } from '../i18n.js';
import { MAX_TITLE_CHARS, STEP_COUNT, STEP_MINUTES } from '../limits.js';
import { saveCreateKey, savedCreateKey } from '../saved.js';
import { brand, field, languagePicker, languageSelect, lensSelect } from './parts.js';
import { showStatic } from './screen.js';

/** @typedef {import('../api.js').NewRoom} NewRoom */

/**
 * The create key a private server asks for: whether to show its field, and what is typed in it.
 * @typedef {{ asked: boolean, key: string }} CreateKey
 */

export function showHome() {
  // The form's values outlive a rebuild (a language switch).
  /** @type {NewRoom} */
  const values = { title: '', organisation: '', lens: 'client', language: language() };
  /** @type {CreateKey} */
  const createKey = { asked: false, key: savedCreateKey() ?? '' };
  let languageTouched = false;
  const build = () => {
    if (!languageTouched) values.language = language();
    return homePage(values, createKey, () => (languageTouched = true));
  };
  showStatic(build);
  // A private server asks for its create key: the field shows once the server says so.
  serverInfo()
    .then((info) => {
      if (info.create_key && !createKey.asked) {
        createKey.asked = true;
        showStatic(build);
      }
    })
    .catch(() => {});
}

/**
 * @param {NewRoom} values
 * @param {CreateKey} createKey
 * @param {() => void} onLanguageTouched
 */
function homePage(values, createKey, onLanguageTouched) {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, t('home.submit'));
  const title = h('input', {
    name: 'title',
    required: true,
    maxlength: MAX_TITLE_CHARS,
    placeholder: t('home.title.placeholder'),
    value: values.title,
    oninput: () => (values.title = title.value),
  });
  const organisation = h('input', {
    name: 'organisation',
    maxlength: MAX_TITLE_CHARS,
    placeholder: t('home.organisation.placeholder'),
    value: values.organisation,
    oninput: () => (values.organisation = organisation.value),
  });
  const lens = lensSelect(values.lens, {
    name: 'lens',
    onchange: () => (values.lens = /** @type {NewRoom['lens']} */ (lens.value)),
  });
  const roomLanguage = languageSelect(values.language, {
    name: 'language',
    onchange: () => {
      values.language = /** @type {NewRoom['language']} */ (roomLanguage.value);
      onLanguageTouched();
    },
  });

  const keyInput = h('input', {
    name: 'create_key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    value: createKey.key,
    oninput: () => (createKey.key = keyInput.value),
  });

  /** @param {SubmitEvent} ev */
  async function create(ev) {
    ev.preventDefault();
    submit.disabled = true;
    submit.textContent = t('home.submitting');
    error.hidden = true;
    const key = createKey.asked ? createKey.key.trim() : null;
    try {
      const room = await createRoom(
        { ...values, title: values.title.trim(), organisation: values.organisation.trim() },
        key,
      );
      if (key) saveCreateKey(key);
      location.assign(room.facilitator_url);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        saveCreateKey(null);
        error.textContent = t('home.create_key.wrong');
      } else if (err instanceof ApiError && err.status === 429) {
        error.textContent = t('home.too_many');
      } else {
        error.textContent = t('home.error', { message: err instanceof Error ? err.message : String(err) });
      }
      error.hidden = false;
      submit.disabled = false;
      submit.textContent = t('home.submit');
    }
  }

  const steps = [];
  for (let step = 1; step <= STEP_COUNT; step++) {
    steps.push(
      h(
        'li',
        { class: 'home-step' },
        h('span', { class: 'step-num' }, step),
        h('span', { class: 'home-step-title' }, stepText(step, 'title')),
        h('span', { class: 'muted' }, t('room.duration', { n: STEP_MINUTES[step - 1] })),
      ),
    );
  }

  return h(
    'div',
    { class: 'page-home' },
    h('header', { class: 'topbar topbar-plain' }, brand(), h('div', { class: 'spacer' }), languagePicker()),
    h(
      'main',
      { class: 'home' },
      h(
        'section',
        { class: 'home-intro' },
        h('p', { class: 'eyebrow' }, t('app.workshop')),
        h('h1', null, t('home.tagline')),
        h('p', { class: 'lead' }, t('home.lead')),
      ),
      h(
        'section',
        { class: 'home-outline' },
        h('h2', { class: 'section-title' }, t('home.steps')),
        h('ol', { class: 'home-steps' }, steps),
      ),
      h(
        'form',
        { class: 'card home-form', onsubmit: create },
        h('h2', null, t('home.create')),
        field(t('settings.title'), title),
        field(t('settings.organisation'), organisation),
        field(t('settings.lens'), lens, t('home.lens.help')),
        field(t('settings.language'), roomLanguage),
        createKey.asked ? field(t('home.create_key'), keyInput, t('home.create_key.help')) : null,
        error,
        submit,
      ),
    ),
  );
}
