//! SIGTERM with many clients connected: every socket is closed with 1012 (service restart),
//! everything acknowledged is on disk, and the process exits well within five seconds.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use horseshoe_protocol::{Command, Credentials, ServerMsg};
use horseshoe_tests::Client;
use horseshoe_tests::http;
use horseshoe_tests::process::ServerProcess;
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_horseshoe-under-test");
const CLIENTS: usize = 200;
const EXIT_WITHIN: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_every_socket_with_1012_saves_everything_and_exits_quickly() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = ServerProcess::start(BIN, dir.path(), &[]).await?;
    let room = http::create_room(server.addr, "{}").await?;
    let url = server.ws_url(&room.room_id);
    let mut clients = Vec::new();
    for n in 0..CLIENTS {
        let (mut client, _) =
            Client::join(&url, Credentials::Participant { token: None }, Some(&format!("p{n}"))).await?;
        if n % 20 == 0 {
            let answer = client
                .run(Command::SetCheckin { contribute: format!("c{n}"), get_out: String::new() })
                .await?;
            anyhow::ensure!(answer.is_ok(), "{answer:?}");
        }
        clients.push(client);
    }

    let started = Instant::now();
    let exited = tokio::spawn(server.terminate());
    let mut codes = Vec::new();
    for client in clients {
        let mut stream = client.into_stream();
        let code = tokio::time::timeout(EXIT_WITHIN, async {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Close(frame) = msg {
                    return frame.map(|f| u16::from(f.code));
                }
            }
            None
        })
        .await?;
        codes.push(code);
    }
    let clean = tokio::time::timeout(EXIT_WITHIN, exited).await???;
    let took = started.elapsed();
    println!("shutdown: {CLIENTS} clients closed, exit after {took:?}");
    assert!(clean, "the process did not exit cleanly");
    assert!(took < EXIT_WITHIN);
    assert!(codes.iter().all(|c| *c == Some(1012)), "close codes: {codes:?}");

    let server = ServerProcess::start(BIN, dir.path(), &[]).await?;
    let credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
    let (_c, welcome) = Client::join(&server.ws_url(&room.room_id), credentials, Some("Check")).await?;
    let ServerMsg::Welcome { room: state, .. } = welcome else { anyhow::bail!("no welcome") };
    assert_eq!(state.checkins.len(), CLIENTS / 20);
    assert_eq!(state.members.len(), CLIENTS + 1);
    server.terminate().await?;
    Ok(())
}
