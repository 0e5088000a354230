//! Step 4: "Help me ..." post-its, private until the facilitator reveals them, then moved and
//! clustered by anyone on the shared wall. Each cluster is a type of client.

use std::collections::BTreeSet;

use super::{Context, missing, require_facilitator, require_member};
use crate::command::DropTarget;
use crate::event::Event;
use crate::ids::{ItemId, MemberId};
use crate::limits::{
    MAX_CLUSTER_NAME_CHARS, MAX_NOTE_CHARS, MAX_NOTES, MAX_NOTES_PER_MEMBER, WALL_HEIGHT, WALL_WIDTH,
};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Cluster, Note, Role, RoomState};
use crate::terms::tokens;
use crate::text::{Lines, clean, clean_required};

/// Where revealed notes land before anyone moves them: a grid along the top of the wall.
const LANDING_COLUMNS: i32 = 12;
const LANDING_STEP_X: i32 = 300;
const LANDING_STEP_Y: i32 = 180;
const LANDING_MARGIN: i32 = 40;

/// The note as `me` may see it: others' unrevealed notes do not exist for them.
fn visible<'s>(state: &'s RoomState, id: &ItemId, me: MemberId) -> Result<&'s Note, Rejection> {
    // Someone else's unrevealed note is answered exactly as one that never existed.
    state
        .wall
        .notes
        .get(id)
        .filter(|n| n.revealed || n.author == me)
        .ok_or_else(|| missing(state, id, "post-it"))
}

/// A note's id starts with its author's member id and a colon (`<member id>:<anything>`), so
/// that nobody can learn, by choosing an id, that someone else's hidden note has it.
fn own_id(id: &ItemId, me: MemberId) -> bool {
    id.is_valid()
        && id.0.strip_prefix(&me.to_string()).is_some_and(|rest| rest.len() > 1 && rest.starts_with(':'))
}

fn pending_count(state: &RoomState, author: MemberId) -> u32 {
    state.wall.pending.get(&author).copied().unwrap_or(0)
}

pub(super) fn add(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    text: &str,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "write post-its")?;
    if !own_id(id, me) {
        return Err(Rejection::new(
            ErrorCode::BadRequest,
            "a post-it id is your member id, a colon and more (64 printable ASCII characters at most)",
        ));
    }
    if state.wall.notes.contains_key(id) || state.book.is_buried(id) {
        return Err(Rejection::new(ErrorCode::Conflict, "a post-it with this id exists"));
    }
    if state.wall.notes.len() >= MAX_NOTES {
        return Err(Rejection::new(
            ErrorCode::LimitReached,
            format!("the wall holds {MAX_NOTES} post-its at most"),
        ));
    }
    if state.wall.notes.values().filter(|n| n.author == me).count() >= MAX_NOTES_PER_MEMBER {
        return Err(Rejection::new(
            ErrorCode::LimitReached,
            format!("{MAX_NOTES_PER_MEMBER} post-its each at most"),
        ));
    }
    let text = clean_required("the post-it", text, MAX_NOTE_CHARS, Lines::One)?;
    let note = Note {
        id: id.clone(),
        author: me,
        text,
        revealed: false,
        x: 0,
        y: 0,
        cluster: None,
        suggestion: None,
        created_at: ctx.now,
    };
    let count = pending_count(state, me) + 1;
    Ok(vec![Event::NoteSet { note }, Event::NotesPending { member_id: me, count }])
}

pub(super) fn edit(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    text: &str,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "edit post-its")?;
    let note = visible(state, id, me)?;
    if note.author != me && !(note.revealed && ctx.actor.role == Role::Facilitator) {
        return Err(Rejection::forbidden("edit someone else's post-it"));
    }
    let text = clean_required("the post-it", text, MAX_NOTE_CHARS, Lines::One)?;
    Ok(vec![Event::NoteSet { note: Note { text, ..note.clone() } }])
}

