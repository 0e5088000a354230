//! Durable events: the facts a room records. One applied command is one [`Change`]: every
//! event it produced, under one `seq`.
//!
//! Each event carries the resulting value of what it changed (not a delta to recompute), so
//! applying it is plain assignment, here and in the browser's store alike. The exceptions are
//! named: a group or team membership event moves one person (out of wherever they were, and
//! off any `late` list), `text.changed` carries a Yjs update beside the resulting text, and the
//! `history.*` events move entries between a member's undo and redo stacks.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ids::{ClientId, CommandId, GroupId, ItemId, MemberId};
use crate::limits::{CATEGORY_COUNT, MAX_TEXT_WRITERS, UNDO_DEPTH};
use crate::shared::{ROOM_CLIENT, TextTarget, decode_base64, slice_utf16, writers_of};
use crate::state::{
    Area, Card, Checkin, Cluster, CommonTerm, Factor, Group, Highlight, Member, Note, RoomState, Settings,
    SpeakerQueue, Team, Timed, Timer, UndoEntry, VotePhase, Wall,
};

/// One applied command (or a join): the events it produced, in order, under one `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Change {
    #[ts(type = "number")]
    pub seq: u64,
    /// Who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub by: Option<MemberId>,
    /// The command it applied, so that a resend is recognised (also after a restart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cmd: Option<CommandRef>,
    pub events: Vec<Event>,
}

