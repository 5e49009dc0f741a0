// Integration harness: the real Switchboard binary on loopback, started per test file (the
// approach of tests/integration/harness.mjs: spawn with --port 0, read "listening on
// http://127.0.0.1:PORT" from stdout, wait for /healthz), plus restart on the same port with the
// same data folder, and a frame recorder so failures quote what the server sent.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

import { createClient, webSocketTransport, type SwitchboardClient, type TransportFactory } from '../../src/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// .test-build/test/integration -> sdk/js -> repo
export const SDK_ROOT = path.resolve(HERE, '..', '..', '..');
export const REPO = path.resolve(SDK_ROOT, '..', '..');
export const SERVER_BIN = path.resolve(process.env.SWITCHBOARD_BIN ?? path.join(REPO, 'build-ci', 'switchboard'));
export const HOST = '127.0.0.1';

export function serverUnavailable(): string | null {
  try {
    fs.accessSync(SERVER_BIN, fs.constants.X_OK);
    return null;
  } catch {
    return `no server binary at ${SERVER_BIN} (build it: cmake --preset ci && cmake --build build-ci, or set SWITCHBOARD_BIN)`;
  }
}

/** describe() option: skip the file when there is no binary (the skip message says why). */
export const SKIP: string | false = serverUnavailable() ?? false;

// A file that hangs fails instead of blocking the run.
const WATCHDOG_MS = Number(process.env.SB_TEST_FILE_TIMEOUT_MS ?? 180_000);
setTimeout(() => {
  process.stderr.write(`integration watchdog: still running after ${WATCHDOG_MS} ms, aborting\n`);
  process.exit(1);
}, WATCHDOG_MS).unref();

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export interface App {
  id: string;
  key: string;
  secret: string;
}

export const TEST_APP: App = { id: '42', key: 'pk_test_a', secret: 'sk_test_a' };
export const LIVE_APP: App = { id: '42', key: 'pk_live_b', secret: 'sk_live_b' };

export interface Server {
  port: number;
  httpUrl: string;
  dataDir: string;
  apps: App[];
  proc: ChildProcess;
  logs(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful: clients get 4200), SIGKILL after the timeout. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL: the process dies without closing anything. */
  kill(): Promise<void>;
}

export interface StartOptions {
  apps?: App[];
  port?: number;
  dataDir?: string;
  /** Top-level TOML keys (activity_timeout, delivery_receipts, ...). */
  config?: Record<string, string | number | boolean | string[]>;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `what` may be a function: evaluated at the timeout, so it can quote the frames seen by then. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll until `check` returns a value (not undefined/false), or fail with `what`. */
export async function eventually<T>(check: () => T | undefined | false, ms: number, what: string | (() => string)): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await delay(20);
  }
}

export function httpGet(url: string): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

const LISTEN_RE = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

