//! Durable events: the facts a room records, in `seq` order.
//!
//! Each event carries the resulting value of what it changed (not a delta to recompute), so
//! applying it is plain assignment, here and in the browser's store alike.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::MemberId;
use crate::state::{Checkin, Member, RoomState, Settings, Timer};

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
    CheckinSet {
        member_id: MemberId,
        checkin: Checkin,
    },
    #[serde(rename = "checkin.cleared")]
    CheckinCleared { member_id: MemberId },
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
        }
    }
}
