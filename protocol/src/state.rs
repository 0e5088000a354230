//! The state of one room: what every member sees and what the store snapshots.
//!
//! It holds no secrets (token and key hashes live in the server's store), so a snapshot can be
//! sent to any member as it is.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use ts_rs::TS;

use crate::event::Event;
use crate::ids::{ClientId, CommandId, GroupId, ItemId, MemberId, RoomId};
use crate::limits::{DEDUP_WINDOW, DEFAULT_GROUP_SIZE, MAX_CLIENTS_PER_MEMBER, MAX_TOMBSTONES, STEP_COUNT};
use crate::shared::{SharedText, TextTarget};

/// Whose centricity the room explores; it changes the words on every board, not the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Lens {
    #[default]
    Client,
    Customer,
    Partner,
    Staff,
}

/// The room's language (each person may still switch their own view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Pt,
}

/// Settings chosen at creation and editable by a facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    pub title: String,
    pub organisation: String,
    pub lens: Lens,
    pub language: Language,
    /// Target size of groups and teams.
    pub group_size: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            title: String::new(),
            organisation: String::new(),
            lens: Lens::default(),
            language: Language::default(),
            group_size: DEFAULT_GROUP_SIZE,
        }
    }
}

/// What a member is in the room. Viewers are not members: they hold no identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Facilitator,
    Participant,
}

/// Who is acting on the room, as the server authenticated them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Facilitator,
    Participant,
    Viewer,
}

impl From<MemberRole> for Role {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Facilitator => Role::Facilitator,
            MemberRole::Participant => Role::Participant,
        }
    }
}

/// The authenticated sender of a command: a member, or an anonymous viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub member: Option<MemberId>,
    pub role: Role,
}

impl Actor {
    pub fn member(id: MemberId, role: MemberRole) -> Self {
        Self { member: Some(id), role: role.into() }
    }

    pub fn viewer() -> Self {
        Self { member: None, role: Role::Viewer }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: MemberRole,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub joined_at: i64,
}

/// The room countdown. Times are server milliseconds since the Unix epoch; clients correct for
/// their own clock with the server time they receive in `welcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Timer {
    #[default]
    Idle,
    Running {
        #[ts(type = "number")]
        ends_at: i64,
        #[ts(type = "number")]
        total_ms: u64,
    },
    Paused {
        #[ts(type = "number")]
        remaining_ms: u64,
        #[ts(type = "number")]
        total_ms: u64,
    },
}

impl Timer {
    /// Milliseconds left at `now` (0 once a running timer has passed its end).
    pub fn remaining_ms(&self, now: i64) -> u64 {
        match *self {
            Timer::Idle => 0,
            Timer::Running { ends_at, .. } => u64::try_from(ends_at - now).unwrap_or(0),
            Timer::Paused { remaining_ms, .. } => remaining_ms,
        }
    }
}

/// A step 1 check-in: what I bring, and what I want to get out of the workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Checkin {
    pub contribute: String,
    pub get_out: String,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// Everything a room is. Maps are ordered so that two replicas that apply the same events
/// serialize to the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RoomState {
    pub id: RoomId,
    /// Sequence number of the last event applied (0 for a new room).
    #[ts(type = "number")]
    pub seq: u64,
    #[ts(type = "number")]
    pub created_at: i64,
    pub settings: Settings,
    /// The step the room is in, 1 to [`crate::limits::STEP_COUNT`].
    pub step: u8,
    /// Each step's countdown (index 0 is step 1): a step keeps its own when the room moves on.
    pub timers: Vec<Timer>,
    pub members: BTreeMap<MemberId, Member>,
    pub checkins: BTreeMap<MemberId, Checkin>,
    /// Raised hands, in the order they went up.
    #[serde(default)]
    pub hands: Vec<MemberId>,
    /// Every shared text (definitions, cards, key factors, areas) by [`TextTarget::key`].
    #[serde(default)]
    pub texts: Texts,
    /// Step 2: the speaker queue and the key-factors whiteboard.
    #[serde(default)]
    pub experience: Experience,
    /// Step 3 (and later steps): groups, their definitions and the highlighting.
    #[serde(default)]
    pub definitions: Definitions,
    /// Step 4: "Help me..." post-its and their clusters.
    #[serde(default)]
    pub wall: ClientWall,
    /// Step 5: teams and their assessments.
    #[serde(default)]
    pub assessment: Assessment,
    /// Step 6: presenting, areas for improvement, dot voting, the ranked list.
    #[serde(default)]
    pub priorities: Priorities,
    /// Closed by the facilitator: readable by its links, changes nothing.
    #[serde(default)]
    pub closed: bool,
    /// Who marked "I'm done", as (step, member) pairs.
    #[serde(default)]
    pub ready: BTreeSet<(u8, MemberId)>,
    /// Whether the room moves on by itself once every present participant is ready.
    #[serde(default)]
    pub auto_advance: bool,
    /// How many times each member contributed (a check-in, a card, a definition edit, a
    /// highlight), for the facilitator's participation panel.
    #[serde(default)]
    pub contributions: BTreeMap<MemberId, u32>,
    /// Each member's undo stack for the current step, newest last. A member's view holds only
    /// their own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<MemberId, Vec<UndoEntry>>>", optional)]
    pub undo: BTreeMap<MemberId, Vec<Arc<UndoEntry>>>,
    /// Each member's redo stack (what they undid, newest last); a new undoable action clears it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<MemberId, Vec<UndoEntry>>>", optional)]
    pub redo: BTreeMap<MemberId, Vec<Arc<UndoEntry>>>,
    /// The room's own bookkeeping: kept in stored snapshots, never sent to browsers.
    #[serde(default, skip_serializing_if = "Book::is_empty")]
    #[ts(skip)]
    pub book: Book,
}

