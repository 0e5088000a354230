//! A whole workshop, simulated: two facilitators and several participants drive all six steps
//! through the pure rules with a seeded generator. They type into shared texts from their own
//! Yjs documents, which lag behind the room as a browser's would, and undo and redo at random.
//!
//! After every change:
//! - (a) every member's copy, built from a `welcome` and the `change` frames they receive (the
//!   public events and their own private ones, through JSON), equals `view_for` that member;
//!   a viewer's copy equals the shared view;
//! - (b) a replica that applies the stored log (through JSON) equals the room, book included;
//! - (c) an accepted undo or redo changes only what the member's own action changed, and only
//!   where it still reads as they left it (so it never overwrites someone else's later write);
//!   a refused one is `conflict` and changes nothing; stacks hold only the current step;
//! - (d) nothing points at something missing;
//! - a refused command leaves the room as it was, and the dedup marks say what was applied.
//!
//! At the end of each run: (b) a replay of the whole log from an empty room, and snapshots
//! taken at random `seq`s resumed with the tail, equal the room; (e) every character typed into
//! a shared text is in it unless someone deleted it, none appears twice or from nowhere, and
//! every member's Yjs document, once synced, reads as the room's text.

use std::collections::{BTreeMap, BTreeSet};

use horseshoe_protocol::limits::UNDO_DEPTH;
use horseshoe_protocol::rules::{join, rejoin};
use horseshoe_protocol::shared::{TEXT_NAME, decode_base64, encode_base64, len_utf16, slice_utf16};
use horseshoe_protocol::{
    Actor, Book, Change, ClientId, Column, Command, CommandId, CommandRef, Context, DropTarget, ErrorCode,
    Event, ItemId, Member, MemberId, MemberRole, Note, RoomId, RoomState, Seen, ServerMsg, Settings,
    TextTarget, Texts, run,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, Text, Transact, Update};

/// Seeds of the runs; each run is a whole workshop.
const SEEDS: [u64; 4] = [1, 42, 2026, 0x5eed_cafe];
/// Commands (and other moves) per run, spread over the six steps.
const MOVES: usize = 1200;
/// Participants at the start; two more arrive late (in steps 3 and 5).
const PARTICIPANTS: u128 = 5;
/// Every this many changes, the copies are compared whole (shared texts included); in
/// between, only the texts the change touched.
const FULL_CHECK_EVERY: u64 = 50;

/// xorshift64*: the simulation's own seeded generator (not the rules').
struct Rand(u64);

impl Rand {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One chance in `n`.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len())].clone())
    }
}

const WORDS: &[&str] =
    &["client", "clients", "needs", "listen", "trust", "heart", "decisão", "cliente", "every"];

fn through_json<T: Serialize + DeserializeOwned>(value: &T) -> T {
    serde_json::from_str(&serde_json::to_string(value).expect("serializes")).expect("parses")
}

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}

