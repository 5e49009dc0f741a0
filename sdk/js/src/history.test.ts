import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeFetch, fakeToken, makeRealtime, type FetchCall } from '../test/helpers/fake.js';

/** A server with messages msg_1..msg_N that answers like the REST contract. */
function historyServer(n: number) {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  return fakeFetch((call: FetchCall) => {
    const u = new URL(call.url);
    const limit = Number(u.searchParams.get('limit') ?? 50);
    const before = u.searchParams.get('before');
    const after = u.searchParams.get('after');
    const order = u.searchParams.get('order') ?? 'desc';
    let pool = ids.filter((i) => (!before || i < Number(before.slice(4))) && (!after || i > Number(after.slice(4))));
    pool = order === 'desc' ? pool.reverse() : pool;
    const page = pool.slice(0, limit);
    const sorted = [...page].sort((a, b) => a - b);
    return {
      body: {
        data: page.map((i) => ({ id: `msg_${i}`, type: 'messages', attributes: { channel_id: 'chat:h', user_id: 'u', event: 'message', data: { text: `t${i}` }, created_at: 'x', offset: i } })),
        meta: { has_more: pool.length > limit, oldest_id: sorted.length ? `msg_${sorted[0]}` : null, newest_id: sorted.length ? `msg_${sorted.at(-1)}` : null },
      },
    };
  });
}

async function channel(fetchImpl: typeof fetch) {
  const made = makeRealtime({ token: fakeToken({ sub: 'alice' }), fetch: fetchImpl });
  return made.rt.subscribe('chat:h');
}

const ids = (page: { id: string | null }[]) => page.map((m) => m.id);

describe('history', () => {
  it('fetch: newest first, with meta, the request as the contract says', async () => {
    const srv = historyServer(7);
    const ch = await channel(srv.fetch);
    const page = await ch.history.fetch({ limit: 3 });
    assert.deepEqual(ids(page), ['msg_7', 'msg_6', 'msg_5']);
    assert.deepEqual(page.meta, { has_more: true, oldest_id: 'msg_5', newest_id: 'msg_7' });
    assert.equal(page[0]!.text, 't7');
    const call = srv.calls[0]!;
    assert.equal(call.url, 'http://example.test/v1/realtime/channels/chat%3Ah/messages?limit=3');
    assert.equal(call.headers['x-app-id'], 'app-1');
    assert.equal(call.headers['x-api-key'], 'sk_test_x');
    assert.match(call.headers.authorization ?? '', /^Bearer /);
    assert.deepEqual(Object.keys(page[0]!).sort(), ['channel', 'created_at', 'data', 'event', 'id', 'offset', 'text', 'user_id']);
  });

  it('the seed\'s history.reverse() gives oldest first and keeps meta', async () => {
    const ch = await channel(historyServer(3).fetch);
    const page = await ch.history.fetch({ limit: 50 });
    const reversed = page.reverse();
    assert.deepEqual(ids(reversed), ['msg_1', 'msg_2', 'msg_3']);
    assert.equal(reversed, page);
  });

  it('next() pages to older messages, previous() back to newer, with no overlap', async () => {
    const ch = await channel(historyServer(7).fetch);
    const p1 = await ch.history.fetch({ limit: 3 });
    const p2 = await p1.next();
    const p3 = await p2.next();
    assert.deepEqual([ids(p1), ids(p2), ids(p3)], [['msg_7', 'msg_6', 'msg_5'], ['msg_4', 'msg_3', 'msg_2'], ['msg_1']]);
    assert.equal(p3.meta.has_more, false);
    const back = await p3.previous();
    assert.deepEqual(ids(back), ['msg_4', 'msg_3', 'msg_2']);
  });

  it('asc order: next() goes to newer messages', async () => {
    const ch = await channel(historyServer(5).fetch);
    const p1 = await ch.history.fetch({ limit: 2, order: 'asc' });
    assert.deepEqual(ids(p1), ['msg_1', 'msg_2']);
    assert.deepEqual(ids(await p1.next()), ['msg_3', 'msg_4']);
    const p3 = await (await p1.next()).next();
    assert.deepEqual(ids(p3), ['msg_5']);
    assert.deepEqual(ids(await p3.previous()), ['msg_3', 'msg_4']);
  });

  it('before/after cursors are passed through', async () => {
    const srv = historyServer(5);
    const ch = await channel(srv.fetch);
    assert.deepEqual(ids(await ch.history.fetch({ limit: 50, before: 'msg_3' })), ['msg_2', 'msg_1']);
    assert.match(srv.calls[0]!.url, /limit=50&before=msg_3$/);
  });

  it('a JSON:API error rejects with SwitchboardError {status, code, title, detail}', async () => {
    const srv = fakeFetch(() => ({ status: 401, body: { errors: [{ status: '401', code: 'unauthorized_channel', title: 'Unauthorized', detail: 'You are not authorized to subscribe to this channel' }] } }));
    const ch = await channel(srv.fetch);
    await assert.rejects(ch.history.fetch(), (e: unknown) => {
      const err = e as { status: number; code: string; title: string; detail: string; name: string };
      return err.name === 'SwitchboardError' && err.status === 401 && err.code === 'unauthorized_channel' && err.title === 'Unauthorized' && /not authorized/.test(err.detail);
    });
  });
});