/// Which client sent a command, and its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommandRef {
    pub client: ClientId,
    pub id: CommandId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "member.joined")]
    MemberJoined { member: Member },
    #[serde(rename = "member.renamed")]
    MemberRenamed { member_id: MemberId, name: String },
    #[serde(rename = "settings.changed")]
    SettingsChanged { settings: Settings },
    /// The room moves to `step`. Every member's undo and redo stacks empty: undo reaches only
    /// what was done in the step on screen.
    #[serde(rename = "step.changed")]
    StepChanged { step: u8 },
    /// One step's countdown (`timers[step - 1]`).
    #[serde(rename = "timer.changed")]
    TimerChanged { step: u8, timer: Timer },
    #[serde(rename = "checkin.set")]
    CheckinSet { member_id: MemberId, checkin: Checkin },
    #[serde(rename = "checkin.cleared")]
    CheckinCleared { member_id: MemberId },
    /// The raised hands, in the order they went up.
    #[serde(rename = "hands.changed")]
    HandsChanged { hands: Vec<MemberId> },
    #[serde(rename = "queue.changed")]
    QueueChanged { queue: SpeakerQueue },
    #[serde(rename = "scribe.changed")]
    ScribeChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        scribe: Option<MemberId>,
    },
    #[serde(rename = "factors.opened")]
    FactorsOpened { open: bool },
    #[serde(rename = "factor.set")]
    FactorSet { factor: Factor },
    #[serde(rename = "factor.removed")]
    FactorRemoved { id: ItemId },
    /// One participant's group: they leave whichever group they were in (a group left empty
    /// goes) and, with a group, join its end (a group that did not exist starts with them).
    /// `late`: the server placed a latecomer there, who joins the group's `late` list too.
    #[serde(rename = "group.member")]
    GroupMember {
        member_id: MemberId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        group: Option<GroupId>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        late: bool,
    },
    /// A shared text changed: `update` is the Yjs v1 update (base64) to apply to its document,
    /// `text` what it reads as afterwards.
    #[serde(rename = "text.changed")]
    TextChanged {
        target: TextTarget,
        update: String,
        text: String,
        #[ts(type = "number")]
        at: i64,
    },
    #[serde(rename = "wall.changed")]
    WallChanged { wall: Wall },
    #[serde(rename = "highlight.set")]
    HighlightSet { highlight: Highlight },
    #[serde(rename = "highlight.removed")]
    HighlightRemoved { id: ItemId },
    #[serde(rename = "common.changed")]
    CommonChanged { common: Vec<CommonTerm> },
    #[serde(rename = "working.changed")]
    WorkingChanged { text: String },
    #[serde(rename = "ready.changed")]
    ReadyChanged { step: u8, member_id: MemberId, ready: bool },
    #[serde(rename = "auto_advance.changed")]
    AutoAdvanceChanged { on: bool },
    /// A new undoable action of `member_id`: pushed on their undo stack (the oldest beyond
    /// the depth drops off), and their redo stack empties. Only that member receives it.
    #[serde(rename = "history.recorded")]
    HistoryRecorded {
        member_id: MemberId,
        #[ts(as = "UndoEntry")]
        entry: Arc<UndoEntry>,
    },
    /// `member_id` undid their newest entry: it moves from their undo to their redo stack.
    #[serde(rename = "history.undone")]
    HistoryUndone { member_id: MemberId },
    /// `member_id` redid: their newest redo entry moves back onto their undo stack.
    #[serde(rename = "history.redone")]
    HistoryRedone { member_id: MemberId },
    /// A note was written, changed or revealed. Only its author receives it while it is
    /// unrevealed.
    #[serde(rename = "note.set")]
    NoteSet { note: Note },
    /// A revealed note was put somewhere else on the wall: where, and in which cluster (none
    /// when absent). Everything else about it stays as it was.
    #[serde(rename = "note.moved")]
    NoteMoved {
        id: ItemId,
        x: i32,
        y: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        cluster: Option<ItemId>,
    },
    #[serde(rename = "note.removed")]
    NoteRemoved {
        id: ItemId,
        /// Set when the note was unrevealed: only this member may learn of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        private_to: Option<MemberId>,
    },
    #[serde(rename = "notes.pending")]
    NotesPending { member_id: MemberId, count: u32 },
    #[serde(rename = "reveal.turn")]
    RevealTurn {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        member_id: Option<MemberId>,
    },
    #[serde(rename = "cluster.set")]
    ClusterSet { cluster: Cluster },
    #[serde(rename = "cluster.removed")]
    ClusterRemoved { id: ItemId },
    /// A whole team, as formed.
    #[serde(rename = "team.set")]
    TeamSet { team: Team },
    #[serde(rename = "team.removed")]
    TeamRemoved { id: GroupId },
    /// One participant's team: they leave whichever team they were in (teams stay, even
    /// empty) and, with a team, join its end (a team that did not exist starts with them).
    /// `late`: the server placed a latecomer there, who joins the team's `late` list too.
    #[serde(rename = "team.member")]
    TeamMember {
        member_id: MemberId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        team: Option<GroupId>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        late: bool,
    },
    /// The client type (cluster) a team assesses.
    #[serde(rename = "team.cluster")]
    TeamCluster {
        team: GroupId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        cluster: Option<ItemId>,
    },
    /// One rating of one team (`ratings[category - 1]`).
    #[serde(rename = "rating.set")]
    RatingSet { team: GroupId, category: u8, rating: u8 },
    #[serde(rename = "card.set")]
    CardSet { card: Card },
    #[serde(rename = "card.removed")]
    CardRemoved { id: ItemId },
    #[serde(rename = "presenting.changed")]
    PresentingChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        team: Option<GroupId>,
    },
    #[serde(rename = "area.set")]
    AreaSet { area: Area },
    #[serde(rename = "area.removed")]
    AreaRemoved { id: ItemId },
    /// Opening a vote clears every earlier dot and tally.
    #[serde(rename = "vote.phase")]
    VotePhaseChanged { phase: VotePhase, dots: u8 },
    /// One member's dots on one area (0 takes the entry away); only that member receives it.
    #[serde(rename = "vote.set")]
    VoteSet { member_id: MemberId, area: ItemId, dots: u8 },
    #[serde(rename = "vote.used")]
    VotesUsed { member_id: MemberId, used: u8 },
    #[serde(rename = "tally.changed")]
    TallyChanged { tally: BTreeMap<ItemId, u32> },
    #[serde(rename = "ranking.changed")]
    RankingChanged { ranking: Vec<ItemId>, finalised: bool },
    #[serde(rename = "room.closed")]
    RoomClosed { closed: bool },
    #[serde(rename = "member.contributed")]
    Contributed { member_id: MemberId, total: u32 },
}

