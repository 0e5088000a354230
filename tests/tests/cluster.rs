//! Several nodes serving one room through NATS JetStream (issue 15): members spread over two and
//! three nodes writing at once all see one gap-free order and one state, and presence lists
//! everyone on every node; a node killed with SIGKILL mid-write loses nothing acknowledged and
//! applies nothing twice, its members resuming on another node; and a NATS server lost from a
//! cluster of three with three replicas loses nothing acknowledged either. Each test starts its
//! own `nats-server` processes (skipped, saying so, only when the binary is not installed).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use horseshoe_protocol::{
    ClientId, ClientMsg, Command, CommandId, Credentials, ErrorCode, Event, ItemId, MemberId, RoomState,
    ServerMsg,
};
use horseshoe_tests::cluster::{NodeProcesses, Nodes};
use horseshoe_tests::http::{self, CreatedRoom};
use horseshoe_tests::nats::{NatsCluster, NatsServer};
use horseshoe_tests::{Client, change_seq, events_of};
use tokio::sync::RwLock;

const BIN: &str = env!("CARGO_BIN_EXE_horseshoe-under-test");
/// Key factors each member adds in the concurrent test (all sent at once: under the burst of
/// the per-connection rate limit).
const CARDS_EACH: u64 = 15;
/// Commands each writer sends in the tests that kill something.
const WRITES_EACH: u64 = 40;
/// Spacing of a writer's commands: under the per-connection rate limit.
const PACE: Duration = Duration::from_millis(50);
/// Pause before sending again a command the server could not store just now.
const RETRY: Duration = Duration::from_millis(200);
/// How long a writer may go without any progress (an acknowledgement or a new connection)
/// before the test fails: NATS elections and reconnects take a few seconds.
const STUCK: Duration = Duration::from_secs(60);

fn card(member: usize, n: u64) -> Command {
    Command::AddFactor { id: ItemId(format!("m{member}-{n}")), text: format!("card {n} of member {member}") }
}

fn factors(state: &RoomState) -> BTreeSet<String> {
    state.experience.factors.keys().map(|k| k.0.clone()).collect()
}

/// Who joins: the facilitator first (with the key), then participants.
fn credentials(room: &CreatedRoom, facilitator: bool, token: Option<String>) -> Credentials {
    if facilitator {
        Credentials::Facilitator { key: room.facilitator_key.clone(), token }
    } else {
        Credentials::Participant { token }
    }
}

/// The change seqs a client received, in the order they came.
fn seqs(client: &Client) -> Vec<u64> {
    client.received.iter().filter_map(change_seq).collect()
}

/// The ids of the cards a client saw being made, with how many times each.
fn cards_seen(client: &Client) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for event in client.received.iter().flat_map(events_of) {
        if let Event::FactorSet { factor } = event {
            *seen.entry(factor.id.0.clone()).or_default() += 1;
        }
    }
    seen
}

/// One member of the concurrent test, joined on one node.
struct Member {
    no: usize,
    client: Client,
    id: MemberId,
    token: Option<String>,
    facilitator: bool,
    /// The room's seq in this member's welcome: their changes start after it.
    from: u64,
}

async fn join(url: &str, room: &CreatedRoom, no: usize, facilitator: bool) -> anyhow::Result<Member> {
    let name = format!("member {no}");
    let (client, welcome) = Client::join(url, credentials(room, facilitator, None), Some(&name)).await?;
    let ServerMsg::Welcome { you, room: state, .. } = welcome else {
        anyhow::bail!("no welcome: {welcome:?}")
    };
    let id = you.member_id.context("a member id")?;
    Ok(Member { no, client, id, token: you.token, facilitator, from: state.seq })
}

