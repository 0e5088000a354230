// The projector at the wall link: the whole screen, no controls, readable from the back of a
// room, and never taller or wider than the screen (each step's content shrinks to fit). It
// follows the facilitator's step and the presenter: step 1 a join screen with a QR code and
// the link, then the check-ins as a grid; step 2 the speaker and the key factors sized by how
// often they were named; step 3 the groups' sentences side by side with their highlights; step
// 4 the wall, fitted; step 5 every team's assessment as one table, behaviours by teams; step 6
// the presenting team, then the ranked priorities; after the session, the summary.

import { html, useLayoutEffect, useRef, useState } from '../../vendor/preact.js';
import { textOf } from '../apply.js';
import { app } from '../app.js';
import { stepText, t, tn } from '../i18n.js';
import { CATEGORIES, MAX_DEFINITION_CHARS, STEP_COUNT } from '../limits.js';
import { formatClock } from '../timer.js';
import { Avatar, Spinner, categoryText, followUpParts, nameOf, namesOf, teamLabel } from '../ui/kit.js';
import { QrCode } from '../ui/qr.js';
import { SharedText } from '../ui/sharedtext.js';
import { fullOrder, sortedFactors } from './step2.js';
import { CommonTerms, Highlighted, definitionOf, groupsOf } from './step3.js';
import { Summary } from './summary.js';
import { COLUMNS, cardsOf, countsOf } from './teamboard.js';
import { useCountdown, useTimesUp } from './timer.js';
import { WallCanvas } from './wall/canvas.js';
import { useMedia } from '../ui/media.js';

/**
 * Up to this many check-ins are set larger than a full room's: the join column beside them sets
 * how far the step can grow, and a few short answers in its type would be small on a wall.
 */
const FEW_CHECKINS = 4;
const SOME_CHECKINS = 9;

/** How far a step's content may shrink (before it is too small to read) or grow. */
const MIN_SCALE = 0.45;
/** Areas on the wall beyond which they read in two columns, then three (top to bottom first). */
const PJ_LIST_TWO = 8;
const PJ_LIST_THREE = 16;
const MAX_SCALE = 2;
/**
 * A wall display link opened on a phone (a late observer): the board is read as a page that
 * scrolls, at the phone's own type size, rather than shrunk to fit one screen (style.css has
 * the same width).
 */
export const PHONE_WALL = '(max-width: 700px)';

export function Projector() {
  const store = app.store;
  if (!store.loaded.value)
    return html`<div class="projector"><${Spinner} testid="waiting" text=${store.status.value === 'connecting' ? t('conn.connecting') : t('conn.reconnecting')} /></div>`;
  return html`<${Screen} />`;
}

