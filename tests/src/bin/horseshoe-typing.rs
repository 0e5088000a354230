//! The typing benchmark (issue 12): how long a keystroke in a shared text takes to reach the
//! other screens of a room. One room of `--clients` people (a facilitator and participants) in
//! groups; `--writers` of them, two to a group's sentence, type at `--rate` keystrokes a second
//! each (a character typed, the next one deleted again, so the sentence stays within its cap),
//! every keystroke one `text.edit` with a real Yjs update. Every other connection reads the
//! `text.changed` it causes; the time from the send to each arrival is a sample. Loopback only;
//! stops by itself. `cargo run --release -p horseshoe-tests --bin horseshoe-typing -- --addr
//! 127.0.0.1:8080`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use horseshoe_protocol::{
    ClientMsg, Command, CommandId, Credentials, Event, GroupId, MemberId, PROTOCOL_VERSION, RoomState,
    ServerMsg, TextTarget,
};
use horseshoe_tests::{Typist, fresh_client_id, http};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[derive(Parser)]
struct Args {
    /// The server, on a loopback address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// People in the room (a facilitator and participants).
    #[arg(long, default_value_t = 20)]
    clients: usize,
    /// Of them, how many type at once (two to a sentence).
    #[arg(long, default_value_t = 4)]
    writers: usize,
    /// Keystrokes a second per writer.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Seconds of typing measured, after the warm-up.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Seconds of typing not measured, first.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// When each keystroke (by its update) was sent, and whether it is measured.
type Sent = Arc<Mutex<HashMap<String, (Instant, bool)>>>;

async fn hello(
    url: &str,
    credentials: Credentials,
    name: &str,
) -> anyhow::Result<(Socket, Option<MemberId>, RoomState)> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    let hello = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        credentials,
        client: fresh_client_id(),
        name: Some(name.into()),
        last_seq: None,
    };
    socket.send(Message::text(serde_json::to_string(&hello)?)).await?;
    loop {
        let msg = socket.next().await.context("closed before welcome")??;
        if let Message::Text(text) = msg
            && let ServerMsg::Welcome { you, room, .. } = serde_json::from_str(text.as_str())?
        {
            return Ok((socket, you.member_id, *room));
        }
    }
}

/// Sends a command and reads until its answer (what else arrives is dropped).
async fn run(socket: &mut Socket, id: u64, cmd: Command) -> anyhow::Result<()> {
    let msg = ClientMsg::Cmd { id: CommandId(id), cmd };
    socket.send(Message::text(serde_json::to_string(&msg)?)).await?;
    loop {
        let msg = socket.next().await.context("closed")??;
        let Message::Text(text) = msg else { continue };
        match serde_json::from_str(text.as_str())? {
            ServerMsg::Ack { id: acked, .. } if acked.0 == id => return Ok(()),
            ServerMsg::Reject { id: refused, message, .. } if refused.0 == id => bail!("refused: {message}"),
            _ => {}
        }
    }
}

