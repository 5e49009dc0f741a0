// The native REST API client: JSON:API bodies, the seed's headers, errors as SwitchboardError.
//
// Every request carries X-App-Id (when known), X-Api-Key, and `Authorization: Bearer <token>`
// once a connection token is known (publishable keys need it to read history, search and mark
// as read).
import { ErrorCodes } from './codes.js';
import { SwitchboardError } from './errors.js';

export interface RestConfig {
  /** http(s) base URL of the server (the seed's `urls.realtime`). */
  baseUrl: string;
  appId?: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** The current user token, if any. */
  token(): string | null;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RestRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Extra headers (override the defaults). */
  headers?: Record<string, string>;
}

interface JsonApiError {
  status?: string | number;
  code?: string;
  title?: string;
  detail?: string;
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: ErrorCodes.invalidRequest,
  401: ErrorCodes.invalidToken,
  403: ErrorCodes.unauthorizedChannel,
  404: ErrorCodes.channelNotFound,
  413: ErrorCodes.payloadTooLarge,
  415: ErrorCodes.unsupportedMediaType,
  429: ErrorCodes.rateLimitExceeded,
};

/** Join a base URL and a path, keeping the base's own path prefix. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

export function withQuery(url: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return url;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `${url}${url.includes('?') ? '&' : '?'}${parts.join('&')}` : url;
}

/** The SwitchboardError for a failed response (JSON:API `errors[0]` when there is one). */
export function errorFromResponse(status: number, body: unknown, text: string): SwitchboardError {
  const errors = (body as { errors?: JsonApiError[] } | null)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (first && typeof first === 'object') {
    const s = Number(first.status);
    return new SwitchboardError({
      status: Number.isFinite(s) && s > 0 ? s : status,
      code: first.code ?? STATUS_CODES[status] ?? ErrorCodes.connectionFailed,
      title: first.title ?? `HTTP ${status}`,
      detail: first.detail ?? first.title ?? text.slice(0, 200),
    });
  }
  return new SwitchboardError({
    status,
    code: STATUS_CODES[status] ?? ErrorCodes.connectionFailed,
    title: `HTTP ${status}`,
    detail: text.slice(0, 200) || `HTTP ${status}`,
  });
}

export class RestClient {
  constructor(private readonly config: RestConfig) {}

  get baseUrl(): string {
    return this.config.baseUrl;
  }

  /** Send a request; resolve the parsed JSON body (undefined for an empty body). */
  async request<T>(req: RestRequest): Promise<T> {
    const url = withQuery(joinUrl(this.config.baseUrl, req.path), req.query);
    const headers: Record<string, string> = { accept: 'application/vnd.api+json, application/json' };
    if (this.config.appId) headers['x-app-id'] = this.config.appId;
    headers['x-api-key'] = this.config.apiKey;
    const token = this.config.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, req.headers);
    return fetchJson<T>(this.config.fetch, url, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
  }
}

/** fetch + JSON + SwitchboardError on failure (also used for the app's own endpoints). */
export async function fetchJson<T>(
  fetchImpl: typeof fetch | undefined,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<T> {
  const f = fetchImpl ?? globalThis.fetch;
  if (typeof f !== 'function') {
    throw new SwitchboardError({ code: ErrorCodes.configuration, title: 'No fetch', detail: 'this environment has no fetch: pass one to createClient' });
  }
  let res: Response;
  try {
    res = await f(url, init);
  } catch (err) {
    throw new SwitchboardError({
      code: ErrorCodes.network,
      title: 'Network error',
      detail: `${init.method} ${url}: ${err instanceof Error ? err.message : String(err)}`,
      cause: err,
    });
  }
  const text = await res.text();
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) throw errorFromResponse(res.status, body, text);
  if (text && body === undefined) {
    throw new SwitchboardError({ status: res.status, code: ErrorCodes.invalidRequest, title: 'Invalid response', detail: `${init.method} ${url} answered non-JSON: ${text.slice(0, 120)}` });
  }
  return body as T;
}
