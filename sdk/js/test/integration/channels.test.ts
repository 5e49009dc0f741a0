// Channels against the real server: both send shapes with acknowledgements, the message shape
// receivers get, trigger (not echoed), refused sends, unsubscribe.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchboardError, type Channel, type Message, type Realtime } from '../../src/index.js';
import { clientFor, delay, eventually, recorder, SKIP, track, uniq, useServer, withTimeout, type FrameLog } from './harness.js';

interface User {
  realtime: Realtime;
  log: FrameLog;
}

describe('channels', { skip: SKIP }, () => {
  const srv = useServer();
  before(() => srv.ready());

  async function user(id: string, channels = ['chat:*', 'public:*', 'presence:*']): Promise<User> {
    const client = clientFor(srv.get());
    const { token } = await client.realtime.getToken({ user_id: id, channels, user_info: { name: id } });
    const log = recorder();
    const realtime = track(await client.realtime.connect({ token, transport: log.transport }));
    return { realtime, log };
  }

  function subscribed(ch: Channel, log: FrameLog): Promise<void> {
    if (ch.state === 'subscribed') return Promise.resolve();
    return withTimeout(new Promise<void>((r) => ch.once('subscribed', () => r())), 5000, () => `${ch.name} subscribed\n${log.tail()}`);
  }

  it('send (both seed shapes) is acknowledged with id and offset, and delivered to everyone, the sender included', async () => {
    const name = uniq('chat:room-');
    const alice = await user('alice');
    const bob = await user('bob');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const atAlice: Message[] = [];
    const atBob: Message[] = [];
    a.on('message', (m) => atAlice.push(m));
    b.on('message', (m) => atBob.push(m));
    await subscribed(b, bob.log);

    const ack1 = await withTimeout(a.send({ type: 'message', data: { text: 'Hello, world!', attachments: [] } }), 5000, () => `ack\n${alice.log.tail()}`);
    const ack2 = await withTimeout(a.send({ type: 'message', text: 'Hello, everyone!', user_id: 'user_123' }), 5000, () => `ack\n${alice.log.tail()}`);
    assert.match(ack1.id, /^msg_/, alice.log.tail());
    assert.notEqual(ack1.id, ack2.id);
    assert.equal(typeof ack1.offset, 'number', `ack without offset:\n${alice.log.tail()}`);
    assert.ok(ack2.offset! > ack1.offset!, 'offsets grow');

    await eventually(() => atBob.length === 2 && atAlice.length === 2, 5000, () => `both messages at both (alice ${atAlice.length}, bob ${atBob.length})\n${alice.log.tail()}\n${bob.log.tail()}`);
    const [m1, m2] = atBob;
    assert.equal(m1!.id, ack1.id);
    assert.equal(m1!.event, 'message');
    assert.equal(m1!.channel, name);
    assert.deepEqual(m1!.data, { text: 'Hello, world!', attachments: [] });
    assert.equal(m1!.text, 'Hello, world!', 'data fields are spread (seed: message.text)');
    assert.equal(m1!.user_id, 'alice', 'user_id is the sender (from its token)');
    assert.equal(m1!.offset, ack1.offset);
    assert.ok(m1!.created_at && !Number.isNaN(Date.parse(m1!.created_at)), `created_at ${m1!.created_at}`);
    assert.deepEqual(m2!.data, { text: 'Hello, everyone!', user_id: 'user_123' });
    assert.equal(m2!.user_id, 'alice', 'metadata wins over the data field');
    assert.deepEqual(atAlice.map((m) => m.id), [ack1.id, ack2.id], 'the sender gets its own messages once');
  });

  it('trigger: a custom event for the others, not echoed to the sender', async () => {
    const name = uniq('chat:cursor-');
    const alice = await user('alice2');
    const bob = await user('bob2');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const atAlice: Message[] = [];
    const atBob: Message[] = [];
    a.on('cursor-move', (m) => atAlice.push(m));
    b.on('cursor-move', (m) => atBob.push(m));
    await subscribed(b, bob.log);
    await subscribed(a, alice.log);
    const ack = await withTimeout(a.trigger('cursor-move', { x: 100, y: 200, user_id: 'user_123' }), 5000, () => `trigger ack\n${alice.log.tail()}`);
    assert.ok(ack && ack.id, alice.log.tail());
    await eventually(() => atBob.length === 1, 5000, () => `cursor-move at bob\n${bob.log.tail()}`);
    assert.deepEqual(atBob[0]!.data, { x: 100, y: 200, user_id: 'user_123' });
    assert.equal(atBob[0]!.x, 100);
    await delay(200);
    assert.deepEqual(atAlice, [], `echoed to the sender:\n${alice.log.tail()}`);
  });

  it('sending a server-owned event is refused (nack)', async () => {
    const name = uniq('chat:own-');
    const alice = await user('alice3');
    const a = alice.realtime.subscribe(name);
    await subscribed(a, alice.log);
    const err = await withTimeout(
      a.send({ type: 'typing:start', data: { user_id: 'x' } }).then(
        () => null,
        (e: unknown) => e,
      ),
      5000,
      () => `nack\n${alice.log.tail()}`,
    );
    assert.ok(err instanceof SwitchboardError, `accepted a server-owned event:\n${alice.log.tail()}`);
    assert.ok(['invalid_request', 'invalid_channel', 'unauthorized_channel'].includes(err.code), `${err.code}\n${alice.log.tail()}`);
  });

  it('public channels accept native sends (not only private/presence, unlike client- events)', async () => {
    const name = uniq('public:news-');
    const alice = await user('alice4');
    const a = alice.realtime.subscribe(name);
    await subscribed(a, alice.log);
    const ack = await withTimeout(a.send({ type: 'headline', data: { title: 'x' } }), 5000, () => `ack\n${alice.log.tail()}`);
    assert.match(ack.id, /^msg_/);
  });

  it('unsubscribe stops delivery', async () => {
    const name = uniq('chat:unsub-');
    const alice = await user('alice5');
    const bob = await user('bob5');
    const a = alice.realtime.subscribe(name);
    const b = bob.realtime.subscribe(name);
    const atBob: Message[] = [];
    b.on('message', (m) => atBob.push(m));
    await subscribed(b, bob.log);
    await subscribed(a, alice.log);
    b.unsubscribe();
    await delay(100);
    await a.send({ text: 'after' });
    await delay(300);
    assert.deepEqual(atBob, []);
    assert.ok(bob.log.lines.some((l) => l.includes('pusher:unsubscribe')));
  });
});