impl RoomState {
    pub fn new(id: RoomId, settings: Settings, created_at: i64) -> Self {
        Self {
            id,
            seq: 0,
            created_at,
            settings,
            step: 1,
            timers: vec![Timer::Idle; usize::from(STEP_COUNT)],
            members: BTreeMap::new(),
            checkins: BTreeMap::new(),
            hands: Vec::new(),
            texts: Texts::default(),
            experience: Experience::default(),
            definitions: Definitions::default(),
            wall: ClientWall::default(),
            assessment: Assessment::default(),
            priorities: Priorities::default(),
            closed: false,
            ready: BTreeSet::new(),
            auto_advance: false,
            contributions: BTreeMap::new(),
            undo: BTreeMap::new(),
            redo: BTreeMap::new(),
            book: Book::default(),
        }
    }

    /// The current step's countdown.
    pub fn timer(&self) -> Timer {
        self.timers.get(usize::from(self.step.saturating_sub(1))).copied().unwrap_or_default()
    }

    /// The plain text of a shared text ("" if it was never written).
    pub fn text_of(&self, target: &TextTarget) -> &str {
        self.texts.get(&target.key()).map_or("", |t| t.text.as_str())
    }

    pub fn member(&self, id: MemberId) -> Option<&Member> {
        self.members.get(&id)
    }

    pub fn is_participant(&self, id: MemberId) -> bool {
        self.member(id).is_some_and(|m| m.role == MemberRole::Participant)
    }

    /// Participants, in the order they joined (then by id).
    pub fn participants(&self) -> Vec<MemberId> {
        let mut people: Vec<&Member> =
            self.members.values().filter(|m| m.role == MemberRole::Participant).collect();
        people.sort_by_key(|m| (m.joined_at, m.id));
        people.into_iter().map(|m| m.id).collect()
    }

    /// The group `member` is in, if any.
    pub fn group_of(&self, member: MemberId) -> Option<GroupId> {
        self.definitions.groups.values().find(|g| g.members.contains(&member)).map(|g| g.id)
    }

    /// Whether `member` was placed in their group as a latecomer (and not moved since).
    pub fn late_to_group(&self, member: MemberId) -> bool {
        self.definitions.groups.values().any(|g| g.late.contains(&member))
    }

    /// Who a group's sentence is credited to (the reports): its members, less those placed in
    /// it after groups were formed who never wrote in it (a latecomer at step 4 or 5, put in a
    /// group for the teams that are made from groups).
    pub fn credited(&self, group: &Group) -> Vec<MemberId> {
        let writers = self.texts.get(&TextTarget::Definition { group: group.id }.key()).map(|t| &t.editors);
        group
            .members
            .iter()
            .filter(|m| !group.late.contains(m) || writers.is_some_and(|w| w.contains(m)))
            .copied()
            .collect()
    }

    /// The room as `member` may see it: other members' undo and redo stacks (they hold earlier
    /// versions of things, which are that member's business), unrevealed notes and dot votes
    /// are left out, and so is the room's bookkeeping.
    pub fn view_for(&self, member: Option<MemberId>) -> RoomState {
        let mut view = self.shared_view();
        if let Some(me) = member {
            view.merge_private(self.private_of(me));
        }
        view
    }

