// The facilitator's "Report" panel, on every step: download the report (Markdown, JSON, CSV;
// fetched with the facilitator key as a Bearer token, then saved from a Blob), open the
// printable report, run the workshop again in a new empty room with the same settings, and
// close (or reopen) the room. Also the banner every screen shows while the room is closed.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { roomLinks } from './share.js';
import { isFacilitator } from './kit.js';

/** @typedef {import('./parts.js').Part} Part */
/** @typedef {import('./room.js').RoomCtx} RoomCtx */
/** @typedef {import('../api.js').CreatedRoom} CreatedRoom */

/** The report's machine and human forms, as the server names them. */
const FORMATS = /** @type {const} */ (['md', 'json', 'csv']);

/**
 * Fetches one of the facilitator's report endpoints.
 * @param {string} roomId
 * @param {string} key the facilitator key
 * @param {string} path after `/api/rooms/{id}/`
 * @param {RequestInit} [init]
 */
export async function facilitatorFetch(roomId, key, path, init = {}) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(roomId)}/${path}`, {
    ...init,
    headers: { ...(init.headers ?? {}), authorization: `Bearer ${key}` },
    cache: 'no-store',
  });
  if (!response.ok) {
    let message = response.statusText;
    try {
      const body = await response.json();
      if (typeof body?.error === 'string') message = body.error;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(`${response.status} ${message}`.trim());
  }
  return response;
}

/**
 * Saves `blob` as a file named `name`, through a temporary object URL.
 * @param {Blob} blob
 * @param {string} name
 */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** @param {Response} response @param {string} fallback the file name from Content-Disposition */
function fileName(response, fallback) {
  const match = /filename="?([^";]+)"?/i.exec(response.headers.get('content-disposition') ?? '');
  return match?.[1] ?? fallback;
}

/**
 * @param {RoomCtx} ctx
 * @param {string} key the facilitator key
 * @returns {Part}
 */
export function exportPart(ctx, key) {
  const status = h('p', {
    class: 'muted small export-status',
    role: 'status',
    'data-testid': 'export-status',
  });
  /** @param {typeof FORMATS[number]} format */
  const download = (format) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        'data-testid': `export-${format}`,
        onclick: async () => {
          button.disabled = true;
          status.textContent = t('export.fetching');
          try {
            const response = await facilitatorFetch(ctx.roomId, key, `report.${format}`);
            const blob = await response.blob();
            save(blob, fileName(response, `horseshoe-${ctx.roomId}.${format}`));
            status.textContent = t('export.saved', { format: t(`export.format.${format}`) });
          } catch (err) {
            status.textContent = t('export.failed', {
              reason: err instanceof Error ? err.message : String(err),
            });
          } finally {
            button.disabled = false;
          }
        },
      },
      t(`export.format.${format}`),
    );
    return button;
  };
  const printable = h(
    'a',
    {
      class: 'btn btn-primary btn-small',
      href: `/r/${encodeURIComponent(ctx.roomId)}/report#key=${encodeURIComponent(key)}`,
      target: '_blank',
      rel: 'noopener',
      'data-testid': 'export-print',
    },
    t('export.printable'),
  );
  const again = h('div', { class: 'run-again', 'data-testid': 'run-again-result' });
  const againButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-secondary btn-small',
      'data-testid': 'run-again',
      onclick: async () => {
        againButton.disabled = true;
        again.replaceChildren(h('p', { class: 'muted small' }, t('again.making')));
        try {
          const response = await facilitatorFetch(ctx.roomId, key, 'duplicate', { method: 'POST' });
          /** @type {CreatedRoom} */
          const created = await response.json();
          const links = roomLinks(created.room_id, created.facilitator_key);
          again.replaceChildren(
            h('p', { class: 'small' }, t('again.made')),
            linkRow(t('share.facilitator'), links.facilitator, 'again-facilitator'),
            linkRow(t('share.participant'), links.participant, 'again-participant'),
            h(
              'a',
              {
                class: 'btn btn-primary btn-small',
                href: links.facilitator,
                target: '_blank',
                rel: 'noopener',
                'data-testid': 'again-open',
              },
              t('again.open'),
            ),
          );
        } catch (err) {
          again.replaceChildren(
            h(
              'p',
              { class: 'form-error' },
              t('again.failed', { reason: err instanceof Error ? err.message : String(err) }),
            ),
          );
        } finally {
          againButton.disabled = false;
        }
      },
    },
    t('again.button'),
  );
  const closeBox = h('div', { class: 'close-room' });
  const el = h(
    'details',
    {
      class: 'card export',
      'data-testid': 'export',
      open: ctx.openPanels.has('export'),
      ontoggle: () => (el.open ? ctx.openPanels.add('export') : ctx.openPanels.delete('export')),
    },
    h('summary', { class: 'card-head' }, h('h2', null, t('export.heading'))),
    h(
      'div',
      { class: 'export-body' },
      h('p', { class: 'muted small' }, t('export.help')),
      h('div', { class: 'export-row' }, printable, FORMATS.map(download)),
      status,
      h(
        'div',
        { class: 'export-section' },
        h('h3', null, t('again.heading')),
        h('p', { class: 'muted small' }, t('again.help')),
        againButton,
        again,
      ),
      h('div', { class: 'export-section' }, h('h3', null, t('closed.heading')), closeBox),
    ),
  );
  let shown = /** @type {boolean | null} */ (null);
  return {
    el,
    update(view) {
      if (view.room.closed === shown) return;
      shown = view.room.closed;
      closeBox.replaceChildren(
        h('p', { class: 'muted small' }, view.room.closed ? t('closed.is_closed') : t('closed.help')),
        view.room.closed
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn btn-secondary btn-small',
                'data-testid': 'room-reopen',
                onclick: () => ctx.conn.send({ type: 'room.close', closed: false }),
              },
              t('closed.reopen'),
            )
          : closeButton(ctx),
      );
    },
  };
}

