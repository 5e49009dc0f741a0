// Realtime: one logical connection to the server, across reconnects.
//
// Owns the transport (one WebSocket at a time), the channels, the offline queue and the timers.
// Every happening (socket events, timers, app calls) becomes a MachineEvent fed to the pure
// transition() of connection_state.ts; Realtime only runs the effects it returns. Events raised
// while effects run are queued and handled after them (run to completion), so a listener that
// calls reconnect() from a 'disconnected' handler sees a consistent machine.
//
// Single-threaded (the JS event loop). A transport's callbacks carry the generation they were
// opened in: callbacks of a transport that was replaced or abandoned are ignored.
import { reconnectDelay } from './backoff.js';
import { Channel, isPresenceChannel, isPrivateChannel, type ChannelHost } from './channel.js';
import { ErrorCodes } from './codes.js';
import {
  initialMachine,
  publicState,
  transition,
  type Effect,
  type Machine,
  type MachineConfig,
  type MachineEvent,
} from './connection_state.js';
import { Emitter } from './emitter.js';
import { SwitchboardError, toSwitchboardError } from './errors.js';
import { dataObject, isPlainObject, type Frame } from './message.js';
import { OfflineQueue, type QueuedSend } from './offline_queue.js';
import { errorFromResponse, RestClient, type RestConfig } from './rest.js';
import { realScheduler, Timer, type Scheduler } from './scheduler.js';
import { decodeTokenClaims, grantsChannel, type TokenClaims } from './token.js';
import { webSocketTransport, type Transport, type TransportFactory } from './transport.js';
import { Room, type JoinRoomParams, type SignalingFrame, type WebRtcEnvironment, type WebRtcSignaling } from './webrtc.js';
import type {
  ConnectedInfo,
  ConnectionOptions,
  ConnectionState,
  RealtimeEventMap,
  SendAck,
  TokenProvider,
} from './types.js';
import { VERSION } from './version.js';

export const DEFAULT_OPTIONS: Required<ConnectionOptions> = {
  autoReconnect: true,
  reconnectDelay: 1000,
  maxReconnectDelay: 30_000,
  maxReconnectAttempts: 10,
  heartbeatInterval: 30_000,
  pongTimeout: 10_000,
  connectTimeout: 10_000,
  ackTimeout: 15_000,
  maxQueuedMessages: 1000,
};

/** Everything a Realtime is built from (client.ts assembles it). */
export interface RealtimeSetup {
  /** ws(s)://host[:port][/prefix] */
  wsBaseUrl: string;
  /** The `/app/{key}` slot. */
  key: string;
  token: string | null;
  tokenProvider: TokenProvider | null;
  tokenSource: MachineConfig['tokenSource'];
  options?: ConnectionOptions;
  authEndpoint?: string;
  authHeaders?: Record<string, string>;
  rest: Omit<RestConfig, 'token'>;
}

/** Injected I/O (tests use a fake transport, a virtual clock and a fixed random). */
export interface RealtimeDeps {
  transport?: TransportFactory;
  scheduler?: Scheduler;
  random?: () => number;
  now?: () => number;
  /** Told about every new token (the client uses it for REST calls). */
  onToken?: (token: string) => void;
}

interface Waiter {
  resolve(): void;
  reject(err: SwitchboardError): void;
}

interface PusherErrorInfo {
  code: number;
  error?: string;
  message: string;
  emitted: boolean;
}

type RealtimeListener = (payload: never) => void;

