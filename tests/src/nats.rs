//! A NATS server with JetStream for the tests of `--nats-url`: Debian's `nats-server` as a child
//! process on a free loopback port, over its own temporary store directory, killed when dropped.

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
        let Some(bin) = nats_server_binary() else {
            println!("{test}: SKIPPED: nats-server is not installed (apt-get install nats-server)");
            return Ok(None);
        };
        let store = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new(bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting nats-server")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let ready = tokio::time::timeout(crate::WAIT, async {
            while let Some(line) = lines.next_line().await? {
                if line.contains(READY_LINE) {
                    return Ok(());
                }
            }
            anyhow::bail!("nats-server stopped before it was ready")
        })
        .await
        .context("nats-server was not ready in time")?;
        ready?;
        // Keep reading its log, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Some(Self { child, url: format!("nats://127.0.0.1:{port}"), _store: store }))
    }

    /// Kills the server (also done on drop).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}
