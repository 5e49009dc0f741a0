// Tokens and connections against the real server: getToken with a secret key, connect,
// publishable keys with a token endpoint, forged and expired tokens, token refresh.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { SwitchboardError } from '../../src/index.js';
import { clientFor, delay, recorder, SKIP, TEST_APP, track, uniq, useServer, withTimeout } from './harness.js';

/** The app's own backend: a token endpoint that mints with the secret key (as the demo's does). */
function tokenEndpoint(httpUrl: string): Promise<{ url: string; close(): Promise<void>; calls: unknown[] }> {
  const calls: unknown[] = [];
  const backend = clientFor({ httpUrl }, TEST_APP, true);
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { user_id: string; channels?: string[]; user_info?: Record<string, unknown> };
      calls.push(body);
      backend.realtime.getToken(body).then(
        ({ token }) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ token }));
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(err) }));
        },
      );
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/token`, calls, close: () => new Promise((r) => srv.close(() => r())) });
    }),
  );
}

/** A JWT like the server's, signed with the wrong key. */
function forge(claims: Record<string, unknown>, key = 'not-the-secret'): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${crypto.createHmac('sha256', key).update(head).digest('base64url')}`;
}

describe('connection and tokens', { skip: SKIP }, () => {
  const srv = useServer();
  before(() => srv.ready());

  it('getToken (secret key) returns a JWT with the claims; connect resolves once connected', async () => {
    const client = clientFor(srv.get());
    const out = await client.realtime.getToken({ user_id: 'user_123', channels: ['chat:*', 'notifications:user_123'], user_info: { name: 'Alice' } });
    assert.equal(typeof out.token, 'string');
    assert.equal(out.token.split('.').length, 3, 'a JWT');
    assert.ok(out.expires_at && Date.parse(out.expires_at) > Date.now(), `expires_at ${out.expires_at}`);
    const claims = JSON.parse(Buffer.from(out.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.sub, 'user_123');
    assert.equal(claims.iss, '42');
    assert.equal(claims.env, 'staging', 'sk_test_* is the staging environment');
    assert.deepEqual(claims.channels, ['chat:*', 'notifications:user_123']);

    const log = recorder();
    const realtime = track(await client.realtime.connect({ token: out.token, transport: log.transport }));
    assert.equal(realtime.getState(), 'connected', log.tail());
    assert.equal(realtime.isConnected(), true);
    const established = log.received('pusher:connection_established')[0];
    const data = JSON.parse(String(established?.data)) as Record<string, unknown>;
    assert.deepEqual(data.extensions, ['native'], `connection_established: ${JSON.stringify(established)}`);
    assert.equal(data.user_id, 'user_123', `connection_established: ${JSON.stringify(established)}`);
    assert.equal(realtime.userId, 'user_123');

    let connected = 0;
    realtime.on('connected', () => connected++);
    await delay(20);
    assert.equal(connected, 1, 'a connected listener added after connect() is called');

    const states: string[] = [];
    realtime.on('state', (s) => states.push(s.current));
    const reasons: string[] = [];
    realtime.on('disconnected', (r) => reasons.push(r));
    realtime.disconnect();
    await withTimeout(new Promise<void>((r) => realtime.once('disconnected', () => r())), 5000, 'disconnected');
    assert.deepEqual(states, ['disconnecting', 'disconnected']);
    assert.deepEqual(reasons, ['io client disconnect']);
    assert.equal(realtime.getState(), 'disconnected');
  });

  it('getToken with a publishable key asks the tokenEndpoint; pk + token connects', async () => {
    const backend = await tokenEndpoint(srv.get().httpUrl);
    try {
      const browser = clientFor(srv.get(), TEST_APP, false, { tokenEndpoint: backend.url });
      const { token } = await browser.realtime.getToken({ user_id: 'alice', channels: ['chat:*'], user_info: { name: 'Alice' } });
      assert.deepEqual(backend.calls, [{ user_id: 'alice', channels: ['chat:*'], user_info: { name: 'Alice' } }]);
      const log = recorder();
      const realtime = track(await browser.realtime.connect({ token, transport: log.transport }));
      assert.match(log.lines[0]!, /\/app\/pk_test_a\?/);
      assert.equal(realtime.userId, 'alice');
      realtime.disconnect();
    } finally {
      await backend.close();
    }
  });

  it('getToken with a wrong secret rejects with the server\'s error', async () => {
    const client = clientFor(srv.get(), { ...TEST_APP, secret: 'sk_test_wrong' });
    await assert.rejects(client.realtime.getToken({ user_id: 'u' }), (e: unknown) => e instanceof SwitchboardError && e.status === 401 && e.code === 'invalid_api_key');
  });

  it('a forged token is refused: connect rejects with invalid_token, no retry', async () => {
    const client = clientFor(srv.get());
    const log = recorder();
    const now = Math.floor(Date.now() / 1000);
    const token = forge({ iss: '42', sub: 'mallory', env: 'staging', channels: ['*'], iat: now, exp: now + 3600, jti: 'x' });
    const err = await client.realtime.connect({ token, transport: log.transport }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SwitchboardError, `connect resolved; frames:\n${log.tail()}`);
    assert.equal(err.code, 'invalid_token', `${err.message}\n${log.tail()}`);
    assert.equal(err.closeCode, 4009, log.tail());
    await delay(300);
    assert.equal(log.lines.filter((l) => l.startsWith('# open')).length, 1, 'no reconnect after a refusal');
    const e = log.received('pusher:error')[0];
    assert.ok(e, `no pusher:error before the close:\n${log.tail()}`);
  });

  /** A token signed with the app's secret that expired two minutes ago (the server allows 60 s of skew). */
  function expiredToken(sub: string): string {
    const now = Math.floor(Date.now() / 1000);
    return forge({ iss: '42', sub, env: 'staging', channels: ['chat:*'], user_info: null, iat: now - 3720, exp: now - 120, jti: `tok_${sub}` }, TEST_APP.secret);
  }

  it('an expired token is refused with invalid_token', async () => {
    const client = clientFor(srv.get());
    const token = expiredToken('late');
    const log = recorder();
    await assert.rejects(
      client.realtime.connect({ token, transport: log.transport }),
      (e: unknown) => e instanceof SwitchboardError && e.code === 'invalid_token',
      log.tail(),
    );
  });

  it('an expired token is replaced by the tokenProvider (explicit)', async () => {
    const client = clientFor(srv.get());
    const token = expiredToken('late2');
    let asked = 0;
    const log = recorder();
    const realtime = track(
      await client.realtime.connect({
        token,
        transport: log.transport,
        tokenProvider: async () => {
          asked++;
          return (await client.realtime.getToken({ user_id: 'late2', channels: ['chat:*'] })).token;
        },
      }),
    );
    assert.equal(asked, 1);
    assert.equal(realtime.isConnected(), true, log.tail());
    realtime.disconnect();
  });

  it('a token connection may only subscribe to granted channels (unauthorized_channel)', async () => {
    const client = clientFor(srv.get());
    const { token } = await client.realtime.getToken({ user_id: 'u1', channels: ['chat:*'] });
    const log = recorder();
    const realtime = track(await client.realtime.connect({ token, transport: log.transport }));
    const ok = realtime.subscribe(uniq('chat:'));
    const refused = realtime.subscribe(uniq('news:'));
    const err = await withTimeout(new Promise<SwitchboardError>((r) => refused.on('subscription_error', r)), 5000, () => `subscription_error\n${log.tail()}`);
    assert.equal(err.code, 'unauthorized_channel', log.tail());
    await withTimeout(new Promise<void>((r) => (ok.state === 'subscribed' ? r() : ok.on('subscribed', () => r()))), 5000, () => `subscribed\n${log.tail()}`);
    realtime.disconnect();
  });

  after(async () => undefined);
});
