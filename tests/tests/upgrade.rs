//! A database written by storage format 1 (protocol 1, before shared texts and changes) opens
//! with everything it held: the fixture is a whole workshop stored by that version, and
//! `format1.state.json` is the room as that version showed it. The room goes on in today's
//! format, and a database with rows of both formats opens too.

use std::path::Path;

use horseshoe_protocol::{Command, Credentials, RoomState, ServerMsg, TextTarget};
use horseshoe_tests::{Client, TestServer};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

fn fixture(name: &str) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(Path::new(FIXTURES).join(name))?)?)
}

/// Joins as a facilitator (named "Probe", as the state was read in format 1); returns the room.
async fn open(server: &TestServer, room: &Value) -> anyhow::Result<(Client, Box<RoomState>)> {
    let url = server.ws_url(room["room_id"].as_str().unwrap_or_default());
    let key = room["key"].as_str().unwrap_or_default().to_owned();
    let (client, welcome) =
        Client::join(&url, Credentials::Facilitator { key, token: None }, Some("Probe")).await?;
    let ServerMsg::Welcome { room, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    Ok((client, room))
}

/// Drops what format 1 kept inside items and today lives in shared texts (or not at all).
fn without_texts(mut value: Value) -> Value {
    let items = match &mut value {
        Value::Object(map) => map.values_mut().collect::<Vec<_>>(),
        Value::Array(list) => list.iter_mut().collect(),
        _ => Vec::new(),
    };
    for item in items {
        if let Some(item) = item.as_object_mut() {
            item.remove("text");
            item.remove("lease");
        }
    }
    value
}

fn check(old: &Value, now: &RoomState) -> anyhow::Result<()> {
    let now_json = serde_json::to_value(now)?;
    for path in [
        "/settings",
        "/step",
        "/checkins",
        "/contributions",
        "/experience/queue",
        "/experience/scribe",
        "/experience/open",
        "/definitions/groups",
        "/definitions/highlights",
        "/definitions/common",
        "/definitions/working",
        "/wall",
        "/assessment/teams",
        "/priorities/presenting",
        "/priorities/phase",
        "/priorities/dots",
        "/priorities/used",
        "/priorities/tally",
        "/priorities/ranking",
        "/priorities/finalised",
        "/closed",
        "/ready",
        "/auto_advance",
    ] {
        assert_eq!(old.pointer(path), now_json.pointer(path), "{path} differs after the upgrade");
    }
    for path in ["/experience/factors", "/assessment/cards", "/priorities/areas"] {
        let old = old.pointer(path).cloned().map(without_texts);
        assert_eq!(old.as_ref(), now_json.pointer(path), "{path} differs after the upgrade");
    }
    let people = |v: &Value| -> Vec<Value> {
        v["members"]
            .as_object()
            .map_or_else(Vec::new, |m| m.values().filter(|m| m["name"] != "Probe").cloned().collect())
    };
    assert_eq!(people(old), people(&now_json), "members differ");
    assert_eq!(old["timer"], now_json["timers"][5], "the step's countdown");

    // Every text reads as it did.
    let mut texts = 0;
    for def in old["definitions"]["texts"].as_array().into_iter().flatten() {
        let group = def["group"].as_u64().unwrap_or_default() as u32;
        assert_eq!(now.text_of(&TextTarget::Definition { group }), def["text"].as_str().unwrap_or_default());
        texts += 1;
    }
    for (path, kind) in
        [("/experience/factors", "factor"), ("/assessment/cards", "card"), ("/priorities/areas", "area")]
    {
        for item in old.pointer(path).and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
            let id = horseshoe_protocol::ItemId(item["id"].as_str().unwrap_or_default().to_owned());
            let target = match kind {
                "factor" => TextTarget::Factor { id },
                "card" => TextTarget::Card { id },
                _ => TextTarget::Area { id },
            };
            assert_eq!(now.text_of(&target), item["text"].as_str().unwrap_or_default(), "{kind} text");
            texts += 1;
        }
    }
    assert!(texts > 5, "the fixture has texts of every kind");
    Ok(())
}

#[tokio::test]
async fn a_room_stored_in_format_1_opens_as_it_was_and_goes_on() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(Path::new(FIXTURES).join("format1.sqlite3"), dir.path().join(horseshoe::store::DB_FILE))?;
    let (room, old) = (fixture("format1.room.json")?, fixture("format1.state.json")?);

    let server = TestServer::start(dir.path()).await?;
    let (mut probe, now) = open(&server, &room).await?;
    check(&old, &now)?;
    assert_eq!(now.seq, old["seq"].as_u64().unwrap_or_default(), "every stored event was read");

    // The room goes on in today's format; a database with both opens with both.
    assert!(probe.run(Command::CloseRoom { closed: true }).await?.is_ok());
    drop(probe);
    let server = server.restart().await?;
    let (_probe, now) = open(&server, &room).await?;
    assert!(now.closed);
    let mut old = old;
    old["closed"] = Value::Bool(true);
    check(&old, &now)?;
    server.stop().await?;
    Ok(())
}
