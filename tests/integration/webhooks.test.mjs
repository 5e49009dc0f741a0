// Webhooks (docs/webhooks.md): a real HTTP receiver on loopback gets native deliveries, checked
// with the `standardwebhooks` package, and Pusher-format deliveries, checked with the `pusher`
// server SDK's webhook verification; retries, timeouts, the delivery log, redelivery, deletion,
// validation errors, declared webhooks, and no loss across a kill -9. Not a soketi feature.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import {
  SKIP_ALL, ON_SOKETI, HOST, useServer, startServer, makeApp, uniq, httpRequest, connectRaw, rawSubscribe,
  rawPresenceSubscribe, channelAuth, serverSdk, delay, withTimeout,
} from './harness.mjs';

const SKIP = SKIP_ALL || (ON_SOKETI && !process.env.SB_TEST_NO_SKIP ? 'soketi has no native webhook API' : false);

// Short schedules so that retries happen within a test.
const FAST = {
  retry_schedule: [0.3, 0.3, 0.3], retry_for: 10, pusher_retry_schedule: [0.3], pusher_retry_for: 5,
  jitter: 0, timeout: 1, poll_interval: 0.2,
};

// ---------------------------------------------------------------------------
// A receiver: records every request (raw body, lowercased headers) and answers through
// `answer(n, req)` for the n-th request (0-based): a status, or 'hang' to never answer.
// ---------------------------------------------------------------------------

