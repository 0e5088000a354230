//! The command line: read the configuration, set up logging, bind, run until Ctrl-C or
//! SIGTERM. Shared by the `horseshoe` binary and the tests that run it as a real process.

use anyhow::Context as _;
use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use crate::Config;
use crate::config::LogFormat;

/// Runs the server as configured by the process's arguments and environment; or, as
/// `horseshoe health`, asks a running server on this machine whether it is healthy (for the
/// container's health check, which has no HTTP client).
pub fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("health") {
        return health();
    }
    let config = Config::parse();
    let filter = EnvFilter::try_from_env("HORSESHOE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Human => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    // On one core (a container's quota, a pinned process) tokio's one-thread scheduler: the same
    // tasks without the work-stealing scheduler's atomics and idle bookkeeping, which a lone
    // worker pays on every wake and every park (about 7% of the engine's CPU per delivery).
    // A machine that cannot tell its cores keeps the work-stealing runtime, as before.
    let one_core = std::thread::available_parallelism().is_ok_and(|cores| cores.get() == 1);
    let mut builder = if one_core {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = builder.enable_all().build()?;
    runtime.block_on(serve(config))
}

/// `GET /healthz` on the configured port of this machine; an error unless it answers 200.
fn health() -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let port = std::env::var("HORSESHOE_PORT")
        .ok()
        .or_else(|| {
            std::env::var("HORSESHOE_BIND").ok().and_then(|b| b.rsplit(':').next().map(str::to_owned))
        })
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(8080);
    let timeout = Some(std::time::Duration::from_secs(3));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(timeout)?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    anyhow::ensure!(answer.starts_with("HTTP/1.1 200"), "unhealthy: {}", answer.lines().next().unwrap_or(""));
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let addr = config.listen_addr();
    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let shown =
        if local.ip().is_unspecified() { format!("localhost:{}", local.port()) } else { local.to_string() };
    let node = config.node_id();
    let store = match &config.nats_url {
        // Not the URL itself: it may carry a password.
        Some(_) => "rooms in NATS JetStream".to_owned(),
        None => format!("rooms in {}", config.data_dir.display()),
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    // The address is printed once the store is open, so what waits for this line (a test, a
    // script) knows the server answers.
    let ready = move || {
        println!("Listening on http://{shown}/");
        tracing::info!(%node, store, "horseshoe started");
    };
    crate::run_and_say_when_ready(listener, config, shutdown, ready).await?;
    tracing::info!("horseshoe stopped");
    Ok(())
}

async fn stop_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
