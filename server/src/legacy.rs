//! Storage format 1: what versions before protocol 2 wrote (a snapshot of a protocol-1 room, one
//! event per log row). A room stored that way opens as it was: its snapshot and events are read
//! as JSON and brought into today's [`RoomState`].
//!
//! What changed shape, and what becomes of it:
//! - texts (group sentences, cards, key factors, areas) were plain strings under an edit lease:
//!   each becomes a shared text the room itself writes, with its words; leases are dropped;
//! - the room's one countdown becomes the countdown of the step it was set in;
//! - groups and teams were replaced whole by each event: the same whole value is taken;
//! - undo entries had another shape: undo starts empty (moving to another step empties it
//!   too, so nothing a person expects is lost beyond the step they were in);
//! - `private` placeholders carried nothing.
//!
//! Every other event has the same shape in both formats and is applied as it is.

use std::collections::BTreeMap;

use horseshoe_protocol::limits::STEP_COUNT;
use horseshoe_protocol::shared::{YDoc, encode_base64};
use horseshoe_protocol::{Event, GroupId, ItemId, MemberId, RoomState, Team, TextTarget, Timer};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::StoreError;

/// The format number of these rows.
pub const FORMAT: i64 = 1;

/// A room being read from format-1 rows.
pub struct Upgrade {
    state: RoomState,
}

fn bad(what: impl std::fmt::Display) -> StoreError {
    StoreError::Legacy(what.to_string())
}

/// A text that was a plain string, with who wrote it last and when.
struct OldText {
    target: TextTarget,
    text: String,
    by: Option<MemberId>,
    at: i64,
}

impl Upgrade {
    /// Reads a format-1 snapshot.
    pub fn from_snapshot(body: &str) -> Result<Self, StoreError> {
        let mut value: Value = serde_json::from_str(body)?;
        let room = value.as_object_mut().ok_or_else(|| bad("a snapshot is not an object"))?;
        let timer = room.remove("timer").map(serde_json::from_value::<Timer>).transpose()?;
        let idle = vec![Timer::Idle; usize::from(STEP_COUNT)];
        room.insert("timers".into(), serde_json::to_value(idle)?);
        room.remove("undo");
        let at = room.get("created_at").and_then(Value::as_i64).unwrap_or_default();
        let mut texts = Vec::new();
        if let Some(definitions) = room.get_mut("definitions").and_then(Value::as_object_mut) {
            for def in items(definitions.remove("texts")) {
                let group =
                    def.get("group").and_then(Value::as_u64).ok_or_else(|| bad("a definition's group"))?;
                let group = GroupId::try_from(group).map_err(bad)?;
                texts.push(old_text(TextTarget::Definition { group }, &def, "updated_by", "updated_at", at)?);
            }
        }
        for (section, list, kind) in [
            ("experience", "factors", "factor"),
            ("assessment", "cards", "card"),
            ("priorities", "areas", "area"),
        ] {
            let Some(map) = room.get_mut(section).and_then(|s| s.get_mut(list)) else { continue };
            for item in values_mut(map) {
                let Some(item) = item.as_object_mut() else { continue };
                item.remove("lease");
                let text = item.remove("text");
                let id = ItemId(item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned());
                let target = match kind {
                    "factor" => TextTarget::Factor { id },
                    "card" => TextTarget::Card { id },
                    _ => TextTarget::Area { id },
                };
                let mut with_text = item.clone();
                with_text.insert("text".into(), text.unwrap_or_default());
                texts.push(old_text(target, &with_text, "author", "created_at", at)?);
            }
        }
        let mut state: RoomState = serde_json::from_value(value)?;
        if let Some(timer) = timer {
            set_timer(&mut state, timer);
        }
        let mut upgrade = Self { state };
        for text in texts {
            upgrade.write(text);
        }
        Ok(upgrade)
    }

