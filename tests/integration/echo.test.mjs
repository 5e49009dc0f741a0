// Laravel Echo (pusher broadcaster, pusher-js underneath) against the server:
// public, private (custom authorizer hitting the local endpoint), presence,
// whispers and toOthers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Echo from 'laravel-echo';
import {
  SKIP_ALL, useServer, uniq, HOST, PusherJs, httpRequest, withTimeout,
  serverSdk, startAuthServer, pusherConnected,
} from './harness.mjs';

describe('Laravel Echo', { skip: SKIP_ALL }, () => {
  const srv = useServer();
  const echos = [];
  after(() => { for (const e of echos) e.disconnect(); });

  /** An Echo instance whose authorizer POSTs to the local auth endpoint as `userId`. */
  function makeEcho(auth, userId = 'echo-user') {
    const authorizerCalls = [];
    const echo = new Echo({
      broadcaster: 'pusher',
      key: srv.app.key,
      cluster: '',
      wsHost: HOST,
      wsPort: srv.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      Pusher: PusherJs,
      authorizer: (channel) => ({
        authorize: (socketId, callback) => {
          authorizerCalls.push({ channel: channel.name, socketId });
          const body = new URLSearchParams({ socket_id: socketId, channel_name: channel.name, user_id: userId, user_name: `Name ${userId}` }).toString();
          httpRequest(auth.channelUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
            .then((res) => (res.status === 200 ? callback(null, res.json()) : callback(new Error(`auth ${res.status}`), null)))
            .catch((e) => callback(e, null));
        },
      }),
    });
    echo.authorizerCalls = authorizerCalls;
    echos.push(echo);
    return echo;
  }

  /** Resolve when an Echo channel is subscribed (rejects on error). */
  function echoSubscribed(channel) {
    return withTimeout(new Promise((resolve, reject) => {
      channel.subscribed(() => resolve());
      channel.error((e) => reject(new Error(`Echo channel error: ${JSON.stringify(e)}`)));
    }), 5000, 'Echo subscription');
  }

  function once(register, what) {
    return withTimeout(new Promise((resolve) => register(resolve)), 5000, what);
  }

  it('listens on a public channel for a dot-prefixed (un-namespaced) event', async () => {
    const auth = await startAuthServer(srv);
    const echo = makeEcho(auth);
    const name = uniq('orders-');
    const channel = echo.channel(name);
    const got = once((cb) => channel.listen('.order.shipped', cb), '.order.shipped');
    await echoSubscribed(channel);
    await serverSdk(srv).trigger(name, 'order.shipped', { order_id: 17 });
    assert.deepEqual(await got, { order_id: 17 });
    echo.disconnect();
  });

  it('maps a namespaced Laravel event (App\\Events\\OrderShipped)', async () => {
    const auth = await startAuthServer(srv);
    const echo = makeEcho(auth);
    const name = uniq('laravel-');
    const channel = echo.channel(name);
    const got = once((cb) => channel.listen('OrderShipped', cb), 'OrderShipped');
    await echoSubscribed(channel);
    await serverSdk(srv).trigger(name, 'App\\Events\\OrderShipped', { order: { id: 5 } });
    assert.deepEqual(await got, { order: { id: 5 } });
    echo.disconnect();
  });

  it('subscribes a private channel through the custom authorizer and receives triggers', async () => {
    const auth = await startAuthServer(srv);
    const echo = makeEcho(auth);
    const name = uniq('orders.');
    const channel = echo.private(name);
    const got = once((cb) => channel.listen('.status.updated', cb), '.status.updated');
    await echoSubscribed(channel);
    assert.equal(echo.authorizerCalls.length, 1);
    assert.equal(echo.authorizerCalls[0].channel, `private-${name}`);
    assert.equal(echo.authorizerCalls[0].socketId, echo.socketId());
    await serverSdk(srv).trigger(`private-${name}`, 'status.updated', { status: 'shipped' });
    assert.deepEqual(await got, { status: 'shipped' });
    echo.disconnect();
  });

  it('reports presence members with here/joining/leaving', async () => {
    const auth = await startAuthServer(srv);
    const room = uniq('room.');
    const first = makeEcho(auth, 'taylor');
    const firstChannel = first.join(room);
    const here = once((cb) => firstChannel.here(cb), 'here');
    const users = await here;
    assert.deepEqual(users.map((u) => u.name), ['Name taylor']);
    const joining = once((cb) => firstChannel.joining(cb), 'joining');
    const second = makeEcho(auth, 'abigail');
    const secondChannel = second.join(room);
    const secondHere = await once((cb) => secondChannel.here(cb), 'here (second)');
    assert.deepEqual(secondHere.map((u) => u.name).sort(), ['Name abigail', 'Name taylor']);
    assert.deepEqual(await joining, { name: 'Name abigail' });
    const leaving = once((cb) => firstChannel.leaving(cb), 'leaving');
    second.leave(room);
    assert.deepEqual(await leaving, { name: 'Name abigail' });
    first.disconnect();
    second.disconnect();
  });

  it('delivers whispers between two Echo clients on a private channel', async () => {
    const auth = await startAuthServer(srv);
    const name = uniq('chat.');
    const a = makeEcho(auth, 'whisper-a');
    const b = makeEcho(auth, 'whisper-b');
    const chA = a.private(name);
    const chB = b.private(name);
    await Promise.all([echoSubscribed(chA), echoSubscribed(chB)]);
    const got = once((cb) => chB.listenForWhisper('typing', cb), 'whisper');
    chA.whisper('typing', { name: 'A' });
    assert.deepEqual(await got, { name: 'A' });
    a.disconnect();
    b.disconnect();
  });

  it('excludes the sender for toOthers (X-Socket-ID → socket_id)', async () => {
    const auth = await startAuthServer(srv);
    const name = uniq('feed-');
    const me = makeEcho(auth, 'me');
    const other = makeEcho(auth, 'other');
    const chMe = me.channel(name);
    const chOther = other.channel(name);
    await Promise.all([echoSubscribed(chMe), echoSubscribed(chOther)]);
    await pusherConnected(me.connector.pusher);
    const mine = [];
    chMe.listen('.posted', (e) => mine.push(e));
    const theirs = once((cb) => chOther.listen('.posted', cb), 'posted on other');
    const marker = once((cb) => chMe.listen('.marker', cb), 'marker');
    await serverSdk(srv).trigger(name, 'posted', { id: 1 }, { socket_id: me.socketId() });
    await serverSdk(srv).trigger(name, 'marker', {});
    assert.deepEqual(await theirs, { id: 1 });
    await marker;
    assert.deepEqual(mine, [], 'the sender received its own toOthers broadcast');
    me.disconnect();
    other.disconnect();
  });
});
