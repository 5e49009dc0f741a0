import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeToken, makeRealtime } from '../test/helpers/fake.js';
import { DEBOUNCE_MS, IDLE_MS, RENEW_MS } from './typing.js';

async function setup() {
  const made = makeRealtime({ token: fakeToken({ sub: 'alice', user_info: { name: 'Alice' } }), options: { heartbeatInterval: 3_600_000 } });
  const p = made.rt.start();
  made.server.last.establish({ user_id: 'alice' });
  await p;
  const ch = made.rt.subscribe('chat:t');
  made.server.last.confirmSubscriptions();
  const typing = () => made.server.last.framesOf('switchboard:typing').map((f) => [made.clock.now, (f.data as { typing: boolean }).typing]);
  return { ...made, ch, typing };
}

describe('typing', () => {
  it('sends at most one start per 2 s while typing continues', async () => {
    const { ch, clock, server } = await setup();
    for (let t = 0; t < 5000; t += 100) {
      ch.typing.start({ user_id: 'alice', user_name: 'Alice' });
      clock.advance(100);
    }
    const frames = server.last.framesOf('switchboard:typing');
    assert.equal(frames.length, 3, `at 0, 2000, 4000 ms: got ${frames.length}`);
    assert.deepEqual(frames[0]!.data, { typing: true, user_name: 'Alice' });
  });

  it('stop() sends typing:false once', async () => {
    const { ch, server } = await setup();
    ch.typing.start();
    ch.typing.stop();
    ch.typing.stop();
    const data = server.last.framesOf('switchboard:typing').map((f) => f.data);
    assert.deepEqual(data, [{ typing: true, user_name: 'Alice' }, { typing: false, user_name: 'Alice' }]);
    assert.equal(ch.typing.isTyping, false);
  });

  it('renews by itself until stop() (server expiry is 6 s), and stops after a long idle', async () => {
    const { ch, clock, server } = await setup();
    ch.typing.start();
    clock.advance(RENEW_MS * 3);
    assert.equal(server.last.framesOf('switchboard:typing').length, 4);
    clock.advance(IDLE_MS);
    const last = server.last.framesOf('switchboard:typing').at(-1)!;
    assert.deepEqual(last.data, { typing: false, user_name: 'Alice' });
    assert.ok(DEBOUNCE_MS < RENEW_MS && RENEW_MS < 6000);
  });

  it('emits typing:start/stop with user_id and user_name', async () => {
    const { ch, server } = await setup();
    const got: unknown[] = [];
    ch.on('typing:start', (u) => got.push(['start', u]));
    ch.on('typing:stop', (u) => got.push(['stop', u]));
    server.last.deliver({ event: 'typing:start', channel: 'chat:t', data: JSON.stringify({ user_id: 'bob', user_name: 'Bob' }) });
    server.last.deliver({ event: 'typing:stop', channel: 'chat:t', data: JSON.stringify({ user_id: 'bob' }) });
    assert.deepEqual(got, [
      ['start', { user_id: 'bob', user_name: 'Bob' }],
      ['stop', { user_id: 'bob', user_name: 'bob' }],
    ]);
  });

  it('does not send while the channel is not subscribed', async () => {
    const { rt, server } = await setup();
    const other = rt.subscribe('chat:pending');
    other.typing.start();
    assert.equal(server.last.framesOf('switchboard:typing').length, 0);
  });
});
