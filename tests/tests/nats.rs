//! Rooms in NATS JetStream (`--nats-url`): a server keeps no room data of its own, so one
//! started on a fresh, empty data directory against the same NATS serves every room as it was:
//! every acknowledged command is there and `seq` goes on without a gap, after a clean stop, after
//! a SIGKILL, and on another node. Each test starts its own `nats-server` (skipped, saying so,
//! only when the binary is not installed).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use horseshoe::Config;
use horseshoe_protocol::{
    ClientId, ClientMsg, Command, CommandId, Credentials, ItemId, RoomState, ServerMsg,
};
use horseshoe_tests::http::{self, CreatedRoom};
use horseshoe_tests::nats::NatsServer;
use horseshoe_tests::process::ServerProcess;
use horseshoe_tests::{Client, TestServer, change_seq};

const BIN: &str = env!("CARGO_BIN_EXE_horseshoe-under-test");
/// Commands each test sends before stopping its first server.
const COMMANDS: u64 = 12;
/// Spacing of the killed server's commands: under the per-connection rate limit.
const PACE: Duration = Duration::from_millis(40);
/// Commands sent right before the kill, without waiting for their answers.
const IN_FLIGHT: u64 = 5;

fn config(nats: &NatsServer, data_dir: &Path, node: &str) -> Config {
    let mut config = Config::for_data_dir(data_dir);
    config.nats_url = Some(nats.url.clone());
    config.node_id = Some(node.into());
    config
}

fn add_factor(n: u64) -> Command {
    Command::AddFactor { id: ItemId(format!("f{n}")), text: format!("factor {n}") }
}

fn factors(state: &RoomState) -> BTreeSet<String> {
    state.experience.factors.keys().map(|k| k.0.clone()).collect()
}

/// Nothing at all in `dir`: the node wrote no room data of its own.
fn assert_empty(dir: &Path) -> anyhow::Result<()> {
    let left: Vec<_> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
    assert!(left.is_empty(), "the node kept files of its own: {left:?}");
    Ok(())
}

/// Joins as the facilitator (with `token`, the same member again); returns the client, the room
/// as welcomed and the member token.
async fn facilitator(
    url: &str,
    room: &CreatedRoom,
    token: Option<String>,
    client: ClientId,
) -> anyhow::Result<(Client, Box<RoomState>, Option<String>)> {
    let credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: token.clone() };
    let (c, welcome) = Client::rejoin_as(url, credentials, Some("Marta"), None, client).await?;
    let ServerMsg::Welcome { room: state, you, .. } = welcome else {
        anyhow::bail!("no welcome: {welcome:?}")
    };
    Ok((c, state, you.token.or(token)))
}