/** Build the WebSocket URL (docs/protocol.md "Native extensions"). */
export function buildSocketUrl(wsBaseUrl: string, key: string, token: string | null): string {
  const base = wsBaseUrl.replace(/\/+$/, '');
  let url = `${base}/app/${encodeURIComponent(key)}?protocol=7&client=switchboard-js&version=${VERSION}&extensions=native`;
  if (token) url += `&token=${encodeURIComponent(token)}`;
  return url;
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Realtime extends Emitter<RealtimeEventMap> {
  private machine: Machine = initialMachine;
  private readonly machineConfig: MachineConfig;
  private readonly options: Required<ConnectionOptions>;
  private readonly transportFactory: TransportFactory;
  /** @internal */
  readonly scheduler: Scheduler;
  private readonly random: () => number;
  private readonly clock: () => number;
  private readonly onToken: ((token: string) => void) | undefined;

  private transport: Transport | null = null;
  private generation = 0;
  private dispatching = false;
  private readonly pending: MachineEvent[] = [];

  private token: string | null;
  private claims: TokenClaims | null;
  private readonly tokenProvider: TokenProvider | null;
  private connectedInfo: ConnectedInfo | null = null;
  private nativeExt = false;
  private activityMs: number;
  private lastPusherError: PusherErrorInfo | null = null;

  private readonly channelMap = new Map<string, Channel>();
  private readonly queue: OfflineQueue;
  private readonly clientId = randomId();
  private seq = 0;
  private waiters: Waiter[] = [];

  private readonly waitTimer: Timer;
  private readonly connectTimer: Timer;
  private readonly activityTimer: Timer;
  private readonly pongTimer: Timer;

  private readonly restClient: RestClient;
  private readonly host: ChannelHost;
  private readonly webrtcListeners = new Set<(frame: SignalingFrame) => void>();

  /** @internal Use `client.realtime.connect()`. */
  constructor(
    private readonly setup: RealtimeSetup,
    deps: RealtimeDeps = {},
  ) {
    super();
    this.options = { ...DEFAULT_OPTIONS, ...stripUndefined(setup.options ?? {}) };
    this.machineConfig = {
      autoReconnect: this.options.autoReconnect,
      maxReconnectAttempts: this.options.maxReconnectAttempts,
      tokenSource: setup.tokenSource,
    };
    this.transportFactory = deps.transport ?? webSocketTransport;
    this.scheduler = deps.scheduler ?? realScheduler;
    this.random = deps.random ?? Math.random;
    this.clock = deps.now ?? (() => Date.now());
    this.onToken = deps.onToken;
    this.token = setup.token;
    this.claims = decodeTokenClaims(setup.token);
    this.tokenProvider = setup.tokenProvider;
    this.activityMs = this.options.heartbeatInterval;
    this.queue = new OfflineQueue(this.options.maxQueuedMessages);
    this.waitTimer = new Timer(this.scheduler);
    this.connectTimer = new Timer(this.scheduler);
    this.activityTimer = new Timer(this.scheduler);
    this.pongTimer = new Timer(this.scheduler);
    this.restClient = new RestClient({ ...setup.rest, token: () => this.token });
    this.host = {
      scheduler: this.scheduler,
      now: () => this.clock(),
      userId: () => this.userId,
      userInfo: () => this.claims?.user_info ?? null,
      native: () => this.nativeExt,
      write: (frame) => this.write(frame),
      enqueue: (channel, frame) => this.enqueue(channel, frame),
      channelReady: () => this.flush(),
      removeChannel: (ch) => this.removeChannel(ch),
      rest: () => this.restClient,
    };
  }

  // ---- public API ------------------------------------------------------------------------------

  /**
   * WebRTC rooms over this connection (docs/webrtc.md).
   * @example const room = await realtime.webrtc.join({ room_id: 'room_abc123', token: roomToken, audio: true, video: true });
   */
  readonly webrtc = {
    join: (params: JoinRoomParams, env?: WebRtcEnvironment): Promise<Room> => Room.join(this.webrtcSignaling(), params, env),
  };

  /** @internal The signaling channel of WebRTC rooms: frames out, switchboard:webrtc:* frames in. */
  webrtcSignaling(): WebRtcSignaling {
    return {
      send: (frame) => this.write(frame as unknown as Record<string, unknown>),
      onFrame: (listener) => {
        this.webrtcListeners.add(listener);
        return () => this.webrtcListeners.delete(listener);
      },
      onReconnected: (listener) => {
        let socket = this.socketId;
        const onConnected = (info: ConnectedInfo) => {
          if (info.socket_id === socket) return;
          socket = info.socket_id;
          listener();
        };
        this.on('connected', onConnected);
        return () => this.off('connected', onConnected);
      },
    };
  }

  /**
   * Listen to connection events: 'connected', 'disconnected' (reason), 'reconnecting' (attempt),
   * 'error' (SwitchboardError), 'state'. A 'connected' listener added while connected is called
   * at once (asynchronously).
   * @example realtime.on('reconnecting', (attempt) => console.log('Reconnecting, attempt:', attempt));
   */
  on<K extends keyof RealtimeEventMap>(event: K, listener: (payload: RealtimeEventMap[K]) => void): this;
  on(event: string, listener: RealtimeListener): this {
    this.addListener(event, listener);
    if (event === 'connected' && this.machine.state === 'connected') {
      void Promise.resolve().then(() => {
        const info = this.connectedInfo;
        if (info && this.machine.state === 'connected' && this.isListening(event, listener)) {
          (listener as (p: ConnectedInfo) => void)(info);
        }
      });
    }
    return this;
  }

  /** Listen once. */
  once<K extends keyof RealtimeEventMap>(event: K, listener: (payload: RealtimeEventMap[K]) => void): this;
  once(event: string, listener: RealtimeListener): this {
    const wrapper = ((payload: never) => {
      this.removeListener(event, wrapper);
      listener(payload);
    }) as RealtimeListener;
    this.addListener(event, wrapper);
    return this;
  }

  /** Remove a listener, or every listener of the event. */
  off<K extends keyof RealtimeEventMap>(event: K, listener?: (payload: RealtimeEventMap[K]) => void): this;
  off(event: string, listener?: RealtimeListener): this {
    this.removeListener(event, listener);
    return this;
  }

  /**
   * 'connecting' | 'connected' | 'disconnecting' | 'disconnected' (a back-off wait is 'connecting').
   * @example const state = realtime.getState();
   */
  getState(): ConnectionState {
    return publicState(this.machine.state);
  }

  /** @example const isConnected = realtime.isConnected(); */
  isConnected(): boolean {
    return this.machine.state === 'connected';
  }

  /** The server's socket id while connected. */
  get socketId(): string | null {
    return this.connectedInfo?.socket_id ?? null;
  }

  /** The user of this connection (from the server, or the token's `sub`). */
  get userId(): string | null {
    return this.connectedInfo?.user_id ?? this.claims?.sub ?? null;
  }

  /** @internal Start connecting; resolves once connected (client.realtime.connect() awaits it). */
  start(): Promise<this> {
    const p = this.waitConnected();
    this.dispatch({ type: 'connect' });
    return p;
  }

  /**
   * Close the connection. Channels and queued sends are kept: reconnect() resumes them.
   * @example realtime.disconnect();
   */
  disconnect(): void {
    this.dispatch({ type: 'disconnect' });
  }

  /**
   * Connect again now (optionally with a new token); resolves once connected.
   * @example await realtime.reconnect({ token: newToken });
   */
  reconnect(params: { token?: string } = {}): Promise<this> {
    if (params.token) this.setToken(params.token);
    return this.start();
  }

  /**
   * The channel of this name (created and subscribed on first use; the same object after).
   * @example const channel = realtime.subscribe('chat:room-1');
   */
  subscribe(name: string): Channel {
    let ch = this.channelMap.get(name);
    if (ch) return ch;
    ch = new Channel(name, this.host);
    this.channelMap.set(name, ch);
    if (this.machine.state === 'connected') this.subscribeChannel(ch);
    return ch;
  }

  /** A channel already subscribed, if any. */
  channel(name: string): Channel | undefined {
    return this.channelMap.get(name);
  }

  /** Every channel of this connection. */
  channels(): Channel[] {
    return [...this.channelMap.values()];
  }

  /** Sends waiting to be written or acknowledged. */
  get queuedMessages(): number {
    return this.queue.size;
  }

  // ---- the machine ---------------------------------------------------------------------------

  private dispatch(ev: MachineEvent): void {
    this.pending.push(ev);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        const before = publicState(this.machine.state);
        const step = transition(this.machine, this.machineConfig, next);
        this.machine = step.machine;
        const after = publicState(this.machine.state);
        if (before !== after) this.emit('state', { previous: before, current: after });
        for (const effect of step.effects) this.run(effect);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private run(effect: Effect): void {
    switch (effect.kind) {
      case 'open':
        this.open();
        return;
      case 'close': {
        const t = this.transport;
        if (effect.detach) this.detach();
        t?.close(effect.code, effect.reason);
        return;
      }
      case 'wait': {
        const delay = reconnectDelay(
          effect.action,
          effect.attempt,
          { base: this.options.reconnectDelay, max: this.options.maxReconnectDelay },
          this.random,
        );
        this.waitTimer.start(delay, () => this.dispatch({ type: 'timer' }));
        return;
      }
      case 'cancel_wait':
        this.waitTimer.stop();
        return;
      case 'refresh_token':
        this.refreshToken();
        return;
      case 'established':
        this.onEstablished();
        return;
      case 'lost':
        this.onLost();
        return;
      case 'emit_disconnected':
        this.emit('disconnected', effect.reason);
        return;
      case 'emit_reconnecting':
        this.emit('reconnecting', effect.attempt);
        return;
      case 'fail': {
        const err = new SwitchboardError({
          code: effect.error.code,
          title: 'Connection failed',
          detail: this.lastPusherError?.message || effect.error.detail,
          closeCode: effect.error.closeCode,
        });
        const already = this.lastPusherError?.emitted && this.lastPusherError.code === effect.error.closeCode;
        if (!already) this.emit('error', err);
        this.rejectWaiters(err);
        return;
      }
      case 'abort':
        this.rejectWaiters(
          new SwitchboardError({ code: ErrorCodes.disconnected, title: 'Disconnected', detail: 'disconnect() was called' }),
        );
        return;
    }
  }

  private open(): void {
    this.detach();
    this.lastPusherError = null;
    const gen = ++this.generation;
    const url = buildSocketUrl(this.setup.wsBaseUrl, this.setup.key, this.token);
    this.connectTimer.start(this.options.connectTimeout, () => {
      if (gen === this.generation) this.abandon('connection timeout');
    });
    this.transport = this.transportFactory(url, {
      onOpen: () => undefined,
      onMessage: (text) => {
        if (gen === this.generation) this.onFrameText(text);
      },
      onClose: (code, reason) => {
        if (gen !== this.generation) return;
        this.transport = null;
        this.generation++;
        const pe = this.lastPusherError;
        // A pusher:error (4000-4299) announces the close that follows; a close without its own
        // code (1005/1006, as browsers report some) takes the announced one.
        const effective = code < 4000 && pe && pe.code >= 4000 && pe.code < 4300 ? pe.code : code;
        const error = pe && pe.code === effective ? pe.error : undefined;
        this.dispatch({ type: 'closed', code: effective, reason: reason || pe?.message || '', error });
      },
    });
  }

  /** Forget the current transport (its callbacks are ignored from now on). */
  private detach(): void {
    if (this.transport) {
      this.transport = null;
      this.generation++;
    }
  }

  /** Give up on the current transport without waiting for it (timeouts). */
  private abandon(reason: string): void {
    const t = this.transport;
    this.detach();
    t?.close(4000 + 201, reason);
    this.dispatch({ type: 'closed', code: 1006, reason });
  }

  private refreshToken(): void {
    const provider = this.tokenProvider;
    if (!provider) {
      this.dispatch({ type: 'token', ok: false, detail: 'the token expired and no tokenProvider was given' });
      return;
    }
    let result: Promise<string>;
    try {
      result = Promise.resolve(provider());
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (token) => {
        if (typeof token !== 'string' || token === '') {
          this.dispatch({ type: 'token', ok: false, detail: 'the tokenProvider returned no token' });
          return;
        }
        this.setToken(token);
        this.dispatch({ type: 'token', ok: true });
      },
      (err: unknown) =>
        this.dispatch({ type: 'token', ok: false, detail: `tokenProvider failed: ${err instanceof Error ? err.message : String(err)}` }),
    );
  }

  private setToken(token: string): void {
    this.token = token;
    this.claims = decodeTokenClaims(token);
    this.onToken?.(token);
  }

  private onEstablished(): void {
    this.connectTimer.stop();
    this.touch();
    for (const ch of this.channelMap.values()) this.subscribeChannel(ch);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    if (this.connectedInfo) this.emit('connected', this.connectedInfo);
  }

  private onLost(): void {
    this.connectTimer.stop();
    this.activityTimer.stop();
    this.pongTimer.stop();
    this.detach();
    this.connectedInfo = null;
    for (const ch of this.channelMap.values()) ch.connectionLost();
    for (const e of this.queue.requeueInFlight()) this.clearAckTimer(e);
  }

  private waitConnected(): Promise<this> {
    return new Promise<this>((resolve, reject) => {
      this.waiters.push({ resolve: () => resolve(this), reject });
    });
  }

  private rejectWaiters(err: SwitchboardError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  // ---- frames ----------------------------------------------------------------------------------

  private write(frame: Record<string, unknown>): boolean {
    if (this.machine.state !== 'connected' || !this.transport) return false;
    this.transport.send(JSON.stringify(frame));
    return true;
  }

  private onFrameText(text: string): void {
    let frame: Frame;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!isPlainObject(parsed) || typeof parsed.event !== 'string') return;
      frame = parsed as unknown as Frame;
    } catch {
      return;
    }
    this.touch();
    switch (frame.event) {
      case 'pusher:connection_established': {
        const d = dataObject(frame.data);
        const socketId = typeof d.socket_id === 'string' ? d.socket_id : '';
        const userId = typeof d.user_id === 'string' ? d.user_id : typeof d.user_id === 'number' ? String(d.user_id) : null;
        this.connectedInfo = { socket_id: socketId, user_id: userId ?? this.claims?.sub ?? null };
        this.nativeExt = Array.isArray(d.extensions) && d.extensions.includes('native');
        const serverActivity = typeof d.activity_timeout === 'number' && d.activity_timeout > 0 ? d.activity_timeout * 1000 : Infinity;
        this.activityMs = Math.min(this.options.heartbeatInterval, serverActivity);
        this.dispatch({ type: 'established' });
        return;
      }
      case 'pusher:error': {
        const d = dataObject(frame.data);
        const code = Number(d.code);
        const info: PusherErrorInfo = {
          code: Number.isFinite(code) ? code : 0,
          error: typeof d.error === 'string' ? d.error : undefined,
          message: typeof d.message === 'string' ? d.message : '',
          emitted: false,
        };
        this.lastPusherError = info;
        if (!(info.code >= 4000 && info.code < 4300)) {
          // Errors that keep the connection open (4300, 4301, ...): report now. 4000-4299
          // announce a close and are reported with it.
          info.emitted = true;
          this.emit(
            'error',
            new SwitchboardError({
              code: info.error ?? (info.code === 4301 ? ErrorCodes.rateLimitExceeded : ErrorCodes.invalidRequest),
              title: 'Server error',
              detail: info.message || `pusher:error ${info.code}`,
              closeCode: info.code,
            }),
          );
        }
        return;
      }
      case 'pusher:ping':
        this.write({ event: 'pusher:pong', data: {} });
        return;
      case 'pusher:pong':
        return;
      case 'switchboard:ack':
        this.onAck(frame);
        return;
      case 'switchboard:nack':
        this.onNack(frame);
        return;
    }
    if (frame.event.startsWith('switchboard:webrtc:')) {
      for (const l of [...this.webrtcListeners]) l(frame as SignalingFrame);
      return;
    }
    if (typeof frame.channel === 'string') this.channelMap.get(frame.channel)?.handle(frame);
  }

  /** Inbound traffic: the connection is alive; ping again after a full interval of silence. */
  private touch(): void {
    this.pongTimer.stop();
    if (this.machine.state !== 'connected' && this.machine.state !== 'connecting') return;
    this.activityTimer.start(this.activityMs, () => {
      if (!this.write({ event: 'pusher:ping', data: {} })) return;
      this.pongTimer.start(this.options.pongTimeout, () => this.abandon('heartbeat timeout'));
    });
  }

  // ---- channels --------------------------------------------------------------------------------

  private subscribeChannel(ch: Channel): void {
    ch.connecting();
    const data: Record<string, unknown> = { ...ch.subscribeData() };
    const needsAuth = isPrivateChannel(ch.name) || isPresenceChannel(ch.name);
    if (needsAuth && this.setup.authEndpoint && !grantsChannel(this.claims, ch.name)) {
      const gen = this.generation;
      this.authorize(ch.name).then(
        (auth) => {
          if (gen !== this.generation || this.channelMap.get(ch.name) !== ch) return;
          this.write({ event: 'pusher:subscribe', data: { ...data, ...auth } });
        },
        (err: unknown) => {
          if (gen !== this.generation || this.channelMap.get(ch.name) !== ch) return;
          ch.refuse(toSwitchboardError(err, ErrorCodes.unauthorizedChannel, 'Authorization failed'));
        },
      );
      return;
    }
    this.write({ event: 'pusher:subscribe', data });
  }

  /** The Pusher auth endpoint flow (pusher-js): POST socket_id and channel_name, form-encoded. */
  private async authorize(channel: string): Promise<{ auth: string; channel_data?: string }> {
    const endpoint = this.setup.authEndpoint;
    const socketId = this.socketId;
    if (!endpoint || !socketId) {
      throw new SwitchboardError({ code: ErrorCodes.unauthorizedChannel, title: 'Unauthorized', detail: 'no auth endpoint or socket id' });
    }
    const form = new URLSearchParams({ socket_id: socketId, channel_name: channel });
    const user = this.userId;
    if (user) form.set('user_id', user);
    const f = this.setup.rest.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await f(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.setup.authHeaders ?? {}) },
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

  private removeChannel(ch: Channel): void {
    if (this.channelMap.get(ch.name) !== ch) return;
    this.channelMap.delete(ch.name);
    this.write({ event: 'pusher:unsubscribe', data: { channel: ch.name } });
    const err = new SwitchboardError({ code: ErrorCodes.unsubscribed, title: 'Unsubscribed', detail: `channel ${ch.name} was unsubscribed` });
    for (const e of this.queue.rejectChannel(ch.name, err)) this.clearAckTimer(e);
  }

  // ---- sends -----------------------------------------------------------------------------------

  private enqueue(channel: string, frame: Record<string, unknown>): Promise<SendAck> {
    return new Promise<SendAck>((resolve, reject) => {
      const n = ++this.seq;
      const ack = `c-${n}`;
      const idempotencyKey = `${this.clientId}-${n}`;
      const entry: QueuedSend = {
        ack,
        idempotencyKey,
        channel,
        frame: { ...frame, ack, idempotency_key: idempotencyKey },
        resolve,
        reject,
        inFlight: false,
        attempts: 0,
        timer: null,
      };
      if (!this.queue.add(entry)) {
        reject(new SwitchboardError({ code: ErrorCodes.queueFull, title: 'Queue full', detail: `${this.options.maxQueuedMessages} sends are already waiting` }));
        return;
      }
      this.flush();
    });
  }

  /** Write every queued send whose channel is subscribed, in order. */
  private flush(): void {
    if (this.machine.state !== 'connected' || !this.transport) return;
    const ready = this.queue.takeReady((name) => this.channelMap.get(name)?.state === 'subscribed');
    for (const e of ready) {
      this.transport.send(JSON.stringify(e.frame));
      e.timer = this.scheduler.setTimeout(() => this.ackTimedOut(e), this.options.ackTimeout);
    }
  }

  private ackTimedOut(e: QueuedSend): void {
    e.timer = null;
    if (!this.queue.settle(e.ack)) return;
    e.reject(new SwitchboardError({ code: ErrorCodes.ackTimeout, title: 'No acknowledgement', detail: `no acknowledgement for ${e.ack} on ${e.channel} within ${this.options.ackTimeout} ms` }));
  }

  private clearAckTimer(e: QueuedSend): void {
    if (e.timer !== null) {
      this.scheduler.clearTimeout(e.timer);
      e.timer = null;
    }
  }

  private onAck(frame: Frame): void {
    const d = dataObject(frame.data);
    const entry = typeof d.ack === 'string' ? this.queue.settle(d.ack) : undefined;
    if (!entry) return; // unknown or repeated: settled once
    this.clearAckTimer(entry);
    const id = typeof d.id === 'string' ? d.id : String(d.id ?? '');
    if (id && entry.frame.echo === false) this.channelMap.get(entry.channel)?.noteOwnId(id);
    entry.resolve({
      id,
      offset: typeof d.offset === 'number' ? d.offset : null,
      epoch: typeof d.epoch === 'string' ? d.epoch : null,
    });
  }

  private onNack(frame: Frame): void {
    const d = dataObject(frame.data);
    const entry = typeof d.ack === 'string' ? this.queue.settle(d.ack) : undefined;
    if (!entry) return;
    this.clearAckTimer(entry);
    const status = typeof d.status === 'number' ? d.status : Number(d.status) || undefined;
    entry.reject(
      new SwitchboardError({
        status,
        code: typeof d.code === 'string' ? d.code : ErrorCodes.invalidRequest,
        title: typeof d.title === 'string' ? d.title : 'Send refused',
        detail: typeof d.detail === 'string' ? d.detail : `send to ${entry.channel} refused`,
      }),
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
