//! What is generated from the protocol crate, so that nothing has a second copy to drift: the
//! TypeScript form of every wire type (`web/src/protocol.d.ts`), every limit as a JavaScript
//! module (`web/src/limits.js`), and the limits and error-code tables of the protocol document
//! (`protocol/README.md`). Tests keep the committed files equal to what this generates.

use ts_rs::{Config, TS};

use crate::shared::YDoc;
use crate::*;

/// Path of the generated types, relative to the workspace root.
pub const BINDINGS_PATH: &str = "web/src/protocol.d.ts";
/// Path of the generated limits module, relative to the workspace root.
pub const LIMITS_PATH: &str = "web/src/limits.js";
/// Path of the protocol document, whose tables between `<!-- generated:NAME -->` and
/// `<!-- end generated:NAME -->` are generated, relative to the workspace root.
pub const README_PATH: &str = "protocol/README.md";
/// The generated tables of the protocol document, by marker name.
pub const README_TABLES: [&str; 2] = ["limits", "error-codes"];

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
        MAX_TEXT_WRITERS,
        MAX_ANCHOR_CHARS,
        MAX_DRAG_WITH,
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
        MAX_MERGED_AREAS,
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
    line(
        "The kinds of shared text that hold one line: the room refuses a line break or a tab in them.",
        "ONE_LINE_TEXTS",
        &serde_json::json!(one_line_texts()),
    );
    out
}

/// The `kind`s of [`crate::shared::TextTarget`] whose text is one line.
fn one_line_texts() -> Vec<String> {
    use crate::shared::TextTarget;
    let id = || crate::ItemId(String::new());
    let all = [
        TextTarget::Definition { group: 1 },
        TextTarget::Card { id: id() },
        TextTarget::Factor { id: id() },
        TextTarget::Area { id: id() },
    ];
    all.iter()
        .filter(|t| t.lines() == crate::text::Lines::One)
        .filter_map(|t| serde_json::to_value(t).ok()?.get("kind")?.as_str().map(str::to_owned))
        .collect()
}

/// Text for one cell of a Markdown table.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Every constant of `limits.rs` as a Markdown table: name, value and why.
pub fn limits_table() -> String {
    let values: std::collections::BTreeMap<_, _> = limit_values().into_iter().collect();
    let mut out = String::from("| constant | value | why |\n|---|---|---|\n");
    let mut previous = String::new();
    for (name, doc) in limit_docs() {
        // A constant declared right under another one shares its comment (`MAX_GROUP_SIZE`).
        let doc = if doc.is_empty() { previous.clone() } else { doc };
        let value = values.get(name.as_str()).map(ToString::to_string).unwrap_or_default();
        out.push_str(&format!("| `{name}` | {} | {} |\n", cell(&value), cell(&doc)));
        previous = doc;
    }
    out
}

/// The variants of [`ErrorCode`] with their documentation (their `///` lines in `messages.rs`).
fn error_code_docs() -> Vec<(String, String)> {
    let source = include_str!("messages.rs");
    let body = source.split("pub enum ErrorCode {").nth(1).and_then(|rest| rest.split('}').next());
    let mut docs = Vec::new();
    let mut doc = Vec::new();
    for line in body.unwrap_or_default().lines().map(str::trim) {
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_owned());
        } else if let Some(variant) = line.strip_suffix(',') {
            docs.push((variant.to_owned(), doc.join(" ")));
            doc.clear();
        }
    }
    docs
}

