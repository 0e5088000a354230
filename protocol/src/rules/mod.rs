//! The workshop rules: [`run`] decides a command into events (or a rejection), applies them
//! to the room as one [`Change`], and adds what follows from them (the common terms of the
//! definitions, the sender's undo entry, their contribution count). Pure: the same state,
//! context and command always give the same change.
//!
//! One module per area; each rule sits next to its role check and its tests.
//! - [`room`]: settings, steps and the countdowns (facilitators only).
//! - [`members`]: admitting and renaming members, raised hands.
//! - [`checkin`]: step 1 check-ins.
//! - [`experience`]: step 2's speaker queue and key-factor cards.
//! - [`groups`]: forming groups and moving people between them.
//! - [`definitions`]: step 3's wall of definitions, highlights, working definition.
//! - [`texts`]: typing into shared texts (Yjs updates), for every step that has them.
//! - [`notes`]: step 4's "Help me ..." post-its, reveal, moves and clusters.
//! - [`teams`]: step 5's teams, their boards of example cards and ratings.
//! - [`priorities`]: step 6's presenting, areas, dot voting, ranking, follow-up; closing.
//! - [`ready`]: "I'm done" signals and auto-advance.
//! - [`undo`]: undo and redo, one mechanism for every undoable command.

pub mod checkin;
pub mod definitions;
pub mod experience;
pub mod groups;
pub mod members;
pub mod notes;
pub mod priorities;
pub mod ready;
pub mod room;
pub mod teams;
pub mod texts;
pub mod undo;

use std::collections::BTreeSet;

use crate::command::Command;
use crate::event::{Change, CommandRef, Event};
use crate::ids::{ItemId, MemberId};
use crate::messages::{ErrorCode, Rejection};
use crate::shared::TextTarget;
use crate::state::{Actor, Member, Role, RoomState};
use crate::terms::common_terms;

pub use members::admit;

/// What a rule may know besides the state and the command: who sends it, when, who is
/// connected, and a random seed (drawn by the server, so the decision itself stays pure).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: Actor,
    /// Server time, milliseconds since the Unix epoch.
    pub now: i64,
    /// Members with at least one open connection.
    pub online: &'a BTreeSet<MemberId>,
    /// Randomness for shuffles and group forming.
    pub seed: u64,
}

/// Decides `command` from `ctx.actor` against `state` and, if it is accepted, applies it as
/// the room's next change and returns that change (what the log records and the members
/// receive). A refused command leaves the state exactly as it was.
pub fn run(
    state: &mut RoomState,
    ctx: &Context,
    cmd: Option<CommandRef>,
    command: &Command,
) -> Result<Change, Rejection> {
    if state.closed && !matches!(command, Command::CloseRoom { .. }) {
        return Err(Rejection::new(ErrorCode::Conflict, "this room is closed: it can be read, not changed"));
    }
    let counts = contributes(state, ctx, command);
    let events = match command {
        Command::EditText { target, update } => texts::edit(state, ctx, target, update)?,
        Command::Undo => undo::undo(state, ctx)?,
        Command::Redo => undo::redo(state, ctx)?,
        other => decide(state, ctx, other)?,
    };
    let before = command.is_undoable().then(|| undo::values(state, &events));
    let mut change = commit(state, ctx.actor.member, cmd, events);
    if let (Some(before), Some(member_id)) = (before, ctx.actor.member)
        && let Some(entry) = undo::entry(state, command.kind(), before, &change.events)
    {
        follow(state, &mut change, Event::HistoryRecorded { member_id, entry });
    }
    if counts && let Some(member_id) = ctx.actor.member {
        let total = state.contributions.get(&member_id).copied().unwrap_or(0).saturating_add(1);
        follow(state, &mut change, Event::Contributed { member_id, total });
    }
    Ok(change)
}

/// Whether the sender may type into `target` now (who may have a caret in it).
pub fn may_type(state: &RoomState, ctx: &Context, target: &TextTarget) -> bool {
    !state.closed && texts::require_writer(state, ctx, target).is_ok()
}

/// Admits a new member (made by the server at `hello`) as the room's next change.
pub fn join(state: &mut RoomState, member: Member, online: &BTreeSet<MemberId>) -> Result<Change, Rejection> {
    let by = Some(member.id);
    let events = admit(state, member, online)?;
    Ok(commit(state, by, None, events))
}

