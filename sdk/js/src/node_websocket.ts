// Node 20 has no global WebSocket: load the `ws` package on first use. The browser bundle
// replaces this file with node_websocket.browser.ts (scripts/build.mjs), so a browser build never
// references `ws`.

/** The part of the WebSocket API the transport uses (browser WebSocket and `ws` both have it). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

let cached: Promise<WebSocketCtor> | null = null;

export function loadNodeWebSocket(): Promise<WebSocketCtor> {
  cached ??= import('ws').then((mod) => {
    const m = mod as unknown as { default?: WebSocketCtor; WebSocket?: WebSocketCtor };
    const Ctor = m.WebSocket ?? m.default;
    if (!Ctor) throw new Error('the ws package did not export WebSocket');
    return Ctor;
  });
  return cached;
}
