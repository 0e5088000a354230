// Small widgets shared by several screens: the brand mark, form fields, the person's language
// picker, the lens and room-language selects, the centred page of the join, loading and error
// screens; and `Part`, the shape of each piece of the room screen.

import { h } from '../dom.js';
import { LANGUAGES, LANGUAGE_NAMES, LENSES, language, lensLabel, setLanguage, t } from '../i18n.js';

/** @typedef {import('../dom.js').Child} Child */
/** @typedef {import('../dom.js').Attrs} Attrs */
/** @typedef {import('../protocol').Lens} Lens */
/** @typedef {import('../protocol').Language} Language */

/** @typedef {import('../store.js').RoomView} RoomView */

/**
 * A part of the room screen that keeps its own DOM and is told when the room changes.
 * @typedef {object} Part
 * @property {HTMLElement} el
 * @property {(view: RoomView) => void} update
 * @property {() => void} [tick] called a few times a second (countdowns)
 */

/** The product mark: a horseshoe drawn as an SVG arc, and the name. */
export function brand() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('brand-mark');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M6 20V11a6 6 0 0 1 12 0v9');
  svg.appendChild(path);
  return h('a', { class: 'brand', href: '/' }, svg, h('span', null, t('app.name')));
}

/**
 * A labelled form control, with optional help text under it.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [help]
 */
export function field(label, control, help) {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'field-label' }, label),
    control,
    help ? h('span', { class: 'field-help' }, help) : null,
  );
}

/** The picker for this person's own language; switching re-renders through i18n listeners. */
export function languagePicker() {
  const select = h(
    'select',
    {
      class: 'lang-picker',
      'aria-label': t('room.language'),
      'data-testid': 'language',
      onchange: () => setLanguage(/** @type {Language} */ (select.value)),
    },
    LANGUAGES.map((lang) => h('option', { value: lang }, LANGUAGE_NAMES[lang])),
  );
  select.value = language();
  return select;
}

/** @param {Lens} selected @param {Attrs} [attrs] */
export function lensSelect(selected, attrs = {}) {
  const select = h(
    'select',
    attrs,
    LENSES.map((lens) => h('option', { value: lens }, lensLabel(lens))),
  );
  select.value = selected;
  return select;
}

/** @param {Language} selected @param {Attrs} [attrs] */
export function languageSelect(selected, attrs = {}) {
  const select = h(
    'select',
    attrs,
    LANGUAGES.map((lang) => h('option', { value: lang }, LANGUAGE_NAMES[lang])),
  );
  select.value = selected;
  return select;
}

/**
 * A centred card on an otherwise empty page (join, loading, errors).
 * @param {...Child} children
 */
export function centredPage(...children) {
  return h(
    'div',
    { class: 'page-centred' },
    h('header', { class: 'topbar topbar-plain' }, brand(), h('div', { class: 'spacer' }), languagePicker()),
    h('main', { class: 'centred' }, h('div', { class: 'card card-narrow' }, ...children)),
  );
}
