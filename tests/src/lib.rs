//! Test fixtures that drive the real server over real sockets: start it in-process on
//! `127.0.0.1:0`, stop and restart it on the same data directory, create rooms over HTTP, and
//! talk to rooms as WebSocket clients.
//!
//! # Layout
//! - [`TestServer`]: the server in-process, with its data directory (or, with
//!   `HORSESHOE_TEST_NODES=2`, a cluster of nodes over one NATS).
//! - [`cluster`]: several nodes over one NATS or a NATS cluster, for the tests of issue 15.
//! - [`http`]: a minimal HTTP/1.1 client for the JSON API.
//! - [`process`]: the server as a real child process, to kill or signal.
//! - [`nats`]: a NATS server with JetStream (Debian's `nats-server`), for `--nats-url`.
//! - [`Client`]: a WebSocket client that speaks the protocol and waits for what it expects.
//! - [`Typist`]: one person's copy of a shared text, making the Yjs updates a browser sends.
//! - [`load`]: the load generator's own WebSocket framing and protocol frames, which the
//!   allocation test shares.

pub mod cluster;
pub mod http;
pub mod load;
pub mod nats;
pub mod process;
pub mod typist;

pub use typist::Typist;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt};
use horseshoe::Config;
use horseshoe_protocol::{
    ClientId, ClientMsg, Command, CommandId, Credentials, Event, PROTOCOL_VERSION, ServerMsg,
};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

/// How long a test waits for a message it expects before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// The events of a `change` frame; none for any other message.
pub fn events_of(msg: &ServerMsg) -> &[Event] {
    match msg {
        ServerMsg::Change { events, .. } => events,
        _ => &[],
    }
}

/// The `seq` of a `change` frame.
pub fn change_seq(msg: &ServerMsg) -> Option<u64> {
    match msg {
        ServerMsg::Change { seq, .. } => Some(*seq),
        _ => None,
    }
}

/// A client id no other test client has.
/// The `hello` of a new participant named `name`, for a test that speaks over a socket of its
/// own rather than through [`Client`].
pub fn participant_hello(name: &str) -> ClientMsg {
    ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        credentials: horseshoe_protocol::Credentials::Participant { token: None },
        client: fresh_client_id(),
        name: Some(name.to_owned()),
        last_seq: None,
    }
}

pub fn fresh_client_id() -> ClientId {
    ClientId(format!("t{}", uuid::Uuid::new_v4().simple()))
}

/// How many nodes serve the rooms of [`TestServer::start`]: `HORSESHOE_TEST_NODES` (default 1).
/// With more than one, the workshop suite runs against a cluster: that many nodes in this
/// process over one NATS server with JetStream (Debian's `nats-server`, which must be installed).
pub fn nodes_under_test() -> usize {
    std::env::var("HORSESHOE_TEST_NODES").ok().and_then(|n| n.trim().parse().ok()).unwrap_or(1).max(1)
}

/// Prints the in-process servers' logs when `HORSESHOE_TEST_LOG` names what to show (a
/// `tracing` filter such as `horseshoe=debug`); silent otherwise.
pub fn log_if_asked() {
    if let Ok(filter) = std::env::var("HORSESHOE_TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
}

/// The real server, running in this process: one node, or (see [`nodes_under_test`]) several
/// nodes serving the same rooms through one NATS server.
pub struct TestServer {
    /// The first node's address: HTTP requests (creating rooms, reports, metrics) go there.
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), horseshoe::ServerError>>,
    /// In a cluster: the other nodes, and the NATS server they all store rooms in.
    cluster: Option<Box<Cluster>>,
}

struct Cluster {
    peers: Vec<TestServer>,
    nats: nats::NatsServer,
}

