// The printable report at `/r/{room_id}/report#key=...`: fetches `report.json` with the
// facilitator key and shows every step's outcome - check-ins, key factors, definitions with
// their highlights and common words, the working definition, the clusters of "Help me" notes,
// each team's assessment and the prioritised areas with votes, owners and dates - in the room's
// language and lens, with a print stylesheet and a Print button.

import { h } from '../dom.js';
import { language, lensLabel, onLanguageChange, setRoomDefaults, stepText, t, tn } from '../i18n.js';
import { facilitatorFetch } from './export.js';
import { CATEGORIES, categoryText, clusterLabel, formatDate, helpMe, nameOf, namesOf } from './kit.js';
import { brand, languagePicker } from './parts.js';
import { showScreen } from './screen.js';

/** @typedef {import('../protocol').RoomState} RoomState */
/** @typedef {import('../protocol').Column} Column */

/** @typedef {{ generated_at: number, room: RoomState }} Report */

/**
 * @param {string} roomId
 * @param {string | null} key the facilitator key from the fragment
 */
export function showReport(roomId, key) {
  showScreen((root) => {
    /** @type {Report | null} */
    let report = null;
    /** @type {string | null} */
    let failure = key ? null : t('report.no_key');
    const render = () => {
      if (report) setRoomDefaults(report.room.settings.language, report.room.settings.lens);
      root.replaceChildren(page(roomId, key, report, failure));
    };
    render();
    if (key) {
      facilitatorFetch(roomId, key, 'report.json')
        .then((response) => response.json())
        .then((body) => {
          report = /** @type {Report} */ (body);
          render();
        })
        .catch((err) => {
          failure = t('report.failed', { reason: err instanceof Error ? err.message : String(err) });
          render();
        });
    }
    return onLanguageChange(render);
  });
}

/**
 * @param {string} roomId
 * @param {string | null} key
 * @param {Report | null} report
 * @param {string | null} failure
 */
function page(roomId, key, report, failure) {
  const back = key
    ? h(
        'a',
        {
          class: 'btn btn-ghost btn-small',
          href: `/r/${encodeURIComponent(roomId)}#key=${encodeURIComponent(key)}`,
        },
        t('report.back'),
      )
    : null;
  const bar = h(
    'header',
    { class: 'topbar report-bar no-print' },
    brand(),
    h('div', { class: 'spacer' }),
    back,
    languagePicker(),
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-primary',
        'data-testid': 'print',
        disabled: !report,
        onclick: () => window.print(),
      },
      t('report.print'),
    ),
  );
  let body;
  if (failure)
    body = h('div', { class: 'card report-error', 'data-testid': 'report-error' }, h('p', null, failure));
  else if (!report)
    body = h(
      'div',
      { class: 'loading', 'data-testid': 'report-loading' },
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      t('report.loading'),
    );
  else body = reportBody(report);
  return h(
    'div',
    { class: 'report-page' },
    bar,
    h('main', { class: 'report', 'data-testid': 'report' }, body),
  );
}

/** @param {number} ms */
function dateTime(ms) {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(ms));
}

/**
 * A section per step, numbered like the boards.
 * @param {number} step
 * @param {...import('../dom.js').Child} children
 */
function section(step, ...children) {
  return h(
    'section',
    { class: 'report-section', 'data-testid': `report-step${step}` },
    h('p', { class: 'eyebrow' }, t('room.step_of', { n: step, total: 6 })),
    h('h2', null, stepText(step, 'title')),
    ...children,
  );
}

/** @param {string} text */
const nothing = (text) => h('p', { class: 'muted report-empty' }, text);

/** @param {Report} report */
function reportBody(report) {
  const { room } = report;
  const s = room.settings;
  return h(
    'article',
    { class: 'report-doc' },
    h(
      'header',
      { class: 'report-head' },
      h('p', { class: 'eyebrow' }, `${t('app.workshop')} · ${t('report.heading')}`),
      h('h1', { 'data-testid': 'report-title' }, s.title || t('room.untitled')),
      h(
        'p',
        { class: 'report-meta' },
        [s.organisation, dateTime(room.created_at), t('report.lens', { lens: lensLabel(s.lens) })]
          .filter(Boolean)
          .join(' · '),
      ),
      h('p', { class: 'muted small' }, t('report.generated', { when: dateTime(report.generated_at) })),
      h(
        'p',
        { class: 'muted small' },
        t('report.people', { n: Object.values(room.members).filter((m) => m.role === 'participant').length }),
      ),
    ),
    checkins(room),
    factors(room),
    definitions(room),
    clusters(room),
    assessments(room),
    priorities(room),
  );
}

