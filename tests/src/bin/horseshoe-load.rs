//! The load generator: thousands of real WebSocket clients in many rooms, sending on a fixed
//! schedule (open loop: a slow server cannot slow the sender), with latency measured from each
//! message's scheduled send time to its arrival at every other member, into an HDR histogram.
//!
//! Two wires: `horseshoe` (the real protocol: participants join with `hello`, each owns a
//! revealed post-it and drops it at new positions; optional drag previews) and `relay` (any
//! broadcast server: `ws://HOST/<prefix><room>`, every text frame goes to every other client on
//! the path; frames carry the sender, a counter and the scheduled time). It prints offered and
//! delivered rates, latency percentiles, lost and reordered counts, the server's CPU time per
//! delivered message and memory per connection (from /proc), and its own CPU use beside the
//! server's, saying so when the result is bound by the generator rather than the server.
//!
//! It is built not to be the bottleneck: one thread, one epoll loop (mio) over non-blocking
//! sockets, its own minimal client framing (`horseshoe_tests::load::frame`), one shared read
//! buffer, and no allocation per message: frames are written into reused buffers and only the
//! measured fields are read out of what arrives, by a byte scan (`horseshoe_tests::load::wire`,
//! which is also the only place that knows the protocol). Every run is bounded in time.
//! Loopback only: the address must be 127.0.0.0/8 or ::1.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use horseshoe_tests::load::blocking;
use horseshoe_tests::load::frame::{self, Answer, Decoder, Item, Rng};
use horseshoe_tests::load::wire::{self, Msg};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Registry, Token};

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
    /// The server (loopback only), or several, comma-separated: then the clients of each room
    /// are spread over them (the room's i-th client connects to the i-th server, modulo their
    /// number), so that every room has members on every server; rooms are created on the first.
    #[arg(long, value_delimiter = ',', default_value = "127.0.0.1:8080")]
    addr: Vec<SocketAddr>,
    /// With several servers, keep each room on one of them (room r on server r modulo their
    /// number), as a load balancer that hashes the room id does, instead of spreading every
    /// room's members over all of them.
    #[arg(long)]
    by_room: bool,
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
    /// Fraction of clients that stop reading once sending starts.
    #[arg(long, default_value_t = 0.0)]
    stall: f64,
    /// Joins per second while connecting (0: as fast as CONNECT_WINDOW at a time allow). In a
    /// big room every join reaches every member, so a paced join wave keeps the server's
    /// outboxes short while the room fills.
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
    /// The server's process id, for its CPU time and memory; or several, comma-separated (one
    /// per server of --addr): their CPU time and memory are summed, and each one's printed.
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// The NATS server's process id (nodes on --nats-url): its CPU time over the measured window
    /// is reported apart from the servers'.
    #[arg(long)]
    nats_pid: Option<u32>,
    /// Exit with an error if anything was lost, reordered or refused (for the CI smoke run).
    #[arg(long)]
    check: bool,
    /// A name for the run, printed with the figures.
    #[arg(long, default_value = "run")]
    label: String,
    /// Instead of a load: spin on this core for this many seconds and report every time it was
    /// taken away for more than PAUSE_US (the machine's own pauses, which every server measured
    /// here meets alike).
    #[arg(long)]
    pauses: Option<u64>,
}

impl Args {
    /// Where rooms are created (and their facilitators and join storms connect).
    fn first(&self) -> SocketAddr {
        self.addr[0]
    }

    /// Which of the servers a connection goes to: a room's i-th client to the i-th, or with
    /// `--by-room` every client of room r to the r-th.
    fn server_of(&self, kind: Kind) -> usize {
        let rooms = self.rooms.max(1);
        match kind {
            Kind::Member { me } | Kind::Relay { me } if self.by_room => (me % rooms) % self.addr.len(),
            Kind::Member { me } | Kind::Relay { me } => (me / rooms) % self.addr.len(),
            Kind::Facilitator { room } if self.by_room => room % self.addr.len(),
            Kind::Facilitator { .. } | Kind::Storm => 0,
        }
    }
}

/// Bytes read from a socket at once, into the one buffer all sockets share.
const READ_BYTES: usize = 256 * 1024;
/// Bytes of each arriving message kept for the scan: every measured field of an event, and a
/// welcome's `seq`, sit in its first few hundred bytes; the rest of a large message is counted.
const KEEP_BYTES: usize = 1024;
/// Bytes a connection's send buffer starts with (a command is well under this).
const OUT_BYTES: usize = 1024;
/// Bytes waiting to be written to one socket beyond which it counts as broken: the server reads
/// its clients' commands all the time, so a backlog this deep means it stopped.
const MAX_OUT_BYTES: usize = 1 << 20;
/// Connections opened but not yet joined, at most (as many handshakes as the server's accept
/// loop comfortably takes at once).
const CONNECT_WINDOW: usize = 64;
/// Readiness events taken per poll.
const EVENTS: usize = 4096;
/// Longest the connecting and joining may take before the run is abandoned (10,000 idle clients
/// join in well under a minute).
const SETUP_LIMIT: Duration = Duration::from_secs(300);
/// How long deliveries are still read after the last scheduled send.
const DRAIN: Duration = Duration::from_secs(1);
/// How long an idle run holds its connections before reading the server's memory.
const IDLE_HOLD: Duration = Duration::from_secs(2);
/// Sending starts this long after everyone has joined.
const LEAD_IN: Duration = Duration::from_millis(500);
/// Longest a join storm may take, from the first join to the last snapshot.
const STORM_LIMIT: Duration = Duration::from_secs(60);
/// The join storm's clients start within this span.
const STORM_SPAN: Duration = Duration::from_secs(1);
/// When the next send is nearer than epoll's millisecond timeout can wait for, the loop checks
/// the sockets and sleeps at most this long, so sends leave within about this of their time.
const FINE_WAIT: Duration = Duration::from_micros(200);
/// Histogram range, in microseconds: 1 us to 60 s.
const MAX_LATENCY_US: u64 = 60_000_000;
/// Wall coordinates encode the counter of a move.
const WALL_W: u64 = 4000;
const WALL_H: u64 = 3000;
/// A result is generator-bound when the generator uses more than this share of its core (it
/// then queues what it reads and sends), or more CPU than the server.
const GENERATOR_BOUND_SHARE: f64 = 0.6;
/// A run is called noisy when the server or the generator spent more than this share of the
/// measured window waiting for a CPU (other processes on its core, or, for a server pinned to
/// one core with more than one busy thread, its own threads waiting for each other): then its
/// latency figures measure that wait too.
const NOISY_WAIT_SHARE: f64 = 0.05;
/// How a report names the time a process was ready to run but waited for a CPU.
const WAITING_FOR_A_CPU: &str = "waiting for a CPU (other processes, or its own threads on its core)";
/// Sends that leave this much later than scheduled (at the 99th percentile) mean the generator
/// could not keep its schedule (too busy, or starved of its core); latency still counts from
/// the schedule, so it includes the delay.
const LAG_BOUND_US: u64 = 1000;
/// Error descriptions kept for the report.
const ERRORS_KEPT: usize = 5;
/// A gap this long between two looks at the clock of a spinning loop is a pause of its core.
const PAUSE_US: u64 = 500;
/// The golden-ratio fraction that spreads clients' first sends over a period.
const SPREAD: f64 = 0.618_034;

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A participant of the horseshoe wire, client number `me`, in `rooms[me % rooms]`.
    Member { me: usize },
    /// A room's facilitator, who reveals every note and leaves.
    Facilitator { room: usize },
    /// A relay client, number `me`, on path `room<me % rooms>`.
    Relay { me: usize },
    /// A join storm client.
    Storm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Handshake,
    /// `hello` sent, waiting for the `welcome`.
    Welcome,
    /// Waiting for the answer to adding the client's note.
    Adding,
    /// Waiting for the answer to revealing the notes.
    Revealing,
    Ready,
    Closed,
}

