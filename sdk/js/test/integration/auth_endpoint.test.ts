// The Pusher auth-endpoint flow beside tokens: a channel the token does not grant is signed by the
// app's own endpoint (socket_id + channel_name, form-encoded), as pusher-js does.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { Channel } from '../../src/index.js';
import { clientFor, recorder, SKIP, TEST_APP, track, uniq, useServer, withTimeout } from './harness.js';

function authServer(): Promise<{ url: string; calls: Array<{ form: Record<string, string>; headers: http.IncomingHttpHeaders }>; close(): Promise<void> }> {
  const calls: Array<{ form: Record<string, string>; headers: http.IncomingHttpHeaders }> = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body)) as Record<string, string>;
      calls.push({ form, headers: req.headers });
      if (req.headers.authorization !== 'Bearer user-session-token') {
        res.writeHead(403);
        res.end('forbidden');
        return;
      }
      const channel = form.channel_name!;
      let toSign = `${form.socket_id}:${channel}`;
      const out: Record<string, unknown> = {};
      if (channel.startsWith('presence')) {
        const channelData = JSON.stringify({ user_id: 'user_123', user_info: { name: 'Alice' } });
        toSign += `:${channelData}`;
        out.channel_data = channelData;
      }
      out.auth = `${TEST_APP.key}:${crypto.createHmac('sha256', TEST_APP.secret).update(toSign).digest('hex')}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/auth/realtime`, calls, close: () => new Promise((r) => srv.close(() => r())) });
    }),
  );
}

describe('Pusher auth endpoint beside tokens', { skip: SKIP }, () => {
  const srv = useServer();
  before(() => srv.ready());

  it('channels outside the token are authorized by the endpoint; granted ones are not', async () => {
    const auth = await authServer();
    try {
      const client = clientFor(srv.get());
      const { token } = await client.realtime.getToken({ user_id: 'user_123', channels: ['chat:*'] });
      const log = recorder();
      const realtime = track(
        await client.realtime.connect({
          token,
          transport: log.transport,
          authEndpoint: auth.url,
          authHeaders: { Authorization: 'Bearer user-session-token' },
        }),
      );
      const wait = (ch: Channel) =>
        withTimeout(
          new Promise<void>((resolve, reject) => {
            ch.once('subscribed', () => resolve());
            ch.once('subscription_error', (e) => reject(e));
          }),
          5000,
          () => `${ch.name}\n${log.tail()}`,
        );
      const priv = realtime.subscribe(uniq('private-team-'));
      const pres = realtime.subscribe(uniq('presence-room-'));
      const granted = realtime.subscribe(uniq('chat:'));
      await Promise.all([wait(priv), wait(pres), wait(granted)]);
      assert.deepEqual(auth.calls.map((c) => c.form.channel_name).sort(), [priv.name, pres.name].sort());
      assert.equal(auth.calls[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.match(auth.calls[0]!.form.socket_id ?? '', /^\d+\.\d+$/);
      const members = await pres.presence.getMembers();
      assert.deepEqual(members.map((m) => m.user_id), ['user_123']);
      const sub = log.lines.find((l) => l.startsWith('> ') && l.includes(pres.name))!;
      assert.match(sub, /"auth":"pk_test_a:[0-9a-f]{64}"/);
      assert.match(sub, /"channel_data":"/);
    } finally {
      await auth.close();
    }
  });
});
