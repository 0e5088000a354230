//! The allocation budget: a regression gate that a noisy machine cannot make flaky, because it
//! counts allocations instead of timing anything.
//!
//! The real server runs in this process over real sockets, under a counting global allocator.
//! Its clients are blocking sockets on the load generator's own framing, which allocate nothing
//! once connected, so what is counted is the server's work (every thread of it: connection
//! tasks, the room actor, the store thread). Clients go in lockstep (each message waits until
//! everyone has it), so every batch, queue and commit has the same shape on every run and the
//! counts do not depend on timing.
//!
//! Two measurements, each after a warm-up that lets buffers and maps reach their working size:
//! - `command`: one room of `MEMBERS` participants; each in turn moves its post-it
//!   (`note.drop`), `COMMANDS` times in all: allocations and bytes per applied command and per
//!   frame delivered (events and acks).
//! - `fan_out`: the same number of clients in one room of the bench relay (`--bench-relay`,
//!   the server's fan-out engine without the protocol): allocations and bytes per delivery.
//!
//! The budget is `tests/alloc-budget.json`: the counts measured when it was last set, and a
//! headroom; the test fails when a count passes its budget times (1 + headroom). To set it
//! after a change that rightly allocates more (or, better, less), run
//!
//! ```sh
//! UPDATE_ALLOC_BUDGET=1 cargo test -p horseshoe-tests --test alloc_budget
//! ```
//!
//! and commit the file with the reason in the message. It is measured in the test profile
//! (debug), as `./test.sh` runs it.
#![cfg(feature = "bench-relay")]

use std::alloc::System;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use horseshoe::Config;
use horseshoe_tests::TestServer;
use horseshoe_tests::load::blocking::{self, Client};
use horseshoe_tests::load::wire::{self, Msg};
use serde_json::{Value, json};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, Stats, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Members of the room (a small workshop group).
const MEMBERS: usize = 20;
/// Commands (or relay frames) measured; each member sends `COMMANDS / MEMBERS`, well within its
/// command rate limit.
const COMMANDS: usize = 200;
/// Commands sent before counting starts.
const WARM_UP: usize = 2 * MEMBERS;
/// The budget file, beside this crate's manifest.
const BUDGET_FILE: &str = "alloc-budget.json";
/// Set (to anything) to write the measured counts as the new budget.
const UPDATE_VAR: &str = "UPDATE_ALLOC_BUDGET";
/// Headroom written into a new budget: the counts are the same on every run (lockstep), so 5%
/// catches a real regression (one more allocation per delivered frame) and nothing else.
const NEW_HEADROOM: f64 = 0.05;
/// Allowed above a budget however small it is: the relay's fan-out allocates nothing per
/// delivery, and a zero budget should not fail on one allocation that a library makes once in
/// a while; one more allocation per delivery (a copy per recipient) is 20 times this.
const MIN_SLACK_ALLOCATIONS: f64 = 0.05;
/// Bytes allowed above a budget however small it is, for the same reason.
const MIN_SLACK_BYTES: f64 = 16.0;

/// What one measurement counted, per unit.
#[derive(Debug, Clone, Copy)]
struct Counted {
    allocations: f64,
    bytes: f64,
}

/// Per unit, what `stats` counted for `units` units of `what`.
fn per(stats: Stats, units: usize, what: &str) -> Counted {
    println!(
        "{what}: {} allocations, {} reallocations, {} bytes in {units}",
        stats.allocations, stats.reallocations, stats.bytes_allocated
    );
    let units = units as f64;
    Counted {
        allocations: (stats.allocations + stats.reallocations) as f64 / units,
        bytes: stats.bytes_allocated as f64 / units,
    }
}