/// What the schedule holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Move,
    Preview,
    Connect,
}

/// One connection's state beside its decoder (so that the two can be borrowed apart).
struct State {
    kind: Kind,
    phase: Phase,
    out: Vec<u8>,
    handshake: Vec<u8>,
    ids: u64,
    last_seq: Option<u64>,
    /// Relay wire: the last counter (plus one) seen from each client of the room.
    relay_last: Vec<u64>,
    stalled: bool,
    /// Moves (or relay frames) sent so far.
    sends: u64,
    /// Join storm: when this client was scheduled to join.
    scheduled: u64,
    /// The member this connection is (from its `welcome`): its post-its' ids start with it.
    member: wire::MemberTag,
}

struct Conn {
    stream: TcpStream,
    decoder: Decoder,
    st: State,
}

/// When measuring starts, and when sending and measuring end (ns since `base`).
#[derive(Debug, Clone, Copy)]
struct Plan {
    measure: u64,
    end: u64,
}

/// What was measured.
struct Stats {
    latency: Histogram<u64>,
    received: u64,
    previews: u64,
    lost: u64,
    reordered: u64,
    errors: u64,
    sent: u64,
    /// Stalled clients whose connection the server closed (as it should).
    stalled_closed: u64,
    first_errors: Vec<String>,
    /// How late each measured send left, after its scheduled time (us).
    lag: Histogram<u64>,
}

impl Stats {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            latency: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)?,
            received: 0,
            previews: 0,
            lost: 0,
            reordered: 0,
            errors: 0,
            sent: 0,
            stalled_closed: 0,
            first_errors: Vec::new(),
            lag: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)?,
        })
    }

    fn error(&mut self, what: std::fmt::Arguments<'_>) {
        self.errors += 1;
        if self.first_errors.len() < ERRORS_KEPT {
            self.first_errors.push(what.to_string());
        }
    }

    fn record(&mut self, sent: u64, now: u64) {
        let us = (now.saturating_sub(sent) / 1000).clamp(1, MAX_LATENCY_US);
        let _ = self.latency.record(us);
    }
}

/// Everything the handlers share, apart from the connections and the read buffer.
struct Ctx {
    args: Args,
    base: Instant,
    /// Each server's address as the Host header gives it.
    hosts: Vec<String>,
    rooms: Vec<blocking::Room>,
    total: usize,
    stats: Stats,
    /// Scheduled send time of each client's k-th move: `sent_at[me * per_client + k]`.
    sent_at: Vec<u64>,
    per_client: usize,
    plan: Option<Plan>,
    sending: bool,
    schedule: BinaryHeap<Reverse<(u64, u32, Due)>>,
    payload: Vec<u8>,
    rng: Rng,
    /// Connections that finished joining, and those that failed before they did.
    ready: usize,
    failed: usize,
    in_flight: usize,
    facilitators_done: usize,
    /// Join storm: the waits, the biggest welcome, when the last came.
    storm_waits: Histogram<u64>,
    storm_bytes: usize,
    storm_last: u64,
}

impl Ctx {
    fn ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    fn at(&self, ns: u64) -> Instant {
        self.base + Duration::from_nanos(ns)
    }

    fn measuring(&self, t: u64) -> bool {
        self.plan.is_some_and(|p| t >= p.measure && t < p.end)
    }

    /// Appends the text message `build` writes to `st`'s send buffer.
    fn send(&mut self, st: &mut State, build: impl FnOnce(&mut Vec<u8>)) {
        self.payload.clear();
        build(&mut self.payload);
        frame::text(&mut st.out, &self.payload, self.rng.mask());
    }
}

/// The loop: the poller, the connections (a connection's index is its token) and the one read
/// buffer.
struct Gen {
    poll: Poll,
    conns: Vec<Conn>,
    buf: Vec<u8>,
    ctx: Ctx,
}

