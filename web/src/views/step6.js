// Step 6: the presenting team's board, which everyone follows (a person may step out to look
// around and come back in one click); the areas for improvement (from failure cards or new,
// merged by the facilitator); secret dot voting; the ranked list the facilitator reorders (by
// dragging or with the arrows) and finalises, with an owner and a date per priority; and the
// end of the session.

import { html, signal, useRef, useState } from '../../vendor/preact.js';
import { textOf } from '../apply.js';
import { app, send, sendWords } from '../app.js';
import { Sending, drawn } from '../ui/sending.js';
import { t, tn } from '../i18n.js';
import { MAX_AREA_CHARS, MAX_DOTS, MAX_OWNER_CHARS } from '../limits.js';
import { dragSource, dropPlace, reorder } from '../ui/drag.js';
import { ConfirmButton, Tabs, canEdit, followUpParts, isFacilitator, nameOf, newId, teamLabel, teamOf, useDraft } from '../ui/kit.js';
import { SharedText } from '../ui/sharedtext.js';
import { WorkingBanner } from './step3.js';
import { TeamBoard } from './teamboard.js';

/** @typedef {import('../protocol').Area} Area */
/** @typedef {import('../protocol').RoomState} RoomState */

/** Whether this person stepped out of following the presenter (kept while the page lives). */
let steppedOut = false;

export function Step6() {
  const room = app.store.room('priorities');
  const voting = room.priorities.phase !== 'not_started';
  const lower = html`<div class="step6-lower">
    <${Areas} />
    <${Ranking} />
  </div>`;
  // Once the vote has begun, the areas and the ranking come first, on screen and for the
  // keyboard alike (the dots are not behind every card of the presenting team's board).
  return html`<div class="board board-step6 ${voting ? 'voting' : ''}" data-testid="board-step6">
    ${voting ? lower : null}
    <${WorkingBanner} />
    <${Present} />
    ${voting ? null : lower}
    <${EndSession} />
  </div>`;
}

function Present() {
  const room = app.store.room('assessment', 'priorities', 'wall', 'closed');
  const you = app.store.presence$().you;
  const [out, setOut] = useState(steppedOut);
  const [looking, setLooking] = useState(/** @type {number | null} */ (null));
  const teams = room.assessment.teams;
  const presenting = teams.find((x) => x.id === room.priorities.presenting);
  const following = !!presenting && !out;
  const mine = teamOf(room, you.member_id);
  const look = looking !== null && teams.some((x) => x.id === looking) ? looking : (mine?.id ?? teams[0]?.id ?? null);
  const shown = following ? /** @type {number} */ (presenting?.id) : look;
  const stepOut = (/** @type {boolean} */ v) => {
    steppedOut = v;
    setOut(v);
  };
  const fac = isFacilitator(you) && canEdit(you, room);
  return html`<section class="present" data-testid="present">
    ${fac && teams.length
      ? html`<div class="present-controls" data-testid="present-controls">
          <span class="field-label">${t('present.who')}</span>
          <div class="segmented" role="group" aria-label=${t('present.who')}>
            ${teams.map(
              (x) => html`<button
                type="button"
                class="seg"
                aria-pressed=${String(x.id === presenting?.id)}
                data-testid=${`present-${x.id}`}
                onClick=${() => {
                  stepOut(false);
                  send({ type: 'present.set', team: x.id });
                }}
              >
                ${teamLabel(room, x)}
              </button>`,
            )}
            <button type="button" class="seg" aria-pressed=${String(!presenting)} data-testid="present-none" onClick=${() => send({ type: 'present.set' })}>
              ${t('present.nobody')}
            </button>
          </div>
        </div>`
      : null}
    <div class="presenter-banner ${presenting ? (following ? 'live' : 'away') : ''}" data-testid="presenter-banner" role="status">
      ${teams.length === 0
        ? html`<p>${t('present.no_teams')}</p>`
        : presenting && following
          ? html`<span class="live-dot" aria-hidden="true"></span>
              <p>${t('present.now', { team: teamLabel(room, presenting) })}</p>
              <button type="button" class="btn btn-secondary btn-small" data-testid="step-out" onClick=${() => stepOut(true)}>${t('present.step_out')}</button>`
          : presenting
            ? html`<p>${t('present.away', { team: teamLabel(room, presenting) })}</p>
                <button type="button" class="btn btn-primary btn-small" data-testid="back-to-presenter" onClick=${() => stepOut(false)}>${t('present.back')}</button>`
            : html`<p>${t('present.none')}</p>`}
    </div>
    ${!following && teams.length
      ? html`<${Tabs}
          label=${t('present.look_at')}
          current=${String(look)}
          onSelect=${(/** @type {string} */ id) => setLooking(Number(id))}
          tabs=${teams.map((x) => ({ id: String(x.id), label: teamLabel(room, x), badge: x.id === presenting?.id ? t('present.badge') : undefined }))}
        />`
      : null}
    ${shown !== null ? html`<${TeamBoard} team=${shown} areas=${true} />` : null}
  </section>`;
}

