//! Groups (step 3, reused for teams): balanced random forming, moving people, latecomers.

use std::collections::BTreeMap;

use super::{Context, Rng, require_facilitator};
use crate::event::Event;
use crate::ids::{GroupId, MemberId};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Group, RoomState};

/// Splits `people` into the fewest groups of at most `size`, sizes differing by at most one.
pub fn balanced(people: &[MemberId], size: u8) -> BTreeMap<GroupId, Group> {
    let size = usize::from(size.max(1));
    let count = people.len().div_ceil(size);
    let mut groups: BTreeMap<GroupId, Group> = (1..=count)
        .map(|n| {
            let id = GroupId::try_from(n).unwrap_or(GroupId::MAX);
            (id, Group { id, members: Vec::new(), late: Vec::new() })
        })
        .collect();
    for (i, person) in people.iter().enumerate() {
        let id = GroupId::try_from(i % count + 1).unwrap_or(GroupId::MAX);
        if let Some(group) = groups.get_mut(&id) {
            group.members.push(*person);
        }
    }
    groups
}

pub(super) fn form(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "form groups")?;
    let mut present: Vec<MemberId> =
        state.participants().into_iter().filter(|id| ctx.online.contains(id)).collect();
    if present.is_empty() {
        return Err(Rejection::new(ErrorCode::Conflict, "no participant is present to form groups"));
    }
    Rng::new(ctx.seed).shuffle(&mut present);
    let formed = balanced(&present, state.settings.group_size);
    let grouped = state.definitions.groups.values().flat_map(|g| g.members.iter().copied());
    let event = |member_id, group| Event::GroupMember { member_id, group, late: false };
    Ok(regroup(grouped, &formed, event))
}

/// The membership events that turn the current grouping into `formed`: everyone who was
/// grouped and is not placed anew taken out, then everyone placed, group by group, in order.
/// Every "new" badge goes with it: nobody is a latecomer to groups formed after they came.
pub(super) fn regroup(
    grouped: impl Iterator<Item = MemberId>,
    formed: &BTreeMap<GroupId, Group>,
    event: impl Fn(MemberId, Option<GroupId>) -> Event,
) -> Vec<Event> {
    let placed: Vec<MemberId> = formed.values().flat_map(|g| g.members.iter().copied()).collect();
    let mut events: Vec<Event> = grouped.filter(|m| !placed.contains(m)).map(|m| event(m, None)).collect();
    for group in formed.values() {
        events.extend(group.members.iter().map(|m| event(*m, Some(group.id))));
    }
    events
}

pub(super) fn move_member(
    state: &RoomState,
    ctx: &Context,
    member: MemberId,
    to: Option<GroupId>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "move people between groups")?;
    if !state.is_participant(member) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such participant"));
    }
    let target = destination(&state.definitions.groups, to, "no such group")?;
    if state.group_of(member) == Some(target) {
        return Ok(Vec::new());
    }
    // A facilitator's move clears the "new" badge: they have seen where the latecomer is.
    Ok(vec![Event::GroupMember { member_id: member, group: Some(target), late: false }])
}

/// Where a participant moved to `to` goes: that group, or (with none) a new one numbered after
/// the last. Shared by groups and teams.
pub(super) fn destination<T>(
    current: &BTreeMap<GroupId, T>,
    to: Option<GroupId>,
    unknown: &str,
) -> Result<GroupId, Rejection> {
    match to {
        Some(id) if current.contains_key(&id) => Ok(id),
        Some(_) => Err(Rejection::new(ErrorCode::NotFound, unknown)),
        None => Ok(current.keys().max().map_or(1, |max| max + 1)),
    }
}

