// Connection: one logical connection to the server, across reconnects, for a Realtime
// (realtime.ts), which adds the channels, the sends and the public API.
//
// Owns the transport (one WebSocket at a time), the token, the connection state machine and the
// timers (back-off wait, connect timeout, heartbeat). Every happening (socket events, timers, app
// calls) becomes a MachineEvent fed to the pure transition() of connection_state.ts; Connection
// only runs the effects it returns. Events raised while effects run are queued and handled after
// them (run to completion), so a listener that calls reconnect() from a 'disconnected' handler
// sees a consistent machine.
//
// Single-threaded (the JS event loop). A transport's callbacks carry the generation they were
// opened in: callbacks of a transport that was replaced or abandoned are ignored.
import { reconnectDelay } from './backoff.js';
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
import { SwitchboardError } from './errors.js';
import { dataObject, isPlainObject, type Frame } from './message.js';
import { buildSocketUrl, type RealtimeSetup } from './realtime_setup.js';
import { Timer, type Scheduler } from './scheduler.js';
import { decodeTokenClaims, type TokenClaims } from './token.js';
import type { Transport, TransportFactory } from './transport.js';
import type { ConnectedInfo, ConnectionOptions, RealtimeEventMap, TokenProvider } from './types.js';

/** What the connection tells its Realtime, in the order the machine's effects run. */
export interface ConnectionEvents {
  /** The Realtime's own events ('connected', 'disconnected', 'reconnecting', 'error', 'state'). */
  emit<K extends keyof RealtimeEventMap & string>(event: K, payload: RealtimeEventMap[K]): void;
  /** Connected: subscribe the channels, before waiters resolve and 'connected' is emitted. */
  established(): void;
  /** The connection dropped: timers are stopped and the transport forgotten. */
  lost(): void;
  /** Every inbound frame but pusher:connection_established, pusher:error, pusher:ping and pong. */
  frame(frame: Frame): void;
}

/** The injected I/O the connection uses (RealtimeDeps with its defaults applied). */
export interface ConnectionIo {
  transport: TransportFactory;
  scheduler: Scheduler;
  random: () => number;
  onToken: ((token: string) => void) | undefined;
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

export class Connection {
  /** Read by Realtime; changed only by dispatch(). */
  machine: Machine = initialMachine;
  private readonly machineConfig: MachineConfig;

  /** The open transport, if any (Realtime's outbox writes to it while connected). */
  transport: Transport | null = null;
  /** Bumped whenever a transport is opened or forgotten (Realtime ignores stale answers by it). */
  generation = 0;
  private dispatching = false;
  private readonly pending: MachineEvent[] = [];

  token: string | null;
  claims: TokenClaims | null;
  private readonly tokenProvider: TokenProvider | null;
  /** Set by pusher:connection_established, cleared when the connection is lost. */
  connectedInfo: ConnectedInfo | null = null;
  /** Whether the server speaks the native extensions. */
  nativeExt = false;
  private activityMs: number;
  private lastPusherError: PusherErrorInfo | null = null;
  private waiters: Waiter[] = [];

  private readonly waitTimer: Timer;
  private readonly connectTimer: Timer;
  private readonly activityTimer: Timer;
  private readonly pongTimer: Timer;

  constructor(
    private readonly setup: RealtimeSetup,
    private readonly options: Required<ConnectionOptions>,
    private readonly io: ConnectionIo,
    private readonly events: ConnectionEvents,
  ) {
    this.machineConfig = {
      autoReconnect: this.options.autoReconnect,
      maxReconnectAttempts: this.options.maxReconnectAttempts,
      tokenSource: setup.tokenSource,
    };
    this.token = setup.token;
    this.claims = decodeTokenClaims(setup.token);
    this.tokenProvider = setup.tokenProvider;
    this.activityMs = this.options.heartbeatInterval;
    this.waitTimer = new Timer(io.scheduler);
    this.connectTimer = new Timer(io.scheduler);
    this.activityTimer = new Timer(io.scheduler);
    this.pongTimer = new Timer(io.scheduler);
  }

  dispatch(ev: MachineEvent): void {
    this.pending.push(ev);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        const before = publicState(this.machine.state);
        const step = transition(this.machine, this.machineConfig, next);
        this.machine = step.machine;
        const after = publicState(this.machine.state);
        if (before !== after) this.events.emit('state', { previous: before, current: after });
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
          this.io.random,
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
        this.events.emit('disconnected', effect.reason);
        return;
      case 'emit_reconnecting':
        this.events.emit('reconnecting', effect.attempt);
        return;
      case 'fail': {
        const err = new SwitchboardError({
          code: effect.error.code,
          title: 'Connection failed',
          detail: this.lastPusherError?.message || effect.error.detail,
          closeCode: effect.error.closeCode,
        });
        const already = this.lastPusherError?.emitted && this.lastPusherError.code === effect.error.closeCode;
        if (!already) this.events.emit('error', err);
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
    this.transport = this.io.transport(url, {
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

  setToken(token: string): void {
    this.token = token;
    this.claims = decodeTokenClaims(token);
    this.io.onToken?.(token);
  }

  private onEstablished(): void {
    this.connectTimer.stop();
    this.touch();
    this.events.established();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    if (this.connectedInfo) this.events.emit('connected', this.connectedInfo);
  }

  private onLost(): void {
    this.connectTimer.stop();
    this.activityTimer.stop();
    this.pongTimer.stop();
    this.detach();
    this.connectedInfo = null;
    this.events.lost();
  }

  /** Resolves with `value` once connected; rejects when connecting fails or is aborted. */
  waitConnected<T>(value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ resolve: () => resolve(value), reject });
    });
  }

  private rejectWaiters(err: SwitchboardError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  // ---- frames ----------------------------------------------------------------------------------

  write(frame: Record<string, unknown>): boolean {
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
          this.events.emit(
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
    }
    this.events.frame(frame);
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
}
