//! Step 3: each group co-writes one sentence (a shared text, see [`super::texts`]); the
//! definitions go up on the wall side by side, one read out at a time; anyone highlights words
//! and phrases in any of them, and the room sees which recur (the common terms, recomputed on
//! every change); the facilitator sets the working definition.

use super::{Context, missing, require_facilitator, require_member};
use crate::event::Event;
use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::{MAX_HIGHLIGHT_CHARS, MAX_HIGHLIGHTS, MAX_WORKING_CHARS};
use crate::messages::{ErrorCode, Rejection};
use crate::shared::{TextTarget, encode_base64, slice_utf16};
use crate::state::{Anchor, Highlight, Role, RoomState, Wall};
use crate::text::{Lines, clean};

/// A member of `group`, or a facilitator: who may write the group's sentence.
pub(super) fn require_writer(
    state: &RoomState,
    ctx: &Context,
    group: GroupId,
) -> Result<MemberId, Rejection> {
    let me = require_member(state, ctx, "write a definition")?;
    if !state.definitions.groups.contains_key(&group) {
        return Err(Rejection::new(ErrorCode::NotFound, "no such group"));
    }
    if ctx.actor.role != Role::Facilitator && state.group_of(me) != Some(group) {
        return Err(Rejection::forbidden("write another group's definition"));
    }
    Ok(me)
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
    if highlights.contains_key(id) || state.book.is_buried(id) {
        return Err(Rejection::new(ErrorCode::Conflict, "a highlight with this id exists"));
    }
    if highlights.len() >= MAX_HIGHLIGHTS {
        return Err(Rejection::new(ErrorCode::LimitReached, "too many highlights in this room"));
    }
    let shared = state.texts.get(&TextTarget::Definition { group }.key());
    let text = shared.map_or("", |t| t.text.as_str());
    let phrase = slice_utf16(text, start, end)
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
    // Anchored to the characters, so the highlight stays on its words as the sentence changes.
    let anchor = shared.and_then(|t| {
        let start = t.doc.anchor(start, yrs::Assoc::After)?;
        let end = t.doc.anchor(end, yrs::Assoc::Before)?;
        Some(Anchor { start: encode_base64(&start), end: encode_base64(&end) })
    });
    let highlight = Highlight { id: id.clone(), group, start, end, phrase, by: me, anchor };
    Ok(vec![Event::HighlightSet { highlight }])
}

pub(super) fn remove_highlight(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "remove highlights")?;
    let highlight = state.definitions.highlights.get(id).ok_or_else(|| missing(state, id, "highlight"))?;
    if highlight.by != me && ctx.actor.role != Role::Facilitator {
        return Err(Rejection::forbidden("remove someone else's highlight"));
    }
    Ok(vec![Event::HighlightRemoved { id: id.clone() }])
}

