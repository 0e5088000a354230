//! Typing into shared texts: a group's definition (step 3), an example card (step 5), a key
//! factor (step 2), an area for improvement (step 6). Each is a Yjs document; any number of
//! people type into one at once, and every keystroke is kept. The room checks who may write,
//! then lets yrs integrate the update and checks the result (cap, characters); a refused
//! update leaves the document as it was, and the browser rolls its copy back.

use super::{Context, definitions, experience, priorities, require_member, teams};
use crate::event::Event;
use crate::limits::{MAX_TEXT_WRITERS, MAX_TEXTS};
use crate::messages::{ErrorCode, Rejection};
use crate::shared::{ROOM_CLIENT, SharedText, TextTarget, decode_base64, encode_base64, writers_of};
use crate::state::RoomState;
use crate::text::clean;

/// Whether the sender may type into `target` (the same people who may change its item).
fn require_writer(state: &RoomState, ctx: &Context, target: &TextTarget) -> Result<(), Rejection> {
    match target {
        TextTarget::Definition { group } => definitions::require_writer(state, ctx, *group).map(drop),
        TextTarget::Card { id } => teams::writable_card(state, ctx, id).map(drop),
        TextTarget::Factor { id } => experience::editable(state, ctx, id).map(drop),
        TextTarget::Area { id } => {
            // The room names its areas together: any member may improve the words.
            require_member(state, ctx, "write areas")?;
            priorities::area(state, id).map(drop)
        }
    }
}

pub(super) fn edit(
    state: &mut RoomState,
    ctx: &Context,
    target: &TextTarget,
    update: &str,
) -> Result<Vec<Event>, Rejection> {
    require_writer(state, ctx, target)?;
    let bytes = decode_base64(update)?;
    let me = ctx.actor.member;
    let writers = writers_of(&bytes)?;
    for writer in &writers {
        let theirs = state.book.writers.get(writer).is_some_and(|owner| Some(*owner) != me);
        if *writer == ROOM_CLIENT || theirs {
            return Err(Rejection::new(ErrorCode::Forbidden, "this update writes as someone else's editor"));
        }
    }
    let new_writers = writers.iter().filter(|w| !state.book.writers.contains_key(w)).count();
    if new_writers > 0 && state.book.writers.len() + new_writers > MAX_TEXT_WRITERS {
        return Err(Rejection::new(ErrorCode::LimitReached, "this room takes no more editors"));
    }
    let key = target.key();
    let existed = state.texts.get(&key).is_some();
    if !existed && state.texts.len() >= MAX_TEXTS {
        return Err(Rejection::new(ErrorCode::LimitReached, "this room holds no more texts"));
    }
    let outcome = state.texts.entry(key.clone()).try_update(target, &bytes);
    if !matches!(outcome, Ok(Some(_))) && !existed {
        state.texts.remove(&key);
    }
    Ok(match outcome? {
        Some(text) => {
            vec![Event::TextChanged { target: target.clone(), update: update.to_owned(), text, at: ctx.now }]
        }
        None => Vec::new(),
    })
}

