//! Undo and redo, built once for every undoable command. Events carry resulting values, so
//! what a command changed is the values of its events' targets before and after it. An entry
//! keeps both; undo puts `before` back, redo puts `after` back, each only while everything
//! still reads as the other (nobody changed it since), and only if the room is left with no
//! reference to something missing and no cap exceeded. Otherwise the answer is `conflict`,
//! naming who changed it, and nothing is changed. The room's own placing of a latecomer is no
//! one's change: it does not block an undo, and a latecomer (or, undoing or redoing a forming,
//! anyone present) the undo would leave out of every group or team is placed again.
//!
//! A member's entries live on their own stacks and only for the current step (moving between
//! steps empties every stack), so an undo never reaches what is not on screen.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Context, groups, require_member, teams};
use crate::event::{Event, untouched_by_undo};
use crate::ids::MemberId;
use crate::limits::{MAX_AREAS, MAX_CARDS, MAX_FACTORS, MAX_HIGHLIGHTS, MAX_NOTES, MAX_NOTES_PER_MEMBER};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Area, Card, Cluster, Factor, Highlight, Note, RoomState, Team, UndoEntry, VotePhase};

/// The current value of every distinct thing `events` set, in the order first set.
pub(super) fn values(state: &RoomState, events: &[Event]) -> Vec<Event> {
    let mut seen = BTreeSet::new();
    // At most one value per event: sized once, not grown from four.
    let mut values = Vec::with_capacity(events.len());
    values.extend(
        events
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                e.with_target(|key| {
                    // Only a later event can repeat a key: the last one's (a one-event command's
                    // only one) is not kept.
                    let first = !seen.contains(key);
                    if first && i + 1 < events.len() {
                        seen.insert(key.to_owned());
                    }
                    first
                })
                .unwrap_or(false)
            })
            .filter_map(|(_, e)| current(state, e)),
    );
    in_group_order(state, &mut values);
    values
}

/// Puts the `group.member` values among `values` in the order of the groups as they are (each
/// group's people in their order), so that an undo or redo of forming, which adds each person
/// at the end of their group, gives every group its names back in the order they had.
fn in_group_order(state: &RoomState, values: &mut [Event]) {
    let slots: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::GroupMember { .. }))
        .map(|(i, _)| i)
        .collect();
    if slots.len() < 2 {
        return;
    }
    let place = |event: &Event| match event {
        Event::GroupMember { member_id, group: Some(group), .. } => {
            let at = state
                .definitions
                .groups
                .get(group)
                .and_then(|g| g.members.iter().position(|m| m == member_id));
            (1, *group, at.unwrap_or(usize::MAX))
        }
        _ => (0, 0, 0),
    };
    let mut members: Vec<Event> = slots.iter().map(|i| values[*i].clone()).collect();
    members.sort_by_key(place);
    for (slot, event) in slots.into_iter().zip(members) {
        values[slot] = event;
    }
}

/// The entry for an undoable command whose change is `events`, given the values before it:
/// `None` when it changed nothing that undo could put back.
pub(super) fn entry(
    state: &RoomState,
    command: &'static str,
    before: Vec<Event>,
    events: &[Event],
) -> Option<Arc<UndoEntry>> {
    let after = values(state, events);
    (after != before && !after.is_empty())
        .then(|| Arc::new(UndoEntry { command: Cow::Borrowed(command), step: state.step, before, after }))
}

