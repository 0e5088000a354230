// The exercise's fixed shape and the server's caps, mirrored from protocol/src/limits.rs so the
// forms can stop a person before the server would refuse them.

/** Number of steps in the exercise. */
export const STEP_COUNT = 6;
/** Default countdown per step in minutes (steps 1-6). */
export const STEP_MINUTES = [10, 15, 10, 10, 35, 5];
/** Longest display name. */
export const MAX_NAME_CHARS = 40;
/** Longest room title or organisation name. */
export const MAX_TITLE_CHARS = 120;
/** Longest answer in a check-in. */
export const MAX_CHECKIN_CHARS = 600;
/** Smallest and largest group size. */
export const MIN_GROUP_SIZE = 2;
export const MAX_GROUP_SIZE = 12;
/** Longest countdown, in minutes (a whole workshop day). */
export const MAX_TIMER_MINUTES = 8 * 60;