impl Gen {
    fn new(args: Args, rooms: Vec<blocking::Room>, total: usize) -> anyhow::Result<Self> {
        // Room for every move a client can make in the run, so that none overwrites another.
        let secs = (args.warmup + args.duration) as f64 + LEAD_IN.as_secs_f64() + 1.0;
        let per_client = if args.idle { 1 } else { (args.rate.max(0.0) * secs).ceil() as usize + 2 };
        let capacity = total + rooms.len() + args.join_storm.unwrap_or(0);
        let ctx = Ctx {
            hosts: args.addr.iter().map(ToString::to_string).collect(),
            base: Instant::now(),
            rooms,
            total,
            stats: Stats::new()?,
            sent_at: vec![0; total * per_client],
            per_client,
            plan: None,
            sending: false,
            schedule: BinaryHeap::with_capacity(2 * capacity),
            payload: Vec::with_capacity(args.frame_bytes.max(OUT_BYTES)),
            rng: Rng::new((u64::from(std::process::id()) << 32) | 0x9E37),
            ready: 0,
            failed: 0,
            in_flight: 0,
            facilitators_done: 0,
            storm_waits: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)?,
            storm_bytes: 0,
            storm_last: 0,
            args,
        };
        Ok(Self { poll: Poll::new()?, conns: Vec::with_capacity(capacity), buf: vec![0; READ_BYTES], ctx })
    }

    /// Opens a connection (the handshake follows once it is up).
    fn open(&mut self, kind: Kind, stalled: bool, scheduled: u64) {
        let token = Token(self.conns.len());
        let addr = self.ctx.args.addr[self.ctx.args.server_of(kind)];
        let mut stream = match TcpStream::connect(addr) {
            Ok(stream) => stream,
            Err(e) => {
                self.ctx.failed += 1;
                self.ctx.stats.error(format_args!("connect: {e}"));
                return;
            }
        };
        if let Err(e) =
            self.poll.registry().register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
        {
            self.ctx.failed += 1;
            self.ctx.stats.error(format_args!("register: {e}"));
            return;
        }
        self.ctx.in_flight += 1;
        let relay_last = match kind {
            Kind::Relay { .. } => vec![0; self.ctx.args.clients],
            _ => Vec::new(),
        };
        self.conns.push(Conn {
            stream,
            decoder: Decoder::new(KEEP_BYTES),
            st: State {
                kind,
                phase: Phase::Connecting,
                out: Vec::with_capacity(OUT_BYTES),
                handshake: Vec::new(),
                ids: 0,
                last_seq: None,
                relay_last,
                stalled,
                sends: 0,
                scheduled,
                member: [b'0'; 36],
            },
        });
    }

    /// One turn of the loop: sends what is due, waits for the sockets (at most until
    /// `deadline`, ns), handles what they say, and sends what became due meanwhile.
    fn turn(&mut self, events: &mut Events, deadline: u64) -> io::Result<()> {
        self.fire_due();
        let now = self.ctx.ns();
        let next = self.ctx.schedule.peek().map_or(deadline, |Reverse((due, ..))| (*due).min(deadline));
        let wait = next.saturating_sub(now);
        if wait >= 1_000_000 {
            // epoll counts whole milliseconds; rounded down, the loop wakes before it is due.
            self.poll.poll(events, Some(Duration::from_millis(wait / 1_000_000)))?;
        } else {
            self.poll.poll(events, Some(Duration::ZERO))?;
            if events.is_empty() && wait > 0 {
                std::thread::sleep(Duration::from_nanos(wait).min(FINE_WAIT));
            }
        }
        for event in events.iter() {
            let idx = event.token().0;
            if idx >= self.conns.len() {
                continue;
            }
            if event.is_writable() || event.is_error() || event.is_write_closed() {
                self.on_writable(idx);
            }
            if event.is_readable() || event.is_read_closed() {
                self.on_readable(idx);
            }
        }
        self.fire_due();
        Ok(())
    }

    fn on_writable(&mut self, idx: usize) {
        let Gen { poll, conns, ctx, .. } = self;
        let conn = &mut conns[idx];
        if conn.st.phase == Phase::Connecting {
            if let Ok(Some(e)) | Err(e) = conn.stream.take_error() {
                fail(conn, ctx, poll.registry(), format_args!("connect: {e}"));
                return;
            }
            match conn.stream.peer_addr() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                Err(e) => {
                    fail(conn, ctx, poll.registry(), format_args!("connect: {e}"));
                    return;
                }
            }
            let _ = conn.stream.set_nodelay(true);
            let path = match conn.st.kind {
                Kind::Member { me } => format!("/api/rooms/{}/ws", ctx.rooms[me % ctx.args.rooms].id),
                Kind::Facilitator { room } => format!("/api/rooms/{}/ws", ctx.rooms[room].id),
                Kind::Storm => format!("/api/rooms/{}/ws", ctx.rooms[0].id),
                Kind::Relay { me } => format!("{}room{}", ctx.args.prefix, me % ctx.args.rooms),
            };
            let host = &ctx.hosts[ctx.args.server_of(conn.st.kind)];
            frame::handshake(&mut conn.st.out, host, &path, ctx.rng.nonce());
            conn.st.phase = Phase::Handshake;
        }
        flush(conn, ctx, poll.registry());
    }

    fn on_readable(&mut self, idx: usize) {
        let Gen { poll, conns, buf, ctx } = self;
        let conn = &mut conns[idx];
        loop {
            if matches!(conn.st.phase, Phase::Closed | Phase::Connecting) || (conn.st.stalled && ctx.sending)
            {
                return;
            }
            let n = match conn.stream.read(buf) {
                Ok(0) => {
                    fail(conn, ctx, poll.registry(), format_args!("the server closed the connection"));
                    return;
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    fail(conn, ctx, poll.registry(), format_args!("read: {e}"));
                    return;
                }
            };
            let now = ctx.ns();
            let data = &buf[..n];
            let mut pos = 0;
            if conn.st.phase == Phase::Handshake {
                conn.st.handshake.extend_from_slice(data);
                match frame::answer(&conn.st.handshake) {
                    Answer::Partial => continue,
                    Answer::Refused(status) => {
                        fail(conn, ctx, poll.registry(), format_args!("handshake refused: {status:?}"));
                        return;
                    }
                    Answer::Upgraded(at) => {
                        // The head ends in this read (it did not in the earlier ones).
                        pos = at - (conn.st.handshake.len() - n);
                        conn.st.handshake = Vec::new();
                        upgraded(&mut conn.st, ctx);
                    }
                }
            }
            loop {
                let item = match conn.decoder.next(data, &mut pos) {
                    Ok(Some(item)) => item,
                    Ok(None) => break,
                    Err(e) => {
                        fail(conn, ctx, poll.registry(), format_args!("framing: {e}"));
                        return;
                    }
                };
                match item {
                    Item::Message { bytes, len } => message(&mut conn.st, ctx, bytes, len, now),
                    Item::Ping(payload) => frame::pong(&mut conn.st.out, payload, ctx.rng.mask()),
                    Item::Pong => {}
                    Item::Close(code) => {
                        fail(conn, ctx, poll.registry(), format_args!("closed by the server with {code:?}"));
                        return;
                    }
                }
            }
            if conn.st.phase == Phase::Closed {
                // A facilitator that has revealed the notes leaves.
                let _ = poll.registry().deregister(&mut conn.stream);
                let _ = conn.stream.shutdown(Shutdown::Both);
                return;
            }
            flush(conn, ctx, poll.registry());
            // A short read emptied the socket's queue; data arriving later raises a new edge.
            if n < buf.len() {
                return;
            }
        }
    }

    /// Sends everything due by now.
    fn fire_due(&mut self) {
        let now = self.ctx.ns();
        while let Some(&Reverse((due, idx, what))) = self.ctx.schedule.peek() {
            if due > now {
                break;
            }
            self.ctx.schedule.pop();
            let idx = idx as usize;
            if what == Due::Connect {
                self.open(Kind::Storm, false, due);
                continue;
            }
            let Gen { poll, conns, ctx, .. } = self;
            let Some(conn) = conns.get_mut(idx) else { continue };
            if conn.st.phase != Phase::Ready {
                continue;
            }
            let Some(plan) = ctx.plan else { continue };
            let (me, period) = match (conn.st.kind, what) {
                (Kind::Member { me }, Due::Preview) => (me, 1.0 / ctx.args.previews),
                (Kind::Member { me } | Kind::Relay { me }, _) => (me, 1.0 / ctx.args.rate),
                _ => continue,
            };
            let k = conn.st.sends;
            let (x, y) = (k % WALL_W, (k / WALL_W) % WALL_H);
            let member = conn.st.member;
            match (conn.st.kind, what) {
                (Kind::Member { .. }, Due::Preview) => {
                    ctx.send(&mut conn.st, |out| wire::drag(out, &member, me, x, y))
                }
                (Kind::Member { .. }, _) => {
                    if let Some(slot) = ctx.sent_at.get_mut(me * ctx.per_client + k as usize) {
                        *slot = due;
                    }
                    conn.st.sends += 1;
                    conn.st.ids += 1;
                    let id = conn.st.ids;
                    ctx.send(&mut conn.st, |out| wire::move_note(out, id, &member, me, x, y));
                }
                _ => {
                    conn.st.sends += 1;
                    let bytes = ctx.args.frame_bytes;
                    ctx.send(&mut conn.st, |out| {
                        let _ = write!(out, "{me} {k} {due} ");
                        out.resize(out.len().max(bytes), b'x');
                    });
                }
            }
            if due >= plan.measure && due < plan.end {
                ctx.stats.sent += u64::from(what == Due::Move);
                let lag_us = ctx.ns().saturating_sub(due) / 1000;
                let _ = ctx.stats.lag.record(lag_us.clamp(1, MAX_LATENCY_US));
            }
            flush(conn, ctx, poll.registry());
            let next = due + (period * 1e9) as u64;
            if next < plan.end {
                ctx.schedule.push(Reverse((next, idx as u32, what)));
            }
        }
    }

    /// Runs turns until `done` says so or `limit` passes (an error).
    fn run_until(
        &mut self,
        events: &mut Events,
        limit: Duration,
        what: &str,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = self.ctx.ns() + limit.as_nanos() as u64;
        while !done(self) {
            if self.ctx.ns() >= deadline {
                bail!(
                    "{what} took longer than {limit:?} ({} joined, {} failed)",
                    self.ctx.ready,
                    self.ctx.failed
                );
            }
            // Wake at least every 100 ms to look at `done` and the time.
            let wake = (self.ctx.ns() + 100_000_000).min(deadline);
            self.turn(events, wake)?;
        }
        Ok(())
    }

    /// Opens `count` connections of `kind_of(i)`, at most CONNECT_WINDOW at a time (and at
    /// `--join-rate` when set), and waits until each has joined or failed.
    fn connect_all(
        &mut self,
        events: &mut Events,
        count: usize,
        paced: bool,
        kind_of: impl Fn(usize) -> (Kind, bool),
    ) -> anyhow::Result<()> {
        let first = self.ctx.ready + self.ctx.failed;
        let started = self.ctx.ns();
        let every = (paced && self.ctx.args.join_rate > 0.0).then(|| (1e9 / self.ctx.args.join_rate) as u64);
        let mut next = 0;
        let deadline = started + SETUP_LIMIT.as_nanos() as u64;
        while self.ctx.ready + self.ctx.failed - first < count {
            let now = self.ctx.ns();
            if now >= deadline {
                bail!(
                    "joining took longer than {SETUP_LIMIT:?} ({} joined, {} failed)",
                    self.ctx.ready,
                    self.ctx.failed
                );
            }
            let mut wake = now + 100_000_000;
            while next < count && self.ctx.in_flight < CONNECT_WINDOW {
                if let Some(every) = every {
                    let due = started + every * next as u64;
                    if due > self.ctx.ns() {
                        wake = wake.min(due);
                        break;
                    }
                }
                let (kind, stalled) = kind_of(next);
                self.open(kind, stalled, 0);
                next += 1;
            }
            self.turn(events, wake)?;
        }
        Ok(())
    }
}