/// The event that sets `event`'s target to what it is in `state` now (or `None` for an event
/// undo does not touch). Exhaustive on purpose: a new event must say whether undo reaches it.
fn current(state: &RoomState, event: &Event) -> Option<Event> {
    let factors = &state.experience.factors;
    let definitions = &state.definitions;
    let teams = &state.assessment.teams;
    Some(match event {
        Event::CheckinSet { member_id, .. } | Event::CheckinCleared { member_id } => {
            match state.checkins.get(member_id) {
                Some(now) => Event::CheckinSet { member_id: *member_id, checkin: now.clone() },
                None => Event::CheckinCleared { member_id: *member_id },
            }
        }
        Event::FactorSet { factor: Factor { id, .. } } | Event::FactorRemoved { id } => match factors.get(id)
        {
            Some(now) => Event::FactorSet { factor: now.clone() },
            None => Event::FactorRemoved { id: id.clone() },
        },
        Event::GroupMember { member_id, .. } => Event::GroupMember {
            member_id: *member_id,
            group: state.group_of(*member_id),
            late: state.late_to_group(*member_id),
        },
        Event::HighlightSet { highlight: Highlight { id, .. } } | Event::HighlightRemoved { id } => {
            match definitions.highlights.get(id) {
                Some(now) => Event::HighlightSet { highlight: now.clone() },
                None => Event::HighlightRemoved { id: id.clone() },
            }
        }
        Event::WorkingChanged { .. } => Event::WorkingChanged { text: definitions.working.clone() },
        Event::NoteSet { note: Note { id, author, .. } }
        | Event::NoteRemoved { id, private_to: Some(author) } => {
            match state.wall.notes.get(id) {
                Some(now) => Event::NoteSet { note: now.clone() },
                None => {
                    // A note that is not there is private to its author if it never was public.
                    let private = matches!(event, Event::NoteSet { note } if !note.revealed)
                        || matches!(event, Event::NoteRemoved { private_to: Some(_), .. });
                    Event::NoteRemoved { id: id.clone(), private_to: private.then_some(*author) }
                }
            }
        }
        Event::NoteRemoved { id, private_to: None } => match state.wall.notes.get(id) {
            Some(now) => Event::NoteSet { note: now.clone() },
            None => Event::NoteRemoved { id: id.clone(), private_to: None },
        },
        // A move is undone as a move: its place only, so that undoing it keeps what someone
        // else wrote on the post-it since.
        Event::NoteMoved { id, .. } => match state.wall.notes.get(id) {
            Some(now) => {
                Event::NoteMoved { id: id.clone(), x: now.x, y: now.y, cluster: now.cluster.clone() }
            }
            None => Event::NoteRemoved { id: id.clone(), private_to: None },
        },
        Event::NotesPending { member_id, .. } => {
            let count = state.wall.pending.get(member_id).copied().unwrap_or(0);
            Event::NotesPending { member_id: *member_id, count }
        }
        Event::ClusterSet { cluster: Cluster { id, .. } } | Event::ClusterRemoved { id } => {
            match state.wall.clusters.get(id) {
                Some(now) => Event::ClusterSet { cluster: now.clone() },
                None => Event::ClusterRemoved { id: id.clone() },
            }
        }
        Event::TeamSet { team: Team { id, .. } } | Event::TeamRemoved { id } => match teams.get(id) {
            Some(now) => Event::TeamSet { team: now.clone() },
            None => Event::TeamRemoved { id: *id },
        },
        Event::TeamMember { member_id, .. } => Event::TeamMember {
            member_id: *member_id,
            team: state.team_of(*member_id),
            late: state.late_to_team(*member_id),
        },
        Event::TeamCluster { team, .. } => match teams.get(team) {
            Some(now) => Event::TeamCluster { team: *team, cluster: now.cluster.clone() },
            None => Event::TeamRemoved { id: *team },
        },
        Event::RatingSet { team, category, .. } => {
            let rating = teams.get(team).and_then(|t| t.ratings.get(usize::from(category.saturating_sub(1))));
            match rating {
                Some(rating) => Event::RatingSet { team: *team, category: *category, rating: *rating },
                None => Event::TeamRemoved { id: *team },
            }
        }
        Event::CardSet { card: Card { id, .. } } | Event::CardRemoved { id } => {
            match state.assessment.cards.get(id) {
                Some(now) => Event::CardSet { card: now.clone() },
                None => Event::CardRemoved { id: id.clone() },
            }
        }
        Event::AreaSet { area: Area { id, .. } } | Event::AreaRemoved { id } => {
            match state.priorities.areas.get(id) {
                Some(now) => Event::AreaSet { area: now.clone() },
                None => Event::AreaRemoved { id: id.clone() },
            }
        }
        Event::TallyChanged { .. } => Event::TallyChanged { tally: state.priorities.tally.clone() },
        Event::RankingChanged { .. } => Event::RankingChanged {
            ranking: state.priorities.ranking.clone(),
            finalised: state.priorities.finalised,
        },
        untouched_by_undo!() => return None,
    })
}

/// Whether `now` still reads as `expected`. A highlight is the same while its words are: its
/// positions follow the sentence as people type.
fn same(now: &Event, expected: &Event) -> bool {
    match (now, expected) {
        (Event::HighlightSet { highlight: a }, Event::HighlightSet { highlight: b })
            if a.anchor.is_some() =>
        {
            a.id == b.id && a.group == b.group && a.by == b.by && a.anchor == b.anchor
        }
        // Where the room itself placed a latecomer since (still marked new), nobody chose
        // anything: an undo of forming groups or teams again is not refused because someone
        // came back or joined since. Anyone's move clears the mark.
        (Event::GroupMember { late: true, .. }, Event::GroupMember { .. })
        | (Event::TeamMember { late: true, .. }, Event::TeamMember { .. }) => true,
        (Event::TeamSet { team: now }, Event::TeamSet { team: expected }) => {
            // Every field named: a new one must say how it compares.
            let Team { id, members, late, cluster, ratings } = now;
            let arrived = |m: &MemberId| late.contains(m) && !expected.members.contains(m);
            *id == expected.id
                && members.iter().filter(|m| !arrived(m)).eq(&expected.members)
                && late.iter().filter(|m| !arrived(m)).eq(&expected.late)
                && *cluster == expected.cluster
                && *ratings == expected.ratings
        }
        _ => now == expected,
    }
}

