import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromResponse, joinUrl, RestClient, withQuery } from './rest.js';
import { SwitchboardError } from './errors.js';
import { fakeFetch } from '../test/helpers/fake.js';

describe('rest', () => {
  it('joins URLs and builds queries (skipping empty values)', () => {
    assert.equal(joinUrl('http://h:1/prefix/', '/v1/x'), 'http://h:1/prefix/v1/x');
    assert.equal(withQuery('/m', { limit: 50, before: undefined, after: null, order: 'desc', q: 'a b&c' }), '/m?limit=50&order=desc&q=a%20b%26c');
    assert.equal(withQuery('/m', {}), '/m');
  });

  it('maps JSON:API errors[0], and non-JSON failures by status', () => {
    const e = errorFromResponse(429, { errors: [{ status: '429', code: 'rate_limit_exceeded', title: 'Too many', detail: 'slow down' }] }, '');
    assert.deepEqual(e.toJSON(), { status: 429, code: 'rate_limit_exceeded', title: 'Too many', detail: 'slow down' });
    const plain = errorFromResponse(502, undefined, 'Bad gateway');
    assert.equal(plain.code, 'connection_failed');
    assert.equal(plain.status, 502);
    assert.equal(errorFromResponse(401, undefined, '').code, 'invalid_token');
  });

  it('sends the seed headers: X-App-Id, X-Api-Key, Bearer when a token is known', async () => {
    const srv = fakeFetch(() => ({ body: { ok: true } }));
    let token: string | null = null;
    const rest = new RestClient({ baseUrl: 'http://h:1', appId: '42', apiKey: 'pk_test_a', fetch: srv.fetch, token: () => token });
    await rest.request({ method: 'GET', path: '/a' });
    token = 'T';
    await rest.request({ method: 'POST', path: '/b', body: { x: 1 } });
    assert.deepEqual(
      srv.calls.map((c) => [c.headers['x-app-id'], c.headers['x-api-key'], c.headers.authorization, c.headers['content-type']]),
      [
        ['42', 'pk_test_a', undefined, undefined],
        ['42', 'pk_test_a', 'Bearer T', 'application/json'],
      ],
    );
  });

  it('a network failure is a network_error SwitchboardError', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    const rest = new RestClient({ baseUrl: 'http://h:1', apiKey: 'k', fetch: failing, token: () => null });
    await assert.rejects(rest.request({ method: 'GET', path: '/x' }), (e: unknown) => e instanceof SwitchboardError && e.code === 'network_error');
  });
});
