// The offline queue through a Realtime on a fake transport: order, acks, retries with the same
// idempotency key, no duplicates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OfflineQueue, type QueuedSend } from './offline_queue.js';
import { SwitchboardError } from './errors.js';
import { flush, makeRealtime, type Json } from '../test/helpers/fake.js';

function entry(ack: string, channel: string): QueuedSend {
  return { ack, idempotencyKey: `k-${ack}`, channel, frame: {}, resolve: () => undefined, reject: () => undefined, inFlight: false, attempts: 0, timer: null };
}

async function connected(opts: Parameters<typeof makeRealtime>[0] = {}) {
  const made = makeRealtime(opts);
  const p = made.rt.start();
  made.server.last.establish({ user_id: 'alice' });
  await p;
  return made;
}

const sends = (frames: Json[]) => frames.filter((f) => typeof f.ack === 'string');

describe('offline queue (unit)', () => {
  it('hands out ready entries in order, per channel, once', () => {
    const q = new OfflineQueue(10);
    for (const [a, c] of [['1', 'x'], ['2', 'y'], ['3', 'x']] as const) q.add(entry(a, c));
    assert.deepEqual(q.takeReady((c) => c === 'x').map((e) => e.ack), ['1', '3']);
    assert.deepEqual(q.takeReady((c) => c === 'x').map((e) => e.ack), []);
    assert.deepEqual(q.takeReady(() => true).map((e) => e.ack), ['2']);
    assert.equal(q.settle('1')?.ack, '1');
    assert.equal(q.settle('1'), undefined, 'a repeated ack settles nothing');
    assert.deepEqual(q.requeueInFlight().map((e) => e.ack), ['2', '3']);
    assert.deepEqual(q.takeReady(() => true).map((e) => [e.ack, e.attempts]), [['2', 2], ['3', 2]]);
  });

  it('refuses past its bound', () => {
    const q = new OfflineQueue(1);
    assert.equal(q.add(entry('1', 'x')), true);
    assert.equal(q.add(entry('2', 'x')), false);
  });
});

