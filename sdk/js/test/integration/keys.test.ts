// Publishable-key rights and test/live isolation: one app (42) in two environments,
// --app 42:pk_test_a:sk_test_a --app 42:pk_live_b:sk_live_b.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchboardError, type Channel, type Message, type Realtime, type SwitchboardClient } from '../../src/index.js';
import { clientFor, delay, LIVE_APP, recorder, SKIP, TEST_APP, track, uniq, useServer, withTimeout, type App, type FrameLog } from './harness.js';

interface BrowserUser {
  browser: SwitchboardClient;
  realtime: Realtime;
  log: FrameLog;
}

describe('publishable keys and environments', { skip: SKIP }, () => {
  const srv = useServer({ apps: [TEST_APP, LIVE_APP] });
  before(() => srv.ready());

  /** A browser-side user: the token comes from the backend (secret key), the client holds only pk_. */
  async function browserUser(app: App, id: string, channels: string[]): Promise<BrowserUser> {
    const backend = clientFor(srv.get(), app, true);
    const { token } = await backend.realtime.getToken({ user_id: id, channels, user_info: { name: id } });
    const browser = clientFor(srv.get(), app, false);
    const log = recorder();
    const realtime = track(await browser.realtime.connect({ token, transport: log.transport }));
    return { browser, realtime, log };
  }

  async function ready(ch: Channel, log: FrameLog): Promise<void> {
    if (ch.state === 'subscribed') return;
    await withTimeout(new Promise<void>((r) => ch.once('subscribed', () => r())), 5000, () => `subscribed\n${log.tail()}`);
  }

  it('pk + token: history, search and read receipts of a granted channel work', async () => {
    const name = uniq('chat:pk-');
    const u = await browserUser(TEST_APP, 'alice', ['chat:*']);
    const ch = u.realtime.subscribe(name);
    await ready(ch, u.log);
    const { id } = await ch.send({ type: 'message', data: { text: 'granted meeting' } });
    const history = await ch.history.fetch({ limit: 10 });
    assert.deepEqual(history.map((m) => m.id), [id]);
    const found = await u.browser.realtime.messages.search({ channel_id: name, query: 'meeting', limit: 5 });
    assert.deepEqual(found.map((m) => m.id), [id]);
    await ch.messages.markAsRead(id);
    assert.deepEqual((await ch.messages.getReadStatus(id)).read_by, ['alice']);
  });

  it('pk + token: a channel outside the grants is refused with unauthorized_channel', async () => {
    const u = await browserUser(TEST_APP, 'alice2', ['chat:*']);
    const other = u.realtime.subscribe(uniq('private:team-'));
    for (const call of [
      () => other.history.fetch({ limit: 10 }),
      () => u.browser.realtime.messages.search({ channel_id: other.name, query: 'x' }),
      () => other.messages.markAsRead('msg_00000000000000000000000000'),
    ]) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof SwitchboardError, 'allowed');
      assert.equal(err.code, 'unauthorized_channel', `${err.status} ${err.code} ${err.detail}`);
      assert.equal(err.status, 401);
    }
  });

  it('pk without a token cannot read history', async () => {
    const browser = clientFor(srv.get(), TEST_APP, false);
    const err = await browser.realtime.messages.search({ channel_id: 'chat:x', query: 'x' }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SwitchboardError, 'allowed');
    assert.ok(err.status === 401 || err.status === 403, `${err.status} ${err.code}`);
  });

  it('test and live are separate: channels, presence and history', async () => {
    const name = uniq('presence:chat:iso-');
    const t = await browserUser(TEST_APP, 'tess', ['presence:*', 'chat:*']);
    const l = await browserUser(LIVE_APP, 'liv', ['presence:*', 'chat:*']);
    const tc = t.realtime.subscribe(name);
    const lc = l.realtime.subscribe(name);
    await ready(tc, t.log);
    await ready(lc, l.log);
    const atLive: Message[] = [];
    lc.on('message', (m) => atLive.push(m));
    const tm = await tc.presence.getMembers();
    const lm = await lc.presence.getMembers();
    assert.deepEqual(tm.map((m) => m.user_id), ['tess'], t.log.tail());
    assert.deepEqual(lm.map((m) => m.user_id), ['liv'], l.log.tail());
    await tc.send({ type: 'message', data: { text: 'staging only' } });
    await delay(300);
    assert.deepEqual(atLive, [], 'a staging message reached production');
    assert.deepEqual(await lc.history.fetch({ limit: 10 }), []);
    assert.equal((await tc.history.fetch({ limit: 10 })).length, 1);
  });

  it('a staging token does not open a production connection', async () => {
    const backend = clientFor(srv.get(), TEST_APP, true);
    const { token } = await backend.realtime.getToken({ user_id: 'mix', channels: ['chat:*'] });
    const live = clientFor(srv.get(), LIVE_APP, false);
    const log = recorder();
    const err = await live.realtime.connect({ token, transport: log.transport }).then(
      (rt) => {
        track(rt);
        return null;
      },
      (e: unknown) => e,
    );
    assert.ok(err instanceof SwitchboardError, `connected with pk_live_b and a staging token:\n${log.tail()}`);
    assert.equal(err.code, 'invalid_token', log.tail());
  });
});
