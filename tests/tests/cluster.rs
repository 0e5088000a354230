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
use horseshoe_tests::{Client, WAIT, change_seq, events_of};
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

/// The seq of the change that made each card, as a client saw it.
fn made_at(client: &Client) -> BTreeMap<String, u64> {
    let mut made = BTreeMap::new();
    for msg in &client.received {
        for event in events_of(msg) {
            if let (Some(seq), Event::FactorSet { factor }) = (change_seq(msg), event) {
                made.entry(factor.id.0.clone()).or_insert(seq);
            }
        }
    }
    made
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
/// member and the seq of each card's acknowledgement, by card number.
async fn add_cards(mut m: Member) -> anyhow::Result<(Member, BTreeMap<u64, u64>)> {
    let mut ids = BTreeMap::new();
    for n in 1..=CARDS_EACH {
        ids.insert(m.client.command(card(m.no, n)).await?, n);
    }
    let mut acked = BTreeMap::new();
    while acked.len() < ids.len() {
        match m.client.recv().await.with_context(|| format!("member {}: acks", m.no))? {
            ServerMsg::Ack { id, seq } => {
                let n = ids.get(&id).with_context(|| format!("member {}: an ack for {id:?}", m.no))?;
                anyhow::ensure!(acked.insert(*n, seq).is_none(), "member {}: {id:?} acked twice", m.no);
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
async fn members_on_nodes_see_one_order(test: &str, nodes: usize, replicas: usize) -> anyhow::Result<()> {
    let Some(nats) = Nats::start(test, replicas).await? else { return Ok(()) };
    let cluster = Nodes::start_with_replicas(&nats.url(), nodes, replicas).await?;
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
    let mut acks = Vec::new();
    for task in tasks {
        let (m, acked) = task.await??;
        acks.push(acked);
        members.push(m);
    }
    let total = members.len() as u64 * CARDS_EACH;
    let expected: BTreeSet<String> =
        (0..members.len()).flat_map(|no| (1..=CARDS_EACH).map(move |n| format!("m{no}-{n}"))).collect();
    // What the stream holds first: it tells why, if anything below fails.
    check_log(test, &nats.messages_of(&room).await?, &expected)?;
    let last = opened + total;

    for m in &mut members {
        let no = m.no;
        caught_up(&mut m.client, last).await.with_context(|| format!("member {no} never saw seq {last}"))?;
        let seen = seqs(&m.client);
        assert_eq!(seen, (m.from + 1..=last).collect::<Vec<_>>(), "member {no}: gap-free, in order");
        let cards = cards_seen(&m.client);
        assert!(cards.values().all(|&n| n == 1), "member {no} saw a card twice: {cards:?}");
        assert_eq!(cards.keys().cloned().collect::<BTreeSet<_>>(), expected, "member {no}: every card");
        // Each ack comes after the change it acknowledges (its `seq` is that change's or, for a
        // command the room found applied already, a later one), never before.
        let made = made_at(&m.client);
        for (n, seq) in &acks[no] {
            let card = format!("m{no}-{n}");
            let at = made.get(&card).copied().unwrap_or(u64::MAX);
            assert!((at..=last).contains(seq), "member {no}: {card} made at seq {at}, acknowledged at {seq}");
        }
        let acks: Vec<&ServerMsg> =
            m.client.received.iter().filter(|msg| matches!(msg, ServerMsg::Ack { .. })).collect();
        assert_eq!(acks.len() as u64, CARDS_EACH + u64::from(m.facilitator), "member {no}: one ack each");
        assert_eq!(m.client.online, everyone, "member {no}: everyone still online");
    }

    // The same room from every node: a viewer on each, and each member coming back with their
    // token on the next node.
    let mut rooms = Vec::new();
    for i in 0..nodes {
        let state = room_at(&url(i), last).await?;
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
    cluster.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_two_nodes_see_one_order_and_everyone_online() -> anyhow::Result<()> {
    members_on_nodes_see_one_order("cluster two nodes", 2, 1).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_three_nodes_see_one_order_and_everyone_online() -> anyhow::Result<()> {
    members_on_nodes_see_one_order("cluster three nodes", 3, 1).await
}

/// The same over a cluster of three NATS servers keeping three replicas (nothing killed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_two_nodes_over_three_replicas_see_one_order() -> anyhow::Result<()> {
    members_on_nodes_see_one_order("cluster two nodes, three replicas", 2, 3).await
}

/// One NATS server, or a cluster of `replicas` keeping that many copies.
enum Nats {
    One(NatsServer),
    Cluster(NatsCluster),
}

impl Nats {
    async fn start(test: &str, replicas: usize) -> anyhow::Result<Option<Self>> {
        Ok(if replicas == 1 {
            NatsServer::start(test).await?.map(Self::One)
        } else {
            NatsCluster::start(test, replicas).await?.map(Self::Cluster)
        })
    }

    fn url(&self) -> String {
        match self {
            Self::One(nats) => nats.url.clone(),
            Self::Cluster(nats) => nats.url(),
        }
    }
}

impl ReadBack for Nats {
    async fn messages(&self, stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>> {
        match self {
            Self::One(nats) => nats.messages(stream, subject).await,
            Self::Cluster(nats) => nats.messages(stream, subject).await,
        }
    }
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

/// The room as a viewer joining sees it once the node has caught up with `seq`: a node learns
/// the others' changes from the log a moment after they are acknowledged, so a welcome may be
/// a little behind (and the changes after it follow); joins again until it is not.
async fn room_at(url: &str, seq: u64) -> anyhow::Result<Box<RoomState>> {
    let waited = tokio::time::timeout(WAIT, async {
        loop {
            let room = room_now(url).await?;
            if room.seq >= seq {
                return anyhow::Ok(room);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    waited.await.with_context(|| format!("{url} never caught up with seq {seq}"))?
}

/// A viewer following the room on one node from before the writes to the end: counts the cards
/// it sees being made, checks that seqs come in order, and comes back with its last seq when
/// the server closes the line (as a node does to a room's connections when it could not save).
struct Watcher {
    url: String,
    client: Option<Client>,
    last: u64,
    cards: BTreeMap<String, usize>,
    gaps: Vec<String>,
    resumes: usize,
    /// Welcomes after the first (a snapshot instead of the missed changes: cards in the gap
    /// are not seen being made).
    snapshots: usize,
}

impl Watcher {
    async fn start(url: &str) -> anyhow::Result<Self> {
        let (client, welcome) = Client::join(url, Credentials::Viewer, None).await?;
        let ServerMsg::Welcome { room, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
        Ok(Self {
            url: url.to_owned(),
            client: Some(client),
            last: room.seq,
            cards: BTreeMap::new(),
            gaps: Vec::new(),
            resumes: 0,
            snapshots: 0,
        })
    }

    fn note(&mut self, msg: &ServerMsg) {
        let Some(seq) = change_seq(msg) else { return };
        if seq != self.last + 1 {
            self.gaps.push(format!("{seq} after {}", self.last));
        }
        self.last = seq;
        for event in events_of(msg) {
            if let Event::FactorSet { factor } = event {
                *self.cards.entry(factor.id.0.clone()).or_default() += 1;
            }
        }
    }

    /// Reads (reconnecting when it must) until it has seen `seq`.
    async fn until(&mut self, seq: u64) -> anyhow::Result<()> {
        let waited = tokio::time::timeout(STUCK, async {
            while self.last < seq {
                let Some(client) = self.client.as_mut() else {
                    match Client::rejoin(&self.url, Credentials::Viewer, None, Some(self.last)).await {
                        Ok((client, ServerMsg::Resume { .. })) => {
                            self.resumes += 1;
                            self.client = Some(client);
                        }
                        Ok((client, ServerMsg::Welcome { room, .. })) => {
                            self.snapshots += 1;
                            self.last = room.seq;
                            self.client = Some(client);
                        }
                        _ => tokio::time::sleep(RETRY).await,
                    }
                    continue;
                };
                match client.recv().await {
                    Ok(msg) => self.note(&msg),
                    Err(_) => self.client = None,
                }
            }
        });
        waited.await.with_context(|| format!("the watcher never saw seq {seq}; it is at {}", self.last))
    }
}

/// After the writers are done: every acknowledged command is in the room exactly once, nothing
/// was refused for a reason other than a passing one, every connection's seqs came in order,
/// and the watcher saw every card made once (or came back to a snapshot past it).
fn check_writers(test: &str, writers: &[Writer], state: &RoomState, watcher: &Watcher) -> anyhow::Result<()> {
    let present = factors(state);
    let seen = &watcher.cards;
    let mut acked = 0;
    for w in writers {
        assert!(w.refused.is_empty(), "{test}: writer {} was refused: {:?}", w.no, w.refused);
        assert!(w.gaps.is_empty(), "{test}: writer {} got seqs out of order: {:?}", w.no, w.gaps);
        assert_eq!(w.acked.len() as u64, WRITES_EACH, "{test}: writer {}: every command acknowledged", w.no);
        for n in w.acked.keys() {
            let id = format!("m{}-{n}", w.no);
            assert!(present.contains(&id), "{test}: acknowledged {id} was lost");
            let made = seen.get(&id).copied().unwrap_or(0);
            // Seen being made once, unless the watcher came back to a snapshot past it.
            assert!(made == 1 || (made == 0 && watcher.snapshots > 0), "{test}: {id} was made {made} times");
        }
        acked += w.acked.len();
    }
    assert_eq!(present.len(), acked, "{test}: nothing in the room but the acknowledged cards");
    assert!(seen.values().all(|&n| n == 1), "{test}: a card made twice: {seen:?}");
    assert!(watcher.gaps.is_empty(), "{test}: the watcher's seqs have gaps: {:?}", watcher.gaps);
    assert_eq!(watcher.last, state.seq, "{test}: the watcher saw every change");
    let (connections, resent, internal) =
        writers.iter().fold((0, 0, 0), |(c, r, i), w| (c + w.connections, r + w.resent, i + w.internal));
    println!(
        "{test}: {} writers, {acked} commands acknowledged, none lost or applied twice; \
         {connections} connections, {resent} commands sent again, {internal} `internal` refusals; \
         the watcher came back {} times ({} to a snapshot)",
        writers.len(),
        watcher.resumes + watcher.snapshots,
        watcher.snapshots
    );
    Ok(())
}

/// What JetStream holds of a room: its log (position and change, in order) and its latest
/// snapshot.
struct Stored {
    log: Vec<(u64, String)>,
    snapshots: Vec<(u64, String)>,
}

/// The NATS a test runs on, to read back what it stored.
trait ReadBack {
    async fn messages(&self, stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>>;

    /// The room's log and snapshots as stored (subjects as the server names them).
    async fn messages_of(&self, room: &CreatedRoom) -> anyhow::Result<Stored> {
        use horseshoe::jetstream::{SNAPSHOTS_BUCKET, STREAM};
        let log = self.messages(STREAM, &format!("horseshoe.room.{}.log", room.room_id)).await?;
        let kv = format!("KV_{SNAPSHOTS_BUCKET}");
        let snapshots = self.messages(&kv, &format!("$KV.{SNAPSHOTS_BUCKET}.{}", room.room_id)).await?;
        Ok(Stored { log, snapshots })
    }
}

impl ReadBack for NatsServer {
    async fn messages(&self, stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>> {
        NatsServer::messages(self, stream, subject).await
    }
}

impl ReadBack for NatsCluster {
    async fn messages(&self, stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>> {
        NatsCluster::messages(self, stream, subject).await
    }
}

/// Checks what the stream holds against what was acknowledged. The room's log is its changes
/// in the stream's order where the first change at each seq counts: with several replicas,
/// JetStream 2.9 may store a second writer's change that expected the same position (its check
/// is not serialized across replicas), and every reader skips it; the node that wrote it finds
/// it was not first and decides again. So: seqs without a gap, every acknowledged card (`acked`,
/// by id) made once in the changes that count, and nothing in a snapshot that those do not hold
/// up to the position the snapshot says it includes.
fn check_log(test: &str, stored: &Stored, acked: &BTreeSet<String>) -> anyhow::Result<()> {
    let mut counted: Vec<(u64, serde_json::Value)> = Vec::new();
    let mut skipped = Vec::new();
    let mut last = 0;
    for (position, body) in &stored.log {
        let change: serde_json::Value = serde_json::from_str(body)?;
        let seq = change["seq"].as_u64().unwrap_or(0);
        if last > 0 && seq <= last {
            skipped.push((seq, *position));
            continue;
        }
        assert!(last == 0 || seq == last + 1, "{test}: the log jumps from seq {last} to {seq} at {position}");
        last = seq;
        counted.push((*position, change));
    }
    let mut in_log = BTreeMap::<String, Vec<u64>>::new();
    for (position, change) in &counted {
        for event in change["events"].as_array().into_iter().flatten() {
            if let Some(id) = event["factor"]["id"].as_str() {
                in_log.entry(id.to_owned()).or_default().push(*position);
            }
        }
    }
    println!(
        "{test}: the stream holds {} changes of the room, seqs {:?}..{:?}; {} second writes at a seq skipped: {skipped:?}",
        stored.log.len(),
        counted.first().and_then(|(_, c)| c["seq"].as_u64()),
        counted.last().and_then(|(_, c)| c["seq"].as_u64()),
        skipped.len(),
    );
    // The room's snapshots (the latest is kept): every card in one must be in the log up to
    // the position the snapshot says it includes.
    for (_, body) in &stored.snapshots {
        let snapshot: serde_json::Value = serde_json::from_str(body)?;
        let (position, seq) = (snapshot["position"].as_u64(), snapshot["seq"].as_u64());
        let cards = snapshot["state"]["experience"]["factors"].as_object().cloned().unwrap_or_default();
        let unstored: Vec<&String> = cards
            .keys()
            .filter(|id| !in_log.get(*id).is_some_and(|at| at.iter().any(|p| Some(*p) <= position)))
            .collect();
        assert!(
            unstored.is_empty(),
            "{test}: the snapshot at seq {seq:?}, position {position:?}, holds cards the log does not hold up to there: {unstored:?}"
        );
    }
    for id in acked {
        assert!(in_log.contains_key(id), "{test}: {id} was acknowledged and is not in the log");
    }
    let twice: Vec<_> = in_log.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(twice.is_empty(), "{test}: cards made twice in the log: {twice:?}");
    Ok(())
}

/// A node started before NATS (containers started together) waits for it instead of refusing to
/// start, and says it listens only once it can serve: its first request makes a room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_started_before_nats_waits_for_it() -> anyhow::Result<()> {
    let test = "cluster node before nats";
    if horseshoe_tests::nats::nats_server_binary().is_none() {
        println!("{test}: SKIPPED: nats-server is not installed (apt-get install nats-server)");
        return Ok(());
    }
    let port = horseshoe_tests::nats::free_port()?;
    let url = format!("nats://127.0.0.1:{port}");
    let dir = tempfile::tempdir()?;
    let node = tokio::spawn({
        let dir = dir.path().to_owned();
        async move {
            let flags = ["--nats-url", url.as_str(), "--node-id", "node-1"];
            horseshoe_tests::process::ServerProcess::start(BIN, &dir, &flags).await
        }
    });
    // Longer than one connection attempt's timeout takes to fail on a closed port, and more
    // than one retry.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!node.is_finished(), "{test}: the node said it was ready with no NATS to store rooms in");
    let nats = NatsServer::start_on(test, port).await?.context("nats-server")?;
    let node = node.await??;
    let room = http::create_room(node.addr, "{}").await?;
    let (mut facilitator, _) =
        Client::join(&node.ws_url(&room.room_id), credentials(&room, true, None), Some("Marta")).await?;
    let answer = facilitator.run(Command::OpenFactors { open: true }).await?;
    answer.map_err(|r| anyhow::anyhow!("{test}: the board did not open: {r:?}"))?;
    drop(facilitator);
    node.kill().await?;
    nats.stop().await
}

/// A node waiting for NATS stops at once when told to (SIGTERM), not after its minute of
/// trying: a container's stop grace is shorter than that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_waiting_for_nats_stops_when_told_to() -> anyhow::Result<()> {
    let port = horseshoe_tests::nats::free_port()?;
    let dir = tempfile::tempdir()?;
    let mut node = tokio::process::Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--nats-url", &format!("nats://127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .env("HORSESHOE_LOG", "error")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    // It is trying by now (each try fails at once on a closed port).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(node.try_wait()?.is_none(), "the node gave up on NATS within 2 s");
    let pid = node.id().context("a pid")?.to_string();
    let sent = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await?;
    anyhow::ensure!(sent.success(), "kill -TERM failed");
    // Well under the minute it would otherwise go on trying for.
    tokio::time::timeout(Duration::from_secs(10), node.wait())
        .await
        .context("the node went on waiting for NATS after SIGTERM")??;
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
    // The watcher is on node B throughout.
    let mut watcher = Watcher::start(&url_b).await?;

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
    let last = writers.iter().flat_map(|w| w.acked.values()).copied().max().context("acks")?;
    let state = room_at(&url_b, last).await?;
    watcher.until(state.seq).await?;
    assert!(writers[..3].iter().all(|w| w.connections >= 2), "node A's writers came back on node B");
    let acked = writers.iter().flat_map(|w| w.acked.keys().map(|n| format!("m{}-{n}", w.no))).collect();
    check_log(test, &nats.messages_of(&room).await?, &acked)?;
    check_writers(test, &writers, &state, &watcher)?;
    drop((facilitator, watcher));
    nats.stop().await
}

/// Three NATS servers in one cluster, rooms kept with three replicas, two nodes with writers on
/// each; the NATS server leading the rooms' stream dies with SIGKILL: writes go on after a pause (commands refused with
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
    let mut watcher = Watcher::start(&cluster.ws_url(1, &room.room_id)).await?;

    let progress = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for no in 0..4 {
        let url: Url = Arc::new(RwLock::new(cluster.ws_url(no, &room.room_id)));
        tasks.push(tokio::spawn(write(Writer::new(no), url, progress.clone())));
    }
    until_acked(&progress, WRITES_EACH as usize).await?;
    // The server that leads the rooms' stream: JetStream must elect another one.
    let leader = nats.stream_leader(horseshoe::jetstream::STREAM).await?;
    nats.kill(leader).await?;
    let at_kill = progress.load(Ordering::Relaxed);
    // Writes go on: more acknowledged after the kill (the writers resend what was refused).
    until_acked(&progress, at_kill + 8).await.context("no write went through after the kill")?;

    let mut writers = Vec::new();
    for task in tasks {
        writers.push(task.await??);
    }
    let last = writers.iter().flat_map(|w| w.acked.values()).copied().max().context("acks")?;
    let acked = writers.iter().flat_map(|w| w.acked.keys().map(|n| format!("m{}-{n}", w.no))).collect();
    check_log(test, &nats.messages_of(&room).await?, &acked)?;
    let state = room_at(&cluster.ws_url(1, &room.room_id), last).await?;
    for i in 0..cluster.len() {
        let other = room_at(&cluster.ws_url(i, &room.room_id), last).await?;
        let (theirs, ours) = (factors(&other), factors(&state));
        assert!(
            other.seq == state.seq && theirs == ours,
            "node {i} has another room at seq {} (node 1 at {}): only on node {i}: {:?}; only on node 1: {:?}",
            other.seq,
            state.seq,
            theirs.difference(&ours).collect::<Vec<_>>(),
            ours.difference(&theirs).collect::<Vec<_>>()
        );
    }
    watcher.until(state.seq).await?;
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
