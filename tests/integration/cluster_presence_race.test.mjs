// Presence under concurrency in cluster mode (docs/cluster.md "presence"): a joiner's member
// list (pusher:subscription_succeeded) and the member events racing with it must add up to the
// true membership, each event counted once. Many clients join one presence channel on three
// nodes at the same instant while others leave; afterwards every client's pusher-js
// `channel.members` must be exactly the members still there, and no client may have heard
// member_added for someone its list already held (or member_removed for someone it did not).
//
// Needs SB_TEST_REDIS_URL; without it every test here is skipped with a loud message.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  makeApp, pusherClient, pusherConnected, subscribed, startAuthServer, delay, uniq, closeAll,
} from './harness.mjs';
import { SKIP, warnIfNoRedis, startCluster, allReady } from './cluster_helpers.mjs';

warnIfNoRedis('cluster_presence_race.test.mjs');

const app = makeApp(73);

const ROUNDS = 6;
const JOINERS = 24;   // per round, spread over the nodes, subscribing in the same tick
const LEAVERS = 9;    // per round, disconnecting in that same tick
const STAYERS = 6;    // per round, members throughout

describe('cluster: presence member lists and concurrent member events', { skip: SKIP }, () => {
  let nodes = [];
  let auth;
  before(async () => {
    nodes = await startCluster(3, { apps: [app] });
    await allReady(nodes);
    auth = await startAuthServer(nodes[0]);
  });
  after(async () => {
    await closeAll();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  /**
   * A connected client whose view of `channel` is checked: from its member list on, each member
   * event must change that view (added: not yet a member; removed: a member).
   */
  async function member(node, channel, userId) {
    const client = pusherClient(node, auth.clientOptions(userId));
    await pusherConnected(client, 10_000);
    const view = { userId, node: node.port, client, ch: null, model: null, anomalies: [] };
    view.subscribe = () => {
      const ch = client.subscribe(channel);
      view.ch = ch;
      ch.bind('pusher:subscription_succeeded', (members) => {
        view.model = new Set(Object.keys(members.members));
      });
      ch.bind('pusher:member_added', (m) => {
        if (view.model.has(m.id)) view.anomalies.push(`member_added for ${m.id}, already listed`);
        view.model.add(m.id);
      });
      // pusher-js drops a member_removed for someone it does not list: the final list tells.
      ch.bind('pusher:member_removed', (m) => view.model.delete(m.id));
      return subscribed(ch, 10_000);
    };
    return view;
  }

  const sorted = (iterable) => [...iterable].sort();

  it('every client ends with the true member list, and heard each change once', async () => {
    const failures = [];
    for (let round = 0; round < ROUNDS; round++) {
      const channel = uniq(`presence-race-${round}-`);
      const at = (i) => nodes[i % nodes.length];
      const stayers = await Promise.all(Array.from({ length: STAYERS }, (_, i) => member(at(i), channel, `stay-${i}`)));
      const leavers = await Promise.all(Array.from({ length: LEAVERS }, (_, i) => member(at(i + 1), channel, `leave-${i}`)));
      await Promise.all([...stayers, ...leavers].map((v) => v.subscribe()));
      const joiners = await Promise.all(Array.from({ length: JOINERS }, (_, i) => member(at(i + 2), channel, `join-${i}`)));

      // The same instant: every joiner subscribes while the leavers go.
      const joined = joiners.map((v) => v.subscribe());
      for (const v of leavers) v.client.disconnect();
      await Promise.all(joined);

      const present = [...stayers, ...joiners];
      const truth = sorted(present.map((v) => v.userId));
      // Waiting is bounded and asserts nothing about time: a missed event never comes, and then
      // the comparison below says which client lacks what.
      const settled = () => present.every((v) => sorted(Object.keys(v.ch.members.members)).join() === truth.join());
      for (const giveUp = Date.now() + 5_000; !settled() && Date.now() < giveUp;) await delay(20);
      for (const v of present) {
        const seen = sorted(Object.keys(v.ch.members.members));
        if (seen.join() !== truth.join()) {
          const missing = truth.filter((id) => !seen.includes(id));
          const extra = seen.filter((id) => !truth.includes(id));
          failures.push(`round ${round}: ${v.userId} (node ${v.node}) lists ${seen.length}/${truth.length}; ` +
            `missing [${missing}], extra [${extra}]`);
        }
        if (v.ch.members.count !== truth.length)
          failures.push(`round ${round}: ${v.userId} counts ${v.ch.members.count} members, not ${truth.length}`);
        for (const a of v.anomalies) failures.push(`round ${round}: ${v.userId} (node ${v.node}): ${a}`);
      }
      for (const v of present) v.client.disconnect();
    }
    assert.deepEqual(failures, [], `${failures.length} inconsistencies:\n${failures.slice(0, 40).join('\n')}`);
  });
});
