// Who's here: everyone in the room, online or not, with a way to change one's own name. For a
// facilitator the same list is the participation panel: per participant whether they checked
// in, spoke, wrote key-factor cards, how much they contributed and whether they are done, and
// who has been silent so far.

import { html, useEffect, useRef, useState } from '../../vendor/preact.js';
import { app, send } from '../app.js';
import { t, tn } from '../i18n.js';
import { MAX_NAME_CHARS } from '../limits.js';
import { savedToken } from '../saved.js';
import { Avatar, isFacilitator, oneLine } from '../ui/kit.js';
import { QrCode } from '../ui/qr.js';
import { CopyLine } from './tools.js';

/** @typedef {import('../protocol').Member} Member */

export function PeopleCard() {
  const room = app.store.room('members', 'checkins', 'experience', 'contributions', 'ready', 'step');
  const view = app.store.presence$();
  const fac = isFacilitator(view.you);
  const members = Object.values(room.members).sort(
    (a, b) => Number(view.online.has(b.id)) - Number(view.online.has(a.id)) || a.joined_at - b.joined_at,
  );
  const here = members.filter((m) => view.online.has(m.id)).length;
  return html`<section class="card presence" aria-labelledby="people-heading" data-testid="presence">
    <h2 class="card-title" id="people-heading">${t('presence.heading')}</h2>
    <p class="muted small" data-testid="presence-counts">
      ${tn('presence.online', here)}${view.viewers ? ` · ${tn('presence.viewers', view.viewers)}` : ''}
    </p>
    <${Me} />
    <ul class="people">
      ${members.length === 0 ? html`<li class="muted">${t('presence.empty')}</li>` : null}
      ${members.filter((m) => !fac || m.role !== 'participant').map((m) => html`<li class="person ${view.online.has(m.id) ? 'online' : 'offline'}" key=${m.id} data-member=${m.id}>
        <${Who} member=${m} />
      </li>`)}
    </ul>
    ${fac ? html`<${Participation} members=${members} />` : null}
  </section>`;
}

/** @param {{ member: Member }} props */
function Who({ member }) {
  const view = app.store.presence$();
  const here = view.online.has(member.id);
  return html`<span class="who">
    <span class="dot ${here ? 'on' : ''}" title=${here ? t('conn.online') : t('presence.offline')}></span>
    <${Avatar} name=${member.name} id=${member.id} off=${!here} />
    <span class="person-name" dir="auto" title=${member.name}>${member.name}</span>
    ${member.id === view.you.member_id ? html`<span class="muted small you-tag">(${t('presence.you')})</span>` : null}
    ${member.role === 'facilitator' ? html`<span class="badge">${t('role.facilitator')}</span>` : null}
  </span>`;
}

/** The member's own name, and renaming it. */
function Me() {
  const room = app.store.room('members');
  const view = app.store.presence$();
  const me = view.you.member_id ? room.members[view.you.member_id] : undefined;
  const [draft, setDraft] = useState(/** @type {string | null} */ (null));
  const [device, setDevice] = useState(false);
  if (!me || room.closed) return null;
  // A participant's own link: the token that makes this browser them, in the fragment (which
  // never reaches a server), so that a phone or another computer continues as the same person.
  const token = view.you.role === 'participant' ? savedToken(app.roomId, 'participant') : null;
  if (draft === null)
    return html`<div class="me-block">
      <p class="me">
        <span class="me-name">${me.name}</span>
        <button type="button" class="btn btn-ghost btn-small" data-testid="rename" onClick=${() => setDraft(me.name)}>
          ${t('presence.rename')}
        </button>
        ${token
          ? html`<button
              type="button"
              class="btn btn-ghost btn-small"
              aria-expanded=${device}
              data-testid="device-open"
              onClick=${() => setDevice(!device)}
            >
              ${t('device.open')}
            </button>`
          : null}
      </p>
      ${token && device ? html`<${DeviceLink} token=${token} close=${() => setDevice(false)} />` : null}
    </div>`;
  return html`<form
    class="inline-form rename"
    onSubmit=${(/** @type {Event} */ ev) => {
      ev.preventDefault();
      const name = oneLine(draft);
      if (name && name !== me.name) send({ type: 'member.rename', name });
      setDraft(null);
    }}
  >
    <input
      value=${draft}
      maxlength=${MAX_NAME_CHARS}
      aria-label=${t('join.name')}
      data-testid="rename-input"
      autofocus
      onInput=${(/** @type {any} */ ev) => setDraft(ev.target.value)}
      onKeyDown=${(/** @type {KeyboardEvent} */ ev) => ev.key === 'Escape' && setDraft(null)}
    />
    <button type="submit" class="btn btn-primary btn-small">${t('presence.rename.ok')}</button>
    <button type="button" class="btn btn-ghost btn-small" onClick=${() => setDraft(null)}>${t('presence.rename.cancel')}</button>
  </form>`;
}

