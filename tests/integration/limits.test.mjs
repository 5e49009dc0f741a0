// Plans and per-app limits: max_connections (4004), max_channels (403
// LimitReached), and apps without a plan being unlimited.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, soketiFails, useServer, makeApp, openRaw, connectRaw, rawSubscribe, appUrl, dataOf, uniq,
} from './harness.mjs';

async function expectQuotaRefusal(srv, key) {
  const raw = openRaw(appUrl(srv, key));
  const { code } = await raw.waitClosed(5000);
  const errors = raw.frames.filter((m) => m.event === 'pusher:error');
  for (const e of errors) assert.equal(dataOf(e).code, 4004, JSON.stringify(e));
  assert.equal(raw.frames.filter((m) => m.event === 'pusher:connection_established').length, 0, 'connection was established');
  assert.equal(code, 4004, `close code (frames ${JSON.stringify(raw.frames)})`);
}

function expectLimitReached(msg) {
  assert.equal(msg.event, 'pusher:subscription_error', `expected LimitReached, got ${JSON.stringify(msg)}`);
  const d = dataOf(msg);
  assert.equal(d.type, 'LimitReached', JSON.stringify(msg));
  assert.equal(d.status, 403, JSON.stringify(msg));
}

async function openMany(srv, key, n, batch = 50) {
  const raws = [];
  for (let i = 0; i < n; i += batch) {
    const chunk = await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => connectRaw(srv, { key, timeoutMs: 10_000 })));
    raws.push(...chunk);
  }
  return raws;
}

describe('plans and limits', { skip: SKIP_ALL }, () => {
  const tiny = makeApp(1, { plan: 'free', limits: { max_connections: 2 } });
  const unplanned = makeApp(2);
  const free = makeApp(3, { plan: 'free' });
  const fewChannels = makeApp(4, { plan: 'starter', limits: { max_channels: 3 } });
  const freeMoreConns = makeApp(5, { plan: 'free', limits: { max_connections: 50 } });
  const srv = useServer({ apps: [tiny, unplanned, free, fewChannels, freeMoreConns] });

  it('refuses the third connection of a free app limited to 2 with 4004, and accepts again after one leaves',
    { skip: soketiFails('uses 4100 for the connection quota') }, async () => {
      const a = await connectRaw(srv, { key: tiny.key });
      const b = await connectRaw(srv, { key: tiny.key });
      await expectQuotaRefusal(srv, tiny.key);
      // the two admitted connections are unaffected
      await a.barrier();
      await b.barrier();
      await a.close();
      const c = await connectRaw(srv, { key: tiny.key });
      await c.barrier();
      await b.close();
      await c.close();
    });

  it('accepts 300 connections for an app without a plan', async () => {
    const raws = await openMany(srv, unplanned.key, 300);
    assert.equal(new Set(raws.map((r) => r.socketId)).size, 300);
    await Promise.all(raws.slice(-5).map((r) => r.barrier()));
    await Promise.all(raws.map((r) => r.close()));
  });

  it("applies the free plan's 100 connections when no override is given",
    { skip: soketiFails('uses 4100 for the connection quota') }, async () => {
      const raws = await openMany(srv, free.key, 100);
      await expectQuotaRefusal(srv, free.key);
      await Promise.all(raws.map((r) => r.close()));
    });

  it("applies the free plan's 10 channels to an app that only overrides max_connections",
    { skip: soketiFails('has no channel limit') }, async () => {
      const raw = await connectRaw(srv, { key: freeMoreConns.key });
      const prefix = uniq('ten-');
      for (let i = 0; i < 10; i++) {
        const m = await rawSubscribe(raw, `${prefix}-${i}`);
        assert.equal(m.event, 'pusher_internal:subscription_succeeded', `channel ${i + 1}: ${JSON.stringify(m)}`);
      }
      expectLimitReached(await rawSubscribe(raw, `${prefix}-10`));
      await raw.barrier();
      await raw.close();
    });

  it('refuses a new channel over max_channels with 403 LimitReached; occupied channels stay joinable; vacating frees a slot',
    { skip: soketiFails('has no channel limit') }, async () => {
      const a = await connectRaw(srv, { key: fewChannels.key });
      const b = await connectRaw(srv, { key: fewChannels.key });
      const [c1, c2, c3, c4] = [uniq('ch-1-'), uniq('ch-2-'), uniq('ch-3-'), uniq('ch-4-')];
      for (const c of [c1, c2]) assert.equal((await rawSubscribe(a, c)).event, 'pusher_internal:subscription_succeeded');
      assert.equal((await rawSubscribe(b, c3)).event, 'pusher_internal:subscription_succeeded');
      expectLimitReached(await rawSubscribe(b, c4));
      expectLimitReached(await rawSubscribe(a, c4));
      // joining a channel that is already occupied adds no channel
      assert.equal((await rawSubscribe(b, c1)).event, 'pusher_internal:subscription_succeeded');
      // c2 becomes vacant: a new channel fits again
      a.send({ event: 'pusher:unsubscribe', data: { channel: c2 } });
      await a.barrier();
      assert.equal((await rawSubscribe(b, c4)).event, 'pusher_internal:subscription_succeeded');
      // a's disconnect leaves c1 occupied by b: still full
      await a.close();
      expectLimitReached(await rawSubscribe(b, uniq('ch-5-')));
      // b's disconnect vacates all three of its channels
      await b.close();
      const e = await connectRaw(srv, { key: fewChannels.key });
      for (const c of [uniq('ch-6-'), uniq('ch-7-'), uniq('ch-8-')]) {
        assert.equal((await rawSubscribe(e, c)).event, 'pusher_internal:subscription_succeeded', `after vacating: ${c}`);
      }
      await e.close();
    });
});