describe('offline queue (through the connection)', () => {
  it('queues sends made before the subscription is confirmed, flushes them in order', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('chat:room-1');
    const acks = [ch.send({ type: 'message', text: 'one' }), ch.send({ type: 'message', data: { text: 'two' } }), ch.trigger('cursor-move', { x: 1 })];
    assert.equal(sends(server.last.sent).length, 0, 'nothing before subscription_succeeded');
    server.last.confirmSubscriptions();
    const out = sends(server.last.sent);
    assert.deepEqual(out.map((f) => [f.event, f.data, f.echo]), [
      ['message', { text: 'one' }, undefined],
      ['message', { text: 'two' }, undefined],
      ['cursor-move', { x: 1 }, false],
    ]);
    assert.equal(new Set(out.map((f) => f.idempotency_key)).size, 3);
    out.forEach((f, i) => server.last.deliver({ event: 'switchboard:ack', channel: 'chat:room-1', data: { ack: f.ack, id: `msg_${i}`, offset: i + 1, epoch: 'e' } }));
    assert.deepEqual(await Promise.all(acks), [
      { id: 'msg_0', offset: 1, epoch: 'e' },
      { id: 'msg_1', offset: 2, epoch: 'e' },
      { id: 'msg_2', offset: 3, epoch: 'e' },
    ]);
    assert.equal(rt.queuedMessages, 0);
  });

  it('sends made while offline flush in order once connected again', async () => {
    const { rt, server, clock } = await connected();
    const ch = rt.subscribe('chat:q');
    server.last.confirmSubscriptions();
    server.last.serverClose(1006);
    const p1 = ch.send({ text: 'a' });
    const p2 = ch.send({ text: 'b' });
    clock.advance(30_000);
    server.last.establish();
    assert.equal(sends(server.last.sent).length, 0);
    server.last.confirmSubscriptions();
    const out = sends(server.last.sent);
    assert.deepEqual(out.map((f) => (f.data as Json).text), ['a', 'b']);
    for (const f of out) server.last.deliver({ event: 'switchboard:ack', channel: 'chat:q', data: { ack: f.ack, id: `id-${f.ack}` } });
    await Promise.all([p1, p2]);
  });

  it('re-sends an unacknowledged send with the same idempotency key after a drop; settles once', async () => {
    const { rt, server, clock } = await connected();
    const ch = rt.subscribe('chat:r');
    server.last.confirmSubscriptions();
    let settled = 0;
    const p = ch.send({ text: 'once' }).then((a) => {
      settled++;
      return a;
    });
    const [first] = sends(server.last.sent);
    assert.ok(first);
    server.last.serverClose(1006); // the ack never came
    clock.advance(30_000);
    server.last.establish();
    server.last.confirmSubscriptions();
    const [again] = sends(server.last.sent);
    assert.ok(again);
    assert.equal(again.idempotency_key, first.idempotency_key);
    assert.equal(again.ack, first.ack);
    // The server de-duplicates and acks with the original id; a stray repeat ack changes nothing.
    server.last.deliver({ event: 'switchboard:ack', channel: 'chat:r', data: { ack: again.ack, id: 'msg_orig', offset: 5 } });
    server.last.deliver({ event: 'switchboard:ack', channel: 'chat:r', data: { ack: again.ack, id: 'msg_orig', offset: 5 } });
    assert.equal((await p).id, 'msg_orig');
    await flush();
    assert.equal(settled, 1);
  });

  it('a nack rejects with the seed error code', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('chat:n');
    server.last.confirmSubscriptions();
    const p = ch.send({ text: 'x' });
    const [f] = sends(server.last.sent);
    server.last.deliver({ event: 'switchboard:nack', channel: 'chat:n', data: { ack: f!.ack, code: 'rate_limit_exceeded', status: 429, detail: 'slow down' } });
    await assert.rejects(p, (e: unknown) => e instanceof SwitchboardError && e.code === 'rate_limit_exceeded' && e.status === 429);
  });

  it('a fire-and-forget send that fails does not crash (handled rejection)', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('chat:f');
    server.last.confirmSubscriptions();
    ch.send({ text: 'x' }); // the seed never awaits send()
    const [f] = sends(server.last.sent);
    server.last.deliver({ event: 'switchboard:nack', channel: 'chat:f', data: { ack: f!.ack, code: 'unauthorized_channel', status: 401 } });
    await flush(); // an unhandled rejection would fail this test file
  });

  it('rejects with ack_timeout when the server never answers', async () => {
    const { rt, server, clock } = await connected({ options: { ackTimeout: 1000, heartbeatInterval: 60_000 } });
    const ch = rt.subscribe('chat:t');
    server.last.confirmSubscriptions();
    const p = ch.send({ text: 'x' });
    clock.advance(1000);
    await assert.rejects(p, (e: unknown) => e instanceof SwitchboardError && e.code === 'ack_timeout');
  });

  it('unsubscribe rejects the channel\'s queued sends', async () => {
    const { rt } = await connected();
    const ch = rt.subscribe('chat:u');
    const p = ch.send({ text: 'x' });
    ch.unsubscribe();
    await assert.rejects(p, (e: unknown) => e instanceof SwitchboardError && e.code === 'unsubscribed');
    await assert.rejects(ch.send({ text: 'y' }), /unsubscribed/);
  });

  it('queue_full past maxQueuedMessages', async () => {
    const { rt } = await connected({ options: { maxQueuedMessages: 2 } });
    const ch = rt.subscribe('chat:full');
    void ch.send({ n: 1 });
    void ch.send({ n: 2 });
    await assert.rejects(ch.send({ n: 3 }), (e: unknown) => e instanceof SwitchboardError && e.code === 'queue_full');
  });
});