/**
 * This person's dots as they last set them, per area, until the room has them: a second click
 * before the first came back (or while the line is down) counts from the first, not from what
 * the room said before it.
 * @type {import('../../vendor/preact.js').Signal<Map<string, number>>}
 */
const placing = signal(new Map());

/**
 * This person's dots per area: the room's, with what they set since on top.
 * @param {import('../protocol').Priorities} p @param {string} me
 * @returns {Record<string, number>}
 */
function myDots(p, me) {
  return { ...(p.votes[me] ?? {}), ...Object.fromEntries(placing.value) };
}

/** Sets this person's dots on `area` to `dots`. @param {string} area @param {number} dots */
async function placeDots(area, dots) {
  placing.value = new Map(placing.value).set(area, dots);
  await send({ type: 'vote.set', area, dots });
  // Forgotten once answered, unless a later click set it again meanwhile.
  if (placing.value.get(area) === dots) {
    const next = new Map(placing.value);
    next.delete(area);
    placing.value = next;
  }
}

function Areas() {
  const room = app.store.room('priorities', 'members', 'assessment', 'closed');
  const view = app.store.presence$();
  const you = view.you;
  const p = room.priorities;
  const me = you.member_id ?? '';
  const fac = isFacilitator(you);
  const editable = canEdit(you, room);
  // Kept in this browser until it is added: a reload does not lose a half-typed area.
  const [draft, setText] = useDraft('area');
  const text = draft ?? '';
  const [dots, setDots] = useState(p.dots || 3);
  const areas = Object.values(p.areas).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  const used = Object.values(myDots(p, me)).reduce((a, b) => a + b, 0);
  const voters = Object.values(room.members)
    .filter((m) => m.role === 'participant' || p.used[m.id])
    .sort((a, b) => a.name.localeCompare(b.name));
  return html`<section class="card areas-card" data-testid="areas-card">
    <h2 class="card-title">${t('area.heading')}${areas.length ? ` (${areas.length})` : ''}</h2>
    <p class="muted small">${t('area.help')}</p>
    ${editable && !p.finalised
      ? html`<form
          class="inline-form area-form"
          data-action="add"
          onSubmit=${async (/** @type {Event} */ ev) => {
            ev.preventDefault();
            const sent = text.trim();
            if (!sent) return;
            await sendWords({ type: 'area.add', id: newId(), text: sent }, sent, setText);
          }}
        >
          <input
            name="area"
            maxlength=${MAX_AREA_CHARS}
            placeholder=${t('area.placeholder')}
            aria-label=${t('area.new')}
            data-testid="area-input"
            value=${text}
            onInput=${(/** @type {any} */ ev) => setText(ev.target.value)}
          />
          <button type="submit" class="btn btn-primary" data-testid="area-add">${t('area.add')}</button>
        </form>`
      : null}
    <div class="vote-bar" data-testid="vote-bar">
      ${p.phase === 'open'
        ? html`<div class="vote-status">
              <span class="chip chip-live">${t('vote.open_now')}</span>
              ${you.role !== 'viewer'
                ? html`<span class="my-dots" data-testid="my-dots">
                    ${t('vote.used', { used, dots: p.dots })}
                    <span class="dots" aria-hidden="true">${Array.from({ length: p.dots }, (_, i) => html`<span class="dot-pip ${i < used ? 'on' : ''}"></span>`)}</span>
                  </span>`
                : null}
            </div>
            <div class="voters" data-testid="voters">
              <span class="muted small">${t('vote.who')}</span>
              ${voters.map(
                (m) => html`<span class="name-chip ${(p.used[m.id] ?? 0) >= p.dots ? 'done' : ''}" key=${m.id} data-member=${m.id}>
                  ${m.name}<span class="muted"> ${p.used[m.id] ?? 0}/${p.dots}</span>
                </span>`,
              )}
            </div>
            ${fac ? html`<button type="button" class="btn btn-primary" data-testid="vote-close" disabled=${!editable} onClick=${() => send({ type: 'vote.close' })}>${t('vote.close')}</button>` : null}`
        : fac
          ? html`<form
              class="inline-form vote-open"
              onSubmit=${(/** @type {Event} */ ev) => {
                ev.preventDefault();
                if (dots >= 1 && dots <= MAX_DOTS) send({ type: 'vote.open', dots: Math.round(dots) });
              }}
            >
              <label class="inline-label">${t('vote.dots')}
                <input type="number" min="1" max=${MAX_DOTS} value=${dots} class="dots-input" data-testid="vote-dots" onInput=${(/** @type {any} */ ev) => setDots(Number(ev.target.value))} />
              </label>
              <button type="submit" class="btn ${p.phase === 'closed' ? 'btn-secondary' : 'btn-primary'}" data-testid="vote-open" disabled=${!editable || areas.length === 0}>${p.phase === 'closed' ? t('vote.reopen') : t('vote.open')}</button>
              ${p.phase === 'closed' ? html`<span class="muted small">${t('vote.reopen.help')}</span>` : null}
            </form>`
          : p.phase === 'closed'
            ? html`<p class="muted small">${t('vote.closed')}</p>`
            : null}
    </div>
    <ul class="areas" data-testid="areas">
      ${areas.length === 0 && !drawn('area.add') ? html`<li class="empty">${t('area.none')}</li>` : null}
      ${areas.map((area) => html`<${AreaItem} key=${area.id} area=${area} used=${used} others=${areas} />`)}
      <${Sending} type="area.add" has=${(/** @type {string} */ id) => id in room.priorities.areas} class="area" />
    </ul>
  </section>`;
}