/// Sends `add_factor(n)` for each `n` and checks every ack, and that the changes come in
/// `seq` order without a gap; returns the last `seq`.
async fn work(
    client: &mut Client,
    numbers: std::ops::RangeInclusive<u64>,
    mut seq: u64,
) -> anyhow::Result<u64> {
    for n in numbers {
        let acked = client.run(add_factor(n)).await?.map_err(|r| anyhow::anyhow!("refused: {r:?}"))?;
        assert_eq!(acked, seq + 1, "seq goes on without a gap");
        seq = acked;
    }
    let changes: Vec<u64> = client.received.iter().filter_map(change_seq).collect();
    assert!(changes.windows(2).all(|w| w[1] == w[0] + 1), "changes in order without a gap: {changes:?}");
    Ok(seq)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_an_empty_data_dir_serves_the_room_as_it_was() -> anyhow::Result<()> {
    let Some(nats) = NatsServer::start("nats restart").await? else { return Ok(()) };
    let first_dir = tempfile::tempdir()?;
    let server = TestServer::start_with(config(&nats, first_dir.path(), "node-a")).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let tab = ClientId("tab-1".into());
    let (mut client, state, token) =
        facilitator(&server.ws_url(&room.room_id), &room, None, tab.clone()).await?;
    let last = work(&mut client, 1..=COMMANDS, state.seq).await?;
    drop(client);
    server.stop().await?;
    assert_empty(first_dir.path())?;

    let second_dir = tempfile::tempdir()?;
    let server = TestServer::start_with(config(&nats, second_dir.path(), "node-a")).await?;
    let url = server.ws_url(&room.room_id);
    let (client, state, _) = facilitator(&url, &room, token.clone(), tab.clone()).await?;
    assert_eq!(state.seq, last, "every acknowledged change is there, and nothing more");
    let expected: BTreeSet<String> = (1..=COMMANDS).map(|n| format!("f{n}")).collect();
    assert_eq!(factors(&state), expected);
    // The same tab resending its last command: acknowledged, not applied again.
    let mut client = client.numbering_from(COMMANDS - 1);
    let again = client.run(add_factor(COMMANDS)).await?.map_err(|r| anyhow::anyhow!("refused: {r:?}"))?;
    assert_eq!(again, last, "a resend is acknowledged as it was");
    work(&mut client, COMMANDS + 1..=COMMANDS + 3, last).await?;
    drop(client);
    server.stop().await?;
    assert_empty(second_dir.path())?;
    nats.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_when_a_node_is_killed() -> anyhow::Result<()> {
    let Some(nats) = NatsServer::start("nats kill -9").await? else { return Ok(()) };
    let first_dir = tempfile::tempdir()?;
    let flags = ["--nats-url", nats.url.as_str(), "--node-id", "killed"];
    let server = ServerProcess::start(BIN, first_dir.path(), &flags).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let tab = ClientId("tab-1".into());
    let (mut client, _, token) = facilitator(&server.ws_url(&room.room_id), &room, None, tab.clone()).await?;

    // Commands go out on a fixed pace while the answers are read; the node dies mid-stream.
    let mut acked = BTreeSet::new();
    let mut sent = Vec::new();
    let mut last_acked = 0;
    let kill_at = tokio::time::Instant::now() + PACE * 15;
    let mut n = 0;
    while tokio::time::Instant::now() < kill_at {
        n += 1;
        client.send(&ClientMsg::Cmd { id: CommandId(n), cmd: add_factor(n) }).await?;
        sent.push(n);
        let deadline = tokio::time::Instant::now() + PACE;
        while let Ok(msg) = tokio::time::timeout_at(deadline, client.recv()).await {
            if let ServerMsg::Ack { id, seq } = msg? {
                acked.insert(id.0);
                last_acked = last_acked.max(seq);
            }
        }
    }
    // A burst, and the kill right behind it: these are in flight, acknowledged or not.
    for _ in 0..IN_FLIGHT {
        n += 1;
        client.send(&ClientMsg::Cmd { id: CommandId(n), cmd: add_factor(n) }).await?;
        sent.push(n);
    }
    server.kill().await?;
    drop(client);
    assert!(acked.len() >= 5, "too little work before the kill to mean anything: {}", acked.len());
    assert_empty(first_dir.path())?;

    let second_dir = tempfile::tempdir()?;
    let server = ServerProcess::start(BIN, second_dir.path(), &["--nats-url", nats.url.as_str()]).await?;
    let url = server.ws_url(&room.room_id);
    let (client, state, _) = facilitator(&url, &room, token, tab).await?;
    let present = factors(&state);
    for n in &acked {
        assert!(present.contains(&format!("f{n}")), "acknowledged command {n} was lost");
    }
    assert!(state.seq >= last_acked, "the room is at {} but {last_acked} was acknowledged", state.seq);
    // Whatever was in flight at the kill, resent by the same tab: applied at most once.
    let mut client = client.numbering_from(0);
    for n in sent {
        let answer = client.run(add_factor(n)).await?;
        assert!(answer.is_ok(), "resent {n} was refused: {answer:?}");
    }
    let seq = client.received.iter().filter_map(change_seq).max().unwrap_or(state.seq);
    work(&mut client, n + 1..=n + 2, seq).await?;
    println!("nats kill -9: {} commands acknowledged before the kill, none lost", acked.len());
    server.terminate().await?;
    assert_empty(second_dir.path())?;
    nats.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_made_on_one_node_is_joined_on_another() -> anyhow::Result<()> {
    let Some(nats) = NatsServer::start("nats two nodes").await? else { return Ok(()) };
    let (dir_a, dir_b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let a = TestServer::start_with(config(&nats, dir_a.path(), "node-a")).await?;
    let b = TestServer::start_with(config(&nats, dir_b.path(), "node-b")).await?;
    let room = http::create_room(a.addr, "{}").await?;
    let tab = ClientId("tab-1".into());
    let (mut client, state, token) = facilitator(&a.ws_url(&room.room_id), &room, None, tab.clone()).await?;
    let last = work(&mut client, 1..=COMMANDS, state.seq).await?;
    let member = state.members.keys().copied().collect::<BTreeSet<_>>();
    drop(client);
    a.stop().await?;

    // Node b never saw the room: it loads it from JetStream, with the member's token.
    let (client, state, _) = facilitator(&b.ws_url(&room.room_id), &room, token, tab).await?;
    assert_eq!(state.seq, last);
    assert_eq!(state.members.keys().copied().collect::<BTreeSet<_>>(), member, "the same member, by token");
    assert_eq!(factors(&state).len(), COMMANDS as usize);
    let mut client = client.numbering_from(COMMANDS);
    work(&mut client, COMMANDS + 1..=COMMANDS + 3, last).await?;
    drop(client);
    b.stop().await?;
    assert_empty(dir_a.path())?;
    assert_empty(dir_b.path())?;
    nats.stop().await
}
