//! The load generator: thousands of real WebSocket clients in many rooms, sending on a fixed
//! schedule (open loop: a slow server cannot slow the sender), with latency measured from each
//! message's scheduled send time to its arrival at every other member, into HDR histograms.
//!
//! Two wires: `horseshoe` (the real protocol: participants join with `hello`, each owns a
//! revealed post-it and drops it at new positions; optional drag previews) and `relay` (any
//! broadcast server: `ws://HOST/<prefix><room>`, every text frame goes to every other client on
//! the path; frames carry the sender, a counter and the scheduled time). It prints offered and
//! delivered rates, latency percentiles, lost and reordered counts, the server's CPU time per
//! delivered message and memory per connection (from /proc), and its own CPU use. Every run is
//! bounded in time. Loopback only: the address must be 127.0.0.0/8 or ::1.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Parser, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use horseshoe_protocol::{ClientMsg, Command, CommandId, Credentials, ItemId, PROTOCOL_VERSION, ServerMsg};
use horseshoe_tests::http;
use serde::Deserialize;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Wire {
    Horseshoe,
    Relay,
}

#[derive(Debug, Clone, Parser)]
#[command(name = "horseshoe-load")]
struct Args {
    /// Which wire to speak.
    #[arg(long, value_enum, default_value = "horseshoe")]
    wire: Wire,
    /// The server (loopback only).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Relay path prefix: `/` for a plain relay, `/bench/relay/` for Horseshoe's relay mode.
    #[arg(long, default_value = "/")]
    prefix: String,
    #[arg(long, default_value_t = 100)]
    rooms: usize,
    /// Clients per room.
    #[arg(long, default_value_t = 20)]
    clients: usize,
    /// Durable messages per second per client (moves, or relay frames).
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Drag previews per second per client (horseshoe wire).
    #[arg(long, default_value_t = 0.0)]
    previews: f64,
    /// Relay frame size in bytes.
    #[arg(long, default_value_t = 128)]
    frame_bytes: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of sending before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Fraction of clients that stop reading once they have joined.
    #[arg(long, default_value_t = 0.0)]
    stall: f64,
    /// Joins per second while connecting (0: as fast as 64 at a time allow). In a big room every
    /// join reaches every member, so a paced join wave keeps the readers of the generator (one
    /// core) ahead of the server's slow-consumer limit.
    #[arg(long, default_value_t = 0.0)]
    join_rate: f64,
    /// Connect, send nothing, and report memory per connection.
    #[arg(long)]
    idle: bool,
    /// Join storm: this many clients join one room within a second.
    #[arg(long)]
    join_storm: Option<usize>,
    /// The join storm room's snapshot size to build first, in KiB.
    #[arg(long, default_value_t = 200)]
    snapshot_kib: usize,
    /// The server's process id, for its CPU time and memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Exit with an error if anything was lost, reordered or refused (for the CI smoke run).
    #[arg(long)]
    check: bool,
    /// A name for the run, printed with the figures.
    #[arg(long, default_value = "run")]
    label: String,
}

/// Scheduled send times, by client and counter, shared by all clients of this process.
const SLOTS: usize = 8192;
/// Longest time a run may take beyond its schedule before it is cut.
const GRACE: Duration = Duration::from_secs(5);
/// Wall coordinates encode the counter of a move.
const WALL_W: u64 = 4000;
const WALL_H: u64 = 3000;

/// When sending starts, when measuring starts, when both end.
#[derive(Debug, Clone, Copy)]
struct Plan {
    start: Instant,
    measure: Instant,
    end: Instant,
}

struct Shared {
    base: Instant,
    sent_at: Vec<AtomicU64>,
}

impl Shared {
    fn ns(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.base).as_nanos() as u64
    }
}

/// What one client measured.
struct Stats {
    latency: Histogram<u64>,
    received: u64,
    previews: u64,
    lost: u64,
    reordered: u64,
    errors: u64,
    sent: u64,
}

