//! Step 6: the presenting team, areas for improvement, secret dot voting, the ranked list and
//! its follow-up; and closing the room.

use std::collections::{BTreeMap, BTreeSet};

use super::{Context, missing, require_facilitator, require_member, texts};
use crate::event::Event;
use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::{MAX_AREA_CHARS, MAX_AREAS, MAX_DOTS, MAX_MERGED_AREAS, MAX_OWNER_CHARS};
use crate::messages::{ErrorCode, Rejection};
use crate::shared::TextTarget;
use crate::state::{Area, Column, Merged, Role, RoomState, VotePhase};
use crate::text::{Lines, clean, clean_required};

pub(super) fn set_presenting(
    state: &RoomState,
    ctx: &Context,
    team: Option<GroupId>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "choose who presents")?;
    if let Some(id) = team
        && !state.assessment.teams.contains_key(&id)
    {
        return Err(Rejection::new(ErrorCode::NotFound, "no such team"));
    }
    Ok(vec![Event::PresentingChanged { team }])
}

pub(super) fn area<'s>(state: &'s RoomState, id: &ItemId) -> Result<&'s Area, Rejection> {
    state.priorities.areas.get(id).ok_or_else(|| missing(state, id, "area"))
}

/// The area's author or a facilitator.
fn require_owner(state: &RoomState, ctx: &Context, area: &Area, what: &str) -> Result<MemberId, Rejection> {
    let me = require_member(state, ctx, what)?;
    if area.author != me && ctx.actor.role != Role::Facilitator {
        return Err(Rejection::forbidden(what));
    }
    Ok(me)
}

pub(super) fn add_area(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    text: &str,
    from_card: &Option<ItemId>,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "propose areas for improvement")?;
    if !id.is_valid() {
        return Err(Rejection::new(ErrorCode::BadRequest, "an area id is 1-64 printable ASCII characters"));
    }
    if state.priorities.areas.contains_key(id) {
        return Err(Rejection::new(ErrorCode::Conflict, "an area with this id exists"));
    }
    if state.priorities.areas.len() >= MAX_AREAS {
        return Err(Rejection::new(ErrorCode::LimitReached, format!("{MAX_AREAS} areas at most")));
    }
    if state.priorities.finalised {
        return Err(Rejection::new(ErrorCode::Conflict, "the list is final: unlock it to add an area"));
    }
    // From a failure card, the card's words are the default.
    let text = match from_card {
        Some(card_id) => {
            let card = state.assessment.cards.get(card_id).ok_or_else(|| missing(state, card_id, "card"))?;
            if card.column != Column::Failed {
                return Err(Rejection::new(ErrorCode::BadRequest, "areas come from failure cards"));
            }
            let card_text = state.text_of(&TextTarget::Card { id: card_id.clone() });
            let text = if text.trim().is_empty() { card_text } else { text };
            let text: String = text.chars().take(MAX_AREA_CHARS).collect();
            clean_required("the area", &text.replace(['\n', '\t'], " "), MAX_AREA_CHARS, Lines::One)?
        }
        None => clean_required("the area", text, MAX_AREA_CHARS, Lines::One)?,
    };
    let first = texts::start(state, ctx, &TextTarget::Area { id: id.clone() }, &text)?;
    let area = Area {
        id: id.clone(),
        from_card: from_card.clone(),
        author: me,
        owner: None,
        due: None,
        created_at: ctx.now,
        merged: Vec::new(),
    };
    let mut events = vec![Event::AreaSet { area }];
    events.extend(first);
    // Once there is a ranking, a new area joins it at the end: it is a priority like the others,
    // to be given an owner and moved up.
    let p = &state.priorities;
    if !p.ranking.is_empty() {
        let mut ranking = p.ranking.clone();
        ranking.push(id.clone());
        events.push(Event::RankingChanged { ranking, finalised: false });
    }
    Ok(events)
}

/// Events that take `id` out of the ranking, if it is there.
fn unrank(state: &RoomState, ids: &[&ItemId]) -> Option<Event> {
    let p = &state.priorities;
    let ranking: Vec<ItemId> = p.ranking.iter().filter(|r| !ids.contains(r)).cloned().collect();
    (ranking.len() != p.ranking.len()).then_some(Event::RankingChanged { ranking, finalised: p.finalised })
}

