//! Durable events: the facts a room records, in `seq` order.
//!
//! Each event carries the resulting value of what it changed (not a delta to recompute), so
//! applying it is plain assignment, here and in the browser's store alike.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::collections::BTreeMap;

use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::UNDO_DEPTH;
use crate::state::{
    Area, Card, Checkin, Cluster, CommonTerm, Definition, Definitions, Factor, Group, Highlight, Lease,
    Member, Note, RoomState, Settings, SpeakerQueue, Team, Timer, UndoEntry, VotePhase, Wall,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "member.joined")]
    MemberJoined { member: Member },
    #[serde(rename = "member.renamed")]
    MemberRenamed { member_id: MemberId, name: String },
    #[serde(rename = "settings.changed")]
    SettingsChanged { settings: Settings },
    #[serde(rename = "step.changed")]
    StepChanged { step: u8 },
    #[serde(rename = "timer.changed")]
    TimerChanged { timer: Timer },
    #[serde(rename = "checkin.set")]
    CheckinSet { member_id: MemberId, checkin: Checkin },
    #[serde(rename = "checkin.cleared")]
    CheckinCleared { member_id: MemberId },
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
    #[serde(rename = "groups.changed")]
    GroupsChanged {
        #[serde(with = "crate::state::by_key")]
        #[ts(as = "Vec<Group>")]
        groups: BTreeMap<GroupId, Group>,
    },
    #[serde(rename = "definition.changed")]
    DefinitionChanged {
        group: GroupId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        by: Option<MemberId>,
        #[ts(type = "number")]
        at: i64,
    },
    #[serde(rename = "lease.changed")]
    LeaseChanged {
        group: GroupId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        lease: Option<Lease>,
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
    /// Only the member concerned receives this (see [`Event::audience`]).
    #[serde(rename = "undo.pushed")]
    UndoPushed { member_id: MemberId, entry: UndoEntry },
    #[serde(rename = "undo.popped")]
    UndoPopped { member_id: MemberId },
    /// A note was written, changed, revealed or moved. Only its author receives it while it is
    /// unrevealed.
    #[serde(rename = "note.set")]
    NoteSet { note: Note },
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
    #[serde(rename = "teams.changed")]
    TeamsChanged {
        #[serde(with = "crate::state::by_key")]
        #[ts(as = "Vec<Team>")]
        teams: BTreeMap<GroupId, Team>,
    },
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
    /// One member's dots on one area; only that member receives it.
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
    /// What everyone else receives in place of an event meant for one member: it only moves
    /// `seq` on, so that nobody sees a gap. Rules never decide it.
    #[serde(rename = "private")]
    Private,
}

impl Event {
    /// Whether this records something a member wrote (counted in the participation panel).
    pub fn is_contribution(&self) -> bool {
        matches!(
            self,
            Event::CheckinSet { .. }
                | Event::FactorSet { .. }
                | Event::DefinitionChanged { .. }
                | Event::HighlightSet { .. }
                | Event::CardSet { .. }
                | Event::AreaSet { .. }
        ) || matches!(self, Event::NoteSet { note } if !note.revealed)
    }

    /// Who may receive this event: everyone (`None`), or only the given member.
    pub fn audience(&self) -> Option<MemberId> {
        match self {
            Event::UndoPushed { member_id, .. } | Event::UndoPopped { member_id } => Some(*member_id),
            Event::NoteSet { note } if !note.revealed => Some(note.author),
            Event::NoteRemoved { private_to, .. } => *private_to,
            Event::VoteSet { member_id, .. } => Some(*member_id),
            _ => None,
        }
    }
}

impl Definitions {
    /// Applies the events that concern step 3; returns false for any other event.
    pub fn apply_event(&mut self, event: &Event) -> bool {
        match event {
            Event::GroupsChanged { groups } => self.groups.clone_from(groups),
            Event::DefinitionChanged { group, text, by, at } => {
                let definition = self.text_mut(*group);
                definition.text.clone_from(text);
                definition.updated_by = *by;
                definition.updated_at = *at;
            }
            Event::LeaseChanged { group, lease } => self.text_mut(*group).lease = *lease,
            Event::WallChanged { wall } => self.wall = *wall,
            Event::HighlightSet { highlight } => {
                self.highlights.insert(highlight.id.clone(), highlight.clone());
            }
            Event::HighlightRemoved { id } => {
                self.highlights.remove(id);
            }
            Event::CommonChanged { common } => self.common.clone_from(common),
            Event::WorkingChanged { text } => self.working.clone_from(text),
            _ => return false,
        }
        true
    }

    fn text_mut(&mut self, group: GroupId) -> &mut Definition {
        self.texts.entry(group).or_insert_with(|| Definition { group, ..Definition::default() })
    }
}

impl RoomState {
    /// Applies one recorded event as number `seq`. Events were validated when they were decided,
    /// so this never fails: replaying a log always reaches the same state.
    pub fn apply_event(&mut self, seq: u64, event: &Event) {
        self.seq = seq;
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
            Event::StepChanged { step } => self.step = *step,
            Event::TimerChanged { timer } => self.timer = *timer,
            Event::CheckinSet { member_id, checkin } => {
                self.checkins.insert(*member_id, checkin.clone());
            }
            Event::CheckinCleared { member_id } => {
                self.checkins.remove(member_id);
            }
            Event::QueueChanged { queue } => self.experience.queue = queue.clone(),
            Event::ScribeChanged { scribe } => self.experience.scribe = *scribe,
            Event::FactorsOpened { open } => self.experience.open = *open,
            Event::FactorSet { factor } => {
                self.experience.factors.insert(factor.id.clone(), factor.clone());
            }
            Event::FactorRemoved { id } => {
                self.experience.factors.remove(id);
            }
            Event::ReadyChanged { step, member_id, ready } => {
                if *ready {
                    self.ready.insert((*step, *member_id));
                } else {
                    self.ready.remove(&(*step, *member_id));
                }
            }
            Event::AutoAdvanceChanged { on } => self.auto_advance = *on,
            Event::UndoPushed { member_id, entry } => {
                let stack = self.undo.entry(*member_id).or_default();
                stack.push(entry.clone());
                if stack.len() > UNDO_DEPTH {
                    stack.remove(0);
                }
            }
            Event::UndoPopped { member_id } => {
                if let Some(stack) = self.undo.get_mut(member_id) {
                    stack.pop();
                    if stack.is_empty() {
                        self.undo.remove(member_id);
                    }
                }
            }
            Event::NoteSet { note } => {
                self.wall.notes.insert(note.id.clone(), note.clone());
            }
            Event::NoteRemoved { id, .. } => {
                self.wall.notes.remove(id);
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
                self.wall.clusters.insert(cluster.id.clone(), cluster.clone());
            }
            Event::ClusterRemoved { id } => {
                self.wall.clusters.remove(id);
            }
            Event::TeamsChanged { teams } => self.assessment.teams.clone_from(teams),
            Event::CardSet { card } => {
                self.assessment.cards.insert(card.id.clone(), card.clone());
            }
            Event::CardRemoved { id } => {
                self.assessment.cards.remove(id);
            }
            Event::PresentingChanged { team } => self.priorities.presenting = *team,
            Event::AreaSet { area } => {
                self.priorities.areas.insert(area.id.clone(), area.clone());
            }
            Event::AreaRemoved { id } => {
                self.priorities.areas.remove(id);
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
            Event::Private => {}
            other => {
                self.definitions.apply_event(other);
            }
        }
    }
}
