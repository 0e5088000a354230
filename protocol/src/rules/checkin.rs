//! Step 1: each member posts a check-in (what I bring, what I want to get out of it).

use super::{Context, require_member};
use crate::event::Event;
use crate::ids::MemberId;
use crate::limits::MAX_CHECKIN_CHARS;
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Checkin, Role, RoomState};
use crate::text::{Lines, clean};

pub(super) fn set(
    state: &RoomState,
    ctx: &Context,
    contribute: &str,
    get_out: &str,
) -> Result<Vec<Event>, Rejection> {
    let member_id = require_member(state, ctx, "check in")?;
    let contribute = clean("what you bring", contribute, MAX_CHECKIN_CHARS, Lines::Many)?;
    let get_out = clean("what you want to get out", get_out, MAX_CHECKIN_CHARS, Lines::Many)?;
    if contribute.is_empty() && get_out.is_empty() {
        return Err(Rejection::new(ErrorCode::BadRequest, "a check-in needs at least one answer"));
    }
    let checkin = Checkin { contribute, get_out, updated_at: ctx.now };
    Ok(vec![Event::CheckinSet { member_id, checkin }])
}

pub(super) fn clear(state: &RoomState, ctx: &Context, target: MemberId) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "remove check-ins")?;
    if me != target && ctx.actor.role != Role::Facilitator {
        return Err(Rejection::forbidden("remove someone else's check-in"));
    }
    if !state.checkins.contains_key(&target) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such check-in"));
    }
    Ok(vec![Event::CheckinCleared { member_id: target }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::Fixture;
    use crate::command::Command;
    use crate::messages::ErrorCode;

    fn checkin(a: &str, b: &str) -> Command {
        Command::SetCheckin { contribute: a.into(), get_out: b.into() }
    }

    #[test]
    fn members_post_and_edit_their_own_check_in() {
        let mut f = Fixture::new();
        let ana = f.ctx(f.ana);
        f.run(&ana, checkin("stories", "")).unwrap();
        f.run(&ana, checkin("stories", " a plan ")).unwrap();
        let c = &f.state.checkins[&f.ana];
        assert_eq!((c.contribute.as_str(), c.get_out.as_str()), ("stories", "a plan"));
        assert_eq!(f.state.checkins.len(), 1);
        assert_eq!(f.state.contributions[&f.ana], 1, "a check-in counts once, however often it is edited");
    }

    #[test]
    fn viewers_cannot_check_in_and_empty_check_ins_are_refused() {
        let mut f = Fixture::new();
        let viewer = f.viewer();
        assert_eq!(f.run(&viewer, checkin("a", "b")).unwrap_err().code, ErrorCode::Forbidden);
        let ana = f.ctx(f.ana);
        assert_eq!(f.run(&ana, checkin(" ", "")).unwrap_err().code, ErrorCode::BadRequest);
        let long = "x".repeat(crate::limits::MAX_CHECKIN_CHARS + 1);
        assert_eq!(f.run(&ana, checkin(&long, "")).unwrap_err().code, ErrorCode::TooLong);
    }

    #[test]
    fn only_the_author_or_a_facilitator_removes_a_check_in() {
        let mut f = Fixture::new();
        let (ana, bo, fac) = (f.ctx(f.ana), f.ctx(f.bo), f.ctx(f.fac));
        f.run(&ana, checkin("a", "b")).unwrap();
        let clear_ana = Command::ClearCheckin { member_id: f.ana };
        assert_eq!(f.run(&bo, clear_ana.clone()).unwrap_err().code, ErrorCode::Forbidden);
        f.run(&fac, clear_ana.clone()).unwrap();
        assert!(f.state.checkins.is_empty());
        assert_eq!(f.run(&ana, clear_ana).unwrap_err().code, ErrorCode::NotFound);
    }
}
