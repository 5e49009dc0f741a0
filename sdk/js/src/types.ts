// Public types: options, payloads, and the event maps (event name -> payload type) that type
// `realtime.on('connected', ...)` and `channel.on('presence:join', m => ...)`.
import type { SwitchboardError } from './errors.js';
import type { TransportFactory } from './transport.js';

/** The seed's four connection states. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnecting' | 'disconnected';

/** The fields of a message's data (what the sender put in `data`, or beside `type`). */
export type MessageData = Record<string, unknown>;

/** What every message carries, live or from history. */
export interface MessageMeta<T = MessageData> {
  /** The server's id (`msg_…`); null only for events the server did not store or number. */
  id: string | null;
  channel: string;
  event: string;
  /** The data as sent: `channel.on('message', m => m.data)` (the seed's live handler). */
  data: T;
  /** The sender's user id (from its token), null for server publishes. */
  user_id: string | null;
  /** ISO 8601 time the server accepted the message. */
  created_at: string | null;
  /** Position in the channel's history; null on channels without history. */
  offset: number | null;
}

/**
 * A message: the data's own fields spread beside the metadata, so both the seed's live handler
 * (`message.data.text`) and its history rendering (`message.text`) work. Metadata wins over a
 * data field of the same name.
 */
export type Message<T = MessageData> = MessageMeta<T> &
  (T extends Record<string, unknown> ? Omit<T, keyof MessageMeta<T>> : Record<never, never>);

/** A presence member (the seed's shape). `status` is `data.status`, or 'online'. */
export interface PresenceMember<D = PresenceData> {
  user_id: string;
  status: string;
  data: D;
}

/** A member's data; always carries the member's `user_id`. */
export type PresenceData = Record<string, unknown> & { user_id: string };

export interface TypingUser {
  user_id: string;
  /** The name the typist sent; else the member's `name`; else the user id. */
  user_name: string;
}

export interface ReadEvent {
  message_id: string;
  user_id: string;
  read_at: string;
}

export interface ReadStatus {
  read_by: string[];
  read_count: number;
  /** Other attributes the server reports (delivery counts where enabled). */
  [attribute: string]: unknown;
}

/** The server's acknowledgement of a send. */
export interface SendAck {
  id: string;
  offset: number | null;
  epoch: string | null;
}

export interface RecoveryInfo {
  /** True when every missed message was replayed by the server. */
  recovered: boolean;
  offset: number | null;
  epoch: string | null;
  /** Messages fetched from history to fill the gap when the server could not recover. */
  filled: number;
}

export interface ConnectedInfo {
  socket_id: string;
  user_id: string | null;
}

/** Realtime (connection) events. */
export interface RealtimeEventMap {
  connected: ConnectedInfo;
  /** Why: `io client disconnect`, `transport closed (1006)`, `server closed (4200: …)`, … */
  disconnected: string;
  /** The attempt number, from 1. */
  reconnecting: number;
  error: SwitchboardError;
  state: { previous: ConnectionState; current: ConnectionState };
}

/** Channel events with a fixed payload. Any other name is a channel event carrying a Message. */
export interface ChannelEventMap {
  message: Message;
  /** The seed's aggregate: the current member list after every presence change. */
  presence: PresenceMember[];
  'presence:join': PresenceMember;
  'presence:leave': PresenceMember;
  'presence:update': PresenceMember;
  'presence:sync': PresenceMember[];
  'typing:start': TypingUser;
  'typing:stop': TypingUser;
  'message:read': ReadEvent;
  subscribed: undefined;
  subscription_error: SwitchboardError;
  recovered: RecoveryInfo;
  error: SwitchboardError;
}

export interface HistoryMeta {
  has_more: boolean;
  oldest_id: string | null;
  newest_id: string | null;
}

export interface HistoryQuery {
  /** 1-100, default 50 (server). */
  limit?: number;
  /** Messages older than this id. */
  before?: string;
  /** Messages newer than this id. */
  after?: string;
  /** 'desc' (newest first, the default) or 'asc'. */
  order?: 'asc' | 'desc';
}

/** An array of messages with its paging cursors. */
export type HistoryPage<T = MessageData> = Message<T>[] & {
  meta: HistoryMeta;
  /** The page after this one in the same order (older messages for 'desc'). */
  next(): Promise<HistoryPage<T>>;
  /** The page before this one (newer messages for 'desc'). */
  previous(): Promise<HistoryPage<T>>;
};

export interface SearchQuery {
  channel_id: string;
  query: string;
  limit?: number;
}

export interface ClientConfig {
  urls: { realtime: string };
  /** The app id (X-App-Id). Optional for publishable-key browser clients. */
  appId?: string;
  /** `sk_*` (or any non-`pk_` key): a server secret. `pk_*`: publishable, browser-safe. */
  apiKey: string;
  /** The app's own backend endpoint that mints tokens (needed by getToken with a `pk_` key). */
  tokenEndpoint?: string;
  /** Headers sent to tokenEndpoint (e.g. the app's session cookie header). */
  tokenEndpointHeaders?: Record<string, string>;
  /** A fetch implementation; default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface TokenRequest {
  user_id: string;
  /** Channel patterns the user may join: `chat:*`, `notifications:user_123`. */
  channels?: string[];
  user_info?: Record<string, unknown>;
  /** Seconds, default 3600, at most 86400. */
  expires_in?: number;
}

export interface TokenResponse {
  token: string;
  /** ISO 8601, or null when the token endpoint did not say and the token has no `exp`. */
  expires_at: string | null;
}

export interface ConnectionOptions {
  autoReconnect?: boolean;
  /** Base of the exponential back-off, ms (default 1000). */
  reconnectDelay?: number;
  /** Upper bound of one back-off, ms (default 30000). */
  maxReconnectDelay?: number;
  /** Consecutive failed attempts before giving up (default 10). */
  maxReconnectAttempts?: number;
  /** Silence before the client pings, ms (default 30000; the server's activity_timeout caps it). */
  heartbeatInterval?: number;
  /** Time to wait for the pong, ms (default 10000). */
  pongTimeout?: number;
  /** Time to wait for `connection_established` after opening the socket, ms (default 10000). */
  connectTimeout?: number;
  /** Time to wait for a send's acknowledgement while connected, ms (default 15000). */
  ackTimeout?: number;
  /** Sends held while offline before send() rejects with `queue_full` (default 1000). */
  maxQueuedMessages?: number;
}

export type TokenProvider = () => Promise<string> | string;

export interface ConnectParams {
  /** The connection token from getToken. */
  token?: string;
  /** Called for a new token when the server says `invalid_token` (expired). */
  tokenProvider?: TokenProvider;
  options?: ConnectionOptions;
  /** Pusher auth endpoint for private/presence channels the token does not grant. */
  authEndpoint?: string;
  authHeaders?: Record<string, string>;
  /** A custom WebSocket factory (tests, proxies). Default: the browser's WebSocket, or `ws`. */
  transport?: TransportFactory;
}

export interface SendMessage {
  /** The event name; default 'message'. */
  type?: string;
  /** The payload; when absent, every other field is the payload. */
  data?: unknown;
  [field: string]: unknown;
}

export interface TypingStartParams {
  user_id?: string;
  user_name?: string;
}