pub(super) fn delete(state: &RoomState, ctx: &Context, id: &ItemId) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "remove post-its")?;
    let note = visible(state, id, me)?;
    if note.author != me && ctx.actor.role != Role::Facilitator {
        return Err(Rejection::forbidden("remove someone else's post-it"));
    }
    let mut events = Vec::new();
    if note.revealed {
        events.push(Event::NoteRemoved { id: id.clone(), private_to: None });
        events.extend(empty_clusters(state, std::slice::from_ref(id), &[]));
    } else {
        events.push(Event::NoteRemoved { id: id.clone(), private_to: Some(note.author) });
        let count = pending_count(state, note.author).saturating_sub(1);
        events.push(Event::NotesPending { member_id: note.author, count });
    }
    Ok(events)
}

/// The stems of a note's words.
fn stems(text: &str) -> BTreeSet<String> {
    tokens(text).into_iter().map(|t| t.stem).collect()
}

/// The cluster whose revealed notes share the most words with `text` (at least one).
fn suggest(state: &RoomState, text: &str) -> Option<ItemId> {
    let mine = stems(text);
    state
        .wall
        .clusters
        .keys()
        .map(|cluster| {
            let theirs: BTreeSet<String> = state
                .wall
                .notes
                .values()
                .filter(|n| n.revealed && n.cluster.as_ref() == Some(cluster))
                .flat_map(|n| stems(&n.text))
                .collect();
            (mine.intersection(&theirs).count(), cluster)
        })
        .filter(|(shared, _)| *shared > 0)
        // Most shared words; on a tie, the first cluster by id.
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)))
        .map(|(_, cluster)| cluster.clone())
}

pub(super) fn reveal(
    state: &RoomState,
    ctx: &Context,
    member: Option<MemberId>,
) -> Result<Vec<Event>, Rejection> {
    require_facilitator(ctx, "reveal post-its")?;
    if let Some(id) = member
        && !state.members.contains_key(&id)
    {
        return Err(Rejection::new(ErrorCode::NotFound, "no such member"));
    }
    let already = state.wall.notes.values().filter(|n| n.revealed).count() as i32;
    let mut events = Vec::new();
    let mut authors = BTreeSet::new();
    // In order of writing, so that each person's notes land together.
    let mut hidden: Vec<&Note> =
        state.wall.notes.values().filter(|n| !n.revealed && member.is_none_or(|m| n.author == m)).collect();
    hidden.sort_by_key(|n| (n.author, n.created_at, n.id.clone()));
    for (placed, note) in (already..).zip(hidden) {
        let x = LANDING_MARGIN + (placed % LANDING_COLUMNS) * LANDING_STEP_X;
        let y = LANDING_MARGIN + (placed / LANDING_COLUMNS) * LANDING_STEP_Y;
        authors.insert(note.author);
        let suggestion = suggest(state, &note.text);
        let note =
            Note { revealed: true, x: x.min(WALL_WIDTH), y: y.min(WALL_HEIGHT), suggestion, ..note.clone() };
        events.push(Event::NoteSet { note });
    }
    for author in authors {
        events.push(Event::NotesPending { member_id: author, count: 0 });
    }
    if state.wall.turn != member {
        events.push(Event::RevealTurn { member_id: member });
    }
    Ok(events)
}

/// Clusters left with no revealed note once `leaving` notes leave them (and `arriving`
/// clusters gain one), removed.
fn empty_clusters(state: &RoomState, leaving: &[ItemId], arriving: &[ItemId]) -> Vec<Event> {
    let mut left: BTreeSet<&ItemId> = BTreeSet::new();
    for id in leaving {
        if let Some(cluster) = state.wall.notes.get(id).and_then(|n| n.cluster.as_ref()) {
            left.insert(cluster);
        }
    }
    left.into_iter()
        .filter(|cluster| !arriving.contains(cluster))
        // A client type a team assesses stays, even with no post-it left in it.
        .filter(|cluster| !state.assessment.teams.values().any(|t| t.cluster.as_ref() == Some(*cluster)))
        .filter(|cluster| {
            !state
                .wall
                .notes
                .values()
                .any(|n| n.cluster.as_ref() == Some(*cluster) && !leaving.contains(&n.id))
        })
        .map(|cluster| Event::ClusterRemoved { id: cluster.clone() })
        .collect()
}

