//! NATS with JetStream for the tests of `--nats-url`: Debian's `nats-server` as child processes
//! on free loopback ports, each over its own temporary store directory, killed when dropped:
//! one server ([`NatsServer`]) or several routed into one cluster ([`NatsCluster`]).

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Where `nats-server` is looked for besides `PATH`: Debian installs it in `/usr/sbin`, which
/// is not on an ordinary user's `PATH`.
const NATS_SERVER_PLACES: &[&str] =
    &["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];
/// What `nats-server` logs once it accepts clients (with JetStream ready).
const READY_LINE: &str = "Server is ready";

pub struct NatsServer {
    child: Child,
    /// `nats://127.0.0.1:PORT`, for `--nats-url`.
    pub url: String,
    _store: tempfile::TempDir,
}

/// The `nats-server` binary, if this machine has one.
pub fn nats_server_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("nats-server"));
    on_path.chain(NATS_SERVER_PLACES.iter().map(PathBuf::from)).find(|p| p.is_file())
}

impl NatsServer {
    /// Starts `nats-server -js` on a free loopback port and waits until it is ready; `None`
    /// (having said why) when the binary is not installed.
    pub async fn start(test: &str) -> anyhow::Result<Option<Self>> {
        Self::start_on(test, free_port()?).await
    }

    /// As [`NatsServer::start`], on `port`.
    pub async fn start_on(test: &str, port: u16) -> anyhow::Result<Option<Self>> {
        let Some(bin) = nats_server_binary() else {
            println!("{test}: SKIPPED: nats-server is not installed (apt-get install nats-server)");
            return Ok(None);
        };
        let store = tempfile::tempdir()?;
        let mut args: Vec<String> = ["-js", "-a", "127.0.0.1", "-p"].map(String::from).into();
        args.push(port.to_string());
        args.extend(["-sd".into(), store.path().display().to_string()]);
        let child = spawn_ready(&bin, &args).await?;
        Ok(Some(Self { child, url: format!("nats://127.0.0.1:{port}"), _store: store }))
    }

    /// Every message of `subject` in the stream `stream`.
    pub async fn messages(&self, stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>> {
        messages(&[self.url.as_str()], stream, subject).await
    }

    /// Kills the server (also done on drop).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

/// How long a cluster of NATS servers may take to route to each other and elect the JetStream
/// meta leader (a wait for readiness, not a check of speed).
const CLUSTER_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A free loopback port (bound and let go: good enough on a test machine).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `n` free loopback ports, all different: each is held until all are found (one let go at
/// once can come back from the next bind, and two servers given one port, one stops).
fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let held = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect::<Result<Vec<_>, _>>()?;
    held.iter().map(|l| Ok(l.local_addr()?.port())).collect()
}

/// Lines of a server's log kept, to say what it was doing when a cluster did not form.
const LOG_TAIL_LINES: usize = 30;
/// Times a cluster is started, each on new ports, before its test fails: routes among servers
/// starting together now and then leave JetStream without its peers on a loaded machine, and
/// a server whose port another process took meanwhile stops while starting.
const CLUSTER_ATTEMPTS: usize = 2;

/// The last [`LOG_TAIL_LINES`] lines a server logged.
type LogTail = std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<String>>>;

/// Starts `bin` with `args`, waits for its ready line, then keeps reading its log.
async fn spawn_ready(bin: &std::path::Path, args: &[String]) -> anyhow::Result<Child> {
    spawn_logged(bin, args, LogTail::default()).await
}

/// [`spawn_ready`], keeping the tail of the log in `tail`.
async fn spawn_logged(bin: &std::path::Path, args: &[String], tail: LogTail) -> anyhow::Result<Child> {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting nats-server")?;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let said = tail.clone();
    let keep = move |line: String| {
        let mut tail = tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if tail.len() == LOG_TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    };
    let ready = tokio::time::timeout(crate::WAIT, async {
        while let Some(line) = lines.next_line().await? {
            let is_ready = line.contains(READY_LINE);
            keep(line);
            if is_ready {
                return Ok(());
            }
        }
        let said = said.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let said: Vec<&str> = said.iter().map(String::as_str).collect();
        anyhow::bail!("nats-server stopped before it was ready; its last lines:\n{}", said.join("\n"))
    })
    .await
    .context("nats-server was not ready in time")?;
    ready?;
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            keep(line);
        }
    });
    Ok(child)
}

/// One server of a [`NatsCluster`].
struct Member {
    child: Child,
    _store: tempfile::TempDir,
    log: LogTail,
}

