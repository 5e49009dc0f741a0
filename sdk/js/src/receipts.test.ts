import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeFetch, fakeToken, makeRealtime } from '../test/helpers/fake.js';

describe('read receipts', () => {
  it('markAsRead posts the seed body with this user; getReadStatus reads read_by/read_count', async () => {
    const srv = fakeFetch((call) =>
      call.method === 'POST'
        ? { status: 200, body: { data: { type: 'read_receipt', attributes: {} } } }
        : { body: { data: { type: 'read_status', id: 'msg_abc123', attributes: { read_by: ['user_123', 'user_456'], read_count: 2, delivered_count: 3 } } } },
    );
    const made = makeRealtime({ token: fakeToken({ sub: 'user_456' }), fetch: srv.fetch });
    const ch = made.rt.subscribe('chat:room-1');
    await ch.messages.markAsRead('msg_abc123');
    const post = srv.calls[0]!;
    assert.equal(post.method, 'POST');
    assert.equal(post.url, 'http://example.test/v1/realtime/channels/chat%3Aroom-1/read');
    assert.deepEqual(JSON.parse(post.body!), { data: { type: 'read_receipt', attributes: { message_id: 'msg_abc123', user_id: 'user_456' } } });
    const status = await ch.messages.getReadStatus('msg_abc123');
    assert.equal(srv.calls[1]!.url, 'http://example.test/v1/realtime/channels/chat%3Aroom-1/messages/msg_abc123/read');
    assert.deepEqual(status, { read_by: ['user_123', 'user_456'], read_count: 2, delivered_count: 3 });
  });

  it('emits message:read events', async () => {
    const made = makeRealtime();
    const p = made.rt.start();
    made.server.last.establish();
    await p;
    const ch = made.rt.subscribe('chat:r');
    made.server.last.confirmSubscriptions();
    const got: unknown[] = [];
    ch.on('message:read', (d) => got.push(d));
    made.server.last.deliver({ event: 'message:read', channel: 'chat:r', data: JSON.stringify({ message_id: 'msg_1', user_id: 'bob', read_at: '2026-01-01T00:00:00Z' }) });
    assert.deepEqual(got, [{ message_id: 'msg_1', user_id: 'bob', read_at: '2026-01-01T00:00:00Z' }]);
  });
});
