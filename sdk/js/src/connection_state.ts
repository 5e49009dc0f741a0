// The connection state machine: explicit states and one transition function.
//
// transition() is pure: it takes the machine, its configuration and one event, and returns the
// next machine and the effects to run, in order. Realtime (realtime.ts) owns the socket, the
// timers and the listeners, feeds every happening in here as an event and runs the effects; it
// never changes state itself. Unit tests drive this function directly (connection_state.test.ts).
//
//   idle ──connect──▶ connecting ──established──▶ connected
//                        ▲   │                       │
//              timer /   │   │closed (retryable)     │closed (retryable)
//              token ok  │   ▼                       ▼
//                       waiting ◀────────────────────┘
//   closed (refused, or attempts exhausted) ─▶ disconnected
//   disconnect: connecting|connected ─▶ disconnecting ─closed─▶ disconnected; waiting ─▶ disconnected
import { closeAction, ErrorCodes, type CloseAction } from './codes.js';
import type { ConnectionState } from './types.js';

export type InternalState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'waiting'
  | 'disconnecting'
  | 'disconnected';

export interface Machine {
  readonly state: InternalState;
  /** Consecutive reconnect attempts since the last established connection. */
  readonly attempt: number;
  /** An established connection was reached since the user's last connect(). */
  readonly connectedOnce: boolean;
}

export interface MachineConfig {
  autoReconnect: boolean;
  maxReconnectAttempts: number;
  /**
   * Where a new token comes from on `invalid_token`: 'explicit' (the app's tokenProvider: also
   * used for the first connection, once), 'derived' (the SDK re-requests a token with the old
   * token's claims: only after a connection was established), or 'none'.
   */
  tokenSource: 'explicit' | 'derived' | 'none';
}

export type MachineEvent =
  /** connect() or reconnect() */
  | { type: 'connect' }
  /** `pusher:connection_established` arrived */
  | { type: 'established' }
  /** The current transport closed (the heartbeat's timeout is fed in as a 1006 close). */
  | { type: 'closed'; code: number; reason: string; error?: string }
  /** The back-off wait is over. */
  | { type: 'timer' }
  /** The token provider answered. */
  | { type: 'token'; ok: true }
  | { type: 'token'; ok: false; detail: string }
  /** disconnect() */
  | { type: 'disconnect' };

export interface FailInfo {
  code: string;
  detail: string;
  closeCode?: number;
}

export type Effect =
  /** Open a new transport (the previous one, if any, is already detached). */
  | { kind: 'open' }
  /**
   * Close the current transport. detach: forget it at once (its close event is never fed back);
   * otherwise its 'closed' event completes a disconnect.
   */
  | { kind: 'close'; code: number; reason: string; detach: boolean }
  /** Schedule the 'timer' event after the back-off for `action` and `attempt` (backoff.ts). */
  | { kind: 'wait'; action: CloseAction; attempt: number }
  | { kind: 'cancel_wait' }
  /** Ask the token provider, then feed a 'token' event. */
  | { kind: 'refresh_token' }
  /** Connection up: heartbeat, resubscribe, flush the queue, resolve connect(), emit 'connected'. */
  | { kind: 'established' }
  /** Transport gone: stop the heartbeat, channels wait, in-flight sends go back to the queue. */
  | { kind: 'lost' }
  | { kind: 'emit_disconnected'; reason: string }
  | { kind: 'emit_reconnecting'; attempt: number }
  /** Emit 'error' and reject a pending connect(). */
  | { kind: 'fail'; error: FailInfo }
  /** Reject a pending connect() without an 'error' event (the app called disconnect()). */
  | { kind: 'abort' };

export interface Step {
  machine: Machine;
  effects: Effect[];
}

export const initialMachine: Machine = { state: 'idle', attempt: 0, connectedOnce: false };

export const CLIENT_DISCONNECT_REASON = 'io client disconnect';

/** The seed's four states. A back-off wait counts as 'connecting'. */
export function publicState(state: InternalState): ConnectionState {
  switch (state) {
    case 'idle':
    case 'disconnected':
      return 'disconnected';
    case 'waiting':
    case 'connecting':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'disconnecting':
      return 'disconnecting';
  }
}

/** Human text for a close, used as the 'disconnected' reason. */
export function closeReason(code: number, reason: string): string {
  const what = code < 4000 ? 'transport closed' : 'server closed';
  return reason ? `${what} (${code}: ${reason})` : `${what} (${code})`;
}

/** The error code a refused close maps to. */
function refusedCode(code: number, error?: string): string {
  if (error) return error;
  if (code === 4009) return ErrorCodes.invalidToken;
  if (code === 4001) return ErrorCodes.appNotFound;
  if (code === 4003) return ErrorCodes.appDisabled;
  if (code === 4301) return ErrorCodes.rateLimitExceeded;
  return ErrorCodes.connectionFailed;
}

function at(machine: Machine, state: InternalState, patch: Partial<Machine> = {}): Machine {
  return { ...machine, ...patch, state };
}

