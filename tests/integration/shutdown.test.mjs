// Graceful shutdown: SIGTERM / SIGINT close every connection with 4200
// (reconnect immediately) and the process exits 0.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP_ALL, startServer, closeAll, connectRaw, rawSubscribe, rawPresenceSubscribe, dataOf, uniq,
  pusherClient, pusherConnected, pusherLeftConnected, subscribed,
} from './harness.mjs';

const CONFIG = { shutdown_grace: 2 };

describe('graceful shutdown', { skip: SKIP_ALL }, () => {
  const servers = [];
  after(async () => {
    await closeAll();
    for (const s of servers) await s.kill();
  });

  async function clientsOn(srv) {
    const plain = await connectRaw(srv);
    const subscribed1 = await connectRaw(srv);
    await rawSubscribe(subscribed1, uniq('shutdown-'));
    const member = await connectRaw(srv);
    await rawPresenceSubscribe(member, srv.app, uniq('presence-shutdown-'), 'u1');
    return [plain, subscribed1, member];
  }

  for (const signal of ['SIGTERM', 'SIGINT']) {
    it(`${signal}: closes every connection with 4200, then exits 0`, async (t) => {
      const srv = await startServer({ config: CONFIG });
      servers.push(srv);
      const raws = await clientsOn(srv);
      const client = pusherClient(srv);
      await pusherConnected(client);
      await subscribed(client.subscribe(uniq('shutdown-pjs-')));
      const left = pusherLeftConnected(client, 15_000);

      const t0 = Date.now();
      const exit = srv.stop(signal, 20_000);
      const closes = await Promise.all(raws.map((r) => r.waitClosed(15_000)));
      for (const [i, c] of closes.entries()) {
        assert.equal(c.code, 4200, `client ${i} closed with ${c.code} "${c.reason}"`);
        for (const e of raws[i].frames.filter((m) => m.event === 'pusher:error')) {
          assert.equal(dataOf(e).code, 4200, `a pusher:error before the close must say 4200: ${JSON.stringify(e)}`);
        }
      }
      const state = await left;
      t.diagnostic(`pusher-js went to "${state}" after the 4200 close`);
      client.disconnect();
      const info = await exit;
      t.diagnostic(`exited after ${Date.now() - t0} ms: ${JSON.stringify(info)}`);
      assert.equal(info.timedOut, undefined, `the server did not exit within 20 s of ${signal}`);
      assert.equal(info.signal, null, `killed by signal ${info.signal}`);
      assert.equal(info.code, 0, `exit code ${info.code}; output:\n${srv.logs().slice(-3000)}`);
    });
  }

  it('exits 0 promptly on SIGTERM with no connections', async () => {
    const srv = await startServer({ config: CONFIG });
    servers.push(srv);
    const info = await srv.stop('SIGTERM', 20_000);
    assert.equal(info.timedOut, undefined);
    assert.equal(info.code, 0, `exit code ${info.code}; output:\n${srv.logs().slice(-3000)}`);
  });
});
