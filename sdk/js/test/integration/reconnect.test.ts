// Reconnects against the real server: the process killed (SIGKILL) and restarted on the same port
// with the same data folder, a graceful restart (4200), a lost acknowledgement, and recovery by
// position. Checked every time: no message lost, none delivered twice, the offline queue flushed
// in order.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { webSocketTransport, type Channel, type Message, type Realtime, type RecoveryInfo, type TransportFactory } from '../../src/index.js';
import { clientFor, closeAll, eventually, recorder, SKIP, startServer, track, uniq, withTimeout, type FrameLog, type Server } from './harness.js';

interface User {
  realtime: Realtime;
  log: FrameLog;
}

const OPTIONS = { autoReconnect: true, reconnectDelay: 200, maxReconnectDelay: 1000, maxReconnectAttempts: 100, heartbeatInterval: 30_000 };

describe('reconnect, recovery and the offline queue', { skip: SKIP }, () => {
  let server: Server | null = null;
  after(async () => {
    await closeAll();
    if (server) {
      await server.kill();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  async function user(id: string, transport?: TransportFactory): Promise<User> {
    const client = clientFor(server!);
    const { token } = await client.realtime.getToken({ user_id: id, channels: ['chat:*'] });
    const log = recorder();
    const realtime = track(await client.realtime.connect({ token, transport: transport ?? log.transport, options: OPTIONS }));
    const t0 = Date.now();
    realtime.on('state', (s) => log.lines.push(`# ${Date.now() - t0} ms: state ${s.current}`));
    realtime.on('reconnecting', (n) => log.lines.push(`# ${Date.now() - t0} ms: reconnecting ${n}`));
    realtime.on('error', (e) => log.lines.push(`# ${Date.now() - t0} ms: error ${e.code} ${e.detail}`));
    return { realtime, log };
  }

  async function ready(ch: Channel, log: FrameLog, ms = 5000): Promise<void> {
    if (ch.state === 'subscribed') return;
    await withTimeout(new Promise<void>((r) => ch.once('subscribed', () => r())), ms, () => `${ch.name} subscribed\n${log.tail()}`);
  }

  function texts(ms: Message[]): string[] {
    return ms.map((m) => String(m.text));
  }

  it('server killed and restarted on the same port: offline sends flushed in order, nothing lost or doubled', async (t) => {
    server = await startServer();
    const name = uniq('chat:restart-');
    const alice = await user('alice');
    const bob = await user('bob');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const atBob: Message[] = [];
    b.on('message', (m) => atBob.push(m));
    const aliceEvents: string[] = [];
    alice.realtime.on('disconnected', (r) => aliceEvents.push(`disconnected:${r}`));
    alice.realtime.on('reconnecting', (n) => aliceEvents.push(`reconnecting:${n}`));
    await ready(a, alice.log);
    alice.realtime.on('connected', () => aliceEvents.push('connected'));
    await ready(b, bob.log);
    for (const t of ['m1', 'm2', 'm3']) await a.send({ type: 'message', text: t });
    await eventually(() => atBob.length === 3, 5000, () => `m1-m3 at bob\n${bob.log.tail()}`);

    const port = server.port;
    const dataDir = server.dataDir;
    await server.kill();
    await eventually(() => alice.realtime.getState() === 'connecting' && bob.realtime.getState() === 'connecting', 5000, 'both clients noticed');
    const offline = ['m4', 'm5', 'm6'].map((t) => a.send({ type: 'message', text: t }));
    assert.equal(alice.realtime.queuedMessages, 3);

    server = await startServer({ port, dataDir });
    const acks = await withTimeout(Promise.all(offline), 15_000, () => `the offline queue flushed\n${alice.log.tail()}`);
    assert.equal(new Set(acks.map((x) => x.id)).size, 3);
    assert.ok(acks[0]!.offset! < acks[1]!.offset! && acks[1]!.offset! < acks[2]!.offset!, `acks in order: ${JSON.stringify(acks)}`);
    await eventually(() => atBob.length >= 6, 10_000, () => `m4-m6 at bob (live or recovered)\n${bob.log.tail(40)}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(texts(atBob), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'], bob.log.tail(40));
    assert.equal(new Set(atBob.map((m) => m.id)).size, 6, 'no id twice');
    for (const l of bob.log.lines.filter((x) => /pusher:subscribe|subscription_succeeded|switchboard:recovered|# open|# close/.test(x))) t.diagnostic(`bob ${l}`);
    if (aliceEvents[0] === 'connected') aliceEvents.shift(); // a 'connected' listener added while connected is called at once
    assert.ok(aliceEvents[0]?.startsWith('disconnected:transport closed (1006'), aliceEvents.join(' | '));
    assert.equal(aliceEvents[1], 'reconnecting:1');
    assert.equal(aliceEvents.at(-1), 'connected');

    const history = await a.history.fetch({ limit: 50 });
    assert.deepEqual(texts(history.reverse()), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'], 'history survives the restart (data folder kept)');
  });

  it('graceful restart (SIGTERM): close 4200, reconnect at once, resubscribed', async () => {
    server ??= await startServer();
    const name = uniq('chat:graceful-');
    const alice = await user('alice-g');
    const a = alice.realtime.subscribe(name);
    await ready(a, alice.log);
    const reasons: string[] = [];
    const delays: number[] = [];
    let lostAt = 0;
    alice.realtime.on('disconnected', (r) => {
      reasons.push(r);
      lostAt = Date.now();
    });
    alice.realtime.on('reconnecting', () => delays.push(Date.now() - lostAt));
    const port = server.port;
    const dataDir = server.dataDir;
    await server.stop('SIGTERM');
    await eventually(() => reasons.length === 1, 5000, () => `disconnected\n${alice.log.tail()}`);
    assert.match(reasons[0]!, /^server closed \(4200/, alice.log.tail());
    server = await startServer({ port, dataDir });
    await eventually(() => alice.realtime.isConnected() && a.state === 'subscribed', 10_000, () => `reconnected and resubscribed\n${alice.log.tail()}`);
    const ack = await a.send({ text: 'after restart' });
    assert.match(ack.id, /^msg_/);
  });

  it('a lost acknowledgement: the send is retried with the same idempotency_key and delivered once', async () => {
    server ??= await startServer();
    const name = uniq('chat:idem-');
    // A transport that swallows the first ack and then drops the connection, as a network
    // failure right after the server stored the message would.
    const log = recorder();
    let dropped = false;
    const lossy: TransportFactory = (url, handlers) => {
      let t: ReturnType<TransportFactory> | null = null;
      const inner = log.transport(url, {
        onOpen: () => handlers.onOpen(),
        onMessage: (text) => {
          if (!dropped && text.includes('"switchboard:ack"')) {
            dropped = true;
            t?.close(4999, 'test drops the ack');
            handlers.onClose(1006, 'ack lost');
            return;
          }
          handlers.onMessage(text);
        },
        onClose: (code, reason) => handlers.onClose(code, reason),
      });
      t = inner;
      return inner;
    };
    void webSocketTransport;
    const alice = await user('alice-i', lossy);
    const bob = await user('bob-i');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const atBob: Message[] = [];
    b.on('message', (m) => atBob.push(m));
    await ready(a, log);
    await ready(b, bob.log);
    const ack = await withTimeout(a.send({ type: 'message', text: 'exactly once' }), 15_000, () => `ack after the retry\n${log.tail()}`);
    const sends = log.lines.filter((l) => l.startsWith('> ') && l.includes('"exactly once"')).map((l) => JSON.parse(l.slice(2)) as Record<string, unknown>);
    assert.equal(sends.length, 2, `sent twice (original + retry):\n${log.tail()}`);
    assert.equal(sends[0]!.idempotency_key, sends[1]!.idempotency_key);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(atBob.map((m) => m.id), [ack.id], `bob got ${atBob.length} copies:\n${bob.log.tail()}`);
    const history = await b.history.fetch({ limit: 10 }).catch(() => null);
    if (history) assert.equal(history.length, 1, 'stored once');
  });

  it('recovery: messages sent while a client was away arrive once, after switchboard:recovered', async () => {
    server ??= await startServer();
    const name = uniq('chat:recover-');
    const alice = await user('alice-r');
    const bob = await user('bob-r');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const atBob: Message[] = [];
    const recovered: RecoveryInfo[] = [];
    b.on('message', (m) => atBob.push(m));
    b.on('recovered', (r) => recovered.push(r));
    await ready(a, alice.log);
    await ready(b, bob.log);
    await a.send({ text: 'r1' });
    await a.send({ text: 'r2' });
    await eventually(() => atBob.length === 2, 5000, 'r1, r2 at bob');
    bob.realtime.disconnect();
    await eventually(() => bob.realtime.getState() === 'disconnected', 5000, 'bob away');
    for (const t of ['r3', 'r4', 'r5']) await a.send({ text: t });
    await bob.realtime.reconnect();
    await eventually(() => recovered.length === 1, 5000, () => `switchboard:recovered\n${bob.log.tail()}`);
    await eventually(() => atBob.length >= 5, 5000, () => `r3-r5 at bob\n${bob.log.tail()}`);
    await a.send({ text: 'r6' });
    await eventually(() => atBob.length >= 6, 5000, 'r6');
    assert.deepEqual(texts(atBob), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'], bob.log.tail(30));
    const sub = bob.log.lines.filter((l) => l.startsWith('> ') && l.includes('pusher:subscribe')).at(-1)!;
    assert.match(sub, /"recover":\{"offset":\d+,"epoch":"[^"]+"\}/, 'resubscribed with its position');
    assert.equal(recovered[0]!.recovered, true, `the server could not recover: ${JSON.stringify(recovered[0])}\n${bob.log.tail()}`);
  });
});