function onClosed(m: Machine, cfg: MachineConfig, ev: Extract<MachineEvent, { type: 'closed' }>): Step {
  if (m.state === 'disconnecting') {
    return {
      machine: at(m, 'disconnected'),
      effects: [{ kind: 'lost' }, { kind: 'emit_disconnected', reason: CLIENT_DISCONNECT_REASON }, { kind: 'abort' }],
    };
  }
  if (m.state !== 'connected' && m.state !== 'connecting') return { machine: m, effects: [] };

  const effects: Effect[] = [{ kind: 'lost' }];
  if (m.state === 'connected') {
    effects.push({ kind: 'emit_disconnected', reason: closeReason(ev.code, ev.reason) });
  }
  const action = closeAction(ev.code, ev.error);
  const attempt = m.attempt + 1;

  if (action === 'refresh_token') {
    const allowed =
      cfg.autoReconnect &&
      attempt <= cfg.maxReconnectAttempts &&
      (cfg.tokenSource === 'explicit'
        ? m.connectedOnce || m.attempt === 0
        : cfg.tokenSource === 'derived' && m.connectedOnce);
    if (allowed) {
      effects.push({ kind: 'emit_reconnecting', attempt }, { kind: 'refresh_token' });
      return { machine: at(m, 'waiting', { attempt }), effects };
    }
  }
  if (action === 'refused' || action === 'refresh_token') {
    effects.push({
      kind: 'fail',
      error: { code: refusedCode(ev.code, ev.error), detail: closeReason(ev.code, ev.reason), closeCode: ev.code },
    });
    return { machine: at(m, 'disconnected'), effects };
  }
  if (!cfg.autoReconnect) {
    if (!m.connectedOnce) {
      effects.push({
        kind: 'fail',
        error: { code: ErrorCodes.connectionFailed, detail: closeReason(ev.code, ev.reason), closeCode: ev.code },
      });
    }
    return { machine: at(m, 'disconnected'), effects };
  }
  if (attempt > cfg.maxReconnectAttempts) {
    effects.push({
      kind: 'fail',
      error: {
        code: ErrorCodes.connectionFailed,
        detail: `gave up after ${m.attempt} reconnect attempts; last: ${closeReason(ev.code, ev.reason)}`,
        closeCode: ev.code,
      },
    });
    return { machine: at(m, 'disconnected'), effects };
  }
  effects.push({ kind: 'emit_reconnecting', attempt }, { kind: 'wait', action, attempt });
  return { machine: at(m, 'waiting', { attempt }), effects };
}

/** The transition function. Events that make no sense in a state are ignored (no effects). */
export function transition(m: Machine, cfg: MachineConfig, ev: MachineEvent): Step {
  switch (ev.type) {
    case 'connect':
      switch (m.state) {
        case 'idle':
        case 'disconnected':
          return { machine: at(m, 'connecting', { attempt: 0, connectedOnce: false }), effects: [{ kind: 'open' }] };
        case 'waiting':
          return { machine: at(m, 'connecting'), effects: [{ kind: 'cancel_wait' }, { kind: 'open' }] };
        case 'connected':
          return {
            machine: at(m, 'connecting', { attempt: 0 }),
            effects: [
              { kind: 'close', code: 1000, reason: 'reconnect', detach: true },
              { kind: 'lost' },
              { kind: 'emit_disconnected', reason: 'io client reconnect' },
              { kind: 'open' },
            ],
          };
        case 'connecting':
          return {
            machine: m,
            effects: [{ kind: 'close', code: 1000, reason: 'reconnect', detach: true }, { kind: 'lost' }, { kind: 'open' }],
          };
        case 'disconnecting':
          return { machine: at(m, 'connecting', { attempt: 0 }), effects: [{ kind: 'lost' }, { kind: 'open' }] };
      }
      break;
    case 'established':
      if (m.state !== 'connecting') return { machine: m, effects: [] };
      return { machine: at(m, 'connected', { attempt: 0, connectedOnce: true }), effects: [{ kind: 'established' }] };
    case 'closed':
      return onClosed(m, cfg, ev);
    case 'timer':
      if (m.state !== 'waiting') return { machine: m, effects: [] };
      return { machine: at(m, 'connecting'), effects: [{ kind: 'open' }] };
    case 'token':
      if (m.state !== 'waiting') return { machine: m, effects: [] };
      if (ev.ok) return { machine: at(m, 'connecting'), effects: [{ kind: 'open' }] };
      return {
        machine: at(m, 'disconnected'),
        effects: [{ kind: 'fail', error: { code: ErrorCodes.invalidToken, detail: ev.detail, closeCode: 4009 } }],
      };
    case 'disconnect':
      switch (m.state) {
        case 'connecting':
        case 'connected':
          return {
            machine: at(m, 'disconnecting'),
            effects: [{ kind: 'close', code: 1000, reason: CLIENT_DISCONNECT_REASON, detach: false }],
          };
        case 'waiting':
          return { machine: at(m, 'disconnected'), effects: [{ kind: 'cancel_wait' }, { kind: 'abort' }] };
        default:
          return { machine: m, effects: [] };
      }
  }
  return { machine: m, effects: [] };
}