/// Places a returning participant whom the groups or teams were formed without (they were away
/// then) as a latecomer, as a new participant is placed: the room's next change, decided at their
/// `hello`; `None` when there is nothing to place them in, or they are placed already. The
/// change is the room's own (no `by`): the person did nothing. Nor does it block anyone's undo:
/// a facilitator's undo of forming the groups again puts them back where those groups had them
/// (see `undo::same`).
pub fn rejoin(state: &mut RoomState, member: MemberId) -> Option<Change> {
    if state.closed || !state.is_participant(member) {
        return None;
    }
    let mut events = Vec::new();
    if state.group_of(member).is_none() {
        events.extend(groups::place_latecomer(state, member));
    }
    if state.team_of(member).is_none() {
        events.extend(teams::place_latecomer(state, member));
    }
    (!events.is_empty()).then(|| commit(state, None, None, events))
}

/// Applies decided events as the next change, then what follows from them.
fn commit(
    state: &mut RoomState,
    by: Option<MemberId>,
    cmd: Option<CommandRef>,
    events: Vec<Event>,
) -> Change {
    let mut change = Change { seq: state.seq + 1, by, cmd, events: Vec::with_capacity(events.len() + 2) };
    state.begin_change(&change);
    let mut definitions_changed = false;
    for event in events {
        definitions_changed |= matches!(
            event,
            Event::TextChanged { target: TextTarget::Definition { .. }, .. }
                | Event::HighlightSet { .. }
                | Event::HighlightRemoved { .. }
        );
        state.apply_event(by, &event);
        change.events.push(event);
    }
    if definitions_changed {
        let common = common_terms(state);
        if common != state.definitions.common {
            follow(state, &mut change, Event::CommonChanged { common });
        }
    }
    change
}

/// Adds an event that follows from the change (and applies it).
fn follow(state: &mut RoomState, change: &mut Change, event: Event) {
    state.apply_event(change.by, &event);
    change.events.push(event);
}

/// Whether the command counts in the sender's participation: what they wrote (a check-in, a
/// card, a post-it, a highlight), and their first edit of each shared text.
fn contributes(state: &RoomState, ctx: &Context, command: &Command) -> bool {
    let Some(me) = ctx.actor.member else { return false };
    match command {
        Command::SetCheckin { .. } => !state.checkins.contains_key(&me),
        Command::AddFactor { .. }
        | Command::AddNote { .. }
        | Command::AddHighlight { .. }
        | Command::AddCard { .. }
        | Command::AddArea { .. } => true,
        Command::EditText { target, .. } => {
            state.texts.get(&target.key()).is_none_or(|t| !t.editors.contains(&me))
        }
        _ => false,
    }
}

