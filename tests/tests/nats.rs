//! Rooms in NATS JetStream (`--nats-url`): a server keeps no room data of its own, so one
//! started on a fresh, empty data directory against the same NATS serves every room as it was:
//! every acknowledged command is there and `seq` goes on without a gap, after a clean stop, after
//! a SIGKILL, and on another node; and two writers of one room are put in one order by JetStream.
//! Each test starts its own `nats-server` (skipped, saying so, only when the binary is not
//! installed).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use horseshoe::jetstream::JetStream;
use horseshoe::store::{Append, Backend, LoadedRoom, LogEntry, LogPosition, Reader, RoomRecord};
use horseshoe::{Config, StoreError};
use horseshoe_protocol::{
    ClientId, ClientMsg, Command, CommandId, Credentials, ItemId, Member, MemberId, MemberRole, RoomId,
    RoomState, ServerMsg, Settings,
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

/// A node over `nats` once it serves: one that could not open the rooms' stream says why (a
/// request sent before then would find the listener gone, and read only a reset).
async fn node(nats: &NatsServer, data_dir: &Path, name: &str) -> anyhow::Result<TestServer> {
    let mut node = TestServer::start_with(config(nats, data_dir, name)).await?;
    node.ready().await?;
    Ok(node)
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
    let server = node(&nats, first_dir.path(), "node-a").await?;
    let room = http::create_room(server.addr, "{}").await?;
    let tab = ClientId("tab-1".into());
    let (mut client, state, token) =
        facilitator(&server.ws_url(&room.room_id), &room, None, tab.clone()).await?;
    let last = work(&mut client, 1..=COMMANDS, state.seq).await?;
    drop(client);
    server.stop().await?;
    assert_empty(first_dir.path())?;

    let second_dir = tempfile::tempdir()?;
    let server = node(&nats, second_dir.path(), "node-a").await?;
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
    let a = node(&nats, dir_a.path(), "node-a").await?;
    let b = node(&nats, dir_b.path(), "node-b").await?;
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
    let metrics = http::request(b.addr, "GET", "/metrics", None).await?;
    assert!(
        metrics.body.contains("horseshoe_node_info{node=\"node-b\",store=\"nats\"} 1"),
        "{}",
        metrics.body
    );
    b.stop().await?;
    assert_empty(dir_a.path())?;
    assert_empty(dir_b.path())?;
    nats.stop().await
}

/// Runs a store operation on a thread of its own, as the store's threads do (the engine runs
/// each operation to completion on the runtime, which a runtime thread may not wait for).
async fn on_store_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// A new participant joins `state`: the change, applied to it, as the log stores it.
fn someone_joins(state: &mut RoomState, name: &str) -> anyhow::Result<(MemberId, LogEntry)> {
    let id = MemberId(uuid::Uuid::new_v4());
    let member = Member { id, name: name.into(), role: MemberRole::Participant, joined_at: 1 };
    let change =
        horseshoe_protocol::join(state, member, &BTreeSet::new()).map_err(|r| anyhow::anyhow!("{r:?}"))?;
    let entry = LogEntry { seq: change.seq, member: change.by, body: serde_json::to_string(&change)? };
    Ok((id, entry))
}

fn append(room: &RoomId, after: LogPosition, entry: LogEntry, snapshot: Option<&RoomState>) -> Append {
    let snapshot = snapshot.map(|s| Box::new(s.clone()));
    Append { room: room.clone(), after, entries: vec![entry], tokens: Vec::new(), snapshot }
}

async fn load(store: &JetStream, room: &RoomId) -> anyhow::Result<LoadedRoom> {
    let (reader, room) = (store.reader()?, room.clone());
    on_store_thread(move || {
        let mut reader = reader;
        reader.load_room(&room)
    })
    .await??
    .context("the room is stored")
}

async fn commit(store: &JetStream, append: Append) -> anyhow::Result<Result<LogPosition, StoreError>> {
    let mut store = store.clone();
    let mut results = on_store_thread(move || store.commit(&[append])).await?;
    results.pop().context("an answer")
}

/// Two nodes append to one room from the same end of its log: JetStream stores the first and
/// refuses the second with a typed conflict; the second catches up by loading the room, then
/// goes on after the first's change. Nothing refused is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_decides_one_order_for_two_writers() -> anyhow::Result<()> {
    let Some(nats) = NatsServer::start("nats two writers").await? else { return Ok(()) };
    let a = JetStream::connect(&nats.url, 1, "node-a", Default::default()).await?;
    let b = JetStream::connect(&nats.url, 1, "node-b", Default::default()).await?;
    let id = RoomId::parse(&uuid::Uuid::new_v4().simple().to_string()).context("a room id")?;
    let record = RoomRecord { id: id.clone(), facilitator_key_hash: "hash".into() };
    let state = RoomState::new(id.clone(), Settings::default(), 0);
    let mut creator = a.clone();
    on_store_thread(move || creator.create_room(&record, &state)).await??;

    let (mut on_a, mut on_b) = (load(&a, &id).await?, load(&b, &id).await?);
    assert_eq!(on_a.position, on_b.position);
    let (ana, first) = someone_joins(&mut on_a.state, "Ana")?;
    let (ben, second) = someone_joins(&mut on_b.state, "Ben")?;
    let after_ana = commit(&a, append(&id, on_a.position, first, None)).await??;
    let refused = commit(&b, append(&id, on_b.position, second, None)).await?;
    assert!(
        matches!(refused, Err(StoreError::Conflict { expected, .. }) if expected == on_b.position),
        "the second writer is refused: {refused:?}"
    );

    // Node b catches up and decides again, after Ana's change; this time with a snapshot.
    let mut on_b = load(&b, &id).await?;
    assert_eq!((on_b.state.seq, on_b.position), (1, after_ana));
    assert!(on_b.state.member(ana).is_some() && on_b.state.member(ben).is_none());
    let (cleo, third) = someone_joins(&mut on_b.state, "Cleo")?;
    let after_cleo = commit(&b, append(&id, on_b.position, third, Some(&on_b.state))).await??;
    assert!(after_cleo > after_ana);
    // Node a, still at Ana's change, is refused in turn.
    let (_, stale) = someone_joins(&mut on_a.state, "Dan")?;
    let refused = commit(&a, append(&id, after_ana, stale, None)).await?;
    assert!(matches!(refused, Err(StoreError::Conflict { .. })), "a stale writer is refused: {refused:?}");

    let fresh = load(&a, &id).await?;
    assert_eq!((fresh.state.seq, fresh.position), (2, after_cleo));
    let members: BTreeSet<MemberId> = fresh.state.members.keys().copied().collect();
    assert_eq!(members, BTreeSet::from([ana, cleo]), "one order, nothing refused in it");
    nats.stop().await
}
