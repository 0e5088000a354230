//! Durable commands: what a client asks the room to do. The room decides them with
//! [`crate::apply`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{GroupId, ItemId, MemberId};
use crate::state::{Column, Language, Lens};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
pub enum Command {
    /// Facilitator: change any of the room settings (absent fields stay as they are).
    #[serde(rename = "settings.update")]
    UpdateSettings {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        organisation: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        lens: Option<Lens>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        language: Option<Language>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        group_size: Option<u8>,
    },
    /// Facilitator: move the whole room to a step (forward or back; nothing is lost).
    #[serde(rename = "step.set")]
    SetStep { step: u8 },
    /// Facilitator: start (or restart) the countdown.
    #[serde(rename = "timer.start")]
    StartTimer {
        #[ts(type = "number")]
        duration_ms: u64,
    },
    #[serde(rename = "timer.pause")]
    PauseTimer,
    #[serde(rename = "timer.resume")]
    ResumeTimer,
    /// Facilitator: add time to a running or paused countdown.
    #[serde(rename = "timer.extend")]
    ExtendTimer {
        #[ts(type = "number")]
        by_ms: u64,
    },
    #[serde(rename = "timer.clear")]
    ClearTimer,
    /// A member: change their own display name.
    #[serde(rename = "member.rename")]
    Rename { name: String },
    /// A member: post or edit their own check-in.
    #[serde(rename = "checkin.set")]
    SetCheckin { contribute: String, get_out: String },
    /// A member removes their own check-in; a facilitator may remove anyone's.
    #[serde(rename = "checkin.clear")]
    ClearCheckin { member_id: MemberId },
    /// Facilitator or scribe: put the speaker queue in this order (participants only).
    #[serde(rename = "queue.set")]
    SetQueue { order: Vec<MemberId> },
    /// Facilitator or scribe: a random order of the participants.
    #[serde(rename = "queue.shuffle")]
    ShuffleQueue,
    /// Facilitator or scribe: the current speaker has spoken; call the next one.
    #[serde(rename = "queue.next")]
    NextSpeaker,
    /// Facilitator or scribe: call this person now.
    #[serde(rename = "queue.call")]
    CallSpeaker { member_id: MemberId },
    /// Facilitator: appoint (or, with no member, remove) the scribe.
    #[serde(rename = "scribe.set")]
    SetScribe {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        member_id: Option<MemberId>,
    },
    /// Facilitator: open the key-factors board to every participant, or close it.
    #[serde(rename = "factors.open")]
    OpenFactors { open: bool },
    /// Add a key-factor card, tagged with the current speaker.
    #[serde(rename = "factor.add")]
    AddFactor { id: ItemId, text: String },
    #[serde(rename = "factor.edit")]
    EditFactor { id: ItemId, text: String },
    #[serde(rename = "factor.delete")]
    DeleteFactor { id: ItemId },
    /// Two cards say the same thing: `from` goes into `into`, which counts both.
    #[serde(rename = "factor.merge")]
    MergeFactors { from: ItemId, into: ItemId },
    /// Facilitator: form balanced random groups of the present participants.
    #[serde(rename = "groups.form")]
    FormGroups,
    /// Facilitator: move a participant to a group (or, with no group, into a new one).
    #[serde(rename = "group.move")]
    MoveToGroup {
        member_id: MemberId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        group: Option<GroupId>,
    },
    /// Take (or renew) the edit lease on a group's definition.
    #[serde(rename = "definition.lease")]
    LeaseDefinition { group: GroupId },
    /// Write a group's definition (taking the lease if it is free); `release` lets go after.
    #[serde(rename = "definition.write")]
    WriteDefinition { group: GroupId, text: String, release: bool },
    #[serde(rename = "definition.release")]
    ReleaseDefinition { group: GroupId },
    /// Facilitator: put the definitions up on the wall, or take them down.
    #[serde(rename = "wall.show")]
    ShowWall { shown: bool },
    /// Facilitator: mark the definition being read out now.
    #[serde(rename = "wall.read")]
    ReadOnWall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        group: Option<GroupId>,
    },
    /// Highlight characters `start..end` of a group's definition.
    #[serde(rename = "highlight.add")]
    AddHighlight { id: ItemId, group: GroupId, start: u32, end: u32 },
    #[serde(rename = "highlight.remove")]
    RemoveHighlight { id: ItemId },
    /// Facilitator: set the room's working definition.
    #[serde(rename = "working.set")]
    SetWorkingDefinition { text: String },
    /// A participant marks themself done (or not) with the current step.
    #[serde(rename = "ready.set")]
    SetReady { ready: bool },
    /// Facilitator: move on by itself when every present participant is ready.
    #[serde(rename = "auto_advance.set")]
    SetAutoAdvance { on: bool },
    /// Write a "Help me ..." post-it (private until revealed); `text` is what follows "Help me".
    #[serde(rename = "note.add")]
    AddNote { id: ItemId, text: String },
    /// The author changes their note (a facilitator may change a revealed one).
    #[serde(rename = "note.edit")]
    EditNote { id: ItemId, text: String },
    #[serde(rename = "note.delete")]
    DeleteNote { id: ItemId },
    /// Facilitator: reveal one person's notes (their turn to place them), or everyone's.
    #[serde(rename = "notes.reveal")]
    RevealNotes {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        member_id: Option<MemberId>,
    },
    /// Anyone: drop a revealed note at a position, onto another note or a cluster, or loose.
    #[serde(rename = "note.drop")]
    DropNote {
        id: ItemId,
        x: i32,
        y: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        onto: Option<DropTarget>,
    },
    #[serde(rename = "cluster.rename")]
    RenameCluster { id: ItemId, name: String },
    /// Every note of `from` goes into `into`.
    #[serde(rename = "cluster.merge")]
    MergeClusters { from: ItemId, into: ItemId },
    /// The cluster goes; its notes stay where they are, loose.
    #[serde(rename = "cluster.dissolve")]
    DissolveCluster { id: ItemId },
    /// Facilitator: the teams are the step 3 groups.
    #[serde(rename = "teams.from_groups")]
    TeamsFromGroups,
    /// Facilitator: new balanced random teams of the present participants.
    #[serde(rename = "teams.form")]
    FormTeams,
    /// Facilitator: move a participant to a team (or, with no team, into a new one).
    #[serde(rename = "team.move")]
    MoveToTeam {
        member_id: MemberId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        team: Option<GroupId>,
    },
    /// The facilitator, or a member of the team, chooses the client type it assesses.
    #[serde(rename = "team.cluster")]
    AssignCluster {
        team: GroupId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        cluster: Option<ItemId>,
    },
    /// A team member adds an example card to a category's column.
    #[serde(rename = "card.add")]
    AddCard { id: ItemId, team: GroupId, category: u8, column: Column, text: String },
    /// Write a card's text under its edit lease; `release` lets go after.
    #[serde(rename = "card.write")]
    WriteCard { id: ItemId, text: String, release: bool },
    #[serde(rename = "card.move")]
    MoveCard { id: ItemId, category: u8, column: Column },
    #[serde(rename = "card.delete")]
    DeleteCard { id: ItemId },
    /// A team member rates a category 1 to 5 (0 clears).
    #[serde(rename = "rating.set")]
    SetRating { team: GroupId, category: u8, rating: u8 },
    /// Facilitator: everyone follows this team's board (none: nobody presents).
    #[serde(rename = "present.set")]
    SetPresenting {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        team: Option<GroupId>,
    },
    /// Propose an area for improvement, new or from a failure card.
    #[serde(rename = "area.add")]
    AddArea {
        id: ItemId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        from_card: Option<ItemId>,
    },
    #[serde(rename = "area.edit")]
    EditArea { id: ItemId, text: String },
    #[serde(rename = "area.delete")]
    DeleteArea { id: ItemId },
    /// Facilitator: two areas are the same; `from` goes into `into` (with its dots).
    #[serde(rename = "area.merge")]
    MergeAreas { from: ItemId, into: ItemId },
    /// Facilitator: open the dot vote with this many dots each (clears any earlier vote).
    #[serde(rename = "vote.open")]
    OpenVote { dots: u8 },
    /// Put this many of your dots on an area (0 takes them back).
    #[serde(rename = "vote.set")]
    SetVote { area: ItemId, dots: u8 },
    /// Facilitator: close the vote, publish the counts and rank by them.
    #[serde(rename = "vote.close")]
    CloseVote,
    /// Facilitator: reorder the ranked list.
    #[serde(rename = "ranking.set")]
    SetRanking { order: Vec<ItemId> },
    /// Facilitator: mark the ranked list final (or not).
    #[serde(rename = "ranking.finalise")]
    FinaliseRanking { finalised: bool },
    /// The facilitator or the area's author records who takes it forward, and by when.
    #[serde(rename = "area.follow_up")]
    FollowUp {
        id: ItemId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        owner: Option<String>,
        /// `YYYY-MM-DD`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        due: Option<String>,
    },
    /// Facilitator: close the room (read-only for everyone), or reopen it.
    #[serde(rename = "room.close")]
    CloseRoom { closed: bool },
    /// Undo the sender's own last undoable action.
    #[serde(rename = "undo")]
    Undo,
}

