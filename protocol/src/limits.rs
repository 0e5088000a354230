//! Every cap on what a client may send or a room may hold, each with the reason for its size.

/// Longest display name; a name is a label on a post-it-sized badge.
pub const MAX_NAME_CHARS: usize = 40;
/// Longest room title or organisation name; one line in a header.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest answer in a check-in; a few sentences, not an essay.
pub const MAX_CHECKIN_CHARS: usize = 600;
/// Longest client-chosen command id; a UUID or a counter fits easily.
pub const MAX_COMMAND_ID_CHARS: usize = 64;
/// Members (facilitators and participants) in one room: a workshop is tens of people, a large
/// conference session a few hundred.
pub const MAX_MEMBERS: usize = 500;
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
