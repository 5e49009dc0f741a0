import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, reconnectDelay, BACKOFF_FLOOR_MS } from './backoff.js';

const opts = { base: 1000, max: 30_000 };

describe('backoff (full jitter)', () => {
  it('stays within [0, min(max, base * 2^(n-1))]', () => {
    for (let n = 1; n <= 12; n++) {
      const ceiling = Math.min(opts.max, opts.base * 2 ** (n - 1));
      assert.equal(backoffDelay(n, opts, 0, () => 0), 0);
      assert.equal(backoffDelay(n, opts, 0, () => 0.999999), Math.round(ceiling * 0.999999));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(n, opts);
        assert.ok(d >= 0 && d <= ceiling, `attempt ${n}: ${d} outside [0, ${ceiling}]`);
      }
    }
  });

  it('never exceeds max, even for huge attempt numbers', () => {
    assert.equal(backoffDelay(10_000, opts, 0, () => 1), opts.max);
  });

  it('honours the floor (4100-4199: at least 1 s)', () => {
    for (let n = 1; n <= 6; n++) {
      assert.ok(backoffDelay(n, opts, BACKOFF_FLOOR_MS, () => 0) >= 1000);
      assert.ok(reconnectDelay('backoff', n, opts, () => 0) >= 1000);
    }
  });

  it('retry and token refresh are immediate the first time only', () => {
    assert.equal(reconnectDelay('retry', 1, opts, () => 0.9), 0);
    assert.equal(reconnectDelay('refresh_token', 1, opts, () => 0.9), 0);
    assert.ok(reconnectDelay('retry', 3, opts, () => 0.9) > 0);
  });

  it('the jitter spreads clients (not all the same delay)', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(5, opts)));
    assert.ok(delays.size > 5);
  });

  it('uses reconnectDelay as the base', () => {
    assert.equal(backoffDelay(1, { base: 250, max: 30_000 }, 0, () => 1), 250);
    assert.equal(backoffDelay(3, { base: 250, max: 30_000 }, 0, () => 1), 1000);
  });
});