/// The pattern of every event that undo never touches (no [`Event::target`]): shared by the
/// matches that must name every event, so that a new event is a compile error in each.
macro_rules! untouched_by_undo {
    () => {
        Event::MemberJoined { .. }
            | Event::MemberRenamed { .. }
            | Event::SettingsChanged { .. }
            | Event::StepChanged { .. }
            | Event::TimerChanged { .. }
            | Event::HandsChanged { .. }
            | Event::QueueChanged { .. }
            | Event::ScribeChanged { .. }
            | Event::FactorsOpened { .. }
            | Event::TextChanged { .. }
            | Event::WallChanged { .. }
            | Event::CommonChanged { .. }
            | Event::ReadyChanged { .. }
            | Event::AutoAdvanceChanged { .. }
            | Event::HistoryRecorded { .. }
            | Event::HistoryUndone { .. }
            | Event::HistoryRedone { .. }
            | Event::RevealTurn { .. }
            | Event::PresentingChanged { .. }
            | Event::VotePhaseChanged { .. }
            | Event::VoteSet { .. }
            | Event::VotesUsed { .. }
            | Event::RoomClosed { .. }
            | Event::Contributed { .. }
    };
}
pub(crate) use untouched_by_undo;

impl Event {
    /// Who may receive this event: everyone (`None`), or only the given member.
    pub fn audience(&self) -> Option<MemberId> {
        match self {
            Event::HistoryRecorded { member_id, .. }
            | Event::HistoryUndone { member_id }
            | Event::HistoryRedone { member_id }
            | Event::VoteSet { member_id, .. } => Some(*member_id),
            Event::NoteSet { note } if !note.revealed => Some(note.author),
            Event::NoteRemoved { private_to, .. } => *private_to,
            _ => None,
        }
    }

    /// The one thing an undoable event sets, as a key (`note:n1`, `rating:2:4`), or `None` for
    /// events that undo never touches. Two events with the same key set the same thing.
    pub fn target(&self) -> Option<String> {
        let mut key = String::new();
        self.write_target(&mut key).then_some(key)
    }

    /// Calls `f` with [`Event::target`] written into a buffer the thread keeps: the room looks
    /// a key up for every event it applies and twice for every undoable command, mostly one it
    /// holds already, so that look costs no allocation.
    pub fn with_target<R>(&self, f: impl FnOnce(&str) -> R) -> Option<R> {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        KEY.with_borrow_mut(|key| self.write_target(key).then(|| f(key)))
    }

    /// Writes [`Event::target`] into `key` (emptied first) and says whether there is one.
    fn write_target(&self, key: &mut String) -> bool {
        use std::fmt::Write;
        key.clear();
        // Writing into a String does not fail.
        let _ = match self {
            Event::CheckinSet { member_id, .. } | Event::CheckinCleared { member_id } => {
                write!(key, "checkin:{member_id}")
            }
            Event::FactorSet { factor: Factor { id, .. } } | Event::FactorRemoved { id } => {
                write!(key, "factor:{}", id.0)
            }
            Event::GroupMember { member_id, .. } => write!(key, "group-of:{member_id}"),
            Event::HighlightSet { highlight: Highlight { id, .. } } | Event::HighlightRemoved { id } => {
                write!(key, "highlight:{}", id.0)
            }
            Event::WorkingChanged { .. } => key.write_str("working"),
            Event::NoteSet { note: Note { id, .. } }
            | Event::NoteMoved { id, .. }
            | Event::NoteRemoved { id, .. } => {
                write!(key, "note:{}", id.0)
            }
            Event::NotesPending { member_id, .. } => write!(key, "pending:{member_id}"),
            Event::ClusterSet { cluster: Cluster { id, .. } } | Event::ClusterRemoved { id } => {
                write!(key, "cluster:{}", id.0)
            }
            Event::TeamSet { team: Team { id, .. } } | Event::TeamRemoved { id } => write!(key, "team:{id}"),
            Event::TeamMember { member_id, .. } => write!(key, "team-of:{member_id}"),
            Event::TeamCluster { team, .. } => write!(key, "team-cluster:{team}"),
            Event::RatingSet { team, category, .. } => write!(key, "rating:{team}:{category}"),
            Event::CardSet { card: Card { id, .. } } | Event::CardRemoved { id } => {
                write!(key, "card:{}", id.0)
            }
            Event::AreaSet { area: Area { id, .. } } | Event::AreaRemoved { id } => {
                write!(key, "area:{}", id.0)
            }
            Event::TallyChanged { .. } => key.write_str("tally"),
            Event::RankingChanged { .. } => key.write_str("ranking"),
            untouched_by_undo!() => return false,
        };
        true
    }
}