/// Puts a participant who joins after groups were formed into the smallest group, marked late
/// so that every facilitator screen shows them as new there.
pub(super) fn place_latecomer(state: &RoomState, member: MemberId) -> Option<Event> {
    let smallest = state.definitions.groups.values().min_by_key(|g| (g.members.len(), g.id))?;
    Some(Event::GroupMember { member_id: member, group: Some(smallest.id), late: true })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, member_id};
    use super::*;
    use crate::command::Command;
    use crate::state::MemberRole;

    fn sizes(state: &RoomState) -> Vec<usize> {
        let mut sizes: Vec<usize> = state.definitions.groups.values().map(|g| g.members.len()).collect();
        sizes.sort();
        sizes
    }

    #[test]
    fn balanced_groups_differ_by_at_most_one() {
        let people: Vec<MemberId> = (0..10).map(member_id).collect();
        let groups = balanced(&people, 4);
        let sizes: Vec<usize> = groups.values().map(|g| g.members.len()).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        assert_eq!(balanced(&people[..5], 4).len(), 2);
        assert_eq!(balanced(&people[..4], 4).len(), 1);
    }

    #[test]
    fn forming_uses_present_participants_only_and_latecomers_join_the_smallest_group() {
        let mut f = Fixture::new();
        for n in 10..17 {
            f.add(member_id(n), "p", MemberRole::Participant);
        }
        f.online.remove(&member_id(16));
        f.by(f.fac, Command::FormGroups).unwrap();
        // 8 present participants (Ana, Bo and six more) in groups of up to 4.
        assert_eq!(sizes(&f.state), vec![4, 4]);
        assert_eq!(f.state.group_of(member_id(16)), None);
        assert_eq!(f.state.group_of(f.fac), None, "facilitators are not grouped");

        f.by(f.fac, Command::MoveToGroup { member_id: f.ana, group: None }).unwrap();
        assert_eq!(sizes(&f.state), vec![1, 3, 4]);
        f.add(member_id(30), "late", MemberRole::Participant);
        assert_eq!(f.state.group_of(member_id(30)), f.state.group_of(f.ana));
        assert_eq!(sizes(&f.state), vec![2, 3, 4]);
    }

    #[test]
    fn a_participant_away_when_groups_and_teams_were_formed_is_placed_as_a_latecomer_on_return() {
        let mut f = Fixture::new();
        let away = member_id(16);
        f.add(away, "Cy", MemberRole::Participant);
        f.online.remove(&away);
        f.by(f.fac, Command::FormGroups).unwrap();
        assert_eq!(f.state.group_of(away), None);

        let change = crate::rules::rejoin(&mut f.state, away).expect("placed on return");
        assert_eq!(change.seq, f.state.seq);
        assert_eq!(change.by, None, "the room's own change: Cy did nothing");
        assert!(f.state.late_to_group(away), "shown as new to the facilitators");
        assert_eq!(f.state.group_of(away), f.state.group_of(f.ana).or(f.state.group_of(f.bo)));
        assert!(crate::rules::rejoin(&mut f.state, away).is_none(), "placed once");
        assert!(crate::rules::rejoin(&mut f.state, f.fac).is_none(), "facilitators are not grouped");

        // Teams formed while they are away again: the next return places them in one.
        f.online.remove(&away);
        f.by(f.fac, Command::FormTeams).unwrap();
        assert_eq!(f.state.team_of(away), None);
        crate::rules::rejoin(&mut f.state, away).expect("placed in a team on return");
        assert!(f.state.team_of(away).is_some());

        // A closed room places nobody.
        let other = member_id(17);
        f.add(other, "Dee", MemberRole::Participant);
        f.state.definitions.groups.values_mut().for_each(|g| g.members.retain(|m| *m != other));
        f.state.closed = true;
        assert!(crate::rules::rejoin(&mut f.state, other).is_none());
        f.state.closed = false;
        assert!(crate::rules::rejoin(&mut f.state, other).is_some());
    }

    #[test]
    fn a_latecomer_stays_marked_late_until_a_facilitator_moves_them_or_forms_groups_again() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::FormGroups).unwrap();
        let (cy, dee) = (member_id(30), member_id(31));
        f.add(cy, "Cy", MemberRole::Participant);
        let group = f.state.group_of(cy).unwrap();
        assert!(f.state.late_to_group(cy));
        assert_eq!(f.state.definitions.groups[&group].late, vec![cy]);
        // Everyone sees it (it is no one's private business), and a snapshot keeps it.
        let shared = f.state.shared_view();
        assert!(shared.late_to_group(cy));
        let json = serde_json::to_string(&f.state).unwrap();
        let back: RoomState = serde_json::from_str(&json).unwrap();
        assert!(back.late_to_group(cy));

        // Moved by a facilitator: no longer new. Undo brings the badge back with the place.
        f.by(f.fac, Command::MoveToGroup { member_id: cy, group: None }).unwrap();
        assert!(!f.state.late_to_group(cy));
        f.by(f.fac, Command::Undo).unwrap();
        assert_eq!(f.state.group_of(cy), Some(group));
        assert!(f.state.late_to_group(cy));

        // Forming groups again: nobody is late to groups formed after they came.
        f.add(dee, "Dee", MemberRole::Participant);
        assert!(f.state.late_to_group(dee));
        f.by(f.fac, Command::FormGroups).unwrap();
        assert!(f.state.definitions.groups.values().all(|g| g.late.is_empty()));
    }

    #[test]
    fn rooms_and_events_stored_before_late_marks_existed_still_load() {
        let group: Group = serde_json::from_str(r#"{"id": 2, "members": []}"#).unwrap();
        assert!(group.late.is_empty());
        let event: Event = serde_json::from_str(
            r#"{"type": "group.member", "member_id": "9a4f2b6c-1e3d-4c8b-a7f5-3e6d8c0b2a19", "group": 1}"#,
        )
        .unwrap();
        assert!(matches!(event, Event::GroupMember { late: false, .. }));
        // And what is not late is written as before.
        assert!(!serde_json::to_string(&event).unwrap().contains("late"));
        assert!(!serde_json::to_string(&group).unwrap().contains("late"));
    }

    #[test]
    fn moving_the_last_member_out_drops_the_empty_group_and_only_facilitators_move_people() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::FormGroups).unwrap();
        let only = f.state.group_of(f.ana).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: f.ana, group: None }).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: f.bo, group: f.state.group_of(f.ana) }).unwrap();
        assert!(!f.state.definitions.groups.contains_key(&only));
        assert_eq!(f.state.definitions.groups.len(), 1);
        let err = f.by(f.ana, Command::MoveToGroup { member_id: f.bo, group: None }).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        let err = f.by(f.fac, Command::MoveToGroup { member_id: f.bo, group: Some(99) }).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
    }
}