    /// What every member may see: the room without anyone's private parts.
    pub fn shared_view(&self) -> RoomState {
        let mut view = self.clone();
        view.undo.clear();
        view.redo.clear();
        view.wall.notes.retain(|_, note| note.revealed);
        view.priorities.votes.clear();
        view.book = Book::default();
        view
    }

    /// One member's private parts, which only they receive.
    pub fn private_of(&self, me: MemberId) -> Private {
        Private {
            undo: self.undo.get(&me).cloned().unwrap_or_default(),
            redo: self.redo.get(&me).cloned().unwrap_or_default(),
            notes: self.wall.notes.values().filter(|n| !n.revealed && n.author == me).cloned().collect(),
            votes: self.priorities.votes.get(&me).cloned().unwrap_or_default(),
            member_id: me,
        }
    }

    /// Puts a member's private parts into a shared view (what a browser does with `welcome`).
    pub fn merge_private(&mut self, mine: Private) {
        let me = mine.member_id;
        if !mine.undo.is_empty() {
            self.undo.insert(me, mine.undo);
        }
        if !mine.redo.is_empty() {
            self.redo.insert(me, mine.redo);
        }
        for note in mine.notes {
            self.wall.notes.insert(note.id.clone(), note);
        }
        if !mine.votes.is_empty() {
            self.priorities.votes.insert(me, mine.votes);
        }
    }

    /// The team `member` is in, if any.
    pub fn team_of(&self, member: MemberId) -> Option<GroupId> {
        self.assessment.teams.values().find(|t| t.members.contains(&member)).map(|t| t.id)
    }

    /// Whether `member` was placed in their team as a latecomer (and not moved since).
    pub fn late_to_team(&self, member: MemberId) -> bool {
        self.assessment.teams.values().any(|t| t.late.contains(&member))
    }
}

/// Step 2's speaker queue: the order, who speaks now, who has spoken.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct SpeakerQueue {
    pub order: Vec<MemberId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub current: Option<MemberId>,
    pub spoken: Vec<MemberId>,
}

/// A key factor, word or principle on step 2's whiteboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Factor {
    pub id: ItemId,
    /// How many times it was named (merging adds the counts).
    pub mentions: u32,
    /// The speakers who named it.
    pub speakers: Vec<MemberId>,
    pub created_by: MemberId,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Step 2: an excellent client experience.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Experience {
    pub queue: SpeakerQueue,
    /// A participant the facilitator appointed to run the queue and write the cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub scribe: Option<MemberId>,
    /// Whether every participant may add and edit cards (otherwise only facilitators and scribe).
    pub open: bool,
    pub factors: BTreeMap<ItemId, Factor>,
}

/// Maps keyed by group id travel as lists (JSON object keys are strings, and numeric keys do
/// not survive serde's internally tagged enums); each value carries its own id.
pub trait Keyed {
    fn key(&self) -> GroupId;
}

pub(crate) mod by_key {
    use super::{GroupId, Keyed};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, T: Serialize>(
        map: &BTreeMap<GroupId, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de> + Keyed>(
        d: D,
    ) -> Result<BTreeMap<GroupId, T>, D::Error> {
        let items = Vec::<T>::deserialize(d)?;
        Ok(items.into_iter().map(|item| (item.key(), item)).collect())
    }
}

/// A group of participants (step 3), kept for later steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Group {
    pub id: GroupId,
    pub members: Vec<MemberId>,
    /// Members the server placed here on their own because they arrived after groups were
    /// formed (a "new" badge for facilitators), until a facilitator moves them or forms groups
    /// again. Absent when empty (and in rooms stored before it existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<MemberId>>", optional)]
    pub late: Vec<MemberId>,
}

impl Keyed for Group {
    fn key(&self) -> GroupId {
        self.id
    }
}

/// A highlighted word or phrase in a group's definition: UTF-16 code units `start..end` (as
/// JavaScript counts), kept on its words by `anchor` while the sentence changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Highlight {
    pub id: ItemId,
    pub group: GroupId,
    pub start: u32,
    pub end: u32,
    pub phrase: String,
    pub by: MemberId,
    /// Yjs relative positions (base64) of the start and the end, when the definition is a
    /// shared text: `start` and `end` follow them on every change of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub anchor: Option<Anchor>,
}

/// Where a highlight sits in its shared text: two encoded Yjs relative positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Anchor {
    pub start: String,
    pub end: String,
}

