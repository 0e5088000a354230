//! Every cap on what a client may send or a room may hold, each with the reason for its size.

/// Longest display name; a name is a label on a post-it-sized badge.
pub const MAX_NAME_CHARS: usize = 40;
/// Longest room title or organisation name; one line in a header.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest answer in a check-in; a few sentences, not an essay.
pub const MAX_CHECKIN_CHARS: usize = 600;
/// Longest client-chosen item id; a UUID (or a member id and a counter) fits easily.
pub const MAX_ITEM_ID_CHARS: usize = 64;
/// Longest client id (one per browser tab); a random token fits easily.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Clients (tabs, devices) per member whose command numbering the room remembers; the one used
/// least recently is forgotten first. A person rarely has more than a few open at once.
pub const MAX_CLIENTS_PER_MEMBER: usize = 16;
/// Command numbers below a client's highest that the room still tells apart (applied or not);
/// a client keeps fewer than this many commands unanswered at once.
pub const DEDUP_WINDOW: u64 = 64;
/// Removed items the room remembers, so that a command on one is answered `gone` rather than
/// `not_found`; older ones are forgotten first.
pub const MAX_TOMBSTONES: usize = 4096;
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
/// Undo (and redo) entries kept per member.
pub const UNDO_DEPTH: usize = 20;
/// Shared texts a room may create over its life (definitions, cards, key factors, areas): a
/// removed item keeps its text so that undo brings it back whole. With
/// [`MAX_TEXT_DOC_BYTES`], this bounds a room's texts at 64 MiB whatever anyone does; a real
/// workshop writes a few hundred texts of a few hundred bytes.
pub const MAX_TEXTS: usize = 4_000;
/// Largest encoded history of one shared text (Yjs state): a few hundred characters typed and
/// retyped dozens of times fit in it (Yjs keeps deleted text as small markers); an update that
/// would pass it is refused `limit_reached`.
pub const MAX_TEXT_DOC_BYTES: usize = 16 * 1024;
/// Largest single text update (a Yjs update, before base64): a pasted paragraph fits.
pub const MAX_TEXT_UPDATE_BYTES: usize = 8 * 1024;
/// Yjs clients (editors opened by people who typed) a room remembers, each with whose it is;
/// a room that has seen this many refuses new ones. A page uses one for all its texts.
pub const MAX_TEXT_WRITERS: usize = 20_000;
/// Longest caret position on the wire (a Yjs relative position, base64): a few dozen bytes.
pub const MAX_ANCHOR_CHARS: usize = 256;
/// Other selected post-its one `drag` moves along with the one under the pointer; more are
/// not previewed (they still move with the drop).
pub const MAX_DRAG_WITH: usize = 50;
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
/// Areas merged into one area, kept with it (their words and authors).
pub const MAX_MERGED_AREAS: usize = 50;
/// Most dots a facilitator may give each person.
pub const MAX_DOTS: u8 = 20;
/// Longest owner name on a follow-up.
pub const MAX_OWNER_CHARS: usize = 80;
