// The HTTP calls: what the server asks of room creators, create a room, and read a room's public
// description (for the join screen).

/** @typedef {import('./protocol').Lens} Lens */
/** @typedef {import('./protocol').Language} Language */

/**
 * @typedef {object} NewRoom
 * @property {string} title
 * @property {string} organisation
 * @property {Lens} lens
 * @property {Language} language
 */

/**
 * @typedef {object} CreatedRoom
 * @property {string} room_id
 * @property {string} facilitator_key
 * @property {string} facilitator_url
 * @property {string} participant_url
 * @property {string} viewer_url
 */

/**
 * What anyone with the room link may know before joining.
 * @typedef {object} RoomInfo
 * @property {string} room_id
 * @property {string} title
 * @property {string} organisation
 * @property {Lens} lens
 * @property {Language} language
 */

/** A refusal from the API: the HTTP status and the server's `{"error": ...}` message. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {Response} response
 * @returns {Promise<any>}
 */
async function json(response) {
  /** @type {any} */
  let body = null;
  try {
    body = await response.json();
  } catch {
    // An empty or non-JSON body: the status says enough.
  }
  if (!response.ok) {
    const message = typeof body?.error === 'string' ? body.error : response.statusText;
    throw new ApiError(response.status, message);
  }
  return body;
}

/**
 * What the server asks of whoever creates a room.
 * @typedef {object} ServerInfo
 * @property {boolean} create_key whether creating a room requires the server's create key
 */

/** @returns {Promise<ServerInfo>} */
export async function serverInfo() {
  return json(await fetch('/api/server'));
}

/**
 * @param {NewRoom} room
 * @param {string | null} createKey the server's create key, when it asks for one
 * @returns {Promise<CreatedRoom>} rejects with an ApiError of status 401 for a missing or wrong
 *   create key, 429 when this network created too many rooms just now
 */
export async function createRoom(room, createKey) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' };
  if (createKey) headers.authorization = `Bearer ${createKey}`;
  const response = await fetch('/api/rooms', { method: 'POST', headers, body: JSON.stringify(room) });
  return json(response);
}

/**
 * @param {string} roomId
 * @returns {Promise<RoomInfo>} rejects with an ApiError of status 404 when there is no such room
 */
export async function roomInfo(roomId) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`);
  return json(response);
}