/// A word or phrase that recurs across definitions, as the server found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommonTerm {
    /// How it reads (the most frequent form, lowercase).
    pub term: String,
    /// In how many groups' definitions it occurs.
    pub definitions: u32,
    /// How many highlights cover it.
    pub highlights: u32,
}

/// The definitions "on the wall": shown side by side, one read out at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Wall {
    pub shown: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reading: Option<GroupId>,
}

/// Step 3: define client-centricity in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Definitions {
    #[serde(with = "by_key")]
    #[ts(as = "Vec<Group>")]
    pub groups: BTreeMap<GroupId, Group>,
    pub wall: Wall,
    pub highlights: BTreeMap<ItemId, Highlight>,
    /// Suggested common words and phrases, recomputed by the server on every change.
    pub common: Vec<CommonTerm>,
    /// The room's shared working definition, shown on later boards and in the report.
    pub working: String,
}

/// One undoable action of a member: the values of what it changed before and after it. Undo
/// puts `before` back only while everything still reads as `after`; redo the other way round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UndoEntry {
    /// The command it undoes (its wire `type`, e.g. `factor.delete`), for the button's label.
    #[ts(as = "String")]
    pub command: Cow<'static, str>,
    /// The step it was done in (entries never outlive their step).
    pub step: u8,
    pub before: Vec<Event>,
    pub after: Vec<Event>,
}

/// What only one member receives: their undo and redo stacks, their unrevealed notes and
/// their dot votes (`welcome.mine`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Private {
    pub member_id: MemberId,
    #[ts(as = "Vec<UndoEntry>")]
    pub undo: Vec<Arc<UndoEntry>>,
    #[ts(as = "Vec<UndoEntry>")]
    pub redo: Vec<Arc<UndoEntry>>,
    pub notes: Vec<Note>,
    pub votes: BTreeMap<ItemId, u8>,
}

/// Every shared text of the room by [`TextTarget::key`]. Shared behind an `Arc` so that a copy
/// of the room (a snapshot, a check before an undo) does not copy every document; a change
/// copies only when a copy is still alive.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct Texts(#[ts(as = "BTreeMap<String, SharedText>")] pub Arc<BTreeMap<String, SharedText>>);

impl Texts {
    pub fn get(&self, key: &str) -> Option<&SharedText> {
        self.0.get(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text at `key`, made empty if it does not exist yet.
    pub fn entry(&mut self, key: String) -> &mut SharedText {
        Arc::make_mut(&mut self.0).entry(key).or_insert_with(SharedText::empty)
    }

    pub fn insert(&mut self, key: String, text: SharedText) {
        Arc::make_mut(&mut self.0).insert(key, text);
    }

    pub fn remove(&mut self, key: &str) {
        Arc::make_mut(&mut self.0).remove(key);
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &SharedText)> {
        self.0.iter()
    }
}

/// How far the room has applied one client's numbered commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mark {
    /// The highest command number applied.
    pub high: u64,
    /// Which of the [`DEDUP_WINDOW`] numbers up to `high` were applied (bit 0 is `high`).
    pub window: u64,
    /// The `seq` of the last change of this client, to forget the least recently used first.
    pub seq: u64,
}

/// What the room knows of a resent command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Applied already: acknowledge again, apply nothing.
    Applied,
    /// Never applied (new, or refused earlier): decide it.
    New,
    /// Older than the window: it cannot be told apart any more; refuse it.
    TooOld,
}

impl Mark {
    pub fn seen(&self, id: CommandId) -> Seen {
        let n = id.0;
        if n > self.high {
            return Seen::New;
        }
        let back = self.high - n;
        if back >= DEDUP_WINDOW {
            return Seen::TooOld;
        }
        if self.window & (1 << back) != 0 { Seen::Applied } else { Seen::New }
    }

    fn record(&mut self, id: CommandId, seq: u64) {
        let n = id.0;
        if n > self.high {
            let shift = n - self.high;
            self.window = if shift >= DEDUP_WINDOW { 0 } else { self.window << shift };
            self.high = n;
            self.window |= 1;
        } else if self.high - n < DEDUP_WINDOW {
            self.window |= 1 << (self.high - n);
        }
        self.seq = seq;
    }
}

