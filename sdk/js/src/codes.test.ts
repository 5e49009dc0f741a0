import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeAction, subscriptionErrorCode } from './codes.js';

describe('codes: the close-code table (pusher-js getCloseAction)', () => {
  const table: Array<[number, string | undefined, string]> = [
    [1000, undefined, 'network'],
    [1002, undefined, 'network'],
    [1006, undefined, 'network'],
    [4000, undefined, 'refused'],
    [4001, undefined, 'refused'],
    [4009, undefined, 'refused'],
    [4009, 'invalid_token', 'refresh_token'],
    [4004, 'invalid_token', 'refused'],
    [4099, undefined, 'refused'],
    [4100, undefined, 'backoff'],
    [4199, undefined, 'backoff'],
    [4200, undefined, 'retry'],
    [4201, undefined, 'retry'],
    [4299, undefined, 'retry'],
    [4300, undefined, 'refused'],
    [4301, undefined, 'refused'],
  ];
  for (const [code, error, action] of table) {
    it(`${code}${error ? ` (${error})` : ''} -> ${action}`, () => assert.equal(closeAction(code, error), action));
  }

  it('maps Pusher subscription errors onto seed codes', () => {
    assert.equal(subscriptionErrorCode('AuthError', 401), 'unauthorized_channel');
    assert.equal(subscriptionErrorCode('LimitReached', 403), 'channel_limit_exceeded');
    assert.equal(subscriptionErrorCode('InvalidChannel', 400), 'invalid_channel');
  });
});