/** @param {RoomState} room */
function checkins(room) {
  const people = Object.values(room.members)
    .filter((m) => room.checkins[m.id])
    .sort((a, b) => a.joined_at - b.joined_at);
  return section(
    1,
    people.length
      ? h(
          'table',
          { class: 'report-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, t('report.name')),
              h('th', null, t('checkin.contribute')),
              h('th', null, t('checkin.get_out')),
            ),
          ),
          h(
            'tbody',
            null,
            people.map((m) => {
              const c = room.checkins[m.id];
              return h(
                'tr',
                null,
                h('th', { scope: 'row' }, m.name),
                h('td', null, c?.contribute ?? ''),
                h('td', null, c?.get_out ?? ''),
              );
            }),
          ),
        )
      : nothing(t('report.none.checkins')),
  );
}

/** @param {RoomState} room */
function factors(room) {
  const list = Object.values(room.experience.factors).sort(
    (a, b) => b.mentions - a.mentions || a.created_at - b.created_at,
  );
  return section(
    2,
    list.length
      ? h(
          'ol',
          { class: 'report-factors' },
          list.map((f) =>
            h(
              'li',
              null,
              h('span', null, f.text),
              h('span', { class: 'count', title: t('report.mentions', { n: f.mentions }) }, `×${f.mentions}`),
            ),
          ),
        )
      : nothing(t('report.none.factors')),
  );
}

/**
 * A definition with its highlighted characters marked (darker where more people highlighted).
 * @param {string} text
 * @param {{ start: number, end: number }[]} highlights character offsets
 */
function marked(text, highlights) {
  const chars = Array.from(text);
  const depth = new Array(chars.length).fill(0);
  for (const hl of highlights)
    for (let i = Math.max(0, hl.start); i < Math.min(chars.length, hl.end); i++) depth[i] += 1;
  /** @type {Node[]} */
  const out = [];
  let i = 0;
  while (i < chars.length) {
    let j = i;
    while (j < chars.length && depth[j] === depth[i]) j++;
    const run = chars.slice(i, j).join('');
    out.push(
      depth[i] ? h('mark', { class: `hl hl-${Math.min(3, depth[i])}` }, run) : document.createTextNode(run),
    );
    i = j;
  }
  return out;
}

/** @param {RoomState} room */
function definitions(room) {
  const d = room.definitions;
  const texts = d.texts.filter((x) => x.text.trim());
  const highlights = Object.values(d.highlights);
  return section(
    3,
    texts.length
      ? h(
          'div',
          { class: 'report-definitions' },
          texts.map((def) => {
            const group = d.groups.find((g) => g.id === def.group);
            return h(
              'figure',
              { class: 'report-definition' },
              h(
                'blockquote',
                null,
                marked(
                  def.text,
                  highlights.filter((x) => x.group === def.group),
                ),
              ),
              h(
                'figcaption',
                { class: 'muted small' },
                t('report.group', { n: def.group }),
                group?.members.length ? ` · ${namesOf(room, group.members)}` : '',
              ),
            );
          }),
        )
      : nothing(t('report.none.definitions')),
    d.common.length
      ? h(
          'div',
          { class: 'report-sub' },
          h('h3', null, t('report.common')),
          h(
            'ul',
            { class: 'report-terms' },
            d.common.map((c) =>
              h(
                'li',
                null,
                h('strong', null, c.term),
                h(
                  'span',
                  { class: 'muted small' },
                  ` ${t('report.common.counts', { defs: c.definitions, hl: c.highlights })}`,
                ),
              ),
            ),
          ),
        )
      : null,
    h(
      'div',
      { class: 'report-sub' },
      h('h3', null, t('report.working')),
      d.working
        ? h('blockquote', { class: 'working', 'data-testid': 'report-working' }, d.working)
        : nothing(t('report.none.working')),
    ),
  );
}

