//! Rooms nobody is in leave memory and come back, intact, on the next join; and what the store
//! keeps on disk holds no secret in the clear.

use std::time::Duration;

use horseshoe::Config;
use horseshoe_protocol::{Command, Credentials, ServerMsg};
use horseshoe_tests::http;
use horseshoe_tests::{Client, TestServer};

async fn rooms_loaded(server: &TestServer) -> anyhow::Result<u64> {
    let metrics = http::request(server.addr, "GET", "/metrics", None).await?.body;
    let line = metrics.lines().find(|l| l.starts_with("horseshoe_rooms_loaded ")).unwrap_or_default();
    Ok(line.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(u64::MAX))
}

#[tokio::test]
async fn an_idle_room_is_unloaded_and_reloads_intact() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config { idle_unload_secs: 1, ..Config::for_data_dir(dir.path()) };
    let server = TestServer::start_with(config).await?;
    let room = http::create_room(server.addr, r#"{"title": "Idle"}"#).await?;
    let url = server.ws_url(&room.room_id);
    let (mut ana, welcome) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Ana")).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome") };
    assert!(
        ana.run(Command::SetCheckin { contribute: "kept".into(), get_out: String::new() }).await?.is_ok()
    );
    assert_eq!(rooms_loaded(&server).await?, 1);
    drop(ana);

    // Wait (bounded) for the unload the idle limit promises; polling is the event here.
    let mut unloaded = false;
    for _ in 0..100 {
        if rooms_loaded(&server).await? == 0 {
            unloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(unloaded, "the idle room stayed in memory");

    let (_back, welcome) =
        Client::join(&url, Credentials::Participant { token: you.token.clone() }, None).await?;
    let ServerMsg::Welcome { room: state, you: again, .. } = welcome else { anyhow::bail!("no welcome") };
    assert_eq!(again.member_id, you.member_id);
    assert_eq!(state.checkins.values().next().map(|c| c.contribute.as_str()), Some("kept"));
    assert_eq!(rooms_loaded(&server).await?, 1);

    // The database holds hashes, never the facilitator key or a member token.
    let dir_path = server.stop().await?;
    let db = std::fs::read(dir_path.join(horseshoe::store::DB_FILE))?;
    let wal = std::fs::read(dir_path.join(format!("{}-wal", horseshoe::store::DB_FILE))).unwrap_or_default();
    for bytes in [&db, &wal] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&room.facilitator_key), "the facilitator key is on disk");
        if let Some(token) = &you.token {
            assert!(!text.contains(token.as_str()), "a member token is on disk");
        }
    }
    Ok(())
}
