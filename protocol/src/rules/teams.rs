//! Step 5: teams (the step 3 groups, or new ones), the client type each assesses, and each
//! team's board of example cards in six categories with ratings. Team members write; everyone
//! else may look. A team's board (its client type, ratings and cards) stays with the team's
//! number when people are moved or teams are formed again.

use std::collections::BTreeMap;

use super::{Context, Rng, missing, require_facilitator, require_member};
use crate::event::Event;
use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::{CATEGORY_COUNT, MAX_CARDS, MAX_RATING};
use crate::messages::{ErrorCode, Rejection};
use crate::rules::groups::{balanced, destination};
use crate::rules::texts;
use crate::shared::TextTarget;
use crate::state::{Card, Column, Group, Role, RoomState, Team};

/// The events that make `formed` the teams: each formed team keeps its board if its number
/// existed; a team left out keeps its (empty) place while its board has anything on it, and
/// goes otherwise. Every "new" badge goes: nobody is a latecomer to teams formed after they came.
fn form_teams(state: &RoomState, formed: &BTreeMap<GroupId, Group>) -> Vec<Event> {
    let current = &state.assessment.teams;
    let mut events = Vec::new();
    for group in formed.values() {
        let team = match current.get(&group.id) {
            Some(old) => Team { members: group.members.clone(), late: Vec::new(), ..old.clone() },
            None => Team::new(group.id, group.members.clone()),
        };
        if current.get(&group.id) != Some(&team) {
            events.push(Event::TeamSet { team });
        }
    }
    for old in current.values().filter(|t| !formed.contains_key(&t.id)) {
        let has_board = old.cluster.is_some()
            || old.ratings.iter().any(|r| *r > 0)
            || state.assessment.cards.values().any(|c| c.team == old.id);
        if has_board {
            if !old.members.is_empty() {
                events.push(Event::TeamSet {
                    team: Team { members: Vec::new(), late: Vec::new(), ..old.clone() },
                });
            }
        } else {
            events.push(Event::TeamRemoved { id: old.id });
            if state.priorities.presenting == Some(old.id) {
                events.push(Event::PresentingChanged { team: None });
            }
        }
    }
    events
}

pub(super) fn from_groups(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "form teams")?;
    if state.definitions.groups.is_empty() {
        return Err(Rejection::new(ErrorCode::Conflict, "there are no groups yet"));
    }
    Ok(form_teams(state, &state.definitions.groups))
}

pub(super) fn form(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "form teams")?;
    let mut present: Vec<MemberId> =
        state.participants().into_iter().filter(|id| ctx.online.contains(id)).collect();
    if present.is_empty() {
        return Err(Rejection::new(ErrorCode::Conflict, "no participant is present to form teams"));
    }
    Rng::new(ctx.seed).shuffle(&mut present);
    Ok(form_teams(state, &balanced(&present, state.settings.group_size)))
}

pub(super) fn move_member(
    state: &RoomState,
    ctx: &Context,
    member: MemberId,
    to: Option<GroupId>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "move people between teams")?;
    if !state.is_participant(member) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such participant"));
    }
    let target = destination(&state.assessment.teams, to, "no such team")?;
    if state.team_of(member) == Some(target) {
        return Ok(Vec::new());
    }
    // A facilitator's move clears the "new" badge: they have seen where the latecomer is.
    Ok(vec![Event::TeamMember { member_id: member, team: Some(target), late: false }])
}

/// Puts a participant who joins after teams were formed into the smallest team, marked late
/// so that every facilitator screen shows them as new there. A team that forming left with
/// nobody (kept for its board) is not the smallest: a latecomer would sit in it alone.
pub(super) fn place_latecomer(state: &RoomState, member: MemberId) -> Option<Event> {
    let smallest =
        state.assessment.teams.values().min_by_key(|t| (t.members.is_empty(), t.members.len(), t.id))?;
    Some(Event::TeamMember { member_id: member, team: Some(smallest.id), late: true })
}

