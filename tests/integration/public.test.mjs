// Public channels: subscribe, receive, unsubscribe, names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, connectRaw, rawSubscribe, dataOf, uniq,
  pusherClient, pusherConnected, subscribed, nextEvent, serverSdk, signedRequest, sdkJson,
} from './harness.mjs';

/** Trigger through a hand-signed request (the SDK refuses colon names). */
async function rawTrigger(srv, channel, name, data) {
  const res = await signedRequest(srv, srv.app, 'POST', `/apps/${srv.app.id}/events`, {
    body: { name, channel, data: typeof data === 'string' ? data : JSON.stringify(data) },
  });
  assert.equal(res.status, 200, `trigger to ${channel}: ${res.status} ${res.text}`);
}

function subscriptionError(msg) {
  assert.equal(msg.event, 'pusher:subscription_error', `expected subscription_error, got ${JSON.stringify(msg)}`);
  return dataOf(msg);
}

describe('public channels', { skip: SKIP_ALL }, () => {
  const srv = useServer();

  it('confirms a subscription with pusher_internal:subscription_succeeded', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('news-');
    const msg = await rawSubscribe(raw, channel);
    assert.equal(msg.event, 'pusher_internal:subscription_succeeded');
    assert.equal(msg.channel, channel);
    await raw.close();
  });

  it('sends subscription_succeeded data as the JSON string "{}"', { skip: soketiFails('omits data') }, async () => {
    const raw = await connectRaw(srv);
    const msg = await rawSubscribe(raw, uniq('news-'));
    assert.equal(msg.data, '{}');
    await raw.close();
  });

  it('delivers a server trigger to pusher-js with the data decoded', async () => {
    const client = pusherClient(srv);
    await pusherConnected(client);
    const channel = client.subscribe(uniq('orders-'));
    await subscribed(channel);
    const got = nextEvent(channel, 'order-placed');
    const payload = { id: 42, items: ['a', 'b'], nested: { ok: true }, text: 'héllo ✓' };
    const res = await serverSdk(srv).trigger(channel.name, 'order-placed', payload);
    assert.equal(res.status, 200);
    const { data } = await got;
    assert.deepEqual(data, payload);
    client.disconnect();
  });

  it('sends event data as a JSON string with the channel on the frame', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('frames-');
    await rawSubscribe(raw, channel);
    await serverSdk(srv).trigger(channel, 'evt', { a: 1 });
    const msg = await raw.next('evt');
    assert.equal(msg.channel, channel);
    assert.equal(typeof msg.data, 'string');
    assert.deepEqual(JSON.parse(msg.data), { a: 1 });
    await raw.close();
  });

  it('passes string data through unchanged', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('strings-');
    await rawSubscribe(raw, channel);
    await serverSdk(srv).trigger(channel, 'evt', 'just a string, not JSON');
    const msg = await raw.next('evt');
    assert.equal(msg.data, 'just a string, not JSON');
    await raw.close();
  });

  it('delivers to every subscriber and only to subscribers of that channel', async () => {
    const channel = uniq('fanout-');
    const other = uniq('other-');
    const subs = await Promise.all([1, 2, 3].map(() => connectRaw(srv)));
    for (const r of subs) await rawSubscribe(r, channel);
    const outsider = await connectRaw(srv);
    await rawSubscribe(outsider, other);
    const sdk = serverSdk(srv);
    await sdk.trigger(channel, 'to-channel', { n: 1 });
    await sdk.trigger(other, 'to-other', { n: 2 });
    for (const r of subs) assert.deepEqual(dataOf(await r.next('to-channel')), { n: 1 });
    await outsider.next('to-other');
    assert.equal(outsider.pending('to-channel').length, 0, 'outsider received an event of a channel it is not subscribed to');
    for (const r of subs) {
      await r.barrier();
      assert.equal(r.pending('to-other').length, 0);
    }
  });

  it('accepts colon names like chat:room-1 as public channels (pusher-js)', { skip: soketiFails('rejects ":" in channel names (status 4009)') }, async () => {
    const client = pusherClient(srv);
    await pusherConnected(client);
    const channel = client.subscribe('chat:room-1');
    await subscribed(channel);
    const got = nextEvent(channel, 'message');
    await rawTrigger(srv, 'chat:room-1', 'message', { text: 'hi room' });
    assert.deepEqual((await got).data, { text: 'hi room' });
    client.disconnect();
  });

  it('sends nothing in reply to pusher:unsubscribe and stops delivery', async () => {
    const raw = await connectRaw(srv);
    const a = uniq('unsub-a-');
    const b = uniq('unsub-b-');
    await rawSubscribe(raw, a);
    await rawSubscribe(raw, b);
    raw.send({ event: 'pusher:unsubscribe', data: { channel: a } });
    await raw.barrier();
    const stray = raw.queue.filter((m) => m.event !== 'pusher:pong');
    assert.deepEqual(stray, [], 'unsubscribe must not be answered');
    const sdk = serverSdk(srv);
    await sdk.trigger(a, 'after-unsub', {});
    await sdk.trigger(b, 'marker', {});
    await raw.next('marker');
    assert.equal(raw.pending('after-unsub').length, 0, 'an unsubscribed channel still delivered');
    await raw.close();
  });

  it('treats a second subscribe to the same channel as a no-op', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('twice-');
    await rawSubscribe(raw, channel);
    raw.send({ event: 'pusher:subscribe', data: { channel } });
    await raw.barrier();
    assert.equal(raw.pending('pusher:subscription_error').length, 0);
    const sdk = serverSdk(srv);
    await sdk.trigger(channel, 'one', {});
    await sdk.trigger(channel, 'two', {});
    await raw.next('two');
    assert.equal(raw.frames.filter((m) => m.event === 'one').length, 1, 'event delivered more than once');
    const info = await sdkJson(sdk.get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } }));
    assert.equal(info.body.subscription_count, 1);
    // One unsubscribe ends the (single) subscription.
    raw.send({ event: 'pusher:unsubscribe', data: { channel } });
    await raw.barrier();
    const after = await sdkJson(sdk.get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } }));
    assert.equal(after.body.occupied, false);
    await raw.close();
  });

  it('accepts a name of exactly 200 characters using every allowed character', async () => {
    const raw = await connectRaw(srv);
    const base = 'aZ09-_=@,.;';
    const channel = (base + 'x'.repeat(200)).slice(0, 200);
    assert.equal(channel.length, 200);
    const msg = await rawSubscribe(raw, channel);
    assert.equal(msg.event, 'pusher_internal:subscription_succeeded', JSON.stringify(msg));
    await rawTrigger(srv, channel, 'long-name', { ok: 1 });
    assert.deepEqual(dataOf(await raw.next('long-name')), { ok: 1 });
    await raw.close();
  });

  const invalid = {
    'a space': 'has space',
    'an exclamation mark': 'bad!name',
    'a slash': 'a/b',
    'non-ASCII letters': 'caf\u00e9',
    '201 characters': 'n'.repeat(201),
    'a leading # outside #server-to-user-': '#general',
    'an empty name': '',
    'a # in the middle': 'a#b',
  };
  for (const [what, name] of Object.entries(invalid)) {
    it(`rejects a channel name with ${what} as InvalidChannel (400)`, { skip: soketiFails('does not validate names') }, async () => {
      const raw = await connectRaw(srv);
      raw.send({ event: 'pusher:subscribe', data: { channel: name } });
      // For the empty name, a reply without a channel field is accepted too.
      const msg = await raw.next((m) => (m.channel === name || (name === '' && m.channel === undefined)) &&
        (m.event === 'pusher_internal:subscription_succeeded' || m.event === 'pusher:subscription_error'), 5000, `answer for ${JSON.stringify(name)}`);
      const err = subscriptionError(msg);
      assert.equal(err.type, 'InvalidChannel', JSON.stringify(msg));
      assert.equal(err.status, 400);
      assert.equal(typeof err.error, 'string');
      await raw.barrier(); // the connection stays usable
      await raw.close();
    });
  }
});
