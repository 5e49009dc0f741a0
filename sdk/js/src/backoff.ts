// Reconnect delays: the one place that decides how long to wait.
//
// Exponential back-off with "full jitter": the delay of attempt n (from 1) is uniform in
// [floor, min(max, base * 2^(n-1))]. Jitter spreads a crowd of clients that lost the same server
// at the same moment, so they do not all come back in the same millisecond.
import type { CloseAction } from './codes.js';

export interface BackoffOptions {
  /** Base delay, ms (the seed's `reconnectDelay`, default 1000). */
  base: number;
  /** Upper bound of one delay, ms. */
  max: number;
}

/** The least wait after a 4100-4199 close (pusher-js: "back off for at least a second"). */
export const BACKOFF_FLOOR_MS = 1000;

/**
 * The delay before reconnect attempt `attempt` (1 = the first reconnect).
 * @param random a source of numbers in [0, 1) (tests pass a fixed one)
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  floor = 0,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(opts.max, opts.base * 2 ** Math.min(n - 1, 30));
  const low = Math.min(floor, opts.max);
  const high = Math.max(ceiling, low);
  return Math.round(low + random() * (high - low));
}

/** The delay for a reconnect decided by `action` (see codes.ts closeAction). */
export function reconnectDelay(
  action: CloseAction,
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  switch (action) {
    case 'retry':
    case 'refresh_token':
      // Only the first try after such a close is immediate: a server that keeps failing is
      // backed off from as any network failure.
      return attempt <= 1 ? 0 : backoffDelay(attempt, opts, 0, random);
    case 'backoff':
      return backoffDelay(attempt, opts, BACKOFF_FLOOR_MS, random);
    case 'network':
      return backoffDelay(attempt, opts, 0, random);
    case 'refused':
      return 0;
  }
}
