//! A client that stops reading is closed once its queue passes the cap; the room goes on for
//! everyone else with nothing lost.

use futures_util::SinkExt;
use horseshoe_protocol::{Command, Credentials, ServerMsg};
use horseshoe_tests::http;
use horseshoe_tests::{Client, TestServer};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

/// Enough writing rounds to overflow a stalled reader's queue and socket buffers many times.
const MAX_ROUNDS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_reader_is_closed_and_nobody_else_loses_anything() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let url = server.ws_url(&room.room_id);
    let (mut watcher, _) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Watcher")).await?;

    // The stalled client: a small receive buffer, a hello, and then it never reads again.
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(4096)?;
    let stream = socket.connect(server.addr).await?;
    let (mut stalled, _) = tokio_tungstenite::client_async(url.as_str(), stream).await?;
    let hello = horseshoe_tests::participant_hello("Stalled");
    stalled.send(Message::text(serde_json::to_string(&hello)?)).await?;
    watcher.wait_online(|online| online.len() == 2).await?;
    let stalled_joined = watcher.online.clone();

    // A writer posts long check-ins, reconnecting each round (same person) to stay within its
    // rate limit, until the stalled client is dropped from presence.
    let (_first, welcome) =
        Client::join(&url, Credentials::Participant { token: None }, Some("Writer")).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome") };
    let token = you.token;
    // Three-byte characters make each event several KiB, so the stalled reader's socket and
    // queue fill in a few seconds.
    let long = "€".repeat(horseshoe_protocol::limits::MAX_CHECKIN_CHARS - 3);
    let mut dropped = false;
    let mut rounds = 0;
    while !dropped && rounds < MAX_ROUNDS {
        rounds += 1;
        let (writer, _) =
            Client::rejoin(&url, Credentials::Participant { token: token.clone() }, None, None).await?;
        let mut writer = writer.numbering_from(rounds as u64 * 1000);
        for n in 0..50 {
            let answer = writer
                .run(Command::SetCheckin { contribute: format!("{n}{long}"), get_out: long.clone() })
                .await?;
            anyhow::ensure!(answer.is_ok(), "the writer was slowed or refused: {answer:?}");
        }
        // Drain what the watcher got so far; see whether the stalled member is gone.
        while let Ok(msg) = tokio::time::timeout(std::time::Duration::from_millis(1), watcher.recv()).await {
            msg?;
            dropped |= stalled_joined.iter().any(|id| !watcher.online.contains(id));
        }
    }
    if !dropped {
        let metrics = http::request(server.addr, "GET", "/metrics", None).await?;
        anyhow::bail!("the stalled client was never closed in {rounds} rounds:\n{}", metrics.body);
    }

    // The watcher saw every event, in order, with no gap.
    let seqs: Vec<u64> = watcher.received.iter().filter_map(horseshoe_tests::change_seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "the watcher missed events");
    let metrics = http::request(server.addr, "GET", "/metrics", None).await?;
    assert!(!metrics.body.contains("horseshoe_slow_consumers_closed_total 0\n"), "{}", metrics.body);
    println!("slow: closed after {rounds} rounds of 50 check-ins; watcher saw {} events", seqs.len());
    server.stop().await?;
    Ok(())
}