/**
 * The way to go on as oneself on another device: a QR code to scan and the link to copy.
 * @param {{ token: string, close: () => void }} props
 */
function DeviceLink({ token, close }) {
  const url = `${location.origin}/r/${encodeURIComponent(app.roomId)}#me=${encodeURIComponent(token)}`;
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  // Opened at the foot of a panel that scrolls: bring the code into sight.
  useEffect(() => box.current?.scrollIntoView({ block: 'nearest' }), []);
  return html`<div class="device-link" ref=${box} data-testid="device-link">
    <p class="small">${t('device.help')}</p>
    <${QrCode} text=${url} label=${t('device.qr')} />
    <${CopyLine} which="device" url=${url} prefix="link" />
    <button type="button" class="btn btn-ghost btn-small" data-testid="device-close" onClick=${close}>${t('device.close')}</button>
  </div>`;
}

/** @param {{ members: Member[] }} props */
function Participation({ members }) {
  const room = app.store.room('members', 'checkins', 'experience', 'contributions', 'ready', 'step');
  const view = app.store.presence$();
  const ready = new Set(room.ready.filter(([s]) => s === room.step).map(([, id]) => id));
  const spoken = new Set(room.experience.queue.spoken);
  if (room.experience.queue.current) spoken.add(room.experience.queue.current);
  /** @type {Map<string, number>} cards each person wrote */
  const cards = new Map();
  for (const f of Object.values(room.experience.factors)) cards.set(f.created_by, (cards.get(f.created_by) ?? 0) + 1);
  const participants = members.filter((m) => m.role === 'participant');
  const quiet = participants.filter((m) => !(room.contributions[m.id] ?? 0) && !spoken.has(m.id));
  const mark = (/** @type {boolean} */ yes, /** @type {string} */ col) =>
    html`<td class=${yes ? 'yes' : 'no'} data-col=${col}>${yes ? '✓' : '–'}</td>`;
  const head = (/** @type {string} */ label, /** @type {string} */ title) =>
    html`<th scope="col" title=${title}><abbr title=${title}>${label}</abbr></th>`;
  return html`<div class="participation" data-testid="participation">
    <p class="silent" data-testid="silent">
      ${participants.length === 0
        ? html`<span class="muted small">${t('presence.empty')}</span>`
        : quiet.length === 0
          ? html`<span class="all-in small">✓ ${t('part.nobody_silent')}</span>`
          : html`<span class="silent-label">${t('part.silent', { n: quiet.length })}</span>
              ${quiet.map((m) => html`<span class="name-chip silent-chip" key=${m.id}>${m.name}</span>`)}`}
    </p>
    <div class="table-scroll" tabindex="0" role="region" aria-label=${t('part.heading')}>
      <table class="part-table">
        <thead>
          <tr>
            <th scope="col" class="part-name">${t('part.person')}</th>
            ${head(t('part.checkin'), t('part.checkin.title'))} ${head(t('part.spoke'), t('part.spoke.title'))}
            ${head(t('part.cards'), t('part.cards.title'))} ${head(t('part.contributions'), t('part.contributions.title'))}
            ${head(t('part.ready'), t('part.ready.title'))}
          </tr>
        </thead>
        <tbody>
          ${members.filter((m) => m.role === 'participant').map((m) => {
            return html`<tr
              class="person ${view.online.has(m.id) ? 'online' : 'offline'} ${quiet.includes(m) ? 'quiet' : ''}"
              key=${m.id}
              data-member=${m.id}
            >
              <th scope="row" class="part-name"><${Who} member=${m} /></th>
              ${mark(!!room.checkins[m.id], 'checkin')} ${mark(spoken.has(m.id), 'spoke')}
              <td data-col="cards" class=${cards.get(m.id) ? '' : 'no'}>${cards.get(m.id) ?? 0}</td>
              <td data-col="contributions" class=${room.contributions[m.id] ? '' : 'no'}>${room.contributions[m.id] ?? 0}</td>
              ${mark(ready.has(m.id), 'ready')}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </div>`;
}