impl Stats {
    fn new() -> Self {
        Self {
            latency: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"),
            received: 0,
            previews: 0,
            lost: 0,
            reordered: 0,
            errors: 0,
            sent: 0,
        }
    }

    fn merge(&mut self, other: &Stats) {
        let _ = self.latency.add(&other.latency);
        self.received += other.received;
        self.previews += other.previews;
        self.lost += other.lost;
        self.reordered += other.reordered;
        self.errors += other.errors;
        self.sent += other.sent;
    }
}

/// CPU seconds (user + system) and resident memory of a process, from /proc.
fn proc_usage(pid: Option<u32>) -> Option<(f64, u64)> {
    let path = pid.map_or_else(|| "self".to_owned(), |p| p.to_string());
    let stat = std::fs::read_to_string(format!("/proc/{path}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{path}/status")).ok()?;
    let rss_kib =
        status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((ticks / 100.0, rss_kib))
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut futures_util::stream::SplitSink<Ws, Message>, msg: &ClientMsg) -> anyhow::Result<()> {
    ws.send(Message::text(serde_json::to_string(msg)?)).await?;
    Ok(())
}

/// Reads until a message `pick` accepts.
type Sink = futures_util::stream::SplitSink<Ws, Message>;
type Stream = futures_util::stream::SplitStream<Ws>;

/// Connects to `url` and says `hello` as `credentials` under `name`.
async fn connect(url: &str, credentials: Credentials, name: String) -> anyhow::Result<(Sink, Stream)> {
    let (ws, _) = tokio_tungstenite::connect_async(url).await?;
    let (mut sink, stream) = ws.split();
    let hello =
        ClientMsg::Hello { protocol: PROTOCOL_VERSION, credentials, name: Some(name), last_seq: None };
    send(&mut sink, &hello).await?;
    Ok((sink, stream))
}

async fn expect<T>(
    ws: &mut futures_util::stream::SplitStream<Ws>,
    mut pick: impl FnMut(ServerMsg) -> Option<T>,
) -> anyhow::Result<T> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next()).await?.context("closed")??;
        if let Message::Text(text) = msg
            && let Some(found) = pick(serde_json::from_str(text.as_str())?)
        {
            return Ok(found);
        }
    }
}

/// One client of the horseshoe wire, joined and owning a note (`n{me}`), ready to move it.
struct Joined {
    me: usize,
    sink: futures_util::stream::SplitSink<Ws, Message>,
    /// Reads from the moment of joining (a member that stopped reading while the others join
    /// would rightly be closed as a slow consumer) and measures once the plan is set.
    reader: tokio::task::JoinHandle<Stats>,
}

/// The run's plan, set once everyone has joined; readers started before it wait for it.
/// The run's plan, published once every client has joined.
type PlanCell = tokio::sync::watch::Receiver<Option<Plan>>;

