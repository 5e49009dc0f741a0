import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, create23BlocksClient, toWebSocketBase } from './client.js';
import { SwitchboardError } from './errors.js';
import { fakeFetch, fakeToken, FakeServer } from '../test/helpers/fake.js';
import { VERSION } from './version.js';
import fs from 'node:fs';

describe('client', () => {
  it('exports the seed name', () => {
    assert.equal(create23BlocksClient, createClient);
  });

  it('derives ws(s) URLs', () => {
    assert.equal(toWebSocketBase('https://rt.example.com/'), 'wss://rt.example.com');
    assert.equal(toWebSocketBase('http://127.0.0.1:6001/prefix'), 'ws://127.0.0.1:6001/prefix');
    assert.throws(() => createClient({ urls: { realtime: 'ftp://x' }, apiKey: 'k' }), SwitchboardError);
  });

  it('VERSION matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(VERSION, pkg.version);
  });

  it('getToken with a secret key calls POST /v1/realtime/tokens', async () => {
    const srv = fakeFetch(() => ({ status: 201, body: { data: { type: 'tokens', id: 'tok_1', attributes: { token: 'T', user_id: 'user_123', expires_at: '2030-01-01T00:00:00Z' } } } }));
    const client = createClient({ urls: { realtime: 'http://h:1' }, appId: '42', apiKey: 'sk_test_a', fetch: srv.fetch });
    const out = await client.realtime.getToken({ user_id: 'user_123', channels: ['chat:*', 'notifications:user_123'], user_info: { name: 'Alice' } });
    assert.deepEqual(out, { token: 'T', expires_at: '2030-01-01T00:00:00Z' });
    const call = srv.calls[0]!;
    assert.equal(call.url, 'http://h:1/v1/realtime/tokens');
    assert.equal(call.method, 'POST');
    assert.equal(call.headers['x-app-id'], '42');
    assert.equal(call.headers['x-api-key'], 'sk_test_a');
    assert.equal(call.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(call.body!), {
      data: { type: 'tokens', attributes: { user_id: 'user_123', channels: ['chat:*', 'notifications:user_123'], user_info: { name: 'Alice' } } },
    });
  });

  it('getToken with a publishable key asks the app\'s tokenEndpoint', async () => {
    const token = fakeToken({ sub: 'alice', exp: 2_000_000_000 });
    const srv = fakeFetch(() => ({ body: { token } }));
    const client = createClient({ urls: { realtime: 'http://h:1' }, apiKey: 'pk_test_a', tokenEndpoint: '/demo/token', fetch: srv.fetch });
    const out = await client.realtime.getToken({ user_id: 'alice', channels: ['presence:chat:general'], user_info: { name: 'Alice' } });
    assert.equal(out.token, token);
    assert.equal(out.expires_at, new Date(2_000_000_000_000).toISOString());
    assert.equal(srv.calls[0]!.url, 'http://h:1/demo/token');
    assert.deepEqual(JSON.parse(srv.calls[0]!.body!), { user_id: 'alice', channels: ['presence:chat:general'], user_info: { name: 'Alice' } });
    assert.equal(srv.calls[0]!.headers['x-api-key'], undefined, 'the app endpoint gets no Switchboard key');
  });

  it('getToken with a publishable key and no tokenEndpoint is a clear error', async () => {
    const client = createClient({ urls: { realtime: 'http://h:1' }, apiKey: 'pk_live_b' });
    await assert.rejects(client.realtime.getToken({ user_id: 'u' }), (e: unknown) => e instanceof SwitchboardError && e.code === 'configuration_error' && /tokenEndpoint/.test(e.detail));
  });

  it('getToken failure carries the server\'s JSON:API error', async () => {
    const srv = fakeFetch(() => ({ status: 401, body: { errors: [{ status: '401', code: 'invalid_api_key', title: 'Unauthorized', detail: 'bad key' }] } }));
    const client = createClient({ urls: { realtime: 'http://h:1' }, appId: '42', apiKey: 'sk_wrong', fetch: srv.fetch });
    await assert.rejects(client.realtime.getToken({ user_id: 'u' }), (e: unknown) => e instanceof SwitchboardError && e.code === 'invalid_api_key' && e.status === 401);
  });

  it('connect: app id in the key slot for secret keys, the pk for publishable ones', async () => {
    for (const [apiKey, slot] of [['sk_test_a', '/app/42?'], ['pk_test_a', '/app/pk_test_a?']] as const) {
      const server = new FakeServer();
      const client = createClient({ urls: { realtime: 'https://rt.example.com' }, appId: '42', apiKey });
      const p = client.realtime.connect({ token: 'tok', transport: server.factory });
      server.last.establish();
      const rt = await p;
      assert.ok(server.last.url.startsWith(`wss://rt.example.com${slot}`), server.last.url);
      assert.match(server.last.url, new RegExp(`protocol=7&client=switchboard-js&version=${VERSION}&extensions=native&token=tok$`));
      assert.equal(client.realtime.token, 'tok');
      rt.disconnect();
    }
  });

  it('search: GET /v1/realtime/messages/search with the Bearer token, message shape, meta', async () => {
    const srv = fakeFetch(() => ({ body: { data: [{ id: 'msg_1', type: 'messages', attributes: { channel_id: 'chat:room-1', user_id: 'u', event: 'message', data: { text: 'meeting at 3' }, created_at: 'x', offset: 1 } }], meta: { has_more: false, oldest_id: 'msg_1', newest_id: 'msg_1' } } }));
    const client = createClient({ urls: { realtime: 'http://h:1' }, appId: '42', apiKey: 'pk_test_a', fetch: srv.fetch });
    client.realtime.setToken('TOK');
    const res = await client.realtime.messages.search({ channel_id: 'chat:room-1', query: 'meeting', limit: 20 });
    assert.equal(srv.calls[0]!.url, 'http://h:1/v1/realtime/messages/search?channel_id=chat%3Aroom-1&query=meeting&limit=20');
    assert.equal(srv.calls[0]!.headers.authorization, 'Bearer TOK');
    assert.equal(res[0]!.text, 'meeting at 3');
    assert.equal(res.meta.has_more, false);
  });

  it('a refused first connect rejects and stops', async () => {
    const server = new FakeServer();
    const client = createClient({ urls: { realtime: 'http://h:1' }, appId: '42', apiKey: 'sk_x' });
    const p = client.realtime.connect({ token: 'forged', transport: server.factory });
    server.last.open();
    server.last.deliver({ event: 'pusher:error', data: { code: 4009, message: 'invalid signature', error: 'invalid_token' } });
    server.last.serverClose(4009);
    await assert.rejects(p, (e: unknown) => e instanceof SwitchboardError && e.code === 'invalid_token');
    assert.equal(server.sockets.length, 1);
  });
});
