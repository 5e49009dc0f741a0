import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeToken, makeRealtime, type Json } from '../test/helpers/fake.js';
import type { PresenceMember } from './types.js';

const CH = 'presence:chat:room-1';

async function setup(native = true) {
  const made = makeRealtime({ token: fakeToken({ sub: 'alice', user_info: { name: 'Alice' }, channels: ['presence:*'] }) });
  const p = made.rt.start();
  made.server.last.establish({ user_id: 'alice', extensions: native ? ['native'] : [] });
  await p;
  const ch = made.rt.subscribe(CH);
  const log: string[] = [];
  for (const ev of ['presence:join', 'presence:leave', 'presence:update'] as const) {
    ch.on(ev, (m: PresenceMember) => log.push(`${ev.slice(9)}:${m.user_id}:${String(m.data.name)}:${m.status}`));
  }
  ch.on('presence:sync', (ms) => log.push(`sync:${ms.map((m) => m.user_id).join(',')}`));
  ch.on('presence', (ms) => log.push(`presence:${ms.length}`));
  return { ...made, ch, log };
}

const sync = (members: Json[]) => ({ event: 'presence:sync', channel: CH, data: JSON.stringify({ members }) });
const ev = (event: string, data: Json) => ({ event, channel: CH, data: JSON.stringify(data) });
const presenceFrames = (sent: Json[]) => sent.filter((f) => f.event === 'switchboard:presence').map((f) => f.data);

describe('presence', () => {
  it('aggregates sync, join, update, leave into the seed member shape', async () => {
    const { ch, server, log } = await setup();
    const members = ch.presence.getMembers();
    server.last.confirmSubscriptions();
    server.last.deliver(sync([{ user_id: 'alice', data: { name: 'Alice' } }, { user_id: 'bob', data: { name: 'Bob', status: 'away' } }]));
    assert.deepEqual(await members, [
      { user_id: 'alice', status: 'online', data: { name: 'Alice', user_id: 'alice' } },
      { user_id: 'bob', status: 'away', data: { name: 'Bob', status: 'away', user_id: 'bob' } },
    ]);
    server.last.deliver(ev('presence:join', { user_id: 'carol', data: { name: 'Carol' } }));
    server.last.deliver(ev('presence:join', { user_id: 'carol', data: { name: 'Carol' } })); // repeat: nothing
    server.last.deliver(ev('presence:update', { user_id: 'bob', data: { name: 'Bob', status: 'busy' } }));
    server.last.deliver(ev('presence:leave', { user_id: 'carol' }));
    server.last.deliver(ev('presence:leave', { user_id: 'carol' })); // repeat: nothing
    assert.deepEqual(log, [
      'sync:alice,bob',
      'presence:2',
      'join:carol:Carol:online',
      'presence:3',
      'update:bob:Bob:busy',
      'presence:3',
      'leave:carol:Carol:online', // the leave carries the member's last data (seed: member.data.name)
      'presence:2',
    ]);
    assert.deepEqual((await ch.presence.getMembers()).map((m) => m.user_id), ['alice', 'bob']);
  });

  it('enter() before the subscription is sent after the sync, as an update when already a member', async () => {
    const { ch, server } = await setup();
    void ch.presence.enter({ user_id: 'alice', name: 'Alice', avatar: 'a.jpg' });
    assert.deepEqual(presenceFrames(server.last.sent), []);
    server.last.confirmSubscriptions();
    server.last.deliver(sync([{ user_id: 'alice', data: { name: 'Alice' } }]));
    assert.deepEqual(presenceFrames(server.last.sent), [{ action: 'update', data: { user_id: 'alice', name: 'Alice', avatar: 'a.jpg' } }]);
  });

  it('enter() when not a member sends enter; update() merges; leave() leaves', async () => {
    const { ch, server } = await setup();
    server.last.confirmSubscriptions();
    server.last.deliver(sync([{ user_id: 'bob', data: { name: 'Bob' } }]));
    void ch.presence.enter({ name: 'Alice', status: 'online' });
    server.last.deliver(ev('presence:join', { user_id: 'alice', data: { name: 'Alice', status: 'online' } }));
    void ch.presence.update({ status: 'busy', statusMessage: 'In a meeting' });
    void ch.presence.leave();
    assert.deepEqual(presenceFrames(server.last.sent), [
      { action: 'enter', data: { name: 'Alice', status: 'online' } },
      { action: 'update', data: { name: 'Alice', status: 'busy', statusMessage: 'In a meeting' } },
      { action: 'leave' },
    ]);
  });

  it('re-applies entered data after a reconnect, and a re-sync emits the joins and leaves missed', async () => {
    const { ch, server, clock, log } = await setup();
    server.last.confirmSubscriptions();
    server.last.deliver(sync([{ user_id: 'alice', data: { name: 'Alice' } }, { user_id: 'bob', data: { name: 'Bob' } }]));
    void ch.presence.enter({ name: 'Alice', mood: 'happy' });
    server.last.serverClose(1006);
    clock.advance(30_000);
    server.last.establish({ user_id: 'alice' });
    server.last.confirmSubscriptions();
    log.length = 0;
    server.last.deliver(sync([{ user_id: 'alice', data: { name: 'Alice' } }, { user_id: 'dave', data: { name: 'Dave' } }]));
    assert.deepEqual(log, ['leave:bob:Bob:online', 'join:dave:Dave:online', 'sync:alice,dave', 'presence:2']);
    assert.deepEqual(presenceFrames(server.last.sent), [{ action: 'update', data: { name: 'Alice', mood: 'happy' } }]);
  });

  it('falls back to Pusher presence frames on a server without the native extension', async () => {
    const { ch, server, log } = await setup(false);
    server.last.confirmSubscriptions(() => JSON.stringify({ presence: { ids: ['1'], hash: { '1': { name: 'One' } }, count: 1 } }));
    server.last.deliver({ event: 'pusher_internal:member_added', channel: CH, data: JSON.stringify({ user_id: '2', user_info: { name: 'Two' } }) });
    server.last.deliver({ event: 'pusher_internal:member_removed', channel: CH, data: JSON.stringify({ user_id: '1' }) });
    assert.deepEqual(log, ['sync:1', 'presence:1', 'join:2:Two:online', 'presence:2', 'leave:1:One:online', 'presence:1']);
    void ch.presence.enter({ name: 'x' });
    ch.typing.start();
    assert.deepEqual(server.last.sent.filter((f) => String(f.event).startsWith('switchboard:')), [], 'no native frames to a plain Pusher server');
  });

  it('native connections ignore the Pusher member frames (no double events)', async () => {
    const { server, log } = await setup(true);
    server.last.confirmSubscriptions(() => JSON.stringify({ presence: { ids: ['1'], hash: { '1': {} }, count: 1 } }));
    server.last.deliver({ event: 'pusher_internal:member_added', channel: CH, data: JSON.stringify({ user_id: '2', user_info: {} }) });
    assert.deepEqual(log, []);
  });

  it('getMembers rejects when the subscription is refused; [] on a non-presence channel', async () => {
    const { ch, server, rt } = await setup();
    const members = ch.presence.getMembers();
    server.last.deliver({ event: 'pusher:subscription_error', channel: CH, data: JSON.stringify({ type: 'AuthError', error: 'unauthorized_channel', status: 401 }) });
    await assert.rejects(members, /unauthorized_channel/);
    assert.deepEqual(await rt.subscribe('chat:plain').presence.getMembers(), []);
  });
});
