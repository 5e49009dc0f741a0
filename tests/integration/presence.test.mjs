// Presence channels: members keyed by user_id, member_added/removed only on a
// user's first/last connection, channel_data validation, member limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, connectRaw, rawSubscribe, rawPresenceSubscribe, dataOf, uniq, channelAuth,
  pusherClient, pusherConnected, subscribed, nextEvent, collect, serverSdk, startAuthServer, sdkJson,
} from './harness.mjs';

const MAX_MEMBERS = 3;

function presenceOf(msg) {
  assert.equal(msg.event, 'pusher_internal:subscription_succeeded', `expected subscription_succeeded, got ${JSON.stringify(msg)}`);
  assert.equal(typeof msg.data, 'string', 'presence subscription_succeeded data must be a JSON string');
  const { presence } = JSON.parse(msg.data);
  assert.ok(presence, `no presence object in ${msg.data}`);
  return presence;
}

function expectSubError(msg, status, type) {
  assert.equal(msg.event, 'pusher:subscription_error', `expected subscription_error ${status}, got ${JSON.stringify(msg)}`);
  const d = dataOf(msg);
  assert.equal(d.status, status, JSON.stringify(msg));
  if (type) assert.equal(d.type, type, JSON.stringify(msg));
}

async function users(srv, channel) {
  const res = await sdkJson(serverSdk(srv).get({ path: `/channels/${channel}/users`, params: {} }));
  assert.equal(res.status, 200, res.text);
  return res.body.users.map((u) => u.id).sort();
}