/// Where two JSON values first differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{path}.{k}")),
                (p, q) => Some(format!("{path}.{k}: {p:?} vs {q:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

fn explain(a: &RoomState, b: &RoomState) -> String {
    let (a, b) = (serde_json::to_value(a).expect("json"), serde_json::to_value(b).expect("json"));
    first_difference(&a, &b, "room").unwrap_or_else(|| "equal as JSON, different in memory".to_owned())
}

/// The value of every thing undo may reach, by a key of our own: a state as a set of facts.
/// Highlights anchored to a shared text are their anchors (their positions follow the text).
type Facts = BTreeMap<String, String>;

fn facts(s: &RoomState) -> Facts {
    let mut f = Facts::new();
    for (m, c) in &s.checkins {
        f.insert(format!("checkin:{m}"), json(c));
    }
    for (id, x) in &s.experience.factors {
        f.insert(format!("factor:{}", id.0), json(x));
    }
    for g in s.definitions.groups.values() {
        for m in &g.members {
            f.insert(format!("group-of:{m}"), g.id.to_string());
        }
        for m in &g.late {
            f.insert(format!("late-to-group:{m}"), g.id.to_string());
        }
    }
    for (id, h) in &s.definitions.highlights {
        let value = match &h.anchor {
            Some(anchor) => json(&(&h.id, h.group, h.by, anchor)),
            None => json(h),
        };
        f.insert(format!("highlight:{}", id.0), value);
    }
    f.insert("working".to_owned(), s.definitions.working.clone());
    f.insert("wall".to_owned(), json(&s.definitions.wall));
    for (id, n) in &s.wall.notes {
        // Where a post-it is apart from what it is: a move (and its undo) changes only that.
        f.insert(format!("note:{}", id.0), json(&Note { x: 0, y: 0, cluster: None, ..n.clone() }));
        f.insert(format!("note-at:{}", id.0), json(&(n.x, n.y, &n.cluster)));
    }
    for (m, count) in &s.wall.pending {
        f.insert(format!("pending:{m}"), count.to_string());
    }
    for (id, c) in &s.wall.clusters {
        f.insert(format!("cluster:{}", id.0), json(c));
    }
    for t in s.assessment.teams.values() {
        f.insert(format!("team:{}", t.id), "team".to_owned());
        f.insert(format!("team-cluster:{}", t.id), json(&t.cluster));
        for (i, r) in t.ratings.iter().enumerate() {
            f.insert(format!("rating:{}:{}", t.id, i + 1), r.to_string());
        }
        for m in &t.members {
            f.insert(format!("team-of:{m}"), t.id.to_string());
        }
        for m in &t.late {
            f.insert(format!("late-to-team:{m}"), t.id.to_string());
        }
    }
    for (id, c) in &s.assessment.cards {
        f.insert(format!("card:{}", id.0), json(c));
    }
    for (id, a) in &s.priorities.areas {
        f.insert(format!("area:{}", id.0), json(a));
    }
    f.insert("presenting".to_owned(), json(&s.priorities.presenting));
    f.insert("tally".to_owned(), json(&s.priorities.tally));
    f.insert("ranking".to_owned(), json(&(&s.priorities.ranking, s.priorities.finalised)));
    f
}

/// What changed between two sets of facts: key -> (before, after); `None` is absent.
type Diff = BTreeMap<String, (Option<String>, Option<String>)>;

/// Whether `key` is where a member is or whether they are late, in groups or in teams, and the
/// room had placed them there as a latecomer (`late-to-*` in `facts`): nobody's change, which an
/// undo or redo may put back where its action had them, or place them again.
fn placed_by_the_room(facts: &Facts, key: &str) -> bool {
    let late = |kind: &str| {
        [format!("{kind}-of:"), format!("late-to-{kind}:")]
            .iter()
            .find_map(|prefix| key.strip_prefix(prefix.as_str()))
            .is_some_and(|m| facts.contains_key(&format!("late-to-{kind}:{m}")))
    };
    late("group") || late("team")
}

/// Whether `key` is where someone is in a `kind` (group or team) that was formed for them,
/// not one the room placed them in as a latecomer.
fn formed_by(facts: &Facts, key: &str, kind: &str) -> bool {
    key.strip_prefix(&format!("{kind}-of:"))
        .is_some_and(|m| !facts.contains_key(&format!("late-to-{kind}:{m}")))
}

fn diff(before: &Facts, after: &Facts) -> Diff {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| (k.clone(), (before.get(k).cloned(), after.get(k).cloned())))
        .collect()
}

/// Whoever is here in an open room yet in no group (or team, for `teams`) while others are in
/// one formed. Forming places everyone here, and so does undoing or redoing a forming.
fn left_out(s: &RoomState, online: &BTreeSet<MemberId>, teams: bool) -> Vec<MemberId> {
    let formed = if teams {
        s.assessment.teams.values().any(|t| t.members.iter().any(|m| !t.late.contains(m)))
    } else {
        s.definitions.groups.values().any(|g| g.members.iter().any(|m| !g.late.contains(m)))
    };
    let placed = |m: &MemberId| if teams { s.team_of(*m).is_some() } else { s.group_of(*m).is_some() };
    if s.closed || !formed {
        return Vec::new();
    }
    s.participants().into_iter().filter(|m| online.contains(m) && !placed(m)).collect()
}

/// Every reference in the room to something missing, and every person in two groups or teams.
fn dangling(s: &RoomState) -> Vec<String> {
    let mut out = Vec::new();
    let clusters = &s.wall.clusters;
    for n in s.wall.notes.values() {
        if n.cluster.as_ref().is_some_and(|c| !clusters.contains_key(c)) {
            out.push(format!("note {} in missing cluster {:?}", n.id.0, n.cluster));
        }
    }
    for g in s.definitions.groups.values() {
        if g.late.iter().any(|m| !g.members.contains(m)) {
            out.push(format!("group {} marks as late someone not in it: {:?}", g.id, g.late));
        }
    }
    let teams = &s.assessment.teams;
    for t in teams.values() {
        if t.late.iter().any(|m| !t.members.contains(m)) {
            out.push(format!("team {} marks as late someone not in it: {:?}", t.id, t.late));
        }
        if t.cluster.as_ref().is_some_and(|c| !clusters.contains_key(c)) {
            out.push(format!("team {} assesses missing cluster {:?}", t.id, t.cluster));
        }
    }
    for c in s.assessment.cards.values() {
        if !teams.contains_key(&c.team) {
            out.push(format!("card {} on missing team {}", c.id.0, c.team));
        }
    }
    let areas = &s.priorities.areas;
    for a in areas.values() {
        if a.from_card.as_ref().is_some_and(|c| !s.assessment.cards.contains_key(c)) {
            out.push(format!("area {} from missing card {:?}", a.id.0, a.from_card));
        }
    }
    for id in s.priorities.ranking.iter().chain(s.priorities.tally.keys()) {
        if !areas.contains_key(id) {
            out.push(format!("ranking or tally holds missing area {}", id.0));
        }
    }
    if let Some(team) = s.priorities.presenting
        && !teams.contains_key(&team)
    {
        out.push(format!("missing team {team} presents"));
    }
    for h in s.definitions.highlights.values() {
        let text =
            s.texts.get(&TextTarget::Definition { group: h.group }.key()).map_or("", |t| t.text.as_str());
        if h.anchor.is_some() && slice_utf16(text, h.start, h.end).as_deref() != Some(h.phrase.as_str()) {
            out.push(format!(
                "highlight {} reads {:?}, not its words at {}..{}",
                h.id.0, h.phrase, h.start, h.end
            ));
        }
    }
    let mut grouped = BTreeSet::new();
    for g in s.definitions.groups.values() {
        for m in &g.members {
            if !grouped.insert(*m) || !s.is_participant(*m) {
                out.push(format!("{m} is twice in a group, or not a participant"));
            }
        }
        if g.members.is_empty() {
            out.push(format!("group {} is empty", g.id));
        }
    }
    let mut teamed = BTreeSet::new();
    for t in teams.values() {
        for m in &t.members {
            if !teamed.insert(*m) || !s.is_participant(*m) {
                out.push(format!("{m} is twice in a team, or not a participant"));
            }
        }
    }
    for (m, votes) in &s.priorities.votes {
        let sum: u32 = votes.values().map(|d| u32::from(*d)).sum();
        if s.priorities.used.get(m).map_or(0, |u| u32::from(*u)) != sum {
            out.push(format!("{m} used {:?} dots but placed {sum}", s.priorities.used.get(m)));
        }
    }
    out
}

/// A member's copy of one shared text: a Yjs document of their own, as in their browser.
struct Editor {
    doc: Doc,
}

/// What a member typed into a text, to check later that it is there.
struct Typed {
    key: String,
    inserted: Vec<char>,
    deleted: Vec<char>,
    /// Typed on a document that had not yet received every update the room had.
    stale: bool,
}

#[derive(Debug, Default)]
struct Stats {
    applied: usize,
    refused: usize,
    undone: usize,
    redone: usize,
    history_refused: usize,
    /// Undos and redos of forming groups or teams, after which nobody here may be left out.
    formings_undone: usize,
    text_edits: usize,
    stale_edits: usize,
    commands: BTreeSet<&'static str>,
    steps: BTreeSet<u8>,
}

struct Sim {
    seed: u64,
    /// Commands to try.
    moves: usize,
    /// What one participant's browser receives, recorded for the browser's conformance test.
    tape: Option<Tape>,
    rand: Rand,
    server: RoomState,
    /// The room as created, before any change: where a replay starts.
    created: RoomState,
    /// The room's log as stored: every change through JSON.
    log: Vec<Change>,
    /// A replica of the room fed only the stored log.
    replay: RoomState,
    /// Snapshots (JSON) taken at random `seq`s.
    snapshots: Vec<String>,
    facilitators: Vec<MemberId>,
    members: BTreeMap<MemberId, MemberRole>,
    clients: BTreeMap<MemberId, (ClientId, u64)>,
    /// What each member's browser holds, fed only `welcome` and their frames.
    copies: BTreeMap<MemberId, RoomState>,
    viewer: RoomState,
    online: BTreeSet<MemberId>,
    now: i64,
    ids: u64,
    last_actor: Option<MemberId>,
    last_undoer: Option<MemberId>,
    editors: BTreeMap<(MemberId, String), Editor>,
    /// Text updates a member's browser received but their editor has not applied yet.
    inbox: BTreeMap<MemberId, Vec<(String, Vec<u8>)>>,
    yjs_clients: u64,
    glyphs: u32,
    born: BTreeMap<String, BTreeSet<char>>,
    deleted: BTreeMap<String, BTreeSet<char>>,
    /// Our own mirror of each member's undo and redo stacks: what each action changed.
    undo: BTreeMap<MemberId, Vec<Diff>>,
    redo: BTreeMap<MemberId, Vec<Diff>>,
    stats: Stats,
}

impl Sim {
    fn new(seed: u64) -> Self {
        Self::with(seed, MOVES, None)
    }

    fn with(seed: u64, moves: usize, tape: Option<Tape>) -> Self {
        let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("valid id");
        let settings = Settings { title: "Simulated".into(), group_size: 3, ..Settings::default() };
        let server = RoomState::new(id, settings, 0);
        let empty = server.clone();
        let mut sim = Sim {
            seed,
            moves,
            tape,
            rand: Rand(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            replay: empty.clone(),
            viewer: empty.clone(),
            created: empty,
            server,
            log: Vec::new(),
            snapshots: Vec::new(),
            facilitators: Vec::new(),
            members: BTreeMap::new(),
            clients: BTreeMap::new(),
            copies: BTreeMap::new(),
            online: BTreeSet::new(),
            now: 1_700_000_000_000,
            ids: 0,
            last_actor: None,
            last_undoer: None,
            editors: BTreeMap::new(),
            inbox: BTreeMap::new(),
            yjs_clients: 1000,
            glyphs: 0,
            born: BTreeMap::new(),
            deleted: BTreeMap::new(),
            undo: BTreeMap::new(),
            redo: BTreeMap::new(),
            stats: Stats::default(),
        };
        sim.arrive(1, "Fa", MemberRole::Facilitator);
        sim.arrive(2, "Fe", MemberRole::Facilitator);
        for n in 0..PARTICIPANTS {
            sim.arrive(10 + n, &format!("p{n}"), MemberRole::Participant);
        }
        sim
    }

    fn fresh_id(&mut self, prefix: &str) -> ItemId {
        self.ids += 1;
        ItemId(format!("{prefix}{}", self.ids))
    }

    /// `count` characters that nobody typed before, some of them outside the BMP (two UTF-16
    /// code units each), so that every character of every text can be traced to who typed it.
    fn glyphs(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| {
                self.glyphs += 1;
                let n = self.glyphs;
                let code = if n.is_multiple_of(3) { 0x2_0000 + n } else { 0x4E00 + n };
                char::from_u32(code).expect("a CJK ideograph")
            })
            .collect()
    }

    /// An item's first words: 1-5 new characters.
    fn first_words(&mut self) -> String {
        let count = 1 + self.rand.below(5);
        self.glyphs(count)
    }

    fn words(&mut self) -> String {
        let count = 1 + self.rand.below(6);
        (0..count).map(|_| WORDS[self.rand.below(WORDS.len())]).collect::<Vec<_>>().join(" ")
    }

    /// A new member joins (the server's `hello`), and their browser starts from `welcome`.
    fn arrive(&mut self, n: u128, name: &str, role: MemberRole) {
        let id = MemberId(Uuid::from_u128(n));
        let member = Member { id, name: name.into(), role, joined_at: self.now };
        self.online.insert(id);
        let change = join(&mut self.server, member, &self.online).expect("admitted");
        self.members.insert(id, role);
        if role == MemberRole::Facilitator {
            self.facilitators.push(id);
        }
        self.clients.insert(id, (ClientId(format!("tab-{n}")), 0));
        self.record(&change);
        let mut copy: RoomState = through_json(&self.server.shared_view());
        copy.merge_private(through_json(&self.server.private_of(id)));
        self.copies.insert(id, copy);
        if let Some(tape) = self.tape.as_mut().filter(|t| t.member == id) {
            let welcome = serde_json::json!({
                "room": self.server.shared_view(),
                "mine": self.server.private_of(id),
            });
            tape.welcome = Some(welcome);
        }
        self.check(&change);
    }

    /// Someone back (or here as the room reopens), placed by the room as at their `hello`.
    fn place(&mut self, who: MemberId) {
        if let Some(change) = rejoin(&mut self.server, who) {
            self.record(&change);
            self.check(&change);
        }
    }

    fn role(&self, who: MemberId) -> MemberRole {
        self.members[&who]
    }

    fn anyone(&mut self) -> MemberId {
        let all: Vec<MemberId> = self.members.keys().copied().collect();
        self.rand.pick(&all).expect("members")
    }

    fn facilitator(&mut self) -> MemberId {
        let all = self.facilitators.clone();
        self.rand.pick(&all).expect("facilitators")
    }

    fn participant(&mut self) -> MemberId {
        let all = self.server.participants();
        self.rand.pick(&all).expect("participants")
    }

    /// Mostly someone who may do it; now and then anyone, to exercise the refusals.
    fn usually(&mut self, who: Option<MemberId>) -> MemberId {
        match who {
            Some(who) if !self.rand.one_in(8) => who,
            _ => self.anyone(),
        }
    }

    fn some<K: Clone + Ord, V>(&mut self, map: &BTreeMap<K, V>) -> Option<K> {
        let keys: Vec<K> = map.keys().cloned().collect();
        self.rand.pick(&keys)
    }

    /// Two different items, when there are two.
    fn two_items<V>(&mut self, map: &BTreeMap<ItemId, V>) -> (ItemId, ItemId) {
        let from = self.some_item(map);
        let others: Vec<ItemId> = map.keys().filter(|k| **k != from).cloned().collect();
        let into = self.rand.pick(&others).unwrap_or_else(|| from.clone());
        (from, into)
    }

    fn some_item<V>(&mut self, map: &BTreeMap<ItemId, V>) -> ItemId {
        // Now and then an id that is gone or never was.
        match self.some(map) {
            Some(id) if !self.rand.one_in(12) => id,
            _ => ItemId(format!("x{}", self.rand.below(self.ids as usize + 1))),
        }
    }

    // ----- the simulation -----

    fn play(&mut self) {
        let moves = self.moves;
        for i in 0..moves {
            self.now += 700;
            self.stats.steps.insert(self.server.step);
            let scheduled = 1 + (i * 6 / moves) as u8;
            if self.server.closed {
                let fac = self.facilitator();
                self.submit(fac, Command::CloseRoom { closed: false }, None);
                // As the server does when a room reopens: whoever is here is placed.
                if !self.server.closed {
                    let here: Vec<MemberId> = self.online.iter().copied().collect();
                    here.into_iter().for_each(|m| self.place(m));
                }
            } else if self.server.step != scheduled && (self.rand.one_in(3) || i % (moves / 6) == 0) {
                let fac = self.facilitator();
                self.submit(fac, Command::SetStep { step: scheduled }, None);
            } else if self.rand.one_in(120) {
                // A detour: back (or ahead) to another step, which empties every undo stack.
                let (fac, step) = (self.facilitator(), 1 + self.rand.below(6) as u8);
                self.submit(fac, Command::SetStep { step }, None);
            } else if i == moves * 2 / 6 + 7 || i == moves * 4 / 6 + 7 {
                let n = 100 + i as u128;
                self.arrive(n, &format!("late{i}"), MemberRole::Participant);
            } else if self.rand.one_in(60) {
                let who = self.participant();
                if !self.online.remove(&who) {
                    self.online.insert(who);
                    self.place(who);
                }
            } else {
                let (who, command, typed) = self.next_command();
                self.submit(who, command, typed);
            }
            if self.rand.one_in(150) {
                let snapshot = json(&self.server);
                let parsed: RoomState = serde_json::from_str(&snapshot).expect("a snapshot parses");
                assert!(
                    parsed == self.server,
                    "seed {}: snapshot round trip: {}",
                    self.seed,
                    explain(&parsed, &self.server)
                );
                self.snapshots.push(snapshot);
            }
        }
        self.finish();
    }

    fn next_command(&mut self) -> (MemberId, Command, Option<Typed>) {
        let roll = self.rand.below(100);
        if roll < 12 {
            let who = self.usually(self.last_actor);
            return (who, Command::Undo, None);
        }
        if roll < 17 {
            let who = self.usually(self.last_undoer);
            return (who, Command::Redo, None);
        }
        if roll < 23 {
            let (who, command) = self.anytime();
            return (who, command, None);
        }
        let step = self.server.step;
        let text_share = if step == 1 || step == 4 { 0 } else { 30 };
        if self.rand.below(100) < text_share
            && let Some((who, target)) = self.text_target()
            && let Some((command, typed)) = self.type_into(who, target)
        {
            return (who, command, Some(typed));
        }
        // Now and then something of another step: the rules do not check the step, and
        // people do come back to an earlier board.
        let step = if self.rand.one_in(8) { 1 + self.rand.below(6) as u8 } else { step };
        let (who, command) = match step {
            1 => self.step1(),
            2 => self.step2(),
            3 => self.step3(),
            4 => self.step4(),
            5 => self.step5(),
            _ => self.step6(),
        };
        (who, command, None)
    }

    fn anytime(&mut self) -> (MemberId, Command) {
        let fac = self.facilitator();
        let who = self.anyone();
        match self.rand.below(12) {
            0 => (who, Command::Rename { name: format!("n{}", self.rand.below(100)) }),
            1 | 2 => (who, Command::RaiseHand { raised: self.rand.one_in(2) }),
            3 => {
                let hands = self.server.hands.clone();
                let member_id = self.rand.pick(&hands).unwrap_or(who);
                (fac, Command::LowerHand { member_id })
            }
            4 => (fac, Command::StartTimer { duration_ms: 1 + self.rand.below(600_000) as u64 }),
            5 => {
                let command = match self.rand.below(4) {
                    0 => Command::PauseTimer,
                    1 => Command::ResumeTimer,
                    2 => Command::ExtendTimer { by_ms: 60_000, seen: None },
                    _ => Command::ClearTimer,
                };
                (fac, command)
            }
            6 | 7 => (who, Command::SetReady { ready: !self.rand.one_in(3) }),
            8 => (fac, Command::SetAutoAdvance { on: self.rand.one_in(4) }),
            9 => {
                let group_size = Some(2 + self.rand.below(3) as u8);
                let title = self.rand.one_in(2).then(|| self.words());
                (
                    fac,
                    Command::UpdateSettings {
                        title,
                        organisation: None,
                        lens: None,
                        language: None,
                        group_size,
                    },
                )
            }
            10 if self.rand.one_in(10) => (fac, Command::CloseRoom { closed: true }),
            _ => (who, Command::SetCheckin { contribute: self.words(), get_out: String::new() }),
        }
    }

    fn step1(&mut self) -> (MemberId, Command) {
        let who = self.anyone();
        match self.rand.below(5) {
            0..=2 => (who, Command::SetCheckin { contribute: self.words(), get_out: self.words() }),
            3 => {
                let fac = self.facilitator();
                let whose = self.some(&self.server.checkins.clone()).unwrap_or(who);
                if self.rand.one_in(2) {
                    (fac, Command::ClearCheckin { member_id: whose })
                } else {
                    (whose, Command::ClearCheckin { member_id: whose })
                }
            }
            _ => (who, Command::RaiseHand { raised: true }),
        }
    }

    /// The facilitator or the scribe, who run the queue and a closed board.
    fn runner(&mut self) -> MemberId {
        match self.server.experience.scribe {
            Some(scribe) if self.rand.one_in(2) => scribe,
            _ => self.facilitator(),
        }
    }

    fn step2(&mut self) -> (MemberId, Command) {
        let factors = self.server.experience.factors.clone();
        match self.rand.below(10) {
            0 => (self.facilitator(), Command::OpenFactors { open: !self.rand.one_in(4) }),
            1 => {
                let scribe = (!self.rand.one_in(3)).then(|| self.participant());
                (self.facilitator(), Command::SetScribe { member_id: scribe })
            }
            2 => {
                let runner = self.runner();
                let command = match self.rand.below(4) {
                    0 => Command::NextSpeaker,
                    1 => Command::CallSpeaker { member_id: self.participant() },
                    2 => Command::ShuffleQueue,
                    _ => {
                        let mut order = self.server.participants();
                        order.reverse();
                        Command::SetQueue { order }
                    }
                };
                (runner, command)
            }
            3..=5 => {
                let who = if self.server.experience.open { self.anyone() } else { self.runner() };
                let text = self.first_words();
                (who, Command::AddFactor { id: self.fresh_id("f"), text })
            }
            6 | 7 => {
                let id = self.some_item(&factors);
                let owner = factors.get(&id).map(|f| f.created_by);
                (self.usually(owner), Command::DeleteFactor { id })
            }
            _ => {
                let (from, into) = self.two_items(&factors);
                (self.runner(), Command::MergeFactors { from, into })
            }
        }
    }

    fn step3(&mut self) -> (MemberId, Command) {
        let fac = self.facilitator();
        let groups: Vec<u32> = self.server.definitions.groups.keys().copied().collect();
        let group = self.rand.pick(&groups);
        match self.rand.below(10) {
            0 => (fac, Command::FormGroups),
            1 | 2 => {
                let member_id = self.participant();
                let group = if self.rand.one_in(4) { None } else { group };
                (fac, Command::MoveToGroup { member_id, group })
            }
            3 => (fac, Command::ShowWall { shown: !self.rand.one_in(3) }),
            4 => (fac, Command::ReadOnWall { group }),
            5..=7 => {
                let group = group.unwrap_or(1);
                let text = self.server.text_of(&TextTarget::Definition { group }).to_owned();
                let units = len_utf16(&text);
                // Whole characters: boundaries in UTF-16 code units, as a browser counts.
                let bounds: Vec<u32> =
                    text.char_indices().map(|(i, _)| len_utf16(&text[..i])).chain([units]).collect();
                let a = self.rand.pick(&bounds).unwrap_or(0);
                let b = self.rand.pick(&bounds).unwrap_or(0);
                let (start, end) = (a.min(b), a.max(b));
                let id = self.fresh_id("h");
                (self.anyone(), Command::AddHighlight { id, group, start, end })
            }
            8 => {
                let highlights = self.server.definitions.highlights.clone();
                let id = self.some_item(&highlights);
                let by = highlights.get(&id).map(|h| h.by);
                (self.usually(by), Command::RemoveHighlight { id })
            }
            _ => (fac, Command::SetWorkingDefinition { text: self.words() }),
        }
    }

    fn step4(&mut self) -> (MemberId, Command) {
        let notes = self.server.wall.notes.clone();
        let clusters = self.server.wall.clusters.clone();
        let revealed: BTreeMap<ItemId, ()> =
            notes.values().filter(|n| n.revealed).map(|n| (n.id.clone(), ())).collect();
        match self.rand.below(12) {
            0..=2 => {
                let who = self.anyone();
                self.ids += 1;
                let id = ItemId(format!("{who}:n{}", self.ids));
                (who, Command::AddNote { id, text: self.words() })
            }
            3 => {
                let id = self.some_item(&notes);
                let author = notes.get(&id).map(|n| n.author);
                (self.usually(author), Command::EditNote { id, text: self.words() })
            }
            4 => {
                let id = self.some_item(&notes);
                let author = notes.get(&id).map(|n| n.author);
                (self.usually(author), Command::DeleteNote { id })
            }
            5 => {
                let whose = if self.rand.one_in(2) { None } else { Some(self.anyone()) };
                (self.facilitator(), Command::RevealNotes { member_id: whose })
            }
            6..=8 => {
                let id = self.some_item(&revealed);
                let onto = match self.rand.below(4) {
                    0 => None,
                    1 => Some(DropTarget::Cluster { id: self.some_item(&clusters) }),
                    _ => {
                        // Mostly onto a loose post-it, which starts a new cluster.
                        let loose: BTreeMap<ItemId, ()> = notes
                            .values()
                            .filter(|n| n.revealed && n.cluster.is_none() && n.id != id)
                            .map(|n| (n.id.clone(), ()))
                            .collect();
                        let other = if self.rand.one_in(3) {
                            self.some_item(&revealed)
                        } else {
                            self.some_item(&loose)
                        };
                        Some(DropTarget::Note { id: other, new_cluster: self.fresh_id("k") })
                    }
                };
                let (x, y) = (self.rand.below(4400) as i32 - 200, self.rand.below(3200) as i32);
                // Now and then from a screen a few changes behind (a stale drop is refused);
                // decided from the position, so the run's other choices stay as they were.
                let behind = u64::from(y.unsigned_abs() % 4);
                let seen = (x % 3 == 0).then(|| self.server.seq.saturating_sub(behind));
                (self.anyone(), Command::DropNote { id, x, y, onto, seen })
            }
            9 => {
                (self.anyone(), Command::RenameCluster { id: self.some_item(&clusters), name: self.words() })
            }
            10 => {
                let (from, into) = self.two_items(&clusters);
                (self.anyone(), Command::MergeClusters { from, into })
            }
            _ if self.rand.one_in(3) => {
                (self.anyone(), Command::DissolveCluster { id: self.some_item(&clusters) })
            }
            _ => {
                (self.anyone(), Command::RenameCluster { id: self.some_item(&clusters), name: self.words() })
            }
        }
    }

    /// A member of `team` (or a facilitator, who may write on every board).
    fn on_team(&mut self, team: Option<u32>) -> MemberId {
        let members = team.and_then(|t| self.server.assessment.teams.get(&t)).map(|t| t.members.clone());
        match members.and_then(|m| self.rand.pick(&m)) {
            Some(m) if !self.rand.one_in(5) => m,
            _ => self.facilitator(),
        }
    }

    fn step5(&mut self) -> (MemberId, Command) {
        let fac = self.facilitator();
        let teams: Vec<u32> = self.server.assessment.teams.keys().copied().collect();
        let team = self.rand.pick(&teams);
        let cards = self.server.assessment.cards.clone();
        let column = if self.rand.one_in(2) { Column::Failed } else { Column::Succeeded };
        let category = 1 + self.rand.below(6) as u8;
        match self.rand.below(14) {
            0 if self.rand.one_in(2) => (fac, Command::TeamsFromGroups),
            0 => (fac, Command::FormTeams),
            1 | 2 => {
                let member_id = self.participant();
                let team = if self.rand.one_in(4) { None } else { team };
                (fac, Command::MoveToTeam { member_id, team })
            }
            3 | 4 => {
                let clusters = self.server.wall.clusters.clone();
                let cluster = (!self.rand.one_in(5)).then(|| self.some_item(&clusters));
                let who = self.on_team(team);
                (who, Command::AssignCluster { team: team.unwrap_or(1), cluster })
            }
            5..=7 => {
                let who = self.on_team(team);
                let text = self.first_words();
                (
                    who,
                    Command::AddCard {
                        id: self.fresh_id("c"),
                        team: team.unwrap_or(1),
                        category,
                        column,
                        text,
                    },
                )
            }
            8 => {
                let id = self.some_item(&cards);
                let who = self.on_team(cards.get(&id).map(|c| c.team));
                (who, Command::MoveCard { id, category, column })
            }
            9 => {
                let id = self.some_item(&cards);
                let who = self.on_team(cards.get(&id).map(|c| c.team));
                (who, Command::DeleteCard { id })
            }
            _ => {
                let who = self.on_team(team);
                let rating = self.rand.below(6) as u8;
                (who, Command::SetRating { team: team.unwrap_or(1), category, rating })
            }
        }
    }

    fn step6(&mut self) -> (MemberId, Command) {
        let fac = self.facilitator();
        let areas = self.server.priorities.areas.clone();
        match self.rand.below(14) {
            0 => {
                let teams = self.server.assessment.teams.clone();
                (fac, Command::SetPresenting { team: self.some(&teams).filter(|_| !self.rand.one_in(4)) })
            }
            1..=3 => {
                let failures: BTreeMap<ItemId, ()> = self
                    .server
                    .assessment
                    .cards
                    .values()
                    .filter(|c| c.column == Column::Failed)
                    .map(|c| (c.id.clone(), ()))
                    .collect();
                let from_card = (self.rand.one_in(3)).then(|| self.some_item(&failures));
                let text = if from_card.is_some() && self.rand.one_in(2) {
                    String::new()
                } else {
                    self.first_words()
                };
                (self.anyone(), Command::AddArea { id: self.fresh_id("a"), text, from_card })
            }
            4 => {
                let id = self.some_item(&areas);
                let author = areas.get(&id).map(|a| a.author);
                (self.usually(author), Command::DeleteArea { id })
            }
            5 => {
                let (from, into) = self.two_items(&areas);
                (fac, Command::MergeAreas { from, into })
            }
            6 => (fac, Command::OpenVote { dots: 1 + self.rand.below(5) as u8 }),
            7 => (fac, Command::CloseVote),
            8..=10 => {
                let area = self.some_item(&areas);
                (self.anyone(), Command::SetVote { area, dots: self.rand.below(4) as u8 })
            }
            11 if self.server.priorities.finalised && self.rand.one_in(2) => {
                (fac, Command::FinaliseRanking { finalised: false })
            }
            11 => {
                let mut order: Vec<ItemId> = areas.keys().cloned().collect();
                order.reverse();
                order.truncate(self.rand.below(order.len() + 1));
                (fac, Command::SetRanking { order })
            }
            12 => (fac, Command::FinaliseRanking { finalised: self.rand.one_in(4) }),
            _ => {
                let id = self.some_item(&areas);
                let author = areas.get(&id).map(|a| a.author);
                let owner = self.rand.one_in(2).then(|| self.words());
                let due = self
                    .rand
                    .one_in(2)
                    .then(|| format!("2026-0{}-1{}", 1 + self.rand.below(9), self.rand.below(10)));
                (self.usually(author), Command::FollowUp { id, owner, due })
            }
        }
    }

    /// A shared text of the current step, and someone who may (usually) type into it.
    fn text_target(&mut self) -> Option<(MemberId, TextTarget)> {
        let s = &self.server;
        match s.step {
            2 => {
                let factors = s.experience.factors.clone();
                let id = self.some(&factors)?;
                let runner = self.runner();
                let who = if self.rand.one_in(2) { factors[&id].created_by } else { runner };
                Some((self.usually(Some(who)), TextTarget::Factor { id }))
            }
            3 => {
                let groups = s.definitions.groups.clone();
                let group = self.some(&groups)?;
                let members = groups[&group].members.clone();
                let who = match self.rand.pick(&members) {
                    Some(m) if !self.rand.one_in(6) => m,
                    _ => self.facilitator(),
                };
                Some((self.usually(Some(who)), TextTarget::Definition { group }))
            }
            5 => {
                let cards = s.assessment.cards.clone();
                let id = self.some(&cards)?;
                let who = self.on_team(Some(cards[&id].team));
                Some((self.usually(Some(who)), TextTarget::Card { id }))
            }
            6 => {
                let areas = s.priorities.areas.clone();
                let id = self.some(&areas)?;
                Some((self.anyone(), TextTarget::Area { id }))
            }
            _ => None,
        }
    }

    /// `who` types into (or deletes from) their own copy of `target`: a Yjs update, as their
    /// browser would send it. Half the time their copy has not caught up with the room.
    fn type_into(&mut self, who: MemberId, target: TextTarget) -> Option<(Command, Typed)> {
        let key = target.key();
        let slot = (who, key.clone());
        if !self.editors.contains_key(&slot) {
            self.yjs_clients += 1;
            let doc = Doc::with_options(yrs::Options {
                offset_kind: yrs::OffsetKind::Utf16,
                ..yrs::Options::with_client_id(yrs::block::ClientID::new(self.yjs_clients))
            });
            let _ = doc.get_or_insert_text(TEXT_NAME);
            if let Some(shared) = self.server.texts.get(&key) {
                let update = Update::decode_v1(&shared.doc.encode()).expect("the room's document decodes");
                doc.transact_mut().apply_update(update).expect("the room's document applies");
            }
            if let Some(inbox) = self.inbox.get_mut(&who) {
                inbox.retain(|(k, _)| *k != key);
            }
            self.editors.insert(slot.clone(), Editor { doc });
        }
        let behind = self.inbox.get(&who).is_some_and(|inbox| inbox.iter().any(|(k, _)| *k == key));
        let stale = behind && !self.rand.one_in(2);
        if behind && !stale {
            self.catch_up(who, Some(&key));
        }
        let local = {
            let doc = &self.editors[&slot].doc;
            doc.get_or_insert_text(TEXT_NAME).get_string(&doc.transact())
        };
        let chars: Vec<char> = local.chars().collect();
        let offset = |n: usize| chars[..n].iter().map(|c| c.len_utf16() as u32).sum::<u32>();
        // Delete 1-3 characters, or insert 1-4 new ones, at whole-character positions.
        let (at, len, inserted) = if !chars.is_empty() && self.rand.below(10) < 4 {
            let start = self.rand.below(chars.len());
            (start, 1 + self.rand.below((chars.len() - start).min(3)), String::new())
        } else {
            let count = 1 + self.rand.below(4);
            (self.rand.below(chars.len() + 1), 0, self.glyphs(count))
        };
        let deleted = chars[at..at + len].to_vec();
        let update = {
            let doc = &self.editors[&slot].doc;
            let text_ref = doc.get_or_insert_text(TEXT_NAME);
            let mut txn = doc.transact_mut();
            if len > 0 {
                text_ref.remove_range(&mut txn, offset(at), offset(at + len) - offset(at));
            } else {
                text_ref.insert(&mut txn, offset(at), &inserted);
            }
            txn.encode_update_v1()
        };
        let inserted = inserted.chars().collect();
        let command = Command::EditText { target, update: encode_base64(&update) };
        Some((command, Typed { key, inserted, deleted, stale }))
    }

    /// `who` types `count` new characters at `at` (UTF-16 units; the room's copy, caught up) of
    /// `target`.
    fn write(&mut self, who: MemberId, target: TextTarget, at: usize, count: usize) {
        let text = self.glyphs(count);
        let text = text.as_str();
        let key = target.key();
        self.yjs_clients += 1;
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::with_client_id(yrs::block::ClientID::new(self.yjs_clients))
        });
        let text_ref = doc.get_or_insert_text(TEXT_NAME);
        if let Some(shared) = self.server.texts.get(&key) {
            let update = Update::decode_v1(&shared.doc.encode()).expect("the room's document decodes");
            doc.transact_mut().apply_update(update).expect("the room's document applies");
        }
        let update = {
            let mut txn = doc.transact_mut();
            text_ref.insert(&mut txn, u32::try_from(at).expect("small"), text);
            txn.encode_update_v1()
        };
        let typed = Typed { key, inserted: text.chars().collect(), deleted: Vec::new(), stale: false };
        self.submit(who, Command::EditText { target, update: encode_base64(&update) }, Some(typed));
    }

    /// What the random moves rarely reach, on purpose, for the browser's conformance tape: a
    /// full undo stack, undo and redo, highlights that move with their words, ready in every
    /// order, team moves and ratings.
    fn script(&mut self) {
        let (fac, p0, p1, p2) = (self.facilitators[0], member(10), member(11), member(12));
        self.submit(fac, Command::SetStep { step: 2 }, None);
        self.submit(fac, Command::SetScribe { member_id: Some(p0) }, None);
        for _ in 0..(UNDO_DEPTH + 3) {
            let (id, text) = (self.fresh_id("sf"), self.glyphs(3));
            self.submit(p0, Command::AddFactor { id, text }, None);
        }
        self.checkpoint();
        self.submit(p0, Command::Undo, None);
        self.submit(p0, Command::Undo, None);
        self.submit(p0, Command::Redo, None);
        self.checkpoint();
        self.submit(fac, Command::SetStep { step: 3 }, None);
        self.submit(fac, Command::FormGroups, None);
        for who in [p1, p2] {
            if self.server.group_of(who) != self.server.group_of(p0) {
                let group = self.server.group_of(p0);
                self.submit(fac, Command::MoveToGroup { member_id: who, group }, None);
            }
        }
        let group = self.server.group_of(p0).expect("p0 has a group");
        let target = TextTarget::Definition { group };
        self.write(p0, target.clone(), 0, 25);
        let id = self.fresh_id("sh");
        self.submit(p0, Command::AddHighlight { id: id.clone(), group, start: 13, end: 25 }, None);
        self.submit(p0, Command::Undo, None);
        self.submit(p0, Command::Redo, None);
        self.submit(p0, Command::Undo, None);
        self.checkpoint();
        // Something new empties what there was to redo.
        let id = self.fresh_id("sh");
        self.submit(p0, Command::AddHighlight { id, group, start: 3, end: 9 }, None);
        self.checkpoint();
        self.write(p1, target.clone(), 0, 7);
        let end = len_utf16(self.server.text_of(&target)) as usize;
        self.write(p2, target.clone(), end, 5);
        for who in [p2, p0, p1] {
            self.submit(who, Command::SetReady { ready: true }, None);
        }
        self.checkpoint();
        self.submit(p0, Command::SetReady { ready: false }, None);
        self.submit(fac, Command::SetStep { step: 5 }, None);
        self.submit(fac, Command::TeamsFromGroups, None);
        self.submit(fac, Command::MoveToTeam { member_id: p0, team: None }, None);
        if let Some(team) = self.server.team_of(p0) {
            self.submit(p0, Command::SetRating { team, category: 3, rating: 4 }, None);
            self.submit(p0, Command::Undo, None);
        }
        // A latecomer is placed in a group and a team, marked late in both, until moved.
        self.arrive(90, "scripted latecomer", MemberRole::Participant);
        let late = member(90);
        self.checkpoint();
        self.submit(fac, Command::MoveToTeam { member_id: late, team: None }, None);
        self.submit(fac, Command::MoveToGroup { member_id: late, group: None }, None);
        self.checkpoint();
    }

    /// Records how the tape's member sees the room now, for the browser's test to compare with
    /// on the way (the end alone would not show what a later step change wipes).
    fn checkpoint(&mut self) {
        let Some(tape) = self.tape.as_mut() else { return };
        let view = self.server.view_for(Some(tape.member));
        tape.checks.push((self.server.seq, serde_json::to_value(view).expect("a view serializes")));
    }

    /// A member's editors take the updates their browser received (of one text, or all).
    fn catch_up(&mut self, who: MemberId, key: Option<&str>) {
        let Some(inbox) = self.inbox.get_mut(&who) else { return };
        let (now, later): (Vec<_>, Vec<_>) =
            inbox.drain(..).partition(|(k, _)| key.is_none_or(|key| key == k));
        *inbox = later;
        for (k, update) in now {
            if let Some(editor) = self.editors.get(&(who, k)) {
                let update = Update::decode_v1(&update).expect("a recorded update decodes");
                editor.doc.transact_mut().apply_update(update).expect("a recorded update applies");
            }
        }
    }

    /// Sends `command` as `who`, numbered by their client, and checks what comes of it.
    fn submit(&mut self, who: MemberId, command: Command, typed: Option<Typed>) {
        let role = self.role(who);
        let client = self.clients.get_mut(&who).expect("a client");
        client.1 += 1;
        let cmd = CommandRef { client: client.0.clone(), id: CommandId(client.1) };
        let online = self.online.clone();
        let ctx = Context {
            actor: Actor::member(who, role),
            now: self.now,
            online: &online,
            seed: self.rand.next(),
        };
        let history = matches!(command, Command::Undo | Command::Redo);
        // A copy of the room to compare a refusal with; for typing, only the text (copying the
        // room while a text changes would copy every document).
        let before = match &command {
            Command::EditText { target, .. } => {
                Err(self.server.texts.get(&target.key()).map(|t| t.doc.encode()))
            }
            _ => Ok(self.server.clone()),
        };
        let facts_before = (command.is_undoable() || history).then(|| facts(&self.server));
        let top = match command {
            Command::Undo => self.undo.get(&who).and_then(|s| s.last()).cloned(),
            Command::Redo => self.redo.get(&who).and_then(|s| s.last()).cloned(),
            _ => None,
        };
        // Undoing or redoing a forming leaves nobody who is here out of the groups or teams.
        let stack = match command {
            Command::Undo => self.server.undo.get(&who),
            Command::Redo => self.server.redo.get(&who),
            _ => None,
        };
        let forming = match stack.and_then(|s| s.last()).map(|e| e.command.as_ref()) {
            Some("groups.form") => Some(false),
            Some("teams.form" | "teams.from_groups") => Some(true),
            _ => None,
        };
        let seq = self.server.seq;
        let kind = command.kind();
        match run(&mut self.server, &ctx, Some(cmd.clone()), &command) {
            Err(rejection) => {
                self.stats.refused += 1;
                match before {
                    Ok(before) => assert!(
                        self.server == before,
                        "seed {}: a refused {kind} changed the room: {}",
                        self.seed,
                        explain(&self.server, &before)
                    ),
                    Err(doc) => {
                        let key = typed.as_ref().map(|t| t.key.clone()).unwrap_or_default();
                        assert_eq!(
                            self.server.texts.get(&key).map(|t| t.doc.encode()),
                            doc,
                            "a refused edit changed {key}"
                        );
                        assert_eq!(self.server.seq, seq);
                    }
                }
                assert_eq!(self.server.book.seen(who, &cmd.client, cmd.id), Seen::New);
                if history {
                    self.stats.history_refused += 1;
                    assert_eq!(
                        rejection.code,
                        ErrorCode::Conflict,
                        "seed {}: {kind} refused: {rejection}",
                        self.seed
                    );
                }
                if let Some(typed) = typed {
                    // The browser rolls its copy back: it loads the room's text again.
                    self.editors.remove(&(who, typed.key));
                }
            }
            Ok(change) => {
                self.stats.applied += 1;
                self.stats.commands.insert(kind);
                assert_eq!((change.seq, self.server.seq), (seq + 1, seq + 1), "one change, one seq");
                assert_eq!(self.server.book.seen(who, &cmd.client, cmd.id), Seen::Applied);
                if command.is_undoable() {
                    self.last_actor = Some(who);
                }
                if matches!(command, Command::Undo) {
                    self.last_undoer = Some(who);
                }
                self.record(&change);
                self.history(who, &command, &change, facts_before, top);
                if let Some(teams) = forming {
                    let out = left_out(&self.server, &online, teams);
                    assert!(out.is_empty(), "seed {}: {kind} of a forming left out {out:?}", self.seed);
                    self.stats.formings_undone += 1;
                }
                self.texts(&command, &change, typed);
                self.check(&change);
            }
        }
    }

    /// Stores the change (through JSON) and sends every browser its frame.
    fn record(&mut self, change: &Change) {
        let stored = through_json(change);
        assert_eq!(&stored, change, "a change survives JSON");
        self.replay.apply_change(&stored);
        self.log.push(stored);
        for (me, copy) in &mut self.copies {
            let events =
                change.events.iter().filter(|e| e.audience().is_none_or(|a| a == *me)).cloned().collect();
            let frame = through_json(&ServerMsg::Change { seq: change.seq, by: change.by, events });
            let ServerMsg::Change { seq, by, events } = frame else { panic!("a change frame") };
            copy.apply_change(&Change { seq, by, cmd: None, events });
        }
        if let Some(tape) = self.tape.as_mut().filter(|t| t.welcome.is_some()) {
            let events = change
                .events
                .iter()
                .filter(|e| e.audience().is_none_or(|a| a == tape.member))
                .cloned()
                .collect();
            let frame = ServerMsg::Change { seq: change.seq, by: change.by, events };
            tape.frames.push(serde_json::to_value(&frame).expect("a frame serializes"));
        }
        let events = change.events.iter().filter(|e| e.audience().is_none()).cloned().collect();
        self.viewer.apply_change(&Change { seq: change.seq, by: change.by, cmd: None, events });
        for event in &change.events {
            if let Event::TextChanged { target, update, .. } = event {
                let bytes = decode_base64(update).expect("a recorded update is base64");
                for m in self.members.keys() {
                    self.inbox.entry(*m).or_default().push((target.key(), bytes.clone()));
                }
            }
        }
    }

    /// (c): an undo or redo changes only what the member's action changed, only where it reads
    /// as they left it; and our mirror of the stacks follows the history events.
    fn history(
        &mut self,
        who: MemberId,
        command: &Command,
        change: &Change,
        before: Option<Facts>,
        top: Option<Diff>,
    ) {
        let seed = self.seed;
        let changed = before.as_ref().map(|before| diff(before, &facts(&self.server)));
        if let (Command::Undo | Command::Redo, Some(changed)) = (command, &changed) {
            let undo = matches!(command, Command::Undo);
            let kind = command.kind();
            let action = top
                .unwrap_or_else(|| panic!("seed {seed}: {kind} accepted with nothing of theirs to {kind}"));
            let before = before.as_ref().expect("facts before an undo or redo");
            let now = facts(&self.server);
            for (key, (was, is)) in changed {
                // A latecomer the room had placed (or places now): back where the action had
                // them, placed again (marked late) where the action left them out of every group
                // or team, or out of the groups when none is left that was formed.
                if placed_by_the_room(before, key) || placed_by_the_room(&now, key) {
                    let of = if key.contains("team") { "team" } else { "group" };
                    // (Someone whose mark the action did not change was not late then.)
                    let unmarked = key.starts_with("late-to-").then_some(&None);
                    let restored = action.get(key).map(|(b, a)| if undo { b } else { a }).or(unmarked);
                    assert!(
                        restored == Some(is)
                            || placed_by_the_room(&now, key)
                            || is.is_none() && !now.keys().any(|k| formed_by(&now, k, of)),
                        "seed {seed} seq {}: {kind} left latecomer key {key} at {is:?}",
                        change.seq
                    );
                    continue;
                }
                let Some((action_before, action_after)) = action.get(key) else {
                    panic!(
                        "seed {seed} seq {}: {kind} by {who} changed {key}, which their action did not change",
                        change.seq
                    )
                };
                let (left, restored) =
                    if undo { (action_after, action_before) } else { (action_before, action_after) };
                assert_eq!(
                    was, left,
                    "seed {seed} seq {}: {kind} changed {key}, which was changed since",
                    change.seq
                );
                assert_eq!(is, restored, "seed {seed} seq {}: {kind} did not put {key} back", change.seq);
            }
            assert!(
                !change.events.iter().any(|e| matches!(e, Event::TextChanged { .. })),
                "seed {seed}: {kind} changed a shared text"
            );
            if undo {
                self.stats.undone += 1;
            } else {
                self.stats.redone += 1;
            }
        }
        for event in &change.events {
            match event {
                Event::HistoryRecorded { member_id, entry } => {
                    assert_eq!(*member_id, who, "seed {seed}: history recorded for someone else");
                    assert_eq!(entry.command, command.kind());
                    let changed = changed
                        .clone()
                        .unwrap_or_else(|| panic!("seed {seed}: {} is not undoable", command.kind()));
                    let stack = self.undo.entry(who).or_default();
                    stack.push(changed);
                    if stack.len() > UNDO_DEPTH {
                        stack.remove(0);
                    }
                    self.redo.remove(&who);
                }
                Event::HistoryUndone { member_id } => {
                    let entry = self.undo.get_mut(member_id).and_then(Vec::pop).expect("an entry to undo");
                    self.redo.entry(*member_id).or_default().push(entry);
                }
                Event::HistoryRedone { member_id } => {
                    let entry = self.redo.get_mut(member_id).and_then(Vec::pop).expect("an entry to redo");
                    self.undo.entry(*member_id).or_default().push(entry);
                }
                Event::StepChanged { .. } => {
                    self.undo.clear();
                    self.redo.clear();
                }
                _ => {}
            }
        }
    }

    /// Keeps track of every character that went into a shared text, and who saw what.
    fn texts(&mut self, command: &Command, change: &Change, typed: Option<Typed>) {
        if let Some(typed) = typed {
            self.stats.text_edits += 1;
            if typed.stale {
                self.stats.stale_edits += 1;
            }
            self.born.entry(typed.key.clone()).or_default().extend(&typed.inserted);
            self.deleted.entry(typed.key).or_default().extend(&typed.deleted);
        } else if !matches!(command, Command::EditText { .. }) {
            // An item's first words.
            for event in &change.events {
                if let Event::TextChanged { target, text, .. } = event {
                    self.born.entry(target.key()).or_default().extend(text.chars());
                }
            }
        }
    }

    /// What must hold after every change: (a), (b) incrementally, (c) the stacks, (d).
    fn check(&mut self, change: &Change) {
        let seed = self.seed;
        let seq = change.seq;
        let full = seq.is_multiple_of(FULL_CHECK_EVERY);
        let touched: BTreeSet<String> = change
            .events
            .iter()
            .filter_map(|e| match e {
                Event::TextChanged { target, .. } => Some(target.key()),
                _ => None,
            })
            .collect();
        for (me, copy) in &mut self.copies {
            let view = self.server.view_for(Some(*me));
            same(&format!("seed {seed} seq {seq}: {me}'s copy"), copy, view, &touched, full, false);
        }
        let view = self.server.view_for(None);
        same(
            &format!("seed {seed} seq {seq}: the viewer's copy"),
            &mut self.viewer,
            view,
            &touched,
            full,
            false,
        );
        let room = self.server.clone();
        same(
            &format!("seed {seed} seq {seq}: the log replica"),
            &mut self.replay,
            room,
            &touched,
            full,
            true,
        );

        let wrong = dangling(&self.server);
        assert!(wrong.is_empty(), "seed {seed} seq {seq} ({:?}): {wrong:?}", change.events);

        let step = self.server.step;
        for (m, stack) in self.server.undo.iter().chain(&self.server.redo) {
            assert!(
                stack.iter().all(|e| e.step == step),
                "seed {seed} seq {seq}: {m} may undo another step's action"
            );
        }
        for m in self.members.keys() {
            let sizes = |s: &BTreeMap<MemberId, Vec<_>>| s.get(m).map_or(0, Vec::len);
            let theirs =
                (self.server.undo.get(m).map_or(0, Vec::len), self.server.redo.get(m).map_or(0, Vec::len));
            assert_eq!(
                theirs,
                (sizes(&self.undo), sizes(&self.redo)),
                "seed {seed} seq {seq}: stacks of {m}"
            );
        }
    }

    /// The end of a run: (b) replays from the start and from snapshots, (e) every character.
    fn finish(&mut self) {
        let seed = self.seed;
        let members: Vec<MemberId> = self.members.keys().copied().collect();
        for m in members {
            self.catch_up(m, None);
        }
        let room = &self.server;
        let mut fresh = self.created.clone();
        for change in &self.log {
            fresh.apply_change(change);
        }
        assert!(fresh == *room, "seed {seed}: a replay of the log differs: {}", explain(&fresh, room));
        // The fixed seeds take enough snapshots to test resuming from one; others may not.
        assert!(
            self.snapshots.len() >= self.moves / 400 || !SEEDS.contains(&seed),
            "seed {seed}: only {} snapshots",
            self.snapshots.len()
        );
        for snapshot in &self.snapshots {
            let mut resumed: RoomState = serde_json::from_str(snapshot).expect("a snapshot parses");
            let from = resumed.seq;
            for change in self.log.iter().filter(|c| c.seq > from) {
                resumed.apply_change(change);
            }
            assert!(
                resumed == *room,
                "seed {seed}: snapshot at {from} + tail differs: {}",
                explain(&resumed, room)
            );
        }
        let reloaded: RoomState = through_json(room);
        assert!(
            reloaded == *room,
            "seed {seed}: the room does not survive JSON: {}",
            explain(&reloaded, room)
        );

        // (e) Every character typed is there unless someone deleted it; none from nowhere.
        for (key, shared) in room.texts.iter() {
            let born = self.born.get(key).cloned().unwrap_or_default();
            let deleted = self.deleted.get(key).cloned().unwrap_or_default();
            let chars: Vec<char> = shared.text.chars().collect();
            let present: BTreeSet<char> = chars.iter().copied().collect();
            assert_eq!(present.len(), chars.len(), "seed {seed}: a character appears twice in {key}");
            if let Some(c) = present.iter().find(|c| !born.contains(c)) {
                panic!("seed {seed}: {c} in {key} was never typed there");
            }
            if let Some(c) = born.iter().find(|c| !deleted.contains(c) && !present.contains(c)) {
                panic!("seed {seed}: {c} was typed into {key}, never deleted, and is lost");
            }
        }
        for key in self.born.keys() {
            assert!(room.texts.get(key).is_some(), "seed {seed}: {key} was typed into and is gone");
        }
        // Every member's editor, synced, reads as the room.
        for ((m, key), editor) in &self.editors {
            let text = editor.doc.get_or_insert_text(TEXT_NAME).get_string(&editor.doc.transact());
            assert_eq!(
                text,
                room.texts.get(key).map_or("", |t| t.text.as_str()),
                "seed {seed}: {m}'s editor of {key}"
            );
        }
        let stats = &self.stats;
        println!("seed {seed}: {stats:?}, {} changes, {} texts", self.log.len(), room.texts.len());
        if !SEEDS.contains(&seed) {
            return;
        }
        // The fixed seeds are known to reach every part of the workshop; keep them doing so.
        assert!(stats.applied > self.moves / 2, "seed {seed}: the simulation is too timid: {stats:?}");
        assert!(
            stats.undone > 20 && stats.redone > 5 && stats.history_refused > 20,
            "seed {seed}: {stats:?}"
        );
        assert!(stats.formings_undone > 0, "seed {seed}: no forming was undone or redone: {stats:?}");
        assert!(stats.text_edits > 100 && stats.stale_edits > 20, "seed {seed}: {stats:?}");
        assert_eq!(stats.steps.len(), 6, "seed {seed}: not every step was visited");
        for kind in [
            "checkin.set",
            "factor.add",
            "factor.merge",
            "text.edit",
            "highlight.add",
            "groups.form",
            "note.add",
            "notes.reveal",
            "note.drop",
            "cluster.merge",
            "teams.form",
            "team.move",
            "team.cluster",
            "card.add",
            "card.delete",
            "rating.set",
            "area.add",
            "vote.set",
            "vote.close",
            "ranking.set",
            "undo",
            "redo",
        ] {
            assert!(stats.commands.contains(kind), "seed {seed}: no {kind} was ever applied");
        }
    }
}

