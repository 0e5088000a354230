//! Step 3: each group co-writes one sentence under an edit lease; the definitions go up on the
//! wall; anyone highlights words in any of them; the server suggests the common words; the
//! facilitator sets the room's working definition.

use super::{Context, require_facilitator, require_member};
use crate::event::Event;
use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::{MAX_DEFINITION_CHARS, MAX_HIGHLIGHT_CHARS, MAX_HIGHLIGHTS, MAX_WORKING_CHARS};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Definitions, Highlight, Lease, Role, RoomState, Wall};
use crate::terms::common_terms;
use crate::text::{Lines, clean};

/// Members of the group write its definition; facilitators may write any.
fn require_writer(state: &RoomState, ctx: &Context, group: GroupId) -> Result<MemberId, Rejection> {
    let me = require_member(state, ctx, "write a definition")?;
    if !state.definitions.groups.contains_key(&group) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such group"));
    }
    if ctx.actor.role != Role::Facilitator && state.group_of(me) != Some(group) {
        return Err(Rejection::forbidden("write another group's definition"));
    }
    Ok(me)
}

/// The lease `me` gets now, or who is writing if someone else holds it.
fn take_lease(state: &RoomState, ctx: &Context, group: GroupId, me: MemberId) -> Result<Lease, Rejection> {
    super::take_lease(state, ctx, state.definitions.texts.get(&group).and_then(|d| d.lease), me)
}

pub(super) fn lease(state: &RoomState, ctx: &Context, group: GroupId) -> Result<Vec<Event>, Rejection> {
    let me = require_writer(state, ctx, group)?;
    let lease = take_lease(state, ctx, group, me)?;
    Ok(vec![Event::LeaseChanged { group, lease: Some(lease) }])
}

pub(super) fn release(state: &RoomState, ctx: &Context, group: GroupId) -> Result<Vec<Event>, Rejection> {
    let me = require_writer(state, ctx, group)?;
    let held = state.definitions.texts.get(&group).and_then(|d| d.lease);
    match held {
        Some(lease) if lease.holder == me => Ok(vec![Event::LeaseChanged { group, lease: None }]),
        _ => Ok(Vec::new()),
    }
}

pub(super) fn write(
    state: &RoomState,
    ctx: &Context,
    group: GroupId,
    text: &str,
    release: bool,
) -> Result<Vec<Event>, Rejection> {
    let me = require_writer(state, ctx, group)?;
    let lease = take_lease(state, ctx, group, me)?;
    let text = clean("the definition", text, MAX_DEFINITION_CHARS, Lines::One)?;
    let mut events = Vec::new();
    let old = state.definitions.texts.get(&group).map(|d| d.text.as_str()).unwrap_or("");
    if old != text {
        events.push(Event::DefinitionChanged { group, text: text.clone(), by: Some(me), at: ctx.now });
        events.extend(reanchor(&state.definitions, group, &text));
    }
    events.push(Event::LeaseChanged { group, lease: (!release).then_some(lease) });
    with_common(state, events)
}

/// Highlights of `group` that no longer sit on their phrase move to where the phrase now is,
/// or are removed if it is gone.
fn reanchor(definitions: &Definitions, group: GroupId, text: &str) -> Vec<Event> {
    let chars: Vec<char> = text.chars().collect();
    let mut events = Vec::new();
    for highlight in definitions.highlights.values().filter(|h| h.group == group) {
        if phrase_at(&chars, highlight.start, highlight.end).as_deref() == Some(highlight.phrase.as_str()) {
            continue;
        }
        match find(&chars, &highlight.phrase) {
            Some(start) => {
                let end = start + highlight.phrase.chars().count() as u32;
                events.push(Event::HighlightSet { highlight: Highlight { start, end, ..highlight.clone() } });
            }
            None => events.push(Event::HighlightRemoved { id: highlight.id.clone() }),
        }
    }
    events
}

fn phrase_at(chars: &[char], start: u32, end: u32) -> Option<String> {
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    chars.get(start..end).map(|c| c.iter().collect())
}

fn find(chars: &[char], phrase: &str) -> Option<u32> {
    let needle: Vec<char> = phrase.chars().collect();
    if needle.is_empty() {
        return None;
    }
    chars.windows(needle.len()).position(|w| w == needle.as_slice()).and_then(|p| u32::try_from(p).ok())
}

/// Appends `common.changed` when `events` change the suggested common terms.
pub(super) fn with_common(state: &RoomState, mut events: Vec<Event>) -> Result<Vec<Event>, Rejection> {
    let mut after = state.definitions.clone();
    for event in &events {
        after.apply_event(event);
    }
    let common = common_terms(&after);
    if common != state.definitions.common {
        events.push(Event::CommonChanged { common });
    }
    Ok(events)
}