/// Writes what `conn` has queued, as far as the socket takes it.
fn flush(conn: &mut Conn, ctx: &mut Ctx, registry: &Registry) {
    let mut written = 0;
    while written < conn.st.out.len() {
        match conn.stream.write(&conn.st.out[written..]) {
            Ok(0) => break,
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                fail(conn, ctx, registry, format_args!("write: {e}"));
                return;
            }
        }
    }
    conn.st.out.drain(..written);
    if conn.st.out.len() > MAX_OUT_BYTES {
        fail(
            conn,
            ctx,
            registry,
            format_args!("the server stopped reading ({} bytes queued)", conn.st.out.len()),
        );
    }
}

/// Ends a connection that broke; a stalled client closed by the server is no error.
fn fail(conn: &mut Conn, ctx: &mut Ctx, registry: &Registry, what: std::fmt::Arguments<'_>) {
    if conn.st.phase == Phase::Closed {
        return;
    }
    if conn.st.phase != Phase::Ready {
        ctx.failed += 1;
        ctx.in_flight = ctx.in_flight.saturating_sub(1);
    }
    if conn.st.stalled && ctx.sending {
        ctx.stats.stalled_closed += 1;
    } else {
        ctx.stats.error(what);
    }
    conn.st.phase = Phase::Closed;
    conn.st.out.clear();
    let _ = registry.deregister(&mut conn.stream);
    let _ = conn.stream.shutdown(Shutdown::Both);
}

/// A connection is joined (counted once).
fn joined(st: &mut State, ctx: &mut Ctx) {
    st.phase = Phase::Ready;
    ctx.ready += 1;
    ctx.in_flight = ctx.in_flight.saturating_sub(1);
}

/// The handshake is done: say `hello` (or, on the relay wire, start).
fn upgraded(st: &mut State, ctx: &mut Ctx) {
    match st.kind {
        Kind::Relay { .. } => joined(st, ctx),
        Kind::Member { me } => {
            ctx.send(st, |out| wire::hello_participant(out, me));
            st.phase = Phase::Welcome;
        }
        Kind::Storm => {
            let n = ctx.total;
            ctx.send(st, |out| wire::hello_participant(out, n));
            st.phase = Phase::Welcome;
        }
        Kind::Facilitator { room } => {
            let Ctx { rooms, payload, rng, .. } = ctx;
            payload.clear();
            wire::hello_facilitator(payload, &rooms[room].key);
            frame::text(&mut st.out, payload, rng.mask());
            st.phase = Phase::Welcome;
        }
    }
}

