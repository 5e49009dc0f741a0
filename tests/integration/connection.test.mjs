// Connecting: handshake, refusals (4001/4003/4007/4008, 404), ping/pong and
// the server's own liveness checks (pusher:ping after activity_timeout, 4201).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, makeApp, openRaw, connectRaw, appUrl, dataOf,
  pusherClient, pusherConnected, serverSdk, rawSubscribe,
} from './harness.mjs';

const SOCKET_ID_RE = /^\d+\.\d+$/;

/** Expect the server to refuse: pusher:error with `code` (if sent) and close with `code`. */
async function expectRefused(raw, code, { requireErrorFrame = true } = {}) {
  const { code: closeCode } = await raw.waitClosed(5000);
  const errors = raw.frames.filter((m) => m.event === 'pusher:error');
  if (requireErrorFrame) assert.equal(errors.length, 1, `expected one pusher:error before close, got ${JSON.stringify(raw.frames)}`);
  for (const e of errors) assert.equal(dataOf(e).code, code, `pusher:error code: ${JSON.stringify(e)}`);
  assert.equal(raw.frames.filter((m) => m.event === 'pusher:connection_established').length, 0,
    'a refused connection must not be established');
  assert.equal(closeCode, code, `close code (frames: ${JSON.stringify(raw.frames)})`);
}

describe('connection', { skip: SKIP_ALL }, () => {
  const disabled = makeApp(2, { enabled: false });
  const srv = useServer({ apps: [makeApp(1), disabled] });

  it('sends pusher:connection_established with data as a JSON string', async () => {
    const raw = openRaw(appUrl(srv));
    const est = await raw.next('pusher:connection_established');
    assert.equal(typeof est.data, 'string', 'data must be a JSON string');
    const data = JSON.parse(est.data);
    assert.match(data.socket_id, SOCKET_ID_RE);
    assert.equal(typeof data.activity_timeout, 'number');
    assert.ok(data.activity_timeout > 0);
    await raw.close();
  });

  it('announces the default activity_timeout of 120 seconds', { skip: soketiFails('sends 30') }, async () => {
    const raw = await connectRaw(srv);
    assert.equal(raw.activityTimeout, 120);
    await raw.close();
  });

  it('gives every connection a distinct socket_id', async () => {
    const raws = await Promise.all(Array.from({ length: 8 }, () => connectRaw(srv)));
    const ids = new Set(raws.map((r) => r.socketId));
    assert.equal(ids.size, raws.length);
    for (const id of ids) assert.match(id, SOCKET_ID_RE);
    await Promise.all(raws.map((r) => r.close()));
  });

  it('answers pusher:ping with pusher:pong', async () => {
    const raw = await connectRaw(srv);
    raw.send({ event: 'pusher:ping', data: {} });
    const pong = await raw.next('pusher:pong');
    assert.equal(pong.event, 'pusher:pong');
    assert.ok(raw.isOpen());
    await raw.close();
  });

  it('accepts protocol 5, 6 and 7', async () => {
    for (const protocol of [5, 6, 7]) {
      const raw = await connectRaw(srv, { query: `protocol=${protocol}&client=js&version=8.4.0&flash=false` });
      assert.match(raw.socketId, SOCKET_ID_RE, `protocol ${protocol}`);
      await raw.close();
    }
  });

  it('refuses an unknown app key with 4001', async () => {
    const raw = openRaw(appUrl(srv, 'no-such-key'));
    await expectRefused(raw, 4001);
  });

  it('refuses a disabled app with 4003', async () => {
    const raw = openRaw(appUrl(srv, disabled.key));
    await expectRefused(raw, 4003);
  });

  it('refuses a connection without protocol with 4008', { skip: soketiFails('ignores the query string') }, async () => {
    const raw = openRaw(appUrl(srv, srv.app.key, 'client=js&version=8.4.0&flash=false'));
    await expectRefused(raw, 4008, { requireErrorFrame: false });
  });

  for (const protocol of ['4', '8', '1', 'abc', '']) {
    it(`refuses protocol=${JSON.stringify(protocol)} with 4007`, { skip: soketiFails('ignores the query string') }, async () => {
      const raw = openRaw(appUrl(srv, srv.app.key, `protocol=${protocol}&client=js&version=8.4.0&flash=false`));
      await expectRefused(raw, 4007, { requireErrorFrame: false });
    });
  }

  // Paths under /app/ that carry no valid key: a 404, or an upgrade refused with 4001 (no app by that key).
  for (const p of ['/app/', '/app/KEY/extra']) {
    it(`refuses ${p}: a plain 404, or an upgrade closed with 4001`, async () => {
      const raw = openRaw(`${srv.wsUrl}${p.replace('KEY', srv.app.key)}?protocol=7`);
      const err = await raw.opened.then(() => null, (e) => e);
      if (err) {
        assert.equal(err.status, 404, err.message);
      } else {
        const { code } = await raw.waitClosed(5000);
        assert.equal(code, 4001);
        assert.equal(raw.frames.filter((m) => m.event === 'pusher:connection_established').length, 0);
      }
    });
  }

  for (const p of ['/ws', '/nope/KEY', '/apps/KEY', '/APP/KEY', '/application/KEY']) {
    it(`answers a WebSocket upgrade on ${p} with a plain 404`, async () => {
      const raw = openRaw(`${srv.wsUrl}${p.replace('KEY', srv.app.key)}?protocol=7`);
      const err = await raw.opened.then(() => null, (e) => e);
      assert.ok(err, 'the upgrade must not succeed');
      assert.equal(err.status, 404, `expected HTTP 404, got ${err.message}`);
    });
  }

  it('lets pusher-js connect and reports a valid socket_id', async () => {
    const client = pusherClient(srv);
    const socketId = await pusherConnected(client);
    assert.match(socketId, SOCKET_ID_RE);
    client.disconnect();
  });
});