pub(super) fn show_wall(state: &RoomState, ctx: &Context, shown: bool) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "put definitions on the wall")?;
    let wall = Wall { shown, reading: if shown { state.definitions.wall.reading } else { None } };
    Ok(vec![Event::WallChanged { wall }])
}

pub(super) fn read_on_wall(
    state: &RoomState,
    ctx: &Context,
    group: Option<GroupId>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "choose the definition read out")?;
    if let Some(id) = group
        && !state.definitions.groups.contains_key(&id)
    {
        return Err(Rejection::new(ErrorCode::NotFound, "no such group"));
    }
    Ok(vec![Event::WallChanged { wall: Wall { shown: true, reading: group } }])
}

pub(super) fn add_highlight(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    group: GroupId,
    start: u32,
    end: u32,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "highlight")?;
    if !id.is_valid() {
        return Err(Rejection::new(
            ErrorCode::BadRequest,
            "a highlight id is 1-64 printable ASCII characters",
        ));
    }
    let highlights = &state.definitions.highlights;
    if highlights.contains_key(id) {
        return Err(Rejection::new(ErrorCode::Conflict, "a highlight with this id exists"));
    }
    if highlights.len() >= MAX_HIGHLIGHTS {
        return Err(Rejection::new(ErrorCode::LimitReached, "too many highlights in this room"));
    }
    let text = state.definitions.texts.get(&group).map(|d| d.text.as_str()).unwrap_or("");
    let chars: Vec<char> = text.chars().collect();
    let phrase = phrase_at(&chars, start, end)
        .filter(|_| start < end)
        .ok_or_else(|| Rejection::new(ErrorCode::BadRequest, "the highlight is outside the definition"))?;
    if phrase.trim().is_empty() || phrase.chars().count() > MAX_HIGHLIGHT_CHARS {
        return Err(Rejection::new(
            ErrorCode::BadRequest,
            format!("highlight 1 to {MAX_HIGHLIGHT_CHARS} characters of words"),
        ));
    }
    if highlights.values().any(|h| h.by == me && h.group == group && h.start == start && h.end == end) {
        return Err(Rejection::new(ErrorCode::Conflict, "you highlighted this already"));
    }
    let highlight = Highlight { id: id.clone(), group, start, end, phrase, by: me };
    with_common(state, vec![Event::HighlightSet { highlight }])
}

pub(super) fn remove_highlight(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "remove highlights")?;
    let highlight = state
        .definitions
        .highlights
        .get(id)
        .ok_or_else(|| Rejection::new(ErrorCode::Gone, "this highlight was removed"))?;
    if highlight.by != me && ctx.actor.role != Role::Facilitator {
        return Err(Rejection::forbidden("remove someone else's highlight"));
    }
    with_common(state, vec![Event::HighlightRemoved { id: id.clone() }])
}

