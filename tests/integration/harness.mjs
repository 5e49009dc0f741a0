// Test harness for the Switchboard integration suite.
//
// Starts the server under test (the Switchboard binary, or soketi when
// SB_TEST_TARGET=soketi), and gives the tests real clients: raw WebSockets
// over `ws`, pusher-js, the `pusher` server SDK, a local auth endpoint, and
// a hand-built signer for the Pusher HTTP API. Everything talks to loopback
// only.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';

import WebSocket from 'ws';
import PusherJs from 'pusher-js';
import PusherServer from 'pusher';

export { WebSocket, PusherJs, PusherServer };

// ---------------------------------------------------------------------------
// Target selection
// ---------------------------------------------------------------------------

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const TARGET = process.env.SB_TEST_TARGET || 'switchboard';
export const ON_SOKETI = TARGET === 'soketi';
export const SERVER_BIN = path.resolve(process.env.SWITCHBOARD_BIN || path.join(REPO, 'build-ci', 'switchboard'));
export const SOKETI_DIR = path.resolve(process.env.SOKETI_DIR || '/tmp/soketi');
const SOKETI_ENTRY = path.join(SOKETI_DIR, 'node_modules', '@soketi', 'soketi', 'bin', 'server.js');

export const HOST = '127.0.0.1';

/** Why the server under test cannot be started, or null if it can. */
export function serverUnavailable() {
  if (ON_SOKETI) {
    if (!fs.existsSync(SOKETI_ENTRY)) {
      return `soketi not found at ${SOKETI_ENTRY}: install it as /work/shared/recipes/peers.md shows, or set SOKETI_DIR`;
    }
    return null;
  }
  if (TARGET !== 'switchboard') return `unknown SB_TEST_TARGET=${TARGET} (use "switchboard" or "soketi")`;
  try {
    fs.accessSync(SERVER_BIN, fs.constants.X_OK);
    return null;
  } catch {
    return `build the server first: no executable at ${SERVER_BIN} ` +
      `(build it, e.g. \`cmake --preset ci && cmake --build build-ci\`, or point SWITCHBOARD_BIN at the binary)`;
  }
}

/**
 * Option for describe(): every suite is skipped when the server is missing;
 * preflight.test.mjs is the one test that fails with the reason.
 */
export const SKIP_ALL = serverUnavailable() ? 'server under test not available (see preflight.test.mjs)' : false;

/** Skip option for a test soketi is known to fail (only when targeting soketi). */
export function soketiFails(reason) {
  // SB_TEST_NO_SKIP=1 runs them anyway (to re-check what soketi gets wrong).
  return ON_SOKETI && !process.env.SB_TEST_NO_SKIP ? `soketi known to fail: ${reason}` : false;
}

// ---------------------------------------------------------------------------
// Apps and config
// ---------------------------------------------------------------------------

/** Build an app definition; `n` keeps ids/keys/secrets distinct per app. */
export function makeApp(n = 1, extra = {}) {
  const id = String(1000 + n);
  return { id, key: `sb-key-${id}`, secret: `sb-secret-${id}-${'s'.repeat(8)}`, name: `test app ${id}`, ...extra };
}

export const PLANS = {
  free: { max_connections: 100, max_messages_per_second: 50, max_channels: 10 },
  starter: { max_connections: 5000, max_messages_per_second: 500, max_channels: 100 },
  pro: { max_connections: 50000, max_messages_per_second: 5000, max_channels: 1000 },
  enterprise: {},
};

