//! Twenty people write one text at once through the real server (issue 12): each a yrs copy
//! typing its own characters at random places, each dropping its connection now and then and
//! coming back (resending what was not acknowledged, as the browser does), and the server
//! killed with SIGKILL in the middle and started again on its data. Afterwards every copy and a
//! fresh snapshot read the same, and the text holds every acknowledged keystroke exactly once.
//! With `HORSESHOE_TEST_NODES=2` the writers are spread over two nodes serving the room through
//! one NATS server, and the node killed is one of them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use horseshoe_protocol::{
    ClientId, ClientMsg, Command, CommandId, Credentials, Event, ServerMsg, TextTarget,
};
use horseshoe_tests::cluster::ProcessesUnderTest;
use horseshoe_tests::http::{self, CreatedRoom};
use horseshoe_tests::{Client, Typist, events_of};
use tokio::sync::RwLock;

const BIN: &str = env!("CARGO_BIN_EXE_horseshoe-under-test");
const WRITERS: usize = 20;
/// How long they type.
const TYPING: Duration = Duration::from_secs(10);
/// Between one writer's keystrokes (20 writers: about 30 keystrokes a second in all).
const PACE: Duration = Duration::from_millis(650);
const GROUP: u32 = 1;

/// Where the server is now (it moves to a new port when it is started again).
type Url = Arc<RwLock<String>>;

/// One writer: a facilitator (who may write any group's sentence), their copy of the text, and
/// what they typed.
struct Writer {
    no: usize,
    token: Option<String>,
    client: ClientId,
    next: u64,
    doc: Typist,
    /// Sent and not yet acknowledged: the command number, its update and the character it typed.
    pending: BTreeMap<u64, (String, char)>,
    acked: Vec<char>,
    typed: u32,
    /// Connections made, and keystrokes sent again on them.
    connections: usize,
    resent: usize,
}

impl Writer {
    fn new(no: usize) -> Self {
        Self {
            no,
            token: None,
            client: ClientId(format!("writer{no}")),
            next: 1,
            doc: Typist::new(5000 + no as u64),
            pending: BTreeMap::new(),
            acked: Vec::new(),
            typed: 0,
            connections: 0,
            resent: 0,
        }
    }

    /// A character nobody else types (one block of the CJK range per writer).
    fn glyph(&self) -> char {
        char::from_u32(0x4E00 + self.no as u32 * 64 + self.typed).expect("a CJK ideograph")
    }

    /// Joins (the first time as a new facilitator, then with the token); takes in the room's
    /// document and sends again whatever was not acknowledged, in order.
    async fn connect(&mut self, url: &Url, room: &CreatedRoom) -> anyhow::Result<Client> {
        let credentials =
            Credentials::Facilitator { key: room.facilitator_key.clone(), token: self.token.clone() };
        let url = url.read().await.clone();
        let name = format!("w{}", self.no);
        let (client, welcome) =
            Client::rejoin_as(&url, credentials, Some(&name), None, self.client.clone()).await?;
        let ServerMsg::Welcome { you, room: state, .. } = welcome else {
            anyhow::bail!("no welcome: {welcome:?}")
        };
        self.token = self.token.take().or(you.token);
        let target = TextTarget::Definition { group: GROUP };
        if let Some(shared) = state.texts.get(&target.key()) {
            self.doc.apply(&horseshoe_protocol::shared::encode_base64(&shared.doc.encode()));
        }
        let mut client = client.numbering_from(self.next - 1);
        self.connections += 1;
        self.resent += self.pending.len();
        for (n, (update, _)) in &self.pending {
            let cmd = Command::EditText { target: target.clone(), update: update.clone() };
            client.send(&ClientMsg::Cmd { id: CommandId(*n), cmd }).await?;
        }
        Ok(client)
    }

    /// Types one character at a random place; returns its command number.
    async fn keystroke(&mut self, client: &mut Client, at: u32) -> anyhow::Result<()> {
        let glyph = self.glyph();
        self.typed += 1;
        let update = self.doc.insert(at.min(self.doc.len()), &glyph.to_string());
        let n = self.next;
        self.next += 1;
        self.pending.insert(n, (update.clone(), glyph));
        let cmd = Command::EditText { target: TextTarget::Definition { group: GROUP }, update };
        client.send(&ClientMsg::Cmd { id: CommandId(n), cmd }).await
    }

    /// Takes in what the server said.
    fn heard(&mut self, msg: &ServerMsg) -> anyhow::Result<()> {
        match msg {
            ServerMsg::Ack { id, .. } => {
                if let Some((_, glyph)) = self.pending.remove(&id.0) {
                    self.acked.push(glyph);
                }
            }
            ServerMsg::Reject { id, code, message } => {
                anyhow::bail!("writer {}: keystroke {} refused: {code:?} {message}", self.no, id.0)
            }
            _ => {
                for event in events_of(msg) {
                    if let Event::TextChanged {
                        target: TextTarget::Definition { group: GROUP },
                        update,
                        ..
                    } = event
                    {
                        self.doc.apply(update);
                    }
                }
            }
        }
        Ok(())
    }
}

struct Rand(u64);

