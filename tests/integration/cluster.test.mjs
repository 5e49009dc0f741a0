// Cluster mode (docs/cluster.md): three Switchboard nodes on loopback share one Redis (and, when
// the test command provides it, one PostgreSQL), and clients spread across them see one server.
//
// Needs SB_TEST_REDIS_URL (scripts/test exports it); without it every test here is skipped with
// a loud message. SB_TEST_POSTGRES_URL adds shared history (recovery across nodes).
//
// No timing assertions: "nothing more arrives" is proven by a sentinel published after the
// messages under test (delivery on a channel is in order), never by waiting.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  makeApp, pusherClient, pusherConnected, subscribed, collect, serverSdk,
  startAuthServer, openRaw, appUrl, dataOf, httpRequest, withTimeout, delay, uniq, closeAll, freePort, REPO,
  connectRaw, userAuth, sdkJson,
} from './harness.mjs';
import {
  REDIS_URL, POSTGRES_URL, SKIP, warnIfNoRedis, startCluster as startClusterOf, allReady, eventually, atLeast,
} from './cluster_helpers.mjs';

warnIfNoRedis('cluster.test.mjs');

// App ids of their own, so that a shared PostgreSQL or Redis never mixes this file's data with
// another file's.
const app = makeApp(71, { client_events: true });
// At most three connections, counted over the whole cluster.
const limited = makeApp(72, { plan: 'enterprise', limits: { max_connections: 3 } });

/** Starts `n` nodes sharing `broker` (and PostgreSQL when available); this file's app unless told. */
const startCluster = (n, { apps = [app], ...rest } = {}) => startClusterOf(n, { apps, ...rest });

const base = (node) => `${node.httpUrl}/v1/realtime`;
const secretHeaders = { 'X-App-Id': app.id, 'X-Api-Key': app.secret, 'Content-Type': 'application/json' };

async function nativePublish(node, channel, data, extra = {}) {
  const res = await httpRequest(`${base(node)}/publish`, {
    method: 'POST', headers: secretHeaders,
    body: JSON.stringify({ data: { type: 'broadcast', attributes: { channel, event: 'message', data, ...extra } } }),
  });
  assert.equal(res.status, 200, res.text);
  return res.json().data;
}

async function nativeToken(node, user, channels) {
  const res = await httpRequest(`${base(node)}/tokens`, {
    method: 'POST', headers: secretHeaders,
    body: JSON.stringify({ data: { attributes: { user_id: user, channels } } }),
  });
  assert.equal(res.status, 201, res.text);
  return res.json().data.attributes.token;
}

