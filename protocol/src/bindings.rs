//! The TypeScript form of every wire type, for the browser client (`web/src/protocol.d.ts`).
//! A test keeps the committed file equal to what this generates.

use ts_rs::{Config, TS};

use crate::shared::YDoc;
use crate::*;

/// Path of the generated file, relative to the workspace root.
pub const BINDINGS_PATH: &str = "web/src/protocol.d.ts";

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

    #[test]
    fn committed_bindings_are_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(super::BINDINGS_PATH);
        let generated = super::typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is out of date: run `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`",
            super::BINDINGS_PATH
        );
    }
}
