// Durable history against the real server: pagination walks, search, import, read receipts with
// two users, retention, recovery after a forced disconnect, and a kill -9 that loses nothing the
// server acknowledged.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SKIP_ALL, useServer, startServer, openRaw, appUrl, dataOf, httpRequest, makeApp, PusherServer, delay } from './harness.mjs';

const app = makeApp(7);
const base = (srv) => `http://127.0.0.1:${srv.port}/v1/realtime`;
const secretHeaders = (a = app) => ({ 'X-App-Id': a.id, 'X-Api-Key': a.secret, 'Content-Type': 'application/json' });

async function publish(srv, channel, data, extra = {}) {
  const res = await httpRequest(`${base(srv)}/publish`, {
    method: 'POST', headers: secretHeaders(),
    body: JSON.stringify({ data: { type: 'broadcast', attributes: { channel, event: 'message', data, ...extra } } }),
  });
  assert.equal(res.status, 200, res.text);
  return res.json().data;
}

async function getJson(url, headers = secretHeaders()) {
  const res = await httpRequest(url, { headers });
  return { status: res.status, body: res.text ? res.json() : null };
}

async function token(srv, user, channels) {
  const res = await httpRequest(`${base(srv)}/tokens`, {
    method: 'POST', headers: secretHeaders(),
    body: JSON.stringify({ data: { attributes: { user_id: user, channels } } }),
  });
  assert.equal(res.status, 201, res.text);
  return res.json().data.attributes.token;
}

