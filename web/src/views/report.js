// The printable report at `/r/{room_id}/report#key=...`: fetches `report.json` with the
// facilitator key and shows every step's outcome in the room's language and lens, with a
// print stylesheet and a Print button.

import { html, useEffect, useState } from '../../vendor/preact.js';
import { textOf } from '../apply.js';
import { language, lensLabel, setRoomDefaults, stepText, t, tn } from '../i18n.js';
import { CATEGORIES } from '../limits.js';
import { Brand, LanguagePicker, Spinner, categoryText, clusterLabel, formatDate, nameOf, namesOf } from '../ui/kit.js';
import { show } from './pages.js';
import { facilitatorFetch } from './tools.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').Note} Note */
/** @typedef {{ generated_at: number, room: RoomState }} Report */

/** @param {string} roomId @param {string | null} key */
export function showReport(roomId, key) {
  show(html`<${ReportPage} roomId=${roomId} reportKey=${key} />`);
}

/** @param {{ roomId: string, reportKey: string | null }} props */
function ReportPage({ roomId, reportKey: key }) {
  const [report, setReport] = useState(/** @type {Report | null} */ (null));
  const [failure, setFailure] = useState(key ? '' : t('report.no_key'));
  useEffect(() => {
    if (!key) return;
    facilitatorFetch(roomId, key, 'report.json')
      .then((r) => r.json())
      .then((body) => {
        setRoomDefaults(body.room.settings.language, body.room.settings.lens);
        setReport(body);
      })
      .catch((err) => setFailure(t('report.failed', { reason: err instanceof Error ? err.message : String(err) })));
  }, []);
  return html`<div class="report-page">
    <header class="topbar report-bar no-print">
      <${Brand} /><span class="spacer"></span>
      ${key ? html`<a class="btn btn-ghost btn-small" href=${`/r/${encodeURIComponent(roomId)}#key=${encodeURIComponent(key)}`}>${t('report.back')}</a>` : null}
      <${LanguagePicker} />
      <button type="button" class="btn btn-primary" data-testid="print" disabled=${!report} onClick=${() => window.print()}>${t('report.print')}</button>
    </header>
    <main class="report" data-testid="report">
      ${failure
        ? html`<div class="card report-error" data-testid="report-error"><p>${failure}</p></div>`
        : report
          ? html`<${ReportBody} report=${report} />`
          : html`<${Spinner} testid="report-loading" text=${t('report.loading')} />`}
    </main>
  </div>`;
}

