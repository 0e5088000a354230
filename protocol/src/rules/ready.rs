//! "I'm done" for the current step, and the facilitator's auto-advance.

use super::{Context, require_facilitator, require_member, room};
use crate::event::Event;
use crate::limits::STEP_COUNT;
use crate::messages::Rejection;
use crate::state::RoomState;

pub(super) fn set(state: &RoomState, ctx: &Context, ready: bool) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "mark yourself ready")?;
    let step = state.step;
    let mut events = vec![Event::ReadyChanged { step, member_id: me, ready }];
    if ready && state.auto_advance && step < STEP_COUNT {
        let present: Vec<_> = state.participants().into_iter().filter(|id| ctx.online.contains(id)).collect();
        let all_done =
            !present.is_empty() && present.iter().all(|id| *id == me || state.ready.contains(&(step, *id)));
        if all_done {
            events.extend(room::step_events(state, step + 1));
        }
    }
    Ok(events)
}

pub(super) fn set_auto_advance(state: &RoomState, ctx: &Context, on: bool) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "turn auto-advance on or off")?;
    let _ = state;
    Ok(vec![Event::AutoAdvanceChanged { on }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::Fixture;
    use crate::command::Command;

    #[test]
    fn ready_is_per_step_and_auto_advance_moves_on_when_every_present_participant_is_done() {
        let mut f = Fixture::new();
        f.by(f.ana, Command::SetReady { ready: true }).unwrap();
        f.by(f.bo, Command::SetReady { ready: true }).unwrap();
        assert_eq!(f.state.step, 1, "no auto-advance unless the facilitator asks for it");
        assert_eq!(f.state.ready.iter().filter(|(step, _)| *step == 1).count(), 2);

        f.by(f.fac, Command::SetAutoAdvance { on: true }).unwrap();
        f.by(f.fac, Command::SetStep { step: 2 }).unwrap();
        f.by(f.ana, Command::SetReady { ready: true }).unwrap();
        assert_eq!(f.state.step, 2, "Bo is still working");
        f.online.remove(&f.bo);
        f.by(f.ana, Command::SetReady { ready: false }).unwrap();
        f.by(f.ana, Command::SetReady { ready: true }).unwrap();
        assert_eq!(f.state.step, 3, "everyone present is done");
        assert_eq!(
            f.state.ready.iter().filter(|(step, _)| *step == 1).count(),
            2,
            "earlier steps keep their signals"
        );
    }
}
