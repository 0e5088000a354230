// The facilitator's tools, folded in the side panel: the links to share (participants, the wall
// display, co-facilitators), the room's settings, and the report and wrap-up (downloads, the
// printable report, "run it again" in a new empty room, closing the room).

import { html, useState } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { t } from '../i18n.js';
import { MAX_GROUP_SIZE, MAX_TITLE_CHARS, MIN_GROUP_SIZE } from '../limits.js';
import { Field, LanguageSelect, LensSelect, oneLine } from '../ui/kit.js';

/** @typedef {import('../protocol').Settings} Settings */

/** How long "Copied" or "Applied" shows on a button. */
const CONFIRM_MS = 2000;
/** The report's forms, as the server names them. */
const FORMATS = /** @type {const} */ (['md', 'json', 'csv']);

/** The links of a room, from this page's origin. @param {string} roomId @param {string} key */
export function roomLinks(roomId, key) {
  const base = `${location.origin}/r/${encodeURIComponent(roomId)}`;
  return { participant: base, viewer: `${base}/wall`, facilitator: `${base}#key=${encodeURIComponent(key)}` };
}

/** The printable report's address. @param {string} roomId @param {string} key */
export const reportLink = (roomId, key) => `/r/${encodeURIComponent(roomId)}/report#key=${encodeURIComponent(key)}`;

/**
 * Fetches one of the facilitator's endpoints with the key as a Bearer token.
 * @param {string} roomId @param {string} key @param {string} path after `/api/rooms/{id}/` @param {RequestInit} [init]
 */
export async function facilitatorFetch(roomId, key, path, init = {}) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(roomId)}/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}` },
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

/** @param {unknown} err */
const reasonOf = (err) => (err instanceof Error ? err.message : String(err));

export function Tools() {
  const key = /** @type {string} */ (app.key);
  return html`<${Fold} id="share" title=${t('share.heading')} testid="share"><${Links} links=${roomLinks(app.roomId, key)} /><//>
    <${Fold} id="settings" title=${t('settings.heading')} testid="settings"><${SettingsForm} /><//>
    <${Fold} id="export" title=${t('export.heading')} testid="export"><${Export} /><//>`;
}

/** @type {Set<string>} folds the person opened, kept while the page lives */
const opened = new Set(['share']);

/** @param {{ id: string, title: string, testid: string, children: any }} props */
function Fold({ id, title, testid, children }) {
  return html`<details
    class="card fold"
    data-testid=${testid}
    open=${opened.has(id)}
    onToggle=${(/** @type {any} */ ev) => (ev.target.open ? opened.add(id) : opened.delete(id))}
  >
    <summary class="card-title">${title}</summary>
    <div class="fold-body">${children}</div>
  </details>`;
}

/** @param {{ links: Record<string, string>, prefix?: string }} props */
function Links({ links, prefix = 'link' }) {
  return Object.entries(links).map(([which, url]) => html`<${CopyLine} key=${which} which=${which} url=${url} prefix=${prefix} />`);
}

/** @param {{ which: string, url: string, prefix: string }} props */
export function CopyLine({ which, url, prefix }) {
  const [copied, setCopied] = useState(false);
  const id = `${prefix}-${which}`;
  return html`<div class="share-row">
    <label class="field-label" for=${id}>${t(/** @type {any} */ (`share.${which}`))}</label>
    <div class="copy-line">
      <input id=${id} readonly value=${url} data-testid=${id} onFocus=${(/** @type {any} */ ev) => ev.target.select()} />
      <button
        type="button"
        class="btn btn-secondary btn-small"
        data-testid=${prefix === 'link' ? `copy-${which}` : undefined}
        onClick=${async (/** @type {any} */ ev) => {
          const input = ev.target.closest('.copy-line').querySelector('input');
          try {
            await navigator.clipboard.writeText(url);
          } catch {
            input.select();
            document.execCommand('copy');
          }
          setCopied(true);
          setTimeout(() => setCopied(false), CONFIRM_MS);
        }}
      >
        ${copied ? t('share.copied') : t('share.copy')}
      </button>
    </div>
    ${prefix === 'link' ? html`<p class="field-help">${t(/** @type {any} */ (`share.${which}.help`))}</p>` : null}
  </div>`;
}

