//! The JSON examples in the protocol README are tests: every block tagged ```json client or
//! ```json server parses as a `ClientMsg` or `ServerMsg`, serializes back to the same JSON and
//! speaks the current `PROTOCOL_VERSION`; and every message, command and event type has one.
//! The Yjs updates and documents in them are real. A failure lists every bad example with its
//! line in the README.

use horseshoe_protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg, TextTarget, bindings};
use serde_json::Value;
use std::collections::BTreeSet;

const README: &str = include_str!("../README.md");

/// One fenced example: its first line in the README, its tag and its body.
struct Example {
    line: usize,
    tag: String,
    body: String,
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for (n, line) in README.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => {
                current = Some(Example { line: n + 2, tag: info.trim().to_owned(), body: String::new() })
            }
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some(example), None) => {
                example.body.push_str(line);
                example.body.push('\n');
            }
            (None, None) => {}
        }
    }
    out.retain(|e| e.tag == "json client" || e.tag == "json server");
    out
}

/// What is wrong with one example, if anything.
fn problem<T: serde::de::DeserializeOwned + serde::Serialize>(body: &str) -> Option<String> {
    let original: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        Err(e) => return Some(format!("not JSON: {e}")),
    };
    let parsed: T = match serde_json::from_value(original.clone()) {
        Ok(parsed) => parsed,
        Err(e) => return Some(format!("does not parse: {e}")),
    };
    let again = serde_json::to_value(&parsed).expect("serializes");
    if again != original {
        return Some(format!("does not round-trip; reads back as {again}"));
    }
    match original.get("protocol") {
        Some(version) if version.as_u64() != Some(u64::from(PROTOCOL_VERSION)) => {
            Some(format!("speaks protocol {version}, not {PROTOCOL_VERSION}"))
        }
        _ => None,
    }
}

fn collect_types(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(tag)) = map.get("type") {
                into.insert(tag.clone());
            }
            map.values().for_each(|v| collect_types(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_types(v, into)),
        _ => {}
    }
}

#[test]
fn every_readme_example_parses_and_round_trips() {
    let examples = examples();
    assert!(examples.len() > 10, "found only {} tagged examples in README.md", examples.len());
    let bad: Vec<String> = examples
        .iter()
        .filter_map(|e| {
            let problem = match e.tag.as_str() {
                "json client" => problem::<ClientMsg>(&e.body),
                _ => problem::<ServerMsg>(&e.body),
            }?;
            Some(format!("  README.md:{} ({}): {problem}\n    {}", e.line, e.tag, e.body.trim()))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} README examples are not protocol {PROTOCOL_VERSION} frames:\n{}",
        bad.len(),
        examples.len(),
        bad.join("\n")
    );
}

#[test]
fn every_message_command_and_event_type_has_a_readme_example() {
    let mut seen = BTreeSet::new();
    for example in examples() {
        if let Ok(value) = serde_json::from_str::<Value>(&example.body) {
            collect_types(&value, &mut seen);
        }
    }
    // Every `"type": "..."` literal in the generated TypeScript is a message, command or event.
    let ts = bindings::typescript();
    let declared: BTreeSet<String> = ts
        .split("\"type\": \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    let missing: Vec<_> = declared.difference(&seen).collect();
    assert!(missing.is_empty(), "no README example for {} types: {missing:?}", missing.len());
}

/// Every object in `value` whose `type` is `kind`, in document order.
fn objects_of<'v>(value: &'v Value, kind: &str, into: &mut Vec<&'v Value>) {
    match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some(kind) {
                into.push(value);
            }
            map.values().for_each(|v| objects_of(v, kind, into));
        }
        Value::Array(items) => items.iter().for_each(|v| objects_of(v, kind, into)),
        _ => {}
    }
}

/// The Yjs in the examples is real: every `text.edit` update is a Yjs v1 update; every
/// `text.changed`, applied in README order to its text, reads as its `text`; every shared text
/// in a `welcome` reads as its `text`, and its highlights' anchors point where they say.
#[test]
fn readme_yjs_updates_and_documents_are_real() {
    use horseshoe_protocol::SharedText;
    use horseshoe_protocol::shared::{YDoc, decode_base64};
    use std::collections::BTreeMap;

    let mut texts: BTreeMap<String, SharedText> = BTreeMap::new();
    let mut bad = Vec::new();
    for example in examples() {
        let Ok(value) = serde_json::from_str::<Value>(&example.body) else { continue };
        let mut found = Vec::new();
        objects_of(&value, "text.edit", &mut found);
        for edit in found {
            let update = decode_base64(edit["update"].as_str().unwrap_or_default());
            if update.and_then(|bytes| YDoc::from_update(&bytes)).is_err() {
                bad.push(format!("README.md:{}: a text.edit update is not a Yjs v1 update", example.line));
            }
        }
        let mut found = Vec::new();
        objects_of(&value, "text.changed", &mut found);
        for changed in found {
            let Ok(target) = serde_json::from_value::<TextTarget>(changed["target"].clone()) else {
                continue;
            };
            let shared = texts.entry(target.key()).or_insert_with(SharedText::empty);
            let update = decode_base64(changed["update"].as_str().unwrap_or_default());
            let outcome = update.and_then(|bytes| shared.try_update(&target, &bytes));
            if outcome.is_err() || shared.text != changed["text"].as_str().unwrap_or_default() {
                bad.push(format!(
                    "README.md:{}: the text.changed update of {} does not read as its text (got {:?})",
                    example.line,
                    target.key(),
                    shared.text
                ));
            }
        }
        if let Ok(ServerMsg::Welcome { room, .. }) = serde_json::from_value::<ServerMsg>(value.clone()) {
            for (key, text) in room.texts.iter() {
                if text.doc.text() != text.text {
                    bad.push(format!(
                        "README.md:{}: the welcome's {key} doc does not read as its text",
                        example.line
                    ));
                }
            }
            for highlight in room.definitions.highlights.values() {
                let Some(anchor) = &highlight.anchor else { continue };
                let key = TextTarget::Definition { group: highlight.group }.key();
                let resolve = |a: &str| {
                    let doc = &room.texts.get(&key)?.doc;
                    decode_base64(a).ok().and_then(|bytes| doc.resolve(&bytes))
                };
                if (resolve(&anchor.start), resolve(&anchor.end))
                    != (Some(highlight.start), Some(highlight.end))
                {
                    bad.push(format!(
                        "README.md:{}: highlight {} is not where its anchor is",
                        example.line, highlight.id.0
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_readme_names_the_current_protocol_version_where_it_says_one() {
    let current = format!("Protocol version: **{PROTOCOL_VERSION}**");
    assert!(README.contains(&current), "the README's first line does not say {current:?}");
    let row = README
        .lines()
        .find(|line| line.starts_with("| `protocol` |"))
        .expect("the hello table has a `protocol` row");
    assert!(
        row.starts_with(&format!("| `protocol` | `{PROTOCOL_VERSION}`.")),
        "the hello table's `protocol` row does not say {PROTOCOL_VERSION}: {row}"
    );
}