pub(super) fn delete_area(state: &RoomState, ctx: &Context, id: &ItemId) -> Result<Vec<Event>, Rejection> {
    let old = area(state, id)?;
    require_owner(state, ctx, old, "remove someone else's area")?;
    if state.priorities.phase == VotePhase::Open {
        return Err(Rejection::new(ErrorCode::Conflict, "areas stay while the vote is open"));
    }
    let mut events = vec![Event::AreaRemoved { id: id.clone() }];
    events.extend(unrank(state, &[id]));
    let p = &state.priorities;
    if p.tally.contains_key(id) {
        let mut tally = p.tally.clone();
        tally.remove(id);
        events.push(Event::TallyChanged { tally });
    }
    Ok(events)
}

pub(super) fn merge_areas(
    state: &RoomState,
    ctx: &Context,
    from: &ItemId,
    into: &ItemId,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "merge areas")?;
    if from == into {
        return Err(Rejection::new(ErrorCode::BadRequest, "an area cannot be merged into itself"));
    }
    let gone = area(state, from)?;
    let kept = area(state, into)?;
    if state.priorities.phase == VotePhase::Open {
        return Err(Rejection::new(ErrorCode::Conflict, "merge areas before or after the vote"));
    }
    // The duplicate's words and author stay with the area it joins (and what was merged into it).
    let mut merged = kept.merged.clone();
    merged.extend(gone.merged.iter().cloned());
    if merged.len() >= MAX_MERGED_AREAS {
        return Err(Rejection::new(
            ErrorCode::LimitReached,
            format!("{MAX_MERGED_AREAS} areas merged into one at most"),
        ));
    }
    let text = state.text_of(&TextTarget::Area { id: from.clone() });
    merged.push(Merged { text: text.to_owned(), author: gone.author });
    let mut events = vec![
        Event::AreaSet { area: Area { merged, ..kept.clone() } },
        Event::AreaRemoved { id: from.clone() },
    ];
    let p = &state.priorities;
    if let Some(dots) = p.tally.get(from) {
        let mut tally = p.tally.clone();
        tally.remove(from);
        *tally.entry(into.clone()).or_default() += dots;
        events.push(Event::TallyChanged { tally });
    }
    events.extend(unrank(state, &[from]));
    Ok(events)
}

pub(super) fn open_vote(state: &RoomState, ctx: &Context, dots: u8) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "open the vote")?;
    if !(1..=MAX_DOTS).contains(&dots) {
        return Err(Rejection::new(ErrorCode::BadRequest, format!("1 to {MAX_DOTS} dots each")));
    }
    if state.priorities.areas.is_empty() {
        return Err(Rejection::new(ErrorCode::Conflict, "there is nothing to vote on yet"));
    }
    Ok(vec![Event::VotePhaseChanged { phase: VotePhase::Open, dots }])
}

pub(super) fn set_vote(
    state: &RoomState,
    ctx: &Context,
    area_id: &ItemId,
    dots: u8,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "vote")?;
    let p = &state.priorities;
    if p.phase != VotePhase::Open {
        return Err(Rejection::new(ErrorCode::Conflict, "the vote is not open"));
    }
    area(state, area_id)?;
    let mine = p.votes.get(&me);
    let elsewhere: u32 =
        mine.map_or(0, |v| v.iter().filter(|(a, _)| *a != area_id).map(|(_, d)| u32::from(*d)).sum());
    let used = elsewhere + u32::from(dots);
    if used > u32::from(p.dots) {
        return Err(Rejection::new(ErrorCode::LimitReached, format!("you have {} dots in all", p.dots)));
    }
    let used = u8::try_from(used).unwrap_or(u8::MAX);
    Ok(vec![
        Event::VoteSet { member_id: me, area: area_id.clone(), dots },
        Event::VotesUsed { member_id: me, used },
    ])
}

/// Areas by dots (most first), then in the order they were proposed.
fn ranked(state: &RoomState, tally: &BTreeMap<ItemId, u32>) -> Vec<ItemId> {
    let mut areas: Vec<&Area> = state.priorities.areas.values().collect();
    areas.sort_by_key(|a| {
        (std::cmp::Reverse(tally.get(&a.id).copied().unwrap_or(0)), a.created_at, a.id.clone())
    });
    areas.into_iter().map(|a| a.id.clone()).collect()
}