async function startReceiver(answer = () => 200) {
  const requests = [];
  const waiters = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const n = requests.length;
      requests.push(entry);
      const status = answer(n, entry);
      if (status !== 'hang') entry.status = status;
      for (const w of [...waiters]) w();
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'not ok');
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, HOST, r));
  const port = server.address().port;
  return {
    url: `http://${HOST}:${port}/hooks`,
    port,
    requests,
    /** Resolves once `pred(requests)` holds. */
    until(pred, what, timeoutMs = 15_000) {
      return withTimeout(new Promise((resolve) => {
        const check = () => {
          if (pred(requests)) {
            const i = waiters.indexOf(check);
            if (i >= 0) waiters.splice(i, 1);
            resolve(requests);
          }
        };
        waiters.push(check);
        check();
      }), timeoutMs, what);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------
// The webhook API
// ---------------------------------------------------------------------------

async function api(srv, method, reqPath, body, { apiKey = srv.app.secret, app = srv.app, contentType = 'application/vnd.api+json' } = {}) {
  const headers = { 'x-app-id': app.id, 'x-api-key': apiKey };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await httpRequest(`${srv.httpUrl}${reqPath}`, {
    method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  let json;
  try { json = res.text ? JSON.parse(res.text) : undefined; } catch { json = undefined; }
  return { ...res, body: json };
}

const hookDoc = (attributes) => ({ data: { type: 'webhooks', attributes } });

async function createHook(srv, attributes, app = srv.app) {
  const res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc(attributes), { app, apiKey: app.secret });
  assert.equal(res.status, 201, res.text);
  return res.body.data;
}

async function deliveries(srv, hookId, query = '') {
  const res = await api(srv, 'GET', `/v1/realtime/webhooks/${hookId}/deliveries${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** Polls the delivery log until `pred(data)` holds. */
async function logUntil(srv, hookId, pred, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await deliveries(srv, hookId, '?limit=100');
    if (pred(log.data)) return log.data;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log: ${JSON.stringify(log.data).slice(0, 1500)}`);
    await delay(100);
  }
}

async function publish(srv, channel, event, data) {
  const res = await api(srv, 'POST', '/v1/realtime/publish', { data: { type: 'broadcast', attributes: { channel, event, data } } },
    { contentType: 'application/json' });
  assert.equal(res.status, 200, res.text);
  return res.body.data.id;
}

function assertJsonApiError(res, status, code, pointer) {
  assert.equal(res.status, status, res.text);
  assert.ok(Array.isArray(res.body?.errors) && res.body.errors.length > 0, `not a JSON:API error document: ${res.text}`);
  const hit = res.body.errors.find((e) => (!code || e.code === code) && (!pointer || e.source?.pointer === pointer));
  assert.ok(hit, `no error ${code} at ${pointer} in ${res.text}`);
  assert.equal(hit.status, String(status));
  assert.equal(typeof hit.title, 'string');
  assert.equal(typeof hit.detail, 'string');
}

const receivers = [];
async function receiver(answer) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}
after(async () => { await Promise.allSettled(receivers.map((r) => r.close())); });

// ---------------------------------------------------------------------------

describe('webhooks', { skip: SKIP }, () => {
  const srv = useServer({ apps: [makeApp(1)], config: { webhooks: FAST } });

  it('delivers message.sent and presence.join signed per Standard Webhooks', async () => {
    const rec = await receiver();
    const hook = await createHook(srv, { url: rec.url, events: ['message.sent', 'presence.join'] });
    assert.match(hook.id, /^wh_/);
    assert.match(hook.attributes.secret, /^whsec_/, 'a secret is generated when absent');
    assert.equal(hook.attributes.format, 'native');
    assert.equal(hook.attributes.active, true);
    const wh = new Webhook(hook.attributes.secret);

    const channel = uniq('chat:room-');
    const messageId = await publish(srv, channel, 'message', { text: 'Hello, world!' });
    const [first] = await rec.until((r) => r.length >= 1, 'the message.sent delivery');
    const payload = wh.verify(first.body, first.headers);
    assert.equal(payload.type, 'message.sent');
    assert.match(payload.id, /^evt_/);
    assert.equal(first.headers['webhook-id'], payload.id);
    assert.match(payload.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(payload.data.channel_id, channel);
    assert.equal(payload.data.message.id, messageId);
    assert.equal(payload.data.message.text, 'Hello, world!');
    assert.equal(first.headers['content-type'], 'application/json');
    assert.throws(() => wh.verify(first.body.replace('Hello', 'Jello'), first.headers), 'a changed body fails verification');

    // The Pusher HTTP API's publishes are messages too.
    await serverSdk(srv).trigger(uniq('sdk-room-'), 'from-sdk', { n: 2 });
    const [, second] = await rec.until((r) => r.length >= 2, 'the SDK publish delivery');
    const viaSdk = wh.verify(second.body, second.headers);
    assert.equal(viaSdk.type, 'message.sent');
    assert.equal(viaSdk.data.message.event, 'from-sdk');

    const raw = await connectRaw(srv);
    const room = uniq('presence-lobby-');
    const joined = await rawPresenceSubscribe(raw, srv.app, room, 'alice', { name: 'Alice' });
    assert.equal(joined.event, 'pusher_internal:subscription_succeeded');
    const [, , third] = await rec.until((r) => r.length >= 3, 'the presence.join delivery');
    const join = wh.verify(third.body, third.headers);
    assert.equal(join.type, 'presence.join');
    assert.equal(join.data.channel_id, room);
    assert.equal(join.data.user_id, 'alice');
    assert.deepEqual(join.data.user_info, { name: 'Alice' });
    await raw.close();

    const log = await logUntil(srv, hook.id, (d) => d.length === 3 && d.every((x) => x.attributes.status === 'succeeded'),
      'three succeeded deliveries');
    assert.equal(log[0].type, 'webhook_deliveries');
    assert.equal(log[2].attributes.event_id, payload.id, 'newest first');
    assert.equal(log[2].attributes.attempts[0].status_code, 200);
    assert.equal(typeof log[2].attributes.attempts[0].latency_ms, 'number');
  });

  it('delivers Pusher-format batches that the pusher SDK verifies', async () => {
    const rec = await receiver();
    await createHook(srv, {
      url: rec.url, format: 'pusher',
      events: ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'cache_miss'],
    });
    const sdk = serverSdk(srv);
    const room = uniq('presence-room-');
    const raw = await connectRaw(srv);
    await rawPresenceSubscribe(raw, srv.app, room, 'bob', {});
    raw.send({ event: 'client-typing', channel: room, data: { on: true } });
    const cached = uniq('cache-news-');
    const miss = await rawSubscribe(raw, cached);
    assert.equal(miss.event, 'pusher_internal:subscription_succeeded');
    await raw.barrier();
    raw.send({ event: 'pusher:unsubscribe', data: { channel: room } });
    await raw.barrier();

    const names = () => rec.requests.flatMap((r) => JSON.parse(r.body).events.map((e) => `${e.name}:${e.channel}`));
    await rec.until(() => names().filter((n) => n.endsWith(room)).length >= 5 && names().some((n) => n.startsWith('cache_miss')),
      'five events of the room and a cache miss');
    for (const r of rec.requests) {
      const webhook = sdk.webhook({ headers: r.headers, rawBody: r.body });
      assert.ok(webhook.isValid(), `the pusher SDK rejects ${JSON.stringify(r.headers)} ${r.body}`);
      assert.equal(typeof webhook.getTime().getTime(), 'number');
      assert.ok(webhook.getEvents().length >= 1);
    }
    const forged = rec.requests[0];
    assert.ok(!sdk.webhook({ headers: forged.headers, rawBody: forged.body.replace('"', ' "') }).isValid());
    const roomEvents = names().filter((n) => n.endsWith(room)).map((n) => n.split(':')[0]);
    assert.deepEqual(roomEvents, ['channel_occupied', 'member_added', 'client_event', 'member_removed', 'channel_vacated'],
      'one channel keeps its order');
    const client = rec.requests.flatMap((r) => JSON.parse(r.body).events).find((e) => e.name === 'client_event');
    assert.equal(client.event, 'client-typing');
    assert.deepEqual(JSON.parse(client.data), { on: true });
    assert.equal(client.socket_id, raw.socketId);
    assert.equal(client.user_id, 'bob');
    await raw.close();
  });

  it('retries a receiver that fails twice and records one success after two failures', async () => {
    const rec = await receiver((n) => (n < 2 ? 500 : 200));
    const hook = await createHook(srv, { url: rec.url, events: ['message.sent'] });
    await publish(srv, uniq('chat:retry-'), 'message', { text: 'again' });
    await rec.until((r) => r.length >= 3, 'three attempts');
    await delay(800);
    assert.equal(rec.requests.length, 3, 'nothing after the success');
    assert.equal(new Set(rec.requests.map((r) => r.headers['webhook-id'])).size, 1, 'one event id for every attempt');
    assert.equal(rec.requests.filter((r) => r.status < 300).length, 1, 'exactly one successful delivery');
    const [d] = await logUntil(srv, hook.id, (x) => x.length === 1 && x[0].attributes.status === 'succeeded', 'the success');
    assert.equal(d.attributes.attempt_count, 3);
    assert.deepEqual(d.attributes.attempts.map((a) => a.status_code), [500, 500, 200]);
    assert.equal(d.attributes.attempts[0].error, 'HTTP 500');
    assert.equal(d.attributes.last_status_code, 200);
    assert.equal(d.attributes.next_attempt_at, null);
  });

  it('times out a receiver that hangs and tries again', async () => {
    const rec = await receiver((n) => (n === 0 ? 'hang' : 204));
    const hook = await createHook(srv, { url: rec.url, events: ['message.sent'] });
    await publish(srv, uniq('chat:hang-'), 'message', { text: 'slow' });
    const [d] = await logUntil(srv, hook.id, (x) => x.length === 1 && x[0].attributes.status === 'succeeded', 'the retry after the timeout');
    assert.equal(d.attributes.attempt_count, 2);
    const [timedOut, ok] = d.attributes.attempts;
    assert.equal(timedOut.status_code, null);
    assert.match(timedOut.error, /timed out after 1000 ms/);
    assert.ok(timedOut.latency_ms >= 900 && timedOut.latency_ms < 5000, `latency ${timedOut.latency_ms}`);
    assert.equal(ok.status_code, 204);
  });

  it('redelivers a delivery on request, with the same event id', async () => {
    const rec = await receiver();
    const hook = await createHook(srv, { url: rec.url, events: ['message.sent'] });
    await publish(srv, uniq('chat:redo-'), 'message', { text: 'once more' });
    const [d] = await logUntil(srv, hook.id, (x) => x.length === 1 && x[0].attributes.status === 'succeeded', 'the first delivery');
    const res = await api(srv, 'POST', `/v1/realtime/webhooks/${hook.id}/deliveries/${d.id}/redeliver`);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.data.attributes.redelivery_of, d.id);
    assert.notEqual(res.body.data.id, d.id);
    await rec.until((r) => r.length >= 2, 'the redelivery');
    assert.equal(rec.requests[1].headers['webhook-id'], rec.requests[0].headers['webhook-id']);
    const missing = await api(srv, 'POST', `/v1/realtime/webhooks/${hook.id}/deliveries/dlv_nope/redeliver`);
    assertJsonApiError(missing, 404, 'not_found');
  });

  it('stops delivering once a webhook is deleted, retries included', async () => {
    const rec = await receiver(() => 503);
    const hook = await createHook(srv, { url: rec.url, events: ['message.sent'] });
    const channel = uniq('chat:gone-');
    await publish(srv, channel, 'message', { n: 1 });
    await rec.until((r) => r.length >= 1, 'the first attempt');
    const del = await api(srv, 'DELETE', `/v1/realtime/webhooks/${hook.id}`);
    assert.equal(del.status, 204, del.text);
    const seen = rec.requests.length;
    await publish(srv, channel, 'message', { n: 2 });
    await delay(1500);  // several retry periods
    assert.equal(rec.requests.length, seen, 'no retry and no new event after the delete');
    assertJsonApiError(await api(srv, 'GET', `/v1/realtime/webhooks/${hook.id}`), 404, 'not_found');
    assertJsonApiError(await api(srv, 'GET', `/v1/realtime/webhooks/${hook.id}/deliveries`), 404, 'not_found');
  });

  it('filters by channel pattern and switches a webhook off and on', async () => {
    const rec = await receiver();
    const hook = await createHook(srv, { url: rec.url, events: ['message.sent'], channels: ['orders:*'] });
    assert.deepEqual(hook.attributes.channels, ['orders:*']);
    await publish(srv, uniq('chat:other-'), 'message', { skip: true });
    await publish(srv, uniq('orders:eu-'), 'message', { keep: true });
    await rec.until((r) => r.length >= 1, 'the matching event');
    await delay(500);
    assert.equal(rec.requests.length, 1);
    assert.equal(JSON.parse(rec.requests[0].body).data.message.data.keep, true);

    const off = await api(srv, 'PATCH', `/v1/realtime/webhooks/${hook.id}`, hookDoc({ active: false }));
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.data.attributes.active, false);
    await publish(srv, uniq('orders:off-'), 'message', { off: true });
    await delay(500);
    assert.equal(rec.requests.length, 1, 'an inactive webhook gets nothing');
    const on = await api(srv, 'PATCH', `/v1/realtime/webhooks/${hook.id}`, { data: { type: 'webhooks', id: hook.id, attributes: { active: true } } });
    assert.equal(on.status, 200, on.text);
    await publish(srv, uniq('orders:on-'), 'message', { on: true });
    await rec.until((r) => r.length >= 2, 'delivery after switching it on');

    const list = await api(srv, 'GET', '/v1/realtime/webhooks');
    assert.equal(list.status, 200);
    assert.ok(list.body.data.some((w) => w.id === hook.id));
    const one = await api(srv, 'GET', `/v1/realtime/webhooks/${hook.id}`);
    assert.equal(one.body.data.attributes.url, rec.url);
    assert.equal(typeof one.body.data.meta.backlog, 'number');
  });

  it('answers validation errors as JSON:API documents', async () => {
    let res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc({
      url: 'ftp://example.com/x', events: ['message.sent', 'message.created'], secret: 'hunter2', active: 'yes',
    }));
    assertJsonApiError(res, 400, 'invalid_request', '/data/attributes/url');
    assertJsonApiError(res, 400, 'invalid_request', '/data/attributes/secret');
    assertJsonApiError(res, 400, 'invalid_request', '/data/attributes/active');
    res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc({ url: 'https://example.com/h', events: ['message.created'] }));
    assertJsonApiError(res, 400, 'invalid_request', '/data/attributes/events/0');
    res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc({ events: ['message.sent'] }));
    assertJsonApiError(res, 400, 'invalid_request', '/data/attributes/url');
    res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc({ url: 'https://example.com/h', format: 'pusher', events: ['message.sent'] }));
    assertJsonApiError(res, 400, 'invalid_request', '/data/attributes/events/0');
    res = await api(srv, 'POST', '/v1/realtime/webhooks', { data: { type: 'broadcast', attributes: {} } });
    assertJsonApiError(res, 400, 'invalid_request', '/data/type');
    res = await api(srv, 'POST', '/v1/realtime/webhooks', 'not json');
    assertJsonApiError(res, 400, 'invalid_request');
    res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc({ url: 'https://example.com/h' }), { contentType: 'text/plain' });
    assertJsonApiError(res, 415, 'unsupported_media_type');
    res = await api(srv, 'GET', '/v1/realtime/webhooks', undefined, { apiKey: srv.app.key });
    assertJsonApiError(res, 401, 'invalid_api_key');
    res = await api(srv, 'GET', '/v1/realtime/webhooks/wh_missing');
    assertJsonApiError(res, 404, 'not_found');
    res = await api(srv, 'PUT', '/v1/realtime/webhooks/wh_missing', hookDoc({}));
    assertJsonApiError(res, 405, 'method_not_allowed');
    res = await api(srv, 'GET', `/v1/realtime/webhooks/${(await createHook(srv, { url: 'http://127.0.0.1:9/x' })).id}/deliveries?limit=0`);
    assertJsonApiError(res, 400, 'invalid_request');
    assert.equal(res.body.errors[0].source.parameter, 'limit');
  });
});

