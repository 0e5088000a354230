//! Settings, steps and the countdown: the facilitator's controls.

use super::{Context, require_facilitator};
use crate::event::Event;
use crate::limits::{MAX_GROUP_SIZE, MAX_TIMER_MS, MAX_TITLE_CHARS, MIN_GROUP_SIZE, STEP_COUNT};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Language, Lens, RoomState, Timer};
use crate::text::{Lines, clean};

pub(super) fn update_settings(
    state: &RoomState,
    ctx: &Context,
    title: &Option<String>,
    organisation: &Option<String>,
    lens: &Option<Lens>,
    language: &Option<Language>,
    group_size: &Option<u8>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "change the room settings")?;
    let mut settings = state.settings.clone();
    if let Some(title) = title {
        settings.title = clean("title", title, MAX_TITLE_CHARS, Lines::One)?;
    }
    if let Some(organisation) = organisation {
        settings.organisation = clean("organisation", organisation, MAX_TITLE_CHARS, Lines::One)?;
    }
    if let Some(lens) = lens {
        settings.lens = *lens;
    }
    if let Some(language) = language {
        settings.language = *language;
    }
    if let Some(size) = *group_size {
        if !(MIN_GROUP_SIZE..=MAX_GROUP_SIZE).contains(&size) {
            return Err(Rejection::new(
                ErrorCode::BadRequest,
                format!("group size must be {MIN_GROUP_SIZE} to {MAX_GROUP_SIZE}"),
            ));
        }
        settings.group_size = size;
    }
    Ok(vec![Event::SettingsChanged { settings }])
}

pub(super) fn set_step(state: &RoomState, ctx: &Context, step: u8) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "move the room between steps")?;
    if !(1..=STEP_COUNT).contains(&step) {
        return Err(Rejection::new(ErrorCode::BadRequest, format!("step must be 1 to {STEP_COUNT}")));
    }
    Ok(step_events(state, step))
}

/// Moving to `step`. Each step keeps its own countdown: one running in the step left keeps
/// running (the room sees it again on going back).
pub(super) fn step_events(state: &RoomState, step: u8) -> Vec<Event> {
    if step == state.step {
        return Vec::new();
    }
    vec![Event::StepChanged { step }]
}

fn check_duration(ms: u64) -> Result<u64, Rejection> {
    if ms == 0 || ms > MAX_TIMER_MS {
        return Err(Rejection::new(
            ErrorCode::BadRequest,
            format!("a countdown is 1 ms to {} minutes", MAX_TIMER_MS / 60_000),
        ));
    }
    Ok(ms)
}

fn ends_at(now: i64, ms: u64) -> i64 {
    now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// The current step's countdown becomes `timer`.
fn set_timer(state: &RoomState, timer: Timer) -> Vec<Event> {
    vec![Event::TimerChanged { step: state.step, timer }]
}

pub(super) fn start_timer(
    state: &RoomState,
    ctx: &Context,
    duration_ms: u64,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "run the countdown")?;
    let total_ms = check_duration(duration_ms)?;
    Ok(set_timer(state, Timer::Running { ends_at: ends_at(ctx.now, total_ms), total_ms }))
}

pub(super) fn pause_timer(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "run the countdown")?;
    let timer = state.timer();
    match timer {
        Timer::Running { total_ms, .. } => {
            let remaining_ms = timer.remaining_ms(ctx.now);
            Ok(set_timer(state, Timer::Paused { remaining_ms, total_ms }))
        }
        _ => Err(Rejection::new(ErrorCode::Conflict, "the countdown is not running")),
    }
}

pub(super) fn resume_timer(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "run the countdown")?;
    match state.timer() {
        Timer::Paused { remaining_ms, total_ms } => {
            Ok(set_timer(state, Timer::Running { ends_at: ends_at(ctx.now, remaining_ms), total_ms }))
        }
        _ => Err(Rejection::new(ErrorCode::Conflict, "the countdown is not paused")),
    }
}