pub(super) fn set_working(state: &RoomState, ctx: &Context, text: &str) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "set the working definition")?;
    let text = clean("the working definition", text, MAX_WORKING_CHARS, Lines::Many)?;
    if text == state.definitions.working {
        return Ok(Vec::new());
    }
    Ok(vec![Event::WorkingChanged { text }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, member_id};
    use crate::command::Command;
    use crate::ids::{GroupId, ItemId};
    use crate::messages::ErrorCode;
    use crate::shared::{ROOM_CLIENT, TEXT_NAME, TextTarget, encode_base64};
    use crate::state::MemberRole;
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, GetString, Text, Transact, Update};

    fn two_groups() -> (Fixture, GroupId, GroupId) {
        let mut f = Fixture::new();
        f.add(member_id(4), "Cy", MemberRole::Participant);
        f.add(member_id(5), "Di", MemberRole::Participant);
        f.by(f.fac, Command::SetStep { step: 3 }).unwrap();
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

    /// A browser copy of `group`'s sentence that replaces it all with `text`.
    fn rewrite(f: &Fixture, group: GroupId, client: u64, text: &str) -> Command {
        assert_ne!(client, ROOM_CLIENT);
        let target = TextTarget::Definition { group };
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::with_client_id(yrs::block::ClientID::new(client))
        });
        let t = doc.get_or_insert_text(TEXT_NAME);
        if let Some(shared) = f.state.texts.get(&target.key()) {
            doc.transact_mut().apply_update(Update::decode_v1(&shared.doc.encode()).unwrap()).unwrap();
        }
        let mut txn = doc.transact_mut();
        let len = t.get_string(&txn).encode_utf16().count() as u32;
        if len > 0 {
            t.remove_range(&mut txn, 0, len);
        }
        t.insert(&mut txn, 0, text);
        Command::EditText { target, update: encode_base64(&txn.encode_update_v1()) }
    }

    #[test]
    fn a_sentence_is_credited_to_its_group_not_to_a_latecomer_who_never_wrote_in_it() {
        let (mut f, g1, _) = two_groups();
        f.by(f.ana, rewrite(&f, g1, 100, "Listen to client needs")).unwrap();
        // Eli arrives after the groups were formed: the room puts him in one, marked late.
        let eli = member_id(6);
        f.add(eli, "Eli", MemberRole::Participant);
        let at = f.state.group_of(eli).expect("placed");
        let group = |f: &Fixture| f.state.definitions.groups.values().find(|g| g.id == at).unwrap().clone();
        assert!(group(&f).late.contains(&eli));
        assert!(!f.state.credited(&group(&f)).contains(&eli), "he never wrote in it");
        assert_eq!(f.state.credited(&group(&f)).len() + 1, group(&f).members.len());
        // Writing in it makes it his too.
        f.by(eli, rewrite(&f, at, 106, "Clients first, always")).unwrap();
        assert!(f.state.credited(&group(&f)).contains(&eli));
    }

    #[test]
    fn highlights_stay_on_their_words_through_edits_and_feed_the_common_terms() {
        let (mut f, g1, g2) = two_groups();
        f.by(f.ana, rewrite(&f, g1, 100, "Listen to client needs")).unwrap();
        f.by(f.bo, rewrite(&f, g2, 101, "Design around client needs")).unwrap();
        let common: Vec<String> = f.state.definitions.common.iter().map(|t| t.term.clone()).collect();
        assert_eq!(common, ["client", "client needs", "needs"]);

        let hl =
            |id: &str, group, start, end| Command::AddHighlight { id: ItemId(id.into()), group, start, end };
        f.by(f.bo, hl("h1", g1, 10, 22)).unwrap();
        assert_eq!(f.state.definitions.highlights[&ItemId("h1".into())].phrase, "client needs");
        // Someone types before the words: the highlight moves with them.
        let target = TextTarget::Definition { group: g1 };
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::with_client_id(yrs::block::ClientID::new(102))
        });
        let t = doc.get_or_insert_text(TEXT_NAME);
        doc.transact_mut()
            .apply_update(Update::decode_v1(&f.state.texts.get(&target.key()).unwrap().doc.encode()).unwrap())
            .unwrap();
        let mut txn = doc.transact_mut();
        t.insert(&mut txn, 0, "We ");
        let update = encode_base64(&txn.encode_update_v1());
        drop(txn);
        f.by(member_id(4), Command::EditText { target, update }).unwrap();
        let h1 = &f.state.definitions.highlights[&ItemId("h1".into())];
        assert_eq!((h1.start, h1.end, h1.phrase.as_str()), (13, 25, "client needs"));
        assert_eq!(f.by(f.ana, hl("h2", g1, 30, 40)).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(
            f.by(f.ana, Command::RemoveHighlight { id: ItemId("h1".into()) }).unwrap_err().code,
            ErrorCode::Forbidden
        );
        f.by(f.fac, Command::RemoveHighlight { id: ItemId("h1".into()) }).unwrap();
        assert_eq!(
            f.by(f.fac, Command::RemoveHighlight { id: ItemId("h1".into()) }).unwrap_err().code,
            ErrorCode::Gone
        );
        assert_eq!(
            f.by(f.fac, Command::RemoveHighlight { id: ItemId("never".into()) }).unwrap_err().code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn only_the_facilitator_drives_the_wall_and_the_working_definition() {
        let (mut f, g1, _) = two_groups();
        assert_eq!(f.by(f.ana, Command::ShowWall { shown: true }).unwrap_err().code, ErrorCode::Forbidden);
        f.by(f.fac, Command::ReadOnWall { group: Some(g1) }).unwrap();
        assert!(f.state.definitions.wall.shown);
        f.by(f.fac, Command::SetWorkingDefinition { text: "Clients first".into() }).unwrap();
        assert_eq!(f.state.definitions.working, "Clients first");
        let err = f.by(f.ana, Command::SetWorkingDefinition { text: "x".into() }).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }
}