/** @param {number} ms */
const dateTime = (ms) => new Intl.DateTimeFormat(language(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(ms));

/** @param {{ step: number, children: any }} props */
function Section({ step, children }) {
  return html`<section class="report-section" data-testid=${`report-step${step}`}>
    <p class="eyebrow">${t('room.step_of', { n: step, total: 6 })}</p>
    <h2>${stepText(step, 'title')}</h2>
    ${children}
  </section>`;
}

/** @param {string} text */
const nothing = (text) => html`<p class="muted report-empty">${text}</p>`;

/** @param {{ report: Report }} props */
function ReportBody({ report }) {
  const { room } = report;
  const s = room.settings;
  const p = room.priorities;
  const d = room.definitions;
  const people = Object.values(room.members)
    .filter((m) => room.checkins[m.id])
    .sort((a, b) => a.joined_at - b.joined_at);
  const factors = Object.values(room.experience.factors).sort((a, b) => b.mentions - a.mentions || a.created_at - b.created_at);
  // Every sentence written, also one whose group was formed again since.
  const texts = Object.keys(room.texts)
    .map((key) => /^definition:(\d+)$/.exec(key))
    .filter((m) => m !== null)
    .map((m) => ({ group: Number(m[1]), text: room.texts[m[0]].text }))
    .filter((x) => x.text.trim())
    .sort((a, b) => a.group - b.group);
  const notes = Object.values(room.wall.notes)
    .filter((n) => n.revealed)
    .sort((a, b) => a.created_at - b.created_at);
  const clusters = Object.values(room.wall.clusters)
    .map((c) => ({ cluster: c, notes: notes.filter((n) => n.cluster === c.id) }))
    .filter((x) => x.notes.length)
    .sort((a, b) => b.notes.length - a.notes.length || clusterLabel(a.cluster).localeCompare(clusterLabel(b.cluster)));
  const loose = notes.filter((n) => !n.cluster || !room.wall.clusters[n.cluster]);
  const cards = Object.values(room.assessment.cards).sort((a, b) => a.created_at - b.created_at);
  const ranked = p.ranking.map((id) => p.areas[id]).filter((a) => a !== undefined);
  const rest = Object.values(p.areas)
    .filter((a) => !p.ranking.includes(a.id))
    .sort((a, b) => (p.tally[b.id] ?? 0) - (p.tally[a.id] ?? 0) || a.created_at - b.created_at);
  /** @param {Note[]} items */
  const noteList = (items) => html`<ul class="report-notes">${items.map((n) => html`<li>${t('note.prefix')} ${n.text}<span class="muted small"> — ${nameOf(room, n.author)}</span></li>`)}</ul>`;
  return html`<article class="report-doc">
    <header class="report-head">
      <p class="eyebrow">${t('report.workshop')} · ${t('report.heading')}</p>
      <h1 data-testid="report-title">${s.title || t('room.untitled')}</h1>
      <p class="report-meta">${[s.organisation, dateTime(room.created_at), t('report.lens', { lens: lensLabel(s.lens) })].filter(Boolean).join(' · ')}</p>
      <p class="muted small">${t('report.generated', { when: dateTime(report.generated_at) })}</p>
      <p class="muted small">${t('report.people', { n: Object.values(room.members).filter((m) => m.role === 'participant').length })}</p>
    </header>
    <${Section} step=${1}>
      ${people.length
        ? html`<table class="report-table report-checkins">
            <thead><tr><th>${t('report.name')}</th><th>${t('checkin.contribute')}</th><th>${t('checkin.get_out')}</th></tr></thead>
            <tbody>${people.map((m) => html`<tr><th scope="row">${m.name}</th><td>${room.checkins[m.id]?.contribute ?? ''}</td><td>${room.checkins[m.id]?.get_out ?? ''}</td></tr>`)}</tbody>
          </table>`
        : nothing(t('report.none.checkins'))}
    <//>
    <${Section} step=${2}>
      ${factors.length
        ? html`<ol class="report-factors">${factors.map((f) => html`<li><span>${textOf(room, { kind: 'factor', id: f.id })}</span><span class="count" title=${tn('report.mentions', f.mentions)}>×${f.mentions}</span></li>`)}</ol>`
        : nothing(t('report.none.factors'))}
    <//>
    <${Section} step=${3}>
      ${texts.length
        ? html`<div class="report-definitions">
            ${texts.map((def) => {
              const group = d.groups.find((g) => g.id === def.group);
              // Credited as the room's reports do (RoomState::credited): not a latecomer put in
              // the group after it wrote, unless they wrote in it too.
              const writers = room.texts[`definition:${def.group}`]?.editors ?? [];
              const credited = group?.members.filter((m) => !group.late?.includes(m) || writers.includes(m)) ?? [];
              return html`<figure class="report-definition">
                <blockquote>${marked(def.text, Object.values(d.highlights).filter((x) => x.group === def.group))}</blockquote>
                <figcaption class="muted small">${t('report.group', { n: def.group })}${credited.length ? ` · ${namesOf(room, credited)}` : ''}</figcaption>
              </figure>`;
            })}
          </div>`
        : nothing(t('report.none.definitions'))}
      ${d.common.length
        ? html`<div class="report-sub"><h3>${t('report.common')}</h3>
            <ul class="report-terms">${d.common.map((c) => html`<li><strong>${c.term}</strong><span class="muted small"> ${t('report.common.counts', { defs: c.definitions, hl: c.highlights })}</span></li>`)}</ul>
          </div>`
        : null}
      <div class="report-sub"><h3>${t('report.working')}</h3>
        ${d.working ? html`<blockquote class="working" data-testid="report-working">${d.working}</blockquote>` : nothing(t('report.none.working'))}
      </div>
    <//>
    <${Section} step=${4}>
      ${notes.length === 0 ? nothing(t('report.none.notes')) : null}
      <div class="report-clusters">
        ${clusters.map((x) => html`<div class="report-cluster"><h3>${clusterLabel(x.cluster)}<span class="muted small"> · ${tn('list.count', x.notes.length)}</span></h3>${noteList(x.notes)}</div>`)}
        ${loose.length ? html`<div class="report-cluster loose"><h3>${t('list.loose')}</h3>${noteList(loose)}</div>` : null}
      </div>
    <//>
    <${Section} step=${5}>
      ${room.assessment.teams.length === 0 ? nothing(t('report.none.teams')) : null}
      ${room.assessment.teams.map((team) => {
        const cluster = team.cluster ? room.wall.clusters[team.cluster] : undefined;
        const mine = cards.filter((c) => c.team === team.id);
        /** @param {number} c @param {import('../protocol').Column} col */
        const cell = (c, col) => {
          const items = mine.filter((x) => x.category === c && x.column === col);
          return html`<td data-label=${t(`board.${col}`)}>${items.length ? html`<ul>${items.map((x) => html`<li>${textOf(room, { kind: 'card', id: x.id })}</li>`)}</ul>` : html`<span class="muted">—</span>`}</td>`;
        };
        return html`<div class="report-team" data-testid="report-team">
          <h3>${t('team.name', { n: team.id })}${cluster ? ` · ${clusterLabel(cluster)}` : ''}</h3>
          <p class="muted small">${namesOf(room, team.members) || t('team.empty')}</p>
          <table class="report-table report-assessment">
            <thead><tr><th>${t('overview.category')}</th><th>${t('overview.rating')}</th><th>${t('board.succeeded')}</th><th>${t('board.failed')}</th></tr></thead>
            <tbody>
              ${CATEGORIES.map((c) => {
                const blank = !team.ratings[c - 1] && !mine.some((x) => x.category === c);
                return html`<tr class=${blank ? 'row-blank' : ''}>
                  <th scope="row">${c}. ${categoryText(c)}${blank ? html` <span class="row-blank-note muted">${t('report.none.behaviour')}</span>` : null}</th>
                  <td class="rating-cell" data-label=${t('overview.rating')}>${team.ratings[c - 1] ? `${team.ratings[c - 1]}/5` : '—'}</td>
                  ${cell(c, 'succeeded')}${cell(c, 'failed')}
                </tr>`;
              })}
            </tbody>
          </table>
        </div>`;
      })}
    <//>
    <${Section} step=${6}>
      ${ranked.length + rest.length === 0
        ? nothing(t('report.none.areas'))
        : html`<p class="muted small">
              ${p.phase === 'closed' || p.ranking.length ? (p.finalised ? t('report.ranking.final') : t('report.ranking.draft')) : t('report.ranking.none')}
              ${p.dots ? ` ${tn('report.dots_each', p.dots)}` : ''}
            </p>
            <table class="report-table report-priorities" data-testid="report-priorities">
              <thead><tr><th>#</th><th>${t('report.area')}</th><th>${t('report.votes')}</th><th>${t('follow.owner')}</th><th>${t('follow.due')}</th></tr></thead>
              <tbody>
                ${[...ranked, ...rest].map(
                  (a, i) => html`<tr>
                    <td class="num rank-cell">${i < ranked.length ? i + 1 : ''}</td>
                    <td class="area-cell">${textOf(room, { kind: 'area', id: a.id })}${(a.merged ?? []).map((m) => html`<div class="muted small">⤷ ${t('area.merged')}: <bdi>${m.text}</bdi> (${nameOf(room, m.author)})</div>`)}</td>
                    <td class="num" data-label=${t('report.votes')}>${p.tally[a.id] ?? 0}</td>
                    <td data-label=${t('follow.owner')}>${a.owner ?? '—'}</td>
                    <td data-label=${t('follow.due')}>${a.due ? formatDate(a.due) : '—'}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
    <//>
  </article>`;
}

/**
 * A definition with its highlighted stretches marked (darker where more people highlighted).
 * Highlights count UTF-16 units, as JavaScript strings do.
 * @param {string} text @param {{ start: number, end: number }[]} highlights
 */
function marked(text, highlights) {
  const depth = new Array(text.length).fill(0);
  for (const hl of highlights) for (let i = Math.max(0, hl.start); i < Math.min(text.length, hl.end); i++) depth[i] += 1;
  const out = [];
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (j < text.length && depth[j] === depth[i]) j++;
    const run = text.slice(i, j);
    out.push(depth[i] ? html`<mark class="hl hl-${Math.min(3, depth[i])}">${run}</mark>` : run);
    i = j;
  }
  return out;
}