pub(super) fn set_working(state: &RoomState, ctx: &Context, text: &str) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "set the working definition")?;
    let _ = state;
    let text = clean("the working definition", text, MAX_WORKING_CHARS, Lines::Many)?;
    Ok(vec![Event::WorkingChanged { text }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, NOW, member_id};
    use crate::command::Command;
    use crate::ids::{GroupId, ItemId};
    use crate::limits::LEASE_MS;
    use crate::messages::ErrorCode;
    use crate::state::MemberRole;

    /// Ana and Cy in group 1, Bo and Di in group 2.
    fn two_groups() -> (Fixture, GroupId, GroupId) {
        let mut f = Fixture::new();
        f.add(member_id(4), "Cy", MemberRole::Participant);
        f.add(member_id(5), "Di", MemberRole::Participant);
        f.by(f.fac, Command::FormGroups).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: f.ana, group: None }).unwrap();
        let g1 = f.state.group_of(f.ana).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: member_id(4), group: Some(g1) }).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: f.bo, group: None }).unwrap();
        let g2 = f.state.group_of(f.bo).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: member_id(5), group: Some(g2) }).unwrap();
        assert_eq!(f.state.definitions.groups.len(), 2, "{:?}", f.state.definitions.groups);
        (f, g1, g2)
    }

    fn write(group: GroupId, text: &str) -> Command {
        Command::WriteDefinition { group, text: text.into(), release: false }
    }

    #[test]
    fn one_writer_at_a_time_until_the_lease_expires_or_the_holder_leaves() {
        let (mut f, g1, _) = two_groups();
        let cy = member_id(4);
        f.by(f.ana, write(g1, "Clients first")).unwrap();
        let err = f.by(cy, write(g1, "Mine")).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (ErrorCode::Conflict, "Ana is writing"));
        assert_eq!(f.state.definitions.texts[&g1].text, "Clients first");

        // Expired: Cy takes over.
        f.now = NOW + LEASE_MS + 1;
        f.by(cy, write(g1, "Clients first, always")).unwrap();
        assert_eq!(f.state.definitions.texts[&g1].lease.unwrap().holder, cy);

        // Holder gone: Ana takes over at once.
        f.online.remove(&cy);
        f.by(f.ana, Command::LeaseDefinition { group: g1 }).unwrap();
        assert_eq!(f.state.definitions.texts[&g1].lease.unwrap().holder, f.ana);

        // Released: free for anyone in the group.
        f.online.insert(cy);
        f.by(f.ana, Command::WriteDefinition { group: g1, text: "Done.".into(), release: true }).unwrap();
        assert_eq!(f.state.definitions.texts[&g1].lease, None);
        f.by(cy, Command::LeaseDefinition { group: g1 }).unwrap();
    }

    #[test]
    fn other_groups_and_viewers_cannot_write_but_facilitators_can() {
        let (mut f, g1, g2) = two_groups();
        assert_eq!(f.by(f.bo, write(g1, "x")).unwrap_err().code, ErrorCode::Forbidden);
        let viewer = f.viewer();
        assert_eq!(f.run(&viewer, write(g1, "x")).unwrap_err().code, ErrorCode::Forbidden);
        f.by(f.fac, write(g2, "Facilitator fixes a typo")).unwrap();
        assert_eq!(f.by(f.ana, write(99, "x")).unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn highlights_follow_their_phrase_through_edits_and_feed_the_common_terms() {
        let (mut f, g1, g2) = two_groups();
        f.by(f.ana, write(g1, "Listen to client needs")).unwrap();
        f.by(f.bo, write(g2, "Design around client needs")).unwrap();
        let common: Vec<String> = f.state.definitions.common.iter().map(|t| t.term.clone()).collect();
        assert_eq!(common, ["client", "client needs", "needs"]);

        let hl =
            |id: &str, group, start, end| Command::AddHighlight { id: ItemId(id.into()), group, start, end };
        f.by(f.bo, hl("h1", g1, 10, 22)).unwrap();
        assert_eq!(f.state.definitions.highlights[&ItemId("h1".into())].phrase, "client needs");
        assert_eq!(f.by(f.bo, hl("h2", g1, 10, 22)).unwrap_err().code, ErrorCode::Conflict);
        assert_eq!(f.by(f.bo, hl("h3", g1, 10, 99)).unwrap_err().code, ErrorCode::BadRequest);
        f.by(f.ana, hl("h4", g1, 10, 22)).unwrap();
        let term = f.state.definitions.common.iter().find(|t| t.term == "client needs").unwrap();
        assert_eq!((term.definitions, term.highlights), (2, 2));

        f.by(f.ana, write(g1, "We listen to client needs")).unwrap();
        let moved = &f.state.definitions.highlights[&ItemId("h1".into())];
        assert_eq!((moved.start, moved.end), (13, 25));
        f.by(f.ana, write(g1, "We listen")).unwrap();
        assert!(f.state.definitions.highlights.is_empty(), "the phrase is gone");

        f.by(f.bo, hl("h5", g2, 0, 6)).unwrap();
        assert_eq!(
            f.by(f.ana, Command::RemoveHighlight { id: ItemId("h5".into()) }).unwrap_err().code,
            ErrorCode::Forbidden
        );
        f.by(f.fac, Command::RemoveHighlight { id: ItemId("h5".into()) }).unwrap();
    }

    #[test]
    fn the_wall_and_the_working_definition_are_the_facilitators() {
        let (mut f, g1, _) = two_groups();
        assert_eq!(f.by(f.ana, Command::ShowWall { shown: true }).unwrap_err().code, ErrorCode::Forbidden);
        f.by(f.fac, Command::ReadOnWall { group: Some(g1) }).unwrap();
        assert!(f.state.definitions.wall.shown);
        assert_eq!(f.state.definitions.wall.reading, Some(g1));
        f.by(f.fac, Command::ShowWall { shown: false }).unwrap();
        assert_eq!(f.state.definitions.wall.reading, None);
        let set = Command::SetWorkingDefinition { text: "Clients first.".into() };
        assert_eq!(f.by(f.ana, set.clone()).unwrap_err().code, ErrorCode::Forbidden);
        f.by(f.fac, set).unwrap();
        assert_eq!(f.state.definitions.working, "Clients first.");
    }
}