/** @param {{ area: Area, used: number, others: Area[] }} props */
function AreaItem({ area, used, others }) {
  const room = app.store.room('priorities', 'members', 'assessment', 'closed');
  const you = app.store.presence$().you;
  const p = room.priorities;
  const fac = isFacilitator(you);
  const editable = canEdit(you, room);
  const mayChange = editable && (area.author === you.member_id || fac) && p.phase !== 'open';
  const mine = (you.member_id && myDots(p, you.member_id)[area.id]) || 0;
  const card = area.from_card ? room.assessment.cards[area.from_card] : undefined;
  const text = textOf(room, { kind: 'area', id: area.id });
  const origin = card
    ? t('area.origin.card', { team: t('team.name', { n: card.team }), name: nameOf(room, area.author) })
    : t('area.origin.new', { name: nameOf(room, area.author) });
  return html`<li class="area" data-id=${area.id} data-testid="area">
    <div class="area-main">
      <div class="area-text"><${SharedText} target=${{ kind: 'area', id: area.id }} editable=${mayChange} label=${t('area.edit.label')} maxLength=${MAX_AREA_CHARS} testid="area-text" compact /></div>
      <p class="muted small">${origin}</p>
      ${(area.merged ?? []).length
        ? html`<ul class="area-merged" data-testid="area-merged" aria-label=${t('area.merged')}>
            ${(area.merged ?? []).map((m) => html`<li><bdi>${m.text}</bdi> <span class="muted">(${nameOf(room, m.author)})</span></li>`)}
          </ul>`
        : null}
    </div>
    <div class="area-actions">
      ${p.phase === 'open' && editable
        ? html`<span class="dot-vote" role="group" aria-label=${t('vote.for', { text })}>
            <button type="button" class="btn btn-secondary btn-small dot-btn" aria-label=${t('vote.remove')} data-testid="dot-minus" disabled=${mine === 0} onClick=${() => placeDots(area.id, mine - 1)}>−</button>
            <span class="dot-count" data-testid="dot-count" aria-live="polite">${tn('vote.mine', mine)}</span>
            <button type="button" class="btn btn-secondary btn-small dot-btn" aria-label=${t('vote.add')} data-testid="dot-plus" disabled=${used >= p.dots} onClick=${() => placeDots(area.id, mine + 1)}>+</button>
          </span>`
        : null}
      ${p.phase === 'closed' ? html`<span class="tally" data-testid="tally">${tn('vote.tally', p.tally[area.id] ?? 0)}</span>` : null}
      ${fac && editable && p.phase !== 'open' && others.length > 1
        ? html`<select
            class="merge-select"
            aria-label=${t('area.merge.label', { text })}
            data-testid="area-merge"
            value=""
            onChange=${(/** @type {any} */ ev) => ev.target.value && send({ type: 'area.merge', from: area.id, into: ev.target.value })}
          >
            <option value="">${t('area.merge')}</option>
            ${others.filter((a) => a.id !== area.id).map((a) => html`<option value=${a.id}>${textOf(room, { kind: 'area', id: a.id })}</option>`)}
          </select>`
        : null}
      ${mayChange
        ? html`<${ConfirmButton} label=${t('note.delete')} confirm=${t('area.delete.confirm')} class="btn btn-ghost btn-small danger" testid="area-delete" onConfirm=${() => send({ type: 'area.delete', id: area.id })} />`
        : null}
    </div>
  </li>`;
}