/// `n` NATS servers with JetStream on loopback, routed to each other as one cluster (each with
/// its own store directory and server name), for rooms stored with several replicas and for
/// the loss of a server. Killed when dropped.
pub struct NatsCluster {
    members: Vec<Option<Member>>,
    urls: Vec<String>,
}

impl NatsCluster {
    /// Starts `n` servers routed to each other, and waits until JetStream answers with `n`
    /// replicas (the cluster has elected its meta leader); a cluster that does not form, or
    /// one of whose servers stops while starting, is started again on new ports, up to
    /// [`CLUSTER_ATTEMPTS`] times in all, and the error says what each server logged last.
    /// `None` (having said why) when the binary is not installed.
    pub async fn start(test: &str, n: usize) -> anyhow::Result<Option<Self>> {
        let Some(bin) = nats_server_binary() else {
            println!("{test}: SKIPPED: nats-server is not installed (apt-get install nats-server)");
            return Ok(None);
        };
        let mut attempt = 1;
        loop {
            // A server that stopped while starting (its port taken meanwhile) says why in `e`.
            let failed = match Self::start_once(&bin, n).await {
                Ok(cluster) => match cluster.wait_for_jetstream(n).await {
                    Ok(()) => return Ok(Some(cluster)),
                    Err(e) => e.context(cluster.logs()),
                },
                Err(e) => e,
            };
            if attempt >= CLUSTER_ATTEMPTS {
                return Err(failed);
            }
            eprintln!("{test}: the NATS cluster did not form ({failed:#}); again on new ports");
            attempt += 1;
        }
    }