/// Reads everything a horseshoe client receives: before the plan, only to keep up; from
/// `measure` on, counting. A stalled client stops reading when sending starts.
async fn read_horseshoe(
    mut stream: futures_util::stream::SplitStream<Ws>,
    me: usize,
    shared: Arc<Shared>,
    mut plan: PlanCell,
    stalled: bool,
) -> Stats {
    let mut stats = Stats::new();
    let mut last_seq = None;
    loop {
        let now = Instant::now();
        let current = *plan.borrow();
        if let Some(p) = current {
            if now >= p.end + Duration::from_secs(1) {
                break;
            }
            if stalled && now >= p.start {
                tokio::time::sleep_until(p.end + GRACE).await;
                break;
            }
        }
        let next = match current {
            // Until the plan is published, read and wait for it at once (no polling: an idle
            // run holds thousands of these).
            None => tokio::select! {
                changed = plan.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    continue;
                }
                msg = stream.next() => msg,
            },
            // A stalled client wakes up when sending starts, to stop reading.
            Some(p) if stalled => match tokio::time::timeout_at(p.start, stream.next()).await {
                Err(_) => continue,
                Ok(msg) => msg,
            },
            Some(p) => match tokio::time::timeout_at(p.end + Duration::from_secs(1), stream.next()).await {
                Err(_) => continue,
                Ok(msg) => msg,
            },
        };
        let Some(Ok(msg)) = next else { break };
        let Message::Text(text) = msg else { continue };
        // Only what is measured is read out of each frame: a full parse of every message would
        // make the generator, not the server, the limit.
        let Ok(msg) = serde_json::from_str::<Peek>(text.as_str()) else {
            stats.errors += 1;
            continue;
        };
        let now = Instant::now();
        let measuring = current.is_some_and(|p| now >= p.measure);
        match msg.kind {
            "event" => {
                let Some(seq) = msg.seq else {
                    stats.errors += 1;
                    continue;
                };
                if let Some(last) = last_seq {
                    if seq <= last {
                        stats.reordered += 1;
                    } else if seq > last + 1 {
                        stats.lost += seq - last - 1;
                    }
                }
                last_seq = Some(seq);
                let Some(PeekEvent { kind: "note.set", note: Some(note) }) = msg.event else { continue };
                let Some(sender) = note.id.strip_prefix('n').and_then(|s| s.parse::<usize>().ok()) else {
                    continue;
                };
                if sender == me || !measuring || !note.revealed {
                    continue;
                }
                let k = note.y as u64 * WALL_W + note.x as u64;
                let sent = shared.sent_at[sender * SLOTS + (k as usize % SLOTS)].load(Ordering::Acquire);
                if sent > 0 {
                    stats.received += 1;
                    let _ = stats.latency.record((shared.ns(now).saturating_sub(sent) / 1000).max(1));
                }
            }
            "welcome" => last_seq = msg.room.map(|r| r.seq),
            "drag" if measuring => stats.previews += 1,
            "reject" | "error" => stats.errors += 1,
            _ => {}
        }
    }
    stats
}

/// The parts of a server message the generator reads; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    seq: Option<u64>,
    #[serde(borrow)]
    event: Option<PeekEvent<'a>>,
    room: Option<PeekRoom>,
}

#[derive(Deserialize)]
struct PeekEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    note: Option<PeekNote<'a>>,
}

#[derive(Deserialize)]
struct PeekNote<'a> {
    #[serde(borrow)]
    id: &'a str,
    x: f64,
    y: f64,
    revealed: bool,
}

#[derive(Deserialize)]
struct PeekRoom {
    seq: u64,
}

async fn join_horseshoe(
    addr: SocketAddr,
    room: &str,
    me: usize,
    shared: Arc<Shared>,
    plan: PlanCell,
    stalled: bool,
    add_note: bool,
) -> anyhow::Result<Joined> {
    let url = format!("ws://{addr}/api/rooms/{room}/ws");
    let (mut sink, mut stream) =
        connect(&url, Credentials::Participant { token: None }, format!("load {me}")).await?;
    expect(&mut stream, |m| matches!(m, ServerMsg::Welcome { .. }).then_some(())).await?;
    if add_note {
        let add = ClientMsg::Cmd {
            id: CommandId("add".into()),
            cmd: Command::AddNote { id: ItemId(format!("n{me}")), text: format!("grow {me}") },
        };
        send(&mut sink, &add).await?;
        expect(&mut stream, |m| matches!(m, ServerMsg::Ack { .. } | ServerMsg::Reject { .. }).then_some(()))
            .await?;
    }
    let reader = tokio::spawn(read_horseshoe(stream, me, shared, plan, stalled));
    Ok(Joined { me, sink, reader })
}

