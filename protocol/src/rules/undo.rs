//! Undo, built once for every undoable command: events carry resulting values, so the event
//! that undoes one is the same event with the value from before. The sender's entry records
//! those events; `undo` replays them as a new command that everyone sees.

use super::{Context, definitions, require_member};
use crate::command::Command;
use crate::event::Event;
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Area, Card, Cluster, Definition, Factor, Highlight, Note, RoomState, UndoEntry};

/// Appends to `events` the sender's undo entry for them, if they change anything undoable.
///
/// Returns false when the command continues the sender's last one on the same text (a writer's
/// commits while typing one sentence or card): the entry already on the stack restores the text
/// from before the whole edit, so nothing is pushed, and one undo takes back the whole edit.
pub(super) fn record(state: &RoomState, ctx: &Context, command: &Command, events: &mut Vec<Event>) -> bool {
    let Some(member_id) = ctx.actor.member else {
        return true;
    };
    // Each inverse restores the value from before the whole command; applied newest first,
    // the oldest value of every item wins.
    let restore: Vec<Event> = events.iter().rev().filter_map(|e| inverse(state, e)).collect();
    let kind = command.kind();
    let last = state.undo.get(&member_id).and_then(|stack| stack.last());
    let continues = matches!(command, Command::WriteDefinition { .. } | Command::WriteCard { .. })
        && last.is_some_and(|entry| entry.command == kind && same_targets(&entry.restore, &restore));
    if continues {
        return false;
    }
    if !restore.is_empty() {
        events.push(Event::UndoPushed { member_id, entry: UndoEntry { command: kind, restore } });
    }
    true
}

/// Whether two lists of restoring events put back the same texts (same definitions, cards).
fn same_targets(a: &[Event], b: &[Event]) -> bool {
    let target = |e: &Event| match e {
        Event::DefinitionChanged { group, .. } => Some(format!("definition {group}")),
        Event::CardSet { card } => Some(format!("card {}", card.id.0)),
        _ => None,
    };
    let (a, b): (Vec<_>, Vec<_>) =
        (a.iter().filter_map(target).collect(), b.iter().filter_map(target).collect());
    !a.is_empty() && a == b
}

/// The event that puts back what `event` changes, as `state` has it now.
fn inverse(state: &RoomState, event: &Event) -> Option<Event> {
    let factors = &state.experience.factors;
    let definitions = &state.definitions;
    Some(match event {
        Event::CheckinSet { member_id, .. } | Event::CheckinCleared { member_id } => {
            match state.checkins.get(member_id) {
                Some(old) => Event::CheckinSet { member_id: *member_id, checkin: old.clone() },
                None => Event::CheckinCleared { member_id: *member_id },
            }
        }
        Event::FactorSet { factor: Factor { id, .. } } | Event::FactorRemoved { id } => match factors.get(id)
        {
            Some(old) => Event::FactorSet { factor: old.clone() },
            None => Event::FactorRemoved { id: id.clone() },
        },
        Event::GroupsChanged { .. } => Event::GroupsChanged { groups: definitions.groups.clone() },
        Event::DefinitionChanged { group, .. } => {
            let old = definitions.texts.get(group).cloned().unwrap_or_else(Definition::default);
            Event::DefinitionChanged { group: *group, text: old.text, by: old.updated_by, at: old.updated_at }
        }
        Event::HighlightSet { highlight: Highlight { id, .. } } | Event::HighlightRemoved { id } => {
            match definitions.highlights.get(id) {
                Some(old) => Event::HighlightSet { highlight: old.clone() },
                None => Event::HighlightRemoved { id: id.clone() },
            }
        }
        Event::WorkingChanged { .. } => Event::WorkingChanged { text: definitions.working.clone() },
        Event::NoteSet { note: Note { id, .. } } | Event::NoteRemoved { id, .. } => {
            match state.wall.notes.get(id) {
                Some(old) => Event::NoteSet { note: old.clone() },
                None => {
                    let private_to = match event {
                        Event::NoteSet { note } if !note.revealed => Some(note.author),
                        _ => None,
                    };
                    Event::NoteRemoved { id: id.clone(), private_to }
                }
            }
        }
        Event::TeamsChanged { .. } => Event::TeamsChanged { teams: state.assessment.teams.clone() },
        Event::CardSet { card: Card { id, .. } } | Event::CardRemoved { id } => {
            match state.assessment.cards.get(id) {
                // The lease is not the author's to restore: the card comes back free.
                Some(old) => Event::CardSet { card: Card { lease: None, ..old.clone() } },
                None => Event::CardRemoved { id: id.clone() },
            }
        }
        Event::AreaSet { area: Area { id, .. } } | Event::AreaRemoved { id } => {
            match state.priorities.areas.get(id) {
                Some(old) => Event::AreaSet { area: old.clone() },
                None => Event::AreaRemoved { id: id.clone() },
            }
        }
        Event::TallyChanged { .. } => Event::TallyChanged { tally: state.priorities.tally.clone() },
        Event::RankingChanged { .. } => Event::RankingChanged {
            ranking: state.priorities.ranking.clone(),
            finalised: state.priorities.finalised,
        },
        Event::NotesPending { member_id, .. } => {
            let count = state.wall.pending.get(member_id).copied().unwrap_or(0);
            Event::NotesPending { member_id: *member_id, count }
        }
        Event::ClusterSet { cluster: Cluster { id, .. } } | Event::ClusterRemoved { id } => {
            match state.wall.clusters.get(id) {
                Some(old) => Event::ClusterSet { cluster: old.clone() },
                None => Event::ClusterRemoved { id: id.clone() },
            }
        }
        _ => return None,
    })
}