/** Start the server; same port + same dataDir = a restart of the same server. */
export async function startServer(opts: StartOptions = {}): Promise<Server> {
  const why = serverUnavailable();
  if (why) throw new Error(why);
  const apps = opts.apps ?? [TEST_APP];
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sb-sdk-it-'));
  const configPath = path.join(dataDir, 'switchboard.toml');
  const lines = ['# written by sdk/js/test/integration/harness.ts'];
  for (const [k, v] of Object.entries(opts.config ?? {})) lines.push(`${k} = ${JSON.stringify(v)}`);  // JSON arrays of strings are TOML arrays
  fs.writeFileSync(configPath, lines.join('\n') + '\n');
  const args = ['serve', '--host', HOST, '--port', String(opts.port ?? 0), '--threads', '2', '--data-dir', dataDir, '--config', configPath];
  for (const a of apps) args.push('--app', `${a.id}:${a.key}:${a.secret}`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));
  const proc = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir, env });
  live.add(proc);
  let logText = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      let stdout = '';
      proc.stdout?.on('data', (c: Buffer) => {
        const t = c.toString('utf8');
        logText += t;
        stdout += t;
        if (process.env.SB_TEST_VERBOSE) process.stderr.write(c);
        const m = LISTEN_RE.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      proc.stderr?.on('data', (c: Buffer) => {
        logText += c.toString('utf8');
        if (process.env.SB_TEST_VERBOSE) process.stderr.write(c);
      });
      proc.on('error', reject);
      void exited.then((info) => reject(new Error(`server exited before listening (${JSON.stringify(info)}):\n${logText.slice(-3000)}`)));
    }),
    20_000,
    'the server to listen',
  );
  const httpUrl = `http://${HOST}:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await httpGet(`${httpUrl}/healthz`)).status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`/healthz never answered 200:\n${logText.slice(-3000)}`);
    await delay(50);
  }
  const server: Server = {
    port,
    httpUrl,
    dataDir,
    apps,
    proc,
    logs: () => logText,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      await server.stop('SIGKILL');
    },
  };
  return server;
}

/** A server for the whole file, stopped (and its data removed) after the file. */
export interface ServerHandle {
  /** The server (after ready()). */
  get(): Server;
  ready(): Promise<Server>;
}

export function useServer(opts: StartOptions | (() => StartOptions) = {}): ServerHandle {
  let server: Server | null = null;
  const starting = (async () => {
    const s = await startServer(typeof opts === 'function' ? opts() : opts);
    server = s;
    return s;
  })();
  starting.catch(() => undefined);
  after(async () => {
    await closeAll();
    const s = server ?? (await starting.catch(() => null));
    if (s) {
      await s.stop();
      fs.rmSync(s.dataDir, { recursive: true, force: true });
    }
  });
  return {
    get() {
      if (!server) throw new Error('server not started yet: await ready() first');
      return server;
    },
    ready: () => starting,
  };
}

// ---- clients ------------------------------------------------------------------------------------

type Closeable = { disconnect(): void };
const opened = new Set<Closeable>();

/** Disconnect every realtime opened through track(). */
export async function closeAll(): Promise<void> {
  for (const c of opened) {
    try {
      c.disconnect();
    } catch {
      /* already */
    }
  }
  opened.clear();
  await delay(50);
}

export function track<T extends Closeable>(rt: T): T {
  opened.add(rt);
  return rt;
}

export function clientFor(server: { httpUrl: string }, app: App = TEST_APP, secret = true, extra: { tokenEndpoint?: string } = {}): SwitchboardClient {
  return createClient({ urls: { realtime: server.httpUrl }, appId: app.id, apiKey: secret ? app.secret : app.key, ...extra });
}

export interface FrameLog {
  /** Frames in order: `> {...}` sent by the client, `< {...}` received, `# close CODE reason`. */
  lines: string[];
  transport: TransportFactory;
  /** The last frames, for assertion messages. */
  tail(n?: number): string;
  received(event: string): Record<string, unknown>[];
}

/** A transport that records every frame (so a failing test quotes the server's frames). */
export function recorder(): FrameLog {
  const lines: string[] = [];
  const transport: TransportFactory = (url, handlers) => {
    lines.push(`# open ${url.replace(/token=[^&]+/, 'token=…')}`);
    const t = webSocketTransport(url, {
      onOpen: () => handlers.onOpen(),
      onMessage: (text) => {
        lines.push(`< ${text}`);
        handlers.onMessage(text);
      },
      onClose: (code, reason) => {
        lines.push(`# close ${code} ${reason}`);
        handlers.onClose(code, reason);
      },
    });
    return {
      send(text: string) {
        lines.push(`> ${text}`);
        t.send(text);
      },
      close(code: number, reason: string) {
        t.close(code, reason);
      },
    };
  };
  return {
    lines,
    transport,
    tail: (n = 25) => lines.slice(-n).join('\n'),
    received: (event) =>
      lines
        .filter((l) => l.startsWith('< '))
        .map((l) => JSON.parse(l.slice(2)) as Record<string, unknown>)
        .filter((f) => f.event === event),
  };
}

let counter = 0;
/** A unique name per test run. */
export function uniq(prefix: string): string {
  return `${prefix}${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/** Collect events of an emitter into an array. */
export function collect<T>(on: (cb: (v: T) => void) => void): T[] {
  const out: T[] = [];
  on((v) => out.push(v));
  return out;
}