pub(super) fn close_vote(state: &RoomState, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "close the vote")?;
    let p = &state.priorities;
    if p.phase != VotePhase::Open {
        return Err(Rejection::new(ErrorCode::Conflict, "the vote is not open"));
    }
    let mut tally: BTreeMap<ItemId, u32> = BTreeMap::new();
    for (area, dots) in p.votes.values().flatten() {
        if p.areas.contains_key(area) {
            *tally.entry(area.clone()).or_default() += u32::from(*dots);
        }
    }
    let ranking = ranked(state, &tally);
    Ok(vec![
        Event::VotePhaseChanged { phase: VotePhase::Closed, dots: p.dots },
        Event::TallyChanged { tally },
        Event::RankingChanged { ranking, finalised: false },
    ])
}

pub(super) fn set_ranking(
    state: &RoomState,
    ctx: &Context,
    order: &[ItemId],
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "reorder the priorities")?;
    let p = &state.priorities;
    if p.finalised {
        return Err(Rejection::new(ErrorCode::Conflict, "the list is final: unlock it first"));
    }
    let mut seen = BTreeSet::new();
    let mut ranking = Vec::new();
    for id in order {
        area(state, id)?;
        if seen.insert(id) {
            ranking.push(id.clone());
        }
    }
    // Anything left out keeps its place after the given order.
    for id in ranked(state, &p.tally) {
        if !seen.contains(&id) {
            ranking.push(id);
        }
    }
    Ok(vec![Event::RankingChanged { ranking, finalised: false }])
}

pub(super) fn finalise(state: &RoomState, ctx: &Context, finalised: bool) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "finalise the priorities")?;
    let p = &state.priorities;
    let ranking = if p.ranking.is_empty() { ranked(state, &p.tally) } else { p.ranking.clone() };
    Ok(vec![Event::RankingChanged { ranking, finalised }])
}

/// `YYYY-MM-DD`, a day that exists (the 30th of February does not), in year 1 or later.
fn check_date(date: &str) -> Result<String, Rejection> {
    let bad = || Rejection::new(ErrorCode::BadRequest, "a due date is YYYY-MM-DD");
    let parts: Vec<&str> = date.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad());
    }
    let parse = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let (y, m, d) = (parse(y)?, parse(m)?, parse(d)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if y == 0 || !(1..=days).contains(&d) {
        return Err(bad());
    }
    Ok(date.trim().to_owned())
}

pub(super) fn follow_up(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    owner: &Option<String>,
    due: &Option<String>,
) -> Result<Vec<Event>, Rejection> {
    let old = area(state, id)?;
    require_owner(state, ctx, old, "set the follow-up of someone else's area")?;
    let owner = match owner {
        Some(name) => Some(clean("the owner", name, MAX_OWNER_CHARS, Lines::One)?).filter(|n| !n.is_empty()),
        None => None,
    };
    let due = match due {
        Some(date) if !date.trim().is_empty() => Some(check_date(date)?),
        _ => None,
    };
    Ok(vec![Event::AreaSet { area: Area { owner, due, ..old.clone() } }])
}