function tomlValue(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`bad TOML number ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  throw new Error(`cannot write ${typeof v} to TOML`);
}

const APP_KEYS = ['id', 'key', 'secret', 'name', 'enabled', 'client_events', 'plan', 'history'];

/** The TOML config file the server reads (top-level keys first, then [[apps]]). */
export function buildToml(config = {}, apps = []) {
  const lines = ['# written by tests/integration/harness.mjs'];
  const tables = [];
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) tables.push([k, v]);  // [section]
    else lines.push(`${k} = ${tomlValue(v)}`);
  }
  for (const [name, table] of tables) {
    lines.push('', `[${name}]`);
    for (const [k, v] of Object.entries(table)) lines.push(`${k} = ${tomlValue(v)}`);
  }
  for (const app of apps) {
    lines.push('', '[[apps]]');
    for (const k of APP_KEYS) {
      if (app[k] !== undefined) lines.push(`${k} = ${tomlValue(app[k])}`);
    }
    if (app.limits && Object.keys(app.limits).length) {
      lines.push('[apps.limits]');
      for (const [k, v] of Object.entries(app.limits)) lines.push(`${k} = ${tomlValue(v)}`);
    }
    // Webhooks declared in the config (docs/webhooks.md): one [[apps.webhooks]] table each.
    for (const hook of app.webhooks || []) {
      lines.push('[[apps.webhooks]]');
      for (const [k, v] of Object.entries(hook)) lines.push(`${k} = ${tomlValue(v)}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Process bookkeeping: nothing outlives the test file
// ---------------------------------------------------------------------------

const liveProcs = new Set();
const liveResources = new Set();

process.on('exit', () => {
  for (const p of liveProcs) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// A test file that hangs (a leaked socket, a server that never exits) fails
// instead of blocking the whole run. unref(): it never keeps a file alive.
const WATCHDOG_MS = Number(process.env.SB_TEST_FILE_TIMEOUT_MS || 150_000);
setTimeout(() => {
  process.stderr.write(`harness watchdog: test file still running after ${WATCHDOG_MS} ms, aborting\n`);
  process.exit(1);
}, WATCHDOG_MS).unref();

function track(resource) {
  liveResources.add(resource);
  return resource;
}

/** Close every client, socket and helper server opened through this harness. */
export async function closeAll() {
  const all = [...liveResources];
  liveResources.clear();
  await Promise.allSettled(all.map((r) => r.close()));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Race a promise against a timeout that rejects with `what`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// Plain HTTP (no keep-alive: nothing lingers)
// ---------------------------------------------------------------------------

export function httpRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(String(body));
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: false,
      headers: { ...(payload ? { 'content-length': payload.length } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode, headers: res.headers, text,
          json() { return JSON.parse(text); },
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`HTTP ${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// ---------------------------------------------------------------------------
// Starting the server under test
// ---------------------------------------------------------------------------

const LISTEN_RE = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * Start the server.
 *   apps:    array of app definitions (makeApp); default one app
 *   config:  top-level TOML keys (activity_timeout, pong_timeout, ...)
 *   cliApps: pass the apps as repeated --app ID:KEY:SECRET instead of [[apps]]
 * Resolves { host, port, wsUrl, httpUrl, apps, app, stop(signal), kill(), proc, logs(), exited }.
 */
export async function startServer({ apps = [makeApp(1)], config = {}, cliApps = false, startTimeoutMs = 20_000, dataDir } = {}) {
  const why = serverUnavailable();
  if (why) throw new Error(why);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-it-'));
  let spawned;
  if (ON_SOKETI) {
    spawned = await spawnSoketi({ apps, config, tmp });
  } else {
    spawned = spawnSwitchboard({ apps, config, cliApps, tmp, dataDir });
  }
  const { proc, knownPort } = spawned;
  liveProcs.add(proc);

  let logText = '';
  const logs = () => logText;
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      liveProcs.delete(proc);
      resolve(exitInfo);
    });
  });

  const portFromLog = new Promise((resolve, reject) => {
    let settled = false;
    let stdoutText = '';
    const onData = (fromStdout) => (chunk) => {
      const text = chunk.toString('utf8');
      logText += text;
      if (process.env.SB_TEST_VERBOSE) process.stderr.write(chunk);
      if (!fromStdout || settled) return;
      stdoutText += text;
      // The contract: the server prints "listening on http://127.0.0.1:PORT" on stdout.
      const m = LISTEN_RE.exec(stdoutText);
      if (m) { settled = true; stdoutText = ''; resolve(Number(m[1])); }
    };
    proc.stdout.on('data', onData(true));
    proc.stderr.on('data', onData(false));
    proc.on('error', (e) => { if (!settled) { settled = true; reject(e); } });
    exited.then((info) => {
      if (!settled) {
        settled = true;
        reject(new Error(`server exited before listening (${JSON.stringify(info)}):\n${logText.slice(-4000)}`));
      }
    });
  });
  portFromLog.catch(() => {}); // observed below (or not needed when the port is known)

  const stopProc = async (signal = 'SIGTERM', timeoutMs = 15_000) => {
    if (exitInfo) return exitInfo;
    try { proc.kill(signal); } catch { /* gone */ }
    let timer;
    const res = await Promise.race([
      exited,
      new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (res) return res;
    try { proc.kill('SIGKILL'); } catch { /* gone */ }
    await exited;
    return { ...exitInfo, timedOut: true };
  };

  let port;
  try {
    port = knownPort ?? await withTimeout(portFromLog, startTimeoutMs, 'the "listening on http://127.0.0.1:PORT" line');
    await waitHealthy(port, ON_SOKETI ? '/' : '/healthz', startTimeoutMs, exited);
  } catch (e) {
    await stopProc('SIGKILL', 5000);
    fs.rmSync(tmp, { recursive: true, force: true });
    e.message += `\n--- server output ---\n${logText.slice(-4000)}`;
    throw e;
  }

  const server = {
    host: HOST,
    port,
    wsUrl: `ws://${HOST}:${port}`,
    httpUrl: `http://${HOST}:${port}`,
    apps,
    app: apps[0],
    proc,
    tmp,
    logs,
    exited,
    get exitInfo() { return exitInfo; },
    /** Send `signal` and wait for exit (SIGKILL after timeoutMs). Returns { code, signal }. */
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      const info = await stopProc(signal, timeoutMs);
      fs.rmSync(tmp, { recursive: true, force: true });
      return info;
    },
    async kill() {
      return server.stop('SIGKILL', 5000);
    },
  };
  return server;
}

// `dataDir`: keep data across restarts (the caller owns and removes it); default a fresh folder.
function spawnSwitchboard({ apps, config, cliApps, tmp, dataDir = path.join(tmp, 'data') }) {
  fs.mkdirSync(dataDir, { recursive: true });
  const configPath = path.join(tmp, 'switchboard.toml');
  fs.writeFileSync(configPath, buildToml(config, cliApps ? [] : apps));
  const args = ['serve', '--host', HOST, '--port', '0', '--threads', '2', '--data-dir', dataDir, '--config', configPath];
  if (cliApps) for (const a of apps) args.push('--app', `${a.id}:${a.key}:${a.secret}`);
  // SWITCHBOARD_* variables override the config file: keep the caller's out.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));
  const proc = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp, env });
  return { proc, knownPort: null };
}

/** Map our app/config options onto soketi's (a subset: see the comments in the tests). */
async function spawnSoketi({ apps, config, tmp }) {
  const port = await freePort();
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const kb = (bytes) => bytes / 1024;
  const soketiApps = apps.map((a) => {
    const limits = { ...(a.plan ? PLANS[a.plan] : {}), ...(a.limits || {}) };
    return {
      id: a.id,
      key: a.key,
      secret: a.secret,
      enabled: a.enabled ?? true,
      enableClientMessages: a.client_events ?? true,
      maxConnections: limits.max_connections ?? -1,
      maxBackendEventsPerSecond: limits.max_messages_per_second ?? -1,
      maxClientEventsPerSecond: config.client_event_rate ?? 10,
      maxReadRequestsPerSecond: -1,
      webhooks: [],
      ...(a.soketi || {}),
    };
  });
  // soketi dot-sets each top-level key of its config file: use dotted keys so
  // its other defaults (appManager.cache, ...) survive.
  const soketiConfig = {
    'debug': false,
    'appManager.driver': 'array',
    'appManager.array.apps': soketiApps,
    'presence.maxMembersPerChannel': config.max_presence_members ?? 100,
    'presence.maxMemberSizeInKb': kb(config.max_user_info_size ?? 1024),
    'eventLimits.maxChannelsAtOnce': 100,
    'eventLimits.maxNameLength': 200,
    'eventLimits.maxPayloadInKb': kb(config.max_message_size ?? 10240),
    'eventLimits.maxBatchSize': 10,
    'userAuthenticationTimeout': 600_000,
    'shutdownGracePeriod': (config.shutdown_grace ?? 1) * 1000,
  };
  const configPath = path.join(tmp, 'soketi.json');
  fs.writeFileSync(configPath, JSON.stringify(soketiConfig, null, 2));
  const env = {
    ...process.env,
    SOKETI_HOST: HOST,
    SOKETI_PORT: String(port),
    SOKETI_METRICS_HOST: HOST,
    SOKETI_METRICS_PORT: String(metricsPort),
    SOKETI_METRICS_SERVER_PORT: String(metricsPort),
  };
  const proc = spawn(process.execPath, [SOKETI_ENTRY, 'start', `--config=${configPath}`], {
    stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp, env,
  });
  return { proc, knownPort: port };
}

async function waitHealthy(port, route, timeoutMs, exited) {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  exited.then(() => { exitedEarly = true; });
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exitedEarly) throw new Error('server exited before becoming healthy');
    try {
      const res = await httpRequest(`http://${HOST}:${port}${route}`);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await delay(50);
  }
  throw new Error(`GET ${route} never answered 200 within ${timeoutMs} ms (last: ${last})`);
}

