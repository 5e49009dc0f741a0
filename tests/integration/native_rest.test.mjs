// The native REST API (the seed's broadcast API): POST /v1/realtime/publish
// and /publish/batch with X-App-Id / X-Api-Key, JSON:API documents and errors,
// plan rate limits; delivery checked with pusher-js. Not a soketi feature.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, ON_SOKETI, useServer, makeApp, uniq, httpRequest, connectRaw, rawSubscribe, dataOf,
  pusherClient, pusherConnected, subscribed, nextEvent,
} from './harness.mjs';

const SKIP = SKIP_ALL || (ON_SOKETI && !process.env.SB_TEST_NO_SKIP ? 'soketi has no native REST API' : false);

async function post(srv, path, body, { appId = srv.app.id, apiKey = srv.app.secret, contentType = 'application/json', headers = {} } = {}) {
  const h = { 'content-type': contentType, ...headers };
  if (appId !== null) h['x-app-id'] = appId;
  if (apiKey !== null) h['x-api-key'] = apiKey;
  const res = await httpRequest(`${srv.httpUrl}${path}`, {
    method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  let json;
  try { json = JSON.parse(res.text); } catch { json = undefined; }
  return { ...res, body: json };
}

const broadcast = (channel, event, data) => ({ data: { type: 'broadcast', attributes: { channel, event, data } } });

/** A JSON:API error document with one error of this status and (optionally) code. */
function assertJsonApiError(res, status, code) {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  assert.ok(res.body && Array.isArray(res.body.errors) && res.body.errors.length >= 1, `not a JSON:API error document: ${res.text}`);
  const [err] = res.body.errors;
  assert.equal(err.status, String(status), res.text);
  if (code) assert.equal(err.code, code, res.text);
  assert.equal(typeof err.title, 'string', res.text);
  assert.equal(typeof err.detail, 'string', res.text);
  assert.match(res.headers['content-type'] || '', /json/);
}

describe('native REST publish', { skip: SKIP }, () => {
  const limited = makeApp(2, { plan: 'free', limits: { max_messages_per_second: 5 } });
  const srv = useServer({ apps: [makeApp(1), limited] });

  it('publishes to chat:room-1 and pusher-js receives the event', async () => {
    const client = pusherClient(srv);
    await pusherConnected(client);
    const channel = client.subscribe('chat:room-1');
    await subscribed(channel);
    const got = nextEvent(channel, 'announcement');
    const payload = { title: 'System Maintenance', message: 'Scheduled maintenance in 1 hour', type: 'warning' };
    const res = await post(srv, '/v1/realtime/publish', broadcast('chat:room-1', 'announcement', payload));
    assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
    assert.equal(typeof res.body?.data?.id, 'string', res.text);
    assert.ok(res.body.data.id.startsWith('msg_'), `data.id must start with msg_: ${res.text}`);
    assert.deepEqual((await got).data, payload);
    client.disconnect();
  });

  it('accepts Content-Type application/vnd.api+json', async () => {
    const name = uniq('chat:vnd-');
    const raw = await connectRaw(srv);
    await rawSubscribe(raw, name);
    const res = await post(srv, '/v1/realtime/publish', broadcast(name, 'vnd', { ok: true }), { contentType: 'application/vnd.api+json' });
    assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
    assert.ok(res.body.data.id.startsWith('msg_'));
    assert.deepEqual(dataOf(await raw.next('vnd')), { ok: true });
    await raw.close();
  });

  it('gives every published message its own id', async () => {
    const name = uniq('chat:ids-');
    const ids = new Set();
    for (let i = 0; i < 5; i++) {
      const res = await post(srv, '/v1/realtime/publish', broadcast(name, 'n', { i }));
      assert.ok(res.status >= 200 && res.status < 300, res.text);
      ids.add(res.body.data.id);
    }
    assert.equal(ids.size, 5);
  });

  it('publishes a batch to several channels', async () => {
    const a = uniq('notifications:user_123-');
    const b = uniq('notifications:user_456-');
    const ra = await connectRaw(srv);
    const rb = await connectRaw(srv);
    await rawSubscribe(ra, a);
    await rawSubscribe(rb, b);
    const res = await post(srv, '/v1/realtime/publish/batch', {
      data: {
        type: 'batch_broadcast',
        attributes: {
          messages: [
            { channel: a, event: 'notification', data: { message: 'You have a new message' } },
            { channel: b, event: 'notification', data: { message: 'Your order shipped' } },
          ],
        },
      },
    });
    assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`);
    assert.deepEqual(dataOf(await ra.next('notification')), { message: 'You have a new message' });
    assert.deepEqual(dataOf(await rb.next('notification')), { message: 'Your order shipped' });
    await ra.barrier();
    assert.equal(ra.frames.filter((m) => m.event === 'notification').length, 1);
    await ra.close();
    await rb.close();
  });

  for (const bad of ['has space', 'bad!name', 'n'.repeat(201), '']) {
    it(`answers 400 invalid_channel for ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 5)}…(${bad.length})` : bad)}`, async () => {
      const res = await post(srv, '/v1/realtime/publish', broadcast(bad, 'x', {}));
      assertJsonApiError(res, 400, 'invalid_channel');
    });
  }

  it('answers 400 invalid_channel for a bad channel inside a batch', async () => {
    const res = await post(srv, '/v1/realtime/publish/batch', {
      data: { type: 'batch_broadcast', attributes: { messages: [{ channel: 'ok-channel', event: 'e', data: {} }, { channel: 'bad name', event: 'e', data: {} }] } },
    });
    assertJsonApiError(res, 400, 'invalid_channel');
  });

  it('answers 401 to a wrong X-Api-Key', async () => {
    assertJsonApiError(await post(srv, '/v1/realtime/publish', broadcast('chat:x', 'e', {}), { apiKey: 'sk_wrong' }), 401);
  });

  it('answers 401 to a missing X-Api-Key', async () => {
    assertJsonApiError(await post(srv, '/v1/realtime/publish', broadcast('chat:x', 'e', {}), { apiKey: null }), 401);
  });

  it('answers 401 to the publishable key in X-Api-Key (publishing needs the secret)', async () => {
    assertJsonApiError(await post(srv, '/v1/realtime/publish', broadcast('chat:x', 'e', {}), { apiKey: srv.app.key }), 401);
  });

  it("answers 401 to another app's secret", async () => {
    assertJsonApiError(await post(srv, '/v1/realtime/publish', broadcast('chat:x', 'e', {}), { apiKey: limited.secret }), 401);
  });

  it('answers 404 to an unknown X-App-Id', async () => {
    assertJsonApiError(await post(srv, '/v1/realtime/publish', broadcast('chat:x', 'e', {}), { appId: '987654' }), 404);
  });

  const malformed = {
    'a body that is not JSON': '{"data": {"type": "broadcast", ',
    'a JSON array': '[]',
    'a document without data': { meta: {} },
    'attributes without a channel': { data: { type: 'broadcast', attributes: { event: 'e', data: {} } } },
    'attributes whose channel is not a string': { data: { type: 'broadcast', attributes: { channel: 42, event: 'e', data: {} } } },
    'attributes whose event is not a string': { data: { type: 'broadcast', attributes: { channel: 'chat:x', event: ['e'], data: {} } } },
    'a batch whose messages is not an array': { data: { type: 'batch_broadcast', attributes: { messages: 'nope' } } },
  };
  for (const [what, body] of Object.entries(malformed)) {
    it(`answers 400 to ${what}`, async () => {
      const path = what.includes('batch') ? '/v1/realtime/publish/batch' : '/v1/realtime/publish';
      assertJsonApiError(await post(srv, path, body), 400);
    });
  }

  it('lets an app without a plan publish 120 messages back to back', async () => {
    const name = uniq('chat:unlimited-');
    const statuses = [];
    for (let i = 0; i < 120; i++) {
      statuses.push((await post(srv, '/v1/realtime/publish', broadcast(name, 'n', { i }))).status);
    }
    assert.deepEqual([...new Set(statuses)].filter((s) => s < 200 || s >= 300), [], `non-2xx statuses: ${statuses}`);
  });

  it('answers 429 rate_limit_exceeded above max_messages_per_second for a planned app', async () => {
    const name = uniq('chat:limited-');
    const results = [];
    for (let i = 0; i < 30; i++) {
      results.push(await post(srv, '/v1/realtime/publish', broadcast(name, 'n', { i }), { appId: limited.id, apiKey: limited.secret }));
    }
    const ok = results.filter((r) => r.status >= 200 && r.status < 300);
    const limitedRes = results.filter((r) => r.status === 429);
    assert.ok(ok.length >= 1, 'the first messages must go through');
    assert.ok(limitedRes.length >= 1, `no 429 in ${results.map((r) => r.status)}`);
    assertJsonApiError(limitedRes[0], 429, 'rate_limit_exceeded');
    assert.equal(ok.length + limitedRes.length, results.length, `unexpected statuses: ${results.map((r) => r.status)}`);
  });

  it('answers GET /healthz and GET /readyz with 200', async () => {
    assert.equal((await httpRequest(`${srv.httpUrl}/healthz`)).status, 200);
    assert.equal((await httpRequest(`${srv.httpUrl}/readyz`)).status, 200);
  });
});