fn decide(state: &RoomState, ctx: &Context, command: &Command) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::UpdateSettings { title, organisation, lens, language, group_size } => {
            room::update_settings(state, ctx, title, organisation, lens, language, group_size)
        }
        Command::SetStep { step } => room::set_step(state, ctx, *step),
        Command::StartTimer { duration_ms } => room::start_timer(state, ctx, *duration_ms),
        Command::PauseTimer => room::pause_timer(state, ctx),
        Command::ResumeTimer => room::resume_timer(state, ctx),
        Command::ExtendTimer { by_ms, seen } => room::extend_timer(state, ctx, *by_ms, *seen),
        Command::ClearTimer => room::clear_timer(state, ctx),
        Command::Rename { name } => members::rename(state, ctx, name),
        Command::RaiseHand { raised } => members::raise_hand(state, ctx, *raised),
        Command::LowerHand { member_id } => members::lower_hand(state, ctx, *member_id),
        Command::SetCheckin { contribute, get_out } => checkin::set(state, ctx, contribute, get_out),
        Command::ClearCheckin { member_id } => checkin::clear(state, ctx, *member_id),
        Command::SetQueue { order } => experience::set_queue(state, ctx, order),
        Command::ShuffleQueue => experience::shuffle_queue(state, ctx),
        Command::NextSpeaker => experience::next_speaker(state, ctx),
        Command::CallSpeaker { member_id } => experience::call_speaker(state, ctx, *member_id),
        Command::SetScribe { member_id } => experience::set_scribe(state, ctx, *member_id),
        Command::OpenFactors { open } => experience::open_factors(ctx, *open),
        Command::AddFactor { id, text } => experience::add_factor(state, ctx, id, text),
        Command::DeleteFactor { id } => experience::delete_factor(state, ctx, id),
        Command::MergeFactors { from, into } => experience::merge_factors(state, ctx, from, into),
        Command::FormGroups => groups::form(state, ctx),
        Command::MoveToGroup { member_id, group } => groups::move_member(state, ctx, *member_id, *group),
        Command::ShowWall { shown } => definitions::show_wall(state, ctx, *shown),
        Command::ReadOnWall { group } => definitions::read_on_wall(state, ctx, *group),
        Command::AddHighlight { id, group, start, end } => {
            definitions::add_highlight(state, ctx, id, *group, *start, *end)
        }
        Command::RemoveHighlight { id } => definitions::remove_highlight(state, ctx, id),
        Command::SetWorkingDefinition { text } => definitions::set_working(state, ctx, text),
        Command::SetReady { ready } => ready::set(state, ctx, *ready),
        Command::SetAutoAdvance { on } => ready::set_auto_advance(state, ctx, *on),
        Command::AddNote { id, text } => notes::add(state, ctx, id, text),
        Command::EditNote { id, text } => notes::edit(state, ctx, id, text),
        Command::DeleteNote { id } => notes::delete(state, ctx, id),
        Command::RevealNotes { member_id } => notes::reveal(state, ctx, *member_id),
        Command::DropNote { id, x, y, onto, seen } => notes::drop(state, ctx, id, (*x, *y), onto, *seen),
        Command::RenameCluster { id, name } => notes::rename_cluster(state, ctx, id, name),
        Command::MergeClusters { from, into } => notes::merge_clusters(state, ctx, from, into),
        Command::DissolveCluster { id } => notes::dissolve_cluster(state, ctx, id),
        Command::TeamsFromGroups => teams::from_groups(state, ctx),
        Command::FormTeams => teams::form(state, ctx),
        Command::MoveToTeam { member_id, team } => teams::move_member(state, ctx, *member_id, *team),
        Command::AssignCluster { team, cluster } => teams::assign_cluster(state, ctx, *team, cluster),
        Command::AddCard { id, team, category, column, text } => {
            teams::add_card(state, ctx, id, *team, *category, *column, text)
        }
        Command::MoveCard { id, category, column } => teams::move_card(state, ctx, id, *category, *column),
        Command::DeleteCard { id } => teams::delete_card(state, ctx, id),
        Command::SetRating { team, category, rating } => {
            teams::set_rating(state, ctx, *team, *category, *rating)
        }
        Command::SetPresenting { team } => priorities::set_presenting(state, ctx, *team),
        Command::AddArea { id, text, from_card } => priorities::add_area(state, ctx, id, text, from_card),
        Command::DeleteArea { id } => priorities::delete_area(state, ctx, id),
        Command::MergeAreas { from, into } => priorities::merge_areas(state, ctx, from, into),
        Command::OpenVote { dots } => priorities::open_vote(state, ctx, *dots),
        Command::SetVote { area, dots } => priorities::set_vote(state, ctx, area, *dots),
        Command::CloseVote => priorities::close_vote(state, ctx),
        Command::SetRanking { order } => priorities::set_ranking(state, ctx, order),
        Command::FinaliseRanking { finalised } => priorities::finalise(state, ctx, *finalised),
        Command::FollowUp { id, owner, due } => priorities::follow_up(state, ctx, id, owner, due),
        Command::CloseRoom { closed } => priorities::close_room(ctx, *closed),
        // Decided by `run` itself: they need more than a look at the state.
        Command::EditText { .. } | Command::Undo | Command::Redo => {
            Err(Rejection::new(ErrorCode::BadRequest, "this command is decided elsewhere"))
        }
    }
}

/// Facilitators only; `what` completes "your role may not ...".
pub(crate) fn require_facilitator(ctx: &Context, what: &str) -> Result<(), Rejection> {
    match ctx.actor.role {
        Role::Facilitator => Ok(()),
        _ => Err(Rejection::forbidden(what)),
    }
}

