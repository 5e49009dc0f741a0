// The connection driven through a fake transport and a virtual clock: events, close codes,
// heartbeat, resubscription.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSocketUrl } from './realtime.js';
import { SwitchboardError } from './errors.js';
import { fakeToken, flush, makeRealtime, type Json } from '../test/helpers/fake.js';

function record(rt: ReturnType<typeof makeRealtime>['rt']) {
  const events: string[] = [];
  rt.on('connected', () => events.push('connected'));
  rt.on('disconnected', (r) => events.push(`disconnected:${r}`));
  rt.on('reconnecting', (n) => events.push(`reconnecting:${n}`));
  rt.on('error', (e) => events.push(`error:${e.code}`));
  return events;
}

describe('realtime connection', () => {
  it('builds the native URL with the token', () => {
    assert.equal(
      buildSocketUrl('ws://h:1/', 'pk_test_a', 'a.b.c'),
      'ws://h:1/app/pk_test_a?protocol=7&client=switchboard-js&version=1.0.0&extensions=native&token=a.b.c',
    );
  });

  it('resolves start() on connection_established and reports the user', async () => {
    const token = fakeToken({ sub: 'alice', channels: ['chat:*'] });
    const { rt, server } = makeRealtime({ token });
    const p = rt.start();
    assert.equal(rt.getState(), 'connecting');
    assert.match(server.last.url, /token=/);
    server.last.establish({ user_id: 'alice' });
    assert.equal(await p, rt);
    assert.equal(rt.getState(), 'connected');
    assert.equal(rt.isConnected(), true);
    assert.equal(rt.userId, 'alice');
    assert.equal(rt.socketId, '123.456');
  });

  it('calls a connected listener added after connecting (the seed\'s order)', async () => {
    const { rt, server } = makeRealtime();
    const p = rt.start();
    server.last.establish();
    await p;
    let called = 0;
    rt.on('connected', () => called++);
    assert.equal(called, 0, 'asynchronously');
    await flush();
    assert.equal(called, 1);
  });

  it('rejects start() on a refused first connection with the error code', async () => {
    const { rt, server } = makeRealtime({ token: 'forged' });
    const events = record(rt);
    const p = rt.start();
    server.last.open();
    server.last.deliver({ event: 'pusher:error', data: { code: 4009, message: 'token expired', error: 'invalid_token' } });
    server.last.serverClose(4009, 'token expired');
    await assert.rejects(p, (e: unknown) => e instanceof SwitchboardError && e.code === 'invalid_token' && e.closeCode === 4009);
    assert.equal(rt.getState(), 'disconnected');
    assert.deepEqual(events, ['error:invalid_token'], 'one error event, no retry');
    assert.equal(server.sockets.length, 1);
  });

  it('4001 refused: no reconnect', async () => {
    const { rt, server, clock } = makeRealtime();
    const events = record(rt);
    const p = rt.start();
    server.last.establish();
    await p;
    server.last.deliver({ event: 'pusher:error', data: { code: 4001, message: 'App does not exist' } });
    server.last.serverClose(4001);
    clock.advance(60_000);
    assert.equal(server.sockets.length, 1);
    assert.equal(rt.getState(), 'disconnected');
    assert.deepEqual(events, ['connected', 'disconnected:server closed (4001: App does not exist)', 'error:app_not_found']);
  });

  it('4200: reconnects at once and resubscribes', async () => {
    const { rt, server, clock } = makeRealtime();
    const events = record(rt);
    const p = rt.start();
    server.last.establish();
    await p;
    rt.subscribe('chat:a');
    server.last.serverClose(4200, 'shutting down');
    assert.equal(rt.getState(), 'connecting');
    clock.advance(0);
    assert.equal(server.sockets.length, 2);
    server.last.establish();
    assert.deepEqual(server.last.framesOf('pusher:subscribe').map((f) => (f.data as Json).channel), ['chat:a']);
    assert.deepEqual(events, ['connected', 'disconnected:server closed (4200: shutting down)', 'reconnecting:1', 'connected']);
  });

  it('4100: waits at least a second', async () => {
    const { rt, server, clock } = makeRealtime({ random: () => 0 });
    const p = rt.start();
    server.last.establish();
    await p;
    server.last.serverClose(4100);
    clock.advance(999);
    assert.equal(server.sockets.length, 1);
    clock.advance(1);
    assert.equal(server.sockets.length, 2);
  });

  it('network loss backs off with growing jittered delays, then gives up', async () => {
    const { rt, server, clock } = makeRealtime({ random: () => 1, options: { maxReconnectAttempts: 4, reconnectDelay: 100 } });
    const events = record(rt);
    const p = rt.start();
    server.last.establish();
    await p;
    server.last.serverClose(1006);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(Math.min(...clock.pending()));
      clock.advance(waits[i]!);
      server.last.serverClose(1006);
    }
    assert.deepEqual(waits, [100, 200, 400, 800]);
    assert.equal(rt.getState(), 'disconnected');
    assert.deepEqual(events.filter((e) => e.startsWith('reconnecting')), ['reconnecting:1', 'reconnecting:2', 'reconnecting:3', 'reconnecting:4']);
    assert.equal(events.at(-1), 'error:connection_failed');
  });

  it('4009 invalid_token after a connection: gets a new token, reconnects with it', async () => {
    let n = 0;
    const { rt, server, clock } = makeRealtime({ token: 'old', tokenProvider: () => `new-${++n}` });
    const p = rt.start();
    server.last.establish();
    await p;
    server.last.deliver({ event: 'pusher:error', data: { code: 4009, message: 'expired', error: 'invalid_token' } });
    server.last.serverClose(4009);
    await flush();
    clock.advance(0);
    assert.equal(server.sockets.length, 2);
    assert.match(server.last.url, /token=new-1$/);
  });

  it('heartbeat: pings after silence, reconnects when no pong', async () => {
    const { rt, server, clock } = makeRealtime({ options: { heartbeatInterval: 5000, pongTimeout: 2000 } });
    const events = record(rt);
    const p = rt.start();
    server.last.establish();
    await p;
    clock.advance(4999);
    assert.equal(server.last.framesOf('pusher:ping').length, 0);
    server.last.deliver({ event: 'chat', channel: 'x', data: '{}' }); // activity resets
    clock.advance(4999);
    assert.equal(server.last.framesOf('pusher:ping').length, 0);
    clock.advance(1);
    assert.equal(server.last.framesOf('pusher:ping').length, 1);
    server.last.deliver({ event: 'pusher:pong', data: '{}' });
    clock.advance(5000);
    assert.equal(server.last.framesOf('pusher:ping').length, 2);
    clock.advance(2000); // no pong
    assert.ok(events.includes('disconnected:transport closed (1006: heartbeat timeout)'), events.join());
    assert.equal(rt.getState(), 'connecting');
  });

  it('uses the server\'s activity_timeout when shorter', async () => {
    const { rt, server, clock } = makeRealtime({ options: { heartbeatInterval: 30_000 } });
    const p = rt.start();
    server.last.establish({ activity_timeout: 3 });
    await p;
    clock.advance(3000);
    assert.equal(server.last.framesOf('pusher:ping').length, 1);
  });

  it('answers the server\'s pusher:ping', async () => {
    const { rt, server } = makeRealtime();
    const p = rt.start();
    server.last.establish();
    await p;
    server.last.deliver({ event: 'pusher:ping', data: '{}' });
    assert.equal(server.last.framesOf('pusher:pong').length, 1);
  });

  it('disconnect(): disconnecting, then disconnected; no reconnect', async () => {
    const { rt, server, clock } = makeRealtime();
    const events = record(rt);
    const states: string[] = [];
    rt.on('state', (s) => states.push(s.current));
    const p = rt.start();
    server.last.establish();
    await p;
    rt.disconnect();
    assert.equal(server.last.closedByClient?.code, 1000);
    assert.equal(rt.getState(), 'disconnected');
    clock.advance(60_000);
    assert.equal(server.sockets.length, 1);
    assert.deepEqual(states, ['connecting', 'connected', 'disconnecting', 'disconnected']);
    assert.deepEqual(events, ['connected', 'disconnected:io client disconnect']);
  });

  it('reconnect({token}) from a disconnected handler uses the new token (the seed\'s best practice)', async () => {
    const { rt, server, clock } = makeRealtime({ token: 't1' });
    const p = rt.start();
    server.last.establish();
    await p;
    let again: Promise<unknown> | null = null;
    rt.on('disconnected', () => {
      again = rt.reconnect({ token: 't2' });
    });
    server.last.serverClose(1006);
    assert.equal(server.sockets.length, 2, 'connects at once');
    assert.match(server.last.url, /token=t2$/);
    server.last.establish();
    await again;
    clock.advance(20_000); // past any back-off, before the heartbeat

    assert.equal(server.sockets.length, 2, 'the cancelled back-off timer did not open another');
  });

  it('connect timeout: no connection_established in time is a failed attempt', async () => {
    const { rt, server, clock } = makeRealtime({ options: { connectTimeout: 1000 } });
    const events = record(rt);
    void rt.start().catch(() => undefined);
    server.last.open();
    clock.advance(1000);
    assert.ok(events.includes('reconnecting:1'));
  });

  it('emits keep-open pusher:error (4300) at once', async () => {
    const { rt, server } = makeRealtime();
    const events = record(rt);
    const p = rt.start();
    server.last.establish();
    await p;
    server.last.deliver({ event: 'pusher:error', data: { code: 4300, message: 'bad' } });
    assert.deepEqual(events, ['connected', 'error:invalid_request']);
    assert.equal(rt.getState(), 'connected');
  });

  it('ignores frames of a replaced transport', async () => {
    const { rt, server } = makeRealtime();
    const p = rt.start();
    const first = server.last;
    first.establish();
    await p;
    const ch = rt.subscribe('chat:x');
    first.confirmSubscriptions();
    const got: unknown[] = [];
    ch.on('message', (m) => got.push(m.id));
    void rt.reconnect();
    first.deliver({ event: 'message', channel: 'chat:x', data: '{}', id: 'msg_stale' });
    assert.deepEqual(got, []);
  });
});