/// What the room does for latecomers once `wanted` is put back (applied to `after`, so that
/// each goes to the smallest group or team as it then is), as it does when someone comes:
/// - whoever it had placed (still marked new) and is left out of every group or team while
///   others are in one is placed again as a latecomer; so is whoever is here now, when what
///   is undone or redone is forming them (which would have placed them, had they been here);
/// - where no group is left that was formed (the undo of the first forming), the latecomers
///   placed in those groups leave them too: there are no groups to be late to.
fn place_latecomers_again(
    state: &RoomState,
    online: &BTreeSet<MemberId>,
    command: &str,
    after: &mut RoomState,
) -> Vec<Event> {
    let mut events = Vec::new();
    // A latecomer the room placed in a team this leaves as it is, and whom it puts back in
    // another, is only where it puts them.
    for member in state.members.keys().copied().filter(|m| state.late_to_team(*m)) {
        let Some(placed) = state.team_of(member) else { continue };
        let elsewhere =
            after.assessment.teams.values().any(|t| t.id != placed && t.members.contains(&member));
        if let Some(team) =
            after.assessment.teams.get(&placed).filter(|t| elsewhere && t.members.contains(&member))
        {
            let without = |people: &[MemberId]| people.iter().copied().filter(|m| *m != member).collect();
            let team = Team { members: without(&team.members), late: without(&team.late), ..team.clone() };
            let event = Event::TeamSet { team };
            after.apply_event(None, &event);
            events.push(event);
        }
    }
    let formed = after.definitions.groups.values().any(|g| g.members.iter().any(|m| !g.late.contains(m)));
    let teamed = after.assessment.teams.values().any(|t| t.members.iter().any(|m| !t.late.contains(m)));
    let forming_groups = command == "groups.form";
    let forming_teams = matches!(command, "teams.form" | "teams.from_groups");
    for member in state.members.keys().copied() {
        let here = !state.closed && online.contains(&member) && state.is_participant(member);
        let group = match after.group_of(member) {
            None if formed && (state.late_to_group(member) || forming_groups && here) => {
                groups::place_latecomer(after, member)
            }
            Some(_) if !formed => Some(Event::GroupMember { member_id: member, group: None, late: false }),
            _ => None,
        };
        let team = (teamed
            && after.team_of(member).is_none()
            && (state.late_to_team(member) || forming_teams && here))
            .then(|| teams::place_latecomer(after, member))
            .flatten();
        for event in [group, team].into_iter().flatten() {
            after.apply_event(None, &event);
            events.push(event);
        }
    }
    events
}

pub(super) fn undo(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "undo")?;
    let entry = top(state.undo.get(&me), state.step).ok_or_else(|| nothing("undo"))?;
    let mut events = restore(state, ctx, me, entry, true)?;
    events.push(Event::HistoryUndone { member_id: me });
    Ok(events)
}

pub(super) fn redo(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "redo")?;
    let entry = top(state.redo.get(&me), state.step).ok_or_else(|| nothing("redo"))?;
    let mut events = restore(state, ctx, me, entry, false)?;
    events.push(Event::HistoryRedone { member_id: me });
    Ok(events)
}

fn top(stack: Option<&Vec<Arc<UndoEntry>>>, step: u8) -> Option<&UndoEntry> {
    stack.and_then(|s| s.last()).map(Arc::as_ref).filter(|entry| entry.step == step)
}

fn nothing(what: &str) -> Rejection {
    Rejection::new(ErrorCode::Conflict, format!("nothing to {what} in this step"))
}

