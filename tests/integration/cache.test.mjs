// Cache channels: the last event is replayed right after subscription_succeeded,
// else pusher:cache_miss.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, useServer, connectRaw, rawSubscribe, rawPresenceSubscribe, dataOf, uniq, channelAuth,
  pusherClient, pusherConnected, nextEvent, serverSdk, startAuthServer,
} from './harness.mjs';

/** Index of the first frame matching pred in raw.frames. */
const indexOf = (raw, pred) => raw.frames.findIndex(pred);

describe('cache channels', { skip: SKIP_ALL }, () => {
  const srv = useServer();

  it('sends pusher:cache_miss right after subscription_succeeded when nothing was published', async () => {
    const channel = uniq('cache-empty-');
    const raw = await connectRaw(srv);
    const sub = await rawSubscribe(raw, channel);
    assert.equal(sub.event, 'pusher_internal:subscription_succeeded');
    const miss = await raw.next('pusher:cache_miss');
    assert.equal(miss.channel, channel);
    assert.equal(indexOf(raw, (m) => m === miss), indexOf(raw, (m) => m === sub) + 1, 'cache_miss must follow subscription_succeeded');
    await raw.close();
  });

  it('replays only the last event published before the subscription', async () => {
    const channel = uniq('cache-last-');
    const sdk = serverSdk(srv);
    await sdk.trigger(channel, 'price', { v: 1 });
    await sdk.trigger(channel, 'price', { v: 2 });
    const raw = await connectRaw(srv);
    const sub = await rawSubscribe(raw, channel);
    const replay = await raw.next('price');
    assert.equal(replay.channel, channel);
    assert.deepEqual(dataOf(replay), { v: 2 });
    assert.equal(raw.frames.indexOf(replay), raw.frames.indexOf(sub) + 1, 'the replay must follow subscription_succeeded');
    await raw.barrier();
    assert.equal(raw.frames.filter((m) => m.event === 'price').length, 1, 'more than the last event was replayed');
    assert.equal(raw.frames.filter((m) => m.event === 'pusher:cache_miss').length, 0);
    // live events still flow, and a later subscriber gets the newest
    await sdk.trigger(channel, 'price', { v: 3 });
    assert.deepEqual(dataOf(await raw.next('price')), { v: 3 });
    const late = await connectRaw(srv);
    await rawSubscribe(late, channel);
    assert.deepEqual(dataOf(await late.next('price')), { v: 3 });
    await raw.close();
    await late.close();
  });

  it('replays the last event on private-cache- channels after authorization', async () => {
    const channel = uniq('private-cache-');
    await serverSdk(srv).trigger(channel, 'state', { s: 'ready' });
    const raw = await connectRaw(srv);
    const sub = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel) });
    assert.equal(sub.event, 'pusher_internal:subscription_succeeded');
    assert.deepEqual(dataOf(await raw.next('state')), { s: 'ready' });
    await raw.close();
  });

  it('does not replay to a private-cache- subscriber that failed authorization', async () => {
    const channel = uniq('private-cache-denied-');
    await serverSdk(srv).trigger(channel, 'state', { s: 'secret' });
    const raw = await connectRaw(srv);
    const sub = await rawSubscribe(raw, channel, { auth: `${srv.app.key}:${'f'.repeat(64)}` });
    assert.equal(sub.event, 'pusher:subscription_error');
    await raw.barrier();
    assert.equal(raw.frames.filter((m) => m.event === 'state' || m.event === 'pusher:cache_miss').length, 0);
    await raw.close();
  });

  it('sends cache_miss and replays on presence-cache- channels', async () => {
    const channel = uniq('presence-cache-');
    const first = await connectRaw(srv);
    await rawPresenceSubscribe(first, srv.app, channel, 'p1');
    const miss = await first.next('pusher:cache_miss');
    assert.equal(miss.channel, channel);
    await serverSdk(srv).trigger(channel, 'topic', { t: 'hello' });
    await first.next('topic');
    const second = await connectRaw(srv);
    const sub = await rawPresenceSubscribe(second, srv.app, channel, 'p2');
    assert.equal(sub.event, 'pusher_internal:subscription_succeeded');
    assert.deepEqual(dataOf(await second.next('topic')), { t: 'hello' });
    await first.close();
    await second.close();
  });

  it('lets pusher-js see the cache miss and the replayed event', async () => {
    const auth = await startAuthServer(srv);
    const client = pusherClient(srv, auth.clientOptions());
    await pusherConnected(client);
    const emptyName = uniq('cache-pjs-empty-');
    const empty = client.subscribe(emptyName);
    await nextEvent(empty, 'pusher:cache_miss');

    const fullName = uniq('private-cache-pjs-');
    await serverSdk(srv).trigger(fullName, 'snapshot', { rows: [1, 2, 3] });
    const full = client.subscribe(fullName);
    const { data } = await nextEvent(full, 'snapshot');
    assert.deepEqual(data, { rows: [1, 2, 3] });
    client.disconnect();
  });
});
