//! The workshop rules: [`apply`] decides a command into events or a rejection. Pure: the same
//! state, context and command always give the same answer.
//!
//! One module per area; each rule sits next to its role check and its tests.
//! - [`room`]: settings, steps and the countdown (facilitators only).
//! - [`members`]: admitting and renaming members.
//! - [`checkin`]: step 1 check-ins.
//! - [`experience`]: step 2's speaker queue and key-factor cards.
//! - [`groups`]: forming groups and moving people between them.
//! - [`definitions`]: step 3's co-written definitions, the wall, highlights, working definition.
//! - [`notes`]: step 4's "Help me ..." post-its, reveal, moves and clusters.
//! - [`teams`]: step 5's teams, their boards of example cards and ratings.
//! - [`priorities`]: step 6's presenting, areas, dot voting, ranking, follow-up; closing.
//! - [`ready`]: "I'm done" signals and auto-advance.
//! - [`undo`]: the generic undo built from the events' earlier values.

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
pub mod undo;

use std::collections::BTreeSet;

use crate::command::Command;
use crate::event::Event;
use crate::ids::MemberId;
use crate::limits::LEASE_MS;
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Actor, Lease, Role, RoomState};

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

/// Decides `command` from `ctx.actor` against `state`. Undoable commands also record, for
/// their sender, the events that would put back what they changed; contributions are counted.
pub fn apply(state: &RoomState, ctx: &Context, command: &Command) -> Result<Vec<Event>, Rejection> {
    let mut events = decide(state, ctx, command)?;
    // A writer's continuing commits to the same text are one edit: one undo, one contribution.
    let new_edit = !command.is_undoable() || undo::record(state, ctx, command, &mut events);
    if let Some(member_id) = ctx.actor.member
        && new_edit
        && !matches!(command, Command::Undo)
        && events.iter().any(Event::is_contribution)
    {
        let total = state.contributions.get(&member_id).copied().unwrap_or(0).saturating_add(1);
        events.push(Event::Contributed { member_id, total });
    }
    Ok(events)
}