describe('cluster: publications cross nodes', { skip: SKIP }, () => {
  let nodes = [];
  before(async () => {
    nodes = await startCluster(3, { apps: [app, limited] });
    await allReady(nodes);
  });
  after(async () => {
    await closeAll();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  /** One pusher-js client per node, each subscribed to `channel`. */
  async function clientsOnEveryNode(channel, opts = () => ({})) {
    const clients = nodes.map((node, i) => pusherClient(node, opts(i)));
    const socketIds = await Promise.all(clients.map((c) => pusherConnected(c)));
    const channels = clients.map((c) => c.subscribe(channel));
    await Promise.all(channels.map((ch) => subscribed(ch)));
    return { clients, socketIds, channels };
  }

  it('a publish through the pusher SDK on one node reaches subscribers on every node exactly once', async () => {
    const channel = uniq('cluster-fanout-');
    const { channels } = await clientsOnEveryNode(channel);
    const got = channels.map((ch) => collect(ch, 'news'));
    const sdk = serverSdk(nodes[0]);
    for (let i = 0; i < 5; i++) await sdk.trigger(channel, 'news', { n: i });
    // The sentinel comes from another node: after it, nothing of the first five can still come.
    await serverSdk(nodes[2]).trigger(channel, 'news', { n: 'end' });
    for (const [i, items] of got.entries()) {
      await atLeast(items, 6, `six events on node ${i}`);
      assert.deepEqual(items.map((e) => e.data.n), [0, 1, 2, 3, 4, 'end'], `node ${i}`);
    }
  });

  it('socket_id exclusion works whichever node the excluded socket is on', async () => {
    const channel = uniq('cluster-exclude-');
    const { channels, socketIds } = await clientsOnEveryNode(channel);
    const got = channels.map((ch) => collect(ch, 'news'));
    // Published on node 0, excluding the socket on node 1.
    await serverSdk(nodes[0]).trigger(channel, 'news', { n: 'not for node 1' }, { socket_id: socketIds[1] });
    await serverSdk(nodes[0]).trigger(channel, 'news', { n: 'end' });
    await Promise.all(got.map((items) => atLeast(items, items === got[1] ? 1 : 2, 'the events')));
    assert.deepEqual(got[0].map((e) => e.data.n), ['not for node 1', 'end']);
    assert.deepEqual(got[1].map((e) => e.data.n), ['end']);
    assert.deepEqual(got[2].map((e) => e.data.n), ['not for node 1', 'end']);
  });

  it('client events reach the other members on other nodes, never the sender', async () => {
    const auth = await startAuthServer(nodes[0]);
    const channel = uniq('private-cluster-client-');
    const { channels } = await clientsOnEveryNode(channel, (i) => auth.clientOptions(`u${i}`));
    const got = channels.map((ch) => collect(ch, 'client-typed'));
    channels[1].trigger('client-typed', { from: 1 });
    await atLeast(got[0], 1, 'the client event on node 0');
    await atLeast(got[2], 1, 'the client event on node 2');
    // A server publish after it: once it reached the sender, the client event cannot still come.
    await serverSdk(nodes[2]).trigger(channel, 'client-typed', { from: 'server' });
    await Promise.all(got.map((items, i) => atLeast(items, i === 1 ? 1 : 2, `events on node ${i}`)));
    assert.deepEqual(got[0].map((e) => e.data.from), [1, 'server']);
    assert.deepEqual(got[1].map((e) => e.data.from), ['server']);
    assert.deepEqual(got[2].map((e) => e.data.from), [1, 'server']);
  });

  it('channel queries of the Pusher HTTP API answer for the whole cluster, from any node', async () => {
    const channel = uniq('cluster-query-');
    await clientsOnEveryNode(channel);
    for (const node of nodes) {
      const info = await eventually(
        () => sdkJson(serverSdk(node).get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } })),
        (r) => r.body?.subscription_count === 3, `node ${node.port} to count 3 subscriptions`);
      assert.equal(info.body.occupied, true);
    }
    const list = await sdkJson(serverSdk(nodes[1]).get({ path: '/channels', params: { filter_by_prefix: channel } }));
    assert.deepEqual(Object.keys(list.body.channels), [channel]);
  });

  it('terminate_connections sent to one node closes the user\'s connections on every node, and only those', async () => {
    const signIn = async (node, id) => {
      const raw = await connectRaw(node);
      const userData = JSON.stringify({ id, user_info: {} });
      raw.send({ event: 'pusher:signin', data: { auth: userAuth(app, raw.socketId, userData), user_data: userData } });
      assert.equal((await raw.next((m) => m.event === 'pusher:signin_success' || m.event === 'pusher:error')).event,
        'pusher:signin_success');
      return raw;
    };
    const target = uniq('terminated-');
    const onNode1 = await signIn(nodes[1], target);
    const onNode2 = await signIn(nodes[2], target);
    const bystander = await signIn(nodes[2], uniq('bystander-'));
    const res = await serverSdk(nodes[0]).terminateUserConnections(target);
    assert.equal(res.status, 200);
    await onNode1.waitClosed(10_000);
    await onNode2.waitClosed(10_000);
    await bystander.barrier();
    assert.equal(bystander.closeInfo, null);
  });

  it('a connection limit counts the connections of every node', async () => {
    const open = [];
    for (const node of [nodes[0], nodes[0], nodes[1]]) open.push(await connectRaw(node, { key: limited.key }));
    // Counts travel once a second: node 2 refuses as soon as it has heard of the other three.
    const refusal = await eventually(async () => {
      const raw = openRaw(appUrl(nodes[2], limited.key));
      const first = await raw.next((m) => m.event === 'pusher:connection_established' || m.event === 'pusher:error');
      await raw.close();
      return first;
    }, (m) => m.event === 'pusher:error', 'node 2 to refuse a fourth connection');
    assert.equal(dataOf(refusal).code, 4004);
    for (const raw of open) await raw.close();
  });

  it('an idempotency key sent again to another node is answered with the first id and delivered once', async () => {
    const channel = uniq('chat:cluster-idem-');
    const token = await nativeToken(nodes[0], 'reader', ['chat:*']);
    const c = openRaw(appUrl(nodes[2], app.key, `protocol=7&extensions=native&token=${token}`));
    await c.next('pusher:connection_established');
    c.send({ event: 'pusher:subscribe', data: { channel } });
    await c.next('pusher_internal:subscription_succeeded');
    const key = uniq('order-');
    const first = await nativePublish(nodes[0], channel, { n: 'once' }, { idempotency_key: key });
    const again = await nativePublish(nodes[1], channel, { n: 'again' }, { idempotency_key: key });
    const third = await nativePublish(nodes[2], channel, { n: 'third' }, { idempotency_key: key });
    assert.equal(again.id, first.id);
    assert.equal(third.id, first.id);
    assert.equal(again.attributes.offset, first.attributes.offset);
    await nativePublish(nodes[1], channel, { n: 'end' });
    const seen = [];
    for (let i = 0; i < 2; i++) seen.push(JSON.parse((await c.next('message')).data).n);
    assert.deepEqual(seen, ['once', 'end']);
  });

  it('offsets stay monotonic per channel when every node publishes', async () => {
    const channel = uniq('chat:cluster-offsets-');
    const token = await nativeToken(nodes[0], 'reader', ['chat:*']);
    const c = openRaw(appUrl(nodes[1], app.key, `protocol=7&extensions=native&token=${token}`));
    await c.next('pusher:connection_established');
    c.send({ event: 'pusher:subscribe', data: { channel } });
    await c.next('pusher_internal:subscription_succeeded');
    const acks = [];
    for (let i = 0; i < 12; i++) acks.push(await nativePublish(nodes[i % 3], channel, { n: i }));
    const offsets = acks.map((a) => a.attributes?.offset ?? a.offset);
    for (let i = 1; i < offsets.length; i++) assert.equal(offsets[i], offsets[i - 1] + 1, `offsets ${offsets}`);
    const seen = [];
    for (let i = 0; i < 12; i++) seen.push(await c.next('message'));
    assert.deepEqual(seen.map((m) => JSON.parse(m.data).n), Array.from({ length: 12 }, (_, i) => i));
    assert.deepEqual(seen.map((m) => m.offset), offsets);
    assert.equal(new Set(seen.map((m) => m.epoch)).size, 1, 'one epoch');
  });

  it('a native client recovers what it missed from history by position, on another node', { skip: POSTGRES_URL ? false : 'needs SB_TEST_POSTGRES_URL (history shared by the nodes)' }, async () => {
    const channel = uniq('chat:cluster-recover-');
    const token = await nativeToken(nodes[0], 'r', ['chat:*']);
    let c = openRaw(appUrl(nodes[0], app.key, `protocol=7&extensions=native&token=${token}`));
    await c.next('pusher:connection_established');
    c.send({ event: 'pusher:subscribe', data: { channel } });
    await c.next('pusher_internal:subscription_succeeded');
    await nativePublish(nodes[1], channel, { n: 0 });
    const last = await c.next('message');
    c.ws.terminate();
    for (let i = 1; i <= 20; i++) await nativePublish(nodes[i % 3], channel, { n: i });
    // Back on another node, which never saw these messages.
    c = openRaw(appUrl(nodes[2], app.key, `protocol=7&extensions=native&token=${token}`));
    await c.next('pusher:connection_established');
    c.send({ event: 'pusher:subscribe', data: { channel, recover: { offset: last.offset, epoch: last.epoch } } });
    await c.next('pusher_internal:subscription_succeeded');
    const got = [];
    for (let i = 1; i <= 20; i++) got.push(JSON.parse((await c.next('message')).data).n);
    const rec = dataOf(await c.next('switchboard:recovered'));
    assert.equal(rec.recovered, true);
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('cluster: presence', { skip: SKIP }, () => {
  let nodes = [];
  let auth;
  before(async () => {
    // A short node TTL, so that a killed node's members go within the test's patience.
    nodes = await startCluster(3, { config: { cluster: { node_ttl: '2s' } } });
    await allReady(nodes);
    auth = await startAuthServer(nodes[0]);
  });
  after(async () => {
    await closeAll();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  async function join(node, channel, userId) {
    const client = pusherClient(node, auth.clientOptions(userId));
    await pusherConnected(client);
    const ch = client.subscribe(channel);
    await subscribed(ch);
    return { client, ch };
  }

  /** Member events seen by `ch` as "+id" / "-id". */
  function memberLog(ch) {
    const log = [];
    ch.bind('pusher:member_added', (m) => log.push(`+${m.id}`));
    ch.bind('pusher:member_removed', (m) => log.push(`-${m.id}`));
    return log;
  }

  it('one user on two nodes is one member: member_added once, member_removed once when both leave', async () => {
    const channel = uniq('presence-cluster-');
    const watcher = await join(nodes[0], channel, 'watcher');
    const log = memberLog(watcher.ch);
    const tabA = await join(nodes[1], channel, 'alice');
    const tabB = await join(nodes[2], channel, 'alice');
    // Every node sees the whole membership.
    assert.deepEqual(Object.keys(tabB.ch.members.members).sort(), ['alice', 'watcher']);
    assert.equal(tabB.ch.members.count, 2);
    tabA.client.disconnect();
    // A second member joining after alice's first tab left proves that leave said nothing.
    const bob = await join(nodes[1], channel, 'bob');
    await atLeast(log, 2, 'member_added for alice and bob');
    assert.deepEqual(log, ['+alice', '+bob']);
    tabB.client.disconnect();
    await atLeast(log, 3, 'member_removed for alice');
    bob.client.disconnect();
    await atLeast(log, 4, 'member_removed for bob');
    assert.deepEqual(log, ['+alice', '+bob', '-alice', '-bob']);
  });

  it('the users query of the HTTP API answers for the whole cluster', async () => {
    const channel = uniq('presence-cluster-users-');
    await join(nodes[0], channel, 'u0');
    await join(nodes[1], channel, 'u1');
    await join(nodes[2], channel, 'u2');
    for (const node of nodes) {
      const res = await serverSdk(node).get({ path: `/channels/${channel}/users` });
      const body = await res.json();
      assert.deepEqual(body.users.map((u) => u.id).sort(), ['u0', 'u1', 'u2'], `asked node ${node.port}`);
    }
  });

  it('kill -9 of a node removes its members everywhere else, once, while the others keep serving', async () => {
    const channel = uniq('presence-cluster-crash-');
    const watcher = await join(nodes[0], channel, 'watcher');
    const log = memberLog(watcher.ch);
    await join(nodes[2], channel, 'doomed');
    await join(nodes[2], channel, 'doomed');
    await join(nodes[1], channel, 'survivor');
    await join(nodes[2], channel, 'survivor');  // also connected elsewhere: stays a member
    await atLeast(log, 2, 'member_added for doomed and survivor');
    await nodes[2].kill();
    await atLeast(log, 3, 'member_removed for the killed node\'s user', 20_000);
    assert.deepEqual(log, ['+doomed', '+survivor', '-doomed']);
    // The others keep serving: a publish on node 1 reaches the watcher on node 0.
    const got = collect(watcher.ch, 'after-crash');
    await serverSdk(nodes[1]).trigger(channel, 'after-crash', { ok: true });
    await atLeast(got, 1, 'a publish after the crash');
    const res = await serverSdk(nodes[1]).get({ path: `/channels/${channel}/users` });
    assert.deepEqual((await res.json()).users.map((u) => u.id).sort(), ['survivor', 'watcher']);
    assert.deepEqual(log, ['+doomed', '+survivor', '-doomed'], 'member_removed exactly once');
  });
});

describe('cluster: Redis restarts', { skip: SKIP || (POSTGRES_URL ? false : 'needs SB_TEST_POSTGRES_URL (recovery reads the shared history)') }, () => {
  // A private Redis: stopping the shared one would disturb every other test.
  const script = path.join(REPO, 'scripts', 'services', 'redis');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cluster-redis-'));
  let port;
  let url;
  let nodes = [];
  const redis = (command) => execFileSync(script, [command, '--port', String(port), '--dir', dir], { encoding: 'utf8' }).trim();

  before(async () => {
    port = await freePort();
    url = redis('start');
    nodes = await startCluster(2, { broker: url });
    await allReady(nodes);
  });
  after(async () => {
    await closeAll();
    await Promise.all(nodes.map((n) => n.stop()));
    try { redis('stop'); } catch { /* already stopped */ }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function readiness(node) {
    return (await httpRequest(`${node.httpUrl}/readyz`)).status;
  }

  it('nodes report not ready while Redis is down, resume delivery after it returns, and a client recovers every acknowledged message', async () => {
    const channel = uniq('chat:cluster-redis-restart-');
    const token = await nativeToken(nodes[0], 'r', ['chat:*']);
    const live = openRaw(appUrl(nodes[1], app.key, `protocol=7&extensions=native&token=${token}`));
    await live.next('pusher:connection_established');
    live.send({ event: 'pusher:subscribe', data: { channel } });
    await live.next('pusher_internal:subscription_succeeded');
    const first = await nativePublish(nodes[0], channel, { n: 0 });
    const last = await live.next('message');
    assert.equal(JSON.parse(last.data).n, 0);

    redis('stop');
    await withTimeout((async () => {
      while ((await readiness(nodes[0])) !== 503 || (await readiness(nodes[1])) !== 503) await delay(50);
    })(), 10_000, 'both nodes to report not ready');
    // Publishing while Redis is down is refused, not silently dropped.
    const during = await httpRequest(`${base(nodes[0])}/publish`, {
      method: 'POST', headers: secretHeaders,
      body: JSON.stringify({ data: { type: 'broadcast', attributes: { channel, event: 'message', data: { n: 'down' } } } }),
    });
    assert.ok(during.status >= 500, `publish during the outage answered ${during.status}`);

    redis('start');  // same port, empty: Redis lost every position and subscription
    await allReady(nodes, 30_000);
    const acked = [];
    for (let i = 1; i <= 5; i++) acked.push(await nativePublish(nodes[i % 2], channel, { n: i }));
    // Offsets continue the stored history: none is reused after Redis lost its counter.
    const offsets = acked.map((a) => a.attributes.offset);
    assert.deepEqual(offsets, [1, 2, 3, 4, 5].map((k) => first.attributes.offset + k));
    // Live delivery resumed on the node that had resubscribed.
    const resumed = [];
    for (let i = 1; i <= 5; i++) resumed.push(JSON.parse((await live.next('message', 10_000)).data).n);
    assert.deepEqual(resumed, [1, 2, 3, 4, 5]);
    // A client that was away the whole time recovers exactly what was acknowledged.
    const back = openRaw(appUrl(nodes[0], app.key, `protocol=7&extensions=native&token=${token}`));
    await back.next('pusher:connection_established');
    back.send({ event: 'pusher:subscribe', data: { channel, recover: { offset: last.offset, epoch: last.epoch } } });
    await back.next('pusher_internal:subscription_succeeded');
    const recovered = [];
    for (let i = 1; i <= 5; i++) recovered.push(JSON.parse((await back.next('message')).data).n);
    assert.equal(dataOf(await back.next('switchboard:recovered')).recovered, true);
    assert.deepEqual(recovered, [1, 2, 3, 4, 5]);
  });
});

// ---------------------------------------------------------------------------
// Webhooks in a cluster: each channel or membership change is reported once, by the one node
// whose Redis script saw it, whatever node the connections were on.
// ---------------------------------------------------------------------------

/** A webhook receiver on loopback: every Pusher-format event it got, as "name:channel[:user]". */
async function startHookReceiver() {
  const events = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      for (const e of JSON.parse(Buffer.concat(chunks).toString('utf8')).events)
        events.push([e.name, e.channel, e.user_id].filter(Boolean).join(':'));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    events,
    /** The events about `channel`, in arrival order, without the channel. */
    about(channel) {
      return events.filter((e) => e.split(':')[1] === channel).map((e) => e.split(':').filter((_, i) => i !== 1).join(':'));
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

const HOOK_EVENTS = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed'];
const FAST_HOOKS = {
  retry_schedule: [0.3, 0.3, 0.3], retry_for: 10, pusher_retry_schedule: [0.3], pusher_retry_for: 5,
  jitter: 0, timeout: 1, poll_interval: 0.2, allowed_hosts: ['127.0.0.1'],
};

describe('cluster: webhooks once per cluster', { skip: SKIP }, () => {
  let nodes = [];
  let hooks;
  let hookedApp;
  let auth;
  before(async () => {
    hooks = await startHookReceiver();
    hookedApp = makeApp(73, { webhooks: [{ name: 'cluster', url: hooks.url, format: 'pusher', events: HOOK_EVENTS }] });
    nodes = await startCluster(3, { apps: [hookedApp], config: { cluster: { node_ttl: '2s' }, webhooks: FAST_HOOKS } });
    await allReady(nodes);
    auth = await startAuthServer(nodes[0], { app: hookedApp });
  });
  after(async () => {
    await closeAll();
    await Promise.all(nodes.map((n) => n.stop()));
    await hooks?.close();
  });

  /**
   * Each node's own sentinel: a channel only that node serves, subscribed and left. Once all
   * three nodes' sentinels were reported, whatever a node reported before them has arrived.
   */
  async function sentinels() {
    const names = nodes.map(() => uniq('hook-sentinel-'));
    for (const [i, node] of nodes.entries()) {
      const c = pusherClient(node, { key: hookedApp.key });
      await pusherConnected(c);
      await subscribed(c.subscribe(names[i]));
      c.disconnect();
    }
    await withTimeout((async () => {
      while (!names.every((n) => hooks.about(n).includes('channel_vacated'))) await delay(50);
    })(), 20_000, 'every node\'s sentinel webhook');
  }

  async function presenceClient(node, channel, userId) {
    const client = pusherClient(node, auth.clientOptions(userId));
    await pusherConnected(client);
    const ch = client.subscribe(channel);
    await subscribed(ch);
    return client;
  }

  it('channel_occupied and channel_vacated go out once, however many nodes serve the channel', async () => {
    const channel = uniq('hook-public-');
    const clients = [];
    for (const node of [...nodes, ...nodes]) {
      const c = pusherClient(node, { key: hookedApp.key });
      await pusherConnected(c);
      await subscribed(c.subscribe(channel));
      clients.push(c);
    }
    for (const c of clients) c.disconnect();
    await withTimeout((async () => {
      while (!hooks.about(channel).includes('channel_vacated')) await delay(50);
    })(), 15_000, 'channel_vacated');
    await sentinels();
    assert.deepEqual(hooks.about(channel), ['channel_occupied', 'channel_vacated']);
  });

  it('member_added and member_removed go out once for a user connected to several nodes', async () => {
    const channel = uniq('presence-hook-');
    const a = await presenceClient(nodes[0], channel, 'alice');
    const b = await presenceClient(nodes[1], channel, 'alice');
    const c = await presenceClient(nodes[2], channel, 'bob');
    a.disconnect();
    b.disconnect();
    c.disconnect();
    await withTimeout((async () => {
      while (!hooks.about(channel).includes('channel_vacated')) await delay(50);
    })(), 15_000, 'channel_vacated');
    await sentinels();
    const got = hooks.about(channel);
    assert.deepEqual(got.filter((e) => e.startsWith('channel_')), ['channel_occupied', 'channel_vacated']);
    assert.deepEqual(got.filter((e) => e.startsWith('member_')).sort(),
      ['member_added:alice', 'member_added:bob', 'member_removed:alice', 'member_removed:bob']);
  });

  // Last: it kills a node.
  it('kill -9 of a node: its users with no other connection are removed once, and channels it alone served are vacated', async () => {
    const shared = uniq('presence-hook-crash-');
    const alone = uniq('presence-hook-alone-');
    const plain = uniq('hook-crash-public-');
    await presenceClient(nodes[0], shared, 'watcher');
    await presenceClient(nodes[2], shared, 'doomed');
    await presenceClient(nodes[2], shared, 'doomed');
    await presenceClient(nodes[1], shared, 'survivor');
    await presenceClient(nodes[2], shared, 'survivor');
    await presenceClient(nodes[2], alone, 'lonely');
    const p = pusherClient(nodes[2], { key: hookedApp.key });
    await pusherConnected(p);
    await subscribed(p.subscribe(plain));
    await withTimeout((async () => {
      while (hooks.about(alone).length < 2 || hooks.about(plain).length < 1 || hooks.about(shared).length < 4) await delay(50);
    })(), 15_000, 'the webhooks of the joins');
    await nodes[2].kill();
    await withTimeout((async () => {
      while (!hooks.about(alone).includes('channel_vacated') || !hooks.about(plain).includes('channel_vacated') ||
             !hooks.about(shared).includes('member_removed:doomed')) await delay(50);
    })(), 30_000, 'the reaping node\'s webhooks');
    // Sentinels on the two survivors.
    nodes = nodes.slice(0, 2);
    await sentinels();
    assert.deepEqual(hooks.about(shared).sort(),
      ['channel_occupied', 'member_added:doomed', 'member_added:survivor', 'member_added:watcher', 'member_removed:doomed']);
    assert.deepEqual(hooks.about(alone), ['channel_occupied', 'member_added:lonely', 'member_removed:lonely', 'channel_vacated']);
    assert.deepEqual(hooks.about(plain), ['channel_occupied', 'channel_vacated']);
  });
});

// ---------------------------------------------------------------------------
// Registering again: after Redis lost its data, and after a node was declared dead while it
// was stalled, every node registers its subscriptions and members again, so queries and member
// lists are right, and clients hear only what is news to them.
// ---------------------------------------------------------------------------

describe('cluster: state registered again after Redis forgot it', { skip: SKIP }, () => {
  // A private Redis: stopping the shared one would disturb every other test.
  const script = path.join(REPO, 'scripts', 'services', 'redis');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cluster-rebuild-redis-'));
  let port;
  let nodes = [];
  let auth;
  const redis = (command) => execFileSync(script, [command, '--port', String(port), '--dir', dir], { encoding: 'utf8' }).trim();
  const presence = uniq('presence-rebuild-');
  const plain = uniq('rebuild-public-');
  const clients = {};
  let log;

  before(async () => {
    port = await freePort();
    const url = redis('start');
    nodes = await startCluster(3, { broker: url, config: { cluster: { node_ttl: '2s' } } });
    await allReady(nodes);
    auth = await startAuthServer(nodes[0]);
  });
  after(async () => {
    await closeAll();
    await Promise.all(nodes.map((n) => n.stop()));
    try { redis('stop'); } catch { /* already stopped */ }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function join(node, userId) {
    const client = pusherClient(node, auth.clientOptions(userId));
    await pusherConnected(client);
    const ch = client.subscribe(presence);
    await subscribed(ch);
    return { client, ch };
  }
  const users = async (node) =>
    (await (await serverSdk(node).get({ path: `/channels/${presence}/users` })).json()).users.map((u) => u.id).sort();
  const info = (node, channel) => sdkJson(serverSdk(node).get({
    path: `/channels/${channel}`,
    params: { info: channel.startsWith('presence-') ? 'subscription_count,user_count' : 'subscription_count' },
  }));

  it('after a Redis restart without persistence: counts, users and member lists are right again, with no member event', async () => {
    clients.watcher = await join(nodes[2], 'watcher');
    log = [];
    clients.watcher.ch.bind('pusher:member_added', (m) => log.push(`+${m.id}`));
    clients.watcher.ch.bind('pusher:member_removed', (m) => log.push(`-${m.id}`));
    clients.alice = await join(nodes[0], 'alice');
    clients.bob = await join(nodes[1], 'bob');
    clients.bob2 = await join(nodes[2], 'bob');
    for (const node of [nodes[0], nodes[0], nodes[1]]) {
      const c = pusherClient(node);
      await pusherConnected(c);
      await subscribed(c.subscribe(plain));
    }
    await atLeast(log, 2, 'member_added for alice and bob');
    await eventually(() => info(nodes[1], presence), (r) => r.body?.subscription_count === 4, 'four presence subscriptions');

    redis('stop');
    redis('start');  // same port, empty
    await allReady(nodes, 30_000);
    for (const node of nodes) {
      await eventually(() => info(node, plain), (r) => r.body?.subscription_count === 3, `node ${node.port}: 3 subscriptions`);
      const p = await eventually(() => info(node, presence), (r) => r.body?.subscription_count === 4 && r.body?.user_count === 3,
        `node ${node.port}: 4 presence subscriptions, 3 users`);
      assert.equal(p.body.occupied, true);
      assert.deepEqual(await users(node), ['alice', 'bob', 'watcher']);
    }
    // A newcomer on another node gets the whole member list; the watcher hears only the newcomer.
    clients.carol = await join(nodes[1], 'carol');
    assert.deepEqual(Object.keys(clients.carol.ch.members.members).sort(), ['alice', 'bob', 'carol', 'watcher']);
    await atLeast(log, 3, 'member_added for carol');
    // Counts go on from the registered ones: bob leaves one node (still a member), then the other.
    clients.bob.client.disconnect();
    clients.bob2.client.disconnect();
    await atLeast(log, 4, 'member_removed for bob');
    assert.deepEqual(log, ['+alice', '+bob', '+carol', '-bob']);
    assert.deepEqual(await users(nodes[0]), ['alice', 'carol', 'watcher']);
  });

  it('a node declared dead while stalled longer than node_ttl registers its members again when it resumes', async () => {
    const before = log.length;
    nodes[0].proc.kill('SIGSTOP');  // alice's node stops answering; its heartbeat expires
    try {
      await atLeast(log, before + 1, 'member_removed for alice, from the reaping node', 20_000);
      assert.deepEqual(log.slice(before), ['-alice']);
      assert.deepEqual(await users(nodes[1]), ['carol', 'watcher']);
    } finally {
      nodes[0].proc.kill('SIGCONT');
    }
    // Back: it finds itself out of the node set and registers alice again, announced this time
    // (everyone was told she left).
    await atLeast(log, before + 2, 'member_added for alice again', 20_000);
    assert.deepEqual(log.slice(before), ['-alice', '+alice']);
    for (const node of nodes) {
      await eventually(() => users(node), (u) => u.length === 3, `node ${node.port}: three users`);
      assert.deepEqual(await users(node), ['alice', 'carol', 'watcher']);
      await eventually(() => info(node, plain), (r) => r.body?.subscription_count === 3, `node ${node.port}: 3 subscriptions`);
    }
    assert.deepEqual(Object.keys(clients.watcher.ch.members.members).sort(), ['alice', 'carol', 'watcher']);
  });
});
