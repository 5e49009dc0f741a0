import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTokenClaims, grantsChannel, matchesGrant } from './token.js';
import { fakeToken } from '../test/helpers/fake.js';

describe('token claims and grants', () => {
  it('matches grant patterns like the server', () => {
    const cases: Array<[string, string, boolean]> = [
      ['chat:*', 'chat:room-1', true],
      ['chat:*', 'chat:', true],
      ['chat:*', 'presence:chat:room-1', false],
      ['*', 'anything', true],
      ['notifications:user_123', 'notifications:user_123', true],
      ['notifications:user_123', 'notifications:user_1234', false],
      ['presence:chat:*', 'presence:chat:general', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['*:room', 'chat:room', true],
    ];
    for (const [p, c, want] of cases) assert.equal(matchesGrant(p, c), want, `${p} ~ ${c}`);
  });

  it('decodes a JWT payload; null for anything else', () => {
    const t = fakeToken({ iss: '42', sub: 'user_123', channels: ['chat:*'], user_info: { name: 'Alice' }, exp: 10, iat: 1 });
    assert.deepEqual(decodeTokenClaims(t), { iss: '42', sub: 'user_123', channels: ['chat:*'], user_info: { name: 'Alice' }, exp: 10, iat: 1 });
    assert.equal(decodeTokenClaims('user-auth-token'), null);
    assert.equal(decodeTokenClaims('a.!!!.c'), null);
    assert.equal(grantsChannel(decodeTokenClaims(t), 'chat:x'), true);
    assert.equal(grantsChannel(null, 'chat:x'), false);
  });
});
