// Generated from protocol/src/limits.rs by `UPDATE_BINDINGS=1 cargo test -p horseshoe-protocol`.
// Do not edit: a test fails when this file differs from what the protocol generates.

/** The protocol version this client speaks (`hello.protocol`). */
export const PROTOCOL_VERSION = 3;
/** Longest display name; a name is a label on a post-it-sized badge. */
export const MAX_NAME_CHARS = 40;
/** Longest room title or organisation name; one line in a header. */
export const MAX_TITLE_CHARS = 120;
/** Longest answer in a check-in; a few sentences, not an essay. */
export const MAX_CHECKIN_CHARS = 600;
/** Longest client-chosen item id; a UUID (or a member id and a counter) fits easily. */
export const MAX_ITEM_ID_CHARS = 64;
/** Longest client id (one per browser tab); a random token fits easily. */
export const MAX_CLIENT_ID_CHARS = 64;
/** Clients (tabs, devices) per member whose command numbering the room remembers; the one used least recently is forgotten first. A person rarely has more than a few open at once. */
export const MAX_CLIENTS_PER_MEMBER = 16;
/** Command numbers below a client's highest that the room still tells apart (applied or not); a client keeps fewer than this many commands unanswered at once. */
export const DEDUP_WINDOW = 64;
/** Removed items the room remembers, so that a command on one is answered `gone` rather than `not_found`; older ones are forgotten first. */
export const MAX_TOMBSTONES = 4096;
/** People who hold a place in one room (facilitators, members online, members who have contributed): a workshop is tens of people; a conference-sized session a thousand, with room to spare. */
export const MAX_MEMBERS = 2000;
/** Member records in one room, those who joined and left without doing anything included (they hold no place): bounds the room's state, and every snapshot, whatever comes and goes. */
export const MAX_MEMBER_RECORDS = 5000;
/** Longest countdown a facilitator can set: a whole workshop day. */
export const MAX_TIMER_MS = 28800000;
/** Smallest and largest group size a facilitator may choose. */
export const MIN_GROUP_SIZE = 2;
/**  */
export const MAX_GROUP_SIZE = 12;
/** Default group size: the workshop asks for groups of 3-4. */
export const DEFAULT_GROUP_SIZE = 4;
/** Number of steps in the exercise. */
export const STEP_COUNT = 6;
/** Default countdown per step in minutes (steps 1-6), from the exercise's facilitator notes. */
export const STEP_MINUTES = [10,15,10,10,35,5];
/** Longest key-factor card: a few words or a short principle. */
export const MAX_FACTOR_CHARS = 120;
/** Cards on step 2's whiteboard. */
export const MAX_FACTORS = 500;
/** Longest group definition: one sentence, generously. */
export const MAX_DEFINITION_CHARS = 400;
/** Longest highlighted phrase. */
export const MAX_HIGHLIGHT_CHARS = 200;
/** Highlights in a room. */
export const MAX_HIGHLIGHTS = 2000;
/** Longest working definition. */
export const MAX_WORKING_CHARS = 600;
/** Undo (and redo) entries kept per member. */
export const UNDO_DEPTH = 20;
/** Shared texts a room may create over its life (definitions, cards, key factors, areas): a removed item keeps its text so that undo brings it back whole. With [`MAX_TEXT_DOC_BYTES`], this bounds a room's texts at 64 MiB whatever anyone does; a real workshop writes a few hundred texts of a few hundred bytes. */
export const MAX_TEXTS = 4000;
/** Largest encoded history of one shared text (Yjs state): a few hundred characters typed and retyped dozens of times fit in it (Yjs keeps deleted text as small markers); an update that would pass it is refused `limit_reached`. */
export const MAX_TEXT_DOC_BYTES = 16384;
/** Largest single text update (a Yjs update, before base64): a pasted paragraph fits. */
export const MAX_TEXT_UPDATE_BYTES = 8192;
/** Yjs clients (editors opened by people who typed) a room remembers, each with whose it is; a room that has seen this many refuses new ones. A page uses one for all its texts. */
export const MAX_TEXT_WRITERS = 20000;
/** Longest caret position on the wire (a Yjs relative position, base64): a few dozen bytes. */
export const MAX_ANCHOR_CHARS = 256;
/** Other selected post-its one `drag` moves along with the one under the pointer; more are not previewed (they still move with the drop). */
export const MAX_DRAG_WITH = 50;
/** Suggested common terms shown at most. */
export const MAX_COMMON_TERMS = 15;
/** Longest "Help me ..." post-it (the prefix is not counted): one reason, in one breath. */
export const MAX_NOTE_CHARS = 200;
/** Post-its in a room: 20 people writing a handful each, with room to spare. */
export const MAX_NOTES = 1000;
/** Post-its one person may write. */
export const MAX_NOTES_PER_MEMBER = 50;
/** Longest cluster name (a type of client). */
export const MAX_CLUSTER_NAME_CHARS = 60;
/** The wall's size in its own units; positions are clamped into it. */
export const WALL_WIDTH = 4000;
/**  */
export const WALL_HEIGHT = 3000;
/** Longest assessment example card. */
export const MAX_CARD_CHARS = 300;
/** Assessment cards in a room: six categories, two columns, a dozen teams, with room to spare. */
export const MAX_CARDS = 2000;
/** Categories of client-centric behaviour on each team's board. */
export const CATEGORY_COUNT = 6;
/** Ratings run from 1 to this (0 means not rated). */
export const MAX_RATING = 5;
/** Longest area for improvement. */
export const MAX_AREA_CHARS = 200;
/** Areas for improvement in a room. */
export const MAX_AREAS = 200;
/** Areas merged into one area, kept with it (their words and authors). */
export const MAX_MERGED_AREAS = 50;
/** Most dots a facilitator may give each person. */
export const MAX_DOTS = 20;
/** Longest owner name on a follow-up. */
export const MAX_OWNER_CHARS = 80;
/** The categories of behaviour on a team's board, numbered. */
export const CATEGORIES = [1,2,3,4,5,6];
/** The longest countdown in whole minutes. */
export const MAX_TIMER_MINUTES = 480;
/** The kinds of shared text that hold one line: the room refuses a line break or a tab in them. */
export const ONE_LINE_TEXTS = ["definition","factor","area"];
