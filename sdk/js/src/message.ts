// The one message shape, built from a WebSocket frame or from a history/search resource:
// `{ ...data (when data is a plain object), id, channel, event, data, user_id, created_at, offset }`.
import type { Message, MessageData } from './types.js';

/** A frame as it arrives on the socket (docs/protocol.md). */
export interface Frame {
  event: string;
  channel?: string;
  /** A JSON string (Pusher) or, for some native frames, an object. */
  data?: unknown;
  id?: string;
  offset?: number;
  epoch?: string;
  user_id?: string | number;
  created_at?: string;
}

/** A history/search entry (JSON:API resource). */
export interface MessageResource {
  id: string;
  type?: string;
  attributes?: {
    channel_id?: string;
    channel?: string;
    user_id?: string | number | null;
    event?: string;
    data?: unknown;
    created_at?: string;
    offset?: number | null;
    epoch?: string;
  };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Pusher sends data as a JSON string: parse it, keep the raw string when it is not JSON. */
export function decodeData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** Decode data to an object; anything else gives {}. */
export function dataObject(data: unknown): Record<string, unknown> {
  const d = decodeData(data);
  return isPlainObject(d) ? d : {};
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return null;
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export interface MessageFields {
  id: string | null;
  channel: string;
  event: string;
  data: unknown;
  user_id: string | null;
  created_at: string | null;
  offset: number | null;
}

export function makeMessage<T = MessageData>(f: MessageFields): Message<T> {
  const spread = isPlainObject(f.data) ? f.data : {};
  return {
    ...spread,
    id: f.id,
    channel: f.channel,
    event: f.event,
    data: f.data,
    user_id: f.user_id,
    created_at: f.created_at,
    offset: f.offset,
  } as Message<T>;
}

export function messageFromFrame<T = MessageData>(frame: Frame, channel: string): Message<T> {
  return makeMessage<T>({
    id: str(frame.id),
    channel,
    event: frame.event,
    data: decodeData(frame.data),
    user_id: str(frame.user_id),
    created_at: str(frame.created_at),
    offset: num(frame.offset),
  });
}

export function messageFromResource<T = MessageData>(r: MessageResource, fallbackChannel: string): Message<T> {
  const a = r.attributes ?? {};
  return makeMessage<T>({
    id: str(r.id),
    channel: a.channel_id ?? a.channel ?? fallbackChannel,
    event: a.event ?? 'message',
    data: decodeData(a.data),
    user_id: str(a.user_id),
    created_at: str(a.created_at),
    offset: num(a.offset),
  });
}
