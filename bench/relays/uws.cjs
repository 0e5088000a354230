// The relay comparison's uWebSockets.js server: `ws://HOST:PORT/<room>`, every text frame a
// client sends goes to every other client on the same path, through uWS's own pub/sub (one
// topic per path; `publish` from a socket skips that socket). Usage: node uws.cjs PORT
'use strict';
const uWS = require('@trufflesuite/uws-js-unofficial');

const port = Number(process.argv[2] || 9100);
uWS
  .App()
  .ws('/*', {
    compression: uWS.DISABLED,
    maxPayloadLength: 16 * 1024,
    maxBackpressure: 1024 * 1024,
    idleTimeout: 0,
    upgrade: (res, req, context) => {
      res.upgrade(
        { room: req.getUrl() },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => ws.subscribe(data(ws).room),
    message: (ws, message, isBinary) => ws.publish(data(ws).room, message, isBinary),
  })
  .listen('127.0.0.1', port, (token) => {
    if (!token) {
      console.error(`uWS could not listen on ${port}`);
      process.exit(1);
    }
    console.log(`Listening on http://127.0.0.1:${port}/`);
  });

// Newer uWS keeps user data behind getUserData(); older ones put it on the socket.
function data(ws) {
  return typeof ws.getUserData === 'function' ? ws.getUserData() : ws;
}
