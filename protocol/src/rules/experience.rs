//! Step 2: the speaker queue and the key-factors whiteboard.
//!
//! The facilitator, or a scribe they appoint, runs the queue and writes the cards; when the
//! facilitator opens the board, every participant may add cards and edit or delete their own.

use super::{Context, Rng, missing, require_facilitator, require_member, texts};
use crate::event::Event;
use crate::ids::{ItemId, MemberId};
use crate::limits::{MAX_FACTOR_CHARS, MAX_FACTORS};
use crate::messages::{ErrorCode, Rejection};
use crate::shared::TextTarget;
use crate::state::{Factor, Role, RoomState, SpeakerQueue};
use crate::text::{Lines, clean_required};

/// Facilitators and the scribe run the queue and the board.
fn require_runner(state: &RoomState, ctx: &Context, what: &str) -> Result<MemberId, Rejection> {
    let me = require_member(state, ctx, what)?;
    if ctx.actor.role == Role::Facilitator || state.experience.scribe == Some(me) {
        Ok(me)
    } else {
        Err(Rejection::forbidden(what))
    }
}

/// The queue as it should read: participants only, each once, everyone else appended in
/// joining order so that nobody is left out.
fn complete(state: &RoomState, order: &[MemberId]) -> Vec<MemberId> {
    let mut out: Vec<MemberId> = Vec::new();
    for id in order.iter().chain(state.participants().iter()) {
        if state.is_participant(*id) && !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

fn queue_event(queue: SpeakerQueue) -> Vec<Event> {
    vec![Event::QueueChanged { queue }]
}

pub(super) fn set_queue(
    state: &RoomState,
    ctx: &Context,
    order: &[MemberId],
) -> Result<Vec<Event>, Rejection> {
    require_runner(state, ctx, "reorder the speaker queue")?;
    if let Some(stranger) = order.iter().find(|id| !state.is_participant(**id)) {
        return Err(Rejection::new(ErrorCode::NotFound, format!("{stranger} is not a participant")));
    }
    let queue = SpeakerQueue { order: complete(state, order), ..state.experience.queue.clone() };
    Ok(queue_event(queue))
}

pub(super) fn shuffle_queue(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_runner(state, ctx, "shuffle the speaker queue")?;
    let mut order = complete(state, &[]);
    Rng::new(ctx.seed).shuffle(&mut order);
    Ok(queue_event(SpeakerQueue { order, ..state.experience.queue.clone() }))
}

/// Marks the current speaker as spoken and makes `next` current.
fn hand_over(state: &RoomState, next: Option<MemberId>) -> SpeakerQueue {
    let old = &state.experience.queue;
    let mut spoken = old.spoken.clone();
    if let Some(current) = old.current
        && !spoken.contains(&current)
    {
        spoken.push(current);
    }
    SpeakerQueue { order: complete(state, &old.order), current: next, spoken }
}

pub(super) fn next_speaker(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_runner(state, ctx, "call the next speaker")?;
    let queue = &state.experience.queue;
    let next = complete(state, &queue.order)
        .into_iter()
        .find(|id| Some(*id) != queue.current && !queue.spoken.contains(id));
    Ok(queue_event(hand_over(state, next)))
}

pub(super) fn call_speaker(
    state: &RoomState,
    ctx: &Context,
    member: MemberId,
) -> Result<Vec<Event>, Rejection> {
    require_runner(state, ctx, "call a speaker")?;
    if !state.is_participant(member) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such participant"));
    }
    let mut queue = hand_over(state, Some(member));
    queue.spoken.retain(|id| *id != member);
    Ok(queue_event(queue))
}

pub(super) fn set_scribe(
    state: &RoomState,
    ctx: &Context,
    member: Option<MemberId>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "appoint the scribe")?;
    if let Some(id) = member
        && !state.is_participant(id)
    {
        return Err(Rejection::new(ErrorCode::NotFound, "no such participant"));
    }
    Ok(vec![Event::ScribeChanged { scribe: member }])
}

pub(super) fn open_factors(ctx: &Context, open: bool) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "open the board")?;
    Ok(vec![Event::FactorsOpened { open }])
}