describe('connection: apps given as --app ID:KEY:SECRET', { skip: SKIP_ALL }, () => {
  const cliApp = makeApp(7);
  const srv = useServer({ apps: [cliApp], cliApps: true });

  it('connects with the key and triggers with the secret', async () => {
    const raw = await connectRaw(srv, { key: cliApp.key });
    const sub = await rawSubscribe(raw, 'cli-channel');
    assert.equal(sub.event, 'pusher_internal:subscription_succeeded');
    const res = await serverSdk(srv, cliApp).trigger('cli-channel', 'hello', { from: 'cli' });
    assert.equal(res.status, 200);
    const ev = await raw.next('hello');
    assert.deepEqual(dataOf(ev), { from: 'cli' });
    await raw.close();
  });
});

describe('connection: server-side liveness (activity_timeout=1, pong_timeout=1)', { skip: SKIP_ALL }, () => {
  const srv = useServer({ config: { activity_timeout: 1, pong_timeout: 1 } });

  it('announces the configured activity_timeout', { skip: soketiFails('always sends 30') }, async () => {
    const raw = await connectRaw(srv);
    assert.equal(raw.activityTimeout, 1);
    await raw.close();
  });

  it('pings a silent client, then closes it with 4201 when no pong comes', { skip: soketiFails('fixed 120 s timeout, no pusher:ping') }, async () => {
    const raw = await connectRaw(srv);
    const t0 = Date.now();
    await raw.next('pusher:ping', 4000, 'the server to send pusher:ping');
    const pingedAfter = Date.now() - t0;
    const { code } = await raw.waitClosed(5000);
    assert.equal(code, 4201);
    assert.ok(pingedAfter >= 500, `pinged too early (${pingedAfter} ms after connect)`);
  });

  it('keeps a client that answers every pusher:ping connected', { skip: soketiFails('no server pusher:ping') }, async () => {
    const raw = await connectRaw(srv);
    for (let i = 0; i < 3; i++) {
      await raw.next('pusher:ping', 4000, `server ping #${i + 1}`);
      raw.send({ event: 'pusher:pong', data: {} });
    }
    assert.ok(raw.isOpen(), 'a client answering pings must stay connected');
    await raw.barrier();
    assert.equal(raw.closeInfo, null);
    await raw.close();
  });

  it('keeps pusher-js connected across several activity periods', { skip: soketiFails('no server pusher:ping') }, async () => {
    const client = pusherClient(srv);
    await pusherConnected(client);
    const states = [];
    client.connection.bind('state_change', ({ current }) => states.push(current));
    // pusher-js uses min(its 120 s, server's 1 s): it pings every second itself.
    const raw = await connectRaw(srv);
    for (let i = 0; i < 3; i++) {
      await raw.next('pusher:ping', 4000);
      raw.send({ event: 'pusher:pong', data: {} });
    }
    assert.deepEqual(states, [], 'pusher-js must not have reconnected');
    assert.equal(client.connection.state, 'connected');
    client.disconnect();
    await raw.close();
  });
});
