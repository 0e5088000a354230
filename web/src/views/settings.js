// The facilitator's room settings: title, organisation, lens, language and group size, sent
// as `settings.update` with only the fields that changed.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { MAX_GROUP_SIZE, MAX_TITLE_CHARS, MIN_GROUP_SIZE } from '../limits.js';
import { field, languageSelect, lensSelect } from './parts.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../protocol').Settings} Settings */
/** @typedef {Extract<import('../protocol').Command, { type: 'settings.update' }>} SettingsUpdate */

/** How long "Applied" shows on the button. */
const APPLIED_MS = 2000;

/**
 * @param {RoomCtx} ctx
 * @param {Settings} initial
 * @returns {Part}
 */
export function settingsPart(ctx, initial) {
  let dirty = false;
  const markDirty = () => (dirty = true);
  const title = h('input', { name: 'title', maxlength: MAX_TITLE_CHARS, oninput: markDirty });
  const organisation = h('input', { name: 'organisation', maxlength: MAX_TITLE_CHARS, oninput: markDirty });
  const lens = lensSelect(initial.lens, { name: 'lens', onchange: markDirty });
  const language = languageSelect(initial.language, { name: 'language', onchange: markDirty });
  const groupSize = h('input', {
    name: 'group_size',
    type: 'number',
    min: MIN_GROUP_SIZE,
    max: MAX_GROUP_SIZE,
    required: true,
    oninput: markDirty,
  });
  const apply = h('button', { type: 'submit', class: 'btn btn-primary' }, t('settings.apply'));

  /** @param {Settings} settings */
  function show(settings) {
    title.value = settings.title;
    organisation.value = settings.organisation;
    lens.value = settings.lens;
    language.value = settings.language;
    groupSize.value = String(settings.group_size);
  }

  /** @param {SubmitEvent} ev */
  async function submit(ev) {
    ev.preventDefault();
    const current = ctx.store.view?.room.settings;
    if (!current) return;
    /** @type {SettingsUpdate} */
    const update = { type: 'settings.update' };
    if (title.value.trim() !== current.title) update.title = title.value.trim();
    if (organisation.value.trim() !== current.organisation) update.organisation = organisation.value.trim();
    if (lens.value !== current.lens) update.lens = /** @type {Settings['lens']} */ (lens.value);
    if (language.value !== current.language)
      update.language = /** @type {Settings['language']} */ (language.value);
    const size = Number(groupSize.value);
    if (size !== current.group_size) update.group_size = size;
    dirty = false;
    if (Object.keys(update).length === 1) return;
    apply.disabled = true;
    const outcome = await ctx.conn.send(update);
    apply.disabled = false;
    if (outcome.ok) {
      apply.textContent = t('settings.applied');
      setTimeout(() => (apply.textContent = t('settings.apply')), APPLIED_MS);
    }
  }

  show(initial);
  const el = h(
    'details',
    {
      class: 'card settings',
      'data-testid': 'settings',
      open: ctx.openPanels.has('settings'),
      ontoggle: () => (el.open ? ctx.openPanels.add('settings') : ctx.openPanels.delete('settings')),
    },
    h('summary', { class: 'card-head' }, h('h2', null, t('settings.heading'))),
    h(
      'form',
      { class: 'settings-form', onsubmit: submit },
      field(t('settings.title'), title),
      field(t('settings.organisation'), organisation),
      field(t('settings.lens'), lens),
      field(t('settings.language'), language),
      field(t('settings.group_size'), groupSize, t('settings.group_size.help')),
      apply,
    ),
  );
  return {
    el,
    update(view) {
      if (!dirty) show(view.room.settings);
    },
  };
}
