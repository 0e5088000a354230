//! Every JSON example in the protocol README parses as the message it claims to be and
//! serializes back to the same JSON; and every message type has an example.

use horseshoe_protocol::{ClientMsg, ServerMsg, bindings};
use serde_json::Value;
use std::collections::BTreeSet;

const README: &str = include_str!("../README.md");

/// The fenced blocks of `README`, as (info string, body).
fn blocks() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in README.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(body: &str) -> Value {
    let original: Value = serde_json::from_str(body).expect("example is JSON");
    let parsed: T = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let again = serde_json::to_value(&parsed).expect("serializes");
    assert_eq!(again, original, "example does not round-trip");
    original
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
fn examples_round_trip_and_cover_every_message_type() {
    let mut seen = BTreeSet::new();
    let mut count = 0;
    for (info, body) in blocks() {
        let value = match info.as_str() {
            "json client" => round_trip::<ClientMsg>(&body),
            "json server" => round_trip::<ServerMsg>(&body),
            _ => continue,
        };
        collect_types(&value, &mut seen);
        count += 1;
    }
    assert!(count > 10, "found only {count} examples");

    // Every `"type": "..."` literal in the generated TypeScript is a message, command or event.
    let ts = bindings::typescript();
    let declared: BTreeSet<String> = ts
        .split("\"type\": \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    let missing: Vec<_> = declared.difference(&seen).collect();
    assert!(missing.is_empty(), "no README example for: {missing:?}");
}