describe('message history', { skip: SKIP_ALL }, () => {
  const srv = useServer({ apps: [app] });

  it('walks thousands of messages forwards and backwards with no gap or duplicate', async () => {
    const channel = 'chat:walk';
    const pusher = new PusherServer({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1', port: String(srv.port), useTLS: false });
    const total = 1500;
    for (let i = 0; i < total; i += 10) {
      await pusher.triggerBatch(Array.from({ length: 10 }, (_, k) => ({ channel, name: 'message', data: { n: i + k } })));
    }
    const url = `${base(srv)}/channels/${encodeURIComponent(channel)}/messages`;
    // Backwards (the default: newest first).
    const seen = [];
    let before = null;
    for (;;) {
      const { status, body } = await getJson(`${url}?limit=100${before ? `&before=${before}` : ''}`);
      assert.equal(status, 200);
      for (const m of body.data) seen.push(m.attributes.data.n);
      if (body.data.length) assert.equal(body.meta.oldest_id, body.data[body.data.length - 1].id);
      if (!body.meta.has_more) break;
      before = body.meta.oldest_id;
    }
    assert.deepEqual(seen, Array.from({ length: total }, (_, i) => total - 1 - i));
    // Forwards.
    const forwards = [];
    let afterId = null;
    for (;;) {
      const { body } = await getJson(`${url}?limit=100&order=asc${afterId ? `&after=${afterId}` : ''}`);
      for (const m of body.data) forwards.push(m.attributes.data.n);
      if (!body.meta.has_more) break;
      afterId = body.meta.newest_id;
    }
    assert.deepEqual(forwards, Array.from({ length: total }, (_, i) => i));
    const first = await getJson(`${url}?limit=1&order=asc`);
    assert.equal(first.body.data[0].attributes.offset, 1);
    assert.equal(first.body.data[0].attributes.event, 'message');
    assert.equal(first.body.data[0].attributes.channel_id, channel);
  });

  it('answers bad parameters with JSON:API errors', async () => {
    const url = `${base(srv)}/channels/chat%3Aparams/messages`;
    for (const [q, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=x', 'limit'], ['order=up', 'order'],
      ['before=nope', 'before'], ['after=msg_123', 'after']]) {
      const { status, body } = await getJson(`${url}?${q}`);
      assert.equal(status, 400, q);
      assert.equal(body.errors[0].code, 'invalid_request');
      assert.equal(body.errors[0].source.parameter, param);
    }
    const bad = await getJson(`${base(srv)}/channels/bad%20name/messages`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].code, 'invalid_channel');
    const none = await getJson(`${base(srv)}/channels/news/messages`);
    assert.equal(none.status, 404, 'a Pusher-style name keeps no history by default');
    assert.equal(none.body.errors[0].code, 'channel_not_found');
  });

  it('finds messages by words, best match first', async () => {
    await publish(srv, 'chat:search', { text: 'the meeting moved to friday' });
    await publish(srv, 'chat:search', { text: 'lunch anyone' });
    await publish(srv, 'chat:search', { text: 'meeting notes from the planning meeting' });
    await publish(srv, 'chat:other', { text: 'unrelated meeting' });
    const { status, body } = await getJson(`${base(srv)}/messages/search?channel_id=chat%3Asearch&query=meeting&limit=20`);
    assert.equal(status, 200);
    assert.equal(body.data.length, 2);
    assert.ok(body.data.every((m) => m.attributes.channel_id === 'chat:search'));
    const across = await getJson(`${base(srv)}/messages/search?query=meeting`);
    assert.equal(across.body.data.length, 3);
    const missing = await getJson(`${base(srv)}/messages/search?channel_id=chat%3Asearch`);
    assert.equal(missing.status, 400);
  });

  it('imports history with its original times and order, searchable', async () => {
    const channel = 'chat:imported';
    const live = await publish(srv, channel, { text: 'after the migration' });
    const res = await httpRequest(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages/import`, {
      method: 'POST', headers: secretHeaders(),
      body: JSON.stringify({ data: { type: 'messages', attributes: { messages: [
        { user_id: 'old-1', event: 'message', data: { text: 'first archived question' }, created_at: '2024-01-15T10:30:00Z' },
        { user_id: 'old-2', data: { text: 'archived answer' }, created_at: '2024-01-15T10:31:00Z' },
      ] } } }),
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json().data.length, 2);
    const { body } = await getJson(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages?order=asc`);
    assert.deepEqual(body.data.map((m) => m.attributes.data.text), ['first archived question', 'archived answer', 'after the migration']);
    assert.equal(body.data[0].attributes.created_at, '2024-01-15T10:30:00Z');
    assert.equal(body.data[0].attributes.user_id, 'old-1');
    assert.equal(body.data[2].id, live.id);
    const found = await getJson(`${base(srv)}/messages/search?channel_id=${encodeURIComponent(channel)}&query=archived`);
    assert.equal(found.body.data.length, 2);
    const unordered = await httpRequest(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages/import`, {
      method: 'POST', headers: secretHeaders(),
      body: JSON.stringify({ data: { attributes: { messages: [
        { data: 'b', created_at: '2024-01-02T00:00:00Z' }, { data: 'a', created_at: '2024-01-01T00:00:00Z' }] } } }),
    });
    assert.equal(unordered.status, 400);
    assert.equal(unordered.json().errors[0].source.pointer, '/data/attributes/messages/1/created_at');
  });

  it('tracks read receipts of two users as watermarks and announces message:read', async () => {
    const channel = 'chat:receipts';
    const m1 = await publish(srv, channel, { text: 'one' });
    const m2 = await publish(srv, channel, { text: 'two' });
    const watcher = openRaw(appUrl(srv, app.key, `protocol=7&extensions=native&token=${await token(srv, 'watcher', ['chat:*'])}`));
    await watcher.next('pusher:connection_established');
    watcher.send({ event: 'pusher:subscribe', data: { channel } });
    await watcher.next('pusher_internal:subscription_succeeded');
    const mark = (user, id) => httpRequest(`${base(srv)}/channels/${encodeURIComponent(channel)}/read`, {
      method: 'POST', headers: secretHeaders(),
      body: JSON.stringify({ data: { type: 'read_receipt', attributes: { message_id: id, user_id: user } } }),
    });
    let res = await mark('user_123', m2.id);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().data.attributes.moved, true);
    const event = dataOf(await watcher.next('message:read'));
    assert.equal(event.message_id, m2.id);
    assert.equal(event.user_id, 'user_123');
    res = await mark('user_456', m1.id);
    assert.equal(res.status, 200);
    // Reading m2 read m1 too (a watermark); going back does not move it.
    const status1 = await getJson(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages/${m1.id}/read`);
    assert.deepEqual(status1.body.data.attributes, { read_by: ['user_123', 'user_456'], read_count: 2 });
    const status2 = await getJson(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages/${m2.id}/read`);
    assert.deepEqual(status2.body.data.attributes, { read_by: ['user_123'], read_count: 1 });
    res = await mark('user_123', m1.id);
    assert.equal(res.json().data.attributes.moved, false);
    const unknown = await mark('user_123', 'msg_00000000000000000000000000');
    assert.equal(unknown.status, 404);
  });

  it('lets a publishable key with a token read and mark only granted channels', async () => {
    const channel = 'chat:granted';
    const m = await publish(srv, channel, { text: 'hi' });
    await publish(srv, 'chat:secret-room', { text: 'hidden' });
    const tok = await token(srv, 'reader', ['chat:granted']);
    const pk = { 'X-App-Id': app.id, 'X-Api-Key': app.key, Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
    const ok = await getJson(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages`, pk);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data[0].id, m.id);
    const denied = await getJson(`${base(srv)}/channels/chat%3Asecret-room/messages`, pk);
    assert.equal(denied.status, 401);
    assert.equal(denied.body.errors[0].code, 'unauthorized_channel');
    const noToken = await getJson(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages`, { 'X-App-Id': app.id, 'X-Api-Key': app.key });
    assert.equal(noToken.status, 401);
    const forged = await getJson(`${base(srv)}/channels/${encodeURIComponent(channel)}/messages`, { ...pk, Authorization: `Bearer ${tok}x` });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.errors[0].code, 'invalid_token');
    const marked = await httpRequest(`${base(srv)}/channels/${encodeURIComponent(channel)}/read`, {
      method: 'POST', headers: pk, body: JSON.stringify({ data: { attributes: { message_id: m.id } } }),
    });
    assert.equal(marked.status, 200);
    assert.equal(marked.json().data.attributes.user_id, 'reader');
    const publishWithPk = await httpRequest(`${base(srv)}/publish`, {
      method: 'POST', headers: pk, body: JSON.stringify({ data: { attributes: { channel, event: 'message', data: {} } } }),
    });
    assert.equal(publishWithPk.status, 401);
  });

  it('de-duplicates publishes with an idempotency key', async () => {
    const first = await publish(srv, 'chat:idem-rest', { n: 1 }, { idempotency_key: 'order-77' });
    const second = await publish(srv, 'chat:idem-rest', { n: 1 }, { idempotency_key: 'order-77' });
    assert.equal(second.id, first.id);
    const { body } = await getJson(`${base(srv)}/channels/chat%3Aidem-rest/messages`);
    assert.equal(body.data.length, 1);
  });

  it('replays exactly what a client missed while disconnected, then live messages', async () => {
    const channel = 'chat:recover';
    const tok = await token(srv, 'r', ['chat:*']);
    const url = appUrl(srv, app.key, `protocol=7&extensions=native&token=${tok}`);
    let c = openRaw(url);
    await c.next('pusher:connection_established');
    c.send({ event: 'pusher:subscribe', data: { channel } });
    await c.next('pusher_internal:subscription_succeeded');
    await publish(srv, channel, { n: 0 });
    const last = await c.next('message');
    c.ws.terminate();
    // Far more than the in-memory tail, so part of it comes from the store.
    for (let i = 1; i <= 150; i++) await publish(srv, channel, { n: i });
    c = openRaw(url);
    await c.next('pusher:connection_established');
    c.send({ event: 'pusher:subscribe', data: { channel, recover: { offset: last.offset, epoch: last.epoch } } });
    await c.next('pusher_internal:subscription_succeeded');
    const live = publish(srv, channel, { n: 151 });
    const got = [];
    for (let i = 1; i <= 150; i++) got.push(JSON.parse((await c.next('message')).data).n);
    const rec = dataOf(await c.next('switchboard:recovered'));
    assert.equal(rec.recovered, true);
    await live;
    got.push(JSON.parse((await c.next('message')).data).n);
    assert.deepEqual(got, Array.from({ length: 151 }, (_, i) => i + 1));
    await c.barrier();
    assert.equal(c.pending('message').length, 0, 'nothing twice');
    // A different epoch cannot be recovered.
    const other = openRaw(url);
    await other.next('pusher:connection_established');
    other.send({ event: 'pusher:subscribe', data: { channel, recover: { offset: 1, epoch: 'not-this-one' } } });
    assert.equal(dataOf(await other.next('switchboard:recovered')).recovered, false);
  });
});

describe('history durability and retention', { skip: SKIP_ALL }, () => {
  const dirs = [];
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('keeps every acknowledged message across kill -9', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-crash-'));
    dirs.push(dataDir);
    let srv = await startServer({ apps: [app], dataDir });
    const acked = new Set();
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await httpRequest(`${base(srv)}/publish`, {
            method: 'POST', headers: secretHeaders(),
            body: JSON.stringify({ data: { attributes: { channel: 'chat:crash', event: 'message', data: { w, i } } } }),
          });
          if (res.status === 200) acked.add(res.json().data.id);
        } catch { return; }  // the server is gone
      }
    });
    await delay(1500);
    await srv.kill();
    stop = true;
    await Promise.allSettled(writers);
    assert.ok(acked.size > 100, `only ${acked.size} acknowledged`);
    srv = await startServer({ apps: [app], dataDir });
    const stored = new Set();
    let before = null;
    for (;;) {
      const { body } = await getJson(`${base(srv)}/channels/chat%3Acrash/messages?limit=100${before ? `&before=${before}` : ''}`);
      for (const m of body.data) stored.add(m.id);
      if (!body.meta.has_more) break;
      before = body.meta.oldest_id;
    }
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged messages lost`);
    // Offsets continue after the restart instead of starting again.
    const next = await publish(srv, 'chat:crash', { after: true });
    assert.ok(next.attributes.offset > stored.size - 1);
    await srv.stop();
  });

  it('prunes messages older than the app retention', async () => {
    const retained = { ...makeApp(8), limits: { history_retention: 3600 } };
    const srv = await startServer({ apps: [retained], config: { history: { retention_sweep_seconds: 1 } } });
    try {
      const headers = secretHeaders(retained);
      const old = new Date(Date.now() - 2 * 3600 * 1000).toISOString();
      const recent = new Date(Date.now() - 60 * 1000).toISOString();
      const res = await httpRequest(`${base(srv)}/channels/chat%3Aretained/messages/import`, {
        method: 'POST', headers,
        body: JSON.stringify({ data: { attributes: { messages: [{ data: 'old', created_at: old }, { data: 'recent', created_at: recent }] } } }),
      });
      assert.equal(res.status, 201, res.text);
      let texts = [];
      for (let i = 0; i < 50; i++) {
        const { body } = await getJson(`${base(srv)}/channels/chat%3Aretained/messages`, headers);
        texts = body.data.map((m) => m.attributes.data);
        if (texts.length === 1) break;
        await delay(100);
      }
      assert.deepEqual(texts, ['recent']);
    } finally {
      await srv.stop();
    }
  });
});