impl RoomState {
    /// Applies one recorded change. Events were validated when they were decided, so this
    /// never fails: replaying a log always reaches the same state.
    pub fn apply_change(&mut self, change: &Change) {
        self.begin_change(change);
        for event in &change.events {
            self.apply_event(change.by, event);
        }
    }

    /// The change's own bookkeeping: its `seq`, and its command's number for resends.
    pub(crate) fn begin_change(&mut self, change: &Change) {
        self.seq = change.seq;
        if let (Some(by), Some(cmd)) = (change.by, &change.cmd) {
            self.book.record(by, &cmd.client, cmd.id, change.seq);
        }
    }

    /// Applies one event of a change made by `by`.
    pub fn apply_event(&mut self, by: Option<MemberId>, event: &Event) {
        if let Some(by) = by {
            event.with_target(|key| match self.book.touched.get_mut(key) {
                Some(last) => *last = by,
                None => {
                    self.book.touched.insert(key.to_owned(), by);
                }
            });
        }
        match event {
            Event::MemberJoined { member } => {
                self.members.insert(member.id, member.clone());
            }
            Event::MemberRenamed { member_id, name } => {
                if let Some(member) = self.members.get_mut(member_id) {
                    member.name.clone_from(name);
                }
            }
            Event::SettingsChanged { settings } => self.settings = settings.clone(),
            Event::StepChanged { step } => {
                self.step = *step;
                if let Some(by) = by {
                    self.book.timed = Some(Timed::next(self.book.timed, self.seq, by));
                }
                self.undo.clear();
                self.redo.clear();
            }
            Event::TimerChanged { step, timer } => {
                if let Some(slot) = self.timers.get_mut(usize::from(step.saturating_sub(1))) {
                    *slot = *timer;
                }
                if let Some(by) = by {
                    self.book.timed = Some(Timed::next(self.book.timed, self.seq, by));
                }
            }
            Event::CheckinSet { member_id, checkin } => {
                self.checkins.insert(*member_id, checkin.clone());
            }
            Event::CheckinCleared { member_id } => {
                self.checkins.remove(member_id);
            }
            Event::HandsChanged { hands } => self.hands.clone_from(hands),
            Event::QueueChanged { queue } => self.experience.queue = queue.clone(),
            Event::ScribeChanged { scribe } => self.experience.scribe = *scribe,
            Event::FactorsOpened { open } => self.experience.open = *open,
            Event::FactorSet { factor } => {
                if self.experience.factors.insert(factor.id.clone(), factor.clone()).is_none() {
                    self.book.unbury(&factor.id);
                }
            }
            Event::FactorRemoved { id } => {
                self.experience.factors.remove(id);
                self.book.bury(id);
            }
            Event::GroupMember { member_id, group, late } => {
                let groups = &mut self.definitions.groups;
                for g in groups.values_mut() {
                    g.members.retain(|m| m != member_id);
                    g.late.retain(|m| m != member_id);
                }
                groups.retain(|_, g| !g.members.is_empty());
                if let Some(id) = group {
                    let g = groups.entry(*id).or_insert_with(|| Group {
                        id: *id,
                        members: Vec::new(),
                        late: Vec::new(),
                    });
                    g.members.push(*member_id);
                    if *late {
                        g.late.push(*member_id);
                    }
                }
            }
            Event::TextChanged { target, update, text, at } => self.apply_text(by, target, update, text, *at),
            Event::WallChanged { wall } => self.definitions.wall = *wall,
            Event::HighlightSet { highlight } => {
                let highlights = &mut self.definitions.highlights;
                if highlights.insert(highlight.id.clone(), highlight.clone()).is_none() {
                    self.book.unbury(&highlight.id);
                }
            }
            Event::HighlightRemoved { id } => {
                self.definitions.highlights.remove(id);
                self.book.bury(id);
            }
            Event::CommonChanged { common } => self.definitions.common.clone_from(common),
            Event::WorkingChanged { text } => self.definitions.working.clone_from(text),
            Event::ReadyChanged { step, member_id, ready } => {
                if *ready {
                    self.ready.insert((*step, *member_id));
                } else {
                    self.ready.remove(&(*step, *member_id));
                }
            }
            Event::AutoAdvanceChanged { on } => self.auto_advance = *on,
            Event::HistoryRecorded { member_id, entry } => {
                let stack = self.undo.entry(*member_id).or_default();
                stack.push(Arc::clone(entry));
                if stack.len() > UNDO_DEPTH {
                    stack.remove(0);
                }
                self.redo.remove(member_id);
            }
            Event::HistoryUndone { member_id } => {
                if let Some(entry) = pop(&mut self.undo, member_id) {
                    self.redo.entry(*member_id).or_default().push(entry);
                }
            }
            Event::HistoryRedone { member_id } => {
                if let Some(entry) = pop(&mut self.redo, member_id) {
                    self.undo.entry(*member_id).or_default().push(entry);
                }
            }
            Event::NoteSet { note } => {
                if self.wall.notes.insert(note.id.clone(), note.clone()).is_none() && note.revealed {
                    self.book.unbury(&note.id);
                }
            }
            Event::NoteMoved { id, x, y, cluster } => {
                if let Some(note) = self.wall.notes.get_mut(id) {
                    (note.x, note.y) = (*x, *y);
                    note.cluster.clone_from(cluster);
                    if let Some(by) = by {
                        // A note moved before (nearly every move) keeps its key: no id is cloned.
                        match self.book.moved.get_mut(id) {
                            Some(last) => *last = (self.seq, by),
                            None => {
                                self.book.moved.insert(id.clone(), (self.seq, by));
                            }
                        }
                    }
                }
            }
            Event::NoteRemoved { id, private_to } => {
                self.wall.notes.remove(id);
                self.book.moved.remove(id);
                if private_to.is_none() {
                    self.book.bury(id);
                }
            }
            Event::NotesPending { member_id, count } => {
                if *count == 0 {
                    self.wall.pending.remove(member_id);
                } else {
                    self.wall.pending.insert(*member_id, *count);
                }
            }
            Event::RevealTurn { member_id } => self.wall.turn = *member_id,
            Event::ClusterSet { cluster } => {
                if self.wall.clusters.insert(cluster.id.clone(), cluster.clone()).is_none() {
                    self.book.unbury(&cluster.id);
                }
            }
            Event::ClusterRemoved { id } => {
                self.wall.clusters.remove(id);
                self.book.bury(id);
            }
            Event::TeamSet { team } => {
                self.assessment.teams.insert(team.id, team.clone());
            }
            Event::TeamRemoved { id } => {
                self.assessment.teams.remove(id);
            }
            Event::TeamMember { member_id, team, late } => {
                let teams = &mut self.assessment.teams;
                for t in teams.values_mut() {
                    t.members.retain(|m| m != member_id);
                    t.late.retain(|m| m != member_id);
                }
                if let Some(id) = team {
                    let t = teams.entry(*id).or_insert_with(|| Team::new(*id, Vec::new()));
                    t.members.push(*member_id);
                    if *late {
                        t.late.push(*member_id);
                    }
                }
            }
            Event::TeamCluster { team, cluster } => {
                if let Some(t) = self.assessment.teams.get_mut(team) {
                    t.cluster.clone_from(cluster);
                }
            }
            Event::RatingSet { team, category, rating } => {
                let slot = self
                    .assessment
                    .teams
                    .get_mut(team)
                    .and_then(|t| t.ratings.get_mut(usize::from(category.saturating_sub(1))));
                if let Some(slot) = slot {
                    *slot = *rating;
                }
            }
            Event::CardSet { card } => {
                if self.assessment.cards.insert(card.id.clone(), card.clone()).is_none() {
                    self.book.unbury(&card.id);
                }
            }
            Event::CardRemoved { id } => {
                self.assessment.cards.remove(id);
                self.book.bury(id);
            }
            Event::PresentingChanged { team } => self.priorities.presenting = *team,
            Event::AreaSet { area } => {
                if self.priorities.areas.insert(area.id.clone(), area.clone()).is_none() {
                    self.book.unbury(&area.id);
                }
            }
            Event::AreaRemoved { id } => {
                self.priorities.areas.remove(id);
                self.book.bury(id);
            }
            Event::VotePhaseChanged { phase, dots } => {
                let p = &mut self.priorities;
                if *phase == VotePhase::Open {
                    p.votes.clear();
                    p.used.clear();
                    p.tally.clear();
                }
                p.phase = *phase;
                p.dots = *dots;
            }
            Event::VoteSet { member_id, area, dots } => {
                let mine = self.priorities.votes.entry(*member_id).or_default();
                if *dots == 0 {
                    mine.remove(area);
                } else {
                    mine.insert(area.clone(), *dots);
                }
                if mine.is_empty() {
                    self.priorities.votes.remove(member_id);
                }
            }
            Event::VotesUsed { member_id, used } => {
                self.priorities.used.insert(*member_id, *used);
            }
            Event::TallyChanged { tally } => self.priorities.tally.clone_from(tally),
            Event::RankingChanged { ranking, finalised } => {
                self.priorities.ranking.clone_from(ranking);
                self.priorities.finalised = *finalised;
            }
            Event::RoomClosed { closed } => self.closed = *closed,
            Event::Contributed { member_id, total } => {
                self.contributions.insert(*member_id, *total);
            }
        }
    }

