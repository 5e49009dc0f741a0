// Reconnect recovery: resubscribe with the last position, replayed messages are not emitted
// twice, recovered:false fills the gap from history.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeFetch, flush, makeRealtime, type Json } from '../test/helpers/fake.js';
import { RECOVER_WAIT_MS } from './channel.js';

function msg(channel: string, n: number, epoch = 'E1'): Json {
  return { event: 'message', channel, data: JSON.stringify({ text: `m${n}` }), id: `msg_${n}`, offset: n, epoch, user_id: 'bob', created_at: '2026-01-01T00:00:00Z' };
}

describe('recovery', () => {
  it('resubscribes with {offset, epoch} of the last message and drops replayed duplicates', async () => {
    const { rt, server, clock } = makeRealtime();
    const p = rt.start();
    server.last.establish();
    await p;
    const ch = rt.subscribe('chat:rec');
    const seen: string[] = [];
    ch.on('message', (m) => seen.push(String(m.id)));
    server.last.confirmSubscriptions();
    assert.deepEqual(server.last.framesOf('pusher:subscribe')[0]!.data, { channel: 'chat:rec' });
    server.last.deliver(msg('chat:rec', 1));
    server.last.deliver(msg('chat:rec', 2));
    server.last.serverClose(1006);
    clock.advance(30_000);
    server.last.establish();
    assert.deepEqual(server.last.framesOf('pusher:subscribe')[0]!.data, { channel: 'chat:rec', recover: { offset: 2, epoch: 'E1' } });
    server.last.confirmSubscriptions();
    const recovered: unknown[] = [];
    ch.on('recovered', (r) => recovered.push(r));
    server.last.deliver(msg('chat:rec', 2)); // a server that replays one too many
    server.last.deliver(msg('chat:rec', 3));
    server.last.deliver({ event: 'switchboard:recovered', channel: 'chat:rec', data: JSON.stringify({ recovered: true, offset: 3, epoch: 'E1' }) });
    server.last.deliver(msg('chat:rec', 4));
    assert.deepEqual(seen, ['msg_1', 'msg_2', 'msg_3', 'msg_4']);
    assert.deepEqual(recovered, [{ recovered: true, offset: 3, epoch: 'E1', filled: 0 }]);
    assert.equal(ch.recoveryPosition.offset, 4);
  });

  it('recovered:false fetches the gap from history, holding live messages until it is filled', async () => {
    const history = fakeFetch((call) => {
      assert.match(call.url, /\/v1\/realtime\/channels\/chat%3Agap\/messages\?limit=100&after=msg_2&order=asc$/);
      return {
        body: {
          data: [3, 4].map((n) => ({ id: `msg_${n}`, type: 'messages', attributes: { channel_id: 'chat:gap', user_id: 'bob', event: 'message', data: { text: `m${n}` }, created_at: 'x', offset: n } })),
          meta: { has_more: false, oldest_id: 'msg_3', newest_id: 'msg_4' },
        },
      };
    });
    const { rt, server, clock } = makeRealtime({ fetch: history.fetch });
    const p = rt.start();
    server.last.establish();
    await p;
    const ch = rt.subscribe('chat:gap');
    const seen: string[] = [];
    ch.on('message', (m) => seen.push(String(m.id)));
    server.last.confirmSubscriptions();
    server.last.deliver(msg('chat:gap', 1));
    server.last.deliver(msg('chat:gap', 2));
    server.last.serverClose(1006);
    clock.advance(30_000);
    server.last.establish();
    server.last.confirmSubscriptions();
    server.last.deliver({ event: 'switchboard:recovered', channel: 'chat:gap', data: JSON.stringify({ recovered: false, offset: 5, epoch: 'E1' }) });
    server.last.deliver(msg('chat:gap', 5)); // live, arrives while history is loading
    server.last.deliver(msg('chat:gap', 4)); // and a duplicate of a gap message
    const recovered: unknown[] = [];
    ch.on('recovered', (r) => recovered.push(r));
    await flush();
    await flush();
    assert.deepEqual(seen, ['msg_1', 'msg_2', 'msg_3', 'msg_4', 'msg_5']);
    assert.deepEqual(recovered, [{ recovered: false, offset: 5, epoch: 'E1', filled: 2 }]);
    assert.equal(history.calls.length, 1);
  });

  it('ids acknowledged to the sender are not emitted again (trigger with echo:false, then replay)', async () => {
    const { rt, server } = makeRealtime();
    const p = rt.start();
    server.last.establish();
    await p;
    const ch = rt.subscribe('chat:own');
    server.last.confirmSubscriptions();
    const seen: unknown[] = [];
    ch.on('cursor', (m) => seen.push(m.id));
    const ack = ch.trigger('cursor', { x: 1 });
    const f = server.last.sent.find((x) => x.event === 'cursor')!;
    server.last.deliver({ event: 'switchboard:ack', channel: 'chat:own', data: { ack: f.ack, id: 'msg_9', offset: 9 } });
    await ack;
    server.last.deliver({ event: 'cursor', channel: 'chat:own', id: 'msg_9', data: '{"x":1}', offset: 9 });
    assert.deepEqual(seen, []);
  });

  it('an echoed send is emitted to the sender even when its acknowledgement arrives first', async () => {
    const { rt, server } = makeRealtime();
    const p = rt.start();
    server.last.establish();
    await p;
    const ch = rt.subscribe('chat:ackfirst');
    server.last.confirmSubscriptions();
    const seen: unknown[] = [];
    ch.on('message', (m) => seen.push(m.id));
    const ack = ch.send({ type: 'message', data: { text: 'hi' } });
    const f = server.last.sent.find((x) => x.event === 'message')!;
    server.last.deliver({ event: 'switchboard:ack', channel: 'chat:ackfirst', data: { ack: f.ack, id: 'msg_7', offset: 7 } });
    await ack;
    server.last.deliver({ ...msg('chat:ackfirst', 7) });
    server.last.deliver({ ...msg('chat:ackfirst', 7) }); // and a replay of it: still once
    assert.deepEqual(seen, ['msg_7']);
  });
});

