//! Step 5: teams (the step 3 groups, or new ones), the client type each assesses, and each
//! team's board of example cards in six categories with ratings. Team members write; everyone
//! else may look.

use std::collections::BTreeMap;

use super::{Context, Rng, require_facilitator, require_member, take_lease};
use crate::event::Event;
use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::{CATEGORY_COUNT, MAX_CARD_CHARS, MAX_CARDS, MAX_RATING};
use crate::messages::{ErrorCode, Rejection};
use crate::rules::groups::{balanced, destination};
use crate::state::{Card, Column, Role, RoomState, Team};
use crate::text::{Lines, clean};

fn team(id: GroupId, members: Vec<MemberId>) -> Team {
    Team { id, members, cluster: None, ratings: vec![0; usize::from(CATEGORY_COUNT)] }
}

fn teams_event(teams: BTreeMap<GroupId, Team>) -> Vec<Event> {
    vec![Event::TeamsChanged { teams }]
}

pub(super) fn from_groups(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "form teams")?;
    if state.definitions.groups.is_empty() {
        return Err(Rejection::new(ErrorCode::Conflict, "there are no groups yet"));
    }
    let teams = state.definitions.groups.values().map(|g| (g.id, team(g.id, g.members.clone()))).collect();
    Ok(teams_event(teams))
}

pub(super) fn form(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "form teams")?;
    let mut present: Vec<MemberId> =
        state.participants().into_iter().filter(|id| ctx.online.contains(id)).collect();
    if present.is_empty() {
        return Err(Rejection::new(ErrorCode::Conflict, "no participant is present to form teams"));
    }
    Rng::new(ctx.seed).shuffle(&mut present);
    let teams = balanced(&present, state.settings.group_size)
        .into_values()
        .map(|g| (g.id, team(g.id, g.members)))
        .collect();
    Ok(teams_event(teams))
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
    let current = &state.assessment.teams;
    let target = destination(current, to, "no such team")?;
    // A team that loses its last member keeps its board (its cards stay), so it is kept too.
    let mut teams: BTreeMap<GroupId, Team> = current
        .iter()
        .map(|(id, t)| {
            let members = t.members.iter().copied().filter(|m| *m != member).collect();
            (*id, Team { members, ..t.clone() })
        })
        .collect();
    teams.entry(target).or_insert_with(|| team(target, Vec::new())).members.push(member);
    Ok(teams_event(teams))
}

/// Puts a participant who joins after teams were formed into the smallest team.
pub(super) fn place_latecomer(state: &RoomState, member: MemberId) -> Option<Event> {
    let smallest = state.assessment.teams.values().min_by_key(|t| (t.members.len(), t.id))?;
    let mut teams = state.assessment.teams.clone();
    teams.get_mut(&smallest.id)?.members.push(member);
    Some(Event::TeamsChanged { teams })
}

/// Members of the team write on its board; facilitators on any.
fn require_team_writer(state: &RoomState, ctx: &Context, team: GroupId) -> Result<MemberId, Rejection> {
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
        return Err(Rejection::new(ErrorCode::Gone, "this cluster was removed"));
    }
    let mut teams = state.assessment.teams.clone();
    if let Some(t) = teams.get_mut(&team) {
        t.cluster.clone_from(cluster);
    }
    Ok(teams_event(teams))
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
    let text = clean("the example", text, MAX_CARD_CHARS, Lines::Many)?;
    let card =
        Card { id: id.clone(), team, category, column, text, author: me, lease: None, created_at: ctx.now };
    Ok(vec![Event::CardSet { card }])
}

fn card<'s>(state: &'s RoomState, id: &ItemId) -> Result<&'s Card, Rejection> {
    state.assessment.cards.get(id).ok_or_else(|| Rejection::new(ErrorCode::Gone, "this card was deleted"))
}