pub(super) fn drop(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    (x, y): (i32, i32),
    onto: &Option<DropTarget>,
    seen: Option<u64>,
) -> Result<Vec<Event>, Rejection> {
    let me = require_member(state, ctx, "move post-its")?;
    let note = visible(state, id, me)?;
    if !note.revealed {
        return Err(Rejection::new(ErrorCode::Conflict, "a post-it is moved once it is revealed"));
    }
    let moved_since = |(at, by): &(u64, MemberId)| seen.is_some_and(|seen| *at > seen) && *by != me;
    if state.book.moved.get(id).is_some_and(moved_since) {
        return Err(Rejection::new(
            ErrorCode::Conflict,
            "someone else moved this post-it after the change you last saw: it stays where they put it",
        ));
    }
    let (x, y) = (x.clamp(0, WALL_WIDTH), y.clamp(0, WALL_HEIGHT));
    let mut events = Vec::new();
    let cluster = match onto {
        None => None,
        Some(DropTarget::Cluster { id: cluster }) => {
            if !state.wall.clusters.contains_key(cluster) {
                return Err(missing(state, cluster, "cluster"));
            }
            Some(cluster.clone())
        }
        Some(DropTarget::Note { id: other, new_cluster }) => {
            let target = visible(state, other, me)?;
            if other == id || !target.revealed {
                return Err(Rejection::new(
                    ErrorCode::BadRequest,
                    "drop a post-it onto another revealed one",
                ));
            }
            match &target.cluster {
                Some(cluster) => Some(cluster.clone()),
                None => {
                    if !new_cluster.is_valid() || state.wall.clusters.contains_key(new_cluster) {
                        return Err(Rejection::new(ErrorCode::Conflict, "choose a new cluster id"));
                    }
                    events.push(Event::ClusterSet {
                        cluster: Cluster { id: new_cluster.clone(), name: String::new() },
                    });
                    events.push(Event::NoteMoved {
                        id: target.id.clone(),
                        x: target.x,
                        y: target.y,
                        cluster: Some(new_cluster.clone()),
                    });
                    Some(new_cluster.clone())
                }
            }
        }
    };
    let arriving: Vec<ItemId> = cluster.iter().cloned().collect();
    events.extend(empty_clusters(state, std::slice::from_ref(id), &arriving));
    events.push(Event::NoteMoved { id: note.id.clone(), x, y, cluster });
    Ok(events)
}

fn cluster<'s>(state: &'s RoomState, id: &ItemId) -> Result<&'s Cluster, Rejection> {
    state.wall.clusters.get(id).ok_or_else(|| missing(state, id, "cluster"))
}

pub(super) fn rename_cluster(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
    name: &str,
) -> Result<Vec<Event>, Rejection> {
    require_member(state, ctx, "name clusters")?;
    let old = cluster(state, id)?;
    let name = clean("the cluster name", name, MAX_CLUSTER_NAME_CHARS, Lines::One)?;
    Ok(vec![Event::ClusterSet { cluster: Cluster { name, ..old.clone() } }])
}

fn notes_of<'s>(state: &'s RoomState, cluster: &'s ItemId) -> impl Iterator<Item = &'s Note> {
    state.wall.notes.values().filter(move |n| n.cluster.as_ref() == Some(cluster))
}

