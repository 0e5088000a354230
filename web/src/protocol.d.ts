// Generated from the protocol crate by `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`.
// Do not edit: a test fails when this file differs from what the protocol generates.

export type ClientMsg = { "type": "hello", protocol: number, credentials: Credentials, 
/**
 * This client (a browser tab): its commands are numbered 1, 2, 3, ... on their own.
 * Keep it across reconnects and reloads of the same tab, with the numbering.
 */
client: ClientId, 
/**
 * Display name for a new member (ignored when a token brings back an existing one).
 */
name?: string, 
/**
 * On a reconnect: the last `seq` this client applied. If the server still has every
 * event since, it answers `resume` and sends only those; otherwise a fresh `welcome`.
 */
last_seq?: number, } | { "type": "cmd", id: CommandId, cmd: Command, } | { "type": "caret", target: TextTarget, anchor?: string, head?: string, } | { "type": "drag", id: ItemId, x: number, y: number, with?: Array<ItemId>, } | { "type": "ping" };
export type ServerMsg = { "type": "welcome", protocol: number, you: You, room: RoomState, 
/**
 * A member's own undo and redo stacks, unrevealed notes and dot votes (not for viewers).
 */
mine?: Private, online: Array<MemberId>, viewers: number, 
/**
 * The server's clock (ms since the Unix epoch) when this was sent, for countdowns.
 */
server_time: number, } | { "type": "resume", protocol: number, you: You, last_seq: number, online: Array<MemberId>, viewers: number, server_time: number, } | { "type": "change", seq: number, by?: MemberId, events: Array<Event>, } | { "type": "ack", id: CommandId, seq: number, } | { "type": "reject", id: CommandId, code: ErrorCode, message: string, } | { "type": "presence", joined: Array<MemberId>, left: Array<MemberId>, viewers: number, } | { "type": "caret", target: TextTarget, member_id: MemberId, anchor?: string, head?: string, } | { "type": "drag", member_id: MemberId, id: ItemId, x: number, y: number, with?: Array<ItemId>, } | { "type": "pong" } | { "type": "error", code: ErrorCode, message: string, };
export type Credentials = { "role": "facilitator", key: string, token?: string, } | { "role": "participant", token?: string, } | { "role": "viewer" };
export type You = { role: Role, member_id?: MemberId, 
/**
 * Sent once, when a new member is made: the browser keeps it to come back as the same
 * person. The server keeps only its hash.
 */
token?: string, };
export type ErrorCode = "bad_request" | "unsupported_version" | "unauthorized" | "forbidden" | "not_found" | "gone" | "too_long" | "limit_reached" | "conflict" | "rate_limited" | "internal";
export type Command = { "type": "settings.update", title?: string, organisation?: string, lens?: Lens, language?: Language, group_size?: number, } | { "type": "step.set", step: number, } | { "type": "timer.start", duration_ms: number, } | { "type": "timer.pause" } | { "type": "timer.resume" } | { "type": "timer.extend", by_ms: number, seen?: number, } | { "type": "timer.clear" } | { "type": "member.rename", name: string, } | { "type": "checkin.set", contribute: string, get_out: string, } | { "type": "hand.raise", raised: boolean, } | { "type": "hand.lower", member_id: MemberId, } | { "type": "checkin.clear", member_id: MemberId, } | { "type": "queue.set", order: Array<MemberId>, } | { "type": "queue.shuffle" } | { "type": "queue.next" } | { "type": "queue.call", member_id: MemberId, } | { "type": "scribe.set", member_id?: MemberId, } | { "type": "factors.open", open: boolean, } | { "type": "factor.add", id: ItemId, text: string, } | { "type": "factor.delete", id: ItemId, } | { "type": "factor.merge", from: ItemId, into: ItemId, } | { "type": "groups.form" } | { "type": "group.move", member_id: MemberId, group?: number, } | { "type": "text.edit", target: TextTarget, update: string, } | { "type": "wall.show", shown: boolean, } | { "type": "wall.read", group?: number, } | { "type": "highlight.add", id: ItemId, group: number, start: number, end: number, } | { "type": "highlight.remove", id: ItemId, } | { "type": "working.set", text: string, } | { "type": "ready.set", ready: boolean, } | { "type": "auto_advance.set", on: boolean, } | { "type": "note.add", id: ItemId, text: string, } | { "type": "note.edit", id: ItemId, text: string, } | { "type": "note.delete", id: ItemId, } | { "type": "notes.reveal", member_id?: MemberId, } | { "type": "note.drop", id: ItemId, x: number, y: number, onto?: DropTarget, seen?: number, } | { "type": "cluster.rename", id: ItemId, name: string, } | { "type": "cluster.merge", from: ItemId, into: ItemId, } | { "type": "cluster.dissolve", id: ItemId, } | { "type": "teams.from_groups" } | { "type": "teams.form" } | { "type": "team.move", member_id: MemberId, team?: number, } | { "type": "team.cluster", team: number, cluster?: ItemId, } | { "type": "card.add", id: ItemId, team: number, category: number, column: Column, text: string, } | { "type": "card.move", id: ItemId, category: number, column: Column, } | { "type": "card.delete", id: ItemId, } | { "type": "rating.set", team: number, category: number, rating: number, } | { "type": "present.set", team?: number, } | { "type": "area.add", id: ItemId, text: string, from_card?: ItemId, } | { "type": "area.delete", id: ItemId, } | { "type": "area.merge", from: ItemId, into: ItemId, } | { "type": "vote.open", dots: number, } | { "type": "vote.set", area: ItemId, dots: number, } | { "type": "vote.close" } | { "type": "ranking.set", order: Array<ItemId>, } | { "type": "ranking.finalise", finalised: boolean, } | { "type": "area.follow_up", id: ItemId, owner?: string, 
/**
 * `YYYY-MM-DD`.
 */
due?: string, } | { "type": "room.close", closed: boolean, } | { "type": "undo" } | { "type": "redo" };
export type Event = { "type": "member.joined", member: Member, } | { "type": "member.renamed", member_id: MemberId, name: string, } | { "type": "settings.changed", settings: Settings, } | { "type": "step.changed", step: number, } | { "type": "timer.changed", step: number, timer: Timer, } | { "type": "checkin.set", member_id: MemberId, checkin: Checkin, } | { "type": "checkin.cleared", member_id: MemberId, } | { "type": "hands.changed", hands: Array<MemberId>, } | { "type": "queue.changed", queue: SpeakerQueue, } | { "type": "scribe.changed", scribe?: MemberId, } | { "type": "factors.opened", open: boolean, } | { "type": "factor.set", factor: Factor, } | { "type": "factor.removed", id: ItemId, } | { "type": "group.member", member_id: MemberId, group?: number, late?: boolean, } | { "type": "text.changed", target: TextTarget, update: string, text: string, at: number, } | { "type": "wall.changed", wall: Wall, } | { "type": "highlight.set", highlight: Highlight, } | { "type": "highlight.removed", id: ItemId, } | { "type": "common.changed", common: Array<CommonTerm>, } | { "type": "working.changed", text: string, } | { "type": "ready.changed", step: number, member_id: MemberId, ready: boolean, } | { "type": "auto_advance.changed", on: boolean, } | { "type": "history.recorded", member_id: MemberId, entry: UndoEntry, } | { "type": "history.undone", member_id: MemberId, } | { "type": "history.redone", member_id: MemberId, } | { "type": "note.set", note: Note, } | { "type": "note.moved", id: ItemId, x: number, y: number, cluster?: ItemId, } | { "type": "note.removed", id: ItemId, 
/**
 * Set when the note was unrevealed: only this member may learn of it.
 */
private_to?: MemberId, } | { "type": "notes.pending", member_id: MemberId, count: number, } | { "type": "reveal.turn", member_id?: MemberId, } | { "type": "cluster.set", cluster: Cluster, } | { "type": "cluster.removed", id: ItemId, } | { "type": "team.set", team: Team, } | { "type": "team.removed", id: number, } | { "type": "team.member", member_id: MemberId, team?: number, late?: boolean, } | { "type": "team.cluster", team: number, cluster?: ItemId, } | { "type": "rating.set", team: number, category: number, rating: number, } | { "type": "card.set", card: Card, } | { "type": "card.removed", id: ItemId, } | { "type": "presenting.changed", team?: number, } | { "type": "area.set", area: Area, } | { "type": "area.removed", id: ItemId, } | { "type": "vote.phase", phase: VotePhase, dots: number, } | { "type": "vote.set", member_id: MemberId, area: ItemId, dots: number, } | { "type": "vote.used", member_id: MemberId, used: number, } | { "type": "tally.changed", tally: { [key in ItemId]: number }, } | { "type": "ranking.changed", ranking: Array<ItemId>, finalised: boolean, } | { "type": "room.closed", closed: boolean, } | { "type": "member.contributed", member_id: MemberId, total: number, };
export type RoomState = { id: RoomId, 
/**
 * Sequence number of the last event applied (0 for a new room).
 */
seq: number, created_at: number, settings: Settings, 
/**
 * The step the room is in, 1 to [`crate::limits::STEP_COUNT`].
 */
step: number, 
/**
 * Each step's countdown (index 0 is step 1): a step keeps its own when the room moves on.
 */
timers: Array<Timer>, members: { [key in MemberId]: Member }, checkins: { [key in MemberId]: Checkin }, 
/**
 * Raised hands, in the order they went up.
 */
hands: Array<MemberId>, 
/**
 * Every shared text (definitions, cards, key factors, areas) by [`TextTarget::key`].
 */
texts: Texts, 
/**
 * Step 2: the speaker queue and the key-factors whiteboard.
 */
experience: Experience, 
/**
 * Step 3 (and later steps): groups, their definitions and the highlighting.
 */
definitions: Definitions, 
/**
 * Step 4: "Help me..." post-its and their clusters.
 */
wall: ClientWall, 
/**
 * Step 5: teams and their assessments.
 */
assessment: Assessment, 
/**
 * Step 6: presenting, areas for improvement, dot voting, the ranked list.
 */
priorities: Priorities, 
/**
 * Closed by the facilitator: readable by its links, changes nothing.
 */
closed: boolean, 
/**
 * Who marked "I'm done", as (step, member) pairs.
 */
ready: Array<[number, MemberId]>, 
/**
 * Whether the room moves on by itself once every present participant is ready.
 */
auto_advance: boolean, 
/**
 * How many times each member contributed (a check-in, a card, a definition edit, a
 * highlight), for the facilitator's participation panel.
 */
contributions: { [key in MemberId]: number }, 
/**
 * Each member's undo stack for the current step, newest last. A member's view holds only
 * their own.
 */
undo?: { [key in MemberId]: Array<UndoEntry> }, 
/**
 * Each member's redo stack (what they undid, newest last); a new undoable action clears it.
 */
redo?: { [key in MemberId]: Array<UndoEntry> }, };
export type Settings = { title: string, organisation: string, lens: Lens, language: Language, 
/**
 * Target size of groups and teams.
 */
group_size: number, };
export type Lens = "client" | "customer" | "partner" | "staff";
export type Language = "en" | "pt";
export type MemberRole = "facilitator" | "participant";
export type Role = "facilitator" | "participant" | "viewer";
export type Member = { id: MemberId, name: string, role: MemberRole, 
/**
 * Milliseconds since the Unix epoch.
 */
joined_at: number, };
export type Timer = { "state": "idle" } | { "state": "running", ends_at: number, total_ms: number, } | { "state": "paused", remaining_ms: number, total_ms: number, };
export type Checkin = { contribute: string, get_out: string, updated_at: number, };
export type RoomId = string;
export type MemberId = string;
export type CommandId = number;
export type ClientId = string;
export type ItemId = string;
export type TextTarget = { "kind": "definition", group: number, } | { "kind": "card", id: ItemId, } | { "kind": "factor", id: ItemId, } | { "kind": "area", id: ItemId, };
export type SharedText = { 
/**
 * The text as it reads now (what the document holds).
 */
text: string, 
/**
 * The whole Yjs document (base64 of a v1 update holding its state): a browser that joins
 * loads it, then applies each `text.changed` update.
 */
doc: string, 
/**
 * Who has written in it, in the order of their first edit.
 */
editors: Array<MemberId>, 
/**
 * Server time of the last change (ms since the Unix epoch).
 */
updated_at: number, };
export type Texts = { [key in string]: SharedText };
export type YDoc = string;
export type Experience = { queue: SpeakerQueue, 
/**
 * A participant the facilitator appointed to run the queue and write the cards.
 */
scribe?: MemberId, 
/**
 * Whether every participant may add and edit cards (otherwise only facilitators and scribe).
 */
open: boolean, factors: { [key in ItemId]: Factor }, };
export type SpeakerQueue = { order: Array<MemberId>, current?: MemberId, spoken: Array<MemberId>, };
export type Factor = { id: ItemId, 
/**
 * How many times it was named (merging adds the counts).
 */
mentions: number, 
/**
 * The speakers who named it.
 */
speakers: Array<MemberId>, created_by: MemberId, created_at: number, };
export type Definitions = { groups: Array<Group>, wall: Wall, highlights: { [key in ItemId]: Highlight }, 
/**
 * Suggested common words and phrases, recomputed by the server on every change.
 */
common: Array<CommonTerm>, 
/**
 * The room's shared working definition, shown on later boards and in the report.
 */
working: string, };
export type Group = { id: number, members: Array<MemberId>, 
/**
 * Members the server placed here on their own because they arrived after groups were
 * formed (a "new" badge for facilitators), until a facilitator moves them or forms groups
 * again. Absent when empty (and in rooms stored before it existed).
 */
late?: Array<MemberId>, };
export type Highlight = { id: ItemId, group: number, start: number, end: number, phrase: string, by: MemberId, 
/**
 * Yjs relative positions (base64) of the start and the end, when the definition is a
 * shared text: `start` and `end` follow them on every change of the text.
 */
anchor?: Anchor, };
export type Anchor = { start: string, end: string, };
export type CommonTerm = { 
/**
 * How it reads (the most frequent form, lowercase).
 */
term: string, 
/**
 * In how many groups' definitions it occurs.
 */
definitions: number, 
/**
 * How many highlights cover it.
 */
highlights: number, };
export type Wall = { shown: boolean, reading?: number, };
export type UndoEntry = { 
/**
 * The command it undoes (its wire `type`, e.g. `factor.delete`), for the button's label.
 */
command: string, 
/**
 * The step it was done in (entries never outlive their step).
 */
step: number, before: Array<Event>, after: Array<Event>, };
export type Private = { member_id: MemberId, undo: Array<UndoEntry>, redo: Array<UndoEntry>, notes: Array<Note>, votes: { [key in ItemId]: number }, };
export type ClientWall = { 
/**
 * Revealed notes, and (in a member's own view) their own unrevealed ones.
 */
notes: { [key in ItemId]: Note }, clusters: { [key in ItemId]: Cluster }, 
/**
 * How many unrevealed notes each member has written: all that others may know of them.
 */
pending: { [key in MemberId]: number }, 
/**
 * Whose notes were revealed last, while they place them on the wall.
 */
turn?: MemberId, };
export type Note = { id: ItemId, author: MemberId, 
/**
 * What follows "Help me".
 */
text: string, revealed: boolean, 
/**
 * Position on the wall, in wall units.
 */
x: number, y: number, cluster?: ItemId, 
/**
 * The cluster whose notes this one most resembles, suggested when it was revealed.
 */
suggestion?: ItemId, created_at: number, };
export type Cluster = { id: ItemId, name: string, };
export type DropTarget = { "kind": "note", id: ItemId, new_cluster: ItemId, } | { "kind": "cluster", id: ItemId, };
export type Assessment = { teams: Array<Team>, cards: { [key in ItemId]: Card }, };
export type Team = { id: number, members: Array<MemberId>, 
/**
 * Members the server placed here on their own because they arrived after teams were
 * formed, until a facilitator moves them or forms teams again (as [`Group::late`]).
 */
late?: Array<MemberId>, cluster?: ItemId, 
/**
 * Rating per category (index 0 is category 1), 1 to 5, 0 when not rated.
 */
ratings: Array<number>, };
export type Card = { id: ItemId, team: number, 
/**
 * 1 to 6, the categories of client-centric behaviour.
 */
category: number, column: Column, author: MemberId, created_at: number, };
export type Column = "succeeded" | "failed";
export type Priorities = { 
/**
 * The team whose board everyone follows.
 */
presenting?: number, areas: { [key in ItemId]: Area }, phase: VotePhase, 
/**
 * Dots each person may place.
 */
dots: number, 
/**
 * Each member's dots per area. Secret: a member's snapshot holds only their own.
 */
votes: { [key in MemberId]: { [key in ItemId]: number } }, 
/**
 * Dots used per member (public, so the room sees who is still voting).
 */
used: { [key in MemberId]: number }, 
/**
 * Dots per area, published when the vote closes.
 */
tally: { [key in ItemId]: number }, 
/**
 * The prioritised list, most important first.
 */
ranking: Array<ItemId>, finalised: boolean, };
export type Area = { id: ItemId, 
/**
 * The failure card it came from, if any.
 */
from_card?: ItemId, author: MemberId, 
/**
 * Who takes it forward: a participant, or a name.
 */
owner?: string, 
/**
 * Due date, `YYYY-MM-DD`.
 */
due?: string, created_at: number, 
/**
 * The areas merged into this one, as they read then and whose they were, oldest first:
 * a duplicate's words and author are kept with the area it joined. Absent when none.
 */
merged?: Array<Merged>, };
export type Merged = { text: string, author: MemberId, };
export type VotePhase = "not_started" | "open" | "closed";
