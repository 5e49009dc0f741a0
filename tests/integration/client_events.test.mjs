// Client events (client-*): private/presence only, subscribed senders only,
// never echoed, user_id on presence, 4300 rejections, 4301 rate limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, makeApp, connectRaw, rawSubscribe, rawPresenceSubscribe, dataOf, uniq, channelAuth,
  pusherClient, pusherConnected, subscribed, nextEvent, collect, serverSdk, startAuthServer,
} from './harness.mjs';

/** Expect pusher:error with `code`; the socket must stay open (barrier). */
async function expectRejected(raw, code = 4300) {
  const err = await raw.next('pusher:error', 5000);
  const d = dataOf(err);
  assert.equal(d.code, code, JSON.stringify(err));
  assert.equal(typeof d.message, 'string');
  await raw.barrier();
  assert.equal(raw.closeInfo, null, 'the connection must stay open');
}

async function privatePair(srv, app = srv.app, channel = uniq('private-ce-')) {
  const a = await connectRaw(srv, { key: app.key });
  const b = await connectRaw(srv, { key: app.key });
  for (const r of [a, b]) {
    const m = await rawSubscribe(r, channel, { auth: channelAuth(app, r.socketId, channel) });
    assert.equal(m.event, 'pusher_internal:subscription_succeeded');
  }
  return { a, b, channel };
}

describe('client events', { skip: SKIP_ALL }, () => {
  const noClientEvents = makeApp(2, { client_events: false });
  const srv = useServer({ apps: [makeApp(1), noClientEvents] });

  it('relays client events between pusher-js clients on a private channel, not to the sender', async () => {
    const auth = await startAuthServer(srv);
    const name = uniq('private-chat-');
    const alice = pusherClient(srv, auth.clientOptions('alice'));
    const bob = pusherClient(srv, auth.clientOptions('bob'));
    const chA = alice.subscribe(name);
    const chB = bob.subscribe(name);
    await Promise.all([subscribed(chA), subscribed(chB)]);
    const echoed = collect(chA, 'client-typing');
    const got = nextEvent(chB, 'client-typing');
    assert.equal(chA.trigger('client-typing', { typing: true, who: 'alice' }), true);
    assert.deepEqual((await got).data, { typing: true, who: 'alice' });
    // barrier: a server event published after the client event reaches alice
    const marker = nextEvent(chA, 'marker');
    await serverSdk(srv).trigger(name, 'marker', {});
    await marker;
    assert.deepEqual(echoed, [], 'the sender received its own client event');
    alice.disconnect();
    bob.disconnect();
  });

  it('adds the sender user_id on presence channels (raw frame and pusher-js metadata)', async () => {
    const auth = await startAuthServer(srv);
    const name = uniq('presence-ce-');
    const sender = pusherClient(srv, auth.clientOptions('user-77'));
    const listener = pusherClient(srv, auth.clientOptions('user-88'));
    const chS = sender.subscribe(name);
    const chL = listener.subscribe(name);
    await Promise.all([subscribed(chS), subscribed(chL)]);
    const raw = await connectRaw(srv);
    await rawPresenceSubscribe(raw, srv.app, name, 'raw-listener');
    const got = nextEvent(chL, 'client-move');
    chS.trigger('client-move', { x: 1, y: 2 });
    const { data, metadata } = await got;
    assert.deepEqual(data, { x: 1, y: 2 });
    assert.equal(metadata?.user_id, 'user-77');
    const frame = await raw.next('client-move');
    assert.equal(frame.channel, name);
    assert.equal(frame.user_id, 'user-77', `top-level user_id missing: ${JSON.stringify(frame)}`);
    assert.deepEqual(dataOf(frame), { x: 1, y: 2 });
    sender.disconnect();
    listener.disconnect();
    await raw.close();
  });

  it('delivers a burst within the rate (5 events) completely and in order', async () => {
    const { a, b, channel } = await privatePair(srv);
    for (let i = 0; i < 5; i++) a.send({ event: 'client-seq', channel, data: { i } });
    for (let i = 0; i < 5; i++) assert.deepEqual(dataOf(await b.next('client-seq')), { i });
    await a.barrier();
    assert.equal(a.pending('pusher:error').length, 0);
    await a.close();
    await b.close();
  });

  it('rejects a client event on a public channel with 4300', { skip: soketiFails('ignores it silently') }, async () => {
    const channel = uniq('public-ce-');
    const a = await connectRaw(srv);
    const b = await connectRaw(srv);
    await rawSubscribe(a, channel);
    await rawSubscribe(b, channel);
    a.send({ event: 'client-hi', channel, data: {} });
    await expectRejected(a);
    await b.barrier();
    assert.equal(b.pending('client-hi').length, 0, 'a public-channel client event was delivered');
  });

  it('rejects a client event from a socket not subscribed to the channel with 4300', { skip: soketiFails('ignores it silently') }, async () => {
    const { b, channel } = await privatePair(srv);
    const outsider = await connectRaw(srv);
    outsider.send({ event: 'client-intrude', channel, data: {} });
    await expectRejected(outsider);
    await b.barrier();
    assert.equal(b.pending('client-intrude').length, 0, 'an unsubscribed sender reached the channel');
  });

  it('rejects client events for an app with client_events = false with 4300', { skip: soketiFails('uses 4301') }, async () => {
    const { a, b, channel } = await privatePair(srv, noClientEvents);
    a.send({ event: 'client-nope', channel, data: {} });
    await expectRejected(a);
    await b.barrier();
    assert.equal(b.pending('client-nope').length, 0);
  });

  it('rejects client events on private-encrypted- channels with 4300', { skip: soketiFails('no error, silently dropped or relayed') }, async () => {
    const { a, b, channel } = await privatePair(srv, srv.app, uniq('private-encrypted-ce-'));
    a.send({ event: 'client-plain', channel, data: { leaked: true } });
    await expectRejected(a);
    await b.barrier();
    assert.equal(b.pending('client-plain').length, 0);
  });

  it('rejects a client event whose data is over max_message_size (10240 bytes) with 4300', { skip: soketiFails('uses 4301') }, async () => {
    const { a, b, channel } = await privatePair(srv);
    a.send({ event: 'client-big', channel, data: 'x'.repeat(10_600) });
    await expectRejected(a);
    await b.barrier();
    assert.equal(b.pending('client-big').length, 0);
    // a normal-sized one still goes through afterwards
    a.send({ event: 'client-small', channel, data: { ok: 1 } });
    assert.deepEqual(dataOf(await b.next('client-small')), { ok: 1 });
  });

  it('answers a burst over client_event_rate (10/s) with pusher:error 4301', async () => {
    const { a, b, channel } = await privatePair(srv);
    for (let i = 0; i < 30; i++) a.send({ event: 'client-flood', channel, data: { i } });
    const err = await a.next('pusher:error', 5000);
    assert.equal(dataOf(err).code, 4301, JSON.stringify(err));
    await a.close();
    await b.close();
  });

  it('closes a socket that floods client events with close code 4301', { skip: soketiFails('does not close') }, async () => {
    const { a, b, channel } = await privatePair(srv);
    for (let i = 0; i < 30; i++) a.send({ event: 'client-flood', channel, data: { i } });
    const { code } = await a.waitClosed(5000);
    assert.equal(code, 4301);
    await b.barrier();
    const delivered = b.frames.filter((m) => m.event === 'client-flood').length;
    assert.ok(delivered <= 20, `too many flood events delivered: ${delivered}`);
    await b.close();
  });
});
