// The entry point: picks the screen from the address. `/` is home, `/r/{room_id}` a
// participant (a facilitator when the fragment holds `#key=...`), `/r/{room_id}/wall` the
// read-only wall display, `/r/{room_id}/report#key=...` the printable report.

import { t } from './i18n.js';
import { enterRoom } from './session.js';
import { showError } from './views/error.js';
import { showHome } from './views/home.js';
// Steps 4-6: the printable report.
import { showReport } from './views/report.js';

function route() {
  const path = location.pathname;
  if (path === '/' || path === '/index.html') {
    showHome();
    return;
  }
  // Steps 4-6: `/r/{room_id}/report#key=...`, the printable report.
  const report = /^\/r\/([^/]+)\/report\/?$/.exec(path);
  if (report) {
    showReport(decodeURIComponent(report[1]), new URLSearchParams(location.hash.slice(1)).get('key'));
    return;
  }
  const match = /^\/r\/([^/]+)(\/wall)?\/?$/.exec(path);
  if (!match) {
    showError(() => t('error.no_page'));
    return;
  }
  const roomId = decodeURIComponent(match[1]);
  if (match[2]) {
    enterRoom(roomId, { role: 'viewer' });
    return;
  }
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  enterRoom(roomId, key ? { role: 'facilitator', key } : { role: 'participant' });
}

route();
