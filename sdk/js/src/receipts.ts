// Read receipts of one channel (REST), and the `message:read` events.
//
// markAsRead: POST /v1/realtime/channels/{channel}/read
//   {data:{type:'read_receipt', attributes:{message_id, user_id}}}
// getReadStatus: GET /v1/realtime/channels/{channel}/messages/{id}/read
//   -> {data:{type:'read_status', id, attributes:{read_by, read_count, ...}}}
import type { RestClient } from './rest.js';
import type { ReadStatus } from './types.js';

interface ReadStatusDocument {
  data?: { id?: string; type?: string; attributes?: Record<string, unknown> };
}

export class Receipts {
  constructor(
    private readonly channel: string,
    private readonly rest: () => RestClient,
    private readonly userId: () => string | null,
  ) {}

  /**
   * Move this user's read watermark to `messageId`; the channel's subscribers get `message:read`.
   * @example await channel.messages.markAsRead('msg_abc123');
   */
  async markAsRead(messageId: string): Promise<void> {
    const attributes: Record<string, unknown> = { message_id: messageId };
    const user = this.userId();
    if (user !== null) attributes.user_id = user;
    await this.rest().request<unknown>({
      method: 'POST',
      path: `/v1/realtime/channels/${encodeURIComponent(this.channel)}/read`,
      body: { data: { type: 'read_receipt', attributes } },
    });
  }

  /**
   * Who read a message.
   * @example const { read_by, read_count } = await channel.messages.getReadStatus('msg_abc123');
   */
  async getReadStatus(messageId: string): Promise<ReadStatus> {
    const doc = await this.rest().request<ReadStatusDocument>({
      method: 'GET',
      path: `/v1/realtime/channels/${encodeURIComponent(this.channel)}/messages/${encodeURIComponent(messageId)}/read`,
    });
    const a = doc?.data?.attributes ?? {};
    const readBy = Array.isArray(a.read_by) ? a.read_by.map((u) => String(u)) : [];
    const count = typeof a.read_count === 'number' ? a.read_count : readBy.length;
    return { ...a, read_by: readBy, read_count: count };
  }
}