/// The events that set everything back from the entry's `after` to its `before` (an undo) or
/// the other way (a redo), if everything still reads as expected and the room is left whole.
fn restore(
    state: &RoomState,
    ctx: &Context,
    me: MemberId,
    entry: &UndoEntry,
    undo: bool,
) -> Result<Vec<Event>, Rejection> {
    let (expected, wanted, done) =
        if undo { (&entry.after, &entry.before, "undone") } else { (&entry.before, &entry.after, "redone") };
    for expect in expected {
        let now = current(state, expect);
        if !now.as_ref().is_some_and(|now| same(now, expect)) {
            let key = expect.target().unwrap_or_default();
            return Err(changed_since(state, me, &key, done));
        }
    }
    for event in wanted {
        if let Some(writer) = words_of_others(state, me, event) {
            return Err(Rejection::new(
                ErrorCode::Conflict,
                format!("{writer} wrote in this; nothing was {done}"),
            ));
        }
    }
    let before = violations(state);
    let mut after = state.clone();
    for event in wanted {
        after.apply_event(None, event);
    }
    let placed = place_latecomers_again(state, ctx.online, &entry.command, &mut after);
    // As a delete is: the areas people are placing their dots on stay while the vote is open.
    if state.priorities.phase == VotePhase::Open
        && state.priorities.areas.keys().any(|id| !after.priorities.areas.contains_key(id))
    {
        return Err(Rejection::new(
            ErrorCode::Conflict,
            format!("areas stay while the vote is open; nothing was {done}"),
        ));
    }
    let new: Vec<(String, String)> = violations(&after).difference(&before).cloned().collect();
    if let Some((key, what)) = new.first() {
        // A cap has no key; what is at fault otherwise reads as what someone did since.
        let by = state.book.touched.get(key).copied();
        let message = match by.map(|by| (by, state.member(by))) {
            _ if key.is_empty() => format!("this would leave {what}; nothing was {done}"),
            Some((by, _)) if by == me => format!("you {what} since; nothing was {done}"),
            Some((_, Some(member))) => format!("{} {what} since; nothing was {done}", member.name),
            _ => format!("someone {what} since; nothing was {done}"),
        };
        return Err(Rejection::new(ErrorCode::Conflict, message));
    }
    // A highlight put back sits where its anchors are in the sentence now (which may have
    // changed since it was taken away), not where it was then.
    let mut events: Vec<Event> = wanted
        .iter()
        .map(|event| match event {
            Event::HighlightSet { highlight } if highlight.anchor.is_some() => {
                after.reanchor(highlight.group);
                let now = after.definitions.highlights.get(&highlight.id).unwrap_or(highlight);
                Event::HighlightSet { highlight: now.clone() }
            }
            other => other.clone(),
        })
        .collect();
    events.extend(placed);
    Ok(events)
}

/// Who else wrote in the text of the card, key factor or area that `event` would take away,
/// if anyone did: their words would go with it. (A text keeps who wrote in it, not when, so
/// this holds for words written before the change being undone as well.)
fn words_of_others<'a>(state: &'a RoomState, me: MemberId, event: &Event) -> Option<&'a str> {
    let there = match event {
        Event::CardRemoved { id } => state.assessment.cards.contains_key(id),
        Event::FactorRemoved { id } => state.experience.factors.contains_key(id),
        Event::AreaRemoved { id } => state.priorities.areas.contains_key(id),
        _ => false,
    };
    if !there {
        return None;
    }
    // A card's, factor's or area's text is kept under the same key as the item.
    let text = event.with_target(|key| state.texts.get(key)).flatten()?;
    let other = text.editors.iter().find(|by| **by != me)?;
    Some(state.member(*other).map_or("someone else", |m| m.name.as_str()))
}

fn changed_since(state: &RoomState, me: MemberId, key: &str, done: &str) -> Rejection {
    let message = match state.book.touched.get(key).filter(|by| **by != me).and_then(|by| state.member(*by)) {
        Some(member) => format!("{} changed this since; nothing was {done}", member.name),
        None => format!("this changed since; nothing was {done}"),
    };
    Rejection::new(ErrorCode::Conflict, message)
}