/// The room's bookkeeping, which replicas and reloads need but browsers do not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Book {
    /// Per member and client: how far its numbered commands were applied.
    #[serde(default)]
    pub marks: BTreeMap<MemberId, BTreeMap<ClientId, Mark>>,
    /// Who last changed each undoable thing (by its target key), to say who changed it.
    /// Looked up for every event applied: hashed (a sorted map compared its long keys one
    /// by one, each a read from memory no other move had touched).
    #[serde(default, serialize_with = "sorted")]
    pub touched: HashMap<String, MemberId>,
    /// Ids of public items that were removed, oldest first (answered `gone`, not `not_found`).
    #[serde(default)]
    pub tombstones: VecDeque<ItemId>,
    /// Whose each Yjs client is (a client writes for one person only).
    #[serde(default)]
    pub writers: BTreeMap<u64, MemberId>,
    /// Per note: the change that last moved it, and who made it (a `note.drop` from someone
    /// else who had not seen that change is stale).
    /// Looked up twice for every move: hashed, as `touched` is.
    #[serde(default, skip_serializing_if = "HashMap::is_empty", serialize_with = "sorted")]
    pub moved: HashMap<ItemId, (u64, MemberId)>,
    /// The last change to a countdown or to the step (whose countdown `timer.extend` adds to):
    /// a `timer.extend` from someone who had not seen such a change by someone else is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed: Option<Timed>,
}

/// The last change to the countdowns or the step, who made it, and the last one made by anyone
/// else: so that one's own latest change does not hide someone else's just before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timed {
    pub seq: u64,
    pub by: MemberId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
}

impl Timed {
    /// After `last`, a change `seq` by `by`.
    pub fn next(last: Option<Timed>, seq: u64, by: MemberId) -> Timed {
        let before = match last {
            // Someone else's last change stays the latest not made by `by`.
            Some(last) if last.by == by => last.before,
            // The previous change was someone else's, and the latest of all before this one.
            Some(last) => Some(last.seq),
            None => None,
        };
        Timed { seq, by, before }
    }

    /// Whether `member`, who had applied changes up to `seen`, missed a change by someone else.
    pub fn missed(&self, member: Option<MemberId>, seen: u64) -> bool {
        let others = if member == Some(self.by) { self.before } else { Some(self.seq) };
        others.is_some_and(|seq| seq > seen)
    }
}

/// A hashed map written in key order, so that a snapshot's bytes do not depend on the order the
/// map happens to hold.
fn sorted<K: Ord + Serialize, V: Serialize, S: serde::Serializer>(
    map: &HashMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter().collect::<BTreeMap<_, _>>())
}

impl Book {
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
            && self.touched.is_empty()
            && self.tombstones.is_empty()
            && self.writers.is_empty()
            && self.moved.is_empty()
            && self.timed.is_none()
    }

    /// What the room knows of command `id` from `member`'s `client`.
    pub fn seen(&self, member: MemberId, client: &ClientId, id: CommandId) -> Seen {
        self.marks.get(&member).and_then(|m| m.get(client)).map_or(Seen::New, |mark| mark.seen(id))
    }

    pub(crate) fn record(&mut self, member: MemberId, client: &ClientId, id: CommandId, seq: u64) {
        let clients = self.marks.entry(member).or_default();
        // A known client (nearly every command) is looked up by reference: no key is cloned.
        match clients.get_mut(client) {
            Some(mark) => mark.record(id, seq),
            None => clients.entry(client.clone()).or_default().record(id, seq),
        }
        while clients.len() > MAX_CLIENTS_PER_MEMBER {
            let oldest = clients.iter().min_by_key(|(c, m)| (m.seq, (*c).clone())).map(|(c, _)| c.clone());
            match oldest {
                Some(client) => clients.remove(&client),
                None => break,
            };
        }
    }

    pub(crate) fn bury(&mut self, id: &ItemId) {
        if !self.tombstones.contains(id) {
            self.tombstones.push_back(id.clone());
        }
        while self.tombstones.len() > MAX_TOMBSTONES {
            self.tombstones.pop_front();
        }
    }

    pub(crate) fn unbury(&mut self, id: &ItemId) {
        if let Some(at) = self.tombstones.iter().position(|t| t == id) {
            self.tombstones.remove(at);
        }
    }

    pub fn is_buried(&self, id: &ItemId) -> bool {
        self.tombstones.contains(id)
    }
}

/// A "Help me ..." post-it (step 4). Until it is revealed only its author sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Note {
    pub id: ItemId,
    pub author: MemberId,
    /// What follows "Help me".
    pub text: String,
    pub revealed: bool,
    /// Position on the wall, in wall units.
    pub x: i32,
    pub y: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cluster: Option<ItemId>,
    /// The cluster whose notes this one most resembles, suggested when it was revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub suggestion: Option<ItemId>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A cluster of notes: a type of client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Cluster {
    pub id: ItemId,
    pub name: String,
}

