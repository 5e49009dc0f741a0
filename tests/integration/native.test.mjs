// The native extensions of docs/protocol.md, spoken over a raw WebSocket: connection tokens and
// grants, native sends with acks, echo control and idempotency, presence sync/enter/update/leave,
// typing with server expiry, and that a plain Pusher connection sees none of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { SKIP_ALL, useServer, openRaw, appUrl, dataOf, httpRequest, makeApp, delay } from './harness.mjs';

const app = makeApp(1);
const staging = { id: '42', key: 'pk_test_a', secret: 'sk_test_a' };
const live = { id: '42', key: 'pk_live_b', secret: 'sk_live_b' };

async function mintToken(srv, a, attributes) {
  const res = await httpRequest(`http://127.0.0.1:${srv.port}/v1/realtime/tokens`, {
    method: 'POST',
    headers: { 'X-App-Id': a.id, 'X-Api-Key': a.secret, 'Content-Type': 'application/json' },
    body: JSON.stringify({ data: { type: 'tokens', attributes } }),
  });
  return res;
}

async function token(srv, a, attributes) {
  const res = await mintToken(srv, a, attributes);
  assert.equal(res.status, 201, res.text);
  return JSON.parse(res.text).data.attributes.token;
}

function b64url(s) { return Buffer.from(s).toString('base64url'); }
function forge(claims, secret) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function nativeClient(srv, key, tok) {
  const q = `protocol=7&client=switchboard-js&version=1.0.0&extensions=native${tok ? `&token=${tok}` : ''}`;
  const c = openRaw(appUrl(srv, key, q));
  const est = await c.next('pusher:connection_established');
  return { c, est: dataOf(est) };
}

async function subscribe(c, channel, extra = {}) {
  c.send({ event: 'pusher:subscribe', data: { channel, ...extra } });
  return c.next((m) => m.channel === channel &&
    (m.event === 'pusher_internal:subscription_succeeded' || m.event === 'pusher:subscription_error'));
}

