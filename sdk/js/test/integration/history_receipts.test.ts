// Message history, search and read receipts against the real server (REST + events).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, ReadEvent, Realtime, SwitchboardClient } from '../../src/index.js';
import { clientFor, delay, eventually, recorder, SKIP, track, uniq, useServer, withTimeout, type FrameLog } from './harness.js';

interface User {
  client: SwitchboardClient;
  realtime: Realtime;
  log: FrameLog;
}

describe('history, search and read receipts', { skip: SKIP }, () => {
  const srv = useServer();
  before(() => srv.ready());

  async function user(id: string): Promise<User> {
    const client = clientFor(srv.get());
    const { token } = await client.realtime.getToken({ user_id: id, channels: ['chat:*'], user_info: { name: id } });
    const log = recorder();
    const realtime = track(await client.realtime.connect({ token, transport: log.transport }));
    return { client, realtime, log };
  }

  async function ready(ch: Channel, log: FrameLog): Promise<void> {
    if (ch.state === 'subscribed') return;
    await withTimeout(new Promise<void>((r) => ch.once('subscribed', () => r())), 5000, () => `subscribed\n${log.tail()}`);
  }

  async function sendN(ch: Channel, n: number, prefix = 'm'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 1; i <= n; i++) ids.push((await ch.send({ type: 'message', data: { text: `${prefix}${i}`, n: i } })).id);
    return ids;
  }

  it('fetch: newest first with meta; the seed\'s reverse(); message shape', async () => {
    const name = uniq('chat:hist-');
    const alice = await user('alice');
    const ch = alice.realtime.subscribe(name);
    await ready(ch, alice.log);
    const ids = await sendN(ch, 5);
    const page = await ch.history.fetch({ limit: 3 });
    assert.deepEqual(page.map((m) => m.id), [ids[4], ids[3], ids[2]]);
    assert.deepEqual(page.meta, { has_more: true, oldest_id: ids[2], newest_id: ids[4] });
    const m = page[0]!;
    assert.equal(m.text, 'm5');
    assert.deepEqual(m.data, { text: 'm5', n: 5 });
    assert.equal(m.channel, name);
    assert.equal(m.event, 'message');
    assert.equal(m.user_id, 'alice');
    assert.equal(typeof m.offset, 'number');
    assert.ok(m.created_at && !Number.isNaN(Date.parse(m.created_at)));
    const all = await ch.history.fetch({ limit: 50 });
    assert.deepEqual(all.reverse().map((x) => x.text), ['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('pages with before/after/order and next()/previous() without overlap', async () => {
    const name = uniq('chat:page-');
    const alice = await user('alice2');
    const ch = alice.realtime.subscribe(name);
    await ready(ch, alice.log);
    const ids = await sendN(ch, 7);
    const p1 = await ch.history.fetch({ limit: 3 });
    const p2 = await p1.next();
    const p3 = await p2.next();
    assert.deepEqual([p1, p2, p3].map((p) => p.map((x) => x.text)), [['m7', 'm6', 'm5'], ['m4', 'm3', 'm2'], ['m1']]);
    assert.equal(p3.meta.has_more, false);
    assert.deepEqual((await p3.previous()).map((x) => x.text), ['m4', 'm3', 'm2']);
    assert.deepEqual((await ch.history.fetch({ limit: 50, before: ids[2] })).map((x) => x.text), ['m2', 'm1']);
    assert.deepEqual((await ch.history.fetch({ limit: 2, after: ids[2], order: 'asc' })).map((x) => x.text), ['m4', 'm5']);
    const asc = await ch.history.fetch({ limit: 3, order: 'asc' });
    assert.deepEqual(asc.map((x) => x.text), ['m1', 'm2', 'm3']);
    assert.deepEqual((await asc.next()).map((x) => x.text), ['m4', 'm5', 'm6']);
  });

  it('search finds messages by text, in the message shape', async () => {
    const name = uniq('chat:search-');
    const alice = await user('alice3');
    const ch = alice.realtime.subscribe(name);
    await ready(ch, alice.log);
    await ch.send({ type: 'message', data: { text: 'the weekly meeting moved' } });
    await ch.send({ type: 'message', data: { text: 'lunch?' } });
    await ch.send({ type: 'message', data: { text: 'Meeting notes attached' } });
    const results = await alice.client.realtime.messages.search({ channel_id: name, query: 'meeting', limit: 20 });
    assert.deepEqual(results.map((m) => m.text).sort(), ['Meeting notes attached', 'the weekly meeting moved']);
    assert.equal(results[0]!.channel, name);
    assert.equal(typeof results.meta.has_more, 'boolean');
  });

  it('markAsRead: message:read reaches subscribers; getReadStatus counts readers', async () => {
    const name = uniq('chat:read-');
    const alice = await user('alice4');
    const bob = await user('bob4');
    const carol = await user('carol4');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const c = carol.realtime.subscribe(name);
    await Promise.all([ready(a, alice.log), ready(b, bob.log), ready(c, carol.log)]);
    const reads: ReadEvent[] = [];
    a.on('message:read', (r) => reads.push(r));
    const { id } = await a.send({ type: 'message', data: { text: 'read me' } });
    await b.messages.markAsRead(id);
    await eventually(() => reads.length === 1, 5000, () => `message:read at alice\n${alice.log.tail()}`);
    assert.equal(reads[0]!.message_id, id);
    assert.equal(reads[0]!.user_id, 'bob4');
    assert.ok(!Number.isNaN(Date.parse(reads[0]!.read_at)), `read_at ${reads[0]!.read_at}`);
    await c.messages.markAsRead(id);
    const status = await a.messages.getReadStatus(id);
    assert.deepEqual([...status.read_by].sort(), ['bob4', 'carol4']);
    assert.equal(status.read_count, 2);
  });
});

describe('delivery receipts', { skip: SKIP }, () => {
  const srv = useServer({ config: { delivery_receipts: ['chat:dr-*'] } });
  before(() => srv.ready());

  it('confirms what each subscriber received, and read status counts deliveries', async () => {
    const name = uniq('chat:dr-');
    const clients = [];
    for (const id of ['sender', 'phone', 'laptop']) {
      const client = clientFor(srv.get());
      const { token } = await client.realtime.getToken({ user_id: id, channels: ['chat:*'] });
      const realtime = track(await client.realtime.connect({ token }));
      const ch = realtime.subscribe(name);
      if (ch.state !== 'subscribed') await withTimeout(new Promise<void>((r) => ch.once('subscribed', () => r())), 5000, 'subscribed');
      clients.push(ch);
    }
    const sender = clients[0]!;
    const phone = clients[1]!;
    const { id } = await sender.send({ type: 'message', data: { text: 'did you get this?' } });
    // Everyone subscribed (the sender too) confirms within DELIVERY_CONFIRM_MS.
    let status = await phone.messages.getReadStatus(id);
    for (let i = 0; i < 80 && status.delivered_count !== 3; i++) {
      await delay(100);
      status = await phone.messages.getReadStatus(id);
    }
    assert.equal(status.delivered_count, 3);
    assert.equal(status.read_count, 0);
    await phone.messages.markAsRead(id);
    const after = await phone.messages.getReadStatus(id);
    assert.equal(after.read_count, 1);
    assert.equal(after.delivered_count, 3);
  });

  it('channels without delivery receipts report none', async () => {
    const name = uniq('chat:plain-');
    const client = clientFor(srv.get());
    const { token } = await client.realtime.getToken({ user_id: 'x', channels: ['chat:*'] });
    const realtime = track(await client.realtime.connect({ token }));
    const ch = realtime.subscribe(name);
    const { id } = await ch.send({ type: 'message', data: { text: 'hi' } });
    const s = await ch.messages.getReadStatus(id);
    assert.equal(s.delivered_count, undefined);
  });
});
