//! Durable commands: what a client asks the room to do. The room decides them with
//! [`crate::apply`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::MemberId;
use crate::state::{Language, Lens};

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
}