/// `copy` equals `expected`; shared texts are compared whole when `full`, otherwise only those
/// in `keys` (comparing a document encodes it); the room's book only when `with_book`.
fn same(
    what: &str,
    copy: &mut RoomState,
    mut expected: RoomState,
    keys: &BTreeSet<String>,
    full: bool,
    with_book: bool,
) {
    let copy_texts = std::mem::take(&mut copy.texts);
    let expected_texts = std::mem::take(&mut expected.texts);
    let copy_book = std::mem::take(&mut copy.book);
    if with_book {
        copy.book = copy_book.clone();
    } else {
        expected.book = Book::default();
    }
    let equal = *copy == expected;
    let why = (!equal).then(|| explain(copy, &expected));
    copy.texts = copy_texts;
    copy.book = copy_book;
    if let Some(why) = why {
        panic!("{what} differs: {why}");
    }
    let texts_equal = |a: &Texts, b: &Texts| {
        if full { a == b } else { keys.iter().all(|k| a.get(k) == b.get(k)) }
    };
    assert!(texts_equal(&copy.texts, &expected_texts), "{what}: shared texts differ");
}

fn member(n: u128) -> MemberId {
    MemberId(Uuid::from_u128(n))
}

/// What one member's browser is sent: its `welcome` (room and own parts) and every `change`.
struct Tape {
    member: MemberId,
    welcome: Option<Value>,
    frames: Vec<Value>,
    /// The member's view at some `seq`s on the way.
    checks: Vec<(u64, Value)>,
}

