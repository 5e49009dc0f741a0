// The one error type the SDK rejects with and emits.
import { ErrorStatus } from './codes.js';

export interface SwitchboardErrorInit {
  status?: number;
  code: string;
  title?: string;
  detail?: string;
  /** The WebSocket close code or `pusher:error` code, when the error came from the socket. */
  closeCode?: number;
  cause?: unknown;
}

/**
 * A REST error (the JSON:API `errors[0]`), a refused send (`switchboard:nack`), a refused
 * subscription, or a connection error. `code` is one of the seed's codes (`unauthorized_channel`,
 * `invalid_token`, ...) or one of the SDK's own (codes.ts ErrorCodes).
 */
export class SwitchboardError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly closeCode: number | undefined;

  constructor(init: SwitchboardErrorInit) {
    const detail = init.detail ?? init.title ?? init.code;
    super(`${init.code}: ${detail}`);
    this.name = 'SwitchboardError';
    this.status = init.status ?? ErrorStatus[init.code] ?? 0;
    this.code = init.code;
    this.title = init.title ?? init.code;
    this.detail = detail;
    this.closeCode = init.closeCode;
    if (init.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
    }
  }

  toJSON(): { status: number; code: string; title: string; detail: string } {
    return { status: this.status, code: this.code, title: this.title, detail: this.detail };
  }
}

/** Wrap anything thrown into a SwitchboardError (network failures, JSON errors). */
export function toSwitchboardError(err: unknown, code: string, title: string): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new SwitchboardError({ code, title, detail, cause: err });
}