/**
 * "Close room", then "Close it for everyone? Yes / Cancel".
 * @param {RoomCtx} ctx
 */
function closeButton(ctx) {
  const box = h('div', { class: 'close-confirm' });
  const ask = () =>
    box.replaceChildren(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-secondary btn-small danger',
          'data-testid': 'room-close',
          onclick: confirm,
        },
        t('closed.close'),
      ),
    );
  const confirm = () =>
    box.replaceChildren(
      h('p', { class: 'small confirm-text' }, t('closed.confirm')),
      h(
        'div',
        { class: 'export-row' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-primary btn-small danger-solid',
            'data-testid': 'room-close-confirm',
            onclick: () => ctx.conn.send({ type: 'room.close', closed: true }),
          },
          t('closed.close.yes'),
        ),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: ask }, t('note.cancel')),
      ),
    );
  ask();
  return box;
}

/** @param {string} label @param {string} url @param {string} testid */
function linkRow(label, url, testid) {
  const input = h('input', {
    readonly: true,
    value: url,
    'data-testid': testid,
    onfocus: () => input.select(),
  });
  return h('div', { class: 'share-row' }, h('div', { class: 'field-label' }, label), input);
}

/**
 * The banner while the room is closed; also marks the page so edit controls hide.
 * @param {RoomCtx} ctx
 * @returns {Part}
 */
export function closedBannerPart(ctx) {
  const el = h('div', {
    class: 'closed-banner',
    role: 'status',
    'data-testid': 'closed-banner',
    hidden: true,
  });
  /** @type {boolean | null} */
  let shown = null;
  return {
    el,
    update(view) {
      const closed = view.room.closed;
      document.documentElement.classList.toggle('room-closed', closed);
      if (closed === shown) return;
      shown = closed;
      el.hidden = !closed;
      el.replaceChildren(
        ...(closed
          ? [
              h('p', null, t('closed.banner')),
              isFacilitator(view)
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-secondary btn-small',
                      onclick: () => ctx.conn.send({ type: 'room.close', closed: false }),
                    },
                    t('closed.reopen'),
                  )
                : '',
            ]
          : []),
      );
    },
  };
}