describe('delivery receipts', () => {
  it('on a channel that asks for them, the newest received id is confirmed, batched', async () => {
    const { rt, server, clock } = makeRealtime({ options: { heartbeatInterval: 3_600_000 } });
    const p = rt.start();
    server.last.establish();
    await p;
    const ch = rt.subscribe('chat:dr');
    server.last.confirmSubscriptions();
    server.last.deliver({ event: 'switchboard:subscribed', channel: 'chat:dr', data: JSON.stringify({ delivery_receipts: true }) });
    server.last.deliver(msg('chat:dr', 1));
    server.last.deliver(msg('chat:dr', 2));
    assert.equal(server.last.framesOf('switchboard:delivered').length, 0, 'batched, not one per message');
    clock.advance(1_000);
    assert.deepEqual(server.last.framesOf('switchboard:delivered').map((f) => f.data), [{ message_id: 'msg_2' }]);
    server.last.deliver(msg('chat:dr', 3));
    clock.advance(1_000);
    assert.deepEqual(server.last.framesOf('switchboard:delivered').map((f) => f.data), [{ message_id: 'msg_2' }, { message_id: 'msg_3' }]);
    void ch;
  });

  it('channels that did not ask get no confirmations', async () => {
    const { rt, server, clock } = makeRealtime({ options: { heartbeatInterval: 3_600_000 } });
    const p = rt.start();
    server.last.establish();
    await p;
    rt.subscribe('chat:nodr');
    server.last.confirmSubscriptions();
    server.last.deliver(msg('chat:nodr', 1));
    clock.advance(1_000);
    assert.equal(server.last.framesOf('switchboard:delivered').length, 0);
  });
});

describe('recovery without an answer', () => {
  it('no switchboard:recovered after a recover subscribe: the gap is fetched from history', async () => {
    const history = fakeFetch(() => ({
      body: {
        data: [{ id: 'msg_3', type: 'messages', attributes: { channel_id: 'chat:silent', user_id: 'bob', event: 'message', data: { text: 'm3' }, created_at: 'x', offset: 3 } }],
        meta: { has_more: false, oldest_id: 'msg_3', newest_id: 'msg_3' },
      },
    }));
    const { rt, server, clock } = makeRealtime({ fetch: history.fetch, options: { heartbeatInterval: 3_600_000 } });
    const p = rt.start();
    server.last.establish();
    await p;
    const ch = rt.subscribe('chat:silent');
    const seen: string[] = [];
    const recovered: unknown[] = [];
    ch.on('message', (m) => seen.push(String(m.id)));
    ch.on('recovered', (r) => recovered.push(r));
    server.last.confirmSubscriptions();
    server.last.deliver(msg('chat:silent', 2));
    server.last.serverClose(1006);
    clock.advance(30_000);
    server.last.establish();
    server.last.confirmSubscriptions();
    clock.advance(RECOVER_WAIT_MS - 1);
    assert.equal(history.calls.length, 0);
    clock.advance(1);
    await flush();
    await flush();
    assert.match(history.calls[0]!.url, /after=msg_2&order=asc/);
    assert.deepEqual(seen, ['msg_2', 'msg_3']);
    assert.deepEqual(recovered, [{ recovered: false, offset: null, epoch: null, filled: 1 }]);
  });
});
