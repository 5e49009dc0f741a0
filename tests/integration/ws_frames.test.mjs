// WebSocket framing (RFC 6455) as the server implements it itself:
// fragmented messages with interleaved control frames, ping/pong, the close
// handshake, and protocol violations sent over a hand-made TCP client.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import {
  SKIP_ALL, soketiFails, useServer, connectRaw, rawSubscribe, dataOf, uniq, serverSdk, withTimeout, HOST, DEFAULT_QUERY,
} from './harness.mjs';

// ---------------------------------------------------------------------------
// A minimal hand-made WebSocket client over TCP, to send what `ws` refuses to.
// ---------------------------------------------------------------------------

function encodeFrame({ fin = true, rsv = 0, opcode, payload = Buffer.alloc(0), mask = true }) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  let header;
  if (len < 126) {
    header = Buffer.alloc(2);
    header[1] = len;
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  if (!mask) return Buffer.concat([header, data]);
  header[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([header, key, masked]);
}

/** Parse complete (unmasked) server frames from buf; returns [frames, rest]. */
function decodeFrames(buf) {
  const frames = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const b0 = buf[off];
    const b1 = buf[off + 1];
    let len = b1 & 0x7f;
    let pos = off + 2;
    if (len === 126) {
      if (buf.length - pos < 2) break;
      len = buf.readUInt16BE(pos);
      pos += 2;
    } else if (len === 127) {
      if (buf.length - pos < 8) break;
      len = Number(buf.readBigUInt64BE(pos));
      pos += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked) pos += 4;
    if (buf.length - pos < len) break;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload: buf.subarray(pos, pos + len) });
    off = pos + len;
  }
  return [frames, buf.subarray(off)];
}

/** Open a TCP connection, do the HTTP upgrade by hand, then speak frames. */
async function tcpWebSocket(srv, path = `/app/${srv.app.key}?${DEFAULT_QUERY}`) {
  const sock = net.connect({ host: HOST, port: srv.port });
  sock.setNoDelay(true);
  const key = crypto.randomBytes(16).toString('base64');
  const frames = [];
  const waiters = [];
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let upgradeResolve; let upgradeReject;
  const upgrade = new Promise((res, rej) => { upgradeResolve = res; upgradeReject = rej; });
  const ended = new Promise((res) => sock.on('close', () => res()));
  sock.on('error', () => {});
  const deliver = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      const f = frames.find(w.pred);
      if (f) { waiters.splice(i, 1); w.resolve(f); }
    }
  };
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + 4);
      const status = Number(head.split(' ')[1]);
      if (status !== 101) { upgradeReject(new Error(`upgrade answered ${head.split('\r\n')[0]}`)); return; }
      const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      if (!head.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`)) {
        upgradeReject(new Error(`bad Sec-WebSocket-Accept in:\n${head}`));
        return;
      }
      upgraded = true;
      upgradeResolve();
    }
    const [parsed, rest] = decodeFrames(buf);
    buf = rest;
    for (const f of parsed) {
      if (f.opcode === 0x1) {
        try { f.json = JSON.parse(f.payload.toString('utf8')); } catch { /* not JSON */ }
      }
      if (f.opcode === 0x8) f.code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
      frames.push(f);
    }
    deliver();
  });
  sock.write([
    `GET ${path} HTTP/1.1`, `Host: ${HOST}:${srv.port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', '', '',
  ].join('\r\n'));
  await withTimeout(upgrade, 5000, 'the WebSocket upgrade');
  const client = {
    frames,
    ended,
    send(frame) { sock.write(encodeFrame(frame)); },
    sendRaw(bytes) { sock.write(bytes); },
    text(str, extra = {}) { sock.write(encodeFrame({ opcode: 0x1, payload: Buffer.from(str), ...extra })); },
    next(pred, timeoutMs = 5000, what = 'a frame') {
      const f = frames.find(pred);
      if (f) return Promise.resolve(f);
      return withTimeout(new Promise((resolve) => waiters.push({ pred, resolve })), timeoutMs, what);
    },
    /** The server's close frame (code), after which the TCP connection must end. */
    async closeFrame(timeoutMs = 5000) {
      const got = client.next((x) => x.opcode === 0x8, timeoutMs, 'a close frame from the server');
      const f = await Promise.race([
        got,
        ended.then(() => new Promise((r) => setImmediate(r))).then(() => {
          const closeF = frames.find((x) => x.opcode === 0x8);
          if (closeF) return closeF;
          throw new Error('the server ended the TCP connection without sending a close frame');
        }),
      ]);
      got.catch(() => {});
      return f.code;
    },
    destroy() { sock.destroy(); },
  };
  await client.next((f) => f.json?.event === 'pusher:connection_established', 5000, 'connection_established');
  return client;
}