function Ranking() {
  const room = app.store.room('priorities', 'members', 'closed');
  const you = app.store.presence$().you;
  const p = room.priorities;
  const order = p.ranking.filter((id) => p.areas[id]);
  if (order.length === 0 && p.phase !== 'closed') return null;
  const fac = isFacilitator(you) && canEdit(you, room);
  const reorderable = fac && !p.finalised;
  const move = (/** @type {string[]} */ next) => send({ type: 'ranking.set', order: next });
  return html`<section class="card ranking-card" data-testid="ranking-card">
    <div class="card-head">
      <h2 class="card-title">${t('rank.heading')}</h2>
      <span class="chip ${p.finalised ? 'chip-final' : ''}" data-testid="rank-state">${p.finalised ? t('rank.final') : t('rank.draft')}</span>
    </div>
    <p class="muted small">${t('rank.help')}</p>
    <ol class="ranking" data-testid="ranking">
      ${order.map((id, index) => {
        const area = /** @type {Area} */ (p.areas[id]);
        const text = textOf(room, { kind: 'area', id });
        return html`<li
          key=${id}
          class="rank-item"
          data-id=${id}
          data-testid="rank-item"
          ...${dropPlace('priority', id, text)}
          ...${dragSource({ kind: 'priority', id, label: text, enabled: reorderable, onDrop: (place, after) => move(reorder(order, id, place, after)) })}
        >
          ${reorderable ? html`<span class="grip" aria-hidden="true">⋮⋮</span>` : null}
          <span class="rank-num" aria-hidden="true">${index + 1}</span>
          <div class="rank-main">
            <div class="rank-line">
              <p class="rank-text">${text}</p>
              <span class="tally" data-testid="rank-tally">${tn('vote.tally', p.tally[id] ?? 0)}</span>
              ${reorderable
                ? html`<span class="rank-move">
                    <button type="button" class="btn btn-ghost btn-icon" aria-label=${t('rank.up', { text })} data-testid="rank-up" disabled=${index === 0} onClick=${() => move(reorder(order, id, order[index - 1], false))}>↑</button>
                    <button type="button" class="btn btn-ghost btn-icon" aria-label=${t('rank.down', { text })} data-testid="rank-down" disabled=${index === order.length - 1} onClick=${() => move(reorder(order, id, order[index + 1], true))}>↓</button>
                  </span>`
                : null}
            </div>
            <${FollowUp} area=${area} />
          </div>
        </li>`;
      })}
    </ol>
    ${fac
      ? html`<button type="button" class=${p.finalised ? 'btn btn-secondary' : 'btn btn-primary'} data-testid="rank-finalise" onClick=${() => send({ type: 'ranking.finalise', finalised: !p.finalised })}>
          ${p.finalised ? t('rank.unlock') : t('rank.finalise')}
        </button>`
      : null}
    <datalist id="follow-up-people">${Object.values(room.members).map((m) => html`<option value=${m.name}></option>`)}</datalist>
  </section>`;
}