/// The facilitator, or a member of `team`.
pub(super) fn require_team_writer(
    state: &RoomState,
    ctx: &Context,
    team: GroupId,
) -> Result<MemberId, Rejection> {
    let me = require_member(state, ctx, "write on a team's board")?;
    if !state.assessment.teams.contains_key(&team) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such team"));
    }
    if ctx.actor.role != Role::Facilitator && state.team_of(me) != Some(team) {
        return Err(Rejection::forbidden("write on another team's board"));
    }
    Ok(me)
}

pub(super) fn assign_cluster(
    state: &RoomState,
    ctx: &Context,
    team: GroupId,
    cluster: &Option<ItemId>,
) -> Result<Vec<Event>, Rejection> {
    require_team_writer(state, ctx, team)?;
    if let Some(id) = cluster
        && !state.wall.clusters.contains_key(id)
    {
        return Err(missing(state, id, "cluster"));
    }
    Ok(vec![Event::TeamCluster { team, cluster: cluster.clone() }])
}

fn check_category(category: u8) -> Result<u8, Rejection> {
    if (1..=CATEGORY_COUNT).contains(&category) {
        Ok(category)
    } else {
        Err(Rejection::new(ErrorCode::BadRequest, format!("categories are 1 to {CATEGORY_COUNT}")))
    }
}

pub(super) fn add_card(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    team: GroupId,
    category: u8,
    column: Column,
    text: &str,
) -> Result<Vec<Event>, Rejection> {
    let me = require_team_writer(state, ctx, team)?;
    if !id.is_valid() {
        return Err(Rejection::new(ErrorCode::BadRequest, "a card id is 1-64 printable ASCII characters"));
    }
    if state.assessment.cards.contains_key(id) {
        return Err(Rejection::new(ErrorCode::Conflict, "a card with this id exists"));
    }
    if state.assessment.cards.len() >= MAX_CARDS {
        return Err(Rejection::new(ErrorCode::LimitReached, format!("{MAX_CARDS} cards at most in a room")));
    }
    let category = check_category(category)?;
    let target = TextTarget::Card { id: id.clone() };
    let first = texts::start(state, ctx, &target, text)?;
    let card = Card { id: id.clone(), team, category, column, author: me, created_at: ctx.now };
    let mut events = vec![Event::CardSet { card }];
    events.extend(first);
    Ok(events)
}

fn card<'s>(state: &'s RoomState, id: &ItemId) -> Result<&'s Card, Rejection> {
    state.assessment.cards.get(id).ok_or_else(|| missing(state, id, "card"))
}

/// A card of one's own team (or any, for a facilitator), for those who may write on it.
pub(super) fn writable_card<'s>(
    state: &'s RoomState,
    ctx: &Context,
    id: &ItemId,
) -> Result<&'s Card, Rejection> {
    let card = card(state, id)?;
    require_team_writer(state, ctx, card.team)?;
    Ok(card)
}

pub(super) fn move_card(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    category: u8,
    column: Column,
) -> Result<Vec<Event>, Rejection> {
    let old = writable_card(state, ctx, id)?;
    let category = check_category(category)?;
    Ok(vec![Event::CardSet { card: Card { category, column, ..old.clone() } }])
}

pub(super) fn delete_card(state: &RoomState, ctx: &Context, id: &ItemId) -> Result<Vec<Event>, Rejection> {
    writable_card(state, ctx, id)?;
    let mut events = vec![Event::CardRemoved { id: id.clone() }];
    // An area keeps its words but no longer points at a card that is gone.
    for area in state.priorities.areas.values().filter(|a| a.from_card.as_ref() == Some(id)) {
        events.push(Event::AreaSet { area: crate::state::Area { from_card: None, ..area.clone() } });
    }
    Ok(events)
}

