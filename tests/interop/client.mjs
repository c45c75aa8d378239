// WebSocket client for wsdiag's interoperability tests, built on node's `ws` package.
//
//     node client.mjs URL MSG...
//
// Connects to URL, sends each MSG as a text message (a `bin:` prefix sends the rest as a
// binary message) and prints each echo on its own line (binary ones as `bin:HEX`), then
// closes normally and exits 0. The `ws` package is loaded from the directory in
// WSDIAG_TEST_NODE_MODULES (which holds node_modules/ws). Exits 1 after 10 s.

import { createRequire } from "node:module";
import path from "node:path";

const modules = process.env.WSDIAG_TEST_NODE_MODULES;
if (!modules) {
  console.error("WSDIAG_TEST_NODE_MODULES is not set");
  process.exit(2);
}
const WebSocket = createRequire(path.join(path.resolve(modules), "client.cjs"))("ws");

const [url, ...messages] = process.argv.slice(2);
if (!url) {
  console.error("usage: node client.mjs URL MSG...");
  process.exit(2);
}

setTimeout(() => {
  console.error("timed out");
  process.exit(1);
}, 10_000).unref();

const ws = new WebSocket(url);
const pending = [...messages];
let waiting = pending.length;

function sendNext() {
  const next = pending.shift();
  if (next === undefined) {
    ws.close(1000);
  } else if (next.startsWith("bin:")) {
    ws.send(Buffer.from(next.slice(4)), { binary: true });
  } else {
    ws.send(next);
  }
}

ws.on("open", sendNext);
ws.on("message", (data, isBinary) => {
  console.log(isBinary ? `bin:${Buffer.from(data).toString("hex")}` : data.toString());
  waiting -= 1;
  sendNext();
});
ws.on("close", (code) => {
  process.exitCode = waiting === 0 && code === 1000 ? 0 : 1;
  if (process.exitCode !== 0) console.error(`closed with ${code} and ${waiting} echoes missing`);
});
ws.on("error", (err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
