// Realtime: one connection to the server as the app sees it: its channels, its sends and its
// events. The connection itself (transport, token, state machine, timers) is a Connection
// (connection.ts); the sends wait in an Outbox (outbox.ts).
//
// Single-threaded (the JS event loop).
import { authorizeChannel } from './channel_auth.js';
import { Channel, isPresenceChannel, isPrivateChannel, type ChannelHost } from './channel.js';
import { ErrorCodes } from './codes.js';
import { Connection } from './connection.js';
import { publicState } from './connection_state.js';
import { Emitter } from './emitter.js';
import { SwitchboardError, toSwitchboardError } from './errors.js';
import type { Frame } from './message.js';
import { Outbox } from './outbox.js';
import { DEFAULT_OPTIONS, stripUndefined, type RealtimeDeps, type RealtimeSetup } from './realtime_setup.js';
import { RestClient } from './rest.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import { grantsChannel } from './token.js';
import { webSocketTransport } from './transport.js';
import { Room, type JoinRoomParams, type SignalingFrame, type WebRtcEnvironment, type WebRtcSignaling } from './webrtc.js';
import type { ConnectedInfo, ConnectionOptions, ConnectionState, RealtimeEventMap } from './types.js';

export { DEFAULT_OPTIONS, buildSocketUrl, type RealtimeDeps, type RealtimeSetup } from './realtime_setup.js';

type RealtimeListener = (payload: never) => void;

export class Realtime extends Emitter<RealtimeEventMap> {
  private readonly options: Required<ConnectionOptions>;
  /** @internal */
  readonly scheduler: Scheduler;
  private readonly clock: () => number;
  private readonly connection: Connection;

  private readonly channelMap = new Map<string, Channel>();
  private readonly outbox: Outbox;

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
    this.scheduler = deps.scheduler ?? realScheduler;
    this.clock = deps.now ?? (() => Date.now());
    this.connection = new Connection(
      setup,
      this.options,
      { transport: deps.transport ?? webSocketTransport, scheduler: this.scheduler, random: deps.random ?? Math.random, onToken: deps.onToken },
      {
        emit: (event, payload) => this.emit(event, payload),
        established: () => {
          for (const ch of this.channelMap.values()) this.subscribeChannel(ch);
        },
        lost: () => {
          for (const ch of this.channelMap.values()) ch.connectionLost();
          this.outbox.requeueInFlight();
        },
        frame: (frame) => this.onFrame(frame),
      },
    );
    this.outbox = new Outbox({
      scheduler: this.scheduler,
      ackTimeout: this.options.ackTimeout,
      maxQueuedMessages: this.options.maxQueuedMessages,
      openTransport: () => (this.connection.machine.state === 'connected' ? this.connection.transport : null),
      channel: (name) => this.channelMap.get(name),
    });
    this.restClient = new RestClient({ ...setup.rest, token: () => this.connection.token });
    this.host = {
      scheduler: this.scheduler,
      now: () => this.clock(),
      userId: () => this.userId,
      userInfo: () => this.connection.claims?.user_info ?? null,
      native: () => this.connection.nativeExt,
      write: (frame) => this.connection.write(frame),
      enqueue: (channel, frame) => this.outbox.enqueue(channel, frame),
      channelReady: () => this.outbox.flush(),
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
      send: (frame) => this.connection.write(frame as unknown as Record<string, unknown>),
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
    if (event === 'connected' && this.connection.machine.state === 'connected') {
      void Promise.resolve().then(() => {
        const info = this.connection.connectedInfo;
        if (info && this.connection.machine.state === 'connected' && this.isListening(event, listener)) {
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
    return publicState(this.connection.machine.state);
  }

  /** @example const isConnected = realtime.isConnected(); */
  isConnected(): boolean {
    return this.connection.machine.state === 'connected';
  }

  /** The server's socket id while connected. */
  get socketId(): string | null {
    return this.connection.connectedInfo?.socket_id ?? null;
  }

  /** The user of this connection (from the server, or the token's `sub`). */
  get userId(): string | null {
    return this.connection.connectedInfo?.user_id ?? this.connection.claims?.sub ?? null;
  }

  /** @internal Start connecting; resolves once connected (client.realtime.connect() awaits it). */
  start(): Promise<this> {
    const p = this.connection.waitConnected(this);
    this.connection.dispatch({ type: 'connect' });
    return p;
  }

  /**
   * Close the connection. Channels and queued sends are kept: reconnect() resumes them.
   * @example realtime.disconnect();
   */
  disconnect(): void {
    this.connection.dispatch({ type: 'disconnect' });
  }

  /**
   * Connect again now (optionally with a new token); resolves once connected.
   * @example await realtime.reconnect({ token: newToken });
   */
  reconnect(params: { token?: string } = {}): Promise<this> {
    if (params.token) this.connection.setToken(params.token);
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
    if (this.connection.machine.state === 'connected') this.subscribeChannel(ch);
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
    return this.outbox.size;
  }


  // ---- frames and channels ---------------------------------------------------------------------

  /** Frames the connection does not handle itself: acks, WebRTC signaling, channel events. */
  private onFrame(frame: Frame): void {
    switch (frame.event) {
      case 'switchboard:ack':
        this.outbox.onAck(frame);
        return;
      case 'switchboard:nack':
        this.outbox.onNack(frame);
        return;
    }
    if (frame.event.startsWith('switchboard:webrtc:')) {
      for (const l of [...this.webrtcListeners]) l(frame as SignalingFrame);
      return;
    }
    if (typeof frame.channel === 'string') this.channelMap.get(frame.channel)?.handle(frame);
  }

  private subscribeChannel(ch: Channel): void {
    ch.connecting();
    const data: Record<string, unknown> = { ...ch.subscribeData() };
    const needsAuth = isPrivateChannel(ch.name) || isPresenceChannel(ch.name);
    if (needsAuth && this.setup.authEndpoint && !grantsChannel(this.connection.claims, ch.name)) {
      const gen = this.connection.generation;
      this.authorize(ch.name).then(
        (auth) => {
          if (gen !== this.connection.generation || this.channelMap.get(ch.name) !== ch) return;
          this.connection.write({ event: 'pusher:subscribe', data: { ...data, ...auth } });
        },
        (err: unknown) => {
          if (gen !== this.connection.generation || this.channelMap.get(ch.name) !== ch) return;
          ch.refuse(toSwitchboardError(err, ErrorCodes.unauthorizedChannel, 'Authorization failed'));
        },
      );
      return;
    }
    this.connection.write({ event: 'pusher:subscribe', data });
  }

  /** The Pusher auth endpoint flow (channel_auth.ts). */
  private authorize(channel: string): Promise<{ auth: string; channel_data?: string }> {
    return authorizeChannel({
      endpoint: this.setup.authEndpoint,
      socketId: this.socketId,
      userId: this.userId,
      channel,
      headers: this.setup.authHeaders,
      fetch: this.setup.rest.fetch ?? globalThis.fetch,
    });
  }

  private removeChannel(ch: Channel): void {
    if (this.channelMap.get(ch.name) !== ch) return;
    this.channelMap.delete(ch.name);
    this.connection.write({ event: 'pusher:unsubscribe', data: { channel: ch.name } });
    const err = new SwitchboardError({ code: ErrorCodes.unsubscribed, title: 'Unsubscribed', detail: `channel ${ch.name} was unsubscribed` });
    this.outbox.rejectChannel(ch.name, err);
  }
}