/// Moves the client's note on schedule (and sends previews), and measures what others move.
async fn run_horseshoe(client: Joined, args: Arc<Args>, shared: Arc<Shared>, plan: Plan) -> Stats {
    let Plan { start, end, .. } = plan;
    let Joined { me, mut sink, reader } = client;
    let mut sent = 0;
    let period = Duration::from_secs_f64(1.0 / args.rate.max(0.001));
    let preview_period = (args.previews > 0.0).then(|| Duration::from_secs_f64(1.0 / args.previews));
    // Spread clients over the period so that they do not all send at once.
    let phase = period.mul_f64((me as f64 * 0.618_034).fract());
    let (mut k, mut next_move, mut next_preview) = (0_u64, start + phase, start + phase / 2);
    let mut errors = 0;
    loop {
        let preview_due = preview_period.is_some() && next_preview < next_move;
        let at = if preview_due { next_preview } else { next_move };
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at).await;
        let (x, y) = ((k % WALL_W) as i32, ((k / WALL_W) % WALL_H) as i32);
        let msg = if preview_due {
            next_preview += preview_period.unwrap_or(period);
            ClientMsg::Drag { id: ItemId(format!("n{me}")), x, y }
        } else {
            shared.sent_at[me * SLOTS + ((k % (WALL_W * WALL_H)) as usize % SLOTS)]
                .store(shared.ns(at), Ordering::Release);
            k += 1;
            next_move += period;
            sent += 1;
            let cmd = Command::DropNote { id: ItemId(format!("n{me}")), x, y, onto: None };
            ClientMsg::Cmd { id: CommandId(format!("m{k}")), cmd }
        };
        if send(&mut sink, &msg).await.is_err() {
            errors += 1;
            break;
        }
    }
    let mut stats = reader.await.unwrap_or_else(|_| Stats::new());
    stats.sent = sent;
    stats.errors += errors;
    stats
}

/// One relay client: sends padded frames on schedule, measures everyone else's.
async fn run_relay(
    url: String,
    me: usize,
    args: Arc<Args>,
    shared: Arc<Shared>,
    plan: Plan,
    stalled: bool,
) -> anyhow::Result<Stats> {
    let Plan { start, measure, end } = plan;
    let (ws, _) = tokio_tungstenite::connect_async(&url).await?;
    let (mut sink, mut stream) = ws.split();
    let reader = tokio::spawn({
        let shared = shared.clone();
        async move {
            let mut stats = Stats::new();
            if stalled {
                tokio::time::sleep_until(end + GRACE).await;
                return stats;
            }
            let mut last: HashMap<usize, u64> = HashMap::new();
            let deadline = end + Duration::from_secs(1);
            while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, stream.next()).await {
                let Message::Text(text) = msg else { continue };
                let mut parts = text.as_str().split(' ');
                let (Some(s), Some(k), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
                    stats.errors += 1;
                    continue;
                };
                let (Ok(sender), Ok(k), Ok(t)) = (s.parse::<usize>(), k.parse::<u64>(), t.parse::<u64>())
                else {
                    stats.errors += 1;
                    continue;
                };
                if sender == me {
                    continue;
                }
                match last.insert(sender, k) {
                    Some(prev) if k <= prev => stats.reordered += 1,
                    Some(prev) if k > prev + 1 => stats.lost += k - prev - 1,
                    _ => {}
                }
                let now = Instant::now();
                if now >= measure {
                    stats.received += 1;
                    let _ = stats.latency.record((shared.ns(now).saturating_sub(t) / 1000).max(1));
                }
            }
            stats
        }
    });
    let period = Duration::from_secs_f64(1.0 / args.rate.max(0.001));
    let phase = period.mul_f64((me as f64 * 0.618_034).fract());
    let mut k = 0_u64;
    let mut errors = 0;
    loop {
        let at = start + phase + period.mul_f64(k as f64);
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at).await;
        let mut frame = format!("{me} {k} {} ", shared.ns(at));
        while frame.len() < args.frame_bytes {
            frame.push('x');
        }
        k += 1;
        if sink.send(Message::text(frame)).await.is_err() {
            errors += 1;
            break;
        }
    }
    let mut stats = reader.await.unwrap_or_else(|_| Stats::new());
    stats.sent = k;
    stats.errors += errors;
    Ok(stats)
}

