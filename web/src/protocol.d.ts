// Generated from the protocol crate by `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`.
// Do not edit: a test fails when this file differs from what the protocol generates.

export type ClientMsg = { "type": "hello", protocol: number, credentials: Credentials, 
/**
 * Display name for a new member (ignored when a token brings back an existing one).
 */
name?: string, } | { "type": "cmd", id: CommandId, cmd: Command, };
export type ServerMsg = { "type": "welcome", protocol: number, you: You, room: RoomState, online: Array<MemberId>, viewers: number, 
/**
 * The server's clock (ms since the Unix epoch) when this was sent, for countdowns.
 */
server_time: number, } | { "type": "event", seq: number, event: Event, } | { "type": "ack", id: CommandId, seq: number, } | { "type": "reject", id: CommandId, code: ErrorCode, message: string, } | { "type": "presence", online: Array<MemberId>, viewers: number, } | { "type": "error", code: ErrorCode, message: string, };
export type Credentials = { "role": "facilitator", key: string, token?: string, } | { "role": "participant", token?: string, } | { "role": "viewer" };
export type You = { role: Role, member_id?: MemberId, 
/**
 * Sent once, when a new member is made: the browser keeps it to come back as the same
 * person. The server keeps only its hash.
 */
token?: string, };
export type ErrorCode = "bad_request" | "unsupported_version" | "unauthorized" | "forbidden" | "not_found" | "gone" | "too_long" | "limit_reached" | "conflict" | "rate_limited" | "internal";
export type Command = { "type": "settings.update", title?: string, organisation?: string, lens?: Lens, language?: Language, group_size?: number, } | { "type": "step.set", step: number, } | { "type": "timer.start", duration_ms: number, } | { "type": "timer.pause" } | { "type": "timer.resume" } | { "type": "timer.extend", by_ms: number, } | { "type": "timer.clear" } | { "type": "member.rename", name: string, } | { "type": "checkin.set", contribute: string, get_out: string, } | { "type": "checkin.clear", member_id: MemberId, };
export type Event = { "type": "member.joined", member: Member, } | { "type": "member.renamed", member_id: MemberId, name: string, } | { "type": "settings.changed", settings: Settings, } | { "type": "step.changed", step: number, } | { "type": "timer.changed", timer: Timer, } | { "type": "checkin.set", member_id: MemberId, checkin: Checkin, } | { "type": "checkin.cleared", member_id: MemberId, };
export type RoomState = { id: RoomId, 
/**
 * Sequence number of the last event applied (0 for a new room).
 */
seq: number, created_at: number, settings: Settings, 
/**
 * The step the room is in, 1 to [`crate::limits::STEP_COUNT`].
 */
step: number, timer: Timer, members: { [key in MemberId]: Member }, checkins: { [key in MemberId]: Checkin }, };
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
export type CommandId = string;