pub(super) fn extend_timer(
    state: &RoomState,
    ctx: &Context,
    by_ms: u64,
    seen: Option<u64>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "run the countdown")?;
    let by_ms = check_duration(by_ms)?;
    let current = state.timer();
    let timer = match current {
        // An expired countdown that is extended counts on from now.
        Timer::Running { ends_at: end, total_ms } => {
            let remaining = current.remaining_ms(ctx.now);
            let total_ms = check_duration(total_ms.saturating_add(by_ms))?;
            let base = if remaining == 0 { ctx.now } else { end };
            let _ = check_duration(remaining.saturating_add(by_ms))?;
            Timer::Running { ends_at: ends_at(base, by_ms), total_ms }
        }
        Timer::Paused { remaining_ms, total_ms } => Timer::Paused {
            remaining_ms: check_duration(remaining_ms.saturating_add(by_ms))?,
            total_ms: check_duration(total_ms.saturating_add(by_ms))?,
        },
        Timer::Idle => {
            return Err(Rejection::new(ErrorCode::Conflict, "no countdown to extend"));
        }
    };
    // A change to the countdown, or to the step, by someone else that the sender had not seen
    // when they pressed: their press meant the countdown they saw. Their own never count.
    if seen.is_some_and(|seen| state.book.timed.is_some_and(|t| t.missed(ctx.actor.member, seen))) {
        return Err(Rejection::new(
            ErrorCode::Conflict,
            "someone else changed the countdown after the change you last saw: press again to add more time",
        ));
    }
    Ok(set_timer(state, timer))
}