describe('webhooks declared in the config, and the operator allow-list', { skip: SKIP }, () => {
  let rec;
  const srv = useServer(async () => {
    rec = await receiver();
    return {
      apps: [makeApp(2, { webhooks: [{ name: 'audit', url: rec.url, events: ['channel.subscribed'] }] })],
      config: { webhooks: { ...FAST, allowed_hosts: ['127.0.0.1'] } },
    };
  });

  it('delivers to a declared webhook that the API may read but not change', async () => {
    const raw = await connectRaw(srv);
    const channel = uniq('chat:watched-');
    await rawSubscribe(raw, channel);
    await rec.until((r) => r.some((x) => JSON.parse(x.body).data.channel_id === channel), 'channel.subscribed');
    const list = await api(srv, 'GET', '/v1/realtime/webhooks');
    const declared = list.body.data.find((w) => w.attributes.source === 'config');
    assert.ok(declared, list.text);
    const body = JSON.parse(rec.requests.find((x) => JSON.parse(x.body).data.channel_id === channel).body);
    assert.equal(body.type, 'channel.subscribed');
    assert.equal(body.data.socket_id, raw.socketId);
    new Webhook(declared.attributes.secret).verify(
      rec.requests[rec.requests.length - 1].body, rec.requests[rec.requests.length - 1].headers);
    assertJsonApiError(await api(srv, 'PATCH', `/v1/realtime/webhooks/${declared.id}`, hookDoc({ active: false })), 409, 'conflict');
    assertJsonApiError(await api(srv, 'DELETE', `/v1/realtime/webhooks/${declared.id}`), 409, 'conflict');
    await raw.close();
  });

  it('refuses URLs outside allowed_hosts', async () => {
    const res = await api(srv, 'POST', '/v1/realtime/webhooks', hookDoc({ url: 'http://localhost:9/h', events: ['message.sent'] }));
    assertJsonApiError(res, 400, 'url_not_allowed', '/data/attributes/url');
  });
});