/**
 * For a describe(): start a server before the suite, stop it (and every
 * client opened through the harness) after. Returns an object that is filled
 * with the server's fields once `before` has run.
 */
export function useServer(opts = {}) {
  const srv = {};
  before(async () => {
    const server = await startServer(typeof opts === 'function' ? await opts() : opts);
    Object.defineProperties(srv, Object.getOwnPropertyDescriptors(server)); // keeps the exitInfo getter live
  });
  after(async () => {
    await closeAll();
    if (srv.stop) await srv.stop();
  });
  return srv;
}

// ---------------------------------------------------------------------------
// Raw WebSocket client
// ---------------------------------------------------------------------------

export const DEFAULT_QUERY = 'protocol=7&client=js&version=8.4.0&flash=false';

/** ws://127.0.0.1:PORT/app/KEY?protocol=7&... */
export function appUrl(server, key = server.app.key, query = DEFAULT_QUERY) {
  return `${server.wsUrl}/app/${key}${query === '' || query == null ? '' : `?${query}`}`;
}

/** `data` of a server frame as an object (JSON strings are decoded; objects returned as is). */
export function dataOf(msg) {
  const d = msg?.data;
  if (typeof d === 'string') {
    try { return JSON.parse(d); } catch { return d; }
  }
  return d;
}