pub(super) fn close_room(ctx: &Context, closed: bool) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "close the room")?;
    Ok(vec![Event::RoomClosed { closed }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::Fixture;
    use crate::command::Command;
    use crate::ids::ItemId;
    use crate::messages::ErrorCode;
    use crate::shared::TextTarget;
    use crate::state::{Column, VotePhase};

    fn id(s: &str) -> ItemId {
        ItemId(s.into())
    }

    fn area(a: &str, text: &str) -> Command {
        Command::AddArea { id: id(a), text: text.into(), from_card: None }
    }

    fn vote(a: &str, dots: u8) -> Command {
        Command::SetVote { area: id(a), dots }
    }

    #[test]
    fn areas_come_from_failure_cards_or_are_new() {
        let mut f = Fixture::new();
        f.by(f.fac, Command::FormTeams).unwrap();
        let team = f.state.team_of(f.ana).unwrap();
        let card = |c: &str, column| Command::AddCard {
            id: id(c),
            team,
            category: 1,
            column,
            text: "Nobody read the survey".into(),
        };
        f.by(f.ana, card("fail", Column::Failed)).unwrap();
        f.by(f.ana, card("win", Column::Succeeded)).unwrap();
        f.by(f.bo, Command::AddArea { id: id("a1"), text: String::new(), from_card: Some(id("fail")) })
            .unwrap();
        assert_eq!(f.state.text_of(&TextTarget::Area { id: id("a1") }), "Nobody read the survey");
        let from_success = Command::AddArea { id: id("a2"), text: String::new(), from_card: Some(id("win")) };
        assert_eq!(f.by(f.bo, from_success).unwrap_err().code, ErrorCode::BadRequest);
        f.by(f.bo, area("a3", "Act on feedback")).unwrap();
        assert_eq!(f.by(f.ana, Command::DeleteArea { id: id("a3") }).unwrap_err().code, ErrorCode::Forbidden);
    }

    #[test]
    fn votes_are_secret_and_bounded_until_the_vote_closes_and_ranks() {
        let mut f = Fixture::new();
        f.by(f.ana, area("a", "Act on feedback")).unwrap();
        f.by(f.ana, area("b", "Train listening")).unwrap();
        f.by(f.ana, area("c", "Track experience")).unwrap();
        assert_eq!(f.by(f.ana, vote("a", 1)).unwrap_err().code, ErrorCode::Conflict, "not open yet");
        f.by(f.fac, Command::OpenVote { dots: 3 }).unwrap();
        let events = f.by(f.ana, vote("b", 2)).unwrap();
        assert_eq!(events[0].audience(), Some(f.ana), "where a dot goes is secret");
        assert_eq!(events[1].audience(), None, "how many are used is not");
        assert_eq!(f.by(f.ana, vote("a", 2)).unwrap_err().code, ErrorCode::LimitReached);
        f.by(f.ana, vote("a", 1)).unwrap();
        f.by(f.ana, vote("b", 1)).unwrap();
        f.by(f.bo, vote("b", 3)).unwrap();
        assert!(f.state.view_for(Some(f.bo)).priorities.votes.keys().all(|m| *m == f.bo));
        assert!(f.state.priorities.tally.is_empty());

        f.by(f.fac, Command::CloseVote).unwrap();
        let p = &f.state.priorities;
        assert_eq!(p.phase, VotePhase::Closed);
        assert_eq!((p.tally[&id("b")], p.tally[&id("a")]), (4, 1));
        assert_eq!(p.ranking, vec![id("b"), id("a"), id("c")]);
        assert_eq!(f.by(f.bo, vote("c", 1)).unwrap_err().code, ErrorCode::Conflict);
    }

    #[test]
    fn an_area_added_after_the_vote_joins_the_ranking_and_none_joins_a_final_list() {
        let mut f = Fixture::new();
        f.by(f.ana, area("a", "one")).unwrap();
        f.by(f.fac, Command::OpenVote { dots: 1 }).unwrap();
        f.by(f.bo, vote("a", 1)).unwrap();
        f.by(f.fac, Command::CloseVote).unwrap();
        assert_eq!(f.state.priorities.ranking, vec![id("a")]);
        f.by(f.bo, area("b", "two")).unwrap();
        assert_eq!(f.state.priorities.ranking, vec![id("a"), id("b")]);
        f.by(f.bo, Command::Undo).unwrap();
        assert_eq!(f.state.priorities.ranking, vec![id("a")], "undo takes it out of the ranking too");
        f.by(f.fac, Command::FinaliseRanking { finalised: true }).unwrap();
        let refused = f.by(f.bo, area("c", "three")).unwrap_err();
        assert_eq!(refused.code, ErrorCode::Conflict);
        assert!(!f.state.priorities.areas.contains_key(&id("c")));
    }

    #[test]
    fn the_facilitator_reorders_finalises_and_records_follow_ups() {
        let mut f = Fixture::new();
        for (a, t) in [("a", "one"), ("b", "two"), ("c", "three")] {
            f.by(f.ana, area(a, t)).unwrap();
        }
        f.by(f.fac, Command::SetRanking { order: vec![id("c"), id("a")] }).unwrap();
        assert_eq!(f.state.priorities.ranking, vec![id("c"), id("a"), id("b")]);
        f.by(f.fac, Command::FinaliseRanking { finalised: true }).unwrap();
        assert_eq!(f.by(f.fac, Command::SetRanking { order: vec![] }).unwrap_err().code, ErrorCode::Conflict);
        assert_eq!(
            f.by(f.ana, Command::FinaliseRanking { finalised: false }).unwrap_err().code,
            ErrorCode::Forbidden
        );

        let follow =
            |due: &str| Command::FollowUp { id: id("c"), owner: Some("Ana".into()), due: Some(due.into()) };
        f.by(f.fac, follow("2027-01-15")).unwrap();
        let c = &f.state.priorities.areas[&id("c")];
        assert_eq!((c.owner.as_deref(), c.due.as_deref()), (Some("Ana"), Some("2027-01-15")));
        assert_eq!(f.by(f.fac, follow("15/01/2027")).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(f.by(f.fac, follow("2027-13-01")).unwrap_err().code, ErrorCode::BadRequest);
        for no_such_day in ["2027-02-29", "2027-02-30", "2027-04-31", "0000-01-01"] {
            assert_eq!(
                f.by(f.fac, follow(no_such_day)).unwrap_err().code,
                ErrorCode::BadRequest,
                "{no_such_day}"
            );
        }
        f.by(f.fac, follow("2028-02-29")).unwrap();
    }

    #[test]
    fn merging_areas_moves_their_dots_and_a_closed_room_changes_nothing() {
        let mut f = Fixture::new();
        f.by(f.ana, area("a", "Act on feedback")).unwrap();
        f.by(f.ana, area("b", "Use feedback")).unwrap();
        f.by(f.fac, Command::OpenVote { dots: 2 }).unwrap();
        f.by(f.ana, vote("a", 1)).unwrap();
        f.by(f.bo, vote("b", 2)).unwrap();
        assert_eq!(
            f.by(f.fac, Command::MergeAreas { from: id("b"), into: id("a") }).unwrap_err().code,
            ErrorCode::Conflict
        );
        f.by(f.fac, Command::CloseVote).unwrap();
        f.by(f.fac, Command::MergeAreas { from: id("b"), into: id("a") }).unwrap();
        assert_eq!(f.state.priorities.tally[&id("a")], 3);
        assert_eq!(f.state.priorities.ranking, vec![id("a")]);

        f.by(f.fac, Command::CloseRoom { closed: true }).unwrap();
        assert_eq!(f.by(f.ana, area("z", "late")).unwrap_err().code, ErrorCode::Conflict);
        assert_eq!(f.by(f.fac, Command::SetStep { step: 2 }).unwrap_err().code, ErrorCode::Conflict);
        f.by(f.fac, Command::CloseRoom { closed: false }).unwrap();
        f.by(f.ana, area("z", "late")).unwrap();
    }

    #[test]
    fn a_merged_area_keeps_its_words_and_author_with_the_one_it_joined_until_undone() {
        let mut f = Fixture::new();
        f.by(f.ana, area("a", "Act on feedback")).unwrap();
        f.by(f.bo, area("b", "Use what clients tell us")).unwrap();
        f.by(f.ana, area("c", "Listen better")).unwrap();
        f.by(f.fac, Command::MergeAreas { from: id("c"), into: id("b") }).unwrap();
        f.by(f.fac, Command::MergeAreas { from: id("b"), into: id("a") }).unwrap();
        let kept = &f.state.priorities.areas[&id("a")];
        let merged: Vec<_> = kept.merged.iter().map(|m| (m.text.as_str(), m.author)).collect();
        assert_eq!(merged, vec![("Listen better", f.ana), ("Use what clients tell us", f.bo)]);
        // A snapshot keeps them; undoing the last merge brings Bo's area back and takes his
        // words off Ana's.
        let json = serde_json::to_string(&f.state).unwrap();
        let back: crate::RoomState = serde_json::from_str(&json).unwrap();
        assert_eq!(back.priorities.areas[&id("a")].merged.len(), 2);
        f.by(f.fac, Command::Undo).unwrap();
        assert!(f.state.priorities.areas[&id("a")].merged.is_empty());
        assert_eq!(f.state.priorities.areas[&id("b")].merged.len(), 1);

        // Adding and merging again and again keeps a bounded list.
        for n in 0..=crate::limits::MAX_MERGED_AREAS {
            let dup = format!("d{n}");
            f.by(f.ana, area(&dup, "again")).unwrap();
            let merge = Command::MergeAreas { from: id(&dup), into: id("a") };
            let answer = f.by(f.fac, merge);
            if n < crate::limits::MAX_MERGED_AREAS {
                answer.unwrap();
            } else {
                assert_eq!(answer.unwrap_err().code, ErrorCode::LimitReached);
            }
        }
        assert_eq!(f.state.priorities.areas[&id("a")].merged.len(), crate::limits::MAX_MERGED_AREAS);
    }
}
