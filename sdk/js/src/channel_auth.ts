// Authorizing a private or presence channel through the app's auth endpoint, the way pusher-js
// does: POST socket_id and channel_name (and the user, when known), form-encoded; the answer
// carries `auth` and, for presence channels, `channel_data`.
import { ErrorCodes } from './codes.js';
import { SwitchboardError } from './errors.js';
import { isPlainObject } from './message.js';
import { errorFromResponse } from './rest.js';

export interface ChannelAuthRequest {
  endpoint: string | undefined;
  socketId: string | null;
  userId: string | null;
  channel: string;
  headers: Record<string, string> | undefined;
  fetch: typeof globalThis.fetch;
}

/** The Pusher auth endpoint flow (pusher-js): POST socket_id and channel_name, form-encoded. */
export async function authorizeChannel(req: ChannelAuthRequest): Promise<{ auth: string; channel_data?: string }> {
  const endpoint = req.endpoint;
  const socketId = req.socketId;
  if (!endpoint || !socketId) {
    throw new SwitchboardError({ code: ErrorCodes.unauthorizedChannel, title: 'Unauthorized', detail: 'no auth endpoint or socket id' });
  }
  const form = new URLSearchParams({ socket_id: socketId, channel_name: req.channel });
  const user = req.userId;
  if (user) form.set('user_id', user);
  const f = req.fetch;
  let res: Response;
  try {
    res = await f(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(req.headers ?? {}) },
      body: form.toString(),
    });
  } catch (err) {
    throw new SwitchboardError({ code: ErrorCodes.network, title: 'Auth endpoint unreachable', detail: String(err), cause: err });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = errorFromResponse(res.status, body, text);
    throw new SwitchboardError({ status: e.status, code: res.status === 401 || res.status === 403 ? ErrorCodes.unauthorizedChannel : e.code, title: e.title, detail: e.detail });
  }
  if (!isPlainObject(body) || typeof body.auth !== 'string') {
    throw new SwitchboardError({ status: res.status, code: ErrorCodes.unauthorizedChannel, title: 'Invalid auth response', detail: `the auth endpoint answered without "auth": ${text.slice(0, 120)}` });
  }
  const out: { auth: string; channel_data?: string } = { auth: body.auth };
  if (typeof body.channel_data === 'string') out.channel_data = body.channel_data;
  else if (body.channel_data !== undefined && body.channel_data !== null) out.channel_data = JSON.stringify(body.channel_data);
  return out;
}