/// Step 4: who are our clients?
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ClientWall {
    /// Revealed notes, and (in a member's own view) their own unrevealed ones.
    pub notes: BTreeMap<ItemId, Note>,
    pub clusters: BTreeMap<ItemId, Cluster>,
    /// How many unrevealed notes each member has written: all that others may know of them.
    pub pending: BTreeMap<MemberId, u32>,
    /// Whose notes were revealed last, while they place them on the wall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub turn: Option<MemberId>,
}

/// A team (step 5): some participants, the client type (cluster) they assess, their ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Team {
    pub id: GroupId,
    pub members: Vec<MemberId>,
    /// Members the server placed here on their own because they arrived after teams were
    /// formed, until a facilitator moves them or forms teams again (as [`Group::late`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<MemberId>>", optional)]
    pub late: Vec<MemberId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cluster: Option<ItemId>,
    /// Rating per category (index 0 is category 1), 1 to 5, 0 when not rated.
    pub ratings: Vec<u8>,
}

impl Keyed for Team {
    fn key(&self) -> GroupId {
        self.id
    }
}

/// Which column of a category an example card sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Succeeded,
    Failed,
}

/// An example card on a team's board: when we succeeded, or failed, at a behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Card {
    pub id: ItemId,
    pub team: GroupId,
    /// 1 to 6, the categories of client-centric behaviour.
    pub category: u8,
    pub column: Column,
    pub author: MemberId,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Step 5: assess the organisation for each client type.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Assessment {
    #[serde(with = "by_key")]
    #[ts(as = "Vec<Team>")]
    pub teams: BTreeMap<GroupId, Team>,
    pub cards: BTreeMap<ItemId, Card>,
}

/// An area for improvement (step 6), with its follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Area {
    pub id: ItemId,
    /// The failure card it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from_card: Option<ItemId>,
    pub author: MemberId,
    /// Who takes it forward: a participant, or a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub owner: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub due: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    /// The areas merged into this one, as they read then and whose they were, oldest first:
    /// a duplicate's words and author are kept with the area it joined. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Merged>>", optional)]
    pub merged: Vec<Merged>,
}

/// An area merged into another: its words when it was merged, and who proposed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Merged {
    pub text: String,
    pub author: MemberId,
}

/// Where the dot vote is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VotePhase {
    #[default]
    NotStarted,
    Open,
    Closed,
}

/// Step 6: present, then prioritise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Priorities {
    /// The team whose board everyone follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub presenting: Option<GroupId>,
    pub areas: BTreeMap<ItemId, Area>,
    pub phase: VotePhase,
    /// Dots each person may place.
    pub dots: u8,
    /// Each member's dots per area. Secret: a member's snapshot holds only their own.
    pub votes: BTreeMap<MemberId, BTreeMap<ItemId, u8>>,
    /// Dots used per member (public, so the room sees who is still voting).
    pub used: BTreeMap<MemberId, u8>,
    /// Dots per area, published when the vote closes.
    pub tally: BTreeMap<ItemId, u32>,
    /// The prioritised list, most important first.
    pub ranking: Vec<ItemId>,
    pub finalised: bool,
}

#[cfg(test)]
mod tests {
    use super::{Book, ItemId, MemberId};
    use uuid::Uuid;

    #[test]
    fn a_book_is_written_in_key_order_however_its_hashed_maps_were_filled() {
        let member = MemberId(Uuid::from_u128(7));
        let keys: Vec<String> = (0..40).map(|i| format!("note:{i:02}")).collect();
        let mut forward = Book::default();
        let mut backward = Book::default();
        for (i, key) in keys.iter().enumerate() {
            forward.touched.insert(key.clone(), member);
            forward.moved.insert(ItemId(key.clone()), (i as u64, member));
        }
        for (i, key) in keys.iter().enumerate().rev() {
            backward.touched.insert(key.clone(), member);
            backward.moved.insert(ItemId(key.clone()), (i as u64, member));
        }
        let written = serde_json::to_string(&forward).expect("a book serializes");
        assert_eq!(written, serde_json::to_string(&backward).expect("a book serializes"));
        let touched = written.find("\"touched\"").expect("touched is written");
        let at: Vec<usize> =
            keys.iter().map(|k| written[touched..].find(k.as_str()).expect("each key")).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "keys in order: {written}");
        let read: Book = serde_json::from_str(&written).expect("a written book reads back");
        assert_eq!(read, forward);
    }
}