function SettingsForm() {
  const room = app.store.room('settings');
  // Only what this facilitator changed: the other fields follow the room, so applying never
  // puts back what a co-facilitator changed meanwhile (their lens, say).
  const [draft, setDraft] = useState(/** @type {Partial<Settings> | null} */ (null));
  const [applied, setApplied] = useState(false);
  /** @type {Settings} */
  const values = { ...room.settings, ...draft };
  const set = (/** @type {Partial<Settings>} */ part) => setDraft({ ...draft, ...part });
  return html`<form
    class="settings-form"
    onSubmit=${async (/** @type {Event} */ ev) => {
      ev.preventDefault();
      const now = room.settings;
      /** @type {Extract<import('../protocol').Command, { type: 'settings.update' }>} */
      const update = { type: 'settings.update' };
      const mine = draft ?? {};
      if (mine.title !== undefined && oneLine(mine.title) !== now.title) update.title = oneLine(mine.title);
      if (mine.organisation !== undefined && oneLine(mine.organisation) !== now.organisation) update.organisation = oneLine(mine.organisation);
      if (mine.lens !== undefined && mine.lens !== now.lens) update.lens = mine.lens;
      if (mine.language !== undefined && mine.language !== now.language) update.language = mine.language;
      if (mine.group_size !== undefined && mine.group_size !== now.group_size) update.group_size = mine.group_size;
      setDraft(null);
      if (Object.keys(update).length > 1 && (await send(update)).ok) {
        setApplied(true);
        setTimeout(() => setApplied(false), CONFIRM_MS);
      }
    }}
  >
    <${Field} label=${t('settings.title')}>
      <input name="title" maxlength=${MAX_TITLE_CHARS} value=${values.title} onInput=${(/** @type {any} */ e) => set({ title: e.target.value })} />
    <//>
    <${Field} label=${t('settings.organisation')}>
      <input name="organisation" maxlength=${MAX_TITLE_CHARS} value=${values.organisation} onInput=${(/** @type {any} */ e) => set({ organisation: e.target.value })} />
    <//>
    <${Field} label=${t('settings.lens')}><${LensSelect} name="lens" value=${values.lens} onChange=${(/** @type {any} */ v) => set({ lens: v })} /><//>
    <${Field} label=${t('settings.language')}><${LanguageSelect} name="language" value=${values.language} onChange=${(/** @type {any} */ v) => set({ language: v })} /><//>
    <${Field} label=${t('settings.group_size')} help=${t('settings.group_size.help')}>
      <input
        name="group_size"
        type="number"
        min=${MIN_GROUP_SIZE}
        max=${MAX_GROUP_SIZE}
        required
        value=${values.group_size}
        onInput=${(/** @type {any} */ e) => set({ group_size: Number(e.target.value) })}
      />
    <//>
    <button type="submit" class="btn btn-primary">${applied ? t('settings.applied') : t('settings.apply')}</button>
  </form>`;
}

/** Saves `blob` as a file named `name`. @param {Blob} blob @param {string} name */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Export() {
  const room = app.store.room('closed');
  const key = /** @type {string} */ (app.key);
  const [status, setStatus] = useState('');
  const [again, setAgain] = useState(/** @type {{ facilitator: string, participant: string } | null} */ (null));
  const [againError, setAgainError] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  return html`<p class="muted small">${t('export.help')}</p>
    <div class="export-row">
      <a class="btn btn-primary btn-small" href=${reportLink(app.roomId, key)} target="_blank" rel="noopener" data-testid="export-print">
        ${t('export.printable')}
      </a>
      ${FORMATS.map(
        (format) => html`<button
          type="button"
          class="btn btn-secondary btn-small"
          data-testid=${`export-${format}`}
          onClick=${async () => {
            setStatus(t('export.fetching'));
            try {
              const response = await facilitatorFetch(app.roomId, key, `report.${format}`);
              const name = /filename="?([^";]+)"?/i.exec(response.headers.get('content-disposition') ?? '')?.[1];
              save(await response.blob(), name ?? `horseshoe-${app.roomId}.${format}`);
              setStatus(t('export.saved', { format: t(`export.format.${format}`) }));
            } catch (err) {
              setStatus(t('export.failed', { reason: reasonOf(err) }));
            }
          }}
        >
          ${t(`export.format.${format}`)}
        </button>`,
      )}
    </div>
    <p class="muted small" role="status" data-testid="export-status">${status}</p>
    <h3 class="sub-title">${t('again.heading')}</h3>
    <p class="muted small">${t('again.help')}</p>
    <button
      type="button"
      class="btn btn-secondary btn-small"
      data-testid="run-again"
      disabled=${busy}
      onClick=${async () => {
        setBusy(true);
        setAgainError('');
        try {
          const response = await facilitatorFetch(app.roomId, key, 'duplicate', { method: 'POST' });
          const created = await response.json();
          const links = roomLinks(created.room_id, created.facilitator_key);
          setAgain({ facilitator: links.facilitator, participant: links.participant });
        } catch (err) {
          setAgainError(t('again.failed', { reason: reasonOf(err) }));
        }
        setBusy(false);
      }}
    >
      ${busy ? t('again.making') : t('again.button')}
    </button>
    <div class="run-again" data-testid="run-again-result">
      ${againError ? html`<p class="form-error">${againError}</p>` : null}
      ${again
        ? html`<p class="small">${t('again.made')}</p>
            <${Links} links=${again} prefix="again" />
            <a class="btn btn-primary btn-small" href=${again.facilitator} target="_blank" rel="noopener" data-testid="again-open">
              ${t('again.open')}
            </a>`
        : null}
    </div>
    <h3 class="sub-title">${t('closed.heading')}</h3>
    <p class="muted small">${room.closed ? t('closed.is_closed') : t('closed.help')}</p>
    ${room.closed
      ? html`<button type="button" class="btn btn-secondary btn-small" data-testid="room-reopen" onClick=${() => send({ type: 'room.close', closed: false })}>
          ${t('closed.reopen')}
        </button>`
      : confirming
        ? html`<p class="small confirm-text">${t('closed.confirm')}</p>
            <div class="export-row">
              <button
                type="button"
                class="btn btn-danger btn-small"
                data-testid="room-close-confirm"
                onClick=${() => {
                  setConfirming(false);
                  send({ type: 'room.close', closed: true });
                }}
              >
                ${t('closed.close.yes')}
              </button>
              <button type="button" class="btn btn-ghost btn-small" onClick=${() => setConfirming(false)}>${t('note.cancel')}</button>
            </div>`
        : html`<button type="button" class="btn btn-secondary btn-small danger" data-testid="room-close" onClick=${() => setConfirming(true)}>
            ${t('closed.close')}
          </button>`}`;
}
