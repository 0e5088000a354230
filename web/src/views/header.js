// The room's top bar (title, organisation, who you are, connection status, language) and the
// "reconnecting" banner under it.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { brand, languagePicker } from './parts.js';

/** The name the server gives a facilitator who gave none (`server/src/room.rs`). */
const DEFAULT_FACILITATOR_NAME = 'Facilitator';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */

/**
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function headerPart(ctx) {
  const title = h('h1', { class: 'room-title', 'data-testid': 'room-title' });
  const organisation = h('span', { class: 'room-org', 'data-testid': 'room-org' });
  const you = h('span', { class: 'you-chip', 'data-testid': 'you' });
  const status = h('span', { class: 'status', 'data-testid': 'status' });
  const el = h(
    'header',
    { class: 'topbar' },
    brand(),
    h('div', { class: 'room-heading' }, title, organisation),
    h('div', { class: 'spacer' }),
    you,
    status,
    languagePicker(),
  );
  return {
    el,
    update(view) {
      const { settings, members } = view.room;
      title.textContent = settings.title || t('room.untitled');
      document.title = `${title.textContent} · ${t('app.name')}`;
      organisation.textContent = settings.organisation;
      organisation.hidden = !settings.organisation;
      const me = view.you.member_id ? members[view.you.member_id] : undefined;
      const role = t(`role.${view.you.role}`);
      // A facilitator who gave no name is called by the role, which the chip says already.
      const unnamed = !me || me.name === role || me.name === DEFAULT_FACILITATOR_NAME;
      you.textContent = unnamed ? role : `${me.name} · ${role}`;
      const state = ctx.store.status;
      status.className = `status status-${state}`;
      status.textContent =
        state === 'online'
          ? t('conn.online')
          : state === 'reconnecting'
            ? t('conn.reconnecting')
            : t('conn.connecting');
    },
  };
}

/**
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function bannerPart(ctx) {
  const el = h(
    'div',
    { class: 'banner', role: 'status', 'data-testid': 'reconnecting', hidden: true },
    t('conn.banner'),
  );
  return {
    el,
    update() {
      el.hidden = ctx.store.status !== 'reconnecting';
    },
  };
}