/// One message from the server.
fn message(st: &mut State, ctx: &mut Ctx, bytes: &[u8], len: usize, now: u64) {
    if let Kind::Relay { me } = st.kind {
        relay_message(st, ctx, me, bytes, now);
        return;
    }
    let msg = wire::parse(bytes);
    match msg {
        Msg::Welcome { seq, member } if st.phase == Phase::Welcome => {
            st.last_seq = Some(seq);
            st.member = member.unwrap_or(st.member);
            match st.kind {
                Kind::Member { me } if !ctx.args.idle => {
                    st.ids += 1;
                    let id = st.ids;
                    let member = st.member;
                    ctx.send(st, |out| wire::add_note(out, id, &member, me));
                    st.phase = Phase::Adding;
                }
                Kind::Facilitator { .. } => {
                    st.ids += 1;
                    let id = st.ids;
                    ctx.send(st, |out| wire::reveal_all(out, id));
                    st.phase = Phase::Revealing;
                }
                Kind::Storm => {
                    let _ = ctx
                        .storm_waits
                        .record((now.saturating_sub(st.scheduled) / 1000).clamp(1, MAX_LATENCY_US));
                    ctx.storm_bytes = ctx.storm_bytes.max(len);
                    ctx.storm_last = ctx.storm_last.max(now);
                    joined(st, ctx);
                }
                _ => joined(st, ctx),
            }
        }
        Msg::Change { seq, moved } => {
            if let Some(last) = st.last_seq {
                if seq <= last {
                    ctx.stats.reordered += 1;
                } else if seq > last + 1 {
                    ctx.stats.lost += seq - last - 1;
                }
            }
            st.last_seq = Some(seq);
            let (Some(moved), Kind::Member { me }) = (moved, st.kind) else { return };
            if moved.owner == me || moved.owner >= ctx.total {
                return;
            }
            let k = (moved.y * WALL_W + moved.x) as usize;
            if k >= ctx.per_client {
                return;
            }
            let sent = ctx.sent_at[moved.owner * ctx.per_client + k];
            if sent > 0 && ctx.measuring(sent) {
                ctx.stats.received += 1;
                ctx.stats.record(sent, now);
            }
        }
        // A refused note is counted, and the client joins all the same (its moves will be
        // refused too, and counted).
        Msg::Ack { .. } | Msg::Reject if st.phase == Phase::Adding => {
            if msg == Msg::Reject {
                ctx.stats.error(format_args!("adding the client's note was refused"));
            }
            joined(st, ctx);
        }
        Msg::Ack { .. } | Msg::Reject if st.phase == Phase::Revealing => {
            if msg == Msg::Reject {
                ctx.stats.error(format_args!("revealing the notes was refused"));
            }
            ctx.facilitators_done += 1;
            ctx.ready += 1;
            ctx.in_flight = ctx.in_flight.saturating_sub(1);
            st.phase = Phase::Closed;
        }
        Msg::Drag => {
            if ctx.measuring(now) {
                ctx.stats.previews += 1;
            }
        }
        Msg::Reject => ctx.stats.error(format_args!("a command was rejected")),
        Msg::Error => ctx.stats.error(format_args!("the server sent an error")),
        Msg::Garbage => ctx.stats.error(format_args!("unreadable message")),
        Msg::Welcome { .. } | Msg::Ack { .. } | Msg::Other => {}
    }
}

/// A relay frame: `<sender> <counter> <scheduled ns> <padding>`.
fn relay_message(st: &mut State, ctx: &mut Ctx, me: usize, bytes: &[u8], now: u64) {
    let mut fields = bytes.split(|&b| b == b' ').map(parse_uint);
    let (Some(Some(sender)), Some(Some(k)), Some(Some(sent))) = (fields.next(), fields.next(), fields.next())
    else {
        ctx.stats.error(format_args!("unreadable relay frame"));
        return;
    };
    let sender = sender as usize;
    if sender == me {
        return;
    }
    // Clients of a room are numbered room, room + rooms, ...: their place in the room.
    let Some(last) = st.relay_last.get_mut(sender / ctx.args.rooms) else {
        ctx.stats.error(format_args!("relay frame from an unknown client"));
        return;
    };
    if k < *last {
        ctx.stats.reordered += 1;
    } else {
        ctx.stats.lost += k - *last;
        *last = k + 1;
    }
    if ctx.measuring(sent) {
        ctx.stats.received += 1;
        ctx.stats.record(sent, now);
    }
}

fn parse_uint(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
}

/// CPU seconds and resident memory of several processes, summed (None if any is unreadable, or
/// if there are none).
fn proc_usage_sum(pids: &[u32]) -> Option<(f64, u64)> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().try_fold((0.0, 0), |(cpu, rss), &pid| {
        let (c, r) = proc_usage(Some(pid))?;
        Some((cpu + c, rss + r))
    })
}

/// CPU seconds (user + system) and resident memory (KiB) of a process, from /proc.
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