/// `TooLong` as the wire spells it: `too_long`.
fn snake_case(variant: &str) -> String {
    let mut out = String::new();
    for c in variant.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What a client does with each code. Exhaustive, so that a new code cannot go undocumented.
fn client_action(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadRequest => "Fix the client: resending the same frame gets the same answer.",
        ErrorCode::UnsupportedVersion => {
            "Reload or upgrade the client: the `error` message names the version the server speaks."
        }
        ErrorCode::Unauthorized => {
            "Ask the person for the right link or key; a participant whose token is unknown joins again with a `name`."
        }
        ErrorCode::Forbidden => "Do not offer the action to this role; nothing changed.",
        ErrorCode::NotFound => {
            "Drop the item from the local copy (it never existed, or the sender may not see it)."
        }
        ErrorCode::Gone => "Drop the item from the local copy: someone removed it.",
        ErrorCode::TooLong => {
            "Keep the person's text and tell them to shorten it; roll back a refused `text.edit` in the local Yjs document."
        }
        ErrorCode::LimitReached => {
            "Tell the person; roll back a refused `text.edit`. Retrying does not help until something is removed."
        }
        ErrorCode::Conflict => {
            "Show the message (it says what is in the way, for undo who changed it); the local copy is already up to date through `change` frames."
        }
        ErrorCode::RateLimited => {
            "Wait and resend the same command with the same number; it was not applied."
        }
        ErrorCode::Internal => {
            "Resend the same command with the same number (after reconnecting if the connection closed); it was not applied."
        }
    }
}

/// Every [`ErrorCode`] as a Markdown table: the code, what it means, what a client does.
pub fn error_codes_table() -> String {
    let mut out = String::from("| code | meaning | what a client does |\n|---|---|---|\n");
    for (variant, doc) in error_code_docs() {
        let wire = snake_case(&variant);
        let action = serde_json::from_value::<ErrorCode>(serde_json::json!(wire))
            .map_or("(not an error code on the wire: the generator misread `messages.rs`)", client_action);
        out.push_str(&format!("| `{wire}` | {} | {} |\n", cell(&doc), cell(action)));
    }
    out
}

/// The generated table named `name`.
fn readme_table(name: &str) -> String {
    match name {
        "limits" => limits_table(),
        "error-codes" => error_codes_table(),
        _ => String::new(),
    }
}

/// `readme` with every generated table (between its markers) as the protocol generates it now.
pub fn with_generated_tables(readme: &str) -> String {
    let mut out = readme.to_owned();
    for name in README_TABLES {
        let (begin, end) = (format!("<!-- generated:{name} -->\n"), format!("<!-- end generated:{name} -->"));
        let Some(start) = out.find(&begin).map(|at| at + begin.len()) else { continue };
        let Some(stop) = out[start..].find(&end).map(|at| start + at) else { continue };
        out.replace_range(start..stop, &readme_table(name));
    }
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
        Assessment, Team, Card, Column, Priorities, Area, Merged, VotePhase,
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
    fn committed_readme_tables_are_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(super::README_PATH);
        let committed = std::fs::read_to_string(&path).expect("the protocol README");
        for name in super::README_TABLES {
            let begin = format!("<!-- generated:{name} -->\n");
            let end = format!("<!-- end generated:{name} -->");
            let at = committed.find(&begin);
            assert!(
                at.is_some_and(|at| committed[at..].contains(&end)),
                "{} lacks the markers {begin:?} ... {end:?}",
                super::README_PATH
            );
        }
        up_to_date(super::README_PATH, &super::with_generated_tables(&committed));
    }

    #[test]
    fn every_error_code_is_in_the_table() {
        let table = super::error_codes_table();
        assert!(!table.contains("(not an error code"), "{table}");
        // Every code the wire knows (the TypeScript union lists them) has its row, and no more.
        let decl = <super::ErrorCode as ts_rs::TS>::decl(&ts_rs::Config::default());
        let codes: Vec<&str> = decl.split('"').skip(1).step_by(2).collect();
        assert!(codes.len() > 5, "{decl}");
        for code in &codes {
            assert!(table.contains(&format!("| `{code}` |")), "no row for {code}:\n{table}");
        }
        assert_eq!(table.lines().count(), 2 + codes.len(), "{table}");
        assert!(super::limits_table().contains("| `MAX_GROUP_SIZE` | 12 | Smallest and largest"));
    }

    #[test]
    fn committed_limits_are_up_to_date_and_complete() {
        let documented: Vec<String> = super::limit_docs().into_iter().map(|(name, _)| name).collect();
        let valued: Vec<&str> = super::limit_values().into_iter().map(|(name, _)| name).collect();
        assert_eq!(documented, valued, "every constant of limits.rs is in limit_values(), in order");
        up_to_date(super::LIMITS_PATH, &super::limits_module());
    }
}