describe('presence channels', { skip: SKIP_ALL }, () => {
  const srv = useServer({ config: { max_presence_members: MAX_MEMBERS } });

  it('tracks two pusher-js users: members, me, member_added and member_removed', async () => {
    const auth = await startAuthServer(srv);
    const name = uniq('presence-room-');
    const alice = pusherClient(srv, auth.clientOptions('alice', 'Alice'));
    const bob = pusherClient(srv, auth.clientOptions('bob', 'Bob'));
    await Promise.all([pusherConnected(alice), pusherConnected(bob)]);

    const chA = alice.subscribe(name);
    await subscribed(chA);
    assert.equal(chA.members.count, 1);
    assert.equal(chA.members.me.id, 'alice');
    assert.deepEqual(chA.members.me.info, { name: 'Alice' });

    const added = nextEvent(chA, 'pusher:member_added');
    const chB = bob.subscribe(name);
    await subscribed(chB);
    const member = (await added).data;
    assert.equal(member.id, 'bob');
    assert.deepEqual(member.info, { name: 'Bob' });
    assert.equal(chA.members.count, 2);
    assert.equal(chB.members.count, 2);
    assert.deepEqual(chB.members.get('alice').info, { name: 'Alice' });
    assert.equal(chB.members.me.id, 'bob');

    const removed = nextEvent(chA, 'pusher:member_removed');
    bob.disconnect();
    assert.equal((await removed).data.id, 'bob');
    assert.equal(chA.members.count, 1);
    alice.disconnect();
  });

  it('sends presence subscription_succeeded as a JSON string with ids, hash and count', async () => {
    const channel = uniq('presence-shape-');
    const a = await connectRaw(srv);
    const b = await connectRaw(srv);
    presenceOf(await rawPresenceSubscribe(a, srv.app, channel, 'u-a', { name: 'A' }));
    const p = presenceOf(await rawPresenceSubscribe(b, srv.app, channel, 'u-b', { name: 'B', tags: ['x'] }));
    assert.equal(p.count, 2);
    assert.deepEqual([...p.ids].sort(), ['u-a', 'u-b']);
    assert.deepEqual(p.hash, { 'u-a': { name: 'A' }, 'u-b': { name: 'B', tags: ['x'] } });
    await a.close();
    await b.close();
  });

  it('sends member_added to others only, with data as a JSON string', async () => {
    const channel = uniq('presence-added-');
    const a = await connectRaw(srv);
    const b = await connectRaw(srv);
    await rawPresenceSubscribe(a, srv.app, channel, 'first', { n: 1 });
    await rawPresenceSubscribe(b, srv.app, channel, 'second', { n: 2 });
    const added = await a.next('pusher_internal:member_added');
    assert.equal(added.channel, channel);
    assert.equal(typeof added.data, 'string');
    assert.deepEqual(JSON.parse(added.data), { user_id: 'second', user_info: { n: 2 } });
    await b.barrier();
    assert.equal(b.pending('pusher_internal:member_added').length, 0, 'the joining socket got its own member_added');
    await a.close();
    await b.close();
  });

  it('sends member_removed when a member unsubscribes (data as a JSON string)', async () => {
    const channel = uniq('presence-unsub-');
    const a = await connectRaw(srv);
    const b = await connectRaw(srv);
    await rawPresenceSubscribe(a, srv.app, channel, 'stay');
    await rawPresenceSubscribe(b, srv.app, channel, 'leave');
    await a.next('pusher_internal:member_added');
    b.send({ event: 'pusher:unsubscribe', data: { channel } });
    const removed = await a.next('pusher_internal:member_removed');
    assert.equal(typeof removed.data, 'string');
    assert.deepEqual(JSON.parse(removed.data), { user_id: 'leave' });
    assert.deepEqual(await users(srv, channel), ['stay']);
    await a.close();
    await b.close();
  });

  it('one user with three sockets: one member_added, member_removed only after the last socket leaves', async () => {
    const auth = await startAuthServer(srv);
    const channel = uniq('presence-tabs-');
    const observer = pusherClient(srv, auth.clientOptions('observer', 'Obs'));
    await pusherConnected(observer);
    const ch = observer.subscribe(channel);
    await subscribed(ch);
    const added = collect(ch, 'pusher:member_added');
    const removed = collect(ch, 'pusher:member_removed');
    const sdk = serverSdk(srv);
    let markerSeq = 0;
    const barrier = async () => {
      markerSeq += 1;
      const n = markerSeq;
      const seen = new Promise((resolve) => ch.bind('marker', function h(d) { if (d.n === n) { ch.unbind('marker', h); resolve(); } }));
      await sdk.trigger(channel, 'marker', { n });
      await seen;
    };

    const tabs = [];
    for (let i = 0; i < 3; i++) {
      const tab = await connectRaw(srv);
      const p = presenceOf(await rawPresenceSubscribe(tab, srv.app, channel, 'multi', { name: 'Multi' }));
      assert.equal(p.count, 2, `tab ${i + 1} sees observer + multi`);
      assert.deepEqual([...p.ids].sort(), ['multi', 'observer'], 'ids must be unique');
      tabs.push(tab);
    }
    await barrier();
    assert.equal(added.length, 1, `expected one member_added, got ${JSON.stringify(added)}`);
    assert.equal(added[0].data.id, 'multi');
    assert.equal(ch.members.count, 2);
    for (const tab of tabs.slice(1)) {
      assert.equal(tab.frames.filter((m) => m.event === 'pusher_internal:member_added').length, 0,
        'a later socket of the same user was told about its own user');
    }
    assert.deepEqual(await users(srv, channel), ['multi', 'observer']);

    // First tab: a clean close handshake. Second tab: the TCP connection just drops.
    await tabs[0].close();
    tabs[1].terminate();
    await tabs[1].closed;
    await tabs[2].barrier();
    await barrier();
    assert.equal(removed.length, 0, `member_removed before the last socket left: ${JSON.stringify(removed)}`);
    assert.equal(ch.members.count, 2);
    assert.deepEqual(await users(srv, channel), ['multi', 'observer']);

    const gone = nextEvent(ch, 'pusher:member_removed');
    await tabs[2].close();
    assert.equal((await gone).data.id, 'multi');
    await barrier();
    assert.equal(removed.length, 1, 'exactly one member_removed');
    assert.equal(ch.members.count, 1);
    assert.deepEqual(await users(srv, channel), ['observer']);
    observer.disconnect();
  });

  it('accepts a numeric user_id (as Laravel sends) and reports it', async () => {
    const channel = uniq('presence-numeric-');
    const raw = await connectRaw(srv);
    const channelData = JSON.stringify({ user_id: 42, user_info: { name: 'Num' } });
    const msg = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel, channelData), channel_data: channelData });
    const p = presenceOf(msg);
    assert.equal(p.count, 1);
    assert.deepEqual(p.ids.map(String), ['42']);
    await raw.close();
  });

  it('treats presence:x like presence-x', { skip: soketiFails('rejects ":" in channel names') }, async () => {
    const channel = uniq('presence:lobby-');
    const a = await connectRaw(srv);
    const b = await connectRaw(srv);
    expectSubError(await rawSubscribe(a, channel), 401, 'AuthError');
    presenceOf(await rawPresenceSubscribe(a, srv.app, channel, 'ca'));
    const p = presenceOf(await rawPresenceSubscribe(b, srv.app, channel, 'cb'));
    assert.equal(p.count, 2);
    const added = await a.next('pusher_internal:member_added');
    assert.equal(JSON.parse(added.data).user_id, 'cb');
    await a.close();
    await b.close();
  });

  const badChannelData = {
    'channel_data that is not JSON': 'this is not json',
    'channel_data without user_id': JSON.stringify({ user_info: { name: 'x' } }),
    'channel_data that is a JSON array': JSON.stringify(['user_id', 'x']),
    'user_info over 1024 bytes': JSON.stringify({ user_id: 'big', user_info: { blob: 'x'.repeat(2000) } }),
  };
  for (const [what, channelData] of Object.entries(badChannelData)) {
    it(`rejects ${what} with status 400 (correctly signed)`, { skip: soketiFails('does not validate channel_data') }, async () => {
      const channel = uniq('presence-bad-');
      const raw = await connectRaw(srv);
      const msg = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel, channelData), channel_data: channelData });
      expectSubError(msg, 400);
      await raw.barrier();
      await raw.close();
    });
  }

  it('rejects a presence subscribe without channel_data', { skip: soketiFails('answers ServerError 4302') }, async () => {
    const channel = uniq('presence-nodata-');
    const raw = await connectRaw(srv);
    const msg = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel) });
    assert.equal(msg.event, 'pusher:subscription_error', JSON.stringify(msg));
    assert.ok([400, 401].includes(dataOf(msg).status), JSON.stringify(msg));
    await raw.barrier();
    await raw.close();
  });

  it('rejects channel_data that differs from what was signed (AuthError 401)', async () => {
    const channel = uniq('presence-swap-');
    const raw = await connectRaw(srv);
    const signed = JSON.stringify({ user_id: 'honest' });
    const sent = JSON.stringify({ user_id: 'admin' });
    const msg = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel, signed), channel_data: sent });
    expectSubError(msg, 401, 'AuthError');
    await raw.close();
  });

  it(`refuses member ${MAX_MEMBERS + 1} with 403 LimitReached, but not another socket of a member`, { skip: soketiFails('uses status 4100') }, async () => {
    const channel = uniq('presence-full-');
    const raws = [];
    for (let i = 0; i < MAX_MEMBERS; i++) {
      const r = await connectRaw(srv);
      presenceOf(await rawPresenceSubscribe(r, srv.app, channel, `member-${i}`));
      raws.push(r);
    }
    const extra = await connectRaw(srv);
    expectSubError(await rawPresenceSubscribe(extra, srv.app, channel, 'one-too-many'), 403, 'LimitReached');
    await extra.barrier();
    const secondTab = await connectRaw(srv);
    const p = presenceOf(await rawPresenceSubscribe(secondTab, srv.app, channel, 'member-0'));
    assert.equal(p.count, MAX_MEMBERS);
    // a member leaving frees a place
    await raws[1].close();
    await raws[0].next((m) => m.event === 'pusher_internal:member_removed');
    const again = await rawPresenceSubscribe(extra, srv.app, channel, 'one-too-many');
    assert.equal(presenceOf(again).count, MAX_MEMBERS);
    for (const r of [...raws, extra, secondTab]) await r.close();
  });
});
