//! Every cap on what a client may send or a room may hold, each with the reason for its size.

/// Longest display name; a name is a label on a post-it-sized badge.
pub const MAX_NAME_CHARS: usize = 40;
/// Longest room title or organisation name; one line in a header.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest answer in a check-in; a few sentences, not an essay.
pub const MAX_CHECKIN_CHARS: usize = 600;
/// Longest client-chosen command id; a UUID or a counter fits easily.
pub const MAX_COMMAND_ID_CHARS: usize = 64;
/// People who hold a place in one room (facilitators, members online, members who have
/// contributed): a workshop is tens of people; a conference-sized session a thousand, with room
/// to spare.
pub const MAX_MEMBERS: usize = 2000;
/// Member records in one room, those who joined and left without doing anything included (they
/// hold no place): bounds the room's state, and every snapshot, whatever comes and goes.
pub const MAX_MEMBER_RECORDS: usize = 5000;
/// Longest countdown a facilitator can set: a whole workshop day.
pub const MAX_TIMER_MS: u64 = 8 * 60 * 60 * 1000;
/// Smallest and largest group size a facilitator may choose.
pub const MIN_GROUP_SIZE: u8 = 2;
pub const MAX_GROUP_SIZE: u8 = 12;
/// Default group size: the workshop asks for groups of 3-4.
pub const DEFAULT_GROUP_SIZE: u8 = 4;
/// Number of steps in the exercise.
pub const STEP_COUNT: u8 = 6;
/// Default countdown per step in minutes (steps 1-6), from the exercise's facilitator notes.
pub const STEP_MINUTES: [u64; STEP_COUNT as usize] = [10, 15, 10, 10, 35, 5];
/// Longest key-factor card: a few words or a short principle.
pub const MAX_FACTOR_CHARS: usize = 120;
/// Cards on step 2's whiteboard.
pub const MAX_FACTORS: usize = 500;
/// Longest group definition: one sentence, generously.
pub const MAX_DEFINITION_CHARS: usize = 400;
/// Longest highlighted phrase.
pub const MAX_HIGHLIGHT_CHARS: usize = 200;
/// Highlights in a room.
pub const MAX_HIGHLIGHTS: usize = 2000;
/// Longest working definition.
pub const MAX_WORKING_CHARS: usize = 600;
/// An edit lease lasts this long after the holder's last write; then anyone may take over.
pub const LEASE_MS: i64 = 15_000;
/// Undo entries kept per member.
pub const UNDO_DEPTH: usize = 20;
/// Suggested common terms shown at most.
pub const MAX_COMMON_TERMS: usize = 15;
/// Longest "Help me ..." post-it (the prefix is not counted): one reason, in one breath.
pub const MAX_NOTE_CHARS: usize = 200;
/// Post-its in a room: 20 people writing a handful each, with room to spare.
pub const MAX_NOTES: usize = 1000;
/// Post-its one person may write.
pub const MAX_NOTES_PER_MEMBER: usize = 50;
/// Longest cluster name (a type of client).
pub const MAX_CLUSTER_NAME_CHARS: usize = 60;
/// The wall's size in its own units; positions are clamped into it.
pub const WALL_WIDTH: i32 = 4000;
pub const WALL_HEIGHT: i32 = 3000;
/// Longest assessment example card.
pub const MAX_CARD_CHARS: usize = 300;
/// Assessment cards in a room: six categories, two columns, a dozen teams, with room to spare.
pub const MAX_CARDS: usize = 2000;
/// Categories of client-centric behaviour on each team's board.
pub const CATEGORY_COUNT: u8 = 6;
/// Ratings run from 1 to this (0 means not rated).
pub const MAX_RATING: u8 = 5;
/// Longest area for improvement.
pub const MAX_AREA_CHARS: usize = 200;
/// Areas for improvement in a room.
pub const MAX_AREAS: usize = 200;
/// Most dots a facilitator may give each person.
pub const MAX_DOTS: u8 = 20;
/// Longest owner name on a follow-up.
pub const MAX_OWNER_CHARS: usize = 80;
