// Private channels: HMAC authorization through a real auth endpoint (pusher
// SDK) and raw subscriptions with forged or misdirected signatures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, makeApp, connectRaw, rawSubscribe, dataOf, uniq, channelAuth, hmacHex,
  pusherClient, pusherConnected, subscribed, nextEvent, serverSdk, startAuthServer, sdkJson,
} from './harness.mjs';

function expectAuthError(msg, channel) {
  assert.equal(msg.event, 'pusher:subscription_error', `expected AuthError, got ${JSON.stringify(msg)}`);
  assert.equal(msg.channel, channel);
  const d = dataOf(msg);
  assert.equal(d.type, 'AuthError', JSON.stringify(msg));
  assert.equal(d.status, 401, JSON.stringify(msg));
}

describe('private channels', { skip: SKIP_ALL }, () => {
  const other = makeApp(2);
  const srv = useServer({ apps: [makeApp(1), other] });

  it('lets pusher-js subscribe through the auth endpoint and receive triggers', async () => {
    const auth = await startAuthServer(srv);
    const client = pusherClient(srv, auth.clientOptions());
    const socketId = await pusherConnected(client);
    const name = uniq('private-orders-');
    const channel = client.subscribe(name);
    await subscribed(channel);
    const authReq = auth.requests.find((r) => r.path === '/pusher/auth');
    assert.equal(authReq.params.socket_id, socketId);
    assert.equal(authReq.params.channel_name, name);
    const got = nextEvent(channel, 'status');
    await serverSdk(srv).trigger(name, 'status', { shipped: true });
    assert.deepEqual((await got).data, { shipped: true });
    client.disconnect();
  });

  it('never subscribes pusher-js when the auth endpoint denies', async () => {
    const auth = await startAuthServer(srv, { deny: true });
    const client = pusherClient(srv, auth.clientOptions());
    await pusherConnected(client);
    const name = uniq('private-denied-');
    const channel = client.subscribe(name);
    const err = await subscribed(channel).then(() => null, (e) => e);
    assert.ok(err, 'subscription must fail');
    assert.equal(err.detail?.status, 403);
    const info = await sdkJson(serverSdk(srv).get({ path: `/channels/${name}`, params: {} }));
    assert.equal(info.body.occupied, false);
    client.disconnect();
  });

  it('accepts a correct signature on a raw subscribe', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('private-raw-');
    const msg = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel) });
    assert.equal(msg.event, 'pusher_internal:subscription_succeeded', JSON.stringify(msg));
    await serverSdk(srv).trigger(channel, 'e', { x: 1 });
    assert.deepEqual(dataOf(await raw.next('e')), { x: 1 });
    await raw.close();
  });

  const forgeries = {
    'no auth at all': () => undefined,
    'an empty auth string': () => '',
    'a value without a colon': () => 'garbage',
    'the right key and a made-up signature': (app) => `${app.key}:${'0'.repeat(64)}`,
    'a signature for another socket_id': (app, sid, ch) => channelAuth(app, '1234.5678', ch),
    'a signature for another channel': (app, sid) => channelAuth(app, sid, 'private-somewhere-else'),
    "another app's key and secret": (app, sid, ch) => channelAuth(other, sid, ch),
    "this app's key signed with another app's secret": (app, sid, ch) => `${app.key}:${hmacHex(other.secret, `${sid}:${ch}`)}`,
    "another app's key with this app's signature": (app, sid, ch) => `${other.key}:${hmacHex(app.secret, `${sid}:${ch}`)}`,
    'a truncated signature': (app, sid, ch) => channelAuth(app, sid, ch).slice(0, -2),
    'a signature with trailing junk': (app, sid, ch) => `${channelAuth(app, sid, ch)}00`,
  };
  for (const [what, forge] of Object.entries(forgeries)) {
    it(`answers ${what} with AuthError 401 and keeps the connection`, async () => {
      const raw = await connectRaw(srv);
      const channel = uniq('private-forged-');
      const msg = await rawSubscribe(raw, channel, { auth: forge(srv.app, raw.socketId, channel) });
      expectAuthError(msg, channel);
      await raw.barrier();
      // the same socket can still subscribe properly afterwards
      const ok = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel) });
      assert.equal(ok.event, 'pusher_internal:subscription_succeeded');
      await raw.close();
    });
  }

  it('does not deliver events of a channel whose subscription was refused', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('private-refused-');
    expectAuthError(await rawSubscribe(raw, channel, { auth: `${srv.app.key}:${'a'.repeat(64)}` }), channel);
    const marker = uniq('marker-');
    await rawSubscribe(raw, marker);
    const sdk = serverSdk(srv);
    await sdk.trigger(channel, 'secret', {});
    await sdk.trigger(marker, 'marker', {});
    await raw.next('marker');
    assert.equal(raw.pending('secret').length, 0);
    await raw.close();
  });

  it('treats private:x like private-x: auth required', { skip: soketiFails('rejects ":" in channel names') }, async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('private:team-');
    expectAuthError(await rawSubscribe(raw, channel), channel);
    const ok = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel) });
    assert.equal(ok.event, 'pusher_internal:subscription_succeeded', JSON.stringify(ok));
    await raw.close();
  });

  it('requires auth for private-encrypted- channels too', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('private-encrypted-raw-');
    expectAuthError(await rawSubscribe(raw, channel), channel);
    const ok = await rawSubscribe(raw, channel, { auth: channelAuth(srv.app, raw.socketId, channel) });
    assert.equal(ok.event, 'pusher_internal:subscription_succeeded');
    await raw.close();
  });

  it('keeps apps apart: a subscriber of app 2 does not see app 1 events on the same name', async () => {
    const raw1 = await connectRaw(srv);
    const raw2 = await connectRaw(srv, { key: other.key });
    const channel = uniq('private-shared-name-');
    await rawSubscribe(raw1, channel, { auth: channelAuth(srv.app, raw1.socketId, channel) });
    await rawSubscribe(raw2, channel, { auth: channelAuth(other, raw2.socketId, channel) });
    await serverSdk(srv).trigger(channel, 'for-app-1', {});
    await serverSdk(srv, other).trigger(channel, 'for-app-2', {});
    await raw1.next('for-app-1');
    await raw2.next('for-app-2');
    await raw1.barrier();
    await raw2.barrier();
    assert.equal(raw1.pending('for-app-2').length, 0);
    assert.equal(raw2.pending('for-app-1').length, 0);
    await raw1.close();
    await raw2.close();
  });
});
