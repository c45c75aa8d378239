// An RFC 8441 server from node's built-in http2 module, for wsdiag's HTTP/2 client tests: it
// advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, answers an extended CONNECT with :status 200 and
// echoes WebSocket frames (a small RFC 6455 frame parser: client frames are masked, ours not).
// Paths choose a behaviour: /forbidden answers 403 with a body, /reset resets the stream
// before answering, /goaway sends GOAWAY ENHANCE_YOUR_CALM after the first message.
// Prints the port it listens on (127.0.0.1, a free port), then serves until killed.
import http2 from 'node:http2';

const server = http2.createServer({ settings: { enableConnectProtocol: true } });

server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  const path = headers[':path'];
  if (headers[':method'] !== 'CONNECT' || headers[':protocol'] !== 'websocket') {
    stream.respond({ ':status': 400 });
    stream.end('extended CONNECT with :protocol websocket expected\n');
    return;
  }
  if (path === '/forbidden') {
    stream.respond({ ':status': 403, 'content-type': 'text/plain' });
    stream.end('no entry\n');
    return;
  }
  if (path === '/reset') {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const response = { ':status': 200 };
  const offered = (headers['sec-websocket-protocol'] || '').split(',').map((p) => p.trim());
  if (offered.includes('chat')) response['sec-websocket-protocol'] = 'chat';
  stream.respond(response);
  let buf = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const frame = parse(buf);
      if (!frame) break;
      buf = buf.subarray(frame.size);
      if (frame.opcode === 0x9) {
        stream.write(encode(0xa, frame.payload));
      } else if (frame.opcode === 0x8) {
        stream.end(encode(0x8, frame.payload));
      } else if (frame.opcode !== 0xa) {
        if (path === '/goaway') {
          stream.session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
          stream.session.destroy();
          return;
        }
        stream.write(encode(frame.opcode, frame.payload, frame.fin));
      }
    }
  });
});
server.on('sessionError', () => {});

function parse(b) {
  if (b.length < 2) return null;
  let len = b[1] & 0x7f;
  let at = 2;
  if (len === 126) {
    if (b.length < 4) return null;
    len = b.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (b.length < 10) return null;
    len = Number(b.readBigUInt64BE(2));
    at = 10;
  }
  const masked = (b[1] & 0x80) !== 0;
  const mask = masked ? b.subarray(at, at + 4) : null;
  if (masked) at += 4;
  if (b.length < at + len) return null;
  const payload = Buffer.from(b.subarray(at, at + len));
  if (mask) for (let i = 0; i < len; i++) payload[i] ^= mask[i % 4];
  return { fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload, size: at + len };
}

function encode(opcode, payload, fin = true) {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) head[1] = len;
  else if (len < 65536) { head[1] = 126; head.writeUInt16BE(len, 2); }
  else { head[1] = 127; head.writeBigUInt64BE(BigInt(len), 2); }
  return Buffer.concat([head, payload]);
}

server.listen(0, '127.0.0.1', () => console.log(server.address().port));
