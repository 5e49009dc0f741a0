// What the cluster suites share: the test command's Redis (and PostgreSQL), starting nodes on
// loopback against them, and waiting without timing assertions. No tests here, so a suite can
// import it without running another file's tests.
import {
  SKIP_ALL, startServer, httpRequest, withTimeout, delay,
} from './harness.mjs';

export const REDIS_URL = process.env.SB_TEST_REDIS_URL || '';
export const POSTGRES_URL = process.env.SB_TEST_POSTGRES_URL || '';
export const SKIP = SKIP_ALL || (REDIS_URL ? false : 'SB_TEST_REDIS_URL is not set (cluster mode needs Redis)');

/** Says loudly, once per file, that the file's cluster tests are skipped for want of Redis. */
export function warnIfNoRedis(file) {
  if (REDIS_URL || SKIP_ALL) return;
  process.stderr.write(`\n*** ${file}: SB_TEST_REDIS_URL is not set: EVERY CLUSTER TEST IS SKIPPED ***\n` +
    '*** export SB_TEST_REDIS_URL=$(scripts/services/redis start --port N --dir D), or run scripts/test ***\n\n');
}

/** Starts `n` nodes serving `apps` and sharing `broker` (and PostgreSQL when available). */
export async function startCluster(n, { broker = REDIS_URL, config = {}, apps }) {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    nodes.push(await startServer({
      apps,
      config: { broker, ...(POSTGRES_URL ? { database: POSTGRES_URL } : {}), ...config },
    }));
  }
  return nodes;
}

/** Waits until every node answers /readyz 200 (its broker is connected). */
export async function allReady(nodes, timeoutMs = 15_000) {
  await withTimeout((async () => {
    for (const node of nodes) {
      for (;;) {
        const res = await httpRequest(`${node.httpUrl}/readyz`);
        if (res.status === 200) break;
        await delay(50);
      }
    }
  })(), timeoutMs, 'every node to be ready');
}

/**
 * Asks `ask()` until `ok(answer)` holds and returns that answer. Counts kept in Redis are updated
 * right after a subscribe is answered, so a query may need a moment to see it (no timing is
 * asserted: only the final answer).
 */
export async function eventually(ask, ok, what, timeoutMs = 10_000) {
  let last;
  try {
    return await withTimeout((async () => {
      for (;;) {
        last = await ask();
        if (ok(last)) return last;
        await delay(50);
      }
    })(), timeoutMs, what);
  } catch (e) {
    e.message += `; last answer: ${JSON.stringify(last)}`;
    throw e;
  }
}

/** Resolves when `items` holds at least `count` entries. */
export function atLeast(items, count, what, timeoutMs = 10_000) {
  return withTimeout((async () => {
    while (items.length < count) await delay(10);
  })(), timeoutMs, what);
}