function matcher(pred) {
  if (typeof pred === 'function') return pred;
  if (typeof pred === 'string') return (m) => m.event === pred;
  if (pred && typeof pred === 'object') {
    return (m) => Object.entries(pred).every(([k, v]) => m[k] === v);
  }
  return () => true;
}

/**
 * Open a raw WebSocket. Frames are queued; next(pred) takes the first queued
 * (or future) frame matching pred (event name, {field: value} or function).
 */
export function openRaw(url, { headers, wsOptions = {} } = {}) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: 5000, ...wsOptions });
  const queue = [];
  const frames = [];
  const waiters = [];
  const errors = [];
  let closeInfo = null;
  let httpStatus = null;

  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (req, res) => {
      httpStatus = res.statusCode;
      res.resume();
      const e = new Error(`unexpected HTTP response ${res.statusCode} to WebSocket upgrade`);
      e.status = res.statusCode;
      reject(e);
      try { req.destroy(); } catch { /* ignore */ }
    });
    ws.once('close', () => reject(new Error('closed before open')));
    ws.once('error', reject);
  });
  opened.catch(() => {});

  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString('utf8') };
      resolve(closeInfo);
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`socket closed (code ${code}${closeInfo.reason ? ` "${closeInfo.reason}"` : ''}) while waiting for ${w.what}; ` +
          `unconsumed frames: ${JSON.stringify(queue).slice(0, 600)}`));
      }
    });
  });

  ws.on('error', (e) => errors.push(e));
  ws.on('message', (data, isBinary) => {
    const text = data.toString('utf8');
    let msg;
    try { msg = JSON.parse(text); } catch { msg = { event: undefined, raw: text }; }
    if (msg === null || typeof msg !== 'object') msg = { event: undefined, raw: text };
    if (isBinary) msg.binary = true;
    frames.push(msg);
    const i = waiters.findIndex((w) => w.match(msg));
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      w.resolve(msg);
    } else {
      queue.push(msg);
    }
  });

  const raw = {
    ws,
    url,
    frames,
    queue,
    errors,
    opened,
    closed,
    get closeInfo() { return closeInfo; },
    get httpStatus() { return httpStatus; },
    isOpen() { return ws.readyState === WebSocket.OPEN; },
    send(obj, opts) {
      const payload = typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj);
      ws.send(payload, opts);
    },
    next(pred, timeoutMs = 5000, what) {
      const match = matcher(pred);
      const desc = what || (typeof pred === 'function' ? 'a matching frame' : JSON.stringify(pred));
      const i = queue.findIndex(match);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
      if (closeInfo) {
        return Promise.reject(new Error(`socket already closed (code ${closeInfo.code}) while waiting for ${desc}; ` +
          `unconsumed frames: ${JSON.stringify(queue).slice(0, 600)}`));
      }
      return new Promise((resolve, reject) => {
        const w = { match, what: desc, resolve: null, reject: null };
        const timer = setTimeout(() => {
          const j = waiters.indexOf(w);
          if (j >= 0) waiters.splice(j, 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${desc}; unconsumed frames: ${JSON.stringify(queue).slice(0, 600)}`));
        }, timeoutMs);
        w.resolve = (m) => { clearTimeout(timer); resolve(m); };
        w.reject = (e) => { clearTimeout(timer); reject(e); };
        waiters.push(w);
      });
    },
    /** Frames still queued (not taken by next) that match pred. */
    pending(pred) {
      return queue.filter(matcher(pred));
    },
    /** Round trip pusher:ping → pusher:pong: proves the socket is open and the server has processed everything sent before. */
    async barrier(timeoutMs = 5000) {
      raw.send({ event: 'pusher:ping', data: {} });
      return raw.next('pusher:pong', timeoutMs);
    },
    waitClosed(timeoutMs = 5000) {
      return withTimeout(closed, timeoutMs, 'the socket to close');
    },
    async close(code = 1000, reason) {
      if (ws.readyState === WebSocket.CLOSED) return closeInfo;
      if (ws.readyState === WebSocket.CONNECTING) {
        ws.terminate();
      } else {
        try { ws.close(code, reason); } catch { ws.terminate(); }
      }
      let timer;
      const res = await Promise.race([closed, new Promise((r) => { timer = setTimeout(() => r(null), 2000); })]);
      clearTimeout(timer);
      if (!res) ws.terminate();
      return closed;
    },
    terminate() { ws.terminate(); },
  };
  track(raw);
  return raw;
}

/** openRaw + wait for pusher:connection_established. */
export async function connectRaw(server, { key = server.app.key, query = DEFAULT_QUERY, timeoutMs = 5000 } = {}) {
  const raw = openRaw(appUrl(server, key, query));
  const est = await raw.next('pusher:connection_established', timeoutMs);
  const data = dataOf(est);
  raw.socketId = data.socket_id;
  raw.activityTimeout = data.activity_timeout;
  raw.established = est;
  return raw;
}

/** Subscribe a raw socket (auth/channel_data as given) and wait for success or error. */
export async function rawSubscribe(raw, channel, { auth, channel_data, timeoutMs = 5000 } = {}) {
  const data = { channel };
  if (auth !== undefined) data.auth = auth;
  if (channel_data !== undefined) data.channel_data = channel_data;
  raw.send({ event: 'pusher:subscribe', data });
  return raw.next(
    (m) => m.channel === channel && (m.event === 'pusher_internal:subscription_succeeded' || m.event === 'pusher:subscription_error'),
    timeoutMs, `subscription answer for ${channel}`);
}

// ---------------------------------------------------------------------------
// Signatures (built by hand with node:crypto, as PUSHER.md 1.7/1.8/1.12 describe)
// ---------------------------------------------------------------------------

export function hmacHex(secret, text) {
  return crypto.createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** private-/encrypted auth string `key:hex(HMAC(secret, socket_id:channel[:channel_data]))`. */
export function channelAuth(app, socketId, channel, channelData) {
  const toSign = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${app.key}:${hmacHex(app.secret, toSign)}`;
}

/** pusher:signin auth `key:hex(HMAC(secret, socket_id::user::user_data))`. */
export function userAuth(app, socketId, userData) {
  return `${app.key}:${hmacHex(app.secret, `${socketId}::user::${userData}`)}`;
}

/** Subscribe a raw socket to a presence channel as user `userId`. */
export async function rawPresenceSubscribe(raw, app, channel, userId, userInfo = {}) {
  const channelData = JSON.stringify({ user_id: userId, user_info: userInfo });
  return rawSubscribe(raw, channel, { auth: channelAuth(app, raw.socketId, channel, channelData), channel_data: channelData });
}

/** Query string of a signed Pusher HTTP API request (the signature is over unencoded k=v pairs, sorted). */
export function signQuery(app, method, reqPath, { query = {}, body = '', timestamp, bodyMd5, secret = app.secret, key = app.key } = {}) {
  const params = {
    auth_key: key,
    auth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    ...query,
  };
  if (bodyMd5 !== undefined) params.body_md5 = bodyMd5;
  else if (body && body.length) params.body_md5 = crypto.createHash('md5').update(body).digest('hex');
  const sorted = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const signature = hmacHex(secret, `${method}\n${reqPath}\n${sorted}`);
  const encoded = Object.keys(params).sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`).join('&');
  return { query: `${encoded}&auth_signature=${signature}`, signature, stringToSign: `${method}\n${reqPath}\n${sorted}` };
}

/**
 * A Pusher HTTP API request signed by hand. `tamper(signature)` may alter
 * the signature; bodyMd5 overrides the md5 sent (and signed).
 */
export async function signedRequest(server, app, method, reqPath, { query, body, timestamp, bodyMd5, secret, key, tamper } = {}) {
  const bodyText = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const signed = signQuery(app, method, reqPath, { query, body: bodyText, timestamp, bodyMd5, secret, key });
  let qs = signed.query;
  if (tamper) qs = qs.replace(`auth_signature=${signed.signature}`, `auth_signature=${tamper(signed.signature)}`);
  const res = await httpRequest(`${server.httpUrl}${reqPath}?${qs}`, {
    method,
    headers: bodyText ? { 'content-type': 'application/json' } : {},
    body: bodyText || undefined,
  });
  return soketiStatus(res);
}

/**
 * soketi as installed here (uWebSockets.js override) answers every HTTP API
 * error with status 200 and puts the real code in its JSON body
 * ({"error":..., "code":401}). Only when targeting soketi, read the status
 * from there so the rest of each test still runs against it.
 */
export function soketiStatus(res) {
  if (!ON_SOKETI || res.status !== 200) return res;
  try {
    const body = JSON.parse(res.text);
    if (body && typeof body.code === 'number' && body.code >= 400 && typeof body.error === 'string') {
      return { ...res, rawStatus: res.status, status: body.code };
    }
  } catch { /* not JSON */ }
  return res;
}

// ---------------------------------------------------------------------------
// pusher-js and the pusher server SDK
// ---------------------------------------------------------------------------

/** A pusher-js client pointed at the server. Extra options are merged in. */
export function pusherClient(server, opts = {}) {
  const { key = server.app.key, ...rest } = opts;
  const client = new PusherJs(key, {
    wsHost: HOST,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    cluster: '',
    disableStats: true,
    ...rest,
  });
  track({ close: async () => { try { client.disconnect(); } catch { /* ignore */ } } });
  return client;
}

/** Wait for a pusher-js client to be connected; resolves its socket_id. */
export function pusherConnected(client, timeoutMs = 5000) {
  if (client.connection.state === 'connected') return Promise.resolve(client.connection.socket_id);
  return withTimeout(new Promise((resolve, reject) => {
    const onChange = ({ current }) => {
      if (current === 'connected') {
        client.connection.unbind('state_change', onChange);
        resolve(client.connection.socket_id);
      } else if (current === 'failed') {
        client.connection.unbind('state_change', onChange);
        reject(new Error('pusher-js connection failed'));
      }
    };
    client.connection.bind('state_change', onChange);
  }), timeoutMs, 'pusher-js to connect');
}

/** Wait for a pusher-js client to leave the connected state; resolves the new state. */
export function pusherLeftConnected(client, timeoutMs = 5000) {
  return withTimeout(new Promise((resolve) => {
    const onChange = ({ previous, current }) => {
      if (previous === 'connected' && current !== 'connected') {
        client.connection.unbind('state_change', onChange);
        resolve(current);
      }
    };
    client.connection.bind('state_change', onChange);
  }), timeoutMs, 'pusher-js to leave the connected state');
}

/** Next occurrence of `event` on a pusher-js channel (or pusher.user / connection). */
export function nextEvent(bindable, event, timeoutMs = 5000) {
  let handler;
  return withTimeout(new Promise((resolve) => {
    handler = (data, metadata) => {
      bindable.unbind(event, handler);
      resolve({ data, metadata });
    };
    bindable.bind(event, handler);
  }), timeoutMs, `event ${event}`).catch((e) => {
    bindable.unbind(event, handler);
    throw e;
  });
}

/** Resolve when a pusher-js channel subscription succeeds; reject on subscription_error. */
export function subscribed(channel, timeoutMs = 5000) {
  if (channel.subscribed) return Promise.resolve(channel);
  let ok; let bad;
  return withTimeout(new Promise((resolve, reject) => {
    ok = () => resolve(channel);
    bad = (err) => {
      const e = new Error(`subscription_error on ${channel.name}: ${JSON.stringify(err)}`);
      e.detail = err;
      reject(e);
    };
    channel.bind('pusher:subscription_succeeded', ok);
    channel.bind('pusher:subscription_error', bad);
  }), timeoutMs, `subscription to ${channel.name}`).finally(() => {
    channel.unbind('pusher:subscription_succeeded', ok);
    channel.unbind('pusher:subscription_error', bad);
  });
}

/** Collect every `event` on a pusher-js bindable into an array. */
export function collect(bindable, event) {
  const items = [];
  bindable.bind(event, (data, metadata) => items.push({ data, metadata }));
  return items;
}

/** `pusher` server SDK instance pointed at the server. */
export function serverSdk(server, app = server.app, extra = {}) {
  return new PusherServer({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: HOST,
    port: String(server.port),
    useTLS: false,
    timeout: 10_000,
    ...extra,
  });
}

/** Body text of a pusher SDK response. */
export async function sdkJson(resPromise) {
  const res = await resPromise;
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

/** Status of a pusher SDK call that may fail (RequestError carries .status). */
export async function sdkStatus(promise) {
  try {
    const res = await promise;
    const text = await res.text().catch(() => '');
    return soketiStatus({ status: res.status, text }).status;
  } catch (e) {
    if (typeof e.status === 'number') return e.status;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Local auth endpoint (what a customer's app server does), built on the SDK
// ---------------------------------------------------------------------------

function parseForm(text) {
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Local HTTP auth endpoint on 127.0.0.1:0.
 *   POST /pusher/auth      → pusher.authorizeChannel(socket_id, channel_name, presenceData)
 *   POST /pusher/user-auth → pusher.authenticateUser(socket_id, userData)
 * Presence data / user data come from request params user_id and user_name
 * (pusher-js `params`). deny=true answers 403. Also accepts JSON bodies.
 */
export async function startAuthServer(server, { app = server.app, deny = false, encryptionMasterKeyBase64 } = {}) {
  const sdk = serverSdk(server, app, encryptionMasterKeyBase64 ? { encryptionMasterKeyBase64 } : {});
  const state = { deny, requests: [] };
  const httpServer = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let params;
      try {
        params = (req.headers['content-type'] || '').includes('json') ? JSON.parse(text) : parseForm(text);
      } catch {
        params = {};
      }
      const url = new URL(req.url, 'http://x');
      state.requests.push({ path: url.pathname, params });
      const reply = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify(body));
      };
      if (state.deny) return reply(403, { error: 'denied by test' });
      try {
        const userId = params.user_id || `user-${params.socket_id}`;
        const userInfo = { name: params.user_name || `name of ${userId}` };
        if (url.pathname === '/pusher/auth') {
          const channel = params.channel_name;
          const isPresence = /^presence[-:]/.test(channel);
          const auth = isPresence
            ? sdk.authorizeChannel(params.socket_id, channel, { user_id: userId, user_info: userInfo })
            : sdk.authorizeChannel(params.socket_id, channel);
          return reply(200, auth);
        }
        if (url.pathname === '/pusher/user-auth') {
          return reply(200, sdk.authenticateUser(params.socket_id, { id: userId, user_info: userInfo }));
        }
        return reply(404, { error: 'no such route' });
      } catch (e) {
        return reply(400, { error: String(e.message || e) });
      }
    });
  });
  await new Promise((r) => httpServer.listen(0, HOST, r));
  const base = `http://${HOST}:${httpServer.address().port}`;
  const auth = {
    url: base,
    channelUrl: `${base}/pusher/auth`,
    userUrl: `${base}/pusher/user-auth`,
    requests: state.requests,
    sdk,
    setDeny(v) { state.deny = v; },
    /** pusher-js options authorizing through this endpoint as `userId`. */
    clientOptions(userId, userName) {
      const params = userId === undefined ? {} : { user_id: userId, user_name: userName || `name of ${userId}` };
      return {
        channelAuthorization: { endpoint: auth.channelUrl, transport: 'ajax', params },
        userAuthentication: { endpoint: auth.userUrl, transport: 'ajax', params },
      };
    },
    close() {
      return new Promise((r) => { httpServer.close(() => r()); httpServer.closeAllConnections?.(); });
    },
  };
  track(auth);
  return auth;
}

/** Unique name for a channel within a run. */
let seq = 0;
export function uniq(prefix) {
  seq += 1;
  return `${prefix}${process.pid}-${seq}`;
}
