// Conversations, unread summaries, AI summaries and digests against the real server: the REST
// routes end to end, who may call them, the seed's document shapes, with the built-in engine and
// with a local fake of the OpenAI chat-completions API (it records what it is sent).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SKIP_ALL, useServer, httpRequest, makeApp, delay } from './harness.mjs';

const app = makeApp(31);
const v1 = (srv) => `http://127.0.0.1:${srv.port}/v1/realtime`;
const root = (srv) => `http://127.0.0.1:${srv.port}`;
const secret = (a = app) => ({ 'X-App-Id': a.id, 'X-Api-Key': a.secret, 'Content-Type': 'application/json' });
const asUser = (token, a = app) => ({ 'X-App-Id': a.id, 'X-Api-Key': a.key, Authorization: `Bearer ${token}` });

async function call(url, { method = 'GET', headers = secret(), body } = {}) {
  const res = await httpRequest(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: res.text ? res.json() : null };
}

async function token(srv, user) {
  const res = await call(`${v1(srv)}/tokens`, { method: 'POST', body: { data: { attributes: { user_id: user, channels: ['*'] } } } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.attributes.token;
}

async function createConversation(srv, uid, members, extra = {}) {
  const res = await call(`${v1(srv)}/conversations`, {
    method: 'POST',
    body: { data: { type: 'conversations', attributes: { conversation_uid: uid, members, ...extra } } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

async function importMessages(srv, channel, messages) {
  const res = await call(`${v1(srv)}/channels/${encodeURIComponent(channel)}/messages/import`, {
    method: 'POST', body: { data: { attributes: { messages } } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.map((m) => m.id);
}

function minutesAgo(n) {
  return new Date(Date.now() - n * 60_000).toISOString();
}

function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.ok(Array.isArray(res.body.errors), 'JSON:API errors');
  assert.equal(res.body.errors[0].status, String(status));
  assert.equal(res.body.errors[0].code, code);
  assert.equal(typeof res.body.errors[0].title, 'string');
  assert.equal(typeof res.body.errors[0].detail, 'string');
}

const support = [
  ['dana', 'Hi, since this morning our checkout page returns a 500 error whenever customers pay by card.'],
  ['dana', 'This is urgent, we are losing sales every hour.'],
  ['sam', 'Sorry about that. Can you send me the order IDs of two failed payments?'],
  ['dana', 'Sure: 48213 and 48219.'],
  ['lee', "I'll roll back the payment service to yesterday's version."],
  ['lee', 'Rollback is done, the error rate is back to normal.'],
  ['sam', 'We need to send you a written incident report by Friday.'],
  ['dana', 'Any update on the fee refund?'],
];

describe('conversations and unread with the built-in engine', { skip: SKIP_ALL }, () => {
  const srv = useServer({ apps: [app], config: { ai: { regenerate_interval: 1 } } });
  let dana, sam, eve;

  before(async () => {
    dana = await token(srv, 'dana');
    sam = await token(srv, 'sam');
    eve = await token(srv, 'eve');
  });

  it('creates, shows, updates and lists conversations (secret key only)', async () => {
    const created = await createConversation(srv, 'support:1', [{ user_uid: 'dana', role: 'customer' }, { user_uid: 'sam', role: 'agent' }],
      { custom: { project: 'alpha', tier: 2 }, notify_roles: ['agent'] });
    assert.equal(created.type, 'conversations');
    assert.equal(created.id, 'support:1');
    assert.deepEqual(created.attributes.custom, { project: 'alpha', tier: 2 });
    assert.deepEqual(created.attributes.notify_roles, ['agent']);
    assert.deepEqual(created.attributes.members, [{ user_uid: 'dana', role: 'customer' }, { user_uid: 'sam', role: 'agent' }]);

    assertError(await call(`${v1(srv)}/conversations`, { method: 'POST', body: { data: { attributes: { conversation_uid: 'support:1' } } } }), 409, 'conversation_exists');
    assertError(await call(`${v1(srv)}/conversations`, { method: 'POST', body: { data: { attributes: { conversation_uid: 'bad name!' } } } }), 400, 'invalid_channel');
    assertError(await call(`${v1(srv)}/conversations`, { method: 'POST', headers: asUser(dana), body: { data: { attributes: { conversation_uid: 'support:2' } } } }), 401, 'invalid_api_key');

    // Members may read their conversation; others may not.
    assert.equal((await call(`${v1(srv)}/conversations/support%3A1`, { headers: asUser(dana) })).status, 200);
    assertError(await call(`${v1(srv)}/conversations/support%3A1`, { headers: asUser(eve) }), 401, 'unauthorized_channel');

    const patched = await call(`${v1(srv)}/conversations/support%3A1`, { method: 'PATCH', body: { data: { attributes: { custom: { project: 'alpha', tier: 3 } } } } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.data.attributes.custom.tier, 3);

    const added = await call(`${v1(srv)}/conversations/support%3A1/members`, { method: 'POST', body: { data: { attributes: { members: [{ user_uid: 'lee', role: 'engineer' }] } } } });
    assert.equal(added.body.data.attributes.members.length, 3);
    assert.equal((await call(`${v1(srv)}/conversations/support%3A1/members/lee`, { method: 'DELETE' })).status, 204);
    assertError(await call(`${v1(srv)}/conversations/support%3A1/members/lee`, { method: 'DELETE' }), 404, 'not_found');

    const mine = await call(`${root(srv)}/users/dana/conversations`, { headers: asUser(dana) });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.data.map((c) => c.id), ['support:1']);
    assert.equal(mine.body.data[0].attributes.role, 'customer');
    assertError(await call(`${root(srv)}/users/dana/conversations`, { headers: asUser(eve) }), 401, 'unauthorized_channel');
  });

  it('counts unread role-aware, with has_unread, in the seed\'s shape', async () => {
    await createConversation(srv, 'team:roles', [{ user_uid: 'dana', role: 'member' }, { user_uid: 'sam', role: 'member' }]);
    const ids = await importMessages(srv, 'support:1', support.map(([user_id, text], i) => ({ user_id, data: { text }, created_at: minutesAgo(60 - i) })));
    // sam (agent, notified) read up to the 4th message.
    const mark = await call(`${v1(srv)}/channels/support%3A1/read`, { method: 'POST', headers: { ...asUser(sam), 'Content-Type': 'application/json' }, body: { data: { attributes: { message_id: ids[3] } } } });
    assert.equal(mark.status, 200, JSON.stringify(mark.body));

    const samView = await call(`${root(srv)}/users/sam/unread-summary`, { headers: asUser(sam) });
    assert.equal(samView.status, 200);
    assert.equal(samView.body.data.type, 'unread_summary');
    assert.equal(samView.body.data.id, 'sam');
    assert.deepEqual(Object.keys(samView.body.data.attributes).sort(), ['conversations', 'total_unread']);
    // After his watermark: lee, lee, sam (his own), dana → 3.
    assert.equal(samView.body.data.attributes.total_unread, 3);
    assert.deepEqual(samView.body.data.attributes.conversations.map((c) => c.conversation_uid), ['support:1']);
    const row = samView.body.data.attributes.conversations[0];
    assert.deepEqual(Object.keys(row).sort(), ['conversation_uid', 'last_message_at', 'unread_count']);
    assert.equal(row.unread_count, 3);
    assert.match(row.last_message_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    // dana is a customer: notify_roles is ["agent"], so she is not counted.
    const danaView = await call(`${root(srv)}/users/dana/unread-summary`, { headers: asUser(dana) });
    assert.equal(danaView.body.data.attributes.total_unread, 0);
    assert.deepEqual(danaView.body.data.attributes.conversations, []);
    const all = await call(`${root(srv)}/users/dana/unread-summary?has_unread=false`, { headers: asUser(dana) });
    assert.deepEqual(all.body.data.attributes.conversations.map((c) => c.conversation_uid).sort(), ['support:1', 'team:roles']);
    const quiet = all.body.data.attributes.conversations.find((c) => c.conversation_uid === 'team:roles');
    assert.equal(quiet.unread_count, 0);
    assert.equal(quiet.last_message_at, null);

    // Rights: another user's token, no token, a bad parameter.
    assertError(await call(`${root(srv)}/users/sam/unread-summary`, { headers: asUser(dana) }), 401, 'unauthorized_channel');
    assertError(await call(`${root(srv)}/users/sam/unread-summary`, { headers: { 'X-App-Id': app.id, 'X-Api-Key': app.key } }), 401, 'invalid_token');
    assertError(await call(`${root(srv)}/users/sam/unread-summary?has_unread=maybe`, { headers: asUser(sam) }), 400, 'invalid_request');
    // The secret key is the admin.
    assert.equal((await call(`${root(srv)}/users/sam/unread-summary`)).body.data.attributes.total_unread, 3);
  });

  it('summarizes a conversation in the seed\'s shape, cached the second time', async () => {
    const first = await call(`${root(srv)}/conversations/support%3A1/summary`, { headers: asUser(sam) });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const d = first.body.data;
    assert.equal(d.id, 'support:1');
    assert.equal(d.type, 'conversation_summary');
    assert.deepEqual(Object.keys(d.attributes).sort(),
      ['action_items', 'cached', 'categories', 'generated_at', 'key_decisions', 'overall_summary', 'sentiment', 'stats']);
    assert.deepEqual(Object.keys(d.attributes.stats).sort(), ['participants', 'time_span', 'total_messages']);
    assert.equal(d.attributes.stats.total_messages, support.length);
    assert.equal(d.attributes.stats.participants, 3);
    assert.equal(d.attributes.stats.time_span, '7m');
    assert.equal(d.attributes.cached, false);
    assert.ok(['positive', 'neutral', 'negative', 'mixed'].includes(d.attributes.sentiment));
    assert.ok(d.attributes.action_items.some((a) => /incident report by Friday/.test(a)), JSON.stringify(d.attributes.action_items));
    assert.ok(!d.attributes.action_items.some((a) => /roll back/i.test(a)), 'done items are closed');
    assert.ok(d.attributes.categories.includes('bug-report'));
    assert.equal(first.body.meta.engine, 'builtin');

    const second = await call(`${root(srv)}/conversations/support%3A1/summary`, { headers: asUser(dana) });
    assert.equal(second.body.data.attributes.cached, true);
    assert.equal(second.body.meta.cache_status, 'fresh');
    assert.equal(second.body.data.attributes.generated_at, d.attributes.generated_at);

    // New messages invalidate the cache; the window (1 s here) allows one regeneration.
    await importMessages(srv, 'support:1', [{ user_id: 'sam', data: { text: 'The refund of the fees was approved today.' }, created_at: minutesAgo(1) }]);
    const inside = await call(`${root(srv)}/conversations/support%3A1/summary`, { headers: asUser(sam) });
    assert.equal(inside.body.data.attributes.stats.total_messages, support.length + 1);
    if (inside.body.data.attributes.cached) assert.equal(inside.body.meta.cache_status, 'stale');
    await delay(1100);
    const after = await call(`${root(srv)}/conversations/support%3A1/summary`, { headers: asUser(sam) });
    assert.equal(after.body.data.attributes.cached, false);
    assert.equal(after.body.meta.cache_status, 'fresh');

    assertError(await call(`${root(srv)}/conversations/support%3A1/summary`, { headers: asUser(eve) }), 401, 'unauthorized_channel');
    assertError(await call(`${root(srv)}/conversations/nope%3A1/summary`), 404, 'channel_not_found');
  });

  it('writes a digest in the seed\'s shape with custom filters, and registers the user once', async () => {
    await createConversation(srv, 'project:beta', [{ user_uid: 'sam', role: 'member' }, { user_uid: 'ann', role: 'member' }], { custom: { project: 'beta' } });
    await importMessages(srv, 'project:beta', [
      { user_id: 'ann', data: { text: 'Sam, can you review the digest mockups by tomorrow?' }, created_at: minutesAgo(30) },
      { user_id: 'ann', data: { text: 'We decided to ship summaries first.' }, created_at: minutesAgo(29) },
    ]);
    assert.equal((await call(`${v1(srv)}/ai/profiles/sam`)).status, 200, 'the summary request above registered sam');
    const res = await call(`${root(srv)}/users/sam/conversations/summary`, { headers: asUser(sam) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.data;
    assert.equal(d.type, 'conversation_digest');
    assert.match(d.id, /^digest_/);
    assert.deepEqual(Object.keys(d.attributes).sort(), ['conversations_found', 'digest', 'meta']);
    assert.deepEqual(Object.keys(d.attributes.digest).sort(), ['action_items', 'categories', 'stats', 'summary']);
    assert.deepEqual(Object.keys(d.attributes.digest.categories).sort(), ['on_track', 'pending', 'stale', 'urgent']);
    assert.deepEqual(Object.keys(d.attributes.digest.stats).sort(), ['conversations_with_unread', 'oldest_unread', 'total_unread_messages']);
    assert.deepEqual(Object.keys(d.attributes.meta).sort(), ['cache_status', 'generated_at', 'tokens_used']);
    assert.equal(d.attributes.conversations_found, 2);
    assert.equal(d.attributes.digest.stats.conversations_with_unread, 2);
    const placed = Object.values(d.attributes.digest.categories).flat().sort();
    assert.deepEqual(placed, ['project:beta', 'support:1']);
    assert.ok(d.attributes.digest.action_items.some((a) => /review the digest mockups/i.test(a)), JSON.stringify(d.attributes.digest.action_items));
    assert.ok(['fresh', 'partial'].includes(d.attributes.meta.cache_status));

    const beta = await call(`${root(srv)}/users/sam/conversations/summary?custom%5Bproject%5D=beta`, { headers: asUser(sam) });
    assert.equal(beta.body.data.attributes.conversations_found, 1);
    assert.deepEqual(Object.values(beta.body.data.attributes.digest.categories).flat(), ['project:beta']);
    const none = await call(`${root(srv)}/users/sam/conversations/summary?custom[project]=gamma`, { headers: asUser(sam) });
    assert.equal(none.body.data.attributes.conversations_found, 0);
    assertError(await call(`${root(srv)}/users/sam/conversations/summary?custom[bad key]=x`, { headers: asUser(sam) }), 400, 'invalid_request');
    assertError(await call(`${root(srv)}/users/sam/conversations/summary`, { headers: asUser(dana) }), 401, 'unauthorized_channel');

    // ann's first request registers her, concurrent requests or not, exactly once.
    const annToken = await token(srv, 'ann');
    const results = await Promise.all(Array.from({ length: 6 }, () => call(`${root(srv)}/users/ann/conversations/summary`, { headers: asUser(annToken) })));
    for (const r of results) assert.equal(r.status, 200);
    const profile = await call(`${v1(srv)}/ai/profiles/ann`);
    assert.equal(profile.status, 200);
    assert.equal(profile.body.data.type, 'ai_profiles');
    assert.equal(profile.body.data.attributes.requests, 6);
  });

  it('reads and changes the tenant\'s AI settings', async () => {
    const got = await call(`${v1(srv)}/ai/settings`);
    assert.equal(got.status, 200);
    assert.equal(got.body.data.type, 'ai_settings');
    assert.equal(got.body.data.attributes.engine, 'builtin');
    assert.equal(got.body.data.attributes.max_fresh_per_request, 10);
    assert.equal(got.body.data.attributes.unread_only, true);
    const patched = await call(`${v1(srv)}/ai/settings`, { method: 'PATCH', body: { data: { attributes: { recency_days: 7, unread_only: false, prompts: { digest: 'Short digest for {{user_uid}}.' } } } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.data.attributes.recency_days, 7);
    assert.equal(patched.body.data.attributes.prompts.digest, 'Short digest for {{user_uid}}.');
    assert.equal((await call(`${v1(srv)}/ai/settings`)).body.data.attributes.unread_only, false);
    assertError(await call(`${v1(srv)}/ai/settings`, { method: 'PATCH', body: { data: { attributes: { engine: 'openai' } } } }), 400, 'invalid_request');
    assertError(await call(`${v1(srv)}/ai/settings`, { method: 'PATCH', body: { data: { attributes: { max_fresh_per_request: -1 } } } }), 400, 'invalid_request');
    assertError(await call(`${v1(srv)}/ai/settings`, { headers: asUser(sam) }), 401, 'invalid_api_key');
    // Back to the default.
    const reset = await call(`${v1(srv)}/ai/settings`, { method: 'PATCH', body: { data: { attributes: { unread_only: null } } } });
    assert.equal(reset.body.data.attributes.unread_only, true);
  });
});

// A fake OpenAI-compatible server: records each request; answers from a queue of behaviours.
function startFakeLlm() {
  const requests = [];
  const queue = [];
  let fallback = { kind: 'ok' };
  const summaryDoc = (text) => ({
    overall_summary: text, categories: ['billing'], action_items: ['Refund the fees (sam)'], key_decisions: [],
    sentiment: 'neutral', status: 'pending', open_questions: [], due_date: null,
  });
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      const parsed = JSON.parse(body);
      requests.push(parsed);
      const how = queue.length ? queue.shift() : fallback;
      if (how.kind === 'fail') { res.writeHead(500, { 'content-type': 'application/json' }); res.end('{"error":"down"}'); return; }
      const isDigest = parsed.response_format.json_schema.name === 'conversation_digest';
      let content;
      if (how.kind === 'malformed') content = 'not json {';
      else if (isDigest) {
        const input = JSON.parse(parsed.messages[1].content.slice(parsed.messages[1].content.indexOf('\n') + 1));
        content = JSON.stringify({ summary: `LLM digest of ${input.conversations.length}`, categories: { urgent: [], pending: input.conversations.map((c) => c.conversation_uid), on_track: [], stale: [] }, action_items: ['Refund the fees'] });
      } else content = JSON.stringify(summaryDoc(how.text || `LLM summary ${requests.length}`));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }], usage: { total_tokens: 123 } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/v1`,
    requests, queue,
    setFallback(f) { fallback = f; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  })));
}

describe('conversations with an OpenAI-compatible engine (local fake)', { skip: SKIP_ALL }, () => {
  let fake;
  const srv = useServer(async () => {
    fake = await startFakeLlm();
    return { apps: [app], config: { ai: { endpoint: fake.url, model: 'fake-model', regenerate_interval: 1, timeout_ms: 3000 } } };
  });
  after(async () => { if (fake) await fake.close(); });
  let sam;

  it('summarizes through the model, incrementally, with the tenant\'s prompt', async () => {
    sam = await token(srv, 'sam');
    await createConversation(srv, 'support:llm', [{ user_uid: 'sam', role: 'agent' }]);
    await importMessages(srv, 'support:llm', [
      { user_id: 'dana', data: { text: 'I was charged twice for order 77.' }, created_at: minutesAgo(10) },
      { user_id: 'sam', data: { text: 'Checking with billing now.' }, created_at: minutesAgo(9) },
    ]);
    const patched = await call(`${v1(srv)}/ai/settings`, { method: 'PATCH', body: { data: { attributes: { prompts: { summary: 'ACME support style for {{conversation_uid}}.' } } } } });
    assert.equal(patched.body.data.attributes.engine, 'openai');

    const first = await call(`${root(srv)}/conversations/support%3Allm/summary`, { headers: asUser(sam) });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.match(first.body.data.attributes.overall_summary, /^LLM summary/);
    assert.equal(first.body.meta.tokens_used, 123);
    assert.equal(first.body.data.attributes.stats.total_messages, 2, 'stats are counted, not asked of the model');
    const sent = fake.requests.at(-1);
    assert.equal(sent.model, 'fake-model');
    assert.equal(sent.response_format.type, 'json_schema');
    assert.equal(sent.messages[0].content, 'ACME support style for support:llm.');
    assert.match(sent.messages[1].content, /charged twice/);

    await importMessages(srv, 'support:llm', [{ user_id: 'dana', data: { text: 'Any news on the refund?' }, created_at: minutesAgo(1) }]);
    await delay(1100);
    const before = fake.requests.length;
    const second = await call(`${root(srv)}/conversations/support%3Allm/summary`, { headers: asUser(sam) });
    assert.equal(second.body.data.attributes.cached, false);
    assert.equal(fake.requests.length, before + 1);
    const incremental = fake.requests.at(-1).messages[1].content;
    assert.match(incremental, /Any news on the refund/);
    assert.doesNotMatch(incremental, /charged twice/, 'only messages newer than the cached summary');
    assert.match(incremental, /previous_summary/);
  });

  it('retries malformed output and degrades to the stale cache when the model fails', async () => {
    await importMessages(srv, 'support:llm', [{ user_id: 'dana', data: { text: 'Hello?' }, created_at: minutesAgo(0) }]);
    await delay(1100);
    fake.queue.push({ kind: 'malformed' }, { kind: 'ok', text: 'after a retry' });
    const retried = await call(`${root(srv)}/conversations/support%3Allm/summary`, { headers: asUser(sam) });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.data.attributes.overall_summary, 'after a retry');
    assert.match(fake.requests.at(-1).messages.at(-1).content, /rejected/);

    await importMessages(srv, 'support:llm', [{ user_id: 'dana', data: { text: 'Still waiting.' }, created_at: minutesAgo(0) }]);
    await delay(1100);
    fake.setFallback({ kind: 'fail' });
    const degraded = await call(`${root(srv)}/conversations/support%3Allm/summary`, { headers: asUser(sam) });
    assert.equal(degraded.status, 200, 'never a 500 when a cache exists');
    assert.equal(degraded.body.data.attributes.cached, true);
    assert.equal(degraded.body.meta.cache_status, 'stale');
    assert.equal(degraded.body.data.attributes.overall_summary, 'after a retry');

    const digest = await call(`${root(srv)}/users/sam/conversations/summary`, { headers: asUser(sam) });
    assert.equal(digest.status, 200, JSON.stringify(digest.body));
    assert.equal(digest.body.data.attributes.meta.cache_status, 'stale');
    fake.setFallback({ kind: 'ok' });
    await delay(1100);
    const fresh = await call(`${root(srv)}/users/sam/conversations/summary`, { headers: asUser(sam) });
    assert.equal(fresh.body.data.attributes.meta.cache_status, 'fresh');
    assert.match(fresh.body.data.attributes.digest.summary, /^LLM digest of 1/);
    assert.ok(fresh.body.data.attributes.meta.tokens_used > 0);
  });
});
