// The exercise's fixed shape and the server's caps, mirrored from protocol/src/limits.rs so the
// forms can stop a person before the server would refuse them.

/** Number of steps in the exercise. */
export const STEP_COUNT = 6;
/** Suggested countdown per step in minutes (steps 1-6). */
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
/** Longest key-factor card. */
export const MAX_FACTOR_CHARS = 120;
/** Longest group definition. */
export const MAX_DEFINITION_CHARS = 400;
/** Longest working definition. */
export const MAX_WORKING_CHARS = 600;
/** Longest "Help me ..." note, without the prefix. */
export const MAX_NOTE_CHARS = 200;
/** Longest cluster name. */
export const MAX_CLUSTER_NAME_CHARS = 60;
/** The wall's size in its own units. */
export const WALL_WIDTH = 4000;
export const WALL_HEIGHT = 3000;
/** Longest assessment example. */
export const MAX_CARD_CHARS = 300;
/** The categories of behaviour on a team's board. */
export const CATEGORIES = [1, 2, 3, 4, 5, 6];
/** Ratings run from 1 to this (0 clears). */
export const MAX_RATING = 5;
/** Longest area for improvement. */
export const MAX_AREA_CHARS = 200;
/** Most dots a facilitator may give each person. */
export const MAX_DOTS = 20;
/** Longest owner name on a follow-up. */
export const MAX_OWNER_CHARS = 80;