fn decide(state: &RoomState, ctx: &Context, command: &Command) -> Result<Vec<Event>, Rejection> {
    if state.closed && !matches!(command, Command::CloseRoom { .. }) {
        return Err(Rejection::new(ErrorCode::Conflict, "this room is closed: it can be read, not changed"));
    }
    match command {
        Command::UpdateSettings { title, organisation, lens, language, group_size } => {
            room::update_settings(state, ctx, title, organisation, lens, language, group_size)
        }
        Command::SetStep { step } => room::set_step(state, ctx, *step),
        Command::StartTimer { duration_ms } => room::start_timer(ctx, *duration_ms),
        Command::PauseTimer => room::pause_timer(state, ctx),
        Command::ResumeTimer => room::resume_timer(state, ctx),
        Command::ExtendTimer { by_ms } => room::extend_timer(state, ctx, *by_ms),
        Command::ClearTimer => room::clear_timer(ctx),
        Command::Rename { name } => members::rename(state, ctx, name),
        Command::SetCheckin { contribute, get_out } => checkin::set(state, ctx, contribute, get_out),
        Command::ClearCheckin { member_id } => checkin::clear(state, ctx, *member_id),
        Command::SetQueue { order } => experience::set_queue(state, ctx, order),
        Command::ShuffleQueue => experience::shuffle_queue(state, ctx),
        Command::NextSpeaker => experience::next_speaker(state, ctx),
        Command::CallSpeaker { member_id } => experience::call_speaker(state, ctx, *member_id),
        Command::SetScribe { member_id } => experience::set_scribe(state, ctx, *member_id),
        Command::OpenFactors { open } => experience::open_factors(ctx, *open),
        Command::AddFactor { id, text } => experience::add_factor(state, ctx, id, text),
        Command::EditFactor { id, text } => experience::edit_factor(state, ctx, id, text),
        Command::DeleteFactor { id } => experience::delete_factor(state, ctx, id),
        Command::MergeFactors { from, into } => experience::merge_factors(state, ctx, from, into),
        Command::FormGroups => groups::form(state, ctx),
        Command::MoveToGroup { member_id, group } => groups::move_member(state, ctx, *member_id, *group),
        Command::LeaseDefinition { group } => definitions::lease(state, ctx, *group),
        Command::WriteDefinition { group, text, release } => {
            definitions::write(state, ctx, *group, text, *release)
        }
        Command::ReleaseDefinition { group } => definitions::release(state, ctx, *group),
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
        Command::DropNote { id, x, y, onto } => notes::drop(state, ctx, id, *x, *y, onto),
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
        Command::WriteCard { id, text, release } => teams::write_card(state, ctx, id, text, *release),
        Command::MoveCard { id, category, column } => teams::move_card(state, ctx, id, *category, *column),
        Command::DeleteCard { id } => teams::delete_card(state, ctx, id),
        Command::SetRating { team, category, rating } => {
            teams::set_rating(state, ctx, *team, *category, *rating)
        }
        Command::SetPresenting { team } => priorities::set_presenting(state, ctx, *team),
        Command::AddArea { id, text, from_card } => priorities::add_area(state, ctx, id, text, from_card),
        Command::EditArea { id, text } => priorities::edit_area(state, ctx, id, text),
        Command::DeleteArea { id } => priorities::delete_area(state, ctx, id),
        Command::MergeAreas { from, into } => priorities::merge_areas(state, ctx, from, into),
        Command::OpenVote { dots } => priorities::open_vote(state, ctx, *dots),
        Command::SetVote { area, dots } => priorities::set_vote(state, ctx, area, *dots),
        Command::CloseVote => priorities::close_vote(state, ctx),
        Command::SetRanking { order } => priorities::set_ranking(state, ctx, order),
        Command::FinaliseRanking { finalised } => priorities::finalise(state, ctx, *finalised),
        Command::FollowUp { id, owner, due } => priorities::follow_up(state, ctx, id, owner, due),
        Command::CloseRoom { closed } => priorities::close_room(ctx, *closed),
        Command::Undo => undo::undo(state, ctx),
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

/// The edit lease `me` gets now on a shared text whose lease is `current`: free, expired, its
/// holder gone, or already `me`'s. Otherwise a conflict naming who is writing, so the author
/// keeps their text and knows whom to wait for.
pub(crate) fn take_lease(
    state: &RoomState,
    ctx: &Context,
    current: Option<Lease>,
    me: MemberId,
) -> Result<Lease, Rejection> {
    if let Some(lease) = current
        && lease.holder != me
        && lease.expires_at > ctx.now
        && ctx.online.contains(&lease.holder)
    {
        let name = state.member(lease.holder).map_or("someone", |m| m.name.as_str());
        return Err(Rejection::new(ErrorCode::Conflict, format!("{name} is writing")));
    }
    Ok(Lease { holder: me, expires_at: ctx.now.saturating_add(LEASE_MS) })
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
            for event in admit(&self.state, member, &self.online).expect("admitted") {
                let seq = self.state.seq + 1;
                self.state.apply_event(seq, &event);
            }
            self.online.insert(id);
        }

        pub fn ctx(&self, who: MemberId) -> Who {
            let role = self.state.members[&who].role;
            Who { actor: Actor::member(who, role), now: self.now }
        }

        pub fn viewer(&self) -> Who {
            Who { actor: Actor::viewer(), now: self.now }
        }

        /// Applies `command` as `who` at `who.now`, with the fixture's presence and seed, and
        /// records its events as the room actor does.
        pub fn run(&mut self, who: &Who, command: Command) -> Result<Vec<Event>, Rejection> {
            let ctx = Context { actor: who.actor, now: who.now, online: &self.online, seed: self.seed };
            let events = apply(&self.state, &ctx, &command)?;
            for event in &events {
                let seq = self.state.seq + 1;
                self.state.apply_event(seq, event);
            }
            Ok(events)
        }

        /// Shorthand: run as a member, now.
        pub fn by(&mut self, who: MemberId, command: Command) -> Result<Vec<Event>, Rejection> {
            let ctx = self.ctx(who);
            self.run(&ctx, command)
        }
    }
}
