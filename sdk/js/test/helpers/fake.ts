// Test doubles: an in-process transport the test plays the server through, a virtual clock,
// and a fake fetch. No sockets, no real timers.
import type { Transport, TransportFactory, TransportHandlers } from '../../src/transport.js';
import type { Scheduler } from '../../src/scheduler.js';
import { Realtime, type RealtimeSetup } from '../../src/realtime.js';
import type { ConnectionOptions } from '../../src/types.js';

export type Json = Record<string, unknown>;

/** One fake WebSocket: frames the client sent, and server-side controls. */
export class FakeSocket implements Transport {
  readonly sent: Json[] = [];
  closedByClient: { code: number; reason: string } | null = null;
  private done = false;

  constructor(
    readonly url: string,
    private readonly handlers: TransportHandlers,
  ) {}

  send(text: string): void {
    if (this.done) return;
    this.sent.push(JSON.parse(text) as Json);
  }

  close(code: number, reason: string): void {
    if (this.done) return;
    this.closedByClient = { code, reason };
    this.finish(code, reason);
  }

  // ---- the server's side ----
  open(): void {
    this.handlers.onOpen();
  }

  /** Open and send pusher:connection_established. */
  establish(extra: Json = {}): void {
    this.open();
    this.deliver({
      event: 'pusher:connection_established',
      data: JSON.stringify({ socket_id: '123.456', activity_timeout: 120, extensions: ['native'], ...extra }),
    });
  }

  deliver(frame: Json): void {
    if (this.done) return;
    this.handlers.onMessage(JSON.stringify(frame));
  }

  /** The server closes (or the network drops: code 1006). */
  serverClose(code: number, reason = ''): void {
    this.finish(code, reason);
  }

  get isClosed(): boolean {
    return this.done;
  }

  framesOf(event: string): Json[] {
    return this.sent.filter((f) => f.event === event);
  }

  /** Confirm every pusher:subscribe sent so far (not yet confirmed). */
  confirmSubscriptions(dataFor: (channel: string) => unknown = () => '{}'): void {
    for (const f of this.framesOf('pusher:subscribe')) {
      const ch = (f.data as Json).channel as string;
      if (this.confirmed.has(ch)) continue;
      this.confirmed.add(ch);
      this.deliver({ event: 'pusher_internal:subscription_succeeded', channel: ch, data: dataFor(ch) });
    }
  }

  private readonly confirmed = new Set<string>();

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.handlers.onClose(code, reason);
  }
}

export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly factory: TransportFactory = (url, handlers) => {
    const s = new FakeSocket(url, handlers);
    this.sockets.push(s);
    return s;
  };

  get last(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no socket was opened');
    return s;
  }
}

/** A virtual clock: timers run only when the test advances time. */
export class FakeClock implements Scheduler {
  now = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void; seq: number }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + Math.max(0, ms), fn, seq: id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Move time forward, running due timers in order (timers they set run too, if due). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: { id: number; at: number; seq: number } | null = null;
      for (const [id, t] of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = { id, at: t.at, seq: t.seq };
      }
      if (!next) break;
      const t = this.timers.get(next.id);
      this.timers.delete(next.id);
      this.now = next.at;
      t?.fn();
    }
    this.now = end;
  }

  /** Delays of the pending timers, from now. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
}

/** A Realtime on a fake server and clock. */
export function makeRealtime(
  opts: {
    token?: string | null;
    options?: ConnectionOptions;
    tokenProvider?: () => Promise<string> | string;
    tokenSource?: RealtimeSetup['tokenSource'];
    random?: () => number;
    authEndpoint?: string;
    fetch?: typeof fetch;
  } = {},
): { rt: Realtime; server: FakeServer; clock: FakeClock } {
  const server = new FakeServer();
  const clock = new FakeClock();
  const rt = new Realtime(
    {
      wsBaseUrl: 'ws://example.test',
      key: 'app-1',
      token: opts.token ?? null,
      tokenProvider: opts.tokenProvider ?? null,
      tokenSource: opts.tokenSource ?? (opts.tokenProvider ? 'explicit' : 'none'),
      options: opts.options,
      authEndpoint: opts.authEndpoint,
      rest: { baseUrl: 'http://example.test', appId: 'app-1', apiKey: 'sk_test_x', fetch: opts.fetch },
    },
    { transport: server.factory, scheduler: clock, random: opts.random ?? (() => 0.5), now: () => clock.now },
  );
  return { rt, server, clock };
}

/** Let promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

/** A JWT-shaped token with these claims (unsigned: the client never verifies). */
export function fakeToken(claims: Json): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;
}

export interface FetchCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records calls and answers from a handler. */
export function fakeFetch(
  handler: (call: FetchCall) => { status?: number; body?: unknown } | Promise<{ status?: number; body?: unknown }>,
): { fetch: typeof fetch; calls: FetchCall[] } {
  const calls: FetchCall[] = [];
  const f = async (input: unknown, init?: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const call: FetchCall = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(Object.entries(init?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      body: init?.body,
    };
    calls.push(call);
    const { status = 200, body } = await handler(call);
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: f as unknown as typeof fetch, calls };
}