pub(super) fn set_rating(
    state: &RoomState,
    ctx: &Context,
    team: GroupId,
    category: u8,
    rating: u8,
) -> Result<Vec<Event>, Rejection> {
    require_team_writer(state, ctx, team)?;
    let category = check_category(category)?;
    if rating > MAX_RATING {
        return Err(Rejection::new(
            ErrorCode::BadRequest,
            format!("ratings are 1 to {MAX_RATING} (0 clears)"),
        ));
    }
    Ok(vec![Event::RatingSet { team, category, rating }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, member_id};
    use crate::command::Command;
    use crate::ids::ItemId;
    use crate::messages::ErrorCode;
    use crate::state::{Column, MemberRole};

    fn id(s: &str) -> ItemId {
        ItemId(s.into())
    }

    /// Ana in team 1, Bo in team 2.
    fn two_teams() -> (Fixture, u32, u32) {
        let mut f = Fixture::new();
        f.by(f.fac, Command::FormTeams).unwrap();
        f.by(f.fac, Command::MoveToTeam { member_id: f.bo, team: None }).unwrap();
        let (a, b) = (f.state.team_of(f.ana).unwrap(), f.state.team_of(f.bo).unwrap());
        assert_ne!(a, b);
        (f, a, b)
    }

    fn add(card: &str, team: u32, category: u8, column: Column) -> Command {
        Command::AddCard {
            id: id(card),
            team,
            category,
            column,
            text: "We called back within the hour".into(),
        }
    }

    #[test]
    fn teams_come_from_groups_or_are_formed_and_latecomers_join_the_smallest() {
        let mut f = Fixture::new();
        assert_eq!(f.by(f.fac, Command::TeamsFromGroups).unwrap_err().code, ErrorCode::Conflict);
        f.by(f.fac, Command::FormGroups).unwrap();
        f.by(f.fac, Command::TeamsFromGroups).unwrap();
        let groups: Vec<_> = f.state.definitions.groups.values().map(|g| g.members.clone()).collect();
        let teams: Vec<_> = f.state.assessment.teams.values().map(|t| t.members.clone()).collect();
        assert_eq!(groups, teams);
        assert!(f.state.assessment.teams.values().all(|t| t.ratings == vec![0; 6]));
        f.add(member_id(9), "Late", MemberRole::Participant);
        assert!(f.state.team_of(member_id(9)).is_some());
        assert_eq!(f.by(f.ana, Command::FormTeams).unwrap_err().code, ErrorCode::Forbidden);
    }

    #[test]
    fn a_team_latecomer_stays_marked_late_until_moved_or_teams_are_formed_again() {
        let (mut f, a, b) = two_teams();
        let (cy, dee) = (member_id(30), member_id(31));
        f.add(cy, "Cy", MemberRole::Participant);
        let team = f.state.team_of(cy).unwrap();
        assert_eq!(f.state.assessment.teams[&team].late, vec![cy]);
        let other = if team == a { b } else { a };
        f.by(f.fac, Command::MoveToTeam { member_id: cy, team: Some(other) }).unwrap();
        assert!(!f.state.late_to_team(cy));
        f.add(dee, "Dee", MemberRole::Participant);
        assert!(f.state.late_to_team(dee));
        f.by(f.fac, Command::FormTeams).unwrap();
        assert!(f.state.assessment.teams.values().all(|t| t.late.is_empty()));
    }

    #[test]
    fn a_latecomer_joins_a_team_with_people_in_it_not_one_kept_only_for_its_board() {
        let (mut f, a, b) = two_teams();
        f.by(f.bo, add("c1", b, 1, Column::Succeeded)).unwrap();
        // Bo goes: teams formed again without him leave his team empty, kept for its card.
        f.online.remove(&f.bo);
        f.by(f.fac, Command::FormTeams).unwrap();
        assert_eq!(f.state.team_of(f.ana), Some(a));
        assert!(f.state.assessment.teams[&b].members.is_empty());
        let cy = member_id(30);
        f.add(cy, "Cy", MemberRole::Participant);
        assert_eq!(f.state.team_of(cy), Some(a));
        assert!(f.state.late_to_team(cy));
    }

    #[test]
    fn only_the_team_writes_its_board_and_others_may_not() {
        let (mut f, a, b) = two_teams();
        f.by(f.ana, add("c1", a, 1, Column::Succeeded)).unwrap();
        assert_eq!(f.by(f.bo, add("c2", a, 1, Column::Failed)).unwrap_err().code, ErrorCode::Forbidden);
        let edit = Command::MoveCard { id: id("c1"), category: 2, column: Column::Failed };
        assert_eq!(f.by(f.bo, edit).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(f.by(f.ana, add("c3", a, 7, Column::Failed)).unwrap_err().code, ErrorCode::BadRequest);
        f.by(f.bo, add("c4", b, 6, Column::Failed)).unwrap();
        f.by(f.fac, Command::MoveCard { id: id("c4"), category: 2, column: Column::Succeeded }).unwrap();
        let c4 = &f.state.assessment.cards[&id("c4")];
        assert_eq!((c4.category, c4.column), (2, Column::Succeeded));
    }

    #[test]
    fn ratings_are_per_category_and_bounded() {
        let (mut f, a, _) = two_teams();
        let cy = member_id(4);
        f.add(cy, "Cy", MemberRole::Participant);
        f.by(f.fac, Command::MoveToTeam { member_id: cy, team: Some(a) }).unwrap();
        f.by(cy, Command::SetRating { team: a, category: 3, rating: 2 }).unwrap();
        f.by(f.ana, Command::SetRating { team: a, category: 1, rating: 5 }).unwrap();
        assert_eq!(f.state.assessment.teams[&a].ratings, vec![5, 0, 2, 0, 0, 0]);
        let err = f.by(cy, Command::SetRating { team: a, category: 3, rating: 6 }).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest);
    }

    #[test]
    fn forming_teams_again_keeps_each_board_with_its_number() {
        let (mut f, a, b) = two_teams();
        f.by(f.ana, add("c1", a, 1, Column::Succeeded)).unwrap();
        f.by(f.ana, Command::SetRating { team: a, category: 1, rating: 3 }).unwrap();
        f.by(f.fac, Command::FormTeams).unwrap();
        let teams = &f.state.assessment.teams;
        assert!(teams.contains_key(&a), "the board with a card stays");
        assert_eq!(teams[&a].ratings[0], 3);
        assert!(f.state.assessment.cards.values().all(|c| teams.contains_key(&c.team)));
        let _ = b;
    }

    #[test]
    fn a_team_takes_a_cluster_and_undo_puts_a_deleted_card_back() {
        let (mut f, a, _) = two_teams();
        let (n1, n2) = (id(&format!("{}:n1", f.ana)), id(&format!("{}:n2", f.ana)));
        f.by(f.ana, Command::AddNote { id: n1.clone(), text: "grow".into() }).unwrap();
        f.by(f.ana, Command::AddNote { id: n2.clone(), text: "grow more".into() }).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        let onto = Some(crate::command::DropTarget::Note { id: n1, new_cluster: id("k") });
        f.by(f.ana, Command::DropNote { id: n2, x: 0, y: 0, onto, seen: None }).unwrap();
        f.by(f.ana, Command::AssignCluster { team: a, cluster: Some(id("k")) }).unwrap();
        assert_eq!(f.state.assessment.teams[&a].cluster, Some(id("k")));
        let err = f.by(f.bo, Command::AssignCluster { team: a, cluster: None }).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);

        f.by(f.ana, add("c1", a, 1, Column::Succeeded)).unwrap();
        let before = f.state.assessment.cards.clone();
        f.by(f.ana, Command::DeleteCard { id: id("c1") }).unwrap();
        f.by(f.ana, Command::Undo).unwrap();
        assert_eq!(f.state.assessment.cards, before);
    }
}