pub(super) fn merge_clusters(
    state: &RoomState,
    ctx: &Context,
    from: &ItemId,
    into: &ItemId,
) -> Result<Vec<Event>, Rejection> {
    require_member(state, ctx, "merge clusters")?;
    if from == into {
        return Err(Rejection::new(ErrorCode::BadRequest, "a cluster cannot be merged into itself"));
    }
    cluster(state, from)?;
    let target = cluster(state, into)?;
    let mut events: Vec<Event> = notes_of(state, from)
        .map(|n| Event::NoteSet { note: Note { cluster: Some(target.id.clone()), ..n.clone() } })
        .collect();
    events.push(Event::ClusterRemoved { id: from.clone() });
    events.extend(reassign_teams(state, from, Some(into)));
    Ok(events)
}

/// Teams that assessed a cluster that goes now assess `to` (or nothing).
fn reassign_teams(state: &RoomState, from: &ItemId, to: Option<&ItemId>) -> Vec<Event> {
    state
        .assessment
        .teams
        .values()
        .filter(|t| t.cluster.as_ref() == Some(from))
        .map(|t| Event::TeamCluster { team: t.id, cluster: to.cloned() })
        .collect()
}

pub(super) fn dissolve_cluster(
    state: &RoomState,
    ctx: &Context,
    id: &ItemId,
) -> Result<Vec<Event>, Rejection> {
    require_member(state, ctx, "dissolve clusters")?;
    cluster(state, id)?;
    let mut events: Vec<Event> =
        notes_of(state, id).map(|n| Event::NoteSet { note: Note { cluster: None, ..n.clone() } }).collect();
    events.push(Event::ClusterRemoved { id: id.clone() });
    events.extend(reassign_teams(state, id, None));
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, member_id};
    use crate::command::{Command, DropTarget};
    use crate::event::Event;
    use crate::ids::ItemId;
    use crate::messages::ErrorCode;

    /// Post-its are `n1`, `a1` (Ana's) and `b1` (Bo's), namespaced by their author as the rule
    /// asks; anything else (a cluster) is as written.
    fn id(s: &str) -> ItemId {
        let note = s.len() == 2 && s.as_bytes()[1].is_ascii_digit();
        match (note, s.starts_with('b')) {
            (true, true) => ItemId(format!("{}:{s}", member_id(3))),
            (true, false) => ItemId(format!("{}:{s}", member_id(2))),
            (false, _) => ItemId(s.into()),
        }
    }

    fn add(note: &str, text: &str) -> Command {
        Command::AddNote { id: id(note), text: text.into() }
    }

    fn drop_onto(note: &str, other: &str, new_cluster: &str) -> Command {
        let onto = Some(DropTarget::Note { id: id(other), new_cluster: id(new_cluster) });
        Command::DropNote { id: id(note), x: 100, y: 100, onto, seen: None }
    }

    #[test]
    fn notes_stay_private_until_revealed_and_others_see_only_a_count() {
        let mut f = Fixture::new();
        let events = f.by(f.ana, add("n1", "build stronger teams")).unwrap();
        assert_eq!(events[0].audience(), Some(f.ana), "the note goes only to its author");
        assert_eq!(f.state.wall.pending[&f.ana], 1);
        let bo_view = f.state.view_for(Some(f.bo));
        assert!(bo_view.wall.notes.is_empty());
        assert_eq!(bo_view.wall.pending[&f.ana], 1);
        assert!(f.state.view_for(Some(f.ana)).wall.notes.contains_key(&id("n1")));
        let err = f.by(f.bo, Command::EditNote { id: id("n1"), text: "mine".into() }).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound, "for Bo the note does not exist");
        let err =
            f.by(f.bo, Command::DropNote { id: id("n1"), x: 0, y: 0, onto: None, seen: None }).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
        let never =
            f.by(f.bo, Command::DropNote { id: id("b7"), x: 0, y: 0, onto: None, seen: None }).unwrap_err();
        assert_eq!((err.code, err.message), (never.code, never.message), "nothing tells them apart");
        let theirs = f.by(f.bo, Command::AddNote { id: id("n1"), text: "mine".into() }).unwrap_err();
        let unused = f.by(f.bo, Command::AddNote { id: id("n9"), text: "mine".into() }).unwrap_err();
        assert_eq!(
            (theirs.code, theirs.message),
            (unused.code, unused.message),
            "an id of Ana's is refused alike"
        );

        f.by(f.fac, Command::RevealNotes { member_id: Some(f.ana) }).unwrap();
        assert!(f.state.wall.notes[&id("n1")].revealed);
        assert!(f.state.wall.pending.is_empty());
        assert_eq!(f.state.wall.turn, Some(f.ana));
        assert!(f.state.view_for(Some(f.bo)).wall.notes.contains_key(&id("n1")));
    }

    #[test]
    fn revealing_one_person_leaves_the_others_private() {
        let mut f = Fixture::new();
        f.by(f.ana, add("a1", "grow")).unwrap();
        f.by(f.bo, add("b1", "save time")).unwrap();
        assert_eq!(
            f.by(f.ana, Command::RevealNotes { member_id: None }).unwrap_err().code,
            ErrorCode::Forbidden
        );
        f.by(f.fac, Command::RevealNotes { member_id: Some(f.ana) }).unwrap();
        assert!(!f.state.wall.notes[&id("b1")].revealed);
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        assert!(f.state.wall.notes.values().all(|n| n.revealed));
        let (a, b) = (&f.state.wall.notes[&id("a1")], &f.state.wall.notes[&id("b1")]);
        assert_ne!((a.x, a.y), (b.x, b.y), "revealed notes land apart");
    }

    #[test]
    fn dropping_onto_notes_forms_clusters_that_merge_split_and_dissolve() {
        let mut f = Fixture::new();
        for (n, text) in [
            ("n1", "build stronger teams"),
            ("n2", "lead my team"),
            ("n3", "cut costs"),
            ("n4", "reduce costs"),
        ] {
            f.by(f.ana, add(n, text)).unwrap();
        }
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        f.by(f.bo, drop_onto("n2", "n1", "teams")).unwrap();
        assert_eq!(f.state.wall.notes[&id("n1")].cluster, Some(id("teams")));
        assert_eq!(f.state.wall.notes[&id("n2")].cluster, Some(id("teams")));
        f.by(f.bo, drop_onto("n4", "n3", "costs")).unwrap();
        f.by(f.ana, Command::RenameCluster { id: id("costs"), name: "Cost cutters".into() }).unwrap();
        assert_eq!(f.state.wall.clusters[&id("costs")].name, "Cost cutters");

        f.by(f.fac, Command::MergeClusters { from: id("costs"), into: id("teams") }).unwrap();
        assert!(!f.state.wall.clusters.contains_key(&id("costs")));
        assert!(f.state.wall.notes.values().all(|n| n.cluster == Some(id("teams"))));

        // Split: a note dropped loose leaves its cluster.
        f.by(f.bo, Command::DropNote { id: id("n3"), x: 900, y: 40, onto: None, seen: None }).unwrap();
        assert_eq!(f.state.wall.notes[&id("n3")].cluster, None);
        assert_eq!((f.state.wall.notes[&id("n3")].x, f.state.wall.notes[&id("n3")].y), (900, 40));

        f.by(f.bo, Command::DissolveCluster { id: id("teams") }).unwrap();
        assert!(f.state.wall.clusters.is_empty());
        assert!(f.state.wall.notes.values().all(|n| n.cluster.is_none()));
    }

    #[test]
    fn a_drop_made_before_someone_else_moved_the_note_is_refused_and_ones_own_are_not() {
        let mut f = Fixture::new();
        f.by(f.ana, add("n1", "a")).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        let drop = |x, seen| Command::DropNote { id: id("n1"), x, y: 50, onto: None, seen: Some(seen) };
        // Ana lets go of it on a screen that is up to date, then again before her first drop
        // came back to her: both are hers, both land.
        let seen = f.state.seq;
        f.by(f.ana, drop(100, seen)).unwrap();
        f.by(f.ana, drop(200, seen)).unwrap();
        // Bo, offline since `seen`, drops it: Ana moved it after that; it stays at 200.
        let err = f.by(f.bo, drop(900, seen)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(f.state.wall.notes[&id("n1")].x, 200);
        // Having seen Ana's moves, Bo moves it; without `seen`, as before, the last drop wins.
        f.by(f.bo, drop(300, f.state.seq)).unwrap();
        f.by(f.ana, Command::DropNote { id: id("n1"), x: 400, y: 50, onto: None, seen: None }).unwrap();
        assert_eq!(f.state.wall.notes[&id("n1")].x, 400);
        // A note deleted and its bookkeeping with it.
        f.by(f.ana, Command::DeleteNote { id: id("n1") }).unwrap();
        assert!(f.state.book.moved.is_empty());
    }

    #[test]
    fn a_cluster_left_empty_is_removed_and_positions_are_clamped() {
        let mut f = Fixture::new();
        f.by(f.ana, add("n1", "a")).unwrap();
        f.by(f.ana, add("n2", "b")).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        f.by(f.bo, drop_onto("n2", "n1", "k")).unwrap();
        f.by(f.bo, Command::DropNote { id: id("n1"), x: -50, y: 99_999, onto: None, seen: None }).unwrap();
        assert!(f.state.wall.clusters.contains_key(&id("k")), "n2 is still in it");
        let events =
            f.by(f.bo, Command::DropNote { id: id("n2"), x: 10, y: 10, onto: None, seen: None }).unwrap();
        assert!(events.iter().any(|e| matches!(e, Event::ClusterRemoved { id } if id.0 == "k")));
        let n1 = &f.state.wall.notes[&id("n1")];
        assert_eq!((n1.x, n1.y), (0, crate::limits::WALL_HEIGHT));
    }

    #[test]
    fn a_revealed_note_is_suggested_the_cluster_it_most_resembles() {
        let mut f = Fixture::new();
        f.by(f.ana, add("n1", "build stronger teams")).unwrap();
        f.by(f.ana, add("n2", "grow my team")).unwrap();
        f.by(f.ana, add("n3", "cut costs")).unwrap();
        f.by(f.ana, add("n4", "lower costs")).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: Some(f.ana) }).unwrap();
        f.by(f.ana, drop_onto("n2", "n1", "teams")).unwrap();
        f.by(f.ana, drop_onto("n4", "n3", "costs")).unwrap();
        f.by(f.bo, add("b1", "keep my teams motivated")).unwrap();
        f.by(f.bo, add("b2", "plan a holiday")).unwrap();
        f.by(f.fac, Command::RevealNotes { member_id: Some(f.bo) }).unwrap();
        assert_eq!(f.state.wall.notes[&id("b1")].suggestion, Some(id("teams")));
        assert_eq!(f.state.wall.notes[&id("b2")].suggestion, None);
    }

    #[test]
    fn deleting_an_unrevealed_note_is_private_and_undo_brings_a_moved_note_back() {
        let mut f = Fixture::new();
        f.by(f.ana, add("n1", "a")).unwrap();
        let events = f.by(f.ana, Command::DeleteNote { id: id("n1") }).unwrap();
        assert_eq!(events[0].audience(), Some(f.ana));
        assert!(f.state.wall.pending.is_empty());
        f.by(f.ana, Command::Undo).unwrap();
        assert_eq!(f.state.wall.pending[&f.ana], 1);
        assert!(f.state.wall.notes.contains_key(&id("n1")));

        f.by(f.fac, Command::RevealNotes { member_id: None }).unwrap();
        let before = f.state.wall.notes[&id("n1")].clone();
        f.by(f.bo, Command::DropNote { id: id("n1"), x: 1234, y: 567, onto: None, seen: None }).unwrap();
        f.by(f.bo, Command::Undo).unwrap();
        assert_eq!(f.state.wall.notes[&id("n1")], before);
    }
}