fn loopback(addrs: &[SocketAddr]) -> anyhow::Result<()> {
    if addrs.is_empty() {
        bail!("--addr needs at least one address");
    }
    if let Some(addr) = addrs.iter().find(|a| !a.ip().is_loopback()) {
        bail!("the load generator only targets loopback addresses, not {addr}");
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(secs) = args.pauses {
        pauses(Duration::from_secs(secs));
        return Ok(());
    }
    loopback(&args.addr)?;
    if !args.server_pid.is_empty() && args.server_pid.len() != args.addr.len() {
        bail!("--server-pid needs one process id per address of --addr");
    }
    // Thousands of clients need thousands of descriptors: the soft limit goes up to the hard one.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => eprintln!("file descriptors: up to {limit}"),
        Err(e) => eprintln!("file descriptors: the limit stays as it was ({e})"),
    }
    if args.rate <= 0.0 || !args.rate.is_finite() || args.previews < 0.0 || !args.previews.is_finite() {
        bail!("--rate must be above 0 and --previews at least 0");
    }
    if let Some(n) = args.join_storm {
        if n == 0 {
            bail!("--join-storm needs at least one client");
        }
        return join_storm(args, n);
    }
    if args.rooms == 0 || args.clients == 0 {
        bail!("--rooms and --clients must be at least 1");
    }
    let total = args.rooms * args.clients;
    let before = proc_usage_sum(&args.server_pid);
    let rooms = match args.wire {
        Wire::Horseshoe => {
            (0..args.rooms).map(|_| blocking::create_room(args.first())).collect::<io::Result<_>>()?
        }
        Wire::Relay => Vec::new(),
    };
    let (wire_kind, idle, check) = (args.wire, args.idle, args.check);
    let stall_every = if args.stall > 0.0 { (1.0 / args.stall).round() as usize } else { usize::MAX };
    let mut g = Gen::new(args, rooms, total)?;
    let mut events = Events::with_capacity(EVENTS);

    // Connect and join everyone, then (horseshoe wire) let each room's facilitator reveal the
    // notes so that they can be moved.
    let connect_started = Instant::now();
    g.connect_all(&mut events, total, true, |me| {
        let stalled = me % stall_every == stall_every - 1;
        match wire_kind {
            Wire::Horseshoe => (Kind::Member { me }, stalled),
            Wire::Relay => (Kind::Relay { me }, stalled),
        }
    })?;
    if wire_kind == Wire::Horseshoe && !idle {
        g.connect_all(&mut events, g.ctx.rooms.len(), false, |room| (Kind::Facilitator { room }, false))?;
    }
    let connected_in = connect_started.elapsed();
    let joined = g.ctx.ready - g.ctx.facilitators_done;

    if idle {
        let hold = g.ctx.ns() + IDLE_HOLD.as_nanos() as u64;
        g.run_until(&mut events, IDLE_HOLD * 2, "holding", |g| g.ctx.ns() >= hold)?;
        let held = proc_usage_sum(&g.ctx.args.server_pid);
        let args = &g.ctx.args;
        println!("scenario: {} (idle, {:?} wire)", args.label, args.wire);
        println!("connections: {joined} of {total}  rooms: {}  connected in {connected_in:.1?}", args.rooms);
        if let (Some((_, rss0)), Some((_, rss1))) = (before, held) {
            println!(
                "server rss: {:.1} MiB before, {:.1} MiB with {joined} idle connections: {:.2} KiB per connection",
                rss0 as f64 / 1024.0,
                rss1 as f64 / 1024.0,
                (rss1.saturating_sub(rss0)) as f64 / joined.max(1) as f64
            );
        }
        println!("errors: {}", g.ctx.stats.errors);
        for e in &g.ctx.stats.first_errors {
            println!("  error: {e}");
        }
        return Ok(());
    }

    // The schedule: each client's first move spread over one period, previews between.
    let now = g.ctx.ns();
    let start = now + LEAD_IN.as_nanos() as u64;
    let measure = start + g.ctx.args.warmup * 1_000_000_000;
    let end = measure + g.ctx.args.duration * 1_000_000_000;
    g.ctx.plan = Some(Plan { measure, end });
    let period = 1e9 / g.ctx.args.rate;
    let preview_period = (g.ctx.args.previews > 0.0).then(|| 1e9 / g.ctx.args.previews);
    for (idx, conn) in g.conns.iter().enumerate() {
        let (Kind::Member { me } | Kind::Relay { me }) = conn.st.kind else { continue };
        if conn.st.phase != Phase::Ready {
            continue;
        }
        let phase = period * (me as f64 * SPREAD).fract();
        g.ctx.schedule.push(Reverse((start + phase as u64, idx as u32, Due::Move)));
        if preview_period.is_some() && matches!(conn.st.kind, Kind::Member { .. }) {
            g.ctx.schedule.push(Reverse((start + (phase / 2.0) as u64, idx as u32, Due::Preview)));
        }
    }
    g.ctx.sending = true;

    // Run the schedule; /proc is read over the measured window only.
    let mut at_measure = None;
    let mut at_end = None;
    let stop = end + DRAIN.as_nanos() as u64;
    while g.ctx.ns() < stop {
        let now = g.ctx.ns();
        if at_measure.is_none() && now >= measure {
            at_measure = Some(Sample::take(&g.ctx.args));
        }
        if at_end.is_none() && now >= end {
            at_end = Some(Sample::take(&g.ctx.args));
        }
        let wake = [measure, end, stop].into_iter().find(|&t| t > now).unwrap_or(stop);
        g.turn(&mut events, wake)?;
    }
    let ctx = &g.ctx;
    report(&ctx.args, joined, &ctx.stats, &at_measure.unwrap_or_default(), &at_end.unwrap_or_default());
    if check {
        let s = &ctx.stats;
        if s.lost + s.reordered + s.errors > 0 || s.received == 0 || joined < total {
            bail!(
                "check failed: {} lost, {} reordered, {} errors, {} received, {joined} of {total} joined",
                s.lost,
                s.reordered,
                s.errors,
                s.received
            );
        }
    }
    Ok(())
}

/// What /proc says of the server(s), NATS and this process at one moment.
#[derive(Debug, Clone, Default)]
struct Sample {
    /// The servers summed (None when any could not be read).
    server: Option<Usage>,
    /// Each server apart, in the order of --server-pid.
    servers: Vec<Option<Usage>>,
    nats: Option<Usage>,
    own: Option<Usage>,
}

impl Sample {
    fn take(args: &Args) -> Self {
        let servers: Vec<_> = args.server_pid.iter().map(|&pid| Usage::of(Some(pid))).collect();
        let server = if servers.is_empty() {
            None
        } else {
            servers.iter().try_fold(Usage { cpu: 0.0, waited: Some(0.0), rss_kib: 0 }, |sum, u| {
                let u = (*u)?;
                Some(Usage {
                    cpu: sum.cpu + u.cpu,
                    waited: sum.waited.zip(u.waited).map(|(a, b)| a + b),
                    rss_kib: sum.rss_kib + u.rss_kib,
                })
            })
        };
        Self {
            server,
            servers,
            nats: args.nats_pid.and_then(|pid| Usage::of(Some(pid))),
            own: Usage::of(None),
        }
    }
}

/// A process's CPU time, time spent waiting for a CPU, and resident memory.
#[derive(Debug, Clone, Copy)]
struct Usage {
    cpu: f64,
    /// Seconds its threads were ready to run but waited for a CPU (behind other processes, or
    /// behind the process's own threads on the same core).
    waited: Option<f64>,
    rss_kib: u64,
}

impl Usage {
    fn of(pid: Option<u32>) -> Option<Self> {
        let (cpu, rss_kib) = proc_usage(pid)?;
        Some(Self { cpu, waited: run_queue_wait(pid), rss_kib })
    }
}

