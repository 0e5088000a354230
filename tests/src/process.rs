//! The server as a real child process, for tests that kill it or signal it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a server may take to save its rooms and exit after SIGTERM.
pub const STOP_WAIT: Duration = Duration::from_secs(30);

pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts the server binary `bin` (an integration test passes
    /// `env!("CARGO_BIN_EXE_horseshoe-under-test")`, the same code as `horseshoe`) on a free
    /// loopback port over `data_dir`, and waits until it says where it listens.
    pub async fn start(bin: &str, data_dir: &Path, extra: &[&str]) -> anyhow::Result<Self> {
        let mut child = Command::new(bin)
            .args(["--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("HORSESHOE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(crate::WAIT, lines.next_line())
            .await
            .context("the server did not say it was listening")??;
        let Some(line) = line else {
            let status = child.wait().await?;
            anyhow::bail!("the server exited before it was ready ({status}); its log is above");
        };
        let url = line.strip_prefix("Listening on http://").context("unexpected first line")?;
        let addr = url.trim_end_matches('/').parse()?;
        Ok(Self { child, addr })
    }

    /// SIGKILL: the process dies at once, mid-whatever.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// SIGTERM, then waits for the exit; returns whether it exited successfully. A server that
    /// is still there [`STOP_WAIT`] later is an error (and is killed when dropped), not a test
    /// that waits for ever.
    pub async fn terminate(mut self) -> anyhow::Result<bool> {
        let pid = self.child.id().context("already gone")?;
        let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await?;
        anyhow::ensure!(status.success(), "kill -TERM failed");
        let exited = tokio::time::timeout(STOP_WAIT, self.child.wait())
            .await
            .with_context(|| format!("the server did not exit within {STOP_WAIT:?} of SIGTERM"))?;
        Ok(exited?.success())
    }

    pub fn ws_url(&self, room: &str) -> String {
        format!("ws://{}/api/rooms/{room}/ws", self.addr)
    }
}