/// What is wrong in the room: a reference to something missing, or a cap exceeded. Each is the
/// target key of the thing at fault and what it is, for the message. The forward rules never
/// leave any; undo and redo refuse to add one.
fn violations(state: &RoomState) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let clusters = &state.wall.clusters;
    for note in state.wall.notes.values() {
        if note.cluster.as_ref().is_some_and(|c| !clusters.contains_key(c)) {
            out.insert((format!("note:{}", note.id.0), "put a post-it in this cluster".to_owned()));
        }
    }
    for team in state.assessment.teams.values() {
        if team.cluster.as_ref().is_some_and(|c| !clusters.contains_key(c)) {
            out.insert((format!("team-cluster:{}", team.id), "chose this client type".to_owned()));
        }
    }
    for card in state.assessment.cards.values() {
        if !state.assessment.teams.contains_key(&card.team) {
            out.insert((format!("card:{}", card.id.0), "wrote a card for this team".to_owned()));
        }
    }
    if let Some(team) = state.priorities.presenting
        && !state.assessment.teams.contains_key(&team)
    {
        out.insert(("presenting".to_owned(), "put this team up to present".to_owned()));
    }
    let areas = &state.priorities.areas;
    for area in areas.values() {
        if area.from_card.as_ref().is_some_and(|c| !state.assessment.cards.contains_key(c)) {
            out.insert((format!("area:{}", area.id.0), "made an area from this card".to_owned()));
        }
    }
    if state.priorities.ranking.iter().any(|id| !areas.contains_key(id)) {
        out.insert(("ranking".to_owned(), "ranked this area".to_owned()));
    }
    if state.priorities.tally.keys().any(|id| !areas.contains_key(id)) {
        out.insert(("tally".to_owned(), "counted votes on this area".to_owned()));
    }
    let mut teamed = BTreeSet::new();
    for team in state.assessment.teams.values() {
        for member in &team.members {
            if !teamed.insert(*member) {
                out.insert((format!("team-of:{member}"), "put this person in a team".to_owned()));
            }
        }
    }
    let caps = [
        (state.wall.notes.len() > MAX_NOTES, "post-its"),
        (state.experience.factors.len() > MAX_FACTORS, "key factors"),
        (state.assessment.cards.len() > MAX_CARDS, "cards"),
        (areas.len() > MAX_AREAS, "areas"),
        (state.definitions.highlights.len() > MAX_HIGHLIGHTS, "highlights"),
    ];
    for (over, what) in caps {
        if over {
            out.insert((String::new(), format!("more {what} than the room holds")));
        }
    }
    for member in state.members.keys() {
        if state.wall.notes.values().filter(|n| n.author == *member).count() > MAX_NOTES_PER_MEMBER {
            out.insert((String::new(), "more post-its than one person may write".to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::super::testkit::{Fixture, member_id};
    use crate::command::{Command, DropTarget};
    use crate::ids::{GroupId, ItemId, MemberId};
    use crate::messages::ErrorCode;
    use crate::state::{Column, MemberRole};

    fn id(s: &str) -> ItemId {
        ItemId(s.into())
    }

    /// The fixture's room with `count` more participants, all here.
    fn with_someones(count: u128) -> Fixture {
        let mut f = Fixture::new();
        for n in 20..20 + count {
            f.add(member_id(n), "Someone", MemberRole::Participant);
        }
        f
    }

    fn add(id: &str, text: &str) -> Command {
        Command::AddFactor { id: ItemId(id.into()), text: text.into() }
    }

    #[test]
    fn undoing_a_merge_restores_both_cards_exactly_and_redo_merges_again() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::SetStep { step: 2 }).unwrap();
        f.by(f.fac, Command::CallSpeaker { member_id: f.ana }).unwrap();
        f.by(f.fac, add("a", "trust")).unwrap();
        f.by(f.fac, Command::CallSpeaker { member_id: f.bo }).unwrap();
        f.by(f.fac, add("b", "they trusted me")).unwrap();
        let before = f.state.experience.factors.clone();
        f.by(f.fac, Command::MergeFactors { from: id("b"), into: id("a") }).unwrap();
        let merged = f.state.experience.factors.clone();
        assert_eq!(merged.len(), 1);
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.experience.factors, before);
        f.by(f.fac, Command::Redo).unwrap();
        assert_eq!(f.state.experience.factors, merged);
        f.by(f.fac, Command::Undo).unwrap();
        f.by(f.fac, Command::Undo).unwrap();
        assert!(!f.state.experience.factors.contains_key(&id("b")), "adding is undone too");
    }

    #[test]
    fn undo_reaches_only_the_current_step() {
        let mut f = Fixture::new();
        f.by(f.ana, Command::SetCheckin { contribute: "me".into(), get_out: "you".into() }).unwrap();
        assert_eq!(f.state.undo[&f.ana].last().unwrap().command, "checkin.set");
        f.by(f.fac, Command::SetStep { step: 2 }).unwrap();
        assert!(f.state.undo.is_empty(), "moving on empties every stack");
        let err = f.by(f.ana, Command::Undo).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert!(f.state.checkins.contains_key(&f.ana), "the step 1 check-in stays");
        f.by(f.fac, Command::SetStep { step: 1 }).unwrap();
        assert_eq!(
            f.by(f.ana, Command::Undo).unwrap_err().code,
            ErrorCode::Conflict,
            "not even back in step 1"
        );
    }

    #[test]
    fn undoing_groups_formed_again_puts_back_a_latecomer_the_room_placed_since() {
        let mut f = Fixture::new();
        let cy = member_id(16);
        f.add(cy, "Cy", MemberRole::Participant);
        for n in 20..24 {
            f.add(member_id(n), "Someone", MemberRole::Participant);
        }
        f.by(f.fac, Command::FormGroups).unwrap();
        let grouping = |f: &Fixture| -> Vec<(MemberId, Option<GroupId>)> {
            f.state.members.keys().map(|m| (*m, f.state.group_of(*m))).collect()
        };
        let first = grouping(&f);
        // Cy drops out; the facilitator forms the groups again without them, then Cy comes
        // back and the room places them as a latecomer.
        f.online.remove(&cy);
        f.by(f.fac, Command::FormGroups).unwrap();
        assert_eq!(f.state.group_of(cy), None);
        f.online.insert(cy);
        crate::rules::rejoin(&mut f.state, cy).expect("placed on return");
        assert!(f.state.late_to_group(cy));
        // The second forming was the slip: undo brings back the first groups, Cy included.
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(grouping(&f), first);
        assert!(!f.state.late_to_group(cy));
        // Redo forms them again as the facilitator did (Cy out), and Cy, who is here, is
        // placed in them as a latecomer, as on a return.
        f.by(f.fac, Command::Redo).unwrap();
        assert!(f.state.late_to_group(cy));

        // A latecomer someone has placed since is theirs: that still blocks the undo.
        let co = member_id(30);
        f.add(co, "Co", MemberRole::Facilitator);
        let there = f.state.group_of(cy).unwrap();
        let other = f.state.definitions.groups.keys().copied().find(|g| *g != there).unwrap();
        f.by(co, Command::MoveToGroup { member_id: cy, group: Some(other) }).unwrap();
        let err = f.by(f.fac, Command::Undo).unwrap_err();
        assert_eq!(err.message, "Co changed this since; nothing was undone");
        assert_eq!(f.state.group_of(cy), Some(other));
    }

    #[test]
    fn undoing_a_forming_gives_each_group_its_names_back_in_their_order() {
        let mut f = with_someones(6);
        f.by(f.fac, Command::FormGroups).unwrap();
        let first = f.state.definitions.groups.clone();
        f.seed += 1;
        f.by(f.fac, Command::FormGroups).unwrap();
        let second = f.state.definitions.groups.clone();
        assert_ne!(second, first, "formed anew");
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.definitions.groups, first);
        f.by(f.fac, Command::Redo).unwrap();
        assert_eq!(f.state.definitions.groups, second);
    }

    #[test]
    fn undoing_the_first_forming_takes_its_latecomers_out_and_a_redo_places_them_again() {
        let mut f = with_someones(4);
        f.by(f.fac, Command::FormGroups).unwrap();
        let dee = member_id(40);
        f.add(dee, "Dee", MemberRole::Participant);
        assert!(f.state.late_to_group(dee), "placed on arrival");
        // Forming was the slip: no groups at all, not Dee alone in one.
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.definitions.groups, BTreeMap::new());
        // Forming again as it was, with Dee, who is here, placed in the smallest group as new.
        f.by(f.fac, Command::Redo).unwrap();
        assert!(f.state.late_to_group(dee));
        assert!(f.state.participants().iter().all(|m| f.state.group_of(*m).is_some()));
        let sizes: BTreeSet<usize> = f.state.definitions.groups.values().map(|g| g.members.len()).collect();
        assert!(sizes.last().unwrap() - sizes.first().unwrap() <= 1, "balanced: {sizes:?}");
    }

    #[test]
    fn undoing_teams_formed_again_puts_someone_who_came_back_in_one_team_only() {
        let mut f = Fixture::new();
        let people: Vec<MemberId> = (20..24).map(member_id).collect();
        let [cy, dee, eve, fay] = people[..] else { unreachable!() };
        for (m, name) in people.iter().zip(["Cy", "Dee", "Eve", "Fay"]) {
            f.add(*m, name, MemberRole::Participant);
        }
        let size = Command::UpdateSettings {
            title: None,
            organisation: None,
            lens: None,
            language: None,
            group_size: Some(2),
        };
        f.by(f.fac, size).unwrap();
        // Teams 1 {Ana, Bo, Fay}, 2 {Cy, Dee}, 3 {Eve}, as the facilitator made them.
        let placing =
            [(f.ana, None), (f.bo, Some(1)), (fay, Some(1)), (cy, None), (dee, Some(2)), (eve, None)];
        for (member_id, team) in placing {
            f.by(f.fac, Command::MoveToTeam { member_id, team }).unwrap();
        }
        let first = f.state.assessment.teams.clone();
        // Dee drops out and the teams are formed again; a forming that leaves team 3 as it was
        // (its events do not touch it) is the case at hand.
        f.online.remove(&dee);
        let start = f.state.clone();
        (f.seed, f.state) = (0..200)
            .find_map(|seed| {
                let (fac, ana, bo, online, now) = (f.fac, f.ana, f.bo, f.online.clone(), f.now);
                let mut g = Fixture { state: start.clone(), fac, ana, bo, online, now, seed };
                g.by(g.fac, Command::FormTeams).unwrap();
                (g.state.assessment.teams[&3] == first[&3]).then_some((seed, g.state))
            })
            .expect("a forming that keeps team 3");
        // Dee comes back and is placed in the smallest team: team 3, which the forming kept.
        f.online.insert(dee);
        crate::rules::rejoin(&mut f.state, dee).expect("placed on return");
        assert_eq!(f.state.team_of(dee), Some(3));
        // The forming was the slip: the first teams come back, with Dee in team 2 only.
        f.by(f.fac, Command::Undo).unwrap();
        let teams: Vec<Vec<MemberId>> =
            f.state.assessment.teams.values().map(|t| t.members.clone()).collect();
        let was: Vec<Vec<MemberId>> = first.values().map(|t| t.members.clone()).collect();
        assert_eq!(teams, was);
    }

    #[test]
    fn undoing_teams_formed_again_keeps_a_latecomer_who_joined_since_in_a_team() {
        let mut f = with_someones(4);
        f.by(f.fac, Command::FormTeams).unwrap();
        let first = f.state.assessment.teams.clone();
        f.seed += 1;
        f.by(f.fac, Command::FormTeams).unwrap();
        assert_ne!(f.state.assessment.teams, first, "formed anew");
        let dee = member_id(40);
        f.add(dee, "Dee", MemberRole::Participant);
        assert!(f.state.late_to_team(dee), "placed on arrival");
        // The second forming was the slip: the first teams come back, and Dee, who was in
        // none of them, is placed in the smallest again, still marked new.
        f.by(f.fac, Command::Undo).unwrap();
        let team = f.state.team_of(dee).expect("Dee keeps a team");
        assert!(f.state.late_to_team(dee));
        for (id, before) in &first {
            let now = &f.state.assessment.teams[id];
            let others: Vec<&MemberId> = now.members.iter().filter(|m| **m != dee).collect();
            assert_eq!(others, before.members.iter().collect::<Vec<_>>(), "team {id} as it was");
        }
        assert_eq!(
            f.state.assessment.teams[&team].members.len(),
            first.values().map(|t| t.members.len()).min().unwrap() + 1,
            "in the smallest"
        );
    }

    #[test]
    fn an_undo_never_overwrites_someone_elses_later_write() {
        let mut f = Fixture::new();
        f.by(f.ana, Command::SetCheckin { contribute: "mine".into(), get_out: String::new() }).unwrap();
        f.by(f.fac, Command::SetCheckin { contribute: "fac".into(), get_out: String::new() }).unwrap();
        // The facilitator edits Ana's check-in away; Ana's undo of her own check-in must not
        // clobber what the facilitator did since.
        f.by(f.fac, Command::ClearCheckin { member_id: f.ana }).unwrap();
        let err = f.by(f.ana, Command::Undo).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.message, "Fa changed this since; nothing was undone");
        assert!(!f.state.checkins.contains_key(&f.ana));
    }

    #[test]
    fn undoing_a_team_move_leaves_a_later_rating_alone() {
        let mut f = Fixture::new();
        f.add(member_id(4), "Cy", MemberRole::Participant);
        f.by(f.fac, Command::SetStep { step: 5 }).unwrap();
        f.by(f.fac, Command::FormTeams).unwrap();
        let cy = member_id(4);
        let before = f.state.team_of(f.ana);
        f.by(f.fac, Command::MoveToTeam { member_id: f.ana, team: None }).unwrap();
        let cy_team = f.state.team_of(cy).unwrap();
        f.by(cy, Command::SetRating { team: cy_team, category: 2, rating: 4 }).unwrap();
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.team_of(f.ana), before);
        assert_eq!(f.state.assessment.teams[&cy_team].ratings[1], 4, "the rating stays");
    }

    #[test]
    fn undoing_a_move_puts_the_post_it_back_and_keeps_what_was_written_on_it_since() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::SetStep { step: 4 }).unwrap();
        let n1 = id(&format!("{}:n1", f.ana));
        f.by(f.ana, Command::AddNote { id: n1.clone(), text: "help me grow".into() }).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        let (x, y) = (f.state.wall.notes[&n1].x, f.state.wall.notes[&n1].y);
        f.by(f.ana, Command::DropNote { id: n1.clone(), x: 700, y: 300, onto: None, seen: None }).unwrap();
        f.by(f.fac, Command::EditNote { id: n1.clone(), text: "help me grow abroad".into() }).unwrap();
        f.by(f.ana, Command::Undo).unwrap();
        let note = &f.state.wall.notes[&n1];
        assert_eq!((note.x, note.y), (x, y), "back where it was");
        assert_eq!(note.text, "help me grow abroad", "the facilitator's words stay");
        f.by(f.ana, Command::Redo).unwrap();
        assert_eq!((f.state.wall.notes[&n1].x, f.state.wall.notes[&n1].y), (700, 300));
    }

    #[test]
    fn undo_refuses_to_leave_a_post_it_in_a_cluster_that_is_gone() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::SetStep { step: 4 }).unwrap();
        let (n1, n2, n3) =
            (id(&format!("{}:n1", f.ana)), id(&format!("{}:n2", f.ana)), id(&format!("{}:n3", f.bo)));
        for (who, note) in [(f.ana, &n1), (f.ana, &n2), (f.bo, &n3)] {
            f.by(who, Command::AddNote { id: note.clone(), text: format!("help {}", note.0) }).unwrap();
        }
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        let onto = Some(DropTarget::Note { id: n2.clone(), new_cluster: id("k") });
        f.by(f.ana, Command::DropNote { id: n1.clone(), x: 10, y: 10, onto, seen: None }).unwrap();
        let into = Some(DropTarget::Cluster { id: id("k") });
        f.by(f.bo, Command::DropNote { id: n3.clone(), x: 20, y: 20, onto: into, seen: None }).unwrap();
        let err = f.by(f.ana, Command::Undo).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.message, "Bo put a post-it in this cluster since; nothing was undone");
        assert!(f.state.wall.clusters.contains_key(&id("k")));
        assert_eq!(f.state.wall.notes[&n3].cluster, Some(id("k")));
    }

    #[test]
    fn undoing_a_card_delete_brings_it_back_with_its_text() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::SetStep { step: 5 }).unwrap();
        f.by(f.fac, Command::FormTeams).unwrap();
        let team = f.state.team_of(f.ana).unwrap();
        let add = Command::AddCard {
            id: id("c1"),
            team,
            category: 1,
            column: Column::Succeeded,
            text: "We asked".into(),
        };
        f.by(f.ana, add).unwrap();
        f.by(f.ana, Command::DeleteCard { id: id("c1") }).unwrap();
        assert_eq!(
            f.by(f.ana, Command::MoveCard { id: id("c1"), category: 2, column: Column::Failed })
                .unwrap_err()
                .code,
            ErrorCode::Gone
        );
        f.by(f.ana, Command::Undo).unwrap();
        assert!(f.state.assessment.cards.contains_key(&id("c1")));
        assert_eq!(f.state.text_of(&crate::shared::TextTarget::Card { id: id("c1") }), "We asked");
    }

    #[test]
    fn each_member_undoes_only_their_own_and_sees_only_their_own_stack() {
        let mut f = Fixture::new();
        f.by(f.ana, Command::SetCheckin { contribute: "a".into(), get_out: "b".into() }).unwrap();
        f.by(f.bo, Command::SetCheckin { contribute: "c".into(), get_out: "d".into() }).unwrap();
        f.by(f.ana, Command::Undo).unwrap();
        assert!(!f.state.checkins.contains_key(&f.ana));
        assert!(f.state.checkins.contains_key(&f.bo));
        let view = f.state.view_for(Some(f.ana));
        assert!(view.undo.keys().chain(view.redo.keys()).all(|id| *id == f.ana));
        assert!(f.state.view_for(None).undo.is_empty());
    }

    /// What a browser with Yjs client `client` sends when it adds `chunk` at the end of the
    /// room's copy of `target`.
    fn appended(f: &Fixture, target: crate::shared::TextTarget, client: u64, chunk: &str) -> Command {
        use yrs::updates::decoder::Decode;
        use yrs::{Doc, GetString, Text, Transact, Update};
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::with_client_id(yrs::block::ClientID::new(client))
        });
        let text = doc.get_or_insert_text(crate::shared::TEXT_NAME);
        let room = f.state.texts.get(&target.key()).expect("the text is there");
        doc.transact_mut()
            .apply_update(Update::decode_v1(&room.doc.encode()).expect("decodes"))
            .expect("applies");
        let mut txn = doc.transact_mut();
        let end = text.get_string(&txn).encode_utf16().count() as u32;
        text.insert(&mut txn, end, chunk);
        Command::EditText { target, update: crate::shared::encode_base64(&txn.encode_update_v1()) }
    }

    #[test]
    fn undoing_an_add_keeps_the_words_someone_else_wrote_in_it_since() {
        let mut f = Fixture::new();
        let area = |a: &str| Command::AddArea { id: id(a), text: "Listen better".into(), from_card: None };
        let target = |a: &str| crate::shared::TextTarget::Area { id: id(a) };
        f.by(f.ana, area("a1")).unwrap();
        f.by(f.bo, appended(&f, target("a1"), 300, " to every client")).unwrap();
        let err = f.by(f.ana, Command::Undo).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.message, "Bo wrote in this; nothing was undone");
        assert_eq!(f.state.text_of(&target("a1")), "Listen better to every client");
        // Her own words alone go with an undo, as before.
        f.by(f.ana, area("a2")).unwrap();
        f.by(f.ana, appended(&f, target("a2"), 200, ", always")).unwrap();
        f.by(f.ana, Command::Undo).unwrap();
        assert!(!f.state.priorities.areas.contains_key(&id("a2")));
    }

    #[test]
    fn undo_keeps_the_areas_of_an_open_vote_as_a_delete_does() {
        let mut f = Fixture::new();
        f.by(f.ana, Command::AddArea { id: id("a1"), text: "Listen better".into(), from_card: None })
            .unwrap();
        f.by(f.bo, Command::AddArea { id: id("b1"), text: "Call back".into(), from_card: None }).unwrap();
        f.by(f.fac, Command::OpenVote { dots: 2 }).unwrap();
        f.by(f.bo, Command::SetVote { area: id("a1"), dots: 2 }).unwrap();
        let err = f.by(f.ana, Command::Undo).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.message, "areas stay while the vote is open; nothing was undone");
        assert!(f.state.priorities.areas.contains_key(&id("a1")));
        assert_eq!(f.state.priorities.votes[&f.bo][&id("a1")], 2, "Bo's dots stay where he put them");
        f.by(f.fac, Command::CloseVote).unwrap();
        assert_eq!(f.state.priorities.tally[&id("a1")], 2);
    }
}