pub(super) fn clear_timer(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "run the countdown")?;
    if state.timer() == Timer::Idle {
        return Ok(Vec::new());
    }
    Ok(set_timer(state, Timer::Idle))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, NOW, member_id};
    use crate::command::Command;
    use crate::messages::ErrorCode;
    use crate::state::{Lens, MemberRole, Timer};

    #[test]
    fn only_facilitators_drive_steps_and_settings() {
        let mut f = Fixture::new();
        let (ana, viewer, fac) = (f.ctx(f.ana), f.viewer(), f.ctx(f.fac));
        for ctx in [ana, viewer] {
            let err = f.run(&ctx, Command::SetStep { step: 2 }).unwrap_err();
            assert_eq!(err.code, ErrorCode::Forbidden);
            let err = f.run(&ctx, Command::StartTimer { duration_ms: 1000 }).unwrap_err();
            assert_eq!(err.code, ErrorCode::Forbidden);
            let cmd = Command::UpdateSettings {
                title: Some("x".into()),
                organisation: None,
                lens: None,
                language: None,
                group_size: None,
            };
            assert_eq!(f.run(&ctx, cmd).unwrap_err().code, ErrorCode::Forbidden);
        }
        assert_eq!(f.state.step, 1);
        f.run(&fac, Command::SetStep { step: 6 }).unwrap();
        f.run(&fac, Command::SetStep { step: 2 }).unwrap();
        assert_eq!(f.state.step, 2);
        assert!(f.run(&fac, Command::SetStep { step: 7 }).is_err());
        assert!(f.run(&fac, Command::SetStep { step: 0 }).is_err());
    }

    #[test]
    fn settings_change_only_the_given_fields() {
        let mut f = Fixture::new();
        let fac = f.ctx(f.fac);
        let cmd = Command::UpdateSettings {
            title: Some("  Q3 workshop ".into()),
            organisation: None,
            lens: Some(Lens::Partner),
            language: None,
            group_size: Some(3),
        };
        f.run(&fac, cmd).unwrap();
        assert_eq!(f.state.settings.title, "Q3 workshop");
        assert_eq!(f.state.settings.lens, Lens::Partner);
        assert_eq!(f.state.settings.group_size, 3);
        let bad = Command::UpdateSettings {
            title: None,
            organisation: None,
            lens: None,
            language: None,
            group_size: Some(1),
        };
        assert_eq!(f.run(&fac, bad).unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn countdown_starts_pauses_resumes_extends_and_clears() {
        let mut f = Fixture::new();
        let mut fac = f.ctx(f.fac);
        f.run(&fac, Command::StartTimer { duration_ms: 60_000 }).unwrap();
        assert_eq!(f.state.timer(), Timer::Running { ends_at: NOW + 60_000, total_ms: 60_000 });

        fac.now = NOW + 20_000;
        f.run(&fac, Command::PauseTimer).unwrap();
        assert_eq!(f.state.timer(), Timer::Paused { remaining_ms: 40_000, total_ms: 60_000 });
        assert_eq!(f.run(&fac, Command::PauseTimer).unwrap_err().code, ErrorCode::Conflict);

        f.run(&fac, Command::ExtendTimer { by_ms: 30_000, seen: None }).unwrap();
        assert_eq!(f.state.timer(), Timer::Paused { remaining_ms: 70_000, total_ms: 90_000 });

        fac.now = NOW + 100_000;
        f.run(&fac, Command::ResumeTimer).unwrap();
        assert_eq!(f.state.timer(), Timer::Running { ends_at: NOW + 170_000, total_ms: 90_000 });
        assert_eq!(f.state.timer().remaining_ms(NOW + 160_000), 10_000);

        f.run(&fac, Command::ClearTimer).unwrap();
        assert_eq!(f.state.timer(), Timer::Idle);
        assert_eq!(
            f.run(&fac, Command::ExtendTimer { by_ms: 1, seen: None }).unwrap_err().code,
            ErrorCode::Conflict
        );
    }

    #[test]
    fn extending_an_expired_countdown_counts_from_now() {
        let mut f = Fixture::new();
        let mut fac = f.ctx(f.fac);
        f.run(&fac, Command::StartTimer { duration_ms: 1_000 }).unwrap();
        fac.now = NOW + 5_000;
        f.run(&fac, Command::ExtendTimer { by_ms: 60_000, seen: None }).unwrap();
        assert_eq!(f.state.timer().remaining_ms(fac.now), 60_000);
    }

    #[test]
    fn two_facilitators_adding_time_to_the_countdown_they_saw_add_it_once() {
        let mut f = Fixture::new();
        let other = member_id(9);
        f.add(other, "Gil", MemberRole::Facilitator);
        let (fac, gil) = (f.ctx(f.fac), f.ctx(other));
        f.run(&fac, Command::StartTimer { duration_ms: 60_000 }).unwrap();
        let seen = Some(f.state.seq);
        let five = |seen| Command::ExtendTimer { by_ms: 300_000, seen };
        // Both press "+5 min" on the same countdown: the second press is refused.
        f.run(&gil, five(seen)).unwrap();
        let err = f.run(&fac, five(seen)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert!(err.message.starts_with("someone else changed the countdown"), "{}", err.message);
        assert_eq!(f.state.timer(), Timer::Running { ends_at: NOW + 360_000, total_ms: 360_000 });
        // One's own presses in a row all count, before the first one's change comes back.
        f.run(&gil, five(seen)).unwrap();
        assert_eq!(f.state.timer().remaining_ms(NOW), 660_000);
        // Having seen the change, or saying nothing, the other adds time again.
        f.run(&fac, five(Some(f.state.seq))).unwrap();
        f.run(&fac, five(None)).unwrap();
        assert_eq!(f.state.timer().remaining_ms(NOW), 1_260_000);

        // One's own later change does not hide someone else's before it: Gil extends, then
        // Marta, who had not seen it, pauses, and her "+5 min" from before his is refused.
        let before_gil = Some(f.state.seq);
        f.run(&gil, five(None)).unwrap();
        f.run(&fac, Command::PauseTimer).unwrap();
        assert_eq!(f.run(&fac, five(before_gil)).unwrap_err().code, ErrorCode::Conflict);
        f.run(&fac, five(Some(f.state.seq))).unwrap();

        // Someone else moving the room to another step, whose countdown the sender never saw.
        let before_step = Some(f.state.seq);
        f.run(&gil, Command::SetStep { step: 2 }).unwrap();
        f.run(&gil, Command::StartTimer { duration_ms: 60_000 }).unwrap();
        assert_eq!(f.run(&fac, five(before_step)).unwrap_err().code, ErrorCode::Conflict);
        // A countdown someone else cleared says there is none, not "press again".
        f.run(&gil, Command::ClearTimer).unwrap();
        let err = f.run(&fac, five(Some(f.state.seq - 1))).unwrap_err();
        assert_eq!(err.message, "no countdown to extend");
    }

    #[test]
    fn countdown_length_is_bounded() {
        let mut f = Fixture::new();
        let fac = f.ctx(f.fac);
        assert!(f.run(&fac, Command::StartTimer { duration_ms: 0 }).is_err());
        assert!(f.run(&fac, Command::StartTimer { duration_ms: u64::MAX }).is_err());
    }

    #[test]
    fn each_step_keeps_its_own_countdown_and_check_ins_stay() {
        let mut f = Fixture::new();
        let (fac, ana) = (f.ctx(f.fac), f.ctx(f.ana));
        f.run(&ana, Command::SetCheckin { contribute: "ideas".into(), get_out: "focus".into() }).unwrap();
        f.run(&fac, Command::StartTimer { duration_ms: 60_000 }).unwrap();
        f.run(&fac, Command::SetStep { step: 2 }).unwrap();
        assert_eq!(f.state.timer(), Timer::Idle, "step 2 has its own countdown");
        f.run(&fac, Command::StartTimer { duration_ms: 5_000 }).unwrap();
        f.run(&fac, Command::SetStep { step: 1 }).unwrap();
        assert_eq!(f.state.timer(), Timer::Running { ends_at: NOW + 60_000, total_ms: 60_000 });
        assert_eq!(f.state.timers[1], Timer::Running { ends_at: NOW + 5_000, total_ms: 5_000 });
        assert_eq!(f.state.checkins[&f.ana].contribute, "ideas");
    }
}