/** @param {RoomState} room */
function clusters(room) {
  const notes = Object.values(room.wall.notes)
    .filter((n) => n.revealed)
    .sort((a, b) => a.created_at - b.created_at);
  const list = Object.values(room.wall.clusters)
    .map((c) => ({ cluster: c, notes: notes.filter((n) => n.cluster === c.id) }))
    .filter((x) => x.notes.length)
    .sort(
      (a, b) =>
        b.notes.length - a.notes.length || clusterLabel(a.cluster).localeCompare(clusterLabel(b.cluster)),
    );
  const loose = notes.filter((n) => !n.cluster || !room.wall.clusters[n.cluster]);
  /** @param {import('../protocol').Note[]} items */
  const noteList = (items) =>
    h(
      'ul',
      { class: 'report-notes' },
      items.map((n) =>
        h(
          'li',
          null,
          helpMe(room.settings.language, n.text),
          h('span', { class: 'muted small' }, ` — ${nameOf(room, n.author)}`),
        ),
      ),
    );
  return section(
    4,
    notes.length === 0 ? nothing(t('report.none.notes')) : null,
    h(
      'div',
      { class: 'report-clusters' },
      list.map((x) =>
        h(
          'div',
          { class: 'report-cluster' },
          h(
            'h3',
            null,
            clusterLabel(x.cluster),
            h('span', { class: 'muted small' }, ` · ${tn('list.count', x.notes.length)}`),
          ),
          noteList(x.notes),
        ),
      ),
      loose.length
        ? h('div', { class: 'report-cluster loose' }, h('h3', null, t('list.loose')), noteList(loose))
        : null,
    ),
  );
}

/** @param {RoomState} room */
function assessments(room) {
  const teams = room.assessment.teams;
  const cards = Object.values(room.assessment.cards).sort((a, b) => a.created_at - b.created_at);
  return section(
    5,
    teams.length === 0 ? nothing(t('report.none.teams')) : null,
    teams.map((team) => {
      const cluster = team.cluster ? room.wall.clusters[team.cluster] : undefined;
      const mine = cards.filter((c) => c.team === team.id);
      /** @param {number} category @param {Column} column */
      const cell = (category, column) => {
        const items = mine.filter((c) => c.category === category && c.column === column);
        return h(
          'td',
          null,
          items.length
            ? h(
                'ul',
                null,
                items.map((c) => h('li', null, c.text)),
              )
            : h('span', { class: 'muted' }, '—'),
        );
      };
      return h(
        'div',
        { class: 'report-team', 'data-testid': 'report-team' },
        h('h3', null, t('team.name', { n: team.id }), cluster ? ` · ${clusterLabel(cluster)}` : ''),
        h('p', { class: 'muted small' }, namesOf(room, team.members) || t('team.empty')),
        h(
          'table',
          { class: 'report-table report-assessment' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, t('overview.category')),
              h('th', null, t('overview.rating')),
              h('th', null, t('board.succeeded')),
              h('th', null, t('board.failed')),
            ),
          ),
          h(
            'tbody',
            null,
            CATEGORIES.map((c) =>
              h(
                'tr',
                null,
                h('th', { scope: 'row' }, `${c}. ${categoryText(c)}`),
                h('td', { class: 'rating-cell' }, team.ratings[c - 1] ? `${team.ratings[c - 1]}/5` : '—'),
                cell(c, 'succeeded'),
                cell(c, 'failed'),
              ),
            ),
          ),
        ),
      );
    }),
  );
}

/** @param {RoomState} room */
function priorities(room) {
  const p = room.priorities;
  const ranked = p.ranking.map((id) => p.areas[id]).filter((a) => a !== undefined);
  const rest = Object.values(p.areas)
    .filter((a) => !p.ranking.includes(a.id))
    .sort((a, b) => (p.tally[b.id] ?? 0) - (p.tally[a.id] ?? 0) || a.created_at - b.created_at);
  const all = [...ranked, ...rest];
  return section(
    6,
    all.length === 0
      ? nothing(t('report.none.areas'))
      : h(
          'div',
          null,
          h(
            'p',
            { class: 'muted small' },
            p.phase === 'closed' || p.ranking.length
              ? p.finalised
                ? t('report.ranking.final')
                : t('report.ranking.draft')
              : t('report.ranking.none'),
            p.dots ? ` ${t('report.dots_each', { n: p.dots })}` : '',
          ),
          h(
            'table',
            { class: 'report-table report-priorities', 'data-testid': 'report-priorities' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, '#'),
                h('th', null, t('report.area')),
                h('th', null, t('report.votes')),
                h('th', null, t('follow.owner')),
                h('th', null, t('follow.due')),
              ),
            ),
            h(
              'tbody',
              null,
              all.map((a, i) =>
                h(
                  'tr',
                  null,
                  h('td', { class: 'num' }, i < ranked.length ? i + 1 : ''),
                  h('td', null, a.text),
                  h('td', { class: 'num' }, p.tally[a.id] ?? 0),
                  h('td', null, a.owner ?? '—'),
                  h('td', null, a.due ? formatDate(a.due) : '—'),
                ),
              ),
            ),
          ),
        ),
  );
}
