//! Several Horseshoe nodes serving the same rooms through NATS JetStream (issue 15): in this
//! process ([`Nodes`]), or as child processes to kill ([`NodeProcesses`]).

use std::path::Path;

use horseshoe::Config;

use crate::TestServer;
use crate::process::ServerProcess;

/// The configuration of node `name` over the NATS servers `nats_url`, with `replicas` copies.
pub fn node_config(data_dir: &Path, nats_url: &str, name: &str, replicas: usize) -> Config {
    let mut config = Config::for_data_dir(data_dir);
    config.nats_url = Some(nats_url.to_owned());
    config.node_id = Some(name.to_owned());
    config.nats_replicas = replicas;
    config
}

/// `n` nodes in this process, `node-1` to `node-n`, over the same NATS, each on its own (empty)
/// data directory.
pub struct Nodes {
    pub nodes: Vec<TestServer>,
    _dirs: Vec<tempfile::TempDir>,
}

impl Nodes {
    pub async fn start(nats_url: &str, n: usize) -> anyhow::Result<Self> {
        Self::start_with_replicas(nats_url, n, 1).await
    }

    pub async fn start_with_replicas(nats_url: &str, n: usize, replicas: usize) -> anyhow::Result<Self> {
        let (mut nodes, mut dirs) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 1..=n {
            let dir = tempfile::tempdir()?;
            let config = node_config(dir.path(), nats_url, &format!("node-{i}"), replicas);
            let mut node = TestServer::start_with(config).await?;
            node.ready().await?;
            nodes.push(node);
            dirs.push(dir);
        }
        Ok(Self { nodes, _dirs: dirs })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node `i` (round robin: any number picks a node).
    pub fn node(&self, i: usize) -> &TestServer {
        &self.nodes[i % self.nodes.len()]
    }

    /// The room's WebSocket URL on node `i` (round robin).
    pub fn ws_url(&self, i: usize, room: &str) -> String {
        self.node(i).ws_url(room)
    }

    /// Stops every node as SIGTERM does.
    pub async fn stop(self) -> anyhow::Result<()> {
        for node in self.nodes {
            node.stop().await?;
        }
        Ok(())
    }
}

/// `n` nodes as child processes (the binary `bin`), to kill with SIGKILL.
pub struct NodeProcesses {
    pub nodes: Vec<Option<ServerProcess>>,
    _dirs: Vec<tempfile::TempDir>,
}

impl NodeProcesses {
    pub async fn start(bin: &str, nats_url: &str, n: usize, replicas: usize) -> anyhow::Result<Self> {
        let (mut nodes, mut dirs) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 1..=n {
            let dir = tempfile::tempdir()?;
            let (name, replicas) = (format!("node-{i}"), replicas.to_string());
            let flags = ["--nats-url", nats_url, "--node-id", &name, "--nats-replicas", &replicas];
            nodes.push(Some(ServerProcess::start(bin, dir.path(), &flags).await?));
            dirs.push(dir);
        }
        Ok(Self { nodes, _dirs: dirs })
    }

    /// Node `i`, while it lives.
    pub fn node(&self, i: usize) -> anyhow::Result<&ServerProcess> {
        use anyhow::Context as _;
        self.nodes[i].as_ref().with_context(|| format!("node {i} was killed"))
    }

    /// SIGKILL of node `i`.
    pub async fn kill(&mut self, i: usize) -> anyhow::Result<()> {
        use anyhow::Context as _;
        self.nodes[i].take().with_context(|| format!("node {i} was killed already"))?.kill().await
    }
}

/// The server under test as child processes, to kill: one node on `data_dir` (SQLite), or with
/// `HORSESHOE_TEST_NODES=N` ([`crate::nodes_under_test`]) N nodes over one NATS server.
pub struct ProcessesUnderTest {
    bin: String,
    data_dir: std::path::PathBuf,
    nodes: Vec<ServerProcess>,
    nats: Option<crate::nats::NatsServer>,
}

impl ProcessesUnderTest {
    pub async fn start(bin: &str, data_dir: &Path) -> anyhow::Result<Self> {
        let n = crate::nodes_under_test();
        let nats = if n > 1 {
            use anyhow::Context as _;
            let nats = crate::nats::NatsServer::start("HORSESHOE_TEST_NODES").await?;
            Some(nats.context("HORSESHOE_TEST_NODES asks for a cluster, which needs nats-server")?)
        } else {
            None
        };
        let mut this = Self { bin: bin.to_owned(), data_dir: data_dir.to_owned(), nodes: Vec::new(), nats };
        for i in 0..n {
            let node = this.start_node(i).await?;
            this.nodes.push(node);
        }
        Ok(this)
    }

    async fn start_node(&self, i: usize) -> anyhow::Result<ServerProcess> {
        match &self.nats {
            None => ServerProcess::start(&self.bin, &self.data_dir, &[]).await,
            Some(nats) => {
                let name = format!("node-{}", i + 1);
                let flags = ["--nats-url", nats.url.as_str(), "--node-id", name.as_str()];
                ServerProcess::start(&self.bin, &self.data_dir, &flags).await
            }
        }
    }

    /// The first node's address, for HTTP.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.nodes[0].addr
    }

    /// The room's WebSocket URL naming every node ([`crate::balance`] takes them in turn).
    pub fn ws_url(&self, room: &str) -> String {
        let hosts: Vec<String> = self.nodes.iter().map(|n| n.addr.to_string()).collect();
        format!("ws://{}/api/rooms/{room}/ws", hosts.join(","))
    }

    /// SIGKILL of the first node, then the node again (on the same data directory, or the same
    /// NATS), on a new port.
    pub async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        self.nodes.remove(0).kill().await?;
        let fresh = self.start_node(0).await?;
        self.nodes.insert(0, fresh);
        Ok(())
    }

    /// SIGTERM to every node; whether each exited successfully.
    pub async fn terminate(self) -> anyhow::Result<bool> {
        let mut ok = true;
        for node in self.nodes {
            ok &= node.terminate().await?;
        }
        Ok(ok)
    }
}
