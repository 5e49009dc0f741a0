// A plan's messages per second is the cluster's, not each node's: two nodes sharing Redis, the
// `pusher` server SDK publishing through both at twice the app's limit for several seconds.
// Nodes exchange their rates about once a second, so the bounds below are averages over the run,
// far from what per-node limits would accept (no latency or timing is asserted).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { SKIP_ALL, startServer, makeApp, serverSdk, httpRequest, withTimeout, delay, uniq } from './harness.mjs';

const REDIS_URL = process.env.SB_TEST_REDIS_URL || '';
const SKIP = SKIP_ALL || (REDIS_URL ? false : 'SB_TEST_REDIS_URL is not set (cluster mode needs Redis)');

const LIMIT = 20;
const limited = makeApp(73, { plan: 'enterprise', limits: { max_messages_per_second: LIMIT } });

describe('cluster: message rate limits', { skip: SKIP }, () => {
  let nodes = [];

  before(async () => {
    for (let i = 0; i < 2; i++) nodes.push(await startServer({ apps: [limited], config: { broker: REDIS_URL } }));
    await withTimeout((async () => {
      for (const node of nodes) {
        while ((await httpRequest(`${node.httpUrl}/readyz`)).status !== 200) await delay(50);
      }
    })(), 15_000, 'both nodes to be ready');
  });

  after(async () => {
    for (const node of nodes) await node.stop();
  });

  it('two nodes offered twice the limit accept about the limit between them, and refuse the rest with 429', async () => {
    const seconds = 6;
    const perNodePerSecond = LIMIT;  // so the two nodes together are offered 2 x LIMIT
    const sdks = nodes.map((node) => serverSdk(node, limited));
    const channel = uniq('rate-');
    const outcomes = { accepted: 0, refused: 0, other: [] };
    const sends = [];
    const start = Date.now();
    for (let tick = 0; tick < seconds * perNodePerSecond; tick++) {
      for (const sdk of sdks) {
        sends.push(sdk.trigger(channel, 'tick', { tick }).then(
          () => { outcomes.accepted++; },
          (e) => { if (e.status === 429) outcomes.refused++; else outcomes.other.push(String(e.status ?? e)); }));
      }
      const next = start + ((tick + 1) * 1000) / perNodePerSecond;
      await delay(Math.max(0, next - Date.now()));
    }
    await Promise.all(sends);
    const offered = seconds * perNodePerSecond * sdks.length;
    assert.deepEqual(outcomes.other, [], 'every answer is 200 or 429');
    assert.equal(outcomes.accepted + outcomes.refused, offered);
    // Per-node limits would accept all of it (each node is offered exactly its own limit).
    // Cluster-wide, the nodes learn each other's rate within about a second: allow the first
    // second at both nodes' full limit plus one more second of lag, and no more.
    const clusterBound = (seconds + 2) * LIMIT;
    assert.ok(outcomes.accepted <= clusterBound,
      `accepted ${outcomes.accepted} of ${offered}: more than the cluster's ${LIMIT}/s allows (${clusterBound})`);
    assert.ok(outcomes.accepted >= LIMIT, `accepted only ${outcomes.accepted}: the limit is not a ban`);
    assert.ok(outcomes.refused >= offered - clusterBound, `refused ${outcomes.refused}`);
  });
});
