//! The state of one room: what every member sees and what the store snapshots.
//!
//! It holds no secrets (token and key hashes live in the server's store), so a snapshot can be
//! sent to any member as it is.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

use crate::ids::{MemberId, RoomId};
use crate::limits::DEFAULT_GROUP_SIZE;

/// Whose centricity the room explores; it changes the words on every board, not the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Lens {
    #[default]
    Client,
    Customer,
    Partner,
    Staff,
}

/// The room's language (each person may still switch their own view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Pt,
}

/// Settings chosen at creation and editable by a facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    pub title: String,
    pub organisation: String,
    pub lens: Lens,
    pub language: Language,
    /// Target size of groups and teams.
    pub group_size: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            title: String::new(),
            organisation: String::new(),
            lens: Lens::default(),
            language: Language::default(),
            group_size: DEFAULT_GROUP_SIZE,
        }
    }
}

/// What a member is in the room. Viewers are not members: they hold no identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Facilitator,
    Participant,
}

/// Who is acting on the room, as the server authenticated them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Facilitator,
    Participant,
    Viewer,
}

impl From<MemberRole> for Role {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Facilitator => Role::Facilitator,
            MemberRole::Participant => Role::Participant,
        }
    }
}

/// The authenticated sender of a command: a member, or an anonymous viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub member: Option<MemberId>,
    pub role: Role,
}

impl Actor {
    pub fn member(id: MemberId, role: MemberRole) -> Self {
        Self {
            member: Some(id),
            role: role.into(),
        }
    }

    pub fn viewer() -> Self {
        Self {
            member: None,
            role: Role::Viewer,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: MemberRole,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub joined_at: i64,
}

/// The room countdown. Times are server milliseconds since the Unix epoch; clients correct for
/// their own clock with the server time they receive in `welcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Timer {
    #[default]
    Idle,
    Running {
        #[ts(type = "number")]
        ends_at: i64,
        #[ts(type = "number")]
        total_ms: u64,
    },
    Paused {
        #[ts(type = "number")]
        remaining_ms: u64,
        #[ts(type = "number")]
        total_ms: u64,
    },
}

impl Timer {
    /// Milliseconds left at `now` (0 once a running timer has passed its end).
    pub fn remaining_ms(&self, now: i64) -> u64 {
        match *self {
            Timer::Idle => 0,
            Timer::Running { ends_at, .. } => u64::try_from(ends_at - now).unwrap_or(0),
            Timer::Paused { remaining_ms, .. } => remaining_ms,
        }
    }
}

/// A step 1 check-in: what I bring, and what I want to get out of the workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Checkin {
    pub contribute: String,
    pub get_out: String,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// Everything a room is. Maps are ordered so that two replicas that apply the same events
/// serialize to the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RoomState {
    pub id: RoomId,
    /// Sequence number of the last event applied (0 for a new room).
    #[ts(type = "number")]
    pub seq: u64,
    #[ts(type = "number")]
    pub created_at: i64,
    pub settings: Settings,
    /// The step the room is in, 1 to [`crate::limits::STEP_COUNT`].
    pub step: u8,
    pub timer: Timer,
    pub members: BTreeMap<MemberId, Member>,
    pub checkins: BTreeMap<MemberId, Checkin>,
}

impl RoomState {
    pub fn new(id: RoomId, settings: Settings, created_at: i64) -> Self {
        Self {
            id,
            seq: 0,
            created_at,
            settings,
            step: 1,
            timer: Timer::Idle,
            members: BTreeMap::new(),
            checkins: BTreeMap::new(),
        }
    }

    pub fn member(&self, id: MemberId) -> Option<&Member> {
        self.members.get(&id)
    }
}
