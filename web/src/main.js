// The entry point: picks the screen from the address. `/` is home, `/r/{room_id}` a
// participant (a facilitator when the fragment holds `#key=...`, the participant whose token
// it holds with `#me=...`), `/r/{room_id}/wall` the projector, `/r/{room_id}/report#key=...`
// the printable report.

import { t } from './i18n.js';
import { forgetOldRooms, roomOpened, saveToken } from './saved.js';
import { enterRoom } from './session.js';
import { showHome } from './views/home.js';
import { showError } from './views/pages.js';
import { showReport } from './views/report.js';
import { watchPastes } from './ui/kit.js';

function route() {
  const path = location.pathname;
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (path === '/' || path === '/index.html') return showHome();
  const report = /^\/r\/([^/]+)\/report\/?$/.exec(path);
  if (report) return showReport(decodeURIComponent(report[1]), key);
  const match = /^\/r\/([^/]+)(\/wall)?\/?$/.exec(path);
  if (!match) return showError(() => t('error.no_page'));
  const roomId = decodeURIComponent(match[1]);
  if (match[2]) return enterRoom(roomId, { role: 'viewer' });
  roomOpened(roomId);
  // A person's own link from another device (`#me=<token>`): this browser becomes them, and
  // the token leaves the address bar and the history at once.
  const me = new URLSearchParams(location.hash.slice(1)).get('me');
  if (me && !key) {
    saveToken(roomId, 'participant', me);
    history.replaceState(null, '', location.pathname + location.search);
  }
  enterRoom(roomId, key ? { role: 'facilitator', key } : { role: 'participant' });
}

watchPastes();
route();
// After the room opened is dated (route), so that coming back to it after long is not what
// forgets it.
forgetOldRooms();
