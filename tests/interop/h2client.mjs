// An RFC 8441 client built on node's own http2 module (nothing to install): opens an HTTP/2
// connection (h2c with prior knowledge for http://, ALPN h2 for https://), then extended
// CONNECT streams carrying WebSocket frames written by hand.
//
//   node h2client.mjs URL [--streams N] [--alpn] [--method M] [--protocol P] [--no-version]
//                         [--subprotocol S] [--deflate] [--hold] [MESSAGE...]
//
// `--hold` keeps each WebSocket open after its echoes until the server closes it (printing
// `sI open` once the echoes are in), and answers the server's close.
//
// Prints `settings enableConnectProtocol=BOOL` once the server's SETTINGS arrive; for each
// stream `sI status N` and its response headers as `sI header NAME: VALUE`, then every echoed
// text message as `sI TEXT`, then `sI closed CODE`; `goaway CODE` when the server sends one. `--alpn` only prints the protocol TLS's
// ALPN chose (`alpn NAME`). Errors print `error CODE MESSAGE` and exit 1.
import http2 from "node:http2";
import tls from "node:tls";

const argv = process.argv.slice(2);
const url = new URL(argv.shift());
const opt = { streams: 1, method: "CONNECT", protocol: "websocket", version: true, messages: [] };
while (argv.length) {
  const a = argv.shift();
  if (a === "--streams") opt.streams = Number(argv.shift());
  else if (a === "--alpn") opt.alpn = true;
  else if (a === "--method") opt.method = argv.shift();
  else if (a === "--protocol") opt.protocol = argv.shift();
  else if (a === "--no-protocol") opt.protocol = null;
  else if (a === "--no-version") opt.version = false;
  else if (a === "--subprotocol") opt.subprotocol = argv.shift();
  else if (a === "--deflate") opt.deflate = true;
  else if (a === "--hold") opt.hold = true;
  else opt.messages.push(a);
}
const fail = (code, message) => {
  console.log(`error ${code} ${message}`);
  process.exit(1);
};
setTimeout(() => fail("TIMEOUT", "no end within 15 s"), 15000).unref();

if (opt.alpn) {
  const port = Number(url.port);
  const s = tls.connect({ host: url.hostname, port, ALPNProtocols: ["h2", "http/1.1"], rejectUnauthorized: false });
  s.on("secureConnect", () => {
    console.log(`alpn ${s.alpnProtocol || "none"}`);
    s.end();
  });
  s.on("error", (e) => fail(e.code, e.message));
} else {
  run();
}

// A masked client frame (RFC 6455 §5.2) with FIN set.
function frame(opcode, payload) {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n])
    : n < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 255])
    : (() => { const b = Buffer.alloc(10); b[0] = 0x80 | opcode; b[1] = 0x80 | 127; b.writeBigUInt64BE(BigInt(n), 2); return b; })();
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([head, mask, body]);
}

// Server frames from `buf`: [{opcode, payload}], and the bytes left over.
function parse(buf) {
  const out = [];
  for (;;) {
    if (buf.length < 2) break;
    let n = buf[1] & 127, off = 2;
    if (n === 126) { if (buf.length < 4) break; n = buf.readUInt16BE(2); off = 4; }
    else if (n === 127) { if (buf.length < 10) break; n = Number(buf.readBigUInt64BE(2)); off = 10; }
    if (buf.length < off + n) break;
    out.push({ opcode: buf[0] & 15, rsv1: (buf[0] & 0x40) !== 0, payload: buf.subarray(off, off + n) });
    buf = buf.subarray(off + n);
  }
  return [out, buf];
}

function run() {
  const session = http2.connect(url.origin, { rejectUnauthorized: false, settings: { enableConnectProtocol: false } });
  session.on("error", (e) => fail(e.code, e.message));
  // The server's GOAWAY (with `--streams 0`, the only way the run ends).
  session.on("goaway", (code) => {
    console.log(`goaway ${code}`);
    if (opt.streams === 0) session.close();
  });
  session.once("remoteSettings", (settings) => {
    console.log(`settings enableConnectProtocol=${Boolean(settings.enableConnectProtocol)}`);
    if (!settings.enableConnectProtocol && opt.protocol) {
      session.close();
      return;
    }
    let left = opt.streams;
    for (let i = 1; i <= opt.streams; i++) {
      stream(session, `s${i}`, () => {
        if (--left === 0) session.close();
      });
    }
  });
}

function stream(session, name, done) {
  const headers = { ":method": opt.method, ":path": url.pathname + url.search, ":scheme": url.protocol.slice(0, -1), ":authority": url.host };
  if (opt.protocol) headers[":protocol"] = opt.protocol;
  if (opt.method === "CONNECT" && !opt.protocol) { delete headers[":path"]; delete headers[":scheme"]; }
  if (opt.version) headers["sec-websocket-version"] = "13";
  if (opt.subprotocol) headers["sec-websocket-protocol"] = opt.subprotocol;
  if (opt.deflate) headers["sec-websocket-extensions"] = "permessage-deflate; client_no_context_takeover";
  const req = session.request(headers, { endStream: false });
  req.on("error", (e) => { console.log(`${name} error ${e.code}`); done(); });
  let buf = Buffer.alloc(0);
  let inflate = false;
  req.on("response", (h) => {
    console.log(`${name} status ${h[":status"]}`);
    for (const [k, v] of Object.entries(h)) if (!k.startsWith(":") && k !== "date") console.log(`${name} header ${k}: ${v}`);
    if (h[":status"] !== 200) {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => { console.log(`${name} body ${body.trim()}`); done(); });
      return;
    }
    inflate = /permessage-deflate/.test(h["sec-websocket-extensions"] || "");
    // `big:N` is a message of N bytes ("z" repeated), echoed back as `sI big N`.
    const pending = opt.messages.map((m) => (m.startsWith("big:") ? "z".repeat(Number(m.slice(4))) : `${name}:${m}`));
    let waiting = pending.length;
    for (const m of pending) req.write(frame(1, Buffer.from(m)));
    const finish = () => (opt.hold ? console.log(`${name} open`) : req.write(frame(8, Buffer.from([0x03, 0xe8]))));
    if (waiting === 0) finish();
    req.on("data", (d) => {
      let frames;
      [frames, buf] = parse(Buffer.concat([buf, d]));
      for (const f of frames) {
        if (f.opcode === 1) {
          // Compressed echoes are told apart, not inflated: the test checks the agreement.
          const text = f.payload.toString();
          const shown = /^z+$/.test(text) ? `big ${f.payload.length}` : text;
          console.log(`${name} ${f.rsv1 ? "compressed " + f.payload.length + " bytes" : shown}`);
          if (--waiting === 0) finish();
        } else if (f.opcode === 8) {
          console.log(`${name} closed ${f.payload.length >= 2 ? f.payload.readUInt16BE(0) : "none"}`);
          if (opt.hold) req.write(frame(8, f.payload.subarray(0, 2)));
          req.end();
        }
      }
    });
    req.on("close", () => { if (req.rstCode) console.log(`${name} reset ${req.rstCode}`); });
    req.on("end", () => done());
  });
}
