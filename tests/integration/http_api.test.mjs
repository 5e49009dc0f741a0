// The Pusher HTTP API through the official `pusher` server SDK: trigger (one,
// many, excluded socket, info), batch, channel listing, channel info, users.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, connectRaw, rawSubscribe, rawPresenceSubscribe, dataOf, uniq,
  serverSdk, sdkJson, sdkStatus,
} from './harness.mjs';

describe('HTTP API via the pusher SDK', { skip: SKIP_ALL }, () => {
  const srv = useServer();
  let sdk;
  const getSdk = () => (sdk ??= serverSdk(srv));

  it('triggers an event to one channel (200, JSON object body)', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('api-one-');
    await rawSubscribe(raw, channel);
    const res = await sdkJson(getSdk().trigger(channel, 'created', { id: 1 }));
    assert.equal(res.status, 200);
    assert.equal(typeof res.body, 'object');
    const ev = await raw.next('created');
    assert.equal(ev.channel, channel);
    assert.deepEqual(dataOf(ev), { id: 1 });
    await raw.close();
  });

  it('triggers one event to several channels, once per channel', async () => {
    const channels = [uniq('api-multi-a-'), uniq('api-multi-b-'), uniq('api-multi-c-')];
    const raws = [];
    for (const ch of channels) {
      const r = await connectRaw(srv);
      await rawSubscribe(r, ch);
      raws.push(r);
    }
    // one socket on two of the channels gets the event once for each channel
    const both = await connectRaw(srv);
    await rawSubscribe(both, channels[0]);
    await rawSubscribe(both, channels[1]);
    const res = await getSdk().trigger(channels, 'multi', { n: 3 });
    assert.equal(res.status, 200);
    for (const [i, r] of raws.entries()) {
      const ev = await r.next('multi');
      assert.equal(ev.channel, channels[i]);
    }
    const e1 = await both.next('multi');
    const e2 = await both.next('multi');
    assert.deepEqual([e1.channel, e2.channel].sort(), [channels[0], channels[1]].sort());
    for (const r of [...raws, both]) await r.close();
  });

  it('accepts a trigger to 100 channels and delivers to the first and the last', async () => {
    const prefix = uniq('api-hundred-');
    const channels = Array.from({ length: 100 }, (_, i) => `${prefix}-${i}`);
    const first = await connectRaw(srv);
    const last = await connectRaw(srv);
    await rawSubscribe(first, channels[0]);
    await rawSubscribe(last, channels[99]);
    const res = await getSdk().trigger(channels, 'wide', { ok: true });
    assert.equal(res.status, 200);
    assert.equal((await first.next('wide')).channel, channels[0]);
    assert.equal((await last.next('wide')).channel, channels[99]);
    await first.close();
    await last.close();
  });

  it('excludes the connection named by socket_id', async () => {
    const channel = uniq('api-exclude-');
    const a = await connectRaw(srv);
    const b = await connectRaw(srv);
    await rawSubscribe(a, channel);
    await rawSubscribe(b, channel);
    await getSdk().trigger(channel, 'not-for-a', { x: 1 }, { socket_id: a.socketId });
    await getSdk().trigger(channel, 'for-all', {});
    await b.next('not-for-a');
    await b.next('for-all');
    await a.next('for-all');
    assert.equal(a.frames.filter((m) => m.event === 'not-for-a').length, 0, 'the excluded socket received the event');
    await a.close();
    await b.close();
  });

  it('answers info=subscription_count,user_count on trigger', { skip: soketiFails('ignores info') }, async () => {
    const pub = uniq('api-info-');
    const pres = uniq('presence-api-info-');
    const raws = [];
    for (let i = 0; i < 2; i++) {
      const r = await connectRaw(srv);
      await rawSubscribe(r, pub);
      await rawPresenceSubscribe(r, srv.app, pres, 'same-user');
      raws.push(r);
    }
    const res = await sdkJson(getSdk().trigger([pub, pres], 'counted', {}, { info: 'subscription_count,user_count' }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.channels?.[pub]?.subscription_count, 2, res.text);
    assert.equal(res.body.channels?.[pres]?.user_count, 1, res.text);
    for (const r of raws) await r.close();
  });

  it('delivers every event of a triggerBatch, in order within each channel', async () => {
    const c1 = uniq('api-batch-1-');
    const c2 = uniq('api-batch-2-');
    const raw = await connectRaw(srv);
    await rawSubscribe(raw, c1);
    await rawSubscribe(raw, c2);
    const batch = [
      { channel: c1, name: 'b1', data: { i: 1 } },
      { channel: c2, name: 'b2', data: { i: 2 } },
      { channel: c1, name: 'b3', data: 'plain' },
    ];
    const res = await sdkJson(getSdk().triggerBatch(batch));
    assert.equal(res.status, 200, res.text);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await raw.next((m) => /^b\d$/.test(m.event)));
    // Order across channels is not part of the contract; within a channel it is.
    const onC1 = got.filter((m) => m.channel === c1).map((m) => [m.event, dataOf(m)]);
    const onC2 = got.filter((m) => m.channel === c2).map((m) => [m.event, dataOf(m)]);
    assert.deepEqual(onC1, [['b1', { i: 1 }], ['b3', 'plain']]);
    assert.deepEqual(onC2, [['b2', { i: 2 }]]);
    await raw.close();
  });

  it('accepts a batch of exactly 10 events', async () => {
    const channel = uniq('api-batch10-');
    const raw = await connectRaw(srv);
    await rawSubscribe(raw, channel);
    const batch = Array.from({ length: 10 }, (_, i) => ({ channel, name: 'ten', data: { i } }));
    const res = await sdkJson(getSdk().triggerBatch(batch));
    assert.equal(res.status, 200, res.text);
    for (let i = 0; i < 10; i++) assert.deepEqual(dataOf(await raw.next('ten')), { i });
    await raw.close();
  });

  it('lists occupied channels, filtered by prefix', async () => {
    const prefix = uniq('api-list-');
    const raw = await connectRaw(srv);
    await rawSubscribe(raw, `${prefix}-a`);
    await rawSubscribe(raw, `${prefix}-b`);
    await rawSubscribe(raw, `${prefix}-gone`);
    raw.send({ event: 'pusher:unsubscribe', data: { channel: `${prefix}-gone` } });
    await raw.barrier();
    const res = await sdkJson(getSdk().get({ path: '/channels', params: { filter_by_prefix: prefix } }));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body.channels).sort(), [`${prefix}-a`, `${prefix}-b`]);
    const all = await sdkJson(getSdk().get({ path: '/channels', params: {} }));
    assert.ok(all.body.channels[`${prefix}-a`], 'unfiltered listing includes the channel');
    await raw.close();
  });

  it('lists presence channels with user_count (users, not connections)', { skip: soketiFails('returns subscription_count as user_count') }, async () => {
    const name = uniq('presence-api-list-');
    const raws = [];
    for (const user of ['u1', 'u1', 'u2']) {
      const r = await connectRaw(srv);
      await rawPresenceSubscribe(r, srv.app, name, user);
      raws.push(r);
    }
    const res = await sdkJson(getSdk().get({ path: '/channels', params: { filter_by_prefix: name, info: 'user_count' } }));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.channels, { [name]: { user_count: 2 } });
    for (const r of raws) await r.close();
  });

  it('reports channel info: occupied and subscription_count', async () => {
    const channel = uniq('api-info-pub-');
    const raws = [await connectRaw(srv), await connectRaw(srv), await connectRaw(srv)];
    for (const r of raws) await rawSubscribe(r, channel);
    const res = await sdkJson(getSdk().get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.occupied, true);
    assert.equal(res.body.subscription_count, 3);
    for (const r of raws) await r.close();
  });

  it('reports user_count for a presence channel and occupied=false for an empty one', async () => {
    const name = uniq('presence-api-chan-');
    const raws = [];
    for (const user of ['p1', 'p2', 'p2']) {
      const r = await connectRaw(srv);
      await rawPresenceSubscribe(r, srv.app, name, user);
      raws.push(r);
    }
    const res = await sdkJson(getSdk().get({ path: `/channels/${name}`, params: { info: 'user_count' } }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.occupied, true);
    assert.equal(res.body.user_count, 2);
    for (const r of raws) await r.close();
    const empty = await sdkJson(getSdk().get({ path: `/channels/${uniq('never-used-')}`, params: { info: 'subscription_count' } }));
    assert.equal(empty.status, 200);
    assert.equal(empty.body.occupied, false);
  });

  it('accepts info=subscription_count,user_count,cache on a cache channel', async () => {
    const channel = uniq('cache-api-info-');
    const raw = await connectRaw(srv);
    await rawSubscribe(raw, channel);
    const res = await sdkJson(getSdk().get({ path: `/channels/${channel}`, params: { info: 'subscription_count,cache' } }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.occupied, true);
    assert.equal(res.body.subscription_count, 1);
    await raw.close();
  });

  it('lists the distinct users of a presence channel', async () => {
    const name = uniq('presence-api-users-');
    const raws = [];
    for (const user of ['ann', 'ben', 'ann']) {
      const r = await connectRaw(srv);
      await rawPresenceSubscribe(r, srv.app, name, user);
      raws.push(r);
    }
    const res = await sdkJson(getSdk().get({ path: `/channels/${name}/users`, params: {} }));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.users.map((u) => u.id).sort(), ['ann', 'ben']);
    for (const u of res.body.users) assert.deepEqual(Object.keys(u), ['id']);
    for (const r of raws) await r.close();
  });

  it('answers 400 for the users of a non-presence channel', async () => {
    const channel = uniq('api-not-presence-');
    const raw = await connectRaw(srv);
    await rawSubscribe(raw, channel);
    // sdkStatus: the SDK rejects non-2xx with a RequestError carrying .status
    assert.equal(await sdkStatus(getSdk().get({ path: `/channels/${channel}/users`, params: {} })), 400);
    assert.equal(await sdkStatus(getSdk().get({ path: `/channels/private-${channel}/users`, params: {} })), 400);
    await raw.close();
  });
});
