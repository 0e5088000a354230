//! A client for checking a deployed server from outside (the container test, `tests/docker.sh`):
//!
//! - `horseshoe-probe create HOST:PORT`: creates a room over HTTP, joins it over WebSocket as its
//!   facilitator, writes a check-in and waits for its acknowledgement; prints the room id and
//!   the facilitator key.
//! - `horseshoe-probe check HOST:PORT ROOM KEY [GET_OUT]`: joins the room again as its
//!   facilitator and checks that the check-in is there (and, when given, that its "get out"
//!   answer is GET_OUT).
//! - `horseshoe-probe write HOST:PORT ROOM KEY GET_OUT`: joins the room as its facilitator and
//!   rewrites the check-in with GET_OUT as its "get out" answer; waits for the acknowledgement
//!   (the cluster test, `tests/cluster.sh`, writes through the load balancer after a node is
//!   lost).

use std::net::SocketAddr;

use anyhow::{Context as _, bail, ensure};
use horseshoe_protocol::{Command, Credentials, ServerMsg};
use horseshoe_tests::{Client, http};

/// What the probe writes, and then looks for.
const CHECKIN: &str = "written before the restart";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["create", addr] => create(addr.parse().context("HOST:PORT")?).await,
        ["check", addr, room, key] => check(addr.parse().context("HOST:PORT")?, room, key, None).await,
        ["check", addr, room, key, get_out] => {
            check(addr.parse().context("HOST:PORT")?, room, key, Some(get_out)).await
        }
        ["write", addr, room, key, get_out] => {
            write(addr.parse().context("HOST:PORT")?, room, key, get_out).await
        }
        _ => bail!(
            "usage: horseshoe-probe create HOST:PORT | check HOST:PORT ROOM KEY [GET_OUT] \
             | write HOST:PORT ROOM KEY GET_OUT"
        ),
    }
}

/// How long a join keeps trying, as a browser reconnects: behind a load balancer, a connection
/// may reach a node that was just killed before the balancer's health check says so.
const JOIN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);
/// The pause between two tries.
const JOIN_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// Joins as the facilitator with `key`, trying again (as a browser does) for a while.
async fn join_as_facilitator(addr: SocketAddr, room: &str, key: &str) -> anyhow::Result<(Client, ServerMsg)> {
    let deadline = tokio::time::Instant::now() + JOIN_PATIENCE;
    loop {
        let credentials = Credentials::Facilitator { key: key.to_owned(), token: None };
        match Client::join(&url(addr, room), credentials, Some("Probe")).await {
            Ok(joined) => return Ok(joined),
            Err(e) if tokio::time::Instant::now() < deadline => {
                eprintln!("probe: joining failed ({e}); trying again");
                tokio::time::sleep(JOIN_RETRY).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn url(addr: SocketAddr, room: &str) -> String {
    format!("ws://{addr}/api/rooms/{room}/ws")
}

async fn create(addr: SocketAddr) -> anyhow::Result<()> {
    let room = http::create_room(addr, r#"{"title":"Container check"}"#).await?;
    // The new room's id may hash to a node just killed that the balancer still thinks is up.
    let (mut facilitator, welcome) = join_as_facilitator(addr, &room.room_id, &room.facilitator_key).await?;
    ensure!(matches!(welcome, ServerMsg::Welcome { .. }), "no welcome: {welcome:?}");
    let checkin = Command::SetCheckin { contribute: CHECKIN.into(), get_out: String::new() };
    match facilitator.run(checkin).await? {
        Ok(_) => {}
        Err(refused) => bail!("the check-in was refused: {refused:?}"),
    }
    println!("{} {}", room.room_id, room.facilitator_key);
    Ok(())
}

async fn write(addr: SocketAddr, room: &str, key: &str, get_out: &str) -> anyhow::Result<()> {
    let (mut facilitator, welcome) = join_as_facilitator(addr, room, key).await?;
    ensure!(matches!(welcome, ServerMsg::Welcome { .. }), "no welcome: {welcome:?}");
    let checkin = Command::SetCheckin { contribute: CHECKIN.into(), get_out: get_out.into() };
    match facilitator.run(checkin).await? {
        Ok(seq) => println!("room {room}: the check-in was rewritten (seq {seq})"),
        Err(refused) => bail!("the check-in was refused: {refused:?}"),
    }
    Ok(())
}

async fn check(addr: SocketAddr, room: &str, key: &str, get_out: Option<&str>) -> anyhow::Result<()> {
    let (_facilitator, welcome) = join_as_facilitator(addr, room, key).await?;
    let ServerMsg::Welcome { room: state, .. } = welcome else { bail!("no welcome: {welcome:?}") };
    ensure!(state.settings.title == "Container check", "another room: {:?}", state.settings.title);
    ensure!(state.checkins.values().any(|c| c.contribute == CHECKIN), "the check-in is gone");
    if let Some(get_out) = get_out {
        ensure!(
            state.checkins.values().any(|c| c.contribute == CHECKIN && c.get_out == get_out),
            "the check-in's last change ({get_out:?}) is not there"
        );
    }
    println!("room {room} kept its check-in");
    Ok(())
}
