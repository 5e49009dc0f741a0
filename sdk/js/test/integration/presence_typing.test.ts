// Presence and typing against the real server, with two users (and a second tab).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Channel, PresenceMember, Realtime, TypingUser } from '../../src/index.js';
import { clientFor, delay, eventually, recorder, SKIP, track, uniq, useServer, withTimeout, type FrameLog } from './harness.js';

interface User {
  realtime: Realtime;
  log: FrameLog;
  token: string;
}

describe('presence and typing', { skip: SKIP }, () => {
  const srv = useServer();
  before(() => srv.ready());

  async function user(id: string, name: string): Promise<User> {
    const client = clientFor(srv.get());
    const { token } = await client.realtime.getToken({ user_id: id, channels: ['presence:*', 'chat:*'], user_info: { name } });
    const log = recorder();
    const realtime = track(await client.realtime.connect({ token, transport: log.transport }));
    return { realtime, log, token };
  }

  function synced(ch: Channel, log: FrameLog): Promise<PresenceMember[]> {
    return withTimeout(ch.presence.getMembers(), 5000, () => `the member list of ${ch.name}\n${log.tail()}`);
  }

  it('members, join, update (with custom status), leave, sync and the aggregate presence event', async () => {
    const room = uniq('presence:chat:');
    const alice = await user('alice', 'Alice');
    const a = alice.realtime.subscribe(room);
    void a.presence.enter({ user_id: 'alice', name: 'Alice', avatar: 'https://example.com/alice.jpg', status: 'online' });
    const first = await synced(a, alice.log);
    assert.deepEqual(first.map((m) => m.user_id), ['alice'], alice.log.tail());

    const events: string[] = [];
    const aggregate: number[] = [];
    a.on('presence:join', (m) => events.push(`join:${m.user_id}:${String(m.data.name)}`));
    a.on('presence:leave', (m) => events.push(`leave:${m.user_id}:${String(m.data.name)}`));
    a.on('presence:update', (m) => events.push(`update:${m.user_id}:${String(m.data.name)}:${m.status}`));
    a.on('presence', (ms) => aggregate.push(ms.length));

    const bob = await user('bob', 'Bob');
    const b = bob.realtime.subscribe(room);
    void b.presence.enter({ user_id: 'bob', name: 'Bob', status: 'online' });
    const atBob = await synced(b, bob.log);
    assert.deepEqual(atBob.map((m) => m.user_id).sort(), ['alice', 'bob'], bob.log.tail());
    const aliceAtBob = atBob.find((m) => m.user_id === 'alice');
    assert.equal(aliceAtBob?.data.name, 'Alice');
    await eventually(() => events.some((e) => e.startsWith('join:bob')), 5000, () => `presence:join of bob at alice\n${alice.log.tail()}`);

    void b.presence.update({ status: 'busy', statusMessage: 'In a meeting' });
    await eventually(() => events.find((e) => e.startsWith('update:bob') && e.endsWith(':busy')), 5000, () => `presence:update of bob (busy) at alice: ${events.join(' ')}\n${alice.log.tail()}`);
    assert.ok(events.includes('update:bob:Bob:busy'), `update keeps the name given to enter (merge): ${events.join(' ')}\n${alice.log.tail()}`);
    const members = await a.presence.getMembers();
    assert.deepEqual(members.find((m) => m.user_id === 'bob'), {
      user_id: 'bob',
      status: 'busy',
      data: { user_id: 'bob', name: 'Bob', status: 'busy', statusMessage: 'In a meeting' },
    });

    void b.presence.leave();
    await eventually(() => events.find((e) => e.startsWith('leave:bob')), 5000, () => `presence:leave of bob at alice\n${alice.log.tail()}`);
    assert.equal(events.find((e) => e.startsWith('leave:bob')), 'leave:bob:Bob', 'the leave carries the member\'s data (seed: member.data.name)');
    assert.deepEqual((await a.presence.getMembers()).map((m) => m.user_id), ['alice']);

    void b.presence.enter({ name: 'Bob again' });
    await eventually(() => events.filter((e) => e.startsWith('join:bob')).length === 2, 5000, () => `second presence:join of bob\n${alice.log.tail()}`);
    assert.ok(aggregate.length >= 4, `the aggregate presence event follows every change: ${aggregate.join(',')}`);
    assert.equal(events.filter((e) => e.startsWith('join:alice')).length, 0, 'no join for oneself');
  });

  it('members are users, not tabs: a second tab joins and leaves nobody', async () => {
    const room = uniq('presence:chat:');
    const alice = await user('alice-t', 'Alice');
    const a = alice.realtime.subscribe(room);
    await synced(a, alice.log);
    const events: string[] = [];
    a.on('presence:join', (m) => events.push(`join:${m.user_id}`));
    a.on('presence:leave', (m) => events.push(`leave:${m.user_id}`));
    const tab1 = await user('bob-t', 'Bob');
    const tab2 = await user('bob-t', 'Bob');
    await synced(tab1.realtime.subscribe(room), tab1.log);
    await synced(tab2.realtime.subscribe(room), tab2.log);
    await delay(200);
    tab2.realtime.disconnect();
    await delay(300);
    assert.deepEqual(events, ['join:bob-t'], alice.log.tail());
    tab1.realtime.disconnect();
    await eventually(() => events.length === 2, 5000, () => `leave after the last tab\n${alice.log.tail()}`);
    assert.deepEqual(events, ['join:bob-t', 'leave:bob-t']);
  });

  it('typing: start/stop reach the others with user_id and user_name; at most one start per 2 s', async () => {
    const room = uniq('presence:chat:');
    const alice = await user('alice-y', 'Alice');
    const bob = await user('bob-y', 'Bob');
    const a = alice.realtime.subscribe(room);
    const b = bob.realtime.subscribe(room);
    await synced(a, alice.log);
    await synced(b, bob.log);
    const seen: Array<[string, TypingUser]> = [];
    b.on('typing:start', (u) => seen.push(['start', u]));
    b.on('typing:stop', (u) => seen.push(['stop', u]));
    const selfSeen: string[] = [];
    a.on('typing:start', (u) => selfSeen.push(u.user_id));
    for (let i = 0; i < 10; i++) {
      a.typing.start({ user_id: 'alice-y', user_name: 'Alice' });
      await delay(50);
    }
    await eventually(() => seen.length >= 1, 5000, () => `typing:start at bob\n${bob.log.tail()}`);
    assert.deepEqual(seen[0], ['start', { user_id: 'alice-y', user_name: 'Alice' }]);
    assert.equal(alice.log.lines.filter((l) => l.includes('"switchboard:typing"') && l.includes('"typing":true')).length, 1, 'debounced');
    a.typing.stop();
    await eventually(() => seen.some(([k]) => k === 'stop'), 5000, () => `typing:stop at bob\n${bob.log.tail()}`);
    assert.deepEqual(seen.find(([k]) => k === 'stop'), ['stop', { user_id: 'alice-y', user_name: 'Alice' }]);
    assert.deepEqual(selfSeen, [], 'typing is not sent back to the typist');
  });

  it('typing: the server stops a typing state that is not renewed (about 6 s), and when the connection closes', async () => {
    const room = uniq('presence:chat:');
    const bob = await user('bob-z', 'Bob');
    const b = bob.realtime.subscribe(room);
    await synced(b, bob.log);
    const seen: Array<[string, number]> = [];
    const t0 = Date.now();
    b.on('typing:start', (u) => seen.push([`start:${u.user_id}`, Date.now() - t0]));
    b.on('typing:stop', (u) => seen.push([`stop:${u.user_id}`, Date.now() - t0]));

    // A raw native connection that says "typing" once and never renews (the SDK would renew).
    const client = clientFor(srv.get());
    const { token } = await client.realtime.getToken({ user_id: 'carol-z', channels: ['presence:*'], user_info: { name: 'Carol' } });
    const url = `${srv.get().httpUrl.replace('http', 'ws')}/app/42?protocol=7&client=switchboard-js&version=1.0.0&extensions=native&token=${token}`;
    const raw = new WebSocket(url);
    const rawFrames: string[] = [];
    raw.on('message', (d) => rawFrames.push(d.toString()));
    await withTimeout(new Promise((r) => raw.once('open', r)), 5000, 'raw open');
    await eventually(() => rawFrames.some((f) => f.includes('connection_established')), 5000, 'raw established');
    raw.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: room } }));
    await eventually(() => rawFrames.some((f) => f.includes('subscription_succeeded')), 5000, `raw subscribed: ${rawFrames.join('\n')}`);
    raw.send(JSON.stringify({ event: 'switchboard:typing', channel: room, data: { typing: true, user_name: 'Carol' } }));
    await eventually(() => seen.find(([k]) => k === 'start:carol-z'), 5000, () => `typing:start\n${bob.log.tail()}`);
    await eventually(() => seen.find(([k]) => k === 'stop:carol-z'), 9000, () => `the server's typing:stop\n${bob.log.tail()}`);
    const stopAt = seen.find(([k]) => k === 'stop:carol-z')![1];
    assert.ok(stopAt >= 4500 && stopAt <= 8500, `typing:stop after ${stopAt} ms (expected about 6 s)`);

    raw.send(JSON.stringify({ event: 'switchboard:typing', channel: room, data: { typing: true, user_name: 'Carol' } }));
    await eventually(() => seen.filter(([k]) => k === 'start:carol-z').length === 2, 5000, 'second typing:start');
    raw.terminate();
    await eventually(() => seen.filter(([k]) => k === 'stop:carol-z').length === 2, 5000, () => `typing:stop when the typist's connection drops\n${bob.log.tail()}`);
  });
});