/// Every member adds its cards at once, then reads until each is acknowledged; returns the
/// member and the seq of each acknowledgement.
async fn add_cards(mut m: Member) -> anyhow::Result<(Member, BTreeMap<u64, u64>)> {
    let mut ids = Vec::new();
    for n in 1..=CARDS_EACH {
        ids.push(m.client.command(card(m.no, n)).await?);
    }
    let mut acked = BTreeMap::new();
    while acked.len() < ids.len() {
        match m.client.recv().await.with_context(|| format!("member {}: acks", m.no))? {
            ServerMsg::Ack { id, seq } => {
                anyhow::ensure!(acked.insert(id.0, seq).is_none(), "member {}: {id:?} acked twice", m.no);
            }
            ServerMsg::Reject { id, code, message } => {
                anyhow::bail!("member {}: {id:?} refused: {code:?} {message}", m.no)
            }
            _ => {}
        }
    }
    Ok((m, acked))
}

/// `nodes` nodes over one NATS server; a facilitator and participants (two per node) joined
/// round robin across them, all adding cards at once: every member sees the same gap-free
/// sequence of seqs and every card once, every command is acknowledged exactly once with a seq
/// of its own, presence on every node lists every member, and a viewer on each node sees the
/// same room.
async fn members_on_nodes_see_one_order(test: &str, nodes: usize) -> anyhow::Result<()> {
    let Some(nats) = NatsServer::start(test).await? else { return Ok(()) };
    let cluster = Nodes::start(&nats.url, nodes).await?;
    let room = http::create_room(cluster.node(0).addr, "{}").await?;
    let url = |i: usize| cluster.ws_url(i, &room.room_id);

    let mut members = Vec::new();
    for no in 0..2 * nodes {
        members.push(join(&url(no), &room, no, no == 0).await?);
    }
    let everyone: BTreeSet<MemberId> = members.iter().map(|m| m.id).collect();
    let answer = members[0].client.run(Command::OpenFactors { open: true }).await?;
    answer.map_err(|r| anyhow::anyhow!("the board did not open: {r:?}"))?;
    let opened = members[0].client.received.iter().filter_map(change_seq).max().context("a change")?;
    // Presence is the union across nodes: each member, wherever it is, sees everyone.
    for m in &mut members {
        let no = m.no;
        m.client.wait_online(|online| *online == everyone).await.with_context(|| {
            format!("{test}: member {no} on node {} never saw everyone online", no % nodes)
        })?;
    }

    let tasks: Vec<_> = members.into_iter().map(|m| tokio::spawn(add_cards(m))).collect();
    let mut members = Vec::new();
    let mut all_acks = BTreeMap::new();
    for task in tasks {
        let (m, acked) = task.await??;
        for (id, seq) in acked {
            if let Some(other) = all_acks.insert(seq, (m.no, id)) {
                anyhow::bail!("seq {seq} acknowledged for two commands: {other:?} and {:?}", (m.no, id));
            }
        }
        members.push(m);
    }
    let total = members.len() as u64 * CARDS_EACH;
    assert_eq!(all_acks.len() as u64, total, "every command acknowledged once");
    let last = opened + total;
    assert_eq!(all_acks.keys().copied().collect::<Vec<_>>(), (opened + 1..=last).collect::<Vec<_>>());
    let expected: BTreeSet<String> =
        (0..members.len()).flat_map(|no| (1..=CARDS_EACH).map(move |n| format!("m{no}-{n}"))).collect();

    for m in &mut members {
        let no = m.no;
        caught_up(&mut m.client, last).await.with_context(|| format!("member {no} never saw seq {last}"))?;
        let seen = seqs(&m.client);
        assert_eq!(seen, (m.from + 1..=last).collect::<Vec<_>>(), "member {no}: gap-free, in order");
        let cards = cards_seen(&m.client);
        assert!(cards.values().all(|&n| n == 1), "member {no} saw a card twice: {cards:?}");
        assert_eq!(cards.keys().cloned().collect::<BTreeSet<_>>(), expected, "member {no}: every card");
        let acks: Vec<&ServerMsg> =
            m.client.received.iter().filter(|msg| matches!(msg, ServerMsg::Ack { .. })).collect();
        assert_eq!(acks.len() as u64, CARDS_EACH + u64::from(m.facilitator), "member {no}: one ack each");
        assert_eq!(m.client.online, everyone, "member {no}: everyone still online");
    }

    // The same room from every node: a viewer on each, and each member coming back with their
    // token on the next node.
    let mut rooms = Vec::new();
    for i in 0..nodes {
        let (_viewer, welcome) = Client::join(&url(i), Credentials::Viewer, None).await?;
        let ServerMsg::Welcome { room: state, .. } = welcome else {
            anyhow::bail!("no welcome: {welcome:?}")
        };
        assert_eq!(state.seq, last, "node {i} is at the last seq");
        assert_eq!(factors(&state), expected, "node {i} holds every card");
        rooms.push(serde_json::to_value(&state)?);
    }
    assert!(rooms.windows(2).all(|w| w[0] == w[1]), "every node shows the same room");
    for m in &members {
        let credentials = credentials(&room, m.facilitator, m.token.clone());
        let (_again, welcome) = Client::join(&url(m.no + 1), credentials, None).await?;
        let ServerMsg::Welcome { room: state, you, .. } = welcome else {
            anyhow::bail!("no welcome: {welcome:?}")
        };
        assert_eq!(you.member_id, Some(m.id), "member {} is the same person on another node", m.no);
        assert_eq!((state.seq, factors(&state)), (last, expected.clone()));
    }
    println!(
        "{test}: {} members on {nodes} nodes, {total} cards, seqs {}..={last}",
        members.len(),
        opened + 1
    );
    drop(members);
    cluster.stop().await?;
    nats.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_two_nodes_see_one_order_and_everyone_online() -> anyhow::Result<()> {
    members_on_nodes_see_one_order("cluster two nodes", 2).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_three_nodes_see_one_order_and_everyone_online() -> anyhow::Result<()> {
    members_on_nodes_see_one_order("cluster three nodes", 3).await
}

/// Where a writer connects now: changed by the test when its node dies.
type Url = Arc<RwLock<String>>;

/// A participant who adds cards at a steady pace and, when the line drops or the server could
/// not store a command just now, comes back (with its token, its last seq and its tab's id) and
/// sends again whatever was not acknowledged, with the same ids, as the browser does.
struct Writer {
    no: usize,
    tab: ClientId,
    token: Option<String>,
    /// The last seq this writer's copy of the room has, for `last_seq` on a reconnect.
    last_seq: Option<u64>,
    next: u64,
    /// Sent and not yet acknowledged.
    pending: BTreeSet<u64>,
    /// Refused with `internal` or `rate_limited`: to send again after a pause.
    retry: BTreeSet<u64>,
    acked: BTreeMap<u64, u64>,
    /// Answers no client should ever get here.
    refused: Vec<String>,
    /// Seqs that came out of order on one connection.
    gaps: Vec<String>,
    connections: usize,
    resent: usize,
    internal: usize,
}

impl Writer {
    fn new(no: usize) -> Self {
        Self {
            no,
            tab: ClientId(format!("writer{no}")),
            token: None,
            last_seq: None,
            next: 1,
            pending: BTreeSet::new(),
            retry: BTreeSet::new(),
            acked: BTreeMap::new(),
            refused: Vec::new(),
            gaps: Vec::new(),
            connections: 0,
            resent: 0,
            internal: 0,
        }
    }

    fn done(&self) -> bool {
        self.next > WRITES_EACH && self.pending.is_empty() && self.retry.is_empty()
    }

    /// Joins (the first time as a new participant, then with the token and last seq) and sends
    /// again what was not acknowledged; `None` while the server does not answer.
    async fn connect(&mut self, url: &Url) -> anyhow::Result<Option<Client>> {
        let url = url.read().await.clone();
        let credentials = Credentials::Participant { token: self.token.clone() };
        let name = format!("writer {}", self.no);
        let Ok((mut client, first)) =
            Client::rejoin_as(&url, credentials, Some(&name), self.last_seq, self.tab.clone()).await
        else {
            return Ok(None);
        };
        match first {
            ServerMsg::Welcome { you, room: state, .. } => {
                self.token = self.token.take().or(you.token);
                self.last_seq = Some(state.seq);
            }
            ServerMsg::Resume { last_seq, .. } => {
                anyhow::ensure!(
                    Some(last_seq) == self.last_seq,
                    "resumed from {last_seq}, not {:?}",
                    self.last_seq
                );
            }
            other => {
                // Refused while the room cannot be loaded (say, NATS electing a leader): later.
                println!("writer {}: not let in yet: {other:?}", self.no);
                return Ok(None);
            }
        }
        self.connections += 1;
        let again: Vec<u64> = self.pending.iter().chain(&self.retry).copied().collect();
        self.retry.clear();
        for n in again {
            self.resent += 1;
            self.pending.insert(n);
            client.send(&ClientMsg::Cmd { id: CommandId(n), cmd: card(self.no, n) }).await?;
        }
        Ok(Some(client))
    }

    fn heard(&mut self, msg: &ServerMsg) {
        match msg {
            ServerMsg::Ack { id, seq } => {
                self.pending.remove(&id.0);
                self.retry.remove(&id.0);
                self.acked.insert(id.0, *seq);
            }
            ServerMsg::Reject { id, code: code @ (ErrorCode::Internal | ErrorCode::RateLimited), .. } => {
                if *code == ErrorCode::Internal {
                    self.internal += 1;
                }
                if self.pending.remove(&id.0) {
                    self.retry.insert(id.0);
                }
            }
            ServerMsg::Reject { id, code, message } => {
                self.pending.remove(&id.0);
                self.refused.push(format!("{id:?}: {code:?} {message}"));
            }
            ServerMsg::Change { seq, .. } => {
                if let Some(last) = self.last_seq
                    && *seq != last + 1
                {
                    self.gaps.push(format!("{seq} after {last}"));
                }
                self.last_seq = Some(*seq);
            }
            _ => {}
        }
    }
}

/// One writer's work: a card every [`PACE`] until it has sent [`WRITES_EACH`], then until
/// every one is acknowledged; reconnecting whenever the line drops. `progress` counts acks.
async fn write(mut w: Writer, url: Url, progress: Arc<AtomicUsize>) -> anyhow::Result<Writer> {
    let mut client: Option<Client> = None;
    let mut last_progress = tokio::time::Instant::now();
    let mut next_send = tokio::time::Instant::now();
    while !w.done() {
        anyhow::ensure!(
            last_progress.elapsed() < STUCK,
            "writer {}: no progress; {} pending, {} to retry, {} acked",
            w.no,
            w.pending.len(),
            w.retry.len(),
            w.acked.len()
        );
        let Some(c) = client.as_mut() else {
            client = w.connect(&url).await?;
            if client.is_some() {
                last_progress = tokio::time::Instant::now();
            } else {
                tokio::time::sleep(RETRY).await;
            }
            continue;
        };
        let now = tokio::time::Instant::now();
        if now >= next_send {
            next_send = now + PACE;
            let again: Vec<u64> = std::mem::take(&mut w.retry).into_iter().collect();
            let fresh = (w.next <= WRITES_EACH).then(|| {
                w.next += 1;
                w.next - 1
            });
            let mut failed = false;
            for n in again.iter().copied().chain(fresh) {
                w.pending.insert(n);
                if c.send(&ClientMsg::Cmd { id: CommandId(n), cmd: card(w.no, n) }).await.is_err() {
                    failed = true;
                    break;
                }
            }
            w.resent += again.len();
            if !again.is_empty() {
                next_send = now + RETRY;
            }
            if failed {
                client = None;
                continue;
            }
        }
        match tokio::time::timeout_at(next_send, c.recv()).await {
            Err(_) => {}
            Ok(Err(_)) => client = None,
            Ok(Ok(msg)) => {
                let before = w.acked.len();
                w.heard(&msg);
                if w.acked.len() > before {
                    progress.fetch_add(1, Ordering::Relaxed);
                    last_progress = tokio::time::Instant::now();
                }
            }
        }
    }
    Ok(w)
}

/// Waits until the writers have had `n` commands acknowledged in all.
async fn until_acked(progress: &AtomicUsize, n: usize) -> anyhow::Result<()> {
    tokio::time::timeout(STUCK, async {
        while progress.load(Ordering::Relaxed) < n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .with_context(|| format!("fewer than {n} commands acknowledged"))
}

/// Reads until `client` has seen the change `seq`.
async fn caught_up(client: &mut Client, seq: u64) -> anyhow::Result<()> {
    if !seqs(client).contains(&seq) {
        client.wait_for(|msg| (change_seq(msg) == Some(seq)).then_some(())).await?;
    }
    Ok(())
}

/// The room as a viewer joining now sees it.
async fn room_now(url: &str) -> anyhow::Result<Box<RoomState>> {
    let (_viewer, welcome) = Client::join(url, Credentials::Viewer, None).await?;
    let ServerMsg::Welcome { room, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    Ok(room)
}

/// After the writers are done: every acknowledged command is in the room exactly once, nothing
/// was refused for a reason other than a passing one, every connection's seqs came in order,
/// and the watcher (connected throughout to a node that lived) saw every card made once.
fn check_writers(test: &str, writers: &[Writer], state: &RoomState, watcher: &Client) -> anyhow::Result<()> {
    let present = factors(state);
    let seen = cards_seen(watcher);
    let mut acked = 0;
    for w in writers {
        assert!(w.refused.is_empty(), "{test}: writer {} was refused: {:?}", w.no, w.refused);
        assert!(w.gaps.is_empty(), "{test}: writer {} got seqs out of order: {:?}", w.no, w.gaps);
        assert_eq!(w.acked.len() as u64, WRITES_EACH, "{test}: writer {}: every command acknowledged", w.no);
        for n in w.acked.keys() {
            let id = format!("m{}-{n}", w.no);
            assert!(present.contains(&id), "{test}: acknowledged {id} was lost");
            assert_eq!(seen.get(&id), Some(&1), "{test}: {id} was made {:?} times", seen.get(&id));
        }
        acked += w.acked.len();
    }
    assert_eq!(present.len(), acked, "{test}: nothing in the room but the acknowledged cards");
    assert!(seen.values().all(|&n| n == 1), "{test}: a card made twice: {seen:?}");
    let watched = seqs(watcher);
    assert!(
        watched.windows(2).all(|w| w[1] == w[0] + 1),
        "{test}: the watcher's seqs have a gap: {watched:?}"
    );
    assert_eq!(watched.last().copied(), Some(state.seq), "{test}: the watcher saw every change");
    let (connections, resent, internal) =
        writers.iter().fold((0, 0, 0), |(c, r, i), w| (c + w.connections, r + w.resent, i + w.internal));
    println!(
        "{test}: {} writers, {acked} commands acknowledged, none lost or applied twice; \
         {connections} connections, {resent} commands sent again, {internal} `internal` refusals",
        writers.len()
    );
    Ok(())
}

/// Two node processes on one NATS server; writers on node A (and one on node B) keep adding
/// cards; node A dies with SIGKILL; its writers come back on node B with their tokens and last
/// seqs and send again what was not acknowledged: nothing acknowledged is lost, nothing is
/// applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_write_loses_nothing_and_its_members_resume_on_another() -> anyhow::Result<()> {
    let test = "cluster node kill -9";
    let Some(nats) = NatsServer::start(test).await? else { return Ok(()) };
    let mut nodes = NodeProcesses::start(BIN, &nats.url, 2, 1).await?;
    let (a, b) = (nodes.node(0)?, nodes.node(1)?);
    let room = http::create_room(a.addr, "{}").await?;
    let (url_a, url_b) = (a.ws_url(&room.room_id), b.ws_url(&room.room_id));
    let key = credentials(&room, true, None);
    let (mut facilitator, _) = Client::join(&url_b, key, Some("Marta")).await?;
    let answer = facilitator.run(Command::OpenFactors { open: true }).await?;
    answer.map_err(|r| anyhow::anyhow!("the board did not open: {r:?}"))?;
    // The watcher stays on node B throughout.
    let (mut watcher, _) = Client::join(&url_b, Credentials::Viewer, None).await?;

    let progress = Arc::new(AtomicUsize::new(0));
    let on_a: Url = Arc::new(RwLock::new(url_a));
    let on_b: Url = Arc::new(RwLock::new(url_b.clone()));
    let mut tasks = Vec::new();
    for no in 0..4 {
        let url = if no < 3 { on_a.clone() } else { on_b.clone() };
        tasks.push(tokio::spawn(write(Writer::new(no), url, progress.clone())));
    }
    until_acked(&progress, 4 * WRITES_EACH as usize / 3).await?;
    nodes.kill(0).await?;
    // The load balancer now sends everyone to node B.
    *on_a.write().await = url_b.clone();

    let mut writers = Vec::new();
    for task in tasks {
        writers.push(task.await??);
    }
    let state = room_now(&url_b).await?;
    caught_up(&mut watcher, state.seq).await?;
    assert!(writers[..3].iter().all(|w| w.connections >= 2), "node A's writers came back on node B");
    check_writers(test, &writers, &state, &watcher)?;
    drop((facilitator, watcher));
    nats.stop().await
}

/// Three NATS servers in one cluster, rooms kept with three replicas, two nodes with writers on
/// each; one NATS server dies with SIGKILL: writes go on after a pause (commands refused with
/// `internal` meanwhile are sent again), and nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_server_killed_from_three_with_three_replicas_loses_nothing() -> anyhow::Result<()> {
    let test = "cluster nats kill -9";
    let Some(mut nats) = NatsCluster::start(test, 3).await? else { return Ok(()) };
    let cluster = Nodes::start_with_replicas(&nats.url(), 2, 3).await?;
    let room = http::create_room(cluster.node(0).addr, "{}").await?;
    let key = credentials(&room, true, None);
    let (mut facilitator, _) = Client::join(&cluster.ws_url(0, &room.room_id), key, Some("Marta")).await?;
    let answer = facilitator.run(Command::OpenFactors { open: true }).await?;
    answer.map_err(|r| anyhow::anyhow!("the board did not open: {r:?}"))?;
    let (mut watcher, _) = Client::join(&cluster.ws_url(1, &room.room_id), Credentials::Viewer, None).await?;

    let progress = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for no in 0..4 {
        let url: Url = Arc::new(RwLock::new(cluster.ws_url(no, &room.room_id)));
        tasks.push(tokio::spawn(write(Writer::new(no), url, progress.clone())));
    }
    until_acked(&progress, WRITES_EACH as usize).await?;
    nats.kill(0).await?;
    let at_kill = progress.load(Ordering::Relaxed);
    // Writes go on: more acknowledged after the kill (the writers resend what was refused).
    until_acked(&progress, at_kill + 8).await.context("no write went through after the kill")?;

    let mut writers = Vec::new();
    for task in tasks {
        writers.push(task.await??);
    }
    let state = room_now(&cluster.ws_url(1, &room.room_id)).await?;
    for i in 0..cluster.len() {
        let other = room_now(&cluster.ws_url(i, &room.room_id)).await?;
        assert_eq!((other.seq, factors(&other)), (state.seq, factors(&state)), "node {i} has the same room");
    }
    caught_up(&mut watcher, state.seq).await?;
    check_writers(test, &writers, &state, &watcher)?;
    drop((facilitator, watcher));
    cluster.stop().await?;
    drop(nats);
    Ok(())
}

/// The fixture itself: a cluster of three answers JetStream requests with three replicas from
/// any of its servers' URLs, and goes on answering with one server gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_cluster_of_three_stores_with_three_replicas() -> anyhow::Result<()> {
    let Some(mut nats) = NatsCluster::start("cluster nats fixture", 3).await? else { return Ok(()) };
    assert_eq!(nats.len(), 3);
    assert_eq!(nats.url().split(',').count(), 3);
    nats.kill(2).await?;
    // Two of three still make a quorum for three replicas.
    nats.wait_for_jetstream(3).await?;
    Ok(())
}