describe('webhooks across a kill -9', { skip: SKIP }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-webhooks-kill-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('loses no event that was in the outbox, in flight or waiting', async () => {
    let live = false;
    const rec = await receiver(() => (live ? 200 : 'hang'));
    // Long retries: nothing may reach "failed" while the receiver is down.
    const config = { webhooks: { timeout: 30, retry_schedule: [60], retry_for: 3600, max_in_flight: 4, poll_interval: 0.2 } };
    const app = makeApp(3);
    const first = await startServer({ apps: [app], config, dataDir });
    let second;
    try {
      const hook = await createHook(first, { url: rec.url, events: ['message.sent'] }, app);
      const ids = new Set();
      for (let i = 0; i < 20; i++) ids.add(await publish(first, `chat:kill-${i % 10}`, 'message', { i }));
      // Every event is in the outbox (4 in flight at the hanging receiver, the rest waiting).
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await api(first, 'GET', `/v1/realtime/webhooks/${hook.id}`);
        if (res.body.data.meta.backlog === 20) break;
        assert.ok(Date.now() < deadline, `backlog stuck at ${res.body.data.meta.backlog}`);
        await delay(100);
      }
      await rec.until((r) => r.length >= 4, 'the first requests in flight');
      const info = await first.stop('SIGKILL');
      assert.equal(info.signal, 'SIGKILL');

      live = true;
      second = await startServer({ apps: [app], config, dataDir });
      const delivered = () => new Set(rec.requests.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).data.message.id));
      await rec.until(() => delivered().size >= 20, 'all 20 events after the restart', 30_000);
      assert.deepEqual([...delivered()].sort(), [...ids].sort());
      const log = await logUntil(second, hook.id, (d) => d.length === 20 && d.every((x) => x.attributes.status === 'succeeded'),
        'twenty succeeded deliveries');
      const interrupted = log.filter((d) => d.attributes.attempts.some((a) => /interrupted/.test(a.error || '')));
      assert.equal(interrupted.length, 4, 'the four in flight at the kill are recorded as interrupted and sent again');
    } finally {
      if (first.exitInfo === null) await first.stop('SIGKILL');
      if (second) await second.stop();
    }
  });
});