    /// Applies one format-1 log row (its body: the event's frame, or the bare event).
    pub fn apply(&mut self, seq: u64, body: &str) -> Result<(), StoreError> {
        let mut value: Value = serde_json::from_str(body)?;
        if value.get("type").and_then(Value::as_str) == Some("event") {
            value = value
                .get_mut("event")
                .map(Value::take)
                .ok_or_else(|| bad("an event frame without its event"))?;
        }
        self.state.seq = seq;
        let kind = value.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        match kind.as_str() {
            "private" | "lease.changed" | "undo.pushed" | "undo.popped" => {}
            "timer.changed" => {
                let timer = serde_json::from_value(value.get("timer").cloned().unwrap_or_default())?;
                set_timer(&mut self.state, timer);
            }
            "groups.changed" => {
                #[derive(Deserialize)]
                struct Groups {
                    groups: Vec<horseshoe_protocol::Group>,
                }
                let Groups { groups } = serde_json::from_value(value)?;
                self.state.definitions.groups = groups.into_iter().map(|g| (g.id, g)).collect();
            }
            "teams.changed" => {
                #[derive(Deserialize)]
                struct Teams {
                    teams: Vec<Team>,
                }
                let Teams { teams } = serde_json::from_value(value)?;
                self.state.assessment.teams =
                    teams.into_iter().map(|t| (t.id, t)).collect::<BTreeMap<_, _>>();
            }
            "definition.changed" => {
                let map = value.as_object().ok_or_else(|| bad("definition.changed"))?;
                let group =
                    map.get("group").and_then(Value::as_u64).ok_or_else(|| bad("a definition's group"))?;
                let group = GroupId::try_from(group).map_err(bad)?;
                let at = self.state.created_at;
                let text = old_text(TextTarget::Definition { group }, map, "by", "at", at)?;
                self.write(text);
            }
            "factor.set" | "card.set" | "area.set" => {
                let field = &kind[..kind.len() - 4];
                let item = value.get_mut(field).and_then(Value::as_object_mut).ok_or_else(|| bad(&kind))?;
                let text = item.get("text").and_then(Value::as_str).unwrap_or_default().to_owned();
                item.remove("lease");
                let id = ItemId(item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned());
                let by = member(item.get("author"));
                let at = item.get("created_at").and_then(Value::as_i64).unwrap_or(self.state.created_at);
                let event: Event = serde_json::from_value(value)?;
                self.state.apply_event(None, &event);
                let target = match field {
                    "factor" => TextTarget::Factor { id },
                    "card" => TextTarget::Card { id },
                    _ => TextTarget::Area { id },
                };
                self.write(OldText { target, text, by, at });
            }
            _ => {
                let event: Event = serde_json::from_value(value).map_err(|e| bad(format!("{kind}: {e}")))?;
                self.state.apply_event(None, &event);
            }
        }
        Ok(())
    }

    /// The last `seq` read.
    pub fn seq(&self) -> u64 {
        self.state.seq
    }

    /// The room as read.
    pub fn into_state(self) -> RoomState {
        self.state
    }

    /// Makes a text read as it did, through the same event typing makes.
    fn write(&mut self, OldText { target, text, by, at }: OldText) {
        if self.state.text_of(&target) == text {
            return;
        }
        let doc = self.state.texts.get(&target.key()).map_or_else(YDoc::empty, |t| t.doc.clone());
        let update = encode_base64(&doc.rewrite(&text));
        self.state.apply_event(by, &Event::TextChanged { target, update, text, at });
    }
}

fn member(value: Option<&Value>) -> Option<MemberId> {
    value.and_then(Value::as_str).and_then(|s| s.parse().ok()).map(MemberId)
}

fn old_text(
    target: TextTarget,
    item: &Map<String, Value>,
    by: &str,
    at: &str,
    default_at: i64,
) -> Result<OldText, StoreError> {
    Ok(OldText {
        target,
        text: item.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
        by: member(item.get(by)),
        at: item.get(at).and_then(Value::as_i64).unwrap_or(default_at),
    })
}

/// The objects of a list, or of a map's values (format 1 wrote some maps as lists by key).
fn items(value: Option<Value>) -> Vec<Map<String, Value>> {
    let values = match value {
        Some(Value::Array(list)) => list,
        Some(Value::Object(map)) => map.into_iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    values
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .collect()
}

fn values_mut(value: &mut Value) -> Vec<&mut Value> {
    match value {
        Value::Array(list) => list.iter_mut().collect(),
        Value::Object(map) => map.values_mut().collect(),
        _ => Vec::new(),
    }
}

/// Format 1 had one countdown for the room: it was the current step's.
fn set_timer(state: &mut RoomState, timer: Timer) {
    let at = usize::from(state.step.saturating_sub(1));
    if let Some(slot) = state.timers.get_mut(at) {
        *slot = timer;
    }
}
