import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeFetch, fakeToken, flush, makeRealtime, type Json } from '../test/helpers/fake.js';
import { SwitchboardError } from './errors.js';
import { RecentIds } from './channel.js';

async function connected(opts: Parameters<typeof makeRealtime>[0] = {}) {
  const made = makeRealtime(opts);
  const p = made.rt.start();
  made.server.last.establish({ user_id: 'alice' });
  await p;
  return made;
}

describe('channels', () => {
  it('subscribe is idempotent per name; a new object after unsubscribe', async () => {
    const { rt, server } = await connected();
    const a = rt.subscribe('chat:x');
    assert.equal(rt.subscribe('chat:x'), a);
    assert.equal(server.last.framesOf('pusher:subscribe').length, 1);
    a.unsubscribe();
    assert.deepEqual(server.last.framesOf('pusher:unsubscribe')[0]!.data, { channel: 'chat:x' });
    assert.notEqual(rt.subscribe('chat:x'), a);
  });

  it('subscribes channels created before the connection once it is up', async () => {
    const made = makeRealtime();
    const p = made.rt.start();
    const ch = made.rt.subscribe('chat:early');
    assert.equal(ch.state, 'subscribing');
    made.server.last.establish();
    await p;
    assert.equal(made.server.last.framesOf('pusher:subscribe').length, 1);
    made.server.last.confirmSubscriptions();
    assert.equal(ch.state, 'subscribed');
  });

  it('delivers messages and custom events with the message shape, each once', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('chat:m');
    server.last.confirmSubscriptions();
    const got: Json[] = [];
    ch.on('message', (m) => got.push({ id: m.id, text: m.text, data: m.data }));
    ch.on('cursor-move', (m) => got.push({ cursor: m.data }));
    const frame = { event: 'message', channel: 'chat:m', data: '{"text":"hi"}', id: 'msg_1', offset: 1, epoch: 'e' };
    server.last.deliver(frame);
    server.last.deliver(frame);
    server.last.deliver({ event: 'cursor-move', channel: 'chat:m', data: '{"x":100,"y":200}', id: 'msg_2' });
    server.last.deliver({ event: 'message', channel: 'chat:other', data: '{}', id: 'msg_3' });
    assert.deepEqual(got, [{ id: 'msg_1', text: 'hi', data: { text: 'hi' } }, { cursor: { x: 100, y: 200 } }]);
  });

  it('does not deliver channel events named like the SDK\'s own events', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('chat:spoof');
    server.last.confirmSubscriptions();
    const got: unknown[] = [];
    ch.on('presence', (m) => got.push(m));
    ch.on('error', (m) => got.push(m));
    server.last.deliver({ event: 'presence', channel: 'chat:spoof', data: '[]', id: 'msg_x' });
    server.last.deliver({ event: 'error', channel: 'chat:spoof', data: '{}', id: 'msg_y' });
    assert.deepEqual(got, []);
  });

  it('a subscription error is an unauthorized_channel SwitchboardError', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('private:team-123');
    const errors: SwitchboardError[] = [];
    ch.on('subscription_error', (e) => errors.push(e));
    server.last.deliver({ event: 'pusher:subscription_error', channel: 'private:team-123', data: JSON.stringify({ type: 'AuthError', error: 'unauthorized_channel', status: 401 }) });
    assert.equal(ch.state, 'failed');
    assert.equal(errors[0]!.code, 'unauthorized_channel');
    assert.equal(errors[0]!.status, 401);
  });

  it('off() removes a listener; once() fires once', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('chat:o');
    server.last.confirmSubscriptions();
    let a = 0;
    let b = 0;
    const la = () => a++;
    ch.on('message', la);
    ch.once('message', () => b++);
    server.last.deliver({ event: 'message', channel: 'chat:o', data: '{}', id: '1' });
    ch.off('message', la);
    server.last.deliver({ event: 'message', channel: 'chat:o', data: '{}', id: '2' });
    assert.deepEqual([a, b], [1, 1]);
  });

  it('a client- trigger is a plain Pusher client event (no ack)', async () => {
    const { rt, server } = await connected();
    const ch = rt.subscribe('private-x');
    server.last.confirmSubscriptions();
    assert.equal(await ch.trigger('client-typing', { a: 1 }), null);
    assert.deepEqual(server.last.framesOf('client-typing'), [{ event: 'client-typing', channel: 'private-x', data: { a: 1 } }]);
  });

  it('Pusher auth endpoint: private channels not granted by the token are signed by the app', async () => {
    const auth = fakeFetch((call) => {
      assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(call.headers.authorization, 'Bearer session');
      const form = new URLSearchParams(call.body);
      assert.equal(form.get('socket_id'), '123.456');
      return { body: { auth: 'app-1:sig', channel_data: { user_id: 'alice', user_info: { name: 'Alice' } } } };
    });
    const made = makeRealtime({ token: fakeToken({ sub: 'alice', channels: ['private:granted'] }), authEndpoint: 'http://app.test/auth', fetch: auth.fetch });
    (made.rt as unknown as { setup: { authHeaders: Record<string, string> } }).setup.authHeaders = { Authorization: 'Bearer session' };
    const p = made.rt.start();
    made.server.last.establish();
    await p;
    made.rt.subscribe('private:granted');
    made.rt.subscribe('presence-other');
    await flush();
    const subs = made.server.last.framesOf('pusher:subscribe').map((f) => f.data);
    assert.deepEqual(subs, [
      { channel: 'private:granted' },
      { channel: 'presence-other', auth: 'app-1:sig', channel_data: '{"user_id":"alice","user_info":{"name":"Alice"}}' },
    ]);
    assert.equal(auth.calls.length, 1);
  });

  it('an auth endpoint refusal fails the subscription', async () => {
    const auth = fakeFetch(() => ({ status: 403, body: 'no' }));
    const made = makeRealtime({ authEndpoint: 'http://app.test/auth', fetch: auth.fetch });
    const p = made.rt.start();
    made.server.last.establish();
    await p;
    const ch = made.rt.subscribe('private-nope');
    const errs: string[] = [];
    ch.on('subscription_error', (e) => errs.push(e.code));
    await flush();
    assert.deepEqual(errs, ['unauthorized_channel']);
    assert.equal(made.server.last.framesOf('pusher:subscribe').length, 0);
  });

  it('RecentIds forgets the oldest past its capacity', () => {
    const r = new RecentIds(3);
    for (const id of ['a', 'b', 'c', 'd']) r.add(id);
    assert.equal(r.has('a'), false);
    assert.equal(r.has('d'), true);
    for (let i = 0; i < 100; i++) r.add(`x${i}`);
    assert.equal(r.has('x99'), true);
    assert.equal(r.has('x96'), false);
  });
});