/// Any member (facilitator or participant) who is known to the room; never a viewer.
pub(crate) fn require_member(state: &RoomState, ctx: &Context, what: &str) -> Result<MemberId, Rejection> {
    let id = ctx.actor.member.ok_or_else(|| Rejection::forbidden(what))?;
    if !state.members.contains_key(&id) {
        return Err(Rejection::new(ErrorCode::NotFound, "you are not a member of this room"));
    }
    Ok(id)
}

/// The answer for an item that is not there: `gone` if the room saw it removed, otherwise
/// `not_found` (which also answers for what the sender may not see).
pub(crate) fn missing(state: &RoomState, id: &ItemId, what: &str) -> Rejection {
    if state.book.is_buried(id) {
        Rejection::new(ErrorCode::Gone, format!("this {what} was removed"))
    } else {
        Rejection::new(ErrorCode::NotFound, format!("no such {what}"))
    }
}

/// A small deterministic generator (SplitMix64) for shuffles seeded by the server.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher-Yates.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap_or(0);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    //! A small room with a facilitator and two participants, for the rule tests.
    use super::*;
    use crate::event::Event;
    use crate::ids::{MemberId, RoomId};
    use crate::state::{Member, MemberRole, Settings};
    use uuid::Uuid;

    pub const NOW: i64 = 1_700_000_000_000;

    /// Who sends a test command, and when.
    #[derive(Debug, Clone, Copy)]
    pub struct Who {
        pub actor: Actor,
        pub now: i64,
    }

    pub struct Fixture {
        pub state: RoomState,
        pub fac: MemberId,
        pub ana: MemberId,
        pub bo: MemberId,
        pub online: BTreeSet<MemberId>,
        pub now: i64,
        pub seed: u64,
    }

    pub fn member_id(n: u128) -> MemberId {
        MemberId(Uuid::from_u128(n))
    }

    impl Fixture {
        pub fn new() -> Self {
            let id = RoomId::parse("0123456789abcdef0123456789abcdef").expect("valid id");
            let state = RoomState::new(id, Settings::default(), NOW);
            let (fac, ana, bo) = (member_id(1), member_id(2), member_id(3));
            let mut f = Self { state, fac, ana, bo, online: BTreeSet::new(), now: NOW, seed: 7 };
            f.add(fac, "Fa", MemberRole::Facilitator);
            f.add(ana, "Ana", MemberRole::Participant);
            f.add(bo, "Bo", MemberRole::Participant);
            f
        }

        /// Admits a member (online), as the server does at `hello`.
        pub fn add(&mut self, id: MemberId, name: &str, role: MemberRole) {
            let member =
                Member { id, name: name.into(), role, joined_at: NOW + self.state.members.len() as i64 };
            join(&mut self.state, member, &self.online).expect("admitted");
            self.online.insert(id);
        }

        pub fn ctx(&self, who: MemberId) -> Who {
            let role = self.state.members[&who].role;
            Who { actor: Actor::member(who, role), now: self.now }
        }

        pub fn viewer(&self) -> Who {
            Who { actor: Actor::viewer(), now: self.now }
        }

        /// Runs `command` as `who` at `who.now`, with the fixture's presence and seed, as the
        /// room actor does; returns the change's events. A refusal must leave the state as it
        /// was, which every call checks.
        pub fn run(&mut self, who: &Who, command: Command) -> Result<Vec<Event>, Rejection> {
            let online = self.online.clone();
            let ctx = Context { actor: who.actor, now: who.now, online: &online, seed: self.seed };
            let before = self.state.clone();
            match super::run(&mut self.state, &ctx, None, &command) {
                Ok(change) => Ok(change.events),
                Err(rejection) => {
                    assert_eq!(self.state, before, "a refused {} changed the room", command.kind());
                    Err(rejection)
                }
            }
        }

        /// Shorthand: run as a member, now.
        pub fn by(&mut self, who: MemberId, command: Command) -> Result<Vec<Event>, Rejection> {
            let ctx = self.ctx(who);
            self.run(&ctx, command)
        }
    }
}