/// Who may write cards now: runners always, participants when the board is open.
fn require_writer(state: &RoomState, ctx: &Context) -> Result<MemberId, Rejection> {
    if state.experience.open {
        require_member(state, ctx, "write key factors")
    } else {
        require_runner(state, ctx, "write key factors while the board is closed")
    }
}

/// The card, if this sender may change it: runners any card, others their own on an open board.
pub(super) fn editable<'s>(state: &'s RoomState, ctx: &Context, id: &ItemId) -> Result<&'s Factor, Rejection> {
    let me = require_writer(state, ctx)?;
    let factor = state.experience.factors.get(id).ok_or_else(|| missing(state, id, "card"))?;
    let runner = ctx.actor.role == Role::Facilitator || state.experience.scribe == Some(me);
    if !runner && factor.created_by != me {
        return Err(Rejection::forbidden("change someone else's card"));
    }
    Ok(factor)
}

pub(super) fn add_factor(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    text: &str,
) -> Result<Vec<Event>, Rejection> {
    let me = require_writer(state, ctx)?;
    if !id.is_valid() {
        return Err(Rejection::new(ErrorCode::BadRequest, "a card id is 1-64 printable ASCII characters"));
    }
    if state.experience.factors.contains_key(id) {
        return Err(Rejection::new(ErrorCode::Conflict, "a card with this id exists"));
    }
    if state.experience.factors.len() >= MAX_FACTORS {
        return Err(Rejection::new(
            ErrorCode::LimitReached,
            format!("the board holds {MAX_FACTORS} cards at most"),
        ));
    }
    let text = clean_required("the card", text, MAX_FACTOR_CHARS, Lines::One)?;
    let first = texts::start(state, ctx, &TextTarget::Factor { id: id.clone() }, &text)?;
    let factor = Factor {
        id: id.clone(),
        mentions: 1,
        speakers: state.experience.queue.current.into_iter().collect(),
        created_by: me,
        created_at: ctx.now,
    };
    let mut events = vec![Event::FactorSet { factor }];
    events.extend(first);
    Ok(events)
}

pub(super) fn delete_factor(state: &RoomState, ctx: &Context, id: &ItemId) -> Result<Vec<Event>, Rejection> {
    editable(state, ctx, id)?;
    Ok(vec![Event::FactorRemoved { id: id.clone() }])
}