function Screen() {
  const room = app.store.room('step', 'settings', 'closed');
  const step = room.step;
  document.documentElement.classList.add('projecting');
  const body = room.closed
    ? html`<${Summary} big=${true} />`
    : [html`<${Step1} />`, html`<${Step2} />`, html`<${Step3} />`, html`<${Step4} />`, html`<${Step5} />`, html`<${Step6} />`][step - 1];
  return html`<div class="projector step-${step} ${room.closed ? 'closed' : ''}" data-testid="projector">
    <header class="pj-head">
      <div class="pj-title">
        <p class="pj-room" data-testid="room-title">${room.settings.title || t('room.untitled')}${room.settings.organisation ? ` · ${room.settings.organisation}` : ''}</p>
        <h1 class="pj-step" data-testid="step-title">
          ${room.closed
            ? t('summary.eyebrow')
            : html`<span class="pj-step-num">${t('room.step_of', { n: step, total: STEP_COUNT })}</span> ${stepText(step, 'title')}`}
        </h1>
      </div>
      ${app.store.status.value === 'reconnecting'
        ? // Discreet, for the facilitator: what is on the wall may be out of date until it is back.
          html`<p class="pj-offline" role="status" data-testid="reconnecting">${t('conn.reconnecting')}</p>`
        : null}
      <${Clock} />
    </header>
    <main class="pj-body">${step === 4 && !room.closed ? body : html`<${Fit} key=${step}>${body}<//>`}</main>
    ${step !== 1 && !room.closed ? html`<footer class="pj-foot"><${JoinLine} /></footer>` : null}
  </div>`;
}

/**
 * Sizes its content (through the font size every length is in) to fill its box without
 * overflowing it: bigger when there is little on the board, smaller when there is a lot.
 * @param {{ children: any }} props
 */
function Fit({ children }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  const phone = useMedia(PHONE_WALL);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (phone) {
      el.style.fontSize = '';
      return;
    }
    const fits = (/** @type {number} */ scale) => {
      el.style.fontSize = `${scale}em`;
      // Strictly: scroll sizes are rounded, and a pixel over is a line cut at the screen's edge.
      return el.scrollHeight <= el.clientHeight && el.scrollWidth <= el.clientWidth;
    };
    const fit = () => {
      let [lo, hi] = [MIN_SCALE, MAX_SCALE];
      if (fits(hi)) lo = hi;
      else
        for (let i = 0; i < 10; i++) {
          const mid = (lo + hi) / 2;
          if (fits(mid)) lo = mid;
          else hi = mid;
        }
      // Too much to read even at the smallest size: the rest is there to scroll to, and the
      // fade at the foot says there is more, rather than the screen cutting it silently.
      const over = !fits(lo);
      if (el.classList.contains('overflowing') !== over) el.classList.toggle('overflowing', over);
    };
    fit();
    // Fitted again when the screen changes size, and when what is on it changes: each step's
    // view follows the room by itself, without this component drawing again (a third check-in
    // arriving, a sentence growing). Both observers call back before the next paint; fitting
    // changes this box's own style, which neither watches, and its mark, only when that changes.
    const resized = new ResizeObserver(fit);
    resized.observe(el);
    const changed = new MutationObserver(fit);
    changed.observe(el, { childList: true, subtree: true, characterData: true, attributeFilter: ['class'] });
    return () => {
      resized.disconnect();
      changed.disconnect();
    };
  }, [phone]);
  // Scrolled to its end, the fade that says "there is more" goes.
  const scrolled = (/** @type {Event} */ ev) => {
    const el = /** @type {HTMLElement} */ (ev.currentTarget);
    el.classList.toggle('at-end', el.scrollTop + el.clientHeight >= el.scrollHeight - 1);
  };
  return html`<div class="pj-fit" ref=${box} onScroll=${scrolled}>${children}</div>`;
}

function Clock() {
  const now = useCountdown();
  const [flash, setFlash] = useState(false);
  useTimesUp(now, () => setFlash(true));
  if (now.phase === 'idle') return null;
  return html`<div class="pj-clock phase-${now.phase} ${flash && now.phase === 'up' ? 'flash' : ''}">
    <span role="timer" data-testid="clock">${now.phase === 'up' ? t('timer.up') : formatClock(now.remainingMs)}</span>
    ${now.phase === 'paused' ? html`<span class="pj-clock-paused" data-testid="clock-paused">${t('timer.paused')}</span>` : null}
  </div>`;
}

/** The participant link of this room (the projector's own address without `/wall`). */
const joinUrl = () => `${location.origin}/r/${encodeURIComponent(app.roomId)}`;

/** How many characters of the room id go together in the link people read off the wall. */
const LINK_CHUNK_CHARS = 4;

/**
 * The room's link as people type it from the wall: no `https://`, the host, then `/r/` and the
 * room id in groups of four, set apart by space on screen only (a copy is the link as it is).
 */
function ReadableLink() {
  const id = app.roomId;
  const chunks = [];
  for (let i = 0; i < id.length; i += LINK_CHUNK_CHARS) chunks.push(id.slice(i, i + LINK_CHUNK_CHARS));
  return html`<span class="pj-host">${location.host}</span><wbr /><span class="pj-path">/r/</span>${chunks.map(
    (chunk) => html`<wbr /><span class="pj-chunk">${chunk}</span>`,
  )}`;
}

function JoinLine() {
  return html`<p class="pj-join-line">${t('pj.join_at')} <strong class="pj-url"><${ReadableLink} /></strong></p>`;
}

function Step1() {
  const room = app.store.room('checkins', 'members');
  const view = app.store.presence$();
  const authors = Object.values(room.members)
    .filter((m) => room.checkins[m.id])
    .sort((a, b) => a.joined_at - b.joined_at);
  const people = Object.values(room.members).filter((m) => m.role === 'participant' && view.online.has(m.id));
  return html`<div class="pj-step1 ${authors.length ? 'has-checkins' : 'lobby'}">
    <section class="pj-join" data-testid="pj-join">
      <${QrCode} text=${joinUrl()} label=${t('pj.qr')} />
      <p class="pj-join-title">${t('pj.join')}</p>
      <p class="pj-join-at">${t('pj.type_link')}</p>
      <p class="pj-url pj-join-link" data-testid="join-link"><${ReadableLink} /></p>
      <p class="pj-joined">${tn('pj.joined', people.length)}</p>
      <p class="pj-purpose">${t('purpose.text')}</p>
    </section>
    ${authors.length
      ? html`<section class="pj-checkins ${authors.length <= FEW_CHECKINS ? 'few' : authors.length <= SOME_CHECKINS ? 'some' : ''}" data-testid="checkins">
          ${authors.map((m) => {
            const c = room.checkins[m.id];
            return html`<article class="pj-checkin checkin" key=${m.id}>
              <header><${Avatar} name=${m.name} id=${m.id} /> <strong>${m.name}</strong></header>
              ${c?.contribute ? html`<p><span class="pj-label">${t('checkin.contribute')}</span> ${c.contribute}</p>` : null}
              ${c?.get_out ? html`<p><span class="pj-label">${t('checkin.get_out')}</span> ${c.get_out}</p>` : null}
            </article>`;
          })}
        </section>`
      : null}
  </div>`;
}

function Step2() {
  const room = app.store.room('experience', 'members');
  const { current } = room.experience.queue;
  const order = fullOrder(room);
  const next = order.find((id) => id !== current && !room.experience.queue.spoken.includes(id));
  const factors = sortedFactors(room);
  // Sized by how often each was mentioned against the others: one factor, or all mentioned
  // alike, are one size (a lone "×2" filled the wall).
  const most = Math.max(1, ...factors.map((f) => f.mentions));
  const least = Math.min(most, ...factors.map((f) => f.mentions));
  return html`<div class="pj-step2">
    <section class="pj-speaker">
      <p class="pj-label">${t('queue.now')}</p>
      ${current
        ? html`<p class="pj-speaker-name" data-testid="current-speaker"><${Avatar} name=${nameOf(room, current)} id=${current} size="large" /> ${nameOf(room, current)}</p>`
        : html`<p class="pj-speaker-name muted">${t('queue.nobody')}</p>`}
      ${next ? html`<p class="pj-next">${t('queue.next_is', { name: nameOf(room, next) })}</p>` : null}
    </section>
    <section class="pj-factors" aria-labelledby="pj-factors-heading">
      <h2 class="pj-label" id="pj-factors-heading">${t('factors.heading')}</h2>
      <div class="pj-cloud" data-testid="factors">
        ${factors.length === 0 ? html`<p class="pj-empty">${t('factors.empty')}</p>` : null}
        ${factors.map(
          (f) => html`<span key=${f.id} class="pj-factor" data-weight=${Math.min(5, f.mentions)} style=${{ fontSize: `${1 + (1.6 * (f.mentions - least)) / Math.max(1, most - least)}em` }}>
            ${textOf(room, { kind: 'factor', id: f.id })}${f.mentions > 1 ? html`<sup class="pj-count">×${f.mentions}</sup>` : null}
          </span>`,
        )}
      </div>
    </section>
  </div>`;
}

function Step3() {
  const room = app.store.room('definitions', 'members');
  const { wall, highlights, working } = room.definitions;
  const groups = groupsOf(room);
  return html`<div class="pj-step3">
    <section class="pj-defs" data-count=${Math.min(groups.length, 4)} data-testid="def-wall">
      ${groups.length === 0 ? html`<p class="pj-empty">${t('groups.waiting')}</p>` : null}
      ${groups.map((g) => {
        const label = t('groups.group', { n: g.id });
        return html`<article key=${g.id} class="pj-def ${wall.reading === g.id ? 'reading' : ''} ${wall.reading !== undefined && wall.reading !== g.id ? 'dimmed' : ''}">
          <h2>${label}</h2>
          ${wall.shown
            ? html`<p class="pj-def-text">
                <${Highlighted} room=${room} text=${definitionOf(room, g.id)} highlights=${Object.values(highlights).filter((h) => h.group === g.id)} />
              </p>`
            : html`<div class="pj-def-text" data-testid="definition-text">
                <${SharedText} target=${{ kind: 'definition', group: g.id }} editable=${false} label=${label} maxLength=${MAX_DEFINITION_CHARS} placeholder=${t('def.nothing_yet')} />
              </div>`}
        </article>`;
      })}
    </section>
    ${wall.shown ? html`<div class="pj-common"><${CommonTerms} /></div>` : null}
    ${working ? html`<section class="pj-working"><p class="pj-label">${t('working.heading')}</p><blockquote>${working}</blockquote></section>` : null}
  </div>`;
}

function Step4() {
  return html`<div class="pj-step4"><${WallCanvas} interactive=${false} /></div>`;
}

/**
 * Every team's assessment as one table the room can read: a row for each behaviour, in words,
 * and a column for each team (its client type in the heading), counting its examples of success
 * and failure and showing its rating.
 */
function Step5() {
  const room = app.store.room('assessment', 'members', 'wall', 'settings');
  const teams = room.assessment.teams;
  if (teams.length === 0) return html`<p class="pj-empty">${t('teams.none')}</p>`;
  const counts = teams.map((team) => countsOf(room, team.id));
  return html`<div class="pj-step5">
    <table class="pj-matrix" data-testid="teams-matrix">
      <thead>
        <tr>
          <th scope="col"><span class="sr-only">${t('overview.category')}</span></th>
          ${teams.map(
            (team) => html`<th scope="col" key=${team.id} data-testid="team-tile" data-team=${team.id}>
              <span class="pj-team">${teamLabel(room, team)}</span>
              <span class="pj-members">${team.members.length ? namesOf(room, team.members) : t('team.empty')}</span>
            </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${CATEGORIES.map(
          (c) => html`<tr key=${c}>
            <th scope="row"><span class="category-num">${c}</span> ${categoryText(c)}</th>
            ${teams.map((team, i) => {
              const { succeeded: ok, failed: bad } = counts[i][c - 1];
              const rating = team.ratings[c - 1] ?? 0;
              return html`<td key=${team.id} data-testid=${`cell-${team.id}-${c}`}>
                <span class=${ok ? 'pj-ok' : 'pj-zero'} title=${t('board.succeeded')}>✓ ${ok}</span>
                <span class=${bad ? 'pj-bad' : 'pj-zero'} title=${t('board.failed')}>✗ ${bad}</span>
                ${rating
                  ? html`<span class="pj-stars" aria-label=${t('board.rating.aria', { n: c, value: rating })}>${'★'.repeat(rating)}</span>`
                  : null}
              </td>`;
            })}
          </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row"></th>
          ${teams.map((team, i) => {
            const n = counts[i].reduce((sum, row) => sum + row.succeeded + row.failed, 0);
            const rated = team.ratings.filter((r) => r > 0).length;
            return html`<td key=${team.id} data-testid="team-progress">${t('overview.progress', { n, rated })}</td>`;
          })}
        </tr>
      </tfoot>
    </table>
    <p class="pj-legend">${t('overview.legend')}</p>
  </div>`;
}

function Step6() {
  const room = app.store.room('priorities', 'assessment', 'members', 'wall');
  const p = room.priorities;
  const presenting = room.assessment.teams.find((x) => x.id === p.presenting);
  const order = [...p.ranking.filter((id) => p.areas[id])];
  const areas = Object.values(p.areas);
  if (presenting && order.length === 0 && p.phase === 'not_started') {
    const cards = cardsOf(room, presenting.id);
    return html`<div class="pj-step6 pj-present" data-testid="presenter-board">
      <h2 class="pj-presenting"><span class="live-dot" aria-hidden="true"></span> ${t('present.now', { team: teamLabel(room, presenting) })}</h2>
      <div class="pj-board">
        ${[1, 2, 3, 4, 5, 6].map(
          (c) => html`<section class="pj-cat" key=${c}>
            <h3><span class="category-num">${c}</span> ${categoryText(c)} ${presenting.ratings[c - 1] ? html`<span class="pj-stars">${'★'.repeat(presenting.ratings[c - 1])}</span>` : null}</h3>
            ${COLUMNS.map(
              (col) => html`<ul class="pj-col pj-${col}">
                ${cards.filter((x) => x.category === c && x.column === col).map((x) => html`<li key=${x.id}>${textOf(room, { kind: 'card', id: x.id })}</li>`)}
              </ul>`,
            )}
          </section>`,
        )}
      </div>
      <p class="pj-legend">${t('overview.legend')}</p>
    </div>`;
  }
  const list = order.length ? order.map((id) => p.areas[id]) : [...areas].sort((a, b) => (p.tally[b.id] ?? 0) - (p.tally[a.id] ?? 0) || a.created_at - b.created_at);
  return html`<div class="pj-step6">
    <h2 class="pj-sub">${order.length ? t('rank.heading') : t('area.heading')} ${p.phase === 'open' ? html`<span class="chip chip-live">${t('vote.open_now')}</span>` : null}</h2>
    ${list.length === 0 ? html`<p class="pj-empty">${t('area.none')}</p>` : null}
    <ol class="pj-ranking ${order.length ? 'ranked' : ''} ${list.length > PJ_LIST_TWO ? (list.length > PJ_LIST_THREE ? 'cols-3' : 'cols-2') : ''}" data-testid="ranking">
      ${list.map(
        (a) => a && html`<li key=${a.id}>
          <span class="pj-area-block">
            <span class="pj-area">${textOf(room, { kind: 'area', id: a.id })}</span>
            ${a.owner || a.due ? html`<span class="pj-owner">${followUpParts(a).join(' · ')}</span>` : null}
          </span>
          ${p.phase === 'closed' || order.length ? html`<span class="pj-tally">${tn('vote.tally', p.tally[a.id] ?? 0)}</span>` : null}
        </li>`,
      )}
    </ol>
  </div>`;
}