pub(super) fn undo(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "undo")?;
    let entry = state
        .undo
        .get(&me)
        .and_then(|stack| stack.last())
        .ok_or_else(|| Rejection::new(ErrorCode::Conflict, "nothing to undo"))?;
    let mut events = entry.restore.clone();
    events.push(Event::UndoPopped { member_id: me });
    definitions::with_common(state, events)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::Fixture;
    use crate::command::Command;
    use crate::ids::ItemId;
    use crate::messages::ErrorCode;

    fn add(id: &str, text: &str) -> Command {
        Command::AddFactor { id: ItemId(id.into()), text: text.into() }
    }

    #[test]
    fn undoing_a_merge_restores_both_cards_exactly() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::CallSpeaker { member_id: f.ana }).unwrap();
        f.by(f.fac, add("a", "trust")).unwrap();
        f.by(f.fac, Command::CallSpeaker { member_id: f.bo }).unwrap();
        f.by(f.fac, add("b", "they trusted me")).unwrap();
        let before = f.state.experience.factors.clone();
        f.by(f.fac, Command::MergeFactors { from: ItemId("b".into()), into: ItemId("a".into()) }).unwrap();
        assert_eq!(f.state.experience.factors.len(), 1);
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.experience.factors, before);
        assert_eq!(
            f.by(f.fac, Command::Undo).unwrap_err().code,
            ErrorCode::Conflict,
            "adding is not undoable"
        );
    }

    #[test]
    fn undoing_a_delete_and_a_regroup_and_an_edit_restores_them() {
        let mut f = Fixture::new();
        f.by(f.fac, add("a", "trust")).unwrap();
        f.by(f.fac, Command::DeleteFactor { id: ItemId("a".into()) }).unwrap();
        f.by(f.fac, Command::FormGroups).unwrap();
        let formed = f.state.definitions.groups.clone();
        f.by(f.fac, Command::MoveToGroup { member_id: f.ana, group: None }).unwrap();
        assert_ne!(f.state.definitions.groups, formed);

        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.definitions.groups, formed);
        f.by(f.fac, Command::Undo).unwrap();
        assert!(f.state.definitions.groups.is_empty());
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.experience.factors[&ItemId("a".into())].text, "trust");

        let g = {
            f.by(f.fac, Command::FormGroups).unwrap();
            f.state.group_of(f.ana).unwrap()
        };
        let write = |text: &str| Command::WriteDefinition { group: g, text: text.into(), release: false };
        f.by(f.ana, write("first")).unwrap();
        f.by(f.fac, Command::ClearTimer).unwrap();
        f.by(f.ana, Command::SetCheckin { contribute: "me".into(), get_out: String::new() }).unwrap();
        // Commits while typing one sentence are one edit: one undo takes it all back, and it
        // counts once in the participation panel.
        let before = f.state.contributions[&f.ana];
        for text in ["s", "se", "sec", "second"] {
            f.by(f.ana, write(text)).unwrap();
        }
        assert_eq!(f.state.contributions[&f.ana], before + 1);
        assert_eq!(f.state.undo[&f.ana].len(), 3, "first write, check-in, second edit");
        f.by(f.ana, Command::Undo).unwrap();
        assert_eq!(f.state.definitions.texts[&g].text, "first");
        assert_eq!(
            f.state.definitions.texts[&g].lease.map(|l| l.holder),
            Some(f.ana),
            "undo keeps the lease"
        );
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
        assert!(view.undo.keys().all(|id| *id == f.ana));
        assert!(f.state.view_for(None).undo.is_empty());
    }
}