    /// A shared text takes its update; a definition's highlights follow their anchors.
    fn apply_text(&mut self, by: Option<MemberId>, target: &TextTarget, update: &str, text: &str, at: i64) {
        let key = target.key();
        let bytes = decode_base64(update).ok();
        if let (Some(by), Some(bytes)) = (by, &bytes) {
            for writer in writers_of(bytes).unwrap_or_default() {
                if writer != ROOM_CLIENT && self.book.writers.len() < MAX_TEXT_WRITERS {
                    self.book.writers.entry(writer).or_insert(by);
                }
            }
        }
        let shared = self.texts.entry(key.clone());
        match &bytes {
            Some(bytes) => shared.apply_recorded(bytes, text),
            None => shared.text = text.to_owned(),
        }
        if let Some(by) = by
            && !shared.editors.contains(&by)
        {
            shared.editors.push(by);
        }
        shared.updated_at = at;
        if let TextTarget::Definition { group } = target {
            self.reanchor(*group);
        }
    }

    /// Moves a group's highlights to where their anchors are now in its definition.
    pub(crate) fn reanchor(&mut self, group: GroupId) {
        let key = TextTarget::Definition { group }.key();
        let Some(shared) = self.texts.get(&key) else { return };
        for highlight in self.definitions.highlights.values_mut().filter(|h| h.group == group) {
            let Some(anchor) = &highlight.anchor else { continue };
            let resolve = |a: &str| decode_base64(a).ok().and_then(|bytes| shared.doc.resolve(&bytes));
            let (Some(start), Some(end)) = (resolve(&anchor.start), resolve(&anchor.end)) else { continue };
            let end = end.max(start);
            highlight.start = start;
            highlight.end = end;
            highlight.phrase = slice_utf16(&shared.text, start, end).unwrap_or_default();
        }
    }
}

fn pop(stacks: &mut BTreeMap<MemberId, Vec<Arc<UndoEntry>>>, member: &MemberId) -> Option<Arc<UndoEntry>> {
    let stack = stacks.get_mut(member)?;
    let entry = stack.pop();
    if stack.is_empty() {
        stacks.remove(member);
    }
    entry
}

impl Team {
    /// A team as formed: members, nobody placed late, no client type yet, nothing rated.
    pub fn new(id: GroupId, members: Vec<MemberId>) -> Self {
        Team { id, members, late: Vec::new(), cluster: None, ratings: vec![0; usize::from(CATEGORY_COUNT)] }
    }
}