    /// Starts `n` servers routed to each other, without waiting for JetStream.
    async fn start_once(bin: &std::path::Path, n: usize) -> anyhow::Result<Self> {
        let ports: Vec<(u16, u16)> = free_ports(2 * n)?.chunks(2).map(|p| (p[0], p[1])).collect();
        let cluster_name = format!("hs{}", uuid::Uuid::new_v4().simple());
        let starts = ports.iter().enumerate().map(|(i, (port, cluster_port))| {
            let routes: Vec<String> = ports
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, c))| format!("nats://127.0.0.1:{c}"))
                .collect();
            let cluster_name = cluster_name.clone();
            async move {
                let store = tempfile::tempdir()?;
                let mut args: Vec<String> = ["-js", "-a", "127.0.0.1", "-p"].map(String::from).into();
                args.push(port.to_string());
                args.extend(["-n".into(), format!("{cluster_name}-{i}")]);
                args.extend(["-sd".into(), store.path().display().to_string()]);
                args.extend(["--cluster".into(), format!("nats://127.0.0.1:{cluster_port}")]);
                args.extend(["--cluster_name".into(), cluster_name.clone()]);
                args.extend(["--routes".into(), routes.join(",")]);
                let log = LogTail::default();
                let child = spawn_logged(bin, &args, log.clone()).await?;
                anyhow::Ok(Member { child, _store: store, log })
            }
        });
        // Together: a server that does not see the others yet is not ready (no meta leader).
        let members = futures_util::future::try_join_all(starts).await?;
        let urls = ports.iter().map(|(port, _)| format!("nats://127.0.0.1:{port}")).collect();
        Ok(Self { members: members.into_iter().map(Some).collect(), urls })
    }

    /// The last lines each live server logged.
    fn logs(&self) -> String {
        let mut out = String::new();
        for (i, member) in self.members.iter().enumerate() {
            let Some(member) = member else { continue };
            let tail = member.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            out.push_str(&format!("--- nats-server {i}, its last {} lines:\n", tail.len()));
            for line in tail.iter() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// Every server (killed ones too: clients skip them), comma-separated, for `--nats-url`.
    pub fn url(&self) -> String {
        self.urls.join(",")
    }

    /// How many servers the cluster was started with.
    pub fn len(&self) -> usize {
        self.urls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// Waits until a JetStream client opens the rooms' stream and buckets with `replicas`
    /// copies: the meta leader is elected and enough servers are up.
    pub async fn wait_for_jetstream(&self, replicas: usize) -> anyhow::Result<()> {
        let url = self.url();
        let mut last = None;
        let answered = tokio::time::timeout(CLUSTER_WAIT, async {
            loop {
                match horseshoe::jetstream::JetStream::connect(&url, replicas, "probe", Default::default())
                    .await
                {
                    Ok(_) => return,
                    Err(e) => last = Some(e.to_string()),
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
        .await;
        answered.with_context(|| format!("JetStream did not answer with {replicas} replicas: {last:?}"))
    }

    /// Which server (by index) leads the JetStream stream `stream` now, as the cluster says.
    pub async fn stream_leader(&self, stream: &str) -> anyhow::Result<usize> {
        let live = self.urls.iter().zip(&self.members).filter(|(_, m)| m.is_some());
        let servers: Vec<async_nats::ServerAddr> =
            live.map(|(url, _)| url.parse()).collect::<Result<_, _>>().context("a server address")?;
        let client = async_nats::connect(servers).await.context("connecting to NATS")?;
        let js = async_nats::jetstream::new(client);
        // A busy cluster's JetStream API may miss an answer, or have no leader for a moment:
        // asked again until it answers, for as long as a test waits for anything.
        let deadline = tokio::time::Instant::now() + crate::WAIT;
        let leader = loop {
            let asked = async {
                let mut stream = js.get_stream(stream).await.context("the stream")?;
                let info = stream.info().await.context("the stream's info")?;
                info.cluster.as_ref().and_then(|c| c.leader.clone()).context("no stream leader")
            };
            match asked.await {
                Ok(leader) => break leader,
                Err(e) if tokio::time::Instant::now() < deadline => {
                    eprintln!("asking who leads {stream}: {e:#}; asking again");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        };
        let index = leader.rsplit('-').next().and_then(|i| i.parse().ok());
        index.with_context(|| format!("a leader not of this cluster: {leader}"))
    }

    /// Every message of `subject` in the stream `stream`, from the servers still running.
    pub async fn messages(&self, stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>> {
        let live: Vec<&str> = self
            .urls
            .iter()
            .zip(&self.members)
            .filter(|(_, m)| m.is_some())
            .map(|(u, _)| u.as_str())
            .collect();
        messages(&live, stream, subject).await
    }

    /// SIGKILL of server `i`: it dies at once, mid-whatever.
    pub async fn kill(&mut self, i: usize) -> anyhow::Result<()> {
        let mut member = self.members[i].take().context("already killed")?;
        member.child.kill().await?;
        Ok(())
    }
}

/// Every message of `subject` in the JetStream stream `stream`, as the servers `urls` hold them
/// now: its position in the stream and its payload (as text). For checking what was stored.
///
/// Right after a server of a cluster is killed, the stream (or JetStream itself) may be
/// electing a new leader and a request times out: each one is asked again until
/// [`crate::WAIT`] has passed. Only a sequence the stream says it has no message for (a deleted
/// one) is skipped.
pub async fn messages(urls: &[&str], stream: &str, subject: &str) -> anyhow::Result<Vec<(u64, String)>> {
    use async_nats::jetstream::stream::LastRawMessageErrorKind;
    let servers: Vec<async_nats::ServerAddr> =
        urls.iter().map(|url| url.parse()).collect::<Result<_, _>>().context("a server address")?;
    let client = async_nats::connect(servers).await.context("connecting to NATS")?;
    let js = async_nats::jetstream::new(client);
    let deadline = tokio::time::Instant::now() + READ_BACK_WAIT;
    // The lookup brings the stream's info, as of now, with it.
    let stream = again_until(deadline, "the stream", || js.get_stream(stream)).await?;
    let last = stream.cached_info().state.last_sequence;
    let mut found = Vec::new();
    for seq in 1..=last {
        let msg = loop {
            match stream.get_raw_message(seq).await {
                Ok(msg) => break Some(msg),
                Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => break None,
                Err(e) if tokio::time::Instant::now() >= deadline => {
                    return Err(e).with_context(|| format!("message {seq} of the stream"));
                }
                Err(_) => tokio::time::sleep(RETRY_PAUSE).await,
            }
        };
        if let Some(msg) = msg
            && msg.subject.as_str() == subject
        {
            found.push((msg.sequence, String::from_utf8_lossy(&msg.payload).into_owned()));
        }
    }
    Ok(found)
}

/// Between two tries of a request that did not answer.
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(200);

/// How long reading a stream back may wait for it to answer: right after a server of the
/// cluster is killed, a stream it led elects another leader first, which on a busy two-core
/// machine has taken longer than [`crate::WAIT`] (the lookup failed for 10 s once in CI).
const READ_BACK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// `request` until it answers or `deadline` passes (then its last error, as `what`).
async fn again_until<T, E, F>(
    deadline: tokio::time::Instant,
    what: &str,
    mut request: impl FnMut() -> F,
) -> anyhow::Result<T>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    loop {
        match request().await {
            Ok(answer) => return Ok(answer),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                // Some of the client's errors say nothing in their text: the kind is in Debug.
                let detail = format!("{e:?}");
                return Err(e).context(format!("{what}: {detail}"));
            }
            Err(_) => tokio::time::sleep(RETRY_PAUSE).await,
        }
    }
}
