//! What the browser client shares with the protocol crate, generated from it: the TypeScript
//! form of every wire type (`web/src/protocol.d.ts`) and every limit as a JavaScript module
//! (`web/src/limits.js`), so the browser has no second copy to drift. Tests keep the committed
//! files equal to what this generates.

use ts_rs::{Config, TS};

use crate::shared::YDoc;
use crate::*;

/// Path of the generated types, relative to the workspace root.
pub const BINDINGS_PATH: &str = "web/src/protocol.d.ts";
/// Path of the generated limits module, relative to the workspace root.
pub const LIMITS_PATH: &str = "web/src/limits.js";

macro_rules! values {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), serde_json::json!(crate::limits::$name))),*]
    };
}

/// Every constant of [`crate::limits`], by name.
fn limit_values() -> Vec<(&'static str, serde_json::Value)> {
    values![
        MAX_NAME_CHARS,
        MAX_TITLE_CHARS,
        MAX_CHECKIN_CHARS,
        MAX_ITEM_ID_CHARS,
        MAX_CLIENT_ID_CHARS,
        MAX_CLIENTS_PER_MEMBER,
        DEDUP_WINDOW,
        MAX_TOMBSTONES,
        MAX_MEMBERS,
        MAX_MEMBER_RECORDS,
        MAX_TIMER_MS,
        MIN_GROUP_SIZE,
        MAX_GROUP_SIZE,
        DEFAULT_GROUP_SIZE,
        STEP_COUNT,
        STEP_MINUTES,
        MAX_FACTOR_CHARS,
        MAX_FACTORS,
        MAX_DEFINITION_CHARS,
        MAX_HIGHLIGHT_CHARS,
        MAX_HIGHLIGHTS,
        MAX_WORKING_CHARS,
        UNDO_DEPTH,
        MAX_TEXTS,
        MAX_TEXT_DOC_BYTES,
        MAX_TEXT_UPDATE_BYTES,
        MAX_ANCHOR_CHARS,
        MAX_COMMON_TERMS,
        MAX_NOTE_CHARS,
        MAX_NOTES,
        MAX_NOTES_PER_MEMBER,
        MAX_CLUSTER_NAME_CHARS,
        WALL_WIDTH,
        WALL_HEIGHT,
        MAX_CARD_CHARS,
        MAX_CARDS,
        CATEGORY_COUNT,
        MAX_RATING,
        MAX_AREA_CHARS,
        MAX_AREAS,
        MAX_DOTS,
        MAX_OWNER_CHARS,
    ]
}

/// The documentation of each constant in `limits.rs` (its `///` lines), by name.
fn limit_docs() -> Vec<(String, String)> {
    let mut docs = Vec::new();
    let mut doc = Vec::new();
    for line in include_str!("limits.rs").lines() {
        let line = line.trim();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("pub const ") {
            let name = rest.split(':').next().unwrap_or_default().trim().to_owned();
            docs.push((name, doc.join(" ")));
            doc.clear();
        } else {
            doc.clear();
        }
    }
    docs
}

/// The whole generated limits module.
pub fn limits_module() -> String {
    let values: std::collections::BTreeMap<_, _> = limit_values().into_iter().collect();
    let mut out = String::from(
        "// Generated from protocol/src/limits.rs by `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`.\n\
         // Do not edit: a test fails when this file differs from what the protocol generates.\n\n",
    );
    let mut line = |doc: &str, name: &str, value: &serde_json::Value| {
        out.push_str(&format!("/** {doc} */\nexport const {name} = {value};\n"));
    };
    line(
        "The protocol version this client speaks (`hello.protocol`).",
        "PROTOCOL_VERSION",
        &serde_json::json!(crate::PROTOCOL_VERSION),
    );
    for (name, doc) in limit_docs() {
        if let Some(value) = values.get(name.as_str()) {
            line(&doc, &name, value);
        }
    }
    let categories: Vec<u8> = (1..=crate::limits::CATEGORY_COUNT).collect();
    line(
        "The categories of behaviour on a team's board, numbered.",
        "CATEGORIES",
        &serde_json::json!(categories),
    );
    line(
        "The longest countdown in whole minutes.",
        "MAX_TIMER_MINUTES",
        &serde_json::json!(crate::limits::MAX_TIMER_MS / 60_000),
    );
    out
}

macro_rules! declarations {
    ($cfg:expr; $($ty:ty),* $(,)?) => {
        [$(format!("export {}", <$ty as TS>::decl($cfg))),*]
    };
}

/// The whole generated file.
pub fn typescript() -> String {
    let cfg = Config::default();
    let decls = declarations![&cfg;
        ClientMsg, ServerMsg, Credentials, You, ErrorCode, Command, Event, RoomState, Settings,
        Lens, Language, MemberRole, Role, Member, Timer, Checkin, RoomId, MemberId, CommandId, ClientId,
        ItemId, TextTarget, SharedText, Texts, YDoc, Experience, SpeakerQueue, Factor, Definitions, Group,
        Highlight, Anchor, CommonTerm, Wall, UndoEntry, Private, ClientWall, Note, Cluster, DropTarget,
        Assessment, Team, Card, Column, Priorities, Area, VotePhase,
    ];
    let mut out = String::from(
        "// Generated from the protocol crate by `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`.\n\
         // Do not edit: a test fails when this file differs from what the protocol generates.\n\n",
    );
    for decl in decls {
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn up_to_date(relative: &str, generated: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(relative);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, generated).expect("write the generated file");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{relative} is out of date: run `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`"
        );
    }

    #[test]
    fn committed_bindings_are_up_to_date() {
        up_to_date(super::BINDINGS_PATH, &super::typescript());
    }

    #[test]
    fn committed_limits_are_up_to_date_and_complete() {
        let documented: Vec<String> = super::limit_docs().into_iter().map(|(name, _)| name).collect();
        let valued: Vec<&str> = super::limit_values().into_iter().map(|(name, _)| name).collect();
        assert_eq!(documented, valued, "every constant of limits.rs is in limit_values(), in order");
        up_to_date(super::LIMITS_PATH, &super::limits_module());
    }
}
