import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageFromFrame, messageFromResource, decodeData } from './message.js';
import { sendPayload } from './channel.js';

describe('message shape', () => {
  it('spreads data beside the metadata (seed: message.data and message.text both work)', () => {
    const m = messageFromFrame(
      {
        event: 'message',
        channel: 'chat:room-1',
        data: JSON.stringify({ text: 'hi', attachments: [] }),
        id: 'msg_1',
        offset: 42,
        epoch: 'e1',
        user_id: 'user_123',
        created_at: '2026-01-01T00:00:00Z',
      },
      'chat:room-1',
    );
    assert.deepEqual(m, {
      text: 'hi',
      attachments: [],
      id: 'msg_1',
      channel: 'chat:room-1',
      event: 'message',
      data: { text: 'hi', attachments: [] },
      user_id: 'user_123',
      created_at: '2026-01-01T00:00:00Z',
      offset: 42,
    });
    assert.equal(m.text, 'hi');
    assert.deepEqual(m.data, { text: 'hi', attachments: [] });
  });

  it('metadata wins over data fields of the same name', () => {
    const m = messageFromFrame({ event: 'message', data: '{"user_id":"spoofed","id":"x","text":"t"}', id: 'msg_2', user_id: 'real' }, 'c');
    assert.equal(m.user_id, 'real');
    assert.equal(m.id, 'msg_2');
    assert.equal((m.data as { user_id: string }).user_id, 'spoofed');
  });

  it('non-object data is kept in data only', () => {
    const m = messageFromFrame({ event: 'ping', data: '"hello"' }, 'c');
    assert.equal(m.data, 'hello');
    assert.equal(m.id, null);
    assert.equal(m.offset, null);
    assert.equal(decodeData('not json'), 'not json');
  });

  it('history resources get the same shape', () => {
    const m = messageFromResource(
      {
        id: 'msg_abc123',
        type: 'messages',
        attributes: {
          channel_id: 'chat:room-1',
          user_id: 'user_123',
          event: 'message',
          data: { text: 'Hello, everyone!', attachments: [] },
          created_at: '2024-01-15T10:30:00Z',
          offset: 7,
        },
      },
      'fallback',
    );
    assert.deepEqual(m, {
      text: 'Hello, everyone!',
      attachments: [],
      id: 'msg_abc123',
      channel: 'chat:room-1',
      event: 'message',
      data: { text: 'Hello, everyone!', attachments: [] },
      user_id: 'user_123',
      created_at: '2024-01-15T10:30:00Z',
      offset: 7,
    });
  });

  it('send accepts both seed shapes', () => {
    assert.deepEqual(sendPayload({ type: 'message', data: { text: 'Hello, world!', attachments: [] } }), {
      event: 'message',
      data: { text: 'Hello, world!', attachments: [] },
    });
    assert.deepEqual(sendPayload({ type: 'message', text: 'Hello, everyone!', user_id: 'user_123' }), {
      event: 'message',
      data: { text: 'Hello, everyone!', user_id: 'user_123' },
    });
    assert.deepEqual(sendPayload({ text: 'no type' }), { event: 'message', data: { text: 'no type' } });
    assert.deepEqual(sendPayload({ type: 'note', data: 'plain' }), { event: 'note', data: 'plain' });
  });
});