/// Seconds all threads of a process have waited on a run queue, from each thread's
/// /proc/<pid>/task/<tid>/schedstat ("on-CPU ns, waiting ns, slices").
fn run_queue_wait(pid: Option<u32>) -> Option<f64> {
    let path = pid.map_or_else(|| "self".to_owned(), |p| p.to_string());
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{path}/task")).ok()? {
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else { continue };
        total += stat.split_whitespace().nth(1)?.parse::<u64>().ok()?;
    }
    Some(total as f64 / 1e9)
}

/// `to - from` over the window: CPU seconds, and seconds waited for a CPU.
fn spent(from: Option<Usage>, to: Option<Usage>) -> (Option<f64>, Option<f64>) {
    let Some((a, b)) = from.zip(to) else { return (None, None) };
    (Some(b.cpu - a.cpu), a.waited.zip(b.waited).map(|(x, y)| y - x))
}

fn report(args: &Args, joined: usize, s: &Stats, from: &Sample, to: &Sample) {
    let secs = args.duration as f64;
    let h = &s.latency;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let offered = joined as f64 * args.rate;
    println!("scenario: {} ({:?} wire)", args.label, args.wire);
    println!("connections: {joined}  rooms: {}  clients per room: {}", args.rooms, args.clients);
    let previews = if args.previews > 0.0 {
        format!(" + {:.0} drag previews/s", joined as f64 * args.previews)
    } else {
        String::new()
    };
    println!("offered: {offered:.0} msg/s ({:.2} per client){previews}", args.rate);
    let delivered = (s.received + s.previews) as f64 / secs;
    println!(
        "delivered: {delivered:.0} msg/s ({} durable, {} previews, of sends scheduled in the {secs:.0} s measured)",
        s.received, s.previews
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
    if s.stalled_closed > 0 {
        println!("stalled clients closed by the server: {}", s.stalled_closed);
    }
    for e in &s.first_errors {
        println!("  error: {e}");
    }
    let (server_cpu, server_wait) = spent(from.server, to.server);
    let (own_cpu, own_wait) = spent(from.own, to.own);
    let mut per_million = f64::NAN;
    if let (Some(cpu), Some(end)) = (server_cpu, to.server) {
        per_million = if delivered > 0.0 { cpu / (delivered * secs) * 1e6 } else { 0.0 };
        println!(
            "server: {cpu:.2} CPU-s over {secs:.0} s ({:.0}% of a core), {per_million:.2} CPU-s per million deliveries, rss {:.1} MiB ({:.1} KiB per connection)",
            cpu / secs * 100.0,
            end.rss_kib as f64 / 1024.0,
            end.rss_kib as f64 / joined.max(1) as f64
        );
    }
    // Each server apart (several nodes): its share of a core, and how long it waited for one.
    let each: Vec<(Option<f64>, Option<f64>)> =
        from.servers.iter().zip(&to.servers).map(|(a, b)| spent(*a, *b)).collect();
    if each.len() > 1 {
        for (i, ((cpu, wait), pid)) in each.iter().zip(&args.server_pid).enumerate() {
            println!(
                "  server {} (pid {pid}, {}): {:.0}% of a core, waited for a CPU {:.1}% of the window",
                i + 1,
                args.addr[i],
                cpu.map_or(f64::NAN, |c| c / secs * 100.0),
                wait.map_or(f64::NAN, |w| w / secs * 100.0)
            );
        }
    }
    let (nats_cpu, nats_wait) = spent(from.nats, to.nats);
    let mut nats_per_million = f64::NAN;
    if let Some(cpu) = nats_cpu {
        nats_per_million = if delivered > 0.0 { cpu / (delivered * secs) * 1e6 } else { 0.0 };
        println!(
            "NATS: {cpu:.2} CPU-s over {secs:.0} s ({:.0}% of a core), {nats_per_million:.2} CPU-s per million deliveries, waited for a CPU {:.1}% of the window",
            cpu / secs * 100.0,
            nats_wait.map_or(f64::NAN, |w| w / secs * 100.0)
        );
    }
    let lag_p99 = s.lag.value_at_quantile(0.99);
    let mut verdict = Vec::new();
    if let Some(own_cpu) = own_cpu {
        let share = own_cpu / secs;
        let vs_server = server_cpu.filter(|c| *c > 0.0).map(|c| own_cpu / c);
        let beside = vs_server.map_or(String::new(), |r| format!(", {:.0}% of the server's CPU", r * 100.0));
        println!(
            "load generator: {:.0}% of a core{beside}; sends left p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms after their time",
            share * 100.0,
            s.lag.value_at_quantile(0.5) as f64 / 1000.0,
            lag_p99 as f64 / 1000.0,
            s.lag.max() as f64 / 1000.0
        );
        if share > GENERATOR_BOUND_SHARE || vs_server.is_some_and(|r| r > 1.0) {
            println!(
                "GENERATOR-BOUND: the load generator used {:.0}% of its core{beside}; these figures measure it as much as the server",
                share * 100.0
            );
            verdict.push("generator-bound");
        }
        if lag_p99 > LAG_BOUND_US {
            println!(
                "LATE SENDS: 1% of the sends left more than {:.2} ms after their time (the generator was busy, or waited for its core); latency counts from the schedule, so it includes this",
                lag_p99 as f64 / 1000.0
            );
            verdict.push("late-sends");
        }
    }
    let pct = |x: Option<f64>| x.map_or(f64::NAN, |x| x / secs * 100.0);
    if server_wait.is_some() || own_wait.is_some() {
        println!(
            "{WAITING_FOR_A_CPU}: server {:.1}%, load generator {:.1}% of the window",
            pct(server_wait),
            pct(own_wait)
        );
        if [server_wait, own_wait].into_iter().flatten().any(|w| w / secs > NOISY_WAIT_SHARE) {
            println!(
                "NOISY: more than {:.0}% of the window waiting for a CPU; compare servers within one run, or run again",
                NOISY_WAIT_SHARE * 100.0
            );
            verdict.push("noisy");
        }
    }
    // One line for bench/run.sh to gather into its table; after the verdict, NATS's CPU-s per
    // million deliveries and each server's and NATS's % of a core ("-" where not measured).
    let each_cpu = if each.len() > 1 {
        each.iter().map(|(cpu, _)| format!("{:.0}", pct(*cpu))).collect::<Vec<_>>().join("+")
    } else {
        "-".to_owned()
    };
    let nats = |x: String| if nats_cpu.is_some() { x } else { "-".to_owned() };
    println!(
        "summary\t{}\t{per_million:.2}\t{:.2}\t{:.2}\t{delivered:.0}\t{:.0}\t{:.0}\t{:.1}\t{:.1}\t{}\t{}\t{each_cpu}\t{}",
        args.label,
        ms(0.5),
        ms(0.99),
        pct(server_cpu),
        pct(own_cpu),
        pct(server_wait),
        pct(own_wait),
        if verdict.is_empty() { "ok".to_owned() } else { verdict.join(",") },
        nats(format!("{nats_per_million:.2}")),
        nats(format!("{:.0}", pct(nats_cpu)))
    );
}

/// Spins for `span`, looking at the clock, and prints how often and how long the core was taken
/// away: by the kernel, other processes, or the machine under the virtual machine. A server's
/// latency at the 99th percentile cannot be told apart from pauses that delay 1% of its
/// deliveries.
fn pauses(span: Duration) {
    let started = Instant::now();
    let mut last = started;
    let mut gaps = Vec::new();
    while last - started < span {
        let now = Instant::now();
        let gap = now - last;
        if gap > Duration::from_micros(PAUSE_US) {
            gaps.push(gap);
        }
        last = now;
    }
    let secs = span.as_secs_f64();
    let total: Duration = gaps.iter().sum();
    let longest = gaps.iter().max().copied().unwrap_or_default();
    let over_ms = gaps.iter().filter(|g| **g > Duration::from_millis(1)).count();
    println!(
        "pauses: {} over {PAUSE_US} us in {secs:.0} s ({over_ms} over 1 ms, {:.1} a second), longest {:.2} ms, {:.1} ms in all ({:.2}% of the time)",
        gaps.len(),
        gaps.len() as f64 / secs,
        longest.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() / secs * 100.0
    );
}

/// Scenario 5: a room with a large snapshot, then `n` clients joining within one second; how
/// long until every one has its snapshot.
fn join_storm(args: Args, n: usize) -> anyhow::Result<()> {
    let room = blocking::create_room(args.first())?;
    let path = format!("/api/rooms/{}/ws", room.id);
    // Build the snapshot: facilitators write revealed post-its until it is big enough (each
    // member may write MAX_NOTES_PER_MEMBER, so a new writer takes over every few dozen).
    let text = "help me build stronger teams across the whole organisation ".repeat(3);
    let notes = args.snapshot_kib * 1024 / (text.len() + 150);
    let per_writer = 45;
    let mut written = 0;
    let mut writer_no = 0;
    while written < notes {
        writer_no += 1;
        let mut c = blocking::Client::connect(args.first(), &path, writer_no)?;
        c.send(|out| wire::hello_facilitator(out, &room.key))?;
        let member = c.recv_until(|m, _| match wire::parse(m) {
            Msg::Welcome { member, .. } => Some(member.unwrap_or([b'0'; 36])),
            _ => None,
        })?;
        for i in 0..per_writer.min(notes - written) {
            let id = c.next_id();
            c.send(|out| wire::add_note_text(out, id, &member, format_args!("s{writer_no}-{i}"), &text))?;
            c.recv_until(|m, _| matches!(wire::parse(m), Msg::Ack { .. } | Msg::Reject).then_some(()))?;
        }
        written += per_writer;
        let id = c.next_id();
        c.send(|out| wire::reveal_all(out, id))?;
        c.recv_until(|m, _| matches!(wire::parse(m), Msg::Ack { .. }).then_some(()))?;
        c.close();
    }

    // The storm: n participants spread evenly over STORM_SPAN.
    let label = args.label.clone();
    let mut g = Gen::new(args, vec![room], 0)?;
    let mut events = Events::with_capacity(EVENTS);
    let started = g.ctx.ns() + 200_000_000;
    for i in 0..n {
        let at = started + (STORM_SPAN.as_nanos() as u64 * i as u64) / n as u64;
        g.ctx.schedule.push(Reverse((at, i as u32, Due::Connect)));
    }
    g.ctx.plan = Some(Plan { measure: started, end: started + STORM_LIMIT.as_nanos() as u64 });
    let wait_start = g.ctx.at(started);
    while Instant::now() < wait_start {
        g.turn(&mut events, started)?;
    }
    let from = Sample::take(&g.ctx.args);
    g.run_until(&mut events, STORM_LIMIT, "the join storm", |g| g.ctx.ready + g.ctx.failed >= n)?;
    let to = Sample::take(&g.ctx.args);
    let span = (g.ctx.ns() - started) as f64 / 1e9;
    let ctx = &g.ctx;
    let w = &ctx.storm_waits;
    println!("scenario: {label} (join storm)");
    println!(
        "{n} clients joined one room within {STORM_SPAN:?}; snapshot {:.0} KiB",
        ctx.storm_bytes as f64 / 1024.0
    );
    println!(
        "time from each join to its snapshot ms: p50 {:.1}  p99 {:.1}  max {:.1}; all had their snapshot {:.0} ms after the first join; failed {}",
        w.value_at_quantile(0.5) as f64 / 1000.0,
        w.value_at_quantile(0.99) as f64 / 1000.0,
        w.max() as f64 / 1000.0,
        ctx.storm_last.saturating_sub(started) as f64 / 1e6,
        ctx.failed
    );
    for e in &ctx.stats.first_errors {
        println!("  error: {e}");
    }
    let (server_cpu, server_wait) = spent(from.server, to.server);
    let (own_cpu, own_wait) = spent(from.own, to.own);
    if let Some(cpu) = server_cpu {
        println!(
            "server: {cpu:.2} CPU-s over the storm's {span:.2} s ({:.0}% of a core)",
            cpu / span * 100.0
        );
    }
    if let Some(own) = own_cpu {
        println!("load generator: {:.0}% of a core over the storm", own / span * 100.0);
        if own / span > GENERATOR_BOUND_SHARE || server_cpu.is_some_and(|s| own > s) {
            println!(
                "GENERATOR-BOUND: the load generator used more than {:.0}% of its core or more than the server",
                GENERATOR_BOUND_SHARE * 100.0
            );
        }
    }
    let pct = |x: Option<f64>| x.map_or(f64::NAN, |x| x / span * 100.0);
    println!(
        "{WAITING_FOR_A_CPU}: server {:.1}%, load generator {:.1}% of the storm",
        pct(server_wait),
        pct(own_wait)
    );
    if [server_wait, own_wait].into_iter().flatten().any(|w| w / span > NOISY_WAIT_SHARE) {
        println!(
            "NOISY: more than {:.0}% of the storm waiting for a CPU; run again",
            NOISY_WAIT_SHARE * 100.0
        );
    }
    Ok(())
}