impl TestServer {
    /// The server under test over `data_dir`: one node, or a cluster of
    /// [`nodes_under_test`] nodes (sharing `data_dir`, where they keep nothing of their own).
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        match nodes_under_test() {
            1 => Self::start_with(Config::for_data_dir(data_dir)).await,
            n => Self::start_nodes(data_dir, n, None).await,
        }
    }

    /// One node with this configuration (never a cluster: limits and metrics are per node).
    pub async fn start_with(config: Config) -> anyhow::Result<Self> {
        log_if_asked();
        let listener = tokio::net::TcpListener::bind(config.listen_addr()).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let data_dir = config.data_dir.clone();
        let task = tokio::spawn(horseshoe::run(listener, config, shutdown.clone()));
        Ok(Self { addr, data_dir, shutdown, task, cluster: None })
    }

    /// `n` nodes over `nats` (a new NATS server if none), named `node-1`, `node-2`, ...
    async fn start_nodes(data_dir: &Path, n: usize, nats: Option<nats::NatsServer>) -> anyhow::Result<Self> {
        let nats = match nats {
            Some(nats) => nats,
            None => nats::NatsServer::start("HORSESHOE_TEST_NODES")
                .await?
                .context("HORSESHOE_TEST_NODES asks for a cluster, which needs nats-server")?,
        };
        let mut nodes = Vec::with_capacity(n);
        for i in 1..=n {
            let mut config = Config::for_data_dir(data_dir);
            config.nats_url = Some(nats.url.clone());
            config.node_id = Some(format!("node-{i}"));
            let mut node = Self::start_with(config).await?;
            node.ready().await?;
            nodes.push(node);
        }
        let mut first = nodes.remove(0);
        first.cluster = Some(Box::new(Cluster { peers: nodes, nats }));
        Ok(first)
    }

    /// Waits until the node answers `/healthz` with 200 (its store is reachable); fails with
    /// the server's own error if it stopped instead.
    pub async fn ready(&mut self) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if self.task.is_finished() {
                (&mut self.task).await??;
                bail!("the node at {} stopped as it started", self.addr);
            }
            if let Ok(health) = http::request(self.addr, "GET", "/healthz", None).await
                && health.status == 200
            {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!("the node at {} never said it was healthy", self.addr);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every node's address, the first one first.
    pub fn node_addrs(&self) -> Vec<SocketAddr> {
        let peers = self.cluster.iter().flat_map(|c| c.peers.iter().map(|p| p.addr));
        std::iter::once(self.addr).chain(peers).collect()
    }

    /// Shuts down as SIGTERM does, and waits until the last commit is on disk (in a cluster:
    /// every node, then the NATS server).
    pub async fn stop(self) -> anyhow::Result<PathBuf> {
        let (dir, cluster) = self.stop_nodes().await?;
        if let Some((nats, _)) = cluster {
            nats.stop().await?;
        }
        Ok(dir)
    }

    /// Stops every node; returns the data directory, and in a cluster the NATS server (still
    /// running) and how many nodes there were.
    async fn stop_nodes(mut self) -> anyhow::Result<(PathBuf, Option<(nats::NatsServer, usize)>)> {
        let cluster = self.cluster.take();
        let dir = self.stop_node().await?;
        let Some(cluster) = cluster else { return Ok((dir, None)) };
        let Cluster { peers, nats } = *cluster;
        let n = peers.len() + 1;
        for peer in peers {
            peer.stop_node().await?;
        }
        Ok((dir, Some((nats, n))))
    }

    /// Stops this node alone.
    async fn stop_node(self) -> anyhow::Result<PathBuf> {
        self.shutdown.cancel();
        tokio::time::timeout(WAIT, self.task).await.context("shutdown took too long")???;
        Ok(self.data_dir)
    }

    /// Stops, then starts again on the same data directory (on a new port); a cluster's nodes
    /// start again on the same NATS server.
    pub async fn restart(self) -> anyhow::Result<Self> {
        match self.stop_nodes().await? {
            (dir, Some((nats, n))) => Self::start_nodes(&dir, n, Some(nats)).await,
            (dir, None) => Self::start_with(Config::for_data_dir(dir)).await,
        }
    }

    /// The room's WebSocket URL. In a cluster it names every node, and [`Client::connect`]
    /// takes them in turn as a load balancer would: consecutive clients of a room land on
    /// different nodes.
    pub fn ws_url(&self, room: &str) -> String {
        let hosts: Vec<String> = self.node_addrs().iter().map(ToString::to_string).collect();
        format!("ws://{}/api/rooms/{room}/ws", hosts.join(","))
    }

    /// The room's WebSocket URL on node `node` (from 0) alone: for a test that depends on
    /// talking to one node (say why where it is used).
    pub fn ws_url_on(&self, node: usize, room: &str) -> String {
        let addrs = self.node_addrs();
        format!("ws://{}/api/rooms/{room}/ws", addrs[node % addrs.len()])
    }
}

