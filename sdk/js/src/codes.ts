// The server's error codes, mirrored (docs/protocol.md, ../shared/PUSHER.md 1.4).
//
// Two families:
//  - WebSocket close codes / `pusher:error` codes (numbers). Their range decides what the client
//    does next, exactly as pusher-js `protocol.ts getCloseAction` does: closeAction() below is
//    the only place that reads a close code.
//  - REST / nack / subscription codes (strings such as `unauthorized_channel`), as the seed's
//    "Common Error Codes" table and docs/protocol.md list them.

/** What the connection does after the transport closed with a code. */
export type CloseAction =
  /** Do not reconnect: the server refused us (4000-4099 except a token refresh, >= 4300). */
  | 'refused'
  /** Fetch a new token from the token provider, then reconnect (4009 with `invalid_token`). */
  | 'refresh_token'
  /** Reconnect after a back-off of at least one second (4100-4199). */
  | 'backoff'
  /** Reconnect at once (4200-4299). */
  | 'retry'
  /** The network went away or the socket failed (< 4000): reconnect after a back-off. */
  | 'network';

/** Pusher close / `pusher:error` codes with their documented meaning. */
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  abnormal: 1006,
  invalidPayload: 1007,
  messageTooBig: 1009,
  sslOnly: 4000,
  appNotFound: 4001,
  appDisabled: 4003,
  overConnectionQuota: 4004,
  pathNotFound: 4005,
  invalidVersion: 4006,
  unsupportedProtocol: 4007,
  noProtocol: 4008,
  unauthorized: 4009,
  overCapacity: 4100,
  reconnectNow: 4200,
  pongTimeout: 4201,
  inactivity: 4202,
  clientError: 4300,
  rateLimited: 4301,
} as const;

export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

/**
 * The single close-code table (pusher-js getCloseAction, with our token refresh):
 *
 * | code | action |
 * | --- | --- |
 * | < 4000 | network (back off); pusher-js backs off for 1002-1004 and retries after 1 s otherwise |
 * | 4000 | refused (pusher-js switches to TLS; our URL scheme is the one the app gave) |
 * | 4009 with error `invalid_token` | refresh_token |
 * | 4001-4099 | refused |
 * | 4100-4199 | backoff (at least 1 s) |
 * | 4200-4299 | retry (at once) |
 * | >= 4300 | refused |
 *
 * @param code the WebSocket close code (or a `pusher:error` code that preceded the close)
 * @param error the `error` field of the `pusher:error` that preceded the close, if any
 */
export function closeAction(code: number, error?: string): CloseAction {
  if (code < 4000) return 'network';
  if (code === CloseCodes.unauthorized && error === 'invalid_token') return 'refresh_token';
  if (code < 4100) return 'refused';
  if (code < 4200) return 'backoff';
  if (code < 4300) return 'retry';
  return 'refused';
}

/** The string codes of REST errors, nacks and subscription errors. */
export const ErrorCodes = {
  // The seed's "Common Error Codes".
  invalidChannel: 'invalid_channel',
  invalidToken: 'invalid_token',
  unauthorizedChannel: 'unauthorized_channel',
  channelLimitExceeded: 'channel_limit_exceeded',
  channelNotFound: 'channel_not_found',
  rateLimitExceeded: 'rate_limit_exceeded',
  connectionFailed: 'connection_failed',
  // docs/protocol.md "Native REST API" and "Native messages".
  invalidRequest: 'invalid_request',
  invalidApiKey: 'invalid_api_key',
  appDisabled: 'app_disabled',
  appNotFound: 'app_not_found',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  // Raised by the SDK itself.
  ackTimeout: 'ack_timeout',
  unsubscribed: 'unsubscribed',
  queueFull: 'queue_full',
  configuration: 'configuration_error',
  network: 'network_error',
  disconnected: 'disconnected',
  timeout: 'timeout',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** HTTP status of each seed REST code (for errors the SDK raises itself from a WebSocket frame). */
export const ErrorStatus: Readonly<Record<string, number>> = {
  invalid_channel: 400,
  invalid_request: 400,
  invalid_token: 401,
  unauthorized_channel: 401,
  invalid_api_key: 401,
  channel_limit_exceeded: 403,
  app_disabled: 403,
  channel_not_found: 404,
  app_not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limit_exceeded: 429,
  connection_failed: 500,
};

/** The code of a Pusher subscription error `{type, error, status}` when `error` is not given. */
export function subscriptionErrorCode(type: string | undefined, status: number | undefined): string {
  if (type === 'AuthError' || status === 401) return ErrorCodes.unauthorizedChannel;
  if (type === 'LimitReached' || status === 403) return ErrorCodes.channelLimitExceeded;
  if (type === 'InvalidChannel' || type === 'InvalidChannelData' || status === 400) {
    return ErrorCodes.invalidChannel;
  }
  return ErrorCodes.connectionFailed;
}
