//! The JSON examples in the protocol README are tests: every block tagged ```json client or
//! ```json server parses as a `ClientMsg` or `ServerMsg`, serializes back to the same JSON and
//! speaks the current `PROTOCOL_VERSION`; and every message, command and event type has one.
//! A failure lists every bad example with its line in the README.

use horseshoe_protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg, bindings};
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