pub(super) fn merge_factors(
    state: &RoomState,
    ctx: &Context,
    from: &ItemId,
    into: &ItemId,
) -> Result<Vec<Event>, Rejection> {
    require_runner(state, ctx, "merge cards")?;
    if from == into {
        return Err(Rejection::new(ErrorCode::BadRequest, "a card cannot be merged into itself"));
    }
    let source = state.experience.factors.get(from).ok_or_else(|| missing(state, from, "card"))?;
    let target = state.experience.factors.get(into).ok_or_else(|| missing(state, into, "card"))?;
    let mut merged = target.clone();
    merged.mentions = target.mentions.saturating_add(source.mentions);
    for speaker in &source.speakers {
        if !merged.speakers.contains(speaker) {
            merged.speakers.push(*speaker);
        }
    }
    Ok(vec![Event::FactorRemoved { id: from.clone() }, Event::FactorSet { factor: merged }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, member_id};
    use crate::command::Command;
    use crate::ids::ItemId;
    use crate::messages::ErrorCode;
    use crate::shared::TextTarget;
    use crate::state::MemberRole;

    fn add(id: &str, text: &str) -> Command {
        Command::AddFactor { id: ItemId(id.into()), text: text.into() }
    }

    #[test]
    fn the_queue_calls_everyone_once_in_order_and_marks_who_has_spoken() {
        let mut f = Fixture::new();
        let cy = member_id(4);
        f.add(cy, "Cy", MemberRole::Participant);
        f.by(f.fac, Command::SetQueue { order: vec![cy, f.ana] }).unwrap();
        assert_eq!(f.state.experience.queue.order, vec![cy, f.ana, f.bo], "Bo is appended");

        let mut called = Vec::new();
        for _ in 0..3 {
            f.by(f.fac, Command::NextSpeaker).unwrap();
            called.push(f.state.experience.queue.current.unwrap());
        }
        assert_eq!(called, vec![cy, f.ana, f.bo]);
        f.by(f.fac, Command::NextSpeaker).unwrap();
        assert_eq!(f.state.experience.queue.current, None);
        assert_eq!(f.state.experience.queue.spoken, vec![cy, f.ana, f.bo]);

        // Calling someone who spoke gives them the floor again.
        f.by(f.fac, Command::CallSpeaker { member_id: f.ana }).unwrap();
        assert_eq!(f.state.experience.queue.current, Some(f.ana));
        assert!(!f.state.experience.queue.spoken.contains(&f.ana));
    }

    #[test]
    fn shuffling_is_a_permutation_decided_by_the_seed() {
        let mut f = Fixture::new();
        for n in 10..20 {
            f.add(member_id(n), "p", MemberRole::Participant);
        }
        f.by(f.fac, Command::ShuffleQueue).unwrap();
        let first = f.state.experience.queue.order.clone();
        let mut sorted = first.clone();
        sorted.sort();
        let mut everyone = f.state.participants();
        everyone.sort();
        assert_eq!(sorted, everyone);
        assert_ne!(first, f.state.participants(), "12 people in joining order after a shuffle is unlikely");
        f.seed = 8;
        f.by(f.fac, Command::ShuffleQueue).unwrap();
        assert_ne!(f.state.experience.queue.order, first);
    }

    #[test]
    fn only_facilitators_and_the_scribe_run_the_queue_and_a_closed_board() {
        let mut f = Fixture::new();
        assert_eq!(f.by(f.ana, Command::NextSpeaker).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(f.by(f.ana, add("c1", "trust")).unwrap_err().code, ErrorCode::Forbidden);
        f.by(f.fac, Command::SetScribe { member_id: Some(f.ana) }).unwrap();
        f.by(f.ana, Command::NextSpeaker).unwrap();
        f.by(f.ana, add("c1", "trust")).unwrap();
        assert_eq!(f.by(f.bo, add("c2", "speed")).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(
            f.by(f.bo, Command::SetScribe { member_id: Some(f.bo) }).unwrap_err().code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn cards_are_tagged_with_the_speaker_and_an_open_board_lets_people_edit_their_own() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::CallSpeaker { member_id: f.bo }).unwrap();
        f.by(f.fac, add("c1", " they listened ")).unwrap();
        let card = &f.state.experience.factors[&ItemId("c1".into())];
        assert_eq!((card.speakers.as_slice(), card.mentions), (&[f.bo][..], 1));
        let text = TextTarget::Factor { id: ItemId("c1".into()) };
        assert_eq!(f.state.text_of(&text), "they listened");

        f.by(f.fac, Command::OpenFactors { open: true }).unwrap();
        f.by(f.ana, add("c2", "fast")).unwrap();
        let delete_other = Command::DeleteFactor { id: ItemId("c1".into()) };
        assert_eq!(f.by(f.ana, delete_other).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(f.by(f.ana, add("c2", "dup id")).unwrap_err().code, ErrorCode::Conflict);
        f.by(f.ana, Command::DeleteFactor { id: ItemId("c2".into()) }).unwrap();
        let gone = Command::DeleteFactor { id: ItemId("c2".into()) };
        assert_eq!(f.by(f.ana, gone).unwrap_err().code, ErrorCode::Gone);
        let never = Command::DeleteFactor { id: ItemId("never".into()) };
        assert_eq!(f.by(f.ana, never).unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn merging_adds_mentions_and_speakers_and_removes_the_source() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::CallSpeaker { member_id: f.ana }).unwrap();
        f.by(f.fac, add("a", "listened")).unwrap();
        f.by(f.fac, Command::CallSpeaker { member_id: f.bo }).unwrap();
        f.by(f.fac, add("b", "they listened to me")).unwrap();
        f.by(f.fac, Command::MergeFactors { from: ItemId("b".into()), into: ItemId("a".into()) }).unwrap();
        assert_eq!(f.state.experience.factors.len(), 1);
        let merged = &f.state.experience.factors[&ItemId("a".into())];
        assert_eq!(merged.mentions, 2);
        assert_eq!(merged.speakers, vec![f.ana, f.bo]);
        let again = Command::MergeFactors { from: ItemId("b".into()), into: ItemId("a".into()) };
        assert_eq!(f.by(f.fac, again).unwrap_err().code, ErrorCode::Gone);
    }
}