const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

describe('WebSocket frames', { skip: SKIP_ALL }, () => {
  const srv = useServer();

  it('reassembles a fragmented text message with a ping interleaved, and answers the ping', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('fragmented-');
    const msg = JSON.stringify({ event: 'pusher:subscribe', data: { channel } });
    const pong = new Promise((resolve) => raw.ws.once('pong', (data) => resolve(data.toString())));
    raw.ws.send(msg.slice(0, 10), { fin: false });
    raw.ws.ping('mid-message');
    raw.ws.send(msg.slice(10, 30), { fin: false });
    raw.ws.send(msg.slice(30), { fin: true });
    assert.equal(await withTimeout(pong, 5000, 'pong'), 'mid-message');
    const sub = await raw.next('pusher_internal:subscription_succeeded');
    assert.equal(sub.channel, channel);
    await serverSdk(srv).trigger(channel, 'after-fragments', { ok: 1 });
    assert.deepEqual(dataOf(await raw.next('after-fragments')), { ok: 1 });
    await raw.close();
  });

  it('validates UTF-8 across fragment boundaries (a character split between fragments is fine)', async () => {
    const raw = await connectRaw(srv);
    const bytes = Buffer.from(JSON.stringify({ event: 'pusher:ping', data: { note: '日本語 🚀' } }));
    const split = bytes.indexOf(Buffer.from('本')) + 1; // inside the 3-byte sequence
    raw.ws.send(bytes.subarray(0, split), { fin: false, binary: false });
    raw.ws.send(bytes.subarray(split), { fin: true, binary: false });
    await raw.next('pusher:pong');
    assert.equal(raw.closeInfo, null);
    await raw.close();
  });

  it('answers a control ping with a pong carrying the same payload', async () => {
    const raw = await connectRaw(srv);
    const payload = crypto.randomBytes(125);
    const pong = new Promise((resolve) => raw.ws.once('pong', resolve));
    raw.ws.ping(payload);
    const got = await withTimeout(pong, 5000, 'pong');
    assert.ok(Buffer.compare(got, payload) === 0, 'pong payload differs from ping payload');
    await raw.close();
  });

  for (const code of [1000, 1001, 3000, 4000]) {
    it(`echoes close code ${code} in the close handshake`, { skip: code === 3000 ? soketiFails('answers 3000 with an empty close frame (1005)') : false }, async () => {
      const raw = await connectRaw(srv);
      raw.ws.close(code, 'client done');
      const closed = await raw.waitClosed(5000);
      assert.equal(closed.code, code);
    });
  }

  it('closes with 1009 when fragments add up past the message limit', { skip: soketiFails('accepts messages up to 100 MB') }, async () => {
    const raw = await connectRaw(srv);
    const chunk = 'z'.repeat(4096);
    raw.ws.send('{"event":"client-big","channel":"private-x","data":"', { fin: false });
    for (let i = 0; i < 30; i++) raw.ws.send(chunk, { fin: false });
    raw.ws.send('"}', { fin: true });
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 1009);
  });

  it('accepts a masked text frame from the hand-made client (sanity check of the TCP client)', async () => {
    const c = await tcpWebSocket(srv);
    c.text(JSON.stringify({ event: 'pusher:ping', data: {} }));
    const pong = await c.next((f) => f.json?.event === 'pusher:pong');
    assert.equal(pong.masked, false, 'server frames must not be masked');
    c.send({ opcode: OP.ping, payload: 'raw-ping' });
    const ctrl = await c.next((f) => f.opcode === OP.pong);
    assert.equal(ctrl.payload.toString(), 'raw-ping');
    c.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8]) });
    assert.equal(await c.closeFrame(), 1000);
    await withTimeout(c.ended, 5000, 'the server to end the TCP connection');
  });

  const violations = {
    'an unmasked client frame': (c) => c.send({ opcode: OP.text, payload: '{"event":"pusher:ping","data":{}}', mask: false }),
    'RSV1 set without a negotiated extension': (c) => c.send({ opcode: OP.text, rsv: 4, payload: '{"event":"pusher:ping","data":{}}' }),
    'a continuation frame with no message started': (c) => c.send({ opcode: OP.cont, payload: 'orphan' }),
    'a new text frame while a fragmented message is open': (c) => {
      c.send({ opcode: OP.text, fin: false, payload: '{"event":' });
      c.send({ opcode: OP.text, fin: true, payload: '"pusher:ping"}' });
    },
    'a fragmented ping (control frame with FIN=0)': (c) => c.send({ opcode: OP.ping, fin: false, payload: 'x' }),
    'a ping with a 126-byte payload': (c) => c.send({ opcode: OP.ping, payload: Buffer.alloc(126, 1) }),
    'the reserved opcode 0x3': (c) => c.send({ opcode: 0x3, payload: 'x' }),
    'the reserved control opcode 0xB': (c) => c.send({ opcode: 0xb, payload: 'x' }),
    'a close frame with a 1-byte payload': (c) => c.send({ opcode: OP.close, payload: Buffer.from([0x03]) }),
  };
  for (const [what, send] of Object.entries(violations)) {
    it(`closes with 1002 on ${what}`, { skip: soketiFails('uWS drops the connection or ignores the frame, no 1002 close frame') }, async () => {
      const c = await tcpWebSocket(srv);
      send(c);
      const code = await c.closeFrame();
      assert.equal(code, 1002, `${what}: close code`);
      await withTimeout(c.ended, 5000, 'the server to end the TCP connection');
    });
  }

  it('closes with 1002 on a close frame carrying the invalid code 1005', { skip: soketiFails('answers with an empty close frame') }, async () => {
    const c = await tcpWebSocket(srv);
    c.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xed]) });
    assert.equal(await c.closeFrame(), 1002);
  });

  it('closes with 1007 on a close frame whose reason is not UTF-8', { skip: soketiFails('answers with an empty close frame') }, async () => {
    const c = await tcpWebSocket(srv);
    c.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8, 0xff, 0xfe]) });
    assert.equal(await c.closeFrame(), 1007);
  });

  it('handles a frame that arrives one byte at a time', async () => {
    const c = await tcpWebSocket(srv);
    const bytes = encodeFrame({ opcode: OP.text, payload: JSON.stringify({ event: 'pusher:ping', data: {} }) });
    for (const b of bytes) {
      c.sendRaw(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    await c.next((f) => f.json?.event === 'pusher:pong');
    c.destroy();
  });

  it('handles several frames arriving in one TCP segment', async () => {
    const c = await tcpWebSocket(srv);
    const channel = uniq('batched-frames-');
    const bytes = Buffer.concat([
      encodeFrame({ opcode: OP.text, payload: JSON.stringify({ event: 'pusher:subscribe', data: { channel } }) }),
      encodeFrame({ opcode: OP.ping, payload: 'p1' }),
      encodeFrame({ opcode: OP.text, payload: JSON.stringify({ event: 'pusher:ping', data: {} }) }),
    ]);
    c.sendRaw(bytes);
    await c.next((f) => f.json?.event === 'pusher_internal:subscription_succeeded' && f.json.channel === channel);
    await c.next((f) => f.opcode === OP.pong && f.payload.toString() === 'p1');
    await c.next((f) => f.json?.event === 'pusher:pong');
    c.destroy();
  });

  it('answers a WebSocket upgrade without Sec-WebSocket-Key with an HTTP error, not 101', async () => {
    const sock = net.connect({ host: HOST, port: srv.port });
    sock.on('error', () => {});
    let head = '';
    const answered = new Promise((resolve) => sock.on('data', (d) => { head += d.toString('latin1'); if (head.includes('\r\n')) resolve(); }));
    sock.write([`GET /app/${srv.app.key}?${DEFAULT_QUERY} HTTP/1.1`, `Host: ${HOST}`, 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
    await withTimeout(answered, 5000, 'an HTTP answer');
    const status = Number(head.split(' ')[1]);
    assert.ok(status >= 400 && status < 500, `expected 4xx, got: ${head.split('\r\n')[0]}`);
    sock.destroy();
  });

  it('still serves normal clients after all the violations', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('frames-after-');
    await rawSubscribe(raw, channel);
    await serverSdk(srv).trigger(channel, 'ok', {});
    await raw.next('ok');
    await raw.close();
  });
});
