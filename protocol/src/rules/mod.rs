//! The workshop rules: [`apply`] decides a command into events or a rejection. Pure: the same
//! state, context and command always give the same answer.
//!
//! One module per area; each rule sits next to its role check and its tests.
//! - [`room`]: settings, steps and the countdown (facilitators only).
//! - [`members`]: admitting and renaming members.
//! - [`checkin`]: step 1 check-ins.

pub mod checkin;
pub mod members;
pub mod room;

use crate::command::Command;
use crate::event::Event;
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Actor, Role, RoomState};

pub use members::admit;

/// What a rule may know besides the state and the command: who sends it and when.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub actor: Actor,
    /// Server time, milliseconds since the Unix epoch.
    pub now: i64,
}

/// Decides `command` from `ctx.actor` against `state`.
pub fn apply(state: &RoomState, ctx: &Context, command: &Command) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::UpdateSettings {
            title,
            organisation,
            lens,
            language,
            group_size,
        } => room::update_settings(state, ctx, title, organisation, lens, language, group_size),
        Command::SetStep { step } => room::set_step(state, ctx, *step),
        Command::StartTimer { duration_ms } => room::start_timer(ctx, *duration_ms),
        Command::PauseTimer => room::pause_timer(state, ctx),
        Command::ResumeTimer => room::resume_timer(state, ctx),
        Command::ExtendTimer { by_ms } => room::extend_timer(state, ctx, *by_ms),
        Command::ClearTimer => room::clear_timer(ctx),
        Command::Rename { name } => members::rename(state, ctx, name),
        Command::SetCheckin {
            contribute,
            get_out,
        } => checkin::set(state, ctx, contribute, get_out),
        Command::ClearCheckin { member_id } => checkin::clear(state, ctx, *member_id),
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
pub(crate) fn require_member(
    state: &RoomState,
    ctx: &Context,
    what: &str,
) -> Result<crate::ids::MemberId, Rejection> {
    let id = ctx.actor.member.ok_or_else(|| Rejection::forbidden(what))?;
    if !state.members.contains_key(&id) {
        return Err(Rejection::new(
            ErrorCode::NotFound,
            "you are not a member of this room",
        ));
    }
    Ok(id)
}

#[cfg(test)]
pub(crate) mod testkit {
    //! A small room with a facilitator and two participants, for the rule tests.
    use super::*;
    use crate::ids::{MemberId, RoomId};
    use crate::state::{Member, MemberRole, Settings};
    use uuid::Uuid;

    pub const NOW: i64 = 1_700_000_000_000;

    pub struct Fixture {
        pub state: RoomState,
        pub fac: MemberId,
        pub ana: MemberId,
        pub bo: MemberId,
    }

    pub fn member_id(n: u128) -> MemberId {
        MemberId(Uuid::from_u128(n))
    }

    impl Fixture {
        pub fn new() -> Self {
            let id = RoomId::parse("0123456789abcdef0123456789abcdef").expect("valid id");
            let mut state = RoomState::new(id, Settings::default(), NOW);
            let (fac, ana, bo) = (member_id(1), member_id(2), member_id(3));
            for (id, name, role) in [
                (fac, "Fa", MemberRole::Facilitator),
                (ana, "Ana", MemberRole::Participant),
                (bo, "Bo", MemberRole::Participant),
            ] {
                let member = Member {
                    id,
                    name: name.into(),
                    role,
                    joined_at: NOW,
                };
                let seq = state.seq + 1;
                state.apply_event(seq, &Event::MemberJoined { member });
            }
            Self {
                state,
                fac,
                ana,
                bo,
            }
        }

        pub fn ctx(&self, who: MemberId) -> Context {
            let role = self.state.members[&who].role;
            Context {
                actor: Actor::member(who, role),
                now: NOW,
            }
        }

        pub fn viewer(&self) -> Context {
            Context {
                actor: Actor::viewer(),
                now: NOW,
            }
        }

        /// Applies `command` as `ctx` and records its events, as the room actor does.
        pub fn run(&mut self, ctx: &Context, command: Command) -> Result<Vec<Event>, Rejection> {
            let events = apply(&self.state, ctx, &command)?;
            for event in &events {
                let seq = self.state.seq + 1;
                self.state.apply_event(seq, event);
            }
            Ok(events)
        }
    }
}
