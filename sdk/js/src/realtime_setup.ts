// What a Realtime (realtime.ts) is built from: the client's setup, the injected I/O, the default
// connection options, and the WebSocket URL made from them.
import type { MachineConfig } from './connection_state.js';
import type { RestConfig } from './rest.js';
import type { Scheduler } from './scheduler.js';
import type { TransportFactory } from './transport.js';
import type { ConnectionOptions, TokenProvider } from './types.js';
import { VERSION } from './version.js';

export const DEFAULT_OPTIONS: Required<ConnectionOptions> = {
  autoReconnect: true,
  reconnectDelay: 1000,
  maxReconnectDelay: 30_000,
  maxReconnectAttempts: 10,
  heartbeatInterval: 30_000,
  pongTimeout: 10_000,
  connectTimeout: 10_000,
  ackTimeout: 15_000,
  maxQueuedMessages: 1000,
};

/** Everything a Realtime is built from (client.ts assembles it). */
export interface RealtimeSetup {
  /** ws(s)://host[:port][/prefix] */
  wsBaseUrl: string;
  /** The `/app/{key}` slot. */
  key: string;
  token: string | null;
  tokenProvider: TokenProvider | null;
  tokenSource: MachineConfig['tokenSource'];
  options?: ConnectionOptions;
  authEndpoint?: string;
  authHeaders?: Record<string, string>;
  rest: Omit<RestConfig, 'token'>;
}

/** Injected I/O (tests use a fake transport, a virtual clock and a fixed random). */
export interface RealtimeDeps {
  transport?: TransportFactory;
  scheduler?: Scheduler;
  random?: () => number;
  now?: () => number;
  /** Told about every new token (the client uses it for REST calls). */
  onToken?: (token: string) => void;
}

/** Build the WebSocket URL (docs/protocol.md "Native extensions"). */
export function buildSocketUrl(wsBaseUrl: string, key: string, token: string | null): string {
  const base = wsBaseUrl.replace(/\/+$/, '');
  let url = `${base}/app/${encodeURIComponent(key)}?protocol=7&client=switchboard-js&version=${VERSION}&extensions=native`;
  if (token) url += `&token=${encodeURIComponent(token)}`;
  return url;
}

/** `o` without its undefined fields, so that spreading it keeps the defaults. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