/** An owner and a due date for a priority. @param {{ area: Area }} props */
function FollowUp({ area }) {
  const room = app.store.room('priorities', 'closed');
  const you = app.store.presence$().you;
  const may = canEdit(you, room) && (isFacilitator(you) || area.author === you.member_id);
  const text = textOf(room, { kind: 'area', id: area.id });
  const ownerField = useRef(/** @type {HTMLInputElement | null} */ (null));
  const dueField = useRef(/** @type {HTMLInputElement | null} */ (null));
  if (!may)
    return html`<p class="muted small follow-up-ro" data-testid="follow-ro">
      ${area.owner || area.due
        ? followUpParts(area).join(' · ')
        : t('follow.none')}
    </p>`;
  // Both fields are sent as they read on screen: a date set right after an owner was typed
  // must not send the owner the room had before that owner arrived (and so take it away).
  const save = () => {
    const owner = (ownerField.current?.value ?? area.owner ?? '').trim();
    const due = dueField.current?.value ?? area.due ?? '';
    if (owner === (area.owner ?? '') && due === (area.due ?? '')) return;
    send({ type: 'area.follow_up', id: area.id, owner: owner || undefined, due: due || undefined });
  };
  return html`<div class="follow-up">
    <label class="inline-label follow-owner"><span class="follow-label">${t('follow.owner')}</span>
      <input
        value=${area.owner ?? ''}
        maxlength=${MAX_OWNER_CHARS}
        list="follow-up-people"
        placeholder=${t('follow.owner.placeholder')}
        aria-label=${t('follow.owner.label', { text })}
        data-testid="follow-owner"
        ref=${ownerField}
        onChange=${save}
        onKeyDown=${(/** @type {any} */ ev) => ev.key === 'Enter' && (ev.preventDefault(), save())}
      />
    </label>
    <label class="inline-label"><span class="follow-label">${t('follow.due')}</span>
      <input type="date" ref=${dueField} value=${area.due ?? ''} aria-label=${t('follow.due.label', { text })} data-testid="follow-due" onChange=${save} />
    </label>
  </div>`;
}

/** The facilitator ends the session: the room closes and everyone sees the summary. */
function EndSession() {
  const room = app.store.room('closed');
  const you = app.store.presence$().you;
  if (!isFacilitator(you) || room.closed) return null;
  return html`<section class="card end-session">
    <div>
      <h2 class="card-title">${t('summary.end.heading')}</h2>
      <p class="muted small">${t('summary.end.help')}</p>
    </div>
    <${ConfirmButton} label=${t('summary.end')} confirm=${t('summary.end.confirm')} class="btn btn-primary" testid="end-session" onConfirm=${() => send({ type: 'room.close', closed: true })} />
  </section>`;
}
