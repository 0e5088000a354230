// The relay comparison's Bun server: `ws://HOST:PORT/<room>`, every text frame a client sends
// goes to every other client on the same path, through Bun's own pub/sub (one topic per path;
// `publish` from a socket skips that socket). Usage: bun bun.mjs PORT
const port = Number(process.argv[2] || 9100);

Bun.serve({
  hostname: '127.0.0.1',
  port,
  fetch(req, server) {
    if (server.upgrade(req, { data: { room: new URL(req.url).pathname } })) return undefined;
    return new Response('a WebSocket relay', { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    maxPayloadLength: 16 * 1024,
    idleTimeout: 0,
    open(ws) {
      ws.subscribe(ws.data.room);
    },
    message(ws, message) {
      ws.publish(ws.data.room, message);
    },
  },
});
console.log(`Listening on http://127.0.0.1:${port}/`);