/// The event that starts a new item's text with `text` (none for an empty one), after the
/// same checks as typing it: its cap and its characters.
pub(super) fn start(
    state: &RoomState,
    ctx: &Context,
    target: &TextTarget,
    text: &str,
) -> Result<Option<Event>, Rejection> {
    let key = target.key();
    if state.texts.get(&key).is_some() {
        return Err(Rejection::new(ErrorCode::Conflict, "this id was used before: choose another"));
    }
    if state.texts.len() >= MAX_TEXTS {
        return Err(Rejection::new(ErrorCode::LimitReached, "this room holds no more texts"));
    }
    let text = clean("the text", text, target.max_chars(), target.lines())?;
    if text.is_empty() {
        return Ok(None);
    }
    let (shared, update) = SharedText::started(&text, ctx.actor.member, ctx.now);
    Ok(Some(Event::TextChanged {
        target: target.clone(),
        update: encode_base64(&update),
        text: shared.text,
        at: ctx.now,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, member_id};
    use crate::command::Command;
    use crate::messages::ErrorCode;
    use crate::shared::{ROOM_CLIENT, TEXT_NAME, TextTarget, encode_base64};
    use crate::state::MemberRole;
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Text, Transact, Update};

    /// A browser's copy of a text, synced from the room.
    fn copy(f: &Fixture, target: &TextTarget, client: u64) -> Doc {
        assert_ne!(client, ROOM_CLIENT);
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::with_client_id(yrs::block::ClientID::new(client))
        });
        let _ = doc.get_or_insert_text(TEXT_NAME);
        if let Some(shared) = f.state.texts.get(&target.key()) {
            let update = Update::decode_v1(&shared.doc.encode()).expect("decodes");
            doc.transact_mut().apply_update(update).expect("applies");
        }
        doc
    }

    fn typed(doc: &Doc, index: u32, chunk: &str) -> Command {
        let text = doc.get_or_insert_text(TEXT_NAME);
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, index, chunk);
        let update = txn.encode_update_v1();
        Command::EditText { target: TextTarget::Definition { group: 1 }, update: encode_base64(&update) }
    }

    fn grouped() -> Fixture {
        let mut f = Fixture::new();
        f.add(member_id(4), "Cy", MemberRole::Participant);
        f.by(f.fac, Command::SetStep { step: 3 }).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: f.ana, group: None }).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: member_id(4), group: Some(1) }).unwrap();
        f.by(f.fac, Command::MoveToGroup { member_id: f.bo, group: None }).unwrap();
        f
    }

    #[test]
    fn two_members_type_into_one_sentence_at_once_and_both_are_kept() {
        let mut f = grouped();
        let target = TextTarget::Definition { group: 1 };
        let cy = member_id(4);
        let ana = copy(&f, &target, 100);
        let mine = copy(&f, &target, 101);
        let a = typed(&ana, 0, "Clients first");
        let c = typed(&mine, 0, "Always ");
        f.by(f.ana, a).unwrap();
        f.by(cy, c).unwrap();
        let text = f.state.text_of(&target).to_owned();
        assert!(text.contains("Clients first") && text.contains("Always "), "{text}");
        assert_eq!(f.state.texts.get(&target.key()).unwrap().editors, vec![f.ana, cy]);
        assert_eq!(f.state.contributions[&f.ana], 1, "a first edit counts once");
    }

    #[test]
    fn other_groups_and_viewers_cannot_type_and_a_cap_is_kept() {
        let mut f = grouped();
        let target = TextTarget::Definition { group: 1 };
        let bo = copy(&f, &target, 200);
        assert_eq!(f.by(f.bo, typed(&bo, 0, "mine")).unwrap_err().code, ErrorCode::Forbidden);
        let viewer = f.viewer();
        assert_eq!(f.run(&viewer, typed(&bo, 0, "x")).unwrap_err().code, ErrorCode::Forbidden);
        let ana = copy(&f, &target, 201);
        let long = typed(&ana, 0, &"x".repeat(crate::limits::MAX_DEFINITION_CHARS + 1));
        assert_eq!(f.by(f.ana, long).unwrap_err().code, ErrorCode::TooLong);
        assert_eq!(f.state.text_of(&target), "");
        let garbage = Command::EditText { target, update: "!!!".into() };
        assert_eq!(f.by(f.ana, garbage).unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn nobody_writes_as_someone_elses_editor() {
        let mut f = grouped();
        let target = TextTarget::Definition { group: 1 };
        let cy = member_id(4);
        let ana = copy(&f, &target, 300);
        f.by(f.ana, typed(&ana, 0, "Clients")).unwrap();
        // Cy takes Ana's client number: were it let in, Ana's next words would count as
        // duplicates and be lost.
        let squatter = copy(&f, &target, 300);
        let taken = f.by(cy, typed(&squatter, 7, " never")).unwrap_err();
        assert_eq!(taken.code, ErrorCode::Forbidden);
        f.by(f.ana, typed(&ana, 7, " first")).unwrap();
        assert_eq!(f.state.text_of(&target), "Clients first", "Ana's words are all there");
        // Writing as the room itself is refused too.
        let doc = Doc::with_options(yrs::Options::with_client_id(yrs::block::ClientID::new(ROOM_CLIENT)));
        let posing = typed(&doc, 0, "x");
        assert_eq!(f.by(cy, posing).unwrap_err().code, ErrorCode::Forbidden);
    }
}
