//! Durable commands: what a client asks the room to do. The room decides them with
//! [`crate::apply`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{GroupId, ItemId, MemberId};
use crate::shared::TextTarget;
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
    /// Facilitator: start (or restart) the current step's countdown.
    #[serde(rename = "timer.start")]
    StartTimer {
        #[ts(type = "number")]
        duration_ms: u64,
    },
    #[serde(rename = "timer.pause")]
    PauseTimer,
    #[serde(rename = "timer.resume")]
    ResumeTimer,
    /// Facilitator: add time to a running or paused countdown. With `seen` (the last `seq` the
    /// sender had applied when they pressed), refused `conflict` if someone else has changed a
    /// countdown since: two facilitators who both add five minutes to the same countdown add
    /// five, not ten.
    #[serde(rename = "timer.extend")]
    ExtendTimer {
        #[ts(type = "number")]
        by_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        seen: Option<u64>,
    },
    #[serde(rename = "timer.clear")]
    ClearTimer,
    /// A member: change their own display name.
    #[serde(rename = "member.rename")]
    Rename { name: String },
    /// A member: post or edit their own check-in.
    #[serde(rename = "checkin.set")]
    SetCheckin { contribute: String, get_out: String },
    /// A member raises (or lowers) their own hand; in step 2 a raised hand also joins the
    /// speaker queue.
    #[serde(rename = "hand.raise")]
    RaiseHand { raised: bool },
    /// Facilitator: lower someone's hand.
    #[serde(rename = "hand.lower")]
    LowerHand { member_id: MemberId },
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
    /// Add a key-factor card, tagged with the current speaker; `text` starts its shared text.
    #[serde(rename = "factor.add")]
    AddFactor { id: ItemId, text: String },
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
    /// Type into a shared text (a group's definition, a card, a key factor, an area):
    /// `update` is a Yjs v1 update, base64. Any number of people may do it at once.
    #[serde(rename = "text.edit")]
    EditText { target: TextTarget, update: String },
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
    /// Highlight UTF-16 code units `start..end` of a group's definition (as JavaScript counts).
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
    /// With `seen` (the last `seq` the sender had applied when they let go), refused `conflict`
    /// if someone else has moved the note since: a drop made offline, or on a stale screen, does
    /// not undo a later move the sender never saw.
    #[serde(rename = "note.drop")]
    DropNote {
        id: ItemId,
        x: i32,
        y: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        onto: Option<DropTarget>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        seen: Option<u64>,
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
    /// A team member adds an example card to a category's column; `text` starts its shared
    /// text.
    #[serde(rename = "card.add")]
    AddCard { id: ItemId, team: GroupId, category: u8, column: Column, text: String },
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
    /// Undo the sender's own newest action of the current step, if nobody changed it since.
    #[serde(rename = "undo")]
    Undo,
    /// Do again what the sender undid last, if nobody changed it since.
    #[serde(rename = "redo")]
    Redo,
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
    /// Whether the sender may take this back with `undo` (and do it again with `redo`).
    pub fn is_undoable(&self) -> bool {
        match self {
            Command::SetCheckin { .. }
            | Command::ClearCheckin { .. }
            | Command::AddFactor { .. }
            | Command::DeleteFactor { .. }
            | Command::MergeFactors { .. }
            | Command::FormGroups
            | Command::MoveToGroup { .. }
            | Command::AddHighlight { .. }
            | Command::RemoveHighlight { .. }
            | Command::SetWorkingDefinition { .. }
            | Command::AddNote { .. }
            | Command::EditNote { .. }
            | Command::DeleteNote { .. }
            | Command::DropNote { .. }
            | Command::RenameCluster { .. }
            | Command::MergeClusters { .. }
            | Command::DissolveCluster { .. }
            | Command::TeamsFromGroups
            | Command::FormTeams
            | Command::MoveToTeam { .. }
            | Command::AssignCluster { .. }
            | Command::AddCard { .. }
            | Command::MoveCard { .. }
            | Command::DeleteCard { .. }
            | Command::SetRating { .. }
            | Command::AddArea { .. }
            | Command::DeleteArea { .. }
            | Command::MergeAreas { .. }
            | Command::SetRanking { .. }
            | Command::FollowUp { .. } => true,
            // Steering the room, the clock, presence-like signals and votes are not undone;
            // text is undone in the browser (Yjs, per person); undo and redo move entries.
            Command::UpdateSettings { .. }
            | Command::SetStep { .. }
            | Command::StartTimer { .. }
            | Command::PauseTimer
            | Command::ResumeTimer
            | Command::ExtendTimer { .. }
            | Command::ClearTimer
            | Command::Rename { .. }
            | Command::RaiseHand { .. }
            | Command::LowerHand { .. }
            | Command::SetQueue { .. }
            | Command::ShuffleQueue
            | Command::NextSpeaker
            | Command::CallSpeaker { .. }
            | Command::SetScribe { .. }
            | Command::OpenFactors { .. }
            | Command::EditText { .. }
            | Command::ShowWall { .. }
            | Command::ReadOnWall { .. }
            | Command::SetReady { .. }
            | Command::SetAutoAdvance { .. }
            | Command::RevealNotes { .. }
            | Command::SetPresenting { .. }
            | Command::OpenVote { .. }
            | Command::SetVote { .. }
            | Command::CloseVote
            | Command::FinaliseRanking { .. }
            | Command::CloseRoom { .. }
            | Command::Undo
            | Command::Redo => false,
        }
    }

    /// The wire name of the command (`factor.merge`).
    pub fn kind(&self) -> &'static str {
        match self {
            Command::UpdateSettings { .. } => "settings.update",
            Command::SetStep { .. } => "step.set",
            Command::StartTimer { .. } => "timer.start",
            Command::PauseTimer => "timer.pause",
            Command::ResumeTimer => "timer.resume",
            Command::ExtendTimer { .. } => "timer.extend",
            Command::ClearTimer => "timer.clear",
            Command::Rename { .. } => "member.rename",
            Command::SetCheckin { .. } => "checkin.set",
            Command::RaiseHand { .. } => "hand.raise",
            Command::LowerHand { .. } => "hand.lower",
            Command::ClearCheckin { .. } => "checkin.clear",
            Command::SetQueue { .. } => "queue.set",
            Command::ShuffleQueue => "queue.shuffle",
            Command::NextSpeaker => "queue.next",
            Command::CallSpeaker { .. } => "queue.call",
            Command::SetScribe { .. } => "scribe.set",
            Command::OpenFactors { .. } => "factors.open",
            Command::AddFactor { .. } => "factor.add",
            Command::DeleteFactor { .. } => "factor.delete",
            Command::MergeFactors { .. } => "factor.merge",
            Command::FormGroups => "groups.form",
            Command::MoveToGroup { .. } => "group.move",
            Command::EditText { .. } => "text.edit",
            Command::ShowWall { .. } => "wall.show",
            Command::ReadOnWall { .. } => "wall.read",
            Command::AddHighlight { .. } => "highlight.add",
            Command::RemoveHighlight { .. } => "highlight.remove",
            Command::SetWorkingDefinition { .. } => "working.set",
            Command::SetReady { .. } => "ready.set",
            Command::SetAutoAdvance { .. } => "auto_advance.set",
            Command::AddNote { .. } => "note.add",
            Command::EditNote { .. } => "note.edit",
            Command::DeleteNote { .. } => "note.delete",
            Command::RevealNotes { .. } => "notes.reveal",
            Command::DropNote { .. } => "note.drop",
            Command::RenameCluster { .. } => "cluster.rename",
            Command::MergeClusters { .. } => "cluster.merge",
            Command::DissolveCluster { .. } => "cluster.dissolve",
            Command::TeamsFromGroups => "teams.from_groups",
            Command::FormTeams => "teams.form",
            Command::MoveToTeam { .. } => "team.move",
            Command::AssignCluster { .. } => "team.cluster",
            Command::AddCard { .. } => "card.add",
            Command::MoveCard { .. } => "card.move",
            Command::DeleteCard { .. } => "card.delete",
            Command::SetRating { .. } => "rating.set",
            Command::SetPresenting { .. } => "present.set",
            Command::AddArea { .. } => "area.add",
            Command::DeleteArea { .. } => "area.delete",
            Command::MergeAreas { .. } => "area.merge",
            Command::OpenVote { .. } => "vote.open",
            Command::SetVote { .. } => "vote.set",
            Command::CloseVote => "vote.close",
            Command::SetRanking { .. } => "ranking.set",
            Command::FinaliseRanking { .. } => "ranking.finalise",
            Command::FollowUp { .. } => "area.follow_up",
            Command::CloseRoom { .. } => "room.close",
            Command::Undo => "undo",
            Command::Redo => "redo",
        }
    }
}
