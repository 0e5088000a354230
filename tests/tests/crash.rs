//! Kill -9 the server at random moments while clients work, restart it on the same data
//! directory, and check that every acknowledged command is there and nothing was applied twice
//! (commands in flight at the kill are resent from the same client with their numbers: each is
//! acknowledged, never refused as a duplicate, never applied twice).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use horseshoe_protocol::{ClientId, ClientMsg, Command, CommandId, Credentials, ItemId, ServerMsg};
use horseshoe_tests::Client;
use horseshoe_tests::http::{self, CreatedRoom};
use horseshoe_tests::process::ServerProcess;

const BIN: &str = env!("CARGO_BIN_EXE_horseshoe-under-test");
const KILLS: usize = 20;
const ROOMS: usize = 3;
const CLIENTS_PER_ROOM: usize = 2;
/// Spacing of each client's commands: under the per-connection rate limit.
const PACE: Duration = Duration::from_millis(40);

/// One facilitator's durable view of its own work.
struct Worker {
    /// Which worker: its factors are named after it.
    no: usize,
    room: usize,
    token: Option<String>,
    /// The worker's browser tab, the same across reconnects, so that its numbering goes on.
    client: ClientId,
    next: u64,
    /// Factor id by command number, for commands sent and not yet acknowledged.
    pending: BTreeMap<u64, String>,
    /// Factor ids whose command was acknowledged.
    acked: BTreeSet<String>,
}

fn add_factor(command: u64, factor: &str) -> ClientMsg {
    let cmd = Command::AddFactor { id: ItemId(factor.into()), text: format!("factor {factor}") };
    ClientMsg::Cmd { id: CommandId(command), cmd }
}

/// Connects as the worker's facilitator member (made on the first connect).
async fn connect(server: &ServerProcess, rooms: &[CreatedRoom], w: &mut Worker) -> anyhow::Result<Client> {
    let room = &rooms[w.room];
    let credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: w.token.clone() };
    let url = server.ws_url(&room.room_id);
    let (client, welcome) =
        Client::rejoin_as(&url, credentials, Some("Worker"), None, w.client.clone()).await?;
    let ServerMsg::Welcome { you, .. } = welcome else { anyhow::bail!("no welcome: {welcome:?}") };
    if w.token.is_none() {
        w.token = you.token;
    }
    Ok(client)
}

/// Sends commands until the connection breaks, recording acknowledgements.
async fn work(mut client: Client, w: &mut Worker) {
    loop {
        let n = w.next;
        w.next += 1;
        let (command, factor) = (n, format!("f-{}-{n}", w.no));
        if client.send(&add_factor(command, &factor)).await.is_err() {
            return;
        }
        w.pending.insert(command, factor);
        let deadline = tokio::time::Instant::now() + PACE;
        loop {
            let msg = tokio::select! {
                msg = client.recv() => msg,
                () = tokio::time::sleep_until(deadline) => break,
            };
            match msg {
                Ok(ServerMsg::Ack { id, .. }) => {
                    if let Some(factor) = w.pending.remove(&id.0) {
                        w.acked.insert(factor);
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_command_is_lost_or_applied_twice_across_kill_9() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut server = ServerProcess::start(BIN, dir.path(), &[]).await?;
    let mut rooms = Vec::new();
    for _ in 0..ROOMS {
        rooms.push(http::create_room(server.addr, "{}").await?);
    }
    // Each worker's member id must persist across kills, so the first connect is made before any.
    let mut workers: Vec<Worker> = (0..ROOMS * CLIENTS_PER_ROOM)
        .map(|i| Worker {
            no: i,
            room: i % ROOMS,
            token: None,
            client: ClientId(format!("worker{i}")),
            next: 1,
            pending: BTreeMap::new(),
            acked: BTreeSet::new(),
        })
        .collect();
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos() as u64 | 1;
    println!("crash: seed {seed}");
    let mut resent = 0;

    for _ in 0..KILLS {
        // Resend what was in flight at the last kill, with the same ids: applied once either way.
        for w in &mut workers {
            let mut client = connect(&server, &rooms, w).await?;
            for (command, factor) in std::mem::take(&mut w.pending) {
                client.send(&add_factor(command, &factor)).await?;
                resent += 1;
                match client.answer(&CommandId(command)).await? {
                    Ok(_) => {
                        w.acked.insert(factor);
                    }
                    Err(reject) => anyhow::bail!("resent {command} was refused: {reject:?} (applied twice?)"),
                }
            }
            drop(client);
        }
        // Work, and kill at a random moment.
        let mut tasks = Vec::new();
        for mut w in workers.drain(..) {
            let client = connect(&server, &rooms, &mut w).await?;
            tasks.push(tokio::spawn(async move {
                work(client, &mut w).await;
                w
            }));
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(100 + seed % 400)).await;
        server.kill().await?;
        for task in tasks {
            workers.push(task.await?);
        }
        server = ServerProcess::start(BIN, dir.path(), &[]).await?;
    }

    // Every acknowledged factor is there, exactly as many as were made.
    let (mut acked, mut found) = (0, 0);
    for (i, room) in rooms.iter().enumerate() {
        let credentials = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
        let (_c, welcome) = Client::join(&server.ws_url(&room.room_id), credentials, Some("Check")).await?;
        let ServerMsg::Welcome { room: state, .. } = welcome else { anyhow::bail!("no welcome") };
        let present: BTreeSet<String> = state.experience.factors.keys().map(|k| k.0.clone()).collect();
        for w in workers.iter().filter(|w| w.room == i) {
            acked += w.acked.len();
            found += w.acked.iter().filter(|f| present.contains(*f)).count();
        }
    }
    println!(
        "crash: {KILLS} kills, {acked} commands acknowledged, {found} found, {} lost, {resent} resent after a kill",
        acked - found
    );
    assert!(acked > 50, "too little work to mean anything: {acked}");
    assert_eq!(acked, found, "acknowledged commands were lost");
    server.terminate().await?;
    Ok(())
}