/// Where a connection to `url` goes: a URL naming several nodes (`ws://A,B/path`, from
/// [`TestServer::ws_url`] on a cluster) gives each of them in turn, counted per set of nodes;
/// any other URL is itself.
pub fn balance(url: &str) -> String {
    static TURNS: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (hosts, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !hosts.contains(',') {
        return url.to_owned();
    }
    let turn = {
        let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let turn = turns.entry(hosts.to_owned()).or_default();
        *turn += 1;
        *turn - 1
    };
    let hosts: Vec<&str> = hosts.split(',').collect();
    format!("{scheme}://{}/{path}", hosts[turn % hosts.len()])
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A protocol client on one WebSocket.
pub struct Client {
    socket: Socket,
    /// This client's name in `hello`: its commands are numbered on their own.
    pub client: ClientId,
    next_id: u64,
    /// Everything received, in order.
    pub received: Vec<ServerMsg>,
    /// Every text frame exactly as it arrived, for checks on the bytes sent.
    pub raw: Vec<String>,
    /// Who is connected, as `welcome`, `resume` and `presence` have said so far.
    pub online: std::collections::BTreeSet<horseshoe_protocol::MemberId>,
}

impl Client {
    /// Connects to `url` (to one of its nodes in turn, if it names several: see [`balance`]).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let (socket, _) = tokio_tungstenite::connect_async(balance(url)).await?;
        Ok(Self {
            socket,
            client: fresh_client_id(),
            next_id: 0,
            received: Vec::new(),
            raw: Vec::new(),
            online: Default::default(),
        })
    }

    /// Connects and says `hello`; returns the client and the `welcome` (or the refusal).
    pub async fn join(
        url: &str,
        credentials: Credentials,
        name: Option<&str>,
    ) -> anyhow::Result<(Self, ServerMsg)> {
        Self::rejoin(url, credentials, name, None).await
    }

    /// Like [`Client::join`], for a client that reconnects having applied up to `last_seq`.
    pub async fn rejoin(
        url: &str,
        credentials: Credentials,
        name: Option<&str>,
        last_seq: Option<u64>,
    ) -> anyhow::Result<(Self, ServerMsg)> {
        Self::rejoin_as(url, credentials, name, last_seq, fresh_client_id()).await
    }

    /// Like [`Client::rejoin`], as the same browser tab `client` (whose commands the room keeps
    /// numbering: go on with [`Client::numbering_from`]).
    pub async fn rejoin_as(
        url: &str,
        credentials: Credentials,
        name: Option<&str>,
        last_seq: Option<u64>,
        client: ClientId,
    ) -> anyhow::Result<(Self, ServerMsg)> {
        let mut this = Self::connect(url).await?;
        this.client = client.clone();
        let name = name.map(str::to_owned);
        let hello = ClientMsg::Hello { protocol: PROTOCOL_VERSION, credentials, client, name, last_seq };
        this.send(&hello).await?;
        let first = this.recv().await?;
        Ok((this, first))
    }

    pub async fn send(&mut self, msg: &ClientMsg) -> anyhow::Result<()> {
        self.send_text(serde_json::to_string(msg)?).await
    }

    pub async fn send_text(&mut self, text: String) -> anyhow::Result<()> {
        self.socket.send(Message::text(text)).await?;
        Ok(())
    }

    pub async fn send_raw(&mut self, msg: Message) -> anyhow::Result<()> {
        self.socket.send(msg).await?;
        Ok(())
    }

    /// Numbers this client's commands after `base`: a tab reconnecting as the same client must
    /// not reuse numbers, or the room takes the commands for resends.
    pub fn numbering_from(mut self, base: u64) -> Self {
        self.next_id = base;
        self
    }

    /// Sends a command with a fresh id; returns the id.
    pub async fn command(&mut self, cmd: Command) -> anyhow::Result<CommandId> {
        self.next_id += 1;
        let id = CommandId(self.next_id);
        self.send(&ClientMsg::Cmd { id, cmd }).await?;
        Ok(id)
    }

    /// The next protocol message (pings are answered by the library).
    pub async fn recv(&mut self) -> anyhow::Result<ServerMsg> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .context("no message in time")?
                .context("connection ended")??;
            match msg {
                Message::Text(text) => {
                    self.raw.push(text.as_str().to_owned());
                    let msg: ServerMsg = serde_json::from_str(text.as_str())
                        .with_context(|| format!("server sent something unparsable: {text}"))?;
                    self.note(&msg);
                    return Ok(msg);
                }
                Message::Close(frame) => bail!("closed: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Keeps a received message, and follows presence.
    fn note(&mut self, msg: &ServerMsg) {
        match msg {
            ServerMsg::Welcome { online, .. } | ServerMsg::Resume { online, .. } => {
                self.online = online.iter().copied().collect();
            }
            ServerMsg::Presence { joined, left, .. } => {
                self.online.extend(joined.iter().copied());
                for id in left {
                    self.online.remove(id);
                }
            }
            _ => {}
        }
        self.received.push(msg.clone());
    }

    /// Reads until who is online satisfies `check`.
    pub async fn wait_online(
        &mut self,
        check: impl Fn(&std::collections::BTreeSet<horseshoe_protocol::MemberId>) -> bool,
    ) -> anyhow::Result<()> {
        while !check(&self.online) {
            self.recv().await?;
        }
        Ok(())
    }

    /// Reads until `pick` returns something, for up to `limit` (of the runtime's clock, which
    /// a test may pause and let run ahead).
    pub async fn wait_within<T>(
        &mut self,
        limit: Duration,
        mut pick: impl FnMut(&ServerMsg) -> Option<T>,
    ) -> anyhow::Result<T> {
        tokio::time::timeout(limit, async {
            loop {
                let msg = self.socket.next().await.context("connection ended")??;
                if let Message::Text(text) = msg {
                    let msg: ServerMsg = serde_json::from_str(text.as_str())?;
                    self.note(&msg);
                    if let Some(found) = pick(&msg) {
                        return Ok(found);
                    }
                }
            }
        })
        .await
        .context("not seen in time")?
    }

    /// Reads until `pick` returns something; fails after [`WAIT`].
    pub async fn wait_for<T>(&mut self, mut pick: impl FnMut(&ServerMsg) -> Option<T>) -> anyhow::Result<T> {
        loop {
            let msg = self.recv().await?;
            if let Some(found) = pick(&msg) {
                return Ok(found);
            }
        }
    }

    /// Reads until an event of a change satisfies `pick` (given the change's `seq`).
    pub async fn wait_event<T>(
        &mut self,
        mut pick: impl FnMut(u64, &Event) -> Option<T>,
    ) -> anyhow::Result<T> {
        self.wait_for(|msg| {
            let seq = change_seq(msg)?;
            events_of(msg).iter().find_map(|e| pick(seq, e))
        })
        .await
    }

    /// Sends a command and waits for its answer: `Ok(seq)` on ack, `Err(reject)` otherwise.
    pub async fn run(&mut self, cmd: Command) -> anyhow::Result<Result<u64, ServerMsg>> {
        let id = self.command(cmd).await?;
        self.answer(&id).await
    }

    pub async fn answer(&mut self, id: &CommandId) -> anyhow::Result<Result<u64, ServerMsg>> {
        self.wait_for(|msg| match msg {
            ServerMsg::Ack { id: acked, seq } if acked == id => Some(Ok(*seq)),
            ServerMsg::Reject { id: rejected, .. } if rejected == id => Some(Err(msg.clone())),
            _ => None,
        })
        .await
    }

    /// The raw socket, for tests that read it themselves.
    pub fn into_stream(self) -> Socket {
        self.socket
    }

    /// Waits for the server's close frame; returns it.
    pub async fn closed(&mut self) -> anyhow::Result<Option<CloseFrame>> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.socket.next()).await.context("no close in time")?;
            match msg {
                Some(Ok(Message::Close(frame))) => return Ok(frame),
                Some(Ok(Message::Text(text))) => {
                    if let Ok(msg) = serde_json::from_str(text.as_str()) {
                        self.received.push(msg);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => bail!("connection failed before a close frame: {e}"),
                None => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::balance;

    #[test]
    fn a_url_naming_several_nodes_gives_each_in_turn() {
        let url = "ws://127.0.0.1:1,127.0.0.1:2/api/rooms/r/ws";
        let turns: Vec<String> = (0..3).map(|_| balance(url)).collect();
        assert_eq!(
            turns,
            [
                "ws://127.0.0.1:1/api/rooms/r/ws",
                "ws://127.0.0.1:2/api/rooms/r/ws",
                "ws://127.0.0.1:1/api/rooms/r/ws"
            ]
        );
        assert_eq!(balance("ws://127.0.0.1:1/api/rooms/r/ws"), "ws://127.0.0.1:1/api/rooms/r/ws");
    }
}