#[test]
fn allocations_per_command_and_per_delivery_stay_within_budget() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let mut config = Config::for_data_dir(dir.path());
    config.bench_relay = true;
    let server = runtime.block_on(TestServer::start_with(config))?;

    let (per_command, per_frame) = commands(server.addr)?;
    let per_delivery = fan_out(server.addr)?;
    runtime.block_on(server.stop())?;

    let measured = json!({
        "command": {
            "allocations_per_command": round(per_command.allocations),
            "bytes_per_command": round(per_command.bytes),
            "allocations_per_frame": round(per_frame.allocations),
            "bytes_per_frame": round(per_frame.bytes),
        },
        "fan_out": {
            "allocations_per_delivery": round(per_delivery.allocations),
            "bytes_per_delivery": round(per_delivery.bytes),
        },
    });
    println!("measured: {measured:#}");

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BUDGET_FILE);
    if std::env::var_os(UPDATE_VAR).is_some() {
        let mut budget = measured;
        budget["headroom"] = json!(NEW_HEADROOM);
        budget["about"] = json!(format!(
            "Allocation counts of the server measured by tests/tests/alloc_budget.rs ({MEMBERS} members, \
             {COMMANDS} commands, test profile). The test fails when a count passes its value here times \
             (1 + headroom), or a value near zero by more than a small fixed slack. To set them anew: {UPDATE_VAR}=1 cargo test -p horseshoe-tests --test alloc_budget"
        ));
        std::fs::write(&path, format!("{budget:#}\n"))?;
        println!("wrote the new budget to {}", path.display());
        return Ok(());
    }
    let budget: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    let headroom = budget["headroom"].as_f64().context("the budget has no headroom")?;
    let mut over = Vec::new();
    for (group, fields) in measured.as_object().context("an object")? {
        for (name, value) in fields.as_object().context("an object")? {
            let now = value.as_f64().context("a number")?;
            let allowed =
                budget[group][name].as_f64().with_context(|| format!("the budget has no {group}.{name}"))?;
            let slack = if name.starts_with("bytes") { MIN_SLACK_BYTES } else { MIN_SLACK_ALLOCATIONS };
            let limit = (allowed * (1.0 + headroom)).max(allowed + slack);
            println!("{group}.{name}: {now} (budget {allowed}, limit {limit:.2})");
            if now > limit {
                over.push(format!(
                    "{group}.{name} is {now}, over its budget {allowed} (+{:.0}%)",
                    headroom * 100.0
                ));
            }
        }
    }
    if !over.is_empty() {
        bail!(
            "allocation budget exceeded:\n  {}\nIf the change is meant to allocate more, set the budget anew with \
             {UPDATE_VAR}=1 and say why in the commit.",
            over.join("\n  ")
        );
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A room of MEMBERS participants, each owning a revealed post-it; each in turn moves it, and
/// every member reads until it has the move. Counts per command and per frame delivered.
fn commands(addr: SocketAddr) -> anyhow::Result<(Counted, Counted)> {
    let room = blocking::create_room(addr)?;
    let path = format!("/api/rooms/{}/ws", room.id);
    let mut members = Vec::new();
    for me in 0..MEMBERS {
        let mut c = Client::connect(addr, &path, me as u64 + 1)?;
        c.send(|out| wire::hello_participant(out, me))?;
        c.recv_until(|m, _| matches!(wire::parse(m), Msg::Welcome { .. }).then_some(()))?;
        let id = c.next_id();
        c.send(|out| wire::add_note(out, id, me))?;
        answer(&mut c)?;
        members.push(c);
    }
    let mut facilitator = Client::connect(addr, &path, 1000)?;
    facilitator.send(|out| wire::hello_facilitator(out, &room.key))?;
    facilitator.recv_until(|m, _| matches!(wire::parse(m), Msg::Welcome { .. }).then_some(()))?;
    let id = facilitator.next_id();
    facilitator.send(|out| wire::reveal_all(out, id))?;
    let revealed = answer(&mut facilitator)?;
    facilitator.close();
    // Everyone catches up with the joins and the reveal.
    for c in &mut members {
        c.recv_until(|m, _| event_seq(m).filter(|&seq| seq >= revealed))?;
    }

    moves(&mut members, 0..WARM_UP)?;
    let region = Region::new(GLOBAL);
    let frames = moves(&mut members, WARM_UP..WARM_UP + COMMANDS)?;
    let stats = region.change();
    let per_command = per(stats, COMMANDS, "commands");
    let per_frame = per(stats, frames, "frames delivered for them");
    for c in members {
        c.close();
    }
    Ok((per_command, per_frame))
}

/// Moves number `range`, each by the next member in turn, in lockstep; returns the frames
/// the members received.
fn moves(members: &mut [Client], range: std::ops::Range<usize>) -> anyhow::Result<usize> {
    let mut frames = 0;
    for n in range {
        let me = n % MEMBERS;
        let mover = &mut members[me];
        let id = mover.next_id();
        let (x, y) = (n as u64 % 4000, 100 + me as u64);
        mover.send(|out| wire::move_note(out, id, me, x, y))?;
        let seq = mover.recv_until(|m, _| {
            frames += 1;
            answered(m)
        })?;
        let seq = seq.map_err(|()| anyhow::anyhow!("move {n} was refused"))?;
        for (i, c) in members.iter_mut().enumerate() {
            if i != me {
                c.recv_until(|m, _| {
                    frames += 1;
                    event_seq(m).filter(|&s| s >= seq)
                })?;
            }
        }
    }
    Ok(frames)
}

/// The same number of clients in one relay room; each in turn sends a frame, and every other
/// client reads until it has it. Counts per delivery.
fn fan_out(addr: SocketAddr) -> anyhow::Result<Counted> {
    let mut clients = Vec::new();
    for i in 0..MEMBERS {
        clients.push(Client::connect(addr, "/bench/relay/alloc-budget", 2000 + i as u64)?);
    }
    relay_joined(&mut clients)?;
    relay_rounds(&mut clients, 0..WARM_UP)?;
    let region = Region::new(GLOBAL);
    relay_rounds(&mut clients, WARM_UP..WARM_UP + COMMANDS)?;
    let per_delivery = per(region.change(), COMMANDS * (MEMBERS - 1), "relay deliveries");
    for c in clients {
        c.close();
    }
    Ok(per_delivery)
}

/// Waits until the relay has registered every client (it does so just after the handshake,
/// so a frame sent at once could miss a client). A client's frames reach the room after its
/// registration, so: each client sends until client 0 hears it.
fn relay_joined(clients: &mut [Client]) -> anyhow::Result<()> {
    /// How long client 0 listens for each try, and how many tries.
    const LISTEN: Duration = Duration::from_millis(100);
    const TRIES: usize = 100;
    let (first, rest) = clients.split_first_mut().context("no clients")?;
    first.set_timeout(LISTEN)?;
    for (i, c) in rest.iter_mut().enumerate() {
        let mut heard = false;
        for _ in 0..TRIES {
            c.send(|out| out.extend_from_slice(format!("{i} joined").as_bytes()))?;
            match first.recv_until(|m, _| (m == format!("{i} joined").as_bytes()).then_some(())) {
                Ok(()) => {
                    heard = true;
                    break;
                }
                Err(e)
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::ensure!(heard, "relay client {i} was not registered after {TRIES} tries");
    }
    first.set_timeout(blocking::WAIT)?;
    Ok(())
}

/// Frames number `range`, each from the next client in turn, in lockstep.
fn relay_rounds(clients: &mut [Client], range: std::ops::Range<usize>) -> anyhow::Result<()> {
    for n in range {
        let from = n % MEMBERS;
        clients[from].send(|out| {
            use std::io::Write as _;
            let _ = write!(out, "{from} {n} relay frame of a fixed size, like a small event");
        })?;
        for (i, c) in clients.iter_mut().enumerate() {
            if i != from {
                c.recv_until(|m, _| relay_counter(m).filter(|&k| k == n as u64))?;
            }
        }
    }
    Ok(())
}

/// The answer to a command: its last event's `seq`, or `Err` when it was refused.
fn answered(m: &[u8]) -> Option<Result<u64, ()>> {
    match wire::parse(m) {
        Msg::Ack { seq } => Some(Ok(seq)),
        Msg::Reject | Msg::Error => Some(Err(())),
        _ => None,
    }
}

/// Reads until the answer to a command; fails when it was refused.
fn answer(c: &mut Client) -> anyhow::Result<u64> {
    c.recv_until(|m, _| answered(m))?.map_err(|()| anyhow::anyhow!("a command was refused"))
}

fn event_seq(m: &[u8]) -> Option<u64> {
    match wire::parse(m) {
        Msg::Event { seq, .. } => Some(seq),
        _ => None,
    }
}

fn relay_counter(m: &[u8]) -> Option<u64> {
    let field = m.split(|&b| b == b' ').nth(1)?;
    std::str::from_utf8(field).ok()?.parse().ok()
}