/// Where the browser's conformance test reads the tape (relative to the workspace root).
const TAPE_PATH: &str = "tests/web/fixtures/conformance.json";

/// The browser's copy of the rules (`web/src/apply.js`) is tested against this crate: a
/// simulated workshop's frames, as one participant received them, and the room as that
/// participant should then see it. A test keeps the committed tape equal to a fresh one.
#[test]
fn the_browsers_conformance_tape_is_up_to_date() {
    let member = member(10);
    let record = |scripted: bool| {
        let tape = Tape { member, welcome: None, frames: Vec::new(), checks: Vec::new() };
        let mut sim = Sim::with(7, if scripted { 0 } else { 360 }, Some(tape));
        if scripted {
            sim.script();
            sim.finish();
        } else {
            sim.play();
        }
        let tape = sim.tape.take().expect("the tape");
        serde_json::json!({
            "member": member,
            "welcome": tape.welcome,
            "frames": tape.frames,
            "checks": tape.checks,
            "expected": sim.server.view_for(Some(member)),
        })
    };
    let generated = serde_json::to_string_pretty(&serde_json::json!([record(false), record(true)]))
        .expect("the tape serializes")
        + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(TAPE_PATH);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("the directory");
        std::fs::write(&path, &generated).expect("write the tape");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{TAPE_PATH} is out of date: run `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol --test convergence`"
    );
}

#[test]
fn a_simulated_workshop_converges_and_undo_never_touches_others_work() {
    // `SIM_SEEDS=500 cargo test -p horseshoe-protocol --release --test convergence` runs many more.
    let more = std::env::var("SIM_SEEDS").ok().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    for seed in SEEDS.into_iter().chain(1000..1000 + more) {
        Sim::new(seed).play();
    }
}
