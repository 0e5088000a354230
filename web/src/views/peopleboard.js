// People in columns - step 3's groups and step 5's teams: one column per group with its people,
// a place for those in none, and a "new group" place. The facilitator moves people by dragging
// them (mouse, touch on the grip, or the keyboard) or with the menu on each person. A latecomer
// the server placed carries a "new" badge (the group's `late` list in the room state) until a
// facilitator moves them or forms groups again.

import { html } from '../../vendor/preact.js';
import { app } from '../app.js';
import { t } from '../i18n.js';
import { dragSource, dropPlace } from '../ui/drag.js';
import { Avatar } from '../ui/kit.js';

/** @typedef {import('../protocol').Member} Member */

/**
 * @param {{ sets: { id: number, members: string[], late?: string[] }[], people: Member[],
 *   title: (id: number) => string, onMove: (member: string, to: number | undefined) => void,
 *   movable: boolean, extra?: (id: number) => any, kind: 'group' | 'team' }} props
 */
export function PeopleBoard({ sets, people, title, onMove, movable, extra, kind }) {
  const view = app.store.presence$();
  const byId = new Map(people.map((m) => [m.id, m]));
  const placed = new Set(sets.flatMap((s) => s.members));
  const latecomers = new Set(sets.flatMap((s) => s.late ?? []));
  const outside = people.filter((m) => !placed.has(m.id));
  /** @param {string} id @param {number | undefined} current */
  const chip = (id, current) => {
    const name = byId.get(id)?.name ?? t('who.someone');
    const here = view.online.has(id);
    const late = latecomers.has(id);
    return html`<li
      key=${id}
      class="member-chip ${here ? 'online' : 'offline'} ${late ? 'is-new' : ''}"
      data-member=${id}
      ...${dragSource({
        kind: `${kind}-person`,
        id,
        label: name,
        enabled: movable,
        onDrop: (place) => {
          const to = place === 'new' ? undefined : Number(place);
          if (to === undefined || to !== current) onMove(id, to);
        },
      })}
    >
      ${movable ? html`<span class="grip" aria-hidden="true">⋮⋮</span>` : null}
      <${Avatar} name=${name} id=${id} off=${!here} />
      <span class="member-name" dir="auto" title=${here ? name : `${name} (${t('presence.offline')})`}>${name}</span>
      ${late ? html`<span class="badge badge-new" data-testid="latecomer" title=${t(`${kind}s.new.title`)}>${t('groups.new')}</span>` : null}
      ${movable
        ? html`<select
            class="move-select"
            data-testid="move-select"
            aria-label=${t(`${kind}s.move_label`, { name })}
            title=${t(`${kind}s.move_label`, { name })}
            value=""
            onChange=${(/** @type {any} */ ev) => {
              const value = ev.target.value;
              if (value === 'new') onMove(id, undefined);
              else if (value && Number(value) !== current) onMove(id, Number(value));
            }}
          >
            <option value="">${current === undefined ? t('groups.place') : t('groups.move')}</option>
            ${sets.filter((s) => s.id !== current).map((s) => html`<option value=${s.id}>${t('groups.to', { name: title(s.id) })}</option>`)}
            <option value="new">${t(`${kind}s.to_new`)}</option>
          </select>`
        : null}
    </li>`;
  };
  return html`<div class="people-board">
    ${sets.length && outside.length
      ? html`<div class="loose-people" data-testid="ungrouped">
          <span class="muted small">${t(`${kind}s.outside`)}</span>
          <ul class="chips">${outside.map((m) => chip(m.id, undefined))}</ul>
        </div>`
      : null}
    ${sets.length
      ? html`<div class="group-cols" data-testid=${`${kind}s`}>
          ${sets.map(
            (set) => html`<section key=${set.id} class="group-col" data-group=${set.id} ...${dropPlace(`${kind}-person`, String(set.id), title(set.id))}>
              <h3 class="group-col-head"><span>${title(set.id)}</span><span class="chip">${set.members.length}</span></h3>
              ${extra?.(set.id)}
              <ul class="chips chips-column">
                ${set.members.length === 0 ? html`<li class="muted small">${t('team.empty')}</li>` : null}
                ${set.members.map((id) => chip(id, set.id))}
              </ul>
            </section>`,
          )}
          ${movable
            ? html`<div class="group-col group-col-new" data-testid="new-group-zone" ...${dropPlace(`${kind}-person`, 'new', t(`${kind}s.to_new`))}>
                <span>+ ${t(`${kind}s.to_new`)}</span>
                <span class="field-help">${t('groups.new_group.help')}</span>
              </div>`
            : null}
        </div>`
      : null}
  </div>`;
}