/// Reads every frame until `until`, recording each keystroke's arrival.
async fn read(mut socket: Socket, sent: Sent, samples: Arc<Mutex<Histogram<u64>>>, until: Instant) -> usize {
    let mut seen = 0;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(until.into(), socket.next()).await {
        let Message::Text(text) = msg else { continue };
        let Ok(ServerMsg::Change { events, .. }) = serde_json::from_str(text.as_str()) else { continue };
        let now = Instant::now();
        for event in events {
            let Event::TextChanged { update, .. } = event else { continue };
            let Some((at, measured)) = sent.lock().ok().and_then(|s| s.get(&update).copied()) else {
                continue;
            };
            if measured {
                let micros = u64::try_from(now.duration_since(at).as_micros()).unwrap_or(u64::MAX);
                if let Ok(mut h) = samples.lock() {
                    let _ = h.record(micros.max(1));
                }
                seen += 1;
            }
        }
    }
    seen
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.addr.ip().is_loopback(), "loopback addresses only");
    anyhow::ensure!(
        args.writers >= 2 && args.writers < args.clients,
        "2 or more writers, fewer than the clients"
    );
    let created = http::request(args.addr, "POST", "/api/rooms", Some(r#"{"title":"typing"}"#)).await?;
    let room = created.json()?;
    let (id, key) =
        (room["room_id"].as_str().unwrap_or_default(), room["facilitator_key"].as_str().unwrap_or_default());
    let url = format!("ws://{}/api/rooms/{id}/ws", args.addr);

    let (mut fac, _, _) =
        hello(&url, Credentials::Facilitator { key: key.into(), token: None }, "Facilitator").await?;
    let mut people = Vec::new();
    for n in 1..args.clients {
        people.push(hello(&url, Credentials::Participant { token: None }, &format!("p{n}")).await?);
    }
    run(&mut fac, 1, Command::SetStep { step: 3 }).await?;
    run(&mut fac, 2, Command::FormGroups).await?;
    // The groups as formed: a fresh look at the room.
    let (probe, _, state) = hello(&url, Credentials::Viewer, "probe").await?;
    drop(probe);
    let mut groups: Vec<(GroupId, Vec<MemberId>)> =
        state.definitions.groups.values().map(|g| (g.id, g.members.clone())).collect();
    groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));

    // Writers: two to a group's sentence.
    let mut writers = Vec::new();
    for (group, members) in &groups {
        for member in members.iter().take(2) {
            if writers.len() < args.writers {
                writers.push((*member, *group));
            }
        }
    }
    anyhow::ensure!(writers.len() == args.writers, "not enough groups of two for {} writers", args.writers);

    let sent: Sent = Arc::default();
    let samples = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?));
    let start = Instant::now() + Duration::from_millis(200);
    let measure_from = start + Duration::from_secs(args.warmup);
    let stop = measure_from + Duration::from_secs(args.duration);
    let until = stop + Duration::from_secs(2);
    // The facilitator's screen is one of the others too.
    let mut readers = vec![tokio::spawn(read(fac, sent.clone(), samples.clone(), until))];
    let mut typists = Vec::new();
    for (socket, member, _) in people {
        match writers.iter().position(|(m, _)| Some(*m) == member) {
            None => readers.push(tokio::spawn(read(socket, sent.clone(), samples.clone(), until))),
            Some(w) => {
                let target = TextTarget::Definition { group: writers[w].1 };
                let (mut sink, stream) = socket.split();
                // A writer reads too (its own frames come back), or it would be closed as slow.
                let drain = tokio::spawn(async move {
                    let mut stream = stream;
                    while let Ok(Some(Ok(_))) = tokio::time::timeout_at(until.into(), stream.next()).await {}
                });
                let sent = sent.clone();
                let period = Duration::from_secs_f64(1.0 / args.rate);
                typists.push(tokio::spawn(async move {
                    let doc = Typist::new(10_000 + w as u64);
                    let mut next = start + period.mul_f64(w as f64 / args.writers as f64);
                    let mut k = 0u64;
                    while next < stop {
                        tokio::time::sleep_until(next.into()).await;
                        let update = if k.is_multiple_of(2) {
                            doc.insert(doc.len(), "x")
                        } else {
                            doc.delete(doc.len() - 1, 1)
                        };
                        let now = Instant::now();
                        if let Ok(mut s) = sent.lock() {
                            s.insert(update.clone(), (now, now >= measure_from));
                        }
                        k += 1;
                        let msg = ClientMsg::Cmd {
                            id: CommandId(k),
                            cmd: Command::EditText { target: target.clone(), update },
                        };
                        let Ok(text) = serde_json::to_string(&msg) else { break };
                        if sink.send(Message::text(text)).await.is_err() {
                            break;
                        }
                        next += period;
                    }
                    let _ = drain.await;
                    k
                }));
            }
        }
    }
    let mut keystrokes = 0;
    for t in typists {
        keystrokes += t.await?;
    }
    let mut arrivals = 0;
    for r in readers {
        arrivals += r.await?;
    }
    let h = samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let measured = sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.values().filter(|(_, m)| *m).count();
    let expected = measured * (args.clients - args.writers);
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "typing: {} people, {} writers at {}/s, {keystrokes} keystrokes ({measured} measured), {arrivals} arrivals of {expected} expected",
        args.clients, args.writers, args.rate
    );
    println!(
        "keystroke to other screens: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(0.50),
        ms(0.90),
        ms(0.99),
        h.max() as f64 / 1000.0
    );
    anyhow::ensure!(arrivals == expected, "keystrokes were lost: {arrivals} of {expected}");
    Ok(())
}