/// Where a note is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DropTarget {
    /// Onto another note: they join its cluster, or start a new one with the given id.
    Note { id: ItemId, new_cluster: ItemId },
    /// Into a cluster.
    Cluster { id: ItemId },
}

impl Command {
    /// Whether the sender may take this back with `undo`: edits, deletes, merges, regroups.
    pub fn is_undoable(&self) -> bool {
        matches!(
            self,
            Command::SetCheckin { .. }
                | Command::ClearCheckin { .. }
                | Command::EditFactor { .. }
                | Command::DeleteFactor { .. }
                | Command::MergeFactors { .. }
                | Command::FormGroups
                | Command::MoveToGroup { .. }
                | Command::WriteDefinition { .. }
                | Command::AddHighlight { .. }
                | Command::RemoveHighlight { .. }
                | Command::SetWorkingDefinition { .. }
                | Command::EditNote { .. }
                | Command::DeleteNote { .. }
                | Command::DropNote { .. }
                | Command::RenameCluster { .. }
                | Command::MergeClusters { .. }
                | Command::DissolveCluster { .. }
                | Command::TeamsFromGroups
                | Command::FormTeams
                | Command::MoveToTeam { .. }
                | Command::WriteCard { .. }
                | Command::MoveCard { .. }
                | Command::DeleteCard { .. }
                | Command::EditArea { .. }
                | Command::DeleteArea { .. }
                | Command::MergeAreas { .. }
                | Command::SetRanking { .. }
        )
    }

    /// The wire name of the command (`factor.merge`).
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}
