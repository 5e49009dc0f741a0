// createClient(): the SDK's entry point, with the seed's names.
//
//   const client = createClient({ urls: { realtime: 'https://rt.example.com' }, appId, apiKey });
//   const { token } = await client.realtime.getToken({ user_id: 'user_123', channels: ['chat:*'] });
//   const realtime = await client.realtime.connect({ token });
import { ErrorCodes } from './codes.js';
import { SwitchboardError } from './errors.js';
import { fetchPage, searchLoader } from './history.js';
import { isPlainObject } from './message.js';
import { Realtime, type RealtimeDeps } from './realtime.js';
import { fetchJson, joinUrl, RestClient } from './rest.js';
import { decodeTokenClaims, expiresAtOf } from './token.js';
import { Room, type JoinRoomParams, type RoomAttributes, type RoomResource, type WebRtcEnvironment } from './webrtc.js';
import type {
  ClientConfig,
  ConnectParams,
  HistoryPage,
  MessageData,
  SearchQuery,
  TokenProvider,
  TokenRequest,
  TokenResponse,
} from './types.js';

/** A publishable key (`pk_*`) is safe in a browser; anything else is treated as a secret. */
export function isPublishableKey(apiKey: string): boolean {
  return apiKey.startsWith('pk_');
}

/** http(s)://host -> ws(s)://host (a ws(s) URL is kept). */
export function toWebSocketBase(httpUrl: string): string {
  const trimmed = httpUrl.replace(/\/+$/, '');
  if (/^wss?:\/\//i.test(trimmed)) return trimmed;
  if (/^https:\/\//i.test(trimmed)) return `wss://${trimmed.slice(8)}`;
  if (/^http:\/\//i.test(trimmed)) return `ws://${trimmed.slice(7)}`;
  throw new SwitchboardError({ code: ErrorCodes.configuration, title: 'Invalid URL', detail: `urls.realtime must be an http(s) URL, got "${httpUrl}"` });
}

function toHttpBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  if (/^wss:\/\//i.test(trimmed)) return `https://${trimmed.slice(6)}`;
  if (/^ws:\/\//i.test(trimmed)) return `http://${trimmed.slice(5)}`;
  return trimmed;
}

interface TokenDocument {
  data?: { id?: string; attributes?: { token?: string; expires_at?: string } };
}

/** client.realtime */
export class RealtimeApi {
  private readonly rest: RestClient;
  private currentToken: string | null = null;
  private lastRealtime: Realtime | null = null;

  /** WebRTC rooms (docs/webrtc.md). */
  readonly webrtc: {
    /**
     * Joins a room over the last connection `connect()` opened (or opens one): asks for camera
     * and microphone, then connects to everyone in the room.
     * @example const room = await client.realtime.webrtc.join({ room_id: 'room_abc123', token: roomToken, audio: true, video: true, user_data: { name: 'Alice' } });
     */
    join(params: JoinRoomParams & { realtime?: Realtime }, env?: WebRtcEnvironment): Promise<Room>;
    /**
     * Creates a room (secret key: server side only); answers the JSON:API resource.
     * @example const { id, attributes } = await client.realtime.webrtc.createRoom({ name: 'Team Meeting', max_participants: 10 });
     */
    createRoom(attributes?: RoomAttributes): Promise<RoomResource>;
    /** Ends the call for everyone and deletes the room (secret key). */
    deleteRoom(roomId: string): Promise<void>;
  };

  /** Message search across a channel. */
  readonly messages: {
    /**
     * @example
     * const results = await client.realtime.messages.search({ channel_id: 'chat:room-1', query: 'meeting', limit: 20 });
     */
    search<T = MessageData>(query: SearchQuery): Promise<HistoryPage<T>>;
  };

  /** @internal */
  constructor(
    private readonly config: ClientConfig,
    private readonly httpBase: string,
  ) {
    this.rest = new RestClient({
      baseUrl: httpBase,
      appId: config.appId,
      apiKey: config.apiKey,
      fetch: config.fetch,
      token: () => this.currentToken,
    });
    this.webrtc = {
      join: async (params, env) => {
        let realtime = params.realtime ?? this.lastRealtime;
        if (!realtime || realtime.getState() === 'disconnected') realtime = await this.connect();
        return realtime.webrtc.join(params, env);
      },
      createRoom: async (attributes = {}) => {
        const doc = await this.rest.request<{ data: RoomResource }>({
          method: 'POST',
          path: '/v1/realtime/webrtc/rooms',
          body: { data: { type: 'webrtc_rooms', attributes } },
        });
        return doc.data;
      },
      deleteRoom: async (roomId) => {
        await this.rest.request<unknown>({ method: 'DELETE', path: `/v1/realtime/webrtc/rooms/${encodeURIComponent(roomId)}` });
      },
    };
    this.messages = {
      search: <T = MessageData>(q: SearchQuery) =>
        fetchPage<T>(searchLoader(this.rest, q.channel_id, q.query), q.channel_id, { limit: q.limit }),
    };
  }

  /**
   * A connection token for a user. With a secret key: minted by the server
   * (`POST /v1/realtime/tokens`). With a publishable key: asked from the app's own
   * `tokenEndpoint`, so the secret never reaches the browser.
   * @example const { token } = await client.realtime.getToken({ user_id: 'user_123', channels: ['chat:*', 'notifications:user_123'] });
   */
  async getToken(req: TokenRequest): Promise<TokenResponse> {
    if (!req || typeof req.user_id !== 'string' || req.user_id === '') {
      throw new SwitchboardError({ code: ErrorCodes.invalidRequest, title: 'Invalid request', detail: 'getToken needs a user_id' });
    }
    const out = isPublishableKey(this.config.apiKey) ? await this.tokenFromEndpoint(req) : await this.mintToken(req);
    if (isPublishableKey(this.config.apiKey)) this.currentToken = out.token;
    return out;
  }

  /**
   * Open a connection; resolves once the server accepted it, rejects (SwitchboardError with the
   * server's code, e.g. `invalid_token`) when the first connection is refused.
   * @example const realtime = await client.realtime.connect({ token, options: { autoReconnect: true, reconnectDelay: 1000, maxReconnectAttempts: 10, heartbeatInterval: 30000 } });
   */
  async connect(params: ConnectParams = {}, deps: RealtimeDeps = {}): Promise<Realtime> {
    let token = params.token ?? null;
    const explicit = params.tokenProvider ?? null;
    if (!token && explicit) token = await explicit();
    const derived = explicit ? null : this.derivedProvider(token);
    const key = isPublishableKey(this.config.apiKey) ? this.config.apiKey : (this.config.appId ?? this.config.apiKey);
    if (token) this.currentToken = token;
    const realtime = new Realtime(
      {
        wsBaseUrl: toWebSocketBase(this.httpBase),
        key,
        token,
        tokenProvider: explicit ?? derived,
        tokenSource: explicit ? 'explicit' : derived ? 'derived' : 'none',
        options: params.options,
        authEndpoint: params.authEndpoint,
        authHeaders: params.authHeaders,
        rest: { baseUrl: this.httpBase, appId: this.config.appId, apiKey: this.config.apiKey, fetch: this.config.fetch },
      },
      {
        ...deps,
        transport: params.transport ?? deps.transport,
        onToken: (t) => {
          this.currentToken = t;
          deps.onToken?.(t);
        },
      },
    );
    this.lastRealtime = realtime;
    try {
      return await realtime.start();
    } catch (err) {
      realtime.disconnect();
      throw err;
    }
  }

  /** The token REST calls carry as `Authorization: Bearer` (the last one connected with). */
  get token(): string | null {
    return this.currentToken;
  }

  /** Set the token REST calls carry (e.g. a token obtained elsewhere). */
  setToken(token: string | null): void {
    this.currentToken = token;
  }

  /** After a connection existed: a fresh token with the old token's claims, when we can get one. */
  private derivedProvider(token: string | null): TokenProvider | null {
    const claims = decodeTokenClaims(token);
    if (!claims?.sub) return null;
    if (isPublishableKey(this.config.apiKey) && !this.config.tokenEndpoint) return null;
    const req: TokenRequest = { user_id: claims.sub };
    if (claims.channels) req.channels = claims.channels;
    if (claims.user_info) req.user_info = claims.user_info;
    if (typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat) {
      req.expires_in = claims.exp - claims.iat;
    }
    return async () => (await this.getToken(req)).token;
  }

  private async mintToken(req: TokenRequest): Promise<TokenResponse> {
    const attributes: Record<string, unknown> = { user_id: req.user_id };
    if (req.channels !== undefined) attributes.channels = req.channels;
    if (req.user_info !== undefined) attributes.user_info = req.user_info;
    if (req.expires_in !== undefined) attributes.expires_in = req.expires_in;
    const rest = new RestClient({
      baseUrl: this.httpBase,
      appId: this.config.appId,
      apiKey: this.config.apiKey,
      fetch: this.config.fetch,
      token: () => null,
    });
    const doc = await rest.request<TokenDocument>({
      method: 'POST',
      path: '/v1/realtime/tokens',
      body: { data: { type: 'tokens', attributes } },
    });
    const token = doc?.data?.attributes?.token;
    if (typeof token !== 'string' || token === '') {
      throw new SwitchboardError({ code: ErrorCodes.invalidRequest, title: 'Invalid response', detail: 'POST /v1/realtime/tokens answered without data.attributes.token' });
    }
    return { token, expires_at: doc.data?.attributes?.expires_at ?? expiresAtOf(token) };
  }

  private async tokenFromEndpoint(req: TokenRequest): Promise<TokenResponse> {
    const endpoint = this.config.tokenEndpoint;
    if (!endpoint) {
      throw new SwitchboardError({
        code: ErrorCodes.configuration,
        title: 'No token endpoint',
        detail: 'getToken with a publishable key (pk_*) asks your backend for the token: pass tokenEndpoint to createClient (the secret key must never reach a browser)',
      });
    }
    const url = /^[a-z][a-z0-9+.-]*:/i.test(endpoint) || hasLocation() ? endpoint : joinUrl(this.httpBase, endpoint);
    const body: Record<string, unknown> = { user_id: req.user_id };
    if (req.channels !== undefined) body.channels = req.channels;
    if (req.user_info !== undefined) body.user_info = req.user_info;
    if (req.expires_in !== undefined) body.expires_in = req.expires_in;
    const doc = await fetchJson<unknown>(this.config.fetch, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.config.tokenEndpointHeaders ?? {}) },
      body: JSON.stringify(body),
    });
    const token = pickToken(doc);
    if (!token) {
      throw new SwitchboardError({ code: ErrorCodes.invalidRequest, title: 'Invalid token response', detail: `${endpoint} answered without "token"` });
    }
    const expiresAt = isPlainObject(doc) && typeof doc.expires_at === 'string' ? doc.expires_at : expiresAtOf(token);
    return { token, expires_at: expiresAt };
  }
}

function hasLocation(): boolean {
  return typeof (globalThis as { location?: unknown }).location !== 'undefined';
}

/** `{token}` (the documented answer) or a JSON:API token document. */
function pickToken(doc: unknown): string | null {
  if (!isPlainObject(doc)) return null;
  if (typeof doc.token === 'string' && doc.token !== '') return doc.token;
  const data = doc.data;
  if (isPlainObject(data) && isPlainObject(data.attributes) && typeof data.attributes.token === 'string') {
    return data.attributes.token;
  }
  return null;
}

export class SwitchboardClient {
  /** Real-time: tokens, connections, search. */
  readonly realtime: RealtimeApi;

  constructor(readonly config: ClientConfig) {
    if (!config || !config.urls || typeof config.urls.realtime !== 'string' || config.urls.realtime === '') {
      throw new SwitchboardError({ code: ErrorCodes.configuration, title: 'Invalid configuration', detail: 'createClient needs urls.realtime (the server\'s http(s) URL)' });
    }
    if (typeof config.apiKey !== 'string' || config.apiKey === '') {
      throw new SwitchboardError({ code: ErrorCodes.configuration, title: 'Invalid configuration', detail: 'createClient needs apiKey' });
    }
    const httpBase = toHttpBase(config.urls.realtime);
    toWebSocketBase(httpBase); // validates the scheme
    this.realtime = new RealtimeApi(config, httpBase);
  }
}

/**
 * Create a client.
 * @example
 * const client = createClient({ urls: { realtime: 'http://127.0.0.1:6001' }, appId: 'my-app', apiKey: 'sk_test_…' });
 */
export function createClient(config: ClientConfig): SwitchboardClient {
  return new SwitchboardClient(config);
}

/** The seed's name for createClient. */
export const create23BlocksClient = createClient;