describe('native extensions', { skip: SKIP_ALL }, () => {
  const srv = useServer({ apps: [app, staging, live], config: { activity_timeout: 30 } });

  it('mints a token over REST and connects with it, learning its user id', async () => {
    const tok = await token(srv, app, { user_id: 'user_123', user_info: { name: 'Alice' }, channels: ['chat:*'] });
    assert.equal(tok.split('.').length, 3);
    const { est } = await nativeClient(srv, app.key, tok);
    assert.deepEqual(est.extensions, ['native']);
    assert.equal(est.user_id, 'user_123');
  });

  it('refuses token requests without the secret key or with bad fields', async () => {
    let res = await httpRequest(`http://127.0.0.1:${srv.port}/v1/realtime/tokens`, {
      method: 'POST', headers: { 'X-App-Id': app.id, 'X-Api-Key': app.key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { attributes: { user_id: 'u' } } }),
    });
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(res.text).errors[0].code, 'invalid_api_key');
    res = await mintToken(srv, app, { channels: ['x'] });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).errors[0].source.pointer, '/data/attributes/user_id');
    res = await mintToken(srv, app, { user_id: 'u', expires_in: 100000 });
    assert.equal(res.status, 400);
  });

  it('connects with the app id in the path when the token names the app', async () => {
    const tok = await token(srv, staging, { user_id: 'u-stage', channels: ['*'] });
    const { est } = await nativeClient(srv, staging.id, tok);
    assert.equal(est.user_id, 'u-stage');
  });

  it('closes a forged, expired or other-environment token with 4009 invalid_token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      forge({ iss: app.id, sub: 'u', exp: now + 600, channels: ['*'] }, 'not-the-secret'),
      forge({ iss: app.id, sub: 'u', iat: now - 7200, exp: now - 3600, channels: ['*'] }, app.secret),
      await token(srv, staging, { user_id: 'u', channels: ['*'] }),  // staging token on the live key
    ];
    const keys = [app.key, app.key, live.key];
    for (let i = 0; i < cases.length; i++) {
      const c = openRaw(appUrl(srv, keys[i], `protocol=7&extensions=native&token=${cases[i]}`));
      const err = await c.next('pusher:error');
      assert.equal(dataOf(err).code, 4009);
      assert.equal(dataOf(err).error, 'invalid_token');
      assert.equal((await c.waitClosed()).code, 4009);
    }
  });

  it('lets a token subscribe only where its grants reach, private and presence included', async () => {
    const tok = await token(srv, app, { user_id: 'g1', user_info: { name: 'G' }, channels: ['chat:*', 'private-team', 'presence:room-*'] });
    const { c } = await nativeClient(srv, app.key, tok);
    assert.equal((await subscribe(c, 'chat:room-1')).event, 'pusher_internal:subscription_succeeded');
    assert.equal((await subscribe(c, 'private-team')).event, 'pusher_internal:subscription_succeeded');
    const presence = await subscribe(c, 'presence:room-1');
    assert.equal(presence.event, 'pusher_internal:subscription_succeeded');
    assert.deepEqual(dataOf(presence).presence.hash.g1, { name: 'G' });
    const refused = await subscribe(c, 'news');
    assert.equal(refused.event, 'pusher:subscription_error');
    assert.equal(dataOf(refused).error, 'unauthorized_channel');
    assert.equal(dataOf(refused).status, 401);
    assert.equal((await subscribe(c, 'private-other')).event, 'pusher:subscription_error');
  });

  it('keeps staging and production apart on the same app id', async () => {
    const a = await nativeClient(srv, staging.key, await token(srv, staging, { user_id: 's', channels: ['*'] }));
    const b = await nativeClient(srv, live.key, await token(srv, live, { user_id: 'l', channels: ['*'] }));
    await subscribe(a.c, 'chat:shared');
    await subscribe(b.c, 'chat:shared');
    a.c.send({ event: 'message', channel: 'chat:shared', data: { env: 'staging' }, ack: 'a1' });
    await a.c.next('switchboard:ack');
    await a.c.next((m) => m.event === 'message');
    await b.c.barrier();
    assert.equal(b.c.pending((m) => m.event === 'message').length, 0);
  });

  it('delivers native sends to every subscriber, the sender included, with metadata and an ack', async () => {
    const t1 = await token(srv, app, { user_id: 'alice', channels: ['chat:*'] });
    const t2 = await token(srv, app, { user_id: 'bob', channels: ['chat:*'] });
    const a = await nativeClient(srv, app.key, t1);
    const b = await nativeClient(srv, app.key, t2);
    const plain = openRaw(appUrl(srv));
    await plain.next('pusher:connection_established');
    await subscribe(a.c, 'chat:meta');
    await subscribe(b.c, 'chat:meta');
    await subscribe(plain, 'chat:meta');
    a.c.send({ event: 'message', channel: 'chat:meta', data: { text: 'hi' }, ack: 'c-1' });
    const ack = await a.c.next('switchboard:ack');
    assert.equal(ack.data.ack, 'c-1');
    assert.match(ack.data.id, /^msg_[0-9A-Z]{26}$/);
    const own = await a.c.next('message');
    const other = await b.c.next('message');
    for (const m of [own, other]) {
      assert.deepEqual(JSON.parse(m.data), { text: 'hi' });
      assert.equal(m.id, ack.data.id);
      assert.equal(m.user_id, 'alice');
      assert.ok(m.created_at.endsWith('Z'));
      assert.equal(m.offset, ack.data.offset);
    }
    const seenByPusher = await plain.next('message');
    assert.deepEqual(JSON.parse(seenByPusher.data), { text: 'hi' });
    assert.equal(seenByPusher.id, undefined, 'a Pusher connection gets the plain frame');
  });

  it('does not echo a send with echo:false, and de-duplicates idempotency keys', async () => {
    const a = await nativeClient(srv, app.key, await token(srv, app, { user_id: 'x', channels: ['chat:*'] }));
    const b = await nativeClient(srv, app.key, await token(srv, app, { user_id: 'y', channels: ['chat:*'] }));
    await subscribe(a.c, 'chat:idem');
    await subscribe(b.c, 'chat:idem');
    a.c.send({ event: 'cursor-move', channel: 'chat:idem', data: { x: 1 }, echo: false, ack: 'e1' });
    await a.c.next('switchboard:ack');
    await b.c.next('cursor-move');
    await a.c.barrier();
    assert.equal(a.c.pending('cursor-move').length, 0);

    a.c.send({ event: 'message', channel: 'chat:idem', data: { n: 1 }, ack: 'i1', idempotency_key: 'k-1' });
    const first = await a.c.next((m) => m.event === 'switchboard:ack' && m.data.ack === 'i1');
    a.c.send({ event: 'message', channel: 'chat:idem', data: { n: 1 }, ack: 'i2', idempotency_key: 'k-1' });
    const second = await a.c.next((m) => m.event === 'switchboard:ack' && m.data.ack === 'i2');
    assert.equal(second.data.id, first.data.id);
    await b.c.next('message');
    await b.c.barrier();
    assert.equal(b.c.pending('message').length, 0, 'the retry was not delivered again');
  });

  it('nacks sends it refuses', async () => {
    const a = await nativeClient(srv, app.key, await token(srv, app, { user_id: 'n', channels: ['chat:*'] }));
    a.c.send({ event: 'message', channel: 'chat:not-joined', data: {}, ack: 'n1' });
    let nack = await a.c.next('switchboard:nack');
    assert.equal(nack.data.code, 'unauthorized_channel');
    await subscribe(a.c, 'chat:n');
    a.c.send({ event: 'typing:start', channel: 'chat:n', data: {}, ack: 'n2' });
    nack = await a.c.next('switchboard:nack');
    assert.equal(nack.data.code, 'invalid_request');
    a.c.send({ event: 'message', channel: 'chat:n', data: 'x'.repeat(20000), ack: 'n3' });
    nack = await a.c.next('switchboard:nack');
    assert.equal(nack.data.code, 'payload_too_large');
    assert.equal(nack.data.status, 413);
  });

  it('refuses native sends from a plain Pusher connection', async () => {
    const plain = openRaw(appUrl(srv));
    await plain.next('pusher:connection_established');
    await subscribe(plain, 'chat:plain');
    plain.send({ event: 'message', channel: 'chat:plain', data: {} });
    const err = await plain.next('pusher:error');
    assert.equal(dataOf(err).code, 4300);
  });

  it('syncs presence and announces join, update, leave and enter to native members only once per user', async () => {
    const ta = await token(srv, app, { user_id: 'pa', user_info: { name: 'A' }, channels: ['presence:*'] });
    const tb = await token(srv, app, { user_id: 'pb', user_info: { name: 'B' }, channels: ['presence:*'] });
    const a = await nativeClient(srv, app.key, ta);
    await subscribe(a.c, 'presence:lobby');
    const sync = dataOf(await a.c.next('presence:sync'));
    assert.deepEqual(sync.members, [{ user_id: 'pa', data: { name: 'A' } }]);
    const b1 = await nativeClient(srv, app.key, tb);
    const b2 = await nativeClient(srv, app.key, tb);
    await subscribe(b1.c, 'presence:lobby');
    const join = dataOf(await a.c.next('presence:join'));
    assert.deepEqual(join, { user_id: 'pb', data: { name: 'B' } });
    await subscribe(b2.c, 'presence:lobby');
    await a.c.barrier();
    assert.equal(a.c.pending('presence:join').length, 0, 'a second tab is not a new member');

    b1.c.send({ event: 'switchboard:presence', channel: 'presence:lobby', data: { action: 'update', data: { name: 'B', status: 'busy' } } });
    const update = dataOf(await a.c.next('presence:update'));
    assert.equal(update.data.status, 'busy');

    b1.c.send({ event: 'switchboard:presence', channel: 'presence:lobby', data: { action: 'leave' } });
    await a.c.barrier();
    assert.equal(a.c.pending('presence:leave').length, 0, 'the other tab still counts');
    b2.c.send({ event: 'switchboard:presence', channel: 'presence:lobby', data: { action: 'leave' } });
    const leave = dataOf(await a.c.next('presence:leave'));
    assert.equal(leave.user_id, 'pb');
    b2.c.send({ event: 'switchboard:presence', channel: 'presence:lobby', data: { action: 'enter', data: { name: 'B2' } } });
    const back = dataOf(await a.c.next('presence:join'));
    assert.deepEqual(back.data, { name: 'B2' });
    // Closing a connection that had left presence must not remove the member the other tab is.
    await b1.c.close();
    await a.c.barrier();
    assert.equal(a.c.pending('presence:leave').length, 0);
    await b2.c.close();
    assert.equal(dataOf(await a.c.next('presence:leave')).user_id, 'pb');
  });

  it('sends typing to others and stops it when the sender goes quiet or leaves', async () => {
    const a = await nativeClient(srv, app.key, await token(srv, app, { user_id: 'ta', channels: ['chat:*'] }));
    const b = await nativeClient(srv, app.key, await token(srv, app, { user_id: 'tb', channels: ['chat:*'] }));
    const plain = openRaw(appUrl(srv));
    await plain.next('pusher:connection_established');
    await subscribe(a.c, 'chat:typing');
    await subscribe(b.c, 'chat:typing');
    await subscribe(plain, 'chat:typing');
    a.c.send({ event: 'switchboard:typing', channel: 'chat:typing', data: { typing: true, user_name: 'Alice' } });
    const start = await b.c.next('typing:start');
    assert.deepEqual(JSON.parse(start.data), { user_id: 'ta', user_name: 'Alice' });
    a.c.send({ event: 'switchboard:typing', channel: 'chat:typing', data: { typing: false } });
    await b.c.next('typing:stop');
    // No renewal: the server ends it by itself (6 s).
    a.c.send({ event: 'switchboard:typing', channel: 'chat:typing', data: { typing: true, user_name: 'Alice' } });
    await b.c.next('typing:start');
    const expired = await b.c.next('typing:stop', 9000);
    assert.equal(JSON.parse(expired.data).user_id, 'ta');
    // Dropping the connection ends it too.
    a.c.send({ event: 'switchboard:typing', channel: 'chat:typing', data: { typing: true, user_name: 'Alice' } });
    await b.c.next('typing:start');
    a.c.ws.terminate();
    await b.c.next('typing:stop', 3000);
    await a.c.barrier().catch(() => {});
    assert.equal(a.c.pending('typing:start').length, 0, 'the sender never sees its own typing');
    await plain.barrier();
    assert.equal(plain.pending((m) => m.event?.startsWith('typing:')).length, 0, 'Pusher clients never see typing');
  });

  it('answers CORS preflights for the native API', async () => {
    const res = await httpRequest(`http://127.0.0.1:${srv.port}/v1/realtime/tokens`, { method: 'OPTIONS' });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(res.headers['access-control-allow-headers'], /Authorization/);
  });
});