pub(super) fn write_card(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    text: &str,
    release: bool,
) -> Result<Vec<Event>, Rejection> {
    let old = card(state, id)?;
    let me = require_team_writer(state, ctx, old.team)?;
    let lease = take_lease(state, ctx, old.lease, me)?;
    let text = clean("the example", text, MAX_CARD_CHARS, Lines::Many)?;
    let card = Card { text, lease: (!release).then_some(lease), ..old.clone() };
    Ok(vec![Event::CardSet { card }])
}

pub(super) fn move_card(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    category: u8,
    column: Column,
) -> Result<Vec<Event>, Rejection> {
    let old = card(state, id)?;
    require_team_writer(state, ctx, old.team)?;
    let category = check_category(category)?;
    Ok(vec![Event::CardSet { card: Card { category, column, ..old.clone() } }])
}

pub(super) fn delete_card(state: &RoomState, ctx: &Context, id: &ItemId) -> Result<Vec<Event>, Rejection> {
    let old = card(state, id)?;
    require_team_writer(state, ctx, old.team)?;
    Ok(vec![Event::CardRemoved { id: id.clone() }])
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
    let mut teams = state.assessment.teams.clone();
    if let Some(slot) = teams.get_mut(&team).and_then(|t| t.ratings.get_mut(usize::from(category - 1))) {
        *slot = rating;
    }
    Ok(teams_event(teams))
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
    fn only_the_team_writes_its_board_and_others_may_not() {
        let (mut f, a, b) = two_teams();
        f.by(f.ana, add("c1", a, 1, Column::Succeeded)).unwrap();
        assert_eq!(f.by(f.bo, add("c2", a, 1, Column::Failed)).unwrap_err().code, ErrorCode::Forbidden);
        let edit = Command::WriteCard { id: id("c1"), text: "x".into(), release: true };
        assert_eq!(f.by(f.bo, edit).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(f.by(f.ana, add("c3", a, 7, Column::Failed)).unwrap_err().code, ErrorCode::BadRequest);
        f.by(f.bo, add("c4", b, 6, Column::Failed)).unwrap();
        f.by(f.fac, Command::MoveCard { id: id("c4"), category: 2, column: Column::Succeeded }).unwrap();
        let c4 = &f.state.assessment.cards[&id("c4")];
        assert_eq!((c4.category, c4.column), (2, Column::Succeeded));
    }

    #[test]
    fn card_text_is_leased_and_ratings_are_bounded() {
        let (mut f, a, _) = two_teams();
        let cy = member_id(4);
        f.add(cy, "Cy", MemberRole::Participant);
        f.by(f.fac, Command::MoveToTeam { member_id: cy, team: Some(a) }).unwrap();
        f.by(f.ana, add("c1", a, 3, Column::Failed)).unwrap();
        f.by(f.ana, Command::WriteCard { id: id("c1"), text: "We lost a client".into(), release: false })
            .unwrap();
        let err =
            f.by(cy, Command::WriteCard { id: id("c1"), text: "mine".into(), release: false }).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        f.by(f.ana, Command::WriteCard { id: id("c1"), text: "We lost a big client".into(), release: true })
            .unwrap();
        f.by(
            cy,
            Command::WriteCard { id: id("c1"), text: "We lost a big client in May".into(), release: true },
        )
        .unwrap();

        f.by(cy, Command::SetRating { team: a, category: 3, rating: 2 }).unwrap();
        assert_eq!(f.state.assessment.teams[&a].ratings, vec![0, 0, 2, 0, 0, 0]);
        let err = f.by(cy, Command::SetRating { team: a, category: 3, rating: 6 }).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest);
    }

    #[test]
    fn a_team_takes_a_cluster_and_undo_puts_a_deleted_card_back() {
        let (mut f, a, _) = two_teams();
        f.by(f.ana, Command::AddNote { id: id("n1"), text: "grow".into() }).unwrap();
        f.by(f.ana, Command::AddNote { id: id("n2"), text: "grow more".into() }).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        let onto = Some(crate::command::DropTarget::Note { id: id("n1"), new_cluster: id("k") });
        f.by(f.ana, Command::DropNote { id: id("n2"), x: 0, y: 0, onto }).unwrap();
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