fn loopback(addr: &SocketAddr) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() {
        bail!("the load generator only targets loopback addresses, not {addr}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    loopback(&args.addr)?;
    // Thousands of clients need thousands of descriptors: the soft limit goes up to the hard one.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => eprintln!("file descriptors: up to {limit}"),
        Err(e) => eprintln!("file descriptors: the limit stays as it was ({e})"),
    }
    if let Some(n) = args.join_storm {
        return join_storm(&args, n).await;
    }
    let total = args.rooms * args.clients;
    let shared = Arc::new(Shared {
        base: Instant::now(),
        sent_at: (0..total * SLOTS).map(|_| AtomicU64::new(0)).collect(),
    });
    let before = proc_usage(args.server_pid);

    // Connect everyone, a few at a time.
    let mut rooms = Vec::new();
    for _ in 0..args.rooms {
        rooms.push(match args.wire {
            Wire::Horseshoe => Some(http::create_room(args.addr, "{}").await?),
            Wire::Relay => None,
        });
    }
    let stall_every = if args.stall > 0.0 { (1.0 / args.stall).round() as usize } else { usize::MAX };
    let (publish_plan, plan_cell) = tokio::sync::watch::channel(None);
    let connect_started = Instant::now();
    let mut joined = Vec::new();
    let mut pending = futures_util::stream::FuturesOrdered::new();
    let join_every = (args.join_rate > 0.0).then(|| Duration::from_secs_f64(1.0 / args.join_rate));
    for me in 0..total {
        if let Some(every) = join_every {
            tokio::time::sleep_until(connect_started + every * me as u32).await;
        }
        let room = rooms[me % args.rooms].clone();
        let addr = args.addr;
        if args.wire == Wire::Horseshoe {
            let id = room.map(|r| r.room_id).unwrap_or_default();
            let (shared, plan_cell) = (shared.clone(), plan_cell.clone());
            let stalled = me % stall_every == stall_every - 1;
            let add_note = !args.idle;
            pending.push_back(tokio::spawn(async move {
                join_horseshoe(addr, &id, me, shared, plan_cell, stalled, add_note).await
            }));
        }
        if pending.len() >= 64
            && let Some(done) = pending.next().await
        {
            joined.push(done??);
        }
    }
    while let Some(done) = pending.next().await {
        joined.push(done??);
    }
    if args.wire == Wire::Horseshoe {
        // The facilitator of each room reveals every note, so they can be moved.
        for room in rooms.iter().flatten() {
            let url = format!("ws://{}/api/rooms/{}/ws", args.addr, room.room_id);
            let (mut sink, mut stream) = connect(
                &url,
                Credentials::Facilitator { key: room.facilitator_key.clone(), token: None },
                "load facilitator".to_owned(),
            )
            .await?;
            let reveal = ClientMsg::Cmd {
                id: CommandId("reveal".into()),
                cmd: Command::RevealNotes { member_id: None },
            };
            send(&mut sink, &reveal).await?;
            expect(&mut stream, |m| matches!(m, ServerMsg::Ack { .. }).then_some(())).await?;
        }
    }
    let connected_in = connect_started.elapsed();

    if args.idle {
        // Idle: everyone connected (relay clients connect here), nothing sent.
        let mut relay_sockets = Vec::new();
        if args.wire == Wire::Relay {
            for me in 0..total {
                let url = format!("ws://{}{}room{}", args.addr, args.prefix, me % args.rooms);
                relay_sockets.push(tokio_tungstenite::connect_async(&url).await?.0);
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let held = proc_usage(args.server_pid);
        println!("scenario: {} (idle, {:?} wire)", args.label, args.wire);
        println!("connections: {total}  rooms: {}  connected in {:.1?}", args.rooms, connected_in);
        if let (Some((_, rss0)), Some((_, rss1))) = (before, held) {
            println!(
                "server rss: {:.1} MiB before, {:.1} MiB with {total} idle connections: {:.2} KiB per connection",
                rss0 as f64 / 1024.0,
                rss1 as f64 / 1024.0,
                (rss1.saturating_sub(rss0)) as f64 / total as f64
            );
        }
        drop((joined, relay_sockets));
        return Ok(());
    }

    let start = Instant::now() + Duration::from_millis(500);
    let measure = start + Duration::from_secs(args.warmup);
    let end = measure + Duration::from_secs(args.duration);
    let plan = Plan { start, measure, end };
    publish_plan.send_replace(Some(plan));

    let mut tasks = Vec::new();
    match args.wire {
        Wire::Horseshoe => {
            for client in joined {
                tasks.push(tokio::spawn(run_horseshoe(client, args.clone(), shared.clone(), plan)));
            }
        }
        Wire::Relay => {
            for me in 0..total {
                let url = format!("ws://{}{}room{}", args.addr, args.prefix, me % args.rooms);
                let stalled = me % stall_every == stall_every - 1;
                let (args, shared) = (args.clone(), shared.clone());
                tasks.push(tokio::spawn(async move {
                    run_relay(url, me, args, shared, plan, stalled).await.unwrap_or_else(|_| {
                        let mut s = Stats::new();
                        s.errors = 1;
                        s
                    })
                }));
            }
        }
    }
    // CPU is read over the measured window only.
    tokio::time::sleep_until(measure).await;
    let server_at_measure = proc_usage(args.server_pid);
    let own_at_measure = proc_usage(None);
    tokio::time::sleep_until(end).await;
    let server_at_end = proc_usage(args.server_pid);
    let own_at_end = proc_usage(None);
    let mut total_stats = Stats::new();
    for task in tasks {
        if let Ok(Ok(stats)) = tokio::time::timeout_at(end + GRACE * 2, task).await {
            total_stats.merge(&stats);
        } else {
            total_stats.errors += 1;
        }
    }

    report(&args, total, &total_stats, server_at_measure.zip(server_at_end), own_at_measure.zip(own_at_end));
    if args.check {
        let s = &total_stats;
        if s.lost + s.reordered + s.errors > 0 || s.received == 0 {
            bail!(
                "check failed: {} lost, {} reordered, {} errors, {} received",
                s.lost,
                s.reordered,
                s.errors,
                s.received
            );
        }
    }
    Ok(())
}

fn report(
    args: &Args,
    total: usize,
    s: &Stats,
    server: Option<((f64, u64), (f64, u64))>,
    own: Option<((f64, u64), (f64, u64))>,
) {
    let secs = args.duration as f64;
    let h = &s.latency;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let durable_offered = total as f64 * args.rate;
    println!("scenario: {} ({:?} wire)", args.label, args.wire);
    println!("connections: {total}  rooms: {}  clients per room: {}", args.rooms, args.clients);
    println!(
        "offered: {:.0} msg/s ({:.2} per client){}",
        durable_offered,
        args.rate,
        if args.previews > 0.0 {
            format!(" + {:.0} drag previews/s", total as f64 * args.previews)
        } else {
            String::new()
        }
    );
    let delivered = (s.received + s.previews) as f64 / secs;
    println!(
        "delivered: {:.0} msg/s ({} durable, {} previews in {secs:.0} s)",
        delivered, s.received, s.previews
    );
    println!(
        "latency ms: p50 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  (n = {})",
        ms(0.5),
        ms(0.99),
        ms(0.999),
        h.max() as f64 / 1000.0,
        h.len()
    );
    println!("lost: {}  reordered: {}  errors: {}", s.lost, s.reordered, s.errors);
    if let Some(((c0, _), (c1, rss))) = server {
        let per_million = if delivered > 0.0 { (c1 - c0) / (delivered * secs) * 1e6 } else { 0.0 };
        println!(
            "server: {:.2} CPU-s over {secs:.0} s ({:.0}% of a core), {:.2} CPU-s per million deliveries, rss {:.1} MiB ({:.1} KiB per connection)",
            c1 - c0,
            (c1 - c0) / secs * 100.0,
            per_million,
            rss as f64 / 1024.0,
            rss as f64 / total as f64
        );
    }
    if let Some(((c0, _), (c1, _))) = own {
        println!("load generator: {:.0}% of a core", (c1 - c0) / secs * 100.0);
    }
}

/// Scenario 5: a room with a large snapshot, then `n` clients joining within one second; how
/// long until every one has its snapshot.
async fn join_storm(args: &Args, n: usize) -> anyhow::Result<()> {
    let room = http::create_room(args.addr, "{}").await?;
    let url = format!("ws://{}/api/rooms/{}/ws", args.addr, room.room_id);
    // Build the snapshot: facilitators write revealed post-its until it is big enough.
    let text = "help me build stronger teams across the whole organisation, ".repeat(3);
    let notes = args.snapshot_kib * 1024 / (text.len() + 150);
    let per_writer = 45;
    let mut written = 0;
    let mut snapshot_bytes = 0;
    while written < notes {
        let (mut sink, mut stream) = connect(
            &url,
            Credentials::Facilitator { key: room.facilitator_key.clone(), token: None },
            "writer".to_owned(),
        )
        .await?;
        expect(&mut stream, |m| matches!(m, ServerMsg::Welcome { .. }).then_some(())).await?;
        for i in 0..per_writer.min(notes - written) {
            let cmd = Command::AddNote { id: ItemId(format!("s{written}-{i}")), text: text.clone() };
            send(&mut sink, &ClientMsg::Cmd { id: CommandId(format!("s{i}")), cmd }).await?;
            expect(&mut stream, |m| {
                matches!(m, ServerMsg::Ack { .. } | ServerMsg::Reject { .. }).then_some(())
            })
            .await?;
        }
        written += per_writer;
        let reveal =
            ClientMsg::Cmd { id: CommandId("r".into()), cmd: Command::RevealNotes { member_id: None } };
        send(&mut sink, &reveal).await?;
        expect(&mut stream, |m| matches!(m, ServerMsg::Ack { .. }).then_some(())).await?;
    }
    // The storm: n participants spread evenly over one second.
    let started = Instant::now() + Duration::from_millis(200);
    let mut tasks = Vec::new();
    for i in 0..n {
        let url = url.clone();
        let at = started + Duration::from_secs(1).mul_f64(i as f64 / n as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let (sink, mut stream) =
                connect(&url, Credentials::Participant { token: None }, format!("storm {i}")).await?;
            let bytes = loop {
                let msg = tokio::time::timeout(Duration::from_secs(30), stream.next())
                    .await?
                    .context("closed")??;
                if let Message::Text(text) = msg
                    && text.as_str().starts_with("{\"type\":\"welcome\"")
                {
                    break text.len();
                }
            };
            // Keep the socket open until everyone has joined, reading as a browser would.
            let done = Instant::now();
            let drain = tokio::spawn(async move {
                let _keep = sink;
                while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(3), stream.next()).await {}
            });
            anyhow::Ok((done.saturating_duration_since(at), done, bytes, drain))
        }));
    }
    let mut waits = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut last = started;
    let mut failed = 0;
    let mut drains = Vec::new();
    for task in tasks {
        match task.await? {
            Ok((wait, done, bytes, drain)) => {
                let _ = waits.record(wait.as_micros() as u64);
                last = last.max(done);
                snapshot_bytes = snapshot_bytes.max(bytes);
                drains.push(drain);
            }
            Err(_) => failed += 1,
        }
    }
    println!("scenario: {} (join storm)", args.label);
    println!("{n} clients joined one room within 1 s; snapshot {:.0} KiB", snapshot_bytes as f64 / 1024.0);
    println!(
        "time from each join to its snapshot ms: p50 {:.1}  p99 {:.1}  max {:.1}; all had their snapshot {:.0} ms after the first join; failed {failed}",
        waits.value_at_quantile(0.5) as f64 / 1000.0,
        waits.value_at_quantile(0.99) as f64 / 1000.0,
        waits.max() as f64 / 1000.0,
        last.saturating_duration_since(started).as_secs_f64() * 1000.0
    );
    for d in drains {
        d.abort();
    }
    Ok(())
}