impl Rand {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// One writer's ten seconds: type, read, now and then drop the line and come back; when the
/// server is gone, wait for it.
async fn write(mut w: Writer, url: Url, room: CreatedRoom, seed: u64) -> anyhow::Result<Writer> {
    let mut rand = Rand(seed | 1);
    let end = tokio::time::Instant::now() + TYPING;
    let mut tick = tokio::time::interval(PACE);
    'connections: while tokio::time::Instant::now() < end {
        let Ok(mut client) = w.connect(&url, &room).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if tokio::time::Instant::now() >= end {
                        break 'connections;
                    }
                    let at = rand.below(u64::from(w.doc.len()) + 1) as u32;
                    if w.keystroke(&mut client, at).await.is_err() {
                        continue 'connections;
                    }
                    // Now and then the line drops, and the writer comes back a moment later.
                    if rand.below(12) == 0 {
                        drop(client);
                        tokio::time::sleep(Duration::from_millis(50 + rand.below(300))).await;
                        continue 'connections;
                    }
                }
                msg = client.recv() => match msg {
                    Ok(msg) => w.heard(&msg)?,
                    Err(_) => continue 'connections,
                },
            }
        }
    }
    // Typing is over: come back until everything sent is acknowledged.
    for _ in 0..50 {
        if w.pending.is_empty() {
            break;
        }
        let Ok(mut client) = w.connect(&url, &room).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let settle = tokio::time::Instant::now() + Duration::from_secs(5);
        while !w.pending.is_empty() && tokio::time::Instant::now() < settle {
            match tokio::time::timeout_at(settle, client.recv()).await {
                Ok(Ok(msg)) => w.heard(&msg)?,
                _ => break,
            }
        }
    }
    anyhow::ensure!(
        w.pending.is_empty(),
        "writer {}: {} keystrokes never acknowledged",
        w.no,
        w.pending.len()
    );
    Ok(w)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_writers_one_text_drops_and_a_kill_nothing_acknowledged_is_lost() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // One node on SQLite; with HORSESHOE_TEST_NODES=2, two nodes over NATS (writers spread over
    // both, and the first one killed).
    let mut server = ProcessesUnderTest::start(BIN, dir.path()).await?;
    let room = http::create_room(server.addr(), r#"{"title": "Together"}"#).await?;
    let url: Url = Arc::new(RwLock::new(server.ws_url(&room.room_id)));

    // A participant, grouped, so that the sentence of group 1 exists.
    let setup_url = url.read().await.clone();
    let (p, _) = Client::join(&setup_url, Credentials::Participant { token: None }, Some("P")).await?;
    let key = Credentials::Facilitator { key: room.facilitator_key.clone(), token: None };
    let (mut fac, _) = Client::join(&setup_url, key, Some("Marta")).await?;
    fac.wait_online(|online| online.len() == 2).await?;
    for cmd in [Command::SetStep { step: 3 }, Command::FormGroups] {
        let answer = fac.run(cmd).await?;
        anyhow::ensure!(answer.is_ok(), "{answer:?}");
    }
    drop((fac, p));

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos() as u64;
    println!("together: seed {seed}");
    let mut tasks = Vec::new();
    for no in 0..WRITERS {
        let (url, room) = (url.clone(), room.clone());
        tasks.push(tokio::spawn(write(Writer::new(no), url, room, seed.wrapping_add(no as u64 * 7919))));
    }

    // Half way: SIGKILL, and the server again on the same data.
    tokio::time::sleep(TYPING / 2).await;
    server.kill_and_restart().await?;
    *url.write().await = server.ws_url(&room.room_id);

    let mut writers = Vec::new();
    for task in tasks {
        writers.push(task.await??);
    }

    // A fresh snapshot: the room's text.
    let (_viewer, welcome) = Client::join(&url.read().await.clone(), Credentials::Viewer, None).await?;
    let ServerMsg::Welcome { room: state, .. } = welcome else { anyhow::bail!("no welcome") };
    let target = TextTarget::Definition { group: GROUP };
    let room_text = state.text_of(&target).to_owned();
    let snapshot = Typist::of(1, &state, &target);
    assert_eq!(snapshot.text(), room_text, "the document reads as the room's text");

    let (mut acked, mut typed, mut connections, mut resent) = (0, 0, 0, 0);
    for w in &mut writers {
        // Each copy, given what it may not have seen yet, is the room's.
        w.doc.apply(&snapshot.state());
        assert_eq!(w.doc.text(), room_text, "writer {}'s copy differs", w.no);
        for glyph in &w.acked {
            let times = room_text.chars().filter(|c| c == glyph).count();
            assert_eq!(times, 1, "writer {}'s {glyph:?} appears {times} times", w.no);
        }
        acked += w.acked.len();
        typed += w.typed as usize;
        connections += w.connections;
        resent += w.resent;
    }
    assert_eq!(room_text.chars().count(), acked, "nothing but acknowledged keystrokes");
    assert!(acked > 150, "enough typing to mean anything: {acked}");
    println!(
        "together: {WRITERS} writers, {typed} keystrokes typed, {acked} acknowledged and in the text; \
         {connections} connections, {resent} keystrokes sent again after a drop or the kill"
    );
    server.terminate().await?;
    Ok(())
}
